"""The indicator board: indicators by scenarios, each cell shaded by P(indicator | scenario), with its flags.

Owns that figure. Cells are shaded in grey by P(I | H), white at 0 to black
at 1 (the shade carries the number, so it reads in greyscale), each with its
percentage and the letters of its flags; the text is black or white,
whichever contrasts with the cell. Never computes a probability: it draws
the table of :func:`outlook.analysis.indicators.indicators`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..errors import did_you_mean
from ._style import FONT, _contrast, _new_figure, _wrap

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BOARD_ROWS",
    "FLAG_LETTERS",
    "board_status",
    "indicator_board",
]

#: Indicators :func:`indicator_board` draws at most (the first, in the table's order).
BOARD_ROWS = 30
#: The letter each flag is shown by in a cell, and what it means (the legend under the board).
FLAG_LETTERS = {
    "signpost": "S",
    "tautological": "T",
    "definitional": "D",
    "non-diagnostic": "N",
    "lags": "L",
}


def indicator_board(table: pd.DataFrame, *, horizon: str | None = None, rows: int = BOARD_ROWS) -> Figure:
    """The indicator board at one horizon: indicators (rows) by scenarios (columns), shaded by P(I|H).

    Parameters
    ----------
    table
        From :func:`outlook.analysis.indicators.indicators`.
    horizon
        The horizon to show; by default the last in the table.
    rows
        At most this many indicators, in the table's order; the title says
        when fewer than all are shown.

    Returns
    -------
    matplotlib.figure.Figure
        One axes. Each cell is a rectangle with ``gid``
        ``cell.<indicator>.<scenario>``, grey ``1 - P(I|H)`` (hatched where
        P(I|H) is undefined), labelled with the percentage and the letters
        of its flags (:data:`FLAG_LETTERS`). When the table has a
        ``status`` column (:func:`~outlook.analysis.indicators.indicators`
        with ``observations``), a last column gives each indicator's status
        (text ``gid`` ``status.<indicator>``, see :func:`board_status`).

    Raises
    ------
    ValueError
        For a horizon the table does not have, or a ``rows`` that is not a
        positive whole number.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        msg = f"rows must be a positive whole number (got {rows!r})"
        raise ValueError(msg)
    horizons = list(dict.fromkeys(table["horizon"]))
    if horizon is None:
        horizon = horizons[-1] if horizons else ""
    elif horizon not in horizons:
        msg = f"the table has no horizon {horizon!r}; it has {', '.join(map(str, horizons)) or 'none'}"
        hint = did_you_mean(str(horizon), map(str, horizons))
        msg += f".{hint}" if hint else ""
        raise ValueError(msg)
    t = table[table["horizon"] == horizon]
    every = list(dict.fromkeys(t["indicator"]))
    inds = every[:rows]
    scens = list(dict.fromkeys(t["scenario"]))
    cells = {(r.indicator, r.scenario): r for r in t.itertuples()}
    wide = 2.0 if "status" in t.columns else 0.0
    fig = _new_figure(max(5.0, 1.25 * len(scens) + 2.8 + wide), max(2.4, 0.5 * len(inds) + 1.9))
    ax = fig.add_subplot()
    for i, ind in enumerate(inds):
        for j, sc in enumerate(scens):
            _cell(ax, cells[(ind, sc)], i, j)
    statuses = board_status(t) if "status" in t.columns else {}
    for i, ind in enumerate(inds):
        if ind in statuses:
            ax.text(
                len(scens) + 0.1,
                i + 0.5,
                statuses[ind],
                ha="left",
                va="center",
                fontsize=FONT - 1,
                parse_math=False,
                gid=f"status.{ind}",
            )
    ax.set_xlim(0, max(len(scens), 1) + (1.6 if statuses else 0.0))
    ax.set_ylim(max(len(inds), 1), 0)
    ax.set_xticks(np.arange(len(scens)) + 0.5, [_wrap(s, 20, 2) for s in scens], fontsize=FONT - 1, parse_math=False)
    if statuses:
        ax.text(len(scens) + 0.1, -0.1, "status", ha="left", va="bottom", fontsize=FONT - 1, fontweight="bold")
    ax.set_yticks(np.arange(len(inds)) + 0.5, [_wrap(s, 28, 2) for s in inds], fontsize=FONT - 1, parse_math=False)
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    for side in ax.spines.values():
        side.set_visible(False)
    more = f" (the first {len(inds)} of {len(every)} indicators)" if len(inds) < len(every) else ""
    ax.set_title(_wrap(f"Indicator board at {horizon}: P(indicator | scenario){more}", 90, 2), fontsize=10)
    if not inds:
        ax.text(0.5, 0.5, "no indicators", ha="center", va="center", fontsize=FONT)
    key = "; ".join(f"{letter} {flag}" for flag, letter in FLAG_LETTERS.items())
    fig.supxlabel(f"shade: P(I|H), white 0% to black 100%. Flags: {key}", fontsize=FONT - 1)
    return fig


def board_status(table: pd.DataFrame) -> dict[str, str]:
    """Each indicator's status on the board, from the ``status`` of its rows (one horizon's).

    The rows of one indicator differ only in ``"lapsed"`` (each scenario has its
    own by-when date): the board says ``"lapsed"`` when any of them has lapsed,
    else the rows' common status.
    """
    out: dict[str, str] = {}
    for ind, status in zip(table["indicator"], table["status"]):
        if out.get(str(ind)) != "lapsed":
            out[str(ind)] = str(status)
    return out


def _cell(ax: Axes, r: Any, i: int, j: int) -> None:
    """One cell of the board: its shade, its percentage and its flags' letters."""
    p = float(r.p_given)
    undefined = math.isnan(p)
    grey = 1.0 if undefined else 1.0 - p
    face = (grey, grey, grey, 1.0)
    rect = Rectangle(
        (j, i),
        1,
        1,
        facecolor=face,
        edgecolor="0.6",
        lw=0.5,
        hatch="///" if undefined else "",
        gid=f"cell.{r.indicator}.{r.scenario}",
    )
    ax.add_patch(rect)
    flags = [f.strip() for f in str(r.flags).split(",") if f.strip()]
    letters = "".join(FLAG_LETTERS.get(f, "?") for f in flags)
    text = "n/a" if undefined else f"{100 * p:.0f}%"
    if letters:
        text += f"\n{letters}"
    colour = "black" if undefined else _contrast(face)
    ax.text(j + 0.5, i + 0.5, text, ha="center", va="center", fontsize=FONT - 1, color=colour, parse_math=False)
