"""The key assumptions check and tipping points, on closed-form cases with common random numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from outlook import Scenario
from outlook.analysis.assumptions import NOT_TESTED, assumptions_check
from outlook.analysis.compare import compare
from outlook.analysis.tipping import tipping_point
from outlook.testing import tiny_scenario

HEAD = "outlook: 1.1\nid: tiny\ntitle: Tiny\nquestion: Does it happen?\nas_of: 2024-01-01\n"
BODY = """\
horizons: {soon: {until: 1y}, later: {until: 2y}}
drivers:
  r: 0.3
  idle: {range: [1, 3], shape: uniform}
  other: {range: [0.1, 0.2], shape: uniform}
events:
  it: {rate: r}
  also: {rate: other}
scenarios:
  happens: it
  rest: otherwise
"""
BLOCK = """\
assumptions:
  slow:
    statement: The rate stays low.
    rating: unsupported
    if_false: {drivers.r: 0.9}
  slow_solid:
    statement: The rate stays low (well founded).
    rating: solid
    if_false: {drivers.r: 0.9}
  idle_known:
    statement: Idle is between 1 and 3.
    rating: caveated
    if_false: {drivers.idle: {constant: 10}}
    combine: [other_low]
  other_low:
    statement: The other rate is low.
    rating: solid
    if_false: {drivers.other: {constant: 0.5}}
  honest:
    statement: Nobody lies.
    rating: caveated
