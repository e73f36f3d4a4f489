"""Counts of worlds and the Monte Carlo standard errors of the probabilities they give.

Owns :class:`Counts` (the worlds counted for every reported probability, by
name: scenarios, events by each horizon, categories), the binomial standard
error, and, for quasi-Monte Carlo runs, the standard error measured from the
spread between independent blocks; both as :class:`StandardErrors`, fields
named as the counts are. Never samples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .._types import FloatArray, IntArray

__all__ = [
    "MIN_QMC_BLOCKS",
    "Counts",
    "StandardErrors",
    "between_block_se",
    "binomial_se",
    "check_weights",
    "effective_sample_size",
    "standard_errors",
    "weighted_se",
]

#: Blocks needed before a quasi-Monte Carlo run's standard errors come from
#: the spread between blocks (each an independent randomisation); with fewer,
#: the binomial standard error, an upper bound, is reported.
MIN_QMC_BLOCKS = 8


@dataclass(slots=True)
class Counts:
    """Worlds counted for every reported probability; whole numbers, so counts of separate blocks add exactly.

    Attributes
    ----------
    scenarios
        Shape ``(n_horizons, n_scenarios)``: worlds in each scenario by the
        end of each horizon (rows sum to the worlds counted).
    events
        Shape ``(n_events, n_horizons)``: worlds where the event happened by
        the end of each horizon.
    categories
        Categorical driver id -> shape ``(n_categories,)``: worlds drawing
        each category.
    """

    scenarios: IntArray
    events: IntArray
    categories: dict[str, IntArray]

    @classmethod
    def zeros(cls, n_horizons: int, n_scenarios: int, n_events: int, categories: Mapping[str, int]) -> Counts:
        """No worlds yet; ``categories`` maps each categorical driver to its number of categories."""
        return cls(
            np.zeros((n_horizons, n_scenarios), dtype=np.int64),
            np.zeros((n_events, n_horizons), dtype=np.int64),
            {k: np.zeros(m, dtype=np.int64) for k, m in categories.items()},
        )

    @property
    def events_within(self) -> IntArray:
        """Shape ``(n_events, n_horizons)``: worlds where the event happened within each horizon's own window."""
        return np.diff(self.events, axis=1, prepend=0)

    def add(self, other: Counts) -> None:
        """Add another range's counts to these, in place (integers: exact in any order)."""
        self.scenarios += other.scenarios
        self.events += other.events
        for k, v in other.categories.items():
            self.categories[k] += v


@dataclass(frozen=True, slots=True)
class StandardErrors:
    """The Monte Carlo standard error of every reported probability, named and shaped as in :class:`Counts`.

    Attributes
    ----------
    scenarios
        Shape ``(n_horizons, n_scenarios)``.
    events_by, events_within
        Shape ``(n_events, n_horizons)``: of the probability by the end of
        each horizon, and within its own window.
    categories
        Categorical driver id -> shape ``(n_categories,)``.
    method
        ``"binomial"`` or ``"between blocks"``.
    blocks
        The independent blocks measured (``"between blocks"``), else 0.
    """

    scenarios: FloatArray
    events_by: FloatArray
    events_within: FloatArray
    categories: Mapping[str, FloatArray]
    method: str = "binomial"
    blocks: int = 0

    def largest(self) -> float:
        """The largest standard error of them all (0 if there is none)."""
        parts = [self.scenarios, self.events_by, self.events_within, *self.categories.values()]
        return max((float(x.max()) for x in parts if x.size), default=0.0)


def binomial_se(p: FloatArray | float, n: int) -> FloatArray:
    """Monte Carlo standard error of a proportion of ``n`` independent worlds: ``sqrt(p (1 - p) / n)``.

    ``p`` has any shape; the result has its shape.
    """
    p = np.asarray(p, dtype=np.float64)
    return np.asarray(np.sqrt(p * (1.0 - p) / n), dtype=np.float64)


def between_block_se(counts: FloatArray | IntArray, sizes: FloatArray | IntArray) -> FloatArray:
    """Standard errors of pooled proportions from independent blocks.

    Parameters
    ----------
    counts
        Shape ``(n_blocks, k)``: worlds counted in each block, for each of ``k`` proportions.
    sizes
        Shape ``(n_blocks,)``: the worlds in each block; at least two blocks.

    Returns
    -------
    Shape ``(k,)``.

    Notes
    -----
    The pooled estimate is ``p = sum(counts) / sum(sizes)`` (a ratio
    estimator); its variance is ``sum((w_b / w_mean)^2 (p_b - p)^2) / (B (B
    - 1))``, which for equal blocks is the familiar ``sd(p_b)^2 / B``
    (Cochran, *Sampling Techniques*, 3rd ed., 1977, section 6.4, with the
    blocks as clusters).
    """
    w = np.asarray(sizes, dtype=np.float64)
    b = w.size
    p = counts.sum(axis=0) / w.sum()
    pb = counts / w[:, None]
    r = w / w.mean()
    var = ((r[:, None] ** 2) * (pb - p) ** 2).sum(axis=0) / (b * (b - 1))
    return np.asarray(np.sqrt(var), dtype=np.float64)


