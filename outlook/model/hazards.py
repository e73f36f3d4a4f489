"""Event times: the time at which each world's cumulative hazard reaches its Exp(1) budget.

Owns an event's hazard (a ``rate``, or ``by`` probabilities, at horizons'
ends or at any duration or date, turned into a piecewise-constant hazard,
checked in every world), the modifiers of
``after`` (a factor may be an expression, checked in every world) and ``requires``, and the exact inversion of the piecewise-linear
cumulative hazard. Never draws random numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from .._pieces import PIECE
from .._pieces import pieces as cache_pieces
from .._types import FloatArray
from ..errors import SimulationError, of_worlds
from ..scenario import Event
from ..scenario.durations import years_to
from ..scenario.expressions import Expression
from ..scenario.timing import by_years

if TYPE_CHECKING:
    from .compile import Model

__all__ = [
    "after_modifiers",
    "by_probability",
    "event_times",
    "occurrence_time",
    "occurrence_times",
]


def event_times(
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

    Raises
    ------
    ValueError
        If a budget, rate or factor is negative or not a number, a
        modifier's time is negative or not a number, or ``ends`` are not
        increasing and above 0 (infinite rates, factors and times are
        allowed: at once, and never). The hazard accumulates from 0, the
        start of the forecast: a switch that came before it is passed as 0,
        as a run does for an event that happened before ``as_of``. A run
        checks its rates and factors where it reads them, with located
        messages, before this.

    Notes
    -----
    ``H`` is piecewise linear between breakpoints (segment ends and the
    modifying events' times), so it is inverted exactly.
    """
    checks: list[tuple[str, np.ndarray]] = [("a budget", np.asarray(exp)), ("a rate", np.asarray(rates))]
    for i, (times, before, after) in enumerate(modifiers):
        checks += [(f"modifier {i}'s time", np.asarray(times)), (f"modifier {i}'s factor", np.append(after, before))]
    for what, x in checks:
        low = float(np.min(x)) if x.size else 0.0
        if not low >= 0:  # NaN fails too
            msg = f"event_times: {what} is negative or not a number (got {low:g})"
            raise ValueError(msg)
    if ends.size and not (ends[0] > 0 and np.all(np.diff(ends) > 0)):
        msg = f"event_times: ends must be increasing and above 0 (got {np.asarray(ends).tolist()})"
        raise ValueError(msg)
    return _event_times(exp, ends, rates, modifiers)


def _event_times(
    exp: FloatArray,
    ends: FloatArray,
    rates: FloatArray,
    modifiers: list[tuple[FloatArray, float, float | FloatArray]],
) -> FloatArray:
    """:func:`event_times` for checked inputs (a run's, checked where it read them)."""
    n = exp.shape[0]
    if n == 0:
        return np.empty(0)
    if not modifiers and ends.size == 0:
        r = rates[:, 0]
        with np.errstate(all="ignore"):  # a tiny rate overflows to inf: never
            return np.where(r > 0, exp / np.where(r > 0, r, 1.0), np.inf)
    if n > PIECE:  # each world alone: a cache-sized piece at a time (outlook._pieces), the same numbers
        out = np.empty(n)
        for part in cache_pieces(n):
            mods = [(t[part], b, a[part] if isinstance(a, np.ndarray) else a) for t, b, a in modifiers]
            out[part] = _event_times(exp[part], ends, rates[part], mods)
        return out
    pieces: list[tuple[FloatArray | float, FloatArray | float, FloatArray]]  # start, length, rate
    if not modifiers:  # the same breakpoints in every world
        edges = [0.0, *ends.tolist(), math.inf]
        pieces = [(edges[k], edges[k + 1] - edges[k], rates[:, k]) for k in range(rates.shape[1])]
    elif ends.size == 0 and len(modifiers) == 1:  # one rate, one switch: no sorting needed
        times, before, after = modifiers[0]
        with np.errstate(invalid="ignore"):  # an infinite rate times 0: nan, nothing accumulates (below)
            pieces = [(0.0, times, rates[:, 0] * before), (times, np.inf, rates[:, 0] * after)]
    else:  # pieces x worlds, so that every step runs over contiguous rows
        later = [np.full(n, e) for e in ends] + [m[0] for m in modifiers]
        if min(float(x.min()) for x in later) >= 0.0:  # no NaN and none before 0: the first piece starts at 0
            bp = np.empty((len(later) + 1, n))
            bp[0] = 0.0
            bp[1:] = _sorted_rows(np.stack(later), nan_free=True)
        else:
            bp = _sorted_rows(np.stack([np.zeros(n), *later]))  # (m, n): per-world breakpoints in time order
        rate = np.empty_like(bp)
        rate[:] = rates[:, 0]
        for k, e in enumerate(ends):  # the base segment of each piece
            rate = _select(bp >= e, rates[:, k + 1], rate)
        for times, before, after in modifiers:
            with np.errstate(invalid="ignore"):  # an infinite rate times 0: as above
                rate *= _select(bp >= times, after, before)  # x * 1.0 is x: the same as multiplying from the switch on
        length = np.empty_like(bp)  # each piece's length; the last one runs to infinity
        with np.errstate(invalid="ignore"):  # inf - inf: an empty piece at infinity
            np.subtract(bp[1:], bp[:-1], out=length[:-1])
            np.subtract(np.inf, bp[-1], out=length[-1])
        pieces = [(bp[k], length[k], rate[k]) for k in range(bp.shape[0])]
    return _spend(exp, pieces)


