"""Outlook tables: stable columns, standard errors, words, JSON."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import outlook
from outlook import Scenario, simulate, summarise

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"


@pytest.fixture(scope="module")
def nk() -> outlook.Tables:
    return outlook.run_outlook(str(ARCHIVED), samples=10_000, seed=3)


def test_columns_are_stable(nk: outlook.Tables) -> None:
    """Table column names are public API."""
    assert ["horizon", "scenario", "p", "p_se", "word"] == list(nk.scenarios.columns)
    assert ["horizon", "event", "p_by", "p_by_se", "p_within", "p_within_se", "word"] == list(nk.events.columns)
    cols = ["name", "unit", "kind", "mean", "sd", "min", "p5", "p25", "p50", "p75", "p95", "max"]
    assert cols == list(nk.drivers.columns)
    assert cols == list(nk.derived.columns)
    assert ["driver", "category", "p", "p_se"] == list(nk.categories.columns)


def test_standard_error_is_binomial(nk: outlook.Tables) -> None:
    """Each probability's standard error is sqrt(p (1 - p) / n)."""
    n = nk.manifest["samples"]
    p = nk.scenarios["p"].to_numpy()
    assert np.allclose(np.sqrt(p * (1 - p) / n), nk.scenarios["p_se"].to_numpy(), rtol=0, atol=0)


def test_words_follow_the_scale(nk: outlook.Tables) -> None:
    """The word column is the ICD 203 term of p."""
    assert [outlook.estimative_word(p) for p in nk.scenarios["p"]] == nk.scenarios["word"].tolist()


def test_other_scale_changes_words_only() -> None:
    """`scale=` picks the word table; the numbers stay."""
    s = outlook.load_scenario(ARCHIVED)
    run = simulate(s, samples=5000, seed=1)
    a, b = summarise(run), summarise(run, scale="phia")
    assert a.scenarios["p"].equals(b.scenarios["p"])
    assert [outlook.estimative_word(p, "phia") for p in b.scenarios["p"]] == b.scenarios["word"].tolist()
    assert "phia" == b.manifest["scale"]


def test_within_is_difference_of_by(nk: outlook.Tables) -> None:
    """P(within a horizon's window) = P(by its end) - P(by the previous end)."""
    for _, ev in nk.events.groupby("event", sort=False):
        by = ev["p_by"].to_numpy()
        assert np.allclose(np.diff(np.concatenate([[0.0], by])), ev["p_within"].to_numpy())


def test_categories_sum_to_one(nk: outlook.Tables) -> None:
    """A categorical driver's shares sum to 1."""
    for _, g in nk.categories.groupby("driver"):
        assert math.isclose(g["p"].sum(), 1.0)


def test_manifest_identifies_the_run(nk: outlook.Tables) -> None:
    """The manifest holds the scenario hash, seed, samples and version."""
    m = nk.manifest
    s = outlook.load_scenario(ARCHIVED)
    assert (s.hash, 3, 10_000, outlook.__version__) == (
        m["scenario_hash"],
        m["seed"],
        m["samples"],
        m["outlook_version"],
    )
    assert 64 == len(m["scenario_hash"])


def test_json_is_one_object_with_row_lists(nk: outlook.Tables) -> None:
    """to_json gives every table as a list of row objects, plus the manifest."""
    data = json.loads(nk.to_json())
    assert {"scenarios", "events", "drivers", "derived", "categories", "manifest", "warnings"} == set(data)
    assert len(nk.scenarios) == len(data["scenarios"])
    assert nk.scenarios.iloc[0]["p"] == data["scenarios"][0]["p"]


def test_unknown_table_is_a_value_error(nk: outlook.Tables) -> None:
    """Asking for a table that does not exist names the ones that do."""
    with pytest.raises(ValueError, match="unknown table 'nope'; expected one of scenarios, events"):
        nk.table("nope")


def test_yes_no_driver_mean_is_its_probability() -> None:
    """A yes/no driver's mean is the share of worlds where it is yes."""
    s = Scenario.from_yaml(
        "outlook: 1\nid: t\ntitle: T\nquestion: Q\nas_of: 2024-01-01\n"
        "horizons: {a: {until: 1y}}\ndrivers: {x: {probability: 0.3}}\nscenarios: {yes: x, no: otherwise}\n"
    )
    out = summarise(simulate(s, samples=40_000, seed=2))
    row = out.drivers.iloc[0]
    assert "yes/no" == row["kind"]
    assert row["mean"] == out.scenarios.set_index("scenario").loc["yes", "p"]
    assert abs(row["mean"] - 0.3) < 4 * math.sqrt(0.21 / 40_000)


def test_event_curves_rise_and_meet_the_events_table(nk: outlook.Tables) -> None:
    """Curves start at 0, never fall, and equal the events table at every horizon end."""
    assert ["event", "time", "p_by", "p_by_se"] == list(nk.curves.columns)
    assert nk.scenario is not None
    ends = {h.id: h.until for h in nk.scenario.horizons}
    for event, curve in nk.curves.groupby("event", sort=False):
        assert 0.0 == curve["time"].iloc[0]
        assert max(ends.values()) == curve["time"].iloc[-1]
        assert (np.diff(curve["time"]) > 0).all()
        assert (np.diff(curve["p_by"]) >= 0).all()
        rows = nk.events[nk.events["event"] == event]
        for h, p in zip(rows["horizon"], rows["p_by"]):
            assert p == curve.loc[curve["time"] == ends[h], "p_by"].item()


