"""The tornado (outlook.analysis.sensitivity): closed forms, full reruns on common random numbers, the copula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from outlook import compile_model, first_order_indices, simulate, summarise
from outlook.analysis.discovery import discover
from outlook.analysis.sensitivity import TORNADO_COLUMNS, Target, parse_target, tornado
from outlook.testing import tiny_scenario


def _scenario() -> object:
    return tiny_scenario(
        drivers={
            "r": {"uniform": {"min": 0.1, "max": 0.5}},
            "m": {"uniform": {"min": 1.0, "max": 3.0}},
            "unused": {"uniform": {"min": 1.0, "max": 2.0}},
            "k": 2.0,
        },
        derived={"rm": "r * m * k"},
        events={"e": {"rate": "rm"}, "f": {"rate": "r", "after": {"e": 2.0}}},
        rules={"both": "e and f", "only_e": "e"},
    )


def test_columns_order_and_apart() -> None:
    t = tornado(_scenario(), "e@soon", samples=4_096, seed=3)
    assert tuple(t.table.columns) == TORNADO_COLUMNS
    assert list(t.table["driver"]) == ["m", "r"] or list(t.table["driver"]) == ["r", "m"]
    apart = dict(zip(t.apart["driver"], t.apart["reason"], strict=True))
    assert apart == {"unused": "feeds nothing the target reads", "k": "constant"}
    swings = np.abs(t.table["swing"].to_numpy())
    assert (np.diff(swings) <= 0).all()


def test_each_setting_equals_a_full_rerun_with_the_driver_constant() -> None:
    """Common random numbers: fixing r is a rerun of the file with r constant, world for world."""
    s = _scenario()
    t = tornado(s, "both@soon", samples=5_000, seed=11)
    row = t.table.set_index("driver").loc["r"]
    lo, hi = stats.uniform(0.1, 0.4).ppf([0.05, 0.95])
    assert row["low"] == pytest.approx(lo)
    assert row["high"] == pytest.approx(hi)
    for value, p in ((row["low"], row["p_low"]), (row["high"], row["p_high"])):
        rerun = summarise(simulate(s.with_overrides({"drivers.r": {"constant": float(value)}}), samples=5_000, seed=11))
        sc = rerun.scenarios
        assert p == sc[(sc["scenario"] == "both") & (sc["horizon"] == "soon")]["p"].item()
    base = summarise(simulate(s, samples=5_000, seed=11)).scenarios
    assert t.p == base[(base["scenario"] == "both") & (base["horizon"] == "soon")]["p"].item()


def test_event_closed_form() -> None:
    """P(e by 1 year) with rate r*m*k: at m's 5th percentile, E[1 - exp(-r m05 k)] over r uniform."""
    t = tornado(_scenario(), "e@soon", samples=200_000, seed=5)
    row = t.table.set_index("driver").loc["m"]
    for m, p in ((row["low"], row["p_low"]), (row["high"], row["p_high"])):
        c = 2.0 * m  # rate = r * c, r ~ U(0.1, 0.5): E[1 - exp(-r c)] in closed form
        exact = 1.0 - (math.exp(-0.1 * c) - math.exp(-0.5 * c)) / (0.4 * c)
        assert p == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 200_000))
    assert row["word_low"]
    assert row["word_high"]


def test_derived_target_is_its_mean() -> None:
    t = tornado(_scenario(), "rm", samples=100_000, seed=2)
    row = t.table.set_index("driver").loc["r"]
    lo = stats.uniform(0.1, 0.4).ppf(0.05)
    assert row["p_low"] == pytest.approx(lo * 2.0 * 2.0, rel=0.01)  # E[m] = 2, k = 2
    assert row["word_low"] == ""
    assert t.word == ""