def _spend(exp: FloatArray, pieces: list[tuple[FloatArray | float, FloatArray | float, FloatArray]]) -> FloatArray:
    """Walk the ``(start, length, rate)`` pieces in time order, spending each world's Exp(1) budget.

    A world's time is set in the piece whose increment ``rate * length``
    reaches what is left of its budget (``start + left / rate``); an
    infinite rate puts the event at the piece's start, and a zero one is
    hit only by a zero budget, also at the start. The time is computed for
    the worlds hit in a piece alone (gathered by index: in most pieces they
    are a few of the worlds). A world once hit has its budget set to NaN,
    which no later increment reaches (no mask of open worlds to keep), and
    the budget is spent by subtracting each piece's increment in turn: the
    same operations, in the same order, for every world that is still open.
    """
    remaining = exp.astype(np.float64, copy=True)
    t = np.full(exp.shape[0], np.inf)
    last = len(pieces) - 1
    with np.errstate(all="ignore"):
        for k, (start, width, r) in enumerate(pieces):
            inc = np.asarray(r * width)
            np.fmax(inc, 0.0, out=inc)  # 0 * inf or inf * 0 (NaN): nothing accumulates; the rest is >= 0
            hit = np.flatnonzero(inc >= remaining)  # usually a few of the worlds: work on those alone
            if hit.size:
                rh = r[hit]
                left = remaining[hit]
                at = start[hit] if isinstance(start, np.ndarray) else start
                t[hit] = at + np.where(rh > 0, left / rh, 0.0)
                remaining[hit] = np.nan
            if k < last:
                remaining -= inc
    return t


_BITS = np.dtype(np.int64)


def _select(mask: np.ndarray, a: FloatArray | float, b: FloatArray | float) -> FloatArray:
    """``np.where(mask, a, b)`` for float64 values, by bit operations on their int64 views.

    ``np.where`` branches on each element, and a mask that is true in about
    half the worlds, at random, mispredicts every other branch: on the event
    times' pieces it cost several times the arithmetic around it. Selecting
    bits (``b ^ (m & (a ^ b))`` with ``m`` all ones where ``mask``) runs
    without branches and returns each value's exact bits (NaN, infinities and
    signed zeros included). ``a`` and ``b`` broadcast against ``mask``.
    """
    m = mask.view(np.int8).astype(np.int64)  # 0 or 1
    np.negative(m, out=m)  # 0 or all ones
    ab = np.asarray(b, dtype=np.float64).view(_BITS)
    m &= np.asarray(a, dtype=np.float64).view(_BITS) ^ ab
    m ^= ab
    return m.view(np.float64)


def _sorted_rows(x: FloatArray, *, nan_free: bool = False) -> FloatArray:
    """``np.sort(x, axis=0)`` for a few rows of many worlds, by a network of row-wise min and max.

    Sorting each world's handful of breakpoints along axis 0 costs numpy a
    strided copy and a sort call per world; compare-exchanging whole rows
    (odd-even transposition, ``m`` rounds for ``m`` rows) gives the same
    values, each a copy of one input, several times faster. NaN (never an
    event time) would spread through min and max, so it falls back to
    ``np.sort``; ``nan_free=True`` says the caller has ruled NaN out.
    """
    m = x.shape[0]
    if m > 8 or (not nan_free and np.isnan(x).any()):
        return np.sort(x, axis=0)
    out = x.copy()
    for rnd in range(m):
        for j in range(rnd % 2, m - 1, 2):
            lo = np.minimum(out[j], out[j + 1])
            np.maximum(out[j], out[j + 1], out=out[j + 1])
            out[j] = lo
    return out


