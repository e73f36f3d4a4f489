"""What testers found in hierarchical driver parameters (format 1.1), each with its exact text.

A parameter that reads no driver is a number, checked as one; a parameter that reads only constant drivers is
checked when the file loads; a cycle is one message and its drivers stay known; an override's cycle names the
override; each number beside an expression is checked at itself; quoted yes/no values are refused; ``date()``
and ``years()`` are constants; a long flat sum is not "deep".
"""

from __future__ import annotations

import pytest

from outlook import Scenario, ScenarioErrors, sample_worlds
from outlook.testing import HEADER

HEAD = (
    HEADER.replace("outlook: 1\n", "outlook: 1.1\n") + "horizons: {soon: {until: 1y}}\nscenarios: {rest: otherwise}\n"
)


def scenario(drivers: str, rest: str = "") -> Scenario:
    return Scenario.from_yaml(HEAD + "drivers:\n" + drivers + rest, path="s.yaml")


def errors(drivers: str, rest: str = "") -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        scenario(drivers, rest)
    return str(info.value).splitlines()


def override_errors(drivers: str, overrides: dict[str, object]) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        scenario(drivers).with_overrides(overrides)
    return str(info.value).splitlines()


# -- 1. a parameter reading no driver is the number it folds to ------------------------------------


@pytest.mark.parametrize(
    ("drivers", "expected"),
    [
        (
            "  x: {normal: {mean: inf, sd: 1}}\n",
            "s.yaml:9:22: drivers.x.normal.mean: expected a finite number (got 'inf', which is inf)",
        ),
        (
            "  x: {normal: {mean: '1/inf', sd: 'inf'}}\n",
            "s.yaml:9:35: drivers.x.normal.sd: expected a finite number (got 'inf', which is inf)",
        ),
        (
            "  x: {normal: {mean: 'inf*0', sd: 1}}\n",
            "s.yaml:9:22: drivers.x.normal.mean: expected a finite number (got 'inf*0', which is nan)",
        ),
        (
            "  x: {normal: {mean: 'abs(-inf)', sd: 1}}\n",
            "s.yaml:9:22: drivers.x.normal.mean: expected a finite number (got 'abs(-inf)', which is inf)",
        ),
        (
            "  x: {normal: {mean: 'where(true, 1, inf)', sd: 'where(false, 1, inf)'}}\n",
            "s.yaml:9:49: drivers.x.normal.sd: expected a finite number (got 'where(false, 1, inf)', which is inf)",
        ),
        (
            "  x: {probability: inf}\n",
            "s.yaml:9:20: drivers.x.probability: expected a finite number (got 'inf', which is inf)",
        ),
        (
            "  x: {uniform: {min: '-inf', max: 1}}\n",
            "s.yaml:9:22: drivers.x.uniform.min: expected a finite number (got '-inf', which is -inf)",
        ),
        (
            "  x: {normal: {mean: 0, sd: '-inf'}, truncate: [0, 1]}\n",
            "s.yaml:9:29: drivers.x.normal.sd: expected a finite number (got '-inf', which is -inf)",
        ),
        (
            "  x: {normal: {mean: 'min(inf, 1)', sd: 'max(-1, -inf)'}}\n",
            "s.yaml:9:15: drivers.x.normal: sd must be positive (got -1)",
        ),
    ],
)
def test_a_parameter_reading_no_driver_is_checked_as_a_number(drivers: str, expected: str) -> None:
    assert errors(drivers) == [expected]


def test_a_parameter_reading_no_driver_draws_its_number() -> None:
    folded = sample_worlds(scenario("  x: {normal: {mean: 'min(inf, 1)', sd: '1/inf + 2'}}\n"), samples=500, seed=3)
    plain = sample_worlds(scenario("  x: {normal: {mean: 1, sd: 2}}\n"), samples=500, seed=3)
    assert folded["x"].tolist() == plain["x"].tolist()
    assert scenario("  x: {normal: {mean: 'min(inf, 1)', sd: 2}}\n").driver("x").stated.form == "normal"


def test_an_override_reading_no_driver_is_checked_as_a_number() -> None:
    assert override_errors("  x: {normal: {mean: 0, sd: 1}}\n", {"drivers.x.normal.mean": "inf"}) == [
        "override drivers.x.normal.mean: expected a finite number (got 'inf', which is inf)"
    ]


# -- 2. a cycle is one message ---------------------------------------------------------------------