"""
N = 20_000


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario.from_yaml(HEAD + BODY + BLOCK)


@pytest.fixture(scope="module")
def check(scenario: Scenario):  # type: ignore[no-untyped-def]
    return assumptions_check(scenario, samples=N, seed=5)


def test_a_driver_that_feeds_nothing_moves_nothing(check) -> None:  # type: ignore[no-untyped-def]
    rows = check.table[check.table.assumption == "idle_known"]
    assert len(rows) == 2 * 2 + 2 * 2  # two scenarios and two events at two horizons
    assert (rows.delta == 0.0).all()
    assert (rows.delta_se == 0.0).all()
    assert not rows.flip.any()
    (row,) = check.summary[check.summary.assumption == "idle_known"].itertuples()
    assert (row.n_flips, row.max_abs_delta, row.key_uncertainty) == (0, 0.0, False)


def test_the_probabilities_are_the_closed_forms(check) -> None:  # type: ignore[no-untyped-def]
    """P(it by T) = 1 - exp(-r T) with r = 0.3 as stated and 0.9 if the assumption is false."""
    rows = check.table[(check.table.assumption == "slow") & (check.table.target == "it")]
    for row in rows.itertuples():
        t = {"soon": 1.0, "later": 2.0}[row.horizon]
        for p, r in ((row.p_base, 0.3), (row.p_alt, 0.9)):
            exact = 1 - math.exp(-r * t)
            assert abs(p - exact) < 4 * math.sqrt(exact * (1 - exact) / N)
    soon = rows[rows.horizon == "soon"].iloc[0]
    assert (soon.word_base, soon.word_alt, bool(soon.flip)) == ("unlikely", "likely", True)


def test_key_uncertainty_needs_a_weak_rating_and_a_flip(check) -> None:  # type: ignore[no-untyped-def]
    s = check.summary.set_index("assumption")
    assert s.loc["slow", "n_flips"] == s.loc["slow_solid", "n_flips"] > 0
    assert s.loc["slow", "key_uncertainty"]
    assert not s.loc["slow_solid", "key_uncertainty"]
    assert check.key_uncertainties == ("slow", "idle_known+other_low")  # joint: rated as its weakest member


def test_a_qualitative_assumption_is_listed_not_dropped(check) -> None:  # type: ignore[no-untyped-def]
    (row,) = check.summary[check.summary.assumption == "honest"].itertuples()
    assert (row.status, row.n_flips, row.key_uncertainty) == (NOT_TESTED, 0, False)
    assert math.isnan(row.max_abs_delta)
    assert "honest" not in set(check.table.assumption)


def test_a_joint_failure_applies_every_member(scenario: Scenario, check) -> None:  # type: ignore[no-untyped-def]
    assert list(check.summary.assumption) == [
        "slow",
        "slow_solid",
        "idle_known",
        "idle_known+other_low",
        "other_low",
        "honest",
    ]
    joint = check.table[check.table.assumption == "idle_known+other_low"].set_index(["target", "horizon"])
    assert joint.rating.iloc[0] == "caveated"  # the worst of caveated and solid
    bare = Scenario.from_yaml(HEAD + BODY)
    by_hand = compare(
        bare,
        bare.with_overrides({"drivers.idle": {"constant": 10}, "drivers.other": {"constant": 0.5}}),
        samples=N,
        seed=5,
    )
    by_hand = by_hand.set_index(["target", "horizon"])
    assert np.array_equal(joint.loc[by_hand.index, "delta"], by_hand.delta)


def test_the_table_is_paired_with_one_base(check) -> None:  # type: ignore[no-untyped-def]
    """Every assumption is compared with the same base worlds: one p_base per judgement."""
    assert (check.table.groupby(["kind", "target", "horizon"]).p_base.nunique() == 1).all()


def test_no_assumptions_gives_empty_tables() -> None:
    c = assumptions_check(tiny_scenario(drivers={"r": 0.3}, events={"it": {"rate": "r"}}), samples=100)
    assert c.table.empty
    assert c.summary.empty


@pytest.mark.parametrize(("direction", "boundary"), [("up", 0.45), ("down", 0.20)])
def test_a_tipping_point_solves_the_closed_form(direction: str, boundary: float) -> None:
    """With P = 1 - exp(-r) by one year, the word changes at r* = -ln(1 - b) for the boundary b."""
    s = tiny_scenario(drivers={"r": 0.3}, events={"it": {"rate": "r"}})
    tp = tipping_point(s, "r", "it", "soon", direction=direction, samples=N, seed=2)
    exact = -math.log(1 - boundary) - 0.3
    assert tp.found
    assert tp.boundary == boundary
    assert tp.shift_se > 0
    assert tp.tolerance == pytest.approx(0.3 / 1000)
    assert abs(tp.shift - exact) < 4 * tp.shift_se + tp.tolerance
    # the delta method's error against the binomial error of P at the boundary, through dP/dr = exp(-r)
    assert tp.shift_se == pytest.approx(math.sqrt(boundary * (1 - boundary) / N) / (1 - boundary), rel=0.15)


def test_a_tipping_point_on_a_range_shifts_the_whole_range() -> None:
    s = tiny_scenario(drivers={"r": {"range": [0.2, 0.4], "shape": "uniform"}}, events={"it": {"rate": "r"}})
    tp = tipping_point(s, "r", "it", "soon", samples=5_000, seed=1)
    assert tp.found
    assert tp.word_tip == "roughly even chance"
    assert tp.value is not None
    low, high = tp.value["range"]
    assert high - low == pytest.approx(0.2)
    assert low == pytest.approx(0.2 + tp.shift)
    assert "if the range of r shifts up by" in tp.sentence


def test_a_probability_stops_at_one() -> None:
    """A probability cannot pass 1: the search stops there and says the word never changes."""
    s = tiny_scenario(drivers={"q": {"probability": 0.96}}, derived={"x": "0 + q"}, events={"it": {"rate": 0.01}})
    tp = tipping_point(s, "q", "it", "soon", samples=1_000, seed=1)
    assert not tp.found
    assert tp.searched == pytest.approx(0.04, abs=1e-9)
    assert tp.bounded
    assert "drivers.q" in tp.limit  # the format refuses a probability past 1
    assert tp.sentence == (
        "The soon judgement on it stays almost no chance for every shift of q up to 0.04, "
        "the largest shift the model accepts."
    )


def test_a_shift_the_model_cannot_run_bounds_the_search() -> None:
    """A shift the format accepts but the run refuses (``p * brake`` past 1 in some worlds) ends the search
    at the largest shift that runs, instead of failing the whole search."""
    s = tiny_scenario(
        drivers={"p": 0.5, "brake": {"uniform": {"min": 0.5, "max": 1.0}}},
        events={"it": {"by": {"soon": "p * brake"}}, "also": {"rate": 0.01}},
    )
    tp = tipping_point(s, "brake", "also", "soon", samples=1_000, seed=1)
    assert not tp.found
    assert tp.bounded
    # brake + shift stays below 1 / p = 2 in every world: the largest draw of U(0.5, 1) is just under 1
    assert tp.searched == pytest.approx(1.0, abs=0.01)
    assert tp.sentence.endswith("the largest shift the model accepts.")
    # what sets the bound: the run's own located error, at the by probability that passes 1
    assert "events.it.by.soon: probability outside [0, 1]" in tp.limit
    # the unbounded search reports no bound
    free = tipping_point(tiny_scenario(drivers={"r": 0.3}, events={"it": {"rate": "r"}}), "r", "it", "soon",
                         samples=1_000, seed=1)  # fmt: skip
    assert free.found
    assert not free.bounded


def test_tipping_point_refusals() -> None:
    s = tiny_scenario(drivers={"r": 0.3, "b": {"beta": {"alpha": 2, "beta": 3}}}, events={"it": {"rate": "r * b"}})
    with pytest.raises(ValueError, match=r"^no driver 'x'"):
        tipping_point(s, "x", "it", "soon")
    with pytest.raises(ValueError, match=r"^no scenario or event 'nope'; the judgements are it_happens, rest, it$"):
        tipping_point(s, "r", "nope", "soon")
    with pytest.raises(ValueError, match=r"this driver is beta$"):
        tipping_point(s, "b", "it", "soon")
    with pytest.raises(ValueError, match=r"^direction must be 'up' or 'down'"):
        tipping_point(s, "r", "it", "soon", direction="left")


def test_the_bundled_scenario_states_its_key_assumptions() -> None:
    """The bundled case's check, as docs/analysis.md and the README quote it (the defaults: 100,000 worlds, seed 0)."""
    import outlook

    s = outlook.load_scenario("nk-troops-russia")
    check = assumptions_check(s)
    assert check.samples == 100_000
    summary = check.summary.set_index("assumption")
    assert list(summary.index) == [
        "china_restrains",
        "losses_replaced",
        "kept_small",
        "heavy_attrition",
        "war_goes_on",
        "war_goes_on+china_restrains",
        "election_speeds_ceasefire",
    ]
    assert summary.loc["china_restrains", "rating"] == "unsupported"
    assert summary.loc["election_speeds_ceasefire", "rating"] == "unsupported"
    assert list(summary["n_flips"]) == [6, 9, 9, 9, 31, 30, 8]
    assert set(check.key_uncertainties) == set(summary.index)
    row = check.table[
        (check.table["assumption"] == "china_restrains")
        & (check.table["target"] == "tech_transfer")
        & (check.table["horizon"] == "medium")
    ].iloc[0]
    assert (row["word_base"], row["word_alt"], bool(row["flip"])) == ("roughly even chance", "likely", True)
    assert row["p_base"] == pytest.approx(0.53694, abs=5e-6)
    assert row["p_alt"] == pytest.approx(0.61895, abs=5e-6)
