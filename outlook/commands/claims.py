"""``outlook claims FILE|ID``: the sources' own forecasts beside the model's probability.

Owns the command's arguments and how it writes the claims table (text with
one sentence a claim, JSON, CSV); the numbers come from
:func:`outlook.analysis.claims.claims`. Never computes a number itself.

For each claim of the scenario's claims: block, over the worlds of one run:
who made it and whether an interested party, the likelihood it implies (an
ICD 203 word's band, or the probability it states), the model's probability
of its target by its timeframe, with the standard error and word, and
whether they agree (agrees, model lower, model higher, not modelled).
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

__all__ = ["add_parser", "run", "sentence"]


def add_parser(sub: Any) -> None:
    """Add the ``claims`` sub-command to the sub-parsers ``sub``."""
    from .futures import common_arguments

    p = sub.add_parser(
        "claims",
        help="the sources' own forecasts beside the model's probability",
        description=__doc__.split("\n\n")[2].replace("\n", " ") if __doc__ else None,
    )
    common_arguments(p)
    p.add_argument("--scale", default="icd203", help="estimative-word scale (default icd203; see 'outlook scales')")


def sentence(row: dict[Any, Any]) -> str:
    """One claim as a reader says it: ``more: Kyiv implies likely by 1 January 2025; the model says 50.3%, ...``."""
    import datetime as dt

    from ..display import long_date, percent

    end = long_date(dt.date.fromisoformat(row["horizon_end"])) if row["horizon_end"] else row["timeframe"]
    head = f"{row['claim']}: {row['speaker']} implies {row['implied_word']} by {end}"
    if row["agreement"] == "not modelled":
        return f"{head}; not modelled: {row['not_modelled']}"
    flag = " (more worlds could change the word)" if row["straddles"] else ""
    return f"{head}; the model says {percent(row['p'])}, {row['word']}{flag}: {row['agreement']}"


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook claims``; return the exit code (0)."""
    from .._text import terminal_safe
    from ..analysis.claims import claims
    from ..scenario import find_scenario, load_scenario
    from ..words import get_scale
    from .futures import write_frames

    get_scale(args.scale)
    scenario = load_scenario(find_scenario(args.scenario))
    samples = args.samples if args.samples is not None else 20_000
    t = claims(scenario, samples=samples, seed=args.seed, scale=args.scale)
    head = {"scenario_id": scenario.id, "samples": samples, "seed": args.seed, "scale": t.attrs["scale"]}
    if args.format != "table":
        write_frames(args.format, head, {"claims": t}, out)
        return 0
    out.write(", ".join(f"{k} {terminal_safe(str(v))}" for k, v in head.items()) + "\n")
    if t.empty:
        out.write("the scenario states no claims: block\n")
        return 0
    for row in t.to_dict("records"):
        out.write(terminal_safe(sentence(row)) + "\n")
    shown = t.drop(columns=["paraphrase", "quote", "note"])
    from ..display import render_table

    out.write("\n" + render_table(shown, format="text"))
    return 0
