"""Tight hand-written numpy versions of the benchmark models, for ``bench_engine.py``.

What a careful numpy programmer would write for one scenario file when
speed matters (issue 16), as opposed to the plain all-at-once versions in
``handwritten.py``:

* the samples go in **65,536-sample chunks** (:data:`CHUNK`), so every
  intermediate array stays in cache; one ``np.random.default_rng`` streams
  through them;
* **moments from per-chunk sums**: each chunk's count, mean and sum of
  squared deviations (``np.einsum``), merged in order (Chan, Golub &
  LeVeque 1979), plus running min and max;
* **event probabilities by comparing an Exp(1) budget with the cumulative
  hazard** at each horizon's end, ``E <= H(end)``, with no division and no
  sort wherever an event's time is not needed by another event; ``H(end)``
  of a hazard with several ``after`` switches is summed over the subsets
  of switches that are on (:func:`cum_hazard`), again without sorting.
  Event times are inverted only for events that switch another's hazard;
* **boolean-mask counts and** ``bincount``: the first-match scenario rule
  is counted rule by rule with a running "taken" mask;
* **exact percentiles by a per-chunk bracket pass** (:class:`Summaries`):
  the first chunk sets, per level, a bracket of values that holds the final
  order statistic with overwhelming probability; later chunks only count
  the values below it and keep those inside it; at the end the order
  statistics are read from the sorted kept values and interpolated as
  ``numpy.percentile`` does (linear). A missed bracket raises, never a
  wrong number. Yes/no and categorical drivers are counted, constants need
  nothing.

Same outputs as :mod:`handwritten` (``scenarios``, ``events``, ``stats``)
and the same :class:`handwritten.Model` records, so ``common.check_agreement``
compares either with outlook.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

import numpy as np
from handwritten import (
    BUNDLED,
    PCTS,
    TEN_DRIVERS,
    Z90,
    Array,
    Model,
    Result,
    _lognormal_range,
    _normal_range,
    beta_from_normal,
    by_rates,
    fit_beta,
    hazard_time,
)
from scipy import special

__all__ = ["CHUNK", "MODELS", "Summaries", "bundled", "cum_hazard", "ten_drivers"]

CHUNK = 1 << 16
_LEVELS = np.array(PCTS, dtype=np.float64) / 100
_MARGIN = 8.0  # bracket half-width in binomial standard deviations of the first chunk's ranks


def chunks(n: int) -> Iterator[int]:
    """Sizes of the chunks of an ``n``-sample run."""
    for lo in range(0, n, CHUNK):
        yield min(CHUNK, n - lo)


class Summaries:
    """Streaming mean, sd, min, max and exact percentiles of named quantities.

    ``add(name, x)`` for a continuous quantity, ``add_binary(name, ones, k)``
    for a 0/1 one (``ones`` of ``k`` values are 1), ``constant(name, c)``.
    :meth:`stats` gives ``name -> (mean, sd, min, p5, p25, p50, p75, p95, max)``.
    """

    def __init__(self) -> None:
        self.mom: dict[str, list[float]] = {}  # n, mean, m2, min, max
        self.brackets: dict[str, tuple[Array, Array]] = {}
        self.below: dict[str, np.ndarray] = {}
        self.kept: dict[str, list[list[Array]]] = {}
        self.ones: dict[str, int] = {}
        self.constants: dict[str, float] = {}

    def _moments(self, name: str, k: int, m: float, m2: float, lo: float, hi: float) -> None:
        acc = self.mom.get(name)
        if acc is None:
            self.mom[name] = [k, m, m2, lo, hi]
            return
        n, mean, s2, a, b = acc
        tot = n + k
        delta = m - mean
        acc[:] = [tot, mean + delta * k / tot, s2 + m2 + delta * delta * n * k / tot, min(a, lo), max(b, hi)]

    def add(self, name: str, x: Array) -> None:
        """One chunk of a continuous quantity."""
        k = x.shape[0]
        m = float(np.einsum("i->", x)) / k
        d = x - m
        self._moments(name, k, m, float(np.einsum("i,i->", d, d)), float(x.min()), float(x.max()))
        br = self.brackets.get(name)
        if br is None:  # the first chunk: brackets at p -/+ 8 sd of its empirical ranks
            dd = _MARGIN * np.sqrt(_LEVELS * (1 - _LEVELS) / k) + _MARGIN / k
            lo = np.quantile(x, np.clip(_LEVELS - dd, 0, 1), method="inverted_cdf")
            hi = np.quantile(x, np.clip(_LEVELS + dd, 0, 1), method="inverted_cdf")
            br = self.brackets[name] = (lo, hi)
            self.below[name] = np.zeros(len(_LEVELS), dtype=np.int64)
            self.kept[name] = [[] for _ in _LEVELS]
        below, kept = self.below[name], self.kept[name]
        for j, (lo_j, hi_j) in enumerate(zip(*br)):
            low = x < lo_j
            below[j] += np.count_nonzero(low)
            kept[j].append(x[~low & (x <= hi_j)])

    def add_binary(self, name: str, ones: int, k: int) -> None:
        """One chunk of a 0/1 quantity: ``ones`` of its ``k`` values are 1."""
        m = ones / k
        lo, hi = (0.0 if ones < k else 1.0), (1.0 if ones > 0 else 0.0)
        self._moments(name, k, m, ones * (1 - m) ** 2 + (k - ones) * m * m, lo, hi)
        self.ones[name] = self.ones.get(name, 0) + ones

    def constant(self, name: str, c: float) -> None:
        """A constant quantity."""
        self.constants[name] = c

    def _percentiles(self, name: str) -> list[float]:
        n = int(self.mom[name][0])
        out = []
        for j, p in enumerate(_LEVELS):
            h = (n - 1) * p
            i = math.floor(h)
            if name in self.ones:
                zeros = n - self.ones[name]
                a, b = float(i >= zeros), float(min(i + 1, n - 1) >= zeros)
            else:
                vals = np.concatenate(self.kept[name][j])
                ra = i - int(self.below[name][j])
                rb = min(i + 1, n - 1) - int(self.below[name][j])
                if ra < 0 or rb >= vals.size:
                    raise RuntimeError(f"{name}: percentile {p} outside its bracket")
                part = np.partition(vals, [ra, rb])
                a, b = float(part[ra]), float(part[rb])
            t = h - i
            out.append(b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t)  # numpy's _lerp
        return out

    def stats(self) -> dict[str, tuple[float, ...]]:
        """``name -> (mean, sd, min, p5, p25, p50, p75, p95, max)``."""
        out: dict[str, tuple[float, ...]] = {}
        for name, (n, mean, m2, lo, hi) in self.mom.items():
            sd = math.sqrt(m2 / (n - 1)) if n > 1 else 0.0
            out[name] = (mean, sd, lo, *self._percentiles(name), hi)
        for name, c in self.constants.items():
            out[name] = (c, 0.0, c, c, c, c, c, c, c)
        return out


class Outcomes:
    """Counts of events by each horizon and of first-match scenario rules, chunk by chunk."""

    def __init__(self, n_events: int, n_horizons: int, n_scenarios: int) -> None:
        self.events = np.zeros((n_events, n_horizons), dtype=np.int64)
        self.scenarios = np.zeros((n_horizons, n_scenarios), dtype=np.int64)

    def add(self, hi: int, happened: Sequence[np.ndarray], rules: Sequence[np.ndarray]) -> None:
        """Horizon ``hi`` of one chunk: each event's mask, then each rule's (``otherwise`` left out)."""
        for k, h in enumerate(happened):
            self.events[k, hi] += np.count_nonzero(h)
        taken = np.zeros(happened[0].shape[0], dtype=bool)
        row = self.scenarios[hi]
        for j, r in enumerate(rules):
            row[j] += np.count_nonzero(r & ~taken)
            taken |= r
        row[len(rules)] += taken.size - np.count_nonzero(taken)

    def result(self, n: int, stats: dict[str, tuple[float, ...]]) -> Result:
        """The arrays :mod:`handwritten` returns."""
        return {"scenarios": self.scenarios / n, "events": self.events / n, "stats": stats}


def base_cum(t: Array | float, rates: Sequence[Array], ends: Sequence[float]) -> Array:
    """Cumulative base hazard at ``t`` of piecewise-constant ``rates`` switching at ``ends``."""
    out = rates[0] * np.minimum(t, ends[0]) if ends else rates[0] * t
    for k, start in enumerate(ends):
        stop = ends[k + 1] if k + 1 < len(ends) else None
        seg = np.maximum(t - start, 0.0) if stop is None else np.clip(t - start, 0.0, stop - start)
        out = out + rates[k + 1] * seg
    return np.asarray(out)


def cum_hazard(
    end: float, rates: Sequence[Array], ends: Sequence[float], mods: Sequence[tuple[Array, float, float]]
) -> Array:
    """``H(end)`` of a base hazard multiplied by ``before`` until each ``times``, ``after`` from then on.

    ``prod_m (b_m + (a_m - b_m) 1[t >= t_m])`` expands over subsets ``S`` of
    the switches into ``prod_{m not in S} b_m prod_{m in S} (a_m - b_m)
    1[t >= max_S t_m]``, so ``H(end) = sum_S coef_S (B(end) - B(min(end,
    max_S t_m)))``, ``B`` the base's cumulative hazard: elementwise, no sort.
    """
    b_end = base_cum(end, rates, ends)
    total = np.zeros_like(b_end)
    for mask in range(1 << len(mods)):
        coef, start = 1.0, None
        for m, (times, before, after) in enumerate(mods):
            if mask >> m & 1:
                coef *= after - before
                start = times if start is None else np.maximum(start, times)
            else:
                coef *= before
        if coef == 0.0:
            continue
        total += coef * (b_end if start is None else b_end - base_cum(np.minimum(start, end), rates, ends))
    return total


def _pert(rng: np.random.Generator, k: int, lo: float, mode: float, hi: float) -> Array:
    return np.asarray(lo + (hi - lo) * rng.beta(1 + 4 * (mode - lo) / (hi - lo), 1 + 4 * (hi - mode) / (hi - lo), k))


def _copula(pairs: Sequence[tuple[int, int, float]], k: int) -> Array:
    corr = np.eye(k)
    for i, j, rho in pairs:
        corr[i, j] = corr[j, i] = 2 * math.sin(math.pi * rho / 6)
    return np.linalg.cholesky(corr)


def ten_drivers(n: int, seed: int) -> Result:
    """The ten-driver model, chunk by chunk."""
    rng = np.random.default_rng(seed)
    chol = _copula([(0, 1, 0.4), (1, 2, 0.5)], 3)
    a_launch = fit_beta(0.2, 0.6)
    half = (0.3 - 0.1) / 2 / 0.9
    sums, out = Summaries(), Outcomes(5, 3, 4)
    for k in chunks(n):
        z = np.einsum("ij,nj->in", chol, rng.standard_normal((k, 3)))  # (3, k): rows contiguous
        v = {
            "demand": 100 + (120 - 80) / (2 * Z90) * z[0],
            "unit_cost": np.exp(math.log(16) / 2 + (math.log(8) - math.log(2)) / (2 * Z90) * z[1]),
            "price": 6 + 8 * special.ndtr(z[2]),
            "capacity": rng.normal(105, 12, k),
            "share": rng.uniform(0.2 - half, 0.2 + half, k),
            "delay_months": _pert(rng, k, 1, 3, 12),
            "p_launch_1y": rng.beta(*a_launch, k),
            "churn": rng.beta(2, 8, k),
            "shock_rate": rng.lognormal(-2.0, 0.6, k),
        }
        ok = rng.random(k) < 0.7
        v["margin"] = v["price"] - v["unit_cost"]
        v["profit"] = np.minimum(v["demand"], v["capacity"]) * v["share"] * v["margin"] - 2 * v["delay_months"]
        v["p_launch_3y"] = v["p_launch_1y"] + (1 - v["p_launch_1y"]) * np.where(ok, 0.6, 0.3)
        v["overload_rate"] = np.maximum(v["demand"] - v["capacity"], 0) / 40 + 0.05
        for name, x in v.items():
            sums.add(name, x)
        sums.add_binary("regulator_ok", int(np.count_nonzero(ok)), k)

        e = rng.standard_exponential((5, k))
        h1, h3 = by_rates([v["p_launch_1y"], v["p_launch_3y"]], [1.0, 3.0])
        war_rate = 0.1 + 0.5 * v["churn"]
        t_shock = e[2] / v["shock_rate"]  # switches overload's hazard: its time is needed
        recall_rate = 0.01 * v["delay_months"]
        profitable = v["profit"] > 0
        for hi, (_, end) in enumerate(TEN_DRIVERS.horizons):
            launch = e[0] <= base_cum(end, [h1, h3], [1.0])
            war = e[1] <= war_rate * end
            shock = t_shock <= end
            overload = e[3] <= cum_hazard(end, [v["overload_rate"]], [], [(t_shock, 1.0, 3.0)])
            recall = e[4] <= recall_rate * end
            rules = [shock & overload, launch & profitable & ~war, launch]
            out.add(hi, [launch, war, shock, overload, recall], rules)
    return out.result(n, sums.stats())


def bundled(n: int, seed: int) -> Result:
    """The bundled scenario (North Korean troops in Russia), chunk by chunk."""
    rng = np.random.default_rng(seed)
    chol = _copula([(0, 1, 0.3), (2, 1, 0.4), (3, 4, 0.5)], 5)
    fits = {
        name: fit_beta(lo, hi)
        for name, lo, hi in (
            ("p_further_1y", 0.25, 0.8), ("p_tech_1y", 0.2, 0.65), ("p_sk_aid_1y", 0.08, 0.45),
            ("p_sk_observers_1y", 0.1, 0.55), ("p_engage_3mo", 0.6, 0.97), ("p_in_ukraine_1y", 0.15, 0.6),
            ("p_further_later", 0.1, 0.6), ("p_tech_later", 0.2, 0.7),
        )
    }  # fmt: skip
    logn = {
        name: _lognormal_range(lo, hi)
        for name, lo, hi in (
            ("total_casualties", 520000, 1000000), ("nuclear_tech_rate", 0.01, 0.15),
            ("escalation_rate", 0.002, 0.03), ("ceasefire_rate", 0.08, 0.5),
            ("trump_ceasefire_factor", 0.7, 2.5), ("unrest_rate", 0.0015, 0.02),
        )
    }  # fmt: skip
    mu, sigma = _lognormal_range(700, 1800)
    sums, out = Summaries(), Outcomes(10, 3, 6)
    sums.constant("troops_pledged", 12000.0)
    sums.constant("defence_pact", 1.0)
    for k in chunks(n):
        z = np.einsum("ij,nj->in", chol, rng.standard_normal((k, 5)))
        v = {"russian_daily_losses": np.exp(mu + sigma * z[0])}
        for row, name in enumerate(("p_further_1y", "p_tech_1y", "p_sk_aid_1y", "p_sk_observers_1y"), start=1):
            v[name] = beta_from_normal(z[row], *fits[name])
        v["troops"] = rng.normal(*_normal_range(8000, 12000), k)
        v["total_casualties"] = rng.lognormal(*logn["total_casualties"], k)
        for name in ("p_engage_3mo", "p_in_ukraine_1y", "p_further_later"):
            v[name] = rng.beta(*fits[name], k)
        v["china_brake"] = rng.uniform(0.5, 1.0, k)
        v["p_tech_later"] = rng.beta(*fits["p_tech_later"], k)
        for name in ("nuclear_tech_rate", "escalation_rate", "ceasefire_rate"):
            v[name] = rng.lognormal(*logn[name], k)
        trump = rng.random(k) < 0.5
        for name in ("trump_ceasefire_factor", "unrest_rate"):
            v[name] = rng.lognormal(*logn[name], k)
        _bundled_derived(v, trump)
        for name, x in v.items():
            sums.add(name, x)
        sums.add_binary("us_election", int(np.count_nonzero(trump)), k)
        _bundled_events(rng, k, v, out)
    return out.result(n, sums.stats())


def _bundled_derived(v: dict[str, Array], trump: np.ndarray) -> None:
    troops, losses = v["troops"], v["russian_daily_losses"]
    v["days_of_losses"] = troops / losses
    v["weeks_to_depletion"] = v["days_of_losses"] / 7
    v["troops_vs_pledge"] = troops / 12000.0
    v["share_of_casualties"] = troops / v["total_casualties"]
    v["share_of_annual_russian_losses"] = troops / (losses * 365.25)
    v["engage_rate"] = -np.log1p(-v["p_engage_3mo"]) / 0.25
    v["in_ukraine_rate"] = -np.log1p(-v["p_in_ukraine_1y"])
    p1, brake = v["p_further_1y"], v["china_brake"]
    v["p_further_by_1y"] = p1 * brake
    v["p_further_by_10y"] = (p1 + (1 - p1) * v["p_further_later"]) * brake
    v["p_tech_by_10y"] = v["p_tech_1y"] + (1 - v["p_tech_1y"]) * v["p_tech_later"]
    v["p_sk_aid_by_10y"] = 1 - (1 - v["p_sk_aid_1y"]) ** 2
    v["p_sk_observers_by_10y"] = 1 - (1 - v["p_sk_observers_1y"]) ** 2
    v["ceasefire_hazard"] = v["ceasefire_rate"] * np.where(trump, v["trump_ceasefire_factor"], 1.0)


def _switch(e: Array, rate: Array, at: Array, factor: float) -> Array:
    before = rate * at
    return np.where(e <= before, e / rate, at + (e - before) / (factor * rate))


def _bundled_events(rng: np.random.Generator, k: int, v: dict[str, Array], out: Outcomes) -> None:
    e = rng.standard_exponential((10, k))
    ends = [1.0]
    by = lambda a, b: by_rates([v[a], v[b]], [1.0, 10.0])  # noqa: E731
    # events that switch another's hazard: their times
    t_cease = e[0] / v["ceasefire_hazard"]
    t_engage = _switch(e[1], v["engage_rate"], t_cease, 0.05)
    further = by("p_further_by_1y", "p_further_by_10y")
    t_further = hazard_time(e[2], further, ends, [(t_engage, 1.0, 1.2), (t_cease, 1.0, 0.3)])
    in_ukr = [v["in_ukraine_rate"]]
    t_in_ukr = hazard_time(e[3], in_ukr, [], [(t_further, 1.0, 1.5), (t_cease, 1.0, 0.05), (t_engage, 0.0, 1.0)])
    t_tech = hazard_time(e[4], by("p_tech_1y", "p_tech_by_10y"), ends, [(t_further, 1.0, 1.5)])
    t_nuclear = t_tech + e[5] / (v["nuclear_tech_rate"] * v["china_brake"])
    # the rest: the budget against the cumulative hazard at each horizon's end
    aid, obs = by("p_sk_aid_1y", "p_sk_aid_by_10y"), by("p_sk_observers_1y", "p_sk_observers_by_10y")
    for hi, (_, end) in enumerate(BUNDLED.horizons):
        h_further, h_tech = t_further <= end, t_tech <= end
        happened = [
            t_cease <= end, t_engage <= end, t_in_ukr <= end, h_further, h_tech, t_nuclear <= end,
            e[6] <= cum_hazard(end, aid, ends, [(t_further, 1.0, 1.5), (t_nuclear, 1.0, 2.0), (t_cease, 1.0, 0.2)]),
            e[7] <= cum_hazard(end, obs, ends, [(t_engage, 1.0, 1.5), (t_cease, 1.0, 0.2)]),
            e[8] <= cum_hazard(end, [v["escalation_rate"]], [], [(t_further, 1.0, 1.3), (t_cease, 1.0, 0.3)]),
            e[9] <= cum_hazard(end, [v["unrest_rate"]], [], [(t_further, 1.0, 2.0), (t_in_ukr, 1.0, 1.3)]),
        ]  # fmt: skip
        rules = [happened[8], happened[9], h_further & h_tech, h_tech & ~h_further, h_further & ~h_tech]
        out.add(hi, happened, rules)


TIGHT_TEN = replace(TEN_DRIVERS, run=ten_drivers)
TIGHT_BUNDLED = replace(BUNDLED, run=bundled)
MODELS: dict[str, Model] = {m.key: m for m in (TIGHT_TEN, TIGHT_BUNDLED)}
RUNS: dict[str, Callable[[int, int], Result]] = {"ten": ten_drivers, "bundled": bundled}
