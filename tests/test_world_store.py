"""The world store: the worlds sample_worlds gives are the very worlds the tables summarise, exactly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import outlook
from outlook import OutlookError, Scenario, compile_model, sample_worlds, simulate, summarise
from outlook.model import PERCENTILES
from tests.strategies import scenario_dicts


def _assert_store_equals_tables(s: Scenario, samples: int, seed: int, sampler: str, chunk: int) -> None:
    """Each table number is the same share, or the same numpy.quantile, of the stored worlds (==)."""
    tables = summarise(simulate(s, samples=samples, seed=seed, sampler=sampler, chunk_size=chunk))
    worlds = sample_worlds(s, samples=samples, seed=seed, sampler=sampler, chunk_size=chunk)
    assert samples == len(worlds)
    assert (worlds["weight"] == 1.0).all()
    ends = compile_model(s).horizon_ends
    for row in tables.scenarios.itertuples():
        assert row.p == np.count_nonzero(worlds[f"scenario@{row.horizon}"] == row.scenario) / samples
    hz = {h.id: i for i, h in enumerate(s.horizons)}
    for row in tables.events.itertuples():
        assert row.p_by == np.count_nonzero(worlds[f"time_{row.event}"] <= ends[hz[row.horizon]]) / samples
    levels = [q / 100 for q in PERCENTILES]
    for frame in (tables.drivers, tables.derived):
        for row in frame.itertuples():
            if row.kind == "categorical":
                continue
            horizon = getattr(row, "horizon", "")  # a derived quantity of t: a column per horizon (format 1.1)
            x = worlds[f"{row.name}@{horizon}" if horizon else row.name].to_numpy(dtype=np.float64)
            expected = np.quantile(x, levels, method="linear")
            got = np.array([getattr(row, f"p{q}") for q in PERCENTILES])
            assert (expected == got).all(), row.name
            assert (row.min, row.max) == (x.min(), x.max())
    for row in tables.categories.itertuples():
        assert row.p == np.count_nonzero(worlds[row.driver] == row.category) / samples


@pytest.mark.parametrize(("sampler", "chunk"), [("random", 65_536), ("random", 200_000), ("sobol", 65_536)])
def test_the_bundled_store_equals_its_tables(sampler: str, chunk: int) -> None:
    """nk-troops-russia: scenario shares, event shares and exact percentiles of the store are the tables'."""
    s = outlook.load_scenario(outlook.find_scenario("nk-troops-russia"))
    _assert_store_equals_tables(s, 70_000, 11, sampler, chunk)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=scenario_dicts(),
    seed=st.integers(0, 2**32),
    samples=st.integers(1, 3000),
    sampler=st.sampled_from(["random", "sobol"]),
)
def test_a_generated_store_equals_its_tables(data: dict[str, Any], seed: int, samples: int, sampler: str) -> None:
    """Any valid scenario, seed, sample count and sampler: the store and the tables agree exactly."""
    try:
        s = Scenario.from_dict(data)
        _assert_store_equals_tables(s, samples, seed, sampler, 65_536)
    except OutlookError:
        reject()  # e.g. a drawn value that overflows


def test_the_store_has_a_scenario_label_per_horizon_and_a_weight() -> None:
    """Columns: quantities, time_<event>, scenario@<horizon> (categorical of scenario ids), weight; attrs."""
    s = outlook.load_scenario(outlook.find_scenario("nk-troops-russia"))
    worlds = sample_worlds(s, samples=500, seed=2)
    labels = [c for c in worlds.columns if c.startswith("scenario@")]
    assert [f"scenario@{h.id}" for h in s.horizons] == labels
    for c in labels:
        assert isinstance(worlds[c].dtype, pd.CategoricalDtype)
        assert [r.id for r in s.rules] == list(worlds[c].cat.categories)
    assert "weight" == worlds.columns[-1]
    assert {"seed": 2, "samples": 500, "sampler": "random", "scenario_hash": s.hash} == worlds.attrs


def test_tables_carry_the_runs_first_worlds() -> None:
    """Tables.worlds: the run's first 20,000 worlds as drawn, the same for any chunk size or worker count."""
    s = outlook.load_scenario(outlook.find_scenario("nk-troops-russia"))
    one = outlook.run_outlook(s, samples=70_000, seed=6)
    assert one.worlds is not None
    assert one.worlds.equals(sample_worlds(s, samples=20_000, seed=6))
    two = outlook.run_outlook(s, samples=70_000, seed=6, chunk_size=200_000, workers=2)
    assert two.worlds is not None
    assert one.worlds.equals(two.worlds)
    small = outlook.run_outlook(s, samples=300, seed=6, sampler="lhs")
    assert small.worlds is not None
    assert small.worlds.equals(sample_worlds(s, samples=300, seed=6, sampler="lhs"))


def test_figures_and_report_read_the_runs_worlds(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report's figures simulate nothing again: they read the worlds the tables carry.

    The one exception is the "What drives the outlook" section, whose indices need
    every world of the run and not the stored first 20,000: it draws the run's own
    worlds again (same seed, same count, same sampler, so the very same worlds) and
    never any others. The analytic-confidence section is no figure: it is its own
    nested estimate (outer draws of the drivers, inner runs), computed here before
    the count, as the report computes it (whether its module was imported before the
    patch below or after it must not decide the test).
    """
    import outlook.model.worlds
    import outlook.plots.worlds
    import outlook.report.build
    from outlook.report import build_report
    from outlook.report.confidence import report_confidence

    tables = outlook.run_outlook("nk-troops-russia", samples=5000, seed=1)
    conf = report_confidence(tables)
    monkeypatch.setattr(outlook.report.build, "report_confidence", lambda _: conf)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("figures simulated again")

    for module in (outlook.model.worlds, outlook.plots.worlds, outlook.model):
        monkeypatch.setattr(module, "sample_worlds", refuse)
    draw = outlook.model.worlds.draw_worlds
    calls: list[tuple[object, ...]] = []

    def record(model: object, seed: int, start: int, stop: int, **kwargs: object) -> object:
        calls.append((seed, kwargs.get("total"), kwargs.get("sampler")))
        return draw(model, seed, start, stop, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(outlook.model.worlds, "draw_worlds", record)
    html = build_report(tables, format="html")
    assert "<img" in html or "<svg" in html
    assert calls, "the drivers section should draw the run's worlds for its indices"
    assert set(calls) == {(1, 5000, "random")}
