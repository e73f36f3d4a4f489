"""``outlook update FILE|ID OBSERVATIONS``: the outlook updated on what has been observed.

Owns the command's arguments and how it writes the update (aligned text, CSV
or JSON); the update itself is :func:`outlook.analysis.update.update`. Exit
codes as every command: 0 when the update ran, 2 for a scenario, an
observations file or an argument that is not valid (an observation the model
cannot produce included: it is located in the observations file), 1 when a
run fails.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from .assumptions import _JSON_UNSAFE, _whole

if TYPE_CHECKING:
    from ..analysis.update import Update

__all__ = ["add_parser", "run"]

_DEFAULT_SAMPLES = 10_000


def add_parser(sub: Any) -> None:
    """Add ``update`` to the ``outlook`` command's sub-parsers."""
    p = sub.add_parser(
        "update",
        help="update the outlook on observations: prior and posterior, and the judgements that change word",
        description=(
            "Weight every simulated world by how well it agrees with the observations in OBSERVATIONS (a YAML "
            "file: 'observations:', a list of {indicator or observable, value, date, source, reliability}): a "
            "hard observation keeps only the worlds that agree with it; one graded A-F is discounted by its "
            "source's reliability. Prints the scenarios and events before and after, and the update log."
        ),
    )
    p.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    p.add_argument("observations", metavar="OBSERVATIONS", help="the observations file (YAML)")
    p.add_argument(
        "--samples",
        "-n",
        type=_whole(1, 10**8, "a whole number of samples from 1 to 100,000,000"),
        default=_DEFAULT_SAMPLES,
        help=f"simulated worlds of the run updated (default {_DEFAULT_SAMPLES})",
    )
    p.add_argument(
        "--seed",
        "-s",
        type=_whole(0, 2**128 - 1, "a whole number from 0 to 2**128 - 1"),
        default=0,
        help="random seed (default 0); more worlds, when needed, continue the same run",
    )
    p.add_argument("--scale", default="icd203", help="estimative-word scale (default icd203; see 'outlook scales')")
    p.add_argument("--format", "-f", choices=("table", "csv", "json"), default="table", help="output format")
    p.add_argument("--all", action="store_true", help="list every judgement, not only those that moved word")
    add_table_option(p, UPDATE_TABLES)
    p.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook update``; return the exit code."""
    from .._text import terminal_safe
    from ..analysis.update import update
    from ..scenario import find_scenario, load_scenario
    from ..scenario.observations import load_observations
    from ..words import get_scale

    check_table(args)
    get_scale(args.scale)
    scenario = load_scenario(find_scenario(args.scenario))
    observations = load_observations(args.observations, scenario)
    u = update(scenario, observations, samples=args.samples, seed=args.seed, scale=args.scale)
    for w in u.warnings:
        err.write(f"warning: {terminal_safe(w)}\n")
    if args.format == "json":
        _json(u, scenario.id, out)
    elif args.format == "csv":
        _csv(u, out, err, every=args.all, table=args.table)
    else:
        _text(u, scenario.id, out, every=args.all)
    return 0


def _moved(frame: Any, *, every: bool) -> Any:
    """Every row, or the rows worth listing: flips, large moves, and word changes too close to call."""
    return frame if every else frame[frame["flip"] | frame["moved"] | (frame["word"] != frame["word_prior"])]


def _groups(frame: Any, name: str) -> list[tuple[str, Any]]:
    """The headings of the text output and their rows: flips, large moves that keep their word, the rest."""
    same = frame["word"] == frame["word_prior"]
    return [
        (f"{name} whose word changes", frame[frame["flip"]]),
        (f"{name}: large moves (same word)", frame[~frame["flip"] & frame["moved"] & same]),
        (f"{name}: word changes too close to call", frame[~frame["flip"] & ~same]),
    ]


def _text(u: Update, sid: str, out: TextIO, *, every: bool) -> None:
    from .._text import terminal_safe
    from ..display import render_table

    out.write(
        f"{terminal_safe(sid)}: updated on {len(u.observations)} observation(s) to {u.date}, {u.samples} samples, "
        f"seed {u.seed}; effective sample size {u.ess:,.0f} of {u.worlds_kept:,} worlds kept "
        f"({u.worlds_drawn:,} drawn)\n"
    )
    out.write("\nobservations\n")
    out.write(render_table(u.observations))
    for name, frame in (("scenarios", u.scenarios), ("events", u.events)):
        groups = [(name, frame)] if every else _groups(frame, name)
        for i, (title, rows) in enumerate(groups):
            if rows.empty and i > 0:
                continue  # the first heading always shows ("none."); the others only with rows
            out.write(f"\n{title}\n")
            out.write(render_table(rows) if not rows.empty else "none.\n")
    out.write("\nwhat changed\n")
    out.write("".join(f"{terminal_safe(s)}\n" for s in u.sentences))


#: The tables of ``outlook update -f csv``, the first by default.
UPDATE_TABLES = ("scenarios", "events", "observations", "log")


def add_table_option(p: argparse.ArgumentParser, names: tuple[str, ...]) -> None:
    """``--table NAME``: the one table ``-f csv`` prints (``names[0]`` when not given)."""
    p.add_argument(
        "--table",
        choices=names,
        default=None,
        help=f"with -f csv, the one table to print (default {names[0]}; CSV holds one table, so pandas reads it)",
    )


def check_table(args: argparse.Namespace) -> None:
    """Refuse ``--table`` without ``-f csv`` (exit 2): the other formats hold every table."""
    if getattr(args, "table", None) is not None and args.format != "csv":
        raise ValueError(f"--table picks the one table of -f csv output (the {args.format} output holds every table)")


def write_csv(tables: dict[str, Any], table: str | None, out: TextIO, err: TextIO) -> None:
    """The one table of CSV output: ``table``, or the first with a note on ``err`` naming the others."""
    from ..display import render_table

    names = list(tables)
    if table is None:
        others = ", ".join(names[1:])
        err.write(
            f"outlook: note: CSV holds one table, this is '{names[0]}'; the others need --table NAME ({others})\n"
        )
    out.write(render_table(tables[table or names[0]], format="csv"))


def _csv(u: Update, out: TextIO, err: TextIO, *, every: bool, table: str | None) -> None:
    tables = {
        "scenarios": _moved(u.scenarios, every=every),
        "events": _moved(u.events, every=every),
        "observations": u.observations,
        "log": u.log,
    }
    write_csv(tables, table, out, err)


def _json(u: Update, sid: str, out: TextIO) -> None:
    import json

    def records(frame: Any) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
        return rows

    data: dict[str, Any] = {
        "scenario_id": sid,
        "date": u.date,
        "samples": u.samples,
        "seed": u.seed,
        "scale": u.scale,
        "effective_sample_size": u.ess,
        "worlds_drawn": u.worlds_drawn,
        "worlds_kept": u.worlds_kept,
        "observations": records(u.observations),
        "scenarios": records(u.scenarios),
        "events": records(u.events),
        "log": records(u.log),
        "sentences": list(u.sentences),
        "warnings": list(u.warnings),
    }
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    out.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
