"""Worlds: drivers, derived quantities and event times of a range of samples.

Owns drawing the worlds of samples ``start:stop`` exactly as the blocks
define them (pseudo-random or quasi-random points), checking that every draw
and derived value is a finite number, and :func:`sample_worlds`, every world
of a run as a DataFrame. Never summarises, never prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import distributions as dist
from .._types import FloatArray
from ..errors import SimulationError
from ..scenario import Driver, Scenario
from .compile import Model, compile_model
from .hazards import _times
from .settings import BLOCK_SIZE, DEFAULT_CHUNK_SIZE, MAX_WORLD_VALUES, _check_sampler, check_counts
from .streams import _block_rng

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "sample_worlds",
]


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
