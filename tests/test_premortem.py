"""The quantified premortem (outlook.analysis.premortem): closed forms, calibrated errors, warnings, the command."""

from __future__ import annotations

import io
import json
import math
import re

import numpy as np
import pytest

import outlook
from outlook.analysis.premortem import DRIVER_COLUMNS, MATERIAL_A12, SHARE_COLUMNS, premortem
from outlook.analysis.sensitivity import Target
from outlook.cli import main
from outlook.model import Model, WorldBlock, compile_model, iter_worlds
from outlook.testing import tiny_scenario


def _p(rate: float) -> float:
    """P(an event with a constant hazard ``rate`` a year happens within one year) = 1 - exp(-rate)."""
    return 1.0 - math.exp(-rate)


def _row(frame: object, name: str) -> dict[str, object]:
    rows = frame[frame["name"] == name]  # type: ignore[index]
    assert len(rows) == 1, name
    return dict(rows.iloc[0])


def test_either_scenario_wrong_means_neither_event_happened() -> None:
    """Scenario 'a or b': in the worlds where it is wrong, neither a nor b happened, exactly."""
    s = tiny_scenario(events={"a": {"rate": 0.5}, "b": {"rate": 0.8}}, rules={"either": "a or b"})
    pm = premortem(s, "either", "soon", samples=20_000, seed=3)
    assert pm.wrong == "absent"
    assert not pm.forced
    assert list(pm.events.columns) == list(SHARE_COLUMNS)
    assert pm.wrong_worlds == pytest.approx(20_000 * math.exp(-1.3), rel=0.05)
    assert pm.ess == pm.wrong_worlds
    for name, rate in (("a", 0.5), ("b", 0.8)):
        row = _row(pm.events, name)
        assert row["p_wrong"] == 0.0
        assert row["p_wrong_se"] == 0.0
        assert abs(row["p_all"] - _p(rate)) < 4 * row["p_all_se"]
        assert row["difference"] == pytest.approx(-row["p_all"])
        assert row["ratio"] == 0.0
        assert row["beyond_noise"]


def test_both_scenario_bayes_closed_form() -> None:
    """Scenario 'a and b', wrong = not both: P(a | wrong) = pa (1 - pb) / (1 - pa pb), by Bayes, within 4 SE."""
    ra, rb = 0.7, 0.9
    pa, pb = _p(ra), _p(rb)
    s = tiny_scenario(events={"a": {"rate": ra}, "b": {"rate": rb}}, rules={"both": "a and b"})
    judged = premortem(s, "both@soon", samples=40_000, seed=5)
    assert judged.wrong == "present"  # P(both) = 30%, not the most probable: the judgement is that it is not so
    assert _row(judged.events, "a")["p_wrong"] == 1.0
    pm = premortem(s, "both@soon", samples=40_000, seed=5, wrong="absent")
    assert pm.wrong == "absent"
    assert pm.forced
    want = pa * (1 - pb) / (1 - pa * pb)
    row = _row(pm.events, "a")
    assert abs(row["p_wrong"] - want) < 4 * row["p_wrong_se"]
    assert abs(row["difference"] - (want - pa)) < 4 * row["difference_se"]
    assert abs(row["ratio"] - want / pa) < 4 * row["ratio_se"]
    assert row["beyond_noise"]


def test_standard_errors_are_calibrated() -> None:
    """Over many seeds, (estimate - closed form) / se has sd near 1: for the difference, the lift and a driver's z."""
    ra, rb = 0.7, 0.9
    pa, pb = _p(ra), _p(rb)
    want = pa * (1 - pb) / (1 - pa * pb)
    s = tiny_scenario(
        drivers={"noise": {"uniform": {"min": 0.0, "max": 1.0}}},
        events={"a": {"rate": ra}, "b": {"rate": rb}},
        rules={"both": "a and b"},
    )
    model = compile_model(s)
    zd, zr, zn = [], [], []
    for seed in range(40):
        pm = premortem(model, "both@soon", samples=5_000, seed=seed, wrong="absent")
        row = _row(pm.events, "a")
        zd.append((row["difference"] - (want - pa)) / row["difference_se"])
        zr.append((row["ratio"] - want / pa) / row["ratio_se"])
        zn.append(_row(pm.drivers, "noise")["z"])
    for z in (zd, zr, zn):
        assert 0.65 < float(np.std(z)) < 1.35
        assert abs(float(np.mean(z))) < 0.6


