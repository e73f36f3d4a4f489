"""Indicators and signposts: the ``indicators:`` block, observables in worlds, ``outlook.indicators``, CLI, figure.

The numbers are checked against closed forms (constant hazards) and against
direct counts over the same worlds (:func:`outlook.sample_worlds`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import outlook
from outlook import Scenario, ScenarioErrors, cli
from outlook.analysis.indicators import INDICATOR_COLUMNS, NON_DIAGNOSTIC, mutual_information
from outlook.model import compile_model, iter_worlds
from outlook.model.observables import evaluate_observable
from outlook.scenario.durations import end_date

HEAD = "outlook: 1.1\nid: tiny\ntitle: Tiny\nquestion: Does it happen?\nas_of: 2024-01-01\n"
LAM, MU, F = 0.8, 0.6, 4.0  # a's hazard, b's hazard before a, b's factor after a
BODY = f"""\
horizons: {{year: {{until: 1y}}}}
drivers:
  r: 1.0
events:
  a: {{rate: {LAM}}}
  b: {{rate: {MU}, after: {{a: {F}}}}}
  c: {{rate: 0.7}}
scenarios:
  a_by_1y: a
  rest: otherwise
"""
BLOCK = """\
indicators:
  b_early:
    label: b within six months
    observable: happened(b, by='6mo')
    signposts: [a_by_1y]
    collection: the press
  c_any:
    label: c at all
    observable: c
