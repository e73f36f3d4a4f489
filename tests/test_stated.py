"""What a driver states is its one source of truth; the scenario hash covers exactly what is stated."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import scenario_dicts

from outlook import Scenario, ScenarioError, load_scenario
from outlook import distributions as dist
from outlook.scenario import (
    CategoricalForm,
    ConstantForm,
    Driver,
    NormalForm,
    PertForm,
    RangeForm,
)
from outlook.scenario.stated import distribution_of, form_data
from outlook.testing import HEADER

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"

BUNDLED = ARCHIVED

HEAD = HEADER + "horizons: {soon: {until: 1y}}\n"


def one_driver(text: str) -> Driver:
    """The driver ``x`` of a file whose drivers section is ``{x: text}``."""
    return Scenario.from_yaml(HEAD + f"drivers: {{x: {text}}}\nscenarios: {{rest: otherwise}}\n").driver("x")


# --------------------------------------------------------------------------
# one source of truth


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("{range: [8000, 12000], shape: normal}", RangeForm(8000.0, 12000.0, "normal")),
        ("{range: [1, 9], shape: pert, mode: 2, confidence: 1}", RangeForm(1, 9, "pert", 1, 2)),
        ("{normal: {mean: 0, sd: 2}}", NormalForm(0, 2)),
        ("{normal: [0, 2]}", NormalForm(0, 2)),
        ("{pert: [0, 0.3, 0.8], lambda: 3}", PertForm(0, 0.3, 0.8, 3)),
        ("{pert: {min: 0, mode: 0.3, max: 0.8, lambda: 3}}", PertForm(0, 0.3, 0.8, 3)),
        ("12000", ConstantForm(12000)),
        ("{constant: 12000}", ConstantForm(12000)),
        ("{categorical: {a: 0.25, b: 0.75}}", CategoricalForm((("a", 0.25), ("b", 0.75)))),
    ],
    ids=[
        "range",
        "pert-range",
        "normal",
        "normal-list",
        "pert-lambda-beside",
        "pert-lambda-inside",
        "short",
        "long",
        "cat",
    ],
)
def test_a_driver_holds_what_the_file_states(text: str, stated: object) -> None:
    """Each way of writing a form gives one typed record, numbers as floats."""
    assert stated == one_driver(text).stated


@pytest.mark.parametrize(
    "text",
    [
        "{range: [8000, 12000], shape: normal}",
        "{range: [0.1, 0.4], shape: lognormal, confidence: 0.8}",
        "{range: [0.05, 0.3], shape: beta}",
        "{range: [1, 9], shape: triangular, mode: 3}",
        "{pert: [0, 0.3, 0.8]}",
        "{uniform: {min: 0.5, max: 1}}",
        "{probability: 0.3}",
        "{categorical: {a: 0.25, b: 0.75}}",
    ],
)
def test_the_distribution_is_derived_from_what_is_stated_however_the_driver_is_built(text: str) -> None:
    """A driver from a file, from its dict, or built by hand from its form samples the same distribution."""
    d = one_driver(text)
    by_hand = Driver("x", d.stated)
    from_dict = Scenario.from_dict(
        {**Scenario.from_yaml(HEAD + f"drivers: {{x: {text}}}\nscenarios: {{rest: otherwise}}\n").to_dict()}
    ).driver("x")
    assert d.distribution == by_hand.distribution == from_dict.distribution == distribution_of(d.stated)


def test_replacing_what_a_driver_states_replaces_what_it_samples() -> None:
    """dataclasses.replace of the form derives the new distribution; the old one cannot be kept."""
    d = one_driver("{range: [8000, 12000], shape: normal}")
    wider = dataclasses.replace(d, stated=RangeForm(6000, 14000, "normal"))
    assert (10000.0, pytest.approx(2431.8, abs=0.1)) == (wider.distribution.mu, wider.distribution.sd)  # type: ignore[attr-defined]


def test_a_distribution_cannot_be_given_apart_from_the_form() -> None:
    """distribution is derived, never an argument: neither the constructor nor replace takes it."""
    d = one_driver("{range: [8000, 12000], shape: normal}")
    with pytest.raises(ValueError, match="init=False"):
        dataclasses.replace(d, distribution=dist.Constant(1.0))
    with pytest.raises(TypeError):
        Driver("x", d.stated, distribution=dist.Constant(1.0))  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("stated", "expected"),
    [
        (
            RangeForm(12000, 8000, "normal"),
            "<scenario>: drivers.x.range: low 12000 > high 8000 (got [12000, 8000]). Did you mean [8000, 12000]?",
        ),
        (
            RangeForm(1, 2, "normel"),
            "<scenario>: drivers.x.shape: unknown shape; expected one of normal, lognormal, "
            "uniform, triangular, pert, beta (got 'normel'). Did you mean 'normal'?",
        ),
        (
            RangeForm(1, 2, "normal", mode=1.5),
            "<scenario>: drivers.x.mode: mode applies only to triangular and pert ranges, not normal",
        ),
        (NormalForm(0, -1), "<scenario>: drivers.x.normal: sd must be positive (got -1)"),
        (PertForm(0, 2, 1), "<scenario>: drivers.x.pert: mode 2 must lie between min and max (got [0, 2, 1])"),
        (
            CategoricalForm((("a", 0.5), ("b", 0.4))),
            "<scenario>: drivers.x.categorical: category probabilities must sum to 1 (got 0.9)",
        ),
        (
            CategoricalForm((("a", 1.5), ("b", -0.5))),
            "<scenario>: drivers.x.categorical.a: probability must lie in [0, 1] (got 1.5)",
        ),
    ],
    ids=["low-above-high", "shape", "mode", "sd", "pert-mode", "sum", "category"],
)
def test_a_driver_built_by_hand_is_checked_as_a_file_is(stated: Any, expected: str) -> None:
    """The form's checks run whoever builds the driver, with the message a file would get, named by key path."""
    with pytest.raises(ScenarioError) as info:
        Driver("x", stated)
    assert expected == str(info.value)


