"""The sensitivity figures: labelled, one bar per driver and side, the same bytes every time."""

from __future__ import annotations

import pytest

from outlook.analysis import first_order_indices, tornado
from outlook.plots import figure_bytes, indices_bars, tornado_chart
from outlook.testing import tiny_scenario


@pytest.fixture(scope="module")
def scenario() -> object:
    return tiny_scenario(
        drivers={"r": {"uniform": {"min": 0.1, "max": 0.5}}, "m": {"uniform": {"min": 1.0, "max": 3.0}}},
        events={"e": {"rate": "r * m"}},
    )


def test_tornado_chart_bars_and_bytes(scenario: object) -> None:
    t = tornado(scenario, "e@soon", samples=4_096, seed=1)
    fig = tornado_chart(t)
    gids = {a.get_gid() for a in fig.axes[0].patches}
    assert {"low.r", "high.r", "low.m", "high.m"} <= gids
    assert fig.axes[0].get_xlabel() == "probability of e@soon"
    assert figure_bytes(tornado_chart(t)) == figure_bytes(fig)
    assert figure_bytes(tornado_chart(t), "svg") == figure_bytes(fig, "svg")


def test_indices_bars(scenario: object) -> None:
    ind = first_order_indices(scenario, samples=8_192, seed=1)
    fig = indices_bars(ind, "e@soon")
    assert {a.get_gid() for a in fig.axes[0].patches} == {"s1.r", "s1.m"}
    assert figure_bytes(indices_bars(ind, "e@soon")) == figure_bytes(fig)
    with pytest.raises(ValueError, match=r"^no indices for target 'x@soon' in the table$"):
        indices_bars(ind, "x@soon")
