"""The ACH figures: the matrix (items by hypotheses, shaded CC to II) and the log-odds waterfall of the top two.

Owns those two figures. Cells are shaded in grey by the rating, white for
CC to black for II (the shade and the letters carry it, so it reads in
greyscale), each with its rating and the likelihood P(E|h) when there is
one; zero-diagnosticity rows are hatched ("tells you nothing"); footer rows
give WIS and the posterior. Never computes a score: it draws the tables of
:func:`outlook.analysis.ach.ach`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ._style import FONT, _contrast, _new_figure, _wrap

if TYPE_CHECKING:
    from ..analysis.ach import ACH

__all__ = [
    "ACH_ROWS",
    "ach_log_odds",
    "ach_matrix",
]

#: Items :func:`ach_matrix` and :func:`ach_log_odds` draw at most (the most diagnostic first).
ACH_ROWS = 30
#: The grey of each rating: white for CC to black for II; NA light and hatched
_GREY = {"CC": 1.0, "C": 0.85, "N": 0.65, "I": 0.35, "II": 0.0, "NA": 0.93}


def ach_matrix(result: ACH, *, rows: int = ACH_ROWS) -> Figure:
    """The ACH matrix: items (rows, most diagnostic first) by hypotheses, with WIS and posterior footers.

    Parameters
    ----------
    result
        From :func:`outlook.analysis.ach.ach`.
    rows
        At most this many items; the title says when fewer than all are shown.

    Returns
    -------
    matplotlib.figure.Figure
        One axes. Each cell is a rectangle with ``gid``
        ``ach.<evidence>.<hypothesis>``, grey by rating (CC white to II
        black; NA hatched), labelled with the rating and P(E|h) in percent
        when the item has one. Zero-diagnosticity rows are labelled
        "(tells you nothing)".

    Raises
    ------
    ValueError
        For a ``rows`` that is not a positive whole number.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        msg = f"rows must be a positive whole number (got {rows!r})"
        raise ValueError(msg)
    hyps = list(result.hypotheses)
    every = list(result.evidence["evidence"])
    items = every[:rows]
    zero = dict(zip(result.evidence["evidence"], result.evidence["zero_diagnostic"]))
    cells = {
        (str(r["evidence"]), str(r["hypothesis"])): (str(r["rating"]), float(r["likelihood"]))
        for r in result.matrix.to_dict("records")
    }
    n = len(items) + 2
    fig = _new_figure(max(5.0, 1.3 * len(hyps) + 3.0), max(2.6, 0.5 * n + 1.9))
    ax = fig.add_subplot()
    for i, eid in enumerate(items):
        for j, h in enumerate(hyps):
            rating, like = cells[(eid, h)]
            grey = _GREY[rating]
            face = (grey, grey, grey, 1.0)
            ax.add_patch(
                Rectangle(
                    (j, i),
                    1,
                    1,
                    facecolor=face,
                    edgecolor="0.6",
                    lw=0.5,
                    hatch="///" if rating == "NA" or zero[eid] else "",
                    gid=f"ach.{eid}.{h}",
                )
            )
            text = rating if math.isnan(like) else f"{rating}\n{100 * like:.0f}%"
            ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=FONT - 1, color=_contrast(face))
    wis = dict(zip(result.scores["hypothesis"], result.scores["wis"].astype(float)))
    posterior = dict(zip(result.scores["hypothesis"], result.scores["posterior"].astype(float)))
    for j, h in enumerate(hyps):
        post = posterior[h]
        ax.text(j + 0.5, len(items) + 0.5, f"{wis[h]:.2f}", ha="center", va="center", fontsize=FONT)
        shown = "n/a" if math.isnan(post) else f"{100 * post:.0f}%"
        ax.text(j + 0.5, len(items) + 1.5, shown, ha="center", va="center", fontsize=FONT)
    ax.axhline(len(items), color="black", lw=1)
    labels = [_wrap(e + (" (tells you nothing)" if zero[e] else ""), 30, 2) for e in items]
    labels += ["WIS (closest to 0 favoured)", "posterior"]
    ax.set_xlim(0, max(len(hyps), 1))
    ax.set_ylim(n, 0)
    ax.set_xticks(np.arange(len(hyps)) + 0.5, [_wrap(h, 20, 2) for h in hyps], fontsize=FONT - 1, parse_math=False)
    ax.set_yticks(np.arange(n) + 0.5, labels, fontsize=FONT - 1, parse_math=False)
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    for side in ax.spines.values():
        side.set_visible(False)
    more = f" (the {len(items)} most diagnostic of {len(every)} items)" if len(items) < len(every) else ""
    ax.set_title(_wrap(f"ACH matrix of {result.scenario_id}{more}", 90, 2), fontsize=10)
    fig.supxlabel("shade: rating, CC white to II black (NA hatched); percent: P(E|h)", fontsize=FONT - 1)
    return fig


