"""Weighted summaries of a world store, against closed forms: p = sum w 1{.} / sum w, Kish's n_eff."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import outlook
from outlook import compile_model, sample_worlds, simulate, summarise, summarise_worlds
from outlook.model.quantiles import weighted_quantile
from outlook.model.standard_errors import check_weights, effective_sample_size
from outlook.testing import tiny_scenario

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"

LEVELS = [0.05, 0.25, 0.5, 0.75, 0.95]


@pytest.fixture(scope="module")
def nk() -> outlook.Scenario:
    return outlook.load_scenario(ARCHIVED)


@pytest.fixture(scope="module")
def nk_worlds(nk: outlook.Scenario) -> object:
    return sample_worlds(nk, samples=70_000, seed=4)


TABLES = ("scenarios", "events", "drivers", "derived", "categories", "curves")


def test_all_ones_give_the_run_tables_exactly(nk: outlook.Scenario, nk_worlds: object) -> None:
    """Weights of 1 (or none) over a run's worlds: every table equals summarise(simulate(...)), ==."""
    run = summarise(simulate(nk, samples=70_000, seed=4))
    ones = summarise_worlds(nk, nk_worlds, weights=np.ones(70_000))  # type: ignore[arg-type]
    none = summarise_worlds(nk, nk_worlds)  # type: ignore[arg-type]
    for name in TABLES:
        assert getattr(run, name).equals(getattr(ones, name)), name
        assert getattr(none, name).equals(getattr(ones, name)), name
    assert 70_000.0 == ones.manifest["effective_sample_size"] == run.manifest["effective_sample_size"]
    assert 4 == ones.manifest["seed"]
    assert () == ones.warnings


def test_all_ones_give_a_sobol_runs_probabilities_exactly(nk: outlook.Scenario) -> None:
    """Under sobol the probabilities and percentiles agree exactly (the run's errors are measured between blocks)."""
    run = summarise(simulate(nk, samples=5000, seed=1, sampler="sobol"))
    mine = summarise_worlds(nk, sample_worlds(nk, samples=5000, seed=1, sampler="sobol"))
    assert run.scenarios["p"].equals(mine.scenarios["p"])
    assert run.events[["p_by", "p_within"]].equals(mine.events[["p_by", "p_within"]])
    assert run.drivers.equals(mine.drivers)


def test_indicator_weights_give_conditional_probabilities(nk: outlook.Scenario, nk_worlds: object) -> None:
    """w = 1{x > c}: the tables of the worlds where x > c, computed here by hand from the worlds."""
    worlds = nk_worlds
    name = nk.drivers[0].id if nk.drivers[0].kind == "continuous" else nk.derived[0].id
    x = worlds[name].to_numpy()  # type: ignore[index]
    c = float(np.median(x))
    keep = x > c
    out = summarise_worlds(nk, worlds, weights=keep.astype(float))  # type: ignore[arg-type]
    m = int(keep.sum())
    assert float(m) == out.manifest["effective_sample_size"]
    for row in out.scenarios.itertuples():
        hit = np.count_nonzero(worlds[f"scenario@{row.horizon}"].to_numpy()[keep] == row.scenario)  # type: ignore[index]
        assert row.p == hit / m
        assert row.p_se == math.sqrt(row.p * (1 - row.p) / m)
    ends = dict(zip([h.id for h in nk.horizons], compile_model(nk).horizon_ends))
    for row in out.events.itertuples():
        t = worlds[f"time_{row.event}"].to_numpy()[keep]  # type: ignore[index]
        assert row.p_by == np.count_nonzero(t <= ends[row.horizon]) / m
    for row in out.drivers.itertuples():
        if row.kind != "categorical":
            v = worlds[row.name].to_numpy(dtype=float)[keep]  # type: ignore[index]
            assert [getattr(row, f"p{q}") for q in (5, 25, 50, 75, 95)] == np.quantile(v, LEVELS).tolist()
            assert row.mean == pytest.approx(v.mean(), rel=1e-12)
            assert row.sd == pytest.approx(v.std(ddof=1), rel=1e-12)
            assert (row.min, row.max) == (v.min(), v.max())


def test_importance_weights_give_the_shifted_distribution() -> None:
    """u ~ U(0, 2) reweighted by f_new / f_old to U(0.5, 1.5): P(event by T) = 1 - (e^-0.5T - e^-1.5T) / T."""
    s = tiny_scenario(drivers={"u": {"uniform": [0, 2]}}, events={"it": {"rate": "u"}})
    worlds = sample_worlds(s, samples=40_000, seed=8)
    u = worlds["u"].to_numpy()
    w = np.where((u >= 0.5) & (u <= 1.5), 1.0 / 0.5, 0.0)  # f_new = 1 on [0.5, 1.5], f_old = 1/2 on [0, 2]
    out = summarise_worlds(s, worlds, weights=w)
    t_end = float(compile_model(s).horizon_ends[0])
    exact = 1 - (math.exp(-0.5 * t_end) - math.exp(-1.5 * t_end)) / t_end
    row = out.events.iloc[0]
    assert abs(row["p_by"] - exact) < 4 * row["p_by_se"]
    assert 0.4 < out.manifest["effective_sample_size"] / 40_000 < 0.6
    d = out.drivers.iloc[0]
    assert d["mean"] == pytest.approx(1.0, abs=0.01)
    assert d["p50"] == pytest.approx(1.0, abs=0.02)
    assert d["sd"] == pytest.approx(1 / math.sqrt(12), rel=0.02)  # the sd of U(0.5, 1.5)
    assert (d["min"], d["max"]) == pytest.approx((0.5, 1.5), abs=1e-3)


