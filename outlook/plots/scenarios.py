"""The scenario figure: stacked bars of each horizon's scenario probabilities.

Owns that figure's layout and its in-bar percentages (placed only where
they fit). Never computes a probability: it draws the scenarios table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..display import percent_rounded
from ._style import (
    FONT,
    HATCHES,
    _contrast,
    _dark,
    _declutter_xticks,
    _heading,
    _layout,
    _new_figure,
    _plain_legend,
    _require_scenario,
    _shades,
    _wrap,
)

if TYPE_CHECKING:
    from ..tables import Tables

__all__ = [
    "scenario_probabilities",
]

# --------------------------------------------------------------------------
# scenario probabilities


def scenario_probabilities(tables: Tables) -> Figure:
    """Stacked bars: each horizon's scenario probabilities.

    One bar per horizon, labelled with the horizon's label; one segment per
    scenario, in the scenario file's order from the bottom, each with its own
    hatch and luminance so the figure reads in greyscale. A segment carries
    its percentage where the text fits inside it.

    Parameters
    ----------
    tables
        From :func:`outlook.run_outlook` or :func:`outlook.summarise`.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: x the horizons, y "probability" from 0 to 1.

    Raises
    ------
    ValueError
        If ``tables.scenario`` is ``None``.
    """
    s = _require_scenario(tables)
    horizons = s.horizons
    rules = s.rules
    nh = len(horizons)
    table = tables.scenarios
    shown = dict(zip(zip(table["scenario"].astype(str), table["horizon"].astype(str)), table["p"]))
    p = np.array([[float(shown.get((r.id, h.id), 0.0)) for h in horizons] for r in rules]).reshape(len(rules), nh)
    labels = [_wrap(r.label or r.id, 28) for r in rules]
    # tall enough for the legend: each entry is its handle's height or its lines, plus the spacing (in points)
    legend = sum(max(1.6, 1.25 * (label.count("\n") + 1)) + 0.5 for label in labels) * FONT / 72.0
    fig = _new_figure(max(6.5, 1.2 * nh + 4.5), max(5.0, legend + 1.4))
    ax = fig.add_subplot()
    x = np.arange(nh, dtype=np.float64)
    colours = _shades(len(rules), 0.05, 0.95)
    bottom = np.zeros(nh)
    segments: list[tuple[str, str, float, Any]] = []
    handles: list[Patch] = []
    for ri, r in enumerate(rules):
        colour = colours[ri]
        edge = "0.85" if _dark(colour) else "0.2"
        bars = ax.bar(
            x,
            p[ri],
            bottom=bottom,
            width=0.62,
            color=colour,
            edgecolor=edge,
            linewidth=0.6,
            hatch=HATCHES[ri % len(HATCHES)],
        )
        for hi, patch in enumerate(bars.patches):
            patch.set_gid(f"scenario.{r.id}.{horizons[hi].id}")
            segments.append((r.id, horizons[hi].id, float(p[ri, hi]), patch))
        handles.append(
            Patch(
                facecolor=colour,
                edgecolor=edge,
                hatch=HATCHES[ri % len(HATCHES)],
                linewidth=0.6,
                label=labels[ri],
            )
        )
        bottom = bottom + p[ri]
    ax.set_xticks(x, [_wrap(h.label, 16) for h in horizons], parse_math=False)
    ax.set_xlim(-0.6, nh - 0.4)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("horizon (by the end of)")
    ax.set_ylabel("probability")
    ax.set_title("Scenario probabilities by horizon", fontsize=10)
    fig.suptitle(_heading(s, tables, 90), fontsize=10, parse_math=False)
    _plain_legend(
        fig.legend(
            handles[::-1],
            [str(h.get_label()) for h in handles[::-1]],
            loc="outside right upper",
            title="scenario (top to bottom)",
            fontsize=FONT,
            title_fontsize=FONT,
            handleheight=1.6,
            handlelength=2.2,
            frameon=False,
        )
    )
    _declutter_xticks(fig, [ax])
    _label_segments(fig, ax, segments)
    return fig


def _label_segments(fig: Figure, ax: Axes, segments: list[tuple[str, str, float, Any]]) -> None:
    """Put each segment's percentage inside it, only where the text fits."""
    renderer = _layout(fig)
    for rid, hid, prob, patch in segments:
        if prob <= 0:
            continue
        box = patch.get_window_extent(renderer)
        colour = patch.get_facecolor()
        text = percent_rounded(prob)
        t = ax.text(
            patch.get_x() + patch.get_width() / 2,
            patch.get_y() + patch.get_height() / 2,
            text,
            ha="center",
            va="center",
            fontsize=FONT,
            color=_contrast(colour),
            gid=f"pct.{rid}.{hid}",
            bbox={"boxstyle": "square,pad=0.15", "facecolor": colour, "edgecolor": "none"},
        )
        tb = t.get_window_extent(renderer)
        pad = 3.0  # pixels kept clear of the segment's edges
        fits = tb.x0 >= box.x0 + pad and tb.x1 <= box.x1 - pad and tb.y0 >= box.y0 + pad and tb.y1 <= box.y1 - pad
        if not fits:
            t.remove()
