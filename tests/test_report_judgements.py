"""The report's wording as a finished product: key judgements, horizons, ICD 203 bands, facts apart from judgements.

Checked against the review of the bundled case (shared/reference/bundled-case-review.md, R1-R12): one row of
the ICD 203 table, numbers rounded with their word, a "level" rule that does not change with the seed or the
sample count, "by" horizons, the directive's bands quoted exactly, and an event figure that stays legible.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import outlook
from outlook.display import about, by_horizon, rounded_range
from outlook.report import build_report
from outlook.report.judgements import Assessment, analyst_judgements, key_judgement
from outlook.report.sections import icd_bands
from outlook.words import LEVEL_GAP, LEVEL_K, SCALES, get_scale, level

TWO = """outlook: 1
id: two
title: Two
question: Which?
as_of: 2024-11-01
horizons: {soon: {label: "0–12 months", until: 1y}, later: {until: 5y}}
drivers: {u: {range: [0, 1], shape: uniform}}
events: {it: {rate: 0.3}}
scenarios:
  a: {when: u < {cut}, label: Alpha}
  b: {when: otherwise, label: Beta}
"""


def _two(cut: float, samples: int, seed: int) -> outlook.Tables:
    return outlook.run_outlook(outlook.Scenario.from_yaml(TWO.replace("{cut}", str(cut))), samples=samples, seed=seed)


def _section(text: str, name: str) -> str:
    return text.split(f"## {name}\n", 1)[1].split("\n## ", 1)[0]


# --------------------------------------------------------------------------
# the level rule


@pytest.mark.parametrize(
    ("p1", "p2", "n", "expected"),
    [
        (0.45, 0.37, 200, True),  # 8 points apart, but 3 SE of the difference is 19 points
        (0.45, 0.37, 1_000, True),  # 3 SE = 8.6 points
        (0.45, 0.37, 2_000, False),  # 3 SE = 6.1 points: ordered
        (0.45, 0.37, 20_000, False),  # 3 SE = 1.9 points: ordered
        (0.45, 0.37, 1_000_000, False),
        (0.300, 0.297, 1_000, True),
        (0.300, 0.297, 1_000_000, True),  # below the 5-point floor at any n (R2)
    ],
    ids=["n200", "n1k", "n2k", "n20k", "n1m", "close-n1k", "close-n1m"],
)
def test_level_depends_on_the_standard_error_and_a_floor(p1: float, p2: float, n: int, expected: bool) -> None:
    """Level when |p1 - p2| < max(5 points, 3 SE of the multinomial difference); SE from the closed form."""
    se = np.sqrt((p1 + p2 - (p1 - p2) ** 2) / n)
    assert (abs(p1 - p2) < max(LEVEL_GAP, LEVEL_K * se)) == expected
    assert expected == level(p1, p2, n)


def test_the_difference_standard_error_is_the_multinomial_one() -> None:
    """The SE the rule uses matches the spread of simulated differences (multinomial covariance -p1 p2 / n)."""
    rng = np.random.default_rng(7)
    n, p = 4_000, [0.4, 0.35, 0.25]
    draws = rng.multinomial(n, p, size=20_000) / n
    spread = float(np.std(draws[:, 0] - draws[:, 1]))
    closed = np.sqrt((0.4 + 0.35 - 0.05**2) / n)
    assert abs(spread / closed - 1) < 0.03
    # so 0.4 vs 0.35 at this n is level exactly when 3 closed-form SEs exceed the gap
    assert level(0.4, 0.35, n) == (0.05 < max(LEVEL_GAP, LEVEL_K * closed))


@pytest.mark.parametrize("n", [100, 1_000, 10_000, 100_000, 1_000_000])
def test_a_zero_gap_is_level_for_almost_every_seed(n: int) -> None:
    """Two scenarios equally likely: called level in (nearly) every one of 2,000 samples of n worlds.

    The chance of calling them ordered is P(|Z| > 3) = 0.27 % while 3 SE is above the floor, and 0 once the
    floor dominates (n of 10,000 and more here): then no seed flips the wording.
    """
    rng = np.random.default_rng(n)
    draws = rng.multinomial(n, [0.35, 0.35, 0.30], size=2_000) / n
    flips = sum(not level(a, b, n) for a, b in draws[:, :2])
    if n >= 10_000:
        assert 0 == flips
    else:
        assert flips <= 15, flips  # binomial(2000, 0.0027): mean 5.4, P(> 15) < 1e-4


@pytest.mark.parametrize("samples", [2_000, 20_000, 200_000])
def test_the_report_calls_an_even_pair_level_at_every_seed(samples: int) -> None:
    """Two scenarios at 50 % each: the key judgement says "no scenario leads" whatever the seed and sample count.

    The level scenarios are named in the file's order, so not even their order moves with the noise.
    """
    for seed in range(3):
        text, _ = build_report(_two(0.5, samples, seed), format="markdown", figures=False)
        said = _section(text, "Key judgements")
        assert "By November 2025 (0–12 months), no scenario leads: “Alpha” (**roughly even chance**" in said
        assert "leading scenario" not in said


@pytest.mark.parametrize(("samples", "leads"), [(200, False), (50_000, True)])
def test_a_close_pair_is_level_with_few_worlds_and_ordered_with_many(samples: int, leads: bool) -> None:
    """Alpha 58 %, Beta 42 %: level at 200 worlds (3 SE is 21 points), Alpha leads at 50,000."""
    text, _ = build_report(_two(0.58, samples, 1), format="markdown", figures=False)
    said = _section(text, "Key judgements")
    assert leads == ("“Alpha” is the leading scenario of the two: it is **likely** to be the outcome" in said), said


def test_level_rejects_a_bad_sample_count() -> None:
    with pytest.raises(ValueError, match=r"^the number of worlds must be positive \(got 0\)$"):
        level(0.5, 0.4, 0)


# --------------------------------------------------------------------------
# rounding and horizons


@pytest.mark.parametrize(
    ("p", "shown"),
    [
        (0.351, "about 35%"),
        (0.41, "about 40%"),
        (0.443, "about 44%"),  # 45 % would read "roughly even chance"
        (0.5496, "about 54.96%"),
        (0.549957370557032, "about 54.996%"),  # found by hypothesis: two decimals would show 55.00
        (0.031, "about 3%"),
        (0.962, "about 96%"),
        (0.004, "below 1%"),
        (0.0, "below 1%"),
        (0.9967, "above 99%"),
    ],
)
def test_about_rounds_by_the_house_rule(p: float, shown: str) -> None:
    assert shown == about(p)


@given(st.floats(0.01, 0.99))
def test_the_rounded_number_never_contradicts_its_word(p: float) -> None:
    """The number a key judgement shows gets the same ICD 203 word as the probability it rounds."""
    shown = float(re.sub(r"[^0-9.]", "", about(p))) / 100.0
    scale = get_scale("icd203")
    assert scale.word(p) == scale.word(shown)


def test_rounded_range() -> None:
    assert "17–66%" == rounded_range(0.17, 0.66)
    assert "14–54%" == rounded_range(0.1433, 0.5351)
    assert "below 1% to 10%" == rounded_range(0.004, 0.1)
    assert "54% to above 99%" == rounded_range(0.54, 0.996)


@pytest.mark.parametrize(
    ("label", "ident", "until", "said"),
    [
        ("0–12 months", "short", 1.0, "by November 2025 (0–12 months)"),
        ("1–5 years", "medium", 5.0, "by November 2029 (1–5 years)"),
        ("long", "long", 10.0, "by November 2034"),
        ("soon", "soon", 45 / 365.25, "by 16 December 2024"),
    ],
)
def test_horizons_read_by_their_end(label: str, ident: str, until: float, said: str) -> None:
    """The numbers are cumulative, so a horizon reads "by" its end (R4), with its label after."""
    assert said == by_horizon(label, ident, dt.date(2024, 11, 1), until)


# --------------------------------------------------------------------------
# the bundled case's report


@pytest.fixture(scope="module")
def nk_text() -> str:
    tables = outlook.run_outlook("nk-troops-russia", samples=20_000, seed=3)
    text, _ = build_report(tables, format="markdown", figures=False)
    return text


#: ICD 203's second row: never beside a first-row word (ICD 203; the review's §2.2).
ROW_TWO = [b.word for b in SCALES["icd203-probability"].bands] + ["most probable", "more probable"]


def test_key_judgements_use_one_row_of_the_table(nk_text: str) -> None:
    """No probability term (row 2) in the key judgements; each names the leading scenario "by" its horizon."""
    said = _section(nk_text, "Key judgements")
    for term in ROW_TWO:
        assert not re.search(rf"\b{term}\b", said), term
    items = [ln for ln in said.splitlines() if ln.startswith("- ")]
    analysts, leading = items[:6], items[6:]  # the analyst's six `judgements:` first (R1), then the leading scenarios
    assert all(it.startswith("- It is **") for it in analysts)
    assert "by November 2025 (about " in analysts[0]  # "by" its end, the 15th of the month read as the month
    # by 2034 the leading scenario, "Deepening alliance", is the analyst's own judgement (the fifth): not said twice
    assert [
        "- By 15 November 2025 (0–12 months), ",
        "- By 15 November 2029 (0–5 years), ",
    ] == [it[: len(it.split(", ", 1)[0]) + 2] for it in leading]
    assert "that the alliance deepens, with more troops and technology in return, by November 2034" in analysts[4]
    assert sum("2034" in it for it in items) == 2  # the alliance and the nuclear help, once each
    assert all("±" not in it for it in items)  # the Monte Carlo band belongs to the methods and tables (R3)


def test_the_tables_name_horizons_by_their_end(nk_text: str) -> None:
    """The scenario and event tables' columns read "by" each horizon's end (R4): the numbers are cumulative."""
    heads = "| by 15 November 2025 (0–12 months) | by 15 November 2029 (0–5 years) | by 15 November 2034 (0–10 years) |"
    assert f"| Scenario {heads}" in _section(nk_text, "Scenarios by horizon")
    assert f"| Event {heads}" in _section(nk_text, "Events by horizon")


ICD_TEXT = (
    "almost no chance 1–5%; very unlikely 5–20%; unlikely 20–45%; roughly even chance 45–55%; likely 55–80%; "
    "very likely 80–95%; almost certain 95–99%"
)


def test_methods_quote_the_icd_bands_exactly_and_own_the_conventions(nk_text: str) -> None:
    """The directive's table, 1–5 % to 95–99 % (R10), and outlook's conventions said to be outlook's."""
    assert ICD_TEXT == icd_bands(get_scale("icd203"))
    methods = _section(nk_text, "Methods")
    assert ICD_TEXT in methods
    assert "0–5%" not in methods
    assert "95–100%" not in methods
    assert "Two conventions are outlook's, not the directive's" in methods
    assert "below 1% the lowest term (“almost no chance”), above 99% the highest (“almost certain”)" in methods
    assert "lies outside the ICD 203 scale" in methods