def test_a_cycle_makes_no_follow_on_errors() -> None:
    drivers = "  a: {normal: {mean: b, sd: 1}}\n  b: {normal: {mean: a, sd: 1}}\n  c: {normal: {mean: b, sd: 1}}\n"
    rest = "derived: {big: c > 2}\nevents: {e: {rate: '0.2 + 0.1 * abs(c)'}}\ncorrelations: [[a, c, 0.3]]\n"
    assert errors(drivers, rest) == [
        "s.yaml:9:6: drivers.a: drivers' parameters refer to each other in a cycle: a -> b -> a"
    ]


# -- 3. a cycle an override makes names the override -----------------------------------------------


DRIVERS = "  a: {normal: {mean: 0, sd: 1}}\n  b: {normal: {mean: a, sd: 1}}\n"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"drivers.a.normal.mean": "b"},
            "override drivers.a.normal.mean: drivers.a: drivers' parameters refer to each other in a cycle: a -> b -> a",
        ),
        (
            {"drivers.a": {"normal": {"mean": "b", "sd": 1}}},
            "override drivers.a: drivers' parameters refer to each other in a cycle: a -> b -> a",
        ),
        (
            {"drivers.b.normal.mean": "b"},
            "override drivers.b.normal.mean: drivers.b: drivers' parameters refer to each other in a cycle: b -> b",
        ),
    ],
)
def test_a_cycle_made_by_an_override_names_it(overrides: dict[str, object], expected: str) -> None:
    assert override_errors(DRIVERS, overrides) == [expected]


def test_a_cycle_closed_by_an_override_of_a_later_driver_names_it() -> None:
    drivers = "  a: {normal: {mean: b, sd: 1}}\n  b: {normal: {mean: 0, sd: 1}}\n"
    assert override_errors(drivers, {"drivers.b.normal.mean": "a"}) == [
        "override drivers.b.normal.mean: drivers.b: drivers' parameters refer to each other in a cycle: a -> b -> a"
    ]


# -- 4, 5. a number beside an expression is checked at load, at itself -------------------------------


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        ("{gamma: {shape: a, scale: 0}}", "s.yaml:10:32: drivers.x.gamma.scale: scale must be positive (got 0)"),
        ("{beta: {alpha: 0, beta: a}}", "s.yaml:10:21: drivers.x.beta.alpha: alpha must be positive (got 0)"),
        ("{loguniform: {min: -1, max: a}}", "s.yaml:10:25: drivers.x.loguniform.min: min must be positive (got -1)"),
        ("{lognormal: {mean: -1, sd: a}}", "s.yaml:10:25: drivers.x.lognormal.mean: mean must be positive (got -1)"),
        ("{student_t: {df: 0, location: a}}", "s.yaml:10:23: drivers.x.student_t.df: df must be positive (got 0)"),
        ("{student_t: {df: a, scale: -2}}", "s.yaml:10:33: drivers.x.student_t.scale: scale must be positive (got -2)"),
    ],
)
def test_a_number_beside_an_expression_is_checked_at_itself(form: str, expected: str) -> None:
    assert errors(f"  a: 1\n  x: {form}\n") == [expected]


# -- 7. parameters reading only constant drivers are checked at load --------------------------------


@pytest.mark.parametrize(
    ("drivers", "expected"),
    [
        (
            "  k: 12\n  n: 10\n  p: {beta: {alpha: k + 1, beta: n - k + 1}}\n",
            "s.yaml:11:34: drivers.p.beta.beta: alpha and beta must be positive (got [13, -1]; beta = n - k + 1 "
            "reads only constant drivers, so every world has these values)",
        ),
        (
            "  k: 12\n  p: {normal: {mean: 0, sd: log(k - 12)}}\n",
            "s.yaml:10:29: drivers.p.normal.sd: sd must be a finite number (got -inf; sd = log(k - 12) reads only "
            "constant drivers, so every world has these values)",
        ),
        (
            "  k: 12\n  p: {probability: k / 10}\n",
            "s.yaml:10:20: drivers.p.probability: probability must lie in [0, 1] (got 1.2; p = k / 10 reads only "
            "constant drivers, so every world has these values)",
        ),
    ],
)
def test_parameters_reading_only_constants_are_checked_at_load(drivers: str, expected: str) -> None:
    assert errors(drivers) == [expected]


