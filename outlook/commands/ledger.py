"""``outlook ledger add FILE|ID --ledger PATH.jsonl``: put a run's forecasts on record.

Owns the command's arguments and what it says; the ledger itself is
:mod:`outlook.scoring.ledger`. Never computes a number itself.

Runs the scenario and appends one JSON line per forecast (every scenario and
event at every horizon, then each claim of its claims: block as a forecast
issued by its speaker) to an append-only JSON Lines ledger, atomically under
a lock. With --resolutions, forecasts whose answer was already known on their
as_of or issued date are refused as hindsight and nothing is written.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any, TextIO

__all__ = ["add_parser", "run"]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date written YYYY-MM-DD, got {text!r}") from None


def add_parser(sub: Any) -> None:
    """Add the ``ledger`` sub-command (and its ``add`` action) to the sub-parsers ``sub``."""
    from .sensitivity import _whole

    p = sub.add_parser(
        "ledger",
        help="put a run's forecasts on record in an append-only ledger",
        description=__doc__.split("\n\n")[2].replace("\n", " ") if __doc__ else None,
    )
    actions = p.add_subparsers(dest="ledger_action", metavar="ACTION", required=True)
    a = actions.add_parser("add", help="run a scenario and append its forecasts to the ledger")
    a.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    a.add_argument("--ledger", "-l", required=True, metavar="PATH.jsonl", help="the ledger (created if absent)")
    a.add_argument("--samples", "-n", type=_whole, default=100_000, help="simulated worlds (default 100000)")
    a.add_argument("--seed", "-s", type=_whole, default=0, help="random seed (default 0)")
    a.add_argument("--scale", default="icd203", help="estimative-word scale (default icd203)")
    a.add_argument("--issued", type=_date, default=None, metavar="DATE", help="issue date (default: UTC today)")
    a.add_argument(
        "--resolutions", "-r", default=None, metavar="FILE", help="refuse forecasts these resolutions already answer"
    )
    for q in (p, a):
        q.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook ledger add``; return the exit code (0)."""
    from .._text import terminal_safe
    from ..scoring import ledger_add
    from ..words import get_scale

    get_scale(args.scale)
    records = ledger_add(
        args.scenario,
        args.ledger,
        samples=args.samples,
        seed=args.seed,
        scale=args.scale,
        issued=args.issued,
        resolutions=args.resolutions,
    )
    first = records[0] if records else {}
    claims = sum(r.get("forecaster") == "source" for r in records)
    of_which = f" ({claims} of them sources' claims)" if claims else ""
    out.write(
        f"{len(records)} forecasts{of_which} of {terminal_safe(str(first.get('scenario_id', '')))} (as of "
        f"{first.get('as_of', '')}, issued {first.get('issued', '')}, run {str(first.get('run', ''))[:8]}) "
        f"appended to {terminal_safe(str(args.ledger))}\n"
    )
    return 0
