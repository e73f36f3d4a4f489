"""Incremental what-ifs: the worlds of a changed model, recomputing only what the change reaches.

Owns :func:`plan_recompute` (which nodes a what-if changed, and what lies
downstream of them in the new model's dependency graph),
:func:`recompute_worlds` (a base run's :class:`~outlook.model.WorldBlock`
becomes the what-if's, bit for bit what :func:`~outlook.model.draw_worlds`
gives on the new model) and :func:`iter_recomputed` (the same over a run's
blocks). Never summarises, never prints.

Why it is exact
---------------
With common random numbers (:mod:`.streams`), a node's values in a block
depend only on the seed, the block, its id, its own definition and its
inputs. A node whose definition is unchanged and none of whose inputs
changed therefore has the very same values, and is copied; every other
node is computed by the same code :func:`~outlook.model.draw_worlds` runs,
in the same order, with the same checks (a driver that is not finite, a
derived quantity that is not a number, a rate out of range: the same
located :class:`~outlook.errors.SimulationError`).

What counts as changed (:func:`plan_recompute`): a driver whose stated
distribution differs (labels, units, notes and sources change no number); a
derived quantity, event rate, ``by`` probability or rule whose expression
(its canonical text: ``1`` and ``1.0`` are one number) or the kinds of the
names it reads differ; an event whose ``after`` factors or ``requires``
differ; any added node; every rule from the first position where the rules
differ (a world takes the first rule that holds).
Correlated drivers are drawn together: if the correlated drivers or the
Cholesky factor of their correlation matrix differ at all (a pair added,
removed or changed, a repair), every correlated driver has changed;
otherwise a correlated driver changes only with its own distribution (its
normal score is the same, only its inverse CDF differs). A hierarchical
driver (format 1.1) is downstream of the drivers its parameters read: it
is recomputed, from its own variates, when one of them changes. A change of the
horizons' ids or ends, or a quasi-random sampler (``sobol``, ``lhs``: one
point set serves every coordinate of a block, and its dimension is the
number of nodes), falls back to a full draw, which
:attr:`Recompute.full` says.

Arrays of nodes that are copied are the base block's own arrays, not
copies: treat worlds as read-only.

Private helpers composed from :mod:`.worlds` and :mod:`.hazards`:
``_check_draws``, ``_correlated``, ``derive`` and ``occurrence_time``, so
that a recomputed node runs the very code of a full draw; labels are
recomputed from the first rule the change reaches (:func:`_relabel`, the
loop of ``label_worlds`` started there).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from .._types import FloatArray, IntArray
from ..scenario import Event, Scenario
from ..scenario.canonical import expression_data
from ..scenario.expressions import Expression
from .compile import Model
from .graph import dependency_graph
from .hazards import occurrence_time
from .hierarchy import resolve, variate
from .settings import BLOCK_SIZE, _check_sampler
from .streams import node_rng
from .worlds import WorldBlock, _check_draws, _correlated, derive, draw_worlds, horizon_column, rule_scope

__all__ = [
    "NUMERIC_KINDS",
    "Recompute",
    "iter_recomputed",
    "plan_recompute",
    "recompute_worlds",
]

#: The kinds of graph node that hold numbers in the worlds (sources hold none).
NUMERIC_KINDS = ("driver", "derived", "event", "scenario")


@dataclass(frozen=True, slots=True)
class Recompute:
    """What a what-if recomputes; build it with :func:`plan_recompute`.

    Attributes
    ----------
    changed
        The new model's node keys (``"driver:troops"``, ``"event:e"``,
        ``"scenario:s"``) whose own definition changed or that are new.
    nodes
        The node keys recomputed: what lies downstream of ``changed`` in the
        new model's dependency graph (``changed`` included), drivers, derived
        quantities, events and scenario rules only; every node for a full draw.
    full
        Empty if the worlds are recomputed incrementally; else why they are
        drawn in full (``"horizons changed"``, ``"sampler sobol"``).
    """

    changed: frozenset[str]
    nodes: frozenset[str]
    full: str = ""


def _numeric_keys(s: Scenario) -> frozenset[str]:
    keys = [f"driver:{d.id}" for d in s.drivers] + [f"derived:{d.id}" for d in s.derived]
    keys += [f"event:{e.id}" for e in s.events] + [f"scenario:{r.id}" for r in s.rules]
    return frozenset(keys)


def _expr_key(e: Expression | None) -> object:
    """What decides an expression's numbers: its canonical form (as the hash has it) and its names' kinds."""
    return None if e is None else (expression_data(e, canonical=True), e.scope)


def _event_key(e: Event) -> object:
    rate = _expr_key(e.rate)
    after = tuple((o, _expr_key(f) if isinstance(f, Expression) else f) for o, f in e.after)
    happened = e.status.happened if e.status is not None else None  # a status: a fixed time, no hazard
    return (rate, tuple((h, _expr_key(x)) for h, x in e.by), after, e.requires, happened)


def _changed(base: Model, new: Model) -> set[str]:
    """The new model's node keys whose own definition differs from the base's, or that are new."""
    b, s = base.scenario, new.scenario
    out: set[str] = set()
    old_drivers = {d.id: d.stated for d in b.drivers}
    out |= {f"driver:{d.id}" for d in s.drivers if old_drivers.get(d.id, _MISSING) != d.stated}
    copula_same = base.correlated == new.correlated and (
        (base.cholesky is None and new.cholesky is None)
        or (base.cholesky is not None and new.cholesky is not None and np.array_equal(base.cholesky, new.cholesky))
    )
    if not copula_same:  # every driver of the old copula and of the new: dropping a pair frees both drivers
        ids = {d.id for d in s.drivers}
        out |= {f"driver:{name}" for name in (*base.correlated, *new.correlated) if name in ids}
    old_derived = {d.id: _expr_key(d.expr) for d in b.derived}
    out |= {f"derived:{d.id}" for d in s.derived if old_derived.get(d.id, _MISSING) != _expr_key(d.expr)}
    old_events = {e.id: _event_key(e) for e in b.events}
    out |= {f"event:{e.id}" for e in s.events if old_events.get(e.id, _MISSING) != _event_key(e)}
    first = 0
    while (
        first < min(len(b.rules), len(s.rules))
        and b.rules[first].id == s.rules[first].id
        and _expr_key(b.rules[first].when) == _expr_key(s.rules[first].when)
    ):
        first += 1
    out |= {f"scenario:{r.id}" for r in s.rules[first:]}
    return out


_MISSING = object()


def plan_recompute(base_model: Model, new_model: Model, *, sampler: str = "random") -> Recompute:
    """Which nodes a what-if changed, and which it must recompute.

    Parameters
    ----------
    base_model, new_model
        From :func:`~outlook.model.compile_model`: the base scenario's, and
        the what-if's (``base.with_overrides(...)``, or another version of
        the file).
    sampler
        The runs' sampler: only ``"random"`` recomputes incrementally.

    Returns
    -------
    Recompute
        ``nodes`` is ``new_graph.downstream(changed, correlated=False)``
        restricted to drivers, derived quantities, events and rules. A
        correlated group is not followed: when the copula is unchanged a
        correlated driver's own change moves no other driver (see the
        module's docstring), and when it changed the whole group is in
        ``changed`` already.

    Raises
    ------
    ValueError
        For an unknown ``sampler``.

    Examples
    --------
    >>> from outlook import compile_model
    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(drivers={"r": {"range": [0.1, 0.3], "shape": "uniform"}, "unused": 2}, events={"it": {"rate": "r"}})
    >>> plan = plan_recompute(compile_model(s), compile_model(s.with_overrides({"drivers.unused": 3})))
    >>> sorted(plan.nodes)
    ['driver:unused']
    """
    _check_sampler(sampler)
    b, s = base_model.scenario, new_model.scenario
    everything = _numeric_keys(s)
    if sampler != "random":
        return Recompute(everything, everything, f"sampler {sampler}")
    if [(h.id, h.until) for h in b.horizons] != [(h.id, h.until) for h in s.horizons]:
        return Recompute(everything, everything, "horizons changed")
    changed = frozenset(_changed(base_model, new_model))
    if not changed:
        return Recompute(changed, changed)
    reached = dependency_graph(s).downstream(changed, correlated=False)
    return Recompute(changed, reached & everything)


def _draw_some(
    model: Model, seed: int, block: int, n: int, drivers: frozenset[str], events: tuple[str, ...]
) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """Some drivers' values and some events' Exp(1) budgets in the first ``n`` worlds of a block.

    The same draws as :func:`~outlook.model.worlds._draw_block` makes for
    them (a correlated driver through every correlated driver's normal
    score and the Cholesky factor, as there).
    """
    s = model.scenario
    out: dict[str, FloatArray] = {}
    for d in s.drivers:
        if d.id in drivers and d.id in model.hierarchical:  # its variates, resolved by _recompute
            out[d.id] = variate(d, node_rng(seed, block, "driver", d.id), n)
        elif d.id in drivers and d.id not in model.correlated:
            out[d.id] = d.distribution.sample(n, node_rng(seed, block, "driver", d.id))
    if drivers.intersection(model.correlated):
        z = np.empty((len(model.correlated), n))
        for j, name in enumerate(model.correlated):
            node_rng(seed, block, "driver", name).standard_normal(n, out=z[j])
        out.update({k: v for k, v in _correlated(model, z).items() if k in drivers})
    budgets: dict[str, FloatArray] = {}
    for name in events:
        budgets[name] = np.empty(n)
        node_rng(seed, block, "event", name).standard_exponential(n, out=budgets[name])
    return out, budgets


def _draw_some_chunk(
    model: Model, seed: int, start: int, stop: int, total: int, drivers: frozenset[str], events: tuple[str, ...]
) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """:func:`_draw_some` over samples ``start:stop`` of a ``total``-sample run, block by block."""
    n = stop - start
    b0 = start // BLOCK_SIZE
    if start == b0 * BLOCK_SIZE and stop == min(start + BLOCK_SIZE, total):
        return _draw_some(model, seed, b0, n, drivers, events)
    values = {k: np.empty(n) for k in drivers}
    budgets = {k: np.empty(n) for k in events}
    pos = start
    while pos < stop:
        b = pos // BLOCK_SIZE
        bstart = b * BLOCK_SIZE
        bstop = min(bstart + BLOCK_SIZE, total)
        vals, exp = _draw_some(model, seed, b, bstop - bstart, drivers, events)
        lo, hi = max(pos, bstart) - bstart, min(stop, bstop) - bstart
        i0 = pos - start
        for k, v in vals.items():
            values[k][i0 : i0 + hi - lo] = v[lo:hi]
        for k, v in exp.items():
            budgets[k][i0 : i0 + hi - lo] = v[lo:hi]
        pos = bstart + hi
    return values, budgets


def recompute_worlds(
    base_model: Model,
    base_block: WorldBlock,
    new_model: Model,
    *,
    seed: int,
    total: int,
    sampler: str = "random",
    plan: Recompute | None = None,
) -> WorldBlock:
    """The what-if's worlds from a base run's: bit for bit :func:`~outlook.model.draw_worlds` on ``new_model``.

    Parameters
    ----------
    base_model
        The model ``base_block`` was drawn from.
    base_block
        Worlds ``start:start + size`` of the base run, as
        :func:`~outlook.model.draw_worlds` or :func:`~outlook.model.iter_worlds` gave them.
    new_model
        The what-if's model.
    seed, total, sampler
        The base run's seed, sample count and sampler: those the block
        records, when it records them (a block from ``draw_worlds`` does).
    plan
        From :func:`plan_recompute` (computed if not given): reuse one plan
        for every block of a run.

    Returns
    -------
    WorldBlock
        ``dataclasses.replace(base_block, ...)`` with the new model's values,
        times and labels: the nodes in ``plan.nodes`` recomputed, every other
        one the base block's own array.

    Raises
    ------
    SimulationError
        As :func:`~outlook.model.draw_worlds` on ``new_model`` (the same first error).
    ValueError
        If ``total`` is smaller than the block's end, or ``sampler`` is
        unknown; if the block was drawn with another seed, sample count or
        sampler, or from another scenario than ``base_model``'s.

    Examples
    --------
    >>> from outlook import compile_model
    >>> from outlook.model import draw_worlds
    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(drivers={"r": {"range": [0.1, 0.3], "shape": "uniform"}, "unused": 2}, events={"it": {"rate": "r"}})
    >>> base, new = compile_model(s), compile_model(s.with_overrides({"drivers.r.range": [0.2, 0.4]}))
    >>> w = recompute_worlds(base, draw_worlds(base, 1, 0, 100, total=100), new, seed=1, total=100)
    >>> bool((w.times["it"] == draw_worlds(new, 1, 0, 100, total=100).times["it"]).all())
    True
    """
    if plan is None:
        plan = plan_recompute(base_model, new_model, sampler=sampler)
    start, n = base_block.start, base_block.size
    if start + n > total:
        msg = f"total must be the base run's sample count, at least {start + n:,} for this block (got {total:,})"
        raise ValueError(msg)
    _check_origin(base_model, base_block, seed, total, sampler)
    if plan.full:
        return draw_worlds(new_model, seed, start, start + n, total=total, sampler=sampler)
    return _recompute(base_block, new_model, seed, total, plan)


def _check_origin(base_model: Model, block: WorldBlock, seed: int, total: int, sampler: str) -> None:
    """Refuse a block that was not drawn from ``base_model`` with this seed, sample count and sampler.

    Recomputed nodes would come from the given seed and the rest from the
    block's: worlds that match no full draw, silently.
    """
    said = {"seed": seed, "total": total, "sampler": sampler}
    drawn = {"seed": block.seed, "total": block.total, "sampler": block.sampler}
    for key, value in said.items():
        if drawn[key] is not None and drawn[key] != value:
            msg = f"the base block was drawn with {key} {drawn[key]!r}, not {value!r}: give the base run's own {key}"
            raise ValueError(msg)
    h = base_model.scenario.hash
    if block.scenario_hash is not None and block.scenario_hash != h:
        msg = (
            f"the base block was drawn from another scenario (hash {block.scenario_hash[:16]}, "
            f"not base_model's {h[:16]})"
        )
        raise ValueError(msg)
    missing = [d.id for d in base_model.scenario.drivers if d.id not in block.values]
    missing += [e.id for e in base_model.scenario.events if e.id not in block.times]
    if missing:
        msg = f"the base block has no worlds for {', '.join(missing[:5])}: it was not drawn from base_model"
        raise ValueError(msg)


def _recompute(base_block: WorldBlock, new_model: Model, seed: int, total: int, plan: Recompute) -> WorldBlock:
    """The nodes in ``plan.nodes`` recomputed, every other one the base block's own array."""
    start, n = base_block.start, base_block.size
    s = new_model.scenario
    redo = plan.nodes
    drivers = frozenset(d.id for d in s.drivers if f"driver:{d.id}" in redo)
    events = tuple(e.id for e in s.events if f"event:{e.id}" in redo)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, located
        drawn, budgets = _draw_some_chunk(new_model, seed, start, start + n, total, drivers, events)
    values = {d.id: drawn[d.id] if d.id in drivers else base_block.values[d.id] for d in s.drivers}
    for name in new_model.hierarchical:  # on its parents' draws, new or the base's, as draw_worlds does
        if name in drivers:
            values[name] = resolve(s.driver(name), values, values[name], n)
    for d in s.drivers:
        if d.id in drivers:
            _check_draws(d, values[d.id], n)
    varying = new_model.per_horizon
    for dv in s.derived:
        if f"derived:{dv.id}" in redo:
            derive(new_model, dv, values, n, varying)
        elif dv.id in varying:
            values.update({(c := horizon_column(dv.id, h.id)): base_block.values[c] for h in s.horizons})
        else:
            values[dv.id] = base_block.values[dv.id]
    times: dict[str, FloatArray] = {}
    for e in s.events:
        if e.id in budgets:
            times[e.id] = occurrence_time(new_model, e, values, budgets[e.id], times, n)
        else:
            times[e.id] = base_block.times[e.id]
    first = next((i for i, r in enumerate(s.rules) if f"scenario:{r.id}" in redo), None)
    labels = base_block.labels if first is None else _relabel(new_model, base_block.labels, values, times, first)
    return dataclasses.replace(
        base_block, values=values, times=times, labels=labels, scenario_hash=new_model.scenario.hash
    )


