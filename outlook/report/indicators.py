"""The report's "Indicators to watch" section: what each indicator would signal, and how well.

Owns that section's content (a table of each indicator against the
scenarios it is meant to signal, where to watch for it, and the indicators
that cannot warn) and placing it in a report, after the key assumptions
and before the background; only for a scenario whose file states
``indicators:``. The numbers are :func:`outlook.analysis.indicators.indicators`,
at the first horizon (what to watch for soonest), counted over the
report's own worlds (its samples, seed, sampler and scale). Never renders,
never writes a file.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..display import percent
from .document import Block, Cell, Doc, Figure, Heading, List, Para, Row, Table, User, one_line
from .facts import run_facts, scenario_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pandas as pd

    from ..scenario import Scenario
    from ..scenario.observations import Observation
    from ..tables import Tables

__all__ = [
    "FIGURE",
    "add_indicators",
    "indicator_blocks",
]

#: The section's figure: (title, caption).
FIGURE = (
    "Indicator board",
    "Each cell is the probability that the indicator is seen if the scenario of its column holds, at the first "
    "horizon: white 0%, black 100%. Letters: S signpost, T tautological, D definitional, N non-diagnostic, L lags.",
)
#: the section goes before the first of these sections
_BEFORE = ("background", "sources", "methods", "manifest")


def _number(x: float, fmt: str) -> str:
    return "" if math.isnan(x) else format(x, fmt)


def _pairs(s: Scenario, t: pd.DataFrame) -> list[dict[Any, Any]]:
    """The rows to show: each indicator with its signposts, or (with none) the scenario it raises most (LR+)."""
    out = []
    for ind in s.indicators:
        rows = t[t["indicator"] == ind.id]
        chosen = rows[rows["scenario"].isin(ind.signposts)]
        if chosen.empty:
            chosen = rows.sort_values("lr_pos", ascending=False, kind="stable", na_position="last").head(1)
        out.extend(chosen.to_dict("records"))
    return out


def indicator_blocks(s: Scenario, table: pd.DataFrame, figure: int | None = None) -> list[Block]:
    """The section: heading, method note, the table, where to watch, the indicators that cannot warn, the figure.

    ``table`` is :func:`~outlook.analysis.indicators.indicators` at one
    horizon; ``figure`` the board's number, or ``None`` for a report without figures.
    """
    a = table.attrs
    horizon = next((h for h in s.horizons if h.id == (table["horizon"].iloc[0] if len(table) else "")), s.horizons[0])
    out: list[Block] = [
        Heading(2, "Indicators to watch", "indicators"),
        Para(
            (
                "For each indicator, the probability that it is seen by the end of ",
                User(one_line(horizon.label) or horizon.id),
                f" if a scenario holds, P(I|H), and if it does not, P(I|not H), counted over the same "
                f"{a.get('samples', 0):,} simulated worlds (seed {a.get('seed', 0)}). The likelihood ratio "
                "LR+ = P(I|H) / P(I|not H) is how much seeing the indicator multiplies the odds of the scenario; "
                "near 1 it tells nothing. Lead time is the median, in years, by which the indicator comes before "
                "the scenario; negative means it lags and cannot warn. By when is the date by which not seeing "
                "the indicator would change the scenario's estimative word.",
            ),
            cls="note",
        ),
    ]
    header: tuple[str, ...] = (
        "Indicator",
        "Scenario",
        "P(I|H)",
        "P(I|not H)",
        "LR+",
        "Lead time (years)",
        "By when",
        "Flags",
    )
    numeric: tuple[bool, ...] = (False, False, True, True, True, True, False, False)
    status = "status" in table.columns
    if status:
        out.append(_status_note(a.get("observed_to", "")))
        header, numeric = (*header, "Status"), (*numeric, False)
    rows = tuple(_row(r, status=status) for r in _pairs(s, table))
    out.append(Table("indicators", header, numeric, rows))
    watch = tuple(
        (User(one_line(i.label or i.id)), ": ", User(one_line(i.collection))) for i in s.indicators if i.collection
    )
    if watch:
        out.append(Para(("Where to watch:",)))
        out.append(List(watch, cls="collection"))
    weak = _weak(s, table)
    if weak:
        out.append(Para(("These indicators cannot warn of a scenario in this model:",)))
        out.append(List(weak, cls="weak-indicators"))
    if figure is not None and len(table):
        out.append(Figure("indicators", figure, *FIGURE))
    return out


def _status_note(date: str) -> Para:
    return Para(
        (
            f"Status, on the observations to {date}: observed on the date it was first seen; not seen by the "
            "date it was last reported absent (an observation reports an indicator when it names it, or when its "
            "observable is the indicator's, up to spaces); not observed for a state fixed from the start (one "
            "that reads no event) that nobody reported: it never fires, and silence about it says nothing; did "
            "not fire when its window closed (its observable can no longer change) by the latest observation "
            "with none of it reported: its absence is evidence; lapsed when its by-when date passed before the "
            "latest observation with none of it reported; not yet otherwise.",
        ),
        cls="note",
    )


def _row(r: dict[Any, Any], *, status: bool = False) -> Row:
    p, q = float(r["p_given"]), float(r["p_given_not"])
    last = (Cell((str(r["status"]),)),) if status else ()
    return Row(
        (
            Cell((User(one_line(str(r["indicator"]))),)),
            Cell((User(one_line(str(r["scenario"]))),)),
            Cell(("" if math.isnan(p) else percent(p),), num=True),
            Cell(("" if math.isnan(q) else percent(q),), num=True),
            Cell((_number(float(r["lr_pos"]), ".2f"),), num=True),
            Cell((_number(float(r["lead_time_p50"]), ".2f"),), num=True),
            Cell((str(r["by_when"]),)),
            Cell((str(r["flags"]),)),
            *last,
        )
    )


def _weak(s: Scenario, table: pd.DataFrame) -> tuple[tuple[Any, ...], ...]:
    """An item for each indicator non-diagnostic for every scenario, or lagging every scenario it signals."""
    out = []
    for ind in s.indicators:
        rows = table[table["indicator"] == ind.id]
        flags = [set(f.split(", ")) for f in rows["flags"]]
        label = User(one_line(ind.label or ind.id))
        if flags and all("non-diagnostic" in f for f in flags):
            out.append(
                (
                    label,
                    ": about as likely whatever the scenario (every LR+ within 0.8 to 1.25); keep it for collectors.",
                )
            )
        elif ind.signposts and all("lags" in f for f, sc in zip(flags, rows["scenario"]) if sc in ind.signposts):
            out.append((label, ": it typically comes after the scenarios it is meant to signal."))
    return tuple(out)


def add_indicators(
    doc: Doc,
    tables: Tables,
    figs: dict[str, tuple[str, bytes]] | None,
    *,
    figure_format: str,
    dpi: int,
    observations: Sequence[Observation] | None = None,
) -> None:
    """Add the section to ``doc`` (and its board to ``figs``) when the tables' scenario states indicators.

    Computed at the first horizon with the run's samples, seed, sampler and scale. Does nothing for a
    scenario without indicators. With ``observations`` (read against the scenario), the table and the
    board give each indicator's status (:func:`~outlook.analysis.indicators.indicator_status`).
    """
    s = scenario_of(tables)
    if not s.indicators:
        return
    from ..analysis.indicators import indicator_status, indicators

    run = run_facts(tables)
    table = indicators(
        s, samples=run.samples, seed=int(run.seed), sampler=run.sampler, scale=run.scale, horizon=s.horizons[0].id
    )
    if observations is not None:
        table["status"] = indicator_status(table, observations, s)
        table.attrs["observed_to"] = max((o.date for o in observations), default=s.as_of).isoformat()
    number = None
    if figs is not None:
        from .. import plots

        number = 1 + sum(isinstance(b, Figure) for b in doc.blocks)
        figs["indicators"] = (figure_format, plots.figure_bytes(plots.indicator_board(table), figure_format, dpi=dpi))
    blocks = indicator_blocks(s, table, number)
    at = next(
        (i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.level == 2 and b.anchor in _BEFORE),
        len(doc.blocks),
    )
    doc.blocks[at:at] = blocks
