"""Worlds: every driver, derived quantity, event time and scenario label of a range of samples.

Owns :class:`WorldBlock` and :func:`draw_worlds`, the one place where the
worlds of samples ``start:stop`` are computed, exactly as the seeding blocks
define them (pseudo-random or quasi-random points): drivers, derived
quantities, event times and the scenario each world falls in at each
horizon, each checked to be a finite number where it must be. The run's
accumulators and :func:`sample_worlds` (every world as a DataFrame) both go
through it. Never summarises, never prints.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import distributions as dist
from .._types import FloatArray, IntArray
from ..errors import Location, SimulationError, of_worlds
from ..scenario import Derived, Driver, Scenario
from ..scenario.expressions import T_KEY, time_key
from ..scenario.timing import horizon_column
from .compile import Model, as_model
from .hazards import occurrence_times
from .hierarchy import qmc_variate, resolve, variate
from .settings import (
    BLOCK_SIZE,
    DEFAULT_CHUNK_SIZE,
    MAX_WORLD_VALUES,
    _check_sampler,
    check_counts,
    check_working_memory,
)
from .streams import node_rng

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "WorldBlock",
    "derive",
    "draw_worlds",
    "horizon_column",
    "iter_worlds",
    "qmc_dimensions",
    "rule_scope",
    "sample_worlds",
    "scenario_column",
    "worlds_frame",
]


@dataclass(frozen=True, slots=True)
class WorldBlock:
    """Worlds ``start:start + size`` of a run: every value the tables summarise, one entry per world.

    Attributes
    ----------
    start
        The index of the first world in the run.
    values
        Every driver, then every derived quantity, in the scenario's order
        (a categorical driver as its category's index): shape ``(size,)`` each.
    times
        Every event: years from ``as_of`` until it happens (``inf`` if
        never), shape ``(size,)``.
    labels
        Shape ``(n_horizons, size)``: the index, in ``scenario.rules``, of
        the scenario each world is in by the end of each horizon.
    seed, total, sampler, scenario_hash
        Where the worlds come from: the run's seed, sample count and
        sampler, and the hash of the scenario drawn (``None`` for a block
        built by hand). What uses a block with a model or a run checks them
        (:func:`~outlook.model.incremental.recompute_worlds`).
    """

    start: int
    values: Mapping[str, FloatArray]
    times: Mapping[str, FloatArray]
    labels: IntArray
    seed: int | None = None
    total: int | None = None
    sampler: str | None = None
    scenario_hash: str | None = None

    @property
    def size(self) -> int:
        """The number of worlds."""
        return int(self.labels.shape[1])

    def head(self, k: int) -> WorldBlock:
        """The first ``k`` worlds, copied (so that the block's memory can go)."""
        return WorldBlock(
            self.start,
            {name: v[:k].copy() for name, v in self.values.items()},
            {name: v[:k].copy() for name, v in self.times.items()},
            self.labels[:, :k].copy(),
            self.seed,
            self.total,
            self.sampler,
            self.scenario_hash,
        )


def _draw_block(
    model: Model, seed: int, block: int, n: int, sampler: str = "random"
) -> tuple[dict[str, FloatArray], FloatArray]:
    """The drivers and the events' Exp(1) budgets ``(n_events, n)`` of the first ``n`` worlds of a block.

    Every driver and every event draws from its own stream
    (:func:`~outlook.model.streams.node_rng`): a driver its shape's draws
    (a correlated driver its standard normal scores, mixed with the other
    correlated drivers' by the Cholesky factor, then mapped through its
    inverse CDF), an event its Exp(1) budgets. A hierarchical driver's entry
    holds its variates (:func:`~outlook.model.hierarchy.variate`), which
    :func:`draw_worlds` resolves on its parents' draws.
    """
    if sampler != "random":
        return _draw_block_qmc(model, seed, block, n, sampler)
    s = model.scenario
    out: dict[str, FloatArray] = {}
    for d in s.drivers:
        if d.id in model.hierarchical:  # its variates: resolved on its parents' draws (draw_worlds)
            out[d.id] = variate(d, node_rng(seed, block, "driver", d.id), n)
        elif d.id not in model.correlated:
            out[d.id] = d.distribution.sample(n, node_rng(seed, block, "driver", d.id))
    if model.correlated:
        z = np.empty((len(model.correlated), n))
        for j, name in enumerate(model.correlated):
            node_rng(seed, block, "driver", name).standard_normal(n, out=z[j])
        out.update(_correlated(model, z))
    budgets = np.empty((len(s.events), n))
    for k, e in enumerate(s.events):
        node_rng(seed, block, "event", e.id).standard_exponential(n, out=budgets[k])
    return {d.id: out[d.id] for d in s.drivers}, budgets


def _correlated(model: Model, z: FloatArray) -> dict[str, FloatArray]:
    """The correlated drivers from their independent standard normal scores ``z``, shape ``(k, n)``.

    ``x = L z`` (``L`` the Cholesky factor of the normal-score correlation
    matrix) has that correlation; each row goes through its driver's
    inverse CDF (a Gaussian copula).
    """
    assert model.cholesky is not None
    # einsum, not @: BLAS would wake a helper thread per block that then spins
    x = np.einsum("jk,kn->jn", model.cholesky, z)
    s = model.scenario
    return {name: s.driver(name).distribution.from_normal(x[j]) for j, name in enumerate(model.correlated)}


def qmc_dimensions(scenario: Scenario) -> tuple[tuple[str, str], ...]:
    """The coordinates of a quasi-Monte Carlo point: one per driver and one per event, sorted by (kind, id).

    Every driver has one, a constant too, so that turning a driver into a
    constant (or back) keeps every other node's coordinates; the order
    depends on the ids alone, not on the file's order.
    """
    return tuple(sorted([("driver", d.id) for d in scenario.drivers] + [("event", e.id) for e in scenario.events]))


def _draw_block_qmc(
    model: Model, seed: int, block: int, n: int, sampler: str
) -> tuple[dict[str, FloatArray], FloatArray]:
    """A block from one randomised low-discrepancy point set (``scipy.stats.qmc``).

    One coordinate per driver and per event (:func:`qmc_dimensions`): an
    independent driver through its inverse CDF (beta and PERT through the
    tabulated normal scores), a correlated one through its normal score and
    the Cholesky factor, an event as an Exp(1) budget by inversion. Each
    block is its own scrambled Sobol' set of ``BLOCK_SIZE`` points (the
    first ``n`` used) or Latin hypercube of ``n``, randomised by the
    block's ``points`` stream. A coordinate of exactly 0 becomes 2^-31, so
    that every normal score is finite.
    """
    from scipy import special
    from scipy.stats import qmc

    s = model.scenario
    dims = {key: j for j, key in enumerate(qmc_dimensions(s))}
    if not dims:
        return {}, np.empty((0, n))
    rng = node_rng(seed, block, "points", sampler)
    if sampler == "sobol":
        u = qmc.Sobol(len(dims), scramble=True, rng=rng).random_base2(BLOCK_SIZE.bit_length() - 1)[:n]
    else:
        u = qmc.LatinHypercube(len(dims), rng=rng).random(n)
    # A scrambled Sobol' coordinate is a multiple of 2^-30, so exactly 0 about once in 10^9: its normal
    # score would be -inf. It stands for the cell [0, 2^-30); take the cell's midpoint.
    u[u <= 0.0] = _U_ZERO
    out: dict[str, FloatArray] = {}
    for d in s.drivers:
        if d.id in model.correlated:
            continue
        col = u[:, dims["driver", d.id]]
        if d.id in model.hierarchical:
            out[d.id] = qmc_variate(d, col)
        elif isinstance(d.distribution, dist.Beta):  # betaincinv is slow: the tabulated normal-score route
            out[d.id] = d.distribution.from_normal(special.ndtri(col))
        else:
            out[d.id] = np.asarray(d.distribution.ppf(col), dtype=np.float64)
    if model.correlated:
        cols = [dims["driver", name] for name in model.correlated]
        out.update(_correlated(model, np.ascontiguousarray(special.ndtri(u[:, cols]).T)))
    budgets = -np.log1p(-u[:, [dims["event", e.id] for e in s.events]].T)
    return {d.id: out[d.id] for d in s.drivers}, np.ascontiguousarray(budgets)


#: Where a quasi-random coordinate of exactly 0 is moved (see :func:`_draw_block_qmc`).
_U_ZERO = 2.0**-31


def _draw_chunk(
    model: Model, seed: int, start: int, stop: int, total: int, sampler: str = "random"
) -> tuple[dict[str, FloatArray], FloatArray]:
    """Draw samples ``start:stop`` of a ``total``-sample run, exactly as blocks define them."""
    s = model.scenario
    n = stop - start
    b0 = start // BLOCK_SIZE
    if start == b0 * BLOCK_SIZE and stop == min(start + BLOCK_SIZE, total):
        return _draw_block(model, seed, b0, n, sampler)  # one whole block: no copy
    env = {d.id: np.empty(n) for d in s.drivers}
    exp = np.empty((len(s.events), n))
    pos = start
    while pos < stop:
        b = pos // BLOCK_SIZE
        bstart = b * BLOCK_SIZE
        bstop = min(bstart + BLOCK_SIZE, total)
        vals, e = _draw_block(model, seed, b, bstop - bstart, sampler)
        lo, hi = max(pos, bstart) - bstart, min(stop, bstop) - bstart
        i0 = pos - start
        for k, v in vals.items():
            env[k][i0 : i0 + hi - lo] = v[lo:hi]
        exp[:, i0 : i0 + hi - lo] = e[:, lo:hi]
        pos = bstart + hi
    return env, exp


def draw_worlds(model: Model, seed: int, start: int, stop: int, *, total: int, sampler: str = "random") -> WorldBlock:
    """The worlds ``start:stop`` of a ``total``-sample run, exactly as :func:`simulate` draws them.

    Parameters
    ----------
    model
        From :func:`compile_model`.
    seed
        The run's seed (checked by the caller: see :func:`check_counts`).
    start, stop
        The worlds, ``0 <= start < stop <= total``; any range (a whole
        number of blocks needs no copying).
    total
        The run's sample count: a short last block is drawn as its size
        requires (a Latin hypercube of that many points, say).
    sampler
        ``"random"``, ``"sobol"`` or ``"lhs"``.

    Returns
    -------
    WorldBlock

    Raises
    ------
    SimulationError
        Located at the node, if a driver's draws or a derived quantity are
        not finite numbers in some worlds, a rate or ``by`` probability is
        out of range, or a rule compares a value that is not a number. The
        message is that of the first block (of :data:`BLOCK_SIZE` worlds)
        that fails, whatever the range: the same seed gives the same message
        for any chunk size.
    """
    try:
        return _draw_worlds(model, seed, start, stop, total, sampler)
    except SimulationError:
        if stop - start <= BLOCK_SIZE:
            raise
        for a in range(start, stop, BLOCK_SIZE):  # the first block that fails, alone: its own message
            _draw_worlds(model, seed, a, min(a + BLOCK_SIZE, stop), total, sampler)
        raise


def _draw_worlds(model: Model, seed: int, start: int, stop: int, total: int, sampler: str) -> WorldBlock:
    s = model.scenario
    n = stop - start
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, located
        values, budgets = _draw_chunk(model, seed, start, stop, total, sampler)
    for name in model.hierarchical:  # each after the drivers its parameters read
        values[name] = resolve(s.driver(name), values, values[name], n)
    for d in s.drivers:
        _check_draws(d, values[d.id], n)
    varying = model.per_horizon
    for dv in s.derived:
        derive(model, dv, values, n, varying)
    times = occurrence_times(model, values, budgets, n)
    labels = label_worlds(model, values, times, n)
    return WorldBlock(start, values, times, labels, seed, total, sampler, s.hash)  # computed once per scenario


def derive(model: Model, dv: Derived, values: dict[str, FloatArray], n: int, varying: frozenset[str]) -> None:
    """Add a derived quantity's values to ``values``: once, or at each horizon if it reads ``t``.

    A quantity in ``varying`` (:attr:`Model.per_horizon`) is evaluated at
    each horizon, with ``t`` the horizon's end in years and every
    per-horizon quantity it reads at that horizon, into
    ``values[horizon_column(id, horizon)]``; any other into ``values[id]``.

    Raises
    ------
    SimulationError
        Located at the quantity (and naming the horizon), if some values are not finite.
    """
    if dv.id not in varying:
        values[dv.id] = _derived(dv.id, dv.expr.evaluate(values, n), dv.where, n)
        return
    for h, end in zip(model.scenario.horizons, model.horizon_ends):
        env: dict[str, Any] = {k: values[horizon_column(k, h.id) if k in varying else k] for k in dv.expr.names}
        env[T_KEY] = float(end)
        values[horizon_column(dv.id, h.id)] = _derived(dv.id, dv.expr.evaluate(env, n), dv.where, n, h.id)


def _derived(name: str, v: FloatArray, where: Location, n: int, horizon: str = "") -> FloatArray:
    """A derived quantity's values, or a located SimulationError if some are not finite."""
    at = f" at horizon {horizon}" if horizon else ""
    nan = np.isnan(v)
    if nan.any():
        msg = (
            f"{where.located(f'derived.{name}')}: not a number in {of_worlds(int(nan.sum()), n)}{at} "
            "(a log or sqrt of a negative, or 0/0?)"
        )
        raise SimulationError(msg)
    inf = np.isinf(v)
    if inf.any():  # its mean, spread and upper percentiles would be meaningless
        msg = (
            f"{where.located(f'derived.{name}')}: infinite in {of_worlds(int(inf.sum()), n)}{at} "
            "(a division by zero, or log of 0?); bound it, e.g. with min() or where()"
        )
        raise SimulationError(msg)
    return v


def label_worlds(model: Model, values: Mapping[str, FloatArray], times: Mapping[str, FloatArray], n: int) -> IntArray:
    """The scenario of each world by the end of each horizon: shape ``(n_horizons, n)``.

    A world is in the first scenario whose rule holds, reading an event's
    name as "it happened by the end of the horizon" (``time <= end``); the
    last rule is ``otherwise``. Each horizon's rules see what has happened
    by its end and nothing later (:func:`rule_scope`).
    """
    rules = model.scenario.rules
    labels = np.empty((model.horizon_ends.size, n), dtype=np.intp)
    timed = frozenset().union(*(r.when.times_read for r in rules if r.when is not None))
    varying = model.per_horizon
    last = len(rules) - 1
    below = np.empty(n, dtype=np.uint8 if last <= _SMALL_LABELS else np.intp)  # how far below the last rule
    step = np.empty_like(below)
    for hi, end in enumerate(model.horizon_ends):
        at = {k: horizon_column(k, model.scenario.horizons[hi].id) for k in varying}
        scope = rule_scope(values, times, float(end), timed, at=at)
        below.fill(0)
        free = np.ones(n, dtype=bool)
        for ri, rule in enumerate(rules):
            if rule.when is None:
                break
            hit = free & rule.when.holds(scope, n, needed=free)
            # label = ri where hit, as arithmetic: a masked copy branches on each world, and a rule
            # that holds in a random part of them mispredicts often (several times the cost)
            np.multiply(hit, below.dtype.type(last - ri), out=step)
            np.add(below, step, out=below)  # the hits of the rules are disjoint
            free ^= hit  # hit lies within free: xor clears it
        np.subtract(np.intp(last), below, out=labels[hi])
    return labels


#: The most rules whose label offsets :func:`label_worlds` keeps in one byte a world (else eight).
_SMALL_LABELS = int(np.iinfo(np.uint8).max)


def rule_scope(
    values: Mapping[str, FloatArray],
    times: Mapping[str, FloatArray],
    end: float,
    timed: Iterable[str] = (),
    names: Iterable[str] | None = None,
    at: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """What a scenario rule reads at the horizon ending at ``end`` (years from ``as_of``).

    Every value (or only ``names``, if given), a per-horizon derived
    quantity as its value at this horizon (``at``: its name -> its
    :func:`horizon_column`); each event's name as
    "happened by ``end``" (``time <= end``); for each event in ``timed``,
    its time as ``time(e)`` reads it, ``inf`` where it happens after
    ``end`` (so that nothing later than the horizon is seen, and
    ``happened(e, by=X)`` with ``X`` past ``end`` means by ``end``); and
    ``t``, ``end`` itself.
    """
    keep = None if names is None else frozenset(names)
    scope: dict[str, Any] = {k: v for k, v in values.items() if keep is None or k in keep}
    for k, column in (at or {}).items():
        if keep is None or k in keep:
            scope[k] = values[column]
    scope.update({k: t <= end for k, t in times.items() if keep is None or k in keep})
    for k in timed:
        t = times[k]
        scope[time_key(k)] = np.where(t <= end, t, np.inf)
    scope[T_KEY] = end
    return scope


def _check_draws(d: Driver, x: FloatArray, n: int) -> None:
    """Stop the run, located at the driver, if some of its draws are not finite numbers."""
    if d.kind != "continuous" or bool(np.isfinite(x).all()):
        return
    bad = ~np.isfinite(x)
    example = x[int(np.argmax(bad))]
    msg = (
        f"{d.where.located(f'drivers.{d.id}')}: not finite in {of_worlds(int(bad.sum()), n)} (e.g. {example:g}: "
        f"{d.distribution.describe()} overflows the largest float, about 1.8e308); choose smaller parameters"
    )
    raise SimulationError(msg)


def sample_worlds(
    model: Model | Scenario | str | os.PathLike[str],
    *,
    samples: int = 10_000,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    sampler: str = "random",
) -> pd.DataFrame:
    """Every simulated world, one row each: the draws behind a run.

    The worlds are exactly those :func:`simulate` summarises for the same
    ``samples`` and ``seed``. This holds every sample in memory: use it to
    look at a few thousand worlds, not for large runs.

    Parameters
    ----------
    model
        From :func:`compile_model`; a Scenario is compiled first, a file path or bundled id loaded (:func:`as_model`).
    samples, seed, chunk_size, sampler
        As for :func:`simulate`; ``samples`` times the columns is at most
        :data:`MAX_WORLD_VALUES`.

    Returns
    -------
    pandas.DataFrame
        One row per world, in run order. One column per driver and derived
        quantity (a categorical driver as its category's name), then
        ``time_<event>`` for each event: years from ``as_of`` until it
        happens (``inf`` if never), then ``scenario@<horizon>`` for each
        horizon: the scenario id the world is in by that horizon's end (a
        categorical in the scenarios' order), then ``weight``: 1.0 for
        every world (the store's worlds are equally likely; reweighting
        them is :func:`outlook.summarise_worlds`'s ``weights``). The share
        of rows with a scenario id at a horizon equals that scenario's ``p``
        in the run's tables exactly, and an event's share of times at most a
        horizon's end its ``p_by``.

    Raises
    ------
    ValueError
        For a bad ``samples``, ``seed``, ``chunk_size`` or ``sampler``, or
        more values than :data:`MAX_WORLD_VALUES`.
    SimulationError
        As for :func:`simulate`.
    """

    samples, seed, chunk = check_counts(samples, seed, chunk_size)
    _check_sampler(sampler)
    model = as_model(model)
    columns = len(model.quantities) + len(model.scenario.events)  # the labels and weights are small beside them
    if samples * columns > MAX_WORLD_VALUES:
        msg = (
            f"samples must be at most {MAX_WORLD_VALUES // columns:,} for sample_worlds of this model "
            f"(got {samples:,}): it holds every value in memory ({columns:,} a world, at most "
            f"{MAX_WORLD_VALUES:,} in all); summaries of larger runs come from simulate"
        )
        raise ValueError(msg)
    check_working_memory(model, min(samples, chunk))
    frame = worlds_frame(model, _blocks_of(model, seed, samples, chunk, sampler))
    frame.attrs.update(seed=seed, samples=samples, sampler=sampler, scenario_hash=model.scenario.hash)
    return frame


def worlds_frame(model: Model, blocks: Iterable[WorldBlock]) -> pd.DataFrame:
    """Consecutive blocks of worlds as one DataFrame, in the layout :func:`sample_worlds` documents."""
    import pandas as pd

    s = model.scenario
    parts = [
        {
            **w.values,
            **{f"time_{k}": v for k, v in w.times.items()},
            **{scenario_column(h.id): w.labels[i] for i, h in enumerate(s.horizons)},
        }
        for w in blocks
    ]
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    frame = pd.DataFrame(cols)
    for d in s.drivers:
        if d.categories:
            codes = frame[d.id].to_numpy().astype(np.int64)
            frame[d.id] = pd.Categorical.from_codes(codes, categories=pd.Index(list(d.categories)))
    rule_ids = pd.Index([r.id for r in s.rules])
    for h in s.horizons:
        frame[scenario_column(h.id)] = pd.Categorical.from_codes(frame[scenario_column(h.id)], categories=rule_ids)
    frame["weight"] = 1.0
    return frame


def scenario_column(horizon: str) -> str:
    """The world store's column naming the scenario each world is in by the end of ``horizon``."""
    return f"scenario@{horizon}"


def iter_worlds(
    model: Model | Scenario | str | os.PathLike[str],
    *,
    samples: int,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    sampler: str = "random",
) -> Iterator[WorldBlock]:
    """The worlds of a run, a chunk at a time: the very worlds :func:`simulate` summarises.

    Parameters
    ----------
    model
        From :func:`compile_model`; a Scenario is compiled first, a file path or bundled id loaded (:func:`as_model`).
    samples, seed, chunk_size, sampler
        As for :func:`simulate`; checked at once, before the first block.

    Returns
    -------
    Iterator[WorldBlock]
        Consecutive blocks of at most ``chunk_size`` worlds (rounded up to a
        whole number of seeding blocks), covering ``0:samples`` in order.

    Raises
    ------
    ValueError
        For a bad ``samples``, ``seed``, ``chunk_size`` or ``sampler``, when called.
    SimulationError
        As :func:`draw_worlds`, while iterating.
    """
    samples, seed, chunk = check_counts(samples, seed, chunk_size)
    _check_sampler(sampler)
    model = as_model(model)
    check_working_memory(model, min(samples, chunk))
    return _blocks_of(model, seed, samples, chunk, sampler)


def _blocks_of(model: Model, seed: int, samples: int, chunk: int, sampler: str) -> Iterator[WorldBlock]:
    for start in range(0, samples, chunk):
        yield draw_worlds(model, seed, start, min(start + chunk, samples), total=samples, sampler=sampler)
