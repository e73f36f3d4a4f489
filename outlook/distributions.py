"""Driver distributions: a driver spec becomes a vectorised sampler.

Owns the shapes (normal, lognormal, uniform, triangular, PERT, beta, constant,
yes/no, categorical), turning an analyst's range into parameters, and drawing
samples with a numpy ``Generator``. Knows no YAML and no scenario.

Every distribution offers ``sample(n, rng)`` (independent draws) and
``from_normal(z)`` (the inverse CDF applied to standard-normal scores, used for
correlated drivers through a Gaussian copula), plus ``ppf`` and ``mean`` for
checks against closed forms.

Each draw of ``sample`` is a monotone function of one underlying draw of the
generator (a standard normal score for normal, lognormal, beta and PERT; a
uniform for the others), the same for every parameter set of the shape. So
two parameter sets drawn from the same stream are paired world by world,
quantile for quantile: what common random numbers need for a what-if.
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from ._pieces import PIECE, pieces
from ._types import BoolArray, FloatArray

__all__ = [
    "Bernoulli",
    "Beta",
    "CONDITIONAL_RULES",
    "CONDITIONAL_SHAPES",
    "Categorical",
    "Conditional",
    "Constant",
    "CorrelationMatrix",
    "Distribution",
    "Gamma",
    "LogNormal",
    "LogUniform",
    "MIXTURE_STEPS",
    "Mixture",
    "Normal",
    "OVERFLOW_Z",
    "PD_TOLERANCE",
    "RANGE_SHAPES",
    "REPAIR_FLOOR",
    "REPAIR_MAX_ITERATIONS",
    "REPAIR_SHOWN_CHANGE",
    "REPAIR_TOLERANCE",
    "StudentT",
    "Triangular",
    "Truncated",
    "Uniform",
    "cdf",
    "correlation_matrix",
    "from_range",
    "is_positive_definite",
    "minimal_conflict",
    "nearest_correlation",
    "normal_score_correlation",
    "overflow_problem",
    "overflow_share",
    "pert",
    "rank_correlation",
    "z_for",
]

RANGE_SHAPES = ("normal", "lognormal", "uniform", "triangular", "pert", "beta")


def z_for(confidence: float) -> float:
    """Standard-normal quantile bounding a central interval of ``confidence``.

    >>> round(z_for(0.9), 7)
    1.6448536
    """
    return float(special.ndtri(1.0 - (1.0 - confidence) / 2.0))


class Distribution:
    """Base class: what every driver distribution offers."""

    kind = "continuous"

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``n`` independent draws, shape ``(n,)``: each a monotone function of one draw of ``rng``."""
        raise NotImplementedError

    def ppf(self, u: FloatArray) -> FloatArray:
        """Inverse CDF at probabilities ``u`` (any shape)."""
        raise NotImplementedError

    def from_normal(self, z: FloatArray) -> FloatArray:
        """Transform standard-normal scores ``z`` into draws of this shape."""
        return self.ppf(special.ndtr(z))

    @property
    def mean(self) -> float:
        raise NotImplementedError

    def describe(self) -> str:
        """A short text such as ``normal(mean=10000, sd=1216)``."""
        raise NotImplementedError


def _g(x: float) -> str:
    return f"{x:.6g}"


@dataclass(frozen=True, slots=True)
class Normal(Distribution):
    mu: float
    sd: float

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        x = rng.standard_normal(n)  # mu + sd * x, in place: the same numbers without two fresh arrays
        x *= self.sd
        x += self.mu
        return x

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.asarray(self.mu + self.sd * special.ndtri(u), dtype=np.float64)

    def from_normal(self, z: FloatArray) -> FloatArray:
        return self.mu + self.sd * z

    @property
    def mean(self) -> float:
        return self.mu

    def describe(self) -> str:
        return f"normal(mean={_g(self.mu)}, sd={_g(self.sd)})"


@dataclass(frozen=True, slots=True)
class LogNormal(Distribution):
    mu: float
    sigma: float

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        x = rng.standard_normal(n)  # exp(mu + sigma * x), in place: the same numbers without three fresh arrays
        x *= self.sigma
        x += self.mu
        return np.exp(x, out=x)

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.asarray(np.exp(self.mu + self.sigma * special.ndtri(u)), dtype=np.float64)

    def from_normal(self, z: FloatArray) -> FloatArray:
        return np.exp(self.mu + self.sigma * z)

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)

    def describe(self) -> str:
        return f"lognormal(mu={_g(self.mu)}, sigma={_g(self.sigma)})"


@dataclass(frozen=True, slots=True)
class Uniform(Distribution):
    lo: float
    hi: float

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        x = rng.random(n)  # lo + (hi - lo) * x, in place
        x *= self.hi - self.lo
        x += self.lo
        return x

    def ppf(self, u: FloatArray) -> FloatArray:
        return self.lo + (self.hi - self.lo) * np.asarray(u)

    @property
    def mean(self) -> float:
        return (self.lo + self.hi) / 2

    def describe(self) -> str:
        return f"uniform(min={_g(self.lo)}, max={_g(self.hi)})"


@dataclass(frozen=True, slots=True)
class Triangular(Distribution):
    lo: float
    mode: float
    hi: float

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return self.ppf(rng.random(n))

    def ppf(self, u: FloatArray) -> FloatArray:
        u = np.asarray(u, dtype=np.float64)
        a, m, b = self.lo, self.mode, self.hi
        fc = (m - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (m - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - m))
        return np.where(u < fc, left, right)

    @property
    def mean(self) -> float:
        return (self.lo + self.mode + self.hi) / 3

    def describe(self) -> str:
        return f"triangular(min={_g(self.lo)}, mode={_g(self.mode)}, max={_g(self.hi)})"


@dataclass(frozen=True, slots=True)
class Beta(Distribution):
    """Beta(alpha, beta) scaled to [lo, hi]; PERT is a Beta of this kind."""

    alpha: float
    beta: float
    lo: float = 0.0
    hi: float = 1.0
    label: str = "beta"

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """Standard normal scores through the tabulated inverse CDF (:meth:`from_normal`).

        Not ``rng.beta``: its draws are not a monotone function of the
        stream, so two parameter sets drawn from the same stream would not
        be paired world by world; and the table is faster.
        """
        return self.from_normal(rng.standard_normal(n))

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.asarray(
            self.lo + (self.hi - self.lo) * special.betaincinv(self.alpha, self.beta, u), dtype=np.float64
        )

    def from_normal(self, z: FloatArray) -> FloatArray:
        """Inverse CDF at ``ndtr(z)``, tabulated (see :func:`_beta_table`); a block a cache-sized piece at a time."""
        z = np.asarray(z, dtype=np.float64)
        if z.ndim != 1:  # a number or a grid: its values in a row, the result in its shape
            return self._from_normal(z.reshape(-1)).reshape(z.shape)
        if z.size <= PIECE:
            return self._from_normal(z)
        out = np.empty(z.shape)
        for part in pieces(z.size):
            out[part] = self._from_normal(z[part])
        return out

    def _from_normal(self, z: FloatArray) -> FloatArray:
        table = _table_so_far(self.alpha, self.beta)
        # linear interpolation on the uniform grid, without a search; each step in place (a block's draws are
        # 512 kB an array: fresh arrays cost more than the arithmetic), the same operations in the same order
        pos = np.clip(z, _Z_LO, _Z_HI)
        pos -= _Z_LO
        pos *= 1.0 / _Z_STEP
        i = pos.astype(np.intp)
        np.minimum(i, table.size - 2, out=i)
        frac = pos
        frac -= i
        u = _interpolate(table, i, frac)
        if math.isnan(float(np.add.reduce(u))):  # cells not computed yet (NaN): compute those, then again
            lo, above = table[i], table[1:][i]
            _fill_cells(table, self.alpha, self.beta, np.concatenate([i, i + 1])[np.isnan(np.concatenate([lo, above]))])
            u = _interpolate(table, i, frac)
        u *= self.hi - self.lo
        u += self.lo
        return u

    @property
    def mean(self) -> float:
        return self.lo + (self.hi - self.lo) * self.alpha / (self.alpha + self.beta)

    def describe(self) -> str:
        if self.label == "pert":
            lam = (self.alpha + self.beta - 2) or 4.0
            mode = self.lo + (self.alpha - 1) / lam * (self.hi - self.lo)
            return f"pert(min={_g(self.lo)}, mode={_g(mode)}, max={_g(self.hi)})"
        if (self.lo, self.hi) != (0.0, 1.0):
            return f"beta(alpha={_g(self.alpha)}, beta={_g(self.beta)}, min={_g(self.lo)}, max={_g(self.hi)})"
        return f"beta(alpha={_g(self.alpha)}, beta={_g(self.beta)})"


def _interpolate(table: FloatArray, i: np.ndarray, frac: FloatArray) -> FloatArray:
    """``table[i] + frac * (table[i + 1] - table[i])``, computed in one fresh array (``table[1:][i]`` is ``table[i + 1]``)."""
    lo = np.take(table, i)
    u = np.take(table[1:], i)
    u -= lo
    u *= frac
    u += lo
    return u


_Z_LO, _Z_HI, _Z_N = -9.0, 9.0, 1 << 15
_Z_STEP = (_Z_HI - _Z_LO) / (_Z_N - 1)
_TABLE_Z = np.linspace(_Z_LO, _Z_HI, _Z_N)


def _beta_table(alpha: float, beta: float) -> FloatArray:
    """The beta inverse CDF on a grid of normal scores, for fast copula draws.

    ``betaincinv`` costs about a microsecond a value; a correlated beta or
    PERT driver instead interpolates linearly in a table of 32,768 normal
    scores over [-9, 9] (the ends hold the bounds). The interpolation error
    is below 1e-7 of the range for the shapes analysts use; the tests
    check it against ``betaincinv``.

    Returns the whole table (every cell computed); :meth:`Beta.from_normal`
    computes only the cells its draws fall in (:func:`_table_so_far`), with
    the very same numbers.
    """
    table = _table_so_far(alpha, beta)
    missing = np.flatnonzero(np.isnan(table))
    if missing.size:
        _fill_cells(table, alpha, beta, missing)
    return table


