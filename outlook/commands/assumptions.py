"""``outlook assumptions FILE|ID``: the key assumptions check, and tipping points, on the command line.

Owns the command's arguments and how it writes its tables (aligned text,
CSV or JSON); the check itself is :func:`outlook.analysis.assumptions.assumptions_check`
and a tipping point :func:`outlook.analysis.tipping.tipping_point`. Exit
codes as every command: 0 when the check ran (whatever it found), 2 for a
scenario or an argument that is not valid, 1 when a run fails.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from ..analysis.assumptions import AssumptionsCheck
    from ..analysis.tipping import TippingPoint

__all__ = ["add_parser", "run"]

_DEFAULT_SAMPLES = 100_000
#: characters a terminal would obey, written in JSON as ``\uXXXX`` escapes (the same data), as ``outlook run`` does
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _whole(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (``1e4`` too), else ``expected <what>``."""

    def read(text: str) -> int:
        try:
            d = Decimal(text.strip())
        except InvalidOperation:
            d = Decimal("nan")
        if not (d.is_finite() and d == d.to_integral_value() and low <= d <= high):
            msg = f"expected {what}, got {text!r}"
            raise argparse.ArgumentTypeError(msg)
        return int(d)

    return read


def add_parser(sub: Any) -> None:
    """Add ``assumptions`` to the ``outlook`` command's sub-parsers."""
    p = sub.add_parser(
        "assumptions",
        help="key assumptions check: which judgements change word if an assumption is false",
        description=(
            "For each assumption the file states (its 'assumptions:' block), and each joint failure it names "
            "with 'combine', run the scenario with the assumption's if_false overrides on the same random "
            "streams as the base, and list the judgements that change word. With --tipping, find the shift "
            "of a driver at which one judgement changes word."
        ),
    )
    p.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    p.add_argument(
        "--samples",
        "-n",
        type=_whole(1, 10**10, "a whole number of samples from 1 to 10,000,000,000"),
        default=_DEFAULT_SAMPLES,
        help=f"simulated worlds for each run (default {_DEFAULT_SAMPLES})",
    )
    p.add_argument(
        "--seed",
        "-s",
        type=_whole(0, 2**128 - 1, "a whole number from 0 to 2**128 - 1"),
        default=0,
        help="random seed, shared by every run (default 0)",
    )
    p.add_argument("--scale", default="icd203", help="estimative-word scale (default icd203; see 'outlook scales')")
    p.add_argument("--format", "-f", choices=("table", "csv", "json"), default="table", help="output format")
    p.add_argument("--all", action="store_true", help="list every judgement, not only those that change word")
    p.add_argument("--tipping", metavar="DRIVER", help="find where shifting DRIVER changes the --target's word")
    p.add_argument("--target", metavar="ID@HORIZON", help="the judgement for --tipping: a scenario or event id")
    p.add_argument("--direction", choices=("up", "down"), default="up", help="which way to shift (default up)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        dest="overrides",
        metavar="KEY=VALUE",
        help="a what-if applied to the base before the check, by key path, as for 'outlook run --set'",
    )
    p.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook assumptions``; return the exit code."""
    from ..analysis.assumptions import assumptions_check
    from ..analysis.tipping import tipping_point
    from ..scenario import find_scenario, load_scenario
    from ..words import get_scale
    from .whatif import read_overrides

    get_scale(args.scale)
    if args.tipping and not args.target:
        msg = "--tipping needs --target ID@HORIZON (the judgement whose word it watches)"
        raise ValueError(msg)
    if args.target and not args.tipping:
        msg = "--target is for --tipping DRIVER"
        raise ValueError(msg)
    scenario = load_scenario(find_scenario(args.scenario))
    overrides = read_overrides(args.overrides)  # the one reading of --set (a key given twice is refused)
    if overrides:
        scenario = scenario.with_overrides(overrides)
    settings: dict[str, Any] = {"samples": args.samples, "seed": args.seed, "scale": args.scale}
    tip = None
    if args.tipping:
        target, _, horizon = args.target.partition("@")
        if not horizon:
            msg = f"--target must be ID@HORIZON, such as {target}@{scenario.horizons[-1].id} (got {args.target!r})"
            raise ValueError(msg)
        tip = tipping_point(scenario, args.tipping, target, horizon, direction=args.direction, **settings)
    check = assumptions_check(scenario, **settings)
    if args.format == "json":
        _json(check, tip, scenario.id, out)
    elif args.format == "csv":
        _csv(check, tip, out, every=args.all)
    else:
        _text(check, tip, scenario.id, out, every=args.all)
    return 0


def _rows(check: AssumptionsCheck, *, every: bool) -> Any:
    t = check.table
    return t if every else t[t["flip"]]


def _tip_frame(tip: TippingPoint) -> Any:
    import pandas as pd

    names = ("driver", "kind", "target", "horizon", "direction", "found", "p_base", "word_base", "shift")
    more = ("p_tip", "word_tip", "boundary", "shift_se", "tolerance", "searched", "bounded", "limit", "evaluations")
    row = {k: getattr(tip, k) for k in (*names, *more)}
    row["sentence"] = tip.sentence
    return pd.DataFrame([row])


def _text(check: AssumptionsCheck, tip: TippingPoint | None, sid: str, out: TextIO, *, every: bool) -> None:
    from .._text import terminal_safe
    from ..display import render_table

    out.write(f"{terminal_safe(sid)}: key assumptions check, {check.samples} samples, seed {check.seed}\n")
    if check.summary.empty:
        out.write("\nThe file states no assumptions (no 'assumptions:' block): nothing to check.\n")
    else:
        out.write("\nassumptions\n")
        out.write(render_table(check.summary))
        rows = _rows(check, every=every)
        title = "every judgement" if every else "If this assumption is wrong, these judgements change word"
        out.write(f"\n{title}\n")
        out.write(render_table(rows) if not rows.empty else "none: no judgement changes word.\n")
        keys = check.key_uncertainties
        if keys:
            out.write(f"\nkey uncertainties (caveated or unsupported, and a judgement flips): {', '.join(keys)}\n")
    if tip is not None:
        out.write(f"\ntipping point\n{terminal_safe(tip.sentence)}\n")
        if tip.found:
            out.write(
                f"shift {tip.shift:+.4g} ± {tip.shift_se:.2g} (Monte Carlo SE), bisection tolerance "
                f"{tip.tolerance:.2g}, {tip.evaluations} runs\n"
            )
        elif tip.bounded and tip.limit:
            out.write(f"beyond it: {terminal_safe(tip.limit)}\n")


def _csv(check: AssumptionsCheck, tip: TippingPoint | None, out: TextIO, *, every: bool) -> None:
    from ..display import render_table

    out.write("# summary\n")
    out.write(render_table(check.summary, format="csv"))
    out.write("\n# check\n")
    out.write(render_table(_rows(check, every=every), format="csv"))
    if tip is not None:
        out.write("\n# tipping\n")
        out.write(render_table(_tip_frame(tip), format="csv"))


def _json(check: AssumptionsCheck, tip: TippingPoint | None, sid: str, out: TextIO) -> None:
    import json
    import math

    def records(frame: Any) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
        return rows

    data: dict[str, Any] = {
        "scenario_id": sid,
        "samples": check.samples,
        "seed": check.seed,
        "scale": check.scale,
        "summary": records(check.summary),
        "check": records(check.table),
        "key_uncertainties": list(check.key_uncertainties),
    }
    if tip is not None:
        row = records(_tip_frame(tip))[0]
        row["value"] = tip.value
        data["tipping"] = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    out.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