def test_facts_are_apart_from_judgements(nk_text: str) -> None:
    """A section lists what the sources report, graded and dated; every range is labelled our judgement (R6, R9)."""
    facts = _section(nk_text, "Facts and judgements")
    assert "### What the sources report" in facts
    assert "### What we judge" in facts
    assert "“Putin will decide and increase the quota”" in facts
    assert "*Bears on:* `p_quota_1y`, `further_deployment`." in facts
    assert "### Known at the as-of date" in facts  # the combat the Catalyst reports is a fact, not a forecast (F1)
    assert "`combat_engagement`: happened by 2024-11-15, a fact at the as-of date" in facts
    drivers = _section(nk_text, "Drivers")
    basis = (
        "*Basis:* our judgement, informed by (an interested party's claim) “Putin will decide and increase the quota”"
    )
    assert basis in drivers  # R6: an interested party's words inform the number; they are not its source
    assert "Source: “" not in drivers
    assert "After the information cut-off" not in nk_text  # no source postdates the cut-off (R9)


# --------------------------------------------------------------------------
# the key-judgement builder and its hooks


def test_a_key_judgement_shows_range_and_confidence_only_when_given() -> None:
    """The range and the confidence sentence come from another stage; absent, nothing is rendered for them."""
    scale = get_scale("icd203")
    bare = key_judgement(("North Korea is unlikely to send more",), 0.41, scale)
    assert ("North Korea is unlikely to send more", " (about 40%).") == bare
    given_ = key_judgement(
        ("North Korea is unlikely to send more",),
        0.41,
        scale,
        assessment=Assessment(0.2, 0.65, "We have low confidence in this judgement."),
        implications="Watch the `quota`.",
    )
    text = "".join(x if isinstance(x, str) else getattr(x, "text", "") for x in given_)
    assert "North Korea is unlikely to send more (about 40%; range 20–65%). We have low confidence" in text
    assert text.endswith("Implications. Watch the quota.")