"""
N = 100_000


def scenario(text: str = HEAD + BODY + BLOCK) -> Scenario:
    return Scenario.from_yaml(text, path="s.yaml")


def errors(text: str) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    return str(info.value).splitlines()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return outlook.indicators(scenario(), samples=N, seed=3)


@pytest.fixture(scope="module")
def worlds() -> pd.DataFrame:
    return outlook.sample_worlds(scenario(), samples=N, seed=3)


def _row(t: pd.DataFrame, indicator: str, sc: str) -> dict[str, Any]:
    rows = t[(t["indicator"] == indicator) & (t["scenario"] == sc)]
    assert len(rows) == 1
    return dict(rows.iloc[0])


# -- the block ------------------------------------------------------------------


def test_the_block_is_read_kept_hashed_and_round_trips() -> None:
    s = scenario()
    b_early, c_any = s.indicators
    assert (b_early.id, b_early.label, b_early.signposts, b_early.collection) == (
        "b_early",
        "b within six months",
        ("a_by_1y",),
        "the press",
    )
    assert b_early.observable.text == "happened(b, by='6mo')"
    assert b_early.observable.times_read == {"b"}
    assert c_any.signposts == ()
    assert c_any.collection == ""
    again = Scenario.from_dict(s.to_dict())
    assert again == s
    assert again.hash == s.hash
    assert Scenario.from_yaml(s.to_yaml()).indicators == s.indicators
    assert scenario(HEAD + BODY).hash != s.hash
    relabelled = s.with_overrides({"indicators.c_any.label": "c seen"})
    assert relabelled.indicators[1].label == "c seen"
    assert relabelled.hash != s.hash
    assert s.with_overrides({"drivers.r": 2.0}).indicators == s.indicators


def test_the_schema_describes_the_block() -> None:
    from outlook.scenario.schema import json_schema

    block = json_schema()["properties"]["indicators"]["additionalProperties"]
    assert set(block["properties"]) == {"label", "observable", "signposts", "collection", "note"}
    assert block["required"] == ["label", "observable"]


def test_an_unknown_signpost_is_a_located_error() -> None:
    assert errors(HEAD + BODY + BLOCK.replace("[a_by_1y]", "[a_by_1]")) == [
        "s.yaml:20:17: indicators.b_early.signposts[0]: unknown scenario 'a_by_1'. Did you mean 'a_by_1y'?"
    ]


def test_an_observable_must_be_a_condition() -> None:
    assert errors(HEAD + BODY + BLOCK.replace("observable: c\n", "observable: r + 1\n")) == [
        "s.yaml:24:17: indicators.c_any.observable: an indicator's observable needs a condition, "
        "not a number (got 'r + 1')"
    ]


def test_an_observable_naming_an_unknown_name_is_a_located_error() -> None:
    lines = errors(HEAD + BODY + BLOCK.replace("observable: c\n", "observable: d\n"))
    assert lines == ["s.yaml:24:17: indicators.c_any.observable: unknown name 'd'"]


def test_the_block_needs_format_1_1() -> None:
    text = HEAD.replace("outlook: 1.1", "outlook: 1") + BODY + BLOCK.replace("happened(b, by='6mo')", "b")
    assert errors(text) == [
        "s.yaml:16:1: indicators: the 'indicators' block is new in format 1.1: write 'outlook: 1.1' at the top of the file"
    ]


def test_an_indicator_needs_a_label_and_an_observable() -> None:
    assert errors(HEAD + BODY + "indicators:\n  x: {collection: here}\n") == [
        "s.yaml:17:6: indicators.x: missing required key 'label'",
        "s.yaml:17:6: indicators.x: missing required key 'observable'",
    ]


def test_an_assumption_must_name_indicators_that_exist() -> None:
    assumption = "assumptions:\n  q: {statement: Nobody lies., rating: solid, indicators: [b_erly]}\n"
    assert errors(HEAD + BODY + BLOCK + assumption) == [
        "s.yaml:26:60: assumptions.q.indicators[0]: unknown indicator 'b_erly'. Did you mean 'b_early'?"
    ]
    assert errors(HEAD + BODY + assumption) == [
        "s.yaml:17:60: assumptions.q.indicators[0]: unknown indicator 'b_erly': the file has no 'indicators' block"
    ]
    ok = scenario(HEAD + BODY + BLOCK + assumption.replace("b_erly", "b_early"))
    assert ok.assumptions[0].indicators == ("b_early",)


def test_a_scenario_assembled_by_hand_keeps_its_indicators_consistent() -> None:
    import dataclasses

    s = scenario()
    with pytest.raises(outlook.ScenarioError, match=r"indicators.b_early.signposts\[0\]: unknown scenario 'gone'"):
        dataclasses.replace(s, indicators=(dataclasses.replace(s.indicators[0], signposts=("gone",)),))
    with pytest.raises(outlook.ScenarioError, match="refers to 'c', which is not"):
        dataclasses.replace(s, events=s.events[:2])


# -- observables in worlds --------------------------------------------------------


def test_an_observable_reads_as_the_scenario_rule_reads() -> None:
    s = scenario()
    model = compile_model(s)
    for block in iter_worlds(model, samples=5_000, seed=1):
        rule = evaluate_observable(model, s.rules[0].when, block, "year")
        assert np.array_equal(rule, block.labels[0] == 0)
        early = evaluate_observable(model, s.indicators[0].observable, block, 0)
        assert early.dtype == bool
        assert early.shape == (block.size,)
        assert np.array_equal(early, block.times["b"] <= 0.5)


def test_an_observable_sees_nothing_after_its_horizon() -> None:
    text = (HEAD + BODY).replace("{year: {until: 1y}}", "{half: {until: 6mo}, year: {until: 1y}}")
    text += "indicators:\n  b_year: {label: b in a year, observable: \"happened(b, by='1y')\"}\n"
    s = scenario(text)
    model = compile_model(s)
    block = next(iter(iter_worlds(model, samples=4_000, seed=2)))
    seen = evaluate_observable(model, s.indicators[0].observable, block, "half")
    assert np.array_equal(seen, block.times["b"] <= 0.5)
    assert np.array_equal(evaluate_observable(model, s.indicators[0].observable, block, "year"), block.times["b"] <= 1)
    with pytest.raises(ValueError, match="unknown horizon 'decade'; the scenario has half, year"):
        evaluate_observable(model, s.indicators[0].observable, block, "decade")
    with pytest.raises(ValueError, match="not a number"):
        evaluate_observable(model, s.events[0].rate, block, "half")


# -- the numbers ---------------------------------------------------------------------


def _closed_form() -> tuple[float, float]:
    """P(I|H) and P(I|not H) for H = a by 1y, I = b by 6 months, b's hazard multiplied by F after a."""
    p_h = 1 - math.exp(-LAM)
    c = LAM + MU - F * MU
    before = LAM * math.exp(-F * MU / 2) * (1 - math.exp(-c / 2)) / c  # a at s < 1/2: b survives to 1/2
    after = (math.exp(-LAM / 2) - math.exp(-LAM)) * math.exp(-MU / 2)  # a in [1/2, 1]
    quad, _ = integrate.quad(lambda s: LAM * math.exp(-LAM * s) * math.exp(-MU * s - F * MU * (0.5 - s)), 0, 0.5)
    assert before == pytest.approx(quad, rel=1e-10)
    p_given = (p_h - before - after) / p_h
    return p_given, 1 - math.exp(-MU / 2)


