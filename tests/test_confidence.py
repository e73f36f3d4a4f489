"""Analytic confidence, kept apart from likelihood: ranges across the drivers, the rule, the sentence, the block."""

from __future__ import annotations

import io
import json
import math
import re

import numpy as np
import pytest
from scipy import stats

import outlook
from outlook import Scenario, ScenarioErrors, cli
from outlook.analysis.confidence import (
    CONFIDENCE_COLUMNS,
    RANGE_TABLE_COLUMNS,
    brief_confidence_sentence,
    confidence,
    confidence_sentence,
    epistemic_ranges,
    propose,
    with_ranges,
    words_spanned,
)
from outlook.words import SCALES

HEAD = "outlook: 1.1\nid: tiny\ntitle: Tiny\nquestion: Does it happen?\nas_of: 2024-01-01\n"
UNIFORM = """\
horizons: {soon: {until: 1y}, later: {until: 3y}}
drivers:
  r: {uniform: {min: 0.1, max: 0.5}}
  c: 0.3
events:
  it: {rate: r}
  fixed: {rate: c}
  follow: {rate: c, after: {it: 2.0}}
scenarios:
  happens: it
  calm: otherwise
"""


def scenario(text: str = UNIFORM, extra: str = "") -> Scenario:
    return Scenario.from_yaml(HEAD + text + extra, path="s.yaml")


def row(frame: object, target: str, horizon: str) -> dict[str, object]:
    t = frame  # a DataFrame
    hit = t[(t["target"] == target) & (t["horizon"] == horizon)]  # type: ignore[index]
    assert len(hit) == 1
    return dict(hit.iloc[0])


# -- the range: closed forms ------------------------------------------------------


def test_a_constant_hazard_from_a_driver_has_the_closed_form_percentiles() -> None:
    """P(T <= t | r) = 1 - exp(-r t) is increasing in r, so its percentiles are those of r, transformed."""
    s = scenario()
    n = 2_001  # 0.05 (n - 1) and 0.95 (n - 1) are whole: the percentiles are order statistics, exactly
    ranges = epistemic_ranges(s, samples=n, inner=10, seed=3)
    r = np.sort(outlook.sample_worlds(s, samples=n, seed=3)["r"].to_numpy())
    for horizon, t in (("soon", 1.0), ("later", 3.0)):
        got = row(ranges, "it", horizon)
        assert got["route"] == "analytic"
        assert got["p05"] == pytest.approx(1 - math.exp(-r[100] * t), rel=1e-12)
        assert got["p95"] == pytest.approx(1 - math.exp(-r[1900] * t), rel=1e-12)
        assert got["p"] == pytest.approx(np.mean(1 - np.exp(-r * t)), rel=1e-12)
        # and against r's own percentiles, within the sampling error of 2,001 draws
        q05, q95 = stats.uniform(0.1, 0.4).ppf([0.05, 0.95])
        assert got["p05"] == pytest.approx(1 - math.exp(-q05 * t), abs=0.01)
        assert got["p95"] == pytest.approx(1 - math.exp(-q95 * t), abs=0.01)


def test_a_by_probability_from_a_driver_is_its_own_range() -> None:
    """An event with ``by: {soon: q}``: P(T <= end of soon | q) = q, so the range is q's percentiles."""
    s = scenario(
        UNIFORM.replace("c: 0.3", "c: 0.3\n  q: {uniform: {min: 0.2, max: 0.6}}").replace(
            "fixed: {rate: c}", "fixed: {by: {soon: q, later: 0.9}}"
        )
    )
    n = 2_001
    got = row(epistemic_ranges(s, samples=n, inner=10, seed=6), "fixed", "soon")
    q = np.sort(outlook.sample_worlds(s, samples=n, seed=6)["q"].to_numpy())
    assert got["route"] == "analytic"
    assert (got["p05"], got["p95"]) == (pytest.approx(q[100], rel=1e-12), pytest.approx(q[1900], rel=1e-12))
    later = row(epistemic_ranges(s, samples=n, inner=10, seed=6), "fixed", "later")
    assert later["p05"] == later["p95"] == pytest.approx(0.9)


