"""The sources' own forecasts: the claims: block, outlook.claims, its command, report section and ledger lines."""

from __future__ import annotations

import math

import numpy as np
import pytest

import outlook
from outlook import Scenario, ScenarioErrors
from outlook.analysis.claims import CLAIM_COLUMNS
from outlook.scenario.claims import ICD_203
from outlook.words import SCALES

CASE = """outlook: 1.1
id: claims-case
title: Claims
question: Does A happen?
as_of: 2024-01-01
sources:
  kyiv: {title: A statement by Kyiv, interested_party: "Ukraine, a party to the war"}
  wire: {title: A wire report, interested_party: false}
horizons:
  y1: {until: 1y}
  y2: {until: 2y}
drivers: {}
events:
  a: {rate: 0.7}
  b: {rate: 0.2}
scenarios:
  a_first: a
  rest: otherwise
claims:
  more:
    speaker: {ref: kyiv}
    paraphrase: A will happen within the year
    quote: {ref: kyiv, quote: A is coming}
    timeframe: y1
    implies: likely
    target: a
  b_soon:
    speaker: A pundit
    paraphrase: B within 200 days
    quote: {ref: wire, quote: "B soon, maybe"}
    timeframe: 200d
    implies: 10%
    target: b
  a_by_y2:
    speaker: A columnist
    paraphrase: A will have come by the second year
    timeframe: y2
    implies: probable
    target: a_first
    interested_party: true
  c_never:
    speaker: A columnist
    paraphrase: C will never happen
    timeframe: 2024-06-01
    implies: 0.02
    not_modelled: the model has no C
"""

#: Closed forms: constant hazards, P(by t) = 1 - exp(-rate t).
P_MORE = 1 - math.exp(-0.7)  # 0.503: roughly even chance, below "likely"
P_B_SOON = 1 - math.exp(-0.2 * 200 / 365.25)  # 0.104: very unlikely, as 10% is
P_A_BY_Y2 = 1 - math.exp(-1.4)  # 0.753: likely, as "probable" is


@pytest.fixture(scope="module")
def case() -> Scenario:
    return Scenario.from_yaml(CASE, path="c.yaml")


@pytest.fixture(scope="module")
def table(case: Scenario):
    return outlook.claims(case, samples=20_000, seed=1)


# -- the block -----------------------------------------------------------------


def test_the_block_is_read_and_round_trips(case: Scenario) -> None:
    """Each claim keeps what the file states; to_dict gives it back, and it is part of the hash."""
    assert [c.id for c in case.claims] == ["more", "b_soon", "a_by_y2", "c_never"]
    more, soon, y2, never = case.claims
    assert (more.kind, more.target, more.horizon, more.years) == ("event", "a", "y1", 1.0)
    assert (soon.horizon, soon.years, soon.probability) == ("", 200 / 365.25, 0.1)
    assert (y2.kind, y2.band, y2.interested_party) == ("scenario", 4, True)
    assert (never.kind, never.target, never.not_modelled) == ("", "", "the model has no C")
    assert more.speaker_ref is not None
    assert more.speaker_ref.ref == "kyiv"
    again = Scenario.from_dict(case.to_dict())
    assert again == case
    assert again.hash == case.hash
    data = case.to_dict()
    del data["claims"]
    assert Scenario.from_dict(data).hash != case.hash


def test_the_icd_table_is_the_words_module_s() -> None:
    """The loader's copy of ICD 203 (the scenario stage cannot import outlook.words) matches both rows."""
    for row, scale in ((0, "icd203"), (1, "icd203-probability")):
        bands = [(b.word, b.lo, b.hi) for b in SCALES[scale].bands]
        assert [(r[row], r[2], r[3]) for r in ICD_203] == bands


