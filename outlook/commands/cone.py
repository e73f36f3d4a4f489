"""``outlook cone FILE|ID``: the cone of plausibility of a scenario, horizon by horizon.

Owns the command's arguments and how it writes the cone (text, JSON, CSV);
the numbers come from :func:`outlook.analysis.futures.cone`. Never
computes a number itself.

Per horizon, over the worlds of one run: the baseline (the leading
scenario), the fewest scenarios covering 90% of the worlds, the cone's width
(normalised entropy) and the wildcards (items marked impact: high under 10%).
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add the ``cone`` sub-command to the sub-parsers ``sub``."""
    from .futures import common_arguments

    p = sub.add_parser(
        "cone",
        help="the cone of plausibility: baseline, alternatives, width and wildcards per horizon",
        description=__doc__.split("\n\n")[2].replace("\n", " ") if __doc__ else None,
    )
    common_arguments(p)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook cone``; return the exit code (0)."""
    from ..analysis.futures import cone
    from ..scenario import find_scenario, load_scenario
    from .futures import write_frames

    scenario = load_scenario(find_scenario(args.scenario))
    samples = args.samples if args.samples is not None else 20_000
    c = cone(scenario, samples=samples, seed=args.seed)
    head = {"scenario_id": scenario.id, "samples": c.samples, "seed": args.seed, "notes": list(c.notes)}
    write_frames(args.format, head, {"cone": c.table, "shares": c.shares}, out)
    return 0
