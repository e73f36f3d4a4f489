"""No inf or NaN reaches a table: overflowing draws, rates and moments stop the load or the run, located."""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np
import pytest

import outlook
from outlook import Scenario, ScenarioErrors, SimulationError, compile_model, simulate, summarise
from outlook import distributions as dist
from outlook.model import BLOCK_SIZE
from outlook.testing import HEADER

HEAD = HEADER + "horizons: {a: {until: 1y}}\n"


def make(body: str) -> Scenario:
    return Scenario.from_yaml(HEAD + body, path="t.yaml")


def make_11(body: str) -> Scenario:
    return Scenario.from_yaml(HEAD.replace("outlook: 1\n", "outlook: 1.1\n") + body, path="t.yaml")


def load_errors(body: str) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        make(body)
    return [str(e) for e in info.value.errors]


# --------------------------------------------------------------------------
# at load: parameters whose draws overflow


@pytest.mark.parametrize(
    ("driver", "expected"),
    [
        (
            "{lognormal: {mu: 700, sigma: 100}}",
            "t.yaml:8:18: drivers.x.lognormal: draws of lognormal(mu=700, sigma=100) would be too large for a float "
            "(beyond about 1.8e308) in about 46% of worlds; choose smaller parameters",
        ),
        (
            "{normal: {mean: 0, sd: 1.0e+308}}",
            "t.yaml:8:15: drivers.x.normal: draws of normal(mean=0, sd=1e+308) would be too large for a float "
            "(beyond about 1.8e308) in about 7.2% of worlds; choose smaller parameters",
        ),
        (
            "{uniform: {min: -1.0e+308, max: 1.0e+308}}",
            "t.yaml:8:16: drivers.x.uniform: draws of uniform(min=-1e+308, max=1e+308) would be too large for a float "
            "(beyond about 1.8e308) in every world; choose smaller parameters",
        ),
        (
            "{range: [1.0e-300, 1.0e+300], shape: lognormal}",
            "t.yaml:8:14: drivers.x.range: draws of lognormal(mu=0, sigma=419.962) would be too large for a float "
            "(beyond about 1.8e308) in about 4.5% of worlds; choose smaller parameters",
        ),
    ],
    ids=["lognormal", "normal", "uniform-width", "lognormal-range"],
)
def test_overflowing_parameters_are_refused_at_load(driver: str, expected: str) -> None:
    """A distribution whose draws would overflow a float is refused when the file is read, located."""
    assert [expected] == load_errors(f"drivers:\n  x: {driver}\nscenarios: {{all: otherwise}}\n")


# --------------------------------------------------------------------------
# at run time: whatever the sampler, correlated or not


def with_driver(s: Scenario, name: str, d: dist.Distribution) -> Scenario:
    """The scenario with one driver's distribution replaced, past every check (a driver samples what it states)."""
    drivers = tuple(copy.copy(x) for x in s.drivers)
    object.__setattr__(next(x for x in drivers if x.id == name), "distribution", d)  # forced: no API does this
    return dataclasses.replace(s, drivers=drivers)


@pytest.mark.parametrize("sampler", ["random", "sobol", "lhs"])
@pytest.mark.parametrize("correlated", [False, True], ids=["independent", "correlated"])
def test_draws_that_are_not_finite_stop_the_run(sampler: str, correlated: bool) -> None:
    """Infinite draws stop the run with a located SimulationError, never an inf mean."""
    body = "drivers:\n  x: {lognormal: {mu: 0, sigma: 1}}\n  y: {normal: {mean: 0, sd: 1}}\n"
    body += "correlations: [[x, y, 0.3]]\n" if correlated else ""
    s = with_driver(make(body + "scenarios: {all: otherwise}\n"), "x", dist.LogNormal(700.0, 100.0))
    with pytest.raises(SimulationError) as info:
        simulate(s, samples=1000, sampler=sampler)
    message = str(info.value)
    count = int(message.split("not finite in ")[1].split(" ")[0])
    assert 400 < count < 520  # about 46%
    assert (
        f"t.yaml:8:6: drivers.x: not finite in {count:,} of 1,000 worlds (e.g. inf: lognormal(mu=700, sigma=100) "
        "overflows the largest float, about 1.8e308); choose smaller parameters"
    ) == message


