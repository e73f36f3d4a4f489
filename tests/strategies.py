"""Hypothesis strategies shared by the tests: valid scenario dicts and expressions.

``scenario_dicts()`` draws small, valid scenario data (what ``Scenario.from_dict``
takes): one to three increasing horizons, a few drivers of several forms, derived
quantities, events with ``rate`` or ``by`` (and ``after``/``requires`` on earlier
events only, so there are no cycles), and scenario rules over the events that end
in ``otherwise``; half of them are format 1.1, with ``time()``, ``happened(e, by=...)``
and a derived quantity of ``t`` that a rule may read. ``arithmetic`` draws well-typed expression trees as text, a
slow reference function over plain floats, and whether the tree is a condition.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

__all__ = [
    "VALID_YAML",
    "arithmetic",
    "driver_specs",
    "horizon_dicts",
    "probabilities",
    "scenario_dicts",
    "yamlish_bytes",
    "yamlish_texts",
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
    scale = max(max(abs(x) for x in xs), 1.0)  # [0, 5e-324] is no range: its sd is 0 (subnormal widths too)
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

#: text that YAML 1.1 or 1.2 would read as something else if it were written unquoted
_ODD_TEXT = [
    "no",
    "off",
    "Y",
    "2e4",
    "1:30",
    "0x1F",
    "0o17",
    ".5",
    "+1",
    "~",
    "null",
    "true",
    "=",
    "a\x85b",
    "a\u2028b",
]


@st.composite
def scenario_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """A small valid scenario as plain data, ready for ``Scenario.from_dict``."""
    horizons = draw(horizon_dicts())
    hids = list(horizons)

    drivers: dict[str, dict[str, Any]] = {}
    for i in range(draw(st.integers(0, 4))):
        spec = dict(draw(driver_specs()))
        if draw(st.booleans()):
            spec["label"] = draw(st.sampled_from([f"Driver {i}", *_ODD_TEXT]))
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
            event["label"] = draw(st.sampled_from([f"Event {i}", *_ODD_TEXT]))
        events[name] = event

    rules: dict[str, Any] = {}
    names = list(events)
    forms = ["{a}", "{a} and not {b}", "{a} or {b}", "not {a}"]
    timed = draw(st.booleans())  # format 1.1: event times in rules, and a derived quantity of t
    if timed:
        forms += ["time({a}) < time({b})", "happened({a}, by={h}) and not happened({b}, by='6mo')", "{a} and xt > 1"]
        derived["xt"] = f"{draw(st.sampled_from(numeric))} * t" if numeric else "t * 2"
    for i in range(draw(st.integers(0, 3))):
        a = draw(st.sampled_from(names))
        b = draw(st.sampled_from(names))
        form = draw(st.sampled_from(forms))
        when = form.format(a=a, b=b, h=draw(st.sampled_from(hids)))
        rules[f"s{i}"] = {"when": when, "label": f"Scenario {i}"} if draw(st.booleans()) else when
    rules["rest"] = "otherwise" if draw(st.booleans()) else {"when": "otherwise", "description": "The rest."}

    data: dict[str, Any] = {
        "outlook": 1.1 if timed else 1,
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


# -- near-valid scenario files ------------------------------------------------------

#: a small valid scenario file that uses every section and most of the syntax
VALID_YAML = """\
outlook: 1
id: fuzz
title: "Fuzz: a \\"small\\" scenario"
question: >-
  Does it happen
  within two years?
as_of: 2024-11-01
description: |
  Two lines
  of text.
sources:
  ap: {title: A source, date: 2024-11-01, url: "https://example.org/a"}
horizons:
  short: {label: "0–12 months", until: 1y}
  long: {label: 1–2 years, until: 24mo}
drivers:
  troops: {range: [8000, 12000], shape: normal, unit: soldiers, source: {ref: ap, quote: 'about ten thousand'}}
  rate: {range: [0.1, 0.4], shape: lognormal}
  share: {pert: {min: 0, mode: 0.2, max: 1}}
  ok: {probability: 0.7}
  k: 12
  region: {categorical: {north: 0.5, south: 0.5}}
correlations:
  - [troops, rate, 0.3]
derived:
  per: troops / k
  high: {expr: rate > 0.2 and ok, label: High}
  boost: where(region == 'north', 1.5, 1)
