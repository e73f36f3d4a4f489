"""Exact percentiles of a stream of values, in memory that grows as its square root.

Owns :class:`QuantileSketch`. It gives the very number ``numpy.quantile``
(linear interpolation) would give over all values, without holding them.
Never samples.

How: each percentile is a pair of order statistics of all ``N`` values.
The first batch sets, for each level ``p``,
a bracket of values ``[lo, hi]`` that holds the final order statistic with
overwhelming probability (the empirical quantiles at ``p -/+ d`` with
``d = 8 sqrt(p (1 - p) / n) + 8 / n``). Afterwards only values inside a
bracket are kept (as distinct values with counts, so atoms cost nothing), and
values below it are counted. As more values arrive the bracket is narrowed
around where the order statistic now lies (``d`` for the count so far),
so what is kept grows only as the square root of the count (about
``16 sqrt(p (1 - p) N)`` values a level: some 5 MB a quantity at 10^8).
The brackets assume the values arrive in no particular order (the engine's
worlds are independent draws). If an order statistic ever lies outside its
bracket, as it does for a sorted stream, :meth:`result` says so and the caller
gets an error, never a wrong number. Sketches of separate ranges merge
exactly (:meth:`QuantileSketch.merge`), which is how worker processes and
Dask workers combine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .._types import FloatArray

__all__ = [
    "CountedQuantiles",
    "QuantileSketch",
    "weighted_quantile",
]

_MARGIN = 8.0
_PILOT = 1 << 16  # values that set the first brackets
_MIN_PENDING = 1 << 13  # values a level gathers before it is sorted in


class QuantileSketch:
    """Streaming exact quantiles at fixed ``levels`` of however many values arrive."""

    def __init__(self, levels: Sequence[float]) -> None:
        self.levels = np.asarray(levels, dtype=np.float64)
        self.seen = 0
        k = len(self.levels)
        self.lo = np.full(k, -np.inf)
        self.hi = np.full(k, np.inf)
        self.below = np.zeros(k, dtype=np.int64)
        self.values: list[FloatArray] = [np.empty(0) for _ in range(k)]
        # counts[k] is None while every kept value counts once (continuous data);
        # heavy ties (atoms) switch a level to distinct values with counts
        self.counts: list[np.ndarray | None] = [None for _ in range(k)]
        self.pending: list[list[FloatArray]] = [[] for _ in range(k)]
        self.pending_size = np.zeros(k, dtype=np.int64)
        # values counted, not kept, while a level's bracket is a single point (an atom: lo == hi)
        self.point = np.zeros(k, dtype=np.int64)
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
            if x.size > 1:  # even a batch that is everything: brackets save copies
                pilot = x[:_PILOT]
                d = self._band(pilot.size)
                qlo, qhi = self.levels - d, self.levels + d
                k = len(self.levels)
                # the empirical quantiles (numpy's inverted_cdf: the smallest value with at least a share q at or
                # below it) by one sort: several times faster than a partition at ten ranks
                q = np.clip(np.concatenate([qlo, qhi]), 0, 1)
                ranks = np.clip(np.ceil(pilot.size * q).astype(np.intp) - 1, 0, pilot.size - 1)
                v = np.sort(pilot)[ranks]
                vlo, vhi = v[:k], v[k:]
                self.lo = np.where(qlo > 0, vlo, -np.inf)
                self.hi = np.where(qhi < 1, vhi, np.inf)
        self.seen += x.size
        for k in range(len(self.levels)):
            lo, hi = self.lo[k], self.hi[k]
            if lo == -np.inf and hi == np.inf:
                kept = x
            else:
                low = x < lo
                self.below[k] += int(np.count_nonzero(low))
                if lo == hi:  # a point (an atom's level): what falls in it is that one value, so count it
                    self.point[k] += int(np.count_nonzero(x == lo))
                    continue
                if lo <= hi:  # x < lo implies x <= hi: within [lo, hi] is x <= hi xor x < lo (one pass fewer)
                    kept = x[np.logical_xor(x <= hi, low, out=low)]
                else:  # brackets of merged sketches that do not meet: nothing is kept
                    kept = x[(x >= lo) & (x <= hi)]
            self.pending[k].append(kept)
            self.pending_size[k] += kept.size
            # compact when pending outgrows what is kept: amortised sorting
            if self.pending_size[k] >= max(self.values[k].size // 2, _MIN_PENDING):
                self._compact(k)

    def _compact(self, k: int) -> None:
        point = int(self.point[k])
        if not self.pending[k] and not point:
            return
        new = np.concatenate(self.pending[k]) if self.pending[k] else np.empty(0)
        self.pending[k] = []
        self.pending_size[k] = 0
        self.point[k] = 0
        vals, cnts = self.values[k], self.counts[k]
        if point:  # the point's count joins as one more value with its count (counts from here on)
            allv = np.concatenate([vals, new, [self.lo[k]]])
            ones = np.ones(vals.size, dtype=np.int64) if cnts is None else cnts
            allc = np.concatenate([ones, np.ones(new.size, dtype=np.int64), [point]])
            vals, inv = np.unique(allv, return_inverse=True)
            cnts = np.bincount(inv.ravel(), weights=allc, minlength=vals.size).astype(np.int64)
        elif cnts is None:
            vals = np.sort(np.concatenate([vals, new]))
            if vals.size > 1024:
                distinct = int(np.count_nonzero(np.diff(vals))) + 1
                if distinct < vals.size // 2:
                    vals, c = np.unique(vals, return_counts=True)
                    cnts = c.astype(np.int64)
        else:
            allv = np.concatenate([vals, new])
            allc = np.concatenate([cnts, np.ones(new.size, dtype=np.int64)])
            vals, inv = np.unique(allv, return_inverse=True)
            cnts = np.bincount(inv.ravel(), weights=allc, minlength=vals.size).astype(np.int64)
        # narrow whether or not more values are due: the band keeps the
        # final order statistics even when this is all (d >= 8 / n), and a
        # sketch that other ranges stream into must keep narrowing
        vals, cnts = self._narrow(k, vals, cnts)
        self.values[k], self.counts[k] = vals, cnts

    def _narrow(self, k: int, vals: FloatArray, cnts: np.ndarray | None) -> tuple[FloatArray, np.ndarray | None]:
        """Narrow level ``k``'s bracket around where its order statistic now lies."""
        if not vals.size:
            return vals, cnts
        d = self._band(self.seen)[k]
        p = self.levels[k]
        cum = np.cumsum(cnts) if cnts is not None else np.arange(1, vals.size + 1)
        if p - d > 0:
            i = int(np.searchsorted(cum, (p - d) * self.seen - self.below[k], side="left"))
            if 0 < i < vals.size:
                self.below[k] += int(cum[i - 1])
                vals, cum = vals[i:], cum[i:] - cum[i - 1]
                cnts = cnts[i:] if cnts is not None else None
                self.lo[k] = vals[0]
        if p + d < 1:
            j = int(np.searchsorted(cum, (p + d) * self.seen - self.below[k], side="left"))
            if j < vals.size - 1:
                vals = vals[: j + 1]
                cnts = cnts[: j + 1] if cnts is not None else None
                self.hi[k] = vals[-1]
        return vals, cnts

    def merge(self, other: QuantileSketch) -> None:
        """Absorb a sketch of other values (another range of the same run).

        Each level keeps the intersection of the two brackets: values of
        either sketch below it are counted, values above it dropped. The
        result stays exact wherever the final order statistic lies inside
        both brackets, which is what :meth:`result` checks.
        """
        if other.seen == 0:
            return
        if self.seen == 0:
            for k in range(len(self.levels)):
                other._compact(k)
            self.lo, self.hi, self.below = other.lo.copy(), other.hi.copy(), other.below.copy()
            self.values = [v.copy() for v in other.values]
            self.counts = [None if c is None else c.copy() for c in other.counts]
            self.seen, self.started = other.seen, True
            return
        for k in range(len(self.levels)):
            self._compact(k)
            other._compact(k)
            lo, hi = max(self.lo[k], other.lo[k]), min(self.hi[k], other.hi[k])
            below = int(self.below[k] + other.below[k])
            vals, cnts = [], []
            for v, c in ((self.values[k], self.counts[k]), (other.values[k], other.counts[k])):
                c = np.ones(v.size, dtype=np.int64) if c is None else c
                below += int(c[v < lo].sum())
                keep = (v >= lo) & (v <= hi)
                vals.append(v[keep])
                cnts.append(c[keep])
            allv = np.concatenate(vals)
            merged_c: np.ndarray | None
            if self.counts[k] is None and other.counts[k] is None:
                merged_v, merged_c = np.sort(allv, kind="stable"), None  # two sorted runs: linear
            else:
                merged_v, inv = np.unique(allv, return_inverse=True)
                merged_c = np.bincount(inv.ravel(), weights=np.concatenate(cnts), minlength=merged_v.size)
                merged_c = merged_c.astype(np.int64)
            self.lo[k], self.hi[k], self.below[k] = lo, hi, below
            self.values[k], self.counts[k] = merged_v, merged_c
        self.seen += other.seen
        # the union is a bigger sample: its brackets can be as narrow as one
        # sketch of that many values would keep (else merging many small
        # ranges would keep a share of every value)
        for k in range(len(self.levels)):
            self.values[k], self.counts[k] = self._narrow(k, self.values[k], self.counts[k])

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
        for k in range(len(self.levels)):
            self._compact(k)
        n = self.seen
        out = np.empty(len(self.levels))
        for k, p in enumerate(self.levels):
            h = (n - 1) * p
            i = math.floor(h)
            frac = h - i
            c = self.counts[k]
            cum = np.cumsum(c) if c is not None else np.arange(1, self.values[k].size + 1)
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