def test_a_driver_that_feeds_nothing_shows_no_shift() -> None:
    s = tiny_scenario(
        drivers={
            "r": {"uniform": {"min": 0.2, "max": 3.0}},
            "noise": {"uniform": {"min": 0.0, "max": 1.0}},
            "side": {"categorical": {"x": 0.3, "y": 0.7}},
        },
        derived={"double_noise": "2 * noise"},
        events={"e": {"rate": "r", "label": "It happens"}},
    )
    pm = premortem(s, "e@soon", samples=40_000, seed=2)
    assert list(pm.drivers.columns) == list(DRIVER_COLUMNS)
    noise, r, double = _row(pm.drivers, "noise"), _row(pm.drivers, "r"), _row(pm.drivers, "double_noise")
    assert not noise["linked"]
    assert not double["linked"]
    assert r["linked"]
    assert not noise["beyond_noise"]
    assert abs(noise["z"]) < 3
    assert abs(noise["shift"]) < 0.02
    assert noise["median_all"] == pytest.approx(0.5, abs=0.01)
    assert r["beyond_noise"]
    assert r["shift"] < 0
    assert r["q95_wrong"] < r["q95_all"]
    for cat in ("side=x", "side=y"):
        assert not _row(pm.events, cat)["beyond_noise"]
    assert "e" not in set(pm.events["name"])  # the judgement's own event is not a reason for itself
    assert pm.drivers.iloc[0]["name"] == "r"
    want = (
        "If “It happens” has not happened by 1 January 2025, it is most likely because “r” is lower "
        f"(median {r['median_wrong']:.3g} against {r['median_all']:.3g} overall)."
    )
    assert pm.sentence == want


def _brake_scenario(rate: str = "0.6 * brake") -> outlook.Scenario:
    """A brake that is 1 (no effect) in 60% of the worlds and uniform on (0, 1) otherwise, and a driver of nothing."""
    return tiny_scenario(
        outlook=1.1,
        drivers={
            "brake": {
                "label": "Brake",
                "mixture": [{"weight": 0.6, "constant": 1.0}, {"weight": 0.4, "uniform": {"min": 0.0, "max": 1.0}}],
            },
            "noise": {"uniform": {"min": 0.0, "max": 1.0}},
        },
        events={"e": {"rate": rate, "label": "It happens"}},
    )


def _wrong_and_values(model: Model, blocks: list[WorldBlock], name: str) -> tuple[np.ndarray, np.ndarray]:
    """The worlds where ``e`` happened by the one horizon's end (the wrong ones here), and a driver's values."""
    end = float(model.horizon_ends[0])
    w = np.concatenate([b.times["e"] <= end for b in blocks])
    x = np.concatenate([np.asarray(b.values[name], dtype=float) for b in blocks])
    return w, x


def test_a12_is_the_pairwise_count_and_mann_whitney_u_over_its_pairs() -> None:
    """a12 = P(x_w > x_o) + P(tie) / 2 over every pair: a slow double loop and scipy's U / (m (n - m)) agree."""
    from scipy.stats import mannwhitneyu

    model = compile_model(_brake_scenario("2 * brake"))
    blocks = list(iter_worlds(model, samples=400, seed=3))
    pm = premortem(model, "e@soon", blocks=blocks, wrong="present")
    for name in ("brake", "noise"):
        w, x = _wrong_and_values(model, blocks, name)
        wrong, other = x[w].tolist(), x[~w].tolist()
        m, o = len(wrong), len(other)
        assert pm.wrong_worlds == m
        assert 50 < m < 350
        slow = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in wrong for b in other) / (m * o)
        u = float(mannwhitneyu(wrong, other, alternative="two-sided").statistic)
        row = _row(pm.drivers, name)
        assert row["a12"] == pytest.approx(slow, abs=1e-12)
        assert row["a12"] == pytest.approx(u / (m * o), abs=1e-12)
    assert np.mean(_wrong_and_values(model, blocks, "brake")[1] == 1.0) > 0.5  # ties: the atom is most of the worlds


