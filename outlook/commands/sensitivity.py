"""``outlook sensitivity FILE|ID [--target ID@HORIZON]``: what drives the outlook.

Owns the command's arguments and how it writes its tables (text, JSON, CSV);
the numbers come from :mod:`outlook.analysis` (tornado, first-order indices,
scenario discovery). Never computes a number itself.

Without ``--target``: the first-order index of every driver for every
scenario and event at every horizon, from one run's worlds. With
``--target``: that target's tornado (each driver at its 5th and 95th
percentile), the drivers listed apart (feeding the target nothing, or
constant), its first-order indices and, for a scenario or event at a
horizon, the driver conditions under which it mostly happens (PRIM).
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

__all__ = ["add_parser", "run"]

_FORMATS = ("table", "json", "csv")


def add_parser(sub: Any) -> None:
    """Add the ``sensitivity`` sub-command to the sub-parsers ``sub``."""
    p = sub.add_parser(
        "sensitivity",
        help="what drives the outlook: tornado, first-order indices, scenario discovery",
        description=__doc__.split("\n\n")[2].replace("\n", " ") if __doc__ else None,
    )
    p.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    p.add_argument(
        "--target",
        "-t",
        default=None,
        metavar="ID@HORIZON",
        help="a scenario or event at a horizon (contained@short), or a derived quantity's id (its mean)",
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
    p.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def _whole(text: str) -> int:
    """A whole number such as ``200000`` or ``2e5`` (the run checks its range)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    return int(value)


def _overrides(texts: list[str]) -> list[Any]:
    """The --set options as overrides: the one reading every command shares (a key given twice is refused)."""
    from .whatif import read_overrides

    return read_overrides(texts)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook sensitivity``; return the exit code (0)."""
    from ..analysis.discovery import discover
    from ..analysis.indices import first_order_indices
    from ..analysis.sensitivity import parse_target, tornado
    from ..model import compile_model, iter_worlds
    from ..scenario import find_scenario, load_scenario
    from ..words import get_scale

    get_scale(args.scale)
    scenario = load_scenario(find_scenario(args.scenario)).with_overrides(_overrides(args.overrides))
    samples = args.samples if args.samples is not None else 100_000
    model = compile_model(scenario)
    sections: dict[str, Any] = {}
    head: dict[str, Any] = {"scenario_id": scenario.id, "samples": samples, "seed": args.seed}
    if args.target is None:
        sections["indices"] = first_order_indices(model, samples=samples, seed=args.seed)
    else:
        target = parse_target(scenario, args.target)
        t = tornado(model, target, samples=samples, seed=args.seed, scale=args.scale)
        head |= {"target": str(target), "p": t.p, "word": t.word}
        sections["tornado"] = t.table
        sections["apart"] = t.apart
        if target.is_probability:
            blocks = list(iter_worlds(model, samples=samples, seed=args.seed))
            ind = first_order_indices(model, samples=samples, seed=args.seed, blocks=blocks)
            sections["indices"] = ind[ind["target"] == str(target)].reset_index(drop=True)
            found = discover(model, target, blocks)
            sections["discovery"] = found.table
            head["discovery_sentence"] = found.sentence
    _write(args.format, head, sections, out)
    return 0


def _write(fmt: str, head: dict[str, Any], sections: dict[str, Any], out: TextIO) -> None:
    """Write the header and the tables in the chosen format."""
    from .._text import terminal_safe
    from ..display import render_table

    if fmt == "json":
        import json

        data = dict(head)
        for name, frame in sections.items():
            data[name] = json.loads(frame.to_json(orient="records"))
        # ASCII escapes keep every character a terminal would obey out of the text (same data)
        out.write(json.dumps(data, indent=2, ensure_ascii=True, allow_nan=False) + "\n")
        return
    if fmt == "csv":
        for i, (name, frame) in enumerate(sections.items()):
            if i:
                out.write("\n")
            out.write(f"# {name}\n")
            out.write(render_table(frame, format="csv"))
        return
    title = f"{terminal_safe(str(head['scenario_id']))}: {head['samples']} samples, seed {head['seed']}"
    out.write(title + "\n")
    if "target" in head:
        p = head["p"]
        word = f" ({head['word']})" if head["word"] else ""
        out.write(f"target {terminal_safe(head['target'])}: {p:.4g}{word}\n")
    for name, frame in sections.items():
        if frame.empty:
            continue
        out.write(f"\n{_TITLES[name]}\n")
        out.write(render_table(frame, format="text"))
    if head.get("discovery_sentence"):
        out.write(f"\n{terminal_safe(head['discovery_sentence'])}\n")


_TITLES = {
    "tornado": "tornado (each driver at its 5th and 95th percentile; others as modelled, same streams)",
    "apart": "drivers listed apart",
    "indices": "first-order indices (share of the variance each driver explains alone)",
    "discovery": "scenario discovery (PRIM box)",
}
