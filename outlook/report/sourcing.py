"""The report's "Sources" section (graded, with a paragraph on their quality) and its context figures.

Owns how the quality of the information is shown (ICD 203 analytic
standard 1, "properly describes quality and credibility of underlying
sources"; a Quality of Information Check, *A Tradecraft Primer*, US
Government 2009; ``shared/reference/sat-features.md`` §4.1): one row per
source with its kind, Admiralty reliability (NATO STANAG 2511), interest,
date against the information cut-off, the quotes citing it (supporting and
contradicting) and what it reaches through the dependency graph; a
paragraph saying what a reader must know of them; and the scenario's
context figures, which feed no probability. Built from
:func:`outlook.sourcing`; never samples, never renders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..display import count, long_date, number
from .document import Block, Cell, Code, Em, Heading, Inline, List, Para, Parts, Row, Strong, Table, User, one_line

if TYPE_CHECKING:
    from ..scenario import ContextFigure, Scenario

__all__ = [
    "RELIABILITY",
    "context_blocks",
    "sources_section",
]

#: The Admiralty grades of a source's reliability (NATO STANAG 2511; AJP-2.1)
RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}


def sources_section(s: Scenario) -> list[Block]:
    """ "Sources": a paragraph on their quality, then one row per source; nothing without sources.

    Parameters
    ----------
    s
        The scenario.

    Returns
    -------
    list of Block
        A level-2 heading (anchor ``sources``), the quality paragraph, the
        table ``source-table`` (one row per source, named by its id, in file
        order) whose detail line gives the publisher, file and note.

    Notes
    -----
    An ungraded source is shown as *ungraded*, never as reliable; a source
    dated after ``as_of`` is flagged "After the information cut-off"
    (the review's R9); a source whose quotes reach no event or scenario is
    said to feed no probability (its figures inform the reader only).
    """
    if not s.sources:
        return []
    from ..analysis.sourcing import sourcing

    table = sourcing(s)
    rows = []
    for src, rec in zip(s.sources, table.to_dict("records"), strict=True):
        reliability = str(rec["reliability"])
        grade: Parts = (
            (Strong(reliability), f" {RELIABILITY[reliability]}") if reliability in RELIABILITY else (Em("ungraded"),)
        )
        date: list[Inline] = [User(one_line(str(src.date)))] if src.date else ["not stated"]
        if rec["after_as_of"] is True:
            date += [" ", Strong("After the information cut-off"), f" ({long_date(s.as_of)})."]
        quotes: list[Inline] = [f"{count(int(rec['supports']))} supporting"]
        if int(rec["contradicts"]):
            quotes.append(f", {count(int(rec['contradicts']))} contradicting")
        reaches = str(rec["reaches"])
        detail: list[Inline] = []
        details = [one_line(x) for x in (src.publisher,) if x]
        if details:
            detail += [User(", ".join(details)), "."]
        if src.file:
            detail += [" File ", Code(one_line(src.file)), "."]
        if src.note:
            detail += [" ", User(one_line(src.note))]
        rows.append(
            Row(
                (
                    Cell((Code(src.id), " ", Em(User(one_line(src.title or src.id))))),
                    Cell((str(rec["kind"]),)),
                    Cell(grade),
                    Cell((User(one_line(str(rec["interested_party"]))),)),
                    Cell(tuple(date)),
                    Cell(tuple(quotes)),
                    Cell(_reaches(reaches)),
                ),
                detail=tuple(detail),
                name=src.id,
            )
        )
    return [
        Heading(2, "Sources", "sources"),
        Para(_quality_paragraph(s, table)),
        Table(
            "source-table",
            ("Source", "Kind", "Reliability", "Interested party", "Date", "Quotes", "Reaches"),
            (False,) * 7,
            tuple(rows),
        ),
    ]


def _reaches(reaches: str) -> Parts:
    if not reaches:
        return (Em("no probability"),)
    n = len(reaches.split(", "))
    return (f"{count(n)} event{'s' if n != 1 else ''} and scenario{'s' if n != 1 else ''}",)


def _quality_paragraph(s: Scenario, table: object) -> Parts:
    """What a reader must know of the sources: grades, interests, the cut-off, contrary reports, decoration."""
    import pandas as pd

    assert isinstance(table, pd.DataFrame)
    n = len(table)
    graded = table[table["reliability"] != "ungraded"]
    ungraded = table.loc[table["reliability"] == "ungraded", "source"].tolist()
    interested = table.loc[~table["interested_party"].isin(["no", "not stated"]), "source"].tolist()
    late = table.loc[table["after_as_of"].fillna(False).astype(bool), "source"].tolist()
    contrary = int(table["contradicts"].sum())
    idle = table.loc[(table["reaches"] == "") & (table["cited_by"] != ""), "source"].tolist()
    parts: list[Inline] = [
        f"The scenario rests on {count(n)} source{'s' if n != 1 else ''}. ",
        "Reliability is the Admiralty grade of the source (A completely reliable to E unreliable; "
        "F cannot be judged) and each quote's credibility the grade of the information (1 confirmed to "
        "5 improbable; 6 cannot be judged), after NATO STANAG 2511. ",
    ]
    if len(graded):
        worst = max(str(g) for g in graded["reliability"])
        parts.append(
            f"{count(len(graded))} {'is' if len(graded) == 1 else 'are'} graded, the weakest {worst} "
            f"({RELIABILITY[worst]}). "
        )
    if ungraded:
        parts += [*_ids(ungraded), f" {'is' if len(ungraded) == 1 else 'are'} ungraded: not taken as reliable. "]
    if interested:
        parts += [
            *_ids(interested),
            f" {'has' if len(interested) == 1 else 'have'} a stake in what {'it reports' if len(interested) == 1 else 'they report'}; "
            f"{'its' if len(interested) == 1 else 'their'} claims are facts about what was said, not about what happened. ",
        ]
    if late:
        parts += [
            *_ids(late),
            f" {'is' if len(late) == 1 else 'are'} dated after the information cut-off ({long_date(s.as_of)}): "
            "cited only for what had already happened by then, or hindsight. ",
        ]
    if contrary:
        parts.append(
            f"{count(contrary)} quote{'s' if contrary != 1 else ''} "
            f"{'contradicts' if contrary == 1 else 'contradict'} the estimate citing "
            f"{'it' if contrary == 1 else 'them'} and {'is' if contrary == 1 else 'are'} kept on the record beside it. "
        )
    if idle:
        parts += [
            *_ids(idle),
            f" {'feeds' if len(idle) == 1 else 'feed'} no probability: "
            f"{'its' if len(idle) == 1 else 'their'} figures inform the reader only. ",
        ]
    if s.context:
        parts.append(
            f"{count(len(s.context))} context figure{'s' if len(s.context) != 1 else ''} "
            f"(under Facts and judgements) {'feeds' if len(s.context) == 1 else 'feed'} no probability by construction."
        )
    if isinstance(parts[-1], str):
        parts[-1] = parts[-1].rstrip()
    return tuple(parts)


def _ids(ids: list[str]) -> list[Inline]:
    out: list[Inline] = []
    for i, x in enumerate(ids):
        if i:
            out.append(" and " if i == len(ids) - 1 else ", ")
        out.append(Code(x))
    return out


def context_blocks(s: Scenario) -> list[Block]:
    """ "Context figures": each figure, its value or range and unit, and its source; nothing without any.

    Returns
    -------
    list of Block
        A level-3 heading (anchor ``context``), a sentence saying they feed no
        probability, and one list item per figure in file order.
    """
    if not s.context:
        return []
    items = tuple(_context_item(s, c) for c in s.context)
    return [
        Heading(3, "Context figures", "context"),
        Para(
            (
                "These figures inform the reader and feed no probability: no event, scenario or driver reads "
                "them, so their precision is decorative, and is shown as such.",
            )
        ),
        List(items, cls="facts"),
    ]


def _figure(value: float, calendar: bool) -> str:
    """A context figure's number: a calendar year as written (``2024``), anything else as a table shows it.

    >>> _figure(2024.0, True), _figure(2024.0, False), _figure(1.5, True)
    ('2024', '2,024', '1.5')
    """
    if calendar and float(value).is_integer():
        return str(int(value))
    return number(value)


def _context_item(s: Scenario, c: ContextFigure) -> Parts:
    parts: list[Inline] = [Code(c.id), " ", User(one_line(c.label or c.id)), ": "]
    calendar = c.unit.strip() == "year" if c.unit else False  # a value in "year" (singular) is a date: 2024
    if c.range is not None:
        parts.append(f"{_figure(c.range[0], calendar)} to {_figure(c.range[1], calendar)}")
    elif c.value is not None:
        parts.append(_figure(c.value, calendar))
    if c.unit and not calendar:
        parts += [" ", User(one_line(c.unit))]
    parts.append(".")
    ref = c.source
    if ref is not None and ref.quote:
        parts += [" “", User(one_line(ref.quote)), "”"]
        if ref.ref:
            try:
                title = s.source(ref.ref).title or ref.ref
            except KeyError:
                title = ref.ref
            parts += [" — ", Em(User(one_line(title)))]
        parts.append(".")
    if c.note:
        parts += [" ", User(one_line(c.note))]
    return tuple(parts)