BAD = """outlook: 1.1
id: claims-bad
title: Claims
question: Does A happen?
as_of: 2024-01-01
sources:
  kyiv: {title: A statement by Kyiv}
horizons:
  y1: {until: 1y}
drivers: {}
events:
  a: {rate: 0.7}
scenarios:
  a_first: a
  rest: otherwise
claims:
  c1: {speaker: X, paraphrase: p, timeframe: y1, implies: likley, target: a}
  c2: {speaker: X, paraphrase: p, timeframe: y1, implies: 1.5, target: a}
  c3: {speaker: X, paraphrase: p, timeframe: y1, implies: likely}
  c4: {speaker: X, paraphrase: p, timeframe: y1, implies: likely, target: a, not_modelled: why}
  c5: {speaker: X, paraphrase: p, timeframe: y1, implies: likely, target: a_frist}
  c6: {speaker: X, paraphrase: p, timeframe: y9, implies: likely, target: a}
  c7: {speaker: X, paraphrase: p, timeframe: 2y, implies: likely, target: a}
  c8: {speaker: X, paraphrase: p, timeframe: 6mo, implies: likely, target: a_first}
  c9: {speaker: {ref: kiev}, paraphrase: p, timeframe: y1, implies: likely, target: a}
  c10: {speaker: X, paraphrase: p, timeframe: 2023-06-01, implies: likely, target: a}
  c11: {speaker: X, paraphrase: p, timeframe: y1, implies: likely, target: a, quote: {ref: kyiv}}
  c12: {speaker: X, timeframe: y1, implies: likely, target: a, confidence: high}
  c13: {speaker: {quote: hi}, paraphrase: p, timeframe: y1, implies: likely, target: a}
  c14: {speaker: X, paraphrase: p, timeframe: y1, implies: likely, not_modelled: ""}
  c15: {speaker: X, paraphrase: p, timeframe: y1, implies: 120%, target: a}
  c16: {speaker: true, paraphrase: p, timeframe: y1, implies: likely, target: a}
"""

#: Every problem of BAD, one located line each, in file order.
BAD_ERRORS = [
    "b.yaml:17:59: claims.c1.implies: expected an ICD 203 estimative word (almost no chance, very unlikely, "
    "unlikely, roughly even chance, likely, very likely, almost certain, or the table's probability terms) or a "
    "probability (0.7, 70%) (got 'likley'). Did you mean 'likely'?",
    "b.yaml:18:59: claims.c2.implies: probability must lie in [0, 1] (got 1.5)",
    "b.yaml:19:7: claims.c3: give 'target' (the event or scenario it maps to) or 'not_modelled: reason'",
    "b.yaml:20:7: claims.c4: give one of 'target' and 'not_modelled', not both",
    "b.yaml:21:75: claims.c5.target: unknown event or scenario 'a_frist'. Did you mean 'a_first'?",
    "b.yaml:22:46: claims.c6.timeframe: unknown horizon 'y9'",
    "b.yaml:23:46: claims.c7.timeframe: 2y is after the last horizon's end (y1): the model does not look that far; "
    "add a horizon, or record the claim with not_modelled: reason",
    "b.yaml:24:46: claims.c8.timeframe: a claim on a scenario needs a horizon id as its timeframe: a world's "
    "scenario is read at the horizons' ends (y1) (got '6mo')",
    "b.yaml:25:23: claims.c9.speaker.ref: unknown source 'kiev'. Did you mean 'kyiv'?",
    "b.yaml:26:47: claims.c10.timeframe: date 2023-06-01 is before as_of (2024-01-01)",
    "b.yaml:27:86: claims.c11.quote: missing required key 'quote': the source's own words",
    "b.yaml:28:8: claims.c12: missing required key 'paraphrase'",
    "b.yaml:28:64: claims.c12.confidence: unknown key 'confidence'",
    "b.yaml:29:18: claims.c13.speaker: a speaker written as a mapping needs 'ref', a source id",
    "b.yaml:30:82: claims.c14.not_modelled: say why the model cannot judge the claim",
    "b.yaml:31:60: claims.c15.implies: probability must lie in [0, 1] (got 1.2)",
    "b.yaml:32:18: claims.c16.speaker: expected a speaker's name, or {ref: SOURCE} (got true: YAML reads "
    "true/false as yes/no values; quote it, 'true', for text)",
]


