"""Figures: each plot draws with Agg, shows the tables' numbers, labels everything, overlaps nothing."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

import outlook
from outlook import plots

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

TINY = """
outlook: 1
id: tiny
title: Tiny
question: Does it?
as_of: 2024-01-01
horizons: {soon: {label: "0–6 months", until: 6mo}, later: {until: 2y}}
drivers:
  r: {constant: 0.7}
  vote: {categorical: {left: 0.3, centre: 0.2, right: 0.5}, label: Vote}
  flip: {probability: 0.4, label: A coin, unit: yes/no}
  x: {range: [1, 3], shape: lognormal, unit: km, label: Distance}
  b: {uniform: {min: 2, max: 4}}
derived:
  twice: {expr: r * 2, label: Twice r}
  y: {expr: x * 2, unit: km}
scenarios: {left_wins: "vote == 'left'", flipped: flip == 1, other: otherwise}
"""

WITH_EVENT = """
outlook: 1
id: one-event
title: One event
question: Does it happen?
as_of: 2024-01-01
horizons: {soon: {until: 1y}, later: {until: 3y}}
drivers: {r: {constant: 0.7}}
events: {e: {rate: r}}
scenarios: {yes: e, no: otherwise}
"""


@pytest.fixture(scope="module")
def nk() -> outlook.Tables:
    return outlook.run_outlook(str(ARCHIVED), samples=20_000, seed=5)


@pytest.fixture(scope="module")
def nk_worlds(nk: outlook.Tables) -> pd.DataFrame:
    assert nk.scenario is not None
    return outlook.sample_worlds(nk.scenario, samples=3000, seed=5)


@pytest.fixture(scope="module")
def figs(nk: outlook.Tables, nk_worlds: pd.DataFrame) -> dict[str, Figure]:
    return plots.figures(nk, worlds=nk_worlds)


@pytest.fixture(scope="module")
def tiny() -> outlook.Tables:
    s = outlook.Scenario.from_yaml(TINY)
    return outlook.summarise(outlook.simulate(s, samples=4000, seed=2))


# --------------------------------------------------------------------------
# helpers


def by_gid(ax: Axes, gid: str) -> list[Any]:
    return [a for a in ax.get_children() if a.get_gid() == gid]


def marker(ax: Axes, kind: str) -> list[Any]:
    """A panel's artists of one kind (p5, stated-range, ...): gid ``<kind>.<panel name>``."""
    name = str(ax.get_gid()).removeprefix("panel.")
    return by_gid(ax, f"{kind}.{name}")


def panels(fig: Figure) -> dict[str, Axes]:
    out = {}
    for ax in fig.axes:
        gid = ax.get_gid() or ""
        if gid.startswith("panel."):
            out[gid.removeprefix("panel.")] = ax
    return out


def flat(text: str) -> str:
    return " ".join(text.split())