def ach_log_odds(result: ACH, *, rows: int = ACH_ROWS) -> Figure:
    """The log-odds waterfall of the two leading hypotheses: prior, each item's ``ln(L'_1/L'_2)``, posterior.

    Parameters
    ----------
    result
        From :func:`outlook.analysis.ach.ach`, with a posterior.
    rows
        At most this many items (the most diagnostic; the rest are summed in one bar).

    Returns
    -------
    matplotlib.figure.Figure
        One axes of horizontal bars, each with ``gid`` ``logodds.<evidence>``
        (``logodds.prior``, ``logodds.rest``, ``logodds.posterior``), in
        nats. An item that rules a hypothesis out (a likelihood 0) is drawn
        to the axis's edge and labelled "rules out".

    Raises
    ------
    ValueError
        When there is no posterior (the reason is given), or fewer than two hypotheses.
    """
    if result.scores["posterior_independent"].isna().all():
        msg = f"no log-odds waterfall: {result.posterior_note or 'no posterior'}"
        raise ValueError(msg)
    # the waterfall adds each item's log likelihood ratio: it draws the product (on the worlds route, the
    # "as if independent" comparison, so labelled)
    top = result.scores.sort_values("posterior_independent", ascending=False, kind="stable")["hypothesis"]
    a, b = top.tolist()[:2]
    prior = result.scores.set_index("hypothesis")["prior"]
    used = result.matrix.pivot(index="evidence", columns="hypothesis", values="used")
    entering = [e for e in result.evidence["evidence"] if not used.loc[e].isna().all()]
    steps = [("prior", _ln_ratio(float(prior[a]), float(prior[b])))]
    steps += [(e, _ln_ratio(float(used.loc[e, a]), float(used.loc[e, b]))) for e in entering[:rows]]
    if len(entering) > rows:
        steps.append(("rest", sum(_ln_ratio(float(used.loc[e, a]), float(used.loc[e, b])) for e in entering[rows:])))
    finite = [abs(x) for _, x in steps if math.isfinite(x)]
    edge = max([*finite, 1.0]) * 1.5
    fig = _new_figure(7.0, max(2.6, 0.4 * (len(steps) + 1) + 1.6))
    ax = fig.add_subplot()
    total = 0.0
    for i, (name, x) in enumerate(steps):
        width = max(-edge, min(edge, x)) if not math.isfinite(x) else x
        start = total if name != "prior" else 0.0
        grey = "0.3" if x >= 0 else "0.75"
        ax.barh(i, width, left=start, color=grey, edgecolor="black", lw=0.5, gid=f"logodds.{name}")
        if not math.isfinite(x):
            ax.text(start + width, i, " rules out", va="center", fontsize=FONT - 1)
        total = start + width
    ax.barh(len(steps), total, color="black", gid="logodds.posterior")
    ax.axvline(0, color="black", lw=0.8)
    last = "posterior (as if independent)" if result.route == "worlds" else "posterior"
    names = [_wrap(n, 30, 1) for n, _ in steps] + [last]
    ax.set_yticks(range(len(names)), names, fontsize=FONT - 1)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlabel(f"log odds ln(P({a}) / P({b})) (nats): right favours {a}", fontsize=FONT)
    ax.set_title(_wrap(f"How the evidence moves {a} against {b}", 90, 2), fontsize=10)
    return fig


def _ln_ratio(x: float, y: float) -> float:
    """``ln(x / y)``: ``inf`` or ``-inf`` when one is 0, 0 when both are."""
    if x == y:
        return 0.0
    if y == 0:
        return math.inf
    if x == 0:
        return -math.inf
    return math.log(x / y)
