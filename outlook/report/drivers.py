"""The report's "What drives the outlook" section: which drivers the key judgements rest on.

Owns that section's content (one sentence per key judgement naming the
drivers that explain a real share of its variance alone, the first-order
indices figure of the first such judgement, and the PRIM box sentence for
it when a box concentrates it) and placing it in a report, before the key
assumptions and the background. When no driver matters alone to any key
judgement the section says so, names the largest single share, and shows the
first judgement's indices: that the outlook rests on drivers acting together
is itself a finding. Absent only when no uncertain driver feeds a key
judgement. The key judgements are the report's own: the most probable
scenario at each horizon. The numbers are
:func:`outlook.analysis.indices.first_order_indices` and
:func:`outlook.analysis.discovery.discover` on the report's run (samples,
seed, sampler), so they equal the API's. Never renders, never writes a file,
never prints.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..display import percent
from .document import Block, Doc, Figure, Heading, Inline, List, Para, Parts, User, one_line
from .facts import run_facts, scenario_of

if TYPE_CHECKING:
    import pandas as pd

    from ..scenario import Scenario
    from ..tables import Tables

__all__ = [
    "FIGURE",
    "MATTERS",
    "SHOWN",
    "add_what_drives",
    "key_targets",
    "what_drives_blocks",
]

#: A driver matters to a judgement when its first-order index is at least this (a library choice: 5% of the
#: variance), or within two standard errors of it, and more than two standard errors above 0: a driver that
#: cannot be told apart from one that is named is named too.
MATTERS = 0.05
#: Drivers named at most per judgement.
SHOWN = 3
#: The section's figure: (title, caption).
FIGURE = (
    "What each driver explains alone",
    "First-order index of each driver for the first key judgement below that a driver matters to (or the first key judgement, "
    "when none does): the share of the variance of whether "
    "that scenario holds that knowing the driver alone explains; the whiskers are ±2 batch standard errors.",
)
#: the section goes before the first of these sections
_BEFORE = ("key-assumptions", "background", "sources", "methods", "manifest")


def key_targets(tables: Tables) -> list[str]:
    """The report's key judgements as targets ``"scenario@horizon"``: the most probable scenario at each horizon.

    Ties go to the scenario listed first, as in the key judgements sentence (a stable sort).
    """
    s = scenario_of(tables)
    frame = tables.scenarios
    out = []
    for h in s.horizons:
        rows = frame[frame["horizon"] == h.id].sort_values("p", ascending=False, kind="stable")
        out.append(f"{rows.iloc[0]['scenario']}@{h.id}")
    return out


def _mattering(rows: pd.DataFrame) -> pd.DataFrame:
    """The drivers of one target that matter (:data:`MATTERS`), largest index first, at most :data:`SHOWN`."""
    s1, se = rows["S1"].astype(float), rows["S1_se"].astype(float)
    return rows[(s1 + 2 * se >= MATTERS) & (s1 - 2 * se > 0)].head(SHOWN)


def _index_text(s1: float, se: float) -> str:
    """``S1 ± 2 se`` to two decimals, or three where two would show the error as ``± 0.00``."""
    digits = 2 if round(2 * se, 2) > 0 else 3
    return f"{s1:.{digits}f} ± {2 * se:.{digits}f}"


def _sentence(s: Scenario, target: str, rows: pd.DataFrame) -> Parts:
    """One judgement: the scenario, its horizon and probability, and the drivers that matter to it."""
    sid, hid = target.split("@", 1)
    rule = next(r for r in s.rules if r.id == sid)
    horizon = next(h for h in s.horizons if h.id == hid)
    p = float(rows["p"].iloc[0]) if len(rows) else math.nan
    parts: list[Inline] = [
        "“",
        User(one_line(rule.label) or sid),
        "” over ",
        User(one_line(horizon.label) or hid),
        *((f" ({percent(p)})",) if not math.isnan(p) else ()),
    ]
    top = _mattering(rows)
    if top.empty:
        largest: tuple[Inline, ...] = ()
        if len(rows):
            first = rows.sort_values("S1", ascending=False, kind="stable").iloc[0]
            largest = (
                " (the largest single share: ",
                User(str(first["driver"])),
                f", S1 {_index_text(float(first['S1']), float(first['S1_se']))})",
            )
        return (
            *parts,
            f": no driver alone explains {MATTERS:.0%} of its variance",
            *largest,
            "; it rests on drivers acting together.",
        )
    names: list[Inline] = []
    for i, (driver, s1, se) in enumerate(zip(top["driver"], top["S1"].astype(float), top["S1_se"].astype(float))):
        if i:
            names.append(" and " if i == len(top) - 1 else ", ")
        names += [User(str(driver)), f" (S1 {_index_text(float(s1), float(se))})"]
    return (*parts, " rests chiefly on ", *names, ".")


def what_drives_blocks(
    s: Scenario, indices: pd.DataFrame, targets: list[str], *, figure: int | None = None, box: str = ""
) -> list[Block]:
    """The section, or nothing when no driver has an index for any of ``targets``.

    Parameters
    ----------
    s
        The scenario.
    indices
        From :func:`~outlook.analysis.indices.first_order_indices`.
    targets
        The key judgements, ``"scenario@horizon"``.
    figure
        The indices figure's number, or ``None`` for a report without figures.
    box
        The PRIM sentence for the first judgement with a driver that matters, or ``""``.
    """
    by = {t: indices[indices["target"] == t] for t in targets}
    if not any(len(rows) for rows in by.values()):
        return []
    out: list[Block] = [
        Heading(2, "What drives the outlook", "what-drives"),
        Para(
            (
                "For each key judgement, the drivers that each explain the largest share of its variance alone (first-order "
                f"indices S1, ±2 standard errors; only drivers with S1 of at least {MATTERS:.2f}, or within two "
                "standard errors of it, and more than two standard errors above 0 are named):",
            )
        ),
        List(tuple(_sentence(s, t, by[t]) for t in targets), cls="drivers-judgements"),
    ]
    if box:
        out.append(Para(("Scenario discovery (PRIM): ", User(one_line(box)))))
    if figure is not None:
        out.append(Figure("indices", figure, *FIGURE))
    out.append(
        Para(
            (
                "S1 = Var(E[Y | X]) / Var(Y), with Y whether the scenario holds at the horizon, estimated from the "
                "report's own worlds by binning each driver at its quantiles (a given-data estimator: Plischke, "
                "Borgonovo & Smith 2013); standard errors from 20 batches of worlds. With correlated drivers an index "
                "includes what the driver says about its partners, so indices can sum to more than 1. PRIM: "
                "Friedman & Fisher (1999).",
            ),
            cls="note",
        )
    )
    return out


def _first_with_drivers(indices: pd.DataFrame, targets: list[str]) -> str | None:
    """The first target a driver matters to, else the first with any index, else ``None``."""
    for t in targets:
        if len(_mattering(indices[indices["target"] == t])):
            return t
    return next((t for t in targets if (indices["target"] == t).any()), None)


def _box_sentence(s: Scenario, target: str, samples: int, seed: int, sampler: str) -> str:
    """The PRIM sentence for ``target`` on the report's first worlds, or ``""`` when no box concentrates it."""
    from ..analysis.onrun import run_discovery

    found = run_discovery(s, target, samples=samples, seed=seed, sampler=sampler)
    if found.table.empty or found.box.density <= found.base_rate:
        return ""
    return str(found.sentence)


