"""Version diff (outlook.analysis.diff): changes by key path, paired moves, Shapley attribution, renames."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from outlook import Scenario, simulate, summarise
from outlook.analysis.diff import DIFF_COLUMNS, diff_scenarios, shapley_values
from outlook.scenario import load_scenario
from outlook.testing import tiny_data, tiny_scenario

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"


def _sum_check(d: object) -> None:
    a = d.attribution.groupby(["kind", "target", "horizon"]).contribution.sum()
    j = d.judgements.set_index(["kind", "target", "horizon"]).delta
    assert np.abs(a - j.loc[a.index]).max() < 1e-12


def test_shapley_values_of_published_games() -> None:
    # the glove game (one left glove, two right): v = 1 for {0,1}, {0,2}, {0,1,2}; Shapley (2/3, 1/6, 1/6)
    wins = {frozenset({0, 1}), frozenset({0, 2}), frozenset({0, 1, 2})}
    subsets = [frozenset(s) for s in ([], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2])]
    v = {s: np.array([1.0 if s in wins else 0.0]) for s in subsets}
    assert shapley_values(v, 3)[:, 0] == pytest.approx([2 / 3, 1 / 6, 1 / 6], abs=1e-15)
    # an additive game: each player gets its own worth
    worth = np.array([0.3, -0.1, 0.05])
    v = {s: np.array([worth[list(s)].sum() + 0.2]) for s in subsets}
    assert shapley_values(v, 3)[:, 0] == pytest.approx(worth, abs=1e-15)


def test_the_bundled_case_efficiency_and_table_values() -> None:
    s = load_scenario(ARCHIVED)
    changes = {
        "drivers.china_brake": {"constant": 1.0},
        "drivers.troops.range": [15000, 20000],
        "events.ceasefire.rate": "ceasefire_rate * 2",
    }
    new = s.with_overrides(changes)
    d = diff_scenarios(s, new, samples=4_000, seed=3)
    assert d.method == "shapley"
    assert set(d.blocks) == {"drivers.china_brake", "drivers.troops", "events.ceasefire"}
    assert list(d.judgements.columns) == list(DIFF_COLUMNS)
    _sum_check(d)  # efficiency: the attributions sum to the total move
    j = d.judgements.set_index(["kind", "target", "horizon"])
    for version, col in ((s, "p_old"), (new, "p_new")):  # the two versions' own runs, on the same streams
        tab = summarise(simulate(version, samples=4_000, seed=3))
        for row in tab.events.itertuples():
            assert j.loc[("event", row.event, row.horizon), col] == row.p_by
        for row in tab.scenarios.itertuples():
            assert j.loc[("scenario", row.scenario, row.horizon), col] == row.p
    # a block that reaches no judgement gets exactly 0 (troops feeds only casualty figures)
    troops = d.attribution[d.attribution.block == "drivers.troops"]
    assert (troops.contribution == 0).all()
    assert set(d.changes.block) == {"drivers.china_brake", "drivers.troops", "events.ceasefire"}


def test_symmetric_blocks_get_equal_shares_and_an_additive_case_its_closed_form() -> None:
    old = tiny_scenario(
        drivers={"a": 0.1, "b": 0.1, "c": 0.2},
        events={"e": {"rate": "a + b"}, "f": {"rate": "c"}},
        rules={"e_only": "e and not f"},
    )
    new = old.with_overrides({"drivers.a": 0.3, "drivers.b": 0.3, "drivers.c": 0.5})
    d = diff_scenarios(old, new, samples=5_000, seed=1)
    _sum_check(d)
    at = d.attribution.set_index(["target", "block"]).contribution
    # symmetry: a and b enter e's rate the same way, so every hybrid with one of them is the same model
    assert at["e", "drivers.a"] == at["e", "drivers.b"]
    assert at["e", "drivers.a"] != 0
    # additive (separable) case: f reads c alone, so c carries all of f's move and a, b nothing
    assert at["f", "drivers.c"] == pytest.approx(d.judgements.set_index("target").delta["f"], abs=1e-15)
    assert at["f", "drivers.a"] == at["f", "drivers.b"] == 0
    assert at["e", "drivers.c"] == 0


def test_one_at_a_time_above_the_limit_shows_the_interactions() -> None:
    old = tiny_scenario(drivers={"a": 0.1, "b": 0.1}, events={"e": {"rate": "a * b * 10"}})
    new = old.with_overrides({"drivers.a": 0.3, "drivers.b": 0.3})
    d = diff_scenarios(old, new, samples=5_000, seed=1, max_shapley=1)
    assert d.method == "one-at-a-time"
    _sum_check(d)  # the (interactions) row takes what one-at-a-time leaves
    rows = d.attribution[(d.attribution.kind == "event")].set_index("block").contribution
    assert rows["(interactions)"] != 0


def test_nothing_changed_and_changes_that_move_no_number() -> None:
    old = tiny_scenario(drivers={"k": 1}, events={"e": {"rate": "k"}})
    new = old.with_overrides({"title": "Another title", "drivers.k": {"constant": 1, "label": "K"}})
    d = diff_scenarios(old, new, samples=1_000)
    assert d.method == "none"
    assert d.blocks == ()
    assert (d.judgements.delta == 0).all()
    assert d.moved.empty
    assert sorted(d.changes.key_path) == ["drivers.k.label", "title"]
    assert (d.changes.block == "").all()


def test_renamed_ids_are_paired_and_references_follow() -> None:
    old = tiny_scenario(drivers={"k_old": 0.5}, events={"e_old": {"rate": "k_old"}}, rules={"hit": "e_old"})
    data = tiny_data(drivers={"k": 0.5}, events={"e": {"rate": "k"}}, rules={"hit": "e"})
    data["outlook"] = 1.1
    data["renamed"] = {"k_old": "k", "e_old": "e"}
    new = Scenario.from_dict(data)
    d = diff_scenarios(old, new, samples=2_000)
    j = d.judgements.set_index(["kind", "target"])
    assert set(j.status) == {"comparable"}
    assert j.loc[("event", "e"), "old_target"] == "e_old"
    assert (d.judgements.delta == 0).all()  # same model under new names: nothing moved
    assert {"renamed.k_old", "renamed.e_old"} <= set(d.changes.key_path)


def test_a_renamed_old_id_the_old_version_lacks_is_refused() -> None:
    """It would pair nothing and show the node as removed and added: the error ``outlook check`` gives."""
    old = tiny_scenario(drivers={"k": 0.5}, events={"e": {"rate": "k"}}, rules={"hit": "e"})
    data = tiny_data(drivers={"k2": 0.5}, events={"e": {"rate": "k2"}}, rules={"hit": "e"})
    data["outlook"] = 1.1
    data["renamed"] = {"nonexistent": "k2"}
    new = Scenario.from_dict(data)
    from outlook import ScenarioError

    with pytest.raises(ScenarioError, match=r"renamed\.nonexistent: 'nonexistent' is not an id of the "):
        diff_scenarios(old, new, samples=1_000)
    with pytest.raises(ValueError, match=r"^renamed: 'kk' is not an id of the old scenario 'tiny'$"):
        diff_scenarios(old, new, samples=1_000, renamed={"kk": "k2"})


def test_changed_definitions_are_not_comparable_and_added_and_removed_are_listed() -> None:
    old = tiny_scenario(
        drivers={"k": 0.5},
        events={"e": {"rate": "k", "label": "A ceasefire"}, "gone": {"rate": "0.1"}},
        rules={"hit": "e"},
    )
    data = tiny_data(
        drivers={"k": 0.5},
        events={"e": {"rate": "k", "label": "A ceasefire that holds"}, "fresh": {"rate": "0.2"}},
        rules={"hit": "e and fresh"},
    )
    d = diff_scenarios(old, Scenario.from_dict(data), samples=2_000)
    j = d.judgements.set_index(["kind", "target"])
    assert j.loc[("event", "e"), "status"] == "not comparable"
    assert math.isnan(j.loc[("event", "e"), "delta"])
    assert j.loc[("scenario", "hit"), "status"] == "not comparable"  # its rule changed
    assert j.loc[("event", "gone"), "status"] == "removed"
    assert math.isnan(j.loc[("event", "gone"), "p_new"])
    assert j.loc[("event", "fresh"), "status"] == "added"
    assert j.loc[("event", "fresh"), "p_new"] == pytest.approx(1 - math.exp(-0.2), abs=0.04)
    assert "events.fresh" in d.blocks or any("events.fresh" in b for b in d.blocks)


def test_sentences_name_the_chief_cause() -> None:
    old = tiny_scenario(drivers={"r": 0.2, "q": 0.1}, events={"e": {"rate": "r + q"}}, rules={"hit": "e"})
    new = old.with_overrides({"drivers.r": {"constant": 1.2, "label": "raid rate (per year)"}, "drivers.q": 0.11})
    d = diff_scenarios(old, new, samples=20_000)
    assert d.sentences[-1] == (
        "We now assess e (soon) as likely (previously unlikely), chiefly because of the revised raid rate estimate."
    )


def test_a_cause_keeps_a_label_that_is_all_bracket_and_a_large_joined_group_is_the_revision() -> None:
    from outlook.analysis.diff import _cause

    old = tiny_scenario(drivers={"r": 0.2, "q": 0.1}, events={"e": {"rate": "r + q"}}, rules={"hit": "e"})
    new = old.with_overrides({"drivers.r": {"constant": 1.2, "label": "P(raid within a year)"}})
    assert _cause("drivers.r", new, old) == "revised P(raid within a year) estimate"
    renamed = old.with_overrides({"drivers.r": {"constant": 1.2, "label": "raid rate (per year)"}})
    assert _cause("drivers.r", renamed, old) == "revised raid rate estimate"
    three = "drivers.r + drivers.q + horizons"
    assert _cause(three, renamed, old) == "revised raid rate estimate and q estimate and horizons"
    four = three + " + events.e"
    assert _cause(four, renamed, old) == (
        "revision as a whole (4 changed blocks that depend on one another and cannot be told apart)"
    )