def test_a_judgement_that_reads_no_driver_has_no_range() -> None:
    ranges = epistemic_ranges(scenario(), samples=500, inner=200, seed=1)
    fixed = row(ranges, "fixed", "soon")
    assert fixed["route"] == "analytic"
    assert fixed["p05"] == fixed["p95"] == pytest.approx(1 - math.exp(-0.3))
    assert fixed["p"] == pytest.approx(1 - math.exp(-0.3))
    assert (fixed["words_spanned"], fixed["straddles"]) == (1, False)


def test_the_nested_route_agrees_with_the_closed_form() -> None:
    """The scenario 'happens' is the event 'it': nested simulation gives the analytic range, within its error."""
    ranges = epistemic_ranges(scenario(), samples=400, inner=4_000, seed=2)
    for horizon in ("soon", "later"):
        nested, exact = row(ranges, "happens", horizon), row(ranges, "it", horizon)
        assert nested["route"] == "nested"
        se = 0.5 / math.sqrt(4_000)
        for col in ("p", "p05", "p95"):
            assert nested[col] == pytest.approx(exact[col], abs=4 * se)


def test_an_event_with_after_takes_the_nested_route_and_common_random_numbers() -> None:
    ranges = epistemic_ranges(scenario(), samples=300, inner=2_000, seed=4)
    follow = row(ranges, "follow", "later")
    assert follow["route"] == "nested"
    assert 0 < follow["p05"] < follow["p95"] < 1  # it depends on r through 'it'
    s = scenario(UNIFORM.replace("follow: {rate: c, after: {it: 2.0}}", "follow: {rate: c, requires: [fixed]}"))
    alone = row(epistemic_ranges(s, samples=300, inner=2_000, seed=4), "follow", "later")
    assert alone["route"] == "nested"
    assert alone["p05"] == alone["p95"]  # no driver dependence: the same inner draws give one value


def test_the_ranges_cover_every_judgement_in_table_order() -> None:
    s = scenario()
    ranges = epistemic_ranges(s, samples=50, inner=20)
    run = outlook.run_outlook(s, samples=1_000, seed=0)
    keys = list(zip(ranges["target"], ranges["horizon"]))
    expected = list(zip(run.scenarios["scenario"].astype(str), run.scenarios["horizon"].astype(str)))
    expected += list(zip(run.events["event"].astype(str), run.events["horizon"].astype(str)))
    assert keys == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"samples": 1}, "samples must be a whole number from 2 to 10,000,000 (got 1)"),
        ({"inner": 0}, "inner must be a whole number from 2 to 10,000,000 (got 0)"),
        ({"samples": 2.5}, "samples must be a whole number from 2 to 10,000,000 (got 2.5)"),
        ({"samples": True}, "samples must be a whole number from 2 to 10,000,000 (got True)"),
    ],
)
def test_bad_settings_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        epistemic_ranges(scenario(), **kwargs)  # type: ignore[arg-type]


# -- word bands --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lo", "hi", "scale", "n"),
    [
        (0.46, 0.54, "icd203", 1),
        (0.45, 0.5499, "icd203", 1),  # bands are [lo, hi): 0.45 is "roughly even chance"
        (0.4499, 0.45, "icd203", 2),
        (0.45, 0.55, "icd203", 2),  # 0.55 is "likely"
        (0.31, 0.58, "icd203", 3),
        (0.0, 1.0, "icd203", 7),
        (0.5, 0.5, "icd203", 1),
        (0.0, 0.015, "kent", 1),  # below Kent's lowest band: its lowest term throughout
        (0.06, 0.09, "phia", 1),  # inside a gap: "remote chance to highly unlikely" throughout
        (0.04, 0.11, "phia", 3),  # a band, the gap, the next band
    ],
)
def test_words_spanned_counts_the_words_of_the_scale(lo: float, hi: float, scale: str, n: int) -> None:
    assert words_spanned(lo, hi, scale) == n
    sc = SCALES[scale]
    grid = np.linspace(lo, hi, 2_001)
    assert len({sc.word(float(p)) for p in [*grid, *(e for e in sc.edges() if lo <= e <= hi)]}) == n