def test_an_override_that_makes_every_world_invalid_is_refused_at_load() -> None:
    drivers = "  k: 3\n  n: 10\n  p: {beta: {alpha: k + 1, beta: n - k + 1}}\n"
    assert override_errors(drivers, {"drivers.k": {"constant": 12}}) == [
        "s.yaml:11:34: drivers.p.beta.beta: alpha and beta must be positive (got [13, -1]; beta = n - k + 1 "
        "reads only constant drivers, so every world has these values)"
    ]
    scenario(drivers).with_overrides({"drivers.k": {"constant": 10}})  # beta 1: valid


# -- 9. quoted yes/no values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drivers", "expected"),
    [
        (
            "  x: {probability: 'true'}\n",
            "s.yaml:9:20: drivers.x.probability: expected a number or an expression (got 'true': a yes/no value; "
            "write 1 or 0 for a number)",
        ),
        (
            "  x: {normal: {mean: ' True', sd: 1}}\n",
            "s.yaml:9:22: drivers.x.normal.mean: expected a number or an expression (got ' True': a yes/no value; "
            "write 1 or 0 for a number)",
        ),
    ],
)
def test_a_quoted_yes_no_value_is_refused(drivers: str, expected: str) -> None:
    assert errors(drivers) == [expected]


# -- 10. date() and years() in parameters ------------------------------------------------------------


def test_date_and_years_are_constants_in_parameters() -> None:
    # as_of is 2024-01-01 (outlook.testing.HEADER): 2025-07-02 is 366 + 182 days on
    s = scenario(
        "  a: {normal: {mean: 1, sd: 1}}\n  x: {normal: {mean: \"a + years('2w')\", sd: \"date('2025-07-02')\"}}\n"
    )
    mean = dict(s.driver("x").stated.params)["mean"]
    assert str(mean) == "a + years('2w')"
    sd = dict(s.driver("x").stated.params)["sd"]
    assert sd == pytest.approx((366 + 182) / 365.25)
    f = sample_worlds(s, samples=2000, seed=1)
    assert ((f["x"] - f["a"]).mean()) == pytest.approx(14 / 365.25, abs=4 * sd / 2000**0.5)


# -- 12. a flat chain is long, not deep --------------------------------------------------------------


def test_a_flat_sum_is_not_deep() -> None:
    s = scenario("  a: {normal: {mean: 1, sd: 1}}\n  x: {normal: {mean: '" + "+".join(["a"] * 60) + " - a', sd: 1}}\n")
    f = sample_worlds(s, samples=100, seed=2)
    assert (f["x"] - 59 * f["a"]).std() == pytest.approx(1, abs=0.3)
    assert (f["x"] - 59 * f["a"]).mean() == pytest.approx(0, abs=0.5)


def test_a_cycle_made_by_an_assumption_is_reported_at_its_if_false() -> None:
    rest = "assumptions:\n  x:\n    statement: S.\n    rating: solid\n    if_false: {drivers.a.normal.mean: b}\n"
    assert errors(DRIVERS, rest) == [
        "s.yaml:15:16: assumptions.x.if_false.drivers.a.normal.mean: assumption 'x': drivers.a: drivers' parameters "
        "refer to each other in a cycle: a -> b -> a"
    ]


# -- 8. the run-time message is that of the first block that fails, for any chunk size or workers -----


def test_the_message_of_invalid_parameters_does_not_depend_on_chunks_or_workers() -> None:
    from outlook import SimulationError, simulate

    s = scenario("  b: {normal: {mean: 0.6, sd: 0.15}}\n  a: {normal: {mean: 0, sd: b}}\n")
    messages = set()
    for kw in ({"chunk_size": 65_536}, {"chunk_size": 131_072}, {"workers": 2, "chunk_size": 65_536}):
        with pytest.raises(SimulationError) as info:
            simulate(s, samples=200_000, seed=3, **kw)  # type: ignore[arg-type]
        messages.add(str(info.value))
    assert messages == {
        "s.yaml:10:29: drivers.a.normal.sd: driver 'a': sd must be positive; it is not in 1 of the 65,536 worlds of "
        "the first block where it fails (e.g. sd -0.0413077, where sd = b); state parameters that are valid in every "
        "world (max(), min() or clip() can bound them)"
    }


# -- 11. an expression where only a number goes; a truncation shown as written -----------------------

_NOT_HERE = "expected a number (got 'a'). Expressions are allowed in distribution parameters, not here"