def _relabel(
    model: Model, base: IntArray, values: Mapping[str, FloatArray], times: Mapping[str, FloatArray], first: int
) -> IntArray:
    """The labels of :func:`~outlook.model.worlds.label_worlds`, trying only rules ``first`` onwards.

    Rules before ``first`` are the base's, at the same places, and read
    nothing that changed: a world the base labelled with one of them keeps
    it, and every other world had none of them hold, so it is exactly the
    set ``label_worlds`` still has free when it reaches rule ``first``. Only
    the names the rules tried read are compared with the horizon's end.
    """
    rules = model.scenario.rules
    n = base.shape[1]
    names = frozenset().union(*(r.when.names for r in rules[first:] if r.when is not None))
    timed = frozenset().union(*(r.when.times_read for r in rules[first:] if r.when is not None))
    varying = model.per_horizon
    labels = base.copy()
    for hi, end in enumerate(model.horizon_ends):
        at = {k: horizon_column(k, model.scenario.horizons[hi].id) for k in varying}
        scope = rule_scope(values, times, float(end), timed, names, at)
        label = labels[hi]
        free = label >= first
        label[free] = len(rules) - 1
        for ri in range(first, len(rules)):
            when = rules[ri].when
            if when is None:
                break
            hit = free & when.holds(scope, n, needed=free)
            label[hit] = ri
            free &= ~hit
    return labels


def iter_recomputed(
    base_model: Model,
    base_blocks: Iterable[WorldBlock],
    new_model: Model,
    *,
    seed: int,
    samples: int,
    sampler: str = "random",
) -> Iterator[WorldBlock]:
    """:func:`recompute_worlds` over a base run's blocks (as :func:`~outlook.model.iter_worlds` yields them).

    One plan serves every block. ``seed``, ``samples`` and ``sampler`` are
    the base run's. Yields the what-if's blocks in the same order; they are
    the blocks ``iter_worlds(new_model, samples=samples, seed=seed, ...)``
    yields, bit for bit.
    """
    plan = plan_recompute(base_model, new_model, sampler=sampler)
    for block in base_blocks:
        yield recompute_worlds(base_model, block, new_model, seed=seed, total=samples, sampler=sampler, plan=plan)
