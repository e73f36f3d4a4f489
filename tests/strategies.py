"""Hypothesis strategies shared by the tests: valid scenario dicts and expressions.

``scenario_dicts()`` draws small, valid scenario data (what ``Scenario.from_dict``
takes): one to three increasing horizons, a few drivers of several forms, derived
quantities, events with ``rate`` or ``by`` (and ``after``/``requires`` on earlier
events only, so there are no cycles), and scenario rules over the events that end
in ``otherwise``. ``arithmetic`` draws well-typed expression trees as text, a
slow reference function over plain floats, and whether the tree is a condition.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "arithmetic",
    "driver_specs",
    "horizon_dicts",
    "probabilities",
    "scenario_dicts",
]

# -- numbers ------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def _ordered(draw: st.DrawFn, k: int, lo: float = -1e6, hi: float = 1e6) -> list[float]:
    """``k`` strictly increasing floats in [lo, hi], far enough apart to fit."""
    xs = draw(
        st.lists(st.floats(min_value=lo, max_value=hi, allow_nan=False), min_size=k, max_size=k, unique=True).map(
            sorted
        )
    )
    gaps = [b - a for a, b in itertools.pairwise(xs)]
    scale = max(abs(x) for x in xs) or 1.0
    if any(g < 1e-3 * scale for g in gaps):
        # nearly equal bounds make the numerical fits ill-conditioned; spread them
        xs = [lo + (hi - lo) * (i + 1) / (k + 1) for i in range(k)]
    return xs


# -- horizons -------------------------------------------------------------------


@st.composite
def horizon_dicts(draw: st.DrawFn) -> dict[str, dict[str, str]]:
    """One to three horizons, strictly increasing, written as ``Ny``, ``Nmo``, ``Nw`` or ``Nd``."""
    months = sorted(draw(st.sets(st.integers(1, 240), min_size=1, max_size=3)))
    out: dict[str, dict[str, str]] = {}
    for i, m in enumerate(months):
        if m % 12 == 0 and draw(st.booleans()):
            until = f"{m // 12}y"
        else:
            until = f"{m}mo"
        item = {"until": until}
        if draw(st.booleans()):
            item["label"] = f"Horizon {i}"
        out[f"h{i}"] = item
    return out


# -- drivers --------------------------------------------------------------------


def _range(shape: str) -> st.SearchStrategy[dict[str, Any]]:
    if shape == "lognormal":
        bounds = _ordered(2, 1e-3, 1e5)
    elif shape == "beta":
        bounds = _ordered(2, 0.02, 0.98)
    else:
        bounds = _ordered(2)
    base = bounds.map(lambda b: {"range": b, "shape": shape})
    if shape in ("triangular", "pert"):
        # confidence 1: the range is the hard bounds, so no numerical fit is needed
        return _ordered(3).map(lambda b: {"range": [b[0], b[2]], "shape": shape, "mode": b[1], "confidence": 1})
    if shape == "uniform":
        return st.one_of(base, base.map(lambda d: {**d, "confidence": 1}))
    return st.one_of(base, st.tuples(base, st.floats(0.5, 0.99)).map(lambda t: {**t[0], "confidence": round(t[1], 3)}))


@st.composite
def _categorical(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(st.sampled_from(["a", "b", "c", "low", "high"]), min_size=1, max_size=4, unique=True))
    weights = draw(st.lists(st.integers(1, 9), min_size=len(names), max_size=len(names)))
    total = sum(weights)
    return {"categorical": {n: w / total for n, w in zip(names, weights)}}


def driver_specs() -> st.SearchStrategy[dict[str, Any]]:
    """A driver's distribution, one of every form the format allows."""
    return st.one_of(
        *(_range(s) for s in ("normal", "lognormal", "uniform", "beta", "triangular", "pert")),
        st.tuples(finite, positive).map(lambda t: {"normal": {"mean": t[0], "sd": t[1]}}),
        st.tuples(st.floats(-5, 5), st.floats(0.01, 2)).map(lambda t: {"lognormal": {"mu": t[0], "sigma": t[1]}}),
        _ordered(2).map(lambda b: {"uniform": {"min": b[0], "max": b[1]}}),
        _ordered(3).map(lambda b: {"triangular": {"min": b[0], "mode": b[1], "max": b[2]}}),
        _ordered(3).map(lambda b: {"pert": {"min": b[0], "mode": b[1], "max": b[2]}}),
        st.tuples(st.floats(0.1, 50), st.floats(0.1, 50)).map(lambda t: {"beta": {"alpha": t[0], "beta": t[1]}}),
        finite.map(lambda x: {"constant": x}),
        probabilities.map(lambda p: {"probability": p}),
        _categorical(),
    )