def test_every_bad_value_is_one_located_line() -> None:
    """Each problem of the block is reported, located at file:line:column with its key path, all together."""
    with pytest.raises(ScenarioErrors) as exc:
        Scenario.from_yaml(BAD, path="b.yaml")
    assert sorted(str(e) for e in exc.value.errors) == sorted(BAD_ERRORS)


def test_the_block_needs_format_1_1() -> None:
    """An outlook: 1 file is told the block is new in format 1.1."""
    from outlook.testing import tiny_yaml

    claim = {"speaker": "X", "paraphrase": "p", "timeframe": "soon", "implies": "likely", "target": "a"}
    text = tiny_yaml(events={"a": {"rate": 0.1}}, claims={"c": claim})
    with pytest.raises(ScenarioErrors) as exc:
        Scenario.from_yaml(text, path="c.yaml")
    assert [str(e) for e in exc.value.errors] == [
        "c.yaml:6:1: claims: the 'claims' block is new in format 1.1: write 'outlook: 1.1' at the top of the file"
    ]


def test_a_claim_left_dangling_by_hand_is_refused(case: Scenario) -> None:
    """A scenario assembled by hand without the claim's target is refused, naming the claim."""
    import dataclasses

    with pytest.raises(outlook.ScenarioError, match=r"claims.more.target: unknown event 'a'"):
        dataclasses.replace(case, events=case.events[1:], rules=case.rules[1:])


# -- the table -----------------------------------------------------------------


def test_the_table_against_closed_forms(table) -> None:
    """The model's p is the closed form within 4 SE; the implied band, word and midpoint are ICD 203's."""
    assert list(table.columns) == list(CLAIM_COLUMNS)
    t = table.set_index("claim")
    for cid, p in (("more", P_MORE), ("b_soon", P_B_SOON), ("a_by_y2", P_A_BY_Y2)):
        assert abs(t.loc[cid, "p"] - p) < 4 * t.loc[cid, "p_se"], cid
        assert t.loc[cid, "p_se"] == pytest.approx(math.sqrt(p * (1 - p) / 20_000), rel=0.05)
    more = t.loc["more"]
    assert (more["implied_word"], more["implied_low"], more["implied_high"]) == ("likely", 0.55, 0.80)
    assert more["implied_p"] == pytest.approx(0.675)  # the midpoint of likely's band
    assert (more["word"], more["agreement"]) == ("roughly even chance", "model lower")
    assert (more["speaker"], more["interested_party"], more["quote"]) == (
        "A statement by Kyiv",
        "Ukraine, a party to the war",
        "A is coming",
    )
    assert more["horizon_end"] == "2025-01-01"
    soon = t.loc["b_soon"]
    assert (soon["implied_word"], soon["implied_p"], soon["word"], soon["agreement"]) == (
        "very unlikely",
        0.1,
        "very unlikely",
        "agrees",
    )
    assert soon["interested_party"] == "no"  # the wire source the quote cites
    assert soon["horizon_end"] == "2024-07-19"  # 200 days after as_of
    y2 = t.loc["a_by_y2"]
    assert (y2["implied_word"], y2["agreement"], y2["interested_party"]) == ("likely", "agrees", "yes")
    never = t.loc["c_never"]
    assert never["agreement"] == "not modelled"
    assert math.isnan(never["p"])
    assert never["not_modelled"] == "the model has no C"
    assert never["implied_word"] == "almost no chance"


def test_a_claim_off_the_horizons_is_read_at_its_own_time(case: Scenario) -> None:
    """A claim's time is a point of the curves, counted exactly: it equals the worlds' own count."""
    model = outlook.compile_model(case)
    years = 200 / 365.25
    assert np.any(np.abs(model.curve_times - years) < 1e-12)
    tables = outlook.summarise(outlook.simulate(model, samples=3_000, seed=2))
    worlds = outlook.sample_worlds(case, samples=3_000, seed=2)
    expected = float(np.mean(worlds["time_b"].to_numpy() <= years))
    t = outlook.claims(tables).set_index("claim")
    assert t.loc["b_soon", "p"] == pytest.approx(expected, abs=1e-12)


