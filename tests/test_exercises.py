"""Exercises with planted biases: each plant's check, the feedback and effects tables, errors, the wheel and the CLI.

Every plant of every bundled exercise is checked both ways: the flawed file
as given is "not fixed", the instructor's reference solution "fixed". Where
a file shows the flaw was seen but left standing, "found but not fixed". The
effect of a fix is the paired comparison of the original with that fix
alone, which is checked against ``outlook.compare`` run by hand.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import outlook
from outlook import Scenario, ScenarioError, ScenarioErrors
from outlook.cli import main
from outlook.exercises import (
    EFFECT_COLUMNS,
    FEEDBACK_COLUMNS,
    FIXED,
    FOUND,
    NOT_FIXED,
    PLANT_KINDS,
    ExerciseCheck,
    bundled_exercises,
    check_exercise,
    find_exercise,
    isolate,
    load_exercise,
)
from outlook.scenario import DROP

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = 2_000
EXERCISES = tuple(bundled_exercises())
PLANTS = [(e, p.id) for e in EXERCISES for p in find_exercise(e).plants]


@cache
def _checked(exercise: str, which: str) -> ExerciseCheck:
    """The check of an exercise's flawed file (``scenario``) or reference solution (``solution``), once per session."""
    ex = find_exercise(exercise)
    path = ex.scenario if which == "scenario" else ex.solution
    assert path is not None, f"{exercise} has no reference solution"
    return check_exercise(path, samples=SAMPLES, seed=0)


def _status(check: ExerciseCheck, plant: str) -> str:
    return str(check.feedback.set_index("plant").loc[plant, "status"])


def _original(exercise: str) -> Scenario:
    return outlook.load_scenario(find_exercise(exercise).scenario)


def _student(exercise: str, overrides: dict[str, Any]) -> ExerciseCheck:
    """The check of the flawed file with ``overrides`` applied (a student's partial fix)."""
    s = _original(exercise).with_overrides(overrides)
    return check_exercise(s, exercise=exercise, samples=SAMPLES, seed=0)


def test_three_exercises_one_not_on_the_bundled_case_and_every_kind_planted() -> None:
    """At least three exercises, one on a case other than North Korea, and each kind of plant in one of them."""
    assert 3 <= len(EXERCISES)
    bases = {find_exercise(e).base for e in EXERCISES}
    assert any("nk-troops-russia" not in b for b in bases)
    planted = {p.kind for e in EXERCISES for p in find_exercise(e).plants}
    assert set(PLANT_KINDS) == planted


@pytest.mark.parametrize(("exercise", "plant"), PLANTS, ids=[f"{e}:{p}" for e, p in PLANTS])
def test_each_plant_is_not_fixed_in_the_flawed_file_and_fixed_in_the_solution(exercise: str, plant: str) -> None:
    """The flawed file as given leaves the plant "not fixed"; the reference solution fixes it."""
    assert NOT_FIXED == _status(_checked(exercise, "scenario"), plant)
    assert FIXED == _status(_checked(exercise, "solution"), plant)


