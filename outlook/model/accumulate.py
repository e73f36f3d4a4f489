"""Accumulators: what a range of blocks keeps of its worlds, mergeable in block order.

Owns the partial accumulators of a contiguous range of blocks (counts of
scenarios, events and categories, event-curve counts, per-block moments and
percentile sketches), how two of them merge, and :func:`run_blocks`, the
unit of work sent to a worker. Never decides where a range runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .. import distributions as dist
from .._pieces import PIECE, pieces
from .._types import FloatArray
from ..errors import SimulationError
from .compile import Model
from .quantiles import CountedQuantiles, QuantileSketch
from .settings import BLOCK_SIZE
from .standard_errors import Counts
from .worlds import WorldBlock, draw_worlds

__all__ = [
    "PERCENTILES",
    "QuantityStats",
    "KEPT_WORLDS",
    "KEPT_WORLD_VALUES",
    "count_worlds",
    "percentile_tracker",
    "kept_worlds",
    "weighted_moments",
    "run_blocks",
]

#: Percentiles reported for drivers and derived quantities.
PERCENTILES = (5, 25, 50, 75, 95)

#: The most worlds a run keeps (its first ones) for figures and reports: :func:`kept_worlds`.
KEPT_WORLDS = 20_000

#: The most values (worlds x columns) a run keeps: a scenario with many columns keeps fewer worlds.
KEPT_WORLD_VALUES = 4_000_000


def kept_worlds(model: Model, total: int) -> int:
    """How many of its first worlds a ``total``-sample run keeps: at most :data:`KEPT_WORLDS`.

    Fewer where the run has fewer, and where the scenario has so many drivers,
    derived quantities and events that they would hold more than
    :data:`KEPT_WORLD_VALUES` values (then ``KEPT_WORLD_VALUES // columns``).
    """
    columns = len(model.quantities) + len(model.scenario.events)
    return min(total, KEPT_WORLDS, max(1, KEPT_WORLD_VALUES // max(columns, 1)))


@dataclass(slots=True)
class QuantityStats:
    """Streaming summary of one driver or derived quantity."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    lo: float = math.inf
    hi: float = -math.inf
    sketch: QuantileSketch | CountedQuantiles | None = None

    def add_moments(self, k: float, m: float, m2: float, lo: float, hi: float) -> None:
        """Merge one block's count, mean, sum of squared deviations, min and max."""
        k = int(k)
        if k == 0:
            return
        delta = m - self.mean
        tot = self.n + k
        self.mean += delta * k / tot
        self.m2 += m2 + delta * delta * self.n * k / tot
        self.n = tot
        self.lo = min(self.lo, lo)
        self.hi = max(self.hi, hi)

    @property
    def sd(self) -> float:
        return math.sqrt(self.m2 / (self.n - 1)) if self.n > 1 else 0.0


def _block_moments(x: FloatArray) -> tuple[int, float, float, float, float]:
    with np.errstate(over="ignore", invalid="ignore"):  # values near the float limit: see _check_moments
        m = float(np.mean(x))
        d = x - m
        m2 = float(np.einsum("i,i->", d, d))  # not BLAS: no thread start-up per block
    return x.shape[0], m, m2, float(np.min(x)), float(np.max(x))


def _quantity_where(model: Model, name: str) -> str:
    """``path:line:col: drivers.x`` (or ``derived.x``) for a driver or derived quantity."""
    s = model.scenario
    for section, nodes in (("drivers", s.drivers), ("derived", s.derived)):
        for node in nodes:
            if node.id == name:
                return f"{node.where}: {section}.{name}"
    return name


def _check_moments(model: Model, name: str, mean: float, m2: float, lo: float, hi: float) -> None:
    """Stop the run if a quantity's mean or spread overflowed: a table must never show inf or a blank."""
    if math.isfinite(mean) and math.isfinite(m2):
        return
    msg = (
        f"{_quantity_where(model, name)}: values too large for a mean and standard deviation (they reach "
        f"{max(abs(lo), abs(hi)):.4g}; sums of their squares pass the largest float, about 1.8e308); "
        "express it in larger units or on a log scale"
    )
    raise SimulationError(msg)


@dataclass(slots=True)
class _Partial:
    """The accumulators of a contiguous range of blocks, mergeable in block order."""

    counts: Counts
    curve: np.ndarray  # (ne, n_curve_times), not cumulative
    moment_parts: list[tuple[int, np.ndarray]]  # (first block, (n_blocks, n_quantities, 5)): n, mean, m2, min, max
    sketches: list[QuantileSketch | CountedQuantiles]
    #: (block, that block's counts, its size): kept for QMC runs only
    block_counts: list[tuple[int, Counts, int]] = field(default_factory=list)
    #: The run's first :func:`kept_worlds` worlds, held by the range that starts at world 0
    head: WorldBlock | None = None

    def merge(self, other: _Partial) -> None:
        """Add another range's accumulators, in any order.

        Counts add (integers: exact in any order), sketches merge exactly,
        and per-block moments are kept by block number, to be folded in
        block order by :func:`_finish`.
        """
        self.counts.add(other.counts)
        self.curve += other.curve
        self.moment_parts += other.moment_parts
        for a, b in zip(self.sketches, other.sketches):
            a.merge(b)  # type: ignore[arg-type]  # the same quantity: the same kind
        self.block_counts += other.block_counts
        if self.head is None:
            self.head = other.head

    def blocks(self) -> list[tuple[Counts, int]]:
        """Each block's counts and size, in block order (QMC runs; empty otherwise)."""
        return [(c, n) for _, c, n in sorted(self.block_counts, key=lambda t: t[0])]

    @property
    def moments(self) -> np.ndarray:
        """(n_blocks, n_quantities, 5) per-block moments, in block order."""
        return np.concatenate([m for _, m in sorted(self.moment_parts, key=lambda t: t[0])])


def run_blocks(
    model: Model,
    first_block: int,
    stop_block: int,
    seed: int,
    total: int,
    chunk: int,
    sampler: str = "random",
    *,
    into: _Partial | None = None,
    progress: Callable[[int], None] | None = None,
) -> _Partial:
    """Simulate blocks ``first_block:stop_block`` of a ``total``-sample run and keep their accumulators.

    The unit of work the runner sends to this process, a worker process or
    a Dask worker (:class:`~outlook.model.runner.Work`): a pure function of
    its arguments, so a retried range gives the same numbers.

    Parameters
    ----------
    model
        From :func:`~outlook.model.compile_model`.
    first_block, stop_block
        The blocks, of :data:`BLOCK_SIZE` worlds each (the last one of the
        run may be short).
    seed, total, chunk, sampler
        The run's seed, sample count, chunk size (a whole number of blocks)
        and sampler.
    into
        Add the range to these accumulators (of any other blocks) and return
        them, instead of new ones.
    progress
        Called with the worlds done after each chunk.

    Returns
    -------
    _Partial
    """
    names = model.quantities
    start = first_block * BLOCK_SIZE
    stop = min(stop_block * BLOCK_SIZE, total)
    grid = model.curve_times
    moments = np.zeros((stop_block - first_block, len(names), 5))
    laws = {d.id: d.distribution for d in model.scenario.drivers}
    if into is not None:
        part = into
        part.moment_parts.append((first_block, moments))
    else:
        part = _Partial(
            _zero_counts(model),
            np.zeros((len(model.scenario.events), grid.size), dtype=np.int64),
            [(first_block, moments)],
            [percentile_tracker(laws.get(name)) for name in names],
        )
    per_block = sampler != "random"  # QMC: keep each block's counts, for its standard errors
    if per_block:
        chunk = BLOCK_SIZE  # one block a chunk (chunks never change a number)
    for lo in range(start, stop, chunk):
        worlds = draw_worlds(model, seed, lo, min(lo + chunk, stop), total=total, sampler=sampler)
        n = worlds.size
        counts = count_worlds(model, worlds)
        for k, e in enumerate(model.scenario.events):
            part.curve[k] += _curve_counts(worlds.times[e.id], grid)
        b0 = (lo - start) // BLOCK_SIZE
        for q, name in enumerate(names):
            x = worlds.values[name]
            for j, i in enumerate(range(0, n, BLOCK_SIZE)):
                moments[b0 + j, q] = row = _block_moments(x[i : i + BLOCK_SIZE])
                _check_moments(model, name, *row[1:])
            part.sketches[q].update(x)
        part.counts.add(counts)
        if lo == 0:  # the chunk of the run's first worlds (a chunk is at least a block: all of them)
            part.head = worlds.head(kept_worlds(model, total))
        if per_block:
            part.block_counts.append((lo // BLOCK_SIZE, counts, n))
        if progress is not None:
            progress(n)
    return part


def percentile_tracker(law: dist.Distribution | None) -> QuantileSketch | CountedQuantiles:
    """What keeps the percentiles of a quantity drawn from ``law``: counts for a few known values, else the sketch.

    ``law`` is a driver's distribution, ``None`` for a derived quantity.

    A constant, yes/no or categorical driver takes one of a few values
    known in advance, so its percentiles come from counts
    (:class:`~outlook.model.quantiles.CountedQuantiles`), exactly and at
    next to no cost; any other quantity goes through the exact sketch
    (:class:`~outlook.model.quantiles.QuantileSketch`). Both give
    ``numpy.quantile``'s numbers, so the choice never changes a table.
    """
    levels = [p / 100 for p in PERCENTILES]
    if isinstance(law, dist.Constant):
        return CountedQuantiles(levels, (law.value,))
    if isinstance(law, dist.Bernoulli):
        return CountedQuantiles(levels, (0.0, 1.0))
    if isinstance(law, dist.Categorical):
        return CountedQuantiles(levels, range(len(law.categories)))
    return QuantileSketch(levels)


def count_worlds(model: Model, worlds: WorldBlock) -> Counts:
    """The worlds of a block in each scenario, with each event, in each category, by the end of each horizon.

    Parameters
    ----------
    model
        The model that drew ``worlds``.
    worlds
        From :func:`~outlook.model.worlds.draw_worlds`.

    Returns
    -------
    Counts
        Counted from ``worlds.labels``, ``worlds.times`` (``time <= end``)
        and the categorical drivers' values: the tables' probabilities are
        exactly these shares of these worlds.
    """
    counts = _zero_counts(model)
    ns = counts.scenarios.shape[1]
    for hi, end in enumerate(model.horizon_ends):
        counts.scenarios[hi] = np.bincount(worlds.labels[hi], minlength=ns)
        for k, e in enumerate(model.scenario.events):
            counts.events[k, hi] = np.count_nonzero(worlds.times[e.id] <= end)
    for name, cats in counts.categories.items():
        cats += np.bincount(worlds.values[name].astype(np.int64), minlength=cats.shape[0])
    return counts


def _zero_counts(model: Model) -> Counts:
    """Counts of no worlds yet, shaped for ``model``."""
    s = model.scenario
    categorical = {d.id: len(d.categories) for d in s.drivers if d.categories}
    return Counts.zeros(len(s.horizons), len(s.rules), len(s.events), categorical)


def _curve_counts(t: FloatArray, grid: FloatArray) -> np.ndarray:
    """Worlds whose time first reaches each point of an increasing ``grid`` (not cumulative).

    On an evenly spaced grid (every scenario without claims) the index is
    found by arithmetic (searchsorted of unsorted values is several times
    slower), then corrected by one where rounding put it off; a grid with
    the times of claims added (:func:`~outlook.model.compile_model`) is searched.
    """
    if t.size > PIECE:  # a cache-sized piece at a time (outlook._pieces): counts add
        return np.asarray(np.sum([_curve_counts(t[part], grid) for part in pieces(t.size)], axis=0))
    inside = t <= grid[-1]
    kept = int(np.count_nonzero(inside))
    overflow = kept * 2 >= t.size  # most worlds on the curve: count them all, those past its end in one more bin
    if not overflow:  # most worlds of a rare event: never, off the curve
        t = t[inside]
    if grid.size == 1 or grid[-1] <= 0:
        t = t[t <= grid[-1]] if overflow else t
        return np.bincount(np.zeros(t.size, dtype=np.intp), minlength=grid.size)
    step = np.diff(grid)
    if float(step.max() - step.min()) > 1e-9 * float(grid[-1]):
        return np.bincount(np.searchsorted(grid, t, side="left"), minlength=grid.size + 1)[: grid.size]
    x = t * ((grid.size - 1) / grid[-1])
    np.ceil(x, out=x)
    np.clip(x, 0, grid.size - 1, out=x)  # a time before 0 (an event that happened before as_of): at 0
    idx = x.astype(np.intp)
    # the first grid time at or after t: one down where the point before is still at or after it (the grid with
    # -inf in front, so that index 0 needs no mask), one up where the point is before it
    idx -= np.concatenate(([-np.inf], grid))[idx] >= t
    idx += grid[idx] < t  # a time past the curve's end: one past its last point, dropped below
    return np.bincount(idx, minlength=grid.size + 1)[: grid.size]


def weighted_moments(x: FloatArray, w: FloatArray) -> tuple[float, float, float, float]:
    """The weighted mean, standard deviation, min and max of values ``x`` (shape ``(n,)``) with weights ``w``.

    Computed a seeding block (:data:`BLOCK_SIZE` worlds) at a time and the
    blocks merged in order, as a run merges its blocks (Chan, Golub &
    LeVeque 1979, with each block's total weight for its count), so that
    with every weight 1 the numbers are bit for bit a run's. The mean is
    ``sum w x / sum w``; the standard deviation
    ``sqrt(sum w (x - mean)^2 / (V1 - V2 / V1))``, ``V1 = sum w`` and
    ``V2 = sum w^2``: the unbiased estimate for reliability weights, which
    is ``n - 1`` in the denominator for unit weights. Min and max are over
    the worlds of positive weight. ``w`` as
    :func:`~outlook.model.standard_errors.check_weights` accepts it.
    """
    total, mean, m2 = 0.0, 0.0, 0.0
    for i in range(0, x.shape[0], BLOCK_SIZE):
        xb, wb = x[i : i + BLOCK_SIZE], w[i : i + BLOCK_SIZE]
        k = float(np.sum(wb))
        if k == 0:
            continue
        with np.errstate(over="ignore", invalid="ignore"):  # near the float limit: the caller checks
            m = float(np.sum(wb * xb)) / k
            d = xb - m
            mb = float(np.einsum("i,i->", wb * d, d))
        delta = m - mean
        tot = total + k
        mean += delta * k / tot
        m2 += mb + delta * delta * total * k / tot
        total = tot
    v2 = float(np.einsum("i,i->", w, w))
    dof = total - v2 / total
    sd = math.sqrt(m2 / dof) if dof > 0 else 0.0
    kept = x[w > 0]
    return mean, sd, float(np.min(kept)), float(np.max(kept))