def test_likelihoods_match_the_closed_form(table: pd.DataFrame) -> None:
    p_given, p_given_not = _closed_form()
    r = _row(table, "b_early", "a_by_1y")
    assert abs(r["p_given"] - p_given) < 4 * r["p_given_se"]
    assert abs(r["p_given_not"] - p_given_not) < 4 * r["p_given_not_se"]
    assert r["lr_pos"] == pytest.approx(p_given / p_given_not, rel=0.03)
    assert r["lr_neg"] == pytest.approx((1 - p_given) / (1 - p_given_not), rel=0.03)
    assert r["word"] == outlook.estimative_word(float(r["p_given"]))
    assert r["flags"] == "lags, signpost"  # b is more likely after a: a consequence, not a warning
    rest = _row(table, "b_early", "rest")
    assert rest["p_given"] == pytest.approx(r["p_given_not"])
    assert "signpost" not in str(rest["flags"])


def test_ratios_and_mutual_information_match_a_direct_count(table: pd.DataFrame, worlds: pd.DataFrame) -> None:
    fires = worlds["time_b"].to_numpy() <= 0.5
    h = (worlds["scenario@year"] == "a_by_1y").to_numpy()
    p, q = fires[h].mean(), fires[~h].mean()
    r = _row(table, "b_early", "a_by_1y")
    assert r["p_given"] == pytest.approx(p, abs=1e-12)
    assert r["p_given_not"] == pytest.approx(q, abs=1e-12)
    assert r["lr_pos"] == pytest.approx(p / q, rel=1e-12)
    assert r["lr_neg"] == pytest.approx((1 - p) / (1 - q), rel=1e-12)
    joint = np.array([[np.mean(fires & h), np.mean(fires & ~h)], [np.mean(~fires & h), np.mean(~fires & ~h)]])
    entropy = stats.entropy(joint.sum(1), base=2) + stats.entropy(joint.sum(0), base=2)
    assert r["mi"] == pytest.approx(entropy - stats.entropy(joint.ravel(), base=2), abs=1e-12)
    assert r["mi"] == _row(table, "b_early", "rest")["mi"]  # with the whole scenario set, in bits


def test_mutual_information_in_bits() -> None:
    assert mutual_information(np.array([[0.5, 0.0], [0.0, 0.5]])) == pytest.approx(1.0)
    assert mutual_information(np.full((2, 3), 1 / 6)) == pytest.approx(0.0, abs=1e-15)


def test_the_table_has_its_columns_and_settings(table: pd.DataFrame) -> None:
    assert tuple(table.columns) == INDICATOR_COLUMNS
    assert len(table) == 4
    assert table.attrs["samples"] == N
    assert table.attrs["seed"] == 3
    again = outlook.indicators(scenario(), samples=2_000, seed=3, horizon="year")
    assert again.equals(outlook.indicators(scenario(), samples=2_000, seed=3))


def test_an_independent_indicator_is_non_diagnostic(table: pd.DataFrame) -> None:
    r = _row(table, "c_any", "a_by_1y")
    lo, hi = NON_DIAGNOSTIC
    assert lo <= r["lr_pos"] <= hi
    assert r["flags"].split(", ")[0] == "non-diagnostic"
    assert r["by_when"] == ""
    assert r["mi"] < 1e-3


def test_lead_time_is_a_median_of_t_h_minus_t_i(table: pd.DataFrame, worlds: pd.DataFrame) -> None:
    ta, tb = worlds["time_a"].to_numpy(), worlds["time_b"].to_numpy()
    sel = (ta <= 1) & (tb <= 0.5)
    assert _row(table, "b_early", "a_by_1y")["lead_time_p50"] == pytest.approx(float(np.median((ta - tb)[sel])))


def _lead_case(b: str) -> dict[str, Any]:
    text = (HEAD + BODY).replace(f"b: {{rate: {MU}, after: {{a: {F}}}}}", b)
    text += "indicators:\n  b_seen: {label: b seen, observable: b, signposts: [a_by_1y]}\n"
    return _row(outlook.indicators(scenario(text), samples=20_000, seed=5), "b_seen", "a_by_1y")