def renderer_for(fig: Figure) -> Any:
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def drawn_tick_labels(ax: Axes, which: str) -> list[Text]:
    """Tick labels that are drawn: visible, non-empty, their tick inside the view."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    lo, hi = sorted(ax.get_xlim() if which == "x" else ax.get_ylim())
    tol = (hi - lo) * 1e-9
    out = []
    for tick in axis.get_major_ticks():
        label = tick.label1
        if label.get_visible() and label.get_text() and lo - tol <= tick.get_loc() <= hi + tol:
            out.append(label)
    return out


def drawn_texts(fig: Figure) -> tuple[list[tuple[str, Bbox]], Any]:
    """Every text the figure draws, with its extent in pixels."""
    r = renderer_for(fig)
    texts: list[Text] = list(fig.texts)
    for leg in fig.legends:
        texts += [*leg.get_texts(), leg.get_title()]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, ax.xaxis.get_offset_text(), ax.yaxis.get_offset_text()]
        texts += [t for t in ax.texts if isinstance(t, Text)]
        texts += drawn_tick_labels(ax, "x") + drawn_tick_labels(ax, "y")
        if ax.get_legend() is not None:
            texts += list(ax.get_legend().get_texts())
    out = [(t.get_text(), t.get_window_extent(r)) for t in texts if t.get_visible() and t.get_text().strip()]
    return out, r


def overlaps(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


# --------------------------------------------------------------------------
# all figures


def test_figures_come_in_report_order(figs: dict[str, Figure]) -> None:
    """figures() gives scenarios, events, drivers, derived, in that order, as Figures."""
    assert ["scenarios", "events", "drivers", "derived"] == list(figs)
    assert all(isinstance(f, Figure) for f in figs.values())


@pytest.mark.parametrize("name", ["scenarios", "events", "drivers", "derived"])
def test_every_axes_is_labelled(figs: dict[str, Figure], name: str) -> None:
    """Each axes has an x label, a y label and a title."""
    fig = figs[name]
    assert fig.axes
    for ax in fig.axes:
        assert ax.get_xlabel().strip(), ax.get_gid()
        assert ax.get_ylabel().strip(), ax.get_gid()
        assert ax.get_title().strip(), ax.get_gid()


@pytest.mark.parametrize("name", ["scenarios", "events", "drivers", "derived"])
def test_no_text_overlaps_and_all_fits(figs: dict[str, Figure], name: str) -> None:
    """Drawn with Agg, no two texts overlap and every text lies inside the figure."""
    fig = figs[name]
    texts, _ = drawn_texts(fig)
    assert len(texts) > 10
    box = fig.bbox
    outside = [t for t, b in texts if b.x0 < box.x0 - 1 or b.x1 > box.x1 + 1 or b.y0 < box.y0 - 1 or b.y1 > box.y1 + 1]
    assert [] == outside
    clashes = [(ta, tb) for i, (ta, a) in enumerate(texts) for tb, b in texts[i + 1 :] if overlaps(a, b)]
    assert [] == clashes


def test_no_overlap_check_catches_overlaps() -> None:
    """The overlap check above is real: two texts at the same place are caught."""
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, "one")
    ax.text(0.5, 0.5, "two")
    texts, _ = drawn_texts(fig)
    boxes = [b for t, b in texts if t in ("one", "two")]
    assert overlaps(*boxes)


def test_figures_of_tiny_tables_omit_events_and_keep_derived(tiny: outlook.Tables) -> None:
    """A scenario without events gives no events figure; it still plots everything else."""
    figs = plots.figures(tiny, samples=1000)
    assert ["scenarios", "drivers", "derived"] == list(figs)
    for fig in figs.values():
        texts, _ = drawn_texts(fig)
        assert texts


def test_figures_without_derived_omit_derived() -> None:
    """A scenario without derived quantities gives no derived figure."""
    s = outlook.Scenario.from_yaml(WITH_EVENT)
    tables = outlook.summarise(outlook.simulate(s, samples=2000, seed=1))
    assert ["scenarios", "events", "drivers"] == list(plots.figures(tables, samples=500))


@pytest.mark.parametrize(
    "fn",
    [
        plots.scenario_probabilities,
        plots.event_curves,
        plots.driver_distributions,
        plots.derived_distributions,
        plots.figures,
    ],
    ids=lambda f: f.__name__,
)
def test_tables_without_scenario_raise(nk: outlook.Tables, fn: Any) -> None:
    """Plots need the scenario; tables without one give a ValueError that says so."""
    with pytest.raises(ValueError, match=r"tables\.scenario is None"):
        fn(dataclasses.replace(nk, scenario=None))


def test_importing_outlook_loads_no_matplotlib() -> None:
    """`import outlook` neither imports outlook.plots nor matplotlib."""
    code = "import sys, outlook; print('matplotlib' in sys.modules, 'outlook.plots' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "False False" == out.stdout.strip()


# --------------------------------------------------------------------------
# scenario probabilities


def test_scenario_bars_are_the_table(nk: outlook.Tables, figs: dict[str, Figure]) -> None:
    """One bar per horizon; its segments are the scenarios' p, in horizon order, summing to 1."""
    assert nk.scenario is not None
    (ax,) = figs["scenarios"].axes
    heights = []
    for rule in nk.scenario.rules:
        patches = [by_gid(ax, f"scenario.{rule.id}.{h.id}")[0] for h in nk.scenario.horizons]
        expected = nk.scenarios.loc[nk.scenarios["scenario"] == rule.id, "p"].tolist()
        assert expected == pytest.approx([p.get_height() for p in patches], rel=0, abs=1e-15)
        heights.append([p.get_height() for p in patches])
    assert np.allclose(1.0, np.sum(heights, axis=0), rtol=0, atol=1e-12)
    assert [h.label for h in nk.scenario.horizons] == [flat(t.get_text()) for t in ax.get_xticklabels()]
    assert (0.0, 1.0) == ax.get_ylim()
    assert "probability" == ax.get_ylabel()


def test_scenario_segments_differ_in_greyscale(nk: outlook.Tables, figs: dict[str, Figure]) -> None:
    """Segments differ in hatch and luminance, so the figure reads in greyscale."""
    assert nk.scenario is not None
    (ax,) = figs["scenarios"].axes
    looks = []
    for rule in nk.scenario.rules:
        p = by_gid(ax, f"scenario.{rule.id}.short")[0]
        r, g, b, _ = p.get_facecolor()
        looks.append((p.get_hatch() or "", round(0.2126 * r + 0.7152 * g + 0.0722 * b, 2)))
    assert len(set(looks)) == len(looks)
    assert len({h for h, _ in looks}) == len(looks)
    lum = sorted(y for _, y in looks)
    assert min(np.diff(lum)) >= 0.05


def test_segment_labels_fit_inside_their_segment(nk: outlook.Tables, figs: dict[str, Figure]) -> None:
    """Each percentage sits inside its own segment, says that segment's p, and tiny segments have none."""
    fig = figs["scenarios"]
    (ax,) = fig.axes
    r = renderer_for(fig)
    labels = [t for t in ax.texts if str(t.get_gid()).startswith("pct.")]
    assert len(labels) >= 12
    for t in labels:
        _, scen, hz = str(t.get_gid()).split(".")
        p = float(nk.scenarios.loc[(nk.scenarios["scenario"] == scen) & (nk.scenarios["horizon"] == hz), "p"].iloc[0])
        assert f"{p:.0%}" == t.get_text()
        (patch,) = by_gid(ax, f"scenario.{scen}.{hz}")
        seg = patch.get_window_extent(r)
        tb = t.get_window_extent(r)
        assert seg.contains(tb.x0, tb.y0)
        assert seg.contains(tb.x1, tb.y1)
    # wider_war by the short horizon is about 1 %: far too thin for a label
    assert "pct.wider_war.short" not in {t.get_gid() for t in labels}


# --------------------------------------------------------------------------
# event curves


