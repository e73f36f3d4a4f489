"""Figures: outlook tables become matplotlib figures for notebooks and reports.

Owns the look of every figure: greyscale-readable (luminance, hatches, line
styles and markers carry each distinction, not hue), units in axis labels,
text placed and measured so that it does not overlap, and the figures' bytes
(the same figure always gives the same PNG or SVG). Consumes an
:class:`~outlook.Tables` and, for distributions, a few thousand simulated
worlds. Never uses pyplot or any other global state, never opens a window,
never prints.

Text from the scenario file is plain text in every figure (never mathtext: a
``$`` is a dollar sign), with control characters shown as escapes, no
bidirectional controls, and at most :data:`LINES` lines. A figure's cost is
bounded whatever the scenario's size: at most :data:`PANELS` panels,
:data:`CURVES` event curves, :data:`CATEGORIES` bars a panel and
:data:`WORLD_VALUES` values drawn, each figure saying when it shows fewer
than all. Matplotlib's warnings about laying out and drawing these figures
are kept from the user (narrowly: see ``_quiet``).

Every figure is a :class:`matplotlib.figure.Figure` with an Agg canvas and the
constrained layout. Artists that tests and reports look for carry a ``gid``,
unique within the figure (an SVG writes it as the element's id):
``scenario.<id>.<horizon>`` (bar segments), ``pct.<scenario>.<horizon>``
(in-bar labels), ``event.<id>`` and ``band.<id>`` (curves), ``horizon.<id>``
and ``horizon-label.<id>`` (horizon ends), ``panel.<name>`` (small
multiples), and in a panel ``stated-range.<name>``, ``stated-range-lo.<name>``,
``stated-range-hi.<name>``, ``p5.<name>``, ``p50.<name>`` and ``p95.<name>``.
"""

from __future__ import annotations

import contextlib
import io
import math
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation
from matplotlib.ticker import Formatter, MaxNLocator
from matplotlib.transforms import Bbox

from ._text import strip_bidi, terminal_safe
from .errors import did_you_mean
from .model import sample_worlds

if TYPE_CHECKING:
    from .scenario import Scenario
    from .tables import Tables

__all__ = [
    "derived_distributions",
    "driver_distributions",
    "event_curves",
    "figure_bytes",
    "figure_worlds",
    "figures",
    "scenario_probabilities",
]