@pytest.mark.parametrize(
    ("driver", "expected"),
    [
        ("{normal: {mean: 0, sd: 1}, truncate: [a, null]}", f"s.yaml:10:44: drivers.x.truncate[0]: {_NOT_HERE}"),
        ("{range: [a, 10], shape: normal}", f"s.yaml:10:15: drivers.x.range[0]: {_NOT_HERE}"),
        ("{constant: a}", f"s.yaml:10:17: drivers.x.constant: {_NOT_HERE}"),
        ("{categorical: {p: a, q: 0.5}}", f"s.yaml:10:24: drivers.x.categorical.p: {_NOT_HERE}"),
        ("{range: [1, 10], shape: normal, coverage: a}", f"s.yaml:10:48: drivers.x.coverage: {_NOT_HERE}"),
        ("{mixture: [{weight: a, normal: [0, 1]}]}", f"s.yaml:10:26: drivers.x.mixture[0].weight: {_NOT_HERE}"),
    ],
)
def test_an_expression_where_only_a_number_goes_says_where_they_go(driver: str, expected: str) -> None:
    assert errors(f"  a: 1\n  x: {driver}\n") == [expected]


def test_a_truncation_is_shown_as_written() -> None:
    assert errors("  x: {normal: {mean: 1000, sd: 1}, truncate: [2000, null]}\n") == [
        "s.yaml:9:46: drivers.x.truncate: truncate [2000, null] keeps a share 0 of normal(mean=1000, sd=1), "
        "below 1e-12: widen it"
    ]


def test_a_truncation_of_constant_parameters_is_checked_at_load() -> None:
    assert errors("  a: 1\n  x: {normal: {mean: a, sd: 1}, truncate: [5000, null]}\n") == [
        "s.yaml:10:43: drivers.x.truncate: truncate [5000, null] keeps less than 1e-12 of the distribution at "
        "mean 1, sd 1, which its parameters (reading only constant drivers) give in every world: widen it"
    ]


# -- 6. with constant parents, a truncated form draws exactly what its plain form draws --------------


@pytest.mark.parametrize(
    ("plain", "hierarchical"),
    [
        ("{uniform: {min: 0, max: 3}, truncate: [1, 2]}", "{uniform: {min: 'k*0', max: 'k*3'}, truncate: [1, 2]}"),
        ("{triangular: [0, 1, 4], truncate: [0.5, 3]}", "{triangular: [0, k, 4], truncate: [0.5, 3]}"),
        ("{loguniform: [1, 100], truncate: [2, null]}", "{loguniform: [k, 100], truncate: [2, null]}"),
        ("{uniform: [0, 3]}", "{uniform: [0, 3 * k]}"),
    ],
)
def test_constant_parents_draw_the_plain_truncated_form_exactly(plain: str, hierarchical: str) -> None:
    a = sample_worlds(scenario(f"  k: 1\n  x: {plain}\n"), samples=5000, seed=3)
    b = sample_worlds(scenario(f"  k: 1\n  x: {hierarchical}\n"), samples=5000, seed=3)
    assert b["x"].tolist() == a["x"].tolist()


# -- 13. where a mistake is, in text written with escapes or over several lines -----------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('"\\t\\tpi + qq"', "s.yaml:9:32: drivers.x.normal.mean: unknown name 'qq'"),
        ('"1 +\n      qq"', "s.yaml:10:7: drivers.x.normal.mean: unknown name 'qq'"),
        ("1 +\n      qq", "s.yaml:10:7: drivers.x.normal.mean: unknown name 'qq'"),
        ('"pi + \\\n      qq"', "s.yaml:10:7: drivers.x.normal.mean: unknown name 'qq'"),
        ('"\\u00e9t\\u00e9 + qq"', "s.yaml:9:23: drivers.x.normal.mean: unknown name 'été'"),
        (
            '"a + time(e)"',
            "s.yaml:9:27: drivers.x.normal.mean: time() reads an event's time, which a driver (drawn "
            "once per world) cannot read: a driver's parameter may read only other drivers (numbers, pi and functions too)",
        ),
        (
            '"a +\n   time(e)"',
            "s.yaml:10:4: drivers.x.normal.mean: time() reads an event's time, which a driver "
            "(drawn once per world) cannot read: a driver's parameter may read only other drivers (numbers, pi and "
            "functions too)",
        ),
    ],
)
def test_a_mistake_is_located_where_it_is_written(written: str, expected: str) -> None:
    assert errors(f"  x: {{normal: {{mean: {written}, sd: 1}}}}\n", "events: {e: {rate: 0.1}}\n") == [expected]
