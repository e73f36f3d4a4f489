"""``outlook score LEDGER RESOLUTIONS``: how good the forecasts on record were.

Owns the command's arguments and how it writes the scores (text, JSON, CSV);
the numbers come from :func:`outlook.scoring.score`. Never computes a number
itself.

Scores each resolved forecast in the ledger (Brier, log score with p clipped
to [0.001, 0.999]), each scenario set (multi-category Brier, 0-2), the
sources' claims beside the model's probabilities of the same claims, and the
model's forecasts as a whole: skill against 0.5, the base rate and 1/K, the time-averaged Brier
score, Murphy's decomposition with the estimative words as bins, calibration
by word with Wilson 95% intervals, discrimination and sharpness. Ambiguous
outcomes are scored both ways (best and worst); annulled ones are left out.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from ..scoring import Scores

__all__ = ["add_parser", "run"]

_FORMATS = ("table", "json", "csv")


def add_parser(sub: Any) -> None:
    """Add the ``score`` sub-command to the sub-parsers ``sub``."""
    p = sub.add_parser(
        "score",
        help="score a forecast ledger against what happened",
        description=__doc__.split("\n\n")[2].replace("\n", " ") if __doc__ else None,
    )
    p.add_argument("ledger", metavar="LEDGER", help="a ledger written by 'outlook ledger add'")
    p.add_argument("resolutions", metavar="RESOLUTIONS", help="a resolutions file (YAML)")
    p.add_argument(
        "--scenario",
        action="append",
        default=[],
        dest="scenarios",
        metavar="FILE|ID",
        help="check each forecast's definition hash against this scenario as it stands; repeatable",
    )
    p.add_argument("--format", "-f", choices=_FORMATS, default="table", help="output format (default table)")
    p.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook score``; return the exit code (0)."""
    from .._text import terminal_safe
    from ..scoring import score

    scores = score(args.ledger, args.resolutions, scenarios=args.scenarios)
    if args.format == "json":
        import json

        out.write(json.dumps(scores.to_dict(), indent=2, ensure_ascii=True, allow_nan=False, default=str) + "\n")
        return 0
    if args.format == "csv":
        _csv(scores, out)
        return 0
    for line in scores.refused:
        err.write(f"note: {terminal_safe(line)}\n")
    _text(scores, out)
    return 0


def _csv(scores: Scores, out: TextIO) -> None:
    from ..display import render_table

    for i, name in enumerate(scores.TABLES):
        if i:
            out.write("\n")
        out.write(f"# {name}\n")
        out.write(render_table(getattr(scores, name), format="csv"))


def _text(scores: Scores, out: TextIO) -> None:
    from ..display import render_table
    from ..scoring import TOO_FEW

    n = len(scores.forecasts)
    claims = int((scores.forecasts["forecaster"] == "source").sum())
    of_which = f" ({claims} of them sources' claims)" if claims else ""
    out.write(
        f"{n} forecasts scored{of_which}, {scores.open} not yet resolved, {len(scores.refused)} left out or refused "
        "(see the notes)\n"
    )
    if not n:
        return
    if claims:
        out.write("\nsources' claims: mean Brier score of each speaker's claims, and of the model's probabilities\n")
        out.write("of the same claims in the same runs (model_brier_*)\n")
        out.write(render_table(scores.sources.round(4), format="text"))
    if n == claims:
        return
    out.write("\nscorecard (best / worst: ambiguous outcomes resolved for, then against, each forecast)\n")
    out.write(render_table(scores.summary.round(4), format="text"))
    out.write(f"\ncalibration by estimative word (Wilson 95% intervals; fewer than {TOO_FEW}: too few to judge)\n")
    out.write(render_table(scores.calibration.round(3), format="text"))
    if len(scores.sets):
        out.write("\nscenario sets: multi-category Brier score (0-2; the uniform 1/K scores 1 - 1/K)\n")
        shown = scores.sets.drop(columns=["run"]).round(4)
        out.write(render_table(shown, format="text"))
    out.write("\nquestions: Brier score averaged over the days each was open (Good Judgment Project)\n")
    out.write(render_table(scores.questions.round(4), format="text"))
    out.write("\nbiggest misses (each a key judgement: outlook premortem FILE --target JUDGEMENT)\n")
    out.write(render_table(scores.misses.round(4), format="text"))
