"""Updating on observations (outlook.analysis.update): Bayes' rule in closed form, discounting, joint worlds, errors."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import outlook
from outlook import cli, compile_model, simulate, summarise
from outlook.analysis.update import RELIABILITY, Update, target_ess, update
from outlook.errors import ScenarioError, ScenarioErrors
from outlook.model import BLOCK_SIZE, iter_worlds
from outlook.model.observables import evaluate_observable
from outlook.scenario.durations import years_to
from outlook.scenario.observations import compile_observable, load_observations, read_observations
from outlook.testing import tiny_scenario

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"

#: the regime: P(hi) and each regime's hazard rate (per year) of the event e
PI_HI, RATE_HI, RATE_LO = 0.4, 2.0, 0.3
AS_OF = dt.date(2024, 1, 1)
DATE = "2024-12-31"  # inside the last horizon (2y)
T = years_to(AS_OF, dt.date(2024, 12, 31))


def _regime() -> outlook.Scenario:
    return tiny_scenario(
        drivers={"regime": {"categorical": {"lo": 1 - PI_HI, "hi": PI_HI}}, "k": {"range": [1, 2], "shape": "uniform"}},
        events={"e": {"rate": f"where(regime == 'hi', {RATE_HI}, {RATE_LO})"}},
        rules={"hot": "regime == 'hi'"},
        horizons={"soon": {"until": "6mo"}, "later": {"until": "2y"}},
    )


def _p(rate: float, t: float) -> float:
    """P(the event by t | a constant hazard rate): 1 - exp(-rate t)."""
    return 1.0 - math.exp(-rate * t)


def _hot(u: Update, horizon: str = "later") -> tuple[float, float, float]:
    row = u.scenarios[(u.scenarios["scenario"] == "hot") & (u.scenarios["horizon"] == horizon)].iloc[0]
    return float(row["p_prior"]), float(row["p"]), float(row["p_se"])


def _obs(observable: str, value: bool = True, date: str = DATE, **more: Any) -> dict[str, Any]:
    return {"observable": observable, "value": value, "date": date, **more}


# -- closed forms --------------------------------------------------------------------------------------------


def test_one_hard_observation_gives_bayes_rule_within_standard_errors() -> None:
    u = update(_regime(), [_obs("e")], samples=40_000, seed=3)
    hi, lo = PI_HI * _p(RATE_HI, T), (1 - PI_HI) * _p(RATE_LO, T)
    exact = hi / (hi + lo)
    prior, p, se = _hot(u)
    assert abs(prior - PI_HI) < 3 * math.sqrt(PI_HI * (1 - PI_HI) / 40_000)
    assert abs(p - exact) < 3 * se
    assert p - prior > 0.2  # the observation is strongly diagnostic: Bayes moves it far
    # the regime's share in the categories table says the same
    cats = u.posterior.categories
    assert float(cats[(cats["driver"] == "regime") & (cats["category"] == "hi")]["p"].iloc[0]) == pytest.approx(p)
    assert u.worlds_kept == pytest.approx(40_000 * (hi + lo), rel=0.05)
    assert u.ess == u.worlds_kept  # 0/1 weights: Kish's n_eff is the count of worlds kept


def test_an_observation_of_absence_is_bayes_rule_too() -> None:
    u = update(_regime(), [_obs("e", value=False)], samples=40_000, seed=4)
    hi, lo = PI_HI * (1 - _p(RATE_HI, T)), (1 - PI_HI) * (1 - _p(RATE_LO, T))
    _, p, se = _hot(u)
    assert abs(p - hi / (hi + lo)) < 3 * se


@pytest.mark.parametrize(("grade", "r"), [("B", RELIABILITY["B"]), ("E", RELIABILITY["E"]), ("C", 0.7)])
def test_a_graded_observation_matches_the_reliability_discounted_posterior(grade: str, r: float) -> None:
    u = update(_regime(), [_obs("e", reliability=grade)], samples=40_000, seed=5, reliability={"C": 0.7})
    p_hi, p_lo = _p(RATE_HI, T), _p(RATE_LO, T)
    mean = PI_HI * p_hi + (1 - PI_HI) * p_lo  # L-bar: the prior probability of what was seen
    hi, lo = PI_HI * (r * p_hi + (1 - r) * mean), (1 - PI_HI) * (r * p_lo + (1 - r) * mean)
    _, p, se = _hot(u)
    assert abs(p - hi / (hi + lo)) < 3 * se
    assert u.observations["r"].tolist() == [r]
    assert abs(u.observations["p_observed"].iloc[0] - mean) < 3 * u.observations["p_observed_se"].iloc[0]


def test_a_worthless_source_changes_nothing_and_a_perfect_one_is_a_hard_observation() -> None:
    s = _regime()
    none = update(s, [_obs("e", reliability="F")], samples=5_000, seed=6, reliability={"F": 0.0})
    for t in (none.scenarios, none.events):
        np.testing.assert_allclose(t["p"], t["p_prior"], rtol=0, atol=1e-12)
        assert not t["flip"].any()
    hard = update(s, [_obs("e")], samples=5_000, seed=6)
    perfect = update(s, [_obs("e", reliability="A")], samples=5_000, seed=6, reliability={"A": 1.0})
    np.testing.assert_allclose(perfect.scenarios["p"], hard.scenarios["p"], rtol=0, atol=1e-12)


def test_correlated_indicators_update_through_the_joint_worlds_not_by_multiplying_likelihood_ratios() -> None:
    # "e by 6 months" implies "e by the observation's date": the second adds nothing once the first is seen
    obs = [_obs("happened(e, by='6mo')"), _obs("e")]
    u = update(_regime(), obs, samples=40_000, seed=7)
    half = 0.5  # '6mo': a month is a twelfth of a year
    joint_hi, joint_lo = PI_HI * _p(RATE_HI, half), (1 - PI_HI) * _p(RATE_LO, half)
    joint = joint_hi / (joint_hi + joint_lo)
    naive_hi, naive_lo = joint_hi * _p(RATE_HI, T), joint_lo * _p(RATE_LO, T)  # as if independent given the regime
    naive = naive_hi / (naive_hi + naive_lo)
    _, p, se = _hot(u)
    assert abs(p - joint) < 3 * se
    assert abs(p - naive) > 10 * se  # the teaching point: multiplying LRs double-counts one fact
    alone = update(_regime(), obs[:1], samples=40_000, seed=7)
    np.testing.assert_allclose(u.scenarios["p"], alone.scenarios["p"], rtol=0, atol=1e-12)


# -- worlds, determinism, the prior ------------------------------------------------------------------------


def test_the_prior_is_the_plain_run_exactly() -> None:
    s = _regime()
    u = update(s, [_obs("e")], samples=3_000, seed=8)
    plain = summarise(simulate(s, samples=3_000, seed=8))
    assert u.scenarios["p_prior"].tolist() == plain.scenarios["p"].tolist()
    assert u.events["p_prior"].tolist() == plain.events["p_by"].tolist()


def test_same_seed_same_answer_and_the_chunk_size_does_not_matter() -> None:
    s = _regime()
    obs = [_obs("happened(e, by='10d')")]  # rare: needs more worlds than the run's
    a = update(s, obs, samples=BLOCK_SIZE + 5_000, seed=9)
    b = update(s, obs, samples=BLOCK_SIZE + 5_000, seed=9, chunk_size=2 * BLOCK_SIZE)
    pd.testing.assert_frame_equal(a.scenarios, b.scenarios)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert (a.ess, a.worlds_drawn, a.worlds_kept) == (b.ess, b.worlds_drawn, b.worlds_kept)
    c = update(s, obs, samples=BLOCK_SIZE + 5_000, seed=10)
    assert not c.scenarios["p"].equals(a.scenarios["p"])


def test_too_few_effective_worlds_draw_more_from_the_same_run_until_the_target() -> None:
    s = _regime()
    obs = [_obs("happened(e, by='10d')")]
    ten = years_to(AS_OF, dt.date(2024, 1, 11))
    hi, lo = PI_HI * _p(RATE_HI, ten), (1 - PI_HI) * _p(RATE_LO, ten)
    u = update(s, obs, samples=20_000, seed=11)
    assert 20_000 * (hi + lo) < target_ess(20_000) == 2_000  # the run alone falls short
    assert u.worlds_drawn > 20_000
    assert u.ess >= 2_000
    assert u.warnings == ()
    _, p, se = _hot(u)
    assert abs(p - hi / (hi + lo)) < 3 * se  # the pooled worlds still give Bayes' rule
    short = update(s, obs, samples=20_000, seed=11, max_worlds=20_000)
    assert short.worlds_drawn == 20_000
    assert short.ess < 2_000
    assert len(short.warnings) == 1
    assert short.warnings[0].startswith(f"the observations leave an effective sample size of {short.ess:,.0f} worlds")
    # below the target nothing is called a flip (p_se is 0 at p = 0 or 1: any change would look certain)
    assert "no word change is called a flip" in short.warnings[0]
    assert not short.scenarios["flip"].any()
    assert not short.events["flip"].any()
    assert (short.scenarios["word"] != short.scenarios["word_prior"]).any()  # words did change


def test_stored_worlds_give_the_same_update_without_drawing_them_again() -> None:
    s = _regime()
    obs = [_obs("happened(e, by='10d')")]  # rare: the top-up continues the stored run
    drawn = update(s, obs, samples=20_000, seed=16)
    stored = update(s, obs, worlds=outlook.sample_worlds(s, samples=20_000, seed=16))
    pd.testing.assert_frame_equal(stored.scenarios, drawn.scenarios, rtol=1e-12)
    pd.testing.assert_frame_equal(stored.events, drawn.events, rtol=1e-12)
    assert (stored.worlds_drawn, stored.worlds_kept) == (drawn.worlds_drawn, drawn.worlds_kept)
    assert stored.ess == pytest.approx(drawn.ess, rel=1e-12)


def test_the_full_tables_agree_with_the_update_and_the_plain_run() -> None:
    s = _regime()
    u = update(s, [_obs("e", reliability="C")], samples=5_000, seed=17)
    plain = summarise(simulate(s, samples=5_000, seed=17))
    pd.testing.assert_frame_equal(u.prior.scenarios, plain.scenarios)
    np.testing.assert_allclose(u.posterior.scenarios["p"], u.scenarios["p"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(u.posterior.events["p_by"], u.events["p"], rtol=0, atol=1e-12)
    assert u.posterior.manifest.effective_sample_size == pytest.approx(u.ess, rel=1e-12)


def test_stored_worlds_must_be_a_whole_unweighted_store_of_this_scenario() -> None:
    s = _regime()
    w = outlook.sample_worlds(s, samples=1_000, seed=18)
    other = tiny_scenario(events={"e": {"rate": 0.5}}, horizons={"later": {"until": "2y"}})
    cases = [
        (w.head(500), "worlds must be a run's whole, unweighted world store"),
        (w.assign(weight=np.linspace(0.5, 1.0, len(w))), "worlds must be a run's whole, unweighted world store"),
        (pd.DataFrame(w), "worlds does not say which run it holds"),
        (outlook.sample_worlds(other, samples=100), "worlds were drawn from another scenario"),
        (w.drop(columns=["time_e"]), "worlds has no column time_e"),
    ]
    for worlds, message in cases:
        if message.startswith("worlds does not"):
            worlds.attrs = {}
        with pytest.raises(ValueError, match=message):
            update(s, [_obs("e")], worlds=worlds)
    with pytest.raises(ValueError, match=r"^seed=3, but worlds hold a run with seed 18: leave seed out$"):
        update(s, [_obs("e")], worlds=w, seed=3)


def test_target_ess_is_2000_or_1_percent_never_more_than_the_run() -> None:
    assert [target_ess(n) for n in (500, 10_000, 200_000, 1_000_000)] == [500, 2_000, 2_000, 10_000]


def test_evaluate_observable_sees_what_has_happened_by_its_time() -> None:
    s = _regime()
    model = compile_model(s)
    block = next(iter(iter_worlds(model, samples=5_000, seed=12)))
    t = block.times["e"]
    for text, when, expected in [
        ("e", 0.25, t <= 0.25),
        ("happened(e, by='6mo')", 0.25, t <= 0.25),  # what happens after the observation cannot have been seen
        ("happened(e, by='6mo')", 1.5, t <= 0.5),
        ("not e and k > 1.5", "soon", (t > 0.5) & (block.values["k"] > 1.5)),
    ]:
        expr = compile_observable(s, text, outlook.Location())
        np.testing.assert_array_equal(evaluate_observable(model, expr, block, when), expected)
    # a scenario rule read at a horizon's end is the world's label
    rule = compile_observable(s, "regime == 'hi'", outlook.Location())
    np.testing.assert_array_equal(evaluate_observable(model, rule, block, "soon"), block.labels[0] == 0)
    with pytest.raises(ValueError, match="unknown horizon 'never'; the scenario has soon, later"):
        evaluate_observable(model, rule, block, "never")
    with pytest.raises(ValueError, match=r"must be 0 or more years from as_of \(got -0.5\)"):
        evaluate_observable(model, rule, block, -0.5)
    # an int is a horizon's index, a float a time: index 1 is the end of 'later', 1.0 is one year
    np.testing.assert_array_equal(
        evaluate_observable(model, rule, block, 1), evaluate_observable(model, rule, block, "later")
    )


# -- errors, exact texts --------------------------------------------------------------------------------------


def _errors(tmp_path: Path, body: str, scenario: Any = None) -> list[str]:
    p = tmp_path / "obs.yaml"
    p.write_text(body)
    with pytest.raises(ScenarioErrors) as info:
        load_observations(p, scenario or _regime())
    return [str(e).replace(str(p), "obs.yaml") for e in info.value.errors]


def test_every_problem_in_a_file_is_located(tmp_path: Path) -> None:
    body = """\
