"""Scores against hand-computed examples, scipy and an independent implementation (scoringrules)."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.stats

from outlook.cli import main
from outlook.errors import ScenarioErrors
from outlook.scoring import (
    LOG_CLIP,
    brier,
    load_resolutions,
    log_score,
    multi_brier,
    murphy,
    read_resolutions,
    score,
    time_averaged_brier,
    wilson_interval,
)
from outlook.words import estimative_word

H = "a" * 64


def rec(target: str, p: float, **kw: Any) -> dict[str, Any]:
    """A hand-made ledger line: an event at horizon h of scenario 'case', issued 2025-01-02."""
    out = {
        "ledger": 1,
        "scenario_id": "case",
        "scenario_hash": "s" * 64,
        "run": "r1",
        "kind": "event",
        "target": target,
        "definition_hash": H,
        "horizon": "h",
        "horizon_end": "2025-12-31",
        "as_of": "2025-01-01",
        "issued": "2025-01-02",
        "p": p,
        "word": estimative_word(p),
        "scale": "icd203",
        "manifest": {},
    }
    out.update(kw)
    return out


def res(target: str, outcome: object, date: str = "2026-01-05", **kw: Any) -> dict[str, Any]:
    return {"scenario": "case", "target": target, "horizon": "h", "outcome": outcome, "date": date, **kw}


# -- the rules, by hand ------------------------------------------------------------------------------


def test_brier_and_log_score_by_hand() -> None:
    assert brier([0.8, 0.8, 0.3], [1, 0, 0]) == pytest.approx([0.04, 0.64, 0.09])
    assert log_score([0.8, 0.8, 0.3], [1, 0, 0]) == pytest.approx([math.log(0.8), math.log(0.2), math.log(0.7)])


def test_the_log_score_clips_p_to_a_thousandth() -> None:
    assert LOG_CLIP == (0.001, 0.999)
    assert log_score([0.0, 1.0, 0.0005], [1, 0, 1]) == pytest.approx([math.log(0.001)] * 3)
    assert log_score([1.0], [1]) == pytest.approx([math.log(0.999)])


def test_multi_category_brier_by_hand_and_its_range() -> None:
    assert float(multi_brier([0.7, 0.2, 0.1], [1, 0, 0])) == pytest.approx(0.09 + 0.04 + 0.01)
    assert float(multi_brier([0.0, 1.0, 0.0], [1, 0, 0])) == 2.0  # the worst
    assert float(multi_brier([0.25] * 4, [0, 0, 1, 0])) == pytest.approx(1 - 1 / 4)  # uniform: 1 - 1/K
    # for two categories it is twice the one-category score (the GJP form)
    assert float(multi_brier([0.8, 0.2], [0, 1])) == pytest.approx(2 * float(brier(0.8, 0)))


@pytest.mark.parametrize(("k", "n"), [(0, 1), (0, 10), (3, 10), (7, 10), (10, 10), (1, 37), (250, 400)])
def test_wilson_interval_matches_scipy(k: int, n: int) -> None:
    ci = scipy.stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(k, n) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_murphy_identity_is_exact_when_p_is_constant_in_each_bin() -> None:
    """By hand: p 0.1, 0.1, 0.7, 0.7 with outcomes 0, 1, 1, 1; BS 0.25 = REL 0.125 - RES 0.0625 + UNC 0.1875."""
    m = murphy([0.1, 0.1, 0.7, 0.7], [0, 1, 1, 1], ["a", "a", "b", "b"])
    assert m == pytest.approx(
        {"brier": 0.25, "reliability": 0.125, "resolution": 0.0625, "uncertainty": 0.1875, "within_bin": 0.0}, abs=1e-15
    )
    rng = np.random.default_rng(5)
    levels = np.array([0.02, 0.1, 0.3, 0.5, 0.7, 0.9])
    bins = rng.integers(0, levels.size, 400)
    p, o = levels[bins], (rng.random(400) < 0.4).astype(float)
    m = murphy(p, o, bins.tolist())
    assert m["within_bin"] == pytest.approx(0.0, abs=1e-12)
    assert m["brier"] == pytest.approx(m["reliability"] - m["resolution"] + m["uncertainty"], abs=1e-12)


def test_with_p_varying_in_a_bin_the_gap_is_stephenson_s_within_bin_term() -> None:
    rng = np.random.default_rng(6)
    p = rng.random(300)
    o = (rng.random(300) < p).astype(float)
    words = [estimative_word(x) for x in p]
    m = murphy(p, o, words)
    wbv = wbc = 0.0
    for w in set(words):
        i = np.array([x == w for x in words])
        wbv += float(((p[i] - p[i].mean()) ** 2).sum())
        wbc += float(((p[i] - p[i].mean()) * (o[i] - o[i].mean())).sum())
    assert m["within_bin"] == pytest.approx((wbv - 2 * wbc) / p.size, abs=1e-12)
    assert m["within_bin"] != pytest.approx(0.0, abs=1e-6)  # the identity does not hold exactly here
    assert m["brier"] == pytest.approx(float(((p - o) ** 2).mean()))


def test_time_averaged_brier_by_hand() -> None:
    """0.6 stands 10 days, 0.9 stands 5 days before the question resolves yes: (10 * 0.16 + 5 * 0.01) / 15."""
    days = [dt.date(2025, 1, 1), dt.date(2025, 1, 11)]
    assert time_averaged_brier(days, [0.6, 0.9], 1, dt.date(2025, 1, 16)) == pytest.approx((1.65 / 15, 15))
    # order does not matter; on a day with two forecasts the later line wins
    days3 = [dt.date(2025, 1, 11), dt.date(2025, 1, 1), dt.date(2025, 1, 11)]
    assert time_averaged_brier(days3, [0.2, 0.6, 0.9], 1, dt.date(2025, 1, 16)) == pytest.approx((1.65 / 15, 15))
    # one forecast: its own Brier score
    assert time_averaged_brier([dt.date(2025, 1, 1)], [0.3], 0, dt.date(2025, 3, 1)) == pytest.approx((0.09, 59))


# -- cross-checked against an independent implementation --------------------------------------------


def test_brier_and_log_score_agree_with_scoringrules_on_random_inputs() -> None:
    sr = pytest.importorskip("scoringrules")
    rng = np.random.default_rng(11)
    p = rng.random(2_000)
    p[:20] = 0.0
    p[20:40] = 1.0
    o = (rng.random(2_000) < 0.5).astype(float)
    assert brier(p, o) == pytest.approx(np.asarray(sr.brier_score(o, p)), abs=1e-12)
    clipped = np.clip(p, *LOG_CLIP)
    assert log_score(p, o) == pytest.approx(-np.asarray(sr.log_score(o, clipped)), abs=1e-12)


def test_multi_category_brier_agrees_with_scoringrules_on_random_inputs() -> None:
    sr = pytest.importorskip("scoringrules")
    rng = np.random.default_rng(12)
    f = rng.dirichlet(np.ones(5), size=500)
    o = np.eye(5)[rng.integers(0, 5, 500)]
    theirs = sum(np.asarray(sr.brier_score(o[:, k], f[:, k])) for k in range(5))
    assert multi_brier(f, o) == pytest.approx(theirs, abs=1e-12)


# -- score(): a hand-made ledger ----------------------------------------------------------------------


def test_score_by_hand_with_an_ambiguous_an_annulled_and_an_open_question() -> None:
    ledger = [rec("e1", 0.8), rec("e2", 0.3), rec("e3", 0.6), rec("e4", 0.5), rec("e5", 0.5)]
    resolutions = [res("e1", 1), res("e2", 0), res("e3", "ambiguous"), res("e4", "annulled")]
    s = score(ledger, resolutions)
    assert s.open == 1
    assert s.refused == ("<ledger>:4: e4 at h: annulled (<resolutions>: resolutions[3]), left out",)
    f = s.forecasts.set_index("target")
    assert f.loc["e1", ["brier_best", "brier_worst"]].tolist() == pytest.approx([0.04, 0.04])
    assert f.loc["e3", ["brier_best", "brier_worst"]].tolist() == pytest.approx([0.16, 0.36])
    assert f.loc["e3", ["log_best", "log_worst"]].tolist() == pytest.approx([math.log(0.6), math.log(0.4)])
    summary = s.summary.set_index("metric")
    assert summary.loc["mean Brier score (0-1)", ["best", "worst"]].tolist() == pytest.approx(
        [(0.04 + 0.09 + 0.16) / 3, (0.04 + 0.09 + 0.36) / 3]
    )
    best_bs = (0.04 + 0.09 + 0.16) / 3
    assert summary.loc["skill vs 0.5", "best"] == pytest.approx(1 - best_bs / 0.25)
    # best: e3 resolved yes (it leaned yes), so the base rate is 2/3
    assert summary.loc["base rate", ["best", "worst"]].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert summary.loc["skill vs base rate", "best"] == pytest.approx(1 - best_bs / (2 / 9))
    assert summary.loc["mean p when yes", "best"] == pytest.approx(0.7)
    assert summary.loc["mean p when no", "best"] == pytest.approx(0.3)
    assert summary.loc["discrimination (mean p yes - no)", "best"] == pytest.approx(0.4)
    assert summary.loc["sharpness (variance of p)", "best"] == pytest.approx(np.var([0.8, 0.3, 0.6]))
    q = s.questions.set_index("target")
    assert q.loc["e3", ["tab_best", "tab_worst"]].tolist() == pytest.approx([0.16, 0.36])


def test_a_scenario_set_scores_its_multi_category_brier_with_the_others_implied_no() -> None:
    ledger = [rec(t, p, kind="scenario") for t, p in (("a", 0.5), ("b", 0.3), ("c", 0.2))]
    s = score(ledger, [res("b", 1)])
    assert s.sets[["k", "happened"]].values.tolist() == [[3, "b"]]
    assert s.sets["brier_best"].iat[0] == pytest.approx(0.25 + 0.49 + 0.04)
    assert s.sets["uniform"].iat[0] == pytest.approx(2 / 3)
    assert s.forecasts.set_index("target")["implied"].to_dict() == {"a": True, "b": False, "c": True}
    summary = s.summary.set_index("metric")
    assert summary.loc["scenario sets: skill vs uniform 1/K", "best"] == pytest.approx(1 - 0.78 / (2 / 3))
    # an ambiguous second candidate: the range over the two
    s = score(ledger, [res("b", 1), res("c", "ambiguous")])
    assert s.sets["happened"].iat[0] == "b|c"
    assert s.sets[["brier_best", "brier_worst"]].values.tolist()[0] == pytest.approx([0.78, 0.25 + 0.09 + 0.64])
    # two scenarios of one set cannot both happen
    s = score(ledger, [res("b", 1), res("c", 1)])
    assert s.sets.empty
    assert s.refused == (
        "<ledger>: scenario set of case at h (run r1): b and c both resolved 1, but a set's "
        "scenarios exclude each other",
    )


def test_hindsight_and_a_changed_definition_are_refused_for_scoring() -> None:
    ledger = [
        rec("e1", 0.7, definition_hash="b" * 64, issued="2025-01-02"),
        rec("e1", 0.9, issued="2025-03-01"),
        rec("e2", 0.2, as_of="2025-06-01", issued="2025-06-01"),
    ]
    s = score(ledger, [res("e1", 1), res("e2", 0, date="2025-06-01")])
    assert s.refused == (
        "<ledger>:1: e1 at h: refused for scoring: the definition changed since the forecast (definition hash "
        "bbbbbbbbbbbb in the ledger, aaaaaaaaaaaa at resolution)",
        "<ledger>:3: e2 at h: refused as hindsight: as_of 2025-06-01, issued 2025-06-01, and the outcome was known "
        "on 2025-06-01 (<resolutions>: resolutions[1])",
    )
    assert s.forecasts["line"].tolist() == [2]
    # the resolution can name the definition it resolved under: then the older forecast is the one scored
    s = score(ledger[:2], [res("e1", 1, definition="b" * 12)])
    assert s.forecasts["line"].tolist() == [1]


def test_calibration_by_word_with_wilson_intervals_and_too_few_to_judge() -> None:
    ledger = [rec(f"l{i}", 0.7) for i in range(12)] + [rec(f"u{i}", 0.3) for i in range(3)]
    outcomes = [res(f"l{i}", int(i < 9)) for i in range(12)] + [res(f"u{i}", 1) for i in range(3)]
    cal = score(ledger, outcomes).calibration.set_index("word")
    likely = cal.loc["likely"]
    assert (likely["n"], likely["observed"], likely["band_lo"], likely["band_hi"]) == (12, 0.75, 0.55, 0.80)
    assert (likely["wilson_lo"], likely["wilson_hi"]) == pytest.approx(wilson_interval(9, 12))
    assert likely["verdict"] == "consistent with the word"
    assert cal.loc["unlikely", "verdict"] == "too few to judge"
    assert list(cal.index) == ["unlikely", "likely"]  # the scale's order
    ledger = [rec(f"v{i}", 0.1) for i in range(20)]
    cal = score(ledger, [res(f"v{i}", int(i < 12)) for i in range(20)]).calibration
    assert cal["verdict"].tolist() == ["happened more often than the word says"]


def test_biggest_misses_come_first_with_their_key_judgement() -> None:
    ledger = [rec("e1", 0.9), rec("e2", 0.6), rec("e3", 0.05)]
    m = score(ledger, [res("e1", 0), res("e2", 0), res("e3", 0)]).misses
    assert m["judgement"].tolist() == ["e1@h", "e2@h", "e3@h"]
    assert m["brier_worst"].tolist() == pytest.approx([0.81, 0.36, 0.0025])


# -- resolutions files ------------------------------------------------------------------------------


def test_a_resolutions_file_with_errors_is_refused_with_every_error_located(tmp_path: Path) -> None:
    path = tmp_path / "res.yaml"
    path.write_text(
        "- {scenario: case, target: e1, horizon: h, outcome: 1, date: 2025-05-01}\n"
        "- scenario: case\n"
        "  target: e2\n"
        "  horizon: h\n"
        "  outcome: yes\n"
        "  date: 2025-13-01\n"
        "  colour: red\n"
        "- {scenario: case, target: e1, horizon: h, outcome: 0, date: 2025-05-01}\n"
        "- {scenario: case, target: e3, horizon: h, outcome: maybe, date: May, definition: xyz}\n"
        "- {scenario: case, horizon: h, outcome: 0, date: 2025-05-01}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioErrors) as info:
        load_resolutions(path)
    assert [str(e) for e in info.value.errors] == [
        f"{path}:5:12: resolutions[1].outcome: expected 1, 0, ambiguous or annulled (got 'yes'). "
        "Write 1 or 0 for whether it happened",
        f"{path}:6:9: resolutions[1].date: invalid date: month must be in 1..12 (got '2025-13-01')",
        f"{path}:7:3: resolutions[1].colour: unknown key 'colour'",
        f"{path}:8:3: resolutions[2]: a second resolution of e1 at h (the first is resolutions[0])",
        f"{path}:9:53: resolutions[3].outcome: expected 1, 0, ambiguous or annulled (got 'maybe')",
        f"{path}:9:66: resolutions[3].date: expected a date written YYYY-MM-DD, such as 2025-11-01 (got 'May')",
        f"{path}:9:83: resolutions[3].definition: expected a definition hash: 12 to 64 hex digits, as the "
        "ledger's definition_hash starts (got 'xyz')",
        f"{path}:10:3: resolutions[4]: missing required key 'target'",
    ]


def test_resolutions_read_from_a_mapping_or_a_list_alike() -> None:
    items = [res("e1", 1, source="Reuters", note="n")]
    a, b = read_resolutions(items), read_resolutions({"resolutions": items})
    assert a == b
    assert (a[0].outcome, a[0].date, a[0].source, a[0].note) == (1, dt.date(2026, 1, 5), "Reuters", "n")
    with pytest.raises(ScenarioErrors, match="expected a list of resolutions"):
        read_resolutions([])


# -- the command ------------------------------------------------------------------------------------


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_text("".join(json.dumps(rec(t, p)) + "\n" for t, p in (("e1", 0.8), ("e2", 0.3))), encoding="utf-8")
    resolutions = tmp_path / "res.yaml"
    resolutions.write_text(
        "- {scenario: case, target: e1, horizon: h, outcome: 1, date: 2025-05-01}\n"
        "- {scenario: case, target: e2, horizon: h, outcome: annulled, date: 2025-05-01}\n",
        encoding="utf-8",
    )
    return ledger, resolutions


def test_the_command_writes_a_scorecard_json_and_csv(files: tuple[Path, Path]) -> None:
    ledger, resolutions = files
    code, out, err = _cli("score", str(ledger), str(resolutions))
    assert code == 0
    assert out.startswith("1 forecasts scored, 0 not yet resolved, 1 left out or refused (see the notes)\n")
    assert "mean Brier score (0-1)" in out
    assert "biggest misses" in out
    assert err == f"note: {ledger}:2: e2 at h: annulled ({resolutions}:2:3: resolutions[1]), left out\n"
    code, out, err = _cli("score", str(ledger), str(resolutions), "--format", "json")
    data = json.loads(out)
    assert (code, data["open"], len(data["refused"])) == (0, 0, 1)
    assert data["forecasts"][0]["brier_best"] == pytest.approx(0.04)
    code, out, _ = _cli("score", str(ledger), str(resolutions), "-f", "csv")
    assert code == 0
    assert out.startswith("# summary\nmetric,best,worst,n\nmean Brier score (0-1),0.0399999")
    assert out.count("\n# ") == 6  # seven tables: sources, the last, is empty here


def test_the_command_exits_2_on_a_bad_file(files: tuple[Path, Path], tmp_path: Path) -> None:
    ledger, resolutions = files
    resolutions.write_text(
        "- {scenario: case, target: e1, horizon: h, outcome: 2, date: 2025-05-01}\n", encoding="utf-8"
    )
    code, out, err = _cli("score", str(ledger), str(resolutions))
    assert (code, out) == (2, "")
    assert err == f"{resolutions}:1:53: resolutions[0].outcome: expected 1, 0, ambiguous or annulled (got 2)\n"