def test_few_effective_worlds_warn_to_simulate_again() -> None:
    """An effective sample size below 10% of the worlds is stated in the warnings."""
    s = tiny_scenario(drivers={"u": {"uniform": [0, 2]}}, events={"it": {"rate": "u"}})
    worlds = sample_worlds(s, samples=1000, seed=8)
    w = (worlds["u"].to_numpy() < 0.1).astype(float)
    out = summarise_worlds(s, worlds, weights=w)
    n_eff = out.manifest["effective_sample_size"]
    assert n_eff == float(w.sum()) < 100
    assert (
        f"the weights leave an effective sample size of {n_eff:,.1f} of 1,000 worlds (below 10%): few worlds "
        "carry the weight; simulate the new assumptions instead",
    ) == out.warnings


@pytest.mark.parametrize(
    ("weights", "n_eff"),
    [([1.0, 1.0, 2.0, 2.0], 3.6), ([3.0, 3.0, 3.0], 3.0), ([0.0, 5.0, 0.0, 5.0, 5.0], 3.0), ([0.0, 0.0, 7.0], 1.0)],
)
def test_kish_effective_sample_size(weights: list[float], n_eff: float) -> None:
    """n_eff = (sum w)^2 / sum w^2 (Kish 1965)."""
    assert n_eff == pytest.approx(effective_sample_size(np.array(weights)), rel=1e-15)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 101, 4096])
def test_unit_weights_give_numpys_linear_quantile_exactly(n: int) -> None:
    """The weighted type 7 reduces to numpy.quantile(method="linear") bit for bit, ties included."""
    x = np.random.default_rng(n).normal(size=n)
    x[: n // 3] = x[0]
    levels = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0]
    assert np.quantile(x, levels, method="linear").tolist() == weighted_quantile(x, np.ones(n), levels).tolist()


def test_integer_weights_act_as_repeated_worlds_at_the_extremes() -> None:
    """Weighted quantiles of [1, 2, 3] with weights [1, 0, 2]: C = [0, 1], h = p * 1; the median is 2.0."""
    x, w = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 2.0])
    assert [1.0, 2.0, 3.0] == weighted_quantile(x, w, [0.0, 0.5, 1.0]).tolist()


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([1.0, 2.0], "weights must have shape (3,), one for each world (got shape (2,))"),
        ([[1.0, 2.0, 3.0]], "weights must have shape (3,), one for each world (got shape (1, 3))"),
        ([1.0, float("nan"), 1.0], "weights must be finite numbers (world 1 has nan)"),
        ([1.0, 1.0, float("inf")], "weights must be finite numbers (world 2 has inf)"),
        ([1.0, -0.5, 1.0], "weights must not be negative (world 1 has -0.5)"),
        ([0.0, 0.0, 0.0], "weights must not all be 0: no world would count"),
        (["a", "b", "c"], "weights must be real numbers or booleans, one for each of the 3 worlds (got list of <U1)"),
    ],
)
def test_bad_weights_are_refused_in_one_line(weights: object, message: str) -> None:
    """Weights are checked: shape (n,), finite, none negative, not all 0."""
    with pytest.raises(ValueError, match=r"^weights must") as info:
        check_weights(weights, 3)
    assert message == str(info.value)


def test_summarise_worlds_checks_weights_and_columns(nk: outlook.Scenario) -> None:
    """The public entry refuses bad weights and a frame that is not a world store of the scenario."""
    worlds = sample_worlds(nk, samples=100, seed=0)
    with pytest.raises(ValueError, match=r"^weights must not be negative \(world 0 has -1.0\)$"):
        summarise_worlds(nk, worlds, weights=-np.ones(100))
    with pytest.raises(ValueError, match=r"^worlds has no column for scenario@"):
        summarise_worlds(nk, worlds.drop(columns=[f"scenario@{nk.horizons[0].id}"]))


def test_worlds_from_another_scenario_are_refused() -> None:
    """A what-if summarised over the base run's worlds would carry the what-if's name over the base's numbers."""
    import outlook

    base = outlook.load_scenario(ARCHIVED)
    worlds = outlook.sample_worlds(base, samples=2_000, seed=1)
    what_if = base.with_overrides({"drivers.troops.range": [9000, 13000]})
    with pytest.raises(
        ValueError, match=r"^worlds were drawn from another scenario \(hash [0-9a-f]{16}, not [0-9a-f]{16}\)"
    ):
        outlook.summarise_worlds(what_if, worlds)