# -- whole scenarios ------------------------------------------------------------


@st.composite
def scenario_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A small valid scenario as plain data, ready for ``Scenario.from_dict``."""
    horizons = draw(horizon_dicts())
    hids = list(horizons)

    drivers: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(0, 4))):
        spec = dict(draw(driver_specs()))
        if draw(st.booleans()):
            spec["label"] = f"Driver {i}"
        drivers[f"d{i}"] = spec
    numeric = [n for n, s in drivers.items() if "categorical" not in s]
    categorical = {n: list(s["categorical"]) for n, s in drivers.items() if "categorical" in s}

    derived: dict[str, Any] = {}
    if numeric:
        for i in range(draw(st.integers(0, 2))):
            a, b = draw(st.sampled_from(numeric)), draw(st.sampled_from(numeric + list(derived)))
            op = draw(st.sampled_from(["+", "-", "*", "max"]))
            text = f"max({a}, {b})" if op == "max" else f"{a} {op} {b}"
            derived[f"x{i}"] = {"expr": text, "unit": "u"} if draw(st.booleans()) else text
    if categorical and draw(st.booleans()):
        c = draw(st.sampled_from(sorted(categorical)))
        derived["is_cat"] = f"{c} == {draw(st.sampled_from(categorical[c]))!r}"

    values = numeric + list(derived)
    events: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(1, 3))):
        name = f"e{i}"
        if draw(st.booleans()):
            if values and draw(st.booleans()):
                rate: Any = f"abs({draw(st.sampled_from(values))}) * 0.01"
            else:
                rate = draw(st.one_of(st.floats(0, 5), st.integers(0, 3)))
            event: dict[str, Any] = {"rate": rate}
        else:
            used = draw(st.lists(st.sampled_from(hids), min_size=1, unique=True))
            ps = sorted(draw(st.lists(probabilities, min_size=len(used), max_size=len(used))))
            event = {"by": dict(zip([h for h in hids if h in used], ps))}
        earlier = list(events)
        if earlier and draw(st.booleans()):
            others = draw(st.lists(st.sampled_from(earlier), min_size=1, unique=True))
            event["after"] = {o: draw(st.floats(0, 5)) for o in others}
        if earlier and draw(st.booleans()):
            event["requires"] = draw(st.lists(st.sampled_from(earlier), min_size=1, unique=True))
        if draw(st.booleans()):
            event["label"] = f"Event {i}"
        events[name] = event

    rules: dict[str, Any] = {}
    names = list(events)
    for i in range(draw(st.integers(0, 3))):
        a = draw(st.sampled_from(names))
        b = draw(st.sampled_from(names))
        form = draw(st.sampled_from(["{a}", "{a} and not {b}", "{a} or {b}", "not {a}"]))
        when = form.format(a=a, b=b)
        rules[f"s{i}"] = {"when": when, "label": f"Scenario {i}"} if draw(st.booleans()) else when
    rules["rest"] = "otherwise" if draw(st.booleans()) else {"when": "otherwise", "description": "The rest."}

    data: dict[str, Any] = {
        "outlook": 1,
        "id": draw(st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,10}\Z")),
        "title": "Generated",
        "question": "Does it happen?",
        "as_of": draw(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))),
        "horizons": horizons,
        "drivers": drivers,
        "events": events,
        "scenarios": rules,
    }
    if derived:
        data["derived"] = derived
    if draw(st.booleans()):
        data["description"] = "A generated scenario."
    return data


# -- expressions ----------------------------------------------------------------

#: a tree is (text, reference, is_condition) where reference(env) -> float over plain Python floats
#: and is_condition says whether the compiler should type it as a yes/no value
Tree = tuple[str, Callable[[dict[str, float]], float], bool]

_LEAF_NAMES = ("a", "b", "c")


def _leaf() -> st.SearchStrategy[Tree]:
    numbers = st.one_of(st.integers(0, 9), st.floats(0.25, 8.0).map(lambda x: round(x, 2)))
    return st.one_of(
        numbers.map(lambda v: (repr(v), lambda env, v=v: float(v), False)),
        st.sampled_from(_LEAF_NAMES).map(lambda n: (n, lambda env, n=n: env[n], False)),
        st.sampled_from(["true", "false"]).map(lambda t: (t, lambda env, t=t: float(t == "true"), True)),
    )


def _ref_div(x: float, y: float) -> float:
    if y == 0:
        return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def _cond(t: Tree) -> Tree:
    """``t`` where a condition belongs: a number is tested explicitly (``!= 0``), never by truthiness."""
    if t[2]:
        return t
    return (f"({t[0]} != 0)", lambda env, a=t[1]: float(a(env) != 0), True)


def _combine(children: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    def binop(sym: str, f: Callable[[float, float], float]) -> st.SearchStrategy[Tree]:
        return st.tuples(children, children).map(
            lambda t: (f"({t[0][0]} {sym} {t[1][0]})", lambda env, a=t[0][1], b=t[1][1]: f(a(env), b(env)), False)
        )

    def cmp(sym: str, f: Callable[[float, float], bool]) -> st.SearchStrategy[Tree]:
        return st.tuples(children, children).map(
            lambda t: (
                f"({t[0][0]} {sym} {t[1][0]})",
                lambda env, a=t[0][1], b=t[1][1]: float(f(a(env), b(env))),
                True,
            )
        )

    def logic(word: str, f: Callable[[bool, bool], bool]) -> st.SearchStrategy[Tree]:
        return st.tuples(children.map(_cond), children.map(_cond)).map(
            lambda t: (
                f"({t[0][0]} {word} {t[1][0]})",
                lambda env, a=t[0][1], b=t[1][1]: float(f(bool(a(env)), bool(b(env)))),
                True,
            )
        )

    return st.one_of(
        binop("+", lambda x, y: x + y),
        binop("-", lambda x, y: x - y),
        binop("*", lambda x, y: x * y),
        binop("/", _ref_div),
        cmp("<", lambda x, y: x < y),
        cmp(">=", lambda x, y: x >= y),
        cmp("==", lambda x, y: x == y),
        children.map(lambda t: (f"(-{t[0]})", lambda env, a=t[1]: -a(env), False)),
        children.map(_cond).map(lambda t: (f"(not {t[0]})", lambda env, a=t[1]: float(not a(env)), True)),
        logic("and", lambda x, y: x and y),
        logic("or", lambda x, y: x or y),
        st.tuples(children, children.map(_cond), children).map(
            lambda t: (
                f"({t[0][0]} if {t[1][0]} else {t[2][0]})",
                lambda env, a=t[0][1], c=t[1][1], b=t[2][1]: a(env) if c(env) else b(env),
                t[0][2] and t[2][2],
            )
        ),
        st.tuples(children.map(_cond), children, children).map(
            lambda t: (
                f"where({t[0][0]}, {t[1][0]}, {t[2][0]})",
                lambda env, c=t[0][1], a=t[1][1], b=t[2][1]: a(env) if c(env) else b(env),
                t[1][2] and t[2][2],
            )
        ),
        st.tuples(children, children).map(
            lambda t: (
                f"min({t[0][0]}, {t[1][0]})",
                lambda env, a=t[0][1], b=t[1][1]: _ref_min(a(env), b(env)),
                False,
            )
        ),
        st.tuples(children, children).map(
            lambda t: (
                f"max({t[0][0]}, {t[1][0]})",
                lambda env, a=t[0][1], b=t[1][1]: _ref_max(a(env), b(env)),
                False,
            )
        ),
        children.map(lambda t: (f"abs({t[0]})", lambda env, a=t[1]: abs(a(env)), False)),
    )


def _ref_min(x: float, y: float) -> float:
    return math.nan if math.isnan(x) or math.isnan(y) else min(x, y)


def _ref_max(x: float, y: float) -> float:
    return math.nan if math.isnan(x) or math.isnan(y) else max(x, y)


#: typed expression trees over the names a, b, c: (text, slow reference over floats, is a condition)
arithmetic: st.SearchStrategy[Tree] = st.recursive(_leaf(), _combine, max_leaves=12)
