"""The streaming percentile sketch gives exactly what numpy.quantile gives."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outlook.model.quantiles import QuantileSketch

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"

LEVELS = [0.05, 0.25, 0.5, 0.75, 0.95]


def stream(x: np.ndarray, chunk: int, levels: list[float] = LEVELS) -> QuantileSketch:
    sk = QuantileSketch(levels)
    for i in range(0, x.size, chunk):
        sk.update(x[i : i + chunk])
    return sk


DATA = {
    "normal": lambda r, n: r.standard_normal(n),
    "heavy-tail": lambda r, n: np.exp(3 * r.standard_normal(n)),
    "yes-no": lambda r, n: (r.random(n) < 0.3).astype(float),
    "integers": lambda r, n: r.integers(0, 7, n).astype(float),
    "atom-and-continuum": lambda r, n: np.where(r.random(n) < 0.4, 2.0, r.random(n)),
    "constant": lambda r, n: np.full(n, 3.5),
    # the bundled case's brake: half the values exactly 1, the top levels' brackets a single point
    "half-an-atom-at-the-top": lambda r, n: np.where(r.random(n) < 0.5, 1.0, 0.5 + 0.5 * r.random(n)),
    "two-atoms-and-a-continuum": lambda r, n: np.select([(u := r.random(n)) < 0.3, u < 0.55], [0.0, 1.0], r.random(n)),
}


@pytest.mark.parametrize("kind", sorted(DATA))
@pytest.mark.parametrize("chunk", [1000, 65536, 300_000], ids=["c1000", "c65536", "c300000"])
def test_exact_against_numpy(kind: str, chunk: int) -> None:
    """Streamed percentiles equal numpy.quantile over all values, bit for bit."""
    x = DATA[kind](np.random.default_rng(3), 600_001)
    result = stream(x, chunk).result()
    assert result is not None
    assert np.quantile(x, LEVELS).tolist() == result.tolist()


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=400),
    chunk=st.integers(1, 50),
    levels=st.lists(st.floats(0, 1), min_size=1, max_size=4),
)
def test_exact_for_any_small_stream(values: list[float], chunk: int, levels: list[float]) -> None:
    """Any stream, any chunking, any levels: the very numpy.quantile numbers."""
    x = np.array(values)
    result = stream(x, chunk, levels).result()
    assert result is not None
    assert np.quantile(x, levels).tolist() == result.tolist()


def test_memory_grows_far_slower_than_the_stream() -> None:
    """What is kept is a small fraction of the values once the stream is long."""
    n = 4_000_000
    sk = QuantileSketch(LEVELS)
    rng = np.random.default_rng(0)
    for _ in range(n // 200_000):
        sk.update(rng.standard_normal(200_000))
    assert sk.kept < 0.05 * n


def test_atoms_cost_nothing() -> None:
    """A yes/no stream keeps a handful of distinct values, however long."""
    rng = np.random.default_rng(1)
    sk = stream((rng.random(2_000_000) < 0.5).astype(float), 100_000)
    assert sk.kept <= 10


def test_a_level_inside_an_atom_counts_it_without_copies() -> None:
    """Where a level's bracket is a single point (half the values are 1), the values in it are counted, not kept:
    nothing is pending between compactions, and the result is numpy's."""
    x = DATA["half-an-atom-at-the-top"](np.random.default_rng(4), 1_000_000)
    sk = QuantileSketch(LEVELS)
    for i in range(0, x.size, 65_536):
        sk.update(x[i : i + 65_536])
    top = [k for k in range(len(LEVELS)) if sk.lo[k] == sk.hi[k] == 1.0]
    assert top == [3, 4]  # the 75th and 95th percentiles lie in the atom
    assert all(not sk.pending[k] for k in top)
    assert sk.point[top].sum() > 400_000  # about half the stream, counted at the two points
    result = sk.result()
    assert result is not None
    assert np.quantile(x, LEVELS).tolist() == result.tolist()


@pytest.mark.parametrize("chunk", [65536, 300_000], ids=["c65536", "c300000"])
def test_a_stream_that_is_not_exchangeable_is_refused_not_misreported(chunk: int) -> None:
    """Sorted input defeats the brackets: result() says so (None) rather than a wrong number."""
    x = np.sort(np.random.default_rng(2).standard_normal(600_001))
    assert stream(x, chunk).result() is None


def test_empty_stream_gives_nan() -> None:
    """No values: the percentiles are not numbers."""
    result = QuantileSketch(LEVELS).result()
    assert result is not None
    assert np.isnan(result).all()


def pieces(x: np.ndarray, cuts: list[int], chunk: int, levels: list[float] = LEVELS) -> QuantileSketch:
    """Sketch each piece of ``x`` between sorted ``cuts`` on its own, then merge in order."""
    edges = [0, *sorted(set(cuts)), x.size]
    merged = QuantileSketch(levels)
    for a, b in itertools.pairwise(edges):
        if b > a:
            merged.merge(stream(x[a:b], chunk, levels))
    return merged


