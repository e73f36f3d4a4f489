"""The Monte Carlo engine: a Scenario becomes a Model, a Model becomes a Run.

Owns sampling, chunk by chunk, from one ``numpy.random.SeedSequence``:
drivers (with rank correlations through a Gaussian copula), derived
quantities, event times, and the scenario each world falls in at each
horizon. A run keeps accumulators, never every sample, so memory stays flat
as the sample count grows. Never formats output, never prints.

Reproducibility: sample ``i`` belongs to block ``i // BLOCK_SIZE``; block
``b`` draws from ``SeedSequence(seed, spawn_key=(b,))`` (the ``b``-th child
that ``SeedSequence(seed).spawn`` would give). A chunk is a whole number of
blocks, so the numbers do not depend on ``chunk_size``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import distributions as dist
from ._quantiles import QuantileSketch
from ._types import FloatArray
from .errors import SimulationError
from .scenario import Driver, Event, Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BLOCK_SIZE",
    "DEFAULT_CHUNK_SIZE",
    "MAX_CHUNK_SIZE",
    "MAX_SAMPLES",
    "MAX_SEED",
    "MAX_SUMMARY_BYTES",
    "MAX_WORLD_VALUES",
    "Model",
    "PERCENTILES",
    "QuantityStats",
    "Run",
    "SAMPLERS",
    "check_counts",
    "compile_model",
    "correlation_changes",
    "correlation_repair_note",
    "event_times",
    "sample_worlds",
    "simulate",
]

#: Samples per seeding block: a constant of the format, not a tuning knob.
BLOCK_SIZE = 1 << 16
#: Default samples per chunk (a whole number of blocks).
DEFAULT_CHUNK_SIZE = BLOCK_SIZE
#: The most samples a run may take (``samples``, or the cap of a ``precision``
#: run): ten billion, 152,588 blocks. A run keeps each block's count, mean,
#: squared deviations, min and max of every driver and derived quantity
#: (40 bytes), so memory grows with the blocks: for the bundled scenario (33
#: quantities) ten billion samples keep 200 MB and take about six core-hours.
#: A model with many quantities may be held to fewer (see :data:`MAX_SUMMARY_BYTES`).
MAX_SAMPLES = 10**10
#: The most memory a run may keep in per-block summaries: 2 GiB.
MAX_SUMMARY_BYTES = 1 << 31
#: The most samples a chunk may hold in memory at once (64 blocks): a chunk
#: holds every driver, derived quantity and event time of its worlds.
MAX_CHUNK_SIZE = 1 << 22
#: The largest seed, 2**128 - 1: ``SeedSequence`` pools its entropy in 128
#: bits, so a larger seed adds nothing, and some would repeat smaller ones.
MAX_SEED = (1 << 128) - 1
#: The most values :func:`sample_worlds` may hold (worlds x columns): 800 MB.
MAX_WORLD_VALUES = 10**8
#: Percentiles reported for drivers and derived quantities.
PERCENTILES = (5, 25, 50, 75, 95)
#: Evenly spaced times from 0 to the last horizon's end at which event
#: probabilities are counted for curves (the tables add the horizon ends).
CURVE_POINTS = 121


@dataclass(frozen=True, slots=True)
class Model:
    """A scenario compiled for sampling: draw order, copula, horizon ends."""

    scenario: Scenario
    horizon_ends: FloatArray
    correlated: tuple[str, ...]
    cholesky: FloatArray | None
    #: The correlated drivers' rank correlations, judged as a whole (and
    #: repaired if the file asks): ``None`` without correlations.
    correlation: dist.CorrelationMatrix | None
    curve_times: FloatArray = field(default_factory=lambda: np.zeros(1))

    @property
    def correlation_repaired(self) -> bool:
        """Whether the stated correlation matrix was invalid and replaced by the nearest valid one."""
        return self.correlation is not None and self.correlation.repaired

    @property
    def quantities(self) -> tuple[str, ...]:
        """Driver and derived names, in table order."""
        s = self.scenario
        return tuple(d.id for d in s.drivers) + tuple(d.id for d in s.derived)


def compile_model(scenario: Scenario) -> Model:
    """Prepare a validated scenario for :func:`simulate`.

    Parameters
    ----------
    scenario
        A :class:`~outlook.scenario.Scenario`.

    Returns
    -------
    Model

    Raises
    ------
    SimulationError
        If the rank correlations cannot hold together (their matrix is not
        positive definite) and the scenario does not ask for
        ``correlation_repair: nearest``. The loader refuses such a file
        first; this guards scenarios built another way.

    Notes
    -----
    The correlation matrix is judged, and repaired if asked, as a whole by
    :func:`outlook.distributions.correlation_matrix`, the function the
    loader uses: the order of the pairs changes nothing.
    """
    ends = np.array([h.until for h in scenario.horizons], dtype=np.float64)
    names = [d.id for d in scenario.drivers]
    involved = {c.a for c in scenario.correlations} | {c.b for c in scenario.correlations}
    correlated = tuple(n for n in names if n in involved)
    chol = None
    judged = None
    if correlated:
        index = {n: k for k, n in enumerate(correlated)}
        pairs = [(index[c.a], index[c.b], c.rho) for c in scenario.correlations]
        judged = dist.correlation_matrix(len(correlated), pairs, repair=scenario.correlation_repair == "nearest")
        if not judged.valid and not judged.repaired:
            c = scenario.correlations[judged.conflict_pairs(pairs)[0]]
            msg = (
                f"{c.where}: {c.where.key_path or 'correlations'}: {judged.describe_conflict(correlated, pairs)}; "
                "change them, or set correlation_repair: nearest"
            )
            raise SimulationError(msg)
        chol = np.asarray(np.linalg.cholesky(judged.matrix), dtype=np.float64)
    grid = np.linspace(0.0, float(ends.max()), CURVE_POINTS)
    return Model(scenario, ends, correlated, chol, judged, grid)


@dataclass(slots=True)
class QuantityStats:
    """Streaming summary of one driver or derived quantity."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    lo: float = math.inf
    hi: float = -math.inf
    sketch: QuantileSketch | None = None
    counts: FloatArray | None = None  # categories of a categorical driver

    def update(self, x: FloatArray) -> None:
        """Add a chunk that starts on a block boundary.

        Moments are merged block by block (Chan et al.'s pairwise update), so
        the floating-point result does not depend on how blocks were chunked.
        """
        for i in range(0, x.shape[0], BLOCK_SIZE):
            self._update_block(x[i : i + BLOCK_SIZE])
        if self.sketch is not None:
            self.sketch.update(x)

    def _update_block(self, x: FloatArray) -> None:
        if x.shape[0]:
            self.add_moments(*_block_moments(x))

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
class Run:
    """What a simulation keeps: counts and summaries, never every sample.

    Attributes
    ----------
    model
        The compiled model that ran.
    samples, seed, chunk_size
        The run's settings.
    scenario_counts
        Shape ``(n_horizons, n_scenarios)``: worlds in each scenario by the
        end of each horizon.
    event_counts
        Shape ``(n_events, n_horizons)``: worlds where the event happened by
        the end of each horizon.
    curve_counts
        Shape ``(n_events, len(model.curve_times))``: worlds where the event
        happened by each of the model's curve times (evenly spaced from 0 to
        the last horizon's end).
    stats
        Name -> :class:`QuantityStats` for every driver and derived quantity.
    warnings
        Things a reader should know (a scenario no world reached, a repaired
        correlation matrix, a precision not reached).
    precision, sampler
        As passed to :func:`simulate`.
    block_counts
        For a quasi-Monte Carlo run of at least :data:`MIN_QMC_BLOCKS`
        blocks: each block's :func:`reported_counts` (blocks, k) and size,
        from which the tables take between-block standard errors.
    """

    model: Model
    samples: int
    seed: int
    chunk_size: int
    scenario_counts: np.ndarray
    event_counts: np.ndarray
    stats: dict[str, QuantityStats]
    warnings: list[str] = field(default_factory=list)
    curve_counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    precision: float | None = None
    sampler: str = "random"
    block_counts: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def scenario(self) -> Scenario:
        return self.model.scenario