@pytest.mark.parametrize(
    ("exercise", "plant", "overrides"),
    [
        ("vaccine-race", "point_efficacy", {"drivers.efficacy": {"range": [0.65, 0.75], "shape": "beta"}}),
        (
            "nk-sourcing",
            "donetsk_left_out",
            {
                "drivers.p_in_ukraine_1y.sources": [
                    {"ref": "analysis", "quote": "recent reports of North Korean officer deaths near Donetsk"}
                ]
            },
        ),
        ("nk-sourcing", "late_catalyst", {"drivers.p_engage_3mo.source": {"ref": "zelensky", "quote": "days"}}),
        (
            "port-strike",
            "union_anchor",
            {
                "drivers.p_walkout_3mo.sources": [
                    {"ref": "harbour_gazette", "basis": "reported", "stance": "contradicts"}
                ]
            },
        ),
        ("port-strike", "walkout_twice", {"correlations[0][2]": 0.3}),
        (
            "vaccine-race",
            "inside_view",
            {"drivers.p_vaccine_1y.sources": [{"ref": "review", "basis": "outside_knowledge"}]},
        ),
        (
            "nk-sourcing",
            "decorative_numbers",
            {"drivers.troops": DROP, "drivers.total_casualties": DROP, "derived.troops_share": DROP},
        ),
        ("vaccine-race", "restated_rule", {"indicators": DROP}),
        ("port-strike", "disrupted_first", {"scenarios.shipping_disrupted.when": "diversion and walkout"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_flaw_seen_but_left_standing_is_found_but_not_fixed(
    exercise: str, plant: str, overrides: dict[str, Any]
) -> None:
    """A range widened too little, a contrary quote cited as support, a figure dropped rather than kept..."""
    check = _student(exercise, overrides)
    assert FOUND == _status(check, plant)


def test_rule_order_reordering_alone_is_not_a_fix() -> None:
    """Putting the settled scenario first only moves the artefact: swapping the rules still moves them."""
    s = _original("port-strike")
    rules = s.to_dict()["scenarios"]
    order = ["settled_after_strike", "shipping_disrupted", "open_strike", "calm"]
    check = _student("port-strike", {"scenarios": {k: rules[k] for k in order}})
    assert NOT_FIXED == _status(check, "disrupted_first")


def test_several_valid_fixes_are_accepted() -> None:
    """Hindsight fixed by moving as_of past the late source; double counting by dropping the multiplier instead."""
    moved = _student("nk-sourcing", {"as_of": "2024-11-15"})
    assert FIXED == _status(moved, "late_catalyst")
    multiplier = _student("port-strike", {"events.diversion.after": DROP})
    assert FIXED == _status(multiplier, "walkout_twice")


def test_the_tables_have_their_columns_and_one_row_per_plant_and_judgement() -> None:
    """feedback: one row per plant (FEEDBACK_COLUMNS); effects: one per plant and key judgement (EFFECT_COLUMNS)."""
    check = _checked("port-strike", "solution")
    ex = check.exercise
    assert list(FEEDBACK_COLUMNS) == list(check.feedback.columns)
    assert list(EFFECT_COLUMNS) == list(check.effects.columns)
    assert [p.id for p in ex.plants] == list(check.feedback["plant"])
    assert len(ex.plants) * len(ex.key_judgements) == len(check.effects)
    assert set(check.feedback["status"]) <= {FIXED, FOUND, NOT_FIXED}
    assert ("union_anchor", "walkout_twice", "disrupted_first") == check.fixed


def test_an_unchanged_file_moves_no_judgement() -> None:
    """The flawed file against itself: every delta and its standard error exactly 0, no flip."""
    effects = _checked("vaccine-race", "scenario").effects
    assert (effects["delta"] == 0).all()
    assert (effects["delta_se"] == 0).all()
    assert not effects["flip"].any()


def test_a_fix_effect_is_outlook_compare_of_the_original_with_that_fix_alone() -> None:
    """The union_anchor row equals compare(original, original with the student's p_walkout_3mo), paired."""
    ex = find_exercise("port-strike")
    original = outlook.load_scenario(ex.scenario)
    solution = outlook.load_scenario(ex.solution)  # type: ignore[arg-type]
    alone = original.with_overrides({"drivers.p_walkout_3mo": solution.to_dict()["drivers"]["p_walkout_3mo"]})
    by_hand = outlook.compare(original, alone, samples=SAMPLES, seed=0).set_index(["target", "horizon"])
    effects = _checked("port-strike", "solution").effects
    rows = effects[effects["plant"] == "union_anchor"]
    assert 3 == len(rows)
    for row in rows.itertuples():
        target, horizon = row.judgement.split("@")
        expected = by_hand.loc[(target, horizon)]
        assert (expected["p_a"], expected["p_b"]) == (row.p_original, row.p_fixed)
        assert (expected["delta"], expected["delta_se"], bool(expected["flip"])) == (row.delta, row.delta_se, row.flip)
    walkout = rows.set_index("judgement").loc["walkout@m3"]
    assert walkout["flip"]
    assert walkout["delta"] < -0.2


def test_other_plants_changes_do_not_leak_into_a_fix_effect() -> None:
    """In the whole solution the rules change too, yet the anchoring fix's effect is that of its driver alone."""
    effects = _checked("port-strike", "solution").effects.set_index(["plant", "judgement"])
    anchor = effects.loc[("union_anchor", "settled_after_strike@y1")]
    order = effects.loc[("disrupted_first", "settled_after_strike@y1")]
    assert anchor["delta"] < 0 < order["delta"]  # opposite directions: each is its own change


def test_a_fix_reaching_beyond_its_keys_is_shown_for_the_whole_file() -> None:
    """p_further_1y made to read a new driver cannot stand alone: isolated is False, the effect the whole file's."""
    s = _original("nk-sourcing").with_overrides(
        {
            "drivers.kyiv_bias": {"uniform": {"min": 0.0, "max": 1.0}},
            "drivers.p_further_1y": {"beta": {"alpha": "2 + kyiv_bias", "beta": 3}},
        }
    )
    fixed, alone = isolate(_original("nk-sourcing"), s, ("drivers.p_further_1y",))
    assert not alone
    assert fixed is s
    check = check_exercise(s, samples=SAMPLES, seed=0)
    row = check.feedback.set_index("plant").loc["zelensky_anchor"]
    assert not row["isolated"]
    assert FOUND == row["status"]  # the range now holds 0.4, but only the interested claim is behind it


def test_a_driver_with_hierarchical_parameters_has_its_quantiles_from_the_worlds() -> None:
    """Over-precision on a driver whose parameters read another: its 5th-95th width from the run's worlds."""
    check = _student(
        "vaccine-race",
        {
            "drivers.shift": {"uniform": {"min": 0.0, "max": 0.2}},
            "drivers.efficacy": {"uniform": {"min": "0.5 + shift", "max": "0.8 + shift"}},
        },
    )
    row = check.feedback.set_index("plant").loc["point_efficacy"]
    assert FIXED == row["status"]
    assert not row["isolated"]  # efficacy now reads a driver outside the plant's keys


def test_the_same_seed_gives_the_same_tables() -> None:
    """Two checks of one file with one seed agree to the last digit."""
    ex = find_exercise("nk-sourcing")
    a = check_exercise(ex.solution, samples=1_000, seed=3)  # type: ignore[arg-type]
    b = check_exercise(ex.solution, samples=1_000, seed=3)  # type: ignore[arg-type]
    assert a.feedback.equals(b.feedback)
    assert a.effects.equals(b.effects)


# -- errors ---------------------------------------------------------------------


def test_a_student_file_with_an_unknown_id_is_a_located_error(tmp_path: Path) -> None:
    """The exercise is found from the file's id: an id no exercise has is refused at its line, with a hint."""
    text = (
        find_exercise("port-strike").scenario.read_text(encoding="utf-8").replace("id: port-strike", "id: port-strik")
    )
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        check_exercise(path, samples=SAMPLES)
    expected = (
        f"{path}:2:5: id: no exercise has the id 'port-strik' (exercises: nk-sourcing, port-strike, vaccine-race); "
        "keep the id of the file you were given, or name the exercise. Did you mean 'port-strike'?"
    )
    assert expected == str(info.value)
    assert FIXED != _status(check_exercise(path, exercise="port-strike", samples=SAMPLES), "union_anchor")


def test_a_student_file_that_is_not_valid_gives_every_problem_located(tmp_path: Path) -> None:
    """A reversed range is the loader's located one-line error."""
    text = find_exercise("port-strike").scenario.read_text(encoding="utf-8")
    path = tmp_path / "mine.yaml"
    path.write_text(text.replace("range: [0.85, 0.97]", "range: [0.97, 0.85]"), encoding="utf-8")
    with pytest.raises(ScenarioErrors) as info:
        check_exercise(path, samples=SAMPLES)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "[0.85, 0.97]" in t)
    assert str(info.value).startswith(f"{path}:{line}:")
    assert "drivers.p_walkout_3mo.range: low 0.97 > high 0.85" in str(info.value)


def test_an_exercise_definition_with_mistakes_names_each_located(tmp_path: Path) -> None:
    """An unknown kind (did you mean), a missing parameter, a bad key judgement: each at its place."""
    folder = tmp_path / "demo"
    folder.mkdir()
    for name in ("scenario.yaml", "brief.md", "tasks.md"):
        (folder / name).write_text("x\n", encoding="utf-8")
    (folder / "exercise.yaml").write_text(
        "id: demo\ntitle: Demo\nscenario: scenario.yaml\nbrief: brief.md\ntasks: tasks.md\n"
        "key_judgements: [it_soon]\n"
        "plants:\n"
        "  a: {kind: over_precison, keys: [drivers.x]}\n"
        "  b: {kind: rule_order, keys: [scenarios], rules: [x, y], treshold: 0.1}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioErrors) as info:
        load_exercise(folder / "exercise.yaml")
    path = folder / "exercise.yaml"
    assert [
        f"{path}:6:18: key_judgements[0]: expected ID@HORIZON (got 'it_soon')",
        f"{path}:8:13: plants.a.kind: unknown kind of plant 'over_precison'. Did you mean 'over_precision'?",
        f"{path}:9:59: plants.b.treshold: unknown parameter 'treshold' of a rule_order plant. Did you mean 'threshold'?",
    ] == [str(e) for e in info.value.errors]


def test_no_such_exercise_suggests_one() -> None:
    """An id that is no exercise: the bundled ids and a did-you-mean."""
    with pytest.raises(ScenarioError, match=r"no such exercise .* Did you mean 'vaccine-race'\?"):
        find_exercise("vacine-race")


# -- the wheel --------------------------------------------------------------------


def test_the_wheel_ships_the_exercises_without_the_answers(tmp_path: Path) -> None:
    """A wheel built from the checkout holds each exercise's brief, tasks, scenario and plants, and no answer."""
    from hatchling.builders.wheel import WheelBuilder

    (wheel,) = WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"])
    names = set(zipfile.ZipFile(wheel).namelist())
    for e in EXERCISES:
        folder = f"outlook/exercises/bundled/{e}"
        assert {f"{folder}/{n}" for n in ("brief.md", "tasks.md", "scenario.yaml", "exercise.yaml")} <= names
        assert f"{folder}/answers.md" not in names
        assert f"{folder}/solution.yaml" not in names
        ex = find_exercise(e)
        assert ex.answer is not None
        assert ex.solution is not None
    assert not [n for n in names if "answers" in n or "solution.yaml" in n]
    assert "outlook/scenarios/nk-troops-russia.yaml" in names


# -- the command --------------------------------------------------------------------


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_list_and_show() -> None:
    """list names every exercise and its plants; show prints the brief, then the tasks."""
    code, out, err = _cli("exercise", "list")
    assert (0, "") == (code, err)
    assert all(e in out for e in EXERCISES)
    assert "rule_order" in out
    code, out, err = _cli("exercise", "show", "vaccine-race")
    ex = find_exercise("vaccine-race")
    assert (0, "") == (code, err)
    assert out.startswith(ex.brief.read_text(encoding="utf-8").rstrip("\n"))
    assert ex.tasks.read_text(encoding="utf-8").rstrip("\n") in out


def test_cli_show_to_copies_the_starting_files_and_never_overwrites(tmp_path: Path) -> None:
    """--to DIR copies brief, tasks and the flawed scenario (no answer); a second time it refuses, exit 2."""
    target = tmp_path / "class"
    code, out, err = _cli("exercise", "show", "nk-sourcing", "--to", str(target))
    assert (0, "") == (code, err)
    assert ["brief.md", "scenario.yaml", "tasks.md"] == sorted(p.name for p in target.iterdir())
    (target / "scenario.yaml").write_text("my work\n", encoding="utf-8")
    code, out, err = _cli("exercise", "show", "nk-sourcing", "--to", str(target))
    assert 2 == code
    assert "" == out
    assert 1 == len(err.splitlines())
    assert "already there" in err
    assert "Traceback" not in err
    assert "my work\n" == (target / "scenario.yaml").read_text(encoding="utf-8")


def test_cli_check_prints_the_feedback_and_exits_0(tmp_path: Path) -> None:
    """check on the copied file: 0 of 3 fixed, the statuses, the techniques; JSON and CSV carry the tables."""
    code, out, err = _cli("exercise", "show", "port-strike", "--to", str(tmp_path))
    student = str(tmp_path / "scenario.yaml")
    code, out, err = _cli("exercise", "check", student, "-n", "1000")
    assert (0, "") == (code, err)
    assert "0 of 3 plants fixed" in out
    assert "not fixed" in out
    assert "technique:" in out
    code, out, err = _cli("exercise", "check", student, "-n", "1000", "-f", "json")
    data = json.loads(out)
    assert ("port-strike", 3, 9) == (data["exercise"], len(data["feedback"]), len(data["effects"]))
    code, out, err = _cli("exercise", "check", student, "-n", "1000", "-f", "csv", "--table", "effects")
    assert 0 == code
    assert out.splitlines()[0].split(",") == list(EFFECT_COLUMNS)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("exercise", "check", "no-such-file.yaml"), "no-such-file.yaml"),
        (("exercise", "show", "nope"), "no such exercise"),
        (("exercise", "check", "scenarios/outbreak-vaccine-race.yaml"), "no exercise has the id"),
        (("exercise", "check", "x.yaml", "-n", "0"), "expected a whole number of samples"),
    ],
    ids=["missing-file", "unknown-exercise", "not-an-exercise-file", "bad-samples"],
)
def test_cli_bad_input_exits_2_in_one_line_without_a_traceback(argv: tuple[str, ...], needle: str) -> None:
    """Every bad input: exit 2, one message on stderr naming the problem, no traceback."""
    code, out, err = _cli(*(a if not a.startswith("scenarios/") else str(ROOT / a) for a in argv))
    assert 2 == code
    assert "" == out
    assert needle in err.strip().splitlines()[-1]
    assert "Traceback" not in err


def test_effects_of_a_missing_judgement_are_nan() -> None:
    """A key judgement the fixed file no longer has: NaN probabilities and empty words, not an error."""
    s = _original("port-strike")
    rules = s.to_dict()["scenarios"]
    merged = {k: v for k, v in rules.items() if k != "settled_after_strike"}
    check = _student("port-strike", {"scenarios": merged})
    row = check.effects.set_index(["plant", "judgement"]).loc[("disrupted_first", "settled_after_strike@y1")]
    assert math.isnan(row["delta"])
    assert "" == row["word_fixed"]
    assert FIXED == _status(check, "disrupted_first")  # the overlapping rule is gone