def test_event_curves_are_the_curves_table(nk: outlook.Tables, figs: dict[str, Figure]) -> None:
    """One line per event whose points are the curves table's time and p_by (ten events: one small axes each)."""
    assert nk.scenario is not None
    assert len(nk.scenario.events) == len(figs["events"].axes)
    lines = [ln for ax in figs["events"].axes for ln in ax.get_lines() if str(ln.get_gid()).startswith("event.")]
    assert [f"event.{e.id}" for e in nk.scenario.events] == [ln.get_gid() for ln in lines]
    for e, ln in zip(nk.scenario.events, lines):
        rows = nk.curves[nk.curves["event"] == e.id]
        assert np.array_equal(rows["time"].to_numpy(), np.asarray(ln.get_xdata()))
        assert np.array_equal(rows["p_by"].to_numpy(), np.asarray(ln.get_ydata()))
    for ax, e in zip(figs["events"].axes, nk.scenario.events):
        assert by_gid(ax, f"band.{e.id}")
    overlaid = plots.event_curves(nk, events=[e.id for e in nk.scenario.events[: plots.OVERLAID]])
    (ax,) = overlaid.axes
    lines = [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("event.")]
    styles = {(str(ln.get_linestyle()), str(ln.get_marker())) for ln in lines}
    assert plots.OVERLAID == len(lines) == len(styles)


def test_event_curves_mark_every_horizon_end(nk: outlook.Tables, figs: dict[str, Figure]) -> None:
    """A vertical line at each horizon end, labelled with the horizon's label; axes from 0 to the last end."""
    assert nk.scenario is not None
    (ax,) = plots.event_curves(nk, events=["ceasefire", "tech_transfer"]).axes
    for h in nk.scenario.horizons:
        (line,) = by_gid(ax, f"horizon.{h.id}")
        assert [h.until, h.until] == list(line.get_xdata())
        (label,) = by_gid(ax, f"horizon-label.{h.id}")
        assert h.label == label.get_text()
        assert h.until == label.xy[0]
    assert (0.0, nk.scenario.horizons[-1].until) == ax.get_xlim()
    assert "years from 2024-11-01" == ax.get_xlabel()
    assert "probability it has happened" == ax.get_ylabel()
    # small multiples: every axes marks every horizon end, in years and probability; the heading names them
    fig = figs["events"]
    for ax, e in zip(fig.axes, nk.scenario.events):
        for h in nk.scenario.horizons:
            (line,) = by_gid(ax, f"horizon.{h.id}.{e.id}")
            assert [h.until, h.until] == list(line.get_xdata())
        assert ("years", "probability") == (ax.get_xlabel(), ax.get_ylabel())
        assert (0.0, nk.scenario.horizons[-1].until) == ax.get_xlim()
    assert "x: years from 2024-11-01" in fig.get_suptitle()
    assert all(f"{h.label} at {h.until:g}" in fig.get_suptitle() for h in nk.scenario.horizons)


def test_crowded_horizon_labels_go_up_a_row() -> None:
    """Horizon ends close together get their labels on separate rows, so they do not overlap."""
    text = WITH_EVENT.replace(
        "horizons: {soon: {until: 1y}, later: {until: 3y}}",
        "horizons: {a: {label: first month, until: 1mo}, b: {label: second month, until: 2mo},"
        " c: {label: third month, until: 3mo}, d: {label: ten years, until: 10y}}",
    )
    tables = outlook.summarise(outlook.simulate(outlook.Scenario.from_yaml(text), samples=2000, seed=1))
    fig = plots.event_curves(tables)
    (ax,) = fig.axes
    labels = [by_gid(ax, f"horizon-label.{h}")[0] for h in "abcd"]
    assert len({lab.xyann[1] for lab in labels[:3]}) == 3
    texts, _ = drawn_texts(fig)
    assert not any(overlaps(a, b) for i, (_, a) in enumerate(texts) for _, b in texts[i + 1 :])


def test_event_curves_for_chosen_events(nk: outlook.Tables) -> None:
    """events= picks and orders the curves; an unknown id is a ValueError with a hint."""
    fig = plots.event_curves(nk, events=["tech_transfer", "ceasefire"])
    (ax,) = fig.axes
    assert ["event.tech_transfer", "event.ceasefire"] == [
        ln.get_gid() for ln in ax.get_lines() if str(ln.get_gid()).startswith("event.")
    ]
    with pytest.raises(ValueError, match=r"unknown event 'cease_fire'.* Did you mean 'ceasefire'\?"):
        plots.event_curves(nk, events=["cease_fire"])


def test_event_curves_without_events_say_so(tiny: outlook.Tables) -> None:
    """A scenario without events still gives a figure: its horizon ends and a note."""
    fig = plots.event_curves(tiny)
    (ax,) = fig.axes
    assert ["This scenario has no events."] == [t.get_text() for t in ax.texts if not t.get_gid()]
    assert by_gid(ax, "horizon.later")


def test_event_curves_fall_back_to_the_events_table(nk: outlook.Tables) -> None:
    """Tables without curves draw each event through its horizon ends, from 0."""
    bare = dataclasses.replace(nk, curves=nk.curves.iloc[0:0])
    (ax,) = plots.event_curves(bare, events=["ceasefire"]).axes
    (line,) = by_gid(ax, "event.ceasefire")
    assert [0.0, 1.0, 5.0, 10.0] == list(line.get_xdata())
    assert [0.0, *nk.events.loc[nk.events["event"] == "ceasefire", "p_by"]] == list(line.get_ydata())


# --------------------------------------------------------------------------
# driver and derived distributions


