"""sample_worlds, simulate and iter_worlds take a Model, a Scenario, or a scenario file's path or bundled id."""

from __future__ import annotations

import pytest


def test_sample_worlds_and_simulate_take_a_path_or_id(tmp_path: object) -> None:
    """A fresh reader tried sample_worlds("mix.yaml") and got an AttributeError: a path or id is loaded."""
    import outlook

    a = outlook.sample_worlds("outbreak-vaccine-race", samples=2000, seed=1)
    b = outlook.sample_worlds(
        outlook.compile_model(outlook.load_scenario("outbreak-vaccine-race")), samples=2000, seed=1
    )
    assert a.equals(b)
    path = outlook.find_scenario("outbreak-vaccine-race")
    assert outlook.sample_worlds(path, samples=2000, seed=1).equals(a)
    assert outlook.simulate(str(path), samples=2000, seed=1).samples == 2000
    with pytest.raises(
        TypeError, match=r"expected a Model, a Scenario, or a scenario file's path or bundled id \(got int\)"
    ):
        outlook.sample_worlds(3, samples=10)  # type: ignore[arg-type]


def test_the_analyses_on_worlds_take_a_path_or_id() -> None:
    """tornado, first_order_indices and discover take what sample_worlds takes (they raised AttributeError)."""
    import outlook
    from outlook.analysis import discover, first_order_indices, tornado

    m = outlook.compile_model(outlook.load_scenario("outbreak-vaccine-race"))
    target = f"{m.scenario.rules[0].id}@{m.scenario.horizons[0].id}"
    a = first_order_indices("outbreak-vaccine-race", samples=20_000, seed=1)
    assert a.equals(first_order_indices(m, samples=20_000, seed=1))
    t = tornado("outbreak-vaccine-race", target=target, samples=20_000, seed=1)
    assert t.table.equals(tornado(m, target=target, samples=20_000, seed=1).table)
    d = discover("outbreak-vaccine-race", target=target, samples=20_000, seed=1)
    assert d is not None
