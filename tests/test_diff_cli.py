"""``outlook diff OLD NEW``: text, CSV and JSON, exit codes, and both files left as they were."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from outlook.cli import main

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    text = ARCHIVED.read_text(encoding="utf-8")
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(text, encoding="utf-8")
    changed = text.replace("outlook: 1\n", "outlook: 1.1\n", 1).replace(
        "    uniform: {min: 0.5, max: 1.0}", "    constant: 1.0", 1
    )
    assert changed.count("constant: 1.0") >= 1
    new.write_text(changed.replace("as_of: 2024-11-01\n", "as_of: 2024-11-01\nsupersedes: old.yaml\n", 1))
    return old, new


def test_text_lists_the_changes_the_moves_and_the_sentences(versions: tuple[Path, Path]) -> None:
    old, new = versions
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in versions]
    code, out, err = _cli("diff", str(old), str(new), "-n", "4000")
    assert (code, err) == (0, "")
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in versions] == before
    lines = out.splitlines()
    assert lines[0] == f"diff {old} -> {new}: 4000 samples, seed 0, scale icd203"
    assert lines[1] == "attribution: exact Shapley values over 1 changed block (2 runs)"
    assert "drivers.china_brake.constant  added" in out
    assert "judgements that moved" in out
    assert "- We now assess A further North Korean contingent" in out


def test_json_and_csv(versions: tuple[Path, Path]) -> None:
    old, new = versions
    code, out, _ = _cli("diff", str(old), str(new), "-n", "3000", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["method"], data["blocks"], data["samples"]) == ("shapley", ["drivers.china_brake"], 3000)
    moved = [j for j in data["judgements"] if j["delta"] not in (0, None)]
    assert moved
    by_target = {(a["kind"], a["target"], a["horizon"]): a["contribution"] for a in data["attribution"]}
    for j in moved:
        assert by_target[j["kind"], j["target"], j["horizon"]] == pytest.approx(j["delta"], abs=1e-15)
    assert data["sentences"]
    code, out, _ = _cli("diff", str(old), str(new), "-n", "3000", "-f", "csv")
    assert code == 0
    sections = out.split("\n\n")
    assert [s.splitlines()[0] for s in sections] == ["# changes", "# judgements", "# attribution"]
    rows = list(csv.DictReader(io.StringIO(sections[1].split("\n", 1)[1])))
    assert {r["status"] for r in rows} == {"comparable"}


def test_exit_codes(versions: tuple[Path, Path], tmp_path: Path) -> None:
    old, _ = versions
    code, out, err = _cli("diff", str(old), str(tmp_path / "missing.yaml"))
    assert (code, out) == (2, "")
    assert "missing.yaml" in err
    code, _, err = _cli("diff", str(old), str(old), "--sampler", "sobol")
    assert code == 2
    assert err == "outlook: error: diff attributes moves on common random numbers: --sampler must be random\n"
    code, _, err = _cli("diff", str(old), str(old), "-n", "0")
    assert code == 2
    code, out, _ = _cli("diff", str(old), str(old), "-n", "1000")
    assert code == 0
    assert "none: the two versions state the same." in out
    assert "none: no judgement moved." in out


def test_long_values_in_the_changed_inputs_are_cut(versions: tuple[Path, Path]) -> None:
    """A long changed value is shown as its first 60 characters and its length; JSON keeps it whole."""
    old, new = versions
    long = "A" * 59 + "BCDEFGHIJ" * 10
    new.write_text(new.read_text(encoding="utf-8").replace("\ntitle: ", f"\ntitle: {long}\nx_title: ", 1))
    new.write_text(new.read_text(encoding="utf-8").replace("\nx_title: ", "\n# ", 1))
    code, out, err = _cli("diff", str(old), str(new), "-n", "1000")
    assert (code, err) == (0, "")
    row = next(line for line in out.splitlines() if line.startswith("title "))
    assert "A" * 59 + "B… (149 characters)" in row
    assert "BCDEFGHIJ" * 10 not in out
    _, out, _ = _cli("diff", str(old), str(new), "-n", "1000", "--format", "json")
    assert {"key_path": "title", "new": long} == {
        k: v for k, v in json.loads(out)["changes"][0].items() if k in ("key_path", "new")
    }


def test_a_word_change_within_the_noise_is_noted_and_not_called_no_change(tmp_path: Path) -> None:
    """P(e) on the 20% boundary (seed 4): the diff notes the word changes that are not flips; the report does not
    say that no judgement changes word."""
    import outlook
    from outlook.report import build_report
    from outlook.testing import tiny_yaml

    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    text = tiny_yaml(drivers={"r": 0.2231}, events={"e": {"rate": "r"}}).replace("outlook: 1\n", "outlook: 1.1\n")
    old.write_text(text, encoding="utf-8")
    new.write_text(text.replace("0.2231", "0.224").replace("horizons:", "supersedes: old.yaml\nhorizons:"))
    code, out, err = _cli("diff", str(old), str(new), "-n", "2000", "-s", "4")
    assert (code, err) == (0, "")
    assert out.endswith(
        "word changes within Monte Carlo error are not flips: 2 rows change word with |delta| <= 2 delta_se "
        "or a p within 2 SE of a word boundary (e_happens@soon, e@soon)\n"
    )
    report, _ = build_report(outlook.run_outlook(new, samples=2_000, seed=4), format="markdown", figures=False)
    assert "No judgement changes its estimative word" not in report
    assert "No judgement changes word beyond Monte Carlo error; 2 change word within it" in report