observations:
  - observable: e + 1
    value: true
    date: 2024-03-01
  - observable: ee
    value: true
    date: 2024-03-01
  - observable: e
    indicator: i_e
    value: true
    date: 2024-03-01
  - value: yes
    date: 2024-03-01
  - observable: e
    value: maybe
    date: 2023-12-31
  - observable: e
    value: true
    date: 2024-3-1
    reliability: G
  - observable: e
    value: false
    date: 2027-01-01
    colour: red
"""
    assert _errors(tmp_path, body) == [
        "obs.yaml:2:17: observations[0].observable: an observable must be a condition (true or false in each "
        "world), not a number (got 'e + 1')",
        "obs.yaml:5:17: observations[1].observable: unknown name 'ee'. Did you mean 'e'?",
        "obs.yaml:8:5: observations[2]: give exactly one of 'indicator' and 'observable', not both",
        "obs.yaml:12:5: observations[3]: give exactly one of 'indicator' and 'observable'",
        "obs.yaml:12:12: observations[3].value: expected true or false (the observable was seen to hold, or not) "
        "(got 'yes')",
        "obs.yaml:15:12: observations[4].value: expected true or false (the observable was seen to hold, or not) "
        "(got 'maybe')",
        "obs.yaml:16:11: observations[4].date: 2023-12-31 is before the scenario's as_of (2024-01-01): what was "
        "known then belongs in the scenario as a fact (an event's status), not in an update",
        "obs.yaml:19:11: observations[5].date: expected a date written YYYY-MM-DD, such as 2025-03-01 (got '2024-3-1')",
        "obs.yaml:20:18: observations[5].reliability: expected an Admiralty reliability grade, one of A, B, C, D, "
        "E, F (got 'G')",
        "obs.yaml:23:11: observations[6].date: 2027-01-01 is after the end of the last horizon, 'later': the "
        "scenario's worlds say nothing about what happens then",
        "obs.yaml:24:5: observations[6].colour: unknown key 'colour'",
    ]


def test_the_file_needs_a_list_of_observations(tmp_path: Path) -> None:
    assert _errors(tmp_path, "observation: []\n") == [
        "obs.yaml:1:1: observation: unknown key 'observation'. Did you mean 'observations'?",
        "obs.yaml:1:1: missing required key 'observations'",
    ]
    assert _errors(tmp_path, "observations: []\n") == [
        "obs.yaml:1:15: observations: expected a list of observations (at least one)"
    ]


def test_an_unknown_indicator_names_the_ones_there_are(tmp_path: Path) -> None:
    body = "observations:\n  - {indicator: i_e, value: true, date: 2024-03-01}\n"
    assert _errors(tmp_path, body) == [
        "obs.yaml:2:17: observations[0].indicator: unknown indicator 'i_e' (the scenario's: none: the scenario has "
        "no 'indicators:' block)"
    ]


class _WithIndicators:
    """A scenario with an ``indicators:`` block as the indicators work adds it: records with ``id`` and ``observable``."""

    def __init__(self, scenario: outlook.Scenario, **observables: str) -> None:
        self._s = scenario
        self.indicators = tuple(type("Indicator", (), {"id": k, "observable": v})() for k, v in observables.items())

    def as_mapping(self) -> _WithIndicators:
        """The same, its block a mapping from id to record (either shape is read)."""
        self.indicators = {i.id: i for i in self.indicators}  # type: ignore[assignment]
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._s, name)


def test_an_indicator_is_observed_through_its_observable(tmp_path: Path) -> None:
    s = _regime()
    with_ind = _WithIndicators(s, i_early="happened(e, by='6mo')", i_bad="k")
    obs = read_observations([{"indicator": "i_early", "value": True, "date": DATE}], with_ind)
    assert obs[0].name == "i_early"
    assert obs[0].expression.text == "happened(e, by='6mo')"
    again = read_observations(
        [{"indicator": "i_early", "value": True, "date": DATE}], _WithIndicators(s, i_early="e").as_mapping()
    )
    assert again[0].expression.text == "e"
    by_indicator = update(s, obs, samples=4_000, seed=13)
    direct = update(s, [_obs("happened(e, by='6mo')")], samples=4_000, seed=13)
    pd.testing.assert_frame_equal(by_indicator.scenarios, direct.scenarios)
    body = "observations:\n  - {indicator: i_ely, value: true, date: 2024-03-01}\n  - {indicator: i_bad, value: true, date: 2024-03-01}\n"
    assert _errors(tmp_path, body, with_ind) == [
        "obs.yaml:2:17: observations[0].indicator: unknown indicator 'i_ely' (the scenario's: i_early, i_bad). "
        "Did you mean 'i_early'?",
        "obs.yaml:3:17: observations[1].indicator: indicator 'i_bad': its observable cannot be observed: an "
        "observable must be a condition (true or false in each world), not a number",
    ]


def test_an_observation_the_model_cannot_produce_is_named() -> None:
    with pytest.raises(ScenarioError) as info:
        update(_regime(), [_obs("e"), _obs("k > 2.5")], samples=1_000, seed=14)
    assert str(info.value) == (
        "<observations>: observations[1]: the model cannot produce this observation: k > 2.5 holds by 2024-12-31 "
        "in none of the 20,000 worlds drawn together with the 1 observation(s) before it; revise the model"
    )


def test_bad_arguments_are_one_line_value_errors() -> None:
    s = _regime()
    with pytest.raises(
        ValueError, match=r"^reliability: unknown grade 'Z'; the Admiralty grades are A, B, C, D, E, F$"
    ):
        update(s, [_obs("e")], samples=100, reliability={"Z": 0.5})
    with pytest.raises(ValueError, match=r"^reliability: grade A must map to a number from 0 to 1 \(got 1.5\)$"):
        update(s, [_obs("e")], samples=100, reliability={"A": 1.5})
    with pytest.raises(ValueError, match=r"^max_worlds must be a whole number of worlds from samples \(100\) to "):
        update(s, [_obs("e")], samples=100, max_worlds=50)
    with pytest.raises(ValueError, match=r"^samples must be at most 33,333,333 for an update of this model \(got"):
        update(s, [_obs("e")], samples=40_000_000)
    other = tiny_scenario(events={"e": {"rate": 0.5}}, horizons={"later": {"until": "2y"}})
    with pytest.raises(ValueError, match="the observations were read against another scenario"):
        update(s, read_observations([_obs("e")], other), samples=100)


def test_the_log_and_its_sentences_say_what_changed() -> None:
    u = update(_regime(), [_obs("e")], samples=20_000, seed=15)
    assert u.date == DATE
    flips = u.scenarios[u.scenarios["flip"]]
    columns = ["date", "kind", "target", "horizon", "p_prior", "p", "word_prior", "word", "change"]
    assert list(u.log.columns) == columns
    assert len(u.log[u.log["change"] == "flip"]) == len(flips) + int(u.events["flip"].sum())
    assert u.sentences[0] == f"Update of {DATE} on 1 observation(s): e seen ({DATE})."
    for _, row in u.log[u.log["change"] == "flip"].iterrows():
        assert any(
            f"from {row['word_prior']} ({row['p_prior']:.0%}) to {row['word']} ({row['p']:.0%})" in x
            for x in u.sentences[1:]
        )
    assert repr(u).startswith("<Update of tiny on 1 observation(s) to 2024-12-31: ")


def test_the_log_keeps_a_large_move_that_does_not_change_word() -> None:
    from outlook.analysis.update import LOG_MOVE

    # e not seen in six months: P(hot) = 0.4 e^-1 / (0.4 e^-1 + 0.6 e^-0.15) = 0.222, unlikely before and after
    u = update(_regime(), [_obs("happened(e, by='6mo')", False, "2024-07-01")], samples=20_000, seed=4)
    expected = PI_HI * math.exp(-RATE_HI / 2) / (PI_HI * math.exp(-RATE_HI / 2) + (1 - PI_HI) * math.exp(-RATE_LO / 2))
    prior, p, se = _hot(u)
    assert abs(p - expected) < 3 * se
    assert abs(p - prior) > LOG_MOVE
    row = u.scenarios[(u.scenarios["scenario"] == "hot") & (u.scenarios["horizon"] == "later")].iloc[0]
    assert row["word_prior"] == row["word"] == "unlikely"
    assert not row["flip"]
    assert row["moved"]
    logged = u.log[(u.log["target"] == "hot") & (u.log["horizon"] == "later")]
    assert logged["change"].tolist() == ["move"]
    assert any(f"moves from {prior:.0%} to {p:.0%}, still unlikely." in x for x in u.sentences)
    # a small move is not logged: every logged row moved by more than LOG_MOVE or flipped
    both = pd.concat([u.scenarios.rename(columns={"scenario": "target"}), u.events.rename(columns={"event": "target"})])
    assert len(u.log) == int((both["flip"] | both["moved"]).sum())
    assert ((both["delta"].abs() > LOG_MOVE) | both["flip"] | ~both["moved"]).all()


# -- the command ------------------------------------------------------------------------------------------------

FILE = """\
outlook: 1.1
id: tiny
title: Tiny
question: Does it happen?
as_of: 2024-01-01
horizons: {soon: {until: 6mo}, later: {until: 2y}}
drivers:
  regime: {categorical: {lo: 0.6, hi: 0.4}}