def test_words_spanned_refuses_a_reversed_range() -> None:
    with pytest.raises(ValueError, match=re.escape("the range's lower end 0.6 is above its upper end 0.4")):
        words_spanned(0.6, 0.4)


# -- the rule --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "level"),
    [
        ((1, 2, 2), {}, "high"),
        ((1, 5, 2), {}, "high"),
        ((1, 2, 1), {}, "moderate"),  # one strong source is not enough
        ((2, 2, 2), {}, "moderate"),  # two bands
        ((3, 2, 2), {}, "low"),  # three bands
        ((1, 1, 1), {}, "low"),  # a single source
        ((1, 0, 0), {}, "low"),  # no source
        ((1, 2, 2), {"caveated": 1}, "moderate"),
        ((2, 3, 0), {"caveated": 2}, "moderate"),
        ((1, 2, 2), {"unsupported": 1}, "low"),
    ],
)
def test_the_rule_at_its_boundaries(args: tuple[int, int, int], kwargs: dict[str, int], level: str) -> None:
    assert propose(*args, **kwargs) == level


# -- the sentence: never a likelihood word ------------------------------------------------

#: every term of every scale, and the words those terms are made of that carry likelihood
LIKELIHOOD = sorted(
    {b.word for sc in SCALES.values() for b in sc.bands}
    | {"likely", "unlikely", "probable", "improbable", "certain", "chance", "odds", "possibility", "remote"}
)


def _likelihood_words(text: str) -> list[str]:
    return [w for w in LIKELIHOOD if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text, re.IGNORECASE)]


def test_the_word_lists_are_checked_and_would_catch_one() -> None:
    assert "roughly even chance" in LIKELIHOOD
    assert "realistic possibility" in LIKELIHOOD
    assert _likelihood_words("We have high confidence that it is likely.") == ["likely"]
    assert _likelihood_words("the probability ranges across the drivers' uncertainty") == []


@pytest.mark.parametrize("level", ["low", "moderate", "high"])
@pytest.mark.parametrize(("lo", "hi", "n"), [(0.31, 0.58, 3), (0.2, 0.2, 1), (0.01, 0.99, 7), (0.45, 0.55, 2)])
def test_the_confidence_sentence_has_no_likelihood_word(level: str, lo: float, hi: float, n: int) -> None:
    reasons = [
        "it rests on a single source (ap)",
        "source ap is ungraded",
        "source ap is an interested party",
        "source ap is opinion",
        "source ap is dated after as_of",
        "it rests on no source: pure judgement",
        "it rests on the unsupported assumption brake",
        "it rests on the caveated assumption brake",
    ]
    for k in range(len(reasons) + 1):
        text = confidence_sentence(level, lo, hi, n, reasons[:k])
        assert text.startswith(f"We have {level} confidence in this judgement: ")
        assert _likelihood_words(text) == []


def test_the_sentence_reads_as_the_brief_has_it() -> None:
    assert confidence_sentence("moderate", 0.31, 0.58, 2, ["it rests on a single source"]) == (
        "We have moderate confidence in this judgement: the probability ranges from 0.31 to 0.58 across the "
        "drivers' uncertainty (two word bands), and it rests on a single source."
    )
    assert confidence_sentence("low", 0.2, 0.2, 1) == (
        "We have low confidence in this judgement: the probability is 0.20 whatever the drivers."
    )
    with pytest.raises(ValueError, match=re.escape("confidence must be one of low, moderate, high (got 'sure')")):
        confidence_sentence("sure", 0.1, 0.2, 1)


