"""Exact percentiles of a stream of values, in memory that does not grow with it.

Owns :class:`QuantileSketch`. It gives the very number ``numpy.quantile``
(linear interpolation) would give over all values, without holding them.
Never samples.

How: the total count ``N`` is known in advance, so each percentile is a
fixed pair of order statistics. The first batch sets, for each level ``p``,
a bracket of values ``[lo, hi]`` that holds the final order statistic with
overwhelming probability (the empirical quantiles at ``p -/+ d`` with
``d = 10 sqrt(p (1 - p) / n) + 10 / n``). Afterwards only values inside a
bracket are kept (as distinct values with counts, so atoms cost nothing), and
values below it are counted. As more values arrive the bracket is narrowed.
If the order statistic ever lies outside the bracket, :meth:`result` says so
and the caller gets an error, never a wrong number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._types import FloatArray

__all__ = [
    "QuantileSketch",
]

_MARGIN = 10.0
_PILOT = 1 << 16  # values that set the first brackets


class QuantileSketch:
    """Streaming exact quantiles at fixed ``levels`` of ``total`` values."""

    def __init__(self, levels: Sequence[float], total: int) -> None:
        self.levels = np.asarray(levels, dtype=np.float64)
        self.total = int(total)
        self.seen = 0
        k = len(self.levels)
        self.lo = np.full(k, -np.inf)
        self.hi = np.full(k, np.inf)
        self.below = np.zeros(k, dtype=np.int64)
        self.values: list[FloatArray] = [np.empty(0) for _ in range(k)]
        self.counts: list[np.ndarray] = [np.empty(0, dtype=np.int64) for _ in range(k)]
        self.pending: list[list[FloatArray]] = [[] for _ in range(k)]
        self.started = False

    def _band(self, n: int) -> np.ndarray:
        p = self.levels
        return _MARGIN * np.sqrt(p * (1 - p) / n) + _MARGIN / n

    def update(self, x: FloatArray) -> None:
        """Add a batch of values."""
        x = np.asarray(x, dtype=np.float64)
        if x.size == 0:
            return
        if not self.started:
            self.started = True
            if x.size < self.total:
                pilot = x[:_PILOT]
                d = self._band(pilot.size)
                qlo, qhi = self.levels - d, self.levels + d
                k = len(self.levels)
                v = np.quantile(pilot, np.clip(np.concatenate([qlo, qhi]), 0, 1), method="inverted_cdf")
                vlo, vhi = v[:k], v[k:]
                self.lo = np.where(qlo > 0, vlo, -np.inf)
                self.hi = np.where(qhi < 1, vhi, np.inf)
        self.seen += x.size
        for k in range(len(self.levels)):
            lo, hi = self.lo[k], self.hi[k]
            if lo == -np.inf and hi == np.inf:
                self.pending[k].append(x)
                continue
            self.below[k] += int(np.count_nonzero(x < lo))
            self.pending[k].append(x[(x >= lo) & (x <= hi)])
        self._compact()

    def _compact(self) -> None:
        d = self._band(self.seen)
        for k in range(len(self.levels)):
            if not self.pending[k]:
                continue
            vals = np.concatenate([self.values[k], *self.pending[k]])
            cnts = np.concatenate([self.counts[k], *[np.ones(a.size, dtype=np.int64) for a in self.pending[k]]])
            self.pending[k] = []
            order = np.argsort(vals, kind="stable")
            vals, cnts = vals[order], cnts[order]
            uniq, start = np.unique(vals, return_index=True)
            cnts = np.add.reduceat(cnts, start) if vals.size else cnts
            vals = uniq
            # narrow the bracket around where the order statistic now lies
            if self.seen < self.total and vals.size:
                cum = np.cumsum(cnts)
                p = self.levels[k]
                if p - d[k] > 0:
                    i = int(np.searchsorted(cum, (p - d[k]) * self.seen - self.below[k], side="left"))
                    if 0 < i < vals.size:
                        self.below[k] += int(cum[i - 1])
                        vals, cnts, cum = vals[i:], cnts[i:], cum[i:] - cum[i - 1]
                        self.lo[k] = vals[0]
                if p + d[k] < 1:
                    j = int(np.searchsorted(cum, (p + d[k]) * self.seen - self.below[k], side="left"))
                    if j < vals.size - 1:
                        vals, cnts = vals[: j + 1], cnts[: j + 1]
                        self.hi[k] = vals[-1]
            self.values[k], self.counts[k] = vals, cnts

    @property
    def kept(self) -> int:
        """Distinct values held now, over all levels."""
        return sum(v.size for v in self.values) + sum(a.size for p in self.pending for a in p)

    def result(self) -> FloatArray | None:
        """The quantiles, as ``numpy.quantile(all_values, levels)`` gives them.

        Returns ``None`` if an order statistic fell outside its bracket.
        """
        if self.seen == 0:
            return np.full(len(self.levels), np.nan)
        self._compact()
        n = self.seen
        out = np.empty(len(self.levels))
        for k, p in enumerate(self.levels):
            h = (n - 1) * p
            i = math.floor(h)
            frac = h - i
            cum = np.cumsum(self.counts[k])
            a = self._order_stat(i, cum, k)
            b = self._order_stat(min(i + 1, n - 1), cum, k)
            if a is None or b is None:
                return None
            out[k] = _lerp(a, b, frac)
        return out

    def _order_stat(self, i: int, cum: np.ndarray, k: int) -> float | None:
        r = i - self.below[k]
        if r < 0 or cum.size == 0 or r >= cum[-1]:
            return None
        return float(self.values[k][int(np.searchsorted(cum, r, side="right"))])


def _lerp(a: float, b: float, t: float) -> float:
    """Linear interpolation exactly as ``numpy.quantile`` does it."""
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t
