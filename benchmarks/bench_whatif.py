"""Time an incremental what-if against a full draw of the what-if's worlds.

The bundled scenario's base worlds are drawn once (``iter_worlds``); then,
alternating in one process, the what-if's worlds are (a) drawn in full
(``iter_worlds`` on the what-if's model) and (b) recomputed from the base
worlds (``iter_recomputed``), which copies every node the change cannot
reach. The what-if overrides one late driver (default ``unrest_rate``, the
last driver of the file, which feeds one event and the rules that name it).
Each side's CPU time (``time.process_time``) is taken per repeat; the figure
is the ratio incremental / full, with the min and the median over repeats.
The two sides are checked to give the same worlds, byte for byte.

Usage::

    python benchmarks/bench_whatif.py [--samples 1000000] [--repeats 5] [--seed 1]
        [--set drivers.unrest_rate.range=[0.002,0.03]]

Exit status 0 whatever the ratio (it is a measurement), unless the two
sides disagree.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))  # benchmark this checkout, not an installed copy


import benchargs  # noqa: E402 (beside this script)

import outlook  # noqa: E402
from outlook.model import iter_recomputed, iter_worlds, plan_recompute  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=benchargs.count, default=1_000_000)
    ap.add_argument("--repeats", type=benchargs.count, default=5)
    ap.add_argument("--seed", type=benchargs.seed, default=1)
    ap.add_argument("--set", default="drivers.unrest_rate.range=[0.002,0.03]")
    args = ap.parse_args(argv)
    key, _, text = args.set.partition("=")
    base = outlook.load_scenario(outlook.find_scenario("nk-troops-russia"))
    new = base.with_overrides({key: yaml.safe_load(text)})
    base_model, new_model = outlook.compile_model(base), outlook.compile_model(new)
    plan = plan_recompute(base_model, new_model)
    n_nodes = len(new.drivers) + len(new.derived) + len(new.events) + len(new.rules)
    print(f"what-if {args.set}: recomputes {len(plan.nodes)} of {n_nodes} nodes: {sorted(plan.nodes)}")
    blocks = list(iter_worlds(base_model, samples=args.samples, seed=args.seed))
    full_t: list[float] = []
    incr_t: list[float] = []
    for _ in range(args.repeats):
        t0 = time.process_time()
        full = list(iter_worlds(new_model, samples=args.samples, seed=args.seed))
        t1 = time.process_time()
        incr = list(iter_recomputed(base_model, blocks, new_model, seed=args.seed, samples=args.samples))
        t2 = time.process_time()
        full_t.append(t1 - t0)
        incr_t.append(t2 - t1)
    for a, b in zip(full, incr, strict=True):
        same = all(a.values[k].tobytes() == b.values[k].tobytes() for k in a.values)
        same = same and all(a.times[k].tobytes() == b.times[k].tobytes() for k in a.times)
        if not (same and a.labels.tobytes() == b.labels.tobytes()):
            print("the incremental worlds differ from a full draw")
            return 1
    ratios = [i / f for i, f in zip(incr_t, full_t, strict=True)]
    print(f"{args.samples:,} samples, {args.repeats} repeats, CPU seconds")
    print(f"full draw:   min {min(full_t):.3f}  median {statistics.median(full_t):.3f}")
    print(f"incremental: min {min(incr_t):.3f}  median {statistics.median(incr_t):.3f}")
    print(f"incremental / full: min {min(ratios):.3f}  median {statistics.median(ratios):.3f} (identical worlds)")
    return 0


if __name__ == "__main__":
    sys.exit(benchargs.run(main))
