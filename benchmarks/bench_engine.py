"""Time outlook against hand-written numpy versions of the same models.

Two models, each run through outlook (load -> compile -> simulate ->
summarise) and through its hand-written numpy twin in ``handwritten.py``
(every sample at once, one ``default_rng``, closed forms, event times by
inverting the cumulative hazard, ``np.select`` for the scenarios):

* ``ten``: ``benchmarks/ten_drivers.yaml``, ten drivers, five events;
* ``bundled``: ``scenarios/nk-troops-russia.yaml``, 20 drivers (five
  rank-correlated, four of them beta), 13 derived quantities, 10 events with
  ``rate``, ``by``, ``after`` and ``requires``, 6 scenarios, 3 horizons.

Both sides give the same outputs: scenario probabilities per horizon, event
probabilities by horizon, and mean / sd / min / max / percentiles 5, 25, 50,
75, 95 of every driver and derived quantity (``np.percentile`` over all
samples). They use different random numbers, so they agree only within
Monte Carlo error; the script checks that probabilities and means agree
within 5 standard errors.

Usage::

    python benchmarks/bench_engine.py [--model ten|bundled|both]
        [--samples 1000000] [--repeats 3] [--seed 1] [--chunk-size N]
        [--assert-ratio X] [--profile]

Exit status 0 whatever the ratios (it is a measurement), unless
``--assert-ratio X`` is given and outlook / hand-written exceeds X for a
model, or the results of a model disagree beyond Monte Carlo error.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import pstats
import sys
import time
from typing import Any

import numpy as np
from common import check_agreement, outlook_arrays, via_outlook
from handwritten import MODELS, Model

import outlook
from outlook.model import DEFAULT_CHUNK_SIZE

TARGET = 1.2  # outlook within 1.2x of hand-written numpy (the target)


def time_model(model: Model, n: int, seed: int, chunk: int, repeats: int) -> dict[str, Any]:
    """Best-of-``repeats`` wall (and CPU) times of outlook and the hand-written model.

    The two alternate, so that machine noise hits both alike; each side's
    best wall time counts, with the CPU time of this process over the same
    run beside it (less sensitive to other processes on a busy machine).
    """
    via_outlook(model, min(n, 100_000), seed, chunk)  # warm up imports and caches, untimed
    model.run(min(n, 100_000), seed)
    best: dict[str, Any] = {"outlook": (math.inf, math.inf), "hand": (math.inf, math.inf)}
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        tables, stages = via_outlook(model, n, seed, chunk)
        dt = (time.perf_counter() - t, time.process_time() - c)
        if dt[0] < best["outlook"][0]:
            best.update(outlook=dt, stages=stages, tables=tables)
        t, c = time.perf_counter(), time.process_time()
        res = model.run(n, seed + 1000)
        dt = (time.perf_counter() - t, time.process_time() - c)
        if dt[0] < best["hand"][0]:
            best.update(hand=dt, hand_result=res)
    return best


def profile(model: Model, n: int, seed: int, chunk: int, top: int = 15) -> None:
    """cProfile one outlook run: the top functions by cumulative and by own time."""
    pr = cProfile.Profile()
    pr.enable()
    via_outlook(model, n, seed, chunk)
    pr.disable()
    for key, what in (("cumulative", "cumulative time"), ("tottime", "own time")):
        buf = io.StringIO()
        pstats.Stats(pr, stream=buf).sort_stats(key).print_stats(top)
        text = buf.getvalue()
        print(f"cProfile of one outlook run of {model.key!r}: top {top} by {what}")
        print(text[text.find("   ncalls") :].rstrip() + "\n")


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the benchmarks, print; return the exit status."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--model", choices=(*MODELS, "both"), default="both", help="which model (default both)")
    ap.add_argument("--samples", type=float, default=1e6, help="samples per run (default 1e6)")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats; the best counts (default 3)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk-size", type=float, default=DEFAULT_CHUNK_SIZE, help="outlook chunk_size")
    ap.add_argument("--assert-ratio", type=float, default=None, metavar="X", help="exit 1 if outlook/hand-written > X")
    ap.add_argument("--profile", action="store_true", help="cProfile one outlook run of each model; top 15")
    args = ap.parse_args(argv)
    n, chunk = int(args.samples), int(args.chunk_size)
    models = list(MODELS.values()) if args.model == "both" else [MODELS[args.model]]

    print(f"samples: {n:,}   repeats: {args.repeats} (best counts)   chunk_size: {chunk:,}")
    print(f"numpy {np.__version__}, outlook {outlook.__version__}, python {sys.version.split()[0]}")

    failed: list[str] = []
    ratios: dict[str, float] = {}
    for model in models:
        print()
        print(f"=== {model.key}: {model.scenario.relative_to(model.scenario.parents[1])}")
        best = time_model(model, n, args.seed, chunk, args.repeats)
        (t_out, c_out), (t_hand, c_hand) = best["outlook"], best["hand"]
        ratio = ratios[model.key] = t_out / t_hand
        print(f"timings (best of {args.repeats}; wall, and this process's CPU time over the same run)")
        print(f"  outlook      {t_out:8.3f} s wall {c_out:8.3f} s CPU   {n / t_out:12,.0f} samples/s")
        print("    " + "   ".join(f"{k} {v:.3f} s" for k, v in best["stages"].items()))
        print(f"  hand-written {t_hand:8.3f} s wall {c_hand:8.3f} s CPU   {n / t_hand:12,.0f} samples/s")
        verdict = "MEETS" if ratio <= TARGET else "MISSES"
        print(f"  ratio outlook / hand-written: {ratio:.2f}x wall   ({verdict} the {TARGET}x target)")
        print(f"                                {c_out / c_hand:.2f}x CPU")
        print()
        if not check_agreement(model, outlook_arrays(model, best["tables"]), best["hand_result"], n):
            failed.append(f"{model.key}: outlook and the hand-written model disagree beyond Monte Carlo error")
        if args.assert_ratio is not None and ratio > args.assert_ratio:
            failed.append(f"{model.key}: ratio {ratio:.2f} exceeds --assert-ratio {args.assert_ratio}")
        if args.profile:
            print()
            profile(model, n, args.seed, chunk)

    print()
    print("summary: " + "   ".join(f"{k} {r:.2f}x" for k, r in ratios.items()) + f"   (target {TARGET}x)")
    for msg in failed:
        print(f"FAIL: {msg}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
