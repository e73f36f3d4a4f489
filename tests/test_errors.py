"""The error family: message shape, did-you-mean, and pickling (Dask sends errors back)."""

from __future__ import annotations

import pickle

import pytest

from outlook import (
    ExpressionError,
    Location,
    OutlookError,
    ScenarioError,
    ScenarioErrors,
    SimulationError,
)

WHERE = Location("scenarios/nk.yaml", 23, 5, "drivers.troops.range")


def test_message_has_location_key_path_problem_got_and_hint() -> None:
    """The one-line shape: path:line:col: key.path: what is wrong (got X). Hint."""
    err = ScenarioError(WHERE, "low 12000 > high 8000", got=[12000.0, 8000.0], hint="Did you mean [8000, 12000]?")
    expected = "scenarios/nk.yaml:23:5: drivers.troops.range: low 12000 > high 8000 (got [12000, 8000]). Did you mean [8000, 12000]?"
    assert expected == str(err)


@pytest.mark.parametrize(
    ("where", "kwargs", "expected"),
    [
        (WHERE, {}, "scenarios/nk.yaml:23:5: drivers.troops.range: is wrong"),
        (Location("s.yaml", 1, 1), {}, "s.yaml:1:1: is wrong"),
        (Location("<dict>", 0, 0, "drivers.x"), {}, "<dict>: drivers.x: is wrong"),
        (WHERE, {"got": "high"}, "scenarios/nk.yaml:23:5: drivers.troops.range: is wrong (got 'high')"),
        (WHERE, {"got": 2.0}, "scenarios/nk.yaml:23:5: drivers.troops.range: is wrong (got 2)"),
        (WHERE, {"got": 0.25}, "scenarios/nk.yaml:23:5: drivers.troops.range: is wrong (got 0.25)"),
        (WHERE, {"got": {"a": 1}}, "scenarios/nk.yaml:23:5: drivers.troops.range: is wrong (got {a: 1})"),
        (WHERE, {"got": True}, "scenarios/nk.yaml:23:5: drivers.troops.range: is wrong (got true)"),
        (WHERE, {"got": 1, "show_got": False}, "scenarios/nk.yaml:23:5: drivers.troops.range: is wrong"),
        (
            WHERE,
            {"hint": " Did you mean 'x'?"},
            "scenarios/nk.yaml:23:5: drivers.troops.range: is wrong. Did you mean 'x'?",
        ),
    ],
    ids=[
        "full",
        "no-key-path",
        "no-line",
        "got-text",
        "got-whole-float",
        "got-float",
        "got-mapping",
        "got-yes-no",
        "got-hidden",
        "hint",
    ],
)
def test_message_parts(where: Location, kwargs: dict[str, object], expected: str) -> None:
    """Each part of the message appears only when known, in the fixed order."""
    assert expected == str(ScenarioError(where, "is wrong", **kwargs))  # type: ignore[arg-type]


def test_hint_after_a_full_stop_is_not_doubled() -> None:
    """A problem that already ends a sentence gets the hint after one space."""
    assert "s.yaml:1:1: no such id. Did you mean 'x'?" == str(
        ScenarioError(Location("s.yaml", 1, 1), "no such id.", hint="Did you mean 'x'?")
    )


@pytest.mark.parametrize(
    ("name", "choices", "expected"),
    [
        ("untill", ["until", "label"], " Did you mean 'until'?"),
        ("troop", ["troops", "rate"], " Did you mean 'troops'?"),
        ("zzz", ["until", "label"], ""),
        ("x", [], ""),
    ],
    ids=["key", "name", "nothing-close", "no-choices"],
)
def test_did_you_mean(name: str, choices: list[str], expected: str) -> None:
    """did_you_mean suggests the closest choice, or nothing when none is close."""
    from outlook.errors import did_you_mean

    assert expected == did_you_mean(name, choices)


