"""The forecast ledger: lines as a run's tables say, appended atomically, never rewritten, read with located errors."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
from pathlib import Path

import pytest

import outlook
from outlook.cli import main
from outlook.errors import ScenarioError, ScenarioErrors
from outlook.scoring import (
    LEDGER_FORMAT,
    append_records,
    definition_hash,
    ledger_add,
    ledger_records,
    load_resolutions,
    read_ledger,
    read_resolutions,
)
from outlook.scoring.ledger import _locked, check_hindsight
from outlook.testing import tiny_scenario, tiny_yaml

DAY = dt.date(2024, 3, 1)


def _scenario(note: str = "") -> outlook.Scenario:
    return tiny_scenario(
        horizons={"soon": {"until": "1y"}, "later": {"until": "2y"}},
        drivers={"r": {"constant": 0.3}},
        events={"e": {"rate": "r", **({"note": note} if note else {})}, "f": {"rate": 0.1}},
        rules={"hit": "e"},
    )


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def records() -> list[dict]:
    return ledger_records(outlook.run_outlook(_scenario(), samples=2_000, seed=1), issued=DAY, run="r1")


def test_a_line_per_scenario_and_event_at_every_horizon_with_the_tables_probabilities(records: list[dict]) -> None:
    t = outlook.run_outlook(_scenario(), samples=2_000, seed=1)
    assert [(r["horizon"], r["kind"], r["target"]) for r in records] == [
        (h, k, x)
        for h in ("soon", "later")
        for k, x in (("scenario", "hit"), ("scenario", "rest"), ("event", "e"), ("event", "f"))
    ]
    p = {(r["kind"], r["target"], r["horizon"]): r["p"] for r in records}
    for row in t.events.itertuples():
        assert p[("event", row.event, row.horizon)] == row.p_by
    for row in t.scenarios.itertuples():
        assert p[("scenario", row.scenario, row.horizon)] == row.p
    first = records[0]
    assert first["ledger"] == LEDGER_FORMAT
    assert (first["as_of"], first["issued"], first["horizon_end"]) == ("2024-01-01", "2024-03-01", "2025-01-01")
    assert records[-1]["horizon_end"] == "2026-01-01"
    assert first["scenario_hash"] == t.manifest.scenario_hash == first["manifest"]["scenario_hash"]
    assert first["manifest"]["seed"] == 1
    assert first["manifest"]["samples"] == 2_000
    assert {r["run"] for r in records} == {"r1"}
    assert all(r["word"] == outlook.estimative_word(r["p"]) for r in records)


def test_the_definition_hash_covers_the_target_s_own_record_and_nothing_else() -> None:
    a, b = _scenario(), _scenario(note="now counted differently")
    assert definition_hash(a, "event", "e") != definition_hash(b, "event", "e")
    assert definition_hash(a, "event", "f") == definition_hash(b, "event", "f")
    assert definition_hash(a, "scenario", "hit") == definition_hash(b, "scenario", "hit")
    assert definition_hash(a, "event", "e") != definition_hash(a, "scenario", "hit")
    assert len(definition_hash(a, "event", "e")) == 64


def test_lines_are_appended_and_an_existing_line_is_never_rewritten(tmp_path: Path, records: list[dict]) -> None:
    path = tmp_path / "ledger.jsonl"
    assert append_records(path, records) == 8
    before = path.read_bytes()
    assert before.count(b"\n") == 8
    assert before.endswith(b"\n")
    assert append_records(path, records[:3]) == 3
    after = path.read_bytes()
    assert after.startswith(before)
    assert after.count(b"\n") == 11
    back = read_ledger(path)
    assert [r["_line"] for r in back] == list(range(1, 12))
    assert {k: v for k, v in back[0].items() if k != "_line"} == records[0]


def test_a_crash_while_writing_leaves_the_ledger_as_it_was(
    tmp_path: Path, records: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new ledger is written aside and renamed over the old: interrupted before the rename, nothing changes."""
    path = tmp_path / "ledger.jsonl"
    append_records(path, records[:2])
    before = path.read_bytes()

    def crash(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        append_records(path, records)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.jsonl", "ledger.jsonl.lock"]  # no temporary file


def test_the_lock_is_exclusive_while_a_ledger_is_written(tmp_path: Path) -> None:
    fcntl = pytest.importorskip("fcntl")
    path = tmp_path / "ledger.jsonl"
    with _locked(path):
        fd = os.open(tmp_path / "ledger.jsonl.lock", os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(tmp_path / "ledger.jsonl.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released: taken at once
    finally:
        os.close(fd)


def test_a_ledger_that_is_not_json_lines_is_refused_with_its_line(tmp_path: Path, records: list[dict]) -> None:
    path = tmp_path / "ledger.jsonl"
    good = json.dumps(records[0])
    missing = json.dumps({k: v for k, v in records[0].items() if k != "p"})
    path.write_text(f"{good}\n{{oops\n[1]\n{missing}\n\n", encoding="utf-8")
    with pytest.raises(ScenarioErrors) as info:
        read_ledger(path)
    assert [str(e) for e in info.value.errors] == [
        f"{path}:2:2: not valid JSON: Expecting property name enclosed in double quotes",
        f"{path}:3:1: expected a JSON object (one forecast) (got 'list')",
        f"{path}:4:1: p: missing key",
        f"{path}:5:1: empty line: a ledger holds one JSON object per line",
    ]
    before = path.read_bytes()
    with pytest.raises(ScenarioErrors):
        append_records(path, records)
    assert path.read_bytes() == before


def test_a_cut_short_last_line_is_refused_and_the_ledger_left_alone(tmp_path: Path, records: list[dict]) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_text(json.dumps(records[0]) + "\n" + json.dumps(records[1])[:40], encoding="utf-8")
    before = path.read_bytes()
    with pytest.raises(ScenarioErrors, match=r"ledger.jsonl:2:1: the last line has no line end"):
        append_records(path, records)
    assert path.read_bytes() == before


def test_a_bad_value_is_named_by_its_key(tmp_path: Path, records: list[dict]) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_text(json.dumps({**records[0], "p": 1.5}) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioErrors, match=r":1:1: p: expected a probability from 0 to 1 \(got 1.5\)"):
        read_ledger(path)
    with pytest.raises(ValueError, match="not a ledger line: issued: expected a date"):
        append_records(path, [{**records[0], "issued": "March"}])
    with pytest.raises(ScenarioError, match="no such ledger file"):
        read_ledger(tmp_path / "absent.jsonl")


def _resolution(target: str, horizon: str, outcome: object, date: str, scenario: str = "tiny") -> dict:
    return {"scenario": scenario, "target": target, "horizon": horizon, "outcome": outcome, "date": date}


def test_hindsight_is_refused_for_the_same_question_and_for_an_event_already_happened(records: list[dict]) -> None:
    # e happened, known 2024-02-01, before the forecasts' issue date (2024-03-01): every horizon's e is hindsight
    with pytest.raises(ScenarioErrors) as info:
        check_hindsight(records, read_resolutions([_resolution("e", "soon", 1, "2024-02-01")]))
    assert [str(e) for e in info.value.errors] == [
        "<resolutions>: resolutions[0]: refused as hindsight: the forecast of e at soon has issued 2024-03-01, "
        "on or after this resolution's date 2024-02-01",
        "<resolutions>: resolutions[0]: refused as hindsight: the forecast of e at later has issued 2024-03-01, "
        "on or after this resolution's date 2024-02-01",
    ]
    # f did not happen by 'soon': that says nothing about 'later'; a scenario's outcome is per horizon
    later = [r for r in records if r["horizon"] == "later"]
    check_hindsight(later, read_resolutions([_resolution("f", "soon", 0, "2024-02-01")]))
    check_hindsight(later, read_resolutions([_resolution("hit", "soon", 1, "2024-02-01")]))
    # the same question: refused whatever the outcome, on as_of as on issued
    early = [{**r, "issued": "2023-12-01"} for r in records]
    with pytest.raises(ScenarioErrors, match="the forecast of f at soon has as_of 2024-01-01, on or after"):
        check_hindsight(early, read_resolutions([_resolution("f", "soon", "annulled", "2024-01-01")]))
    check_hindsight(early, read_resolutions([_resolution("f", "soon", 0, "2024-01-02")]))  # the day after: fine
    check_hindsight(records, read_resolutions([_resolution("e", "soon", 1, "2024-02-01", scenario="other")]))


def test_ledger_add_refuses_hindsight_and_writes_nothing(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(tiny_yaml(drivers={"r": 0.3}, events={"e": {"rate": "r"}}), encoding="utf-8")
    resolutions = tmp_path / "resolutions.yaml"
    resolutions.write_text(
        "- {scenario: tiny, target: e, horizon: soon, outcome: 1, date: 2024-06-01}\n", encoding="utf-8"
    )
    ledger = tmp_path / "ledger.jsonl"
    lines = ledger_add(scenario, ledger, samples=500, issued=dt.date(2024, 2, 1), resolutions=resolutions)
    assert len(lines) == len(read_ledger(ledger)) == 3  # e_happens, rest, e at one horizon
    before = ledger.read_bytes()
    with pytest.raises(ScenarioErrors, match="refused as hindsight"):
        ledger_add(scenario, ledger, samples=500, issued=dt.date(2024, 7, 1), resolutions=load_resolutions(resolutions))
    assert ledger.read_bytes() == before


def test_the_command_appends_and_reports_located_errors(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(tiny_yaml(drivers={"r": 0.3}, events={"e": {"rate": "r"}}), encoding="utf-8")
    ledger = tmp_path / "ledger.jsonl"
    code, out, err = _cli(
        "ledger", "add", str(scenario), "--ledger", str(ledger), "-n", "500", "--issued", "2024-02-01"
    )
    assert (code, err) == (0, "")
    assert out.startswith("3 forecasts of tiny (as of 2024-01-01, issued 2024-02-01, run ")
    assert out.endswith(f"appended to {ledger}\n")
    with ledger.open("a", encoding="utf-8") as f:
        f.write("not json\n")
    code, out, err = _cli("ledger", "add", str(scenario), "--ledger", str(ledger), "-n", "500")
    assert (code, out) == (2, "")
    assert err == f"{ledger}:4:1: not valid JSON: Expecting value\n"
    code, out, err = _cli("ledger", "add", str(scenario), "--ledger", str(tmp_path / "no" / "l.jsonl"), "-n", "500")
    assert (code, err) == (2, f"{tmp_path / 'no' / 'l.jsonl'}: cannot write the ledger: No such file or directory\n")
