"""Incremental what-ifs: recomputing only what a change reaches gives the worlds of a full draw, bit for bit.

``recompute_worlds(base_model, base_block, new_model)`` copies every node
the change cannot reach and recomputes the rest; the property is that the
result equals ``draw_worlds`` on the new model in every array, byte for
byte, and that the nodes recomputed are exactly those downstream of the
change in the new model's dependency graph (the work saved).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import outlook
from outlook import OutlookError, Scenario, SimulationError, compile_model
from outlook.model import BLOCK_SIZE, WorldBlock, dependency_graph, draw_worlds, iter_worlds
from outlook.model.incremental import NUMERIC_KINDS, iter_recomputed, plan_recompute, recompute_worlds
from outlook.scenario import DROP
from outlook.testing import tiny_scenario
from tests.strategies import scenario_dicts

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"


def _assert_same_worlds(expected: WorldBlock, actual: WorldBlock) -> None:
    """Every array of two blocks equal byte for byte, with the same keys in the same order."""
    assert expected.start == actual.start
    assert list(expected.values) == list(actual.values)
    assert list(expected.times) == list(actual.times)
    for name in expected.values:
        assert expected.values[name].tobytes() == actual.values[name].tobytes(), name
    for name in expected.times:
        assert expected.times[name].tobytes() == actual.times[name].tobytes(), name
    assert expected.labels.dtype == actual.labels.dtype
    assert expected.labels.tobytes() == actual.labels.tobytes()


def _downstream(s: Scenario, key: str) -> frozenset[str]:
    """What a change to ``key`` reaches in ``s`` (correlations not followed), numeric nodes only."""
    reached = dependency_graph(s).downstream(key, correlated=False)
    return frozenset(k for k in reached if k.split(":")[0] in NUMERIC_KINDS)


@st.composite
def _what_ifs(draw: st.DrawFn) -> tuple[Scenario, dict[str, Any], str]:
    """A generated scenario, one override of it, and the node key the override changes."""
    data = draw(scenario_dicts())
    try:
        base = Scenario.from_dict(data)
    except OutlookError:
        reject()
    choices: list[tuple[dict[str, Any], str]] = []
    for d in base.drivers:
        if d.kind == "continuous":
            lo, hi = draw(st.floats(-100, 100)), draw(st.floats(0.5, 100))
            choices.append(({f"drivers.{d.id}": {"range": [lo, lo + hi], "shape": "uniform"}}, f"driver:{d.id}"))
            choices.append(({f"drivers.{d.id}": {"constant": draw(st.floats(-10, 10))}}, f"driver:{d.id}"))
    for e in base.events:
        if e.rate is not None:
            choices.append(({f"events.{e.id}.rate": draw(st.floats(0, 3))}, f"event:{e.id}"))
        for other, _ in e.after:
            choices.append(({f"events.{e.id}.after.{other}": draw(st.floats(0, 4))}, f"event:{e.id}"))
    events = [e.id for e in base.events]
    for r in base.rules[:-1]:
        when = f"not {draw(st.sampled_from(events))}"
        choices.append(({f"scenarios.{r.id}.when": when}, f"scenario:{r.id}"))
    if not choices:
        reject()
    override, key = draw(st.sampled_from(choices))
    return base, override, key


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(what_if=_what_ifs(), seed=st.integers(0, 2**63), samples=st.integers(1, 800))
def test_recompute_equals_a_full_draw_and_recomputes_only_downstream(
    what_if: tuple[Scenario, dict[str, Any], str], seed: int, samples: int
) -> None:
    """Over generated scenarios and single overrides, recomputed worlds are a full draw's, bit for bit."""
    base, override, key = what_if
    try:
        new = base.with_overrides(override)
        base_model, new_model = compile_model(base), compile_model(new)
        base_block = draw_worlds(base_model, seed, 0, samples, total=samples)
        expected = draw_worlds(new_model, seed, 0, samples, total=samples)
    except OutlookError:
        reject()
    plan = plan_recompute(base_model, new_model)
    assert "" == plan.full
    restated = base.hash == new.hash
    assert (frozenset() if restated else _downstream(new, key)) == plan.nodes
    _assert_same_worlds(expected, recompute_worlds(base_model, base_block, new_model, seed=seed, total=samples))