@functools.lru_cache(maxsize=256)
def _table_so_far(alpha: float, beta: float) -> FloatArray:
    """The table of :func:`_beta_table` as far as computed: NaN in cells no draw has needed yet.

    Each cell is ``betaincinv(alpha, beta, ndtr(z_k))``, an elementwise
    function of its own normal score, so filling cells as draws need them
    gives, bit for bit, the table computed at once; a short run (or a
    load-time check at a few scores) no longer pays for 32,768 values a
    driver, about 45 ms each. The cells an earlier process computed come
    from the per-user cache (:mod:`outlook._cache`), which holds exactly
    those numbers; the cells this process computes go to it when it exits.
    """
    from ._cache import load_array

    cached = load_array(_table_name(alpha, beta), (_Z_N,))
    if cached is not None and _trusted(cached, alpha, beta):
        return cached
    return np.full(_Z_N, np.nan)


def _trusted(cached: FloatArray, alpha: float, beta: float) -> bool:
    """Whether a cached table holds this table's numbers: in [0, 1], the ends the bounds, and a sample of up to
    64 of its computed cells, spread over it, equal bit for bit to the cells computed again.

    A file of other parameters, moved or damaged, fails the sample (the check costs 64 ``betaincinv`` calls).
    """
    known = np.flatnonzero(~np.isnan(cached))
    if not known.size:
        return False
    values = cached[known]
    if values.min() < 0.0 or values.max() > 1.0:
        return False
    if any(not np.isnan(v) and v != e for v, e in ((cached[0], 0.0), (cached[-1], 1.0))):
        return False
    sample = known[np.linspace(0, known.size - 1, min(64, known.size)).astype(np.intp)]
    again = np.full(_Z_N, np.nan)
    _fill_cells(again, alpha, beta, sample, store=False)
    return bool(np.array_equal(again[sample], cached[sample]))


def _table_name(alpha: float, beta: float) -> str:
    """The cache file of a table: its shape, its parameters bit for bit, the platform and the versions that compute it."""
    import platform

    import scipy

    where = f"{platform.system()}-{platform.machine()}".lower()
    versions = f"numpy{np.__version__}-scipy{scipy.__version__}"
    return f"beta-{_Z_N}-{float(alpha).hex()}-{float(beta).hex()}-{where}-{versions}.npy"


#: Tables this process filled cells of, to store in the cache when it exits: name -> (alpha, beta).
_FILLED: dict[str, tuple[float, float]] = {}


def _store_filled() -> None:
    """Store the tables this process filled cells of (registered with :mod:`atexit` on the first fill)."""
    from ._cache import save_array

    for name, (alpha, beta) in list(_FILLED.items()):
        save_array(name, _table_so_far(alpha, beta))
    _FILLED.clear()


def _fill_cells(table: FloatArray, alpha: float, beta: float, cells: np.ndarray, *, store: bool = True) -> None:
    """Compute ``table``'s ``cells`` (indices, repeats allowed): the inverse CDF, the bounds at the ends.

    ``store``: keep the table for the per-user cache when the process exits (not for a scratch table).
    """
    cells = np.unique(cells)
    values = special.betaincinv(alpha, beta, special.ndtr(_TABLE_Z[cells]))
    values[cells == 0] = 0.0
    values[cells == _Z_N - 1] = 1.0
    table[cells] = values
    if not store:
        return
    if not _FILLED:
        import atexit

        atexit.register(_store_filled)
    _FILLED[_table_name(alpha, beta)] = (float(alpha), float(beta))


def pert(lo: float, mode: float, hi: float, lam: float = 4.0) -> Beta:
    """Beta-PERT with hard bounds ``lo``, ``hi`` and most likely value ``mode``.

    ``alpha = 1 + lam (mode - lo) / (hi - lo)``, ``beta = 1 + lam (hi - mode) / (hi - lo)``.

    >>> round(pert(0.0, 0.3, 0.8).mean, 4)
    0.3333
    """
    a = 1 + lam * (mode - lo) / (hi - lo)
    b = 1 + lam * (hi - mode) / (hi - lo)
    return Beta(a, b, lo, hi, "pert")


@dataclass(frozen=True, slots=True)
class Constant(Distribution):
    value: float
    kind = "constant"

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return np.full(n, self.value)

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.full(np.shape(u), self.value)

    def from_normal(self, z: FloatArray) -> FloatArray:
        return np.full(np.shape(z), self.value)

    @property
    def mean(self) -> float:
        return self.value

    def describe(self) -> str:
        return f"constant({_g(self.value)})"


@dataclass(frozen=True, slots=True)
class Bernoulli(Distribution):
    """A yes/no driver: 1.0 with probability ``p``, else 0.0."""

    p: float
    kind = "yes/no"

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return (rng.random(n) < self.p).astype(np.float64)

    def ppf(self, u: FloatArray) -> FloatArray:
        return (np.asarray(u) >= 1.0 - self.p).astype(np.float64)

    @property
    def mean(self) -> float:
        return self.p

    def describe(self) -> str:
        return f"yes/no(p={_g(self.p)})"


@dataclass(frozen=True, slots=True)
class Categorical(Distribution):
    """One of ``categories``; drawn as the category's index (0, 1, ...)."""

    categories: tuple[str, ...]
    probs: tuple[float, ...]
    kind = "categorical"

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return self.ppf(rng.random(n))

    def ppf(self, u: FloatArray) -> FloatArray:
        edges = np.cumsum(self.probs)[:-1]
        return np.searchsorted(edges, np.asarray(u), side="right").astype(np.float64)

    @property
    def mean(self) -> float:
        return float(np.dot(np.arange(len(self.probs)), self.probs))

    def describe(self) -> str:
        return "categorical(" + ", ".join(f"{c}={_g(p)}" for c, p in zip(self.categories, self.probs)) + ")"


# --------------------------------------------------------------------------
# format 1.1: gamma, Student's t, log-uniform, truncation, mixtures


