"""Analysis of competing hypotheses: the ``hypotheses:`` and ``evidence:`` blocks, ``outlook.ach``, the CLI.

WIS is checked against hand-computed sums of the PARC weights; the posterior
against Bayes' rule in closed form; the worlds route against
:func:`outlook.update` on the same worlds.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pytest

import outlook
from outlook import Scenario, ScenarioError, ScenarioErrors, cli
from outlook.analysis.ach import ACH, CREDIBILITY_WEIGHT, RELEVANCE_WEIGHT

ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"

HEAD = "outlook: 1.1\nid: tiny\ntitle: Tiny\nquestion: Does it happen?\nas_of: 2024-01-01\n"
LAM, MU, F, NU = 0.8, 0.6, 4.0, 0.7  # a's hazard, b's before a, b's factor after a, c's hazard
BODY = f"""\
horizons: {{year: {{until: 1y}}}}
drivers:
  r: 1.0
events:
  a: {{rate: {LAM}}}
  b: {{rate: {MU}, after: {{a: {F}}}}}
  c: {{rate: {NU}}}
scenarios:
  a_by_1y: a
  rest: otherwise
"""
CUSTOM = """\
hypotheses:
  exclusive: true
  weakness: {label: Russia is short of troops, prior: 0.6}
  testing: {label: Russia is testing the West, prior: 0.4}
evidence:
  e1:
    text: recruitment bonuses raised
    relevance: high
    source: {credibility: 2}
    ratings: {weakness: CC, testing: I}
    likelihoods: {weakness: 0.8, testing: 0.4}
  e2:
    text: no troops moved from the Far East
    type: absence
    relevance: low
    source: {credibility: 5}
    ratings: {weakness: II, testing: C}
    likelihoods: {weakness: 0.6, testing: 0.3}
  e3:
    text: a claim from an interested party
    type: claim
    source: {credibility: 3}
    ratings: {weakness: N, testing: I}
    likelihoods: {weakness: 0.5, testing: 0.5}
