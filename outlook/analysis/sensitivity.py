"""Tornado sensitivity: how far each driver, held at its 5th and its 95th percentile, moves one target.

Owns :func:`tornado` (one target, every driver), :class:`Target` and
:func:`parse_target` (``ID@HORIZON`` for a scenario or an event at a horizon,
a bare id for a derived quantity's mean) and :class:`Tornado` (the table
and the drivers listed apart). Never plots, never prints.

How it is computed
------------------
One run's worlds are drawn once, block by block (:func:`~outlook.model.iter_worlds`).
For each driver and each of its two settings, the driver's value is replaced
in every world and only what lies downstream of it *and* upstream of the
target is recomputed (:meth:`~outlook.model.DependencyGraph.downstream`,
:meth:`~outlook.model.DependencyGraph.upstream`); every other node keeps the
base worlds' own values, and every recomputed event spends the very Exp(1)
budgets of its own stream (:func:`~outlook.model.streams.node_rng`): common
random numbers, so that the swing is a paired difference, free of the noise
two independent runs would add.

A driver in a correlated group (a Gaussian copula on normal scores ``x``
with correlation matrix ``R``): fixing driver ``i`` at normal score
``c = Φ⁻¹(q)`` moves every other correlated driver to its conditional
distribution given ``x_i = c``. The same streams give a draw of it: with
``x`` the base worlds' scores, ``x_j + R_ji (c - x_i)`` is distributed as
``x_j | x_i = c`` (the conditional normal ``N(R_ji c, 1 - R_ji²)``, jointly
``N(R_{-i,i} c, R_{-i,-i} - R_{-i,i} R_{i,-i})``; the residual
``x_j - R_ji x_i`` is independent of ``x_i``: Rasmussen & Williams 2006,
eq. A.6, and the "conditioning by kriging" identity, Chilès & Delfiner 2012
§7.3.1). Each moved score goes through its driver's inverse CDF.

A hierarchical driver (format 1.1: its parameters read other drivers) is
set, in each world, to its own 5th (95th) percentile given its parents'
values there: ``F^-1(0.05 | params)``; its ``low`` and ``high`` in the
table are the means of those conditional percentiles over the worlds.
Setting a driver that a hierarchical driver reads recomputes that driver
from its own variates (common random numbers), then what lies below it.

A driver that feeds nothing the target reads, and a constant driver (its
5th and 95th percentiles are one value), are listed apart in
:attr:`Tornado.apart` with the reason, never shown as a zero swing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .._types import FloatArray
from ..model import Model, as_model, iter_worlds
from ..model.graph import dependency_graph
from ..model.hazards import _event_hazard, after_modifiers
from ..model.hierarchy import conditional_quantile, resolve, variate
from ..model.settings import BLOCK_SIZE, DEFAULT_CHUNK_SIZE
from ..model.streams import node_rng
from ..model.worlds import WorldBlock, derive, rule_scope
from ..scenario import Event, Scenario
from ..scenario.durations import years_to
from ..scenario.timing import horizon_column
from ..words import estimative_word

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TORNADO_COLUMNS", "Target", "Tornado", "feeding_drivers", "parse_target", "tornado"]

#: The columns of :attr:`Tornado.table`, in order.
TORNADO_COLUMNS = ("driver", "low", "high", "p_low", "p_high", "swing", "word_low", "word_high")


@dataclass(frozen=True, slots=True)
class Target:
    """What a sensitivity analysis measures.

    Attributes
    ----------
    kind
        ``"scenario"`` or ``"event"`` (a probability at a horizon), or
        ``"derived"`` (a derived quantity's mean over the worlds).
    id
        The scenario's, event's or derived quantity's id.
    horizon
        The horizon's id (``""`` for a derived quantity).
    """

    kind: str
    id: str
    horizon: str = ""

    @property
    def key(self) -> str:
        """The dependency graph's node key, ``"kind:id"``."""
        return f"{self.kind}:{self.id}"

    @property
    def is_probability(self) -> bool:
        """Whether the target is a probability (a scenario or an event at a horizon)."""
        return self.kind != "derived"

    def __str__(self) -> str:
        return f"{self.id}@{self.horizon}" if self.horizon else self.id


def parse_target(scenario: Scenario, text: str) -> Target:
    """A target from ``ID@HORIZON`` (a scenario or an event) or ``ID`` (a derived quantity).

    Parameters
    ----------
    scenario
        The scenario the target belongs to.
    text
        ``"contained@short"``, ``"further_deployment@medium"`` or
        ``"days_of_losses"``. A scenario and an event with one id: write
        ``scenario:ID@HORIZON`` or ``event:ID@HORIZON``.

    Returns
    -------
    Target

    Raises
    ------
    ValueError
        For an unknown id or horizon, naming those that exist.
    """
    name, _, horizon = text.strip().partition("@")
    kind = ""
    if ":" in name:
        kind, _, name = name.partition(":")
    scenarios = [r.id for r in scenario.rules]
    events = [e.id for e in scenario.events]
    derived = [d.id for d in scenario.derived]
    if not horizon:
        if name in derived and kind in ("", "derived"):
            return Target("derived", name)
        hint = f"a scenario or event needs a horizon ({', '.join(h.id for h in scenario.horizons)})"
        msg = f"target {text!r}: expected ID@HORIZON for a scenario or event, or a derived quantity's id; {hint}"
        raise ValueError(msg)
    horizons = [h.id for h in scenario.horizons]
    if horizon not in horizons:
        raise ValueError(f"target {text!r}: no horizon {horizon!r}; horizons are {', '.join(horizons)}")
    found = [k for k, ids in (("scenario", scenarios), ("event", events)) if name in ids and kind in ("", k)]
    if len(found) == 1:
        return Target(found[0], name, horizon)
    if len(found) > 1:
        raise ValueError(f"target {text!r}: both a scenario and an event; write scenario:{text} or event:{text}")
    msg = f"target {text!r}: no scenario or event {name!r}; scenarios are {', '.join(scenarios)}"
    raise ValueError(msg)


@dataclass(frozen=True)
class Tornado:
    """The result of :func:`tornado`.

    Attributes
    ----------
    target
        What was measured.
    p
        The target in the base worlds (a probability, or a derived quantity's mean).
    word
        Its estimative word (``""`` for a derived quantity).
    table
        One row per driver that feeds the target and has a range, sorted by
        ``|swing|`` (largest first), columns :data:`TORNADO_COLUMNS`: the
        driver's id, its ``low`` and ``high`` settings (its 5th and 95th
        percentiles; a categorical driver's category index; a hierarchical
        driver's, the means over the worlds of its conditional percentiles), the target with
        the driver at each (``p_low``, ``p_high``), ``swing = p_high - p_low``,
        and the estimative words of ``p_low`` and ``p_high`` (``""`` for a
        derived quantity).
    apart
        Drivers not in ``table``: columns ``driver``, ``reason`` (``"feeds
        nothing the target reads"`` or ``"constant"``).
    samples, seed
        The run's.
    """

    target: Target
    p: float
    word: str
    table: pd.DataFrame
    apart: pd.DataFrame
    samples: int
    seed: int


def tornado(
    model: Model | Scenario | str | os.PathLike[str],
    target: str | Target,
    *,
    samples: int = 100_000,
    seed: int = 0,
    quantiles: tuple[float, float] = (0.05, 0.95),
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    scale: str = "icd203",
) -> Tornado:
    """Each driver at its 5th and at its 95th percentile in every world: the target's two values.

    Parameters
    ----------
    model
        From :func:`~outlook.compile_model`; a Scenario is compiled first, a file path or bundled id loaded (:func:`~outlook.model.as_model`).
    target
        A :class:`Target` or its text (see :func:`parse_target`).
    samples, seed, chunk_size
        As for :func:`~outlook.simulate`: the base worlds are that run's.
    quantiles
        The low and high settings, as quantiles of each driver's own
        distribution (5th and 95th percentiles by default).
    scale
        The estimative-word scale.

    Returns
    -------
    Tornado
        Its table sorted by ``|swing|``; every driver that feeds the target
        nothing, or is constant, in ``apart``.

    Raises
    ------
    ValueError
        For an unknown target, bad counts, or quantiles not ``0 < low < high < 1``.
    SimulationError
        As :func:`~outlook.simulate`, for the base worlds or a setting that
        makes a rate or probability invalid (located at the node).

    Notes
    -----
    The swing is a paired difference on common random numbers; each ``p`` has
    the binomial standard error ``sqrt(p (1 - p) / samples)`` and the swing's
    is smaller (paired). See the module's docstring for correlated drivers.
    """
    import pandas as pd

    model = as_model(model)
    s = model.scenario
    tgt = parse_target(s, target) if isinstance(target, str) else target
    lo_q, hi_q = quantiles
    if not 0.0 < lo_q < hi_q < 1.0:
        raise ValueError(f"quantiles must satisfy 0 < low < high < 1 (got {quantiles})")
    graph = dependency_graph(s)
    wanted = _wanted(s, graph, tgt)
    corr = _correlation(model)
    feeding_ids = feeding_drivers(model, tgt)
    apart = [(d.id, "feeds nothing the target reads") for d in s.drivers if d.id not in feeding_ids]
    settings: dict[str, tuple[float, float]] = {}
    levels: dict[str, list[float]] = {}  # a hierarchical driver's settings: its conditional quantiles, summed
    for d in s.drivers:
        if d.id not in feeding_ids:
            continue
        if d.id in model.hierarchical:
            settings[d.id] = (np.nan, np.nan)
            levels[d.id] = [0.0, 0.0]
            continue
        lo, hi = (float(x) for x in np.asarray(d.distribution.ppf(np.array([lo_q, hi_q]))))
        if d.kind == "constant":
            apart.append((d.id, "constant"))
        else:
            settings[d.id] = (lo, hi)
    plans = {name: _plan(model, graph, name, wanted, corr) for name in settings}
    sums = {name: [0.0, 0.0] for name in settings}
    base_sum = 0.0
    for block in iter_worlds(model, samples=samples, seed=seed, chunk_size=chunk_size):
        base_sum += _target_sum(model, tgt, block, block.values, block.times, None)
        scores = _normal_scores(model, block) if model.correlated else None
        budgets = _budgets(model, block, {e for p in plans.values() for e in p.events})
        variates = _variates(model, block, {c for p in plans.values() for c in p.drivers})
        for name, (lo, hi) in settings.items():
            for side, (q, v) in enumerate(((lo_q, lo), (hi_q, hi))):
                moved = _moved_drivers(model, name, q, v, block, scores, corr)
                if name in levels:
                    levels[name][side] += float(np.sum(moved[name]))
                sums[name][side] += _recomputed_sum(model, tgt, block, moved, budgets, plans[name], variates)
    p = base_sum / samples
    settings.update({name: (lv[0] / samples, lv[1] / samples) for name, lv in levels.items()})
    rows = []
    for name, (lo, hi) in settings.items():
        p_lo, p_hi = sums[name][0] / samples, sums[name][1] / samples
        words = [estimative_word(x, scale) if tgt.is_probability else "" for x in (p_lo, p_hi)]
        rows.append((name, lo, hi, p_lo, p_hi, p_hi - p_lo, *words))
    table = pd.DataFrame(rows, columns=list(TORNADO_COLUMNS))
    table = table.astype({"low": float, "high": float, "p_low": float, "p_high": float, "swing": float})
    order = np.argsort(-np.abs(table["swing"].to_numpy()), kind="stable")
    table = table.iloc[order].reset_index(drop=True)
    word = estimative_word(p, scale) if tgt.is_probability else ""
    apart_frame = pd.DataFrame(apart, columns=["driver", "reason"])
    return Tornado(tgt, p, word, table, apart_frame, samples, seed)


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one driver's setting recomputes: hierarchical drivers, derived quantities, events and whether the rules."""

    derived: tuple[str, ...]
    events: tuple[str, ...]
    rules: bool
    drivers: tuple[str, ...] = ()


def feeding_drivers(model: Model, target: Target) -> frozenset[str]:
    """The drivers that can move ``target``: those upstream of it, and those correlated with one of them.

    For a scenario the earlier rules count too (a world takes the first rule
    that holds). A driver outside this set changes the target in no world.
    """
    s = model.scenario
    wanted = _wanted(s, dependency_graph(s), target)
    corr = _correlation(model)
    direct = {d.id for d in s.drivers if f"driver:{d.id}" in wanted}
    out = set(direct)
    for i, name in enumerate(model.correlated):
        if any(corr[j, i] != 0.0 and other in direct for j, other in enumerate(model.correlated)):
            out.add(name)
    return frozenset(out)


def _wanted(s: Scenario, graph: Any, tgt: Target) -> frozenset[str]:
    """The nodes the target reads: its own and, for a scenario, every earlier rule's (a world takes the first)."""
    keys = {tgt.key}
    if tgt.kind == "scenario":
        ids = [r.id for r in s.rules]
        keys |= {f"scenario:{r}" for r in ids[: ids.index(tgt.id) + 1]}
    return frozenset(graph.upstream(keys) | keys)


def _correlation(model: Model) -> FloatArray:
    """The correlated drivers' normal-score correlation matrix ``L Lᵀ`` (as the run uses it), shape ``(k, k)``."""
    if model.cholesky is None:
        return np.zeros((0, 0))
    corr: FloatArray = model.cholesky @ model.cholesky.T
    return corr


def _plan(model: Model, graph: Any, name: str, wanted: frozenset[str], corr: FloatArray) -> _Plan:
    """The nodes downstream of driver ``name`` (and the drivers correlated with it) that the target reads."""
    s = model.scenario
    start = {f"driver:{name}"}
    if name in model.correlated:
        i = model.correlated.index(name)
        start |= {f"driver:{c}" for j, c in enumerate(model.correlated) if corr[j, i] != 0.0}
    reached = graph.downstream(start, correlated=False) & wanted
    derived = tuple(d.id for d in s.derived if f"derived:{d.id}" in reached)
    events = tuple(e.id for e in s.events if f"event:{e.id}" in reached)
    rules = any(f"scenario:{r.id}" in reached for r in s.rules)
    children = tuple(c for c in model.hierarchical if f"driver:{c}" in reached and f"driver:{c}" not in start)
    return _Plan(derived, events, rules, children)


def _seeding_blocks(block: WorldBlock) -> list[tuple[int, int, int, int]]:
    """``(seeding block, its size, lo, hi)``: the slices of the run's seeding blocks this block covers."""
    total = block.total if block.total is not None else block.start + block.size
    out = []
    pos, stop = block.start, block.start + block.size
    while pos < stop:
        b = pos // BLOCK_SIZE
        bstart = b * BLOCK_SIZE
        bstop = min(bstart + BLOCK_SIZE, total)
        lo, hi = pos - bstart, min(stop, bstop) - bstart
        out.append((b, bstop - bstart, lo, hi))
        pos = bstart + hi
    return out


def _normal_scores(model: Model, block: WorldBlock) -> FloatArray:
    """The correlated drivers' normal scores ``x = L z`` in the block's worlds, shape ``(k, n)``.

    The very scores :func:`~outlook.model.draw_worlds` mapped through the
    drivers' inverse CDFs: the same streams, the same Cholesky factor.
    """
    assert model.cholesky is not None
    assert block.seed is not None
    k = len(model.correlated)
    z = np.empty((k, block.size))
    i0 = 0
    for b, size, lo, hi in _seeding_blocks(block):
        for j, name in enumerate(model.correlated):
            z[j, i0 : i0 + hi - lo] = node_rng(block.seed, b, "driver", name).standard_normal(size)[lo:hi]
        i0 += hi - lo
    x: FloatArray = np.einsum("jk,kn->jn", model.cholesky, z)
    return x


def _budgets(model: Model, block: WorldBlock, events: set[str]) -> dict[str, FloatArray]:
    """The Exp(1) budgets of ``events`` in the block's worlds, from their own streams."""
    assert block.seed is not None
    out = {name: np.empty(block.size) for name in events}
    i0 = 0
    for b, size, lo, hi in _seeding_blocks(block):
        for name in events:
            out[name][i0 : i0 + hi - lo] = node_rng(block.seed, b, "event", name).standard_exponential(size)[lo:hi]
        i0 += hi - lo
    return out


def _variates(model: Model, block: WorldBlock, names: set[str]) -> dict[str, FloatArray]:
    """The variates of hierarchical drivers ``names`` in the block's worlds, from their own streams."""
    assert block.seed is not None
    s = model.scenario
    out = {name: np.empty(block.size) for name in names}
    i0 = 0
    for b, size, lo, hi in _seeding_blocks(block):
        for name in names:
            out[name][i0 : i0 + hi - lo] = variate(s.driver(name), node_rng(block.seed, b, "driver", name), size)[lo:hi]
        i0 += hi - lo
    return out


def _moved_drivers(
    model: Model, name: str, q: float, value: float, block: WorldBlock, scores: FloatArray | None, corr: FloatArray
) -> dict[str, FloatArray]:
    """The drivers a setting changes: ``name`` at ``value`` and, if correlated, its group conditioned on it.

    A hierarchical driver is set to its own ``q`` quantile in each world,
    given its parents' values there (:func:`~outlook.model.hierarchy.conditional_quantile`).
    """
    n = block.size
    if name in model.hierarchical:
        return {name: conditional_quantile(model.scenario.driver(name), dict(block.values), q, n)}
    moved = {name: np.full(n, value)}
    if scores is None or name not in model.correlated:
        return moved
    from scipy import special

    i = model.correlated.index(name)
    c = float(special.ndtri(q))
    shift = c - scores[i]
    s = model.scenario
    for j, other in enumerate(model.correlated):
        if j != i and corr[j, i] != 0.0:
            moved[other] = s.driver(other).distribution.from_normal(scores[j] + corr[j, i] * shift)
    return moved


def _recomputed_sum(
    model: Model,
    tgt: Target,
    block: WorldBlock,
    moved: Mapping[str, FloatArray],
    budgets: Mapping[str, FloatArray],
    plan: _Plan,
    variates: Mapping[str, FloatArray],
) -> float:
    """The target's sum over the block's worlds with ``moved`` drivers, recomputing only ``plan``'s nodes."""
    s = model.scenario
    n = block.size
    values: dict[str, FloatArray] = {**block.values, **moved}
    for c in plan.drivers:  # hierarchical drivers below a moved one, from their own variates
        values[c] = resolve(s.driver(c), values, variates[c], n)
    for dv in s.derived:
        if dv.id in plan.derived:
            derive(model, dv, values, n, model.per_horizon)  # at each horizon, if it reads t
    if not plan.events:
        return _target_sum(model, tgt, block, values, block.times, None if not plan.rules else plan)
    end = _horizon_end(model, tgt)
    times: dict[str, FloatArray] = dict(block.times)
    redo = set(plan.events)
    for e in s.events:
        if e.id in redo:
            times[e.id] = _times_by(model, e, values, times, budgets[e.id], end)
    return _target_sum(model, tgt, block, values, times, plan)


def _horizon_end(model: Model, tgt: Target) -> float:
    """The end of the target's horizon (years from ``as_of``)."""
    return float(model.horizon_ends[[h.id for h in model.scenario.horizons].index(tgt.horizon)])


def _times_by(
    model: Model,
    e: Event,
    values: Mapping[str, FloatArray],
    times: Mapping[str, FloatArray],
    budget: FloatArray,
    end: float,
) -> FloatArray:
    """An event's time where it is at most ``end``, ``inf`` elsewhere: what a target at that horizon reads.

    The hazard before ``end`` does not depend on anything after it: the
    inversion stops at ``end`` (:func:`_invert_by`).
    """
    if e.status is not None:  # format 1.1: happened before as_of, at its date in every world
        return np.full(budget.shape[0], years_to(model.scenario.as_of, e.status.happened))
    ends, rates = _event_hazard(model, e, values, budget.shape[0])
    return _invert_by(budget, ends, rates, after_modifiers(e, times, values, budget.shape[0]), end)


def _invert_by(
    budget: FloatArray,
    ends: FloatArray,
    rates: FloatArray,
    mods: list[tuple[FloatArray, float, float | FloatArray]],
    end: float,
) -> FloatArray:
    """The time the cumulative hazard reaches ``budget``, where it does by ``end``; ``inf`` elsewhere.

    :func:`~outlook.model.event_times` on ``[0, end]`` only: the same pieces
    and the same arithmetic up to ``end`` (a piece's rate is its segment's
    rate times each modifier's factor, the hit time ``start + remaining /
    rate``), so its times agree with the full inversion's wherever either is
    at most ``end``. The few breakpoints (segment ends before ``end``, the
    modifying events' times capped at ``end``) are put in order per world by
    a sorting network of ``minimum``/``maximum`` (odd-even transposition,
    Knuth TAOCP vol. 3 §5.3.4 ex. 37) instead of a sort along the short axis.
    """
    n = budget.shape[0]
    seg = [float(x) for x in ends if x < end]
    bps: list[FloatArray] = [np.full(n, x) for x in seg] + [np.minimum(m[0], end) for m in mods]
    for i in range(len(bps)):  # odd-even transposition: len(bps) rounds sort any order
        for j in range(i % 2, len(bps) - 1, 2):
            lo = np.minimum(bps[j], bps[j + 1])
            bps[j + 1] = np.maximum(bps[j], bps[j + 1])
            bps[j] = lo
    starts: list[FloatArray | float] = [0.0, *bps]
    stops: list[FloatArray | float] = [*bps, end]
    remaining = budget.astype(np.float64, copy=True)
    t = np.full(n, np.inf)
    open_ = np.ones(n, dtype=bool)
    finite = bool(np.isfinite(rates).all())  # else 0 * inf can make nan: nothing accumulates
    at_zero = any(bool((m[0] <= 0.0).any()) for m in mods)
    with np.errstate(all="ignore"):
        for start, stop in zip(starts, stops, strict=True):
            if isinstance(start, float) and not at_zero:  # the first piece: every modifier still "before"
                rate = rates[:, 0] * float(np.prod([m[1] for m in mods])) if mods else rates[:, 0]
            else:
                rate = rates[:, 0]
                for k, x in enumerate(seg):
                    rate = np.where(start >= x, rates[:, k + 1], rate)
                for times, before, after in mods:
                    rate = rate * np.where(start >= times, after, before)
            inc = np.asarray(rate * (np.asarray(stop) - start))
            if not finite:
                inc[np.isnan(inc)] = 0.0
            hit = np.flatnonzero(open_ & (inc >= remaining))
            if hit.size:
                r = rate[hit]
                t[hit] = (start if isinstance(start, float) else start[hit]) + np.where(r > 0, remaining[hit] / r, 0.0)
                open_[hit] = False
            remaining -= inc
    return np.where(t <= end, t, np.inf)


def _target_sum(
    model: Model,
    tgt: Target,
    block: WorldBlock,
    values: Mapping[str, FloatArray],
    times: Mapping[str, FloatArray],
    plan: _Plan | None,
) -> float:
    """The target summed over the block's worlds: worlds where it holds, or the derived quantity's total."""
    s = model.scenario
    if tgt.kind == "derived":
        return float(np.sum(values[tgt.id]))
    hi = [h.id for h in s.horizons].index(tgt.horizon)
    end = model.horizon_ends[hi]
    if tgt.kind == "event":
        return float(np.count_nonzero(times[tgt.id] <= end))
    k = [r.id for r in s.rules].index(tgt.id)
    if plan is None:
        return float(np.count_nonzero(block.labels[hi] == k))
    n = block.size
    names = frozenset().union(*(r.when.names for r in s.rules[: k + 1] if r.when is not None))
    timed = frozenset().union(*(r.when.times_read for r in s.rules[: k + 1] if r.when is not None))
    at = {name: horizon_column(name, tgt.horizon) for name in model.per_horizon}
    scope = rule_scope(values, times, float(end), timed, names, at)  # as label_worlds reads the rules
    free = np.ones(n, dtype=bool)
    for rule in s.rules[:k]:
        if rule.when is None:
            return 0.0
        free &= ~rule.when.holds(scope, n, needed=free)
    when = s.rules[k].when
    if when is None:
        return float(np.count_nonzero(free))
    return float(np.count_nonzero(free & when.holds(scope, n, needed=free)))
