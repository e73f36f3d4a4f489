"""First-order sensitivity indices from given data: how much of a target's variance each driver explains alone.

Owns :func:`first_order` (the estimator on arrays: inputs ``(n, d)``, outputs
``(n,)`` or ``(n, k)``) and :func:`first_order_indices` (every driver for
every scenario and event at every horizon, from the worlds of one run,
streamed block by block). Never draws a design matrix, never plots, never prints.

The estimator
-------------
The first-order (main-effect) index of input ``X_i`` for output ``Y`` is
``S_i = Var(E[Y | X_i]) / Var(Y)`` (Sobol' 1993; Saltelli et al. 2008,
*Global Sensitivity Analysis: The Primer*, §1.2.9). It is estimated from one
sample of ``(X, Y)``, with no special design ("given data": Plischke,
Borgonovo & Smith 2013, *Eur. J. Oper. Res.* 226, 536-550; the binning
estimator of Saltelli et al. 2008, §8): each input's range is cut into ``M``
bins of equal probability (its own quantiles; each distinct value of a
discrete input is a bin), ``E[Y | X_i]`` is the mean of ``Y`` in each bin,
and, with the one-way analysis-of-variance sums of squares ``SSB`` (between
bins), ``SSW`` (within) and ``SST = SSB + SSW``,

    S_i = (SSB - (M - 1) SSW / (n - M)) / SST,

the method-of-moments estimate of the between-bin variance component (the
expectation of ``SSB`` is ``(M - 1) σ²_w`` plus the signal; Searle, Casella &
McCulloch 1992, *Variance Components*, §3.5), so that an input that does
nothing has ``S_i`` near 0 rather than near ``(M - 1) / n``. Binning leaves
out the variation of ``E[Y | X_i]`` within a bin: for a smooth conditional
mean it is of order ``1/M²`` of its variance. ``M`` is a library choice:
``min(64, max(8, n // 1000))``.

Standard errors come from batches (batch means: Schmeiser 1982, *Oper. Res.*
30, 556-568): the worlds are cut into ``B`` consecutive batches (20), ``S_i``
is estimated in each, and ``se = sd(S_b) / sqrt(B)``.

Correlated drivers
------------------
With correlated drivers ``S_i`` still is ``Var(E[Y | X_i]) / Var(Y)``: the
share of the variance explained by knowing ``X_i`` alone, *including* what it
says about the drivers correlated with it (the "full" first-order index of
Mara & Tarantola 2012, *Reliab. Eng. Syst. Saf.* 107, 115-121). Indices of
correlated drivers can then sum to more than 1, and a driver that feeds the
target nothing can have a positive index through a partner.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._types import FloatArray, IntArray
from ..distributions import Conditional, Distribution
from ..model import Model, WorldBlock, as_model, draw_worlds, iter_worlds
from ..model.graph import dependency_graph
from ..model.settings import BLOCK_SIZE, DEFAULT_CHUNK_SIZE
from ..scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BATCHES", "INDEX_COLUMNS", "bin_count", "first_order", "first_order_indices"]

#: Batches for the standard errors (batch means).
BATCHES = 20

#: The columns of :func:`first_order_indices`' table, in order.
INDEX_COLUMNS = ("target", "kind", "id", "horizon", "p", "driver", "S1", "S1_se")


def bin_count(n: int) -> int:
    """The number of bins ``M`` for ``n`` observations: ``min(64, max(8, n // 1000))`` (a library choice)."""
    return int(min(64, max(8, n // 1000)))


def _ratio(stats: FloatArray) -> FloatArray:
    """``S`` from per-bin sums ``(..., M, 3)`` (count, sum, sum of squares): the bias-corrected ANOVA ratio.

    Empty bins are dropped (they count neither as bins nor observations).
    Where ``SST`` is 0 (a constant output) the index is ``nan``.
    """
    cnt, s1, s2 = stats[..., 0], stats[..., 1], stats[..., 2]
    n = cnt.sum(axis=-1)
    total = s1.sum(axis=-1)
    m = (cnt > 0).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        sst = s2.sum(axis=-1) - n * mean**2
        ssb = np.where(cnt > 0, s1**2 / np.where(cnt > 0, cnt, 1), 0.0).sum(axis=-1) - n * mean**2
        ssw = sst - ssb
        s = (ssb - (m - 1) * ssw / (n - m)) / sst
    out: FloatArray = np.where(sst > 1e-12 * np.maximum(s2.sum(axis=-1), 1e-300), s, np.nan)
    return out


def _estimate(stats: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``(S, se)`` from per-batch per-bin sums ``(B, ..., M, 3)``: all batches pooled, and the batch-means SE."""
    s = _ratio(stats.sum(axis=0))
    per_batch = _ratio(stats)
    b = stats.shape[0]
    with warnings.catch_warnings():  # a target certain in some batch: its se is nan, not a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        se = np.nanstd(per_batch, axis=0, ddof=1) / np.sqrt(b) if b > 1 else np.full_like(s, np.nan)
    return s, np.asarray(se, dtype=np.float64)


def _bins_from_data(x: FloatArray, m: int) -> tuple[IntArray, int]:
    """Bin indices of ``x`` (shape ``(n,)``): each distinct value if at most ``m``, else ``m`` equal-count bins."""
    values = np.unique(x)
    if values.size <= m:
        return np.searchsorted(values, x).astype(np.intp), int(values.size)
    edges = np.quantile(x, np.arange(1, m) / m)
    return np.searchsorted(edges, x, side="right").astype(np.intp), m


def first_order(
    x: FloatArray | Mapping[str, FloatArray],
    y: FloatArray,
    *,
    bins: int | None = None,
    batches: int = BATCHES,
) -> pd.DataFrame:
    """First-order indices of each input for each output, from one sample (the binning estimator).

    Parameters
    ----------
    x
        Inputs, shape ``(n, d)`` (named ``x0``, ``x1``, ...), or a mapping
        from name to shape ``(n,)``.
    y
        Outputs, shape ``(n,)`` or ``(n, k)`` (named ``y0``, ``y1``, ...).
    bins
        ``M``, the bins per input (:func:`bin_count` by default). An input
        with at most ``M`` distinct values has a bin per value.
    batches
        ``B`` for the batch-means standard error (1: none, ``S1_se`` is nan).

    Returns
    -------
    pandas.DataFrame
        One row per (output, input): ``output``, ``input``, ``S1``,
        ``S1_se``. ``S1`` is nan for a constant output.

    Raises
    ------
    ValueError
        If the shapes disagree, ``n < 2 * bins * batches`` or a value is not finite.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.standard_normal((100_000, 2))
    >>> t = first_order(x, x[:, 0] + 2 * x[:, 1])
    >>> t["S1"].round(2).tolist()  # 1/5 and 4/5
    [0.2, 0.8]
    """
    import pandas as pd

    if isinstance(x, Mapping):
        names = list(x)
        cols = [np.asarray(x[k], dtype=np.float64) for k in names]
    else:
        arr = np.asarray(x, dtype=np.float64)
        if arr.ndim != 2:
            raise ValueError(f"x must have shape (n, d) (got {arr.shape})")
        names = [f"x{i}" for i in range(arr.shape[1])]
        cols = [arr[:, i] for i in range(arr.shape[1])]
    yy = np.asarray(y, dtype=np.float64)
    yy = yy[:, None] if yy.ndim == 1 else yy
    n = yy.shape[0]
    if yy.ndim != 2 or any(c.shape != (n,) for c in cols):
        raise ValueError(f"x and y must have one row per observation (y has shape {np.shape(y)})")
    m = bin_count(n) if bins is None else int(bins)
    if batches < 1 or m < 2 or n < 2 * m * batches:
        raise ValueError(f"need at least 2 * bins * batches = {2 * m * batches:,} observations (got {n:,})")
    if not (np.isfinite(yy).all() and all(np.isfinite(c).all() for c in cols)):
        raise ValueError("x and y must be finite numbers")
    batch = (np.arange(n) * batches) // n
    rows = []
    for name, col in zip(names, cols, strict=True):
        idx, mb = _bins_from_data(col, m)
        key = batch * mb + idx
        stats = np.empty((batches, yy.shape[1], mb, 3))
        for j in range(yy.shape[1]):
            for c, w in enumerate((None, yy[:, j], yy[:, j] ** 2)):
                stats[:, j, :, c] = np.bincount(key, weights=w, minlength=batches * mb).reshape(batches, mb)
        s, se = _estimate(stats)
        rows += [(f"y{j}", name, float(s[j]), float(se[j])) for j in range(yy.shape[1])]
    return pd.DataFrame(rows, columns=["output", "input", "S1", "S1_se"])


def first_order_indices(
    model: Model | Scenario | str | os.PathLike[str],
    *,
    samples: int = 100_000,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    blocks: Iterable[WorldBlock] | None = None,
    bins: int | None = None,
    batches: int = BATCHES,
) -> pd.DataFrame:
    """First-order indices of every driver for every scenario and event at every horizon, from one run's worlds.

    Parameters
    ----------
    model
        From :func:`~outlook.compile_model`; a Scenario is compiled first, a file path or bundled id loaded (:func:`~outlook.model.as_model`).
    samples, seed, chunk_size
        The run's (as for :func:`~outlook.simulate`).
    blocks
        The run's worlds, if already at hand (:func:`~outlook.model.iter_worlds`
        with the same ``samples`` and ``seed``); drawn otherwise.
    bins, batches
        As for :func:`first_order`. A driver's bins are its own quantiles
        (``ppf(k / M)``), or each of its values if it has at most ``M``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`INDEX_COLUMNS`: ``target`` (``"id@horizon"``),
        ``kind`` (``"scenario"`` or ``"event"``), ``id``, ``horizon``, ``p``
        (the target's probability in the run), ``driver``, ``S1``,
        ``S1_se``; targets in table order (scenarios, then events, each by
        horizon), drivers by ``S1`` (largest first). Only drivers that feed
        the target (through the dependency graph, or through a driver they
        are correlated with) and are not constant have a row; ``S1`` is nan
        for a target that is certain or impossible in every world.

    Raises
    ------
    ValueError
        For bad counts, or fewer than ``2 * bins * batches`` samples.

    Notes
    -----
    Cost: per block, one ``searchsorted`` per driver and one ``bincount`` per
    driver and horizon (the scenarios) and per driver and event (the horizon
    by which it happened): a small share of drawing the worlds.
    """

    model = as_model(model)
    s = model.scenario
    m = bin_count(samples) if bins is None else int(bins)
    if batches < 1 or m < 2 or samples < 2 * m * batches:
        raise ValueError(f"need at least 2 * bins * batches = {2 * m * batches:,} samples (got {samples:,})")
    drivers = [d for d in s.drivers if d.kind != "constant"]
    pilot: dict[str, FloatArray] = {}
    if any(isinstance(d.distribution, Conditional) and d.kind == "continuous" for d in drivers):
        # a hierarchical driver's marginal quantiles are not known in closed form: the run's first worlds give them
        pilot = dict(draw_worlds(model, seed, 0, min(samples, BLOCK_SIZE), total=samples).values)
    binners = [_Binner.of(d.distribution, m, pilot.get(d.id)) for d in drivers]
    nb = [b.bins for b in binners]
    h, r = len(s.horizons), len(s.rules)
    reach = _reached_events(model, [d.id for d in drivers])
    # per driver: (batches, bins, h, r) counts of the scenario at each horizon, and
    # (batches, bins, h + 1) counts of the first horizon by which each event it feeds happened
    sc = [np.zeros((batches, nb[i], h, r)) for i in range(len(drivers))]
    ev_counts = [np.zeros((batches, nb[i], len(s.events), h + 1)) for i in range(len(drivers))]
    if blocks is None:
        blocks = iter_worlds(model, samples=samples, seed=seed, chunk_size=chunk_size)
    fed = sorted(set().union(*reach))  # the events some driver feeds: the others' first horizons are not needed
    for block in blocks:
        batch = ((block.start + np.arange(block.size)) * batches) // samples
        first = {k: _first_horizon(model.horizon_ends, block.times[s.events[k].id]) for k in fed}
        key = np.empty(block.size, dtype=np.intp)  # buffers, in place: a block's arrays are 512 kB each
        scaled = np.empty_like(key)
        code = np.empty_like(key)
        for i, d in enumerate(drivers):
            np.multiply(batch, nb[i], out=key)
            key += binners[i](block.values[d.id])
            size = batches * nb[i]
            # a bincount per horizon: bins x r cells each, not one of bins x r**h cells for every horizon jointly,
            # whose count array was larger than the block and cost more to add up than to count
            np.multiply(key, r, out=scaled)
            for hi in range(h):
                np.add(scaled, block.labels[hi], out=code)
                sc[i][:, :, hi, :] += np.bincount(code, minlength=size * r).reshape(batches, nb[i], r)
            np.multiply(key, h + 1, out=scaled)  # once per driver, not once per event it feeds
            for k in reach[i]:
                np.add(scaled, first[k], out=code)
                ev_counts[i][:, :, k, :] += np.bincount(code, minlength=size * (h + 1)).reshape(batches, nb[i], h + 1)
    return _indices_table(model, drivers, sc, ev_counts, reach)


@dataclass(frozen=True)
class _Binner:
    """A driver's bins: ``M`` of about equal probability, looked up through a fine grid (or its values).

    Binary search of each value among the ``M - 1`` quantiles is slow
    (branchy); instead the range between the driver's 0.1st and 99.9th
    percentiles is cut into :data:`GRID` equal cells (values beyond go to the
    end cells), each cell takes the bin of its midpoint, and a value takes
    its cell's bin. That is still a partition of the driver's values (what
    the estimator needs), its bins within a cell's width of equal
    probability. A discrete driver's bins are its values (category indices).
    """

    bins: int
    lo: float = 0.0
    scale: float = 0.0
    table: IntArray | None = None

    @classmethod
    def of(cls, distribution: Distribution, m: int, sample: FloatArray | None = None) -> _Binner:
        """The bins of a driver with this distribution, ``m`` for a continuous one.

        A hierarchical driver's (:class:`~outlook.distributions.Conditional`)
        quantiles are those of ``sample``, its values in the run's first worlds.
        """
        if distribution.kind == "yes/no":
            return cls(2)
        probs = getattr(distribution, "probs", None)
        if probs is not None:
            return cls(len(probs))

        def ppf(q: FloatArray) -> FloatArray:
            if isinstance(distribution, Conditional):
                assert sample is not None
                return np.asarray(np.quantile(sample, q), dtype=np.float64)
            return distribution.ppf(q)

        edges = np.asarray(ppf(np.arange(1, m) / m), dtype=np.float64)
        lo, hi = (float(v) for v in np.asarray(ppf(np.array([0.001, 0.999]))))
        if not hi > lo:
            return cls(1)
        mids = lo + (np.arange(GRID + 1) + 0.5) * (hi - lo) / GRID
        return cls(m, lo, GRID / (hi - lo), np.searchsorted(edges, mids, side="right").astype(np.intp))

    def __call__(self, x: FloatArray) -> IntArray:
        """The bin of each value, shape ``(n,)``."""
        if self.table is None:
            out: IntArray = x.astype(np.intp) if self.bins > 1 else np.zeros(x.shape, dtype=np.intp)
            return out
        c = np.subtract(x, self.lo)  # each step in place: a block's arrays are 512 kB, fresh ones cost more
        c *= self.scale
        np.clip(c, 0.0, float(GRID), out=c)
        found: IntArray = np.take(self.table, c.astype(np.intp))
        return found


#: Cells of the lookup grid of a continuous driver's bins (:class:`_Binner`).
GRID = 16_384


def _first_horizon(ends: FloatArray, t: FloatArray) -> IntArray:
    """The index of the first horizon by whose end ``t`` has come (``len(ends)`` if none), shape ``(n,)``.

    One byte a world while there are fewer than 256 horizons: a block's
    first horizons of every event stay small (they are read once per driver
    that feeds the event, added to its int64 bin keys).
    """
    out = np.zeros(t.shape, dtype=np.uint8 if len(ends) < 256 else np.intp)
    for e in ends:
        out += t > e
    return out


def _reached_events(model: Model, ids: Sequence[str]) -> list[list[int]]:
    """For each driver, the events (indices) it feeds, itself or through a driver it is correlated with."""
    s = model.scenario
    graph = dependency_graph(s)
    corr = model.cholesky @ model.cholesky.T if model.cholesky is not None else np.zeros((0, 0))
    events = [e.id for e in s.events]
    out = []
    for name in ids:
        start = {f"driver:{name}"}
        if name in model.correlated:
            i = model.correlated.index(name)
            start |= {f"driver:{c}" for j, c in enumerate(model.correlated) if corr[j, i] != 0.0}
        down = graph.downstream(start, correlated=False)
        out.append([k for k, e in enumerate(events) if f"event:{e}" in down])
    return out


def _indicator_estimates(counts: FloatArray, total: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(S, se, p)`` of every indicator at once, from counts ``(batches, bins, *targets)`` of its hits.

    The indicator of each target holds in ``counts[..., target]`` worlds of
    a bin out of ``total[batch, bin]`` (the bin's worlds); its per-bin sum
    of squares is its sum (``y² = y``).
    """
    hits = np.moveaxis(counts.reshape(*counts.shape[:2], -1), -1, 1)  # (batches, targets, bins)
    stats = np.stack([np.broadcast_to(total[:, None, :], hits.shape), hits, hits], axis=-1)
    s, se = _estimate(stats)
    p = hits.sum(axis=(0, 2)) / total.sum()
    return s, se, p


def _indices_table(
    model: Model,
    drivers: Sequence[object],
    sc_counts: list[FloatArray],
    ev_counts: list[FloatArray],
    reach: list[list[int]],
) -> pd.DataFrame:
    """The table of :func:`first_order_indices` from the accumulated counts.

    ``reach[i]`` lists the events driver ``i`` feeds (:func:`_reached_events`):
    only those of its event counts were counted, and only those (with any
    the table lists it for) are estimated.
    """
    import pandas as pd

    s = model.scenario
    graph = dependency_graph(s)
    ids = [d.id for d in drivers]  # type: ignore[attr-defined]
    corr = model.cholesky @ model.cholesky.T if model.cholesky is not None else np.zeros((0, 0))

    def feeding(keys: set[str]) -> list[int]:
        up = graph.upstream(keys) | keys
        direct = {k.split(":", 1)[1] for k in up if k.startswith("driver:")}
        out = set(direct)
        for i, name in enumerate(model.correlated):
            if any(corr[j, i] != 0.0 and other in direct for j, other in enumerate(model.correlated)):
                out.add(name)
        return [i for i, d in enumerate(ids) if d in out]

    h, r = len(s.horizons), len(s.rules)
    rules = [r_.id for r_ in s.rules]
    events = [e.id for e in s.events]
    sc_use = [set(feeding({f"scenario:{x}" for x in rules[: k + 1]})) for k in range(r)]
    ev_use = [set(feeding({f"event:{e}"})) for e in events]
    totals = [c[:, :, 0, :].sum(axis=-1) for c in sc_counts]  # (batches, bins): worlds in each bin
    sc_est = [_indicator_estimates(c, n) for c, n in zip(sc_counts, totals, strict=True)]  # each (h * r,)
    # the events each driver feeds: reached downstream, and (the same, read upstream) listed for the table
    wanted = [sorted(set(reach[i]) | {k for k, use in enumerate(ev_use) if i in use}) for i in range(len(ids))]
    ev_est: list[dict[int, tuple[float, float, float]]] = []  # per driver: event * h + horizon -> (S, se, p)
    for c, n, events_fed in zip(ev_counts, totals, wanted, strict=True):  # (batches, bins, events, h + 1)
        if not events_fed:
            ev_est.append({})
            continue
        by = np.cumsum(c[:, :, events_fed, :], axis=-1)[..., :h]  # (batches, bins, fed, h): happened by each horizon
        s1, se, p = _indicator_estimates(by, n)
        ev_est.append(
            {
                k * h + hi: (s1[j * h + hi], se[j * h + hi], p[j * h + hi])
                for j, k in enumerate(events_fed)
                for hi in range(h)
            }
        )
    rows: list[tuple[object, ...]] = []
    for hi, hz in enumerate(s.horizons):
        for k, rid in enumerate(rules):
            j = hi * r + k
            found = [(ids[i], sc_est[i][0][j], sc_est[i][1][j], sc_est[i][2][j]) for i in sorted(sc_use[k])]
            rows += _rows(f"{rid}@{hz.id}", "scenario", rid, hz.id, found)
    for hi, hz in enumerate(s.horizons):
        for k, eid in enumerate(events):
            j = k * h + hi
            found = [(ids[i], *ev_est[i][j]) for i in sorted(ev_use[k])]
            rows += _rows(f"{eid}@{hz.id}", "event", eid, hz.id, found)
    return pd.DataFrame(rows, columns=list(INDEX_COLUMNS))


def _rows(
    target: str, kind: str, id_: str, horizon: str, found: list[tuple[str, float, float, float]]
) -> list[tuple[object, ...]]:
    """Rows of the table for one target, from ``(driver, S1, se, p)``: drivers by ``S1``, largest first."""
    found = sorted(found, key=lambda f: 1.0 if math.isnan(f[1]) else -f[1])  # nan ranks as S1 = -1
    return [(target, kind, id_, horizon, float(p), name, float(s1), float(se)) for name, s1, se, p in found]
