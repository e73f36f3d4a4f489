"""The distribution figures: small multiples of each driver's and derived quantity's draws.

Owns the panels: histograms of the share of worlds, bars for yes/no and
categorical drivers, a spike for a constant, the stated range shaded and
the run's percentiles marked, values too large to subtract drawn in a
power of ten. Never simulates: it draws worlds it is given (or
:func:`~outlook.plots.figure_worlds`) and the tables' percentiles.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from ..scenario.timing import horizon_column, per_horizon
from ._style import (
    FONT,
    WRAP_PANEL,
    _clean,
    _declutter_xticks,
    _finite,
    _new_figure,
    _Plain,
    _require_scenario,
    _subtitle,
    _with_unit,
    _wrap,
)
from .worlds import _worlds

if TYPE_CHECKING:
    from ..tables import Tables

__all__ = [
    "CATEGORIES",
    "PANELS",
    "derived_distributions",
    "driver_distributions",
]

#: Panels a small-multiples figure shows at most: its first PANELS drivers (or derived quantities), in the file's
#: order. Its title says how many it shows; the report's tables list them all. So a figure's cost is bounded
#: however many quantities a scenario has.
PANELS = 24


#: Bars a categorical driver's panel shows at most: its first CATEGORIES categories (the panel says so).
CATEGORIES = 12


_HIST = "0.62"  # histogram and share bars
_EDGE = "0.25"
_SPAN = "0.95"  # stated range: light fill, hatched
_SPAN_EDGE = "0.6"


_HUGE = 1e300  # beyond this, values are drawn in units of a power of ten (differences would overflow)


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
            if isinstance(vals["min"], str) or isinstance(vals["max"], str):  # bounds that vary by world
                return None
            return float(vals["min"]), float(vals["max"]), "stated bounds"
    return None


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
    infinite or undefined are counted in the panel, not drawn. A condition
    (a yes/no expression, such as ``r > 0.2``) is drawn as bars of its two
    shares of worlds, no and yes, as a yes/no driver is.

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
    # a condition (its expression's kind is yes/no) is drawn as bars of the two shares, as a yes/no driver is
    varying = per_horizon(s.derived)  # format 1.1: a quantity that reads t has a panel per horizon
    items = []
    for d in s.derived:
        kind = "yes/no" if d.expr.kind == "yes/no" else "derived"
        if d.id in varying:
            items += [
                _Quantity(horizon_column(d.id, h.id), f"{d.label or d.id} ({h.label})", d.unit, kind)
                for h in s.horizons
            ]
        else:
            items.append(_Quantity(d.id, d.label or d.id, d.unit, kind))
    table = tables.derived
    if varying:  # its rows by their world-store column, as the panels name them
        table = table.assign(name=[horizon_column(n, h) if h else n for n, h in zip(table["name"], table["horizon"])])
    return _small_multiples(
        tables,
        items,
        table,
        _worlds(tables, worlds, samples),
        f"Derived quantities — {s.title}",
        "no derived quantities",
    )


#: Characters of the 10-point heading one inch of figure holds (DejaVu Sans: about 5.5 pt a character).
_CHARS_PER_INCH = 12


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
    # nothing may be cut at the figure's edges: the heading wraps at the characters its width holds, and the
    # legend takes two columns when one row would be wider than one or two panels
    chars = int(fig.get_figwidth() * _CHARS_PER_INCH)
    note = "\n".join(textwrap.fill(line, chars, break_on_hyphens=False) for line in note.split("\n"))
    fig.suptitle(f"{_wrap(title, min(110, chars), 2)}\n{note}", fontsize=10, parse_math=False)
    if items:
        legend_cols = len(handles) if ncols >= 3 else 2
        fig.legend(handles=handles, loc="outside lower center", ncols=legend_cols, fontsize=FONT, frameon=False)
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
