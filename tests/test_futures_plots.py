"""outlook.plots.futures_grid and cone_fan: what they draw, found by gid."""

from __future__ import annotations

import pytest

import outlook
from outlook.plots import cone_fan, figure_bytes, futures_grid
from outlook.testing import tiny_scenario

AXES = {
    "a": {"when": "a", "high": "A", "low": "no A"},
    "b": {"when": "a or b", "high": "B", "low": "no B"},
}


def _gids(fig):
    return {a.get_gid() for ax in fig.axes for a in ax.get_children() if a.get_gid()}


def test_grid_draws_four_quadrants_and_hatches_the_empty_one():
    s = tiny_scenario(
        outlook=1.1, events={"a": {"rate": 0.7}, "b": {"rate": 0.4}}, futures={"horizon": "soon", "axes": AXES}
    )
    fig = futures_grid(outlook.futures(s, samples=1_000, seed=1))
    patches = {p.get_gid(): p for p in fig.axes[0].patches if p.get_gid()}
    assert set(patches) == {f"quadrant.a_{x}.b_{y}" for x in ("high", "low") for y in ("high", "low")}
    assert patches["quadrant.a_high.b_low"].get_hatch() == "//"
    assert patches["quadrant.a_high.b_high"].get_hatch() is None
    assert figure_bytes(fig)[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="unknown pair"):
        futures_grid(outlook.futures(s, samples=100), pair="a x z")


def test_fan_draws_a_band_per_scenario_and_the_baseline():
    s = tiny_scenario(
        outlook=1.1,
        events={"a": {"rate": 0.7}, "b": {"rate": 0.02, "impact": "high"}},
        horizons={"near": {"until": "1y"}, "far": {"until": "3y"}},
    )
    fig = cone_fan(outlook.cone(s, samples=2_000, seed=1))
    gids = _gids(fig)
    assert {"band.a_happens", "band.b_happens", "band.rest", "baseline.near", "baseline.far"} <= gids
    assert "wildcard.near" in gids
    assert figure_bytes(fig, "svg")[:5] == b"<?xml"