@pytest.mark.parametrize("kind", sorted(DATA))
def test_merged_sketches_are_exact(kind: str) -> None:
    """Sketches of separate ranges, merged, give the numpy.quantile of all values."""
    x = DATA[kind](np.random.default_rng(4), 900_001)
    merged = pieces(x, [65536, 300_000, 300_001, 700_000], 65536)
    result = merged.result()
    assert result is not None
    assert np.quantile(x, LEVELS).tolist() == result.tolist()
    assert x.size == merged.seen


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=300),
    cuts=st.lists(st.integers(0, 300), max_size=5),
    chunk=st.integers(1, 40),
    levels=st.lists(st.floats(0, 1), min_size=1, max_size=4),
)
def test_merge_is_exact_for_any_split(values: list[float], cuts: list[int], chunk: int, levels: list[float]) -> None:
    """Any split into ranges, any chunking: merged percentiles equal numpy.quantile, or are refused."""
    x = np.array(values)
    result = pieces(x, [c for c in cuts if c < x.size], chunk, levels).result()
    if result is not None:  # tiny ranges may miss a bracket: refused, never wrong
        assert np.quantile(x, levels).tolist() == result.tolist()


def test_merging_an_empty_sketch_changes_nothing() -> None:
    """An empty range adds nothing."""
    x = np.random.default_rng(5).standard_normal(100_000)
    sk = stream(x, 65536)
    sk.merge(QuantileSketch(LEVELS))
    assert np.quantile(x, LEVELS).tolist() == sk.result().tolist()  # type: ignore[union-attr]


def test_a_sketch_keeps_narrowing_however_long_the_stream() -> None:
    """Sixty blocks after a one-block start (ranges streaming into a worker's partial): exact, and still small."""
    rng = np.random.default_rng(6)
    sk = QuantileSketch(LEVELS)
    xs = [rng.standard_normal(65_536) for _ in range(60)]
    for x in xs:
        sk.update(x)
    allx = np.concatenate(xs)
    assert sk.kept < 0.03 * allx.size
    assert np.quantile(allx, LEVELS).tolist() == sk.result().tolist()  # type: ignore[union-attr]


# --------------------------------------------------------------------------
# constants, yes/no and categorical drivers: percentiles from counts


COUNTED = {
    "constant": ((3.5,), lambda r, n: np.full(n, 3.5)),
    "yes-no": ((0.0, 1.0), lambda r, n: (r.random(n) < 0.3).astype(float)),
    "rare yes": ((0.0, 1.0), lambda r, n: (r.random(n) < 0.002).astype(float)),
    "categorical": ((0.0, 1.0, 2.0, 3.0), lambda r, n: r.choice(4, n, p=[0.05, 0.6, 0.3, 0.05]).astype(float)),
}


@pytest.mark.parametrize("kind", sorted(COUNTED))
@pytest.mark.parametrize("n", [1, 2, 7, 100_003])
def test_counted_quantiles_are_numpy_s_and_the_sketch_s(kind: str, n: int) -> None:
    from outlook.model.quantiles import CountedQuantiles

    values, draw = COUNTED[kind]
    x = draw(np.random.default_rng(n), n)
    counted = CountedQuantiles(LEVELS, values)
    halves = [CountedQuantiles(LEVELS, values), CountedQuantiles(LEVELS, values)]
    for i in range(0, n, 4096):
        counted.update(x[i : i + 4096])
        halves[(i // 4096) % 2].update(x[i : i + 4096])
    halves[0].merge(halves[1])
    want = np.quantile(x, LEVELS)
    assert np.array_equal(counted.result(), want)
    assert np.array_equal(halves[0].result(), want)
    assert np.array_equal(counted.result(), stream(x, 4096).result())
    assert counted.seen == n
    assert counted.kept == len(values)


def test_counted_quantiles_refuse_values_that_are_not_indices() -> None:
    from outlook.model.quantiles import CountedQuantiles

    with pytest.raises(ValueError, match="indices"):
        CountedQuantiles(LEVELS, (0.5, 2.0))
    assert np.isnan(CountedQuantiles(LEVELS, (1.0,)).result()).all()


def test_constants_yes_no_and_categories_never_go_through_the_sketch() -> None:
    import outlook
    from outlook import distributions as dist
    from outlook.model.accumulate import percentile_tracker
    from outlook.model.quantiles import CountedQuantiles

    s = outlook.load_scenario(str(ARCHIVED))
    kinds = {d.id: type(percentile_tracker(d.distribution)) for d in s.drivers}
    discrete = (dist.Constant, dist.Bernoulli, dist.Categorical)
    assert (
        {k for k, v in kinds.items() if v is CountedQuantiles}
        == {d.id for d in s.drivers if isinstance(d.distribution, discrete)}
        == {"troops_pledged", "defence_pact", "us_election"}
    )
    assert percentile_tracker(None).__class__ is QuantileSketch  # a derived quantity
