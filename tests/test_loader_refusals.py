"""What the loader let through or failed on (an attacker's finds): each is now one located line."""

from __future__ import annotations

from typing import Any

import pytest

from outlook import Scenario, ScenarioError, ScenarioErrors, load_scenario
from outlook.testing import HEADER

#: after HEADER (lines 1-5): a horizon and the closing rule; the test's lines start at line 8
REST = "horizons: {a: {until: 1y}}\nscenarios: {rest: otherwise}\n"


def errors(text: str) -> list[str]:
    """The lines of the ScenarioErrors that loading ``text`` as s.yaml raises."""
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    return str(info.value).splitlines()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ("%YAML 1.1\n---\n", "s.yaml:1:1: %YAML 1.1 is not read here: a scenario file is YAML 1.2 (write %YAML 1.2, or no directive)"),
        ("%TAG !e! tag:e,2024:\n%YAML 1.1\n---\n", "s.yaml:2:1: %YAML 1.1 is not read here: a scenario file is YAML 1.2 (write %YAML 1.2, or no directive)"),
        ("%YAML 2.0\n---\n", "s.yaml:1:1: %YAML 2.0 is not read here: a scenario file is YAML 1.2 (write %YAML 1.2, or no directive)"),
    ],
    ids=["1.1", "after-a-tag-directive", "2.0"],
)  # fmt: skip
def test_a_yaml_directive_other_than_1_2_is_refused(head: str, expected: str) -> None:
    """%YAML 1.1 would have 010 read as 8 by a 1.1 reader, and 10 here: the file is refused, not misread."""
    assert [expected] == errors(head + HEADER + REST + "drivers: {x: 010}\n")


def test_a_yaml_1_2_directive_is_read() -> None:
    """%YAML 1.2 says what the file is."""
    s = Scenario.from_yaml("%YAML 1.2\n---\n" + HEADER + REST + "drivers: {x: 010}\n")
    assert 10.0 == s.driver("x").stated.value  # type: ignore[union-attr]


def test_an_alias_is_located_where_it_is_written() -> None:
    """An alias used as a key: the message points at the alias (line 10), not at the anchor (line 4)."""
    text = HEADER.replace("question: Does it happen?", "question: &q Does it happen?") + REST
    assert [
        "s.yaml:10:3: drivers.Does it happen?: a name must start with a letter or _ and hold only letters, "
        "digits and _ (got 'Does it happen?')"
    ] == errors(text + "drivers:\n  y: 1\n  *q : 1\n")


def test_a_tagged_key_is_one_clear_error() -> None:
    """`!!int 12` as a derived quantity's name: one located line, no cascade."""
    assert [
        "s.yaml:9:11: derived.12: a name must start with a letter or _ and hold only letters, digits and _ (got '12')"
    ] == errors(HEADER + REST + "drivers: {x: 1}\nderived: {!!int 12: x, z: x + 1}\n")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (0, "<scenario>: expected the path of a scenario file (got 0)"),
        (b"s.yaml", "<scenario>: expected the path of a scenario file (got b's.yaml')"),
        ("a\0b.yaml", "a\\0b.yaml: a path cannot hold a NUL character"),
    ],
    ids=["file-descriptor", "bytes", "nul"],
)
def test_load_scenario_takes_only_a_path(path: Any, expected: str) -> None:
    """0 would stat file descriptor 0, a NUL raises ValueError in os.stat: both are one clear ScenarioError."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert expected == str(info.value)