def test_analyst_judgements_fill_in_the_word_of_their_target() -> None:
    """A `judgements:` entry (read through getattr): its {word}, rounded number and implications."""
    tables = _two(0.3, 5_000, 1)
    s = SimpleNamespace(
        judgements={
            "kj": SimpleNamespace(target="a@soon", text="Alpha {word} to hold.", implications="Plan for Beta."),
            "gone": SimpleNamespace(target="nothing@soon", text="{word}"),
        }
    )
    [(said, flagged)] = analyst_judgements(tables, s, get_scale("icd203"), lambda t, h: None)  # type: ignore[arg-type]
    text = "".join(x if isinstance(x, str) else str(getattr(x, "text", "")) for x in said)
    assert "Alpha unlikely to hold (about 30%). Implications. Plan for Beta." == text
    assert not flagged


def test_judgements_read_from_a_file_reach_the_key_judgements() -> None:
    """The loader keeps target and horizon apart; the report must still find the target (review R1)."""
    text = TWO.replace("outlook: 1", "outlook: 1.1").replace("{cut}", "0.3")
    text += "judgements:\n  - {target: a@soon, text: 'Alpha {word} to hold.', confidence: moderate}\n"
    s = outlook.Scenario.from_yaml(text)
    assert (s.judgements[0].target, s.judgements[0].horizon) == ("a", "soon")
    tables = outlook.run_outlook(s, samples=5_000, seed=1)
    [(said, _)] = analyst_judgements(tables, s, get_scale("icd203"), lambda t, h: None)
    assert "".join(x if isinstance(x, str) else str(getattr(x, "text", "")) for x in said).startswith(
        "Alpha unlikely to hold (about 30%)."
    )
    report, _ = build_report(tables, format="markdown", figures=False)
    assert "Alpha **unlikely** to hold" in _section(report, "Key judgements")


