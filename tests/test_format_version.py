"""The format version a file declares: ``outlook: 1`` and ``outlook: 1.1`` are read; anything else is one located line."""

from __future__ import annotations

import pytest

from outlook import Scenario, ScenarioErrors
from outlook.errors import Location
from outlook.scenario import FORMAT_VERSION, FORMAT_VERSIONS
from outlook.scenario.values import Reader, Skip
from outlook.testing import HEADER

REST = "horizons: {a: {until: 1y}}\nscenarios: {rest: otherwise}\ndrivers: {x: 1}\n"


def errors(text: str) -> list[str]:
    """The lines of the ScenarioErrors that loading ``text`` as s.yaml raises."""
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    return str(info.value).splitlines()


def test_the_versions_read() -> None:
    """1 is the original format and 1.1 the newest; both load, and the scenario keeps what the file said."""
    assert (1, 1.1) == FORMAT_VERSIONS
    assert 1.1 == FORMAT_VERSION
    assert 1 == Scenario.from_yaml(HEADER + REST).version
    assert 1.1 == Scenario.from_yaml(HEADER.replace("outlook: 1\n", "outlook: 1.1\n") + REST).version


def test_a_version_1_file_hashes_as_before() -> None:
    """A file that says ``outlook: 1`` keeps its canonical form: the version stays the integer 1."""
    s = Scenario.from_yaml(HEADER + REST)
    assert isinstance(s.version, int)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"1"', "s.yaml:1:10: outlook: the format version must be the number 1, not text: write it without quotes (got '1')"),
        ("'1.1'", "s.yaml:1:10: outlook: the format version must be the number 1.1, not text: write it without quotes (got '1.1')"),
        ("2", "s.yaml:1:10: outlook: unsupported format version; this outlook reads versions 1 and 1.1 (got 2)"),
        ("1.2", "s.yaml:1:10: outlook: unsupported format version; this outlook reads versions 1 and 1.1 (got 1.2)"),
        ("true", "s.yaml:1:10: outlook: unsupported format version; this outlook reads versions 1 and 1.1 (got true)"),
    ],
    ids=["text-1", "text-1.1", "2", "1.2", "bool"],
)  # fmt: skip
def test_other_versions_are_one_line(value: str, expected: str) -> None:
    assert [expected] == errors(HEADER.replace("outlook: 1\n", f"outlook: {value}\n") + REST)


def test_a_newer_feature_in_an_older_file_is_refused() -> None:
    """``Reader.needs_format`` names the feature, and says what to write."""
    r = Reader("s.yaml")
    r.version = 1
    with pytest.raises(Skip):
        r.needs_format(Location("s.yaml", 3, 5, "drivers.x.truncate"), "truncate")
    assert [
        "s.yaml:3:5: drivers.x.truncate: truncate is new in format 1.1: write 'outlook: 1.1' at the top of the file"
    ] == [str(e) for e in r.errors]
    r.version = 1.1
    r.needs_format(Location("s.yaml", 3, 5, "drivers.x.truncate"), "truncate")
    assert 1 == len(r.errors)
