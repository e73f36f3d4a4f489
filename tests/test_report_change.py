"""The report's "Change from previous analysis" section: only with supersedes:, located error if the file is missing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import outlook
from outlook.cli import main
from outlook.errors import ScenarioError
from outlook.report import build_report

#: the bundled case before its revision (issue 14): a fixed file to revise in a test
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"


def _write(tmp_path: Path, supersedes: str | None) -> Path:
    text = ARCHIVED.read_text(encoding="utf-8")
    (tmp_path / "old.yaml").write_text(text, encoding="utf-8")
    new = text.replace("outlook: 1\n", "outlook: 1.1\n", 1).replace(
        "    uniform: {min: 0.5, max: 1.0}", "    constant: 1.0", 1
    )
    if supersedes is not None:
        new = new.replace("as_of: 2024-11-01\n", f"as_of: 2024-11-01\nsupersedes: {supersedes}\n", 1)
    path = tmp_path / "new.yaml"
    path.write_text(new, encoding="utf-8")
    return path


def test_the_section_says_what_changed_and_why(tmp_path: Path) -> None:
    tables = outlook.run_outlook(_write(tmp_path, "old.yaml"), samples=4_000, seed=2)
    text, _ = build_report(tables, format="markdown", figures=False)
    assert "## Change from previous analysis" in text
    section = text.split("## Change from previous analysis", 1)[1].split("\n## ", 1)[0]
    assert "- We now assess A further North Korean contingent" in section
    # one cause for every flip: said once above the list, not after each sentence
    assert (
        "changes of word below come from the revised China's restraint on the deepening alliance estimate." in section
    )
    assert "chiefly because of" not in section
    assert "| drivers.china_brake.constant |  | 1 |" in section
    assert "same 4,000 worlds (seed 2" in section


def test_no_section_without_supersedes(tmp_path: Path) -> None:
    tables = outlook.run_outlook(_write(tmp_path, None), samples=1_000)
    text, _ = build_report(tables, format="markdown", figures=False)
    assert "Change from previous analysis" not in text


def test_a_missing_superseded_file_is_a_located_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "gone.yaml")
    tables = outlook.run_outlook(path, samples=1_000)
    with pytest.raises(ScenarioError) as info:
        build_report(tables, format="markdown", figures=False)
    gone = str(tmp_path / "gone.yaml")
    assert str(info.value) == f"{path}:9:13: supersedes: cannot read the superseded file {gone!r}: no such file"


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_a_renamed_id_the_superseded_file_lacks_is_refused(tmp_path: Path) -> None:
    """renamed: {old: new} pairs old with an id of the superseded file: one it lacks is refused, naming the file."""
    path = _write(tmp_path, "old.yaml")
    text = path.read_text(encoding="utf-8").replace(
        "supersedes: old.yaml\n", "supersedes: old.yaml\nrenamed: {brake: china_brake}\n"
    )
    path.write_text(text, encoding="utf-8")
    old = str(tmp_path / "old.yaml")
    expected = (
        f"{path}:10:11: renamed.brake: 'brake' is not an id of the superseded file {old!r}. Did you mean 'china_brake'?"
    )
    tables = outlook.run_outlook(path, samples=1_000)
    with pytest.raises(ScenarioError) as info:
        build_report(tables, format="markdown", figures=False)
    assert str(info.value) == expected
    assert _cli("check", str(path)) == (2, "", expected + "\n")


def test_a_different_scenario_id_is_a_warning_and_a_note(tmp_path: Path) -> None:
    """A superseded file with another scenario id: check warns, the report and diff say so; nothing is refused."""
    path = _write(tmp_path, "old.yaml")
    path.write_text(path.read_text(encoding="utf-8").replace("id: nk-troops-russia\n", "id: nk-troops\n", 1))
    note = "the two versions have different scenario ids (was 'nk-troops-russia', now 'nk-troops'): is it the same question?"
    # as_of moved to the Catalyst's date: the bundled file fails the cut-off check (F1) until it is revised
    code, _, err = _cli("check", str(path), "--set", "as_of=2024-11-15")
    assert (code, err.splitlines()[-1]) == (0, f"{path}:9:13: warning: supersedes: {note}")
    tables = outlook.run_outlook(path, samples=1_000)
    text, _ = build_report(tables, format="markdown", figures=False)
    assert f"Note: {note}" in text
    code, _, err = _cli("diff", str(tmp_path / "old.yaml"), str(path), "-n", "1000")
    assert (code, err) == (0, f"note: {note}\n")


def test_a_revision_whose_blocks_depend_on_one_another_is_attributed_as_one(tmp_path: Path) -> None:
    """A new driver feeding a changed event joins them, and more joined blocks are named by their count, not listed."""
    old = tmp_path / "old.yaml"
    old.write_text(
        "outlook: 1.1\nid: t\ntitle: T\nquestion: Q?\nas_of: 2024-01-01\n"
        "horizons: {soon: {until: 1y}}\ndrivers: {r: 0.1}\n"
        "events: {e: {rate: r}, f: {rate: r}}\nscenarios: {hit: {when: e}, miss: {when: otherwise}}\n",
        encoding="utf-8",
    )
    new = tmp_path / "new.yaml"
    new.write_text(
        "outlook: 1.1\nid: t\ntitle: T\nquestion: Q?\nas_of: 2024-01-01\nsupersedes: old.yaml\n"
        "horizons: {soon: {until: 1y}}\ndrivers: {r: 0.1, a: 0.5, b: 0.5, c: 0.5}\n"
        "derived: {k: a + b + c}\n"
        "events: {e: {rate: k}, f: {rate: a}}\nscenarios: {hit: {when: e}, miss: {when: otherwise}}\n",
        encoding="utf-8",
    )
    tables = outlook.run_outlook(outlook.load_scenario(new), samples=4_000, seed=0)
    text, _ = build_report(tables, format="markdown", figures=False)
    section = text.split("## Change from previous analysis\n", 1)[1].split("\n## ", 1)[0]
    assert "changes of word below come from the revision as a whole (" in section
    assert "changed blocks that depend on one another" in section
    assert "the revision as a whole, " in section  # the table's cause cell, by its size
    assert "drivers.a + drivers.b + " not in section
    assert "attributed together, as one" in section


TINY_OLD = """\
outlook: 1.1
id: tiny
title: Tiny
question: Does it happen?
as_of: 2024-01-01
horizons: {soon: {until: 1y}, later: {until: 5y}}
drivers: {r: {uniform: {min: 0.1, max: 0.3}}}
events:
  a: {rate: r, label: A happens}
  b: {rate: 0.01, label: B happens}