events:
  first: {rate: rate * boost}
  second: {by: {short: 0.2, long: 0.5}, after: {first: 2}}
  third: {rate: 0.1, requires: [first]}
scenarios:
  both: first and second
  one: {when: first or high, label: One}
  rest: otherwise
"""

_TOKEN = re.compile(r"\n|[ \t]+|[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9.]*|.", re.DOTALL)
_BASE_TOKENS = _TOKEN.findall(VALID_YAML)

#: tokens that YAML, the schema or the expression compiler treat specially
_ODD = [
    # tags, anchors, aliases, merge keys, directives
    "!!bool ",
    "!!int ",
    "!!float ",
    "!!str ",
    "!!null ",
    "!!map ",
    "!!seq ",
    "!!timestamp ",
    "!!binary ",
    "!!set ",
    "!!omap ",
    "!!python/name:os.system ",
    "!!python/object/apply:os.system ",
    "!local ",
    "! ",
    "&a ",
    "*a",
    "&b [1, *b]",
    "*nope",
    "<<: *a",
    "%YAML 1.1\n---\n",
    "---\n",
    "...\n",
    # scalars YAML 1.1 and 1.2 read differently, and odd numbers
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "NO",
    "TRUE",
    "False",
    "null",
    "~",
    "Null",
    "1:30",
    "2e4",
    "5e-3",
    ".5",
    "+1",
    "0o17",
    "0x1F",
    "1_000",
    ".nan",
    ".inf",
    "-.Inf",
    "1e400",
    "9" * 400,
    "9" * 5000,
    "-0",
    "2024-02-30",
    "0000-01-01",
    "99999-01-01",
    "9000y",
    "1e308y",
    "0d",
    "=",
    '""',
    "''",
    # escapes and characters YAML refuses or that reach a terminal
    '"\\ud800"',
    '"\\udfff x"',
    '"a\\nb"',
    '"\\u2028"',
    '"\\r"',
    '"\\L"',
    '"\\N"',
    '"\\x1b]0;t\\x07"',
    '"\\0"',
    '"\\u202e"',
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",
    "\u2028",
    "\ufeff",
    "\t",
    "\r",
    "\r\n",
    "\u202e",
    "é",
    "😀",
    # structure
    "[",
    "]",
    "{",
    "}",
    "- ",
    ": ",
    ",",
    "? ",
    "|",
    ">",
    '"',
    "'",
    "#",
    "\n  ",
    "\n- ",
    "[" * 80,
    "{a: " * 40,
    # expressions
    " and ",
    " or ",
    "not ",
    " + ",
    " * ",
    " > ",
    " == ",
    "where(",
    ")",
    "region",
    "'north'",
    "x.y",
    "__import__('os')",
    "lambda: 1",
    "10**10**10",
    "1 / 0",
    "otherwise",
]


@st.composite
def yamlish_texts(draw: st.DrawFn) -> str:
    """``VALID_YAML`` with a few of its tokens replaced, dropped, doubled or followed by odd ones."""
    tokens = list(_BASE_TOKENS)
    odd = st.one_of(st.sampled_from(_ODD), st.sampled_from(_BASE_TOKENS), st.text(max_size=4))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "double", "swap-lines"]))
        i = draw(st.integers(0, len(tokens) - 1)) if tokens else 0
        if not tokens or op == "insert":
            tokens.insert(i, draw(odd))
        elif op == "replace":
            tokens[i] = draw(odd)
        elif op == "delete":
            del tokens[i]
        elif op == "double":
            tokens.insert(i, tokens[i])
        else:
            lines = "".join(tokens).split("\n")
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            tokens = _TOKEN.findall("\n".join(lines))
    return "".join(tokens)


def yamlish_bytes() -> st.SearchStrategy[bytes]:
    """Bytes for a scenario file: near-valid text in UTF-8 (sometimes cut or with a BOM), or random bytes."""
    return st.one_of(
        yamlish_texts().map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.tuples(yamlish_texts(), st.integers(0, 2000)).map(lambda t: t[0].encode("utf-8", "surrogatepass")[: t[1]]),
        yamlish_texts().map(lambda t: "\ufeff".encode() + t.encode("utf-8", "surrogatepass")),
        st.binary(max_size=300),
    )
