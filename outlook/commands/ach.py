"""``outlook ach FILE|ID``: the analysis of competing hypotheses the file states, on the command line.

Owns the command's arguments and how it writes the matrix, the scores, the
evidence table and the linchpins (aligned text, CSV or JSON); the
computation is :func:`outlook.analysis.ach.ach`. Exit codes as every
command: 0 when the tables were made, 2 for a scenario or an argument that
is not valid, 1 when a run fails.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

from .assumptions import _DEFAULT_SAMPLES, _whole
from .update import add_table_option, check_table, write_csv

if TYPE_CHECKING:
    from ..analysis.ach import ACH

__all__ = ["add_parser", "run"]

#: characters a terminal would obey, written in JSON as ``\uXXXX`` escapes (the same data), as ``outlook run`` does
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_SCORES = ("hypothesis", "wis", "wis_unweighted", "os_inconsistency", "prior", "posterior", "posterior_word")
_EVIDENCE = ("evidence", "type", "relevance", "weight", "observed", "r", "group", "spread", "mi", "max_abs_log_lr")


def add_parser(sub: Any) -> None:
    """Add ``ach`` to the ``outlook`` command's sub-parsers."""
    p = sub.add_parser(
        "ach",
        help="analysis of competing hypotheses: weighted inconsistency, diagnosticity, posterior, linchpins",
        description=(
            "Score the file's ACH matrix (its 'hypotheses:' and 'evidence:' blocks): Heuer/PARC weighted "
            "inconsistency per hypothesis (closest to 0 is favoured; not a probability), each item's "
            "diagnosticity (rating spread, mutual information in nats, max |ln LR|), the Bayesian posterior with "
            "its estimative word, coherence flags and the linchpin items."
        ),
    )
    p.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
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
    add_table_option(p, ("scores", "evidence", "matrix", "linchpin"))
    p.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook ach``; return the exit code."""
    from ..analysis.ach import ach
    from ..scenario import find_scenario, load_scenario
    from ..words import get_scale
    from .whatif import read_overrides

    check_table(args)
    get_scale(args.scale)
    scenario = load_scenario(find_scenario(args.scenario)).with_overrides(read_overrides(args.overrides))
    result = ach(scenario, samples=args.samples, seed=args.seed, scale=args.scale)
    if args.format == "json":
        _json(result, out)
    elif args.format == "csv":
        tables = {"scores": result.scores, "evidence": result.evidence, "matrix": result.matrix}
        write_csv({**tables, "linchpin": result.linchpin}, args.table, out, err)
    else:
        _text(result, out)
    return 0


def _text(a: ACH, out: TextIO) -> None:
    from .._text import terminal_safe
    from ..display import render_table

    where = f" (the scenarios at {a.horizon})" if a.horizon else ""
    out.write(terminal_safe(f"{a.scenario_id}: analysis of competing hypotheses{where}") + "\n")
    out.write("\nscores (WIS: closest to 0 is favoured; it is not a probability)\n")
    columns = list(_SCORES)
    if a.route == "worlds":
        out.write(
            "posterior: the simulated worlds reweighted by the evidence (joint: no independence assumed), "
            "with its standard error;\nposterior_independent: the likelihoods multiplied as if the items were "
            "independent, for comparison only\n"
        )
        columns += ["posterior_se", "posterior_independent"]
    out.write(render_table(a.scores[columns]))
    if a.posterior_note:
        out.write(terminal_safe(f"no posterior: {a.posterior_note}") + "\n")
    out.write("\nevidence, most diagnostic first (mi in nats)\n")
    out.write(render_table(a.evidence[list(_EVIDENCE)]))
    ratings = a.matrix.pivot(index="evidence", columns="hypothesis", values="rating")
    ratings = ratings.loc[list(a.evidence["evidence"]), list(a.hypotheses)].reset_index()
    out.write("\nratings\n")
    out.write(render_table(ratings))
    flagged = a.evidence[a.evidence["flags"] != ""]
    if not flagged.empty:
        out.write("\nflags\n")
        for r in flagged.itertuples():
            out.write(terminal_safe(f"{r.evidence}: {r.flags}") + "\n")
    out.write(terminal_safe(f"\nleading: {a.leader}" + (f" ({a.word})" if a.word else "")) + "\n")
    if a.linchpin.empty:
        out.write("linchpins: none (no item left out or flipped changes the leader or its word)\n")
    else:
        out.write("linchpins (what changes the leading hypothesis or its word)\n")
        for row in a.linchpin.to_dict("records"):
            out.write(terminal_safe(f"  {row['evidence']} {row['test']}: {_after(a, row)}") + "\n")
    for note in a.notes:
        out.write(terminal_safe(f"note: {note}") + "\n")


def _after(a: ACH, row: Mapping[Hashable, Any]) -> str:
    """What a linchpin test does to the verdict: the leader changes, or stays with another word.

    >>> from types import SimpleNamespace
    >>> a = SimpleNamespace(leader="h1", word="likely")
    >>> _after(a, {"leader_after": "h2", "word_after": "unlikely"})
    'h2 leads instead (unlikely)'
    >>> _after(a, {"leader_after": "h1", "word_after": "roughly even chance"})
    'h1 still leads, roughly even chance instead of likely'
    """
    leader, word = str(row["leader_after"]), str(row["word_after"] or "")
    if leader != a.leader:
        return f"{leader} leads instead" + (f" ({word})" if word else "")
    return f"{leader} still leads" + (
        f", {word} instead of {a.word}" if word and a.word else f" ({word})" if word else ""
    )


def _json(a: ACH, out: TextIO) -> None:
    import json

    def records(frame: Any) -> Any:
        return json.loads(frame.to_json(orient="records"))

    data: dict[str, Any] = {
        "scenario_id": a.scenario_id,
        "horizon": a.horizon,
        "hypotheses": list(a.hypotheses),
        "samples": a.samples,
        "seed": a.seed,
        "scale": a.scale,
        "route": a.route,
        "leader": a.leader,
        "word": a.word,
        "posterior_note": a.posterior_note,
        "notes": list(a.notes),
        "units": {"mi": "nats", "max_abs_log_lr": "nats"},
        "scores": records(a.scores),
        "evidence": records(a.evidence),
        "matrix": records(a.matrix),
        "linchpin": records(a.linchpin),
    }
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    out.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