def test_a_driver_with_an_atom_is_named_by_its_share_at_the_atom() -> None:
    """A brake at 1 in 60% of the worlds: the median is 1 in the wrong worlds and in all (shift 0), but a12 sees it."""
    model = compile_model(_brake_scenario())
    blocks = list(iter_worlds(model, samples=20_000, seed=1))
    pm = premortem(model, "e@soon", blocks=blocks)
    assert pm.wrong == "present"  # P(e) = 37%: the judgement is that it does not happen
    brake, noise = _row(pm.drivers, "brake"), _row(pm.drivers, "noise")
    assert brake["median_wrong"] == brake["median_all"] == 1.0
    assert brake["shift"] == 0.0  # the median cannot see it
    assert brake["a12"] > 0.6
    assert brake["beyond_noise"]
    assert pm.drivers.iloc[0]["name"] == "brake"
    w, x = _wrong_and_values(model, blocks, "brake")
    at_w, at_all = float(np.mean(x[w] == 1.0)), float(np.mean(x == 1.0))
    assert at_w > at_all + 0.1
    assert pm.sentence == (
        "If “It happens” happens by 1 January 2025 after all, it is most likely because “Brake” is more often "
        f"at its top value (1) ({at_w:.0%} of such worlds, against {at_all:.0%} overall)."
    )
    # a driver of nothing: a12 near 0.5, not beyond the noise, not named
    assert not noise["linked"]
    assert not noise["beyond_noise"]
    assert abs(noise["a12"] - 0.5) < 0.02
    assert "“noise”" not in pm.sentence


@pytest.mark.parametrize(
    ("atom", "weight", "rate", "words"),
    [
        (0.0, 0.7, "0.3 + 0.6 * x", "is less often at its bottom value (0) ({at_w:.0%} of such worlds, against "),
        (0.5, 0.6, "2 * x", "tends to be lower (taking a world where the judgement is wrong and one where it holds, "),
        (1.0, 0.6, "2 * x", "is lower (median {median_wrong:.3g} against 1 overall)"),
    ],
)
def test_how_a_driver_moved_is_said_in_words_that_hold(atom: float, weight: float, rate: str, words: str) -> None:
    """At a bottom atom both medians are 0; at an interior one the IQR is 0 (shift NaN); else the median moved."""
    s = tiny_scenario(
        outlook=1.1,
        drivers={
            "x": {
                "mixture": [
                    {"weight": weight, "constant": atom},
                    {"weight": 1 - weight, "uniform": {"min": 0.0, "max": 1.0}},
                ]
            }
        },
        events={"e": {"rate": rate}},
    )
    pm = premortem(s, "e@soon", samples=20_000, seed=1)
    x = _row(pm.drivers, "x")
    assert x["beyond_noise"]
    assert abs(x["a12"] - 0.5) >= 0.06
    way = "higher" if x["a12"] > 0.5 else "lower"
    if atom == 0.0:
        assert x["median_wrong"] == x["median_all"] == 0.0
        assert way == "higher"  # less often at the bottom: higher, as a12 says
    if atom == 0.5:
        assert x["median_wrong"] == x["median_all"] == 0.5
        assert math.isnan(x["shift"])
        tail = f"it is lower in the first {1 - x['a12']:.0%} of the time, ties counting half)."
        assert pm.sentence.endswith(tail)
    blocks = list(iter_worlds(compile_model(s), samples=20_000, seed=1))
    w = np.concatenate([b.times["e"] <= 1.0 for b in blocks])
    if pm.wrong == "absent":
        w = ~w
    values = np.concatenate([b.values["x"] for b in blocks])
    at_w = float(np.mean(values[w] == atom))
    assert f"it is most likely because “x” {words.format(at_w=at_w, median_wrong=x['median_wrong'])}" in pm.sentence
    assert "median 0 against 0" not in pm.sentence
    assert "median 0.5 against 0.5" not in pm.sentence