def test_sobol_point_at_zero_gives_a_finite_draw() -> None:
    """A scrambled Sobol' coordinate of exactly 0 (seed 0, block 9939, point 48260) gives a finite normal draw."""
    from outlook.model.worlds import draw_worlds  # that block alone: a public run would need 650 million worlds

    model = compile_model(make("drivers: {x: {normal: {mean: 0, sd: 1}}}\nscenarios: {all: otherwise}\n"))
    start = 9939 * BLOCK_SIZE
    x = draw_worlds(model, 0, start, start + BLOCK_SIZE, total=start + BLOCK_SIZE, sampler="sobol").values["x"]
    assert np.isfinite(x).all()
    assert -6.2 < x[48260] < -6.0


def test_infinite_rate_is_a_simulation_error() -> None:
    """A rate that is infinite (a division by zero, an overflow) is refused, not read as 'at once'."""
    s = make(
        "drivers: {x: {uniform: {min: 1, max: 2}}}\nevents: {e: {rate: 1 / (x - x)}}\nscenarios: {all: otherwise}\n"
    )
    with pytest.raises(SimulationError) as info:
        simulate(s, samples=1000)
    assert (
        "t.yaml:8:13: events.e.rate: rate is negative, infinite or not a number in 1,000 of 1,000 worlds (e.g. inf)"
    ) == str(info.value)


def test_moments_that_overflow_are_a_simulation_error() -> None:
    """Values whose squares overflow give no inf or blank standard deviation: the run stops, located."""
    s = make("drivers: {x: {uniform: {min: 1, max: 2}}}\nderived: {y: x * 1.0e+200}\nscenarios: {all: otherwise}\n")
    with pytest.raises(SimulationError) as info:
        simulate(s, samples=1000)
    assert (
        "t.yaml:8:14: derived.y: values too large for a mean and standard deviation (they reach 1.997e+200; sums of "
        "their squares pass the largest float, about 1.8e308); express it in larger units or on a log scale"
    ) == str(info.value)


ODD_BUT_VALID = [
    "{range: [0.000001, 0.999999], shape: beta}",
    "{range: [0.4999, 0.5001], shape: beta}",
    "{range: [1, 1.0000000001], shape: lognormal}",
    "{beta: {alpha: 1.0e-300, beta: 1.0e-300}}",
    "{pert: {min: 0, mode: 0.5, max: 1, lambda: 1.0e+300}}",
    "{normal: {mean: 0, sd: 1.0e-320}}",
    "{lognormal: {mu: -745, sigma: 1}}",
    "{uniform: {min: 0, max: 5.0e-324}}",
    "{lognormal: {mu: 300, sigma: 5}}",
]


@pytest.mark.parametrize("sampler", ["random", "sobol", "lhs"])
@pytest.mark.parametrize("driver", ODD_BUT_VALID)
def test_odd_but_valid_drivers_give_finite_tables_without_warnings(driver: str, sampler: str) -> None:
    """Extreme but representable parameters: every summary is a finite number, and no numpy warning escapes.

    (The test suite turns warnings into errors, so a leaked RuntimeWarning fails here.)
    """
    body = f"drivers:\n  x: {driver}\n  y: {{normal: {{mean: 0, sd: 1}}}}\ncorrelations: [[x, y, 0.5]]\n"
    body += "derived: {z: x * 2}\nevents: {e: {rate: 0.1}}\nscenarios: {hi: e, rest: otherwise}\n"
    out = summarise(simulate(make(body), samples=2000, sampler=sampler))
    for frame in (out.drivers, out.derived):
        numbers = frame.drop(columns=["name", "unit", "kind"]).to_numpy(dtype=np.float64)
        assert np.isfinite(numbers).all()
    assert all(math.isfinite(p) for p in out.scenarios["p"])


def test_overflow_share_is_zero_for_ordinary_shapes() -> None:
    """Analysts' ordinary ranges never trip the load-time check."""
    for shape in dist.RANGE_SHAPES:
        d = dist.from_range(shape, 0.1, 0.9, mode=0.5)
        assert 0.0 == dist.overflow_share(d)
    assert 1.0 == dist.overflow_share(dist.Beta(2.0, 3.0, -1e308, 1e308))  # the width overflows
    assert 0.0 == dist.overflow_share(dist.Beta(2.0, 3.0, -1e307, 1e307))
    assert None is dist.overflow_problem(
        outlook.load_scenario(outlook.find_scenario("nk-troops-russia")).drivers[0].distribution
    )


