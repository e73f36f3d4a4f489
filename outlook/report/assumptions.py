"""The report's "Key assumptions" section: which key judgements change word if an assumption is false.

Owns that section's content (the summary per assumption, the judgements
that flip, the key uncertainties, the assumptions not tested) and placing
it in a report, before the background; only for a scenario whose file
states ``assumptions:``. The check itself is
:func:`outlook.analysis.assumptions.assumptions_check`, run with the
report's run settings (samples, seed, sampler, scale), so that its base
probabilities are the report's own. Never renders, never writes a file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..display import percent
from .document import Block, Cell, Code, Doc, Figure, Heading, Inline, List, Para, Row, Table, User, one_line
from .facts import run_facts, scenario_of

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.assumptions import AssumptionsCheck
    from ..scenario import Scenario
    from ..tables import Tables

__all__ = [
    "FIGURE",
    "add_key_assumptions",
    "key_assumptions_blocks",
]

#: The section's figure: (title, caption).
FIGURE = (
    "Key judgements if an assumption is false",
    "Each row is a key judgement: the open circle its probability as the file states the assumptions, the "
    "filled square its probability if the assumption is false; the shaded bands are the estimative words.",
)
#: the section goes before the first of these sections
_BEFORE = ("background", "sources", "methods", "manifest")


def key_assumptions_blocks(
    check: AssumptionsCheck, figure: int | None = None, scenario: Scenario | None = None
) -> list[Block]:
    """The section: heading, summary table, the flips, key uncertainties, untested assumptions, the figure.

    ``figure`` is the dumbbell figure's number, or ``None`` for a report without figures. With
    ``scenario``, judgements and horizons are named by their labels, as elsewhere in the report.
    """
    s = check.summary
    out: list[Block] = [
        Heading(2, "Key assumptions", "key-assumptions"),
        Para(
            (
                "Each assumption with an if-false case was checked by running the scenario with the assumption "
                f"false on the same {check.samples:,} simulated worlds (seed {check.seed}), so that the differences "
                "are paired. A judgement flips when its estimative word changes by more than twice the paired "
                "standard error and neither probability is within the Monte Carlo error of a word boundary.",
            ),
            cls="note",
        ),
    ]
    rows = tuple(_summary_row(r) for r in s.to_dict("records"))
    header = ("Assumption", "Rating", "Status", "Flips", "Largest change", "Key uncertainty", "Statement")
    out.append(Table("key-assumptions", header, (False, False, False, True, True, False, False), rows))
    flips = check.table[check.table["flip"]]
    if flips.empty:
        out.append(Para(("No key judgement changes word if any one assumption is false.",)))
    else:
        shown, more = _largest_flips(flips)
        items = tuple(_flip_item(r, scenario) for r in shown.to_dict("records"))
        lead: tuple[Inline, ...] = ("If these assumptions are wrong, these judgements change word:",)
        if more:
            lead = (
                f"If these assumptions are wrong, these judgements change word (the {FLIPS_SHOWN} largest changes "
                f"for each assumption; {more} smaller ones are counted in the table above, and ",
                Code("outlook assumptions FILE"),
                " lists them all):",
            )
        out.append(Para(lead))
        out.append(List(items, cls="flips"))
    keys = check.key_uncertainties
    if keys:
        out.append(
            Para(
                (
                    "Key uncertainties (rated caveated or unsupported, and a judgement flips): ",
                    User(", ".join(keys)),
                    ". Each is a collection requirement.",
                )
            )
        )
    if figure is not None and not check.table.empty:
        out.append(Figure("assumptions", figure, *FIGURE))
    return out


#: The flips the report lists per assumption, largest change first; the command lists them all.
FLIPS_SHOWN = 3


def _largest_flips(flips: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Each assumption's :data:`FLIPS_SHOWN` flips of largest ``|delta|``, in the table's order of assumptions,
    and how many were left out."""
    order = flips.assign(_abs=flips["delta"].abs()).sort_values("_abs", ascending=False, kind="stable")
    kept = order.groupby("assumption", sort=False).head(FLIPS_SHOWN).drop(columns="_abs")
    first = {a: i for i, a in enumerate(dict.fromkeys(flips["assumption"]))}
    kept = kept.sort_values("assumption", key=lambda col: col.map(first), kind="stable")
    return kept, len(flips) - len(kept)


def _flip_item(r: Mapping[Any, Any], scenario: Scenario | None = None) -> tuple[User, str]:
    base, alt = percent(float(r["p_base"])), percent(float(r["p_alt"]))
    ids = str(r["assumption"]).split("+")
    both = "both" if len(ids) == 2 else "all"
    who = f"{ids[0]} is" if len(ids) == 1 else f"{', '.join(ids[:-1])} and {ids[-1]} are {both}"
    target, horizon = str(r["target"]), str(r["horizon"])
    if scenario is not None:
        labels = {r.id: r.label for r in scenario.rules} | {e.id: e.label for e in scenario.events}
        name = labels.get(target)
        target = f"{name} ({target})" if name and name != target else target
        horizon = next((h.label or h.id for h in scenario.horizons if h.id == horizon), horizon)
    return (
        User(one_line(f"If {who} false, {target} over {horizon}")),
        f" goes from {r['word_base']} ({base}) to {r['word_alt']} ({alt}).",
    )


def _summary_row(r: Mapping[Any, Any]) -> Row:
    largest = float(r["max_abs_delta"])
    return Row(
        (
            Cell((User(one_line(str(r["assumption"]))),)),
            Cell((str(r["rating"]),)),
            Cell((str(r["status"]),)),
            Cell((str(int(r["n_flips"])),), num=True),
            Cell(("" if math.isnan(largest) else percent(largest),), num=True),
            Cell(("yes" if r["key_uncertainty"] else "",)),
            Cell((User(one_line(str(r["statement"]))),)),
        )
    )


def add_key_assumptions(
    doc: Doc, tables: Tables, figs: dict[str, tuple[str, bytes]] | None, *, figure_format: str, dpi: int
) -> None:
    """Add the section to ``doc`` (and its figure to ``figs``) when the tables' scenario states assumptions.

    The check runs with the run's samples, seed, sampler and scale. Does nothing for a scenario without
    assumptions.
    """
    s = scenario_of(tables)
    if not s.assumptions:
        return
    from ..analysis.assumptions import assumptions_check

    run = run_facts(tables)
    check = assumptions_check(s, samples=run.samples, seed=int(run.seed), sampler=run.sampler, scale=run.scale)
    number = None
    if figs is not None and not check.table.empty:
        from .. import plots

        number = 1 + sum(isinstance(b, Figure) for b in doc.blocks)
        figs["assumptions"] = (
            figure_format,
            plots.figure_bytes(plots.assumptions_dumbbell(check), figure_format, dpi=dpi),
        )
    blocks = key_assumptions_blocks(check, number, s)
    at = next(
        (i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.level == 2 and b.anchor in _BEFORE),
        len(doc.blocks),
    )
    doc.blocks[at:at] = blocks
