"""ACH's gaps closed: the discount in diagnosticity, the worlds route first, impossible evidence, limits, blocks.

Each test failed before its fix. Numbers are checked against closed forms
(mutual information, Bayes' rule) or against :func:`outlook.update` on the
same worlds.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np
import pytest

import outlook
from outlook import ScenarioErrors, cli
from tests.test_ach import BODY, CUSTOM, HEAD, N, custom, errors, scenario

# -- 1. diagnosticity from the discounted likelihoods -----------------------------------


def _mi(pi: np.ndarray, q: np.ndarray) -> float:
    """I(E;H) in nats under the prior ``pi``, for P(E|h) = ``q`` (closed form)."""
    return sum(float(np.sum(pi * px * np.log(px / np.sum(pi * px)))) for px in (q, 1 - q))


def test_diagnosticity_uses_the_reliability_discount() -> None:
    graded = custom(**{"source: {credibility: 2}": "source: {credibility: 2, reliability: F}"})
    worthless = outlook.ach(graded, reliability={"F": 0.0}).evidence.set_index("evidence")
    assert worthless.loc["e1", "mi"] == pytest.approx(0.0, abs=1e-12)
    assert worthless.loc["e1", "max_abs_log_lr"] == pytest.approx(0.0, abs=1e-12)
    half = outlook.ach(graded, reliability={"F": 0.5}).evidence.set_index("evidence")
    pi, q = np.array([0.6, 0.4]), np.array([0.8, 0.4])
    discounted = 0.5 * q + 0.5 * float(np.sum(pi * q))
    assert half.loc["e1", "mi"] == pytest.approx(_mi(pi, discounted))
    assert half.loc["e1", "max_abs_log_lr"] == pytest.approx(math.log(discounted[0] / discounted[1]))


def test_a_groups_representative_is_chosen_on_the_discounted_likelihoods() -> None:
    pi = np.array([0.6, 0.4])
    assert _mi(pi, np.array([0.8, 0.4])) > _mi(pi, np.array([0.6, 0.3]))  # undiscounted, e1 would be chosen
    grouped = custom(
        **{
            "source: {credibility: 2}": "source: {credibility: 2, reliability: F}",
            "    relevance: high\n": "    relevance: high\n    group: g\n",
            "    type: absence\n": "    type: absence\n    group: g\n",
        }
    )
    a = outlook.ach(grouped, reliability={"F": 0.1})
    ev = a.evidence.set_index("evidence")
    assert ev.loc["e2", "enters"]
    assert not ev.loc["e1", "enters"]
    w, t = 0.6 * (1 - 0.6) * 0.5, 0.4 * (1 - 0.3) * 0.5  # e2 and e3 (which carries nothing) only
    assert a.scores["posterior"].iloc[0] == pytest.approx(w / (w + t))


# -- 2. the worlds route leads ----------------------------------------------------------

TWICE = """\
hypotheses: {from_scenarios: year}
evidence:
  e_b:
    text: b seen
    observable: b
  e_b_again:
    text: b seen, told by a second source
    observable: b