scenarios: {with_a: {when: a}, rest: otherwise}
"""


def test_redefined_added_and_removed_judgements_are_summed_up_not_tabled(tmp_path: Path) -> None:
    """b is reworded (redefined, same word), c is new, with_a's rule is untouched: the table holds only word
    changes; the redefined and the added are one line each."""
    (tmp_path / "old.yaml").write_text(TINY_OLD, encoding="utf-8")
    new = (
        TINY_OLD.replace("as_of: 2024-01-01\n", "as_of: 2024-01-01\nsupersedes: old.yaml\n")
        .replace("label: B happens}", "label: B officially reported}\n  c: {rate: 2, label: C happens}")
        .replace("{min: 0.1, max: 0.3}", "{min: 2, max: 3}")
    )
    (tmp_path / "new.yaml").write_text(new, encoding="utf-8")
    tables = outlook.run_outlook(tmp_path / "new.yaml", samples=4_000, seed=1)
    text, _ = build_report(tables, format="markdown", figures=False)
    section = text.split("## Change from previous analysis", 1)[1].split("\n## ", 1)[0]
    assert "- Redefined, with the same word at every horizon shown: one event (b)." in section
    assert (
        '- Added since the previous analysis: one event (c); its probabilities are under "Events by horizon".'
        in section
    )
    assert "| b |" not in section
    assert "| c |" not in section
    assert "| a | soon |" in section  # r moved from 0.1-0.3 to 2-3: a's word changes, a paired difference
    assert "not comparable" not in section
