"""Peak resident memory of an outlook run, as the sample count grows.

Each measurement runs in a fresh child Python process (``python -c``), so
that its peak resident set size (``ru_maxrss``) is its own:

* baseline: import numpy, pandas and outlook, load and compile the scenario;
* the full pipeline (load -> compile -> simulate -> summarise) at a small
  sample count (``--small``, default 1e6);
* the same at ``--samples`` (default 1e8).

outlook keeps accumulators, never every sample, so the peak should stay flat
as samples grow: the target is 100 million samples under 400 MB peak.

The figure is the child's ``ru_maxrss`` as ``os.wait4`` reports it for that
child alone (kilobytes on Linux, bytes on macOS), printed in MB (10^6
bytes). ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` (the largest of
all children waited for so far) is printed alongside as a cross-check.

Usage::

    python benchmarks/bench_memory.py [--samples 1e8] [--small 1e6]
        [--scenario PATH] [--seed 1] [--chunk-size N] [--assert-mb X]

Exit status 0 whatever the figures, unless ``--assert-mb X`` is given and the
large run's peak exceeds X MB, or a child fails.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import benchargs  # beside this script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_SCENARIO = ROOT / "scenarios" / "nk-troops-russia.yaml"
TARGET_MB = 400.0

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import numpy, pandas
import outlook
path, samples, seed, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
model = outlook.compile_model(outlook.load_scenario(path))
t1 = time.perf_counter()
rows = None
if samples > 0:
    run = outlook.simulate(model, samples=samples, seed=seed, chunk_size=chunk)
    tables = outlook.summarise(run)
    rows = len(tables.scenarios)
t2 = time.perf_counter()
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"setup_s": t1 - t0, "run_s": t2 - t1, "rows": rows, "self_maxrss": self_kb}))
"""


def to_mb(maxrss: int) -> float:
    """ru_maxrss to MB: kilobytes on Linux, bytes on macOS."""
    return maxrss / 1e6 if sys.platform == "darwin" else maxrss * 1024 / 1e6


def measure(path: Path, samples: int, seed: int, chunk: int) -> dict[str, float]:
    """Run one child; its own peak RSS (MB) and timings."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    cmd = [sys.executable, "-c", CHILD, str(path), str(samples), str(seed), str(chunk)]
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    assert p.stdout is not None
    out = p.stdout.read()
    p.stdout.close()
    _, status, ru = os.wait4(p.pid, 0)  # this child's own rusage
    p.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it is reaped
    wall = time.perf_counter() - t
    if p.returncode != 0:
        msg = f"child exited with status {p.returncode}: {' '.join(cmd[:2])} ... {samples}"
        raise SystemExit(msg)
    info = json.loads(out.strip().splitlines()[-1])
    return {
        "peak_mb": to_mb(ru.ru_maxrss),
        "children_max_mb": to_mb(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss),
        "wall_s": wall,
        "run_s": info["run_s"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=benchargs.count, default=1e8, help="samples of the large run (default 1e8)")
    ap.add_argument("--small", type=benchargs.count, default=1e6, help="samples of the reference run (default 1e6)")
    ap.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO, help="scenario file (default: the bundled one)")
    ap.add_argument("--seed", type=benchargs.seed, default=1)
    ap.add_argument("--chunk-size", type=benchargs.count, default=None, help="outlook chunk_size (default: outlook's)")
    ap.add_argument(
        "--assert-mb",
        type=benchargs.positive,
        default=None,
        metavar="X",
        help="exit 1 if the large run peaks above X MB",
    )
    args = ap.parse_args(argv)
    if not args.scenario.is_file():  # each child loads it: say so here, once, rather than through a child's traceback
        ap.error(f"--scenario {args.scenario}: no such file")
    if args.chunk_size is None:
        sys.path.insert(0, str(ROOT))
        from outlook.model import DEFAULT_CHUNK_SIZE

        args.chunk_size = DEFAULT_CHUNK_SIZE
    path = args.scenario.resolve()
    big, small, chunk = int(args.samples), int(args.small), int(args.chunk_size)

    try:
        shown = path.relative_to(ROOT)
    except ValueError:
        shown = path
    print(f"scenario: {shown}   chunk_size: {chunk:,}   python {sys.version.split()[0]} on {sys.platform}")
    print("peak resident memory (ru_maxrss) of a fresh child process per row")
    print(f"  {'child':34s} {'peak MB':>9s} {'over baseline':>14s} {'run s':>8s} {'samples/s':>12s}")
    rows = [
        ("baseline: import + load + compile", 0),
        (f"run at {small:,} samples", small),
        (f"run at {big:,} samples", big),
    ]
    res = {}
    base = None
    for label, n in rows:
        r = measure(path, n, args.seed, chunk)
        res[n] = r
        base = r["peak_mb"] if base is None else base
        rate = f"{n / r['run_s']:12,.0f}" if n else f"{'':12s}"
        run_s = f"{r['run_s']:8.1f}" if n else f"{'':8s}"
        print(f"  {label:34s} {r['peak_mb']:9.1f} {r['peak_mb'] - base:+14.1f} {run_s} {rate}", flush=True)
    peak = res[big]["peak_mb"]
    print(
        f"  (cross-check: getrusage(RUSAGE_CHILDREN).ru_maxrss, the largest child so far: {res[big]['children_max_mb']:.1f} MB)"
    )
    growth = peak - res[small]["peak_mb"]
    print()
    print(f"growth from {small:,} to {big:,} samples: {growth:+.1f} MB")
    verdict = "MEETS" if peak < TARGET_MB else "MISSES"
    print(f"target: {TARGET_MB:.0f} MB peak at 100,000,000 samples -> {peak:.1f} MB at {big:,}: {verdict}")
    if args.assert_mb is not None and peak > args.assert_mb:
        print(f"FAIL: peak {peak:.1f} MB exceeds --assert-mb {args.assert_mb}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(benchargs.run(main))