def test_one_driver_panel_per_driver(nk: outlook.Tables, figs: dict[str, Figure]) -> None:
    """A panel per driver, titled with its id, its x label the driver's label and unit."""
    assert nk.scenario is not None
    fig = figs["drivers"]
    ps = panels(fig)
    assert [d.id for d in nk.scenario.drivers] == list(ps)
    assert len(nk.scenario.drivers) == len(fig.axes)  # unused grid cells are removed
    for d in nk.scenario.drivers:
        ax = ps[d.id]
        assert d.id == ax.get_title()
        expected = f"{d.label} ({d.unit})" if d.unit else d.label
        assert expected == flat(ax.get_xlabel())
        assert all(len(line) <= plots.WRAP_PANEL for line in ax.get_xlabel().splitlines())


def test_stated_range_is_drawn_at_its_ends(nk: outlook.Tables, figs: dict[str, Figure]) -> None:
    """A driver given as a range has it shaded and its ends drawn at exactly the stated low and high."""
    assert nk.scenario is not None
    ps = panels(figs["drivers"])
    checked = 0
    for d in nk.scenario.drivers:
        spec = dict(d.spec)
        ax = ps[d.id]
        if "range" not in spec:
            continue
        lo, hi = spec["range"]
        (lo_line,) = marker(ax, "stated-range-lo")
        (hi_line,) = marker(ax, "stated-range-hi")
        assert [lo, lo] == list(lo_line.get_xdata())
        assert [hi, hi] == list(hi_line.get_xdata())
        (span,) = marker(ax, "stated-range")
        assert (lo, hi) == pytest.approx((span.get_x(), span.get_x() + span.get_width()), rel=1e-12)
        assert "stated 90% range" == span.get_label()
        x0, x1 = ax.get_xlim()
        assert x0 < lo < hi < x1
        checked += 1
    assert 16 == checked
    # uniform: its min and max are the stated bounds
    (span,) = marker(ps["china_brake"], "stated-range")
    assert "stated bounds" == span.get_label()
    # constants and categories have none
    for name in ("troops_pledged", "defence_pact", "us_election"):
        assert [] == marker(ps[name], "stated-range")


@pytest.mark.parametrize("which", ["drivers", "derived"])
def test_percentiles_are_marked_at_table_values(nk: outlook.Tables, figs: dict[str, Figure], which: str) -> None:
    """Each continuous panel marks the run's p5, p50 and p95 from the table."""
    table = getattr(nk, which)
    ps = panels(figs[which])
    assert table["name"].tolist() == list(ps)
    marked = 0
    for row in table.itertuples():
        if row.kind not in ("continuous", "derived"):
            continue
        ax = ps[str(row.name)]
        for k in ("p5", "p50", "p95"):
            (line,) = marker(ax, k)
            assert [getattr(row, k)] * 2 == list(line.get_xdata())
        # and the histogram is the worlds' share per bin: at most 1 in all
        heights = [p.get_height() for p in ax.patches if p.get_gid() is None]
        assert 0 < sum(heights) <= 1 + 1e-9
        marked += 1
    assert marked >= 13


def test_derived_panels_have_no_stated_range(nk: outlook.Tables, figs: dict[str, Figure]) -> None:
    """Derived quantities have no stated range; their panels are labelled with label and unit."""
    assert nk.scenario is not None
    ps = panels(figs["derived"])
    for d in nk.scenario.derived:
        assert [] == marker(ps[d.id], "stated-range")
        assert f"{d.label} ({d.unit})" == flat(ps[d.id].get_xlabel())


def test_a_derived_condition_is_drawn_as_two_share_bars() -> None:
    """A yes/no derived quantity (a condition) is bars of its shares, no and yes, as a yes/no driver is."""
    text = TINY.replace(
        "  y: {expr: x * 2, unit: km}", "  y: {expr: x * 2, unit: km}\n  far: {expr: x > 2, label: Far}"
    )
    tables = outlook.run_outlook(outlook.Scenario.from_yaml(text), samples=2_000, seed=1)
    ps = panels(plots.derived_distributions(tables, samples=1000))
    mean = float(tables.derived.loc[tables.derived["name"] == "far", "mean"].iloc[0])
    assert 0.0 < mean < 1.0
    assert [1 - mean, mean] == [p.get_height() for p in ps["far"].patches]
    assert ["no", "yes"] == [t.get_text() for t in ps["far"].get_xticklabels()]
    assert [] == marker(ps["far"], "p50")
    assert [] != [p for p in ps["y"].patches if p.get_gid() is None]  # a number is still a histogram


def test_discrete_and_constant_drivers(tiny: outlook.Tables) -> None:
    """Categories and yes/no become share bars from the tables; a constant a single spike; no unit, no brackets."""
    ps = panels(plots.driver_distributions(tiny, samples=1000))
    cats = tiny.categories[tiny.categories["driver"] == "vote"]
    vote = ps["vote"]
    assert cats["p"].tolist() == [p.get_height() for p in vote.patches]
    assert ["left", "centre", "right"] == [t.get_text() for t in vote.get_xticklabels()]
    assert "Vote" == vote.get_xlabel()
    mean = float(tiny.drivers.loc[tiny.drivers["name"] == "flip", "mean"].iloc[0])
    assert [1 - mean, mean] == [p.get_height() for p in ps["flip"].patches]
    assert ["no", "yes"] == [t.get_text() for t in ps["flip"].get_xticklabels()]
    assert "A coin (yes/no)" == ps["flip"].get_xlabel()
    (spike,) = marker(ps["r"], "p50")
    assert np.allclose([[0.7, 0.0], [0.7, 1.0]], spike.get_segments()[0])
    x0, x1 = ps["r"].get_xlim()
    assert x0 < 0.7 < x1
    assert "r" == ps["r"].get_xlabel()
    (lo_line,) = marker(ps["b"], "stated-range-lo")
    assert [2.0, 2.0] == list(lo_line.get_xdata())


