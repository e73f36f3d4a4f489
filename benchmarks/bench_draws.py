"""Time a whole run against drawing its random numbers alone, in CPU time.

The figure of issue 16's target "the bundled scenario within 4x of the time
its random draws alone take": how much the model costs on top of the
random numbers it consumes. Two sides, alternating in one process:

* **run**: load, compile, simulate and summarise the scenario
  (``outlook.load_scenario`` -> ``compile_model`` -> ``simulate`` ->
  ``summarise``), ``--samples`` worlds;
* **draws alone**: the very generator calls that run makes, replayed and
  nothing else: for each block and each node that draws, its stream
  (``outlook.model.streams.node_rng``: a ``SeedSequence`` and a PCG64
  generator) and its raw variates (``standard_normal``, ``random`` or
  ``standard_exponential``, of the same size, into a buffer where the run
  draws into one).

With ``--twin``, the scenario being one that ``tight.py`` models (the
archived bundled edition or ``ten_drivers.yaml``), a third side: the tight
hand-written numpy twin of the model, timed whole and in its own generator
calls (through a proxy that times each call). Its ratio to its own draws
and to outlook's draws of the same model say how far below a careful numpy
version of the model the target lies.

The calls are recorded from one untimed run of the same size, through a
generator that notes each call (so the replay follows whatever the scenario
draws: correlated drivers, inversion shapes, hierarchical drivers, events),
and the replay is checked to give the same numbers the recorded run drew.
The figure is ``time.process_time`` of this process, min and median over
``--repeats``.

Usage::

    python benchmarks/bench_draws.py [--scenario nk-troops-russia] [--samples 1e6] [--repeats 5]
        [--seed 1] [--assert-ratio 4] [--twin]

Exit status 0 whatever the ratio (it is a measurement), unless
``--assert-ratio X`` is given and the min ratio exceeds X, or the replay
does not reproduce the recorded draws.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))  # benchmark this checkout, not an installed copy


import benchargs  # noqa: E402 (beside this script)

import outlook  # noqa: E402
from outlook.model import worlds  # noqa: E402
from outlook.model.streams import node_rng  # noqa: E402

TARGET = 4.0  # a run / its draws alone, CPU (issue 16)
TWINS = ("scenarios/archive/nk-troops-russia-2024-11-01.yaml", "benchmarks/ten_drivers.yaml")  # tight.py's models

#: One generator call of a run: (block, kind, node id, method, size, drawn into a buffer, checksum).
Call = tuple[int, str, str, str, int, bool, float]


class _Recorder:
    """A generator that notes each call it passes on (method, size, whether ``out=`` was given, a checksum)."""

    def __init__(self, rng: np.random.Generator, key: tuple[int, str, str], calls: list[Call]) -> None:
        self._rng, self._key, self._calls = rng, key, calls

    def __getattr__(self, method: str) -> Callable[..., Any]:
        f = getattr(self._rng, method)

        def call(*args: Any, **kwargs: Any) -> Any:
            x = f(*args, **kwargs)
            size = int(np.size(x))
            self._calls.append((*self._key, method, size, "out" in kwargs, float(np.sum(x))))
            return x

        return call


def record(path: str, n: int, seed: int) -> list[Call]:
    """The generator calls of a run of ``n`` worlds, in order, from one untimed run."""
    calls: list[Call] = []

    def noting(seed_: int, block: int, kind: str, name: str) -> Any:
        return _Recorder(node_rng(seed_, block, kind, name), (block, kind, name), calls)

    saved = worlds.node_rng  # every stream of a plain run is made there
    worlds.node_rng = noting  # type: ignore[assignment]
    try:
        run_once(path, n, seed)
    finally:
        worlds.node_rng = saved  # type: ignore[assignment]
    return calls


def run_once(path: str, n: int, seed: int) -> None:
    """The whole run: load, compile, simulate, summarise."""
    model = outlook.compile_model(outlook.load_scenario(path))
    outlook.summarise(outlook.simulate(model, samples=n, seed=seed))


def replay(calls: list[Call], seed: int, buffer: np.ndarray) -> None:
    """The recorded calls again, each from a new stream: the draws alone."""
    for block, kind, name, method, size, into, _ in calls:
        rng = node_rng(seed, block, kind, name)
        if into:
            getattr(rng, method)(size, out=buffer[:size])
        else:
            getattr(rng, method)(size)


def check_replay(calls: list[Call], seed: int) -> bool:
    """True if every replayed call draws what the run drew (the checksums agree exactly)."""
    for block, kind, name, method, size, _, total in calls:
        if float(np.sum(getattr(node_rng(seed, block, kind, name), method)(size))) != total:
            return False
    return True


def _many(k: int, one: str) -> str:
    return f"{k:,} {one}" if k == 1 else f"{k:,} {one}s"


class _TimedGenerator:
    """A generator whose every call adds its CPU time to ``spent[0]`` (the twin's draws)."""

    def __init__(self, rng: np.random.Generator, spent: list[float]) -> None:
        self._rng, self._spent = rng, spent

    def __getattr__(self, method: str) -> Callable[..., Any]:
        f = getattr(self._rng, method)

        def call(*args: Any, **kwargs: Any) -> Any:
            t0 = time.process_time()
            x = f(*args, **kwargs)
            self._spent[0] += time.process_time() - t0
            return x

        return call


def twin(path: str, n: int, seed: int, repeats: int) -> tuple[str, list[float], list[float]] | None:
    """The tight twin of the scenario at ``path`` (if ``tight.py`` has one): its key, whole CPU times, draw times."""
    import tight  # a benchmark helper beside this script, needed only here

    key = next((m.key for m in tight.MODELS.values() if Path(m.scenario).resolve() == Path(path).resolve()), None)
    if key is None:
        return None
    spent = [0.0]
    plain = np.random.default_rng
    tight.np.random.default_rng = lambda s: _TimedGenerator(plain(s), spent)  # type: ignore[assignment]
    whole: list[float] = []
    draws: list[float] = []
    try:
        tight.RUNS[key](min(n, 65_536), seed)  # warm
        for _ in range(repeats):
            spent[0] = 0.0
            t0 = time.process_time()
            tight.RUNS[key](n, seed)
            whole.append(time.process_time() - t0)
            draws.append(spent[0])
    finally:
        tight.np.random.default_rng = plain
    return key, whole, draws


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--scenario", default="nk-troops-russia", help="a bundled name or a file (default: the bundled case)"
    )
    ap.add_argument("--samples", type=benchargs.count, default=1_000_000, help="worlds a run (default 1e6)")
    ap.add_argument(
        "--repeats", type=benchargs.count, default=5, help="alternating repeats: min and median (default 5)"
    )
    ap.add_argument("--seed", type=benchargs.seed, default=1, help="the run's seed (default 1)")
    ap.add_argument(
        "--assert-ratio", type=benchargs.positive, default=None, metavar="X", help="exit 1 if the min ratio exceeds X"
    )
    ap.add_argument(
        "--twin", action="store_true", help="also time tight.py's hand-written twin of the model and its own draws"
    )
    args = ap.parse_args(argv)
    n = args.samples
    path = str(outlook.find_scenario(args.scenario))
    calls = record(path, n, args.seed)
    if not check_replay(calls, args.seed):
        print("the replayed draws differ from the run's")
        return 1
    drawn = sum(c[4] for c in calls)
    kinds = sorted({c[3] for c in calls})
    nodes = len({(c[1], c[2]) for c in calls})
    blocks = len({c[0] for c in calls})
    print(f"{Path(path).name}: {_many(n, 'world')}, seed {args.seed}")
    print(
        f"  the run draws {drawn:,} random numbers ({drawn / n:.1f} a world) in {_many(len(calls), 'call')}: "
        f"{_many(nodes, 'node')} x {_many(blocks, 'block')}; {', '.join(kinds)}"
    )
    buffer = np.empty(max((c[4] for c in calls), default=0))
    replay(calls, args.seed, buffer)  # warm
    run_t: list[float] = []
    draw_t: list[float] = []
    for _ in range(args.repeats):
        t0 = time.process_time()
        run_once(path, n, args.seed)
        t1 = time.process_time()
        replay(calls, args.seed, buffer)
        t2 = time.process_time()
        run_t.append(t1 - t0)
        draw_t.append(t2 - t1)
    lo, mid = min(run_t) / min(draw_t), statistics.median(run_t) / statistics.median(draw_t)
    print(f"CPU seconds (time.process_time), {args.repeats} alternating repeats: min / median")
    print(f"  run          {min(run_t):7.3f} / {statistics.median(run_t):7.3f} s")
    print(f"  draws alone  {min(draw_t):7.3f} / {statistics.median(draw_t):7.3f} s")
    verdict = "MEETS" if lo <= TARGET else "misses"
    whose = "" if Path(path).name == "nk-troops-russia.yaml" else ", which issue 16 sets for the bundled case"
    print(f"  ratio run / draws alone: {lo:.2f}x min, {mid:.2f}x median   ({verdict} the {TARGET:g}x target{whose})")
    if args.twin:
        found = twin(path, n, args.seed, args.repeats)
        if found is None:
            print(f"  --twin: tight.py has no twin of {Path(path).name} (it models {', '.join(TWINS)})")
        else:
            key, whole, own = found
            print(f"  tight twin ({key}) {min(whole):7.3f} / {statistics.median(whole):7.3f} s whole,")
            print(f"    of which its own generator calls {min(own):7.3f} / {statistics.median(own):7.3f} s")
            print(
                f"  ratio twin / its own draws: {min(whole) / min(own):.2f}x min; "
                f"twin / outlook's draws of the model: {min(whole) / min(draw_t):.2f}x min"
            )
            print(
                f"  work besides the draws: outlook {min(run_t) - min(draw_t):.3f} s, "
                f"the twin {min(whole) - min(own):.3f} s (min - min)"
            )
    if args.assert_ratio is not None and lo > args.assert_ratio:
        print(f"ratio {lo:.2f}x above {args.assert_ratio:g}x")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(benchargs.run(main))
