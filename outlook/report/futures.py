"""The report's "Alternative futures" and "Cone of plausibility" sections.

Owns those two sections' content and placing them in a report, before the
background. "Alternative futures" is only for a scenario whose file states
``futures:``: each pair of axes as a table of its four quadrants
(probability, word, narrative, top indicators), the warnings, and the 2x2
figure of the first pair; the numbers are :func:`outlook.analysis.futures.futures`,
counted over the report's own worlds (its samples, seed, sampler and
scale). "Cone of plausibility" is for every scenario with at least two
scenarios: per horizon the baseline, the alternatives covering 90%, the
width and the wildcards, and the fan figure; the numbers are
:func:`outlook.analysis.futures.cone` of the report's own tables. Never
renders, never writes a file.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..display import by_horizon, percent, plus_minus
from .document import Block, Cell, Doc, Figure, Heading, Inline, List, Para, Row, Table, User, one_line
from .facts import run_facts, scenario_of

if TYPE_CHECKING:
    from ..analysis.futures import AlternativeFutures, Cone
    from ..scenario import Scenario
    from ..tables import Tables

__all__ = [
    "CONE_FIGURE",
    "FUTURES_FIGURE",
    "add_cone",
    "add_futures",
    "cone_blocks",
    "futures_blocks",
]

#: The figures: (title, caption).
FUTURES_FIGURE = (
    "Alternative futures",
    "The quadrants of the first pair of axes: each cell's probability with its standard error, its word and the "
    "analyst's narrative, darker for a larger probability; hatched, a quadrant under 1%.",
)
CONE_FIGURE = (
    "Cone of plausibility",
    "Each band is a scenario, as thick as its probability at each horizon; the diamond marks the baseline (the "
    "leading scenario), a star a wildcard; width and k90 are written under each horizon.",
)
#: the sections go before the first of these sections
_BEFORE = ("background", "sources", "methods", "manifest")


def _insert(doc: Doc, blocks: list[Block]) -> None:
    at = next(
        (i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.level == 2 and b.anchor in _BEFORE),
        len(doc.blocks),
    )
    doc.blocks[at:at] = blocks


def _prob(p: float, se: float, word: str) -> Cell:
    attrs = (("data-p", repr(float(p))), ("data-se", repr(float(se))), ("data-word", word))
    return Cell((percent(p), " ", plus_minus(se), " ", word), num=True, attrs=attrs)


def futures_blocks(
    s: Scenario, f: AlternativeFutures, figure: int | None = None, *, prior: bool = False
) -> list[Block]:
    """The section: heading, method note, one table per pair of axes, the warnings, the figure."""
    horizon = next(h for h in s.horizons if h.id == f.horizon)
    when = by_horizon(horizon.label or horizon.id, horizon.id, s.as_of, horizon.until)
    before = " (the worlds before the observations: the grid is not updated)" if prior else ""
    out: list[Block] = [
        Heading(2, "Alternative futures", "futures"),
        Para(
            (
                f"The scenario's alternative-futures axes, each read {when} and crossed pairwise, over "
                f"{f.samples:,} simulated worlds{before} "
                "(A Tradecraft Primer, 2009, “Alternative Futures Analysis”; with more than two axes, every pair, "
                "as in Heuer and Pherson's Multiple Scenarios Generation). Each quadrant's probability is the "
                "share of worlds on its two sides, ±2·SE; the four of a pair sum to 1. Top indicators are the "
                "indicators most diagnostic of the quadrant: the largest likelihood ratios "
                "LR+ = P(I | quadrant) / P(I | not quadrant), above 1.25, counted over the same worlds.",
            ),
            cls="note",
        ),
    ]
    phi = {f"{r['a']} x {r['b']}": float(r["phi"]) for r in f.associations.to_dict("records")}
    indicators = {i.id: one_line(i.label) or i.id for i in s.indicators}
    for i, pair in enumerate(dict.fromkeys(f.quadrants["pair"])):
        a, b = pair.split(" x ")
        assoc = "" if math.isnan(phi[pair]) else f"; the axes' association φ = {phi[pair]:+.2f}"
        out.append(Para((User(a), " × ", User(b), assoc)))
        quadrants = f.quadrants[f.quadrants["pair"] == pair].to_dict("records")
        rows = tuple(_quadrant_row(r, indicators) for r in quadrants)
        header = ("Quadrant", "Probability", "Narrative", "Top indicators")
        out.append(Table(f"futures-{i + 1}", header, (False, True, False, False), rows))
    if f.warnings:
        out.append(List(tuple((User(one_line(w)),) for w in f.warnings), cls="futures-warnings"))
    if figure is not None:
        out.append(Figure("futures", figure, *FUTURES_FIGURE))
    return out


def _quadrant_row(r: dict[Any, Any], indicators: dict[str, str]) -> Row:
    """One quadrant: its sides' labels (and flag), probability and word, narrative, top indicators by label."""
    flag = (" (", str(r["flag"]), ")") if r["flag"] else ()
    top = "; ".join(indicators.get(i, i) for i in str(r["top_indicators"]).split(", ") if i)
    return Row(
        (
            Cell((User(one_line(str(r["a_label"]))), ", ", User(one_line(str(r["b_label"]))), *flag)),
            _prob(float(r["p"]), float(r["se"]), str(r["word"])),
            Cell((User(one_line(str(r["narrative"]))),)),
            Cell((User(top),)),
        ),
        name=str(r["quadrant"]),
    )