def test_the_words_follow_the_run_s_row_of_the_table(case: Scenario) -> None:
    """With the probability terms, the implied and the model's words are both of that row."""
    t = outlook.claims(case, samples=2_000, seed=1, scale="icd203-probability").set_index("claim")
    assert t.loc["more", "implied_word"] == "probable"
    assert t.loc["a_by_y2", "word"] == "probable"


def test_a_scenario_without_claims_gives_an_empty_table() -> None:
    """No claims: an empty table with every column."""
    from outlook.testing import tiny_scenario

    t = outlook.claims(tiny_scenario(events={"a": {"rate": 0.1}}), samples=500)
    assert t.empty
    assert list(t.columns) == list(CLAIM_COLUMNS)


# -- the command ---------------------------------------------------------------


def _cli(*argv: str) -> tuple[int, str, str]:
    import io

    from outlook import cli

    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def case_file(tmp_path) -> str:
    p = tmp_path / "c.yaml"
    p.write_text(CASE, encoding="utf-8")
    return str(p)


def test_the_command_says_each_claim_in_a_sentence(case_file: str) -> None:
    """Text: the run's line, one sentence a claim (the speaker, the implied word, the model's), then the table."""
    code, out, err = _cli("claims", case_file, "--samples", "2000", "--seed", "1")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "scenario_id claims-case, samples 2000, seed 1, scale icd203"
    assert lines[1].startswith("more: A statement by Kyiv implies likely by 1 January 2025; the model says ")
    assert lines[1].endswith(", roughly even chance: model lower")
    assert lines[4] == "c_never: A columnist implies almost no chance by 1 June 2024; not modelled: the model has no C"
    assert "agreement" in lines[6]