def test_a_driver_that_feeds_nothing_recomputes_one_node() -> None:
    """In the bundled scenario, a new distribution for a driver that feeds nothing recomputes it alone."""
    base = outlook.load_scenario(ARCHIVED)
    new = base.with_overrides({"drivers.defence_pact": {"range": [0.2, 0.9], "shape": "uniform"}})
    base_model, new_model = compile_model(base), compile_model(new)
    plan = plan_recompute(base_model, new_model)
    assert frozenset({"driver:defence_pact"}) == plan.changed
    assert frozenset({"driver:defence_pact"}) == plan.nodes
    blocks = list(iter_worlds(base_model, samples=3000, seed=5))
    got = list(iter_recomputed(base_model, blocks, new_model, seed=5, samples=3000))
    for expected, actual in zip(iter_worlds(new_model, samples=3000, seed=5), got, strict=True):
        _assert_same_worlds(expected, actual)
        assert actual.times["further_deployment"] is blocks[0].times["further_deployment"]  # copied, not redrawn


def test_a_driver_that_reaches_no_probability_recomputes_no_event() -> None:
    """The issue's example, troops: its derived quantities are recomputed, no event and no rule."""
    base = outlook.load_scenario(ARCHIVED)
    new = base.with_overrides({"drivers.troops.range": [9000, 13000]})
    base_model, new_model = compile_model(base), compile_model(new)
    plan = plan_recompute(base_model, new_model)
    assert {"driver", "derived"} == {k.split(":")[0] for k in plan.nodes}
    assert _downstream(new, "driver:troops") == plan.nodes
    base_block = draw_worlds(base_model, 4, 0, 1000, total=1000)
    expected = draw_worlds(new_model, 4, 0, 1000, total=1000)
    got = recompute_worlds(base_model, base_block, new_model, seed=4, total=1000)
    _assert_same_worlds(expected, got)
    assert got.labels is base_block.labels


def test_a_late_driver_recomputes_what_it_reaches() -> None:
    """The bundled scenario's last driver: its event and the rules that name it, nothing upstream."""
    base = outlook.load_scenario(ARCHIVED)
    new = base.with_overrides({"drivers.unrest_rate.range": [0.002, 0.03]})
    base_model, new_model = compile_model(base), compile_model(new)
    plan = plan_recompute(base_model, new_model)
    assert _downstream(new, "driver:unrest_rate") == plan.nodes
    assert len(plan.nodes) < len(new.drivers) + len(new.derived) + len(new.events)
    base_block = draw_worlds(base_model, 2, 0, 2000, total=2000)
    expected = draw_worlds(new_model, 2, 0, 2000, total=2000)
    _assert_same_worlds(expected, recompute_worlds(base_model, base_block, new_model, seed=2, total=2000))


_CORRELATED = tiny_scenario(
    drivers={
        "a": {"range": [1, 2], "shape": "uniform"},
        "b": {"range": [1, 3], "shape": "lognormal"},
        "c": {"range": [0, 1], "shape": "uniform"},
    },
    correlations=[["a", "b", 0.5]],
    events={"e": {"rate": "a / 10"}, "f": {"rate": "b / 10", "after": {"e": 2.0}}},
    rules={"both": "e and f", "rest": "otherwise"},
)


