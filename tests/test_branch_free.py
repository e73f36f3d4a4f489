"""The branch-free fast paths give exactly what the plain numpy they replace gives.

Scenario labels by arithmetic instead of a masked copy, conditions read as
booleans instead of through 0.0/1.0, and ``np.where`` by bit selection in the
event times: each against a slow, obvious reference.
"""

from __future__ import annotations

import numpy as np
import pytest

import outlook
from outlook import Location, SimulationError
from outlook.model import hazards, worlds
from outlook.model.worlds import draw_worlds, horizon_column, label_worlds, rule_scope
from outlook.scenario.expressions import compile_expression

W = Location("s.yaml", 3, 10, "scenarios.x.when")
KINDS: dict[str, tuple[str, ...] | str | None] = {"x": None, "y": None, "ok": "yes/no", "region": ("n", "s")}

CONDITIONS = [
    "x > 0",
    "0 < x < 1",
    "not ok",
    "ok and x > 0",
    "ok or y < -1",
    "not (x > 0 or y < 1)",
    "not (0 < x < 1) and ok",
    "x > 0 and log(x) > -1",  # undecided where x <= 0, decided by the guard
    "x <= 0 or sqrt(x) < 0.5",
    "(x > 0) == ok",
    "where(ok, x > 0, y > 0)",
    "region == 's' and not ok",
    "true and x > 0",
    "not false",
    "ok if x > 0 else not ok",
]


def environment(n: int = 5000) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        "x": rng.normal(0, 1, n),
        "y": rng.normal(0, 2, n),
        "ok": (rng.random(n) < 0.4).astype(float),
        "region": (rng.random(n) < 0.5).astype(float),
    }


@pytest.mark.parametrize("text", CONDITIONS)
def test_holds_is_evaluate_equal_to_one(text: str) -> None:
    """``holds`` (booleans all the way) is ``evaluate(...) == 1``, world by world, with or without ``needed``."""
    e = compile_expression(text, where=W, names=KINDS)
    env = environment()
    n = env["x"].size
    want = e.evaluate(env, n) == 1
    got = e.holds(env, n)
    assert got.dtype == bool
    assert got.shape == (n,)
    assert np.array_equal(got, want)
    needed = env["y"] > 0
    assert np.array_equal(e.holds(env, n, needed=needed), e.evaluate(env, n, needed=needed) == 1)


@pytest.mark.parametrize("text", ["log(x) > -1", "ok and sqrt(x) < 0.5", "not (log(x) > 0)", "y > 0 or log(x) > 0"])
def test_holds_refuses_what_evaluate_refuses(text: str) -> None:
    """An undecided world that is needed stops both, with the same located message."""
    e = compile_expression(text, where=W, names=KINDS)
    env = environment()
    n = env["x"].size
    with pytest.raises(SimulationError) as a:
        e.evaluate(env, n)
    with pytest.raises(SimulationError) as b:
        e.holds(env, n)
    assert str(a.value) == str(b.value)
    assert str(a.value).startswith("s.yaml:3:")


@pytest.mark.parametrize("text", ["(x > 0) + (y > 0)", "-(x > 0)", "(ok and x > 0) * 3", "(not ok) - 1"])
def test_a_condition_in_arithmetic_is_still_a_number(text: str) -> None:
    """A condition read as a number is 0.0 or 1.0: (x > 0) + (y > 0) counts to 2, never logical or."""
    env = environment()
    n = env["x"].size
    x, y, ok = env["x"] > 0, env["y"] > 0, env["ok"] == 1
    want = {
        "(x > 0) + (y > 0)": x.astype(float) + y,
        "-(x > 0)": -x.astype(float),
        "(ok and x > 0) * 3": 3.0 * (ok & x),
        "(not ok) - 1": (~ok).astype(float) - 1,
    }[text]
    got = compile_expression(text, where=W, names=KINDS).evaluate(env, n)
    assert got.dtype == np.float64
    assert np.array_equal(got, want)


def reference_labels(model: outlook.Model, values: dict, times: dict, n: int) -> np.ndarray:
    """The first rule whose condition evaluates to 1, world by world (np.select over evaluate)."""
    s = model.scenario
    timed = frozenset().union(*(r.when.times_read for r in s.rules if r.when is not None))
    out = np.empty((model.horizon_ends.size, n), dtype=np.intp)
    for hi, end in enumerate(model.horizon_ends):
        at = {k: horizon_column(k, s.horizons[hi].id) for k in model.per_horizon}
        scope = rule_scope(values, times, float(end), timed, at=at)
        conds = [r.when.evaluate(scope, n) == 1 for r in s.rules if r.when is not None]
        out[hi] = np.select(conds, np.arange(len(conds)), default=len(s.rules) - 1)
    return out


@pytest.mark.parametrize("name", ["nk-troops-russia", "outbreak-vaccine-race"])
@pytest.mark.parametrize("small", [True, False], ids=["byte offsets", "int offsets"])
def test_labels_are_the_first_rule_that_holds(name: str, small: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """label_worlds, either width of its offsets, is the reference's first-rule choice in every world."""
    if not small:
        monkeypatch.setattr(worlds, "_SMALL_LABELS", 0)
    model = outlook.compile_model(outlook.load_scenario(name))
    n = 20_000
    block = draw_worlds(model, 4, 0, n, total=n)
    got = label_worlds(model, block.values, block.times, n)
    assert got.dtype == np.intp
    want = reference_labels(model, block.values, block.times, n)
    assert np.array_equal(got, want)
    assert np.array_equal(block.labels, want)
    assert np.unique(want).size > 2  # the case exercises several rules


def test_select_is_numpy_s_where_bit_for_bit() -> None:
    """_select returns np.where's exact bits: NaN, infinities, signed zeros, scalars and broadcast rows."""
    rng = np.random.default_rng(3)
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, 1.7976931348623157e308, 1.0])
    a = rng.choice(special, (3, 1000))
    b = rng.normal(size=1000)
    mask = rng.random((3, 1000)) < 0.5
    for x, y in [(a, b), (b, a), (2.5, a), (a, 0.0), (b, -0.0), (1.0, 0.0)]:
        got = hazards._select(mask, x, y)
        want = np.where(mask, x, y)
        assert got.dtype == np.float64
        assert np.array_equal(got.view(np.int64), np.broadcast_to(want, mask.shape).view(np.int64))