def test_sentence_names_events_with_their_shares() -> None:
    s = tiny_scenario(
        events={"a": {"rate": 0.5, "label": "A was sent"}, "b": {"rate": 0.8}, "c": {"rate": 0.3}},
        rules={"calm": {"when": "not a and not b", "label": "Calm"}, "busy": {"when": "otherwise"}},
    )
    pm = premortem(s, "calm@soon", samples=20_000, seed=1, wrong="absent")
    a, b = _row(pm.events, "a"), _row(pm.events, "b")
    # events are associations, never "because": one may follow the judgement's defining event
    assert pm.sentence.startswith("If “Calm” is wrong by 1 January 2025, in those worlds “b” happened more often (")
    assert (
        f"“A was sent” happened more often ({a['p_wrong']:.0%} of them, against {a['p_all']:.0%} overall)"
        in pm.sentence
    )
    assert f"“b” happened more often ({b['p_wrong']:.0%} of them" in pm.sentence
    assert "because" not in pm.sentence
    assert "“c”" not in pm.sentence  # independent of the judgement: no reason
    assert not _row(pm.events, "c")["beyond_noise"]
    assert pm.judgement == f"the outcome by 1 January 2025 is “Calm” ({pm.word}, {pm.p:.0%})"
    assert list(pm.events["name"][:2]) == ["b", "a"]  # ranked by how much more often


def test_pathway_along_requires_is_a_product_of_steps() -> None:
    """top requires mid, mid requires base: p_path telescopes to P(top) exactly; P(mid | base) in closed form."""
    s = tiny_scenario(
        events={
            "base": {"rate": 1.0},
            "mid": {"rate": 0.8, "requires": ["base"], "label": "Middle step"},
            "top": {"rate": 0.5, "requires": ["mid"]},
        },
        rules={"calm": "not base"},
    )
    pm = premortem(s, "top@soon", samples=40_000, seed=4)
    path = pm.pathway
    assert list(path["event"]) == ["base", "mid", "top"]
    assert list(path["step"]) == [1, 2, 3]
    assert path["label"][1] == "Middle step"
    assert path["p_path"].iloc[-1] == pm.p
    assert np.prod(path["p_step"]) == pytest.approx(pm.p, rel=1e-12)
    p_base = _p(1.0)
    assert abs(path["p_step"][0] - p_base) < 4 * math.sqrt(p_base * (1 - p_base) / 40_000)
    # P(mid by 1 | base at T < 1) = E[1 - exp(-0.8 (1 - T)) | T < 1], T ~ Exp(1)
    want = (p_base - math.exp(-0.8) * (1 - math.exp(-0.2)) / 0.2) / p_base
    k = 40_000 * p_base
    assert abs(path["p_step"][1] - want) < 4 * math.sqrt(want * (1 - want) / k)
    assert premortem(s, "calm@soon", samples=2_000).pathway.empty
    assert premortem(s, "base@soon", samples=2_000).pathway.empty


def test_few_worlds_warning_at_95_percent_or_more() -> None:
    s = tiny_scenario(events={"sure": {"rate": 4.0}})  # 1 - e^-4 = 98.2%
    pm = premortem(s, "sure@soon", samples=20_000, seed=0)
    assert pm.wrong == "absent"
    assert pm.p > 0.95
    assert len(pm.warnings) == 1
    assert pm.warnings[0].startswith(f"few worlds: only {pm.wrong_worlds:,} of 20,000 worlds (")
    assert "the judgement is at 98." in pm.warnings[0]
    assert f"effective sample size {pm.wrong_worlds:,}" in pm.warnings[0]
    less = premortem(tiny_scenario(events={"maybe": {"rate": 0.9}}), "maybe@soon", samples=20_000, seed=0)
    assert less.warnings == ()
    few = premortem(tiny_scenario(events={"maybe": {"rate": 0.9}}), "maybe@soon", samples=2_000, seed=0)
    assert few.wrong_worlds < 1_000
    assert few.warnings[0].startswith("few worlds: ")
    assert "rarely wrong" in few.warnings[0]