@pytest.mark.parametrize(
    ("override", "nodes"),
    [
        ({"drivers.a.range": [1, 4]}, {"driver:a", "event:e", "event:f", "scenario:both", "scenario:rest"}),
        ({"correlations[0]": ["a", "b", 0.2]}, {"driver:a", "driver:b", "event:e", "event:f"}),
        ({"correlations[0]": DROP}, {"driver:a", "driver:b", "event:e", "event:f"}),
        ({"correlations": DROP}, {"driver:a", "driver:b", "event:e", "event:f"}),
        ({"drivers.c": {"constant": 1}}, {"driver:c"}),
        ({"drivers.z": {"constant": 1}}, {"driver:z"}),
        ({"drivers.c": DROP}, set()),
        ({"events.f.after.e": 3.0}, {"event:f", "scenario:both", "scenario:rest"}),
        ({"drivers.a.label": "A"}, set()),
    ],
    ids=[
        "correlated-range",
        "correlation",
        "last-pair-dropped",
        "all-dropped",
        "constant",
        "added",
        "removed",
        "after",
        "label",
    ],
)
def test_correlated_added_and_removed_nodes(override: dict[str, Any], nodes: set[str]) -> None:
    """A correlated driver's own range moves it alone; a correlation moves its group; added nodes are drawn."""
    base_model = compile_model(_CORRELATED)
    new_model = compile_model(_CORRELATED.with_overrides(override))
    plan = plan_recompute(base_model, new_model)
    expected_nodes = set(nodes)
    if "event:f" in nodes or "event:e" in nodes:
        expected_nodes |= {"scenario:both", "scenario:rest"}
    assert expected_nodes == set(plan.nodes)
    total = BLOCK_SIZE + 100  # a range across two seeding blocks, the second one short
    base_block = draw_worlds(base_model, 9, BLOCK_SIZE - 50, total, total=total)
    expected = draw_worlds(new_model, 9, BLOCK_SIZE - 50, total, total=total)
    _assert_same_worlds(expected, recompute_worlds(base_model, base_block, new_model, seed=9, total=total))


@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_quasi_random_samplers_draw_in_full(sampler: str) -> None:
    """A quasi-random point set serves every node of a block: a what-if is drawn in full, and says so."""
    base_model = compile_model(_CORRELATED)
    new_model = compile_model(_CORRELATED.with_overrides({"drivers.c": {"constant": 1}}))
    plan = plan_recompute(base_model, new_model, sampler=sampler)
    assert f"sampler {sampler}" == plan.full
    base_block = draw_worlds(base_model, 1, 0, 500, total=500, sampler=sampler)
    expected = draw_worlds(new_model, 1, 0, 500, total=500, sampler=sampler)
    got = recompute_worlds(base_model, base_block, new_model, seed=1, total=500, sampler=sampler)
    _assert_same_worlds(expected, got)


def test_changed_horizons_draw_in_full() -> None:
    """A horizon's end decides labels and ``by`` hazards: the worlds are drawn in full."""
    base_model = compile_model(_CORRELATED)
    new_model = compile_model(_CORRELATED.with_overrides({"horizons.soon.until": "2y"}))
    plan = plan_recompute(base_model, new_model)
    assert "horizons changed" == plan.full
    base_block = draw_worlds(base_model, 1, 0, 300, total=300)
    expected = draw_worlds(new_model, 1, 0, 300, total=300)
    _assert_same_worlds(expected, recompute_worlds(base_model, base_block, new_model, seed=1, total=300))


def test_a_recomputed_node_raises_the_full_draws_error() -> None:
    """A what-if whose rate goes negative raises the located error a full draw raises, word for word."""
    base_model = compile_model(_CORRELATED)
    new_model = compile_model(_CORRELATED.with_overrides({"events.e.rate": "a - 10"}))
    with pytest.raises(SimulationError) as full:
        draw_worlds(new_model, 1, 0, 100, total=100)
    base_block = draw_worlds(base_model, 1, 0, 100, total=100)
    with pytest.raises(SimulationError) as incremental:
        recompute_worlds(base_model, base_block, new_model, seed=1, total=100)
    assert str(full.value) == str(incremental.value)


