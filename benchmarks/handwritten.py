"""Hand-written numpy versions of the benchmark models, for ``bench_engine.py``.

Each model is what a competent numpy user would write for one scenario file,
in one go: every sample at once, one ``np.random.default_rng``, the closed
forms for the parameters (scipy only to fit beta ranges and tabulate a beta
inverse CDF), event times by inverting the cumulative hazard, ``np.select``
for the scenarios, and ``mean``, ``std(ddof=1)``, ``min``, ``max`` and
``np.percentile(x, [5, 25, 50, 75, 95])`` for every driver and derived
quantity.

Two models, each a :class:`Model` (names in table order plus the function):

* :data:`TEN_DRIVERS` mirrors ``benchmarks/ten_drivers.yaml``;
* :data:`BUNDLED` mirrors ``scenarios/archive/nk-troops-russia-2024-11-01.yaml`` (the bundled case before its revision: a fixed engine workload).

If you change either YAML file, change the function here to match. The
functions return plain arrays: ``scenarios`` with shape
``(n_horizons, n_scenarios)``, ``events`` with shape
``(n_events, n_horizons)`` (probabilities by the end of each horizon) and
``stats``, name -> ``(mean, sd, min, p5, p25, p50, p75, p95, max)``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import optimize, special

__all__ = ["BUNDLED", "MODELS", "PCTS", "TEN_DRIVERS", "Model", "Result", "bundled", "ten_drivers"]

HERE = Path(__file__).resolve().parent
PCTS = (5, 25, 50, 75, 95)
Z90 = float(special.ndtri(0.95))  # a range is the central 90 % interval

Array = npt.NDArray[np.float64]
Stats = tuple[float, ...]
Result = dict[str, object]


@dataclass(frozen=True)
class Model:
    """One benchmark model: its scenario file, its names and the hand-written run.

    Attributes
    ----------
    key
        Short name on the command line (``ten``, ``bundled``).
    scenario
        The YAML file outlook runs.
    horizons
        ``(id, end in years)`` in file order.
    scenarios, events, drivers, derived
        Ids in table order.
    run
        ``run(n, seed)``: the hand-written model; see the module docstring.
    discrete
        Yes/no and categorical drivers, whose percentiles jump between
        categories and so are left out of percentile comparisons.
    """

    key: str
    scenario: Path
    horizons: tuple[tuple[str, float], ...]
    scenarios: tuple[str, ...]
    events: tuple[str, ...]
    drivers: tuple[str, ...]
    derived: tuple[str, ...]
    run: Callable[[int, int], Result]
    discrete: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------


def fit_beta(lo: float, hi: float, q: float = 0.05) -> tuple[float, float]:
    """Beta(a, b) whose ``q`` and ``1 - q`` quantiles are ``lo`` and ``hi``.

    Solved in log-parameters from a moment-matching start.
    """
    m, sd = (lo + hi) / 2, (hi - lo) / (2 * Z90)
    k = max(m * (1 - m) / sd**2 - 1, 0.5)

    def resid(x: Array) -> Array:
        got = special.betaincinv(math.exp(x[0]), math.exp(x[1]), [q, 1 - q])
        return np.asarray((got - [lo, hi]) / (hi - lo), dtype=np.float64)

    sol = optimize.root(resid, [math.log(m * k), math.log((1 - m) * k)], method="hybr")
    if not sol.success or np.abs(resid(sol.x)).max() > 1e-9:
        raise RuntimeError(f"beta fit failed: {sol.message}")
    return math.exp(sol.x[0]), math.exp(sol.x[1])


_Z_LO, _Z_HI, _Z_N = -9.0, 9.0, 1 << 15


@functools.lru_cache(maxsize=64)
def _beta_table(a: float, b: float) -> Array:
    """Beta(a, b) inverse CDF at 32,768 normal scores evenly spaced over [-9, 9]."""
    t = special.betaincinv(a, b, special.ndtr(np.linspace(_Z_LO, _Z_HI, _Z_N)))
    t[0], t[-1] = 0.0, 1.0
    return np.asarray(t, dtype=np.float64)


def beta_from_normal(z: Array, a: float, b: float) -> Array:
    """Beta(a, b) draws from standard-normal scores ``z`` (a Gaussian copula).

    ``betaincinv`` costs about 1.4 microseconds a value, so the inverse CDF is
    tabulated once and interpolated linearly; the grid is uniform, so the
    cell index is arithmetic, not a search (``np.interp`` gives the same
    numbers about 8x slower). This is the method docs/methods.md describes.
    """
    table = _beta_table(a, b)
    pos = (np.clip(z, _Z_LO, _Z_HI) - _Z_LO) * ((_Z_N - 1) / (_Z_HI - _Z_LO))
    i = np.minimum(pos.astype(np.intp), _Z_N - 2)
    lo = table[i]
    out: Array = lo + (pos - i) * (table[i + 1] - lo)
    return out


def copula_normals(rng: np.random.Generator, n: int, k: int, pairs: Sequence[tuple[int, int, float]]) -> Array:
    """``(n, k)`` standard normals with Spearman rank correlations ``pairs``.

    Pearson ``r = 2 sin(pi rho / 6)`` between the normal scores.
    """
    corr = np.eye(k)
    for i, j, rho in pairs:
        corr[i, j] = corr[j, i] = 2 * math.sin(math.pi * rho / 6)
    out: Array = rng.standard_normal((n, k)) @ np.linalg.cholesky(corr).T
    return out


def by_rates(probs: Sequence[Array], ends: Sequence[float]) -> list[Array]:
    """Piecewise-constant hazards from cumulative probabilities ``probs`` at ``ends``.

    ``lambda_k = -ln[(1 - P_k) / (1 - P_{k-1})] / (t_k - t_{k-1})``; the last
    segment's hazard continues past the last end.
    """
    out, prev_h, prev_t = [], 0.0, 0.0
    for p, t in zip(probs, ends):
        h = -np.log1p(-p)
        out.append((h - prev_h) / (t - prev_t))
        prev_h, prev_t = h, t
    return out


def hazard_time(
    e: Array,
    rates: Sequence[Array],
    ends: Sequence[float],
    mods: Sequence[tuple[Array, float, float]],
) -> Array:
    """Times ``T`` solving ``H(T) = e`` for a piecewise-constant hazard.

    Parameters
    ----------
    e
        Shape ``(n,)``: Exp(1) draws.
    rates
        One ``(n,)`` base hazard per segment; segment ``k`` ends at ``ends[k]``,
        the last has no end.
    ends
        ``len(rates) - 1`` segment ends (years).
    mods
        ``(times, before, after)``: the hazard is multiplied by ``before``
        until ``times`` and by ``after`` from then on (``requires`` is
        ``(times, 0, 1)``).

    Returns
    -------
    Shape ``(n,)``; ``inf`` where the hazard never accumulates ``e``.

    Notes
    -----
    Per world: sort the breakpoints (segment ends and modifier times), take
    the hazard on each piece, ``cumsum`` its increments and pick the piece in
    which the cumulative hazard passes ``e``; ``H`` is linear there. Arrays
    are ``(pieces, n)`` so that every step runs over contiguous rows.
    """
    n = e.shape[0]
    bp = np.empty((1 + len(ends) + len(mods), n))
    bp[0] = 0.0
    for k, t_end in enumerate(ends):
        bp[1 + k] = t_end
    for k, (times, _, _) in enumerate(mods):
        bp[1 + len(ends) + k] = times
    bp.sort(axis=0)
    rate = np.empty_like(bp)
    rate[:] = rates[0]
    for k, t_end in enumerate(ends):  # later segments take over from their start
        np.copyto(rate, rates[k + 1], where=bp >= t_end)
    for times, before, after in mods:
        rate *= np.where(bp >= times, after, before)
    with np.errstate(invalid="ignore"):
        inc = rate * np.diff(bp, axis=0, append=np.inf)
    inc[np.isnan(inc)] = 0.0  # 0 * inf and inf - inf: nothing accumulates
    cum = inc.copy()  # cumulative hazard at each piece's end
    for j in range(1, cum.shape[0]):  # row by row: np.cumsum(axis=0) is ~6x slower here
        cum[j] += cum[j - 1]
    k = np.count_nonzero(cum < e, axis=0)  # the piece where it passes e
    never = k == bp.shape[0]
    k = np.minimum(k, bp.shape[0] - 1)[None]
    start = np.take_along_axis(bp, k, axis=0)[0]
    before_h = np.take_along_axis(cum, np.maximum(k - 1, 0), axis=0)[0]  # ... and at its start
    before_h[k[0] == 0] = 0.0
    r = np.take_along_axis(rate, k, axis=0)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = start + (e - before_h) / r
    t[never] = np.inf
    return t


def switch_time(e: Array, rate: Array, at: Array, factor: float) -> Array:
    """Constant ``rate`` multiplied by ``factor`` from time ``at`` on: closed form."""
    before = rate * at
    return np.where(e <= before, e / rate, at + (e - before) / (factor * rate))


def summary(x: Array) -> Stats:
    """``(mean, sd, min, p5, p25, p50, p75, p95, max)`` over all samples."""
    return (float(x.mean()), float(x.std(ddof=1)), float(x.min()), *np.percentile(x, PCTS).tolist(), float(x.max()))


def constant_summary(c: float) -> Stats:
    """The summary of a constant, without an array."""
    return (c, 0.0, c, c, c, c, c, c, c)


def outcome(
    horizons: Sequence[tuple[str, float]],
    times: Sequence[Array],
    label: Callable[[list[Array]], Array],
    n_scenarios: int,
) -> tuple[Array, Array]:
    """Event probabilities by each horizon and scenario shares per horizon."""
    n = times[0].shape[0]
    scen = np.empty((len(horizons), n_scenarios))
    ev = np.empty((len(times), len(horizons)))
    for hi, (_, end) in enumerate(horizons):
        happened = [t <= end for t in times]
        for k, h in enumerate(happened):
            ev[k, hi] = np.count_nonzero(h) / n
        scen[hi] = np.bincount(label(happened), minlength=n_scenarios) / n
    return scen, ev


# --------------------------------------------------------------------------
# benchmarks/ten_drivers.yaml
# --------------------------------------------------------------------------


def ten_drivers(n: int, seed: int) -> Result:
    """The ten-driver model in plain numpy, all ``n`` samples at once."""
    rng = np.random.default_rng(seed)

    # correlated drivers: Gaussian copula; all three have closed-form inverse CDFs
    z = copula_normals(rng, n, 3, [(0, 1, 0.4), (1, 2, 0.5)])
    demand = 100 + (120 - 80) / (2 * Z90) * z[:, 0]  # range [80, 120] normal
    unit_cost = np.exp(math.log(16) / 2 + (math.log(8) - math.log(2)) / (2 * Z90) * z[:, 1])  # [2, 8] lognormal
    price = 6 + 8 * special.ndtr(z[:, 2])  # uniform 6..14
    # independent drivers
    capacity = rng.normal(105, 12, n)
    half = (0.3 - 0.1) / 2 / 0.9  # range [0.1, 0.3] uniform: 90 % of the mass
    share = rng.uniform(0.2 - half, 0.2 + half, n)
    delay_months = 1 + 11 * rng.beta(1 + 4 * 2 / 11, 1 + 4 * 9 / 11, n)  # pert 1, 3, 12
    p_launch_1y = rng.beta(*fit_beta(0.2, 0.6), n)
    churn = rng.beta(2, 8, n)
    shock_rate = rng.lognormal(-2.0, 0.6, n)
    regulator_ok = rng.random(n) < 0.7

    # derived
    margin = price - unit_cost
    profit = np.minimum(demand, capacity) * share * margin - 2 * delay_months
    p_launch_3y = p_launch_1y + (1 - p_launch_1y) * np.where(regulator_ok, 0.6, 0.3)
    overload_rate = np.maximum(demand - capacity, 0) / 40 + 0.05

    # event times: T solves H(T) = E, E ~ Exp(1)
    e = rng.standard_exponential((5, n))
    # launch: by short (1y) p_launch_1y, by medium (3y) p_launch_3y; piecewise hazard
    h1, h3 = by_rates([p_launch_1y, p_launch_3y], [1.0, 3.0])
    t_launch = np.where(e[0] <= h1, e[0] / h1, 1.0 + (e[0] - h1) / h3)
    t_price_war = e[1] / (0.1 + 0.5 * churn)
    t_shock = e[2] / shock_rate
    t_overload = switch_time(e[3], overload_rate, t_shock, 3.0)  # x3 once the shock happened
    t_recall = e[4] / (0.01 * delay_months)

    def label(h: list[Array]) -> Array:
        launch, price_war, shock, overload, _recall = h
        return np.select([shock & overload, launch & (profit > 0) & ~price_war, launch], [0, 1, 2], 3)

    times = (t_launch, t_price_war, t_shock, t_overload, t_recall)
    scen, ev = outcome(TEN_DRIVERS.horizons, times, label, 4)
    values = (
        demand, unit_cost, price, capacity, share, delay_months, p_launch_1y, churn, shock_rate,
        regulator_ok.astype(np.float64), margin, profit, p_launch_3y, overload_rate,
    )  # fmt: skip
    stats = {k: summary(v) for k, v in zip(TEN_DRIVERS.drivers + TEN_DRIVERS.derived, values)}
    return {"scenarios": scen, "events": ev, "stats": stats}


TEN_DRIVERS = Model(
    key="ten",
    scenario=HERE / "ten_drivers.yaml",
    horizons=(("short", 1.0), ("medium", 3.0), ("long", 5.0)),
    scenarios=("crisis", "breakout", "grind", "stalled"),
    events=("launch", "price_war", "supply_shock", "overload", "recall"),
    drivers=(
        "demand",
        "unit_cost",
        "price",
        "capacity",
        "share",
        "delay_months",
        "p_launch_1y",
        "churn",
        "shock_rate",
        "regulator_ok",
    ),
    derived=("margin", "profit", "p_launch_3y", "overload_rate"),
    run=ten_drivers,
    discrete=("regulator_ok",),
)


# --------------------------------------------------------------------------
# scenarios/archive/nk-troops-russia-2024-11-01.yaml
# --------------------------------------------------------------------------


def _normal_range(lo: float, hi: float) -> tuple[float, float]:
    return (lo + hi) / 2, (hi - lo) / (2 * Z90)


def _lognormal_range(lo: float, hi: float) -> tuple[float, float]:
    return (math.log(lo) + math.log(hi)) / 2, (math.log(hi) - math.log(lo)) / (2 * Z90)


def bundled(n: int, seed: int) -> Result:
    """The bundled scenario (North Korean troops in Russia) in plain numpy."""
    rng = np.random.default_rng(seed)
    lognormal = lambda lo, hi: rng.lognormal(*_lognormal_range(lo, hi), n)  # noqa: E731
    beta = lambda lo, hi: rng.beta(*fit_beta(lo, hi), n)  # noqa: E731

    # correlated drivers: losses ~ p_further_1y ~ p_tech_1y, sk_aid ~ sk_observers
    z = copula_normals(rng, n, 5, [(0, 1, 0.3), (2, 1, 0.4), (3, 4, 0.5)])
    mu, sigma = _lognormal_range(700, 1800)
    russian_daily_losses = np.exp(mu + sigma * z[:, 0])
    p_further_1y = beta_from_normal(z[:, 1], *fit_beta(0.25, 0.8))
    p_tech_1y = beta_from_normal(z[:, 2], *fit_beta(0.2, 0.65))
    p_sk_aid_1y = beta_from_normal(z[:, 3], *fit_beta(0.08, 0.45))
    p_sk_observers_1y = beta_from_normal(z[:, 4], *fit_beta(0.1, 0.55))
    # independent drivers
    troops = rng.normal(*_normal_range(8000, 12000), n)
    troops_pledged = 12000.0
    total_casualties = lognormal(520000, 1000000)
    defence_pact = 1.0
    p_engage_3mo = beta(0.6, 0.97)
    p_in_ukraine_1y = beta(0.15, 0.6)
    p_further_later = beta(0.1, 0.6)
    china_brake = rng.uniform(0.5, 1.0, n)
    p_tech_later = beta(0.2, 0.7)
    nuclear_tech_rate = lognormal(0.01, 0.15)
    escalation_rate = lognormal(0.002, 0.03)
    ceasefire_rate = lognormal(0.08, 0.5)
    trump = rng.random(n) < 0.5  # us_election: harris 0.5, trump 0.5
    trump_ceasefire_factor = lognormal(0.7, 2.5)
    unrest_rate = lognormal(0.0015, 0.02)

    # derived
    days_of_losses = troops / russian_daily_losses
    weeks_to_depletion = days_of_losses / 7
    troops_vs_pledge = troops / troops_pledged
    share_of_casualties = troops / total_casualties
    share_of_annual_russian_losses = troops / (russian_daily_losses * 365.25)
    engage_rate = -np.log1p(-p_engage_3mo) / 0.25
    in_ukraine_rate = -np.log1p(-p_in_ukraine_1y)
    p_further_by_1y = p_further_1y * china_brake
    p_further_by_10y = (p_further_1y + (1 - p_further_1y) * p_further_later) * china_brake
    p_tech_by_10y = p_tech_1y + (1 - p_tech_1y) * p_tech_later
    p_sk_aid_by_10y = 1 - (1 - p_sk_aid_1y) ** 2
    p_sk_observers_by_10y = 1 - (1 - p_sk_observers_1y) ** 2
    ceasefire_hazard = ceasefire_rate * np.where(trump, trump_ceasefire_factor, 1.0)

    # event times, in dependency order: T solves H(T) = E, E ~ Exp(1)
    e = rng.standard_exponential((10, n))
    ends = [1.0]  # `by` gives short (1y) and long (10y): hazards on [0, 1) and [1, inf)
    t_ceasefire = e[0] / ceasefire_hazard
    t_engage = switch_time(e[1], engage_rate, t_ceasefire, 0.05)
    t_further = hazard_time(
        e[2], by_rates([p_further_by_1y, p_further_by_10y], [1.0, 10.0]), ends,
        [(t_engage, 1.0, 1.2), (t_ceasefire, 1.0, 0.3)],
    )  # fmt: skip
    t_in_ukraine = hazard_time(
        e[3], [in_ukraine_rate], [],
        [(t_further, 1.0, 1.5), (t_ceasefire, 1.0, 0.05), (t_engage, 0.0, 1.0)],
    )  # fmt: skip
    t_tech = hazard_time(e[4], by_rates([p_tech_1y, p_tech_by_10y], [1.0, 10.0]), ends, [(t_further, 1.0, 1.5)])
    t_nuclear = t_tech + e[5] / (nuclear_tech_rate * china_brake)  # requires tech_transfer: starts then
    t_sk_aid = hazard_time(
        e[6], by_rates([p_sk_aid_1y, p_sk_aid_by_10y], [1.0, 10.0]), ends,
        [(t_further, 1.0, 1.5), (t_nuclear, 1.0, 2.0), (t_ceasefire, 1.0, 0.2)],
    )  # fmt: skip
    t_sk_observers = hazard_time(
        e[7], by_rates([p_sk_observers_1y, p_sk_observers_by_10y], [1.0, 10.0]), ends,
        [(t_engage, 1.0, 1.5), (t_ceasefire, 1.0, 0.2)],
    )  # fmt: skip
    t_clash = hazard_time(e[8], [escalation_rate], [], [(t_further, 1.0, 1.3), (t_ceasefire, 1.0, 0.3)])
    t_unrest = hazard_time(e[9], [unrest_rate], [], [(t_further, 1.0, 2.0), (t_in_ukraine, 1.0, 1.3)])

    # in the order of BUNDLED.events (file order)
    times = (
        t_ceasefire, t_engage, t_in_ukraine, t_further, t_tech, t_nuclear,
        t_sk_aid, t_sk_observers, t_clash, t_unrest,
    )  # fmt: skip

    def label(h: list[Array]) -> Array:
        further, tech, clash, unrest = h[3], h[4], h[8], h[9]
        rules = [clash, unrest, further & tech, tech & ~further, further & ~tech]
        return np.select(rules, [0, 1, 2, 3, 4], 5)

    scen, ev = outcome(BUNDLED.horizons, times, label, 6)
    values: dict[str, Array | float] = {
        "troops": troops,
        "troops_pledged": troops_pledged,
        "russian_daily_losses": russian_daily_losses,
        "total_casualties": total_casualties,
        "defence_pact": defence_pact,
        "p_engage_3mo": p_engage_3mo,
        "p_in_ukraine_1y": p_in_ukraine_1y,
        "p_further_1y": p_further_1y,
        "p_further_later": p_further_later,
        "china_brake": china_brake,
        "p_tech_1y": p_tech_1y,
        "p_tech_later": p_tech_later,
        "nuclear_tech_rate": nuclear_tech_rate,
        "p_sk_aid_1y": p_sk_aid_1y,
        "p_sk_observers_1y": p_sk_observers_1y,
        "escalation_rate": escalation_rate,
        "ceasefire_rate": ceasefire_rate,
        "us_election": trump.astype(np.float64),  # category index: harris 0, trump 1
        "trump_ceasefire_factor": trump_ceasefire_factor,
        "unrest_rate": unrest_rate,
        "days_of_losses": days_of_losses,
        "weeks_to_depletion": weeks_to_depletion,
        "troops_vs_pledge": troops_vs_pledge,
        "share_of_casualties": share_of_casualties,
        "share_of_annual_russian_losses": share_of_annual_russian_losses,
        "engage_rate": engage_rate,
        "in_ukraine_rate": in_ukraine_rate,
        "p_further_by_1y": p_further_by_1y,
        "p_further_by_10y": p_further_by_10y,
        "p_tech_by_10y": p_tech_by_10y,
        "p_sk_aid_by_10y": p_sk_aid_by_10y,
        "p_sk_observers_by_10y": p_sk_observers_by_10y,
        "ceasefire_hazard": ceasefire_hazard,
    }
    stats = {k: constant_summary(v) if isinstance(v, float) else summary(v) for k, v in values.items()}
    return {"scenarios": scen, "events": ev, "stats": stats}


BUNDLED = Model(
    key="bundled",
    scenario=HERE.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml",
    horizons=(("short", 1.0), ("medium", 5.0), ("long", 10.0)),
    scenarios=(
        "wider_war",
        "blowback",
        "deepening_alliance",
        "arms_for_technology",
        "troops_for_cash",
        "contained",
    ),
    events=(
        "ceasefire",
        "combat_engagement",
        "combat_in_ukraine",
        "further_deployment",
        "tech_transfer",
        "nuclear_tech_transfer",
        "sk_military_aid",
        "sk_observers",
        "nato_russia_clash",
        "internal_unrest",
    ),
    drivers=(
        "troops",
        "troops_pledged",
        "russian_daily_losses",
        "total_casualties",
        "defence_pact",
        "p_engage_3mo",
        "p_in_ukraine_1y",
        "p_further_1y",
        "p_further_later",
        "china_brake",
        "p_tech_1y",
        "p_tech_later",
        "nuclear_tech_rate",
        "p_sk_aid_1y",
        "p_sk_observers_1y",
        "escalation_rate",
        "ceasefire_rate",
        "us_election",
        "trump_ceasefire_factor",
        "unrest_rate",
    ),
    derived=(
        "days_of_losses",
        "weeks_to_depletion",
        "troops_vs_pledge",
        "share_of_casualties",
        "share_of_annual_russian_losses",
        "engage_rate",
        "in_ukraine_rate",
        "p_further_by_1y",
        "p_further_by_10y",
        "p_tech_by_10y",
        "p_sk_aid_by_10y",
        "p_sk_observers_by_10y",
        "ceasefire_hazard",
    ),
    run=bundled,
    discrete=("us_election",),
)

MODELS = {m.key: m for m in (TEN_DRIVERS, BUNDLED)}
