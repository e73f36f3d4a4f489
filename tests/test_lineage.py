"""supersedes: and renamed: (format 1.1): read, checked with located messages, kept in the round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

import outlook
from outlook import Scenario
from outlook.errors import ScenarioError, ScenarioErrors
from outlook.scenario.lineage import Lineage, superseded_path
from outlook.testing import tiny_yaml


def _yaml(version: str = "1.1", **top: object) -> str:
    text = tiny_yaml(drivers={"k": 1}, events={"e": {"rate": "k"}})
    text = text.replace("outlook: 1\n", f"outlook: {version}\n", 1)
    extra = "".join(f"{k}: {v}\n" for k, v in top.items())
    return text.replace("horizons:\n", extra + "horizons:\n", 1)


def _errors(text: str) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="new.yaml")
    return [str(e) for e in info.value.errors]


def test_supersedes_and_renamed_are_read_and_round_trip() -> None:
    s = Scenario.from_yaml(_yaml(supersedes="old.yaml", renamed="{e_old: e, k_old: k}"), path="dir/new.yaml")
    assert s.lineage == Lineage("old.yaml", (("e_old", "e"), ("k_old", "k")))
    assert superseded_path(s.lineage, s.path) == Path("dir/old.yaml")
    again = Scenario.from_dict(s.to_dict())
    assert again.lineage == s.lineage
    assert again.hash == s.hash
    assert Scenario.from_yaml(_yaml()).lineage == Lineage()


def test_they_are_new_in_format_1_1() -> None:
    errors = _errors(_yaml("1", supersedes="old.yaml", renamed="{e_old: e}"))
    assert errors == [
        "new.yaml:6:13: supersedes: 'supersedes:' is new in format 1.1: write 'outlook: 1.1' at the top of the file",
        "new.yaml:7:10: renamed: 'renamed:' is new in format 1.1: write 'outlook: 1.1' at the top of the file",
    ]


def test_renamed_must_name_ids_of_this_file_once() -> None:
    errors = _errors(_yaml(renamed="{a: ee, b: k, c: k, k: k}"))
    assert errors == [
        "new.yaml:6:14: renamed.a: 'ee' is not an id of this file. Did you mean 'e'?",
        "new.yaml:6:27: renamed.c: 'k' is already the new id of 'b'",
        "new.yaml:6:33: renamed.k: an id renamed to itself (got 'k')",
    ]
    assert _errors(_yaml(supersedes="''")) == [
        "new.yaml:6:13: supersedes: expected the superseded file's path, relative to this file (got '')"
    ]


def test_superseded_path_without_supersedes_is_a_located_error() -> None:
    with pytest.raises(ScenarioError, match="names no superseded file"):
        superseded_path(Lineage(), "x.yaml")


def test_an_old_id_still_in_this_file_is_refused() -> None:
    """renamed: {k: e} while k is still a driver would pair the wrong nodes and invent moves."""
    assert _errors(_yaml(renamed="{k: e}")) == ["new.yaml:6:11: renamed.k: 'k' is still an id of this file"]


def test_a_file_cannot_supersede_itself(tmp_path: Path) -> None:
    """supersedes: naming the file itself (however written) is refused at supersedes:."""
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "new.yaml"
    path.write_text(_yaml(supersedes="../sub/new.yaml"), encoding="utf-8")
    with pytest.raises(ScenarioErrors) as info:
        outlook.load_scenario(path)
    assert [str(e) for e in info.value.errors] == [
        f"{path}:6:13: supersedes: a file cannot supersede itself (got '../sub/new.yaml')"
    ]