# --------------------------------------------------------------------------
# a comparison with a side that is not a number


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "drivers: {x: {range: [-1, 3], shape: normal}}\nscenarios: {big: log(x) > 0.5, rest: otherwise}\n",
            "t.yaml:8:18: scenarios.big: a side of 'log(x) > 0.5' is not a number in 8 of 40 worlds (a log or sqrt "
            "of a negative, or 0/0?), so the comparison would be silently false there; guard it with a condition "
            "that decides those worlds, e.g. 'x > 0 and log(x) > 1' or where()",
        ),
        (
            "drivers: {x: {range: [-1, 3], shape: normal}}\nderived: {flag: sqrt(x) < 1}\n"
            "scenarios: {rest: otherwise}\n",
            "t.yaml:8:17: derived.flag: a side of 'sqrt(x) < 1' is not a number in 8 of 40 worlds (a log or sqrt "
            "of a negative, or 0/0?), so the comparison would be silently false there; guard it with a condition "
            "that decides those worlds, e.g. 'x > 0 and log(x) > 1' or where()",
        ),
    ],
    ids=["rule", "derived"],
)
def test_a_comparison_with_a_side_that_is_not_a_number_stops_the_run(body: str, expected: str) -> None:
    """NaN on either side of a comparison would make it silently false in those worlds: the run stops, located."""
    with pytest.raises(SimulationError) as info:
        simulate(make(body), samples=40, seed=3)
    assert expected == str(info.value)


def test_inf_minus_inf_from_time_suggests_a_happened_guard() -> None:
    """``time(y) - time(x)`` is ``inf - inf`` where neither happened: the hint names the guard the docs give,
    and the count has thousands separators as every run-time message's does."""
    body = "drivers: {}\nevents: {x: {rate: 1}, y: {rate: 1}}\nscenarios: {close: time(y) - time(x) < 0.25, rest: otherwise}\n"
    with pytest.raises(SimulationError) as info:
        simulate(make_11(body), samples=2_000, seed=3)
    text = str(info.value)
    assert "is not a number in " in text
    assert " of 2,000 worlds (inf - inf where an event has not happened?)" in text
    assert "e.g. 'happened(y) and happened(x) and time(y) - time(x) < 0.25' or where()" in text


def test_a_run_time_error_in_an_overridden_value_names_its_key_path_once() -> None:
    """An override's value that breaks a rule in some worlds: ``override drivers.again.probability: driver ...``,
    not the key path twice; ``3,105 of 10,000 worlds`` with separators."""
    s = make_11(
        "drivers: {p: {range: [0.2, 0.6], shape: beta}, again: {probability: p}}\nscenarios: {rest: otherwise}\n"
    )
    with pytest.raises(SimulationError) as info:
        simulate(s.with_overrides({"drivers.again.probability": "p * 2"}), samples=10_000, seed=3)
    text = str(info.value)
    assert text.startswith("override drivers.again.probability: driver 'again': probability must lie in [0, 1]")
    assert text.count("drivers.again.probability") == 1
    assert " of 10,000 worlds" in text


def test_a_guarded_comparison_runs() -> None:
    """where() picks the defined branch in every world, so the guarded rule has no NaN to compare."""
    s = make(
        "drivers: {x: {range: [-1, 3], shape: normal}}\n"
        "scenarios: {big: 'where(x > 0, log(x), 0) > 0.5', rest: otherwise}\n"
    )
    worlds = outlook.sample_worlds(s, samples=2_000, seed=3)
    x = worlds["x"].to_numpy()
    expected = np.count_nonzero((x > 0) & (np.log(np.where(x > 0, x, 1.0)) > 0.5)) / 2_000
    assert expected == summarise(simulate(s, samples=2_000, seed=3)).scenarios["p"].iloc[0]


