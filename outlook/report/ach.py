"""The report's "Competing hypotheses" section: the ACH matrix scored, its flags and its linchpins.

Owns that section's content (a table of each hypothesis's weighted
inconsistency, prior and posterior, the items the coherence checks flag,
the linchpin items) and placing it in a report, before the background;
only for a scenario whose file states ``evidence:``. The numbers are
:func:`outlook.analysis.ach.ach`, counted over the report's own worlds (its
samples, seed, sampler and scale). Never renders, never writes a file.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..display import percent
from .document import Block, Cell, Doc, Figure, Heading, List, Para, Row, Table, User, one_line
from .facts import run_facts, scenario_of

if TYPE_CHECKING:
    from ..analysis.ach import ACH
    from ..tables import Tables

__all__ = [
    "FIGURE",
    "ach_blocks",
    "add_ach",
]

#: The section's figure: (title, caption).
FIGURE = (
    "ACH matrix",
    "Each cell is an item's consistency rating for a hypothesis, white for very consistent (CC) to black for very "
    "inconsistent (II), hatched where not applicable or where the item tells nothing apart, with P(E|h) in percent "
    "when there is one; the footer rows give the weighted inconsistency score and the posterior.",
)
#: the section goes before the first of these sections
_BEFORE = ("background", "sources", "methods", "manifest")


def ach_blocks(result: ACH, figure: int | None = None) -> list[Block]:
    """The section: heading, method note, the scores table, the flagged items, the linchpins, the figure."""
    where = f" (the scenarios by the end of horizon {result.horizon})" if result.horizon else ""
    out: list[Block] = [
        Heading(2, "Competing hypotheses", "hypotheses"),
        Para(
            (
                f"Analysis of competing hypotheses{where} (Heuer 1999, ch. 8). The weighted inconsistency score "
                "(PARC ACH: -1 for each inconsistent item, -2 for each very inconsistent one, weighted by relevance "
                "and source credibility) favours the hypothesis closest to 0; it is not a probability. The "
                "posterior multiplies the prior by each item's likelihood, discounted for the source's reliability; "
                "dependent items enter once.",
            ),
            cls="note",
        ),
    ]
    worlds = result.route == "worlds"
    if worlds:
        out.append(
            Para(
                (
                    "Every item is an observable of the model, so the posterior is the simulated worlds reweighted by "
                    "the evidence: joint, with no independence assumed. The last column multiplies the likelihoods as "
                    "if the items were independent given the hypothesis, for comparison only.",
                )
            )
        )
    header: tuple[str, ...] = ("Hypothesis", "Inconsistency (WIS)", "Prior", "Posterior", "Word")
    header += ("As if independent",) if worlds else ()
    rows = tuple(_row(r, worlds) for r in result.scores.to_dict("records"))
    out.append(Table("hypotheses", header, (False, True, True, True, False) + (True,) * worlds, rows))
    if result.posterior_note:
        out.append(Para(("No posterior: ", User(one_line(result.posterior_note)), ".")))
    zeros = tuple((User(one_line(n)),) for n in result.notes if n.startswith("posterior 0 for "))
    if zeros:
        out.append(List(zeros, cls="ach-zeros"))
    flagged = tuple(
        (User(one_line(str(r["evidence"]))), ": ", User(one_line(str(r["flags"]))))
        for r in result.evidence.to_dict("records")
        if r["flags"]
    )
    if flagged:
        out.append(Para(("What the coherence checks flag:",)))
        out.append(List(flagged, cls="ach-flags"))
    pins = tuple(_pin(r) for r in result.linchpin.to_dict("records"))
    if pins:
        out.append(Para(("Linchpin items (left out, or reversed as if deceptive, they change the conclusion):",)))
        out.append(List(pins, cls="linchpins"))
    if figure is not None:
        out.append(Figure("ach", figure, *FIGURE))
    return out


def _pin(r: dict[Any, Any]) -> tuple[Any, ...]:
    """One linchpin: the item, the test, and the leader (or only its word) it changes to."""
    after = str(r["leader_after"]) + (f" ({r['word_after']})" if r["word_after"] else "")
    what = "the leader becomes " if r["leader_after"] != r["leader"] else "the leader stays, its word becomes "
    if r["leader_after"] == r["leader"]:
        after = str(r["word_after"])
    return (User(one_line(str(r["evidence"]))), f" {r['test']}: {what}", User(one_line(after)), ".")


def _row(r: dict[Any, Any], worlds: bool = False) -> Row:
    prior, post, product = float(r["prior"]), float(r["posterior"]), float(r["posterior_independent"])
    cells: tuple[Cell, ...] = (
        Cell((User(one_line(str(r["label"] or r["hypothesis"]))),)),
        Cell((f"{float(r['wis']):.2f}",), num=True),
        Cell(("" if math.isnan(prior) else percent(prior),), num=True),
        Cell(("" if math.isnan(post) else percent(post),), num=True),
        Cell((str(r["posterior_word"]),)),
    )
    if worlds:
        cells += (Cell(("" if math.isnan(product) else percent(product),), num=True),)
    return Row(cells)


def add_ach(
    doc: Doc, tables: Tables, figs: dict[str, tuple[str, bytes]] | None, *, figure_format: str, dpi: int
) -> None:
    """Add the section to ``doc`` (and its matrix to ``figs``) when the tables' scenario states evidence.

    Computed with the run's samples, seed, sampler and scale. Does nothing for a scenario without evidence.
    """
    s = scenario_of(tables)
    if not s.evidence:
        return
    from ..analysis.ach import ach

    run = run_facts(tables)
    result = ach(s, samples=run.samples, seed=int(run.seed), sampler=run.sampler, scale=run.scale)
    number = None
    if figs is not None:
        from .. import plots

        number = 1 + sum(isinstance(b, Figure) for b in doc.blocks)
        figs["ach"] = (figure_format, plots.figure_bytes(plots.ach_matrix(result), figure_format, dpi=dpi))
    blocks = ach_blocks(result, number)
    at = next(
        (i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.level == 2 and b.anchor in _BEFORE),
        len(doc.blocks),
    )
    doc.blocks[at:at] = blocks