# --------------------------------------------------------------------------
# the event figure


def _crowd(events: int) -> outlook.Tables:
    lines = [
        "outlook: 1",
        "id: crowd",
        "title: Crowd",
        "question: Which?",
        "as_of: 2024-01-01",
        "horizons: {soon: {until: 1y}, later: {until: 5y}}",
        "drivers: {d: {range: [1, 2], shape: normal}}",
        "events:",
        *(f"  e{i}: {{rate: {0.02 * (i + 1):.2f}, label: Event {i} with a long label}}" for i in range(events)),
        "scenarios: {first: e0, other: otherwise}",
    ]
    return outlook.run_outlook(outlook.Scenario.from_yaml("\n".join(lines) + "\n"), samples=1_000, seed=1)


@pytest.mark.parametrize(("events", "axes"), [(4, 1), (6, 1), (7, 7), (20, 20)])
def test_event_figure_stays_legible_with_many_events(events: int, axes: int) -> None:
    """Up to six events share one axes; more get one small axes each; no legend over 8 entries; units everywhere."""
    from outlook import plots

    fig = plots.event_curves(_crowd(events))
    assert axes == len(fig.axes)
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)]
    assert all(len(lg.get_texts()) <= 8 for lg in legends)
    for ax in fig.axes:
        assert "year" in ax.get_xlabel()
        assert "probability" in ax.get_ylabel()
        assert (0.0, 1.0) == ax.get_ylim()
    drawn = [str(ln.get_gid()) for ax in fig.axes for ln in ax.get_lines() if str(ln.get_gid()).startswith("event.")]
    assert [f"event.e{i}" for i in range(events)] == drawn


