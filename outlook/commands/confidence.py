"""``outlook confidence FILE|ID``: analytic confidence in every judgement, on the command line.

Owns the command's arguments and how it writes the table (aligned text, CSV
or JSON); the analysis is :func:`outlook.analysis.confidence.confidence`.
Exit codes as every command: 0 when it ran, 2 for a scenario or an argument
that is not valid, 1 when a run fails.
"""

from __future__ import annotations

import argparse
import math
from typing import Any, TextIO

from .assumptions import _JSON_UNSAFE, _whole

__all__ = ["add_parser", "run"]

#: the defaults of :func:`outlook.analysis.confidence.confidence` (written out: parsing imports nothing heavy)
DEFAULT_OUTER = 1_000
DEFAULT_INNER = 1_000


def add_parser(sub: Any) -> None:
    """Add ``confidence`` to the ``outlook`` command's sub-parsers."""
    p = sub.add_parser(
        "confidence",
        help="analytic confidence: each probability's range across the drivers, its sources, a proposed level",
        description=(
            "For every scenario and event at every horizon: the 5th-95th percentile, over the drivers' draws, of "
            "its probability given them (outlook's convention, not an ICD standard), the word bands that range "
            "spans, the sources and key assumptions it rests on, a proposed analytic confidence (low, moderate, "
            "high) and the analyst's stated one from the 'judgements:' block."
        ),
    )
    p.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    p.add_argument(
        "--samples",
        "-n",
        type=_whole(2, 10_000_000, "a whole number of samples from 2 to 10,000,000"),
        default=DEFAULT_OUTER,
        help=f"outer draws of the drivers (default {DEFAULT_OUTER})",
    )
    p.add_argument(
        "--inner",
        type=_whole(2, 10_000_000, "a whole number from 2 to 10,000,000"),
        default=DEFAULT_INNER,
        help=f"inner draws of the event clocks per outer draw, where it is not analytic (default {DEFAULT_INNER})",
    )
    p.add_argument(
        "--seed",
        "-s",
        type=_whole(0, 2**128 - 1, "a whole number from 0 to 2**128 - 1"),
        default=0,
        help="random seed (default 0)",
    )
    p.add_argument("--scale", default="icd203", help="estimative-word scale (default icd203; see 'outlook scales')")
    p.add_argument("--format", "-f", choices=("table", "csv", "json"), default="table", help="output format")
    p.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook confidence``; return the exit code."""
    from ..analysis.confidence import confidence
    from ..scenario import find_scenario, load_scenario
    from ..words import get_scale

    get_scale(args.scale)
    scenario = load_scenario(find_scenario(args.scenario))
    c = confidence(scenario, samples=args.samples, inner=args.inner, seed=args.seed, scale=args.scale)
    t = c.table
    if args.format == "json":
        import json

        data = {
            "scenario_id": scenario.id,
            "samples": c.samples,
            "inner": c.inner,
            "seed": c.seed,
            "scale": c.scale,
            "confidence": json.loads(t.to_json(orient="records")),
        }
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
        out.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
        return 0
    from ..display import render_blocks, render_table

    flat = t.assign(
        sources=t["sources"].map(", ".join),
        reasons=t["reasons"].map("; ".join),
    )
    if args.format == "csv":
        out.write(render_table(flat, format="csv"))
        return 0
    import shutil
    import textwrap

    from .._text import terminal_safe

    se = 0.5 / math.sqrt(c.inner)
    width = max(60, min(120, shutil.get_terminal_size((100, 24)).columns))
    head = [
        f"{terminal_safe(scenario.id)}: analytic confidence, {c.samples} draws of the drivers, seed {c.seed}; "
        f"route nested: {c.inner} draws of the event clocks for each (--inner); route analytic: exact given "
        "the drivers",
        f"p: the probability over these draws (a nested one has a standard error of at most {se:.3f}, "
        "0.5/sqrt(inner)); a run's own estimate may differ by about as much, and its word with it",
        "p05, p95: the 5th and 95th percentiles over the drivers of the probability given them (outlook's "
        "convention, not an ICD standard); words_spanned, straddles: the estimative words that range covers; "
        "explained: the share of the outcome's variance the drivers explain; proposed, stated: the analytic "
        "confidence proposed and the file's own",
    ]
    for paragraph in head:
        out.write("\n".join(textwrap.wrap(paragraph, width, subsequent_indent="    ")) + "\n")
    out.write("\n")
    # the table runs to some 190 characters: in blocks of columns that fit the terminal, each led by its target
    shown = flat.drop(columns=["reasons", "sentence", "brief"])
    out.write(render_blocks(shown, ["kind", "target", "horizon"], width))
    return 0