def _event_hazard(model: Model, e: Event, env: Mapping[str, FloatArray], n: int) -> tuple[FloatArray, FloatArray]:
    """Segment ends and per-world base hazards of an event."""
    kp = f"events.{e.id}"
    if e.rate is not None:
        r = e.rate.evaluate(env, n)
        bad = ~((r >= 0) & (r < np.inf))  # an infinite rate is an overflow or a division by zero, not "at once"
        if bad.any():
            i = int(np.argmax(bad))
            msg = (
                f"{e.where.located(kp + '.rate')}: rate is negative, infinite or not a number in "
                f"{of_worlds(int(bad.sum()), n)} "
                f"(e.g. {r[i]:g})"
            )
            raise SimulationError(msg)
        return np.empty(0), r[:, None]
    s = model.scenario
    ends = np.array([by_years(h, s.horizons, s.as_of) for h, _ in e.by])  # a horizon's end, a duration or a date
    cols = [x.evaluate(env, n) for _, x in e.by]  # column by column: each contiguous, no (n, k) copy
    for j, p in enumerate(cols):  # min and max first: the masks only for a message
        if p.size and not (p.min() >= 0 and p.max() <= 1):  # NaN fails both
            bad = ~((p >= 0) & (p <= 1))
            msg = (
                f"{e.where.located(f'{kp}.by.{e.by[j][0]}')}: probability outside [0, 1] or not a number in "
                f"{of_worlds(int(bad.sum()), n)}"
            )
            raise SimulationError(msg)
    for j in range(len(cols) - 1):
        falls = cols[j + 1] < cols[j]
        if falls.any():
            msg = (
                f"{e.where.located(f'{kp}.by.{e.by[j + 1][0]}')}: cumulative probability falls below that by "
                f"{e.by[j][0]} in {of_worlds(int(falls.sum()), n)}; it cannot decrease over time"
            )
            raise SimulationError(msg)
    widths = np.diff(np.concatenate([[0.0], ends]))
    rates = np.empty((n, len(cols)), order="F")  # (n, k), each segment's column contiguous
    prev: FloatArray | float = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, p in enumerate(cols):
            cumh = np.log1p(-p)
            np.negative(cumh, out=cumh)  # the cumulative hazard at the segment's end
            col = rates[:, j]
            np.subtract(cumh, prev, out=col)
            col /= widths[j]
            col[np.isnan(col)] = 0.0  # past certainty: nothing left to happen
            prev = cumh
    return ends[:-1], rates


def occurrence_times(
    model: Model, values: Mapping[str, FloatArray], budgets: FloatArray, n: int
) -> dict[str, FloatArray]:
    """Every event's occurrence time in ``n`` worlds.

    Parameters
    ----------
    model
        From :func:`~outlook.model.compile_model`.
    values
        Every driver and derived quantity, shape ``(n,)`` each.
    budgets
        Shape ``(n_events, n)``: each event's Exp(1) draws, in the order of ``scenario.events``.
    n
        The number of worlds.

    Returns
    -------
    dict
        Event id -> shape ``(n,)``: years from ``as_of`` (``inf``: never). An
        event whose ``status`` says it happened has its date's time in every
        world, at or before 0 (format 1.1).
        ``scenario.events`` lists each event after those its ``after`` and
        ``requires`` read, so their times are known when it is reached.

    Raises
    ------
    SimulationError
        Located at the event, for a rate, ``by`` probability or ``after`` factor out of range in some world.
    """
    times: dict[str, FloatArray] = {}
    for k, e in enumerate(model.scenario.events):
        times[e.id] = occurrence_time(model, e, values, budgets[k], times, n)
    return times


def occurrence_time(
    model: Model,
    e: Event,
    values: Mapping[str, FloatArray],
    budget: FloatArray,
    times: Mapping[str, FloatArray],
    n: int,
) -> FloatArray:
    """One event's occurrence time in ``n`` worlds, shape ``(n,)``: as :func:`occurrence_times` has it.

    ``budget`` is its Exp(1) draws, shape ``(n,)``; ``times`` holds the times
    of the events its ``after`` and ``requires`` read. An event whose
    ``status`` says it happened (format 1.1) has its date in every world:
    years from ``as_of``, zero or negative; its budget is not used.
    """
    if e.status is not None:
        return np.full(n, years_to(model.scenario.as_of, e.status.happened))
    ends, rates = _event_hazard(model, e, values, n)
    return _event_times(budget, ends, rates, after_modifiers(e, times, values, n))


