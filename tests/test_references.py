"""A scenario with a dangling reference cannot be held, however it was assembled."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from outlook import Scenario, ScenarioError, load_scenario
from outlook.scenario import CategoricalForm
from outlook.testing import HEADER

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"

BUNDLED = ARCHIVED


@pytest.fixture(scope="module")
def nk() -> Scenario:
    """The bundled scenario, loaded once."""
    return load_scenario(BUNDLED)


def replaced(s: Scenario, **changes: Any) -> str:
    """The message of the ScenarioError that ``dataclasses.replace(s, **changes)`` raises, without the file position."""
    with pytest.raises(ScenarioError) as info:
        dataclasses.replace(s, **changes)
    return str(info.value).split(": ", 1)[1]


def test_dropping_a_driver_that_is_used_names_the_dangling_reference(nk: Scenario) -> None:
    """The README's old what-if, replace(s, drivers=s.drivers[1:]), fails at once, naming 'troops', not with a KeyError later."""
    assert (
        "derived.days_of_losses.expr: refers to 'troops', which is not a driver or a derived quantity of this "
        "scenario. Did you mean 'troops_pledged'?"
    ) == replaced(nk, drivers=nk.drivers[1:])


def test_the_error_is_located_where_the_reference_is_written(nk: Scenario) -> None:
    """The expression that names the missing driver keeps its place in the file."""
    with pytest.raises(ScenarioError) as info:
        dataclasses.replace(nk, drivers=nk.drivers[1:])
    assert str(info.value).startswith(f"{BUNDLED}:381:11: ")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s: {"derived": s.derived[::-1]},
            "derived.weeks_to_depletion.expr: refers to 'days_of_losses', which comes after it: derived "
            "quantities are held in the order they use each other",
        ),
        (
            lambda s: {"events": tuple(e for e in s.events if e.id != "ceasefire")},
            "events.combat_engagement.after.ceasefire: unknown event 'ceasefire'",
        ),
        (
            lambda s: {"rules": s.rules[:-1]},
            "scenarios.troops_for_cash: the last scenario must be 'otherwise', so that every world falls in some "
            "scenario",
        ),
        (
            lambda s: {"rules": (dataclasses.replace(s.rules[-1], id="calm"), *s.rules)},
            "scenarios.calm: only the last scenario may be 'otherwise'",
        ),
        (
            lambda s: {"horizons": s.horizons[::-1]},
            "horizons.medium.until: horizons must be in increasing order: 5y is not after long (10y)",
        ),
        (lambda s: {"sources": ()}, "drivers.troops.source.ref: unknown source 'catalyst'"),
        (
            lambda s: {"correlations": (*s.correlations, *s.correlations[:1])},
            "correlations[3]: pair [russian_daily_losses, p_further_1y] is already given at correlations[0]",
        ),
        (
            lambda s: {"drivers": (*s.drivers, s.drivers[0])},
            "drivers.troops: name 'troops' is already used by drivers.troops",
        ),
    ],
    ids=["derived-order", "event", "no-otherwise", "otherwise-first", "horizon-order", "source", "pair", "duplicate"],
)
def test_every_kind_of_dangling_reference_is_refused(nk: Scenario, change: Any, expected: str) -> None:
    """Order, names, horizons, sources and pairs are checked on construction, with the message a file would get."""
    assert expected == replaced(nk, **change(nk))


def test_a_driver_whose_kind_changed_under_an_expression_is_refused() -> None:
    """An expression compiled for a number cannot silently read a categorical driver's category codes."""
    s = Scenario.from_yaml(
        HEADER + "horizons: {a: {until: 1y}}\n"
        "drivers: {x: {constant: 1}}\nevents: {e: {rate: x}}\nscenarios: {hit: e, rest: otherwise}\n",
        path="s.yaml",
    )
    x = dataclasses.replace(s.drivers[0], stated=CategoricalForm((("a", 0.5), ("b", 0.5))))
    with pytest.raises(ScenarioError) as info:
        dataclasses.replace(s, drivers=(x,))
    assert (
        "s.yaml:8:20: events.e.rate: was compiled with 'x' as a number, but it is categories a, b in this scenario"
        == (str(info.value))
    )


def test_a_valid_replace_is_accepted(nk: Scenario) -> None:
    """A change that leaves every reference intact (a label) is a valid scenario."""
    renamed = dataclasses.replace(nk, title="Another title")
    assert "Another title" == renamed.title