def test_a_series_of_weights_must_have_the_worlds_index() -> None:
    import outlook

    s = outlook.load_scenario(ARCHIVED)
    worlds = outlook.sample_worlds(s, samples=2_000, seed=1)
    w = (worlds["troops"] > 10_000).astype(float)
    aligned = outlook.summarise_worlds(s, worlds, weights=w)
    with pytest.raises(ValueError, match=r"^weights is a Series whose index is not the worlds' index"):
        outlook.summarise_worlds(s, worlds, weights=w.sample(frac=1, random_state=0))
    assert aligned.scenarios.equals(outlook.summarise_worlds(s, worlds, weights=w.to_numpy()).scenarios)


def test_the_stores_weight_column_is_used_when_no_weights_are_given() -> None:
    import outlook

    s = outlook.load_scenario(ARCHIVED)
    worlds = outlook.sample_worlds(s, samples=2_000, seed=1)
    w = (worlds["troops"] > 10_000).astype(float)
    weighted = worlds.assign(weight=w)
    expected = outlook.summarise_worlds(s, worlds, weights=w.to_numpy())
    got = outlook.summarise_worlds(s, weighted)
    assert got.scenarios.equals(expected.scenarios)
    assert got.manifest["effective_sample_size"] == float(w.sum())


def test_a_weighted_report_says_it_is_weighted() -> None:
    import outlook
    from outlook.report import build_report

    s = outlook.load_scenario(ARCHIVED)
    worlds = outlook.sample_worlds(s, samples=2_000, seed=1)
    w = (worlds["troops"] > 10_000).astype(float)
    text, _ = build_report(outlook.summarise_worlds(s, worlds, weights=w), format="markdown", figures=False)
    assert (
        f"**Weighted.** The worlds are weighted (reweighted or conditioned): they count as {w.sum():,.0f} equally"
        in text
    )
    plain, _ = build_report(outlook.summarise_worlds(s, worlds), format="markdown", figures=False)
    assert "**Weighted.**" not in plain


@pytest.mark.parametrize("scale", [1e-200, 1e-320, 1e308])
def test_only_ratios_of_weights_matter_at_the_ends_of_the_floats(scale: float) -> None:
    """Weights near 1e-320 or 1e308 (finite, valid) give the tables of unit weights, not a crash."""
    import outlook

    s = outlook.load_scenario(ARCHIVED)
    worlds = outlook.sample_worlds(s, samples=500, seed=1)
    got = outlook.summarise_worlds(s, worlds, weights=np.full(500, scale))
    ones = outlook.summarise_worlds(s, worlds, weights=np.ones(500))
    assert got.scenarios.equals(ones.scenarios)
    assert got.manifest["effective_sample_size"] == 500.0


@pytest.mark.parametrize(
    ("weights", "kind"),
    [(["1"] * 500, "<U1"), (np.ones(500, dtype=complex), "complex128"), (list(range(500)), None)],
)
def test_weights_are_real_numbers(weights: object, kind: str | None) -> None:
    import outlook

    s = outlook.load_scenario(ARCHIVED)
    worlds = outlook.sample_worlds(s, samples=500, seed=1)
    if kind is None:
        outlook.summarise_worlds(s, worlds, weights=weights)  # ints are numbers
        return
    with pytest.raises(
        ValueError,
        match=rf"^weights must be real numbers or booleans, one for each of the 500 worlds \(got \w+ of {kind}\)$",
    ):
        outlook.summarise_worlds(s, worlds, weights=weights)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (
            "us_election",
            "bogus",
            "worlds column us_election holds a value that is not one of ['harris', 'trump'] (row 0: 'bogus')",
        ),
        ("troops", np.nan, "worlds column troops holds a value that is not a finite number (row 0: nan)"),
        (
            "time_ceasefire",
            -5.0,
            "worlds column time_ceasefire holds a time that is not 0 or more years (or inf: never) (row 0: -5.0)",
        ),
        ("time_ceasefire", "abc", "worlds column time_ceasefire holds a value that is not a number (row 0: 'abc')"),
    ],
)
def test_a_store_with_values_no_run_could_draw_is_refused(column: str, value: object, message: str) -> None:
    import outlook

    s = outlook.load_scenario(ARCHIVED)
    worlds = outlook.sample_worlds(s, samples=500, seed=1)
    worlds[column] = worlds[column].astype(object)
    worlds.loc[worlds.index[0], column] = value
    with pytest.raises(ValueError, match=r"^worlds column ") as info:
        outlook.summarise_worlds(s, worlds)
    assert str(info.value) == message + "; pass worlds from outlook.sample_worlds"