#: Fill patterns for scenario segments, in order; distinct in greyscale print.
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "+++", "ooo", "---", "|||", "***")
#: Line styles and markers for event curves; paired so that each event differs.
LINESTYLES: tuple[Any, ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v", "x", "P", "*", "<", ">", "h")
#: Panels a small-multiples figure shows at most: its first PANELS drivers (or derived quantities), in the file's
#: order. Its title says how many it shows; the report's tables list them all. So a figure's cost is bounded
#: however many quantities a scenario has.
PANELS = 24
#: Event curves :func:`event_curves` draws by default at most: the first CURVES events, in the file's order.
CURVES = 12
#: Bars a categorical driver's panel shows at most: its first CATEGORIES categories (the panel says so).
CATEGORIES = 12
#: Values (worlds × columns) drawn at most for the distribution figures by default: a scenario with many
#: drivers, derived quantities and events gets fewer worlds, so that drawing them costs no more than the run.
WORLD_VALUES = 4_000_000
#: Dots per inch of a figure on screen; :func:`figure_bytes` picks its own.
DPI = 100
FONT = 8.0
WRAP_PANEL = 40  # characters per line of a panel's axis label
WRAP_LEGEND = 48  # characters per line of a legend entry
#: Lines a label from the scenario file may take in a figure; a longer one ends in "…" (the report's tables give
#: it whole). Titles take two lines, tick labels and legend entries three, a horizon's mark one.
LINES = 3
_HIST = "0.62"  # histogram and share bars
_EDGE = "0.25"
_SPAN = "0.95"  # stated range: light fill, hatched
_SPAN_EDGE = "0.6"
_SALT = "outlook"  # svg.hashsalt: the same ids in every SVG
_HUGE = 1e300  # beyond this, values are drawn in units of a power of ten (differences would overflow)
#: Matplotlib's warnings about laying out and drawing this module's figures, which it handles itself: a layout
#: that cannot fit (labels are cut to LINES lines, but a scenario may still have very many), and characters the
#: font lacks (they draw as boxes; the report's text shows them).
_QUIET = (
    r"constrained_layout not applied",
    r"Glyph \d+ \(.*\) missing from font",
    r"Matplotlib currently does not support .* natively",
)


# --------------------------------------------------------------------------
# helpers


def _require_scenario(tables: Tables) -> Scenario:
    s = tables.scenario
    if s is None:
        msg = (
            "these tables do not carry their scenario (tables.scenario is None); "
            "plots need it for labels, units, horizons and stated ranges: use outlook.run_outlook or outlook.summarise"
        )
        raise ValueError(msg)
    return s


def _clean(text: str) -> str:
    """Scenario text as a figure can show it: control characters as visible escapes, no bidirectional controls.

    Matplotlib lays every line out left to right and has no glyphs for
    control characters, so an escape or a bidirectional control would only
    draw as a missing-glyph box (and warn); unlike a page, a figure has
    nothing after the text for a control to reorder.
    """
    return strip_bidi(terminal_safe(str(text)))


def _wrap(text: str, width: int, lines: int = LINES) -> str:
    """``text``, cleaned (:func:`_clean`) and wrapped at ``width`` characters, in at most ``lines`` lines."""
    clean = _clean(text)
    out = textwrap.wrap(clean, width, break_long_words=True, break_on_hyphens=False, max_lines=lines, placeholder=" …")
    return "\n".join(out) if out else clean


def _with_unit(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit.strip() else label


def _plain_legend(legend: Legend) -> None:
    """A legend's entries (scenario text) as plain text: a ``$`` is a dollar sign, never mathtext."""
    for t in (*legend.get_texts(), legend.get_title()):
        t.set_parse_math(False)


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # attaches itself: text can be measured, no GUI, no pyplot
    return fig


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep matplotlib's layout and missing-glyph warnings about this module's figures from the user.

    The filters are narrow: those messages only (:data:`_QUIET`), as
    ``UserWarning``, raised from this module's own calls (matplotlib
    attributes them to the first caller outside itself); anything else still
    reaches the user.
    """
    with warnings.catch_warnings():
        for message in _QUIET:
            warnings.filterwarnings("ignore", message=message, category=UserWarning, module=r"outlook\.plots\Z")
        yield


def _layout(fig: Figure) -> Any:
    """Lay the figure out as it will be drawn and return a renderer to measure with."""
    with _quiet():
        fig.draw_without_rendering()
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    return canvas.get_renderer()  # type: ignore[no-untyped-call]


def _overlapping(boxes: Sequence[Bbox], gap: float = 0.0) -> bool:
    """Whether any two boxes come within ``gap`` of each other.

    A sweep from left to right: each box is compared only with the boxes
    that start before it ends, so a row of tick labels costs about n log n,
    not n².
    """
    ordered = sorted(boxes, key=lambda b: b.x0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.x0 >= a.x1 + gap:
                break
            if a.y0 < b.y1 + gap and b.y0 < a.y1 + gap:
                return True
    return False


def _tick_boxes(ax: Axes, renderer: Any) -> list[Bbox]:
    return [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]


def _declutter_xticks(fig: Figure, axes: Sequence[Axes]) -> None:
    """Fewer ticks, then slanted tick labels, where x tick labels would overlap."""
    for step in range(3):
        renderer = _layout(fig)
        crowded = [ax for ax in axes if _overlapping(_tick_boxes(ax, renderer), gap=2.0)]
        if not crowded:
            return
        for ax in crowded:
            if step == 0 and isinstance(ax.xaxis.get_major_locator(), MaxNLocator):
                ax.xaxis.set_major_locator(MaxNLocator(nbins=3))
            else:
                ax.tick_params(axis="x", labelrotation=35 if step < 2 else 90)
                for t in ax.get_xticklabels():
                    t.set_horizontalalignment("right")
                    t.set_rotation_mode("anchor")


def _shades(n: int, lo: float = 0.0, hi: float = 0.92) -> list[tuple[float, float, float, float]]:
    """``n`` colours of steadily rising luminance (viridis), readable in greyscale."""
    cmap = mpl.colormaps["viridis"]
    return [tuple(float(c) for c in cmap(x)) for x in np.linspace(lo, hi, max(n, 1))[:n]]  # type: ignore[misc]


def _luminance(rgba: Sequence[float]) -> float:
    """Relative luminance (WCAG 2): what a greyscale print keeps of a colour."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _dark(rgba: Sequence[float]) -> bool:
    """Whether white text contrasts more with this colour than black text does."""
    y = _luminance(rgba)
    return 1.05 / (y + 0.05) > (y + 0.05) / 0.05


def _contrast(rgba: Sequence[float]) -> str:
    return "white" if _dark(rgba) else "black"


def _as_of(s: Scenario) -> str:
    return s.as_of.isoformat()


def _subtitle(tables: Tables) -> str:
    m = tables.manifest
    n = m.get("samples")
    worlds = f"{n:,}" if isinstance(n, int) else "?"
    return f"{_clean(str(m.get('scenario_id', '')))}: {worlds} worlds, seed {m.get('seed', '?')}"


class _Plain(Formatter):
    """Tick labels as plain numbers with thousands separators: no offset, no 1e6."""

    def __init__(self) -> None:
        super().__init__()
        self.decimals = 0

    def set_locs(self, locs: Any) -> None:
        super().set_locs(locs)
        vals = np.unique(np.asarray(locs, dtype=np.float64))
        vals = vals[np.isfinite(vals)]
        step = float(np.min(np.diff(vals))) if vals.size > 1 else abs(float(vals[0])) if vals.size else 1.0
        self.decimals = max(0, -math.floor(math.log10(step)) + 1) if step > 0 else 0
        # drop trailing zeros that every label shares (0.50, 0.75 -> keep; 0.20, 0.40 -> 0.2, 0.4)
        while self.decimals > 0 and all(f"{v:.{self.decimals}f}".endswith("0") for v in vals):
            self.decimals -= 1

    def __call__(self, x: float, pos: int | None = None) -> str:
        if self.decimals > 8 or abs(x) >= 1e15:
            return f"{x:.4g}"
        if round(x, self.decimals) == 0:
            return "0"
        return f"{x:,.{self.decimals}f}"


def _heading(s: Scenario, tables: Tables, width: int) -> str:
    return f"{_wrap(s.title, width, 2)}\n{_subtitle(tables)}"


def _finite(x: Any) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


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
        text = "<1%" if prob < 0.01 else ">99%" if 0.99 < prob < 1 else f"{prob:.0%}"
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
    n = len(chosen)
    legend_rows = math.ceil(n / 2)
    fig = _new_figure(10.0, 5.2 + 0.3 * legend_rows)
    ax = fig.add_subplot()
    end = max((h.until for h in s.horizons), default=1.0)
    shades = _shades(n, 0.0, 0.8)
    half = (n + 1) // 2  # neighbours in the legend get shades half the scale apart
    colours = [shades[i // 2 + (half if i % 2 else 0)] for i in range(n)]
    handles: list[Artist] = []
    for i, e in enumerate(chosen):
        t, p, se = _curve(tables, s, e.id)
        colour = colours[i]
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
        handles.append(line)
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
    handles.append(Patch(facecolor="0.5", alpha=0.3, label="±2 standard errors"))
    handles.append(Line2D([], [], color="0.3", linewidth=0.9, linestyle=(0, (1, 2)), label="horizon end"))
    _plain_legend(
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=2,
            fontsize=FONT,
            frameon=False,
            handlelength=3.5,
        )
    )
    fig.suptitle(_heading(s, tables, 110), fontsize=10, parse_math=False)
    title = "Probability each event has happened by time t"
    if events is None and len(s.events) > len(chosen):
        title += f" (the first {len(chosen)} of {len(s.events):,} events)"
    ax.set_title(title, fontsize=10)
    _declutter_xticks(fig, [ax])
    _label_horizons(fig, ax, s)
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


# --------------------------------------------------------------------------
# distributions


@dataclass(frozen=True, slots=True)
class _Quantity:
    name: str
    label: str
    unit: str
    kind: str
    stated: tuple[float, float, str] | None = None
    categories: tuple[str, ...] | None = None


def _stated_range(spec: tuple[tuple[str, Any], ...]) -> tuple[float, float, str] | None:
    """The range the file states: ``range: [lo, hi]`` or a shape's min and max."""
    d = dict(spec)
    if "range" in d:
        lo, hi = d["range"]
        conf = float(d.get("confidence", 0.9))
        return float(lo), float(hi), f"stated {conf:.0%} range"
    for form in ("uniform", "triangular", "pert"):
        if form in d:
            vals = dict(d[form])
            return float(vals["min"]), float(vals["max"]), "stated bounds"
    return None


def _worlds(tables: Tables, worlds: pd.DataFrame | None, samples: int) -> pd.DataFrame:
    s = _require_scenario(tables)
    if worlds is not None:
        return worlds
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        msg = f"samples must be a positive integer (got {samples!r})"
        raise ValueError(msg)
    columns = len(s.drivers) + len(s.derived) + len(s.events)  # what sample_worlds gives for each world
    n = min(int(samples), int(tables.manifest.get("samples", samples)), max(1, WORLD_VALUES // max(columns, 1)))
    return sample_worlds(s, samples=n, seed=int(tables.manifest.get("seed", 0)))


def figure_worlds(tables: Tables, *, samples: int = 20_000) -> pd.DataFrame:
    """The worlds the distribution figures draw by default: the first ``samples`` worlds of the run.

    Fewer where the run had fewer, and where the scenario has so many
    drivers, derived quantities and events that ``samples`` worlds would
    hold more than :data:`WORLD_VALUES` values (then
    ``WORLD_VALUES // columns``), so that drawing them never costs more than
    the run did.

    Parameters
    ----------
    tables
        From :func:`outlook.run_outlook` or :func:`outlook.summarise`.
    samples
        How many worlds to draw at most.

    Returns
    -------
    pandas.DataFrame
        As :func:`outlook.sample_worlds` gives them, for the run's seed.

    Raises
    ------
    ValueError
        If ``tables.scenario`` is ``None`` or ``samples`` is not a positive
        integer.
    """
    return _worlds(tables, None, samples)


def driver_distributions(tables: Tables, *, worlds: pd.DataFrame | None = None, samples: int = 20_000) -> Figure:
    """Small multiples: one panel per driver.

    Each panel shows the driver's draws as a histogram of the share of worlds
    (a bar chart of shares for yes/no and categorical drivers, a single spike
    for a constant). Where the file gives the driver as a range (or as a
    shape's min and max) that range is shaded, with its ends drawn at exactly
    the stated values. The run's 5th, 50th and 95th percentiles from
    ``tables.drivers`` are marked. The x axis shows the central 99 % of the
    worlds and always the stated range and the marked percentiles.

    Parameters
    ----------
    tables
        From :func:`outlook.run_outlook` or :func:`outlook.summarise`.
    worlds
        Draws to plot, as :func:`outlook.sample_worlds` gives them. By default
        the first ``samples`` worlds of the same run (its seed).
    samples
        How many worlds to draw when ``worlds`` is not given (at most the
        run's own sample count; see :func:`figure_worlds`).

    Returns
    -------
    matplotlib.figure.Figure
        Up to four panels a row, for the first :data:`PANELS` drivers (the
        title says so when there are more); each panel titled with the
        driver's id and labelled with its label and unit.

    Raises
    ------
    ValueError
        If ``tables.scenario`` is ``None``, ``samples`` is not a positive
        integer, or ``worlds`` lacks a driver's column.
    """
    s = _require_scenario(tables)
    items = [_Quantity(d.id, d.label or d.id, d.unit, d.kind, _stated_range(d.spec), d.categories) for d in s.drivers]
    return _small_multiples(
        tables, items, tables.drivers, _worlds(tables, worlds, samples), f"Drivers — {s.title}", "no drivers"
    )


def derived_distributions(tables: Tables, *, worlds: pd.DataFrame | None = None, samples: int = 20_000) -> Figure:
    """Small multiples: one panel per derived quantity.

    As :func:`driver_distributions`, for the quantities the scenario computes
    from its drivers; they have no stated range. The run's 5th, 50th and 95th
    percentiles from ``tables.derived`` are marked. Worlds where a quantity is
    infinite or undefined are counted in the panel, not drawn.

    Parameters
    ----------
    tables
        From :func:`outlook.run_outlook` or :func:`outlook.summarise`.
    worlds, samples
        As for :func:`driver_distributions`.

    Returns
    -------
    matplotlib.figure.Figure
        A figure with a note instead of panels when the scenario has no
        derived quantities.

    Raises
    ------
    ValueError
        As for :func:`driver_distributions`.
    """
    s = _require_scenario(tables)
    items = [_Quantity(d.id, d.label or d.id, d.unit, "derived") for d in s.derived]
    return _small_multiples(
        tables,
        items,
        tables.derived,
        _worlds(tables, worlds, samples),
        f"Derived quantities — {s.title}",
        "no derived quantities",
    )


def _small_multiples(
    tables: Tables,
    items: list[_Quantity],
    table: pd.DataFrame,
    worlds: pd.DataFrame,
    title: str,
    empty: str,
) -> Figure:
    total = len(items)
    items = items[:PANELS]
    missing = [q.name for q in items if q.name not in worlds.columns]
    if missing:
        msg = f"worlds has no column for {', '.join(missing)}; pass worlds from outlook.sample_worlds"
        raise ValueError(msg)
    n = len(items)
    ncols = min(4, max(n, 1))
    nrows = max(1, math.ceil(n / ncols))
    fig = _new_figure(max(5.0, 3.1 * ncols), 2.75 * nrows + 1.3)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel().tolist()
    used: list[Axes] = []
    for ax, q in zip(axes, items):
        row = table[table["name"] == q.name]
        stats = row.iloc[0] if len(row) else None
        _panel(ax, q, stats, tables, worlds[q.name])
        used.append(ax)
    for ax in axes[n:]:
        ax.remove()
    if not items:
        fig.text(0.5, 0.5, f"This scenario has {empty}.", ha="center", va="center")
    stated = any(q.stated is not None for q in items)
    handles: list[Artist] = [Patch(facecolor=_HIST, edgecolor=_EDGE, linewidth=0.5, label="share of worlds (per bin)")]
    if stated:
        handles.append(
            Patch(facecolor=_SPAN, edgecolor=_SPAN_EDGE, hatch="///", linewidth=0, label="stated range (in the file)")
        )
    handles.append(Line2D([], [], color="black", linewidth=1.6, label="median (run)"))
    handles.append(Line2D([], [], color="black", linewidth=1.1, linestyle="--", label="5th and 95th percentiles (run)"))
    note = (
        f"{_subtitle(tables)}; histograms of the first {len(worlds):,} worlds, "
        "each x axis showing at least the central 99 % of them"
    )
    if total > n:
        note += f"\nthe first {n} of {total:,} {empty.removeprefix('no ')} (the tables give them all)"
    fig.suptitle(f"{_wrap(title, 110, 2)}\n{note}", fontsize=10, parse_math=False)
    if items:
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=FONT, frameon=False)
    _declutter_xticks(fig, used)
    return fig


def _panel(ax: Axes, q: _Quantity, stats: pd.Series | None, tables: Tables, column: pd.Series) -> None:
    ax.set_gid(f"panel.{q.name}")
    ax.set_title(_clean(q.name), fontsize=9, family="monospace", parse_math=False)
    ax.set_xlabel(_wrap(_with_unit(q.label, q.unit), WRAP_PANEL), fontsize=FONT, parse_math=False)
    ax.set_ylabel("share of worlds", fontsize=FONT)
    ax.tick_params(labelsize=7)
    if q.kind == "categorical" or isinstance(column.dtype, pd.CategoricalDtype):
        names, shares = _category_shares(q, tables, column)
        _shares(ax, names[:CATEGORIES], shares[:CATEGORIES])
        if len(names) > CATEGORIES:
            _corner_note(ax, f"the first {CATEGORIES} of\n{len(names):,} categories")
        return
    if q.kind == "yes/no":
        mean = _finite(stats["mean"]) if stats is not None else None
        if mean is None:
            vals = column.to_numpy(dtype=np.float64)
            mean = float(np.mean(vals[np.isfinite(vals)])) if np.isfinite(vals).any() else 0.0
        _shares(ax, ["no", "yes"], [1.0 - mean, mean])
        return
    values = column.to_numpy(dtype=np.float64)
    finite = values[np.isfinite(values)]
    bad = values.size - finite.size
    if bad:
        _corner_note(ax, f"{bad / max(values.size, 1):.1%} of worlds\nnot finite (not shown)")
    if finite.size == 0:
        ax.set_yticks([0.0, 0.5, 1.0])
        ax.set_ylim(0.0, 1.0)
        ax.text(0.5, 0.5, "no finite values", transform=ax.transAxes, ha="center", va="center", fontsize=FONT)
        return
    lo_v, hi_v = float(finite.min()), float(finite.max())
    stated = q.stated
    told = {k: _finite(stats[k]) for k in ("p5", "p50", "p95")} if stats is not None else {}
    ends = [lo_v, hi_v, *(v for v in told.values() if v is not None), *(stated[:2] if stated else ())]
    scale = _scale(max(abs(v) for v in ends))
    if scale != 1.0:  # values so large that their differences overflow: draw them in units of `scale`
        finite, lo_v, hi_v = finite / scale, lo_v / scale, hi_v / scale
        told = {k: (v / scale if v is not None else None) for k, v in told.items()}
        stated = (stated[0] / scale, stated[1] / scale, stated[2]) if stated else None
        unit = f"×{scale:.0e} {q.unit}".strip()
        ax.set_xlabel(_wrap(_with_unit(q.label, unit), WRAP_PANEL), fontsize=FONT, parse_math=False)
    marks = told or {k: float(np.quantile(finite, int(k[1:]) / 100)) for k in ("p5", "p50", "p95")}
    if q.kind == "constant" or lo_v == hi_v:
        _constant(ax, q, lo_v, finite.size / max(values.size, 1), scale)
        return
    lo, hi = (float(v) for v in np.quantile(finite, [0.005, 0.995]))
    extra = [v for v in marks.values() if v is not None]
    if stated is not None:
        extra += [stated[0], stated[1]]
    lo, hi = min([lo, *extra]), max([hi, *extra])
    if not hi > lo:
        lo, hi = lo_v, hi_v
    edges = np.linspace(lo, hi, 41)
    weights = np.full(finite.size, 1.0 / max(values.size, 1))
    ax.set_ylabel("share of worlds per bin", fontsize=FONT)
    ax.hist(finite, bins=edges.tolist(), weights=weights, color=_HIST, edgecolor=_EDGE, linewidth=0.4, zorder=2)
    if stated is not None:
        s_lo, s_hi, what = stated
        ax.axvspan(
            s_lo,
            s_hi,
            facecolor=_SPAN,
            edgecolor=_SPAN_EDGE,
            hatch="///",
            linewidth=0,
            zorder=0,
            gid=f"stated-range.{q.name}",
            label=what,
        )
        ax.axvline(s_lo, color=_SPAN_EDGE, linewidth=0.9, zorder=1, gid=f"stated-range-lo.{q.name}")
        ax.axvline(s_hi, color=_SPAN_EDGE, linewidth=0.9, zorder=1, gid=f"stated-range-hi.{q.name}")
    styles = {"p5": ("--", 1.1), "p50": ("-", 1.6), "p95": ("--", 1.1)}
    for k, v in marks.items():
        if v is not None:
            ls, lw = styles[k]
            ax.axvline(v, color="black", linestyle=ls, linewidth=lw, zorder=3, gid=f"{k}.{q.name}")
    pad = 0.02 * (hi - lo)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(bottom=0.0)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
    ax.xaxis.set_major_formatter(_Plain())


def _corner_note(ax: Axes, text: str) -> None:
    """A boxed note in a panel's upper right corner."""
    ax.text(
        0.98,
        0.97,
        text,
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=7,
        bbox={"boxstyle": "square,pad=0.2", "facecolor": "white", "edgecolor": "0.6", "linewidth": 0.5},
    )


def _category_shares(q: _Quantity, tables: Tables, column: pd.Series) -> tuple[list[str], list[float]]:
    cats = tables.categories
    rows = cats[cats["driver"] == q.name] if len(cats) else cats
    if len(rows):
        return [str(c) for c in rows["category"]], [float(v) for v in rows["p"]]
    counts = column.value_counts(normalize=True, sort=False)
    names = list(q.categories) if q.categories else [str(c) for c in counts.index]
    return names, [float(counts.get(c, 0.0)) for c in names]


def _shares(ax: Axes, names: Sequence[str], shares: Sequence[float]) -> None:
    x = np.arange(len(names), dtype=np.float64)
    bars = ax.bar(x, shares, width=0.6, color=_HIST, edgecolor=_EDGE, linewidth=0.5, zorder=2)
    for patch, share in zip(bars.patches, shares):
        ax.annotate(
            f"{share:.0%}",
            xy=(patch.get_x() + patch.get_width() / 2, patch.get_height()),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    ax.set_xticks(x, [_wrap(str(c), 12) for c in names], parse_math=False)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylim(0.0, 1.15)
    ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])


def _scale(largest: float) -> float:
    """A power of ten to draw values in, so that no difference of two of them overflows; 1 for most values."""
    if largest <= _HUGE:
        return 1.0
    return float(10.0 ** (math.floor(math.log10(largest)) - 2))


def _constant(ax: Axes, q: _Quantity, value: float, share: float, scale: float = 1.0) -> None:
    unit = q.unit
    ax.vlines([value], 0.0, share, color=_EDGE, linewidth=3.0, zorder=2, gid=f"p50.{q.name}")
    width = abs(value) * 0.1 if value != 0 else 1.0
    ax.set_xlim(value - width, value + width)
    ax.set_ylim(0.0, 1.15)
    ax.set_yticks([0.0, 0.25, 0.5, 0.75, 1.0])
    ax.xaxis.set_major_locator(MaxNLocator(nbins=3))
    ax.xaxis.set_major_formatter(_Plain())
    ax.annotate(
        f"constant: {value * scale:,.6g}" + (f" {_wrap(unit, 40, 1)}" if unit.strip() else ""),
        xy=(value, share),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=7,
        parse_math=False,
    )


# --------------------------------------------------------------------------
# all figures, and their bytes


def figures(tables: Tables, *, worlds: pd.DataFrame | None = None, samples: int = 20_000) -> dict[str, Figure]:
    """Every figure for a run, in report order.

    Parameters
    ----------
    tables
        From :func:`outlook.run_outlook` or :func:`outlook.summarise`.
    worlds, samples
        As for :func:`driver_distributions`; drawn once and shared.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``scenarios``, ``events`` (left out if the scenario has no events),
        ``drivers`` and ``derived`` (left out if it has no derived
        quantities), in that order.

    Raises
    ------
    ValueError
        If ``tables.scenario`` is ``None``.

    Examples
    --------
    >>> import outlook
    >>> from outlook.plots import figure_bytes, figures
    >>> s = outlook.Scenario.from_yaml('''
    ... outlook: 1
    ... id: demo
    ... title: Demo
    ... question: Does it happen?
    ... as_of: 2024-01-01
    ... horizons: {soon: {until: 1y}}
    ... drivers: {r: {range: [0.1, 0.3], shape: lognormal}}
    ... events: {it: {rate: r}}
    ... scenarios: {happens: it, not_yet: otherwise}
    ... ''')
    >>> figs = figures(outlook.summarise(outlook.simulate(s, samples=2_000, seed=1)), samples=500)
    >>> list(figs)
    ['scenarios', 'events', 'drivers']
    >>> figure_bytes(figs["scenarios"])[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    s = _require_scenario(tables)
    w = _worlds(tables, worlds, samples)
    out: dict[str, Figure] = {"scenarios": scenario_probabilities(tables)}
    if s.events:
        out["events"] = event_curves(tables)
    out["drivers"] = driver_distributions(tables, worlds=w)
    if s.derived:
        out["derived"] = derived_distributions(tables, worlds=w)
    return out


def figure_bytes(fig: Figure, fmt: str = "png", *, dpi: int = 110) -> bytes:
    """A figure as PNG or SVG bytes; the same figure always gives the same bytes.

    Parameters
    ----------
    fig
        Any figure, such as one from this module.
    fmt
        ``"png"`` or ``"svg"``.
    dpi
        Dots per inch of a PNG (an SVG is drawn in points).

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        If ``fmt`` is neither ``png`` nor ``svg``.

    Notes
    -----
    PNGs are written without the ``Software`` entry and SVGs without a date;
    SVG ids come from a fixed ``svg.hashsalt``, so they do not change from
    one call or process to the next.
    """
    if fmt not in ("png", "svg"):
        msg = f"unknown figure format {fmt!r}; expected 'png' or 'svg'"
        raise ValueError(msg)
    metadata: dict[str, Any] = {"Software": None} if fmt == "png" else {"Date": None}
    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": _SALT}), _quiet():
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata)
    return buf.getvalue()