def standard_errors(counts: Counts, n: int, blocks: Sequence[tuple[Counts, int]] = ()) -> StandardErrors:
    """The standard errors of a run's probabilities: binomial, or between blocks when enough are given.

    Parameters
    ----------
    counts
        The run's counts, of ``n`` worlds.
    n
        The worlds counted.
    blocks
        For a quasi-Monte Carlo run: each block's counts and size, in block
        order. With at least :data:`MIN_QMC_BLOCKS` of them the standard
        errors are measured from their spread (:func:`between_block_se`);
        otherwise (and for pseudo-random runs, which pass none) they are
        binomial (:func:`binomial_se`), an upper bound under QMC.

    Returns
    -------
    StandardErrors
    """
    if len(blocks) < MIN_QMC_BLOCKS:

        def se(field: Callable[[Counts], IntArray]) -> FloatArray:
            return binomial_se(field(counts) / n, n)

        method, measured = "binomial", 0
    else:
        sizes = np.array([size for _, size in blocks], dtype=np.float64)

        def se(field: Callable[[Counts], IntArray]) -> FloatArray:
            stacked = np.stack([field(c) for c, _ in blocks])
            return between_block_se(stacked.reshape(len(blocks), -1), sizes).reshape(stacked.shape[1:])

        method, measured = "between blocks", len(blocks)

    def category(k: str) -> Callable[[Counts], IntArray]:
        return lambda c: c.categories[k]

    return StandardErrors(
        se(lambda c: c.scenarios),
        se(lambda c: c.events),
        se(lambda c: c.events_within),
        {k: se(category(k)) for k in counts.categories},
        method,
        measured,
    )


def effective_sample_size(weights: FloatArray) -> float:
    """Kish's (1965) effective sample size of weighted worlds: ``(sum w)^2 / sum w^2``.

    ``n`` for ``n`` equal weights, ``m`` for an indicator of ``m`` worlds;
    ``weights`` as :func:`check_weights` accepts them, shape ``(n,)``.
    Source: L. Kish, *Survey Sampling* (Wiley, 1965), section 11.7.
    """
    total = float(np.sum(weights))
    return total * total / float(np.einsum("i,i->", weights, weights))


def weighted_se(p: FloatArray | float, n_eff: float) -> FloatArray:
    """The standard error of a weighted proportion ``p``: ``sqrt(p (1 - p) / n_eff)``, ``n_eff`` Kish's.

    The binomial standard error with the effective sample size of
    :func:`effective_sample_size` for ``n`` (Kish 1965); equal to
    :func:`binomial_se` when every weight is equal.
    """
    p = np.asarray(p, dtype=np.float64)
    # a weighted share can round to a hair above 1 (or below 0): its variance is 0, not a negative number
    return np.asarray(np.sqrt(np.maximum(p * (1.0 - p), 0.0) / n_eff), dtype=np.float64)


def check_weights(weights: object, n: int) -> FloatArray:
    """Per-world weights as a float array of shape ``(n,)``, or a one-line ValueError saying what is wrong.

    Weights must be real numbers (or booleans), finite, none negative, not
    all 0. Only their ratios matter, so they are returned divided by the
    largest (in (0, 1]): sums of weights and of their squares then neither
    overflow (weights near 1e308) nor underflow (weights near 1e-320).
    """
    raw = np.asarray(weights)
    if raw.dtype.kind not in "biuf":  # not text, dates, objects or complex numbers read as floats
        msg = (
            f"weights must be real numbers or booleans, one for each of the {n:,} worlds "
            f"(got {type(weights).__name__} of {raw.dtype})"
        )
        raise ValueError(msg)
    w = raw.astype(np.float64)
    if w.shape != (n,):
        msg = f"weights must have shape ({n},), one for each world (got shape {w.shape})"
        raise ValueError(msg)
    bad = ~np.isfinite(w)
    if bad.any():
        i = int(np.argmax(bad))
        msg = f"weights must be finite numbers (world {i} has {float(w[i])!r})"
        raise ValueError(msg)
    neg = w < 0
    if neg.any():
        i = int(np.argmax(neg))
        msg = f"weights must not be negative (world {i} has {float(w[i])!r})"
        raise ValueError(msg)
    if not (w > 0).any():
        msg = "weights must not all be 0: no world would count"
        raise ValueError(msg)
    return np.asarray(w / w.max(), dtype=np.float64)