def test_constant_derived_quantity_is_a_spike(tiny: outlook.Tables) -> None:
    """A derived quantity of zero width (2 × a constant) plots as one spike at its value."""
    ps = panels(plots.derived_distributions(tiny, samples=1000))
    (spike,) = marker(ps["twice"], "p50")
    assert np.allclose([[1.4, 0.0], [1.4, 1.0]], spike.get_segments()[0])
    assert "Twice r" == ps["twice"].get_xlabel()
    assert "y (km)" == ps["y"].get_xlabel()


def test_infinite_values_are_counted_not_drawn(tiny: outlook.Tables) -> None:
    """Worlds where a quantity is infinite are counted in the panel; infinite percentiles are not marked."""
    assert tiny.scenario is not None
    worlds = outlook.sample_worlds(tiny.scenario, samples=1000, seed=2)
    y = worlds["y"].to_numpy().copy()
    y[:100] = np.inf
    y[100:110] = np.nan
    worlds["y"] = y
    worlds["twice"] = np.inf
    derived = tiny.derived.copy()
    derived.loc[derived["name"] == "y", "p95"] = np.inf
    derived.loc[derived["name"] == "twice", ["p5", "p50", "p95"]] = np.inf
    fig = plots.derived_distributions(dataclasses.replace(tiny, derived=derived), worlds=worlds)
    ps = panels(fig)
    notes = [t.get_text() for t in ps["y"].texts]
    assert ["11.0% of worlds\nnot finite (not shown)"] == notes
    assert [] == marker(ps["y"], "p95")
    assert marker(ps["y"], "p5")
    assert "no finite values" in [t.get_text() for t in ps["twice"].texts]
    texts, _ = drawn_texts(fig)
    assert not any(overlaps(a, b) for i, (_, a) in enumerate(texts) for _, b in texts[i + 1 :])


def test_default_worlds_are_the_runs_first_worlds(tiny: outlook.Tables) -> None:
    """Without worlds, the plot draws the run's first worlds (its seed), at most as many as it ran."""
    assert tiny.scenario is not None

    def histogram(worlds: pd.DataFrame | None) -> list[float]:
        fig = plots.derived_distributions(tiny, worlds=worlds, samples=1_000_000)
        return [p.get_height() for p in panels(fig)["y"].patches]

    explicit = histogram(outlook.sample_worlds(tiny.scenario, samples=4000, seed=2))
    assert explicit == histogram(None)
    assert explicit != histogram(outlook.sample_worlds(tiny.scenario, samples=4000, seed=3))
    assert explicit != histogram(outlook.sample_worlds(tiny.scenario, samples=3000, seed=2))


@pytest.mark.parametrize("samples", [0, -5, 2.5, True], ids=["zero", "negative", "float", "bool"])
def test_bad_sample_counts_raise(tiny: outlook.Tables, samples: Any) -> None:
    """samples must be a positive integer."""
    with pytest.raises(ValueError, match="samples must be a positive integer"):
        plots.driver_distributions(tiny, samples=samples)


def test_worlds_without_a_column_raise(tiny: outlook.Tables) -> None:
    """Worlds that lack a driver's column give a ValueError naming it."""
    assert tiny.scenario is not None
    worlds = outlook.sample_worlds(tiny.scenario, samples=100, seed=2).drop(columns=["x"])
    with pytest.raises(ValueError, match="worlds has no column for x;"):
        plots.driver_distributions(tiny, worlds=worlds)


def test_long_labels_are_wrapped() -> None:
    """A long label is wrapped, so neighbouring panels' labels do not collide."""
    long = "a very long label that goes on and on about what exactly this driver measures in the world"
    text = WITH_EVENT.replace(
        "drivers: {r: {constant: 0.7}}",
        f"drivers: {{r: {{range: [0.5, 1], shape: normal, label: {long}, unit: per year}}, q: {{normal: [0, 1], label: {long}}}}}",
    )
    tables = outlook.summarise(outlook.simulate(outlook.Scenario.from_yaml(text), samples=2000, seed=1))
    fig = plots.driver_distributions(tables, samples=500)
    assert (
        textwrap.fill(f"{long} (per year)", plots.WRAP_PANEL, break_on_hyphens=False) == panels(fig)["r"].get_xlabel()
    )
    texts, _ = drawn_texts(fig)
    assert not any(overlaps(a, b) for i, (_, a) in enumerate(texts) for _, b in texts[i + 1 :])


# --------------------------------------------------------------------------
# bytes


@pytest.mark.parametrize("fmt", ["png", "svg"])
@pytest.mark.parametrize("fn", [plots.scenario_probabilities, plots.event_curves], ids=lambda f: f.__name__)
def test_figure_bytes_are_deterministic(nk: outlook.Tables, fn: Any, fmt: str) -> None:
    """The same figure twice, and a second figure from the same tables, give identical bytes."""
    fig = fn(nk)
    first = plots.figure_bytes(fig, fmt)
    assert first == plots.figure_bytes(fig, fmt)
    assert first == plots.figure_bytes(fn(nk), fmt)
    if fmt == "png":
        assert first.startswith(PNG_SIGNATURE)
    else:
        assert b"<svg" in first
        assert b"<dc:date>" not in first


def test_distribution_bytes_are_deterministic(tiny: outlook.Tables) -> None:
    """Small multiples built twice from the same tables give the same PNG."""
    a = plots.figure_bytes(plots.derived_distributions(tiny, samples=1000))
    b = plots.figure_bytes(plots.derived_distributions(tiny, samples=1000))
    assert a == b