class _TailSafe(Distribution):
    """A shape whose upper tail is computed from the survival function, so that ``from_normal(9)`` stays finite.

    ``ndtr(z)`` rounds to 1 for ``z`` above about 8.3, where ``ppf`` of an
    unbounded shape is infinite; ``isf(ndtr(-z))`` keeps the precision.
    """

    def isf(self, q: FloatArray) -> FloatArray:
        """Inverse survival function at ``q`` (``ppf(1 - q)`` without the rounding of ``1 - q``)."""
        raise NotImplementedError

    def from_normal(self, z: FloatArray) -> FloatArray:
        z = np.asarray(z, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            return np.asarray(
                np.where(
                    z <= 0, self.ppf(special.ndtr(np.minimum(z, 0.0))), self.isf(special.ndtr(-np.maximum(z, 0.0)))
                ),
                dtype=np.float64,
            )

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        """Standard normal scores through :meth:`from_normal` (one draw of ``rng`` each, monotone)."""
        return self.from_normal(rng.standard_normal(n))


@dataclass(frozen=True, slots=True)
class Gamma(_TailSafe):
    """Gamma with ``shape`` k and ``scale`` theta: density ``x^(k-1) e^(-x/theta) / (Gamma(k) theta^k)``, x > 0.

    The inverse CDF is the inverse regularised incomplete gamma function
    (``scipy.special.gammaincinv``, and ``gammainccinv`` for the upper tail).
    Parameters may be arrays of one value per world (a hierarchical driver).
    """

    shape: float | FloatArray
    scale: float | FloatArray

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.asarray(special.gammaincinv(self.shape, u) * self.scale, dtype=np.float64)

    def isf(self, q: FloatArray) -> FloatArray:
        return np.asarray(special.gammainccinv(self.shape, q) * self.scale, dtype=np.float64)

    def cdf(self, x: FloatArray) -> FloatArray:
        return np.asarray(special.gammainc(self.shape, np.maximum(x, 0.0) / self.scale), dtype=np.float64)

    @property
    def mean(self) -> float:
        return float(self.shape * self.scale)

    def describe(self) -> str:
        return f"gamma(shape={_g(self.shape)}, scale={_g(self.scale)})"  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class StudentT(_TailSafe):
    """Student's t with ``df`` degrees of freedom, shifted by ``location`` and stretched by ``scale``.

    The inverse CDF is ``location + scale * stdtrit(df, u)`` (``scipy.special``);
    the mean is ``location`` for ``df > 1`` (else undefined: ``nan``).
    """

    df: float | FloatArray
    location: float | FloatArray = 0.0
    scale: float | FloatArray = 1.0

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.asarray(self.location + self.scale * _stdtrit(self.df, u), dtype=np.float64)

    def isf(self, q: FloatArray) -> FloatArray:
        return np.asarray(self.location - self.scale * _stdtrit(self.df, q), dtype=np.float64)

    def cdf(self, x: FloatArray) -> FloatArray:
        return np.asarray(special.stdtr(self.df, (np.asarray(x) - self.location) / self.scale), dtype=np.float64)

    @property
    def mean(self) -> float:
        return float(self.location) if float(self.df) > 1 else math.nan

    def describe(self) -> str:
        return f"student_t(df={_g(self.df)}, location={_g(self.location)}, scale={_g(self.scale)})"  # type: ignore[arg-type]


def _stdtrit(df: float | FloatArray, u: FloatArray) -> FloatArray:
    """``scipy.special.stdtrit(df, u)``, with ``-inf`` where it wrongly gives ``+inf`` below the median.

    ``stdtrit(df, 0)`` is ``+inf``, and so is ``stdtrit(3, 1e-250)``: the far
    lower tail comes back with the wrong sign. The quantile there is below
    any float, so ``-inf`` (the draw is then refused as not finite, located).
    """
    x = np.asarray(special.stdtrit(df, u), dtype=np.float64)
    return np.where((np.asarray(u) < 0.5) & (x > 0), -np.inf, x)


@dataclass(frozen=True, slots=True)
class LogUniform(Distribution):
    """Log-uniform on [``lo``, ``hi``], ``0 < lo < hi``: ``log x`` is uniform; ``ppf(u) = lo (hi / lo)^u``."""

    lo: float | FloatArray
    hi: float | FloatArray

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return self.ppf(rng.random(n))

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.asarray(
            np.exp(np.log(self.lo) + np.asarray(u) * np.log(np.divide(self.hi, self.lo))), dtype=np.float64
        )

    def cdf(self, x: FloatArray) -> FloatArray:
        x = np.clip(np.asarray(x, dtype=np.float64), self.lo, self.hi)
        return np.asarray(np.log(x / self.lo) / np.log(np.divide(self.hi, self.lo)), dtype=np.float64)

    @property
    def mean(self) -> float:
        lo, hi = float(self.lo), float(self.hi)
        return (hi - lo) / math.log(hi / lo)

    def describe(self) -> str:
        return f"loguniform(min={_g(self.lo)}, max={_g(self.hi)})"  # type: ignore[arg-type]


def cdf(d: Distribution, x: FloatArray) -> FloatArray:
    """The cumulative distribution function of a continuous or constant ``d`` at ``x`` (any shape).

    Normal ``Phi((x - mu) / sd)``, lognormal ``Phi((ln x - mu) / sigma)``,
    uniform, triangular and beta in closed form or by ``betainc``; the
    format 1.1 shapes by their own ``cdf``.

    >>> float(cdf(Normal(0.0, 1.0), np.array(0.0)))
    0.5
    """
    x = np.asarray(x, dtype=np.float64)
    own = getattr(d, "cdf", None)
    if own is not None:
        return np.asarray(own(x), dtype=np.float64)
    if isinstance(d, Normal):
        return np.asarray(special.ndtr((x - d.mu) / d.sd), dtype=np.float64)
    if isinstance(d, LogNormal):
        with np.errstate(divide="ignore"):
            return np.asarray(special.ndtr((np.log(np.maximum(x, 0.0)) - d.mu) / d.sigma), dtype=np.float64)
    if isinstance(d, Uniform):
        return np.asarray(np.clip((x - d.lo) / (d.hi - d.lo), 0.0, 1.0), dtype=np.float64)
    if isinstance(d, Triangular):
        a, m, b = d.lo, d.mode, d.hi
        xc = np.clip(x, a, b)
        with np.errstate(divide="ignore", invalid="ignore"):  # parameters may be arrays (a hierarchical driver)
            left = np.where(m > a, (xc - a) ** 2 / ((b - a) * (m - a)), 0.0)
            right = np.where(b > m, 1.0 - (b - xc) ** 2 / ((b - a) * (b - m)), 1.0)
        return np.asarray(np.where(xc <= m, left, right), dtype=np.float64)
    if isinstance(d, Beta):
        return np.asarray(
            special.betainc(d.alpha, d.beta, np.clip((x - d.lo) / (d.hi - d.lo), 0.0, 1.0)), dtype=np.float64
        )
    if isinstance(d, Constant):
        return (x >= d.value).astype(np.float64)
    msg = f"no cumulative distribution function for {d.describe()}"
    raise TypeError(msg)


def _sf_quantile(d: Distribution, q: FloatArray) -> FloatArray:
    """``d``'s quantile at upper-tail probability ``q``, without rounding ``1 - q``.

    Closed forms for the normal, lognormal, uniform, log-uniform and
    triangular shapes, ``betainccinv`` for beta and PERT, ``isf`` for
    gamma and Student's t; ``ppf(1 - q)`` for any other shape.
    """
    if isinstance(d, _TailSafe):
        return d.isf(q)
    if isinstance(d, Normal):
        return np.asarray(d.mu - d.sd * special.ndtri(q), dtype=np.float64)
    if isinstance(d, LogNormal):
        return np.asarray(np.exp(d.mu - d.sigma * special.ndtri(q)), dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if isinstance(d, Uniform):
        return np.asarray(d.hi - (d.hi - d.lo) * q, dtype=np.float64)
    if isinstance(d, LogUniform):
        x = np.exp(np.log(d.hi) - q * np.log(np.divide(d.hi, d.lo)))
        return np.asarray(np.clip(x, d.lo, d.hi), dtype=np.float64)  # exp(log(hi)) may round above hi
    if isinstance(d, Beta):
        with np.errstate(invalid="ignore"):
            x = special.betainccinv(d.alpha, d.beta, q)
        # betainccinv gives NaN for shares below about 1e-120 with some shapes: there 1 - q is 1, the top
        x = np.where(np.isnan(x) & (q >= 0), special.betaincinv(d.alpha, d.beta, 1.0 - q), x)
        return np.asarray(d.lo + (d.hi - d.lo) * x, dtype=np.float64)
    if isinstance(d, Truncated):
        return d._invert(np.zeros(q.shape, dtype=bool), np.zeros_like(q), q)
    if isinstance(d, Triangular):
        a, m, b = d.lo, d.mode, d.hi
        with np.errstate(invalid="ignore"):
            right = b - np.sqrt(q * (b - a) * (b - m))
            left = a + np.sqrt((1.0 - q) * (b - a) * (m - a))
        return np.asarray(np.where(q <= (b - m) / (b - a), right, left), dtype=np.float64)
    return d.ppf(1.0 - q)


def _sf(d: Distribution, x: FloatArray) -> FloatArray:
    """``1 - cdf`` without its rounding in the upper tail (for the unbounded shapes that need it)."""
    x = np.asarray(x, dtype=np.float64)
    if isinstance(d, Normal):
        return np.asarray(special.ndtr((d.mu - x) / d.sd), dtype=np.float64)
    if isinstance(d, LogNormal):
        with np.errstate(divide="ignore"):
            return np.asarray(special.ndtr((d.mu - np.log(np.maximum(x, 0.0))) / d.sigma), dtype=np.float64)
    if isinstance(d, Gamma):
        return np.asarray(special.gammaincc(d.shape, np.maximum(x, 0.0) / d.scale), dtype=np.float64)
    if isinstance(d, StudentT):
        return np.asarray(special.stdtr(d.df, (d.location - x) / d.scale), dtype=np.float64)
    return 1.0 - cdf(d, x)


@dataclass(frozen=True, slots=True)
class Truncated(Distribution):
    """``base`` conditioned on lying in [``lo``, ``hi``] (either end may be infinite).

    Drawn by inversion: ``x = F^-1(F(lo) + u (F(hi) - F(lo)))`` for the
    lower half of the mass, and by the survival function
    ``x = S^-1(S(hi) + (1 - u) (S(lo) - S(hi)))`` for the upper half, so
    that a far tail keeps its precision (Devroye 1986, II.2.1; the same
    conditioning as ``scipy.stats.truncnorm``).
    """

    base: Distribution
    lo: float
    hi: float

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return self.from_normal(rng.standard_normal(n))

    def _mass(self) -> tuple[float, float, float, float]:
        lo, hi = np.array(self.lo, dtype=np.float64), np.array(self.hi, dtype=np.float64)
        return (
            float(cdf(self.base, lo)),
            float(cdf(self.base, hi)),
            float(_sf(self.base, lo)),
            float(_sf(self.base, hi)),
        )

    def ppf(self, u: FloatArray) -> FloatArray:
        u = np.asarray(u, dtype=np.float64)
        return self._invert(u <= 0.5, np.minimum(u, 0.5), 1.0 - np.maximum(u, 0.5))

    def from_normal(self, z: FloatArray) -> FloatArray:
        z = np.asarray(z, dtype=np.float64)
        return self._invert(z <= 0, special.ndtr(np.minimum(z, 0.0)), special.ndtr(-np.maximum(z, 0.0)))

    def _invert(self, lower: BoolArray, u: FloatArray, q: FloatArray) -> FloatArray:
        """The quantile at ``u`` where ``lower`` holds, else at upper-tail share ``q`` (``1 - u``, not rounded)."""
        fa, fb, sa, sb = self._mass()
        with np.errstate(invalid="ignore", divide="ignore"):
            low = self.base.ppf(fa + u * (fb - fa))
            high = _sf_quantile(self.base, sb + q * (sa - sb))
        return self._clip(np.where(lower, low, high))

    def _clip(self, x: FloatArray) -> FloatArray:
        return np.asarray(np.clip(x, self.lo, self.hi), dtype=np.float64)

    def cdf(self, x: FloatArray) -> FloatArray:
        fa, fb, _, _ = self._mass()
        inside = (cdf(self.base, np.clip(x, self.lo, self.hi)) - fa) / (fb - fa)
        return np.asarray(np.clip(inside, 0.0, 1.0), dtype=np.float64)

    def mass(self) -> float:
        """The probability the base distribution gives [``lo``, ``hi``]."""
        fa, fb, sa, sb = self._mass()
        return max(fb - fa, sa - sb)

    @property
    def mean(self) -> float:
        """``E X = integral of x(z) phi(z) dz`` over the normal scores (adaptive quadrature, ``scipy.integrate.quad``).

        Over ``|z| <= 37``: beyond, ``phi(z)`` is below the smallest float.
        """
        from scipy import integrate

        def f(z: float) -> float:
            return float(self.from_normal(np.array([z]))[0]) * math.exp(-z * z / 2) / math.sqrt(2 * math.pi)

        with warnings.catch_warnings():  # a roundoff note at 1e-9 relative is no news for a mean
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            halves = [
                integrate.quad(f, a, b, epsabs=1e-300, epsrel=1e-9, limit=200)[0]
                for a, b in ((-_Z_MEAN, 0.0), (0.0, _Z_MEAN))
            ]
        return float(sum(halves))

    def describe(self) -> str:
        return f"{self.base.describe()} truncated to [{_g(self.lo)}, {_g(self.hi)}]"


_Z_MEAN = 37.0

#: Bisection steps of a mixture's inverse CDF: the bracket shrinks 2^-60 times, below a float's precision.
MIXTURE_STEPS = 60


@dataclass(frozen=True, slots=True)
class Mixture(Distribution):
    """A weighted mixture of continuous (or constant) components: ``F(x) = sum_k w_k F_k(x)``.

    Drawn by inversion of the mixture's own CDF, so one uniform (or
    normal score) per world gives each draw, monotone in it: a mixture is
    paired world by world under common random numbers, takes one
    coordinate of a quasi-random point and can be correlated.

    When the components' supports do not overlap (they may touch; a
    constant is an atom, a support of one point), ``F`` is piecewise: in
    the order of the supports, component ``k`` holds the probabilities
    ``(M_k, M_k + w_k]`` (``M_k`` the weight of the components below it),
    and the quantile at ``u`` there is ``F_k^-1((u - M_k) / w_k)``, each
    draw computed by its own component's inverse CDF alone (and, for
    ``u > 1/2``, by its inverse survival function at the upper-tail share,
    so that a far tail keeps its precision). Otherwise the root of
    ``F(x) = u`` lies between the smallest and largest component quantile
    at ``u`` (each ``F_k`` is monotone, so ``F`` at the smallest is at most
    ``u`` and at the largest at least ``u``) and is found by
    :data:`MIXTURE_STEPS` vectorised bisection steps (Devroye 1986, II.2.2).
    """

    components: tuple[Distribution, ...]
    weights: tuple[float, ...]

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        return self.from_normal(rng.standard_normal(n))

    def ppf(self, u: FloatArray) -> FloatArray:
        return self.from_normal(special.ndtri(np.asarray(u, dtype=np.float64)))

    def from_normal(self, z: FloatArray) -> FloatArray:
        z = np.asarray(z, dtype=np.float64)
        if len(self.components) == 1:
            return np.asarray(self.components[0].from_normal(z) * np.ones_like(z), dtype=np.float64)
        try:
            pieces = _disjoint_pieces(self.components, self.weights)
        except TypeError:  # a component with parameters per world is not hashable: no cache, no pieces
            pieces = None
        if pieces is None:
            return self._bisect(z)
        x = _invert_pieces(pieces, z)
        x[np.isnan(z)] = np.nan  # searchsorted would put a NaN score in the top piece
        lost = ~np.isfinite(x) & np.isfinite(z)  # a score beyond about 37.5: its tail share underflowed to 0
        if lost.any():
            x[lost] = self._bisect(z[lost])
        return x

    def _bisect(self, z: FloatArray) -> FloatArray:
        """The quantiles at normal scores ``z`` by bisection on ``F`` (the general method, any components)."""
        z = np.asarray(z, dtype=np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            qs = np.stack([c.from_normal(z) * np.ones_like(z) for c in self.components])
        lo, hi = qs.min(axis=0), qs.max(axis=0)
        u_lo = special.ndtr(np.minimum(z, 0.0))  # the target, from below for z <= 0 ...
        s_hi = special.ndtr(-np.maximum(z, 0.0))  # ... and as an upper-tail share for z > 0
        upper = z > 0
        x = np.empty_like(z)
        # Each half bisects on its own function alone: the CDF below the median, the survival function above.
        for part, f, target, right in ((~upper, self.cdf, u_lo, False), (upper, self._sf, s_hi, True)):
            a, b, t = lo[part], hi[part], target[part]
            for _ in range(MIXTURE_STEPS):
                mid = a + (b - a) / 2
                below = f(mid) > t if right else f(mid) < t
                a = np.where(below, mid, a)
                b = np.where(below, b, mid)
            x[part] = a + (b - a) / 2
        return self._snap_to_atoms(x, upper, u_lo, s_hi)

    def _snap_to_atoms(self, x: FloatArray, upper: BoolArray, u_lo: FloatArray, s_hi: FloatArray) -> FloatArray:
        """``x`` with every draw whose target falls in a constant component's jump set to that constant exactly.

        The quantile at ``u`` is the atom ``a`` when ``F(a-) < u <= F(a)``
        (for ``z > 0``, by the upper-tail share ``s = 1 - u``:
        ``S(a) <= s < S(a-)``); bisection would only bracket it, leaving an
        error of the bracket's width (about 1e-17 at 0, of either sign), so
        ``x == 0`` in a rule would be false. Monotone in ``u`` as before.
        """
        atoms = sorted({float(c.value) for c in self.components if isinstance(c, Constant)})
        for a in atoms:
            mass = sum(w for c, w in zip(self.components, self.weights) if isinstance(c, Constant) and c.value == a)
            f_at = float(self.cdf(np.array(a)))  # F(a), the jump included
            s_at = float(self._sf(np.array(a)))  # S(a) = P(X > a)
            at_lower = (f_at - mass < u_lo) & (u_lo <= f_at)
            at_upper = (s_at <= s_hi) & (s_hi < s_at + mass)
            x = np.where(np.where(upper, at_upper, at_lower), a, x)
        return np.asarray(x, dtype=np.float64)

    def cdf(self, x: FloatArray) -> FloatArray:
        return np.asarray(sum(w * cdf(c, x) for c, w in zip(self.components, self.weights)), dtype=np.float64)

    def _sf(self, x: FloatArray) -> FloatArray:
        return np.asarray(sum(w * _sf(c, x) for c, w in zip(self.components, self.weights)), dtype=np.float64)

    @property
    def mean(self) -> float:
        return float(sum(w * c.mean for c, w in zip(self.components, self.weights)))

    def describe(self) -> str:
        parts = ", ".join(f"{_g(w)}: {c.describe()}" for c, w in zip(self.components, self.weights))
        return f"mixture({parts})"


@functools.lru_cache(maxsize=256)
def _disjoint_pieces(
    components: tuple[Distribution, ...], weights: tuple[float, ...]
) -> tuple[tuple[Distribution, float, float, float, float, float], ...] | None:
    """A mixture's components in the order of their supports, if no two overlap; else None.

    Each piece is ``(component, weight, M, S, lo, hi)``: ``M`` the weight of
    the pieces below it, ``S`` of those above, ``[lo, hi]`` its support
    (:func:`_support`). Supports may touch (``hi_k == lo_k+1``); a
    constant is the support ``[c, c]``. A component whose support is not
    known (a shape :func:`_support` does not name, parameters given per
    world) makes it None.
    """
    ends = []
    for c, w in zip(components, weights):
        support = _support(c)
        if support is None or not w > 0:
            return None
        lo, hi = support
        if not (lo == hi if isinstance(c, Constant) else lo < hi):
            return None
        ends.append((lo, hi, c, float(w)))
    ends.sort(key=lambda e: (e[0], e[1]))
    if any(a[1] > b[0] for a, b in itertools.pairwise(ends)):
        return None
    # M and S each summed from their own end, so that the bottom piece's M and the top piece's S are exactly 0
    below = np.concatenate([[0.0], np.cumsum([e[3] for e in ends])[:-1]])
    above = np.concatenate([[0.0], np.cumsum([e[3] for e in reversed(ends)])[:-1]])[::-1]
    return tuple((c, w, float(m), float(s), lo, hi) for (lo, hi, c, w), m, s in zip(ends, below, above))


def _support(d: Distribution) -> tuple[float, float] | None:
    """The closed interval ``[lo, hi]`` that holds ``d``'s draws, from its parameters; None if not known.

    Stated per shape, not read off ``ppf(0)`` and ``ppf(1)``: ``stdtrit(df, 0)``
    is ``+inf``, which would make a Student's t look like a point at infinity.
    A truncated shape's is its base's cut to ``[lo, hi]``.
    """
    try:
        if isinstance(d, Constant):
            return float(d.value), float(d.value)
        if isinstance(d, Uniform | LogUniform | Triangular | Beta):
            return float(d.lo), float(d.hi)
        if isinstance(d, Normal | StudentT):
            return -math.inf, math.inf
        if isinstance(d, LogNormal | Gamma):
            return 0.0, math.inf
        if isinstance(d, Truncated):
            base = _support(d.base)
            return None if base is None else (max(base[0], float(d.lo)), min(base[1], float(d.hi)))
    except TypeError:  # parameters per world: arrays
        return None
    return None


def _invert_pieces(
    pieces: tuple[tuple[Distribution, float, float, float, float, float], ...], z: FloatArray
) -> FloatArray:
    """The quantiles at normal scores ``z`` of a mixture whose supports do not overlap (:func:`_disjoint_pieces`).

    For ``z <= 0``, ``u = Phi(z)`` falls in the piece with ``M_k < u <= M_k + w_k``
    and the draw is ``F_k^-1((u - M_k) / w_k)``; for ``z > 0``, the upper-tail
    share ``s = Phi(-z)`` in the piece with ``S_k <= s < S_k + w_k`` gives
    ``S_k^-1((s - S_k) / w_k)`` (the inverse survival function). Each draw is
    clipped to its piece's support, so that rounding never breaks the order.
    """
    upper = z > 0
    x = np.empty_like(z)
    n = len(pieces)
    with np.errstate(invalid="ignore", divide="ignore"):
        # each half its own normal tail only, and each world its own piece's inverse
        below = ~upper
        u = special.ndtr(z[below])
        k = np.minimum(np.searchsorted(np.cumsum([p[1] for p in pieces]), u, side="left"), n - 1)  # M_k + w_k
        x[below] = _invert_half(pieces, k, u, upper=False)
        s = special.ndtr(-z[upper])
        from_top = np.cumsum([p[1] for p in reversed(pieces)])  # S_k + w_k, the top piece first
        k = n - 1 - np.minimum(np.searchsorted(from_top, s, side="right"), n - 1)
        x[upper] = _invert_half(pieces, k, s, upper=True)
    return x


def _invert_half(
    pieces: tuple[tuple[Distribution, float, float, float, float, float], ...],
    k: np.ndarray,
    share: FloatArray,
    *,
    upper: bool,
) -> FloatArray:
    """:func:`_invert_pieces` for one half: ``share`` is ``u`` (lower) or ``s`` (upper), ``k`` each world's piece."""
    out = np.empty_like(share)
    for j, (c, w, m, t, lo, hi) in enumerate(pieces):
        sel = k == j
        if not sel.any():
            continue
        whole = bool(sel.all())  # most halves fall in one piece: no gather, no scatter
        if isinstance(c, Constant):
            out[sel] = c.value
            continue
        part = share if whole else share[sel]
        if upper:
            value = np.clip(_sf_quantile(c, np.clip((part - t) / w, 0.0, 1.0)), lo, hi)
        else:
            value = np.clip(c.ppf(np.clip((part - m) / w, 0.0, 1.0)), lo, hi)
        if whole:
            out[:] = value
        else:
            out[sel] = value
    return out


# --------------------------------------------------------------------------
# format 1.1: hierarchical drivers, whose parameters are given per world

#: The parameters of each shape a hierarchical driver may have (:class:`Conditional`), in the file's names.
#: ``lognormal`` is ``{mu, sigma}``; ``lognormal_moments`` is ``lognormal: {mean, sd}``.
CONDITIONAL_SHAPES: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "lognormal": ("mu", "sigma"),
    "lognormal_moments": ("mean", "sd"),
    "uniform": ("min", "max"),
    "triangular": ("min", "mode", "max"),
    "pert": ("min", "mode", "max", "lambda"),
    "beta": ("alpha", "beta"),
    "gamma": ("shape", "scale"),
    "student_t": ("df", "location", "scale"),
    "loguniform": ("min", "max"),
    "probability": ("p",),
}
#: The shapes drawn from a uniform (the others from a standard normal score), as their plain forms are.
_UNIFORM_SCORED = ("uniform", "triangular", "loguniform", "probability")

#: What every world's parameters must satisfy, per shape: (the parameters concerned, the test, the rule).
CONDITIONAL_RULES: dict[str, tuple[tuple[tuple[str, ...], Any, str], ...]] = {
    "normal": ((("sd",), lambda p: p["sd"] > 0, "sd must be positive"),),
    "lognormal": ((("sigma",), lambda p: p["sigma"] > 0, "sigma must be positive"),),
    "lognormal_moments": ((("mean", "sd"), lambda p: (p["mean"] > 0) & (p["sd"] > 0), "mean and sd must be positive"),),
    "uniform": ((("min", "max"), lambda p: p["min"] < p["max"], "min must be below max"),),
    "triangular": (
        (("min", "max"), lambda p: p["min"] < p["max"], "min must be below max"),
        (
            ("min", "mode", "max"),
            lambda p: (p["min"] <= p["mode"]) & (p["mode"] <= p["max"]),
            "mode must lie between min and max",
        ),
    ),
    "pert": (
        (("min", "max"), lambda p: p["min"] < p["max"], "min must be below max"),
        (
            ("min", "mode", "max"),
            lambda p: (p["min"] <= p["mode"]) & (p["mode"] <= p["max"]),
            "mode must lie between min and max",
        ),
        (("lambda",), lambda p: p["lambda"] > 0, "lambda must be positive"),
    ),
    "beta": ((("alpha", "beta"), lambda p: (p["alpha"] > 0) & (p["beta"] > 0), "alpha and beta must be positive"),),
    "gamma": ((("shape", "scale"), lambda p: (p["shape"] > 0) & (p["scale"] > 0), "shape and scale must be positive"),),
    "student_t": ((("df", "scale"), lambda p: (p["df"] > 0) & (p["scale"] > 0), "df and scale must be positive"),),
    "loguniform": ((("min", "max"), lambda p: (0 < p["min"]) & (p["min"] < p["max"]), "needs 0 < min < max"),),
    "probability": ((("p",), lambda p: (0 <= p["p"]) & (p["p"] <= 1), "probability must lie in [0, 1]"),),
}


@dataclass(frozen=True, slots=True)
class Conditional(Distribution):
    """A shape whose parameters are numbers or expressions over other drivers: a hierarchical driver.

    Its distribution is known only given its parents' values in a world
    (:meth:`given`); it cannot be sampled on its own (:meth:`sample`,
    :meth:`ppf` and :meth:`from_normal` raise ``TypeError``). It is drawn
    as its plain shape is, from one underlying variate per world (a
    standard normal score ``z`` for normal, lognormal, beta, PERT, gamma and
    Student's t; a uniform ``u`` for uniform, triangular, log-uniform and
    yes/no: :attr:`score`), through the inverse CDF at that world's
    parameters (:meth:`draw`): ``x = F^-1(Phi(z) | params)`` or
    ``x = F^-1(u | params)``; a yes/no driver is ``1.0`` where ``u < p``.
    So a driver whose expressions are constants draws exactly what the
    plain form draws (a truncated shape draws a normal score, as :class:`Truncated` does;
    beta and PERT up to the 1e-7 of their tabulated
    inverse), and its draws are monotone in the variate: common random
    numbers pair worlds as for any driver.

    Attributes
    ----------
    shape
        A key of :data:`CONDITIONAL_SHAPES`.
    params
        ``(name, value)`` for each parameter: a number, or the text of its expression.
    lo, hi
        A truncation (``truncate:``): the distribution in each world conditioned on [lo, hi]
        (infinite: no bound), drawn by inversion on the restricted interval as :class:`Truncated` is.
    """

    shape: str
    params: tuple[tuple[str, float | str], ...]
    lo: float = -math.inf
    hi: float = math.inf

    @property
    def kind(self) -> str:  # type: ignore[override]
        return "yes/no" if self.shape == "probability" else "continuous"

    @property
    def score(self) -> str:
        """``"uniform"`` or ``"normal"``: the variate each world's draw is a monotone function of.

        That of the plain form: a truncated one is a :class:`Truncated`, drawn from a normal score whatever
        its shape, so a truncated shape is too.
        """
        return "uniform" if self.shape in _UNIFORM_SCORED and not self.truncated else "normal"

    @property
    def truncated(self) -> bool:
        return self.lo > -math.inf or self.hi < math.inf

    def sample(self, n: int, rng: np.random.Generator) -> FloatArray:
        raise TypeError(f"{self.describe()} is drawn only given its parents' values: see Conditional.draw")

    def ppf(self, u: FloatArray) -> FloatArray:
        raise TypeError(f"{self.describe()} has a quantile only given its parents' values: see Conditional.draw")

    def from_normal(self, z: FloatArray) -> FloatArray:
        raise TypeError(f"{self.describe()} has a quantile only given its parents' values: see Conditional.draw")

    @property
    def mean(self) -> float:
        """Not defined without the parents' distribution: ``nan``."""
        return math.nan

    def describe(self) -> str:
        name = (
            "lognormal"
            if self.shape == "lognormal_moments"
            else "yes/no"
            if self.shape == "probability"
            else self.shape
        )
        text = f"{name}(" + ", ".join(f"{k}={_g(v) if isinstance(v, float) else v}" for k, v in self.params) + ")"
        if self.truncated:
            text += f" truncated to [{_g(self.lo)}, {_g(self.hi)}]"
        return text

    def problem(self, values: dict[str, Any]) -> tuple[tuple[str, ...], str, BoolArray] | None:
        """The first rule the parameters break in some world: (the parameters concerned, the rule, where broken).

        ``values`` holds every parameter as a number or an array of shape ``(n,)``.
        """
        for name, _ in self.params:
            with np.errstate(invalid="ignore"):
                bad = ~np.isfinite(np.asarray(values[name], dtype=np.float64))
            if bad.any():
                return (name,), f"{name} must be a finite number", bad
        for names, test, rule in CONDITIONAL_RULES[self.shape]:
            with np.errstate(invalid="ignore"):
                bad = ~np.asarray(test(values), dtype=bool)
            if bad.any():
                return names, rule, bad
        return None

    def given(self, values: dict[str, Any]) -> Distribution:
        """The plain shape with each parameter's values (numbers or arrays of shape ``(n,)``), untruncated."""
        v = values
        if self.shape == "normal":
            return Normal(v["mean"], v["sd"])
        if self.shape == "lognormal":
            return LogNormal(v["mu"], v["sigma"])
        if self.shape == "lognormal_moments":  # Johnson, Kotz and Balakrishnan 1994, eq. 14.8a-b
            s2 = np.log1p((np.asarray(v["sd"]) / v["mean"]) ** 2)
            return LogNormal(np.log(v["mean"]) - s2 / 2, np.sqrt(s2))
        if self.shape == "uniform":
            return Uniform(v["min"], v["max"])
        if self.shape == "triangular":
            return Triangular(v["min"], v["mode"], v["max"])
        if self.shape == "pert":
            return pert(v["min"], v["mode"], v["max"], v["lambda"])
        if self.shape == "beta":
            return Beta(v["alpha"], v["beta"])
        if self.shape == "gamma":
            return Gamma(v["shape"], v["scale"])
        if self.shape == "student_t":
            return StudentT(v["df"], v["location"], v["scale"])
        if self.shape == "loguniform":
            return LogUniform(v["min"], v["max"])
        return Bernoulli(v["p"])

    def mass(self, values: dict[str, Any]) -> FloatArray:
        """The share of each world's distribution that the truncation keeps (1 without one)."""
        base = self.given(values)
        lo, hi = np.asarray(self.lo), np.asarray(self.hi)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(np.maximum(cdf(base, hi) - cdf(base, lo), _sf(base, lo) - _sf(base, hi)))

    def draw(self, values: dict[str, Any], score: FloatArray) -> FloatArray:
        """Each world's draw from its parameters' values and its variate (:attr:`score`), shape ``(n,)``."""
        score = np.asarray(score, dtype=np.float64)
        base = self.given(values)
        if isinstance(base, Bernoulli):
            return (score < base.p).astype(np.float64)
        if self.score == "uniform":
            lower, u, q = score <= 0.5, np.minimum(score, 0.5), 1.0 - np.maximum(score, 0.5)
            if not self.truncated:
                return np.asarray(base.ppf(score) * np.ones_like(score), dtype=np.float64)
        else:
            lower, u, q = score <= 0, special.ndtr(np.minimum(score, 0.0)), special.ndtr(-np.maximum(score, 0.0))
            if not self.truncated:
                if isinstance(base, Beta):
                    return _beta_quantile(base, lower, u, q)
                return np.asarray(base.from_normal(score) * np.ones_like(score), dtype=np.float64)
        lo, hi = np.asarray(self.lo), np.asarray(self.hi)
        with np.errstate(invalid="ignore", divide="ignore"):
            fa, fb, sa, sb = cdf(base, lo), cdf(base, hi), _sf(base, lo), _sf(base, hi)
            low = base.ppf(fa + u * (fb - fa))
            high = _sf_quantile(base, sb + q * (sa - sb))
        return np.asarray(np.clip(np.where(lower, low, high), self.lo, self.hi), dtype=np.float64)

    def quantile(self, values: dict[str, Any], q: float, n: int) -> FloatArray:
        """Each world's ``q`` quantile given its parameters' values (a yes/no driver: 1.0 where ``q >= 1 - p``)."""
        if self.shape == "probability":
            return (np.full(n, q) >= 1.0 - np.asarray(values["p"])).astype(np.float64)
        score = q if self.score == "uniform" else float(special.ndtri(q))
        return self.draw(values, np.full(n, score))


def _beta_quantile(d: Beta, lower: BoolArray, u: FloatArray, q: FloatArray) -> FloatArray:
    """A beta's (or PERT's) inverse CDF with array parameters: at ``u`` where ``lower``, else at upper-tail share ``q``.

    ``I^-1_{a,b}(u)``, and ``1 - I^-1_{b,a}(q)`` for the upper tail (the
    beta's symmetry ``I_x(a, b) = 1 - I_{1-x}(b, a)``: Abramowitz and Stegun
    1964, 26.5.2), so that the upper tail keeps its precision; scaled to
    [lo, hi]. Parameters and ``u``, ``q`` broadcast: shape ``(n,)``.
    """
    with np.errstate(invalid="ignore"):
        x = np.where(lower, special.betaincinv(d.alpha, d.beta, u), 1.0 - special.betaincinv(d.beta, d.alpha, q))
    return np.asarray(d.lo + (d.hi - d.lo) * x, dtype=np.float64)


#: Normal scores over which :func:`overflow_share` looks: every draw but a
#: share of about 2e-19 lies within them (the beta table's span, too).
OVERFLOW_Z = 9.0


@functools.lru_cache(maxsize=1024)
def overflow_share(d: Distribution) -> float:
    """The share of draws of ``d`` that are not finite numbers (too large for a float), as far as it can be seen.

    Cached per distribution (they are frozen values): loading a scenario checks
    each driver again for every key assumption's ``if_false`` version of it.

    Parameters
    ----------
    d
        A distribution.

    Returns
    -------
    float
        0.0 if every draw at a normal score within +-:data:`OVERFLOW_Z` is
        finite; else the probability of the scores where it is not (at least
        about 1e-19), measured on a grid of 3,601 scores.

    Notes
    -----
    Each shape's draws are a monotone function of a normal score ``z``
    (:meth:`Distribution.from_normal`): the inverse CDF at ``Phi(z)``. A
    float64 holds magnitudes up to about 1.8e308, so a lognormal with
    ``mu + 9 sigma > 709.78`` or a normal with ``|mean| + 9 sd > 1.8e308``, or
    a range whose width overflows, has draws that are infinite or not a
    number. The share is ``sum Phi(z_hi) - Phi(z_lo)`` over the grid cells
    where they are not finite.

    Examples
    --------
    >>> overflow_share(LogNormal(0.0, 1.0))
    0.0
    >>> round(overflow_share(LogNormal(700.0, 100.0)), 2)
    0.46
    """
    if d.kind != "continuous":
        return 0.0
    if isinstance(d, Beta):  # lo + (hi - lo) x with x in [0, 1]: finite exactly when the width is
        return 0.0 if math.isfinite(d.hi - d.lo) else 1.0
    z = np.linspace(-OVERFLOW_Z, OVERFLOW_Z, 3601)
    with np.errstate(over="ignore", invalid="ignore"):
        x = d.from_normal(z)
    bad = ~np.isfinite(x)
    if not bad.any():
        return 0.0
    edges = special.ndtr(np.concatenate([[-np.inf], (z[1:] + z[:-1]) / 2, [np.inf]]))
    return float(max(np.sum(np.diff(edges)[bad]), 1e-19))


def overflow_problem(d: Distribution) -> str | None:
    """Why a scenario file must not state ``d``: its draws overflow (see :func:`overflow_share`), or ``None``.

    >>> overflow_problem(LogNormal(700.0, 100.0))
    'draws of lognormal(mu=700, sigma=100) would be too large for a float (beyond about 1.8e308) in about 46% of worlds; choose smaller parameters'
    """
    share = overflow_share(d)
    if not share:
        return None
    where = "every world" if share > 1 - 1e-9 else f"about {100 * share:.2g}% of worlds"
    return (
        f"draws of {d.describe()} would be too large for a float (beyond about 1.8e308) in {where}; "
        "choose smaller parameters"
    )


def _newton2(resid: Callable[[np.ndarray], list[float]], x0: list[float], *, tol: float = 1e-13) -> np.ndarray | None:
    """A root of a smooth map of R^2 by damped Newton steps, or ``None`` if they do not converge.

    The Jacobian is by central differences; each step is halved until the
    residual's norm falls (backtracking: J. Nocedal and S. J. Wright,
    *Numerical Optimization*, 2nd ed., 2006, §3.1 and §11.1). It serves the
    two-parameter fits of :func:`from_range`, which start close to the root,
    so that a run need not import :mod:`scipy.optimize` (a tenth of a second
    of start-up); the callers fall back to ``scipy.optimize.root`` whenever
    it returns ``None``.
    """
    x = np.array(x0, dtype=float)
    r = np.array(resid(x))
    if not np.all(np.isfinite(r)):
        return None
    for _ in range(60):
        norm = float(np.max(np.abs(r)))
        if norm <= tol:
            return x
        jac = np.empty((2, 2))
        for j in range(2):
            h = 1e-6 * max(1.0, abs(x[j]))
            up, down = x.copy(), x.copy()
            up[j] += h
            down[j] -= h
            jac[:, j] = (np.array(resid(up)) - np.array(resid(down))) / (2 * h)
        try:
            step = np.linalg.solve(jac, -r)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(step)):
            return None
        scale = 1.0
        for _ in range(30):
            trial = x + scale * step
            rt = np.array(resid(trial))
            if np.all(np.isfinite(rt)) and float(np.max(np.abs(rt))) < norm:
                break
            scale /= 2
        else:
            return x if norm <= 1e-11 else None  # no decrease: at the floor of rounding, or stuck
        x, r = trial, rt
    return x if float(np.max(np.abs(r))) <= 1e-11 else None


def _root2(resid: Callable[[np.ndarray], list[float]], x0: list[float]) -> tuple[np.ndarray, bool]:
    """:func:`_newton2`, or ``scipy.optimize.root`` (Powell's hybrid method, MINPACK) where Newton fails."""
    x = _newton2(resid, x0)
    if x is not None:
        return x, True
    from scipy import optimize  # only a fit Newton could not do needs it; keeps a run's start-up down

    sol = optimize.root(resid, x0, method="hybr")
    return np.asarray(sol.x, dtype=float), bool(sol.success)


def _solve_bounds(make: object, lo: float, hi: float, q: float) -> tuple[float, float]:
    """Find bounds (a, b) with make(a, b).ppf at q and 1 - q equal to lo, hi."""
    width = hi - lo

    def resid(x: np.ndarray) -> list[float]:
        a, b = lo - math.exp(x[0]) * width, hi + math.exp(x[1]) * width
        d = make(a, b)  # type: ignore[operator]
        got = d.ppf(np.array([q, 1 - q]))
        return [(got[0] - lo) / width, (got[1] - hi) / width]

    x, ok = _root2(resid, [math.log(0.2), math.log(0.2)])
    if not ok or max(abs(r) for r in resid(x)) > 1e-9:
        msg = "could not find bounds for this range and mode"
        raise ValueError(msg)
    return lo - math.exp(x[0]) * width, hi + math.exp(x[1]) * width


def _fit_beta(lo: float, hi: float, q: float) -> Beta:
    zq = z_for(1 - 2 * q)
    # start from the logit-normal approximation, solve in log-parameters
    m = (lo + hi) / 2
    sd = (hi - lo) / (2 * zq)
    k = max(m * (1 - m) / sd**2 - 1, 0.5)

    def resid(x: np.ndarray) -> list[float]:
        a, b = math.exp(x[0]), math.exp(x[1])
        got = special.betaincinv(a, b, np.array([q, 1 - q]))
        return [(got[0] - lo) / (hi - lo), (got[1] - hi) / (hi - lo)]

    x, ok = _root2(resid, [math.log(m * k), math.log((1 - m) * k)])
    if not ok or max(abs(r) for r in resid(x)) > 1e-9:
        msg = "could not fit a beta distribution to this range"
        raise ValueError(msg)
    return Beta(math.exp(x[0]), math.exp(x[1]))


def from_range(
    shape: str,
    lo: float,
    hi: float,
    *,
    confidence: float = 0.9,
    mode: float | None = None,
    lam: float = 4.0,
) -> Distribution:
    """The distribution of ``shape`` whose central ``confidence`` interval is [lo, hi].

    Parameters
    ----------
    shape
        One of :data:`RANGE_SHAPES`.
    lo, hi
        The interval's ends: the ``(1 - confidence) / 2`` and
        ``(1 + confidence) / 2`` quantiles.
    confidence
        In (0, 1); 1 is allowed for uniform, triangular and pert (hard bounds).
    mode
        Most likely value; required for triangular and pert.

    Returns
    -------
    Distribution

    Raises
    ------
    ValueError
        If the range does not fit the shape's support.

    Notes
    -----
    Normal: mean ``(lo + hi) / 2``, sd ``(hi - lo) / (2 z)``; lognormal:
    ``mu = (ln lo + ln hi) / 2``, ``sigma = (ln hi - ln lo) / (2 z)``, with
    ``z = Phi^-1(1 - (1 - confidence) / 2)`` (1.6449 for 90 %). Triangular,
    PERT and beta parameters are solved numerically.

    Examples
    --------
    >>> d = from_range("normal", 8000, 12000)
    >>> round(d.sd, 1)
    1215.9
    """
    q = (1 - confidence) / 2
    if shape == "normal":
        return Normal((lo + hi) / 2, (hi - lo) / (2 * z_for(confidence)))
    if shape == "lognormal":
        z = z_for(confidence)
        return LogNormal((math.log(lo) + math.log(hi)) / 2, (math.log(hi) - math.log(lo)) / (2 * z))
    if shape == "uniform":
        half = (hi - lo) / 2 / confidence
        return Uniform((lo + hi) / 2 - half, (lo + hi) / 2 + half)
    if shape in ("triangular", "pert"):
        if mode is None:
            msg = f"a {shape} range needs a mode"
            raise ValueError(msg)
        if confidence == 1.0:
            return Triangular(lo, mode, hi) if shape == "triangular" else pert(lo, mode, hi, lam)
        if shape == "triangular":
            a, b = _solve_bounds(lambda a, b: Triangular(a, mode, b), lo, hi, q)
            return Triangular(a, mode, b)
        a, b = _solve_bounds(lambda a, b: pert(a, mode, b, lam), lo, hi, q)
        return pert(a, mode, b, lam)
    if shape == "beta":
        return _fit_beta(lo, hi, q)
    msg = f"unknown shape {shape!r}"
    raise ValueError(msg)


# --------------------------------------------------------------------------
# rank correlations: the matrix judged as a whole, repaired only on request

#: A correlation matrix is accepted when the Cholesky factorisation of
#: ``M - PD_TOLERANCE * I`` succeeds, that is when its smallest eigenvalue
#: exceeds ``PD_TOLERANCE``: positive definite with room for the copula's
#: Cholesky factor.
PD_TOLERANCE = 1e-10
#: The smallest eigenvalue :func:`nearest_correlation` leaves in a repaired
#: matrix (the positive semidefinite projection keeps eigenvalues at least
#: this), so that the result is positive definite, not only semidefinite.
REPAIR_FLOOR = 1e-8
#: :func:`nearest_correlation` stops when the relative changes of both
#: iterates, and the relative gap between them, are at most this ...
REPAIR_TOLERANCE = 1e-10
#: ... or after this many iterations.
REPAIR_MAX_ITERATIONS = 1000
#: A repaired correlation is listed as changed when it moved by at least
#: this much (it shows at four decimals).
REPAIR_SHOWN_CHANGE = 5e-5


def normal_score_correlation(rho: FloatArray | float) -> FloatArray:
    """The Pearson correlation of normal scores whose Spearman rank correlation is ``rho``.

    Notes
    -----
    For a bivariate normal pair with correlation ``r``, Spearman's rank
    correlation is ``rho = (6 / pi) arcsin(r / 2)`` (Pearson 1907; Kruskal
    1958, eq. 4.6), so ``r = 2 sin(pi rho / 6)``.

    References
    ----------
    K. Pearson, "On further methods of determining correlation", Drapers'
    Company Research Memoirs, Biometric Series IV (1907).
    W. H. Kruskal, "Ordinal measures of association", J. Amer. Statist.
    Assoc. 53 (1958) 814-861.

    Examples
    --------
    >>> round(float(normal_score_correlation(0.5)), 4)
    0.5176
    """
    return np.asarray(2.0 * np.sin(np.pi * np.asarray(rho, dtype=np.float64) / 6.0), dtype=np.float64)


def rank_correlation(r: FloatArray | float) -> FloatArray:
    """The inverse of :func:`normal_score_correlation`: ``rho = (6 / pi) arcsin(r / 2)``.

    >>> round(float(rank_correlation(normal_score_correlation(0.3))), 12)
    0.3
    """
    r = np.clip(np.asarray(r, dtype=np.float64), -1.0, 1.0)
    return np.asarray(6.0 / np.pi * np.arcsin(r / 2.0), dtype=np.float64)


def is_positive_definite(m: FloatArray, tolerance: float = PD_TOLERANCE) -> bool:
    """Whether the symmetric matrix ``m`` has every eigenvalue above ``tolerance``.

    Decided by one Cholesky factorisation of ``m - tolerance * I`` (it exists
    exactly when every eigenvalue of ``m`` exceeds ``tolerance``).

    >>> is_positive_definite(np.array([[1.0, 0.5], [0.5, 1.0]]))
    True
    >>> is_positive_definite(np.array([[1.0, 1.0], [1.0, 1.0]]))
    False
    """
    m = np.asarray(m, dtype=np.float64)
    if not np.all(np.isfinite(m)):
        return False
    try:
        np.linalg.cholesky(m - tolerance * np.eye(m.shape[0]))
    except np.linalg.LinAlgError:
        return False
    return True


def nearest_correlation(
    a: FloatArray,
    *,
    floor: float = REPAIR_FLOOR,
    tolerance: float = REPAIR_TOLERANCE,
    max_iterations: int = REPAIR_MAX_ITERATIONS,
) -> FloatArray:
    """The correlation matrix nearest to ``a`` in the Frobenius norm.

    Parameters
    ----------
    a
        Shape ``(n, n)``: a symmetric matrix with a unit diagonal.
    floor
        The smallest eigenvalue the result may have (see Notes).
    tolerance, max_iterations
        Stop when the relative changes of both iterates and the relative gap
        between them are at most ``tolerance``, or after ``max_iterations``.

    Returns
    -------
    Shape ``(n, n)``: symmetric, unit diagonal, every eigenvalue at least
    about ``floor``. A matrix that is already positive definite (see
    :func:`is_positive_definite`) is returned unchanged.

    Notes
    -----
    Higham's alternating projections with Dykstra's correction (Higham
    2002, Algorithm 3.3, unweighted: ``W = I``): starting from
    ``Y_0 = a``, ``dS_0 = 0``, repeat ``R = Y - dS``, ``X = P_S(R)``,
    ``dS = X - R``, ``Y = P_U(X)``, where ``P_U`` sets the diagonal to 1 and
    ``P_S`` projects onto the symmetric matrices with eigenvalues at least
    ``floor``: ``Q diag(max(lambda_i, floor)) Q^T`` for ``R = Q diag(lambda) Q^T``.
    With ``floor = 0`` this is Higham's projection onto the positive
    semidefinite cone; a small positive floor makes the result positive
    definite, as the copula's Cholesky factor needs, and moves it by about
    ``floor`` from the semidefinite answer. The stopping rule is that of
    Higham's ``nearcorr``. Groups of variables linked by non-zero
    correlations are solved apart, and a group already positive definite is
    left unchanged. If the last iterate still has an eigenvalue below
    ``floor / 2`` (the iteration stopped at its cap), it is shrunk towards
    the identity, ``(Y + s I) / (1 + s)``, just enough to lift it to ``floor``.

    References
    ----------
    N. J. Higham, "Computing the nearest correlation matrix -- a problem from
    finance", IMA J. Numer. Anal. 22 (2002) 329-343.

    Examples
    --------
    Higham's example (Section 4 of the paper):

    >>> a = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])
    >>> nearest_correlation(a).round(4).tolist()
    [[1.0, 0.7607, 0.1573], [0.7607, 1.0, 0.7607], [0.1573, 0.7607, 1.0]]
    """
    return _nearest_correlation(a, floor, tolerance, max_iterations)[0]


def _nearest_correlation(
    a: FloatArray, floor: float, tolerance: float, max_iterations: int
) -> tuple[FloatArray, int, bool]:
    """:func:`nearest_correlation`, the iterations it took (all groups) and whether every group converged.

    Works on each group of variables linked by non-zero correlations apart:
    for a block-diagonal matrix the nearest correlation matrix is block
    diagonal (zeroing the off-block part of any candidate keeps it a
    correlation matrix with eigenvalues at least as large, by Cauchy
    interlacing, and brings it nearer), so the groups are independent
    problems, and a group that is already valid is left as it is.
    """
    from scipy.sparse.csgraph import connected_components

    a = np.asarray(a, dtype=np.float64)
    if is_positive_definite(a):
        return a.copy(), 0, True
    out = a.copy()
    np.fill_diagonal(out, 1.0)
    iterations, converged = 0, True
    linked = a != 0.0
    np.fill_diagonal(linked, False)
    count, labels = connected_components(linked, directed=False)
    for k in range(count):
        group = np.flatnonzero(labels == k)
        block = np.ix_(group, group)
        if group.size > 1 and not is_positive_definite(out[block]):
            out[block], steps, done = _alternating_projections(out[block], floor, tolerance, max_iterations)
            iterations, converged = iterations + steps, converged and done
    return out, iterations, converged


def _alternating_projections(
    a: FloatArray, floor: float, tolerance: float, max_iterations: int
) -> tuple[FloatArray, int, bool]:
    """Higham's Algorithm 3.3 on one group (see :func:`nearest_correlation`): result, iterations, converged."""
    y = a.copy()
    np.fill_diagonal(y, 1.0)
    ds = np.zeros_like(y)
    x = y
    converged = False
    steps = 0
    while steps < max_iterations:
        steps += 1
        r = y - ds
        w, q = np.linalg.eigh(r)
        x_new = (q * np.maximum(w, floor)) @ q.T
        x_new = (x_new + x_new.T) / 2.0
        ds = x_new - r
        y_new = x_new.copy()
        np.fill_diagonal(y_new, 1.0)
        norm_y = np.linalg.norm(y_new)
        change = max(
            np.linalg.norm(x_new - x) / np.linalg.norm(x_new),
            np.linalg.norm(y_new - y) / norm_y,
            np.linalg.norm(y_new - x_new) / norm_y,
        )
        x, y = x_new, y_new
        if change <= tolerance:
            converged = True
            break
    low = float(np.linalg.eigvalsh(y)[0])
    if low < floor / 2:
        s = (floor - low) / (1.0 - floor)
        y = (y + s * np.eye(y.shape[0])) / (1.0 + s)
        np.fill_diagonal(y, 1.0)
    return y, steps, converged


def minimal_conflict(m: FloatArray) -> tuple[int, ...]:
    """A small set of variables whose own correlation matrix is already invalid.

    Parameters
    ----------
    m
        Shape ``(n, n)``: a correlation matrix that is not positive definite
        (see :func:`is_positive_definite`).

    Returns
    -------
    Indices, ascending, of a set whose sub-matrix is not positive definite
    while the sub-matrix of every set with one index fewer is: removing any
    one of them resolves the contradiction among them. Empty if ``m`` is valid.

    Notes
    -----
    The result depends on the matrix alone, never on the order in which its
    entries were stated. Let ``v`` be the eigenvector of the smallest
    eigenvalue: the variables most involved in the contradiction have the
    largest ``|v_i|``. The smallest ``k`` for which the ``k`` variables of
    largest ``|v_i|`` (ties: lower index first) already form an invalid
    sub-matrix is found by bisection; adding a variable never makes a
    sub-matrix valid again (Cauchy's interlacing theorem), so this is exact.
    Then, while some variable can be dropped with the sub-matrix staying
    invalid, the one with the smallest ``|v_i|`` (recomputed for the
    sub-matrix; ties: lower index) is dropped.

    Examples
    --------
    >>> r = normal_score_correlation(np.array([0.9, 0.9, -0.9]))
    >>> m = np.eye(4)
    >>> m[0, 1] = m[1, 0] = r[0]; m[0, 2] = m[2, 0] = r[1]; m[1, 2] = m[2, 1] = r[2]
    >>> minimal_conflict(m)
    (0, 1, 2)
    """
    m = np.asarray(m, dtype=np.float64)
    if is_positive_definite(m):
        return ()

    def invalid(idx: list[int]) -> bool:
        return not is_positive_definite(m[np.ix_(idx, idx)])

    def weights(idx: list[int]) -> FloatArray:
        _, vectors = np.linalg.eigh(m[np.ix_(idx, idx)])
        return np.asarray(np.abs(vectors[:, 0]), dtype=np.float64)

    everyone = list(range(m.shape[0]))
    w = weights(everyone)
    ranked = sorted(everyone, key=lambda i: (-w[i], i))
    lo, hi = 1, len(ranked)  # invalid(ranked[:hi]) holds
    while lo < hi:
        mid = (lo + hi) // 2
        if invalid(ranked[:mid]):
            hi = mid
        else:
            lo = mid + 1
    chosen = sorted(ranked[:hi])
    dropped = True
    while dropped:
        dropped = False
        w = weights(chosen)
        for k in sorted(range(len(chosen)), key=lambda k: (w[k], chosen[k])):
            rest = chosen[:k] + chosen[k + 1 :]
            if invalid(rest):
                chosen, dropped = rest, True
                break
    return tuple(chosen)


@dataclass(frozen=True, eq=False)
class CorrelationMatrix:
    """Stated rank correlations as the copula's normal-score matrix, judged as a whole.

    Attributes
    ----------
    rho
        Shape ``(n, n)``: the stated Spearman rank correlations, 0 for pairs
        not stated, 1 on the diagonal.
    stated
        The same as the copula's normal-score correlations,
        ``r = 2 sin(pi rho / 6)``.
    matrix
        The matrix the copula uses: ``stated``, or its repair.
    valid
        Whether ``stated`` is positive definite (:func:`is_positive_definite`).
    repaired
        Whether ``matrix`` is :func:`nearest_correlation` of an invalid ``stated``.
    iterations
        Iterations of Higham's algorithm the repair took, over all groups
        (0 without a repair): each one eigendecomposition of a group's matrix.
    converged
        Whether that repair's iteration converged (always true without a repair).
    """

    rho: FloatArray
    stated: FloatArray
    matrix: FloatArray
    valid: bool
    repaired: bool = False
    iterations: int = 0
    converged: bool = True

    @functools.cached_property
    def conflict(self) -> tuple[int, ...]:
        """The variables of :func:`minimal_conflict` of ``stated``, ascending (empty if it is valid)."""
        return () if self.valid else minimal_conflict(self.stated)

    def changes(self) -> list[tuple[int, int, float, float]]:
        """``(i, j, stated rho, used rho)``, ``i < j``, for each Spearman correlation the repair moved.

        Listed when it moved by at least :data:`REPAIR_SHOWN_CHANGE`,
        including pairs not stated (stated 0).
        """
        if not self.repaired:
            return []
        a, b = self.rho, rank_correlation(self.matrix)
        i, j = np.triu_indices(a.shape[0], 1)
        moved = np.abs(b[i, j] - a[i, j]) >= REPAIR_SHOWN_CHANGE
        return [(int(p), int(q), float(a[p, q]), float(b[p, q])) for p, q in zip(i[moved], j[moved])]

    @property
    def max_change(self) -> float:
        """The largest absolute change of a Spearman rank correlation made by the repair."""
        if not self.repaired:
            return 0.0
        return float(np.max(np.abs(rank_correlation(self.matrix) - self.rho), initial=0.0))

    def conflict_pairs(self, pairs: list[tuple[int, int, float]]) -> list[int]:
        """Positions in ``pairs`` (as given) of the stated pairs within :attr:`conflict`."""
        inside = set(self.conflict)
        return [k for k, (i, j, _) in enumerate(pairs) if i in inside and j in inside]

    def describe_conflict(self, names: list[str] | tuple[str, ...], pairs: list[tuple[int, int, float]]) -> str:
        """The contradiction among :attr:`conflict`, in words, for an error message.

        ``names`` are the variables' names by index; ``pairs`` the stated
        ``(i, j, rho)``, listed in the order given.
        """
        group = [names[i] for i in self.conflict]
        stated = [pairs[k] for k in self.conflict_pairs(pairs)]
        said = {frozenset((i, j)) for i, j, _ in stated}
        unstated = [
            (a, b) for x, a in enumerate(self.conflict) for b in self.conflict[x + 1 :] if frozenset((a, b)) not in said
        ]
        text = (
            f"these rank correlations cannot hold together (the correlation matrix of {_listing(group)} "
            "is not positive definite): "
        )
        text += _listing([f"[{names[i]}, {names[j]}, {rho:g}]" for i, j, rho in stated], limit=6, conjunction="")
        if unstated:
            shown = _listing([f"[{names[i]}, {names[j]}]" for i, j in unstated], limit=6)
            text += f", and 0 for the unstated {'pair' if len(unstated) == 1 else 'pairs'} {shown}"
        return text


def _listing(items: list[str], *, limit: int = 8, conjunction: str = "and") -> str:
    """``a, b and c``; past ``limit`` items, ``a, b, ... and 7 more``."""
    if len(items) > limit:
        return ", ".join(items[: limit - 1]) + f" and {len(items) - limit + 1} more"
    if len(items) < 2 or not conjunction:
        return ", ".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} {items[-1]}"