def test_location_child_builds_key_paths() -> None:
    """Location.child joins keys with dots and indexes with brackets."""
    root = Location("s.yaml", 1, 1)
    item = root.child("correlations", 4, 3).child(2, 5, 5).child(0)
    assert Location("s.yaml", 5, 5, "correlations[2][0]") == item
    assert "drivers.x.range" == root.child("drivers").child("x").child("range").key_path


def test_scenario_errors_sort_by_place_and_print_one_line_each() -> None:
    """ScenarioErrors lists its errors in file order, one line each."""
    late = ScenarioError(Location("s.yaml", 9, 1, "b"), "late")
    early = ScenarioError(Location("s.yaml", 2, 7, "a"), "early")
    errs = ScenarioErrors([late, early])
    assert (early, late) == errs.errors
    assert "s.yaml:2:7: a: early\ns.yaml:9:1: b: late" == str(errs)


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (ScenarioError, (OutlookError, ValueError)),
        (ExpressionError, (ScenarioError, ValueError)),
        (ScenarioErrors, (OutlookError, ValueError)),
        (SimulationError, (OutlookError, RuntimeError)),
    ],
    ids=["scenario", "expression", "scenario-errors", "simulation"],
)
def test_errors_inherit_the_builtin_a_user_expects(cls: type[Exception], bases: tuple[type[Exception], ...]) -> None:
    """Each error is an OutlookError and the builtin (ValueError, RuntimeError) a caller would catch."""
    assert all(issubclass(cls, b) for b in bases)


ERRORS = [
    ScenarioError(WHERE, "low 12000 > high 8000", got=[12000.0, 8000.0], hint="Did you mean [8000, 12000]?"),
    ScenarioError(Location("<dict>"), "missing", got=3, show_got=False),
    ExpressionError(Location("s.yaml", 3, 14, "derived.d"), "unknown name 'troop'", hint=" Did you mean 'troops'?"),
    ScenarioErrors(
        [
            ScenarioError(Location("s.yaml", 9, 1, "b"), "late", got="x"),
            ExpressionError(Location("s.yaml", 2, 7, "a"), "early"),
        ]
    ),
    SimulationError("event 'e': rate is negative in 12 of 1000 worlds"),
]


def _facts(err: Exception) -> dict[str, object]:
    names = ("where", "problem", "got", "hint", "show_got", "message")
    facts: dict[str, object] = {n: getattr(err, n) for n in names if hasattr(err, n)}
    if isinstance(err, ScenarioErrors):
        facts["errors"] = [(type(e), str(e), _facts(e)) for e in err.errors]
    return facts


@pytest.mark.parametrize(
    "err", ERRORS, ids=["scenario", "scenario-no-got", "expression", "scenario-errors", "simulation"]
)
def test_errors_pickle(err: Exception) -> None:
    """Every error survives pickle with the same type, message, args and attributes."""
    back = pickle.loads(pickle.dumps(err))
    assert type(err) is type(back)
    assert str(err) == str(back)
    assert err.args == back.args
    assert _facts(err) == _facts(back)


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (Location("s.yaml", 3, 1, "drivers.a\nb"), "s.yaml:3:1: drivers.a\\nb: is wrong (got 'x\\ny')"),
        (Location("a\rb.yaml", 3, 1), "a\\rb.yaml:3:1: is wrong (got 'x\\ny')"),
        (Location("s.yaml", 3, 1, "c\u2028d\x85"), "s.yaml:3:1: c\\u2028d\\x85: is wrong (got 'x\\ny')"),
    ],
    ids=["key-path", "path", "unicode-breaks"],
)
def test_a_message_is_one_line_whatever_it_names(where: Location, expected: str) -> None:
    """A key or file name holding a line break (a YAML key can) is shown escaped: one problem, one line."""
    err = ScenarioError(where, "is wrong", got="x\ny")
    assert expected == str(err)
    assert [expected] == str(ScenarioErrors([err])).splitlines()
