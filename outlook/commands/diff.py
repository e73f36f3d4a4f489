"""``outlook diff OLD NEW``: what changed between two versions of a scenario, which judgements moved, and why.

Owns the command's arguments and how it writes the diff (aligned text, CSV
or JSON); the diff itself is :func:`outlook.analysis.diff.diff_scenarios`.
Both files are read, never written. Exit codes as every command: 0 when the
diff ran (whatever it found), 2 for a scenario or an argument that is not
valid, 1 when a run fails.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.diff import VersionDiff

__all__ = ["add_parser", "run"]

_MOVED_COLUMNS = (
    "kind",
    "target",
    "horizon",
    "status",
    "p_old",
    "p_new",
    "delta",
    "delta_se",
    "word_old",
    "word_new",
    "flip",
    "top_causes",
)


def add_parser(sub: Any) -> None:
    """Add ``diff`` to the ``outlook`` command's sub-parsers."""
    from .whatif import comparison_options

    p = sub.add_parser(
        "diff",
        help="what changed between two versions of a scenario, which judgements moved, and why",
        description=(
            "Compare two versions of a scenario on the same random streams: the inputs that changed (by key path, "
            "old -> new), the judgements that moved (p_old, p_new, words, flip, paired standard error), and how "
            "much of each move each changed block explains (exact Shapley values over at most 8 blocks, one at a "
            "time above). Ids renamed in NEW's 'renamed:' are paired. Both files are read, never written."
        ),
    )
    p.add_argument("old", metavar="OLD", help="the superseded version: a scenario file or a bundled scenario's id")
    p.add_argument("new", metavar="NEW", help="the current version")
    p.add_argument("--all", action="store_true", help="list every judgement, not only those that moved")
    comparison_options(p)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook diff``; return the exit code."""
    from ..analysis.diff import diff_scenarios
    from ..model import DEFAULT_CHUNK_SIZE, check_counts
    from ..scenario import find_scenario, load_scenario
    from ..words import get_scale

    get_scale(args.scale)
    if args.sampler != "random":
        raise ValueError("diff attributes moves on common random numbers: --sampler must be random")
    chunk = args.chunk_size or DEFAULT_CHUNK_SIZE
    check_counts(args.samples, args.seed, chunk)
    old = load_scenario(find_scenario(args.old))
    new = load_scenario(find_scenario(args.new))
    from ..report.change import different_id_note

    if old.id != new.id:  # allowed (a question re-named), but more often the wrong file
        err.write(f"note: {different_id_note(old, new)}\n")
    d = diff_scenarios(old, new, samples=args.samples, seed=args.seed, chunk_size=chunk, scale=args.scale)
    if args.format == "json":
        _json(d, args, out)
    elif args.format == "csv":
        _csv(d, out, every=args.all)
    else:
        _text(d, args, out, every=args.all)
    return 0


def _rows(d: VersionDiff, *, every: bool) -> pd.DataFrame:
    return d.judgements if every else d.moved


def _method(d: VersionDiff) -> str:
    k = len(d.blocks)
    if d.method == "shapley":
        return f"exact Shapley values over {k} changed block{'' if k == 1 else 's'} ({2**k} runs)"
    if d.method == "one-at-a-time":
        return f"one block at a time over {k} changed blocks (more than 8), interactions shown apart"
    return "no change moves a number"


def _text(d: VersionDiff, args: argparse.Namespace, out: TextIO, *, every: bool) -> None:
    from .._text import terminal_safe
    from ..display import render_table

    out.write(terminal_safe(f"diff {args.old} -> {args.new}: {d.samples} samples, seed {d.seed}, scale {d.scale}"))
    out.write(f"\nattribution: {_method(d)}\n")
    out.write("\nchanged inputs\n")
    from ..analysis.diff import shown_change

    changes = d.changes.assign(old=d.changes["old"].map(shown_change), new=d.changes["new"].map(shown_change))
    out.write(render_table(changes) if len(changes) else "none: the two versions state the same.\n")
    rows = _rows(d, every=every)
    out.write("\nevery judgement\n" if every else "\njudgements that moved\n")
    shown = rows[[c for c in _MOVED_COLUMNS if c in rows.columns]]
    out.write(render_table(shown) if len(shown) else "none: no judgement moved.\n")
    if d.sentences:
        out.write("\nchange from the previous analysis\n")
        for s in d.sentences:
            out.write(terminal_safe(f"- {s}") + "\n")
    from .whatif import _FLIP_NOTE, within_noise_note

    out.write(f"\n{_FLIP_NOTE}\n")
    note = within_noise_note(rows, "word_old", "word_new")
    if note:
        out.write(f"{note}\n")


def _csv(d: VersionDiff, out: TextIO, *, every: bool) -> None:
    from ..display import render_table

    for i, (name, frame) in enumerate(
        (("changes", d.changes), ("judgements", _rows(d, every=every)), ("attribution", d.attribution))
    ):
        if i:
            out.write("\n")
        out.write(f"# {name}\n")
        out.write(render_table(frame, format="csv"))


def _json(d: VersionDiff, args: argparse.Namespace, out: TextIO) -> None:
    import json

    from .whatif import _JSON_UNSAFE, _plain

    def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
        return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]

    data = {
        "old": str(args.old),
        "new": str(args.new),
        "samples": d.samples,
        "seed": d.seed,
        "scale": d.scale,
        "method": d.method,
        "blocks": list(d.blocks),
        "changes": records(d.changes),
        "judgements": records(d.judgements),
        "attribution": records(d.attribution),
        "sentences": list(d.sentences),
    }
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    out.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
