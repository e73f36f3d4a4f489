"""Estimative words: a probability becomes the word an analyst would write.

Owns the published scales (ICD 203 by default) and their boundary
conventions. Never samples, never formats tables.

Boundary convention: bands are half-open ``[lo, hi)``, the top band closed,
so 0.55 is "likely" (not "roughly even chance") and 0.95 is "almost
certain". ICD 203's table covers 1-99 %; below 1 % the lowest term and above
99 % the highest term apply (the scale is clamped at its ends, not extended).
Scales with deliberate gaps (PHIA, Kent) name both neighbours in a gap:
"unlikely to realistic possibility". Kent's "certain" and "impossible" lie
outside his scale and are never returned. The IPCC AR4 bands are nested
("likely" is > 66 %, "very likely" > 90 %); outlook gives the most specific
term, reading them as the partition 1, 10, 33, 66, 90, 99 %.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "Band",
    "LEVEL_GAP",
    "LEVEL_K",
    "SCALES",
    "STRADDLE_K",
    "Scale",
    "estimative_word",
    "get_scale",
    "level",
    "straddles",
]

#: Half-width of the Monte Carlo error band, in standard errors, that
#: :func:`straddles` checks: ``p ± 2 se`` (about 95 % of the simulation noise).
STRADDLE_K = 2.0


#: Two probabilities closer than this are "level" at any sample count: a
#: reader cannot act on a smaller difference, and the judgement's own range
#: is far wider (the review of the bundled case, R2: "below about 5 pp").
LEVEL_GAP = 0.05

#: Standard errors of the paired difference within which two probabilities
#: are "level" (:func:`level`): at a true difference of zero, a gap beyond
#: ``3 SE`` comes up about 0.27 % of the time, so the wording barely ever
#: depends on the seed.
LEVEL_K = 3.0


@dataclass(frozen=True, slots=True)
class Band:
    """A term and the probabilities ``[lo, hi)`` it covers."""

    lo: float
    hi: float
    word: str


@dataclass(frozen=True, slots=True)
class Scale:
    """A published scale of estimative terms, in increasing order."""

    name: str
    title: str
    source: str
    bands: tuple[Band, ...]
    verified: bool = True

    def word(self, p: float) -> str:
        """The term for probability ``p`` (see the module's conventions)."""
        if math.isnan(p) or not 0.0 <= p <= 1.0:
            msg = f"probability must lie in [0, 1] (got {p})"
            raise ValueError(msg)
        bands = self.bands
        if p < bands[0].lo:
            return bands[0].word
        for i, b in enumerate(bands):
            last = i == len(bands) - 1
            if b.lo <= p < b.hi or (last and p >= b.lo):
                return b.word
            if not last and b.hi <= p < bands[i + 1].lo:
                return f"{b.word} to {bands[i + 1].word}"
        return bands[-1].word

    def edges(self) -> tuple[float, ...]:
        """Every band edge strictly inside (0, 1)."""
        return tuple(sorted({e for b in self.bands for e in (b.lo, b.hi) if 0.0 < e < 1.0}))


def _scale(name: str, title: str, source: str, rows: list[tuple[float, float, str]], verified: bool = True) -> Scale:
    return Scale(name, title, source, tuple(Band(lo, hi, w) for lo, hi, w in rows), verified)


_ICD = [(0.0, 0.05), (0.05, 0.20), (0.20, 0.45), (0.45, 0.55), (0.55, 0.80), (0.80, 0.95), (0.95, 1.0)]

#: Every scale outlook knows, by name.
SCALES: Mapping[str, Scale] = {
    s.name: s
    for s in (
        _scale(
            "icd203",
            "ICD 203 likelihood terms",
            "ODNI, Intelligence Community Directive 203, Analytic Standards (2015)",
            [
                (lo, hi, w)
                for (lo, hi), w in zip(
                    _ICD,
                    [
                        "almost no chance",
                        "very unlikely",
                        "unlikely",
                        "roughly even chance",
                        "likely",
                        "very likely",
                        "almost certain",
                    ],
                )
            ],
        ),
        _scale(
            "icd203-probability",
            "ICD 203 probability terms (same bands)",
            "ODNI, Intelligence Community Directive 203, Analytic Standards (2015)",
            [
                (lo, hi, w)
                for (lo, hi), w in zip(
                    _ICD,
                    [
                        "remote",
                        "highly improbable",
                        "improbable",
                        "roughly even odds",
                        "probable",
                        "highly probable",
                        "nearly certain",
                    ],
                )
            ],
        ),
        _scale(
            "phia",
            "UK PHIA probability yardstick",
            "Explaining Uncertainty in UK Intelligence Assessment, GOV.UK (2025); bands as given by secondary sources",
            [
                (0.0, 0.05, "remote chance"),
                (0.10, 0.20, "highly unlikely"),
                (0.25, 0.35, "unlikely"),
                (0.40, 0.50, "realistic possibility"),
                (0.55, 0.75, "likely"),
                (0.80, 0.90, "highly likely"),
                (0.95, 1.0, "almost certain"),
            ],
        ),
        _scale(
            "kent",
            "Sherman Kent, Words of Estimative Probability (1964)",
            "S. Kent, Studies in Intelligence 8(4), 1964",
            [
                (0.02, 0.12, "almost certainly not"),
                (0.20, 0.40, "probably not"),
                (0.40, 0.60, "chances about even"),
                (0.63, 0.87, "probable"),
                (0.87, 0.99, "almost certain"),
            ],
        ),
        _scale(
            "ipcc",
            "IPCC AR4 likelihood scale (nested bands, read as a partition)",
            "IPCC Fourth Assessment Report, Guidance Notes on Uncertainty (2005)",
            [
                (0.0, 0.01, "exceptionally unlikely"),
                (0.01, 0.10, "very unlikely"),
                (0.10, 0.33, "unlikely"),
                (0.33, 0.66, "about as likely as not"),
                (0.66, 0.90, "likely"),
                (0.90, 0.99, "very likely"),
                (0.99, 1.0, "virtually certain"),
            ],
        ),
        _scale(
            "nato-unverified",
            "NATO AJP-2.1",
            "AJP-2.1 Edition B (2016), as recalled in Mandel & Irwin (2021); not checked against the source",
            [
                (0.0, 0.10, "highly unlikely"),
                (0.10, 0.40, "unlikely"),
                (0.40, 0.60, "even chance"),
                (0.60, 0.90, "likely"),
                (0.90, 1.0, "highly likely"),
            ],
            verified=False,
        ),
    )
}


def get_scale(name: str | Scale) -> Scale:
    """The scale called ``name`` (one of :data:`SCALES`).

    Raises
    ------
    TypeError
        If ``name`` is neither a ``str`` nor a :class:`Scale`.
    ValueError
        If no scale has that name.
    """
    if isinstance(name, Scale):
        return name
    if not isinstance(name, str):
        raise TypeError(f"scale must be a scale's name or a Scale, not {type(name).__name__}")
    try:
        return SCALES[name]
    except KeyError:
        from .errors import did_you_mean

        msg = f"unknown scale {name!r}; expected one of {', '.join(SCALES)}.{did_you_mean(name, SCALES)}"
        raise ValueError(msg) from None


def estimative_word(p: float, scale: str | Scale = "icd203") -> str:
    """The estimative term for probability ``p``.

    Parameters
    ----------
    p
        A probability in [0, 1].
    scale
        A name from :data:`SCALES` or a :class:`Scale`; ICD 203 by default.

    Returns
    -------
    str

    Examples
    --------
    >>> estimative_word(0.62)
    'likely'
    >>> estimative_word(0.55), estimative_word(0.5499)
    ('likely', 'roughly even chance')
    >>> estimative_word(0.07, "phia")
    'remote chance to highly unlikely'
    """
    return get_scale(scale).word(float(p))


def straddles(p: float, se: float, scale: str | Scale = "icd203", *, k: float = STRADDLE_K) -> bool:
    """Whether the Monte Carlo error band of ``p`` crosses a word boundary.

    The band is ``[p - k se, p + k se]``, clipped to [0, 1]. It straddles a
    boundary when its two ends get different words on ``scale``, so that more
    samples could change the word a report prints. Reports mark such a word
    (``likely†``) and explain the mark.

    Parameters
    ----------
    p
        A probability in [0, 1].
    se
        Its Monte Carlo standard error, ``sqrt(p (1 - p) / n)``; finite and
        non-negative.
    scale
        A name from :data:`SCALES` or a :class:`Scale`; ICD 203 by default.
    k
        Half-width of the band in standard errors; :data:`STRADDLE_K` (2) by
        default, close to the 1.96 of a normal 95 % interval.

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        If ``p`` is not in [0, 1], or ``se`` or ``k`` is negative or not finite.

    Notes
    -----
    Every band of a scale, and every gap between two bands, is an interval,
    so comparing the words at the two ends of the error band is the same as
    asking whether a band edge lies inside it. The ends are closed: under the
    half-open convention of this module a band reaching exactly 0.55 touches
    "likely" and straddles. A probability in a gap of a gapped scale (PHIA,
    Kent) straddles when the band reaches either neighbouring band.

    Examples
    --------
    >>> straddles(0.62, 0.003)      # 0.614 to 0.626: "likely" throughout
    False
    >>> straddles(0.548, 0.003)     # 0.542 to 0.554 crosses 0.55
    True
    >>> straddles(0.548, 0.003, k=0.5)
    False
    """
    if math.isnan(se) or math.isinf(se) or se < 0:
        msg = f"standard error must be finite and non-negative (got {se})"
        raise ValueError(msg)
    if math.isnan(k) or math.isinf(k) or k < 0:
        msg = f"k must be finite and non-negative (got {k})"
        raise ValueError(msg)
    sc = get_scale(scale)
    word = sc.word(float(p))
    half = k * se
    return sc.word(max(0.0, p - half)) != word or sc.word(min(1.0, p + half)) != word


def level(p1: float, p2: float, n: float, *, gap: float = LEVEL_GAP, k: float = LEVEL_K) -> bool:
    """Whether two scenarios' probabilities are too close to name one of them the leading scenario.

    They are level when ``|p1 - p2| < max(gap, k SE)``, where ``SE`` is the
    Monte Carlo standard error of the difference of two categories of one
    multinomial sample of ``n`` worlds (the scenarios at one horizon are
    exclusive), ``SE = sqrt((p1 + p2 - (p1 - p2)**2) / n)``: the variance of
    ``p1_hat - p2_hat`` is ``(p1 (1 - p1) + p2 (1 - p2) + 2 p1 p2) / n``, the
    covariance of two categories being ``-p1 p2 / n``.

    The floor ``gap`` keeps the wording from changing with the sample count:
    with more worlds the SE shrinks, but two scenarios 0.3 points apart stay
    level. The ``k SE`` term keeps it from changing with the seed at small
    ``n``: at a true difference of zero the chance of calling them ordered is
    ``P(|Z| > k)``, about 0.27 % for ``k = 3``, and nil once ``k SE < gap``.

    Parameters
    ----------
    p1, p2
        Two probabilities in [0, 1] from the same ``n`` worlds.
    n
        The number of worlds (Kish's effective sample size for weighted
        worlds); positive.
    gap
        The smallest difference that can order them, in probability units;
        :data:`LEVEL_GAP` (5 percentage points) by default.
    k
        Standard errors of the difference; :data:`LEVEL_K` (3) by default.

    Returns
    -------
    bool

    Raises
    ------
    ValueError
        If ``n`` is not positive, or ``gap`` or ``k`` is negative or not finite.

    Examples
    --------
    >>> level(0.300, 0.297, 1_000_000)   # below the 5-point floor at any n
    True
    >>> level(0.45, 0.37, 200), level(0.45, 0.37, 100_000)
    (True, False)
    """
    if math.isnan(n) or n <= 0:
        msg = f"the number of worlds must be positive (got {n})"
        raise ValueError(msg)
    for name, x in (("gap", gap), ("k", k)):
        if math.isnan(x) or math.isinf(x) or x < 0:
            msg = f"{name} must be finite and non-negative (got {x})"
            raise ValueError(msg)
    diff = abs(float(p1) - float(p2))
    se = math.sqrt(max(float(p1) + float(p2) - diff**2, 0.0) / float(n))
    return diff < max(gap, k * se)