def test_svg_is_the_same_in_another_process(tiny: outlook.Tables) -> None:
    """SVG ids come from a fixed salt, not from the process: another interpreter writes the same bytes."""
    code = textwrap.dedent(
        f"""
        import sys, outlook
        from outlook import plots
        s = outlook.Scenario.from_yaml({TINY!r})
        t = outlook.summarise(outlook.simulate(s, samples=4000, seed=2))
        sys.stdout.buffer.write(plots.figure_bytes(plots.scenario_probabilities(t), "svg"))
        """
    )
    env = {**os.environ, "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, env=env)
    assert plots.figure_bytes(plots.scenario_probabilities(tiny), "svg") == out.stdout


def test_dpi_sets_the_png_size(nk: outlook.Tables) -> None:
    """dpi= scales the PNG: its width in pixels is the figure's width in inches times dpi."""
    fig = plots.scenario_probabilities(nk)
    png = plots.figure_bytes(fig, dpi=50)
    width = int.from_bytes(png[16:20], "big")
    assert round(fig.get_figwidth() * 50) == width


@pytest.mark.parametrize("fmt", ["pdf", "PNG", "jpg", ""])
def test_unknown_format_raises(nk: outlook.Tables, fmt: str) -> None:
    """Only png and svg are written; anything else is a ValueError."""
    with pytest.raises(ValueError, match=r"unknown figure format .*; expected 'png' or 'svg'"):
        plots.figure_bytes(plots.scenario_probabilities(nk), fmt)


@pytest.mark.parametrize("name", ["scenarios", "events", "drivers", "derived"])
def test_svg_ids_are_unique(figs: dict[str, Figure], name: str) -> None:
    """gids are unique within a figure, so the SVG's element ids are too."""
    svg = plots.figure_bytes(figs[name], "svg").decode()
    ids = re.findall(r' id="([^"]+)"', svg)
    assert len(ids) == len(set(ids))
    gids = [a.get_gid() for a in figs[name].findobj(lambda a: bool(a.get_gid()))]
    assert len(gids) == len(set(gids))
    assert set(gids) <= set(ids)


def test_no_derived_quantities_gives_a_note() -> None:
    """derived_distributions of a scenario without derived quantities is a figure that says so."""
    s = outlook.Scenario.from_yaml(WITH_EVENT)
    tables = outlook.summarise(outlook.simulate(s, samples=1000, seed=1))
    fig = plots.derived_distributions(tables, samples=100)
    assert [] == fig.axes
    assert "This scenario has no derived quantities." in [t.get_text() for t in fig.texts]


def test_no_events_chosen_says_so(nk: outlook.Tables) -> None:
    """events=[] draws the horizon ends and a note, no curves."""
    (ax,) = plots.event_curves(nk, events=[]).axes
    assert [] == [ln for ln in ax.get_lines() if str(ln.get_gid()).startswith("event.")]
    assert "No events chosen." in [t.get_text() for t in ax.texts]


# --------------------------------------------------------------------------
# scenario text in figures: plain text, whatever it holds

#: Labels that mathtext would read as TeX (a balanced pair, a bad expression, sub- and superscripts), backslashes,
#: an unbalanced right-to-left override, a balanced one, and control characters.
MATHY = r"""
outlook: 1
id: mathy
title: 'Oil between $5 and $10, or $\frac{$ a barrel'
question: 'Q?'
as_of: 2024-01-01
horizons:
  soon: {label: 'by $x_1^2$', until: 1y}
  later: {label: "then \u202eevil", until: 3y}
drivers:
  price: {range: [5, 10], shape: normal, label: 'price in $ (US$) \ back', unit: '$/bbl'}
  mood: {categorical: {'$lo': 0.4, 'hi^$': 0.6}, label: "mood \u202ewhich\u202c and \x1b[31mred"}
  k: {constant: 2, label: 'k', unit: '$^_^$'}
derived:
  cost: {expr: 'price * 2', label: '$\sqrt{2}$ cost', unit: '$'}
events:
  spike: {rate: 0.3, label: '$\mathrm{bad'}
scenarios:
  high: {when: spike, label: '$a$ wins \ $'}
  calm: {when: otherwise, label: "calm\u202e"}
"""

#: What each label above should read as in a figure (controls shown or dropped, everything else as written).
MATHY_SHOWN = [
    r"Oil between $5 and $10, or $\frac{$ a barrel",
    r"by $x_1^2$",
    "then evil",
    r"price in $ (US$) \ back ($/bbl)",
    "$lo",
    "hi^$",
    "mood which and \\x1b[31mred",
    "constant: 2 $^_^$",
    r"$\sqrt{2}$ cost ($)",
    r"$\mathrm{bad",
    r"$a$ wins \ $",
    "calm",
]


@pytest.fixture(scope="module")
def mathy() -> dict[str, Figure]:
    tables = outlook.run_outlook(outlook.Scenario.from_yaml(MATHY), samples=2_000, seed=1)
    return plots.figures(tables, samples=500)


def figure_texts(fig: Figure) -> list[Text]:
    renderer_for(fig)
    return [t for t in fig.findobj(Text) if isinstance(t, Text) and t.get_visible()]


def test_scenario_text_is_plain_text_in_every_figure(mathy: dict[str, Figure]) -> None:
    """`$`, `\\`, `^` and `_` in labels are drawn as written, never as mathtext, and every figure renders.

    Each label reads exactly as written in some text of the figures (wrapping
    aside); every text that holds a `$` is plain text; and each figure gives
    its PNG and SVG bytes (a bad `$...$` would fail there).
    """
    texts = [t for fig in mathy.values() for t in figure_texts(fig)]
    shown = [flat(t.get_text()) for t in texts]
    assert [] == [label for label in MATHY_SHOWN if not any(label in s for s in shown)]
    assert [] == [t.get_text() for t in texts if "$" in t.get_text() and t.get_parse_math()]
    for fig in mathy.values():
        assert plots.figure_bytes(fig, "png").startswith(PNG_SIGNATURE)
        assert b"<svg" in plots.figure_bytes(fig, "svg")


def test_figure_text_has_no_bidi_or_control_characters(mathy: dict[str, Figure]) -> None:
    """Bidirectional controls are dropped and control characters shown as escapes: no text holds either."""
    from outlook._text import BIDI_CONTROLS

    bad = set(BIDI_CONTROLS) | {chr(c) for c in range(32) if chr(c) != "\n"} | {"\x7f"}
    texts = [t.get_text() for fig in mathy.values() for t in figure_texts(fig)]
    assert [] == [t for t in texts if bad & set(t)]


LONG = "a label that goes on " * 15
NOISY = f"""
outlook: 1
id: noisy
title: '{LONG}'
question: 'Q?'
as_of: 2024-01-01
horizons: {{{", ".join(f"h{i}: {{until: {i + 1}y, label: '{LONG}'}}" for i in range(4))}}}
drivers:
  x: {{range: [1, 2], shape: normal, label: '{LONG}', unit: '{LONG}'}}
  c: {{categorical: {{'{LONG[:40]}a': 0.5, 日本語のカテゴリ: 0.5}}, label: 'ロケット 🚀 {LONG}'}}
derived:
  y: {{expr: 'x * 2', label: '{LONG}', unit: 'ক'}}
events:
  e: {{rate: 0.2, label: '{LONG}'}}
scenarios:
{"".join(f"  s{i}: {{when: e, label: '{LONG}'}}{chr(10)}" for i in range(12))}  rest: otherwise
"""


def test_long_labels_and_missing_glyphs_warn_nothing() -> None:
    """Very long labels, many scenarios and characters the font lacks: no warning reaches the user.

    Matplotlib used to warn that the constrained layout could not be applied
    and that glyphs were missing from the font. Labels are cut to
    ``plots.LINES`` lines (ending in "…"), and the figure of scenarios grows
    to hold its legend, which stays inside the figure.
    """
    import warnings

    tables = outlook.run_outlook(outlook.Scenario.from_yaml(NOISY), samples=2_000, seed=1)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        figs = plots.figures(tables, samples=500)
        for fig in figs.values():
            plots.figure_bytes(fig)
    assert [] == [f"{w.category.__name__}: {w.message}" for w in seen]
    legend = figs["scenarios"].legends[0].get_window_extent(renderer_for(figs["scenarios"]))
    box = figs["scenarios"].bbox
    assert box.y0 - 1 <= legend.y0
    assert legend.y1 <= box.y1 + 1
    labels = [flat(t.get_text()) for t in figs["scenarios"].legends[0].get_texts()]
    assert labels[1].endswith(" …")
    assert len(figs["scenarios"].legends[0].get_texts()[1].get_text().splitlines()) == plots.LINES


# --------------------------------------------------------------------------
# bounded figures for large scenarios


def crowd(drivers: int, events: int, categories: int) -> outlook.Tables:
    """Tables of a scenario with many drivers, events and categories, from a small run."""
    cats = ", ".join(f"k{i}: {1 / categories}" for i in range(categories))
    lines = [
        "outlook: 1",
        "id: crowd",
        "title: Crowd",
        "question: Which?",
        "as_of: 2024-01-01",
        "horizons: {soon: {until: 1y}}",
        "drivers:",
        f"  c: {{categorical: {{{cats}}}}}",
        *(f"  d{i}: {{range: [1, 2], shape: normal}}" for i in range(drivers - 1)),
        "events:",
        *(f"  e{i}: {{rate: 0.1}}" for i in range(events)),
        "scenarios: {first: e0, other: otherwise}",
    ]
    return outlook.run_outlook(outlook.Scenario.from_yaml("\n".join(lines) + "\n"), samples=500, seed=1)


@pytest.fixture(scope="module")
def crowded() -> outlook.Tables:
    return crowd(plots.PANELS + 6, plots.CURVES + 3, plots.CATEGORIES + 8)


@pytest.fixture(scope="module")
def crowded_drivers(crowded: outlook.Tables) -> Figure:
    return plots.driver_distributions(crowded, samples=200)


def test_small_multiples_show_the_first_panels_and_say_so(crowded_drivers: Figure) -> None:
    """More drivers than PANELS: the first PANELS are drawn, in the file's order, and the title says how many."""
    fig = crowded_drivers
    assert ["c", *(f"d{i}" for i in range(plots.PANELS - 1))] == list(panels(fig))
    assert f"the first {plots.PANELS} of {plots.PANELS + 6} drivers (the tables give them all)" in fig.get_suptitle()


def test_event_curves_draw_the_first_curves_and_say_so(crowded: outlook.Tables) -> None:
    """More events than CURVES: the first CURVES are drawn (one small axes each) unless chosen, and the heading says so."""
    fig = plots.event_curves(crowded)
    drawn = [str(ln.get_gid()) for ax in fig.axes for ln in ax.get_lines() if str(ln.get_gid()).startswith("event.")]
    assert [f"event.e{i}" for i in range(plots.CURVES)] == drawn
    assert f"(the first {plots.CURVES} of {plots.CURVES + 3} events)" in fig.get_suptitle()
    chosen = plots.event_curves(crowded, events=[f"e{i}" for i in range(plots.CURVES + 3)])
    assert plots.CURVES + 3 == len(
        [x for ax in chosen.axes for x in ax.get_lines() if str(x.get_gid()).startswith("event.")]
    )
    assert "first" not in chosen.get_suptitle()


def test_a_categorical_panel_shows_the_first_categories_and_says_so(crowded_drivers: Figure) -> None:
    """More categories than CATEGORIES: the first CATEGORIES bars, and a note in the panel."""
    ax = panels(crowded_drivers)["c"]
    assert [f"k{i}" for i in range(plots.CATEGORIES)] == [t.get_text() for t in ax.get_xticklabels()]
    assert f"the first {plots.CATEGORIES} of\n{plots.CATEGORIES + 8} categories" in [t.get_text() for t in ax.texts]


def test_figure_worlds_hold_a_bounded_number_of_values(
    crowded: outlook.Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The distribution figures draw at most WORLD_VALUES values: fewer worlds for a scenario with many columns."""
    assert 200 == len(plots.figure_worlds(crowded, samples=200))
    monkeypatch.setattr(plots.worlds, "WORLD_VALUES", 4_500)
    columns = (plots.PANELS + 6) + (plots.CURVES + 3)
    worlds = plots.figure_worlds(crowded, samples=200)
    assert 4_500 // columns == len(worlds)
    assert columns == len([c for c in worlds.columns if c != "weight" and not c.startswith("scenario@")])


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(1, 20), st.integers(0, 30), st.integers(1, 20)), max_size=25),
    st.sampled_from([0.0, 2.0]),
)
def test_overlap_sweep_agrees_with_every_pair(raw: list[tuple[int, int, int, int]], gap: float) -> None:
    """The sweep that finds overlapping tick labels agrees with comparing every pair (the obvious reference)."""
    boxes = [Bbox.from_bounds(x, y, w, h) for x, w, y, h in raw]
    pairs = any(
        a.x0 < b.x1 + gap and b.x0 < a.x1 + gap and a.y0 < b.y1 + gap and b.y0 < a.y1 + gap
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
    )
    assert pairs == plots._style._overlapping(boxes, gap)


def test_values_whose_differences_overflow_are_drawn_in_a_power_of_ten() -> None:
    """Finite values near the largest float: the panel draws them in units of 1e+306, with no warning or error.

    Their range (hi - lo) overflows, which used to end the report after the
    run (numpy: "`bins` must increase monotonically"), with numpy's
    RuntimeWarnings on the way.
    """
    text = WITH_EVENT.replace(
        "drivers: {r: {constant: 0.7}}",
        "drivers: {r: {constant: 0.7}, x: {uniform: {min: -1, max: 1}}}\nderived: {big: {expr: x * 1.0, unit: USD}}",
    )
    # a run of such values stops (their moments overflow: tests/test_finite.py);
    # the figure is drawn from worlds given to it, here scaled after the run
    scenario = outlook.Scenario.from_yaml(text)
    tables = outlook.run_outlook(scenario, samples=2_000, seed=1)
    worlds = outlook.sample_worlds(scenario, samples=500, seed=1)
    worlds["big"] = worlds["big"] * 1.7e308
    fig = plots.derived_distributions(tables, worlds=worlds)
    ax = panels(fig)["big"]
    assert "big (×1e+306 USD)" == ax.get_xlabel()
    lo, hi = ax.get_xlim()
    assert -180 < lo < -150
    assert 150 < hi < 180
    assert plots.figure_bytes(fig).startswith(PNG_SIGNATURE)


def _panels_scenario(k: int) -> str:
    drivers = ", ".join(
        f"r{i}: {{range: [0.1, 0.3], shape: lognormal, label: Driver number {i} with a label}}" for i in range(k)
    )
    derived = ", ".join(f"d{i}: {{expr: r{i} * 2, label: Twice driver {i}}}" for i in range(k))
    events = ", ".join(f"e{i}: {{rate: r{i}, label: Event number {i}}}" for i in range(k))
    return f"""outlook: 1
id: panels
title: A title rather too long to fit on one line above a figure that has only a single narrow panel
question: Does it happen?
as_of: 2024-01-01
horizons: {{soon: {{until: 1y}}, later: {{until: 5y}}}}
drivers: {{{drivers}}}
derived: {{{derived}}}
events: {{{events}}}
scenarios: {{happens: e0, not_yet: otherwise}}
"""


@pytest.mark.parametrize("k", [1, 2, 3, 9], ids=lambda k: f"{k}-panels")
def test_nothing_is_cut_at_a_figures_edges(k: int) -> None:
    """Every drawn text (title, subtitle, legend, labels, ticks) lies inside the figure, for 1, 2, 3 and many panels."""
    tables = outlook.run_outlook(outlook.Scenario.from_yaml(_panels_scenario(k)), samples=1_000, seed=1)
    for key, fig in plots.figures(tables, samples=500).items():
        fig.canvas.draw()
        drawn = fig.get_tightbbox(fig.canvas.get_renderer())  # inches; only what is drawn
        width, height = fig.get_size_inches()
        assert drawn.x0 >= 0.0, key
        assert drawn.y0 >= 0.0, key
        assert drawn.x1 <= width, key
        assert drawn.y1 <= height, key