"""
N = 40_000


def scenario(text: str) -> Scenario:
    return Scenario.from_yaml(text, path="s.yaml")


def errors(text: str) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    return str(info.value).splitlines()


#: the custom hypotheses not declared exclusive, so without priors (a prior needs 'exclusive: true')
NON_EXCLUSIVE = {"  exclusive: true\n": "", ", prior: 0.6}": "}", ", prior: 0.4}": "}"}


def custom(**replace: str) -> Scenario:
    text = CUSTOM
    for old, new in replace.items():
        text = text.replace(old, new)
    return scenario(HEAD + BODY + text)


# -- reading the blocks ----------------------------------------------------------


def test_the_blocks_are_read_kept_and_written_back() -> None:
    s = custom()
    assert s.hypotheses is not None
    assert s.hypotheses.exclusive
    assert [(h.id, h.prior) for h in s.hypotheses.items] == [("weakness", 0.6), ("testing", 0.4)]
    e2 = s.evidence[1]
    assert (e2.type, e2.observed, e2.relevance, e2.credibility) == ("absence", False, "low", 5)
    assert dict(e2.likelihoods) == {"weakness": 0.6, "testing": 0.3}
    again = Scenario.from_yaml(s.to_yaml())
    assert (again.hypotheses, again.evidence) == (s.hypotheses, s.evidence)
    assert again.hash == s.hash
    assert s.with_overrides({"evidence.e1.likelihoods.testing": 0.5}).evidence[0].likelihoods[1] == ("testing", 0.5)
    assert s.with_overrides({"evidence.e1.likelihoods.testing": 0.5}).hash != s.hash


def test_the_schema_describes_the_blocks() -> None:
    from outlook.scenario.schema import json_schema

    props = json_schema()["properties"]
    item = props["evidence"]["additionalProperties"]
    assert {"ratings", "likelihoods", "observable", "observed", "group", "type", "relevance"} <= set(item["properties"])
    assert item["properties"]["ratings"]["additionalProperties"]["enum"] == ["CC", "C", "N", "I", "II", "NA"]
    assert "hypotheses" in props


def test_an_unknown_hypothesis_in_ratings_or_likelihoods_is_a_located_error() -> None:
    assert errors(HEAD + BODY + CUSTOM.replace("{weakness: CC, testing: I}", "{weaknes: CC, testing: I}")) == [
        "s.yaml:25:15: evidence.e1.ratings.weaknes: unknown hypothesis 'weaknes' (the hypotheses: weakness, "
        "testing). Did you mean 'weakness'?"
    ]
    lines = errors(HEAD + BODY + CUSTOM.replace("{weakness: 0.8, testing: 0.4}", "{weakness: 0.8, tested: 0.4}"))
    assert lines == [
        "s.yaml:26:34: evidence.e1.likelihoods.tested: unknown hypothesis 'tested' (the hypotheses: weakness, "
        "testing). Did you mean 'testing'?"
    ]


def test_a_likelihood_outside_0_1_is_a_located_error() -> None:
    assert errors(HEAD + BODY + CUSTOM.replace("{weakness: 0.8, testing: 0.4}", "{weakness: 1.8, testing: 0.4}")) == [
        "s.yaml:26:29: evidence.e1.likelihoods.weakness: a likelihood P(E|H) must lie in [0, 1] (got 1.8)"
    ]


def test_likelihoods_must_cover_every_hypothesis() -> None:
    assert errors(HEAD + BODY + CUSTOM.replace("{weakness: 0.8, testing: 0.4}", "{weakness: 0.8}")) == [
        "s.yaml:26:18: evidence.e1.likelihoods: give P(E|H) for every hypothesis: missing testing"
    ]


def test_one_hypothesis_is_an_error() -> None:
    text = HEAD + BODY + "hypotheses:\n  only: {label: The one}\nevidence:\n  e: {text: x, ratings: {only: C}}\n"
    assert errors(text) == ["s.yaml:16:1: hypotheses: ACH needs alternatives: give at least two hypotheses"]


def test_the_priors_of_exclusive_hypotheses_sum_to_1() -> None:
    assert errors(HEAD + BODY + CUSTOM.replace("prior: 0.4", "prior: 0.3")) == [
        "s.yaml:16:1: hypotheses: the priors of exclusive hypotheses must sum to 1 (they sum to 0.9)"
    ]


def test_both_or_neither_of_likelihoods_and_observable() -> None:
    both = HEAD + BODY + "hypotheses: {from_scenarios: year}\nevidence:\n  e:\n    text: x\n"
    both += "    likelihoods: {a_by_1y: 0.5, rest: 0.2}\n    observable: b\n"
    assert errors(both) == ["s.yaml:18:3: evidence.e: give one of 'likelihoods' and 'observable', not both"]
    neither = HEAD + BODY + "hypotheses: {from_scenarios: year}\nevidence:\n  e: {text: x, ratings: {rest: I}}\n"
    assert errors(neither) == [
        "s.yaml:18:3: evidence.e: give 'likelihoods' or an 'observable': the posterior needs P(E|H) for each hypothesis"
    ]


def test_an_observable_needs_the_scenarios_as_hypotheses() -> None:
    text = HEAD + BODY + CUSTOM.replace("likelihoods: {weakness: 0.5, testing: 0.5}", "observable: b")
    assert errors(text) == [
        "s.yaml:39:17: evidence.e3.observable: an observable gives P(E|H) from the worlds, so it needs "
        "'hypotheses: {from_scenarios: HORIZON}'; give 'likelihoods' for custom hypotheses"
    ]


def test_an_unknown_horizon_and_a_bad_rating_are_located() -> None:
    text = HEAD + BODY + "hypotheses: {from_scenarios: yaer}\n"
    assert errors(text) == ["s.yaml:16:30: hypotheses.from_scenarios: unknown horizon 'yaer'. Did you mean 'year'?"]
    bad = HEAD + BODY + CUSTOM.replace("{weakness: CC, testing: I}", "{weakness: CC, testing: X}")
    assert errors(bad) == [
        "s.yaml:25:38: evidence.e1.ratings.testing: expected a rating CC, C, N, I, II or NA (got 'X')"
    ]


def test_an_absence_is_not_observed() -> None:
    text = HEAD + BODY + CUSTOM.replace("type: absence\n", "type: absence\n    observed: true\n")
    assert errors(text) == [
        "s.yaml:30:15: evidence.e2.observed: an absence is the expected evidence not seen: write 'observed: false', "
        "or a type other than absence"
    ]


def test_the_blocks_need_format_1_1() -> None:
    text = HEAD.replace("outlook: 1.1", "outlook: 1") + BODY + "hypotheses: {from_scenarios: year}\n"
    assert errors(text) == [
        "s.yaml:16:1: hypotheses: the 'hypotheses' block is new in format 1.1: write 'outlook: 1.1' at the top of "
        "the file"
    ]


# -- scores ----------------------------------------------------------------------


def test_wis_is_the_parc_weighted_sum_of_inconsistencies() -> None:
    a = outlook.ach(custom())
    s = math.sqrt(2)
    # e1: high x credibility 2 = sqrt2 * sqrt2 = 2, I on testing; e2: low x 5 = 1/2, II on weakness;
    # e3: medium x 3 = 1, I on testing
    assert (RELEVANCE_WEIGHT["high"], CREDIBILITY_WEIGHT[2], CREDIBILITY_WEIGHT[5]) == (s, s, 1 / s)
    scores = a.scores.set_index("hypothesis")
    assert scores.loc["weakness", "wis"] == pytest.approx(0.5 * -2)
    assert scores.loc["testing", "wis"] == pytest.approx(2 * -1 + 1 * -1)
    assert list(scores["wis_unweighted"]) == [-2.0, -2.0]
    # Open Synthesis (openach/metrics.py): sum of squared distances below neutral, I 1 and II 4
    assert list(scores["os_inconsistency"]) == [4.0, 2.0]
    weights = a.evidence.set_index("evidence")["weight"]
    assert weights.to_dict() == pytest.approx({"e1": 2.0, "e2": 0.5, "e3": 1.0})


def test_the_posterior_is_bayes_rule_with_absences_as_one_minus_the_likelihood() -> None:
    a = outlook.ach(custom())
    w = 0.6 * 0.8 * (1 - 0.6) * 0.5
    t = 0.4 * 0.4 * (1 - 0.3) * 0.5
    post = a.scores.set_index("hypothesis")["posterior"]
    assert post["weakness"] == pytest.approx(w / (w + t))
    assert post["testing"] == pytest.approx(t / (w + t))
    assert a.leader == "weakness"
    assert a.word == outlook.estimative_word(w / (w + t))


def test_a_worthless_source_changes_nothing() -> None:
    graded = custom(**{"source: {credibility: 2}": "source: {credibility: 2, reliability: F}"})
    plain = outlook.ach(custom(**{"    type: absence\n": "    type: absence\n    group: g\n"}))
    a = outlook.ach(graded, reliability={"F": 0.0})
    without_e1 = 0.6 * 0.4 * 0.5, 0.4 * 0.7 * 0.5
    total = sum(without_e1)
    assert a.scores["posterior"].tolist() == pytest.approx([x / total for x in without_e1])
    half = outlook.ach(graded, reliability={"F": 0.5}).scores["posterior"].iloc[0]
    mean = 0.6 * 0.8 + 0.4 * 0.4
    w, t = 0.6 * (0.5 * 0.8 + 0.5 * mean) * 0.4 * 0.5, 0.4 * (0.5 * 0.4 + 0.5 * mean) * 0.7 * 0.5
    assert half == pytest.approx(w / (w + t))
    assert plain.scores["posterior"].sum() == pytest.approx(1.0)


def test_a_group_enters_once_through_its_most_diagnostic_member() -> None:
    grouped = custom(
        **{
            "    type: claim\n": "    type: claim\n    group: g\n",
            "    type: absence\n": "    type: absence\n    group: g\n",
        }
    )
    a = outlook.ach(grouped)
    ev = a.evidence.set_index("evidence")
    assert ev.loc["e2", "enters"]
    assert not ev.loc["e3", "enters"]
    assert "group g: e2 enters the posterior for the group, this item does not" in ev.loc["e3", "flags"]
    assert any("never multiplied" in n for n in a.notes)
    # e3 (likelihoods 0.5, 0.5) carries nothing, so the posterior is that of e1 and e2 alone, multiplied once
    w, t = 0.6 * 0.8 * 0.4, 0.4 * 0.4 * 0.7
    assert a.scores["posterior"].iloc[0] == pytest.approx(w / (w + t))


def test_non_exclusive_hypotheses_get_scores_but_no_posterior() -> None:
    a = outlook.ach(custom(**NON_EXCLUSIVE))
    assert a.scores["posterior"].isna().all()
    assert a.posterior_note.startswith("the hypotheses are not declared mutually exclusive and exhaustive")
    assert a.leader == "weakness"  # by WIS: -1 is closer to 0 than -3
    assert a.word == ""


def test_diagnosticity_and_the_zero_diagnosticity_row() -> None:
    a = outlook.ach(custom(**{"{weakness: N, testing: I}": "{weakness: C, testing: C}"}))
    ev = a.evidence.set_index("evidence")
    pi, q = np.array([0.6, 0.4]), np.array([0.8, 0.4])
    mi = sum(float(np.sum(pi * px * np.log(px / np.sum(pi * px)))) for px in (q, 1 - q))
    assert ev.loc["e1", "mi"] == pytest.approx(mi)
    assert ev.loc["e1", "max_abs_log_lr"] == pytest.approx(math.log(2))
    assert ev.loc["e1", "spread"] == 1.0
    assert ev.loc["e3", "zero_diagnostic"]
    assert "consistent with all hypotheses: tells you nothing" in ev.loc["e3", "flags"]
    assert list(a.evidence["evidence"])[-1] == "e3"  # shown apart, last


def test_ratings_that_disagree_with_the_likelihoods_are_flagged() -> None:
    a = outlook.ach(custom(**{"{weakness: CC, testing: I}": "{weakness: I, testing: C}"}))
    flags = a.evidence.set_index("evidence").loc["e1", "flags"]
    assert flags.startswith("ratings and likelihoods disagree: I for weakness but C for testing")
    plain = outlook.ach(custom()).evidence.set_index("evidence")["flags"]
    assert "ratings and likelihoods disagree" not in plain["e1"]
    # e3 is rated I for testing and N for weakness, yet equally likely under both: pseudo-diagnostic
    ties = outlook.ach(custom(**{"{weakness: N, testing: I}": "{weakness: I, testing: II}"})).evidence
    assert "ratings and likelihoods disagree" not in ties.set_index("evidence").loc["e3", "flags"]  # both inconsistent
    assert plain["e3"].startswith("ratings and likelihoods disagree: I for testing but N for weakness, while P = 0.5")


def test_a_zero_likelihood_is_flagged() -> None:
    a = outlook.ach(custom(**{"{weakness: 0.8, testing: 0.4}": "{weakness: 0.8, testing: 0}"}))
    assert "zero likelihood (Cromwell's rule)" in a.evidence.set_index("evidence").loc["e1", "flags"]
    assert a.scores["posterior"].tolist() == [1.0, 0.0]


def test_linchpins_change_the_leader_or_its_word() -> None:
    a = outlook.ach(custom())
    pins = {(r.evidence, r.test): r.leader_after for r in a.linchpin.itertuples()}
    # left out, e1 leaves weakness 0.6*0.4 = 0.24 against testing 0.4*0.7 = 0.28: the leader changes
    assert pins[("e1", "left out")] == "testing"
    assert pins[("e1", "observed flipped")] == "testing"
    assert ("e3", "left out") not in pins  # e3 carries no information: it changes nothing
    assert a.evidence.set_index("evidence").loc["e1", "linchpin"] == "left out, observed flipped"


# -- the worlds route ------------------------------------------------------------

WORLDS = """\
hypotheses: {from_scenarios: year}
evidence:
  e_b:
    text: b seen
    ratings: {a_by_1y: C, rest: I}
    observable: b
  e_c:
    text: no c
    type: absence
    observable: c
