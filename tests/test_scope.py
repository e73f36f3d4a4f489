"""The scope note (format 1.1 ``scope:``): read with located errors, kept by to_dict, opening the report (review R12)."""

from __future__ import annotations

import pytest

import outlook
from outlook.errors import ScenarioErrors
from outlook.report import build_report

BASE = """outlook: {version}
id: t
title: T
question: Will it happen?
{scope}as_of: 2024-01-01
horizons: {{soon: {{until: 1y}}}}
drivers: {{r: 0.2}}
events: {{e: {{rate: r}}}}
scenarios: {{hit: {{when: e}}, miss: {{when: otherwise}}}}
description: Background text.
"""


def _text(scope: str, version: str = "1.1") -> str:
    return BASE.format(version=version, scope=scope)


def test_scope_is_read_kept_and_round_trips() -> None:
    s = outlook.Scenario.from_yaml(_text("scope: >-\n  For planners;\n  one year only.\n"))
    assert s.scope == "For planners; one year only."
    again = outlook.Scenario.from_dict(s.to_dict())
    assert again.scope == s.scope
    assert again.hash == s.hash
    assert outlook.Scenario.from_yaml(_text("")).scope == ""
    assert s.hash != outlook.Scenario.from_yaml(_text("")).hash  # what is stated is fingerprinted


@pytest.mark.parametrize(
    ("scope", "version", "message"),
    [
        ("scope: readers\n", "1", "t.yaml:5:1: scope: 'scope' is new in format 1.1: write 'outlook: 1.1'"),
        ("scope: [1, 2]\n", "1.1", "t.yaml:5:8: scope: expected text (got [1, 2])"),
    ],
)
def test_a_bad_scope_is_a_located_error(scope: str, version: str, message: str) -> None:
    with pytest.raises(ScenarioErrors) as e:
        outlook.Scenario.from_yaml(_text(scope, version), path="t.yaml")
    assert str(e.value).splitlines()[0].startswith(message)


def test_the_report_opens_with_the_scope_under_the_question() -> None:
    s = outlook.Scenario.from_yaml(_text("scope: For planners in the region; one year only.\n"))
    text, _ = build_report(outlook.run_outlook(s, samples=2_000, seed=0), format="markdown", figures=False)
    lines = [x for x in text.splitlines() if x.strip()]
    assert lines[1].startswith("**Question.** Will it happen?")
    assert lines[2] == "**Scope.** For planners in the region; one year only."
    assert lines[3].startswith("As of 1 January 2024 (the information cut-off).")
    plain, _ = build_report(
        outlook.run_outlook(outlook.Scenario.from_yaml(_text("")), samples=2_000), format="markdown"
    )
    assert "**Scope.**" not in plain
