"""Driver distributions: a driver spec becomes a vectorised sampler.

Owns the shapes (normal, lognormal, uniform, triangular, PERT, beta, constant,
yes/no, categorical), turning an analyst's range into parameters, and drawing
samples with a numpy ``Generator``. Knows no YAML and no scenario.

Every distribution offers ``sample(n, rng)`` (independent draws) and
``from_normal(z)`` (the inverse CDF applied to standard-normal scores, used for
correlated drivers through a Gaussian copula), plus ``ppf`` and ``mean`` for
checks against closed forms.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from ._types import FloatArray

__all__ = [
    "Bernoulli",
    "Beta",
    "Categorical",
    "Constant",
    "Distribution",
    "LogNormal",
    "Normal",
    "RANGE_SHAPES",
    "Triangular",
    "Uniform",
    "correlation_matrix",
    "from_range",
    "pert",
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
        """``n`` independent draws, shape ``(n,)``."""
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
        return self.mu + self.sd * rng.standard_normal(n)

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
        return np.exp(self.mu + self.sigma * rng.standard_normal(n))

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
        return self.lo + (self.hi - self.lo) * rng.random(n)

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
        return self.lo + (self.hi - self.lo) * rng.beta(self.alpha, self.beta, n)

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.asarray(
            self.lo + (self.hi - self.lo) * special.betaincinv(self.alpha, self.beta, u), dtype=np.float64
        )

    def from_normal(self, z: FloatArray) -> FloatArray:
        """Inverse CDF at ``ndtr(z)``, tabulated (see :func:`_beta_table`)."""
        table = _beta_table(self.alpha, self.beta)
        # linear interpolation on the uniform grid, without a search
        pos = (np.clip(z, _Z_LO, _Z_HI) - _Z_LO) * (1.0 / _Z_STEP)
        i = np.minimum(pos.astype(np.intp), table.size - 2)
        frac = pos - i
        lo = table[i]
        u: FloatArray = lo + frac * (table[i + 1] - lo)
        return self.lo + (self.hi - self.lo) * u

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


_Z_LO, _Z_HI, _Z_N = -9.0, 9.0, 1 << 15
_Z_STEP = (_Z_HI - _Z_LO) / (_Z_N - 1)
_TABLE_Z = np.linspace(_Z_LO, _Z_HI, _Z_N)


@functools.lru_cache(maxsize=256)
def _beta_table(alpha: float, beta: float) -> FloatArray:
    """The beta inverse CDF on a grid of normal scores, for fast copula draws.

    ``betaincinv`` costs about a microsecond a value; a correlated beta or
    PERT driver instead interpolates linearly in a table of 32,768 normal
    scores over [-9, 9] (the ends hold the bounds). The interpolation error
    is below 1e-7 of the range for the shapes analysts use; the tests
    check it against ``betaincinv``.
    """
    table = special.betaincinv(alpha, beta, special.ndtr(_TABLE_Z))
    table[0], table[-1] = 0.0, 1.0
    return np.asarray(table, dtype=np.float64)


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


def _solve_bounds(make: object, lo: float, hi: float, q: float) -> tuple[float, float]:
    """Find bounds (a, b) with make(a, b).ppf at q and 1 - q equal to lo, hi."""
    from scipy import optimize  # only fitting needs it; keeps import time down

    width = hi - lo

    def resid(x: np.ndarray) -> list[float]:
        a, b = lo - math.exp(x[0]) * width, hi + math.exp(x[1]) * width
        d = make(a, b)  # type: ignore[operator]
        got = d.ppf(np.array([q, 1 - q]))
        return [(got[0] - lo) / width, (got[1] - hi) / width]

    sol = optimize.root(resid, [math.log(0.2), math.log(0.2)], method="hybr")
    if not sol.success or max(abs(r) for r in resid(sol.x)) > 1e-9:
        msg = "could not find bounds for this range and mode"
        raise ValueError(msg)
    return lo - math.exp(sol.x[0]) * width, hi + math.exp(sol.x[1]) * width


def _fit_beta(lo: float, hi: float, q: float) -> Beta:
    from scipy import optimize

    zq = z_for(1 - 2 * q)
    # start from the logit-normal approximation, solve in log-parameters
    m = (lo + hi) / 2
    sd = (hi - lo) / (2 * zq)
    k = max(m * (1 - m) / sd**2 - 1, 0.5)

    def resid(x: np.ndarray) -> list[float]:
        a, b = math.exp(x[0]), math.exp(x[1])
        got = special.betaincinv(a, b, np.array([q, 1 - q]))
        return [(got[0] - lo) / (hi - lo), (got[1] - hi) / (hi - lo)]

    sol = optimize.root(resid, [math.log(m * k), math.log((1 - m) * k)], method="hybr")
    if not sol.success or max(abs(r) for r in resid(sol.x)) > 1e-9:
        msg = "could not fit a beta distribution to this range"
        raise ValueError(msg)
    return Beta(math.exp(sol.x[0]), math.exp(sol.x[1]))


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


def correlation_matrix(
    n: int,
    pairs: list[tuple[int, int, float]],
    *,
    repair: bool = False,
) -> tuple[FloatArray, int | None]:
    """The normal-score correlation matrix for Spearman rank correlations.

    Parameters
    ----------
    n
        Number of variables.
    pairs
        ``(i, j, rho)`` Spearman rank correlations, in the order given.
    repair
        Replace a matrix that is not positive definite by the nearest valid
        one (eigenvalues clipped, then rescaled to a unit diagonal).

    Returns
    -------
    matrix, bad
        The Pearson correlation matrix of the normal scores,
        ``r = 2 sin(pi rho / 6)``, and the index of the first pair that made it
        not positive definite (``None`` if valid or repaired).

    Examples
    --------
    >>> m, bad = correlation_matrix(2, [(0, 1, 0.5)])
    >>> float(round(m[0, 1], 4)), bad
    (0.5176, None)
    """
    m = np.eye(n)
    bad: int | None = None
    for k, (i, j, rho) in enumerate(pairs):
        r = 2.0 * math.sin(math.pi * rho / 6.0)
        m[i, j] = m[j, i] = r
        if bad is None and not _is_pd(m):
            bad = k
    if bad is not None and repair:
        m = _nearest_correlation(m)
        bad = None
    return m, bad


def _is_pd(m: FloatArray) -> bool:
    try:
        np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        return False
    return bool(np.all(np.linalg.eigvalsh(m) > 1e-10))


def _nearest_correlation(m: FloatArray) -> FloatArray:
    for _ in range(100):
        w, v = np.linalg.eigh(m)
        m = (v * np.maximum(w, 1e-6)) @ v.T
        d = np.sqrt(np.diag(m))
        m = m / np.outer(d, d)
        if _is_pd(m):
            break
    return m