def test_every_sentence_of_the_bundled_case_has_no_likelihood_word() -> None:
    c = confidence("nk-troops-russia", samples=100, inner=100, seed=1)
    assert list(c.table.columns) == list(CONFIDENCE_COLUMNS)
    for text in c.table["sentence"]:
        assert _likelihood_words(text) == []
    for reasons in c.table["reasons"]:
        assert reasons
        assert all(_likelihood_words(r) == [] for r in reasons)


# -- sources and assumptions ----------------------------------------------------------------

SOURCED = """\
horizons: {soon: {until: 1y}}
sources:
  wire: {title: A wire report, date: 2023-12-01}
  late: {title: A later note, date: 2024-03-01}
drivers:
  r: {uniform: {min: 0.1, max: 0.5}, source: {ref: wire, quote: about a third}}
  k: {uniform: {min: 0.5, max: 1.0}, source: {ref: late, quote: maybe half}}
  c: 0.3
events:
  it: {rate: r}
  both: {rate: r * k}
  bare: {rate: c}
scenarios:
  happens: it
  calm: otherwise
assumptions:
  brake:
    statement: Nothing speeds it up.
    rating: unsupported
    if_false: {drivers.k: 2.0}
  steady:
    statement: The rate holds.
    rating: caveated
    if_false: {drivers.r: 0.6}
"""


def test_sources_and_assumptions_give_the_reasons_and_the_level() -> None:
    c = confidence(scenario(SOURCED), samples=200, inner=200, seed=1)
    it = c.row("it", "soon")
    assert it["sources"] == ["wire"]
    assert it["reasons"][1:] == [
        "it rests on a single source (wire)",
        "source wire is ungraded",
        "it rests on the caveated assumption steady",
    ]
    assert it["proposed"] == "low"
    both = c.row("both", "soon")
    assert both["sources"] == ["wire", "late"]
    assert "source late is dated after as_of" in both["reasons"]
    assert "it rests on the unsupported assumption brake" in both["reasons"]
    assert both["proposed"] == "low"
    bare = c.row("bare", "soon")
    assert (bare["sources"], bare["words_spanned"]) == ([], 1)
    assert bare["reasons"] == ["the range spans one word band", "it rests on no source: pure judgement"]
    assert bare["proposed"] == "low"
    with pytest.raises(KeyError, match="no judgement nope@soon"):
        c.row("nope", "soon")


def test_an_assumptions_check_decides_which_assumptions_bear() -> None:
    s = scenario(SOURCED)
    check = outlook.assumptions_check(s, samples=2_000, seed=1)
    c = confidence(s, samples=100, inner=100, seed=1, check=check)
    flips = check.table[check.table["flip"]]
    for r in c.table.to_dict("records"):
        hit = flips[(flips["target"] == r["target"]) & (flips["horizon"] == r["horizon"])]
        named = {x.rsplit(" ", 1)[1] for x in r["reasons"] if "assumption" in x}
        assert named == set(hit["assumption"])


# -- the judgements: block -----------------------------------------------------------------------

JUDGED = """\
judgements:
  - target: it@soon
    text: "It {word} happens within the year."
    confidence: high
    basis: one wire report
    implications: Plan for it.
  - {target: happens@later, text: "The outlook is {word} to be 'happens'.", confidence: moderate}
  - {target: fixed@later, text: "Fixed {word} happens."}
"""


def test_the_judgements_block_is_read_and_kept() -> None:
    s = scenario(extra=JUDGED)
    first, second, third = s.judgements
    assert (first.kind, first.target, first.horizon, first.confidence) == ("event", "it", "soon", "high")
    assert (first.basis, first.implications, first.id) == ("one wire report", "Plan for it.", "it@soon")
    assert (second.kind, second.confidence, third.confidence) == ("scenario", "moderate", "")
    again = Scenario.from_dict(s.to_dict())
    assert again.judgements == s.judgements
    assert s.to_dict()["judgements"][2] == {"target": "fixed@later", "text": "Fixed {word} happens."}