def test_never_wrong_gives_empty_tables_and_says_so() -> None:
    s = tiny_scenario(drivers={"r": 0.0}, events={"never": {"rate": "r"}, "other": {"rate": 0.5}})
    pm = premortem(s, "never@soon", samples=4_000, seed=0)
    assert pm.p == 0.0
    assert pm.wrong == "present"
    assert pm.wrong_worlds == 0
    assert pm.events.empty
    assert pm.drivers.empty
    assert pm.warnings[0].startswith("few worlds: only 0 of 4,000 worlds (0.0%)")
    assert pm.sentence == (
        "If “never” happens by 1 January 2025 after all: in none of the 4,000 worlds is it so; "
        "there is nothing to compare (draw more worlds)."
    )


def test_deterministic_for_a_seed() -> None:
    s = tiny_scenario(
        drivers={"r": {"uniform": {"min": 0.2, "max": 3.0}}},
        events={"a": {"rate": "r"}, "b": {"rate": 0.5}},
    )
    one = premortem(s, "a_happens@soon", samples=10_000, seed=7)
    two = premortem(s, "a_happens", "soon", samples=10_000, seed=7)
    assert one.events.equals(two.events)
    assert one.drivers.equals(two.drivers)
    assert one.sentence == two.sentence
    assert one.wrong_worlds == two.wrong_worlds
    other = premortem(s, "a_happens@soon", samples=10_000, seed=8)
    assert other.wrong_worlds != one.wrong_worlds
    same = premortem(compile_model(s), Target("scenario", "a_happens", "soon"), samples=10_000, seed=7)
    assert same.events.equals(one.events)


@pytest.mark.parametrize(
    ("target", "horizon", "message"),
    [
        ("nope", "soon", "premortem: no scenario or event 'nope'; scenarios are a_happens, rest; events are a"),
        ("a_happens", "later", "premortem: no horizon 'later'; horizons are soon"),
        ("a_happens@later", None, "premortem: no horizon 'later'; horizons are soon"),
        ("a", None, "premortem: 'a' needs a horizon (a@HORIZON); horizons are soon"),
        ("a@soon", "other", "target 'a@soon' names horizon 'soon' but horizon is 'other'"),
        (
            "q@soon",
            None,
            "premortem needs a scenario or event as the judgement, not 'q'; scenarios are a_happens, rest; events are a",
        ),
    ],
)
def test_exact_error_texts(target: str, horizon: str | None, message: str) -> None:
    s = tiny_scenario(drivers={"r": 0.5}, derived={"q": "r * 2"}, events={"a": {"rate": "r"}})
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$") as info:
        premortem(s, target, horizon, samples=1_000)
    assert str(info.value) == message


def test_bad_wrong_and_derived_target_are_refused() -> None:
    s = tiny_scenario(drivers={"r": 0.5}, derived={"q": "r * 2"}, events={"a": {"rate": "r"}})
    with pytest.raises(ValueError, match=r"^wrong must be 'absent' or 'present' \(got 'maybe'\)$"):
        premortem(s, "a@soon", wrong="maybe")
    with pytest.raises(ValueError, match=r"^premortem needs a scenario or event at a horizon, not the derived"):
        premortem(s, Target("derived", "q"))


def test_public_name() -> None:
    assert outlook.premortem is premortem
    assert "premortem" in outlook.__all__


