"""The sensitivity figures: a tornado chart and first-order indices as bars.

Owns those two figures. Never computes a number: it draws a
:class:`~outlook.analysis.sensitivity.Tornado` and the table of
:func:`~outlook.analysis.indices.first_order_indices`. Greyscale-readable:
the low setting's bar is hatched and light, the high setting's solid and
dark; every bar carries a ``gid`` (``low.<driver>``, ``high.<driver>``,
``s1.<driver>``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ._style import FONT, WRAP_PANEL, _clean, _new_figure, _plain_legend, _wrap

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.sensitivity import Tornado

__all__ = ["BARS", "indices_bars", "tornado_chart"]

#: Drivers a sensitivity figure shows at most: the largest swings or indices (the figure says when it shows fewer).
BARS = 15


def tornado_chart(result: Tornado, *, bars: int = BARS) -> Figure:
    """A tornado chart: the target with each driver at its low and its high setting, around the base.

    Parameters
    ----------
    result
        From :func:`~outlook.analysis.tornado`.
    bars
        The drivers shown at most (largest ``|swing|`` first).

    Returns
    -------
    matplotlib.figure.Figure
        One axes: a horizontal bar per driver from the base value to
        ``p_low`` (hatched, light: the 5th percentile) and to ``p_high``
        (solid, dark: the 95th), the base as a vertical line.
    """
    table = result.table.head(bars)
    n = len(table)
    fig = _new_figure(8.0, 1.6 + 0.32 * max(n, 1))
    ax = fig.add_subplot()
    base = result.p
    drivers = [str(d) for d in table["driver"]]
    lows, highs = table["p_low"].to_numpy(dtype=float), table["p_high"].to_numpy(dtype=float)
    for i, name in enumerate(drivers):
        y = n - 1 - i
        for value, side, face, hatch in ((lows[i], "low", "0.85", "///"), (highs[i], "high", "0.3", "")):
            ax.barh(
                y, float(value) - base, left=base, height=0.7, color=face, hatch=hatch, edgecolor="0.1",
                linewidth=0.6, gid=f"{side}.{name}",
            )  # fmt: skip
    ax.set_yticks(range(n), [_wrap(str(d), WRAP_PANEL, 1) for d in reversed(list(table["driver"]))])
    ax.axvline(base, color="0", linewidth=1.0, gid="base")
    what = "probability" if result.target.is_probability else "mean"
    ax.set_xlabel(f"{what} of {_clean(str(result.target))}")
    if result.target.is_probability:
        ax.set_xlim(0.0, 1.0)
    shown = f" (the {n} largest of {len(result.table)})" if len(result.table) > n else ""
    ax.set_title(f"Tornado: each driver at its 5th and 95th percentile{shown}", fontsize=FONT + 1, loc="left")
    ax.grid(axis="x", color="0.9", linewidth=0.6)
    handles = [
        Patch(facecolor="0.85", hatch="///", edgecolor="0.1", label="driver at its 5th percentile"),
        Patch(facecolor="0.3", edgecolor="0.1", label="driver at its 95th percentile"),
    ]
    _plain_legend(ax.legend(handles=handles, loc="lower right", fontsize=FONT))
    if n == 0:
        ax.text(0.5, 0.5, "No driver moves this target.", transform=ax.transAxes, ha="center", va="center")
    return fig


def indices_bars(indices: pd.DataFrame, target: str, *, bars: int = BARS) -> Figure:
    """First-order indices of the drivers for one target, as bars with ±2 standard errors.

    Parameters
    ----------
    indices
        From :func:`~outlook.analysis.first_order_indices`.
    target
        ``"id@horizon"``, a value of its ``target`` column.
    bars
        The drivers shown at most (largest ``S1`` first).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        If ``target`` is not in the table.
    """
    rows = indices[indices["target"] == target]
    if rows.empty:
        raise ValueError(f"no indices for target {target!r} in the table")
    rows = rows.head(bars)
    n = len(rows)
    fig = _new_figure(8.0, 1.6 + 0.32 * n)
    ax = fig.add_subplot()
    s1, se = rows["S1"].to_numpy(dtype=float), rows["S1_se"].to_numpy(dtype=float)
    for i, name in enumerate(str(d) for d in rows["driver"]):
        ax.barh(
            n - 1 - i, max(float(s1[i]), 0.0), xerr=2 * float(se[i]), height=0.7, color="0.45", edgecolor="0.1",
            linewidth=0.6, error_kw={"ecolor": "0", "linewidth": 0.8, "capsize": 2}, gid=f"s1.{name}",
        )  # fmt: skip
    ax.set_yticks(range(n), [_wrap(str(d), WRAP_PANEL, 1) for d in reversed(list(rows["driver"]))])
    ax.set_xlabel(f"first-order index S1 of {_clean(target)} (share of its variance; ±2 standard errors)")
    ax.set_xlim(left=0.0)
    ax.set_title("What each driver explains alone", fontsize=FONT + 1, loc="left")
    ax.grid(axis="x", color="0.9", linewidth=0.6)
    return fig
