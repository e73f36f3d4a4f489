"""``outlook futures FILE|ID``: the alternative futures (2x2 grids) of a scenario's ``futures:`` block.

Owns the command's arguments and how it writes the quadrants, the axes'
association and the quadrant x scenario cross-tab (text, JSON, CSV); the
numbers come from :func:`outlook.analysis.futures.futures`. Never computes
a number itself.

Crosses every pair of the block's axes at its horizon over the worlds of one
run: each quadrant's probability with its standard error and word, the phi
association of the axes (a warning when the axes are not independent),
which scenarios fill each quadrant and, when the file states indicators,
the top indicators of each quadrant (largest LR+ for the quadrant against
the rest).
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

__all__ = ["add_parser", "run", "write_frames"]

_FORMATS = ("table", "json", "csv")


def add_parser(sub: Any) -> None:
    """Add the ``futures`` sub-command to the sub-parsers ``sub``."""
    p = sub.add_parser(
        "futures",
        help="alternative futures: the quadrants of the futures: block's axes",
        description=__doc__.split("\n\n")[2].replace("\n", " ") if __doc__ else None,
    )
    common_arguments(p)


def common_arguments(p: Any) -> None:
    """The arguments ``futures`` and ``cone`` share: FILE|ID, --samples, --seed, --format."""
    from .sensitivity import _whole

    p.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    p.add_argument("--samples", "-n", type=_whole, default=None, help="simulated worlds (default 20000)")
    p.add_argument("--seed", "-s", type=_whole, default=0, help="random seed (default 0)")
    p.add_argument("--format", "-f", choices=_FORMATS, default="table", help="output format (default table)")
    p.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook futures``; return the exit code (0)."""
    from ..analysis.futures import futures
    from ..scenario import find_scenario, load_scenario

    scenario = load_scenario(find_scenario(args.scenario))
    samples = args.samples if args.samples is not None else 20_000
    f = futures(scenario, samples=samples, seed=args.seed)
    head = {
        "scenario_id": scenario.id,
        "horizon": f.horizon,
        "samples": f.samples,
        "seed": args.seed,
        "warnings": list(f.warnings),
    }
    frames = {"quadrants": f.quadrants, "associations": f.associations, "crosstab": f.crosstab}
    if scenario.indicators and f.indicators is not None:
        frames["indicators"] = f.indicators
    write_frames(args.format, head, frames, out)
    return 0


def write_frames(fmt: str, head: dict[str, Any], frames: dict[str, Any], out: TextIO) -> None:
    """Write a header and named tables as JSON (one object), CSV (``# name`` then each table) or text."""
    from .._text import terminal_safe
    from ..display import render_table

    if fmt == "json":
        import json

        data = dict(head)
        for name, frame in frames.items():
            data[name] = json.loads(frame.to_json(orient="records"))
        out.write(json.dumps(data, indent=2, ensure_ascii=True, allow_nan=False) + "\n")
        return
    if fmt == "csv":
        for i, (name, frame) in enumerate(frames.items()):
            if i:
                out.write("\n")
            out.write(f"# {name}\n")
            out.write(render_table(frame, format="csv"))
        return
    first = ", ".join(f"{k} {terminal_safe(str(v))}" for k, v in head.items() if k not in ("warnings", "notes"))
    out.write(first + "\n")
    for key in ("warnings", "notes"):
        for w in head.get(key, ()):
            out.write(f"{key[:-1]}: {terminal_safe(w)}\n")
    for name, frame in frames.items():
        out.write(f"\n{name}\n")
        out.write(render_table(frame, format="text"))
