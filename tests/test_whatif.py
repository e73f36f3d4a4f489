"""What-ifs: outlook.analysis.compare.whatif and ``outlook whatif``; the file is never changed."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from outlook.analysis.compare import compare, whatif
from outlook.cli import main
from outlook.errors import ScenarioErrors
from outlook.scenario import find_scenario, load_scenario

BRAKE = "drivers.china_brake={constant: 1.0}"


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "case.yaml"
    shutil.copyfile(find_scenario("nk-troops-russia"), path)
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    return path


def test_whatif_is_compare_with_flips_first_then_the_largest_moves() -> None:
    s = load_scenario(find_scenario("nk-troops-russia"))
    t = whatif(s, {"drivers.china_brake": {"constant": 1.0}}, samples=5_000, seed=2)
    flips = t.flip.to_numpy()
    assert flips.any()
    assert not (np.diff(flips.astype(int)) > 0).any()  # no flip after a non-flip
    rest = np.abs(t.delta[~t.flip].to_numpy())
    assert (np.diff(rest) <= 0).all()
    plain = compare(s, s.with_overrides({"drivers.china_brake": {"constant": 1.0}}), samples=5_000, seed=2)
    key = ["kind", "target", "horizon"]
    merged = t.merge(plain, on=key, suffixes=("", "_plain"))
    assert len(merged) == len(plain) == len(t)
    assert (merged.delta == merged.delta_plain).all()
    assert t.attrs["overrides"] == ["drivers.china_brake={constant: 1.0}"]


def test_the_cli_never_changes_the_file(scenario_file: Path) -> None:
    before = scenario_file.read_bytes(), scenario_file.stat().st_mtime_ns
    code, out, err = _cli("whatif", str(scenario_file), "--set", BRAKE, "-n", "4000")
    assert (code, err) == (0, "")
    assert (scenario_file.read_bytes(), scenario_file.stat().st_mtime_ns) == before
    assert sorted(p.name for p in scenario_file.parent.iterdir()) == ["case.yaml"]  # nothing written beside it
    lines = out.splitlines()
    assert lines[0] == f"what-if on {scenario_file}: {BRAKE}"
    header = lines[3].split()
    assert header == ["kind", "target", "horizon", "p_a", "p_b", "delta", "delta_se", "word_a", "word_b", "flip"]
    assert lines[4].endswith("True")  # flips first
    assert "judgements flip" in lines[1] or "judgement flips" in lines[1]


def test_the_cli_json_and_csv_carry_every_column() -> None:
    code, out, _ = _cli("whatif", "nk-troops-russia", "--set", BRAKE, "-n", "3000", "--seed", "5", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["overrides"] == [BRAKE]
    assert (data["samples"], data["seed"], data["scale"]) == (3000, 5, "icd203")
    rows = data["comparison"]
    s = load_scenario(find_scenario("nk-troops-russia"))
    api = whatif(s, {"drivers.china_brake": {"constant": 1.0}}, samples=3000, seed=5)
    assert [r["target"] for r in rows] == list(api.target)
    assert [r["delta"] for r in rows] == pytest.approx(list(api.delta), abs=0)
    assert set(rows[0]) == set(api.columns)
    code, out, _ = _cli("whatif", "nk-troops-russia", "--set", BRAKE, "-n", "3000", "--seed", "5", "-f", "csv")
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert [r["target"] for r in table] == list(api.target)
    assert int(table[0]["n"]) == 3000


def test_the_cli_exit_codes() -> None:
    code, out, err = _cli("whatif", "nk-troops-russia")
    assert (code, out) == (2, "")
    assert err == "outlook: error: whatif needs at least one --set KEY=VALUE (the change to compare with the base)\n"
    code, _, err = _cli("whatif", "nk-troops-russia", "--set", "drivers.china_brake.range=[0.9]", "-n", "1000")
    assert code == 2
    assert "drivers.china_brake" in err
    code, _, err = _cli("whatif", "no-such-scenario", "--set", BRAKE)
    assert code == 2
    code, _, err = _cli("whatif", "nk-troops-russia", "--set", BRAKE, "--scale", "nope")
    assert code == 2
    assert "unknown scale 'nope'" in err


def test_an_override_naming_an_id_the_file_lacks_is_refused() -> None:
    """--set drivers.zz=1 would add a driver nothing reads: refused, as an assumption's if_false refuses it."""
    code, out, err = _cli("whatif", "nk-troops-russia", "--set", "drivers.china_brak=1", "-n", "1000")
    assert (code, out) == (2, "")
    assert err == "override drivers.china_brak: unknown driver 'china_brak'. Did you mean 'drivers.china_brake'?\n"
    with pytest.raises(ScenarioErrors) as info:
        whatif("nk-troops-russia", {"events.zz": {"rate": 0.1}, "scenarios.qq": "otherwise"}, samples=1_000)
    assert [str(e) for e in info.value.errors] == [
        "override events.zz: unknown event 'zz'",
        "override scenarios.qq: unknown scenario 'qq'",
    ]


@pytest.mark.parametrize(
    "command", ["whatif", "run", "check", "sensitivity", "assumptions", "premortem", "indicators", "ach"]
)
def test_the_same_set_key_twice_is_refused(command: str) -> None:
    """--set drivers.x=1 --set drivers.x=2: the later would silently win; every command's --set refuses it."""
    sets = ["--set", "drivers.china_brake=1", "--set", "drivers.china_brake = 0.5"]
    needs = {"premortem": ["--target", "contained@short"]}.get(command, [])
    code, out, err = _cli(command, "nk-troops-russia", *needs, *sets)
    assert (code, out) == (2, "")
    assert err == "--set drivers.china_brake: given twice (set each key once)\n"


NOISE = (
    "word changes within Monte Carlo error are not flips: 2 rows change word with |delta| <= 2 delta_se "
    "or a p within 2 SE of a word boundary (e_happens@soon, e@soon)"
)


def test_a_word_change_within_the_noise_is_explained_under_the_table(tmp_path: Path) -> None:
    """P(e) = 1 - exp(-r) sits on the 20% boundary: with seed 4 both e rows change word, and neither is a flip."""
    from outlook.testing import tiny_yaml

    path = tmp_path / "edge.yaml"
    path.write_text(tiny_yaml(drivers={"r": 0.2231}, events={"e": {"rate": "r"}}), encoding="utf-8")
    args = ("--set", "drivers.r=0.2240", "-n", "2000", "-s", "4")
    t = whatif(path, {"drivers.r": 0.2240}, samples=2_000, seed=4)
    changed = t[t.word_a != t.word_b]
    assert (len(changed), bool(changed.flip.any())) == (2, False)  # the case the note is for
    code, out, _ = _cli("whatif", str(path), *args)
    assert code == 0
    assert out.endswith(f"{NOISE}\n")


def test_the_note_counts_only_word_changes_that_do_not_flip() -> None:
    """A flip, or the same word, needs no note; a comparable row that changes word without flipping does."""
    import pandas as pd

    from outlook.commands.whatif import within_noise_note

    frame = pd.DataFrame({"word_a": ["likely", "likely", "unlikely"], "word_b": ["likely", "unlikely", "likely"]})
    assert within_noise_note(frame.assign(flip=[False, True, True])) == ""
    assert within_noise_note(frame.assign(flip=[False, False, True])).split(": ")[1].startswith("1 row changes word")
    diff = frame.rename(columns={"word_a": "word_old", "word_b": "word_new"}).assign(
        flip=False, status=["comparable", "comparable", "added"]
    )
    assert within_noise_note(diff, "word_old", "word_new").split(": ")[1].startswith("1 row changes word")
