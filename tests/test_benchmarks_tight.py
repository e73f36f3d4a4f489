"""The tight hand-written baseline (benchmarks/tight.py) gives outlook's numbers within Monte Carlo error.

Small samples only; the timing itself is ``benchmarks/bench_engine.py``'s job.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import tight  # noqa: E402
from common import check_agreement, outlook_arrays, via_outlook  # noqa: E402
from handwritten import hazard_time  # noqa: E402


def test_percentiles_are_numpy_s_exactly_over_chunks() -> None:
    rng = np.random.default_rng(3)
    x = rng.lognormal(0, 1, 3 * tight.CHUNK + 123)
    s = tight.Summaries()
    for i in range(0, x.size, tight.CHUNK):
        s.add("x", x[i : i + tight.CHUNK])
    got = s.stats()["x"]
    assert got[3:8] == tuple(np.percentile(x, tight.PCTS).tolist())
    assert got[0] == pytest.approx(x.mean(), rel=1e-12)
    assert got[1] == pytest.approx(x.std(ddof=1), rel=1e-10)
    assert (got[2], got[8]) == (x.min(), x.max())


def test_binary_percentiles_from_counts() -> None:
    rng = np.random.default_rng(4)
    x = rng.random(200_001) < 0.3
    s = tight.Summaries()
    for i in range(0, x.size, tight.CHUNK):
        part = x[i : i + tight.CHUNK]
        s.add_binary("b", int(np.count_nonzero(part)), part.size)
    got = s.stats()["b"]
    xf = x.astype(np.float64)
    assert got[3:8] == tuple(np.percentile(xf, tight.PCTS).tolist())
    assert got[1] == pytest.approx(xf.std(ddof=1), rel=1e-10)


def test_cumulative_hazard_agrees_with_inverted_times() -> None:
    """``E <= H(end)`` exactly where the inverted time is ``<= end`` (up to rounding at the edge)."""
    rng = np.random.default_rng(5)
    n = 50_000
    e = rng.standard_exponential(n)
    rates = [rng.lognormal(-1, 0.5, n), rng.lognormal(-2, 0.5, n)]
    mods = [(rng.exponential(2, n), 1.0, 1.5), (rng.exponential(3, n), 0.0, 1.0), (rng.exponential(4, n), 1.0, 0.2)]
    t = hazard_time(e, rates, [1.0], mods)
    for end in (0.5, 1.0, 4.0):
        h = tight.cum_hazard(end, rates, [1.0], mods)
        assert np.count_nonzero((e <= h) != (t <= end)) <= 2


@pytest.mark.parametrize("key", ["ten", "bundled"])
def test_tight_agrees_with_outlook(key: str) -> None:
    model = tight.MODELS[key]
    n = 2 * tight.CHUNK + 5000
    tables, _ = via_outlook(model, n, 1, tight.CHUNK)
    assert check_agreement(model, outlook_arrays(model, tables), model.run(n, 2), n)