def test_correlated_driver_moves_its_partner_to_the_conditional_normal() -> None:
    """Normal marginals: y | x at its 5th percentile has mean mu_y + sd_y r z05, r = 2 sin(pi rho / 6)."""
    rho = 0.6
    s = tiny_scenario(
        drivers={
            "x": {"range": [-1.645, 1.645], "shape": "normal"},
            "y": {"range": [10 - 1.645 * 2, 10 + 1.645 * 2], "shape": "normal"},
            "z": {"uniform": {"min": 0.0, "max": 1.0}},
        },
        correlations=[["x", "y", rho]],
        derived={"just_y": "y"},
        events={"e": {"rate": "z"}},
    )
    t = tornado(s, "just_y", samples=200_000, seed=4)
    row = t.table.set_index("driver").loc["x"]
    r = 2 * math.sin(math.pi * rho / 6)
    z05 = stats.norm.ppf(0.05)
    assert row["p_low"] == pytest.approx(10 + 2 * r * z05, abs=0.02)
    assert row["p_high"] == pytest.approx(10 - 2 * r * z05, abs=0.02)
    assert "z" in set(t.apart["driver"])


def test_scenario_target_reads_earlier_rules() -> None:
    """The catch-all rule reads nothing itself, but every driver behind the earlier rules moves it."""
    t = tornado(_scenario(), "rest@soon", samples=2_048, seed=1)
    assert set(t.table["driver"]) == {"r", "m"}


def test_parse_target_errors() -> None:
    s = _scenario()
    assert parse_target(s, "both@soon") == Target("scenario", "both", "soon")
    assert parse_target(s, "e@soon") == Target("event", "e", "soon")
    with pytest.raises(ValueError, match=r"^target 'e@late': no horizon 'late'; horizons are soon$"):
        parse_target(s, "e@late")
    with pytest.raises(ValueError, match=r"^target 'nope@soon': no scenario or event 'nope'"):
        parse_target(s, "nope@soon")
    with pytest.raises(ValueError, match=r"^target 'e': expected ID@HORIZON"):
        parse_target(s, "e")
    with pytest.raises(ValueError, match=r"quantiles must satisfy"):
        tornado(compile_model(s), "e@soon", samples=100, quantiles=(0.9, 0.1))


@pytest.mark.parametrize(
    ("rule", "years"), [("time(e) < 0.5", 0.5), ("happened(e)", 1.0), ("happened(e, by=soon)", 1.0)]
)
def test_a_rule_reading_an_events_time_is_recomputed(rule: str, years: float) -> None:
    """A target rule reading time()/happened() of an event a driver feeds: each setting is a rerun with the driver
    constant, world for world, and 1 - exp(-r T) within Monte Carlo error (it raised KeyError 'time(e)')."""
    s = tiny_scenario(
        outlook=1.1,
        drivers={"r": {"range": [0.1, 0.5], "shape": "lognormal"}},
        events={"e": {"rate": "r"}},
        rules={"x": rule},
    )
    t = tornado(s, "x@soon", samples=20_000, seed=4)
    row = t.table.set_index("driver").loc["r"]
    for value, p in ((row["low"], row["p_low"]), (row["high"], row["p_high"])):
        rerun = summarise(simulate(s.with_overrides({"drivers.r": {"constant": float(value)}}), samples=20_000, seed=4))
        sc = rerun.scenarios
        assert p == sc[(sc["scenario"] == "x") & (sc["horizon"] == "soon")]["p"].item()
        exact = 1.0 - math.exp(-value * years)
        assert p == pytest.approx(exact, abs=4 * math.sqrt(exact * (1 - exact) / 20_000))
    assert first_order_indices(s, samples=4_096, seed=1)["target"].str.startswith("x@").any()
    assert discover(s, "x@soon", samples=4_096, seed=1).target is not None


def test_a_rule_reading_a_per_horizon_quantity_is_recomputed() -> None:
    """``rt: r * t`` has a value per horizon; at the horizon's end (1 year) ``rt > 0.3`` is ``r > 0.3``
    (it raised KeyError '@t')."""
    s = tiny_scenario(
        outlook=1.1,
        drivers={"r": {"range": [0.1, 0.5], "shape": "lognormal"}},
        derived={"rt": "r * t"},
        rules={"x": "rt > 0.3"},
    )
    row = tornado(s, "x@soon", samples=4_096, seed=2).table.set_index("driver").loc["r"]
    assert (row["p_low"], row["p_high"]) == (0.0, 1.0)
