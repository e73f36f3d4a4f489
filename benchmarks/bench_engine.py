"""Time outlook against a hand-written numpy version of the same model.

Runs ``benchmarks/ten_drivers.yaml`` through outlook (load -> compile ->
simulate -> summarise) and through ``handwritten()`` below: the same model as
a competent numpy user would write it in one go (every sample at once, one
``default_rng``, closed forms, scipy only to fit the beta range). Both give
the same outputs: scenario probabilities per horizon, event probabilities by
horizon, and mean / sd / min / max / percentiles 5, 25, 50, 75, 95 of every
driver and derived quantity (``np.percentile`` over all samples).

The two use different random numbers, so their results agree only within
Monte Carlo error; the script checks that the scenario probabilities agree
within 5 standard errors of their difference.

Usage::

    python benchmarks/bench_engine.py [--samples 1000000] [--repeats 3]
        [--seed 1] [--chunk-size N] [--assert-ratio X] [--profile]

Exit status 0 whatever the ratio (it is a measurement), unless
``--assert-ratio X`` is given and outlook / hand-written exceeds X, or the
results disagree beyond Monte Carlo error.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import pstats
import sys
import time
from pathlib import Path

import numpy as np
from scipy import optimize, special

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # benchmark this checkout, not an installed copy

import outlook  # noqa: E402
from outlook.engine import DEFAULT_CHUNK_SIZE  # noqa: E402

SCENARIO = HERE / "ten_drivers.yaml"
PCTS = (5, 25, 50, 75, 95)
TARGET = 1.3  # outlook within 1.3x of hand-written numpy (the target)


# --------------------------------------------------------------------------
# the hand-written model: keep in step with ten_drivers.yaml
# --------------------------------------------------------------------------

HORIZONS = (("short", 1.0), ("medium", 3.0), ("long", 5.0))
SCENARIOS = ("crisis", "breakout", "grind", "stalled")
EVENTS = ("launch", "price_war", "supply_shock", "overload", "recall")
DRIVERS = (
    "demand", "unit_cost", "price", "capacity", "share",
    "delay_months", "p_launch_1y", "churn", "shock_rate", "regulator_ok",
)  # fmt: skip
DERIVED = ("margin", "profit", "p_launch_3y", "overload_rate")


def fit_beta(lo: float, hi: float, q: float = 0.05) -> tuple[float, float]:
    """Beta(a, b) whose q and 1 - q quantiles are lo and hi."""

    def resid(x: np.ndarray) -> np.ndarray:
        got = special.betaincinv(math.exp(x[0]), math.exp(x[1]), [q, 1 - q])
        return (got - [lo, hi]) / (hi - lo)

    sol = optimize.root(resid, [math.log(4.0), math.log(6.0)], method="hybr")
    if not sol.success or np.abs(resid(sol.x)).max() > 1e-9:
        raise RuntimeError(f"beta fit failed: {sol.message}")
    return math.exp(sol.x[0]), math.exp(sol.x[1])


def handwritten(n: int, seed: int) -> dict[str, object]:
    """The ten-driver model in plain numpy, all ``n`` samples at once."""
    rng = np.random.default_rng(seed)
    z90 = special.ndtri(0.95)  # a range is the central 90 % interval

    # correlated drivers: Gaussian copula, Pearson r = 2 sin(pi rho / 6)
    r = lambda rho: 2 * math.sin(math.pi * rho / 6)  # noqa: E731
    corr = np.array([[1, r(0.4), 0], [r(0.4), 1, r(0.5)], [0, r(0.5), 1]])
    z = rng.standard_normal((n, 3)) @ np.linalg.cholesky(corr).T
    demand = 100 + (120 - 80) / (2 * z90) * z[:, 0]  # range [80, 120] normal
    unit_cost = np.exp(math.log(16) / 2 + (math.log(8) - math.log(2)) / (2 * z90) * z[:, 1])  # [2, 8] lognormal
    price = 6 + 8 * special.ndtr(z[:, 2])  # uniform 6..14
    # independent drivers
    capacity = rng.normal(105, 12, n)
    half = (0.3 - 0.1) / 2 / 0.9  # range [0.1, 0.3] uniform: 90 % of the mass
    share = rng.uniform(0.2 - half, 0.2 + half, n)
    delay_months = 1 + 11 * rng.beta(1 + 4 * 2 / 11, 1 + 4 * 9 / 11, n)  # pert 1, 3, 12
    a, b = fit_beta(0.2, 0.6)
    p_launch_1y = rng.beta(a, b, n)
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
    h1 = -np.log1p(-p_launch_1y)
    h3 = -np.log1p(-p_launch_3y)
    t_launch = np.where(e[0] <= h1, e[0] / h1, 1.0 + (e[0] - h1) / ((h3 - h1) / 2.0))
    t_price_war = e[1] / (0.1 + 0.5 * churn)
    t_shock = e[2] / shock_rate
    # overload: hazard x3 once the supply shock has happened
    before = overload_rate * t_shock
    t_overload = np.where(e[3] <= before, e[3] / overload_rate, t_shock + (e[3] - before) / (3 * overload_rate))
    t_recall = e[4] / (0.01 * delay_months)

    times = (t_launch, t_price_war, t_shock, t_overload, t_recall)
    scen = np.empty((len(HORIZONS), len(SCENARIOS)))
    ev = np.empty((len(EVENTS), len(HORIZONS)))
    for hi, (_, end) in enumerate(HORIZONS):
        launch, price_war, shock, overload, _recall = (t <= end for t in times)
        for k, t in enumerate(times):
            ev[k, hi] = np.count_nonzero(t <= end) / n
        label = np.select([shock & overload, launch & (profit > 0) & ~price_war, launch], [0, 1, 2], 3)
        scen[hi] = np.bincount(label, minlength=4) / n

    values = dict(zip(DRIVERS + DERIVED, (
        demand, unit_cost, price, capacity, share, delay_months, p_launch_1y, churn, shock_rate,
        regulator_ok.astype(np.float64), margin, profit, p_launch_3y, overload_rate,
    )))  # fmt: skip
    stats = {k: (v.mean(), v.std(ddof=1), v.min(), *np.percentile(v, PCTS), v.max()) for k, v in values.items()}
    return {"scenarios": scen, "events": ev, "stats": stats}


# --------------------------------------------------------------------------
# outlook
# --------------------------------------------------------------------------


def via_outlook(n: int, seed: int, chunk: int) -> tuple[outlook.Outlook, dict[str, float]]:
    t0 = time.perf_counter()
    s = outlook.load_scenario(SCENARIO)
    t1 = time.perf_counter()
    m = outlook.compile_model(s)
    t2 = time.perf_counter()
    run = outlook.simulate(m, samples=n, seed=seed, chunk_size=chunk)
    t3 = time.perf_counter()
    tables = outlook.summarise(run)
    t4 = time.perf_counter()
    return tables, {"load": t1 - t0, "compile": t2 - t1, "simulate": t3 - t2, "summarise": t4 - t3}


def outlook_arrays(t: outlook.Outlook) -> dict[str, object]:
    scen = t.scenarios.pivot(index="horizon", columns="scenario", values="p")
    scen = scen.loc[[h for h, _ in HORIZONS], list(SCENARIOS)].to_numpy()
    ev = t.events.pivot(index="event", columns="horizon", values="p_by")
    ev = ev.loc[list(EVENTS), [h for h, _ in HORIZONS]].to_numpy()
    cols = ["mean", "sd", "min", *(f"p{q}" for q in PCTS), "max"]
    stats = {}
    for frame in (t.drivers, t.derived):
        for row in frame.itertuples(index=False):
            stats[row.name] = tuple(getattr(row, c) for c in cols)
    return {"scenarios": scen, "events": ev, "stats": stats}


# --------------------------------------------------------------------------


def best_of(fn, repeats: int) -> tuple[float, object]:
    best, out = math.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=float, default=1e6, help="samples per run (default 1e6)")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats; the best counts (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk-size", type=float, default=DEFAULT_CHUNK_SIZE, help="outlook chunk_size")
    ap.add_argument("--assert-ratio", type=float, default=None, metavar="X", help="exit 1 if outlook/hand-written > X")
    ap.add_argument("--profile", action="store_true", help="cProfile one outlook run; top 15 by cumulative time")
    args = ap.parse_args(argv)
    n, chunk = int(args.samples), int(args.chunk_size)

    print(f"scenario: {SCENARIO.relative_to(HERE.parent)}")
    print(f"samples: {n:,}   repeats: {args.repeats} (best counts)   chunk_size: {chunk:,}")
    print(f"numpy {np.__version__}, outlook {outlook.__version__}, python {sys.version.split()[0]}")

    # warm up imports and caches once, untimed
    via_outlook(min(n, 100_000), args.seed, chunk)
    handwritten(min(n, 100_000), args.seed)

    # alternate the two so that machine noise hits both alike
    t_out, t_hand, stages = math.inf, math.inf, {}
    res_out = res_hand = None
    for _ in range(args.repeats):
        t = time.perf_counter()
        tables, st = via_outlook(n, args.seed, chunk)
        dt = time.perf_counter() - t
        if dt < t_out:
            t_out, stages, res_out = dt, st, tables
        t = time.perf_counter()
        res = handwritten(n, args.seed + 1000)
        dt = time.perf_counter() - t
        if dt < t_hand:
            t_hand, res_hand = dt, res
    assert res_out is not None
    assert res_hand is not None
    ratio = t_out / t_hand

    print()
    print(f"timings (best of {args.repeats})")
    print(f"  outlook      {t_out:8.3f} s   {n / t_out:14,.0f} samples/s")
    print("    " + "   ".join(f"{k} {v:.3f} s" for k, v in stages.items()))
    print(f"  hand-written {t_hand:8.3f} s   {n / t_hand:14,.0f} samples/s")
    verdict = "MEETS" if ratio <= TARGET else "MISSES"
    print(f"  ratio outlook / hand-written: {ratio:.2f}x   ({verdict} the {TARGET}x target)")

    # agreement within Monte Carlo error
    o = outlook_arrays(res_out)
    h = res_hand
    se = lambda p: np.sqrt(p * (1 - p) / n)  # noqa: E731

    print()
    print("scenario probabilities (outlook vs hand-written; z = difference / its standard error)")
    print(f"  {'horizon':8s} {'scenario':10s} {'outlook':>9s} {'hand':>9s} {'z':>6s}")
    zs = []
    for hi, (hname, _) in enumerate(HORIZONS):
        for si, sname in enumerate(SCENARIOS):
            a, b = o["scenarios"][hi, si], h["scenarios"][hi, si]
            s = math.sqrt(se(a) ** 2 + se(b) ** 2) or 1e-300
            zs.append((a - b) / s)
            print(f"  {hname:8s} {sname:10s} {a:9.5f} {b:9.5f} {zs[-1]:6.2f}")
    zmax = float(np.max(np.abs(zs)))
    ok = zmax < 5
    print(f"  CHECK scenario probabilities agree within 5 SE: {'PASS' if ok else 'FAIL'} (max |z| = {zmax:.2f})")

    pe, ph = o["events"], h["events"]
    ze = (pe - ph) / np.maximum(np.sqrt(se(pe) ** 2 + se(ph) ** 2), 1e-300)
    print(f"  event probabilities by horizon: max |z| = {np.abs(ze).max():.2f} over {ze.size} cells")
    zm = []
    worst_pct = (0.0, "")
    for name in DRIVERS + DERIVED:
        so, sh = o["stats"][name], h["stats"][name]
        sd = max(so[1], sh[1], 1e-300)
        zm.append((so[0] - sh[0]) / (sd * math.sqrt(2 / n)))
        rel = max(abs(a - b) for a, b in zip(so[3:8], sh[3:8])) / sd
        if rel >= worst_pct[0]:
            worst_pct = (rel, name)
    print(f"  driver/derived means: max |z| = {np.max(np.abs(zm)):.2f} over {len(zm)} quantities")
    print(f"  percentiles: largest difference {worst_pct[0]:.4f} sd ({worst_pct[1]})")

    if args.profile:
        print()
        print("cProfile of one outlook run (top 15 by cumulative time)")
        pr = cProfile.Profile()
        pr.enable()
        via_outlook(n, args.seed, chunk)
        pr.disable()
        buf = io.StringIO()
        pstats.Stats(pr, stream=buf).sort_stats("cumulative").print_stats(15)
        print(buf.getvalue())

    if not ok:
        print("FAIL: outlook and the hand-written model disagree beyond Monte Carlo error")
        return 1
    if args.assert_ratio is not None and ratio > args.assert_ratio:
        print(f"FAIL: ratio {ratio:.2f} exceeds --assert-ratio {args.assert_ratio}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
