"""Both cores: a run split over worker processes, against one process.

Runs the bundled scenario (or ``--scenario``) at ``--samples`` (default 1e7)
in this process (``workers=1``) and split over ``--workers`` local worker
processes (default: every core this process may use), alternating the two,
best of ``--repeats``. Prints both wall times, the ratio parallel / serial
(target: at most 0.6 with two cores) and checks that every table is
identical, bit for bit (exit 1 if not).

Usage::

    python benchmarks/bench_parallel.py [--samples 1e7] [--workers N]
        [--repeats 2] [--seed 1] [--scenario PATH] [--assert-ratio 0.6]

Exit status 0 whatever the ratio (it is a measurement), unless
``--assert-ratio X`` is given and the ratio exceeds it, or the tables differ.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # benchmark this checkout, not an installed copy


import benchargs  # noqa: E402 (beside this script)

import outlook  # noqa: E402
from outlook.model.runner import cpu_count  # noqa: E402

TARGET = 0.6


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=benchargs.count, default=1e7)
    ap.add_argument(
        "--workers", type=benchargs.count, default=None, help="worker processes (default: every usable core)"
    )
    ap.add_argument("--repeats", type=benchargs.count, default=2)
    ap.add_argument("--seed", type=benchargs.seed, default=1)
    ap.add_argument("--scenario", type=Path, default=HERE.parent / "scenarios" / "nk-troops-russia.yaml")
    ap.add_argument("--assert-ratio", type=benchargs.positive, default=None)
    args = ap.parse_args(argv)
    n = int(args.samples)
    workers = args.workers or cpu_count()
    model = outlook.compile_model(outlook.load_scenario(args.scenario))
    print(f"{args.scenario.name}: {n:,} samples, seed {args.seed}, {workers} worker processes, {cpu_count()} cores")
    best = {1: float("inf"), workers: float("inf")}
    tables = {}
    for _ in range(args.repeats):
        for w in (1, workers):
            t = time.perf_counter()
            run = outlook.simulate(model, samples=n, seed=args.seed, workers=w)
            best[w] = min(best[w], time.perf_counter() - t)
            tables[w] = outlook.summarise(run)
    same = all(tables[1].table(k).equals(tables[workers].table(k)) for k in tables[1].TABLES)
    ratio = best[workers] / best[1]
    print(f"  one process     {best[1]:8.2f} s  {n / best[1]:12,.0f} samples/s")
    print(f"  {workers} processes     {best[workers]:8.2f} s  {n / best[workers]:12,.0f} samples/s")
    print(f"  ratio {workers} processes / one: {ratio:.2f}x (target <= {TARGET}x with two cores)")
    print(f"  tables identical: {same}")
    if not same:
        return 1
    if args.assert_ratio is not None and ratio > args.assert_ratio:
        print(f"FAIL: ratio {ratio:.2f} > {args.assert_ratio}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(benchargs.run(main))
