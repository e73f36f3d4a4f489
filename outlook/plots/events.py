"""The event figure: cumulative event probabilities over time, horizon ends marked.

Owns that figure, its ±2 standard error bands and the labels of the
horizon ends (placed in rows so that none overlap). Never computes a
probability: it draws the curves table (or, without one, the events table).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation

from ..errors import did_you_mean
from ._style import (
    FONT,
    LINESTYLES,
    MARKERS,
    WRAP_LEGEND,
    _as_of,
    _clean,
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
    from ..scenario import Event, Scenario
    from ..tables import Tables

__all__ = [
    "CURVES",
    "OVERLAID",
    "event_curves",
]

#: Event curves :func:`event_curves` draws by default at most: the first CURVES events, in the file's order.
CURVES = 24
#: Events drawn on one axes at most; more are drawn as small multiples, one axes an event, so that no
#: legend holds more than OVERLAID + 2 entries (the events, the error band, the horizon end).
OVERLAID = 6


# --------------------------------------------------------------------------
# event curves


def _curve(tables: Tables, s: Scenario, event: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = tables.curves
    rows = c[c["event"] == event] if len(c) else c
    if len(rows):
        rows = rows.sort_values("time", kind="stable")
        return (
            rows["time"].to_numpy(dtype=np.float64),
            rows["p_by"].to_numpy(dtype=np.float64),
            rows["p_by_se"].to_numpy(dtype=np.float64),
        )
    # no curve (tables built elsewhere): the events table's horizon ends, from 0
    ev = tables.events[tables.events["event"] == event]
    t = [0.0]
    p = [0.0]
    se = [0.0]
    for h in s.horizons:
        r = ev[ev["horizon"] == h.id]
        if len(r):
            t.append(h.until)
            p.append(float(r["p_by"].iloc[0]))
            se.append(float(r["p_by_se"].iloc[0]))
    return np.asarray(t), np.asarray(p), np.asarray(se)


def event_curves(tables: Tables, *, events: Sequence[str] | None = None) -> Figure:
    """Cumulative event probabilities over time, with the horizon ends marked.

    For each event, the probability that it has happened by time ``t``, from
    0 to the last horizon's end, with a band of ±2 Monte Carlo standard
    errors. Each event has its own line style, marker and luminance. A
    dotted vertical line marks every horizon end, labelled above the axes
    with the horizon's label (labels that would collide go on a higher row).

    Parameters
    ----------
    tables
        From :func:`outlook.run_outlook` or :func:`outlook.summarise`.
    events
        Event ids to draw, in this order; by default the scenario's first
        :data:`CURVES` (the axes' title says so when it has more).

    Returns
    -------
    matplotlib.figure.Figure
        One axes: x "years from <as_of>", y "probability it has happened".
        A scenario without events gives the axes and horizon ends with a note.

    Raises
    ------
    ValueError
        If ``tables.scenario`` is ``None`` or an event id is unknown.
    """
    s = _require_scenario(tables)
    known = [e.id for e in s.events]
    if events is None:
        chosen = list(s.events[:CURVES])
    else:
        if isinstance(events, str):
            events = [events]
        chosen = []
        for name in events:
            if name not in known:
                msg = f"unknown event {name!r}; expected one of {', '.join(known) or '(none)'}.{did_you_mean(name, known)}"
                raise ValueError(msg.rstrip("."))
            chosen.append(s.event(name))
    title = "Probability each event has happened by time t"
    if events is None and len(s.events) > len(chosen):
        title += f" (the first {len(chosen)} of {len(s.events):,} events)"
    if len(chosen) > OVERLAID:
        fig = _multiples(tables, s, chosen, title)
    else:
        fig = _overlaid(tables, s, chosen)
        ax = fig.axes[0]
        ax.set_title(title, fontsize=10)
        _declutter_xticks(fig, [ax])
        _label_horizons(fig, ax, s)
    return fig


def _band_and_line(ax: Axes, tables: Tables, s: Scenario, e: Event, i: int, n: int, colour: Any) -> Line2D:
    """One event's curve and its ±2 standard error band on ``ax``; the ``i``-th of ``n`` gets its own style."""
    t, p, se = _curve(tables, s, e.id)
    ax.fill_between(
        t,
        np.clip(p - 2 * se, 0, 1),
        np.clip(p + 2 * se, 0, 1),
        color=colour,
        alpha=0.18,
        linewidth=0,
        gid=f"band.{e.id}",
    )
    every = max(1, len(t) // 10)
    (line,) = ax.plot(
        t,
        p,
        linestyle=LINESTYLES[i % len(LINESTYLES)],
        marker=MARKERS[i % len(MARKERS)],
        markevery=(i * max(1, every // max(n, 1)) % every, every),
        markersize=5,
        markerfacecolor="white" if (i // len(MARKERS)) % 2 else colour,
        color=colour,
        linewidth=1.5,
        label=_wrap(e.label or e.id, WRAP_LEGEND, 2),
        gid=f"event.{e.id}",
    )
    return line


def _guides() -> list[Artist]:
    """The legend entries every event figure has: the error band and the horizon end."""
    return [
        Patch(facecolor="0.5", alpha=0.3, label="±2 standard errors"),
        Line2D([], [], color="0.3", linewidth=0.9, linestyle=(0, (1, 2)), label="horizon end"),
    ]


def _overlaid(tables: Tables, s: Scenario, chosen: list[Event]) -> Figure:
    """At most OVERLAID events on one axes, each in the legend."""
    n = len(chosen)
    legend_rows = math.ceil(n / 2)
    fig = _new_figure(10.0, 5.2 + 0.3 * legend_rows)
    ax = fig.add_subplot()
    end = max((h.until for h in s.horizons), default=1.0)
    shades = _shades(n, 0.0, 0.8)
    half = (n + 1) // 2  # neighbours in the legend get shades half the scale apart
    colours = [shades[i // 2 + (half if i % 2 else 0)] for i in range(n)]
    handles: list[Artist] = [_band_and_line(ax, tables, s, e, i, n, colours[i]) for i, e in enumerate(chosen)]
    for h in s.horizons:
        ax.axvline(h.until, color="0.3", linewidth=0.9, linestyle=(0, (1, 2)), zorder=1, gid=f"horizon.{h.id}")
    ax.set_xlim(0.0, end)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel(f"years from {_as_of(s)}")
    ax.set_ylabel("probability it has happened")
    ax.grid(axis="y", color="0.9", linewidth=0.6)
    if not chosen:
        note = "No events chosen." if s.events else "This scenario has no events."
        ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center")
    _plain_legend(
        fig.legend(
            handles=handles + _guides(),
            loc="outside lower center",
            ncols=2,
            fontsize=FONT,
            frameon=False,
            handlelength=3.5,
        )
    )
    fig.suptitle(_heading(s, tables, 110), fontsize=10, parse_math=False)
    return fig


def _multiples(tables: Tables, s: Scenario, chosen: list[Event], title: str) -> Figure:
    """More than OVERLAID events: one small axes an event, four to a row, titled with its label.

    Every axes has its units (years from the as-of date; probability from 0
    to 1), ticks at the horizon ends, and the same scales, so panels compare
    by eye; the one legend holds only the error band and the horizon end.
    """
    n = len(chosen)
    ncols = 4
    nrows = math.ceil(n / ncols)
    fig = _new_figure(12.4, 2.6 * nrows + 1.6)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    end = max((h.until for h in s.horizons), default=1.0)
    ends = sorted({0.0, *(h.until for h in s.horizons)})
    for ax, e in zip(axes, chosen):
        ax.set_gid(f"panel.{e.id}")
        _band_and_line(ax, tables, s, e, 0, 1, "0.15")
        for h in s.horizons:
            ax.axvline(
                h.until, color="0.3", linewidth=0.9, linestyle=(0, (1, 2)), zorder=1, gid=f"horizon.{h.id}.{e.id}"
            )
        ax.set_xlim(0.0, end)
        ax.set_ylim(0.0, 1.0)
        ax.set_xticks(ends)
        ax.set_xticklabels([f"{x:g}" for x in ends], fontsize=FONT)
        ax.tick_params(axis="y", labelsize=FONT)
        ax.set_xlabel("years", fontsize=FONT)
        ax.set_ylabel("probability", fontsize=FONT)
        ax.set_title(_wrap(e.label or e.id, 36, 2), fontsize=FONT + 0.5, parse_math=False)
        ax.grid(axis="y", color="0.9", linewidth=0.6)
    for ax in axes[n:]:
        ax.remove()
    horizons = "; ".join(f"{_clean(h.label)} at {h.until:g}" for h in s.horizons)
    note = _wrap(f"x: years from {_as_of(s)}; dotted lines: horizon ends ({horizons})", 150, 2)
    fig.suptitle(f"{_heading(s, tables, 110)}\n{title}\n{note}", fontsize=10, parse_math=False)
    _plain_legend(fig.legend(handles=_guides(), loc="outside lower center", ncols=2, fontsize=FONT, frameon=False))
    _declutter_xticks(fig, axes[:n])
    # freeze the layout: with many axes, constrained layout moves a pixel or two at each draw, and the
    # same figure must give the same bytes every time it is saved
    _layout(fig)
    fig.set_layout_engine("none")
    return fig


def _label_horizons(fig: Figure, ax: Axes, s: Scenario) -> None:
    """Label each horizon line above the axes; a label that would collide goes up a row."""
    labels: list[Annotation] = []
    for h in s.horizons:
        a = ax.annotate(
            _wrap(h.label, 30, 1),
            xy=(h.until, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0.0, 3.0),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=FONT,
            color="0.2",
            gid=f"horizon-label.{h.id}",
            annotation_clip=False,
            parse_math=False,
        )
        labels.append(a)
    ax.set_title(ax.get_title(), fontsize=10, pad=6.0 + 1.5 * FONT)
    if not labels:
        return
    renderer = _layout(fig)
    frame = ax.get_window_extent(renderer)
    row_ends: list[float] = []
    placed: list[tuple[int, float]] = []  # row, horizontal shift in pixels
    gap = 6.0
    for a in labels:
        box = a.get_window_extent(renderer)
        # keep each label over the axes: off the y tick labels on the left, inside the figure on the right
        shift = max(0.0, frame.x0 - box.x0) - max(0.0, box.x1 - frame.x1)
        x0, x1 = box.x0 + shift, box.x1 + shift
        for r, right in enumerate(row_ends):
            if x0 > right + gap:
                row_ends[r] = x1
                placed.append((r, shift))
                break
        else:
            row_ends.append(x1)
            placed.append((len(row_ends) - 1, shift))
    step = 1.5 * FONT
    for a, (r, shift) in zip(labels, placed):
        a.xyann = (shift * 72.0 / fig.dpi, 3.0 + r * step)
    ax.set_title(ax.get_title(), fontsize=10, pad=6.0 + len(row_ends) * step)