def test_stated_confidence_is_shown_beside_the_proposed_one() -> None:
    c = confidence(scenario(extra=JUDGED), samples=200, inner=100, seed=1)
    it = c.row("it", "soon")
    assert (it["proposed"], it["stated"]) == ("low", "high")
    assert it["note"] == "stated high, proposed low: two levels apart; the basis should say why"
    assert it["sentence"].startswith("We have high confidence in this judgement")
    happens = c.row("happens", "later")
    assert (happens["proposed"], happens["stated"], happens["note"]) == ("low", "moderate", "")
    assert c.row("fixed", "later")["stated"] == ""


def errors(text: str) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    return str(info.value).splitlines()


def test_every_problem_of_the_block_is_located() -> None:
    bad = """\
judgements:
  - {target: it@soon, text: "It {word} happens."}
  - {target: happens@soon, text: "It happens.", confidence: sure}
  - {target: it@never, text: "{word}"}
  - {target: nope@soon, text: "{word}"}
  - {target: it@soon, text: "{word}"}
  - {target: it, text: "{word}"}
  - {target: it@soon}
  - {target: fixed@soon, text: "{word}", weight: 2}
"""
    assert errors(HEAD + UNIFORM + bad) == [
        "s.yaml:19:34: judgements[1].text: expected the judgement's text with {word} where the estimative word goes",
        "s.yaml:19:61: judgements[1].confidence: expected low, moderate or high (got 'sure')",
        "s.yaml:20:14: judgements[2].target: unknown horizon 'never'",
        "s.yaml:21:14: judgements[3].target: unknown scenario or event 'nope'",
        "s.yaml:22:5: judgements[4]: a second judgement on it@soon (the first is judgements[0])",
        "s.yaml:23:14: judgements[5].target: expected ID@HORIZON, a scenario or event id and a horizon id (got 'it')",
        "s.yaml:24:5: judgements[6]: missing required key 'text'",
        "s.yaml:25:42: judgements[7].weight: unknown key 'weight'",
    ]


def test_the_block_needs_format_1_1_and_a_list() -> None:
    old = HEAD.replace("outlook: 1.1", "outlook: 1") + UNIFORM.replace(", after: {it: 2.0}", "")
    assert errors(old + JUDGED) == [
        "s.yaml:17:1: judgements: the 'judgements' block is new in format 1.1: write 'outlook: 1.1' at the top "
        "of the file"
    ]
    assert errors(HEAD + UNIFORM + "judgements: {it@soon: x}\n") == [
        "s.yaml:17:13: judgements: expected a list of judgements, each {target: ID@HORIZON, text: ...}"
    ]


# -- the run's tables, the command line, the report ---------------------------------------------


def test_the_range_columns_are_opt_in_and_keep_the_published_ones() -> None:
    s = scenario()
    run = outlook.run_outlook(s, samples=2_000, seed=5)
    wide = with_ranges(run, samples=200, inner=100)
    for name in ("scenarios", "events"):
        before, after = run.table(name), wide.table(name)
        assert list(after.columns) == [*before.columns, *RANGE_TABLE_COLUMNS]
        assert after[list(before.columns)].equals(before)
        assert (after["p05"] <= after["p95"]).all()
        assert (after["straddles"] == (after["words_spanned"] > 1)).all()
    assert "p05" not in run.scenarios.columns


def test_the_command_has_the_library_defaults() -> None:
    import importlib

    lib = importlib.import_module("outlook.analysis.confidence")  # the package exports the function by that name
    command = importlib.import_module("outlook.commands.confidence")

    assert (command.DEFAULT_OUTER, command.DEFAULT_INNER) == (lib.DEFAULT_OUTER, lib.DEFAULT_INNER)