class CountedQuantiles:
    """Exact quantiles at fixed ``levels`` of values known to take a few values: counts, never a sketch.

    For a constant driver (``values=(c,)``), a yes/no driver (``values=(0, 1)``)
    and a categorical driver drawn as its category's index (``values=(0, 1,
    ..., k - 1)``). Each batch adds to one count per value (nothing when
    there is one value; a ``count_nonzero`` for two; else ``bincount`` of the
    index), so such a quantity costs next to nothing, and :meth:`result` reads
    the order statistics off the cumulative counts and interpolates them as
    ``numpy.quantile`` (linear) does: the very numbers
    :class:`QuantileSketch` gives, bit for bit.

    Parameters
    ----------
    levels
        Probabilities in [0, 1].
    values
        The values in increasing order; with two or more they must be
        ``0, 1, ..., k - 1`` (what a yes/no or categorical driver draws).
    """

    def __init__(self, levels: Sequence[float], values: Sequence[float]) -> None:
        self.levels = np.asarray(levels, dtype=np.float64)
        self.values = np.asarray(values, dtype=np.float64)
        if self.values.size > 1 and not np.array_equal(self.values, np.arange(self.values.size)):
            raise ValueError("counted values must be one value or the indices 0, 1, ..., k - 1")
        self.counts = np.zeros(self.values.size, dtype=np.int64)

    @property
    def seen(self) -> int:
        """Values counted so far."""
        return int(self.counts.sum())

    @property
    def kept(self) -> int:
        """Distinct values held: one count each."""
        return int(self.values.size)

    def update(self, x: FloatArray) -> None:
        """Add a batch of values (each one of :attr:`values`)."""
        n = int(np.shape(x)[0])
        k = self.values.size
        if k == 1:
            self.counts[0] += n
        elif k == 2:
            ones = int(np.count_nonzero(x))
            self.counts[1] += ones
            self.counts[0] += n - ones
        else:
            self.counts += np.bincount(np.asarray(x).astype(np.intp), minlength=k)

    def merge(self, other: CountedQuantiles) -> None:
        """Absorb the counts of other values (another range of the same run)."""
        self.counts += other.counts

    def result(self) -> FloatArray:
        """The quantiles, as ``numpy.quantile(all_values, levels)`` gives them."""
        n = self.seen
        if n == 0:
            return np.full(len(self.levels), np.nan)
        cum = np.cumsum(self.counts)
        out = np.empty(len(self.levels))
        for k, p in enumerate(self.levels):
            h = (n - 1) * p
            i = math.floor(h)
            a = float(self.values[int(np.searchsorted(cum, i, side="right"))])
            b = float(self.values[int(np.searchsorted(cum, min(i + 1, n - 1), side="right"))])
            out[k] = _lerp(a, b, h - i)
        return out


