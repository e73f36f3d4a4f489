"""``outlook sourcing FILE|ID``: the sourcing table, one row per source, without running the scenario.

Owns the command's arguments and how it writes the table (text, JSON, CSV);
the rows come from :func:`outlook.analysis.sourcing.sourcing`. Never
computes a number itself.

Each source's kind, Admiralty reliability, interested party, date and
whether it falls after the information cut-off, the items citing it, its
supporting and contradicting quotes with their grades, and the events and
scenarios it reaches: the Quality of Information Check's table.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

__all__ = ["add_parser", "run"]

_FORMATS = ("table", "json", "csv")


def add_parser(sub: Any) -> None:
    """Add the ``sourcing`` sub-command to the sub-parsers ``sub``."""
    p = sub.add_parser(
        "sourcing",
        help="the sourcing table: each source's grades, citations and what it reaches (no run)",
        description=__doc__.split("\n\n")[2].replace("\n", " ") if __doc__ else None,
    )
    p.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    p.add_argument("--format", "-f", choices=_FORMATS, default="table", help="output format (default table)")
    p.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook sourcing``; return the exit code (0)."""
    from ..analysis.sourcing import sourcing
    from ..scenario import find_scenario, load_scenario
    from .futures import write_frames

    scenario = load_scenario(find_scenario(args.scenario))
    table = sourcing(scenario)
    if args.format == "table":
        out.write(as_text(scenario.id, table))
        return 0
    write_frames(args.format, {"scenario_id": scenario.id, "sources": len(table)}, {"sourcing": table}, out)
    return 0


#: The width the text form wraps its lists to.
WIDTH = 100


def as_text(scenario_id: str, table: Any) -> str:
    """The sourcing table as a terminal reads it: a block per source, every list whole, wrapped at :data:`WIDTH`.

    Its 13 columns side by side ran to some 360 characters a line (or cut
    every list short); here each source takes a few lines: its title; its
    kind, Admiralty reliability (with the grade's meaning, NATO STANAG
    2511), interested party and date against the cut-off; its quotes for
    and against with their credibility and basis grades counted; what
    cites it; and what it reaches, or that it reaches no probability.
    ``--format csv`` and ``json`` give the columns as they are.
    """
    import textwrap

    from .._text import terminal_safe
    from ..report.sourcing import RELIABILITY

    def wrapped(label: str, text: str) -> list[str]:
        return textwrap.wrap(
            terminal_safe(f"{label}: {text}"),
            WIDTH,
            initial_indent="  ",
            subsequent_indent="      ",
            break_on_hyphens=False,
        )

    def counted(listed: str) -> str:
        items = [x for x in (s.strip() for s in listed.split(",")) if x]
        counts: dict[str, int] = {}
        for x in items:
            counts[x] = counts.get(x, 0) + 1
        return ", ".join(f"{k} x{n}" for k, n in sorted(counts.items()))

    n = len(table)
    lines = [f"{terminal_safe(scenario_id)}: {n} source{'s' if n != 1 else ''}"]
    for r in table.to_dict(orient="records"):
        lines.append("")
        lines.append(terminal_safe(f"{r['source']}  {r['title']}"))
        grade = str(r["reliability"])
        meaning = RELIABILITY.get(grade, "never taken as reliable" if grade == "ungraded" else "")
        after = r["after_as_of"]
        when = str(r["date"] or "undated")
        if after is True:
            when += ", AFTER the information cut-off"
        elif after is False:
            when += ", by the cut-off"
        facts = f"{r['kind']}; reliability {grade}" + (f" ({meaning})" if meaning else "")
        facts += f"; interested party: {r['interested_party']}; dated {when}"
        lines += wrapped("source", facts)
        quotes = [x for x in str(r["credibility"]).split(",") if x.strip()]
        if quotes:
            stance = f"{r['supports']} supporting, {r['contradicts']} contradicting"
            lines += wrapped(
                f"quotes ({len(quotes)})",
                f"{stance}; credibility {counted(str(r['credibility']))}; basis {counted(str(r['basis']))}",
            )
        else:
            lines += wrapped("quotes", "none: nothing cites it")
        cited = [x for x in str(r["cited_by"]).split(", ") if x]
        if cited:
            lines += wrapped(f"cited by ({len(cited)})", ", ".join(cited))
        reached = [x for x in str(r["reaches"]).split(", ") if x]
        if reached:
            events = [x for x in reached if x.startswith("event:")]
            scenarios = [x for x in reached if x.startswith("scenario:")]
            lines += wrapped(f"reaches ({len(events)} events, {len(scenarios)} scenarios)", ", ".join(reached))
        else:
            lines += wrapped("reaches", "no event and no scenario: its figures change no probability")
    return "\n".join(lines) + "\n"
