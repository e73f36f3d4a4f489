"""The report's "Sources' own forecasts" section: each source's claim beside the model's probability.

Owns that section's content (a table of each claim: what was said, the
speaker and whether an interested party, by when, the word the source
implies, the model's probability and word, whether they agree; the claims
the model cannot judge, with the reason) and placing it in a report,
before the background; only for a scenario whose file states ``claims:``.
The numbers are :func:`outlook.analysis.claims.claims` of the report's own
tables, and both words are in the report's one row of ICD 203's table.
Never renders, never writes a file.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..display import long_date, percent, plus_minus
from .document import Block, Cell, Doc, Heading, List, Para, Row, Table, User, one_line
from .facts import scenario_of

if TYPE_CHECKING:
    import pandas as pd

    from ..tables import Tables

__all__ = [
    "add_claims",
    "claims_blocks",
]

#: the section goes before the first of these sections
_BEFORE = ("background", "sources", "methods", "manifest")
#: how the section says each agreement
_AGREEMENT = {"agrees": "agree", "model lower": "the model is lower", "model higher": "the model is higher"}


def claims_blocks(table: pd.DataFrame) -> list[Block]:
    """The section: heading, method note, the table of modelled claims, the list of claims not modelled."""
    out: list[Block] = [
        Heading(2, "Sources' own forecasts", "claims"),
        Para(
            (
                "What the sources themselves forecast, set beside the model (Tetlock: pundits rarely state "
                "probabilities or timeframes; making them explicit is the lesson). The word a source implies is "
                "read on ICD 203's table, in this report's row of it, and stands for its band; the model's "
                "probability is of the same event or scenario by the same date, over the same simulated worlds, "
                "±2·SE. They agree when the model's probability falls in the source's band.",
            ),
            cls="note",
        ),
    ]
    modelled = table[table["agreement"] != "not modelled"].to_dict("records")
    if modelled:
        header = ("Claim", "Speaker", "Interested party", "By", "The source implies", "The model", "Agreement")
        rows = tuple(_row(r) for r in modelled)
        out.append(Table("claims", header, (False, False, False, False, False, True, False), rows))
    left = table[table["agreement"] == "not modelled"].to_dict("records")
    if left:
        out.append(Para(("Claims the model cannot judge:",)))
        items = tuple(
            (
                User(one_line(str(r["paraphrase"]))),
                " (",
                User(one_line(str(r["speaker"]))),
                "): ",
                User(one_line(str(r["not_modelled"]))),
            )
            for r in left
        )
        out.append(List(items, cls="claims-not-modelled"))
    return out


def _by(r: dict[Any, Any]) -> str:
    return long_date(dt.date.fromisoformat(str(r["horizon_end"]))) if r["horizon_end"] else str(r["timeframe"])


def _row(r: dict[Any, Any]) -> Row:
    p, se, word = float(r["p"]), float(r["p_se"]), str(r["word"])
    band = f"{100 * float(r['implied_low']):g}–{100 * float(r['implied_high']):g}%"
    attrs = (("data-p", repr(p)), ("data-se", repr(se)), ("data-word", word))
    flag = " (more worlds could change the word)" if r["straddles"] else ""
    detail = (("“", User(one_line(str(r["quote"]))), "”"),) if r["quote"] else ()
    return Row(
        (
            Cell((User(one_line(str(r["paraphrase"]))),)),
            Cell((User(one_line(str(r["speaker"]))),)),
            Cell((User(one_line(str(r["interested_party"]))),)),
            Cell((_by(r),)),
            Cell((str(r["implied_word"]), f" ({band})")),
            Cell((percent(p), " ", plus_minus(se), " ", word, flag), num=True, attrs=attrs),
            Cell((_AGREEMENT.get(str(r["agreement"]), str(r["agreement"])),)),
        ),
        detail=detail[0] if detail else (),
        name=str(r["claim"]),
    )


def add_claims(doc: Doc, tables: Tables) -> None:
    """Add the section to ``doc`` when the tables' scenario states claims (read off the tables: no second run)."""
    s = scenario_of(tables)
    if not s.claims:
        return
    from ..analysis.claims import claims

    blocks = claims_blocks(claims(tables))
    at = next(
        (i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.level == 2 and b.anchor in _BEFORE),
        len(doc.blocks),
    )
    doc.blocks[at:at] = blocks