def test_an_indicator_that_follows_the_scenario_lags() -> None:
    r = _lead_case("b: {rate: 0.02, after: {a: 300}}")
    assert r["lead_time_p50"] < 0
    assert r["flags"] == "lags, signpost"
    assert "lags: it typically fires after" in str(r["note"])


def test_an_indicator_that_comes_first_leads() -> None:
    text = (HEAD + BODY).replace(
        f"a: {{rate: {LAM}}}\n  b: {{rate: {MU}, after: {{a: {F}}}}}", "b: {rate: 2}\n  a: {rate: 0.02, after: {b: 40}}"
    )
    text += "indicators:\n  b_seen: {label: b seen, observable: b}\n"
    r = _row(outlook.indicators(scenario(text), samples=20_000, seed=5), "b_seen", "a_by_1y")
    assert r["lead_time_p50"] > 0
    assert "lags" not in str(r["flags"])


def test_the_by_when_date_is_when_absence_changes_the_word() -> None:
    text = (
        (HEAD + BODY)
        .replace(f"a: {{rate: {LAM}}}", "a: {rate: 1.2}")
        .replace(f"b: {{rate: {MU}, after: {{a: {F}}}}}", "b: {rate: 0.05, after: {a: 60}}")
    )
    text += "indicators:\n  b_seen: {label: b seen, observable: b}\n"
    s = scenario(text)
    r = _row(outlook.indicators(s, samples=N, seed=7), "b_seen", "a_by_1y")
    assert r["by_when"]
    grid = {end_date(s.as_of, k / 12).isoformat(): k / 12 for k in range(1, 13)}
    d = grid[str(r["by_when"])]
    w = outlook.sample_worlds(s, samples=N, seed=7)
    h = (w["scenario@year"] == "a_by_1y").to_numpy()
    tb = w["time_b"].to_numpy()
    word = outlook.estimative_word
    assert word(h.mean()) != word(h[tb > d].mean())
    assert word(h.mean()) == word(h[tb > d - 1 / 12].mean())


def test_an_indicator_that_defines_the_scenario_is_tautological() -> None:
    text = (
        HEAD
        + BODY
        + "indicators:\n  a_seen: {label: a seen, observable: a}\n  big_r: {label: r big, observable: r > 5}\n"
    )
    t = outlook.indicators(scenario(text), samples=4_000, seed=1)
    own = _row(t, "a_seen", "a_by_1y")
    assert (own["p_given"], own["p_given_not"], own["flags"]) == (1.0, 0.0, "tautological")
    assert "tautological by construction" in str(own["note"])
    assert "LR+ is unbounded (NaN)" in str(own["note"])
    assert math.isnan(own["lr_pos"])
    empirical = _row(t, "big_r", "a_by_1y")
    assert empirical["flags"] == "tautological"
    assert "tautological empirically (P(I|H) = 0, P(I|not H) = 0 in every world drawn)" in str(empirical["note"])


def test_a_scenario_that_never_or_always_holds_gives_nan_with_a_reason() -> None:
    text = (HEAD + BODY).replace(
        "  a_by_1y: a\n", "  everything: r > 0\n  a_by_1y: a\n"
    ) + "indicators:\n  c_seen: {label: c seen, observable: c}\n"
    t = outlook.indicators(scenario(text), samples=2_000, seed=1)
    always = _row(t, "c_seen", "everything")
    assert math.isnan(always["p_given_not"])
    assert math.isnan(always["lr_pos"])
    assert "every world is in this scenario at this horizon (P(H) = 1)" in str(always["note"])
    never = _row(t, "c_seen", "a_by_1y")
    assert math.isnan(never["p_given"])
    assert never["word"] == ""
    assert "no world is in this scenario at this horizon (P(H) = 0)" in str(never["note"])
    assert not np.isinf(t[["lr_pos", "lr_neg", "mi", "lead_time_p50"]].to_numpy(dtype=float)).any()


def test_a_file_without_indicators_gives_an_empty_table() -> None:
    t = outlook.indicators(scenario(HEAD + BODY), samples=1_000)
    assert t.empty
    assert tuple(t.columns) == INDICATOR_COLUMNS


def test_a_bad_horizon_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown horizon 'decade'"):
        outlook.indicators(scenario(), samples=1_000, horizon="decade")