def test_pert_lambda_given_twice_is_refused() -> None:
    """lambda inside pert and beside it would leave one of them silently unused."""
    with pytest.raises(Exception, match="lambda is given twice"):
        one_driver("{pert: {min: 0, mode: 1, max: 2, lambda: 3}, lambda: 5}")


def test_spec_shows_the_form_as_pairs() -> None:
    """Driver.spec, for display, is the stated form as (key, value) pairs."""
    d = one_driver("{range: [1, 9], shape: pert, mode: 2, confidence: 1}")
    assert (("range", (1.0, 9.0)), ("shape", "pert"), ("confidence", 1.0), ("mode", 2.0)) == d.spec
    assert {"range": [1.0, 9.0], "shape": "pert", "confidence": 1.0, "mode": 2.0} == form_data(d.stated)


def test_a_driver_pickles_with_its_distribution() -> None:
    """Workers receive drivers by pickle: the derived distribution comes along, equal."""
    d = one_driver("{range: [0.05, 0.3], shape: beta}")
    back = pickle.loads(pickle.dumps(d))
    assert (d, d.distribution) == (back, back.distribution)


# --------------------------------------------------------------------------
# an honest hash


def test_restating_a_value_keeps_the_hash() -> None:
    """[8000, 12000] written as [8000.0, 12000] is the same statement: same hash, equal scenario."""
    s = load_scenario(BUNDLED)
    data = s.to_dict()
    data["drivers"]["troops"]["range"] = [8000.0, 12000]
    again = Scenario.from_dict(data)
    assert (s, s.hash) == (again, again.hash)


@pytest.mark.parametrize(
    ("section", "key", "change"),
    [
        ("drivers", "troops", {"range": [9000, 13000]}),
        ("drivers", "troops", {"label": "Troops"}),
        ("drivers", "troops", {"note": ""}),
        ("drivers", "china_brake", {"uniform": {"min": 0.5, "max": 1.0}, "note": "another note"}),
        ("horizons", "short", {"label": "the first year"}),
        ("events", "further_deployment", {"label": "More troops"}),
    ],
    ids=["range", "label", "note-removed", "note-changed", "horizon-label", "event-label"],
)
def test_any_change_to_what_is_stated_changes_the_hash(section: str, key: str, change: dict[str, Any]) -> None:
    """A number, a label or a note: whatever is stated is in the hash."""
    s = load_scenario(BUNDLED)
    data = s.to_dict()
    data[section][key] = {k: v for k, v in {**data[section][key], **change}.items() if v != ""}
    assert s.hash != Scenario.from_dict(data).hash


def test_the_order_of_scenario_rules_is_in_the_hash() -> None:
    """First match wins, so reordering rules changes the numbers, and the hash with them."""
    s = load_scenario(BUNDLED)
    data = s.to_dict()
    rules = list(data["scenarios"].items())
    data["scenarios"] = dict([rules[1], rules[0], *rules[2:]])
    assert s.hash != Scenario.from_dict(data).hash


def test_a_constant_expression_is_its_number_in_the_hash() -> None:
    """rate: 1e3 and rate: 1000 state the same hazard."""

    def hashed(rate: str) -> str:
        text = HEAD + f"drivers: {{}}\nevents: {{e: {{rate: '{rate}'}}}}\nscenarios: {{hit: e, rest: otherwise}}\n"
        return Scenario.from_yaml(text).hash

    assert hashed("1e3") == hashed("1000") == hashed("1000.0") != hashed("999")


def test_the_path_is_not_in_the_hash() -> None:
    """The same statements read from another file have the same identity."""
    s = load_scenario(BUNDLED)
    assert s.hash == Scenario.from_yaml(s.to_yaml(), path="elsewhere.yaml").hash


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_dicts())
def test_generated_scenarios_keep_their_hash_through_a_round_trip(data: dict[str, Any]) -> None:
    """to_yaml/from_yaml and to_dict/from_dict state the same: the same hash."""
    s = Scenario.from_dict(data)
    assert s.hash == Scenario.from_yaml(s.to_yaml()).hash == Scenario.from_dict(s.to_dict()).hash