def test_a_leading_judgement_carries_its_range_and_confidence_from_the_analysis(nk_text: str) -> None:
    """A key judgement with a leader shows the range the confidence analysis computed and its sentence, apart."""
    from outlook.analysis.confidence import confidence

    said = _section(nk_text, "Key judgements")
    led = [ln for ln in said.splitlines() if ln.startswith("- ") and "is the leading scenario" in ln]
    assert led, said
    # the report's analysis: the run's seed, min(samples, SECTION_SAMPLES) outer draws
    from outlook.report.confidence import SECTION_SAMPLES

    c = confidence("nk-troops-russia", samples=SECTION_SAMPLES, seed=3)
    for line in led:
        m = re.search(r"“(.+?)” is the leading scenario", line)
        assert m is not None
        row = c.table[(c.table["kind"] == "scenario")]
        labels = {s.id: s.label for s in outlook.load_scenario(outlook.find_scenario("nk-troops-russia")).rules}
        target = next(k for k, v in labels.items() if v == m.group(1))
        for r in row[row["target"] == target].to_dict(orient="records"):
            if f"range {rounded_range(r['p05'], r['p95'])})" in line:
                break
        else:
            raise AssertionError(line)
        sentence = line.split(")", 1)[1]
        assert "We have" in sentence
        assert "confidence in this judgement" in sentence
        likelihood = line.split(" (about", 1)[0]
        assert "confidence" not in likelihood


def test_an_event_known_at_the_cut_off_is_a_fact_in_the_event_table(nk_text: str) -> None:
    """combat_engagement happened by the as-of date (its status): the table says so, with no estimative word
    and no Monte Carlo band, rather than '100.0% almost certain'."""
    events = _section(nk_text, "Events by horizon")
    row = next(ln for ln in events.splitlines() if "`combat_engagement`" in ln)
    assert "happened on 15 November 2024: a fact at the as-of date, not a forecast" in row
    assert "almost certain" not in row
    assert "±" not in row


def test_key_assumptions_list_the_largest_flips_of_each(nk_text: str) -> None:
    """war_goes_on flips about thirty judgements: the report lists the three largest changes of each assumption
    and says how many more there are and where they are (it listed all of them, about 80 bullets)."""
    from outlook.report.assumptions import FLIPS_SHOWN

    section = _section(nk_text, "Key assumptions")
    bullets = [ln for ln in section.splitlines() if ln.startswith("- If ")]
    per: dict[str, int] = {}
    for b in bullets:
        who = b[len("- If ") :].split(" is false", 1)[0].split(" are ", 1)[0]
        per[who] = per.get(who, 0) + 1
    assert max(per.values()) == FLIPS_SHOWN == 3
    assert re.search(r"the 3 largest changes for each assumption; \d+ smaller ones are counted", section)
    assert "`outlook assumptions FILE` lists them all" in section