def _guarded_reference(x: np.ndarray, rule: str) -> np.ndarray:
    """The share each guarded rule should give, computed world by world in plain Python (short-circuit)."""

    def one(v: float) -> bool:
        if rule == "and":
            return v > 0 and math.log(v) > 0.5
        if rule == "or":
            return v <= 0 or math.log(v) > 0.5
        if rule == "if":
            return (math.log(v) if v > 0 else 0.0) > 0.5
        if rule == "not":
            return not (v <= 0 or math.log(v) < 0.5)
        raise AssertionError(rule)

    return np.array([one(float(v)) for v in x])


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        ("and", "x > 0 and log(x) > 0.5"),
        ("or", "x <= 0 or log(x) > 0.5"),
        ("if", "(log(x) if x > 0 else 0) > 0.5"),
        ("not", "not (x <= 0 or log(x) < 0.5)"),
    ],
)
def test_a_comparison_guarded_by_and_or_if_not_runs(rule: str, text: str) -> None:
    """A guard that decides the worlds where a side is not a number is enough (Kleene's three-valued logic)."""
    s = make(f"drivers: {{x: {{range: [-1, 3], shape: normal}}}}\nscenarios: {{big: '{text}', rest: otherwise}}\n")
    worlds = outlook.sample_worlds(s, samples=3_000, seed=3)
    expected = np.count_nonzero(_guarded_reference(worlds["x"].to_numpy(), rule)) / 3_000
    assert np.count_nonzero(worlds["x"].to_numpy() <= 0) > 100  # the guard matters
    assert expected == summarise(simulate(s, samples=3_000, seed=3)).scenarios["p"].iloc[0]


def test_an_earlier_rule_guards_a_later_one() -> None:
    """Worlds an earlier rule took are never compared by a later rule: rule order is a guard too."""
    s = make(
        "drivers: {x: {range: [-1, 3], shape: normal}}\n"
        "scenarios: {negative: x <= 0, big: log(x) > 0.5, rest: otherwise}\n"
    )
    worlds = outlook.sample_worlds(s, samples=3_000, seed=3)
    x = worlds["x"].to_numpy()
    big = np.count_nonzero((x > 0) & (np.log(np.where(x > 0, x, 1.0)) > 0.5)) / 3_000
    p = summarise(simulate(s, samples=3_000, seed=3)).scenarios.set_index("scenario")["p"]
    assert (p["negative"], p["big"]) == (np.count_nonzero(x <= 0) / 3_000, big)


def test_a_guard_that_leaves_worlds_undecided_still_stops_the_run() -> None:
    """'x > -5 and log(x) > 0.5' decides nothing where x <= 0: still refused, naming the comparison."""
    s = make(
        "drivers: {x: {range: [-1, 3], shape: normal}}\nscenarios: {big: x > -5 and log(x) > 0.5, rest: otherwise}\n"
    )
    with pytest.raises(
        SimulationError,
        match=r"^t\.yaml:8:29: scenarios\.big: a side of 'log\(x\) > 0\.5' is not a number in \d+ of 40 worlds",
    ):
        simulate(s, samples=40, seed=3)


def test_clip_with_bounds_the_wrong_way_round_is_refused() -> None:
    """numpy's clip gives hi everywhere when lo > hi: a silent wrong number. Constant bounds at load, others per world."""
    assert load_errors(
        "drivers: {x: {uniform: {min: 0, max: 1}}}\nderived:\n  y: clip(x, 1, 0)\nscenarios: {rest: otherwise}\n"
    ) == ["t.yaml:9:6: derived.y: clip(x, lo, hi) needs lo <= hi; here lo 1 > hi 0 (got 'clip(x, 1, 0)')"]
    s = make(
        "drivers: {x: {uniform: {min: 0, max: 1}}, lo: {uniform: {min: 0, max: 1}}}\n"
        "derived:\n  z: clip(x, lo, 0.5)\nscenarios: {rest: otherwise}\n"
    )
    with pytest.raises(SimulationError) as info:
        simulate(s, samples=1000, seed=1)
    worlds_lo = outlook.sample_worlds(
        make("drivers: {lo: {uniform: {min: 0, max: 1}}}\nscenarios: {rest: otherwise}\n"), samples=1000, seed=1
    )["lo"]
    k = int((worlds_lo > 0.5).sum())  # the driver's own stream: the same draws in both scenarios
    assert str(info.value) == (
        f"t.yaml:9:6: derived.z: clip(x, lo, hi) needs lo <= hi, but lo > hi in {k:,} of 1,000 worlds in 'clip(x, lo, 0.5)'"
    )
    ok = make(
        "drivers: {x: {uniform: {min: 0, max: 1}}}\nderived:\n  y: clip(x, 0.2, 0.8)\nscenarios: {rest: otherwise}\n"
    )
    y = outlook.sample_worlds(ok, samples=1000, seed=1)
    assert np.array_equal(y["y"].to_numpy(), np.clip(y["x"].to_numpy(), 0.2, 0.8))
