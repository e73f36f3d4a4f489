"""Cache-sized pieces (outlook._pieces) change no number: a block in pieces equals the block whole, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from outlook import distributions as dist
from outlook.model import accumulate, hazards

N = 65_536 + 1_234  # more than a piece, not a whole number of them


def whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every piece as large as anything: the block computed whole."""
    for module in (dist, hazards, accumulate):
        monkeypatch.setattr(module, "PIECE", 1 << 40)


@pytest.mark.parametrize("d", [dist.Beta(2.0, 3.0, 1.0, 5.0), dist.pert(0.0, 0.3, 1.0)], ids=lambda d: d.describe())
def test_beta_draws(d: dist.Beta, monkeypatch: pytest.MonkeyPatch) -> None:
    z = np.random.default_rng(1).standard_normal(N) * 3
    pieces = d.from_normal(z)
    whole(monkeypatch)
    assert np.array_equal(pieces, d.from_normal(z))


def test_event_times(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    exp = rng.standard_exponential(N)
    ends = np.array([1.0, 5.0])
    rates = rng.random((N, 3))
    rates[::97, 1] = np.inf  # certain past a horizon
    t1 = np.where(rng.random(N) < 0.3, np.inf, rng.exponential(3, N))
    mods = [(t1, 1.0, 2.5), (rng.exponential(5, N), 1.0, rng.random(N)), (rng.exponential(2, N), 0.0, 1.0)]
    for m in (mods, mods[:1], []):
        for e in (ends, np.empty(0)):
            pieces = hazards.event_times(exp, e, rates[:, : e.size + 1], m)
            with monkeypatch.context() as mp:
                whole(mp)
                assert np.array_equal(pieces, hazards.event_times(exp, e, rates[:, : e.size + 1], m))


def test_curve_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    t = np.concatenate([rng.exponential(3, N), [np.inf, 0.0, 10.0]])
    for grid in (np.linspace(0, 10, 121), np.sort(np.concatenate([np.linspace(0, 10, 121), [2.345]]))):
        pieces = accumulate._curve_counts(t, grid)
        with monkeypatch.context() as mp:
            whole(mp)
            assert np.array_equal(pieces, accumulate._curve_counts(t, grid))
        assert pieces.sum() == np.count_nonzero(t <= grid[-1])


def test_beta_draws_of_a_number_or_a_grid() -> None:
    """A number gives a number, a grid a grid of the same shape: the values as of the same numbers in a row."""
    d = dist.pert(0.0, 0.3, 1.0)
    z = np.array([[0.1, -2.0], [3.0, 0.0]])
    row = d.from_normal(z.reshape(-1))
    assert np.array_equal(d.from_normal(z), row.reshape(2, 2))
    assert float(d.from_normal(0.1)) == float(d.from_normal(np.array([0.1]))[0])
    assert np.shape(d.from_normal(np.array(0.1))) == ()