def cone_blocks(
    s: Scenario, c: Cone, figure: int | None = None, level_with: dict[str, list[tuple[str, float]]] | None = None
) -> list[Block]:
    """The section: heading, method note, the table by horizon, its notes, the fan figure.

    ``level_with`` maps a horizon id to the scenarios (id, probability) level with its baseline by the key
    judgements' rule (:func:`outlook.words.level`), which the baseline cell then names, so that the cone never
    crowns a leader the key judgements call level.
    """
    labels = {r.id: one_line(r.label) or r.id for r in s.rules}
    out: list[Block] = [
        Heading(2, "Cone of plausibility", "cone"),
        Para(
            (
                "Per horizon (SecAlliance, “The cone of plausibility”, 2022): the baseline is the leading "
                "scenario; the plausible alternatives are the fewest scenarios, largest first, covering at least "
                "90% of the worlds (k90 of them); the width is the normalised entropy of the scenarios' shares, "
                "0 when one is certain and 1 when all are equally likely; wildcards are the events and scenarios "
                "marked impact: high whose probability is under 10%.",
            ),
            cls="note",
        ),
    ]
    rows = []
    for r in c.table.to_dict("records"):
        h = next(x for x in s.horizons if x.id == r["horizon"])
        alternatives = ", ".join(labels[x] for x in str(r["alternatives"]).split(", ") if x)
        rows.append(
            Row(
                (
                    Cell((User(one_line(h.label) or h.id),)),
                    Cell(
                        (
                            User(labels[str(r["baseline"])]),
                            f" ({percent(float(r['baseline_p']))})",
                            *_level_parts((level_with or {}).get(str(r["horizon"]), []), labels),
                        )
                    ),
                    Cell((User(alternatives), f" (k90 = {r['k90']})")),
                    Cell(("–" if math.isnan(float(r["width"])) else f"{float(r['width']):.2f}",), num=True),
                    Cell((User(_wildcards(str(r["wildcards"]), s) or "none"),)),
                ),
                name=str(r["horizon"]),
            )
        )
    header = ("Horizon", "Baseline", "Plausible alternatives", "Width", "Wildcards")
    out.append(Table("cone", header, (False, False, False, True, False), tuple(rows)))
    if c.notes:
        out.append(List(tuple((User(one_line(n)),) for n in c.notes), cls="cone-notes"))
    if figure is not None:
        out.append(Figure("cone", figure, *CONE_FIGURE))
    return out


def _number(doc: Doc, figs: dict[str, tuple[str, bytes]] | None) -> int | None:
    return None if figs is None else 1 + sum(isinstance(b, Figure) for b in doc.blocks)


def add_futures(
    doc: Doc,
    tables: Tables,
    figs: dict[str, tuple[str, bytes]] | None,
    *,
    figure_format: str,
    dpi: int,
    prior: bool = False,
) -> None:
    """Add "Alternative futures" to ``doc`` (and its grid to ``figs``) when the scenario states ``futures:``.

    Counted with the run's samples, seed, sampler and scale; ``prior``: the
    report is of an update, whose worlds the grid does not reweight (it says so).
    """
    s = scenario_of(tables)
    if s.futures is None:
        return
    from ..analysis.futures import futures

    run = run_facts(tables)
    f = futures(s, samples=run.samples, seed=int(run.seed), sampler=run.sampler, scale=run.scale)
    number = _number(doc, figs)
    if figs is not None:
        from .. import plots

        figs["futures"] = (figure_format, plots.figure_bytes(plots.futures_grid(f), figure_format, dpi=dpi))
    _insert(doc, futures_blocks(s, f, number, prior=prior))


def _wildcards(text: str, s: Scenario) -> str:
    """The cone's wildcards (``"id (0.009), ..."``) with their labels and percentages, as the tables give them."""
    import re

    labels = {r.id: one_line(r.label) or r.id for r in s.rules} | {e.id: one_line(e.label) or e.id for e in s.events}

    def one(m: re.Match[str]) -> str:
        return f"{labels.get(m.group(1), m.group(1))} ({percent(float(m.group(2)))})"

    return re.sub(r"([A-Za-z_][\w]*) \(([0-9.eE+-]+)\)", one, text)


def _level_parts(level: list[tuple[str, float]], labels: dict[str, str]) -> tuple[Inline, ...]:
    """``", level with B (22.3%) and C (25.4%)"`` for a baseline that does not lead, or nothing."""
    if not level:
        return ()
    named = [f"{labels.get(i, i)} ({percent(p)})" for i, p in level]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return (", level with ", User(listed), " (no scenario leads)")


def add_cone(
    doc: Doc, tables: Tables, figs: dict[str, tuple[str, bytes]] | None, *, figure_format: str, dpi: int
) -> None:
    """Add "Cone of plausibility" to ``doc`` (and its fan to ``figs``) for a scenario of two or more scenarios."""
    s = scenario_of(tables)
    if len(s.rules) < 2:
        return
    from ..analysis.futures import cone

    c = cone(tables)
    number = _number(doc, figs)
    from ..words import level

    n = run_facts(tables).effective_sample_size or run_facts(tables).samples
    level_with: dict[str, list[tuple[str, float]]] = {}
    for r in c.table.to_dict("records"):
        rows = tables.scenarios[tables.scenarios["horizon"] == r["horizon"]]
        p1 = float(r["baseline_p"])
        level_with[str(r["horizon"])] = [
            (str(x["scenario"]), float(x["p"]))
            for x in rows.to_dict("records")
            if str(x["scenario"]) != str(r["baseline"]) and level(p1, float(x["p"]), float(n))
        ]
    if figs is not None:
        from .. import plots

        figs["cone"] = (figure_format, plots.figure_bytes(plots.cone_fan(c), figure_format, dpi=dpi))
    _insert(doc, cone_blocks(s, c, number, level_with))