def _block_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))


def _draw_block(
    model: Model, n: int, rng: np.random.Generator, sampler: str = "random"
) -> tuple[dict[str, FloatArray], FloatArray]:
    if sampler != "random":
        return _draw_block_qmc(model, n, rng, sampler)
    s = model.scenario
    out: dict[str, FloatArray] = {}
    corr_done = False
    for d in s.drivers:
        if d.id in model.correlated:
            if not corr_done:
                assert model.cholesky is not None
                # einsum, not @: BLAS would wake a helper thread per block that then spins
                z = np.einsum("nk,jk->nj", rng.standard_normal((n, len(model.correlated))), model.cholesky)
                for j, name in enumerate(model.correlated):
                    out[name] = s.driver(name).distribution.from_normal(z[:, j])
                corr_done = True
            continue
        out[d.id] = d.distribution.sample(n, rng)
    exp = rng.standard_exponential((len(s.events), n)) if s.events else np.empty((0, n))
    return out, exp


def _draw_block_qmc(
    model: Model, n: int, rng: np.random.Generator, sampler: str
) -> tuple[dict[str, FloatArray], FloatArray]:
    """A block from one randomised low-discrepancy point set (``scipy.stats.qmc``).

    One dimension per independent non-constant driver, per correlated driver
    (through normal scores and the Cholesky factor) and per event (an Exp(1)
    budget by inversion). Each block is its own scrambled Sobol' set of
    ``BLOCK_SIZE`` points (the first ``n`` used) or Latin hypercube of ``n``.
    A coordinate of exactly 0 becomes 2^-31, so that every normal score is finite.
    """
    from scipy import special
    from scipy.stats import qmc

    s = model.scenario
    indep = [d for d in s.drivers if d.id not in model.correlated and not isinstance(d.distribution, dist.Constant)]
    dims = len(indep) + len(model.correlated) + len(s.events)
    out: dict[str, FloatArray] = {}
    for d in s.drivers:
        if isinstance(d.distribution, dist.Constant) and d.id not in model.correlated:
            out[d.id] = d.distribution.sample(n, rng)
    if dims == 0:
        return out, np.empty((0, n))
    if sampler == "sobol":
        u = qmc.Sobol(dims, scramble=True, rng=rng).random_base2(BLOCK_SIZE.bit_length() - 1)[:n]
    else:
        u = qmc.LatinHypercube(dims, rng=rng).random(n)
    # A scrambled Sobol' coordinate is a multiple of 2^-30, so exactly 0 about once in 10^9: its normal
    # score would be -inf. It stands for the cell [0, 2^-30); take the cell's midpoint.
    u[u <= 0.0] = _U_ZERO
    for j, d in enumerate(indep):
        if isinstance(d.distribution, dist.Beta):  # betaincinv is slow: the tabulated normal-score route
            out[d.id] = d.distribution.from_normal(special.ndtri(u[:, j]))
        else:
            out[d.id] = np.asarray(d.distribution.ppf(u[:, j]), dtype=np.float64)
    if model.correlated:
        assert model.cholesky is not None
        k = len(indep)
        z = np.einsum("nk,jk->nj", special.ndtri(u[:, k : k + len(model.correlated)]), model.cholesky)
        for j, name in enumerate(model.correlated):
            out[name] = s.driver(name).distribution.from_normal(z[:, j])
    exp = -np.log1p(-u[:, dims - len(s.events) :].T) if s.events else np.empty((0, n))
    return {d.id: out[d.id] for d in s.drivers}, np.ascontiguousarray(exp)


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
        return _draw_block(model, n, _block_rng(seed, b0), sampler)  # one whole block: no copy
    env = {d.id: np.empty(n) for d in s.drivers}
    exp = np.empty((len(s.events), n))
    pos = start
    while pos < stop:
        b = pos // BLOCK_SIZE
        bstart = b * BLOCK_SIZE
        bstop = min(bstart + BLOCK_SIZE, total)
        vals, e = _draw_block(model, bstop - bstart, _block_rng(seed, b), sampler)
        lo, hi = max(pos, bstart) - bstart, min(stop, bstop) - bstart
        i0 = pos - start
        for k, v in vals.items():
            env[k][i0 : i0 + hi - lo] = v[lo:hi]
        exp[:, i0 : i0 + hi - lo] = e[:, lo:hi]
        pos = bstart + hi
    return env, exp


