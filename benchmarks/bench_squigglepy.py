"""Time outlook against squigglepy on the ten-driver benchmark model.

squigglepy (https://github.com/rethinkpriorities/squigglepy) is an optional
dependency: where it is not importable the script says so and exits 0.

``via_squigglepy()`` below writes ``benchmarks/ten_drivers.yaml`` the way a
squigglepy user would, vectorised: every driver is a squigglepy distribution
(``sq.norm``, ``sq.lognorm``, ``sq.uniform``, ``sq.pert``, ``sq.beta``,
``sq.bernoulli``, from 90 % intervals where the YAML gives ranges; the beta
range fitted with scipy, which squigglepy does not do), the two rank
correlations go through squigglepy's own ``sq.correlate`` (Iman-Conover),
with its defaults (it checks the induced rank correlations;
``--no-correlation-check`` turns that off), and each driver is drawn once as
a whole array with ``sq.sample(dist, n=N)``.
squigglepy has no events or scenarios, so derived quantities, event times
(``Exp(1)`` draws from ``sq.exponential(1)``, the cumulative hazard inverted
in closed form) and the scenario rules are numpy on those arrays, as in the
hand-written model; percentiles come from ``sq.get_percentiles``.

Both produce the same outputs: scenario probabilities per horizon, event
probabilities by horizon, and mean / sd / min / max / percentiles 5, 25, 50,
75, 95 of every driver and derived quantity. The script prints both times
(best of ``--repeats``, alternating, after an untimed warm-up of each), the
speed-up (squigglepy time / outlook time; target at least 3x) and the
agreement of the outputs within Monte Carlo error.

Usage::

    python benchmarks/bench_squigglepy.py [--samples 1e6] [--repeats 3]
        [--seed 1] [--no-correlation-check] [--assert-speedup X]

Exit status 0 whatever the figures (and when squigglepy is absent), unless
``--assert-speedup X`` is given and the speed-up is below X, or the outputs
disagree beyond Monte Carlo error.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from typing import Any

import benchargs
import numpy as np
from common import check_agreement, outlook_arrays, via_outlook
from handwritten import PCTS, TEN_DRIVERS, Array, Result, by_rates, fit_beta, outcome, switch_time

import outlook
from outlook.model import DEFAULT_CHUNK_SIZE

TARGET = 3.0  # outlook at least 3x faster than squigglepy (the target)


def via_squigglepy(sq: Any, n: int, seed: int, *, check_correlation: bool = True) -> Result:
    """The ten-driver model with squigglepy distributions, sampled as whole arrays.

    ``check_correlation=False`` passes ``tolerance=None`` to ``sq.correlate``,
    skipping squigglepy's check of the induced rank correlations (a
    ``spearmanr`` over every sample), which is on by default.
    """
    sq.set_seed(seed)

    def draw(dist: Any) -> Array:
        return np.asarray(sq.sample(dist, n=n, verbose=False), dtype=np.float64)

    # drivers; squigglepy's ranges are 90 % credible intervals, as outlook's
    demand = sq.norm(80, 120)
    unit_cost = sq.lognorm(2, 8)
    price = sq.uniform(6, 14)
    # Spearman rho becomes r = 2 sin(pi rho / 6) between the normal scores, as
    # in outlook (squigglepy applies the matrix to van der Waerden scores)
    r = lambda rho: 2 * math.sin(math.pi * rho / 6)  # noqa: E731
    corr = [[1.0, r(0.4), 0.0], [r(0.4), 1.0, r(0.5)], [0.0, r(0.5), 1.0]]
    tolerance = 0.05 if check_correlation else None  # 0.05: squigglepy's default
    demand, unit_cost, price = sq.correlate((demand, unit_cost, price), corr, tolerance=tolerance)
    half = (0.3 - 0.1) / 2 / 0.9  # range [0.1, 0.3] uniform: 90 % of the mass
    values = {
        "demand": draw(demand),  # samples the correlated group at once
        "unit_cost": draw(unit_cost),
        "price": draw(price),
        "capacity": draw(sq.norm(mean=105, sd=12)),
        "share": draw(sq.uniform(0.2 - half, 0.2 + half)),
        "delay_months": draw(sq.pert(1, 3, 12)),
        "p_launch_1y": draw(sq.beta(*fit_beta(0.2, 0.6))),
        "churn": draw(sq.beta(2, 8)),
        "shock_rate": draw(sq.lognorm(norm_mean=-2.0, norm_sd=0.6)),
        "regulator_ok": draw(sq.bernoulli(0.7)),
    }
    v = values
    regulator_ok = v["regulator_ok"] > 0

    # derived
    v["margin"] = v["price"] - v["unit_cost"]
    v["profit"] = np.minimum(v["demand"], v["capacity"]) * v["share"] * v["margin"] - 2 * v["delay_months"]
    v["p_launch_3y"] = v["p_launch_1y"] + (1 - v["p_launch_1y"]) * np.where(regulator_ok, 0.6, 0.3)
    v["overload_rate"] = np.maximum(v["demand"] - v["capacity"], 0) / 40 + 0.05

    # event times: T solves H(T) = E, E ~ Exp(1)
    e = [draw(sq.exponential(1)) for _ in TEN_DRIVERS.events]
    h1, h3 = by_rates([v["p_launch_1y"], v["p_launch_3y"]], [1.0, 3.0])
    t_launch = np.where(e[0] <= h1, e[0] / h1, 1.0 + (e[0] - h1) / h3)
    t_price_war = e[1] / (0.1 + 0.5 * v["churn"])
    t_shock = e[2] / v["shock_rate"]
    t_overload = switch_time(e[3], v["overload_rate"], t_shock, 3.0)
    t_recall = e[4] / (0.01 * v["delay_months"])

    def label(h: list[Array]) -> Array:
        launch, price_war, shock, overload, _recall = h
        rules = [shock & overload, launch & (v["profit"] > 0) & ~price_war, launch]
        return np.select(rules, [0, 1, 2], 3)

    times = (t_launch, t_price_war, t_shock, t_overload, t_recall)
    scen, ev = outcome(TEN_DRIVERS.horizons, times, label, len(TEN_DRIVERS.scenarios))
    stats = {}
    for name in TEN_DRIVERS.drivers + TEN_DRIVERS.derived:
        x = v[name]
        pct = sq.get_percentiles(x, percentiles=list(PCTS))
        stats[name] = (float(x.mean()), float(x.std(ddof=1)), float(x.min()), *map(float, pct.values()), float(x.max()))
    return {"scenarios": scen, "events": ev, "stats": stats}


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run both, print; return the exit status."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--samples", type=benchargs.count, default=1e6, help="samples per run (default 1e6)")
    ap.add_argument("--repeats", type=benchargs.count, default=3, help="timed repeats; the best counts (default 3)")
    ap.add_argument("--seed", type=benchargs.seed, default=1)
    ap.add_argument(
        "--no-correlation-check",
        action="store_true",
        help="sq.correlate(..., tolerance=None): skip squigglepy's default check of the induced correlations",
    )
    ap.add_argument(
        "--assert-speedup", type=benchargs.positive, default=None, metavar="X", help="exit 1 if the speed-up is below X"
    )
    args = ap.parse_args(argv)
    n, chunk = int(args.samples), DEFAULT_CHUNK_SIZE
    try:
        import squigglepy as sq
    except ImportError as exc:
        print(f"squigglepy is not importable ({exc}); skipping the comparison (pip install squigglepy)")
        return 0

    model = TEN_DRIVERS
    print(f"scenario: {model.scenario.relative_to(model.scenario.parents[1])}")
    print(f"samples: {n:,}   repeats: {args.repeats} (best counts)")
    check = not args.no_correlation_check
    what = "0.05, the default: the induced correlations are checked" if check else "None: unchecked"
    print(f"sq.correlate tolerance: {what}")
    print(f"squigglepy {sq.__version__}, numpy {np.__version__}, outlook {outlook.__version__}")

    via_outlook(model, min(n, 100_000), args.seed, chunk)  # warm up, untimed
    via_squigglepy(sq, min(n, 100_000), args.seed, check_correlation=check)
    best = {"outlook": (math.inf, math.inf), "squigglepy": (math.inf, math.inf)}
    res_out: Any = None
    res_sq: Result = {}
    for _ in range(args.repeats):  # alternate, so that machine noise hits both alike
        t, c = time.perf_counter(), time.process_time()
        tables, _ = via_outlook(model, n, args.seed, chunk)
        dt = (time.perf_counter() - t, time.process_time() - c)
        if dt[0] < best["outlook"][0]:
            best["outlook"], res_out = dt, tables
        t, c = time.perf_counter(), time.process_time()
        res = via_squigglepy(sq, n, args.seed + 1000, check_correlation=check)
        dt = (time.perf_counter() - t, time.process_time() - c)
        if dt[0] < best["squigglepy"][0]:
            best["squigglepy"], res_sq = dt, res
    (t_out, c_out), (t_sq, c_sq) = best["outlook"], best["squigglepy"]
    speedup = t_sq / t_out

    print()
    print(f"timings (best of {args.repeats}; wall, and this process's CPU time over the same run)")
    print(f"  outlook    {t_out:8.3f} s wall {c_out:8.3f} s CPU   {n / t_out:12,.0f} samples/s")
    print(f"  squigglepy {t_sq:8.3f} s wall {c_sq:8.3f} s CPU   {n / t_sq:12,.0f} samples/s")
    verdict = "MEETS" if speedup >= TARGET else "MISSES"
    print(f"  speed-up squigglepy / outlook: {speedup:.2f}x wall   ({verdict} the {TARGET}x target)")
    print(f"                                 {c_sq / c_out:.2f}x CPU")
    print()
    ok = check_agreement(model, outlook_arrays(model, res_out), res_sq, n, names=("outlook", "squiggle"))
    if not ok:
        print("FAIL: outlook and squigglepy disagree beyond Monte Carlo error")
        return 1
    if args.assert_speedup is not None and speedup < args.assert_speedup:
        print(f"FAIL: speed-up {speedup:.2f} is below --assert-speedup {args.assert_speedup}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(benchargs.run(main))