def test_the_bundled_case() -> None:
    s = outlook.load_scenario("nk-troops-russia")
    assert [i.id for i in s.indicators] == [
        "more_troops_6mo",
        "munitions_6mo",
        "combat_in_ukraine_6mo",
        "tech_transfer_1y",
        "food_cash_6mo",
        "low_key_1y",
        "kursk_retaken_6mo",
        "sk_observers_6mo",
    ]
    t = outlook.indicators(s, samples=20_000, seed=0, horizon="short")
    more = _row(t, "more_troops_6mo", "deepening_alliance")
    assert 2.5 < more["lr_pos"] < 4.5
    assert "definitional" in str(more["flags"])
    assert "tautological" in str(_row(t, "tech_transfer_1y", "deepening_alliance")["flags"])
    # the note's own short-term claim (review F3) is a signpost of the contained scenario, not definitional of it
    low = _row(t, "low_key_1y", "contained")
    assert low["lr_pos"] > 2
    assert "definitional" not in str(low["flags"])
    sk = t[t["indicator"] == "sk_observers_6mo"]
    assert (sk["lr_pos"].between(0.75, 1.3)).all()


# -- the command and the figure ------------------------------------------------------


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def path(tmp_path: Path) -> str:
    p = tmp_path / "s.yaml"
    p.write_text(HEAD + BODY + BLOCK)
    return str(p)


