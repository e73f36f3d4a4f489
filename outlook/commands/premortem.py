"""``outlook premortem FILE|ID --target ID@HORIZON``: how a key judgement is most likely wrong.

Owns the command's arguments and how it writes the premortem (text, JSON,
CSV); the numbers come from :func:`outlook.analysis.premortem.premortem`.
Never computes a number itself.

The worlds of one run are split by whether the key judgement about a
scenario or event at a horizon holds, and the events, categories and drivers
are ranked by how much more often they occur, or how far they shift, in the
worlds where it is wrong. Warns when those worlds are few.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from .update import add_table_option, check_table, write_csv

if TYPE_CHECKING:
    from ..analysis.premortem import Premortem

__all__ = ["add_parser", "run"]

_FORMATS = ("table", "json", "csv")


def add_parser(sub: Any) -> None:
    """Add the ``premortem`` sub-command to the sub-parsers ``sub``."""
    from .sensitivity import _whole

    p = sub.add_parser(
        "premortem",
        help="if a key judgement is wrong, what most likely made it so",
        description=__doc__.split("\n\n")[2].replace("\n", " ") if __doc__ else None,
    )
    p.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    p.add_argument(
        "--target",
        "-t",
        required=True,
        metavar="ID@HORIZON",
        help="the key judgement: a scenario or event at a horizon (contained@short)",
    )
    p.add_argument(
        "--wrong",
        choices=("absent", "present"),
        default=None,
        help="the worlds that count as wrong: where the target does not hold, or where it does "
        "(default: as the judgement says)",
    )
    p.add_argument("--samples", "-n", type=_whole, default=None, help="simulated worlds (default 100000)")
    p.add_argument("--seed", "-s", type=_whole, default=0, help="random seed (default 0)")
    p.add_argument("--format", "-f", choices=_FORMATS, default="table", help="output format (default table)")
    p.add_argument("--scale", default="icd203", help="estimative-word scale (default icd203)")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        dest="overrides",
        metavar="KEY=VALUE",
        help="a what-if, as for 'outlook run' (by key path, as YAML); repeatable, applied in order",
    )
    add_table_option(p, ("events", "drivers", "pathway"))
    p.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook premortem``; return the exit code (0)."""
    from ..analysis.premortem import premortem
    from ..scenario import find_scenario, load_scenario
    from ..words import get_scale
    from .sensitivity import _overrides

    check_table(args)
    get_scale(args.scale)
    scenario = load_scenario(find_scenario(args.scenario)).with_overrides(_overrides(args.overrides))
    samples = args.samples if args.samples is not None else 100_000
    pm = premortem(scenario, args.target, samples=samples, seed=args.seed, wrong=args.wrong, scale=args.scale)
    head: dict[str, Any] = {
        "scenario_id": scenario.id,
        "samples": pm.samples,
        "seed": pm.seed,
        "target": str(pm.target),
        "kind": pm.target.kind,
        "p": pm.p,
        "word": pm.word,
        "judgement": pm.judgement,
        "wrong": pm.wrong,
        "forced": pm.forced,
        "wrong_worlds": pm.wrong_worlds,
        "effective_sample_size": pm.ess,
        "warnings": list(pm.warnings),
        "sentence": pm.sentence,
    }
    if args.format == "csv":
        tables = {"events": pm.events, "drivers": pm.drivers, "pathway": pm.pathway}
        write_csv(tables, args.table, out, err)
    else:
        _write(args.format, head, pm, out)
    return 0


def _write(fmt: str, head: dict[str, Any], pm: Premortem, out: TextIO) -> None:
    """Write the header and the two tables in the chosen format."""
    from .._text import terminal_safe
    from ..display import count, render_table

    sections = {"events": pm.events, "drivers": pm.drivers, "pathway": pm.pathway}
    if fmt == "json":
        import json

        data = dict(head)
        for name, frame in sections.items():
            data[name] = json.loads(frame.to_json(orient="records"))
        # ASCII escapes keep every character a terminal would obey out of the text (same data)
        out.write(json.dumps(data, indent=2, ensure_ascii=True, allow_nan=False) + "\n")
        return
    out.write(f"{terminal_safe(str(head['scenario_id']))}: {count(pm.samples)} samples, seed {pm.seed}\n")
    out.write(f"judgement: {terminal_safe(pm.judgement)}\n")
    how = "forced by --wrong" if pm.forced else "as the judgement says"
    where = "does not hold" if pm.wrong == "absent" else "holds"
    out.write(
        f"wrong worlds: {count(pm.wrong_worlds)} of {count(pm.worlds)}, those where {terminal_safe(str(pm.target))} "
        f"{where} ({how}); effective sample size {count(round(pm.ess))}\n"
    )
    for w in pm.warnings:
        out.write(f"warning: {terminal_safe(w)}\n")
    out.write(f"\n{terminal_safe(pm.sentence)}\n")
    for name, frame in sections.items():
        if frame.empty:
            continue
        out.write(f"\n{_TITLES[name]}\n")
        out.write(render_table(frame[list(_SHOWN[name])], format="text"))


_TITLES = {
    "events": "events and categories: share of the wrong worlds against all (beyond_noise: |difference| > 3 se)",
    "drivers": "drivers and derived quantities: median, 5th and 95th percentiles in the wrong worlds against all; "
    "shift in units of the overall IQR; a12, the chance that a wrong world's value is above that of one where the "
    "judgement holds, ties half (beyond_noise: |z| > 3)",
    "pathway": "pathway: the events it requires, each step's share of the worlds where the steps before happened, "
    "and their product",
}
_SHOWN = {
    "events": ("kind", "name", "p_wrong", "p_all", "difference", "difference_se", "ratio", "beyond_noise"),
    "drivers": (
        "kind",
        "name",
        "median_wrong",
        "median_all",
        "q05_wrong",
        "q05_all",
        "q95_wrong",
        "q95_all",
        "shift",
        "a12",
        "z",
        "beyond_noise",
    ),
    "pathway": ("step", "event", "p_step", "p_path"),
}