def after_modifiers(
    e: Event, times: Mapping[str, FloatArray], env: Mapping[str, FloatArray], n: int
) -> list[tuple[FloatArray, float, float | FloatArray]]:
    """The modifiers of :func:`event_times` for an event's ``after`` and ``requires``.

    ``after: {o: f}`` multiplies the hazard by ``f`` from ``o``'s time on
    (``f`` a number, or an expression evaluated in each world);
    ``requires: [o]`` multiplies it by 0 until ``o``'s time.

    Parameters
    ----------
    e
        The event; ``times`` holds the times of the events it reads, shape ``(n,)`` each.
    env
        Every driver and derived quantity, shape ``(n,)`` each.

    Raises
    ------
    SimulationError
        Located at the factor, if an expression's factor is negative, infinite or not a number in some world.
    """
    mods: list[tuple[FloatArray, float, float | FloatArray]] = []
    # an event that happened before as_of (a status) modifies the hazard from 0, where the forecast starts
    times = {o: np.maximum(times[o], 0.0) for o in [*(o for o, _ in e.after), *e.requires]}
    for o, f in e.after:
        if isinstance(f, Expression):
            value = f.evaluate(env, n)
            bad = ~((value >= 0) & (value < np.inf))
            if bad.any():
                i = int(np.argmax(bad))
                msg = (
                    f"{e.where.located(f'events.{e.id}.after.{o}')}: factor is negative, infinite or not a "
                    f"number in {of_worlds(int(bad.sum()), n)} (e.g. {value[i]:g})"
                )
                raise SimulationError(msg)
            mods.append((times[o], 1.0, value))
        else:
            mods.append((times[o], 1.0, f))
    mods += [(times[o], 0.0, 1.0) for o in e.requires]
    return mods


def by_probability(model: Model, e: Event, values: Mapping[str, FloatArray], n: int, end: float) -> FloatArray:
    """``P(T <= end | drivers)`` in each world, for an event with no ``after`` or ``requires``.

    Such an event's hazard is a function of the drivers and derived
    quantities alone, so given them its time is exponential in its
    cumulative hazard: ``P(T <= t) = 1 - exp(-H(t))`` (the survival function
    of a hazard, e.g. Kalbfleisch & Prentice, *The Statistical Analysis of
    Failure Time Data*, 2nd ed. 2002, §1.2), with ``H`` the piecewise-linear
    cumulative hazard of :func:`event_times`.

    Parameters
    ----------
    model
        From :func:`~outlook.model.compile_model`.
    e
        An event of ``model.scenario`` with empty ``after`` and ``requires``.
    values
        Every driver and derived quantity, shape ``(n,)`` each.
    n
        The number of worlds.
    end
        Years from ``as_of`` (a horizon's end).

    Returns
    -------
    Shape ``(n,)``: probabilities in [0, 1].

    Raises
    ------
    ValueError
        If the event has ``after`` or ``requires`` (its time depends on other events' times).
    SimulationError
        As :func:`occurrence_times`, for a rate or ``by`` probability out of range.
    """
    if e.after or e.requires:
        msg = f"event {e.id!r} has 'after' or 'requires': its probability given the drivers is not analytic"
        raise ValueError(msg)
    if e.status is not None:  # happened before as_of (format 1.1): certain by every horizon
        happened = years_to(model.scenario.as_of, e.status.happened)
        return np.full(n, 1.0 if happened <= end else 0.0)
    ends, rates = _event_hazard(model, e, values, n)
    starts = np.concatenate([[0.0], ends])
    stops = np.concatenate([ends, [math.inf]])
    widths = np.clip(np.minimum(stops, end) - starts, 0.0, None)  # (k,): each segment's overlap with [0, end]
    with np.errstate(invalid="ignore"):
        inc = rates * widths  # inf * 0 (certain past a segment that is not reached): nan
    inc = np.where(np.isnan(inc), 0.0, inc)
    return np.asarray(-np.expm1(-inc.sum(axis=1)), dtype=np.float64)
