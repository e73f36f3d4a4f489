"""Variance reduction: quasi-Monte Carlo against pseudo-random sampling.

For each sampler (``random``, ``sobol``, ``lhs``) and each model (the bundled
scenario and ``ten_drivers.yaml``), runs ``--replicates`` independent runs
(seeds 0, 1, ...) at the same ``--samples`` and measures, for every scenario
probability and every event probability by horizon, the standard deviation
of the estimate across replicates: the real Monte Carlo error. It prints, per
sampler, the mean of those standard deviations, its ratio to ``random``'s
(the reduction in standard error at equal samples), the equivalent sample
multiplier (ratio squared, inverted), and the time per run.

Usage::

    python benchmarks/bench_qmc.py [--samples 65536] [--replicates 24]
        [--model bundled|ten|both]

A measurement: exit 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # benchmark this checkout, not an installed copy


import benchargs  # noqa: E402 (beside this script)

import outlook  # noqa: E402
from outlook.model import SAMPLERS  # noqa: E402

MODELS = {
    "bundled": HERE.parent / "scenarios" / "nk-troops-russia.yaml",
    "ten": HERE / "ten_drivers.yaml",
}


def spread(model: outlook.Model, sampler: str, samples: int, replicates: int) -> tuple[np.ndarray, float]:
    """Per-probability SD across replicates, and seconds per run."""
    est = []
    t = time.perf_counter()
    for seed in range(replicates):
        out = outlook.summarise(outlook.simulate(model, samples=samples, seed=seed, sampler=sampler))
        est.append(np.concatenate([out.scenarios["p"].to_numpy(), out.events["p_by"].to_numpy()]))
    per_run = (time.perf_counter() - t) / replicates
    return np.std(np.array(est), axis=0, ddof=1), per_run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=benchargs.count, default=65536)
    ap.add_argument("--replicates", type=benchargs.count, default=24)
    ap.add_argument("--model", choices=("bundled", "ten", "both"), default="both")
    args = ap.parse_args(argv)
    n = int(args.samples)
    names = ("bundled", "ten") if args.model == "both" else (args.model,)
    for name in names:
        model = outlook.compile_model(outlook.load_scenario(MODELS[name]))
        print(f"{MODELS[name].name}: {n:,} samples, {args.replicates} replicates per sampler")
        results = {s: spread(model, s, n, args.replicates) for s in SAMPLERS}
        base = results["random"][0]
        keep = base > 0  # probabilities that vary at all
        for sampler, (sd, per_run) in results.items():
            ratio = float(np.mean(sd[keep] / base[keep]))
            print(
                f"  {sampler:7s} mean SD {np.mean(sd[keep]):.5f}  SE ratio vs random {ratio:.2f}  "
                f"(worth {1 / ratio**2:5.1f}x the samples)  {per_run * 1e3:7.1f} ms/run"
            )
    return 0


if __name__ == "__main__":
    sys.exit(benchargs.run(main))