def test_bundled_case_contained_is_wrong_because_of_more_troops_or_technology() -> None:
    pm = premortem(outlook.load_scenario(outlook.find_scenario("nk-troops-russia")), "contained@short", samples=20_000)
    assert pm.wrong == "absent"
    top = list(pm.events["name"][:2])
    assert set(top) == {"tech_transfer", "further_deployment"}
    for name in top:
        row = _row(pm.events, name)
        assert row["p_wrong"] > row["p_all"] + 0.1
    assert pm.sentence.startswith("If “Contained” is wrong by 15 November 2025, ")
    assert not pm.warnings
    ceasefire = _row(pm.events, "ceasefire")  # beyond the noise, but 2 points: in the table, not the sentence
    assert ceasefire["beyond_noise"]
    assert abs(ceasefire["difference"]) < 0.05
    assert "Russia–Ukraine ceasefire" not in pm.sentence
    # china_brake is 1 (no brake) in half the worlds: its median is 1 in the wrong worlds and in all, so its shift
    # is 0, but the wrong worlds sit at 1 more often; a12 ranks it first among the drivers drawn, third in all,
    # after the two derived probabilities of a further deployment that it multiplies (those two the sentence names)
    brake = _row(pm.drivers, "china_brake")
    assert brake["shift"] == 0.0
    assert brake["beyond_noise"]
    assert brake["a12"] >= MATERIAL_A12
    assert pm.drivers.loc[pm.drivers["kind"] == "driver", "name"].iloc[0] == "china_brake"
    assert list(pm.drivers["name"][:3]) == ["p_further_by_1y", "p_further_by_10y", "china_brake"]
    capped = _row(pm.drivers, "replacement_need")  # min(1, ...): an atom at 1 too
    assert capped["shift"] == 0.0
    assert capped["a12"] > 0.52


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_premortem_formats() -> None:
    args = ("premortem", "nk-troops-russia", "--target", "contained@short", "-n", "4096")
    code, out, err = _cli(*args)
    assert code == 0, err
    assert out.startswith("nk-troops-russia: 4,096 samples, seed 0\njudgement: the outcome by 15 November 2025 is ")
    assert re.search(r"wrong worlds: [\d,]+ of 4,096, those where contained@short does not hold", out)
    assert "If “Contained” is wrong by 15 November 2025, " in out
    code, out, _ = _cli(*args, "-f", "json")
    data = json.loads(out)
    assert code == 0
    assert data["target"] == "contained@short"
    assert data["wrong"] == "absent"
    assert {r["name"] for r in data["events"][:2]} == {"tech_transfer", "further_deployment"}
    assert data["effective_sample_size"] == data["wrong_worlds"]
    code, out, err = _cli(*args, "-f", "csv", "--wrong", "present")
    assert code == 0
    assert out.startswith("kind,name,label,p_wrong,")  # one table pandas can read
    assert "this is 'events'; the others need --table NAME (drivers, pathway)" in err
    code, out, err = _cli(*args, "-f", "csv", "--table", "drivers")
    assert (code, err) == (0, "")
    assert out.startswith("kind,name,label,median_wrong")


def test_cli_premortem_pathway_section() -> None:
    code, out, _ = _cli("premortem", "nk-troops-russia", "-t", "nuclear_tech_transfer@long", "-n", "4096")
    assert code == 0
    assert "\npathway: the events it requires" in out
    assert re.search(r"\n +1  tech_transfer +[\d.]+ +[\d.]+\n +2  nuclear_tech_transfer ", out)
    code, out, _ = _cli("premortem", "nk-troops-russia", "-t", "nuclear_tech_transfer@long", "-n", "4096", "-f", "json")
    assert [r["event"] for r in json.loads(out)["pathway"]] == ["tech_transfer", "nuclear_tech_transfer"]


def test_cli_premortem_bad_input_exits_2() -> None:
    code, out, err = _cli("premortem", "nk-troops-russia", "--target", "nope@short", "-n", "1000")
    assert code == 2
    assert out == ""
    assert err.startswith("outlook: error: premortem: no scenario or event 'nope'; scenarios are wider_war, ")
    code, _, err = _cli("premortem", "nk-troops-russia", "--target", "contained@never", "-n", "1000")
    assert code == 2
    assert err == "outlook: error: premortem: no horizon 'never'; horizons are short, medium, long\n"