def test_the_command_writes_a_table_csv_and_json(path: str) -> None:
    code, out, err = run("indicators", path, "-n", "3000", "--seed", "2")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "tiny: indicators, 3000 samples, seed 2"
    assert "at year (mi in bits; lead time in years, negative: it lags)" in out
    code, out, err = run("indicators", path, "-n", "3000", "--seed", "2", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert (code, len(rows), tuple(rows[0])) == (0, 4, INDICATOR_COLUMNS)
    code, out, err = run("indicators", path, "-n", "3000", "--seed", "2", "-f", "json", "--horizon", "year")
    data = json.loads(out)
    assert (code, data["samples"], data["units"]["mi"], len(data["indicators"])) == (0, 3000, "bits", 4)
    expected = outlook.indicators(scenario(), samples=3000, seed=2)
    assert data["indicators"][0]["p_given"] == pytest.approx(expected["p_given"].iloc[0])


def test_the_command_exit_codes(path: str, tmp_path: Path) -> None:
    code, out, err = run("indicators", path, "--horizon", "decade")
    assert (code, out) == (2, "")
    assert err == "outlook: error: --horizon: unknown horizon 'decade'; tiny has year\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text(HEAD + BODY + BLOCK.replace("[a_by_1y]", "[nope]"))
    code, _, err = run("indicators", str(bad))
    assert code == 2
    assert "indicators.b_early.signposts[0]: unknown scenario 'nope'" in err
    plain = tmp_path / "plain.yaml"
    plain.write_text(HEAD + BODY)
    code, out, _ = run("indicators", str(plain), "-n", "100")
    assert code == 0
    assert "The file states no indicators" in out


def test_the_board_is_deterministic_and_greyscale(table: pd.DataFrame) -> None:
    from outlook.plots import figure_bytes, indicator_board

    fig = indicator_board(table)
    cells = {a.get_gid(): a for a in fig.axes[0].patches}
    assert set(cells) == {f"cell.{i}.{s}" for i in ("b_early", "c_any") for s in ("a_by_1y", "rest")}
    p = float(_row(table, "b_early", "a_by_1y")["p_given"])
    r, g, b, _ = cells["cell.b_early.a_by_1y"].get_facecolor()
    assert r == g == b == pytest.approx(1 - p)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert f"{100 * p:.0f}%\nLS" in texts  # b follows a in this model: it lags
    assert figure_bytes(fig) == figure_bytes(indicator_board(table))
    with pytest.raises(ValueError, match="the table has no horizon 'decade'; it has year"):
        indicator_board(table, horizon="decade")


def test_the_report_has_the_section_only_when_the_file_has_indicators() -> None:
    from outlook.report.build import build_report

    for text, expected in ((HEAD + BODY + BLOCK, True), (HEAD + BODY, False)):
        tables = outlook.summarise(outlook.simulate(scenario(text), samples=2_000, seed=1))
        md, _ = build_report(tables, format="markdown", figures=False)
        assert ("## Indicators to watch" in md) is expected
        if expected:
            assert "| b_early | a_by_1y |" in md
            assert "- b within six months: the press" in md


def test_the_command_keeps_every_row_and_prints_each_note_once() -> None:
    # a note several rows share (tautological by construction, say) is printed once, and every row keeps its number
    code, out, err = run("indicators", "nk-troops-russia", "-n", "500", "--horizon", "short")
    assert (code, err) == (0, "")
    expected = outlook.indicators("nk-troops-russia", samples=500, seed=0, horizon="short")
    head, _, tail = out.partition("\nnotes (the note column's numbers)\n")
    rows = [line for line in head.splitlines()[4:] if line.strip()]
    assert len(rows) == len(expected)  # rows in == rows out
    notes = dict(line.split(" ", 1) for line in tail.splitlines())
    assert len(notes) == expected.loc[expected["note"] != "", "note"].nunique() < (expected["note"] != "").sum()
    for line, (_, row) in zip(rows, expected.iterrows(), strict=True):
        assert line.split()[:2] == [row["indicator"], row["scenario"]]
        number = line.split()[-1] if line.rstrip().endswith("]") else ""
        assert (notes[number] if number else "") == row["note"]


def test_overrides_may_change_an_indicator_but_never_add_one(path: str) -> None:
    code, out, err = run("indicators", path, "-n", "200", "--set", "indicators.b_erly={label: x, observable: c}")
    assert (code, out) == (2, "")
    assert "override indicators.b_erly: unknown indicator 'b_erly'. Did you mean 'indicators.b_early'?" in err
    code, out, err = run("indicators", path, "-n", "200", "--set", "drivers.rr=2")
    assert (code, err.count("unknown driver 'rr'")) == (2, 1)
    code, out, err = run("indicators", path, "-n", "200", "--set", "indicators.b_early.label=changed")
    assert (code, err) == (0, "")
    text = HEAD + BODY + BLOCK + "assumptions:\n  k:\n    statement: s\n    rating: solid\n"
    lines = errors(text + "    if_false: {indicators.c_anyy: {label: x, observable: c}}\n")
    assert lines == [
        "s.yaml:29:16: assumptions.k.if_false.indicators.c_anyy: assumption 'k': unknown indicator 'c_anyy'. "
        "Did you mean 'indicators.c_any'?"
    ]
    lines = errors(text + "    if_false: {evidence.e1: {text: x}}\n")
    assert len(lines) == 1
    assert "unknown item of evidence 'e1'" in lines[0]


def test_happened_by_a_horizon_id_quoted_or_not_means_that_horizons_end() -> None:
    two = BODY.replace("horizons: {year: {until: 1y}}", "horizons: {half: {until: 6mo}, year: {until: 1y}}")
    by_id = scenario(HEAD + two + BLOCK.replace("happened(b, by='6mo')", "happened(b, by='half')"))
    bare = scenario(HEAD + two + BLOCK.replace("happened(b, by='6mo')", "happened(b, by=half)"))
    dated = scenario(HEAD + two + BLOCK)
    tables = [outlook.indicators(s, samples=2_000, seed=1) for s in (by_id, bare, dated)]
    cols = ["p_given", "p_given_not", "lr_pos"]
    pd.testing.assert_frame_equal(tables[0][cols], tables[2][cols])
    pd.testing.assert_frame_equal(tables[1][cols], tables[2][cols])
    for written in ("happened(b, by='hlf')", "happened(b, by=hlf)"):
        lines = errors(HEAD + two + BLOCK.replace("happened(b, by='6mo')", written))
        assert len(lines) == 1
        assert "indicators.b_early.observable: unknown horizon 'hlf'. Did you mean 'half'?" in lines[0]


def test_a_run_too_large_for_memory_is_refused_before_drawing(path: str) -> None:
    from outlook.model import MAX_WORLD_VALUES

    most = MAX_WORLD_VALUES // 4  # two indicators, one horizon: four values a world
    with pytest.raises(ValueError, match=f"samples must be at most {most:,} for indicators of this model"):
        outlook.indicators(scenario(), samples=most + 1)
    code, out, err = run("indicators", path, "-n", str(most + 1))
    assert (code, out) == (2, "")
    assert err.startswith(f"outlook: error: samples must be at most {most:,} for indicators")
