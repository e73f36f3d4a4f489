"""Event times are bit for bit what the plain mask-walking inversion gives (the faster walk changes no number).

``reference_event_times`` is ``outlook.model.hazards.event_times`` as it
was before its breakpoints were sorted by a min/max network and hit worlds
were closed by a NaN budget (issue 16): the straightforward version, kept
here as the specification.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from outlook.model.hazards import _sorted_rows, event_times

FloatArray = np.ndarray


def reference_event_times(
    exp: FloatArray,
    ends: FloatArray,
    rates: FloatArray,
    modifiers: list[tuple[FloatArray, float, float | FloatArray]],
) -> FloatArray:
    """Occurrence times from a piecewise-constant hazard with event modifiers.

    Parameters
    ----------
    exp
        Shape ``(n,)``: Exp(1) draws, one per world.
    ends
        Shape ``(k - 1,)``: ends of the first ``k - 1`` hazard segments (years);
        the last segment has no end.
    rates
        Shape ``(n, k)``: base hazard per year on each segment.
    modifiers
        ``(times, before, after)``: the hazard is multiplied by ``before``
        until ``times`` (shape ``(n,)``) and by ``after`` from then on
        (a number, or one per world of shape ``(n,)``: an expression's ``after`` factor).

    Returns
    -------
    Shape ``(n,)``: the time ``T`` solving ``H(T) = exp``, where ``H`` is the
    cumulative hazard; ``inf`` where the hazard never accumulates that much.

    Notes
    -----
    ``H`` is piecewise linear between breakpoints (segment ends and the
    modifying events' times), so it is inverted exactly.
    """
    n = exp.shape[0]
    if not modifiers and ends.size == 0:
        r = rates[:, 0]
        with np.errstate(all="ignore"):  # a tiny rate overflows to inf: never
            return np.where(r > 0, exp / np.where(r > 0, r, 1.0), np.inf)
    pieces: list[tuple[FloatArray | float, FloatArray | float, FloatArray]]  # start, length, rate
    if not modifiers:  # the same breakpoints in every world
        edges = [0.0, *ends.tolist(), math.inf]
        pieces = [(edges[k], edges[k + 1] - edges[k], rates[:, k]) for k in range(rates.shape[1])]
    elif ends.size == 0 and len(modifiers) == 1:  # one rate, one switch: no sorting needed
        times, before, after = modifiers[0]
        with np.errstate(invalid="ignore"):  # an infinite rate times 0: nan, nothing accumulates (below)
            pieces = [(0.0, times, rates[:, 0] * before), (times, np.inf, rates[:, 0] * after)]
    else:  # pieces x worlds, so that every step runs over contiguous rows
        cols = [np.zeros(n)] + [np.full(n, e) for e in ends] + [m[0] for m in modifiers]
        bp = np.sort(np.stack(cols), axis=0)  # (m, n): per-world breakpoints in time order
        rate = np.empty_like(bp)
        rate[:] = rates[:, 0]
        for k, e in enumerate(ends):  # the base segment of each piece
            np.copyto(rate, rates[:, k + 1], where=bp >= e)
        for times, before, after in modifiers:
            with np.errstate(invalid="ignore"):  # an infinite rate times 0: as above
                rate *= np.where(bp >= times, after, before)
        with np.errstate(invalid="ignore"):
            length = np.diff(bp, axis=0, append=np.inf)  # inf - inf: an empty piece at infinity
        pieces = [(bp[k], length[k], rate[k]) for k in range(bp.shape[0])]
    # walk the pieces in time order, spending each world's Exp(1) budget
    remaining = exp.astype(np.float64, copy=True)
    t = np.full(n, np.inf)
    open_ = np.ones(n, dtype=bool)
    with np.errstate(all="ignore"):
        for start, width, r in pieces:
            inc = np.asarray(r * width)
            inc[np.isnan(inc)] = 0.0  # 0 * inf or inf * 0: nothing accumulates
            hit = open_ & (inc >= remaining)
            # an infinite rate puts the event at the piece's start; a zero one
            # is hit only by a zero budget, also at the start
            t = np.where(hit, start + np.where(r > 0, remaining / r, 0.0), t)
            open_ &= ~hit
            remaining -= inc
    return t


def random_case(rng: np.random.Generator, n: int) -> tuple:
    """Exp(1) budgets, segment ends, rates and modifiers with zeros, infinities and ties."""
    k = int(rng.integers(1, 4))
    ends = np.sort(rng.choice([0.5, 1.0, 2.0, 5.0], k - 1, replace=False)) if k > 1 else np.empty(0)
    rates = rng.lognormal(-1, 1, (n, k))
    rates[rng.random((n, k)) < 0.05] = 0.0
    rates[rng.random((n, k)) < 0.01] = np.inf
    budget = rng.standard_exponential(n)
    budget[rng.random(n) < 0.01] = 0.0
    mods = []
    for _ in range(int(rng.integers(0, 4))):
        times = rng.exponential(2, n)
        times[rng.random(n) < 0.3] = np.inf
        times[rng.random(n) < 0.02] = 0.0
        times[rng.random(n) < 0.02] = 1.0  # ties with a segment end
        after = float(rng.choice([0.0, 0.3, 1.5, 2.0])) if rng.random() < 0.7 else rng.lognormal(0, 1, n)
        mods.append((times, float(rng.choice([1.0, 0.0])), after))
    return budget, ends, rates, mods


@pytest.mark.parametrize("seed", range(40))
def test_event_times_are_the_reference_s_bit_for_bit(seed: int) -> None:
    rng = np.random.default_rng(seed)
    args = random_case(rng, 3000)
    want = reference_event_times(*args)
    got = event_times(*args)
    assert got.dtype == want.dtype
    assert np.array_equal(got, want, equal_nan=True)


@pytest.mark.parametrize("rows", range(1, 11))
def test_sorted_rows_is_numpy_s_sort(rows: int) -> None:
    rng = np.random.default_rng(rows)
    x = rng.integers(0, 4, (rows, 500)).astype(float)  # many ties
    x[:, ::7] = np.inf
    assert np.array_equal(_sorted_rows(x), np.sort(x, axis=0))
    x[0, 3] = np.nan  # falls back to np.sort: NaN last
    assert np.array_equal(_sorted_rows(x), np.sort(x, axis=0), equal_nan=True)
