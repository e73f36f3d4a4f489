"""``outlook indicators FILE|ID``: how well each indicator tells the scenarios apart, on the command line.

Owns the command's arguments and how it writes its table (aligned text,
CSV or JSON); the computation is :func:`outlook.analysis.indicators.indicators`.
Exit codes as every command: 0 when the table was made (whatever it
found), 2 for a scenario or an argument that is not valid, 1 when a run fails.
"""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, Any, TextIO

from ..errors import did_you_mean
from .assumptions import _DEFAULT_SAMPLES, _whole

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["add_parser", "run"]

#: characters a terminal would obey, written in JSON as ``\uXXXX`` escapes (the same data), as ``outlook run`` does
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
#: the columns the terminal table shows (CSV and JSON have every column)
_SHOWN = (
    "indicator",
    "scenario",
    "p_given",
    "p_given_not",
    "lr_pos",
    "lr_neg",
    "mi",
    "word",
    "lead_time_p50",
    "by_when",
    "flags",
)


def add_parser(sub: Any) -> None:
    """Add ``indicators`` to the ``outlook`` command's sub-parsers."""
    p = sub.add_parser(
        "indicators",
        help="indicators and signposts: P(indicator | scenario), likelihood ratios, lead time, by-when",
        description=(
            "For each indicator the file states (its 'indicators:' block) and each scenario, at each horizon "
            "(or --horizon): P(I|H), P(I|not H), the likelihood ratios LR+ and LR-, the mutual information of "
            "the indicator with the scenario set (bits), an estimative word for P(I|H), the median lead time "
            "(years; negative: it lags), the by-when date, and flags (tautological, definitional, "
            "non-diagnostic, lags, signpost)."
        ),
    )
    p.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    p.add_argument("--horizon", metavar="H", help="one horizon id (default every horizon)")
    p.add_argument(
        "--samples",
        "-n",
        type=_whole(1, 10**10, "a whole number of samples from 1 to 10,000,000,000"),
        default=_DEFAULT_SAMPLES,
        help=f"simulated worlds (default {_DEFAULT_SAMPLES})",
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
    p.add_argument(
        "--set",
        action="append",
        default=[],
        dest="overrides",
        metavar="KEY=VALUE",
        help="a what-if, as for 'outlook run' (by key path, as YAML); repeatable, applied in order",
    )
    p.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook indicators``; return the exit code."""
    from ..analysis.indicators import indicators
    from ..scenario import find_scenario, load_scenario
    from ..scenario.assumptions import check_override_ids
    from ..words import get_scale
    from .whatif import read_overrides

    get_scale(args.scale)
    base = load_scenario(find_scenario(args.scenario))
    overrides = read_overrides(args.overrides)
    check_override_ids(base.to_dict(), overrides)  # a what-if changes what the file states, never adds to it
    scenario = base.with_overrides(overrides)
    if args.horizon is not None and args.horizon not in [h.id for h in scenario.horizons]:
        ids = ", ".join(h.id for h in scenario.horizons)
        msg = f"--horizon: unknown horizon {args.horizon!r}; {scenario.id} has {ids}"
        hint = did_you_mean(args.horizon, [h.id for h in scenario.horizons])
        msg += f".{hint}" if hint else ""
        raise ValueError(msg)
    table = indicators(scenario, samples=args.samples, seed=args.seed, horizon=args.horizon, scale=args.scale)
    if args.format == "json":
        _json(table, out)
    elif args.format == "csv":
        from ..display import render_table

        out.write(render_table(table, format="csv"))
    else:
        _text(table, out)
    return 0


def _text(table: pd.DataFrame, out: TextIO) -> None:
    from .._text import terminal_safe
    from ..display import render_table

    a = table.attrs
    out.write(f"{terminal_safe(a['scenario_id'])}: indicators, {a['samples']} samples, seed {a['seed']}\n")
    if table.empty:
        out.write("\nThe file states no indicators (no 'indicators:' block): nothing to rate.\n")
        return
    shown, notes = _numbered_notes(table)
    for horizon, rows in shown.groupby("horizon", sort=False):
        out.write(f"\nat {terminal_safe(str(horizon))} (mi in bits; lead time in years, negative: it lags)\n")
        out.write(render_table(rows[[*_SHOWN, "note"]].round(3)))
    if notes:
        out.write("\nnotes (the note column's numbers)\n")
        for number, note in enumerate(notes, 1):
            out.write(terminal_safe(f"[{number}] {note}") + "\n")


def _numbered_notes(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Every row of ``table``, its ``note`` replaced by the number of its note; and the distinct notes, in order.

    A note shared by several rows is printed once below the tables, and each
    of those rows keeps its number: no row is dropped.
    """
    notes: dict[str, int] = {}
    for note in table["note"]:
        if note:
            notes.setdefault(str(note), len(notes) + 1)
    shown = table.assign(note=[f"[{notes[str(n)]}]" if n else "" for n in table["note"]])
    return shown, list(notes)


def _json(table: pd.DataFrame, out: TextIO) -> None:
    import json

    a = table.attrs
    data: dict[str, Any] = {
        "scenario_id": a["scenario_id"],
        "scenario_hash": a["scenario_hash"],
        "samples": a["samples"],
        "seed": a["seed"],
        "scale": a["scale"],
        "units": {"mi": "bits", "lead_time_p50": "years"},
        "indicators": json.loads(table.to_json(orient="records")),
    }
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    out.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
