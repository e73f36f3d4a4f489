"""Paired comparison (outlook.analysis.compare): exact zeros, the paired SE, the 2x2 formula, flips."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from outlook import Scenario, compile_model, simulate, summarise
from outlook.analysis.compare import (
    COMPARE_COLUMNS,
    PairedCounts,
    Target,
    compare,
    compare_worlds,
    is_flip,
    paired_delta,
    targets,
)
from outlook.model import BLOCK_SIZE, WorldBlock, iter_worlds
from outlook.testing import tiny_scenario


def _base() -> Scenario:
    return tiny_scenario(
        drivers={
            "r": {"range": [0.3, 0.9], "shape": "uniform"},
            "unused": {"range": [1, 3], "shape": "uniform"},
        },
        events={"e": {"rate": "r"}, "f": {"rate": "0.4"}},
        rules={"both": "e and f", "only_e": "e"},
        horizons={"soon": {"until": "6mo"}, "later": {"until": "2y"}},
    )


def test_a_driver_that_feeds_nothing_moves_nothing_exactly() -> None:
    s = _base()
    t = compare(s, s.with_overrides({"drivers.unused.range": [5, 9]}), samples=3_000, seed=4)
    assert list(t.columns) == list(COMPARE_COLUMNS)
    assert len(t) == 2 * 3 + 2 * 2  # 3 scenarios and 2 events at 2 horizons
    assert (t.delta == 0).all()
    assert (t.delta_se == 0).all()
    assert (t.n10 == 0).all()
    assert (t.n01 == 0).all()
    assert (t.p_a == t.p_b).all()
    assert not t.flip.any()
    assert t.attrs["recomputed"] == 1  # only the unused driver was drawn again


def test_p_a_and_p_b_are_the_two_runs_table_values() -> None:
    s = _base()
    b = s.with_overrides({"drivers.r.range": [0.1, 0.5]})
    t = compare(s, b, samples=2_500, seed=7, chunk_size=1_024).set_index(["kind", "target", "horizon"])
    for which, scen in (("p_a", s), ("p_b", b)):
        tab = summarise(simulate(scen, samples=2_500, seed=7))
        for row in tab.scenarios.itertuples():
            assert t.loc[("scenario", row.scenario, row.horizon), which] == row.p
        for row in tab.events.itertuples():
            assert t.loc[("event", row.event, row.horizon), which] == row.p_by
    assert np.allclose(t.delta, t.p_b - t.p_a, atol=1e-15)


def test_the_recomputed_route_equals_two_full_draws_and_any_chunk_size() -> None:
    s = _base()
    b = s.with_overrides({"drivers.r.range": [0.1, 0.5]})
    ma, mb = compile_model(s), compile_model(b)
    full = compare_worlds(ma, iter_worlds(ma, samples=3_000, seed=2), mb, iter_worlds(mb, samples=3_000, seed=2))
    for chunk in (1_024, 3_000):
        fast = compare(s, b, samples=3_000, seed=2, chunk_size=chunk)
        pd.testing.assert_frame_equal(fast, full, check_like=False, check_exact=True)
    assert 0 < fast.attrs["recomputed"] < len(targets(s)) + 4


def _block(labels: list[int], times: list[float]) -> WorldBlock:
    n = len(labels)
    return WorldBlock(0, {"k": np.zeros(n)}, {"x": np.asarray(times, dtype=float)}, np.asarray([labels]))


def test_the_discordant_pair_formula_against_a_hand_computed_table() -> None:
    # 10 paired worlds; the event by 1y: a holds in 0-3, b in 0, 1, 4, 5, 6.
    # 2x2: both 2, a only (n10) 2, b only (n01) 3, neither 3.
    # delta = (3 - 2)/10 = 0.1; the d_i are 0,0,-1,-1,1,1,1,0,0,0: E[d^2] = 0.5,
    # so SE = sqrt((0.5 - 0.01)/10) = sqrt(0.049), the SAT reference's sqrt((a + b - (b - a)^2)/n)
    # with a = 0.2, b = 0.3.
    s = tiny_scenario(drivers={"k": 1}, events={"x": {"rate": "k"}}, rules={"x_happens": "x"})
    m = compile_model(s)
    never = math.inf
    ta = [0.5, 0.5, 0.5, 0.5, never, never, never, never, never, never]
    tb = [0.5, 0.5, never, never, 0.5, 0.5, 0.5, never, never, never]
    la = [0 if t <= 1 else 1 for t in ta]
    lb = [0 if t <= 1 else 1 for t in tb]
    t = compare_worlds(m, [_block(la, ta)], m, [_block(lb, tb)])
    for kind in ("event", "scenario"):
        row = t[(t.kind == kind) & (t.target == "x" if kind == "event" else t.target == "x_happens")].iloc[0]
        assert (row.n, row.n10, row.n01) == (10, 2, 3)
        assert (row.p_a, row.p_b) == (0.4, 0.5)
        assert row.delta == pytest.approx(0.1, abs=1e-15)
        assert row.delta_se == pytest.approx(math.sqrt(0.049), rel=1e-12)
        d = np.array([0, 0, -1, -1, 1, 1, 1, 0, 0, 0])
        assert row.delta_se == pytest.approx(d.std() / math.sqrt(10), rel=1e-12)  # the slow obvious way


def test_paired_delta_is_zero_without_discordant_worlds_and_never_negative_variance() -> None:
    assert paired_delta(0, 0, 100) == (0.0, 0.0)
    assert paired_delta(0, 100, 100) == (1.0, 0.0)  # every world moved: no noise in delta at all
    assert paired_delta(30, 0, 100)[0] == -0.3


def test_the_paired_se_matches_the_spread_of_delta_over_seeds() -> None:
    # Independent replications: the sd of delta over seeds estimates its true SE; the paired
    # formula should agree with it (the sd of an sd from 120 runs is about 1/sqrt(240) = 6.5 %).
    s = _base()
    b = s.with_overrides({"drivers.r.range": [0.4, 1.0]})
    runs = [compare(s, b, samples=1_000, seed=seed) for seed in range(120)]
    deltas = np.array([r.delta.to_numpy() for r in runs])
    ses = np.array([r.delta_se.to_numpy() for r in runs])
    moved = deltas.std(axis=0) > 0
    assert moved.sum() >= 6
    ratio = ses.mean(axis=0)[moved] / deltas.std(axis=0, ddof=1)[moved]
    assert np.all((ratio > 0.75) & (ratio < 1.3)), ratio
    # and far smaller than two independent runs' SE: sqrt(p_a q_a/n + p_b q_b/n)
    last = runs[-1]
    indep = np.sqrt((last.p_a * (1 - last.p_a) + last.p_b * (1 - last.p_b)) / 1_000)
    assert (last.delta_se[moved] < indep[moved]).all()


def test_flip_needs_a_word_change_a_clear_delta_and_no_straddle() -> None:
    assert is_flip(0.30, 0.62, 0.32, 0.01, 10_000)  # unlikely -> likely
    assert not is_flip(0.30, 0.40, 0.10, 0.01, 10_000)  # same word
    assert not is_flip(0.30, 0.62, 0.32, 0.2, 10_000)  # |delta| < 2 se
    # 0.448 with n = 10,000: se 0.005, band 0.438..0.458 crosses 0.45: straddles
    assert not is_flip(0.448, 0.60, 0.152, 0.005, 10_000)
    assert is_flip(0.448, 0.60, 0.152, 0.005, 10_000_000)  # se 0.00016: no longer straddles
    assert not is_flip(0.30, 0.62, 0.32, 0.16, 10_000)  # |delta| = 2 se exactly: not more than
    assert is_flip(0.0, 1.0, 1.0, 0.0, 10)  # certain both ways: no noise at all


def test_flips_on_a_constructed_case() -> None:
    # rate r over one year: p = 1 - exp(-r). r = 0.2 -> 0.18 (very unlikely), r = 1.2 -> 0.70 (likely).
    s = tiny_scenario(drivers={"r": 0.2}, events={"e": {"rate": "r"}}, rules={"hit": "e"})
    t = compare(s, s.with_overrides({"drivers.r": 1.2}), samples=20_000, seed=3)
    e = t[t.kind == "event"].iloc[0]
    assert (e.word_a, e.word_b, bool(e.flip)) == ("very unlikely", "likely", True)
    assert e.n10 == 0  # a higher rate only brings each world's event earlier
    assert e.p_a == pytest.approx(1 - math.exp(-0.2), abs=4 * math.sqrt(0.18 * 0.82 / 20_000))
    # a change that keeps the word: no flip
    t2 = compare(s, s.with_overrides({"drivers.r": 0.21}), samples=20_000, seed=3)
    assert not t2.flip.any()


def test_renamed_targets_are_paired_by_their_new_ids() -> None:
    s = _base()
    data = s.to_dict()
    data["events"]["e2"] = data["events"].pop("e")
    data["scenarios"] = {"both": "e2 and f", "only_e": "e2", "rest": "otherwise"}
    b = type(s).from_dict(data)
    t = compare(s, b, samples=1_000, seed=0, renamed={"e": "e2"})
    assert set(t.target) == {"both", "only_e", "rest", "e", "f"}
    # without the mapping the renamed event is left out, not mispaired
    assert "e" not in set(compare(s, b, samples=1_000, seed=0).target)


def test_unpaired_streams_are_refused() -> None:
    m = compile_model(_base())
    a = list(iter_worlds(m, samples=3 * BLOCK_SIZE, seed=0, chunk_size=BLOCK_SIZE))
    assert len(a) == 3
    with pytest.raises(ValueError, match="different lengths"):
        compare_worlds(m, a, m, a[:1])
    with pytest.raises(ValueError, match="has no event 'nope'"):
        compare_worlds(m, a, m, a, wanted=[Target("event", "nope", "soon")])
    with pytest.raises(ValueError, match="same shape"):
        PairedCounts(2).add(np.zeros((2, 3), bool), np.zeros((2, 4), bool))


def test_no_judgement_in_common_is_a_clear_error_not_an_empty_frame() -> None:
    """Two scenarios whose scenario, event and horizon ids never meet have nothing to compare."""
    a = tiny_scenario(drivers={"r": 0.5}, events={"e": {"rate": "r"}})
    data = a.to_dict()
    data["id"] = "other"
    data["events"] = {"x": data["events"]["e"]}
    data["scenarios"] = {"hit": "x", "other": "otherwise"}
    b = Scenario.from_dict(data)
    with pytest.raises(ValueError, match="no judgement in common") as info:
        compare(a, b, samples=1_000)
    assert str(info.value) == (
        "scenarios a (tiny) and b (other) have no judgement in common (no scenario or event id at the same "
        "horizon): nothing to compare; pass renamed={old_id: new_id} if b renamed them"
    )
    assert len(compare(a, b, samples=1_000, renamed={"e": "x"})) == len(a.horizons)
