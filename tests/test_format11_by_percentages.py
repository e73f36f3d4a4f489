"""Percentages as ``by:`` probabilities (format 1.1): ``40%`` is the constant 0.4, checked as a probability.

The simulated cumulative probability at a stated point is the stated one,
within five binomial standard errors; each error has its exact text.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from outlook import Scenario, ScenarioErrors, simulate
from outlook.testing import HEADER

V11 = HEADER.replace("outlook: 1\n", "outlook: 1.1\n")
REST = "horizons: {y1: {until: 1y}, y2: {until: 2y}}\ndrivers: {}\nscenarios: {hit: e, rest: otherwise}\n"


def load(events: str, header: str = V11) -> Scenario:
    return Scenario.from_yaml(header + REST + events, path="s.yaml")


def errors(events: str, header: str = V11) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        load(events, header)
    return str(info.value).splitlines()


def test_a_percentage_states_the_same_as_its_share() -> None:
    """``by: {y1: 40%}`` is the scenario ``by: {y1: 0.4}``: equal, with the same hash and the same file form."""
    percent = load("events: {e: {by: {y1: 40%, 18mo: 55%, y2: 62.5%}}}\n")
    share = load("events: {e: {by: {y1: 0.4, 18mo: 0.55, y2: 0.625}}}\n")
    assert share == percent
    assert share.hash == percent.hash
    assert (0.4, 0.55, 0.625) == tuple(e.constant for _, e in percent.event("e").by)
    assert Scenario.from_dict(percent.to_dict()) == percent


def test_the_run_gives_the_stated_probability() -> None:
    """The share of worlds where the event has happened by each stated point is the stated percentage."""
    s = load("events: {e: {by: {y1: 40%, y2: 70%}}}\n")
    n = 100_000
    run = simulate(s, samples=n, seed=3)
    for k, p in enumerate((0.4, 0.7)):
        got = float(run.counts.scenarios[k, 0]) / n
        assert abs(got - p) < 5 * math.sqrt(p * (1 - p) / n)


def test_an_override_may_be_a_percentage() -> None:
    """``--set events.e.by.y1=30%`` goes through the same reader."""
    s = load("events: {e: {by: {y1: 0.4}}}\n").with_overrides({"events.e.by.y1": "30%"})
    assert 0.3 == s.event("e").by[0][1].constant


@pytest.mark.parametrize(
    ("events", "header", "expected"),
    [
        (
            "events: {e: {by: {y1: 140%}}}\n",
            V11,
            "s.yaml:9:23: events.e.by.y1: probability must lie in [0, 1] (got 1.4)",
        ),
        (
            "events: {e: {by: {y1: 60%, y2: 40%}}}\n",
            V11,
            "s.yaml:9:32: events.e.by.y2: cumulative probability falls from 0.6 by y1 to 0.4 by y2; "
            "it cannot decrease over time",
        ),
        (
            "events: {e: {by: {y1: 40%}}}\n",
            HEADER,
            "s.yaml:9:23: events.e.by.y1: a percentage is new in format 1.1: write 'outlook: 1.1' at the top of the file",
        ),
    ],
    ids=["above-100", "falling", "format-1"],
)
def test_errors_are_exact(events: str, header: str, expected: str) -> None:
    assert [expected] == errors(events, header)


def test_the_documented_example_loads() -> None:
    """The ``by:`` percentages example of docs/scenario-format.md is valid and states 0.2 and 0.45."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(events:\n  agreement:.*?)```", doc, re.DOTALL)
    assert block is not None
    s = Scenario.from_yaml(
        V11 + "horizons: {y1: {until: 1y}}\ndrivers: {}\nscenarios: {rest: otherwise}\n" + block.group(1)
    )
    assert (0.2, 0.45) == tuple(e.constant for _, e in s.event("agreement").by)