def test_event_curve_matches_exponential_closed_form() -> None:
    """A constant hazard's curve is 1 - exp(-r t) at every time, within 4 SE."""
    s = Scenario.from_yaml(
        "outlook: 1\nid: t\ntitle: T\nquestion: Q\nas_of: 2024-01-01\n"
        "horizons: {a: {until: 2y}}\ndrivers: {r: {constant: 0.7}}\nevents: {e: {rate: r}}\nscenarios: {yes: e, no: otherwise}\n"
    )
    out = summarise(simulate(s, samples=50_000, seed=4))
    t = out.curves["time"].to_numpy()
    exact = 1 - np.exp(-0.7 * t)
    se = np.sqrt(exact * (1 - exact) / 50_000)
    assert (np.abs(out.curves["p_by"].to_numpy() - exact) <= 4 * se + 1e-12).all()


def test_curve_counts_equal_a_world_by_world_count() -> None:
    """Each curve point counts exactly the worlds whose event time is at or before it."""
    from outlook import compile_model, sample_worlds

    s = Scenario.from_yaml(
        "outlook: 1\nid: t\ntitle: T\nquestion: Q\nas_of: 2024-01-01\n"
        "horizons: {a: {until: 7 months}, b: {until: 3y}}\n"
        "drivers: {r: {range: [0.1, 2], shape: lognormal}}\n"
        "events: {e: {rate: r}, f: {by: {a: 0.2, b: 0.5}, after: {e: 3}}}\n"
        "scenarios: {yes: e, no: otherwise}\n"
    )
    model = compile_model(s)
    run = simulate(model, samples=70_000, seed=8)
    worlds = sample_worlds(model, samples=70_000, seed=8)
    grid = model.curve_times
    for k, e in enumerate(["e", "f"]):
        t = worlds[f"time_{e}"].to_numpy()
        reference = [(t <= g).sum() for g in grid]
        assert reference == run.curve_counts[k].tolist()


@settings(max_examples=80, deadline=None)
@given(
    times=st.lists(st.floats(0, 12, allow_nan=False), max_size=60),
    end=st.sampled_from([1.0, 3.0, 10.0, 7 / 12, 0.1]),
    points=st.integers(2, 130),
)
def test_curve_index_by_arithmetic_matches_searchsorted(times: list[float], end: float, points: int) -> None:
    """Grid points themselves, and values a rounding away from them, land where searchsorted puts them."""
    from outlook.model.accumulate import _curve_counts

    grid = np.linspace(0.0, end, points)
    t = np.array(times + grid.tolist() + np.nextafter(grid, np.inf).tolist() + [np.inf])
    kept = t[t <= end]
    expected = np.bincount(np.searchsorted(grid, kept, side="left"), minlength=points)
    assert expected.tolist() == _curve_counts(t, grid).tolist()


def test_a_categorical_driver_has_no_mean_or_percentiles() -> None:
    """The mean of a category's index means nothing: those cells are empty; the shares are in categories."""
    s = Scenario.from_yaml(
        "outlook: 1\nid: t\ntitle: T\nquestion: Q\nas_of: 2024-01-01\nhorizons: {h: {until: 1y}}\n"
        "drivers: {mood: {categorical: {calm: 0.2, tense: 0.8}}, x: {uniform: {min: 0, max: 1}}}\n"
        "events: {e: {rate: 1}}\nscenarios: {yes: e, no: otherwise}\n"
    )
    t = summarise(simulate(s, samples=5_000, seed=1))
    mood = t.drivers.set_index("name").loc["mood"]
    assert "categorical" == mood["kind"]
    assert mood.drop(["unit", "kind"]).isna().all()
    assert t.drivers.set_index("name").loc["x"].drop(["unit", "kind"]).notna().all()
    assert ["calm", "tense"] == t.categories["category"].tolist()
    assert None is json.loads(t.to_json())["drivers"][0]["mean"]


def test_the_manifest_is_a_typed_record_read_also_by_name(nk: outlook.Tables) -> None:
    """Named fields, the same values by name, in order; the standard-error method is a name, not a sentence."""
    m = nk.manifest
    assert isinstance(m, outlook.tables.Manifest)
    assert (m.samples, m.seed, m.chunk_size) == (m["samples"], m["seed"], m["chunk_size"]) == (10_000, 3, 65_536)
    assert ("binomial", "random", 10_000.0, ()) == (
        m.standard_error_method,
        m.sampler,
        m.effective_sample_size,
        m.overrides,
    )
    assert list(m)[:4] == ["scenario_id", "title", "scenario_hash", "overrides"]
    assert {"outlook_version", "numpy_version", "scipy_version", "pandas_version", "python_version"} <= set(m)
    with pytest.raises(KeyError):
        m["nothing"]


def test_overrides_and_the_overridden_hash_are_in_the_manifest_json_and_report() -> None:
    """A what-if's KEY=VALUE overrides and its scenario's hash are recorded everywhere the manifest is shown."""
    from outlook.report import build_report

    base = outlook.load_scenario(ARCHIVED)
    over = {"drivers.troops.range": [9000, 13000]}
    t = outlook.run_outlook(base, samples=2000, seed=1, overrides=over)
    m = t.manifest
    assert ("drivers.troops.range=[9000, 13000]",) == m.overrides
    assert base.with_overrides(over).hash == m.scenario_hash != base.hash
    data = json.loads(t.to_json())
    assert ["drivers.troops.range=[9000, 13000]"] == data["manifest"]["overrides"]
    assert m.scenario_hash == data["manifest"]["scenario_hash"]
    text, _ = build_report(t, format="markdown", figures=False)
    section = text[text.index("Run manifest") :].replace("\\[", "[").replace("\\]", "]")  # markdown escapes
    assert "drivers.troops.range=[9000, 13000]" in section
    assert m.scenario_hash in section
