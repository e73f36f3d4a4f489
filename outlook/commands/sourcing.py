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
    shown = table
    if args.format == "table":  # a terminal's width: long lists cut, whole in --format csv or json
        shown = table.map(lambda v: _cut(v) if isinstance(v, str) else v)
    write_frames(args.format, {"scenario_id": scenario.id, "sources": len(table)}, {"sourcing": shown}, out)
    if args.format == "table" and not shown.equals(table):
        out.write(f"(cells longer than {_WIDTH} characters are cut; --format csv or json gives them whole)\n")
    return 0


#: The widest cell ``outlook sourcing`` prints as a table.
_WIDTH = 48


def _cut(text: str) -> str:
    """``text`` as it fits in :data:`_WIDTH` characters, ending in an ellipsis if it was cut.

    >>> _cut("short"), len(_cut("x" * 100))
    ('short', 48)
    """
    return text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"