def event_times(
    exp: FloatArray,
    ends: FloatArray,
    rates: FloatArray,
    modifiers: list[tuple[FloatArray, float, float]],
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
        until ``times`` (shape ``(n,)``) and by ``after`` from then on.

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
        pieces = [(0.0, times, rates[:, 0] * before), (times, np.inf, rates[:, 0] * after)]
    else:  # pieces x worlds, so that every step runs over contiguous rows
        cols = [np.zeros(n)] + [np.full(n, e) for e in ends] + [m[0] for m in modifiers]
        bp = np.sort(np.stack(cols), axis=0)  # (m, n): per-world breakpoints in time order
        rate = np.empty_like(bp)
        rate[:] = rates[:, 0]
        for k, e in enumerate(ends):  # the base segment of each piece
            np.copyto(rate, rates[:, k + 1], where=bp >= e)
        for times, before, after in modifiers:
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


def _event_hazard(model: Model, e: Event, env: Mapping[str, FloatArray], n: int) -> tuple[FloatArray, FloatArray]:
    """Segment ends and per-world base hazards of an event."""
    where = f"{e.where}: events.{e.id}"
    if e.rate is not None:
        r = e.rate.evaluate(env, n)
        bad = ~((r >= 0) & (r < np.inf))  # an infinite rate is an overflow or a division by zero, not "at once"
        if bad.any():
            i = int(np.argmax(bad))
            msg = (
                f"{where}.rate: rate is negative, infinite or not a number in {int(bad.sum())} of {n} worlds "
                f"(e.g. {r[i]:g})"
            )
            raise SimulationError(msg)
        return np.empty(0), r[:, None]
    s = model.scenario
    ends = np.array([s.horizon(h).until for h, _ in e.by])
    probs = np.stack([x.evaluate(env, n) for _, x in e.by], axis=1)
    bad = ~((probs >= 0) & (probs <= 1))
    if bad.any():
        j = int(np.argmax(bad.any(axis=0)))
        msg = (
            f"{where}.by.{e.by[j][0]}: probability outside [0, 1] or not a number in {int(bad[:, j].sum())} "
            f"of {n} worlds"
        )
        raise SimulationError(msg)
    falls = np.diff(probs, axis=1) < 0
    if falls.any():
        j = int(np.argmax(falls.any(axis=0)))
        msg = (
            f"{where}.by.{e.by[j + 1][0]}: cumulative probability falls below that by "
            f"{e.by[j][0]} in {int(falls[:, j].sum())} of {n} worlds; it cannot decrease over time"
        )
        raise SimulationError(msg)
    with np.errstate(divide="ignore", invalid="ignore"):
        cumh = -np.log1p(-probs)  # cumulative hazard at each end
        prev = np.concatenate([np.zeros((n, 1)), cumh[:, :-1]], axis=1)
        widths = np.diff(np.concatenate([[0.0], ends]))
        rates = (cumh - prev) / widths
    rates = np.where(np.isnan(rates), 0.0, rates)  # past certainty: nothing left to happen
    return ends[:-1], rates


def _times(model: Model, env: Mapping[str, FloatArray], exp: FloatArray, n: int) -> dict[str, FloatArray]:
    times: dict[str, FloatArray] = {}
    for k, e in enumerate(model.scenario.events):
        ends, rates = _event_hazard(model, e, env, n)
        mods: list[tuple[FloatArray, float, float]] = [(times[o], 1.0, f) for o, f in e.after]
        mods += [(times[o], 0.0, 1.0) for o in e.requires]
        times[e.id] = event_times(exp[k], ends, rates, mods)
    return times


def _chunk_worlds(
    model: Model, seed: int, start: int, stop: int, total: int, sampler: str = "random"
) -> tuple[dict[str, FloatArray], dict[str, FloatArray]]:
    """Drivers, derived quantities and event times of worlds ``start:stop``."""
    s = model.scenario
    n = stop - start
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, located
        env, exp = _draw_chunk(model, seed, start, stop, total, sampler)
    for d in s.drivers:
        _check_draws(d, env[d.id], n)
    for dv in s.derived:
        v = dv.expr.evaluate(env, n)
        nan = np.isnan(v)
        if nan.any():
            msg = (
                f"{dv.where}: derived.{dv.id}: not a number in {int(nan.sum())} of {n} worlds "
                "(a log or sqrt of a negative, or 0/0?)"
            )
            raise SimulationError(msg)
        inf = np.isinf(v)
        if inf.any():  # its mean, spread and upper percentiles would be meaningless
            msg = (
                f"{dv.where}: derived.{dv.id}: infinite in {int(inf.sum())} of {n} worlds "
                "(a division by zero, or log of 0?); bound it, e.g. with min() or where()"
            )
            raise SimulationError(msg)
        env[dv.id] = v
    return env, _times(model, env, exp, n)


def _check_draws(d: Driver, x: FloatArray, n: int) -> None:
    """Stop the run, located at the driver, if some of its draws are not finite numbers."""
    if d.kind != "continuous" or bool(np.isfinite(x).all()):
        return
    bad = ~np.isfinite(x)
    example = x[int(np.argmax(bad))]
    msg = (
        f"{d.where}: drivers.{d.id}: not finite in {int(bad.sum())} of {n} worlds (e.g. {example:g}: "
        f"{d.distribution.describe()} overflows the largest float, about 1.8e308); choose smaller parameters"
    )
    raise SimulationError(msg)


def _shown(value: object) -> str:
    """A value for a one-line message: a huge integer as ``1.000e+400``, not its 401 digits."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        v = int(value)
        if abs(v) >= 10**15:
            from decimal import Decimal

            return format(Decimal(v), ".3e")
    return repr(value)


def _whole(name: str, value: object, low: int, high: int, high_text: str = "") -> int:
    """``value`` as an int if it is a whole number in [low, high] (an int, or a float without a fraction)."""
    v: int | None = None
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        v = int(value)
    elif isinstance(value, float | np.floating) and math.isfinite(f := float(value)) and f.is_integer():
        v = int(f) if abs(f) <= 2**53 else None  # beyond, a float is not the number that was meant
    if v is None or not low <= v <= high:
        msg = f"{name} must be a whole number from {low:,} to {high_text or f'{high:,}'} (got {_shown(value)})"
        raise ValueError(msg)
    return v


def check_counts(samples: object, seed: object, chunk_size: object) -> tuple[int, int, int]:
    """Validate a run's counts at the door; return ``samples``, ``seed`` and the chunk in whole blocks.

    Parameters
    ----------
    samples
        A whole number from 1 to :data:`MAX_SAMPLES`.
    seed
        A whole number from 0 to :data:`MAX_SEED`.
    chunk_size
        A whole number from 1 to :data:`MAX_CHUNK_SIZE`; rounded up to a
        whole number of blocks.

    Raises
    ------
    ValueError
        One line naming the setting, its limits and the value given.

    Examples
    --------
    >>> check_counts(1e6, 0, 1000)
    (1000000, 0, 65536)
    >>> check_counts(1.5, 0, 1000)
    Traceback (most recent call last):
    ...
    ValueError: samples must be a whole number from 1 to 10,000,000,000 (got 1.5)
    """
    n = _whole("samples", samples, 1, MAX_SAMPLES)
    s = _whole("seed", seed, 0, MAX_SEED, "2**128 - 1")
    c = _whole("chunk_size", chunk_size, 1, MAX_CHUNK_SIZE)
    return n, s, max(1, math.ceil(c / BLOCK_SIZE)) * BLOCK_SIZE


def _summary_bytes(model: Model, sampler: str) -> int:
    """Bytes a run keeps per block: 40 per quantity, plus each reported count for a QMC run."""
    s = model.scenario
    per_block = 40 * len(model.quantities)
    if sampler != "random":  # the block's reported counts, kept for between-block standard errors
        k = len(s.horizons) * (len(s.rules) + 2 * len(s.events))
        k += sum(len(d.categories or ()) for d in s.drivers)
        per_block += 8 * k + 200
    return per_block


def _check_summary_memory(model: Model, samples: int, sampler: str) -> None:
    """Refuse a sample count whose per-block summaries would pass :data:`MAX_SUMMARY_BYTES`."""
    per_block = _summary_bytes(model, sampler)
    limit = min(MAX_SAMPLES, (MAX_SUMMARY_BYTES // max(per_block, 1)) * BLOCK_SIZE)
    if samples > limit:
        msg = (
            f"samples must be at most {limit:,} for this model (got {samples:,}): a run keeps "
            f"{per_block:,} bytes of summaries for each block of {BLOCK_SIZE:,} samples, "
            f"within {MAX_SUMMARY_BYTES >> 30} GiB"
        )
        raise ValueError(msg)


def sample_worlds(
    model: Model | Scenario,
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
        From :func:`compile_model` (a Scenario is compiled first).
    samples, seed, chunk_size, sampler
        As for :func:`simulate`; ``samples`` times the columns is at most
        :data:`MAX_WORLD_VALUES`.

    Returns
    -------
    pandas.DataFrame
        One column per driver and derived quantity (a categorical driver as
        its category's name), then ``time_<event>`` for each event: years from
        ``as_of`` until it happens (``inf`` if never).

    Raises
    ------
    ValueError
        For a bad ``samples``, ``seed``, ``chunk_size`` or ``sampler``, or
        more values than :data:`MAX_WORLD_VALUES`.
    SimulationError
        As for :func:`simulate`.
    """
    import pandas as pd

    samples, seed, chunk = check_counts(samples, seed, chunk_size)
    _check_sampler(sampler)
    if isinstance(model, Scenario):
        model = compile_model(model)
    columns = len(model.quantities) + len(model.scenario.events)
    if samples * columns > MAX_WORLD_VALUES:
        msg = (
            f"samples must be at most {MAX_WORLD_VALUES // columns:,} for sample_worlds of this model "
            f"(got {samples:,}): it holds every value in memory ({columns:,} a world, at most "
            f"{MAX_WORLD_VALUES:,} in all); summaries of larger runs come from simulate"
        )
        raise ValueError(msg)
    parts: list[dict[str, FloatArray]] = []
    done = 0
    while done < samples:
        stop = min(done + chunk, samples)
        env, times = _chunk_worlds(model, seed, done, stop, samples, sampler)
        parts.append({**env, **{f"time_{k}": v for k, v in times.items()}})
        done = stop
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    frame = pd.DataFrame(cols)
    for d in model.scenario.drivers:
        if d.categories:
            codes = frame[d.id].to_numpy().astype(np.int64)
            frame[d.id] = pd.Categorical.from_codes(codes, categories=pd.Index(list(d.categories)))
    return frame


@dataclass(slots=True)
class _Partial:
    """The accumulators of a contiguous range of blocks, mergeable in block order."""

    scen_counts: np.ndarray  # (nh, ns)
    ev_counts: np.ndarray  # (ne, nh)
    curve: np.ndarray  # (ne, n_curve_times), not cumulative
    moment_parts: list[tuple[int, np.ndarray]]  # (first block, (n_blocks, n_quantities, 5)): n, mean, m2, min, max
    sketches: list[QuantileSketch]
    cat_counts: dict[str, np.ndarray]
    #: (block, reported counts of that block, its size): kept for QMC runs only
    block_counts: list[tuple[int, np.ndarray, int]] = field(default_factory=list)

    def merge(self, other: _Partial) -> None:
        """Add another range's accumulators, in any order.

        Counts add (integers: exact in any order), sketches merge exactly,
        and per-block moments are kept by block number, to be folded in
        block order by :func:`_finish`.
        """
        self.scen_counts += other.scen_counts
        self.ev_counts += other.ev_counts
        self.curve += other.curve
        self.moment_parts += other.moment_parts
        for a, b in zip(self.sketches, other.sketches):
            a.merge(b)
        for k, v in other.cat_counts.items():
            self.cat_counts[k] += v
        self.block_counts += other.block_counts

    def reported(self) -> np.ndarray:
        """The run-so-far's vector of :func:`reported_counts`."""
        return reported_counts(self.scen_counts, self.ev_counts, list(self.cat_counts.values()))

    @property
    def moments(self) -> np.ndarray:
        """(n_blocks, n_quantities, 5) per-block moments, in block order."""
        return np.concatenate([m for _, m in sorted(self.moment_parts, key=lambda t: t[0])])


def _run_blocks(
    model: Model,
    seed: int,
    total: int,
    first_block: int,
    stop_block: int,
    chunk: int,
    sampler: str = "random",
    progress: Callable[[int], None] | None = None,
    into: _Partial | None = None,
) -> _Partial:
    """Simulate blocks ``first_block:stop_block`` of a ``total``-sample run.

    The unit of work sent to a worker process or a Dask worker: a pure
    function of its arguments, so a retried range gives the same numbers.
    With ``into``, the range is added to that partial (any blocks, in any
    order) instead of a new one.
    """
    s = model.scenario
    nh, ns, ne = len(s.horizons), len(s.rules), len(s.events)
    names = model.quantities
    start = first_block * BLOCK_SIZE
    stop = min(stop_block * BLOCK_SIZE, total)
    grid = model.curve_times
    moments = np.zeros((stop_block - first_block, len(names), 5))
    if into is not None:
        part = into
        part.moment_parts.append((first_block, moments))
    else:
        part = _Partial(
            np.zeros((nh, ns), dtype=np.int64),
            np.zeros((ne, nh), dtype=np.int64),
            np.zeros((ne, grid.size), dtype=np.int64),
            [(first_block, moments)],
            [QuantileSketch([p / 100 for p in PERCENTILES]) for _ in names],
            {
                d.id: np.zeros(len(d.distribution.categories))
                for d in s.drivers
                if isinstance(d.distribution, dist.Categorical)
            },
        )
    per_block = sampler != "random"  # QMC: keep each block's counts, for its standard errors
    if per_block:
        chunk = BLOCK_SIZE  # one block a chunk (chunks never change a number)
    done = start
    while done < stop:
        hi_ = min(done + chunk, stop)
        n = hi_ - done
        before = part.reported() if per_block else None
        env, times = _chunk_worlds(model, seed, done, hi_, total, sampler)
        for hi, end in enumerate(model.horizon_ends):
            happened = {k: t <= end for k, t in times.items()}
            for k, e in enumerate(s.events):
                part.ev_counts[k, hi] += int(np.count_nonzero(happened[e.id]))
            scope: dict[str, Any] = {**env, **happened}
            label = np.full(n, ns - 1, dtype=np.int64)
            free = np.ones(n, dtype=bool)
            for ri, rule in enumerate(s.rules):
                if rule.when is None:
                    break
                hit = free & (rule.when.evaluate(scope, n, needed=free) == 1)
                label[hit] = ri
                free &= ~hit
            part.scen_counts[hi] += np.bincount(label, minlength=ns)
        for k, e in enumerate(s.events):
            part.curve[k] += _curve_counts(times[e.id], grid)
        b0 = (done - start) // BLOCK_SIZE
        for q, name in enumerate(names):
            x = env[name]
            for j, i in enumerate(range(0, n, BLOCK_SIZE)):
                moments[b0 + j, q] = row = _block_moments(x[i : i + BLOCK_SIZE])
                _check_moments(model, name, *row[1:])
            part.sketches[q].update(x)
            counts = part.cat_counts.get(name)
            if counts is not None:
                counts += np.bincount(x.astype(np.int64), minlength=counts.shape[0])
        if before is not None:
            part.block_counts.append((done // BLOCK_SIZE, part.reported() - before, n))
        if progress is not None:
            progress(n)
        done = hi_
    return part


def _curve_counts(t: FloatArray, grid: FloatArray) -> np.ndarray:
    """Worlds whose time first reaches each point of an evenly spaced ``grid`` (not cumulative).

    The index is found by arithmetic (searchsorted of unsorted values is
    several times slower), then corrected by one where rounding put it off.
    """
    t = t[t <= grid[-1]]  # most worlds of a rare event: never, off the curve
    if grid.size == 1 or grid[-1] <= 0:
        return np.bincount(np.zeros(t.size, dtype=np.intp), minlength=grid.size)
    idx = np.minimum(np.ceil(t * ((grid.size - 1) / grid[-1])), grid.size - 1).astype(np.intp)
    idx -= (idx > 0) & (grid[idx - 1] >= t)  # the first grid time at or after t
    idx += grid[idx] < t
    return np.bincount(idx, minlength=grid.size)


#: Blocks needed before a quasi-Monte Carlo run's standard errors come from
#: the spread between blocks (each an independent randomisation); with fewer,
#: the binomial standard error, an upper bound, is reported.
MIN_QMC_BLOCKS = 8


def reported_counts(
    scenario_counts: np.ndarray, event_counts: np.ndarray, category_counts: list[np.ndarray]
) -> np.ndarray:
    """Every reported probability's count, as one vector.

    In order: scenarios (horizon-major), events by each horizon
    (event-major), events within each horizon, then each categorical
    driver's categories. Linear in its inputs, so per-block vectors add up
    to the run's.
    """
    within = np.diff(event_counts, axis=1, prepend=0)
    parts = [scenario_counts.ravel(), event_counts.ravel(), within.ravel(), *[c.ravel() for c in category_counts]]
    return np.concatenate([np.asarray(x, dtype=np.float64) for x in parts])


def between_block_se(counts: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Standard errors of pooled proportions from independent blocks.

    ``counts`` is (blocks, k), ``sizes`` the worlds in each block. The pooled
    estimate is ``p = sum(counts) / sum(sizes)`` (a ratio estimator); its
    variance is ``sum((w_b / w_mean)^2 (p_b - p)^2) / (B (B - 1))``, which
    for equal blocks is the familiar ``sd(p_b)^2 / B``.
    """
    w = np.asarray(sizes, dtype=np.float64)
    b = w.size
    p = counts.sum(axis=0) / w.sum()
    pb = counts / w[:, None]
    r = w / w.mean()
    var = ((r[:, None] ** 2) * (pb - p) ** 2).sum(axis=0) / (b * (b - 1))
    return np.asarray(np.sqrt(var), dtype=np.float64)


#: Ways of drawing a block: independent pseudo-random numbers, or one of
#: ``scipy.stats.qmc``'s randomised low-discrepancy sets.
SAMPLERS = ("random", "sobol", "lhs")


def simulate(
    model: Model | Scenario,
    *,
    samples: int | None = None,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
    precision: float | None = None,
    sampler: str = "random",
    workers: int | None = None,
    scheduler: Any = None,
    worker_timeout: float = 60.0,
) -> Run:
    """Simulate worlds and keep their summaries.

    Parameters
    ----------
    model
        From :func:`compile_model` (a Scenario is compiled first).
    samples
        Number of simulated worlds (default 100,000). With ``precision``, the
        most it may take (default 100,000,000). A whole number from 1 to
        :data:`MAX_SAMPLES` (ten billion), or fewer for a model whose
        per-block summaries would pass :data:`MAX_SUMMARY_BYTES`.
    seed
        A whole number from 0 to :data:`MAX_SEED` (2**128 - 1); the same seed
        gives the same numbers for any ``chunk_size``, ``workers`` and
        ``scheduler``.
    chunk_size
        Samples held in memory at once (per worker), at most
        :data:`MAX_CHUNK_SIZE`; rounded up to a whole number of blocks of
        :data:`BLOCK_SIZE`.
    progress
        Called as ``progress(done, samples)`` as work completes (``samples``
        is the cap while a ``precision`` run is still deciding).
    precision
        Keep sampling, a whole number of blocks at a time, until every
        reported probability's standard error ``sqrt(p (1 - p) / n)`` is at
        most this; ``Run.samples`` says how many it took, and a run with that
        many ``samples`` and the same seed gives the very same numbers. If
        the cap is reached first, the run says so in its warnings.
    sampler
        ``"random"`` (default), or ``"sobol"`` (scrambled Sobol' points) or
        ``"lhs"`` (Latin hypercube) from :mod:`scipy.stats.qmc`: randomised
        quasi-Monte Carlo, one independent point set per block. With at
        least :data:`MIN_QMC_BLOCKS` blocks, standard errors (and
        ``precision``) are measured from the spread between blocks; with
        fewer, the binomial ones are an upper bound.
    workers
        Processes working on the run, this one included (default 1: this
        process alone; 2 uses two cores). Blocks are split into contiguous
        ranges, run here and in ``workers - 1`` spawned processes, and merged
        in block order, so the numbers are identical to a one-process run.
        With ``scheduler="local"``, the LocalCluster's worker processes
        (default: one per core). Either way, more than the cores this
        process may use are not started: the count is capped, and the run's
        warnings say so. The processes stop within seconds however the call
        ends (an exception or an interrupt included).
    scheduler
        Run the block ranges on Dask instead: ``"local"`` starts a
        ``dask.distributed.LocalCluster`` (``workers`` processes), an address
        such as ``"tcp://10.0.0.5:8786"`` connects to a running scheduler, and
        a ``distributed.Client`` is used as it is. Needs ``outlook[dask]``.
    worker_timeout
        With ``scheduler``: seconds to wait for a Dask worker when the
        scheduler has none, at the start or after the last one left mid-run,
        before the run fails (default a minute).

    Returns
    -------
    Run

    Raises
    ------
    SimulationError
        If a rate is negative, a probability leaves [0, 1] or a derived
        quantity is not a number or infinite in some worlds, or a worker
        failed; if the Dask scheduler cannot be reached, or has had no
        worker for ``worker_timeout`` seconds.
    ValueError
        For a bad ``samples``, ``seed``, ``chunk_size``, ``precision``,
        ``sampler``, ``workers``, ``worker_timeout`` or ``scheduler`` (an
        address Dask cannot use: an unknown scheme, ``tls://`` without a
        TLS configuration, no port).
    """
    if precision is not None:
        if isinstance(precision, bool) or not isinstance(precision, int | float) or not 0 < precision < 0.5:
            msg = f"precision must be a standard error between 0 and 0.5 (got {precision!r})"
            raise ValueError(msg)
        cap = 100_000_000 if samples is None else samples
    else:
        cap = 100_000 if samples is None else samples
    cap, seed, chunk = check_counts(cap, seed, chunk_size)
    _check_sampler(sampler)
    if isinstance(model, Scenario):
        model = compile_model(model)
    _check_summary_memory(model, cap, sampler)
    if workers is None:
        from ._parallel import cpu_count

        workers = cpu_count() if scheduler == "local" else 1
    if isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1:
        msg = f"workers must be a positive integer (got {workers!r})"
        raise ValueError(msg)
    from ._parallel import Executor

    with Executor(int(workers), scheduler, worker_timeout=worker_timeout) as ex:
        if precision is None:
            part = ex.run(model, seed, cap, 0, _blocks(cap), chunk, sampler, progress, cap)
            total = cap
        else:
            total = min(cap, BLOCK_SIZE)
            part = ex.run(model, seed, total, 0, _blocks(total), chunk, sampler, progress, cap)
            while total < cap:
                need = _samples_needed(part, total, float(precision))
                if need <= total:
                    break
                # aim 5% past the estimate, in whole blocks, at least one more block
                target = max(total + BLOCK_SIZE, math.ceil(need * 1.05 / BLOCK_SIZE) * BLOCK_SIZE)
                if sampler != "random" and total < MIN_QMC_BLOCKS * BLOCK_SIZE:
                    # the binomial bound overstates QMC errors: first get enough
                    # blocks to measure them
                    target = min(target, MIN_QMC_BLOCKS * BLOCK_SIZE)
                new_total = min(cap, target)
                part.merge(
                    ex.run(model, seed, new_total, _blocks(total), _blocks(new_total), chunk, sampler, progress, cap)
                )
                total = new_total
    run = _finish(model, part, total, seed, chunk, precision, sampler)
    run.warnings[:0] = ex.notes  # a capped worker count
    return run


def correlation_changes(model: Model) -> list[tuple[str, str, float, float]]:
    """``(a, b, stated rho, used rho)`` for each rank correlation a repair moved (none without a repair).

    Pairs of correlated drivers in file order, unstated pairs (stated 0)
    included, when the Spearman correlation moved by at least
    :data:`~outlook.distributions.REPAIR_SHOWN_CHANGE`.
    """
    if model.correlation is None:
        return []
    names = model.correlated
    return [(names[i], names[j], a, b) for i, j, a, b in model.correlation.changes()]


def correlation_repair_note(model: Model) -> str:
    """The run's warning for a repaired correlation matrix: what was done and the largest change."""
    assert model.correlation is not None
    c = model.correlation
    text = (
        "the stated rank correlations cannot hold together (their matrix is not positive definite); as "
        "correlation_repair: nearest asks, the nearest valid correlation matrix was used (Higham 2002)"
    )
    changes = correlation_changes(model)
    if changes:
        a, b, was, now = max(changes, key=lambda t: abs(t[3] - t[2]))
        text += (
            f": the largest change to a rank correlation is {c.max_change:.4f} "
            f"([{a}, {b}]: {was:.4g} stated, {now:.4f} used; {len(changes)} "
            f"{'pair' if len(changes) == 1 else 'pairs'} changed, listed in the manifest)"
        )
    if not c.converged:
        text += f"; the iteration stopped at its cap of {dist.REPAIR_MAX_ITERATIONS} steps before converging"
    return text


def _check_sampler(sampler: object) -> None:
    if sampler not in SAMPLERS:
        msg = f"sampler must be one of {', '.join(SAMPLERS)} (got {sampler!r})"
        raise ValueError(msg)


def _blocks(samples: int) -> int:
    return -(-samples // BLOCK_SIZE)


def _max_se(part: _Partial, n: int) -> float:
    """The largest standard error the tables would report now."""
    se = _standard_errors(part.reported() / n, n, _block_matrix(part.block_counts))
    return float(se.max()) if se.size else 0.0


def _block_matrix(block_counts: list[tuple[int, np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-block counts (blocks, k) and sizes, in block order; ``None`` if too few blocks for QMC errors."""
    if len(block_counts) < MIN_QMC_BLOCKS:
        return None
    rows = sorted(block_counts, key=lambda t: t[0])
    return np.stack([r[1] for r in rows]), np.array([r[2] for r in rows], dtype=np.float64)


def _standard_errors(p: np.ndarray, n: int, blocks: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Binomial standard errors, or between-block ones where ``blocks`` are given."""
    if blocks is None:
        return np.asarray(np.sqrt(p * (1 - p) / n), dtype=np.float64)
    return between_block_se(*blocks)


def _samples_needed(part: _Partial, n: int, precision: float) -> int:
    """Samples at which the largest p (1 - p) seen so far would have ``precision``."""
    se = _max_se(part, n)
    return math.ceil(se * se * n / (precision * precision))


def _finish(
    model: Model, part: _Partial, total: int, seed: int, chunk: int, precision: float | None, sampler: str
) -> Run:
    s = model.scenario
    stats: dict[str, QuantityStats] = {}
    moments = part.moments
    for q, name in enumerate(model.quantities):
        st = QuantityStats(sketch=part.sketches[q])
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            for row in moments[:, q]:
                st.add_moments(*row)
        _check_moments(model, name, st.mean, st.m2, st.lo, st.hi)
        st.counts = part.cat_counts.get(name)
        stats[name] = st
    warnings: list[str] = []
    if model.correlation is not None and model.correlation.repaired:
        warnings.append(correlation_repair_note(model))
    for ri, rule in enumerate(s.rules):
        if not part.scen_counts[:, ri].any():
            warnings.append(f"scenario {rule.id!r} was reached by no simulated world at any horizon")
    if precision is not None:
        se = _max_se(part, total)
        if se > precision:
            warnings.append(
                f"precision {precision:g} was not reached: the largest standard error is {se:.3g} "
                f"at the cap of {total} samples"
            )
    run = Run(
        model, total, seed, chunk, part.scen_counts, part.ev_counts, stats, warnings, np.cumsum(part.curve, axis=1)
    )
    run.precision = precision
    run.sampler = sampler
    run.block_counts = _block_matrix(part.block_counts)
    return run
