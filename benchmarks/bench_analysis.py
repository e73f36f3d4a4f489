"""Time the sensitivity analyses against one plain run, as ratios of CPU time in one process.

Three figures (issue 12, "Speed"):

* the full tornado (every driver at its 5th and 95th percentile) of the
  bundled scenario for each target, at 200,000 samples, against one plain
  run at 200,000 (compile, simulate, summarise): target at most 3x;
* the first-order indices of every driver for every scenario and event at
  every horizon from the run's worlds (already drawn), against the same plain
  run: target at most 0.5x;
* for the ten-driver benchmark model, one run plus its first-order indices at
  as many worlds as SALib's Saltelli design evaluates for first- and
  total-order indices at N = 2^14 (N (2d + 2) = 360,448), beside SALib's
  figure on this machine (3.4-4.2 s of CPU, issue 12; measured here too if
  SALib is installed);
* updating on observations (docs/examples/nk-observations.yaml) of the run's
  stored worlds (``outlook.update(..., worlds=)``, the effective sample size
  sufficing, so nothing is drawn), against the same plain run: target at
  most 0.2x (issue 13, "Speed").

The sides alternate in one process; each figure is the min and the median
over repeats of ``time.process_time``.

Usage::

    python benchmarks/bench_analysis.py [--samples 200000] [--repeats 5] [--target contained@short ...]
        [--assert]

Exit status 0 whatever the figures, unless ``--assert`` and a target is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))  # benchmark this checkout, not an installed copy


import benchargs  # noqa: E402 (beside this script)

import outlook  # noqa: E402
from outlook.analysis import first_order_indices, tornado  # noqa: E402
from outlook.analysis.indices import BATCHES, bin_count  # noqa: E402
from outlook.model import iter_worlds  # noqa: E402
from outlook.scenario.observations import load_observations  # noqa: E402

TARGETS = ("further_deployment@short", "contained@short", "deepening_alliance@medium", "blowback@long")
SALIB_REFERENCE = "3.4-4.2 s"


def _cpu(fn: object) -> float:
    t0 = time.process_time()
    fn()  # type: ignore[operator]
    return time.process_time() - t0


def _plain(scenario: outlook.Scenario, samples: int, seed: int) -> None:
    outlook.summarise(outlook.simulate(outlook.compile_model(scenario), samples=samples, seed=seed))


def _salib_reference(repeats: int, seed: int) -> tuple[str, int, list[float]] | None:
    """SALib's Saltelli sampling and Sobol' analysis (first and total order) at N = 2^14, if installed.

    The function is a ten-input sum of Ishigami-like terms, so that evaluating
    it costs next to nothing and the figure is SALib's own work.
    """
    try:
        from importlib.metadata import version

        import numpy as np
        from SALib.analyze import sobol as sobol_analyze
        from SALib.sample import sobol as sobol_sample
    except ImportError:
        return None
    d = 10
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[-np.pi, np.pi]] * d}
    rows = 0

    def run() -> None:
        nonlocal rows
        x = sobol_sample.sample(problem, 2**14, calc_second_order=False, seed=seed)
        rows = len(x)
        y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0]) + x[:, 3:].sum(axis=1)
        sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed)

    times = [_cpu(run) for _ in range(repeats)]
    return version("SALib"), rows, times


def _fmt(xs: list[float]) -> str:
    return f"min {min(xs):.3f}  median {statistics.median(xs):.3f}"


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=benchargs.count, default=200_000, help="worlds a run (default 200,000)")
    ap.add_argument("--repeats", type=benchargs.count, default=5, help="repeats: min and median (default 5)")
    ap.add_argument("--seed", type=benchargs.seed, default=1, help="the runs' seed (default 1)")
    ap.add_argument("--target", action="append", default=None, help="a tornado target ID@HORIZON (repeatable)")
    ap.add_argument("--assert", dest="check", action="store_true", help="exit 1 if a median ratio misses its limit")
    args = ap.parse_args(argv)
    targets = tuple(args.target or TARGETS)
    s = outlook.load_scenario(outlook.find_scenario("nk-troops-russia"))
    n, seed = args.samples, args.seed
    least = 2 * bin_count(n) * BATCHES  # the indices' batches of bins
    if n < least:
        ap.error(f"--samples must be at least {least:,} for the first-order indices (got {n:,})")
    model = outlook.compile_model(s)
    _plain(s, 10_000, seed)  # warm up imports on both sides
    for t in targets:
        try:
            tornado(model, t, samples=10_000, seed=seed)
        except ValueError as exc:  # a target the scenario does not have: its message names the ones it has
            ap.error(f"--target {t}: {exc}")
    first_order_indices(model, samples=10_000, seed=seed)
    blocks = list(iter_worlds(model, samples=n, seed=seed))
    plain: list[float] = []
    torn: dict[str, list[float]] = {t: [] for t in targets}
    ind: list[float] = []
    store = outlook.sample_worlds(model, samples=n, seed=seed)
    seen = load_observations(HERE.parent / "docs" / "examples" / "nk-observations.yaml", s)
    outlook.update(s, seen, worlds=store)
    upd: list[float] = []
    for _ in range(args.repeats):
        upd.append(_cpu(lambda: outlook.update(s, seen, worlds=store)))
        plain.append(_cpu(lambda: _plain(s, n, seed)))
        for t in targets:
            torn[t].append(_cpu(lambda t=t: tornado(model, t, samples=n, seed=seed)))
        ind.append(_cpu(lambda: first_order_indices(model, samples=n, seed=seed, blocks=blocks)))
    pm, pmed = min(plain), statistics.median(plain)
    ok = True
    print(f"bundled scenario, {n:,} samples, {args.repeats} repeats, CPU seconds")
    print(f"plain run (compile, simulate, summarise): {_fmt(plain)}")
    for t, xs in torn.items():
        r_min, r_med = min(xs) / pm, statistics.median(xs) / pmed
        ok &= r_med <= 3.0
        print(f"tornado {t} ({len(s.drivers)} drivers): {_fmt(xs)}  ratio min {r_min:.2f}  median {r_med:.2f} (<= 3)")
    r_med = statistics.median(ind) / pmed
    ok &= r_med <= 0.5
    rows = len(first_order_indices(model, samples=n, seed=seed, blocks=blocks))
    print(
        f"first-order indices ({rows} driver-target pairs): {_fmt(ind)}  ratio min {min(ind) / pm:.2f}  median {r_med:.2f} (<= 0.5)"
    )
    r_med = statistics.median(upd) / pmed
    ok &= r_med <= 0.2
    drawn = outlook.update(s, seen, worlds=store).worlds_drawn
    print(
        f"update on {len(seen)} observations, stored worlds ({drawn:,} drawn in all): {_fmt(upd)}  "
        f"ratio min {min(upd) / pm:.2f}  median {r_med:.2f} (<= 0.2)"
    )
    ten = outlook.load_scenario(HERE / "ten_drivers.yaml")
    worlds = 2**14 * (2 * len(ten.drivers) + 2)
    ten_model = outlook.compile_model(ten)

    def ten_run() -> None:
        outlook.summarise(outlook.simulate(ten_model, samples=worlds, seed=seed))
        first_order_indices(ten_model, samples=worlds, seed=seed)

    ten_t = [_cpu(ten_run) for _ in range(args.repeats)]
    print(
        f"ten-driver model, {worlds:,} worlds: run + first-order indices {_fmt(ten_t)}; SALib first- and total-order Sobol' at N = 2^14: {SALIB_REFERENCE} (issue 12)"
    )
    salib = _salib_reference(args.repeats, seed)
    if salib is None:
        print("(SALib is not installed here: its figure is the issue's; pip install SALib to measure it)")
    else:
        print(
            f"SALib {salib[0]} measured here, first- and total-order Sobol' indices of a ten-input function at "
            f"N = 2^14 ({salib[1]:,} rows, 100 bootstrap resamples): {_fmt(salib[2])}; "
            f"outlook's median is {statistics.median(ten_t) / statistics.median(salib[2]):.2f}x of it"
        )
    if args.check and not ok:
        print("a target was missed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(benchargs.run(main))
