"""``outlook exercise list|show|check``: exercises with planted biases, and feedback on a student's fixes.

Owns the command's arguments and how it writes the list, an exercise's
brief and tasks (or the starting files copied to a folder), and the
feedback tables (text, JSON, CSV); everything else is
:mod:`outlook.exercises`. Exit codes as every command: 0 when it ran
(whatever the check found), 2 for a file, an id or an argument that is not
valid (a student's file with errors: each located, one line), 1 when a run
fails.

Check a student's file: which plants were found and fixed, and the effect of
each fix on the exercise's key judgements, run against the original on
common random numbers.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from ..exercises import ExerciseCheck

__all__ = ["add_parser", "run"]

_FEEDBACK = ("plant", "name", "status", "n_flips", "max_abs_delta", "isolated")
_EFFECTS = ("plant", "judgement", "p_original", "p_fixed", "delta", "delta_se", "word_original", "word_fixed", "flip")


def add_parser(sub: Any) -> None:
    """Add ``exercise`` and its actions to the ``outlook`` command's sub-parsers."""
    from .whatif import _whole

    p = sub.add_parser(
        "exercise",
        help="exercises with planted biases: list them, show one, check a student's fixes",
        description="Exercises with planted biases (docs/exercises.md): a brief, a flawed scenario and tasks; "
        "'check' says which plants a student's file fixed and what each fix does to the key judgements.",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    lst = actions.add_parser("list", help="list the bundled exercises")
    lst.add_argument("--traceback", action="store_true", help="show the full traceback on errors")
    show = actions.add_parser(
        "show",
        help="print an exercise's brief and tasks, or copy its starting files to a folder",
        description="Print the brief and the tasks; with --to DIR, copy the brief, the tasks and the flawed "
        "scenario into DIR (made if needed) instead, never replacing a file that is there.",
    )
    show.add_argument("exercise", metavar="ID", help="a bundled exercise's id (see 'outlook exercise list')")
    show.add_argument("--to", metavar="DIR", default=None, help="copy the starting files into this folder")
    show.add_argument("--traceback", action="store_true", help="show the full traceback on errors")
    check = actions.add_parser(
        "check",
        help="check a student's scenario: plants fixed, and each fix's effect on the key judgements",
        description=__doc__.split("\n\n")[2].replace("\n", " ") if __doc__ else None,
    )
    check.add_argument("student", metavar="STUDENT.yaml", help="the student's scenario file")
    check.add_argument(
        "--exercise", "-e", metavar="ID", default=None, help="the exercise (default: the one the file's id: names)"
    )
    check.add_argument(
        "--samples",
        "-n",
        type=_whole(1, 10**8, "a whole number of samples from 1 to 100,000,000"),
        default=20_000,
        help="simulated worlds of each comparison (default 20000)",
    )
    check.add_argument(
        "--seed", "-s", type=_whole(0, 2**128 - 1, "a whole number from 0 to 2**128 - 1"), default=0, help="seed"
    )
    check.add_argument("--format", "-f", choices=("table", "json", "csv"), default="table", help="output format")
    check.add_argument(
        "--table", choices=("feedback", "effects"), default="feedback", help="with --format csv: which table"
    )
    check.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook exercise ACTION``; return the exit code."""
    if args.action == "list":
        return _list(out)
    if args.action == "show":
        return _show(args, out)
    from ..exercises import check_exercise

    c = check_exercise(args.student, exercise=args.exercise, samples=args.samples, seed=args.seed)
    _write_check(c, args, out)
    return 0


def _list(out: TextIO) -> int:
    import pandas as pd

    from ..display import render_table
    from ..exercises import bundled_exercises, find_exercise

    rows = []
    for eid in bundled_exercises():
        ex = find_exercise(eid)
        rows.append([eid, ex.title, ex.base, ", ".join(p.kind for p in ex.plants)])
    frame = pd.DataFrame(rows, columns=["exercise", "title", "base", "plants"])
    out.write(render_table(frame) if rows else "no exercises\n")
    return 0


def _show(args: argparse.Namespace, out: TextIO) -> int:
    from ..exercises import find_exercise

    ex = find_exercise(args.exercise)
    if args.to is None:
        out.write(ex.brief.read_text(encoding="utf-8").rstrip("\n") + "\n\n")
        out.write(ex.tasks.read_text(encoding="utf-8").rstrip("\n") + "\n")
        return 0
    folder = Path(args.to)
    if folder.exists() and not folder.is_dir():
        msg = f"{args.to}: not a folder"
        raise ValueError(msg)
    there = [folder / f.name for f in ex.student_files if (folder / f.name).exists()]
    if there:
        names = ", ".join(str(p) for p in there)
        msg = f"{names} already there: outlook never replaces a file (a student's work); choose another folder"
        raise ValueError(msg)
    folder.mkdir(parents=True, exist_ok=True)
    for f in ex.student_files:
        with open(folder / f.name, "x", encoding="utf-8") as fh:  # "x": never replace what appeared meanwhile
            fh.write(f.read_text(encoding="utf-8"))
    out.write(f"copied {', '.join(f.name for f in ex.student_files)} to {folder}\n")
    out.write(f"edit {folder / ex.scenario.name}, then: outlook exercise check {folder / ex.scenario.name}\n")
    return 0


def _write_check(c: ExerciseCheck, args: argparse.Namespace, out: TextIO) -> None:
    from ..display import render_table

    if args.format == "csv":
        out.write(render_table(c.feedback if args.table == "feedback" else c.effects, format="csv"))
        return
    if args.format == "json":
        import json

        data = {
            "exercise": c.exercise.id,
            "student": c.student.path,
            "samples": c.samples,
            "seed": c.seed,
            "feedback": json.loads(c.feedback.to_json(orient="records")),
            "effects": json.loads(c.effects.to_json(orient="records")),
        }
        out.write(json.dumps(data, indent=2, ensure_ascii=True) + "\n")
        return
    n = len(c.feedback)
    out.write(
        f"{c.exercise.id}: {c.student.path}, {len(c.fixed)} of {n} plants fixed ({c.samples} samples, seed {c.seed})\n\n"
    )
    out.write(render_table(c.feedback[list(_FEEDBACK)]))
    out.write("\nwhat each check saw, and the technique that finds it\n")
    for row in c.feedback.itertuples():
        out.write(f"  {row.plant} ({row.status}): {row.detail}\n")
        out.write(f"    technique: {row.technique}; see: {row.tool}\n")
    out.write("\neffect of each fix alone on the key judgements (original a, fixed b; common random numbers)\n")
    out.write(render_table(c.effects[list(_EFFECTS)]))
    if not c.feedback["isolated"].all():
        out.write("isolated False: the fix reaches beyond its plant's keys; its effect is the whole file's\n")
    out.write(
        "flip: the word changes, |delta| > 2 delta_se, and neither p is within 2 Monte Carlo SE of a word boundary\n"
    )