def add_what_drives(
    doc: Doc, tables: Tables, figs: dict[str, tuple[str, bytes]] | None, *, figure_format: str, dpi: int
) -> None:
    """Add the section to ``doc`` (and its figure to ``figs``) when some uncertain driver feeds a key judgement.

    The indices are computed on the report's run (samples, seed, sampler). Nothing is added for weighted
    runs (the indices weight every world equally), for runs too small for the estimator, or when no
    uncertain driver feeds a key judgement.
    """
    from ..analysis.indices import BATCHES, bin_count
    from ..analysis.onrun import run_indices

    run = run_facts(tables)
    if run.effective_sample_size is not None or run.samples < 2 * bin_count(run.samples) * BATCHES:
        return
    s = scenario_of(tables)
    seed = int(run.seed)
    indices = run_indices(s, samples=run.samples, seed=seed, sampler=run.sampler)
    targets = key_targets(tables)
    first = _first_with_drivers(indices, targets)
    if first is None:
        return
    number = None
    if figs is not None:
        from .. import plots

        number = 1 + sum(isinstance(b, Figure) for b in doc.blocks)
        figs["indices"] = (
            figure_format,
            plots.figure_bytes(plots.indices_bars(indices, first), figure_format, dpi=dpi),
        )
    box = _box_sentence(s, first, run.samples, seed, run.sampler)
    blocks_out = what_drives_blocks(s, indices, targets, figure=number, box=box)
    at = next(
        (i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.level == 2 and b.anchor in _BEFORE),
        len(doc.blocks),
    )
    doc.blocks[at:at] = blocks_out