def _lerp(a: float, b: float, t: float) -> float:
    """Linear interpolation exactly as ``numpy.quantile`` does it."""
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def weighted_quantile(x: FloatArray, w: FloatArray, levels: Sequence[float]) -> FloatArray:
    """Quantiles of values ``x`` with weights ``w``: numpy's ``"linear"`` method when every weight is 1, exactly.

    Parameters
    ----------
    x, w
        Shape ``(n,)``: finite values and their weights, finite and
        ``>= 0`` with a positive sum (checked by the caller:
        :func:`~outlook.model.standard_errors.check_weights`).
    levels
        Probabilities in [0, 1].

    Returns
    -------
    numpy.ndarray
        Shape ``(len(levels),)``, in the units of ``x``.

    Notes
    -----
    The weighted generalisation of Hyndman & Fan's (1996) definition 7
    (numpy's ``"linear"``). Worlds of weight 0 are dropped; the rest are
    sorted, ``x_(1) <= ... <= x_(m)`` with weights ``w_(k)``, and the
    ``k``-th is placed at the weight before it, ``C_k = w_(1) + ... +
    w_(k-1)``. The quantile at level ``p`` is at the weighted index
    ``h = p (W - w_(m))``, ``W`` the total weight, interpolated linearly
    between the neighbouring ``x_(k)`` with ``C_k <= h < C_(k+1)``:
    ``x_(k) + (h - C_k) / w_(k) (x_(k+1) - x_(k))``. With unit weights
    ``C_k = k - 1`` and ``h = p (m - 1)``, type 7's virtual index, and the
    interpolation is numpy's own (``numpy.lib._function_base_impl._lerp``),
    so the result is bit for bit ``numpy.quantile(x, p, method="linear")``.
    With indicator weights it is that of the worlds of weight 1.
    """
    keep = w > 0
    xs, ws = (x, w) if bool(keep.all()) else (x[keep], w[keep])
    order = np.argsort(xs, kind="stable")
    xs, ws = xs[order], ws[order]
    before = np.concatenate([[0.0], np.cumsum(ws[:-1])])  # C_k: the weight before each sorted value
    p = np.asarray(levels, dtype=np.float64)
    h = p * before[-1]  # W - w_(m) is the weight before the last value
    k = np.clip(np.searchsorted(before, h, side="right") - 1, 0, xs.size - 1)
    k1 = np.minimum(k + 1, xs.size - 1)
    t = np.where(k1 > k, (h - before[k]) / ws[k], 0.0)
    a, b = xs[k], xs[k1]
    diff = b - a
    out = a + diff * t
    return np.asarray(np.where(t >= 0.5, b - diff * (1 - t), out), dtype=np.float64)