def test_event_times_with_a_modifier_before_zero_sort_the_start_too() -> None:
    """A switch before 0 given to the unchecked inner function keeps 0 in the sort, as np.sort of all breakpoints."""
    from test_event_times_identity import random_case, reference_event_times

    rng = np.random.default_rng(11)
    exp, ends, rates, mods = random_case(rng, 2000)
    early = rng.uniform(-2.0, 0.0, 2000)
    early[::3] = 1.0
    mods = [*mods, (early, 1.0, 1.7), (rng.exponential(2.0, 2000), 0.0, 1.0)]
    got = hazards._event_times(exp, ends, rates, mods)
    assert np.array_equal(got, reference_event_times(exp, ends, rates, mods), equal_nan=True)


@pytest.mark.parametrize("seed", range(4))
def test_event_times_in_pieces_are_the_reference_s(seed: int) -> None:
    """More worlds than a cache-sized piece (outlook._pieces): the same times, bit for bit."""
    from test_event_times_identity import random_case, reference_event_times

    rng = np.random.default_rng(100 + seed)
    args = random_case(rng, 40_000)
    assert np.array_equal(hazards.event_times(*args), reference_event_times(*args), equal_nan=True)


def test_event_times_of_no_worlds_are_empty() -> None:
    """Zero worlds, whatever the pieces (found by a fresh reviewer: the breakpoint check reduced an empty array)."""
    none = np.empty(0)
    mods = [(none, 1.0, 2.0), (none, 0.0, 1.0)]
    assert hazards.event_times(none, np.array([1.0]), np.empty((0, 2)), mods).shape == (0,)
    assert hazards.event_times(none, none, np.empty((0, 1)), []).shape == (0,)


@pytest.mark.parametrize(
    ("rates", "mods", "what"),
    [
        ([[-1.0, 1.0]], [], "a rate is negative"),
        ([[np.nan, 1.0]], [], "a rate is negative or not a number"),
        ([[1.0, 1.0]], [(np.array([0.5]), 1.0, -2.0)], "modifier 0's factor"),
        ([[1.0, 1.0]], [(np.array([0.5]), 1.0, np.array([np.nan]))], "modifier 0's factor"),
        ([[1.0, 1.0]], [(np.array([np.nan]), 1.0, 2.0)], "modifier 0's time is negative or not a number"),
        ([[1.0, 1.0]], [(np.array([-0.5]), 1.0, 2.0)], r"modifier 0's time is negative .*got -0.5"),
    ],
)
def test_event_times_refuse_what_is_not_a_hazard(rates: list, mods: list, what: str) -> None:
    """Called directly, a negative or NaN rate, factor or switch time is refused in one line, never inverted."""
    with pytest.raises(ValueError, match=what) as info:
        hazards.event_times(np.array([0.5]), np.array([1.0]), np.array(rates), mods)
    assert str(info.value).startswith("event_times: ")


@pytest.mark.parametrize("ends", [[0.0], [-1.0, 1.0], [2.0, 1.0], [1.0, 1.0], [np.nan]])
def test_event_times_refuse_segment_ends_out_of_order(ends: list[float]) -> None:
    """Segment ends must increase from above 0: the hazard's segments start at 0, the forecast's start."""
    k = len(ends) + 1
    with pytest.raises(ValueError, match="ends must be increasing and above 0"):
        hazards.event_times(np.array([0.5]), np.array(ends), np.ones((1, k)), [])


@pytest.mark.parametrize("text", ["x", "log(x)", "where(ok, x, 1)", "x * ok", "ok"])
def test_holds_of_a_number_is_equal_to_one(text: str) -> None:
    """A number read by holds is 'equal to 1', as evaluate(...) == 1, not 'not zero' (a fresh reviewer's find)."""
    e = compile_expression(text, where=W, names=KINDS)
    env = {"x": np.array([0.0, 0.5, 1.0, 2.0, -1.0, np.nan]), "ok": np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0])}
    env["y"], env["region"] = env["x"], env["ok"]
    with np.errstate(invalid="ignore", divide="ignore"):
        want = e.evaluate(env, 6) == 1
    assert np.array_equal(e.holds(env, 6), want)


def test_an_undecided_comparison_of_one_number_counts_every_world() -> None:
    """A comparison that reads no per-world value (only t, say) is undecided in all n worlds, not '20,000 of 1'."""
    e = compile_expression("log(x) > 0", where=W, names=KINDS)
    for needed in (None, np.ones(7, dtype=bool)):
        with pytest.raises(SimulationError, match=r"not a number in 7 of 7 worlds"):
            e.evaluate({"x": -1.0}, 7, needed=needed)
        with pytest.raises(SimulationError, match=r"not a number in 7 of 7 worlds"):
            e.holds({"x": -1.0}, 7, needed=needed)