def test_the_command_writes_json_csv_and_text(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "s.yaml"
    path.write_text(HEAD + UNIFORM + JUDGED, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["confidence", str(path), "-n", "100", "--inner", "50", "-f", "json"], stdout=out, stderr=err) == 0
    data = json.loads(out.getvalue())
    assert (data["samples"], data["inner"], data["seed"]) == (100, 50, 0)
    assert list(data["confidence"][0]) == list(CONFIDENCE_COLUMNS)
    out = io.StringIO()
    assert cli.main(["confidence", str(path), "-n", "100", "--inner", "50", "-f", "csv"], stdout=out, stderr=err) == 0
    assert out.getvalue().splitlines()[0] == ",".join(CONFIDENCE_COLUMNS)
    out = io.StringIO()
    assert cli.main(["confidence", str(path), "-n", "100", "--inner", "50"], stdout=out, stderr=err) == 0
    flat = " ".join(out.getvalue().split())  # the header wrapped to the terminal, joined again
    assert "not an ICD standard" in flat
    assert "a nested one has a standard error of at most 0.071, 0.5/sqrt(inner)" in flat  # inner 50
    assert "route nested: 50 draws of the event clocks for each (--inner); route analytic: exact" in flat
    err = io.StringIO()
    assert cli.main(["confidence", str(path), "-n", "1"], stdout=io.StringIO(), stderr=err) == 2
    assert "expected a whole number of samples from 2 to 10,000,000, got '1'" in err.getvalue()


def test_the_report_has_the_section_only_for_stated_judgements() -> None:
    from outlook.report.build import build_report

    plain = outlook.run_outlook(scenario(), samples=2_000, seed=1)
    text, _ = build_report(plain, format="markdown", figures=False)
    assert "## Analytic confidence" not in text
    judged = outlook.run_outlook(scenario(extra=JUDGED), samples=2_000, seed=1)
    text, _ = build_report(judged, format="markdown", figures=False)
    section = text[text.index("## Analytic confidence") : text.index("## Methods")]
    assert "not an ICD standard" in section
    word = outlook.estimative_word(float(judged.events.query("event == 'it' and horizon == 'soon'")["p_by"].iloc[0]))
    assert f"It {word} happens within the year." in section
    assert "We have high confidence in this judgement" in section
    assert (
        "Proposed confidence: low; stated: high. Stated high, proposed low: two levels apart; the basis should say why."
        in section
    )
    assert "Implications: Plan for it." in section
    html = build_report(judged, figures=False)
    assert 'id="analytic-confidence"' in html


def test_a_judgement_left_dangling_by_a_replace_is_refused() -> None:
    import dataclasses

    s = scenario(extra=JUDGED)
    with pytest.raises(outlook.ScenarioError, match=re.escape("judgements[2].target: unknown event 'fixed'")):
        dataclasses.replace(s, events=tuple(e for e in s.events if e.id != "fixed"))


def test_source_grades_are_read_where_the_file_states_them() -> None:
    """Grades, kinds and interested parties (a later format addition) are read if present, never assumed."""
    import datetime as dt
    from types import SimpleNamespace as NS

    from outlook.analysis.confidence import _assumption_reasons, _quote_reasons, _source_reasons

    graded = {
        "a": NS(id="a", reliability="A", kind="official", interested_party=False, date="2023-01-01"),
        "b": NS(id="b", reliability="B2", kind="wire", interested_party=False, date=""),
        "c": NS(id="c", reliability="B", kind="opinion", interested_party=True, date=dt.date(2024, 6, 1)),
        "d": NS(id="d", date="2023-01-01"),
    }
    s = NS(source=graded.__getitem__, as_of=dt.date(2024, 1, 1))
    assert _source_reasons(s, ["a", "b"]) == ([], 2)  # type: ignore[arg-type]
    reasons, strong = _source_reasons(s, ["a", "c", "d"])  # type: ignore[arg-type]
    assert strong == 1
    assert reasons == [
        "source c is an interested party",
        "source c is opinion",
        "source c is dated after as_of",
        "source d is ungraded",
    ]
    ref = NS(ref="c", basis="interested_claim")
    s = NS(drivers=[NS(id="x", source=ref), NS(id="y", source=None)], events=[NS(id="e", source=None, sources=[ref])])
    assert _quote_reasons(s, frozenset({"driver:x", "driver:y", "event:e"})) == [  # type: ignore[arg-type]
        "the driver x and the event e cite an interested party's claim (c)",
    ]
    assert _quote_reasons(s, frozenset({"driver:x"})) == ["the driver x cites an interested party's claim (c)"]  # type: ignore[arg-type]
    many = NS(drivers=[NS(id=i, source=ref) for i in "xyz"], events=[])
    assert _quote_reasons(many, frozenset({"driver:x", "driver:y", "driver:z"})) == [  # type: ignore[arg-type]
        "the drivers x, y and z cite an interested party's claim (c)",
    ]
    assert _assumption_reasons([("a", "caveated"), ("b", "unsupported"), ("c", "caveated")]) == [
        "it rests on the unsupported assumption b",
        "it rests on the caveated assumptions a and c",
    ]
    assert propose(1, 2, 2) == "high"  # so two graded A/B sources that are not interested parties can reach high


def test_an_event_that_happened_is_certain_and_its_dependants_still_get_ranges() -> None:
    """An event with ``status: happened`` (a fact at as_of) has p = p05 = p95 = 1; what depends on it is nested."""
    s = outlook.Scenario.from_yaml(
        """
outlook: 1.1
id: s
title: S
question: Q
as_of: 2024-11-15
sources: {wire: {title: W, date: 2024-11-14}}
horizons: {short: {until: 1y}}
drivers: {r: {range: [0.2, 0.8], shape: uniform}}
events:
  combat: {status: {happened: 2024-11-05, source: {ref: wire, quote: q}}}
  more: {rate: r, after: {combat: 2}}
scenarios:
  hot: {when: more}
  calm: {when: otherwise}
"""
    )
    t = outlook.confidence(s, samples=400, inner=200, seed=1).table.set_index(["target", "horizon"])
    done = t.loc[("combat", "short")]
    assert (float(done["p"]), float(done["p05"]), float(done["p95"])) == (1.0, 1.0, 1.0)
    assert done["route"] == "analytic"
    more = t.loc[("more", "short")]
    assert more["route"] == "nested"
    # the hazard doubles from as_of: P = 1 - exp(-2r); the range [0.2, 0.8] is r's 5th-95th percentiles, so
    # p05, p95 = 1 - exp(-0.4), 1 - exp(-1.6) = 0.330, 0.798 (inner error about 0.035 at 200 clocks)
    assert abs(float(more["p05"]) - (1 - np.exp(-0.4))) < 0.06
    assert abs(float(more["p95"]) - (1 - np.exp(-1.6))) < 0.06


def test_key_judgements_carry_the_brief_sentence_and_the_section_the_full_one() -> None:
    """The report's key judgement shows the brief sentence (the range is beside it already); the Analytic
    confidence section shows the full one with every reason; both come from one row and one level."""
    from outlook.report.build import build_report

    judged = outlook.run_outlook(scenario(extra=JUDGED), samples=2_000, seed=1)
    text, _ = build_report(judged, format="markdown", figures=False)
    key = text[text.index("## Key judgements") : text.index("\n## ", text.index("## Key judgements") + 3)]
    section = text[text.index("## Analytic confidence") : text.index("## Methods")]
    row = confidence(scenario(extra=JUDGED), samples=2_000, seed=1).row("it", "soon")
    assert row["brief"] in key
    assert row["sentence"] in section
    assert row["brief"] != row["sentence"]
    assert row["brief"].startswith("We have high confidence in this judgement: ")  # the stated level, as the full one
    assert row["sentence"].startswith("We have high confidence in this judgement: ")


def test_the_brief_sentence_counts_what_the_full_one_names() -> None:
    """Every weak-source kind and each assumption rating is counted: the full sentence's reasons, summed up."""
    assert brief_confidence_sentence(
        "low",
        0.1,
        0.6,
        3,
        sources=["an opinion source (a)", "sources dated after the cut-off (b, c)"],
        unsupported=1,
    ) == (
        "We have low confidence in this judgement: its range spans three word bands; it draws on an opinion "
        "source (a) and sources dated after the cut-off (b, c); one unsupported key assumption bears on it."
    )
    assert brief_confidence_sentence("moderate", 0.3, 0.4, 1, caveated=2) == (
        "We have moderate confidence in this judgement: its range stays within one word band; two caveated key "
        "assumptions bear on it."
    )
    with pytest.raises(ValueError, match="confidence must be one of"):
        brief_confidence_sentence("certain", 0.3, 0.4, 1)


def test_what_the_drivers_explain_together_is_the_closed_form() -> None:
    """explained = Var(P(Y | theta)) / (p (1 - p)): for an event at rate r ~ U(a, b), P(by 1 year | r) = 1 - e^-r,
    so it is Var(e^-r) / (p (1 - p)) with p = 1 - E[e^-r] (the analytic route; the law of total variance)."""
    a, b = 0.1, 0.5  # UNIFORM's r
    m1 = (math.exp(-a) - math.exp(-b)) / (b - a)
    m2 = (math.exp(-2 * a) - math.exp(-2 * b)) / (2 * (b - a))
    p = 1 - m1
    exact = (m2 - m1**2) / (p * (1 - p))
    row = confidence(scenario(), samples=20_000, seed=2).row("it", "soon")
    assert row["route"] == "analytic"
    assert row["explained"] == pytest.approx(exact, rel=0.03)
    constant = confidence(scenario(UNIFORM.replace("{uniform: {min: 0.1, max: 0.5}}", "0.3")), samples=200, inner=50)
    assert constant.row("it", "soon")["explained"] == pytest.approx(0.0, abs=1e-12)  # nothing to explain


def test_probabilities_equal_but_for_rounding_explain_nothing() -> None:
    """A spread within rounding is no spread: explained is 0 (it was 1e-33 for the outbreak case's vaccine@y2)."""
    from outlook.analysis.confidence import _explained

    p = 0.7
    x = np.full(1000, p)
    x[::3] = np.nextafter(p, 1.0)  # one unit in the last place apart, as segment sums round
    assert np.var(x) > 0
    assert _explained(x, p) == 0.0
    x[5] = 0.71  # a real spread stays
    assert _explained(x, p) > 0
    table = epistemic_ranges(outlook.load_scenario("outbreak-vaccine-race"), samples=300, inner=50, seed=1)
    row = table[(table.target == "vaccine") & (table.horizon == "y2")].iloc[0]
    assert row.explained == 0.0


@pytest.mark.parametrize("columns", ["80", "100", "160"])
def test_the_text_table_fits_the_terminal(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Some 190 characters of columns come in blocks that fit COLUMNS (at most 120), each led by its target."""
    monkeypatch.setenv("COLUMNS", columns)
    out = io.StringIO()
    assert (
        cli.main(["confidence", "nk-troops-russia", "-n", "100", "--inner", "20"], stdout=out, stderr=io.StringIO())
        == 0
    )
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= min(int(columns), 120)
    headers = [line for line in lines if line.startswith("kind ")]
    assert len(headers) >= 2
    assert all(h.split()[:3] == ["kind", "target", "horizon"] for h in headers)
    shown = [c for h in headers for c in h.split()[3:]]
    assert {"p", "p05", "p95", "explained", "proposed", "stated", "note"} <= set(shown)
