"""Monte Carlo standard errors of the reported probabilities.

Owns the binomial standard error and, for quasi-Monte Carlo runs, the
standard error measured from the spread between independent blocks. Never
samples.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "MIN_QMC_BLOCKS",
    "between_block_se",
    "reported_counts",
]

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