def test_no_change_copies_every_array() -> None:
    """A what-if that restates the file recomputes nothing: the base block's arrays, as they are."""
    model = compile_model(_CORRELATED)
    block = draw_worlds(model, 1, 0, 100, total=100)
    same = compile_model(_CORRELATED.with_overrides({"drivers.a.range": [1.0, 2.0]}))
    got = recompute_worlds(model, block, same, seed=1, total=100)
    assert frozenset() == plan_recompute(model, same).nodes
    assert all(got.values[k] is block.values[k] for k in block.values)
    assert got.labels is block.labels
    assert np.array_equal(got.labels, block.labels)


@pytest.mark.parametrize("by", [{"soon": 1.0}, {"soon": 1.0, "later": 1.0}], ids=["one-segment", "two-segments"])
def test_a_certain_event_stopped_by_another_warns_of_nothing(by: dict[str, float]) -> None:
    """Found by the property above: a ``by`` probability of 1 (an infinite hazard) times an ``after`` factor 0.

    The product is nan, which the inversion already reads as "nothing accumulates"; it must not
    escape as a RuntimeWarning (an error under ``filterwarnings = error``).
    """
    s = tiny_scenario(
        horizons={"soon": {"until": "1y"}, "later": {"until": "2y"}},
        events={"e": {"rate": 1}, "f": {"by": by, "after": {"e": 0}}},
    )
    w = draw_worlds(compile_model(s), 0, 0, 1000, total=1000)
    assert bool((w.times["f"] == 0.0).all())  # an infinite hazard from the start: at once


def test_a_total_smaller_than_the_block_is_refused() -> None:
    """The block does not record its run's sample count; one that cannot be it is refused in one line."""
    model = compile_model(_CORRELATED)
    block = draw_worlds(model, 1, 0, 100, total=100)
    with pytest.raises(ValueError, match=r"^total must") as info:
        recompute_worlds(model, block, model, seed=1, total=50)
    assert "total must be the base run's sample count, at least 100 for this block (got 50)" == str(info.value)


def test_a_block_from_another_seed_sampler_run_or_scenario_is_refused() -> None:
    """Recomputed nodes from one seed and copied ones from another would match no full draw, silently."""
    from outlook.model import compile_model, draw_worlds
    from outlook.model.incremental import recompute_worlds
    from outlook.scenario import load_scenario
    from outlook.testing import tiny_scenario

    s = load_scenario(ARCHIVED)
    base, new = compile_model(s), compile_model(s.with_overrides({"drivers.troops.range": [9000, 13000]}))
    block = draw_worlds(base, 1, 0, 1000, total=1000)
    for kwargs, message in [
        ({"seed": 2, "total": 1000}, "the base block was drawn with seed 1, not 2: give the base run's own seed"),
        (
            {"seed": 1, "total": 2000},
            "the base block was drawn with total 1000, not 2000: give the base run's own total",
        ),
        (
            {"seed": 1, "total": 1000, "sampler": "sobol"},
            "the base block was drawn with sampler 'random', not 'sobol': give the base run's own sampler",
        ),
    ]:
        with pytest.raises(ValueError, match=r"^the base block was drawn with ") as info:
            recompute_worlds(base, block, new, **kwargs)  # type: ignore[arg-type]
        assert str(info.value) == message
    other = compile_model(
        tiny_scenario(drivers={"r": {"range": [0.1, 0.3], "shape": "uniform"}}, events={"it": {"rate": "r"}})
    )
    with pytest.raises(
        ValueError, match=r"^the base block was drawn from another scenario \(hash [0-9a-f]{16}, not base_model's"
    ):
        recompute_worlds(base, draw_worlds(other, 1, 0, 1000, total=1000), new, seed=1, total=1000)
    result = recompute_worlds(base, block, new, seed=1, total=1000)
    assert result.scenario_hash == new.scenario.hash