def correlation_matrix(
    n: int,
    pairs: list[tuple[int, int, float]],
    *,
    repair: bool = False,
) -> CorrelationMatrix:
    """The copula's normal-score correlation matrix for Spearman rank correlations, judged as a whole.

    Parameters
    ----------
    n
        Number of variables.
    pairs
        ``(i, j, rho)`` Spearman rank correlations; pairs not given are 0.
        Their order changes nothing.
    repair
        If the matrix is not positive definite, use
        :func:`nearest_correlation` instead of it.

    Returns
    -------
    CorrelationMatrix
        The stated matrix, ``r = 2 sin(pi rho / 6)`` (see
        :func:`normal_score_correlation`), whether it is positive definite
        (:func:`is_positive_definite`), the matrix to use, and, for an
        invalid matrix, :func:`minimal_conflict` (found when first asked for).

    Examples
    --------
    Five variables all at 0.5 are valid, in whatever order the pairs come:

    >>> import itertools
    >>> pairs = [(i, j, 0.5) for i, j in itertools.combinations(range(5), 2)]
    >>> correlation_matrix(5, pairs).valid, correlation_matrix(5, pairs[::-1]).valid
    (True, True)
    >>> m = correlation_matrix(3, [(0, 1, 0.9), (1, 2, 0.9)])
    >>> m.valid, m.conflict
    (False, (0, 1, 2))
    """
    rho, stated = np.eye(n), np.eye(n)
    for i, j, value in pairs:
        rho[i, j] = rho[j, i] = value
        stated[i, j] = stated[j, i] = 2.0 * math.sin(math.pi * value / 6.0)  # normal_score_correlation
    if is_positive_definite(stated):
        return CorrelationMatrix(rho, stated, stated, True)
    if not repair:
        return CorrelationMatrix(rho, stated, stated, False)
    fixed, iterations, converged = _nearest_correlation(stated, REPAIR_FLOOR, REPAIR_TOLERANCE, REPAIR_MAX_ITERATIONS)
    return CorrelationMatrix(rho, stated, fixed, False, True, iterations, converged)
