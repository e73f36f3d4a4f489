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

from ..display import percent, percent_rounded
from .document import Block, Doc, Figure, Heading, Inline, List, Para, Parts, User, one_line
from .facts import run_facts, scenario_of

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.confidence import Confidence
    from ..scenario import Scenario
    from ..tables import Tables

__all__ = [
    "FIGURE",
    "MATTERS",
    "PRIM_ODDS_RATIO",
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
#: A PRIM box is reported only where the odds of the scenario inside it are at least this many times its odds
#: overall: 1.68 is the odds ratio of a small effect (H. Chen, P. Cohen and S. Chen, "How big is a big odds
#: ratio?", Communications in Statistics - Simulation and Computation 39, 2010, 860-864). A box at 36% against
#: 34% overall (odds ratio 1.09) says nothing a reader can use.
PRIM_ODDS_RATIO = 1.68
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


def _together(explained: float | None) -> str:
    """``"the drivers together explain about 8% of it"``, or ``""`` when the share is unknown."""
    if explained is None or not math.isfinite(explained):
        return ""
    if explained > 0.99:
        return "the drivers together explain nearly all of it"
    if explained < 0.01:
        return "the drivers together explain almost none of it"
    return f"the drivers together explain about {percent_rounded(explained)} of it"


def _sentence(s: Scenario, target: str, rows: pd.DataFrame, explained: float | None = None) -> Parts:
    """One judgement: the scenario, its horizon and probability, and the drivers that matter to it.

    ``explained`` is the share of its variance the drivers explain together
    (:func:`outlook.analysis.confidence.epistemic_ranges`), when known.
    """
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
    together = _together(explained)
    top = _mattering(rows)
    if top.empty:
        largest: tuple[Inline, ...] = ()
        share: tuple[Inline, ...] = ()
        if len(rows):
            first = rows.sort_values("S1", ascending=False, kind="stable").iloc[0]
            s1 = float(first["S1"])
            largest = (
                " (the largest single share: ",
                User(str(first["driver"])),
                f", S1 {_index_text(s1, float(first['S1_se']))})",
            )
            if together and explained and explained > 0 and s1 > 0:
                share = (
                    "; ",
                    User(str(first["driver"])),
                    f" alone carries about {percent_rounded(min(1.0, s1 / explained))} of what the drivers explain",
                )
        if not together:
            rest = "; much of the variance of a yes-or-no outcome can be chance given the drivers"
        elif explained is not None and explained >= 0.5:
            rest = f"; {together}, so it rests on drivers acting together"
        else:
            rest = f"; {together}, the rest being chance given the drivers (when and whether events happen)"
        return (
            *parts,
            f": no driver alone explains {MATTERS:.0%} of its variance",
            *largest,
            rest,
            *share,
            ".",
        )
    names: list[Inline] = []
    for i, (driver, s1, se) in enumerate(zip(top["driver"], top["S1"].astype(float), top["S1_se"].astype(float))):
        if i:
            names.append(" and " if i == len(top) - 1 else ", ")
        names += [User(str(driver)), f" (S1 {_index_text(float(s1), float(se))})"]
    return (*parts, " rests chiefly on ", *names, *((f"; {together}",) if together else ()), ".")


def what_drives_blocks(
    s: Scenario,
    indices: pd.DataFrame,
    targets: list[str],
    *,
    figure: int | None = None,
    box: str = "",
    explained: dict[str, float] | None = None,
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
    explained
        ``"scenario@horizon"`` -> the share of its variance the drivers explain together, where known.
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
        List(tuple(_sentence(s, t, by[t], (explained or {}).get(t)) for t in targets), cls="drivers-judgements"),
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
                "includes what the driver says about its partners, so indices can sum to more than 1. What the "
                "drivers explain together is Var(P(Y | drivers)) / Var(Y), from the analytic-confidence draws (the "
                "law of total variance); the rest of the variance of a yes-or-no outcome is chance given the "
                "drivers, which no driver explains. PRIM: Friedman & Fisher (1999); a box is shown only where the "
                f"odds of the scenario in it are at least {PRIM_ODDS_RATIO:g} times its odds overall (a small effect: "
                "Chen, Cohen & Chen 2010).",
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
    if found.table.empty or _odds_ratio(found.box.density, found.base_rate) < PRIM_ODDS_RATIO:
        return ""
    return str(found.sentence)


def _odds_ratio(inside: float, overall: float) -> float:
    """The odds of a share ``inside`` a box over its odds ``overall``; infinite for a pure box.

    >>> round(_odds_ratio(0.36, 0.34), 2), round(_odds_ratio(0.84, 0.75), 2)
    (1.09, 1.75)
    """
    if inside >= 1.0:
        return math.inf
    if overall <= 0.0 or overall >= 1.0:
        return 1.0
    return (inside / (1.0 - inside)) / (overall / (1.0 - overall))


def add_what_drives(
    doc: Doc,
    tables: Tables,
    figs: dict[str, tuple[str, bytes]] | None,
    *,
    figure_format: str,
    dpi: int,
    confidence: Confidence | None = None,
) -> None:
    """Add the section to ``doc`` (and its figure to ``figs``) when some uncertain driver feeds a key judgement.

    The indices are computed on the report's run (samples, seed, sampler). Nothing is added for weighted
    runs (the indices weight every world equally), for runs too small for the estimator, or when no
    uncertain driver feeds a key judgement. ``confidence`` (the report's analytic-confidence analysis)
    gives what the drivers explain together.
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
    explained = None
    if confidence is not None:
        c = confidence.table
        explained = {
            f"{r['target']}@{r['horizon']}": float(r["explained"])
            for r in c[c["kind"] == "scenario"].to_dict("records")
        }
    blocks_out = what_drives_blocks(s, indices, targets, figure=number, box=box, explained=explained)
    at = next(
        (i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.level == 2 and b.anchor in _BEFORE),
        len(doc.blocks),
    )
    doc.blocks[at:at] = blocks_out
