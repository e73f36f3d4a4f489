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
        out.write(as_text(scenario.id, table, as_of=scenario.as_of.isoformat(), width=terminal_width()))
        return 0
    write_frames(args.format, {"scenario_id": scenario.id, "sources": len(table)}, {"sourcing": table}, out)
    return 0


#: The width the text form wraps to when the terminal's is not known (``COLUMNS``, else the terminal, else this).
WIDTH = 100

#: A space that never breaks a line: it keeps a count with its grade, a label with its value (replaced on output).
_GLUE = "\u00a0"


def terminal_width() -> int:
    """The terminal's width (``COLUMNS``, else the terminal's own), kept within 60 to 160; :data:`WIDTH` if unknown."""
    import shutil

    return max(60, min(160, shutil.get_terminal_size((WIDTH, 24)).columns))


def as_text(scenario_id: str, table: Any, *, as_of: str = "", width: int = WIDTH) -> str:
    """The sourcing table as a terminal reads it: a block per source, every list whole, wrapped at ``width``.

    Its 13 columns side by side ran to some 360 characters a line (or cut
    every list short); here each source takes a few lines: its title; its
    kind, Admiralty reliability (with the grade's meaning, NATO STANAG
    2511), interested party and date against the cut-off ``as_of``; its
    quotes for and against with their credibility and basis grades counted;
    what cites it; and what it reaches, or that it reaches no probability.
    A count never parts from its grade at a line's end. ``--format csv`` and
    ``json`` give the columns as they are.
    """
    import textwrap

    from .._text import terminal_safe
    from ..report.sourcing import RELIABILITY

    def wrapped(label: str, text: str, indent: str = "  ") -> list[str]:
        lines = textwrap.wrap(
            terminal_safe(f"{label}:{_GLUE}{text}" if label else text),
            width,
            initial_indent=indent,
            subsequent_indent=indent + "    ",
            break_on_hyphens=False,
        )
        return [line.replace(_GLUE, " ") for line in lines]

    def counted(listed: str) -> str:
        items = [x for x in (s.strip() for s in listed.split(",")) if x]
        counts: dict[str, int] = {}
        for x in items:
            counts[x] = counts.get(x, 0) + 1
        return ", ".join(f"{k.replace(' ', _GLUE)}{_GLUE}x{n}" for k, n in sorted(counts.items()))

    def many(n: int, word: str) -> str:
        return f"{n}{_GLUE}{word}{'' if n == 1 else 's'}"

    n = len(table)
    head = f"{scenario_id}: {many(n, 'source')}" + (f"; information cut-off (as_of) {as_of}" if as_of else "")
    lines = wrapped("", head, indent="")
    lines += wrapped(
        "",
        "reliability: the source's Admiralty grade (A completely reliable to E unreliable, F cannot be judged); "
        "credibility: each quote's (1 confirmed to 5 improbable, 6 cannot be judged), after NATO STANAG 2511; "
        "basis: what a quote is (reported, an interested party's claim, the source's opinion, judgement); "
        "interested party: whether the source itself has a stake",
        indent="",
    )
    for r in table.to_dict(orient="records"):
        lines.append("")
        lines += wrapped("", f"{r['source']}  {r['title']}", indent="")
        grade = str(r["reliability"])
        meaning = RELIABILITY.get(grade, "never taken as reliable" if grade == "ungraded" else "")
        after = r["after_as_of"]
        when = f"dated{_GLUE}{r['date'] or 'undated'}"
        if after is True:
            when += ", AFTER the information cut-off"
        elif after is False:
            when += ", by the cut-off"
        elif r["date"]:
            when += " (not a date the cut-off can be checked against)"
        facts = f"{r['kind']}; reliability{_GLUE}{grade}" + (f" ({meaning})" if meaning else "")
        facts += f"; interested{_GLUE}party:{_GLUE}{r['interested_party']}; {when}"
        lines += wrapped("kind", facts)
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
            events = sum(x.startswith("event:") for x in reached)
            scenarios = sum(x.startswith("scenario:") for x in reached)
            lines += wrapped(f"reaches ({many(events, 'event')}, {many(scenarios, 'scenario')})", ", ".join(reached))
        else:
            lines += wrapped("reaches", "no event and no scenario: its figures change no probability")
    return "\n".join(lines) + "\n"