events:
  e: {rate: "where(regime == 'hi', 2.0, 0.3)"}
scenarios:
  hot: regime == 'hi'
  rest: otherwise
"""


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    s, o = tmp_path / "s.yaml", tmp_path / "o.yaml"
    s.write_text(FILE)
    o.write_text(f"observations:\n  - {{observable: e, value: true, date: {DATE}}}\n")
    return str(s), str(o)


def test_the_command_prints_what_changed(files: tuple[str, str]) -> None:
    code, out, err = _run("update", *files, "-n", "4000", "--seed", "2")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("tiny: updated on 1 observation(s) to 2024-12-31, 4000 samples, seed 2; effective")
    assert "what changed" in lines
    assert lines[lines.index("what changed") + 1] == f"Update of {DATE} on 1 observation(s): e seen ({DATE})."


def test_the_command_writes_json_and_csv(files: tuple[str, str]) -> None:
    code, out, _ = _run("update", *files, "-n", "8000", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["observations"][0]["observation"] == "e"
    assert {r["scenario"] for r in data["scenarios"]} == {"hot", "rest"}
    assert data["worlds_drawn"] == 8000
    assert data["effective_sample_size"] > 0
    code, out, err = _run("update", *files, "-n", "3000", "-f", "csv", "--all")
    assert code == 0
    # one table pandas can read, the others named on stderr; --table picks one
    assert pd.read_csv(io.StringIO(out)).columns[:3].tolist() == ["horizon", "scenario", "p_prior"]
    assert "this is 'scenarios'; the others need --table NAME (events, observations, log)" in err
    for name, first in (("events", "horizon"), ("observations", "observation"), ("log", "date")):
        code, out, err = _run("update", *files, "-n", "3000", "-f", "csv", "--all", "--table", name)
        assert (code, err) == (0, "")
        assert pd.read_csv(io.StringIO(out)).columns[0] == first, name
    code, _, err = _run("update", *files, "-n", "3000", "--table", "log")
    assert code == 2
    assert "--table picks the one table of -f csv output" in err


def test_the_command_exits_2_for_a_bad_observations_file(files: tuple[str, str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("observations:\n  - {observable: e, value: true, date: 2023-01-01}\n")
    code, out, err = _run("update", files[0], str(bad))
    assert (code, out) == (2, "")
    assert err.startswith(f"{bad}:2:40: observations[0].date: 2023-01-01 is before the scenario's as_of")
    code, _, err = _run("update", files[0], str(tmp_path / "none.yaml"))
    assert code == 2
    assert "no such file" in err


def test_the_bundled_example_runs() -> None:
    example = Path(__file__).parent.parent / "docs" / "examples" / "nk-observations.yaml"
    code, out, err = _run("update", str(ARCHIVED), str(example), "-n", "2000")
    assert (code, err) == (0, "")
    assert "what changed" in out


# -- the figure ---------------------------------------------------------------------------------------------------


def test_the_figure_draws_the_tables_numbers_over_the_word_bands() -> None:
    from outlook import plots

    u = update(_regime(), [_obs("e")], samples=4_000, seed=19)
    fig = plots.update_bars(u, "later")
    found = {a.get_gid(): a for a in fig.findobj() if a.get_gid()}
    rows = u.scenarios[u.scenarios["horizon"] == "later"]
    for r in rows.itertuples():
        assert found[f"prior.{r.scenario}"].get_width() == r.p_prior  # type: ignore[attr-defined]
        assert found[f"posterior.{r.scenario}"].get_width() == r.p  # type: ignore[attr-defined]
    assert sum(g.startswith("word-band.") for g in found) == len(outlook.words.get_scale("icd203").bands)
    labels = [x.get_text() for x in fig.axes[0].get_yticklabels()][::-1]
    assert labels == [f"{r.scenario}{', flips' if r.flip else ''}" for r in rows.itertuples()]
    assert plots.figure_bytes(plots.update_bars(u), "svg") == plots.figure_bytes(plots.update_bars(u), "svg")
    with pytest.raises(ValueError, match="unknown horizon 'never'; the update's are soon, later"):
        plots.update_bars(u, "never")


@pytest.mark.parametrize("n_events", [2, 3])
def test_event_rows_are_labelled_right_whatever_the_counts(n_events: int) -> None:
    """With as many events as horizons, the events' shares were read horizon-major and put on the wrong rows.

    The prior of every (event, horizon) row must be the run's own p_by for that event and horizon, and an
    event that nothing observed touches must not move.
    """
    horizons = {h: {"until": u} for h, u in zip(("h1", "h2", "h3")[:n_events], ("1y", "2y", "3y"))}
    events = {"clash": {"rate": 1.0}, "talks": {"rate": 0.5}, "third": {"rate": 0.2}}
    s = tiny_scenario(
        drivers={"k": 1.0},
        events=dict(list(events.items())[:n_events]),
        rules={"hot": "clash"},
        horizons=horizons,
    )
    u = update(s, [_obs("clash", date=DATE)], samples=20_000, seed=1)
    run = summarise(simulate(s, samples=20_000, seed=1)).events.set_index(["event", "horizon"])["p_by"]
    got = u.events.set_index(["event", "horizon"])["p_prior"]
    for (event, horizon), p in got.items():
        assert p == pytest.approx(run[(event, horizon)], abs=1e-12), (event, horizon)
    talks = u.events[u.events["event"] == "talks"]
    assert (talks["p"] - talks["p_prior"]).abs().max() < 4 * talks["p_se"].max() + 1e-9


def test_an_observation_of_a_quantity_that_changes_with_t_must_be_dated_at_a_horizons_end() -> None:
    """u = g * t has a value only at each horizon's end; seen on another date it was read at a later horizon's
    end (a silent wrong number: u > 5 'seen' when t was 0.16 moved 'big' from 50% to 100%)."""
    s = tiny_scenario(
        outlook=1.1,
        drivers={"g": {"range": [0, 10], "shape": "uniform"}},
        derived={"u": "g * t"},
        rules={"big": "u > 5"},
        horizons={"year": {"until": "1y"}, "later": {"until": "2y"}},
    )
    with pytest.raises(ScenarioErrors) as info:
        update(s, [_obs("u > 5", date="2024-03-01")], samples=1_000)
    assert str(info.value).endswith(
        "observations[0]: this observation reads 'u', a derived quantity that changes with t and is known only at "
        "the horizons' ends; date it at a horizon's end, or observe what it is made of"
    )
    at_end = update(s, [_obs("u > 5", date="2025-01-01")], samples=4_000, seed=2)  # the end of 'year'
    row = at_end.scenarios[(at_end.scenarios["scenario"] == "big") & (at_end.scenarios["horizon"] == "year")]
    assert float(row["p"].iloc[0]) == 1.0


def test_repeated_graded_reports_are_warned_of_and_one_source_twice_is_refused() -> None:
    s = _regime()
    two = [_obs("e", reliability="C", source={"title": "a"}), _obs("e", reliability="C", source={"title": "b"})]
    u = update(s, two, samples=4_000, seed=1)
    assert [w for w in u.warnings if "independent" in w] == [
        "2 graded reports of e (observations 0, 1) are treated as independent; if they share a source, combine them"
    ]
    # independent reports multiply: two C reports move the outlook further than one
    one = update(s, two[:1], samples=4_000, seed=1)
    assert _hot(u)[1] > _hot(one)[1] + 2 * _hot(u)[2]
    assert not [w for w in one.warnings if "independent" in w]
    hard = update(s, [_obs("e"), _obs("e")], samples=4_000, seed=1)  # certain twice is certain: no warning
    assert not [w for w in hard.warnings if "independent" in w]
    same = [_obs("e", reliability="C", source={"title": "a"}), _obs("e", reliability="B", source={"title": "a"})]
    with pytest.raises(ScenarioErrors) as info:
        read_observations(same, s)
    assert str(info.value).startswith(
        "<observations>: observations[1]: observations[0] already reports e from the same source"
    )


def test_an_observations_source_is_checked_with_located_errors() -> None:
    s = outlook.load_scenario(str(ARCHIVED))
    good = {"observable": "ceasefire", "value": True, "date": "2025-01-01"}
    ok = read_observations([{**good, "source": {"ref": "ap", "quote": "q", "date": "2025-01-01"}}], s)
    assert dict(ok[0].source) == {"ref": "ap", "quote": "q", "date": "2025-01-01"}
    for source, problem in (
        ("AP", "observations[0].source: expected a mapping such as {ref, quote} (got 'AP')"),
        ({"ref": "ap", "quot": "q"}, "observations[0].source.quot: unknown key 'quot'. Did you mean 'quote'?"),
        ({"ref": ["ap"]}, "observations[0].source.ref: expected text (got ['ap'])"),
        ({"ref": "apx"}, "observations[0].source.ref: unknown source 'apx' (the scenario's: catalyst, ap, analysis)"),
    ):
        with pytest.raises(ScenarioErrors) as info:
            read_observations([{**good, "source": source}], s)
        assert str(info.value).startswith(f"<observations>: {problem}")


# -- issue 13: an observation citing a graded source takes the source's grade ------------------------------------


def test_an_observation_citing_a_graded_source_is_graded_like_it() -> None:
    from outlook.analysis.update import RELIABILITY, as_observations

    text = (
        "outlook: 1.1\nid: tiny\ntitle: Tiny\nquestion: Q?\nas_of: 2024-01-01\n"
        "horizons: {year: {until: 1y}}\ndrivers: {r: 1.0}\nevents: {a: {rate: 0.8}}\n"
        "scenarios: {yes: a, no: otherwise}\n"
        "sources:\n  wire: {title: A wire, reliability: B}\n  blog: {title: A blog}\n"
    )
    s = outlook.Scenario.from_yaml(text, path="s.yaml")
    day = {"observable": "a", "value": False, "date": "2024-06-01"}
    obs = as_observations(
        s,
        [
            {**day, "source": {"ref": "wire"}},
            {**day, "source": {"ref": "wire"}, "reliability": "E"},
            {**day, "source": {"ref": "blog"}},
        ],
    )
    assert [o.reliability for o in obs] == ["B", "E", ""]
    u = outlook.update(s, [{**day, "source": {"ref": "wire"}}], samples=4_000, seed=0)
    v = outlook.update(s, [{**day, "reliability": "B"}], samples=4_000, seed=0)
    assert u.scenarios["p"].tolist() == v.scenarios["p"].tolist()
    assert RELIABILITY["B"] < 1


def test_the_command_lists_only_flips_as_word_changes(tmp_path: Path) -> None:
    s, o = tmp_path / "s.yaml", tmp_path / "o.yaml"
    s.write_text(FILE)
    o.write_text("observations:\n  - {observable: \"happened(e, by='6mo')\", value: false, date: 2024-07-01}\n")
    code, out, err = _run("update", str(s), str(o), "-n", "20000", "--seed", "4")
    assert code == 0, err
    blocks = {b.partition("\n")[0]: b for b in out.split("\n\n")}
    flips = blocks["scenarios whose word changes"].splitlines()[1:]
    assert all(line.split()[-2] == "True" for line in flips[1:]) or flips == ["none."]
    moves = blocks["scenarios: large moves (same word)"].splitlines()[2:]
    assert moves
    assert all(line.split()[-2:] == ["False", "True"] for line in moves)
    assert "without a change of word called" not in out
    assert ", still unlikely." in out


def test_a_certain_update_is_exactly_one_with_no_standard_error() -> None:
    from outlook.analysis.update import SNAP, snap_probability

    s = outlook.Scenario.from_yaml(FILE, path="s.yaml")
    graded = {"observable": "regime == 'hi'", "value": False, "date": "2024-05-01", "reliability": "F"}
    # seed 0: the weighted share of worlds where e happened summed to 0.99999999999997 before
    u = update(s, [_obs("e", True, "2024-05-01"), graded], samples=10_000, seed=0)
    assert u.events["p"].tolist() == [1.0, 1.0]
    assert u.events["p_se"].tolist() == [0.0, 0.0]
    got = snap_probability(np.array([-1e-15, 0.5e-12, 2e-12, 0.5, 1 - 2e-12, 1 - 0.5e-12, 1 + 1e-15]))
    assert got.tolist() == [0.0, 0.0, 2e-12, 0.5, 1 - 2e-12, 1.0, 1.0]
    assert SNAP == 1e-12


def test_update_bars_suggest_a_horizon() -> None:
    pytest.importorskip("matplotlib")
    from outlook.plots import update_bars

    u = update(outlook.Scenario.from_yaml(FILE, path="s.yaml"), [_obs("e", True, "2024-05-01")], samples=500)
    with pytest.raises(ValueError, match="Did you mean 'later'"):
        update_bars(u, "latr")