"""


def test_the_worlds_route_leads_and_the_product_is_the_as_if_independent_comparison(tmp_path: Path) -> None:
    s = scenario(HEAD + BODY + TWICE)
    a = outlook.ach(s, samples=N, seed=2)
    assert a.route == "worlds"
    scores = a.scores.set_index("hypothesis")
    obs = tmp_path / "obs.yaml"
    obs.write_text("observations:\n  - {observable: b, value: true, date: 2024-12-31}\n")
    once = outlook.update(s, obs, samples=N, seed=2).scenarios.set_index("scenario")["p"]
    # the same fact twice is still one fact on the joint worlds: the posterior is the update on b once
    for h in ("a_by_1y", "rest"):
        assert scores.loc[h, "posterior"] == pytest.approx(float(once[h]), abs=2 * scores.loc[h, "posterior_se"])
    # multiplied as if independent, it counts b twice: prior x P(b|h)^2
    like = a.matrix.set_index(["evidence", "hypothesis"])["likelihood"]
    prior = scores["prior"]
    twice = {h: prior[h] * like["e_b", h] ** 2 for h in ("a_by_1y", "rest")}
    total = sum(twice.values())
    assert scores.loc["a_by_1y", "posterior_independent"] == pytest.approx(twice["a_by_1y"] / total)
    gap = abs(scores.loc["a_by_1y", "posterior_independent"] - scores.loc["a_by_1y", "posterior"])
    assert gap > 3 * scores.loc["a_by_1y", "posterior_se"]
    assert a.word == outlook.estimative_word(float(scores["posterior"].max()))
    assert any("the items are not independent given the hypothesis, so the product misleads" in n for n in a.notes)
    assert any(n.startswith("the posterior is the simulated worlds reweighted by the evidence") for n in a.notes)


def test_the_command_leads_with_the_worlds_posterior(tmp_path: Path) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(HEAD + BODY + TWICE)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["ach", str(path), "-n", "4000"], stdout=out, stderr=err) == 0
    text = out.getvalue()
    assert "posterior: the simulated worlds reweighted by the evidence (joint: no independence assumed)" in text
    assert "posterior_independent: the likelihoods multiplied as if the items were independent" in text


def test_the_product_route_has_no_as_if_independent_column_to_lead_with() -> None:
    a = outlook.ach(custom())
    assert a.route == "product"
    assert a.scores["posterior"].tolist() == a.scores["posterior_independent"].tolist()
    assert a.scores["posterior_se"].isna().all()


# -- 3. impossible evidence, and every posterior 0 explained ----------------------------


def test_evidence_impossible_under_every_hypothesis_is_a_located_error() -> None:
    text = HEAD + BODY + custom_text("{weakness: 0.8, testing: 0.4}", "{weakness: 0, testing: 0}")
    assert errors(text) == [
        "s.yaml:26:18: evidence.e1.likelihoods: impossible evidence: P(E|H) is 0 under every hypothesis, yet E was "
        "observed, so no hypothesis explains it; revise the likelihoods (Cromwell's rule: keep a small chance) or "
        "add the hypothesis that explains it"
    ]
    absent = HEAD + BODY + custom_text("{weakness: 0.6, testing: 0.3}", "{weakness: 1, testing: 1}")
    assert errors(absent) == [
        "s.yaml:33:18: evidence.e2.likelihoods: impossible evidence: P(E|H) is 1 under every hypothesis, yet E was "
        "not observed, so no hypothesis explains it; revise the likelihoods (Cromwell's rule: keep a small chance) "
        "or add the hypothesis that explains it"
    ]


def custom_text(old: str, new: str) -> str:
    return CUSTOM.replace(old, new)


def test_every_posterior_0_names_the_item_that_zeroed_it() -> None:
    a = outlook.ach(custom(**{"{weakness: 0.8, testing: 0.4}": "{weakness: 0.8, testing: 0}"}))
    assert a.scores["posterior"].tolist() == [1.0, 0.0]
    assert "posterior 0 for testing: e1 gives it likelihood 0 (Cromwell's rule: no later evidence can revive it)" in (
        a.notes
    )
    # two items, each ruling out one hypothesis: no posterior, and the reason names both
    both = outlook.ach(
        custom(
            **{
                "{weakness: 0.8, testing: 0.4}": "{weakness: 0.8, testing: 0}",
                "{weakness: 0.5, testing: 0.5}": "{weakness: 0, testing: 0.5}",
            }
        )
    )
    assert both.posterior_note == (
        "the evidence leaves every hypothesis with likelihood 0 (e1, e3 each rule out the hypotheses the others "
        "leave): no posterior"
    )


def test_a_definitional_zero_on_the_worlds_route_names_its_item() -> None:
    text = HEAD + BODY + TWICE.replace("observable: b\n", "observable: a\n", 1)
    a = outlook.ach(scenario(text), samples=4_000, seed=2)
    assert a.route == "worlds"
    assert a.scores.set_index("hypothesis").loc["rest", "posterior"] == 0.0
    assert "posterior 0 for rest: e_b gives it likelihood 0 (Cromwell's rule: no later evidence can revive it)" in (
        a.notes
    )


# -- 4. the memory guard ----------------------------------------------------------------


def test_the_worlds_route_refuses_more_worlds_than_fit_in_memory() -> None:
    with pytest.raises(ValueError, match="for an ACH of this model") as info:
        outlook.ach(scenario(HEAD + BODY + TWICE), samples=50_000_000)
    assert str(info.value) == (
        "samples must be at most 33,333,333 for an ACH of this model (got 50,000,000): it holds every world in "
        "memory (3 values a world, at most 100,000,000 in all)"
    )


# -- 5. priors need exclusive hypotheses ------------------------------------------------


def test_priors_without_exclusive_are_a_located_error() -> None:
    text = HEAD + BODY + custom_text("  exclusive: true\n", "")
    assert errors(text) == [
        f"s.yaml:{line}:55: hypotheses.{h}.prior: a prior needs mutually exclusive, exhaustive hypotheses: write "
        "'exclusive: true' in the 'hypotheses' block, or give no priors (non-exclusive hypotheses get scores, no "
        "posterior)"
        for line, h in ((17, "weakness"), (18, "testing"))
    ]


# -- 6. the same argument checks on both paths ------------------------------------------


@pytest.mark.parametrize("worlds", [False, True], ids=["custom", "from_scenarios"])
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"samples": 0}, "samples must be a whole number from 1 to 10,000,000,000 (got 0)"),
        ({"samples": 1.5}, "samples must be a whole number from 1 to 10,000,000,000 (got 1.5)"),
        ({"seed": -1}, "seed must be a whole number from 0 to 2**128 - 1 (got -1)"),
        ({"chunk_size": 0}, "chunk_size must be a whole number from 1 to 4,194,304 (got 0)"),
        ({"sampler": "halton"}, "sampler must be one of random, sobol, lhs (got 'halton')"),
        ({"reliability": {"Z": 0.5}}, "reliability: unknown grade 'Z'; the Admiralty grades are A, B, C, D, E, F"),
        ({"reliability": {"A": 2}}, "reliability: grade A must map to a number from 0 to 1 (got 2)"),
    ],
)
def test_both_paths_check_the_arguments_alike(worlds: bool, kwargs: dict, message: str) -> None:
    s = scenario(HEAD + BODY + TWICE) if worlds else custom()
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        outlook.ach(s, **kwargs)
    assert str(info.value) == message


# -- 7. empty blocks ----------------------------------------------------------------------


def test_an_empty_hypotheses_block_is_a_located_error() -> None:
    assert errors(HEAD + BODY + "hypotheses: {}\n") == [
        "s.yaml:16:13: hypotheses: an empty 'hypotheses' block states no hypotheses: give {from_scenarios: HORIZON} "
        "or at least two hypotheses, or leave the block out (then the scenarios at the first horizon)"
    ]


@pytest.mark.parametrize("block", ["evidence", "indicators", "assumptions", "sources", "hypotheses"])
def test_a_block_written_with_no_value_is_a_located_error(block: str) -> None:
    (line,) = errors(HEAD + BODY + f"{block}:\n")
    assert line.startswith(f"s.yaml:16:{len(block) + 2}: {block}: expected a mapping")
    assert line.endswith("(got 'nothing')")


@pytest.mark.parametrize("block", ["evidence", "indicators", "assumptions"])
def test_an_empty_optional_block_is_as_if_absent(block: str) -> None:
    s = scenario(HEAD + BODY + f"{block}: {{}}\n")
    assert getattr(s, block) == ()
    with pytest.raises(ValueError, match="states no evidence"):
        outlook.ach(s)


def test_an_empty_evidence_item_has_one_problem() -> None:
    text = HEAD + BODY + "hypotheses: {from_scenarios: year}\nevidence:\n  e1: {}\n"
    assert errors(text) == ["s.yaml:18:7: evidence.e1: missing required key 'text'"]


def test_scenario_errors_is_what_a_bad_block_raises() -> None:
    with pytest.raises(ScenarioErrors):
        scenario(HEAD + BODY + "hypotheses: {}\n")
