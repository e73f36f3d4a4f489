"""The key assumptions dumbbell: the table's numbers, the word bands, greyscale, deterministic bytes."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from outlook import Scenario, plots
from outlook.analysis.assumptions import AssumptionsCheck, assumptions_check
from outlook.words import get_scale

FILE = """\
outlook: 1.1
id: tiny
title: Tiny
question: Does it happen?
as_of: 2024-01-01
horizons: {soon: {until: 1y}, later: {until: 2y}}
drivers: {r: 0.3, idle: 3}
events: {it: {rate: r}}
scenarios: {happens: it, rest: otherwise}
assumptions:
  slow: {statement: The rate stays low., rating: unsupported, if_false: {drivers.r: 0.9}}
  idle_known: {statement: Idle is three., rating: solid, if_false: {drivers.idle: 7}}
"""


@pytest.fixture(scope="module")
def check() -> AssumptionsCheck:
    return assumptions_check(Scenario.from_yaml(FILE), samples=3_000, seed=1)


def _by_gid(fig: Figure, prefix: str) -> dict[str, object]:
    out = {}
    for a in fig.findobj():
        gid = a.get_gid()
        if gid and gid.startswith(prefix):
            out[gid] = a
    return out


def test_markers_sit_at_the_tables_probabilities(check: AssumptionsCheck) -> None:
    fig = plots.assumptions_dumbbell(check)
    t = check.table
    order = t.assign(_abs=t["delta"].abs()).sort_values(["flip", "_abs"], ascending=False, kind="stable")
    base, alt = _by_gid(fig, "base."), _by_gid(fig, "alt.")
    assert len(base) == len(alt) == len(t) == 12
    for i, row in enumerate(order.itertuples()):
        assert base[f"base.{i}"].get_xdata()[0] == row.p_base  # type: ignore[attr-defined]
        assert alt[f"alt.{i}"].get_xdata()[0] == row.p_alt  # type: ignore[attr-defined]
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()][::-1]
    assert labels[0].endswith(", flips")
    assert labels[0].startswith("slow: ")
    assert labels[-1].startswith("idle_known: ")


def test_the_word_bands_are_shaded_in_alternating_greys(check: AssumptionsCheck) -> None:
    fig = plots.assumptions_dumbbell(check)
    bands = _by_gid(fig, "word-band.")
    scale = get_scale("icd203")
    assert len(bands) == len(scale.bands)
    greys = [bands[f"word-band.{j}"].get_facecolor()[:3] for j in range(len(scale.bands))]  # type: ignore[attr-defined]
    assert all(r == g == b for r, g, b in greys)
    assert all(greys[j] != greys[j + 1] for j in range(len(greys) - 1))


def test_rows_are_capped_and_the_title_says_so(check: AssumptionsCheck) -> None:
    fig = plots.assumptions_dumbbell(check, rows=4)
    assert len(_by_gid(fig, "base.")) == 4
    assert fig.axes[0].get_title().endswith("(the 4 largest of 12)")
    with pytest.raises(ValueError, match="rows must be a positive whole number"):
        plots.assumptions_dumbbell(check, rows=0)


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_dumbbell_bytes_are_deterministic(check: AssumptionsCheck, fmt: str) -> None:
    a = plots.figure_bytes(plots.assumptions_dumbbell(check), fmt)
    assert a == plots.figure_bytes(plots.assumptions_dumbbell(check), fmt)
