"""Estimative words: bands, boundary convention, scales."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outlook import SCALES, estimative_word

ICD = [
    (0.0, "almost no chance"),
    (0.004, "almost no chance"),
    (0.0499, "almost no chance"),
    (0.05, "very unlikely"),
    (0.2, "unlikely"),
    (0.4499, "unlikely"),
    (0.45, "roughly even chance"),
    (0.5499, "roughly even chance"),
    (0.55, "likely"),
    (0.62, "likely"),
    (0.8, "very likely"),
    (0.95, "almost certain"),
    (0.999, "almost certain"),
    (1.0, "almost certain"),
]


@pytest.mark.parametrize(("p", "word"), ICD, ids=[str(p) for p, _ in ICD])
def test_icd203_bands_are_half_open(p: float, word: str) -> None:
    """ICD 203 bands are [lo, hi), the top one closed, clamped below 1 % and above 99 %."""
    assert word == estimative_word(p)


@pytest.mark.parametrize(
    ("p", "scale", "word"),
    [
        (0.3, "icd203-probability", "improbable"),
        (0.07, "phia", "remote chance to highly unlikely"),
        (0.45, "phia", "realistic possibility"),
        (0.5, "phia", "realistic possibility to likely"),
        (0.15, "kent", "almost certainly not to probably not"),
        (0.5, "kent", "chances about even"),
        (0.5, "nato-unverified", "even chance"),
        (0.7, "ipcc", "likely"),
        (0.95, "ipcc", "very likely"),
        (0.005, "ipcc", "exceptionally unlikely"),
    ],
    ids=["icd-prob", "phia-gap", "phia", "phia-gap-top", "kent-gap", "kent", "nato", "ipcc", "ipcc-nested", "ipcc-low"],
)
def test_other_scales(p: float, scale: str, word: str) -> None:
    """Other scales give their own terms; gaps name both neighbours."""
    assert word == estimative_word(p, scale)


def test_nato_is_marked_unverified() -> None:
    """The NATO table, not checked against its source, says so."""
    assert not SCALES["nato-unverified"].verified
    assert all(s.verified for n, s in SCALES.items() if n != "nato-unverified")


@given(st.floats(0, 1), st.sampled_from(sorted(SCALES)))
def test_every_probability_has_a_word(p: float, scale: str) -> None:
    """Every probability in [0, 1] gets a non-empty word on every scale."""
    assert estimative_word(p, scale)


@given(st.floats(0, 1), st.floats(0, 1))
def test_words_are_monotone(a: float, b: float) -> None:
    """A larger probability never gets a lower ICD 203 band."""
    order = [b.word for b in SCALES["icd203"].bands]
    lo, hi = sorted((a, b))
    assert order.index(estimative_word(lo)) <= order.index(estimative_word(hi))


@pytest.mark.parametrize("p", [-0.1, 1.1, float("nan")], ids=["negative", "above-one", "nan"])
def test_out_of_range_probability_is_refused(p: float) -> None:
    """A probability outside [0, 1] is a ValueError, not a word."""
    with pytest.raises(ValueError, match="probability must lie in"):
        estimative_word(p)


def test_unknown_scale_suggests_a_name() -> None:
    """A misspelt scale name gets a did-you-mean."""
    with pytest.raises(ValueError, match="Did you mean 'icd203'"):
        estimative_word(0.5, "icd230")


@pytest.mark.parametrize("scale", [None, 3, ["icd203"]])
def test_a_scale_that_is_not_a_name_is_a_type_error(scale: object) -> None:
    """Not "'NoneType' object is not iterable": the error says what a scale must be."""
    with pytest.raises(TypeError, match=r"^scale must be a scale's name or a Scale, not \w+$"):
        estimative_word(0.5, scale)  # type: ignore[arg-type]