def test_the_command_writes_json_and_csv(case_file: str) -> None:
    """JSON: the header and the table's rows (NaN as null); CSV: the table under its name."""
    import csv
    import json

    code, out, _ = _cli("claims", case_file, "-n", "2000", "-s", "1", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert (data["samples"], data["seed"], data["scale"]) == (2000, 1, "icd203")
    assert [c["agreement"] for c in data["claims"]] == ["model lower", "agrees", "agrees", "not modelled"]
    assert data["claims"][3]["p"] is None
    code, out, _ = _cli("claims", case_file, "-n", "500", "-f", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "# claims"
    rows = list(csv.DictReader(lines[1:]))
    assert [r["claim"] for r in rows] == ["more", "b_soon", "a_by_y2", "c_never"]
    assert list(rows[0]) == list(CLAIM_COLUMNS)


def test_the_command_refuses_a_bad_file_in_one_located_line(tmp_path) -> None:
    """A bad claim: exit 2, the located line on stderr, nothing on stdout."""
    p = tmp_path / "b.yaml"
    p.write_text(BAD.split("  c2:")[0], encoding="utf-8")
    code, out, err = _cli("claims", str(p))
    assert code == 2
    assert out == ""
    assert err.strip() == BAD_ERRORS[0].replace("b.yaml", str(p))


# -- the report ----------------------------------------------------------------


def test_the_report_section_is_there_iff_the_file_states_claims(case: Scenario) -> None:
    """With claims: a "Sources' own forecasts" table (one ICD row) and the claims not modelled; without: none."""
    from outlook.report import build_report

    tables = outlook.run_outlook(case, samples=4_000, seed=1)
    md, _ = build_report(tables, format="markdown", figures=False)
    section = md.split("## Sources' own forecasts")[1].split("\n## ")[0]
    t = outlook.claims(tables).set_index("claim")
    more = f"{100 * t.loc['more', 'p']:.1f}%"
    assert (
        f"| A will happen within the year | A statement by Kyiv | Ukraine, a party to the war | 1 January 2025 "
        f"| likely (55–80%) | {more} ±" in section
    )
    assert "roughly even chance | the model is lower |" in section
    assert "| B within 200 days | A pundit | no | 19 July 2024 | very unlikely (5–20%) |" in section
    assert "- A will happen within the year: “A is coming”" in section
    assert "- C will never happen (A columnist): the model has no C" in section
    html = build_report(tables, figures=False)
    assert html.count('data-word="roughly even chance"') >= 1
    probability = outlook.run_outlook(case, samples=4_000, seed=1, scale="icd203-probability")
    md, _ = build_report(probability, format="markdown", figures=False)
    section = md.split("## Sources' own forecasts")[1].split("\n## ")[0]
    assert "probable (55–80%)" in section  # the report's one row of the ICD table, for both words
    assert "likely" not in section.replace("unlikely", "")
    data = case.to_dict()
    del data["claims"]
    plain = outlook.run_outlook(Scenario.from_dict(data), samples=1_000, seed=1)
    assert "Sources' own forecasts" not in build_report(plain, format="markdown", figures=False)[0]


# -- the ledger and scores -----------------------------------------------------

RESOLUTIONS = """
- {scenario: claims-case, target: a, horizon: y1, outcome: 1, date: 2024-08-01}
- {scenario: claims-case, target: b, horizon: 200d, outcome: 0, date: 2024-08-01}
- {scenario: claims-case, target: a_first, horizon: y2, outcome: 1, date: 2024-08-01}
"""


@pytest.fixture
def ledger(case: Scenario, tmp_path):
    import datetime as dt

    path = tmp_path / "l.jsonl"
    lines = outlook.ledger_add(case, path, samples=4_000, seed=1, issued=dt.date(2024, 1, 2))
    return path, lines


def test_ledger_add_appends_each_claim_as_the_source_s_forecast(case: Scenario, ledger) -> None:
    """After the model's lines, one format-2 line per claim with a target: implied p, speaker, the model's p."""
    from outlook.scoring import read_ledger

    path, lines = ledger
    model = [x for x in lines if x["ledger"] == 1]
    claims = [x for x in lines if x["ledger"] == 2]
    assert len(model) == 2 * (2 + 2)  # two horizons: two scenarios and two events at each
    assert lines == model + claims
    assert [c["claim"] for c in claims] == ["more", "b_soon", "a_by_y2"]  # c_never is not modelled: no line
    assert [(c["horizon"], c["horizon_end"], c["p"], c["word"]) for c in claims] == [
        ("y1", "2025-01-01", 0.675, "likely"),
        ("200d", "2024-07-19", 0.1, "very unlikely"),
        ("y2", "2026-01-01", 0.675, "likely"),
    ]
    assert {c["forecaster"] for c in claims} == {"source"}
    assert [c["speaker"] for c in claims] == ["A statement by Kyiv", "A pundit", "A columnist"]
    assert {c["run"] for c in lines} == {model[0]["run"]}
    t = outlook.claims(case, samples=4_000, seed=1).set_index("claim")
    assert [c["model_p"] for c in claims] == [t.loc[c["claim"], "p"] for c in claims]
    event_a = next(x for x in model if x["target"] == "a")
    assert claims[0]["definition_hash"] == event_a["definition_hash"]
    assert [r["claim"] for r in read_ledger(path) if r["ledger"] == 2] == ["more", "b_soon", "a_by_y2"]


def test_claims_are_scored_beside_the_model_and_kept_out_of_its_scores(case: Scenario, ledger, tmp_path) -> None:
    """Each claim's Brier score is (implied p - outcome)^2, beside the model's on the same claim; model scores alone."""
    path, lines = ledger
    res = tmp_path / "r.yaml"
    res.write_text(RESOLUTIONS, encoding="utf-8")
    scores = outlook.score(path, res)
    f = scores.forecasts
    claims = f[f["forecaster"] == "source"].set_index("claim")
    assert claims["brier_worst"].to_dict() == pytest.approx(
        {"more": (0.675 - 1) ** 2, "b_soon": 0.1**2, "a_by_y2": (0.675 - 1) ** 2}
    )
    src = scores.sources.set_index("speaker")
    model_p = {c["speaker"]: c["model_p"] for c in lines if c["ledger"] == 2}
    assert src.loc["A pundit", "brier_best"] == pytest.approx(0.01)
    assert src.loc["A pundit", "model_brier_best"] == pytest.approx(model_p["A pundit"] ** 2)
    assert src.loc["A statement by Kyiv", "model_brier_worst"] == pytest.approx(
        (model_p["A statement by Kyiv"] - 1) ** 2
    )
    assert src.loc["A statement by Kyiv", "interested_party"] == "Ukraine, a party to the war"
    assert src["n"].tolist() == [1, 1, 1]
    model = f[f["forecaster"] == "model"]
    assert len(model) == 3  # a at y1; a_first and (implied 0) rest at y2
    n = scores.summary.set_index("metric").loc["mean Brier score (0-1)", "n"]
    assert n == 3
    assert scores.sets["k"].tolist() == [2]  # the claim on a_first is no member of the model's set
    assert set(scores.misses["judgement"]) <= {"a@y1", "a_first@y2", "rest@y2"}


def test_a_ledger_without_claims_reads_and_scores_as_before(case: Scenario, tmp_path) -> None:
    """Format-1 lines as an older outlook wrote them are the model's; a bad claim line is a located error."""
    import datetime as dt
    import json

    from outlook.scoring import read_ledger

    path = tmp_path / "old.jsonl"
    lines = outlook.ledger_add(case, path, samples=1_000, seed=1, issued=dt.date(2024, 1, 2), claims=False)
    assert {x["ledger"] for x in lines} == {1}
    old = [{k: v for k, v in x.items() if k not in ("scale", "p_se")} for x in lines]  # the keys of the first ledgers
    path.write_text("".join(json.dumps(x) + "\n" for x in old), encoding="utf-8")
    assert len(read_ledger(path)) == len(old)
    res = tmp_path / "r.yaml"
    res.write_text(RESOLUTIONS, encoding="utf-8")
    scores = outlook.score(path, res)
    assert set(scores.forecasts["forecaster"]) == {"model"}
    assert scores.sources.empty
    assert len(scores.forecasts) == 3
    claim = {**old[0], "ledger": 2, "forecaster": "source", "claim": "x", "interested_party": "no"}
    claim.update(timeframe="y1", model_p=0.5, model_word="roughly even chance")
    path.write_text(json.dumps(claim) + "\n" + json.dumps({**old[0], "ledger": 3}) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioErrors) as exc:
        read_ledger(path)
    assert [str(e) for e in exc.value.errors] == [
        f"{path}:1:1: speaker: missing key",
        f"{path}:2:1: ledger: unknown ledger format 3 (this outlook reads formats 1 and 2)",
    ]


def test_the_commands_say_how_many_lines_are_claims(case_file: str, tmp_path) -> None:
    """ledger add counts the claims among its lines; score shows the sources' table."""
    path = str(tmp_path / "l.jsonl")
    code, out, err = _cli("ledger", "add", case_file, "--ledger", path, "-n", "1000", "--issued", "2024-01-02")
    assert code == 0, err
    assert out.startswith("11 forecasts (3 of them sources' claims) of claims-case (as of 2024-01-01")
    res = tmp_path / "r.yaml"
    res.write_text(RESOLUTIONS, encoding="utf-8")
    code, out, err = _cli("score", path, str(res))
    assert code == 0, err
    assert out.startswith("6 forecasts scored (3 of them sources' claims), 5 not yet resolved")
    assert "sources' claims: mean Brier score of each speaker's claims" in out
    assert "A pundit" in out