"""


def test_likelihoods_from_the_worlds_match_the_closed_form() -> None:
    a = outlook.ach(scenario(HEAD + BODY + WORLDS), samples=N, seed=2)
    prior = a.scores.set_index("hypothesis")["prior"]
    assert prior["a_by_1y"] == pytest.approx(1 - math.exp(-LAM), abs=4 * math.sqrt(0.25 / N))
    like = a.matrix.set_index(["evidence", "hypothesis"])["likelihood"]
    assert like["e_c", "rest"] == pytest.approx(1 - math.exp(-NU), abs=0.02)
    assert like["e_b", "rest"] == pytest.approx(1 - math.exp(-MU), abs=0.02)


def test_the_scenario_level_posterior_equals_the_reweighted_worlds(tmp_path: Path) -> None:
    s = scenario(HEAD + BODY + WORLDS)
    a = outlook.ach(s, samples=N, seed=2)
    scores = a.scores.set_index("hypothesis")
    obs = tmp_path / "obs.yaml"
    obs.write_text(
        "observations:\n"
        "  - {observable: b, value: true, date: 2024-12-31}\n"
        "  - {observable: c, value: false, date: 2024-12-31}\n"
    )
    u = outlook.update(s, obs, samples=N, seed=2)
    updated = u.scenarios.set_index("scenario")
    assert a.route == "worlds"
    for h in ("a_by_1y", "rest"):
        se = scores.loc[h, "posterior_se"]
        assert scores.loc[h, "posterior_independent"] == pytest.approx(scores.loc[h, "posterior"], abs=3 * se)
        assert scores.loc[h, "posterior"] == pytest.approx(float(updated.loc[h, "p"]), abs=2 * se)
    assert any("here the two agree within 3 standard errors" in n for n in a.notes)


def test_definitional_evidence_is_flagged() -> None:
    text = HEAD + BODY + WORLDS.replace("observable: b\n", "observable: a\n")
    a = outlook.ach(scenario(text), samples=N, seed=2)
    flags = a.evidence.set_index("evidence").loc["e_b", "flags"]
    assert flags.startswith("definitional: P(E|h) is exactly 0 or 1 under a_by_1y, rest because the observable reads")
    assert "zero likelihood (Cromwell's rule)" in flags
    assert a.scores.set_index("hypothesis").loc["rest", "posterior"] == 0.0


def _tech_transfer_ach(path: Path) -> ACH:
    text = path.read_text(encoding="utf-8")
    text = text.split("\nhypotheses:\n")[0]  # the file's own ACH (Russia's motive) set aside
    text += (
        "\nhypotheses: {from_scenarios: short}\nevidence:\n  e_tech:\n"
        "    text: technology transfer reported by 6 months\n"
        "    observable: happened(tech_transfer, by='6mo')\n"
    )
    return outlook.ach(Scenario.from_yaml(text, path="nk.yaml"), samples=20_000, seed=0)


def test_the_archived_edition_matches_the_sat_reference_worked_example() -> None:
    """The SAT reference (section 4.3, step 5) worked its example on the 1 November 2024 edition:
    arms-for-technology 0.53 and deepening 0.45."""
    a = _tech_transfer_ach(ARCHIVED)
    post = a.scores.set_index("hypothesis")["posterior"]
    assert post["contained"] == 0.0
    assert post["troops_for_cash"] == 0.0
    assert post["arms_for_technology"] == pytest.approx(0.53, abs=0.03)
    assert post["deepening_alliance"] == pytest.approx(0.45, abs=0.03)
    assert "definitional" in a.evidence["flags"].iloc[0]


def test_the_bundled_case_technology_transfer_is_definitional() -> None:
    """On the current edition the evidence still eliminates the two scenarios without technology transfer
    by definition; the two with technology transfer share almost all of the posterior."""
    a = _tech_transfer_ach(outlook.find_scenario("nk-troops-russia"))
    scores = a.scores.set_index("hypothesis")
    post = scores["posterior"]
    assert post["contained"] == 0.0
    assert post["troops_for_cash"] == 0.0
    assert post.sum() == pytest.approx(1.0)
    assert post["arms_for_technology"] + post["deepening_alliance"] > 0.9
    assert "definitional" in a.evidence["flags"].iloc[0]


def test_an_observation_no_world_agrees_with_is_an_error() -> None:
    text = HEAD + BODY + WORLDS.replace("observable: b\n", "observable: r > 2\n")
    with pytest.raises(ScenarioError) as info:
        outlook.ach(scenario(text), samples=2_000)
    assert str(info.value) == (
        "s.yaml:21:17: evidence.e_b.observable: the model cannot produce this evidence (no simulated world agrees with it); "
        "revise the model "
        "(got 'r > 2')"
    )


def test_a_scenario_without_evidence_is_refused() -> None:
    with pytest.raises(ValueError, match="states no evidence"):
        outlook.ach(scenario(HEAD + BODY))


# -- the command -----------------------------------------------------------------


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_command_writes_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(HEAD + BODY + CUSTOM)
    code, out, _ = _run("ach", str(path))
    assert code == 0
    assert "WIS: closest to 0 is favoured; it is not a probability" in out
    assert "e1 left out: testing" in out
    code, out, _ = _run("ach", str(path), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["leader"] == "weakness"
    assert [r["hypothesis"] for r in data["scores"]] == ["weakness", "testing"]  # the Python attributes' names
    assert {"scores", "evidence", "matrix", "linchpin"} <= set(data)
    code, out, err = _run("ach", str(path), "--format", "csv")
    assert code == 0
    assert out.startswith("hypothesis,label,wis,")
    assert "this is 'scores'; the others need --table NAME (evidence, matrix, linchpin)" in err
    code, out, err = _run("ach", str(path), "--format", "csv", "--table", "matrix")
    assert (code, err) == (0, "")
    assert out.startswith("evidence,hypothesis,rating,")


def test_the_command_exits_2_on_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(HEAD + BODY + CUSTOM.replace("prior: 0.4", "prior: 0.3"))
    code, _, err = _run("ach", str(path))
    assert code == 2
    assert "the priors of exclusive hypotheses must sum to 1" in err


# -- figures ---------------------------------------------------------------------


def test_the_matrix_and_the_waterfall_figures() -> None:
    from outlook.plots import ach_log_odds, ach_matrix, figure_bytes

    a = outlook.ach(custom())
    fig = ach_matrix(a)
    gids = {p.get_gid() for p in fig.axes[0].patches}
    assert {f"ach.{e}.{h}" for e in ("e1", "e2", "e3") for h in ("weakness", "testing")} <= gids
    assert figure_bytes(fig) == figure_bytes(ach_matrix(a))
    water = ach_log_odds(a)
    bars = {p.get_gid(): p for p in water.axes[0].patches}
    assert {"logodds.prior", "logodds.e1", "logodds.e2", "logodds.posterior"} <= set(bars)
    # the bars add up: the posterior log odds is the prior's plus each item's ln(L'_1 / L'_2)
    post = a.scores.set_index("hypothesis")["posterior"]
    assert bars["logodds.posterior"].get_width() == pytest.approx(math.log(post["weakness"] / post["testing"]))
    assert bars["logodds.e1"].get_width() == pytest.approx(math.log(0.8 / 0.4))
    with pytest.raises(ValueError, match="no log-odds waterfall: the hypotheses are not declared mutually exclusive"):
        ach_log_odds(outlook.ach(custom(**NON_EXCLUSIVE)))


def test_a_scenario_assembled_by_hand_keeps_its_evidence_consistent() -> None:
    import dataclasses

    s = custom()
    e1 = dataclasses.replace(s.evidence[0], ratings=(("gone", "I"),))
    with pytest.raises(ScenarioError, match=r"evidence.e1.ratings.gone: unknown hypothesis 'gone'"):
        dataclasses.replace(s, evidence=(e1,))


def test_the_report_has_the_section_only_when_the_file_has_evidence() -> None:
    from outlook.report.build import build_report

    tables = outlook.summarise(outlook.simulate(custom(), samples=2_000, seed=1))
    md, _ = build_report(tables, format="markdown", figures=False)
    assert "## Competing hypotheses" in md
    section = md.split("## Competing hypotheses")[1].split("\n## ")[0]
    assert "Russia is short of troops" in section
    assert "not a probability" in section
    assert "e1 left out: the leader becomes testing" in section.replace("*", "")
    assert "e2 observed flipped: the leader stays, its word becomes very likely" in section.replace("*", "")
    html = build_report(tables, format="html", figures=True)
    assert "ACH matrix" in html
    plain = outlook.summarise(outlook.simulate(scenario(HEAD + BODY), samples=2_000, seed=1))
    assert "Competing hypotheses" not in build_report(plain, format="markdown", figures=False)[0]


# -- issue 13: an item citing a graded source takes the source's grade ----------------------------------------


def test_an_item_citing_a_graded_source_takes_its_grade_and_its_own_grade_wins() -> None:
    sources = "sources:\n  wire: {title: A wire, reliability: B}\n  blog: {title: A blog}\n"
    text = HEAD + BODY + sources + CUSTOM
    text = text.replace("source: {credibility: 2}", "source: {ref: wire, quote: raised}")
    text = text.replace("source: {credibility: 5}", "source: {ref: wire, quote: none moved, reliability: D}")
    text = text.replace("source: {credibility: 3}", "source: {ref: blog, quote: a claim}")
    a = outlook.ach(scenario(text))
    r = dict(zip(a.evidence["evidence"], a.evidence["r"]))
    from outlook.analysis.update import RELIABILITY as table

    assert r == {"e1": table["B"], "e2": table["D"], "e3": 1.0}  # the source's grade; the item's own; ungraded


def test_a_hypothesis_without_a_label_is_named_by_its_id() -> None:
    text = (HEAD + BODY + CUSTOM).replace("{label: Russia is short of troops, prior: 0.6}", "{prior: 0.6}")
    a = outlook.ach(scenario(text))
    assert dict(zip(a.scores["hypothesis"], a.scores["label"])) == {
        "weakness": "weakness",
        "testing": "Russia is testing the West",
    }