def test_a_bundled_id_or_a_path_is_a_scenario_as_for_update() -> None:
    """outlook.premortem and outlook.indicators take an id or a path, as outlook.update and run_outlook do."""
    import pandas as pd

    import outlook

    by_id = outlook.premortem("nk-troops-russia", "contained@short", samples=2_000, seed=1)
    by_object = outlook.premortem(outlook.load_scenario("nk-troops-russia"), "contained@short", samples=2_000, seed=1)
    assert by_id.sentence == by_object.sentence
    path = outlook.find_scenario("nk-troops-russia")
    a = outlook.indicators(path, samples=2_000, seed=1)
    b = outlook.indicators(outlook.load_scenario(path), samples=2_000, seed=1)
    pd.testing.assert_frame_equal(a, b)


def test_a_consequence_of_the_defining_event_is_no_cause() -> None:
    s = tiny_scenario(
        events={"walkout": {"rate": 1.0, "label": "Walkout"}, "solidarity": {"rate": 0.1, "after": {"walkout": 6}}},
        rules={"quiet": {"when": "not walkout", "label": "Quiet"}, "loud": {"when": "otherwise"}},
    )
    pm = premortem(s, "quiet@soon", samples=20_000, seed=1, wrong="absent")  # wrong: the walkout happened
    assert "“solidarity” happened more often (" in pm.sentence
    assert "an association only" in pm.sentence
    assert "because" not in pm.sentence


@pytest.mark.parametrize(
    ("target", "hint"),
    [("general_strik@year", "Did you mean 'general_strike'?"), ("general_strike@yaer", "Did you mean 'year'?")],
)
def test_a_mistyped_target_or_horizon_gets_a_suggestion(target: str, hint: str) -> None:
    s = tiny_scenario(
        horizons={"q1": {"until": "3mo"}, "year": {"until": "1y"}},
        events={"walkout": {"rate": 1.0}},
        rules={"general_strike": {"when": "walkout"}, "settled": {"when": "otherwise"}},
    )
    with pytest.raises(ValueError, match=re.escape(hint)):
        premortem(s, target, samples=100)


def test_the_command_suggests_a_horizon_for_indicators_and_premortem() -> None:
    code, _, err = _cli("indicators", "nk-troops-russia", "--horizon", "shrt", "-n", "100")
    assert code == 2
    assert err.strip().endswith("Did you mean 'short'?")
    code, _, err = _cli("premortem", "nk-troops-russia", "--target", "contained@shrt", "-n", "100")
    assert code == 2
    assert err.strip().endswith("Did you mean 'short'?")
    with pytest.raises(ValueError, match="Did you mean 'short'"):
        outlook.indicators(outlook.load_scenario("nk-troops-russia"), samples=100, horizon="shrt")


def test_the_judgement_names_the_leading_scenario_in_one_row_of_icd203() -> None:
    """Beside a likelihood word the judgement says "the leading scenario", never "the most probable" (ICD 203)."""
    from outlook.testing import tiny_scenario

    s = tiny_scenario(
        drivers={"r": {"range": [0.1, 0.3], "shape": "lognormal"}},
        events={"it": {"rate": "r"}},
        rules={"happens": "it", "not_yet": "otherwise"},
    )
    pm = premortem(s, f"not_yet@{s.horizons[0].id}", samples=4_000, seed=0)
    assert pm.judgement.endswith("the leading scenario")
    assert "probable" not in pm.judgement


def test_the_sentence_names_drawn_drivers_before_derived_quantities() -> None:
    """China's brake multiplies the two derived probabilities of a further deployment that rank above it by a12;
    the sentence names the brake (a range an analyst can question), not the products that restate it."""
    s = outlook.load_scenario("nk-troops-russia")
    pm = outlook.premortem(s, "contained@short", samples=20_000, seed=0)
    cause = pm.sentence.split("it is most likely because ", 1)[1].split(". In those worlds", 1)[0]
    assert cause.startswith("“China's restraint on the deepening alliance (multiplier, 1 = none)” is more often at")
    assert "P(further deployment by 1 year)" not in cause
    top = pm.drivers.iloc[0]
    assert top["kind"] == "derived"  # the table still ranks by a12 over all of them
