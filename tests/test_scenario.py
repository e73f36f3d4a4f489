"""Scenario files: located error messages, safe loading, round trips, the bundled file."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import scenario_dicts

from outlook import Scenario, ScenarioError, ScenarioErrors, load_scenario
from outlook.testing import HEADER

#: the tiny scenarios' five-line header, so every body below starts on line 6
HEAD = HEADER

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "scenarios" / "nk-troops-russia.yaml"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def errors(body: str, head: str = HEAD) -> list[str]:
    """The lines of the ScenarioErrors that loading ``head + body`` as s.yaml raises."""
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(head + body, path="s.yaml")
    return str(info.value).splitlines()


# --------------------------------------------------------------------------
# exact messages: file:line:col: key.path: what is wrong (got X). Hint

CASES: list[tuple[str, str, list[str]]] = [
    (
        "yaml-syntax",
        """\
horizons: {soon: {until: 1y}
drivers: {}
""",
        ["s.yaml:7:1: YAML syntax error: expected ',' or '}', but got '<scalar>'"],
    ),
    (
        "yaml-tab-indent",
        """\
horizons:
\tsoon: {until: 1y}
""",
        ["s.yaml:7:1: YAML does not allow tabs for indentation; use spaces"],
    ),
    (
        "yaml-tab-after-spaces",
        """\
horizons:
  soon: {until: 1y}
  \tlater: {until: 2y}
""",
        ["s.yaml:8:3: YAML does not allow tabs for indentation; use spaces"],
    ),
    (
        "unknown-top-level-key",
        """\
horizons:
  soon: {until: 1y}
drivers: {}
scenarios:
  rest: otherwise
titel: x
""",
        ["s.yaml:11:1: titel: unknown key 'titel'. Did you mean 'title'?"],
    ),
    (
        "unknown-driver-key",
        """\
horizons:
  soon: {until: 1y}
drivers:
  troops:
    range: [8000, 12000]
    shape: normal
    lable: Troops
scenarios:
  rest: otherwise
""",
        ["s.yaml:12:5: drivers.troops.lable: unknown key 'lable'. Did you mean 'label'?"],
    ),
    (
        "misspelt-distribution-form",
        """\
horizons:
  soon: {until: 1y}
drivers:
  troops:
    rnage: [8000, 12000]
    shape: normal
scenarios:
  rest: otherwise
""",
        ["s.yaml:10:5: drivers.troops.rnage: unknown key 'rnage'. Did you mean 'range'?"],
    ),
    (
        "unknown-horizon-key",
        """\
horizons:
  soon: {untill: 1y}
drivers: {}
scenarios:
  rest: otherwise
""",
        [
            "s.yaml:7:9: horizons.soon: missing required key 'until'",
            "s.yaml:7:10: horizons.soon.untill: unknown key 'untill'. Did you mean 'until'?",
        ],
    ),
    (
        "missing-required-keys",
        """\
horizons:
  soon: {label: Soon}
drivers: {}
""",
        [
            "s.yaml:1:1: missing required key 'scenarios'",
            "s.yaml:7:9: horizons.soon: missing required key 'until'",
        ],
    ),
    (
        "wrong-types",
        """\
description: [a, b]
horizons:
  soon: {until: 1y}
drivers:
  p: {probability: high}
  n: {normal: {mean: 0, sd: one}}
  s: {range: 5, shape: normal}
scenarios:
  rest: otherwise
""",
        [
            "s.yaml:6:14: description: expected text (got ['a', 'b'])",
            "s.yaml:10:20: drivers.p.probability: expected a number (got 'high')",
            "s.yaml:11:29: drivers.n.normal.sd: expected a number (got 'one')",
            "s.yaml:12:14: drivers.s.range: expected [low, high] (got 5)",
        ],
    ),
    (
        "range-low-above-high",
        """\
horizons:
  soon: {until: 1y}
drivers:
  troops: {range: [12000, 8000], shape: normal}
scenarios:
  rest: otherwise
""",
        ["s.yaml:9:19: drivers.troops.range: low 12000 > high 8000 (got [12000, 8000]). Did you mean [8000, 12000]?"],
    ),
    (
        "lognormal-and-beta-ranges",
        """\
horizons:
  soon: {until: 1y}
drivers:
  rate: {range: [0, 5], shape: lognormal}
  share: {range: [0.2, 1.5], shape: beta}
scenarios:
  rest: otherwise
""",
        [
            "s.yaml:9:17: drivers.rate.range: a lognormal range must be positive (got [0, 5])",
            "s.yaml:10:18: drivers.share.range: a beta range must lie inside (0, 1) (got [0.2, 1.5])",
        ],
    ),
    (
        "probabilities-outside-0-1",
        """\
horizons:
  soon: {until: 1y}
drivers:
  p: {probability: 1.5}
  c: {categorical: {a: 1.2, b: -0.2}}
events:
  e: {by: {soon: 1.01}}
scenarios:
  rest: otherwise
""",
        [
            "s.yaml:9:20: drivers.p.probability: probability must lie in [0, 1] (got 1.5)",
            "s.yaml:10:24: drivers.c.categorical.a: probability must lie in [0, 1] (got 1.2)",
            "s.yaml:10:32: drivers.c.categorical.b: probability must lie in [0, 1] (got -0.2)",
            "s.yaml:12:18: events.e.by.soon: probability must lie in [0, 1] (got 1.01)",
        ],
    ),
    (
        "categorical-not-summing-to-1",
        """\
horizons:
  soon: {until: 1y}
drivers:
  c: {categorical: {a: 0.5, b: 0.4}}
scenarios:
  rest: otherwise
""",
        ["s.yaml:9:20: drivers.c.categorical: category probabilities must sum to 1 (got 0.9)"],
    ),
    (
        "cumulative-by-falls",
        """\
horizons:
  soon: {until: 1y}
  later: {until: 5y}
drivers: {}
events:
  e:
    by:
      soon: 0.5
      later: 0.3
scenarios:
  rest: otherwise
""",
        [
            "s.yaml:14:14: events.e.by.later: cumulative probability falls from 0.5 by soon to 0.3 by later; "
            "it cannot decrease over time"
        ],
    ),
    (
        "unknown-name-in-derived",
        """\
horizons:
  soon: {until: 1y}
drivers:
  troops: {constant: 10}
derived:
  double: 2 * troop
scenarios:
  rest: otherwise
""",
        ["s.yaml:11:15: derived.double: unknown name 'troop'. Did you mean 'troops'?"],
    ),
    (
        "unknown-name-in-quoted-rule",
        """\
horizons:
  soon: {until: 1y}
drivers: {}
events:
  ceasefire: {rate: 0.2}
scenarios:
  calm:
    when: "ceasfire and true"
  rest: otherwise
""",
        ["s.yaml:13:12: scenarios.calm.when: unknown name 'ceasfire'. Did you mean 'ceasefire'?"],
    ),
    (
        "unknown-name-in-block-scalar",
        """\
horizons:
  soon: {until: 1y}
drivers:
  troops: {constant: 10}
derived:
  double: >-
    2 * troop
scenarios:
  rest: otherwise
""",
        ["s.yaml:12:9: derived.double: unknown name 'troop'. Did you mean 'troops'?"],
    ),
    (
        "cycle-among-derived",
        """\
horizons:
  soon: {until: 1y}
drivers: {}
derived:
  x: y + 1
  y: x * 2
scenarios:
  rest: otherwise
""",
        ["s.yaml:10:6: derived.x: derived quantities refer to each other in a cycle: x -> y -> x"],
    ),
    (
        "cycle-among-events",
        """\
horizons:
  soon: {until: 1y}
drivers: {}
events:
  a: {rate: 1, after: {b: 2}}
  b: {rate: 1, requires: [c]}
  c: {rate: 1, requires: [a]}
scenarios:
  rest: otherwise
""",
        ["s.yaml:10:6: events.a: events depend on each other through after/requires in a cycle: a -> b -> c -> a"],
    ),
    (
        "name-used-twice",
        """\
horizons:
  soon: {until: 1y}
drivers:
  x: {constant: 1}
derived:
  x: 2
events:
  x: {rate: 1}
scenarios:
  rest: otherwise
""",
        [
            "s.yaml:11:3: derived.x: name 'x' is already used by drivers.x",
            "s.yaml:13:3: events.x: name 'x' is already used by drivers.x",
        ],
    ),
    (
        "duplicate-yaml-key",
        """\
horizons:
  soon: {until: 1y}
drivers:
  x: {constant: 1}
  x: {constant: 2}
scenarios:
  rest: otherwise
""",
        ["s.yaml:10:3: drivers.x: duplicate key 'x' (first at line 9, column 3)"],
    ),
    (
        "horizons-out-of-order",
        """\
horizons:
  later: {until: 2y}
  soon: {until: 18mo}
  same: {until: 24mo}
drivers: {}
scenarios:
  rest: otherwise
""",
        [
            "s.yaml:8:17: horizons.soon.until: horizons must be in increasing order: 18mo is not after later (2y)",
            "s.yaml:9:17: horizons.same.until: horizons must be in increasing order: 24mo is not after later (2y)",
        ],
    ),
    (
        "invalid-correlation-matrix",
        """\
horizons:
  soon: {until: 1y}
drivers:
  a: {normal: {mean: 0, sd: 1}}
  b: {normal: {mean: 0, sd: 1}}
  c: {normal: {mean: 0, sd: 1}}
correlations:
  - [a, b, 0.5]
  - [a, c, 0.5]
  - [b, c, -0.9]
scenarios:
  rest: otherwise
""",
        [
            "s.yaml:13:5: correlations[0]: these rank correlations cannot hold together (the correlation matrix "
            "of a, b and c is not positive definite): [a, b, 0.5], [a, c, 0.5], [b, c, -0.9]; change them, or set "
            "correlation_repair: nearest"
        ],
    ),
    (
        "bad-durations",
        """\
horizons:
  a: {until: 1 fortnight}
  b: {until: 0d}
  c: {until: 5}
drivers: {}
scenarios:
  rest: otherwise
""",
        [
            "s.yaml:7:14: horizons.a.until: expected a duration such as 1y, 6mo, 2w or 90d (got '1 fortnight')",
            "s.yaml:8:14: horizons.b.until: a duration must be positive (got '0d')",
            "s.yaml:9:14: horizons.c.until: expected a duration such as 1y, 6mo, 2w or 90d (got 5)",
        ],
    ),
    (
        "otherwise-not-last",
        """\
horizons:
  soon: {until: 1y}
drivers: {}
events:
  e: {rate: 1}
scenarios:
  rest: otherwise
  hit: e
""",
        [
            "s.yaml:12:9: scenarios.rest: 'otherwise' must be the last scenario; 'hit' after it would never be reached",
            "s.yaml:13:8: scenarios.hit: the last scenario must be 'otherwise', so that every world falls in some scenario",
        ],
    ),
    (
        "otherwise-missing",
        """\
horizons:
  soon: {until: 1y}
drivers: {}
events:
  e: {rate: 1}
scenarios:
  hit: {when: e, label: Hit}
""",
        [
            "s.yaml:12:8: scenarios.hit: the last scenario must be 'otherwise', so that every world falls in some scenario",
        ],
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_message_is_exact(body: str, expected: list[str]) -> None:
    """Each problem is one line: file:line:col: key.path: what is wrong (got X). Hint."""
    assert expected == errors(body)


def test_correlation_repair_nearest_accepts_an_invalid_matrix() -> None:
    """correlation_repair: nearest turns the invalid-matrix error into an accepted scenario."""
    body = {c[0]: c[1] for c in CASES}["invalid-correlation-matrix"]
    s = Scenario.from_yaml(HEAD + body + "correlation_repair: nearest\n", path="s.yaml")
    assert "nearest" == s.correlation_repair
    assert [("a", "b", 0.5), ("a", "c", 0.5), ("b", "c", -0.9)] == [(c.a, c.b, c.rho) for c in s.correlations]


def test_every_problem_in_a_file_is_reported_together(tmp_path: Path) -> None:
    """A file with several independent problems reports all of them, one line each, in file order."""
    p = tmp_path / "many.yaml"
    p.write_text(
        HEAD
        + """\
horizons:
  later: {until: 2y}
  soon: {until: 1y}
drivers:
  troops: {range: [12000, 8000], shape: normal}
  share: {range: [0.2, 1.5], shape: beta}
  p: {probability: 2}
derived:
  d: troop * 2
events:
  e: {rate: 1, colour: red}
scenarios:
  rest: otherwise
  hit: e
""",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioErrors) as info:
        load_scenario(p)
    lines = str(info.value).splitlines()
    assert [
        f"{p}:8:17: horizons.soon.until: horizons must be in increasing order: 1y is not after later (2y)",
        f"{p}:10:19: drivers.troops.range: low 12000 > high 8000 (got [12000, 8000]). Did you mean [8000, 12000]?",
        f"{p}:11:18: drivers.share.range: a beta range must lie inside (0, 1) (got [0.2, 1.5])",
        f"{p}:12:20: drivers.p.probability: probability must lie in [0, 1] (got 2)",
        f"{p}:14:6: derived.d: unknown name 'troop'. Did you mean 'troops'?",
        f"{p}:16:16: events.e.colour: unknown key 'colour'",
        f"{p}:18:9: scenarios.rest: 'otherwise' must be the last scenario; 'hit' after it would never be reached",
        f"{p}:19:8: scenarios.hit: the last scenario must be 'otherwise', so that every world falls in some scenario",
    ] == lines
    assert 8 == len(info.value.errors)
    assert all(isinstance(e, ScenarioError) for e in info.value.errors)


def test_every_line_has_the_located_shape() -> None:
    """Every reported line starts with path:line:col: and stays on one line."""
    lines = [line for _, body, _ in CASES for line in errors(body)]
    shape = re.compile(r"^s\.yaml:\d+:\d+: \S")
    assert [] == [line for line in lines if not shape.match(line)]


def test_from_dict_errors_name_the_key_path() -> None:
    """Plain data has no lines; the error names the source and the key path."""
    data = Scenario.from_yaml(
        HEAD + "horizons: {soon: {until: 1y}}\ndrivers: {}\nscenarios: {rest: otherwise}\n"
    ).to_dict()
    data["drivers"] = {"x": {"normal": {"mean": 0, "sd": -1}}}
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_dict(data)
    assert "<dict>: drivers.x.normal: sd must be positive (got -1)" == str(info.value)


def test_missing_file_is_a_located_error(tmp_path: Path) -> None:
    """A path that does not exist is a ScenarioError naming it, not an OSError."""
    p = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert f"{p}: no such file" == str(info.value)


# --------------------------------------------------------------------------
# loading never runs code


MINIMAL = """\
horizons:
  soon: {until: 1y}
scenarios:
  rest: otherwise
"""


@pytest.mark.parametrize(
    ("drivers", "expected"),
    [
        (
            'drivers: {x: !!python/object/apply:os.system ["touch {canary}"]}\n',
            "s.yaml:10:14: drivers.x: YAML tag '!!python/object/apply:os.system' is not allowed; "
            "a scenario file holds plain data only",
        ),
        (
            "drivers: {x: {constant: !!python/name:os.system }}\n",
            "s.yaml:10:25: drivers.x.constant: YAML tag '!!python/name:os.system' is not allowed; "
            "a scenario file holds plain data only",
        ),
        (
            "drivers: {x: !!python/object/new:os.system {args: ['touch {canary}']}}\n",
            "s.yaml:10:14: drivers.x: YAML tag '!!python/object/new:os.system' is not allowed; "
            "a scenario file holds plain data only",
        ),
    ],
    ids=["object-apply", "name", "object-new"],
)
def test_python_tags_are_refused_and_never_run(tmp_path: Path, drivers: str, expected: str) -> None:
    """A !!python/... tag is refused with a located error, and the command it names never runs."""
    canary = tmp_path / "pwned"
    body = MINIMAL + drivers.replace("{canary}", str(canary))
    assert [expected] == errors(body)
    assert not canary.exists()


def test_alias_bomb_is_refused() -> None:
    """A billion-laughs alias bomb is refused (without expanding it) rather than eating memory."""
    bomb = 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for i in range(1, 10):
        refs = ", ".join([f"*l{i - 1}"] * 9)
        bomb += f"l{i}: &l{i} [{refs}]\n"
    start = time.perf_counter()
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(HEAD + bomb + MINIMAL, path="s.yaml")
    elapsed = time.perf_counter() - start
    assert 1 == len(info.value.errors)
    assert str(info.value).endswith("file has more than 200000 values (an alias bomb?)")
    assert elapsed < 60  # loose: 9**9 values would take far longer


def test_alias_that_contains_itself_is_refused() -> None:
    """A recursive alias is a located error at the alias that recurses (`*d`), not a RecursionError."""
    assert [
        "s.yaml:6:17: values are nested too deeply (more than 64 levels; an alias that contains itself?)"
    ] == errors("drivers: &d {x: *d}\n" + MINIMAL)


def test_very_deep_nesting_is_refused() -> None:
    """Thousands of nested brackets are a ScenarioErrors, not a RecursionError."""
    lines = errors("drivers: " + "[" * 3000 + "]" * 3000 + "\n" + MINIMAL)
    assert 1 == len(lines)
    assert lines[0].startswith("s.yaml:6:")
    assert lines[0].endswith("values are nested too deeply (more than 64 levels)")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9" * 5000, "s.yaml:10:25: drivers.x.constant: number has too many digits (5000)"),
        ("9" * 400, "s.yaml:10:25: drivers.x.constant: number is too large (400 digits)"),
        (".nan", "s.yaml:10:25: drivers.x.constant: expected a finite number (got nan)"),
    ],
    ids=["5000-digits", "400-digits", "nan"],
)
def test_unrepresentable_numbers_are_located_errors(value: str, expected: str) -> None:
    """Numbers a float cannot hold are reported, never raised as OverflowError or ValueError."""
    assert [expected] == errors(MINIMAL + f"drivers: {{x: {{constant: {value}}}}}\n")


def test_impossible_date_is_a_located_error() -> None:
    """as_of: 2024-02-30 is reported at its place, not raised as a ValueError."""
    head = HEAD.replace("2024-01-01", "2024-02-30")
    assert ["s.yaml:5:8: as_of: invalid value: day is out of range for month (got '2024-02-30')"] == errors(
        "drivers: {}\n" + MINIMAL, head=head
    )


def test_huge_duration_is_refused() -> None:
    """A horizon so long it overflows a float is an error, not an infinite horizon."""
    lines = errors("drivers: {}\nhorizons:\n  soon: {until: " + "9" * 400 + "y}\nscenarios:\n  rest: otherwise\n")
    assert 1 == len(lines)
    assert lines[0].startswith("s.yaml:8:17: horizons.soon.until: a duration must be finite (got '999")


# --------------------------------------------------------------------------
# round trips


def test_bundled_scenario_round_trips() -> None:
    """The bundled scenario survives to_yaml/from_yaml and to_dict/from_dict unchanged."""
    s = load_scenario(BUNDLED)
    assert s == Scenario.from_yaml(s.to_yaml())
    assert s == Scenario.from_dict(s.to_dict())
    assert s.hash == Scenario.from_yaml(s.to_yaml()).hash


@pytest.mark.parametrize(
    "rate",
    ["1", "1e3", "0.5", "2.50", "'3'", ".5", "+1", "0o17", "0x1F", "'2e4'"],
    ids=["int", "exp", "float", "trailing-0", "str", "leading-dot", "plus", "octal", "hex", "quoted-exp"],
)
def test_constant_rate_round_trips(rate: str) -> None:
    """A constant written as 1, 1e3, .5 or 0x1F keeps its value and text through a YAML round trip."""
    s = Scenario.from_yaml(
        HEAD
        + f"horizons: {{a: {{until: 1y}}}}\ndrivers: {{}}\nevents: {{e: {{rate: {rate}}}}}\nscenarios: {{hit: e, rest: otherwise}}\n"
    )
    assert s == Scenario.from_yaml(s.to_yaml())
    assert s == Scenario.from_dict(s.to_dict())


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_dicts())
def test_generated_scenarios_round_trip(data: dict[str, Any]) -> None:
    """Any valid generated scenario is equal after to_yaml/from_yaml and to_dict/from_dict."""
    s = Scenario.from_dict(data)
    assert s == Scenario.from_yaml(s.to_yaml())
    assert s == Scenario.from_dict(s.to_dict())
    assert [h.id for h in s.horizons] == list(data["horizons"])
    assert "otherwise" == s.to_dict()["scenarios"][s.rules[-1].id]["when"]


# --------------------------------------------------------------------------
# the bundled scenario


def test_bundled_scenario_loads() -> None:
    """scenarios/nk-troops-russia.yaml loads, with horizons, drivers, events and scenarios."""
    s = load_scenario(BUNDLED)
    assert "nk-troops-russia" == s.id
    assert ["short", "medium", "long"] == [h.id for h in s.horizons]
    assert s.drivers
    assert s.events
    assert "contained" == s.rules[-1].id
    assert s.rules[-1].when is None


def _normalise(text: str) -> str:
    return " ".join(text.split())


def test_every_bundled_driver_cites_a_source_or_says_it_is_judgement() -> None:
    """Every driver cites a known source with a quote, or its note says the number is our judgement."""
    s = load_scenario(BUNDLED)
    known = {src.id for src in s.sources}
    bad = [
        d.id
        for d in s.drivers
        if not (
            (d.source is not None and d.source.ref in known and d.source.quote.strip())
            or (_graded_judgement(d.source) and "our judgement" in d.note.lower())
            or (d.source is not None and d.source.basis == "outside_knowledge" and _graded_judgement(d.source))
        )
    ]
    assert [] == bad


def _graded_judgement(ref: object) -> bool:
    """No source; a reference with no source id graded ``judgement``; or outside knowledge that says what it is.

    Outside knowledge quotes no seed: its ``note`` states the knowledge (and its source entry says so).
    """
    if ref is None:
        return True
    basis = getattr(ref, "basis", "")
    if basis == "outside_knowledge":
        return bool(str(getattr(ref, "note", "")).strip())
    return basis == "judgement" and not getattr(ref, "ref", "")


def test_every_bundled_source_reference_has_a_quote() -> None:
    """Every source reference, on drivers and events alike, names a known source and gives a quote."""
    s = load_scenario(BUNDLED)
    known = {src.id for src in s.sources}
    refs = [(x.id, x.source) for x in (*s.drivers, *s.events) if x.source is not None]
    refs += [(x.id, r) for x in (*s.drivers, *s.events) for r in getattr(x, "sources", ())]
    cited = [(name, ref) for name, ref in refs if not _graded_judgement(ref)]  # a graded judgement quotes no one
    assert [] == [name for name, ref in cited if ref.ref not in known or not ref.quote.strip()]
    assert len(cited) >= 20


def _quotes() -> list[tuple[str, str, str]]:
    """Every quote of the bundled file: drivers' and events' (each source they cite), context figures', the
    evidence's and the claims', with an id that says where it is."""
    s = load_scenario(BUNDLED)
    files = {src.id: src.file for src in s.sources}
    refs: list[tuple[str, object]] = []
    for x in (*s.drivers, *s.events):
        refs += [(x.id, x.source)] + [(f"{x.id}[{i}]", r) for i, r in enumerate(getattr(x, "sources", ()), 1)]
    refs += [(f"context.{c.id}", c.source) for c in s.context]
    refs += [(f"evidence.{e.id}", e.source) for e in s.evidence]
    refs += [(f"claims.{c.id}", c.quote) for c in s.claims]
    return [
        (name, files[ref.ref], ref.quote)  # type: ignore[attr-defined]
        for name, ref in refs
        if ref is not None and getattr(ref, "quote", "") and files.get(ref.ref)  # type: ignore[attr-defined]
    ]


def test_every_kind_of_quote_is_checked() -> None:
    """The verbatim check below reaches every place a quote can sit, so none is left unchecked."""
    names = [q[0] for q in _quotes()]
    assert len(names) >= 70
    for prefix in ("context.", "evidence.", "claims."):
        assert any(n.startswith(prefix) for n in names), prefix
    assert any("[" in n for n in names)  # a second source of a driver or event


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed texts not found at {SEEDS} (CI checks them out beside the clone)")
@pytest.mark.parametrize(("name", "file", "quote"), _quotes(), ids=[q[0] for q in _quotes()])
def test_bundled_quotes_appear_verbatim_in_their_seed(name: str, file: str, quote: str) -> None:
    """Each quote appears word for word (whitespace collapsed) in the seed file its source names."""
    seed = _normalise((SEEDS / file).read_text(encoding="utf-8"))
    assert _normalise(quote) in seed


def test_a_broken_driver_does_not_make_its_users_unknown() -> None:
    """A driver with a bad range is reported once; expressions using it are not flagged too."""
    text = (
        HEAD
        + """\
horizons: {a: {until: 1y}}
drivers: {r: {range: [0.3, 0.1], shape: lognormal}}
events: {e: {rate: r}}
scenarios: {hit: e, rest: otherwise}
"""
    )
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    assert ["s.yaml:7:22: drivers.r.range: low 0.3 > high 0.1 (got [0.3, 0.1]). Did you mean [0.1, 0.3]?"] == [
        str(e) for e in info.value.errors
    ]


# --------------------------------------------------------------------------
# YAML 1.2 core schema: only true/false are yes/no values, 2e4 is a number, 1:30 is text


def test_yaml_1_1_words_are_names_everywhere() -> None:
    """Ids named no, off, NO, y, yes, on, n are names as keys and wherever they are referred to, and text as values."""
    s = Scenario.from_yaml(
        HEAD
        + """\
horizons: {short: {until: 1y}}
drivers:
  NO: {probability: 0.5, label: no, unit: off}
  y: {range: [1, 2], shape: normal}
  yes: {range: [1, 2], shape: normal}
correlations:
  - [y, yes, 0.3]
derived:
  n: y * 2
events:
  no: {rate: 0.1, label: On}
  off: {rate: n, requires: [no], after: {no: 2}}
  on: {by: {short: 0.2}, requires: no}
scenarios:
  Y: no and off
  N: {when: NO and not on, label: n}
  rest: otherwise
""",
        path="s.yaml",
    )
    assert ["NO", "y", "yes"] == [d.id for d in s.drivers]
    assert ("no", "off") == (s.driver("NO").label, s.driver("NO").unit)
    assert [("y", "yes", 0.3)] == [(c.a, c.b, c.rho) for c in s.correlations]
    assert {"no", "off", "on"} == {e.id for e in s.events}
    assert (("no",), (("no", 2.0),)) == (s.event("off").requires, s.event("off").after)
    assert ("On", ("no",)) == (s.event("no").label, s.event("on").requires)
    assert [("Y", "no and off", ""), ("N", "NO and not on", "n"), ("rest", None, "")] == [
        (r.id, r.when and r.when.text, r.label) for r in s.rules
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [("2e4", 20000.0), ("5e-3", 0.005), ("1E3", 1000.0), (".5", 0.5), ("+1", 1.0), ("0o17", 15.0), ("0x1F", 31.0)],
)
def test_yaml_1_2_numbers_are_numbers(text: str, value: float) -> None:
    """2e4, 5e-3, 1E3, .5, +1, 0o17 and 0x1F are numbers, as in the YAML 1.2 core schema."""
    s = Scenario.from_yaml(HEAD + MINIMAL + f"drivers: {{k: {{constant: {text}}}, j: {text}}}\n", path="s.yaml")
    assert [value, value] == [d.distribution.value for d in s.drivers]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text", ["1:30", "yes", "no", "on", "off", "y", "N", "2e4", "0x1F", "0o17", "1_000", ".5", "+1", "=", "2024-11-01"]
)
def test_text_is_kept_as_written(text: str) -> None:
    """Where text belongs, a value is its text as written: 1:30 is not 90, 0x1F is not 31, yes is not true."""
    s = Scenario.from_yaml(HEAD.replace("title: Tiny", f"title: {text}") + MINIMAL + "drivers: {}\n", path="s.yaml")
    assert text == s.title


YES_NO_WHERE_A_VALUE_BELONGS = """\
horizons: {short: {until: 1y}}
drivers:
  p: {probability: true}
  k: TRUE
  u: {uniform: {min: 0, max: 1}, label: false}
events:
  a: {rate: false}
  b: {by: {short: True}, after: {a: true}, requires: [FALSE]}
scenarios:
  rest: otherwise
"""


def test_a_yes_no_value_where_something_else_belongs_says_yaml_read_it() -> None:
    """A YAML true/false where a number, an expression, a name or text belongs is refused, saying why."""
    yaml_reads = "YAML reads true/false as yes/no values"
    assert [
        f"s.yaml:8:20: drivers.p.probability: expected a number (got true: {yaml_reads}; write 1 or 0 for a number)",
        f"s.yaml:9:6: drivers.k: expected a number (got TRUE: {yaml_reads}; write 1 or 0 for a number)",
        f"s.yaml:10:41: drivers.u.label: expected text (got false: {yaml_reads}; quote it, 'false', for text)",
        f"s.yaml:12:13: events.a.rate: expected a number or an expression (got false: {yaml_reads}; "
        "write 1 or 0 for a number)",
        f"s.yaml:13:19: events.b.by.short: expected a number or an expression (got True: {yaml_reads}; "
        "write 1 or 0 for a number)",
        f"s.yaml:13:37: events.b.after.a: expected a number (got true: {yaml_reads}; write 1 or 0 for a number)",
        f"s.yaml:13:55: events.b.requires[0]: expected an event name (got FALSE: {yaml_reads}; "
        "quote it, 'FALSE', for text)",
    ] == errors(YES_NO_WHERE_A_VALUE_BELONGS)


@pytest.mark.parametrize("word", ["TRUE", "FALSE", "null", "Null", "NULL"])
def test_words_yaml_reads_as_values_cannot_be_names(word: str) -> None:
    """A name YAML would read as a yes/no value or as nothing could not be referred to, so it is refused."""
    reads = "nothing" if word.lower() == "null" else "a yes/no value"
    assert [
        f"s.yaml:8:3: events.{word}: {word!r} is a reserved word and cannot be a name "
        f"(YAML reads it as {reads}, so it could not be referred to)"
    ] == errors(f"drivers: {{}}\nevents:\n  {word}: {{rate: 1}}\n{MINIMAL}")


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2024-11-01", dt.date(2024, 11, 1)),
        ("'2024-11-01'", dt.date(2024, 11, 1)),
        ("2024-11-01 10:30:00", dt.date(2024, 11, 1)),
        ("2024-11-01T10:30:00Z", dt.date(2024, 11, 1)),
    ],
    ids=["plain", "quoted", "timestamp", "iso-timestamp"],
)
def test_dates_are_read_from_text(as_of: str, expected: dt.date) -> None:
    """YAML 1.2 has no dates: as_of is read from its text, a YAML 1.1 timestamp's time of day ignored."""
    s = Scenario.from_yaml(HEAD.replace("2024-01-01", as_of) + MINIMAL + "drivers: {}\n")
    assert expected == s.as_of
    assert s == Scenario.from_yaml(s.to_yaml())


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("0000-01-01", "s.yaml:5:8: as_of: invalid value: year 0 is out of range (got '0000-01-01')"),
        ("99999-01-01", "s.yaml:5:8: as_of: expected a date such as 2024-11-01 (got '99999-01-01')"),
        ("2024-13-01", "s.yaml:5:8: as_of: invalid value: month must be in 1..12 (got '2024-13-01')"),
        ("true", "s.yaml:5:8: as_of: expected a date such as 2024-11-01 (got true)"),
    ],
    ids=["year-0", "year-99999", "month-13", "yes-no"],
)
def test_impossible_dates_are_located_errors(as_of: str, expected: str) -> None:
    """A date that does not exist is reported at its place."""
    assert [expected] == errors("drivers: {}\n" + MINIMAL, head=HEAD.replace("2024-01-01", as_of))


TRICKY_TEXT = [
    "no",
    "off",
    "Yes",
    "y",
    "1:30",
    "2e4",
    "0o17",
    "0x1F",
    ".5",
    "+1",
    ".inf",
    "null",
    "~",
    "true",
    "=",
    "<<",
]


@pytest.mark.parametrize("text", TRICKY_TEXT)
def test_to_yaml_keeps_text_that_yaml_could_read_otherwise(text: str) -> None:
    """Text that YAML 1.1 or 1.2 would read as a number, a yes/no value or nothing round-trips as text."""
    data = Scenario.from_yaml(HEAD + MINIMAL + "drivers: {}\n").to_dict()
    data["title"] = data["question"] = text
    data["horizons"]["soon"]["label"] = text
    s = Scenario.from_dict(data)
    back = Scenario.from_yaml(s.to_yaml())
    assert (text, text, text) == (back.title, back.question, back.horizons[0].label)
    assert s == back
    assert s.hash == back.hash


# --------------------------------------------------------------------------
# a scenario rule is a condition; a categorical driver is only compared with its categories

RULE_BODY = """\
horizons: {short: {until: 1y}}
drivers:
  x: {range: [1, 2], shape: normal}
  p: {probability: 0.3}
  c: {categorical: {north: 0.5, south: 0.5}}
derived:
  big: x > 1.5
  double: x * 2
events:
  e: {rate: 0.1}
"""


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("0.5", "s.yaml:17:6: scenarios.a: a scenario rule needs a condition, not a number (got '0.5')"),
        ("1", "s.yaml:17:6: scenarios.a: a scenario rule needs a condition, not a number (got '1')"),
        ("x * 2", "s.yaml:17:6: scenarios.a: a scenario rule needs a condition, not a number (got 'x * 2')"),
        ("x", "s.yaml:17:6: scenarios.a: a scenario rule needs a condition, not a number (got 'x')"),
        ("double", "s.yaml:17:6: scenarios.a: a scenario rule needs a condition, not a number (got 'double')"),
        ("(e) + (p)", "s.yaml:17:6: scenarios.a: a scenario rule needs a condition, not a number (got '(e) + (p)')"),
        (
            "e and x",
            "s.yaml:17:12: scenarios.a: 'and' needs a condition, not a number (got 'x'). Did you mean 'x != 0'?",
        ),
        (
            "c",
            "s.yaml:17:6: scenarios.a: 'c' is a categorical driver; it may only be compared with one of its "
            "categories, as in c == 'north' or c != 'north'",
        ),
        (
            "c > 0",
            "s.yaml:17:6: scenarios.a: 'c' is a categorical driver; it may only be compared with one of its "
            "categories, as in c == 'north' or c != 'north'",
        ),
    ],
    ids=[
        "fraction",
        "one",
        "arithmetic",
        "continuous-driver",
        "numeric-derived",
        "sum",
        "and-a-number",
        "category",
        "category-vs-number",
    ],
)
def test_a_rule_must_be_a_condition(rule: str, expected: str) -> None:
    """A number as a rule was always true (or false); it is refused where it stands."""
    assert [expected] == errors(RULE_BODY + f"scenarios:\n  a: {rule}\n  rest: otherwise\n")


@pytest.mark.parametrize(
    "rule",
    ["e", "p", "big", "not e and (p or big)", "c == 'south'", "x > 1 and 'north' != c", "where(p, e, big)", "true"],
)
def test_conditions_are_rules(rule: str) -> None:
    """Events, yes/no drivers, conditions among derived quantities and comparisons are rules."""
    s = Scenario.from_yaml(HEAD + RULE_BODY + f"scenarios:\n  a: {rule}\n  rest: otherwise\n", path="s.yaml")
    assert "yes/no" == s.rules[0].when.kind  # type: ignore[union-attr]


def test_derived_conditions_are_known_in_any_order() -> None:
    """A derived quantity may use one defined after it as a condition: they are typed in dependency order."""
    s = Scenario.from_yaml(
        HEAD
        + """\
horizons: {short: {until: 1y}}
drivers: {x: {range: [1, 2], shape: normal}}
derived:
  share: where(high, 0.5, 0.1)
  high: very or x > 1.5
  very: x > 1.9
events: {e: {rate: share}}
scenarios: {a: high and e, rest: otherwise}
""",
        path="s.yaml",
    )
    assert ["very", "high", "share"] == [d.id for d in s.derived]
    assert ["yes/no", "yes/no", "number"] == [d.expr.kind for d in s.derived]


def test_categorical_arithmetic_is_refused_in_a_file() -> None:
    """c + 1 used to add 1 to the category's index; it is refused at the name, in derived, rates and probabilities."""
    cat = "'c' is a categorical driver; it may only be compared with one of its categories, as in c == 'a' or c != 'a'"
    assert [
        f"s.yaml:9:6: derived.d: {cat}",
        f"s.yaml:11:13: events.e.rate: {cat}",
        f"s.yaml:12:23: events.f.by.soon: {cat}",
    ] == errors(
        """\
horizons: {soon: {until: 1y}}
drivers: {c: {categorical: {a: 0.5, b: 0.5}}}
derived:
  d: c + 1
events:
  e: {rate: c}
  f: {by: {soon: "min(c, 1)"}}
scenarios: {rest: otherwise}
"""
    )


def test_a_broken_driver_does_not_make_rules_on_it_wrong() -> None:
    """A yes/no driver that fails validation is reported once; rules and derived quantities using it are not."""
    assert ["s.yaml:8:20: drivers.p.probability: probability must lie in [0, 1] (got 2)"] == errors(
        """\
horizons: {soon: {until: 1y}}
drivers:
  p: {probability: 2}
derived:
  d: where(p, 1, 0)
  q: not p
scenarios: {a: p and q, rest: otherwise}
"""
    )


# --------------------------------------------------------------------------
# the constant shorthand is validated like every other number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (".nan", "s.yaml:10:14: drivers.k: expected a finite number (got nan)"),
        (".inf", "s.yaml:10:14: drivers.k: expected a finite number (got inf)"),
        ("-.Inf", "s.yaml:10:14: drivers.k: expected a finite number (got -inf)"),
        ("1e400", "s.yaml:10:14: drivers.k: expected a finite number (got inf)"),
        ("9" * 400, "s.yaml:10:14: drivers.k: number is too large (400 digits)"),
        ("9" * 5000, "s.yaml:10:14: drivers.k: number has too many digits (5000)"),
        (
            "true",
            "s.yaml:10:14: drivers.k: expected a number (got true: YAML reads true/false as yes/no values; "
            "write 1 or 0 for a number)",
        ),
    ],
    ids=["nan", "inf", "minus-inf", "overflow", "400-digits", "5000-digits", "yes-no"],
)
def test_constant_shorthand_is_a_checked_number(value: str, expected: str) -> None:
    """`k: .nan` (shorthand for `k: {constant: .nan}`) is refused as the long form is, never an OverflowError."""
    assert [expected] == errors(MINIMAL + f"drivers: {{k: {value}}}\n")


def test_constant_shorthand_equals_the_long_form() -> None:
    """`k: 12000` and `k: {constant: 12000}` are the same driver with the same hash."""
    short = Scenario.from_yaml(HEAD + MINIMAL + "drivers: {k: 12000}\n")
    long = Scenario.from_yaml(HEAD + MINIMAL + "drivers: {k: {constant: 12000}}\n")
    assert (short, short.hash) == (long, long.hash)


# --------------------------------------------------------------------------
# only regular files are read, and never more than the limit


def _load_in_thread(path: Path, seconds: float = 10.0) -> str:
    """The message load_scenario raises for ``path``, failing (not hanging) if it takes over ``seconds``."""
    result: list[str] = []

    def load() -> None:
        try:
            load_scenario(path)
        except (ScenarioError, ScenarioErrors) as exc:
            result.append(str(exc))
        else:
            result.append("loaded")

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"load_scenario({path}) still running after {seconds} s"
    return result[0]


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_a_character_device_is_refused(tmp_path: Path) -> None:
    """/dev/null, or a link to it, is a character device, refused in one line before it is read."""
    link = tmp_path / "s.yaml"
    link.symlink_to("/dev/null")
    assert "/dev/null: is a character device, not a scenario file" == _load_in_thread(Path("/dev/null"))
    assert f"{link}: is a character device, not a scenario file" == _load_in_thread(link)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_device_is_refused_at_once(tmp_path: Path) -> None:
    """/dev/zero has size 0 and no end: it is refused, not read until memory runs out."""
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    assert f"{link}: is a character device, not a scenario file" == _load_in_thread(link)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """A named pipe with no writer would block an open() forever; it is refused at once."""
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    try:
        assert f"{fifo}: is a FIFO (named pipe), not a scenario file" == _load_in_thread(fifo)
    finally:
        with contextlib.suppress(OSError):  # release a reader blocked in open(), should there be one
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="needs Unix sockets")
def test_a_socket_is_refused() -> None:
    """A Unix socket is not a scenario file (its path is kept short: sockets allow about 100 bytes)."""
    with tempfile.TemporaryDirectory(dir="/tmp" if Path("/tmp").is_dir() else None) as d:
        path = Path(d) / "s.yaml"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
            server.bind(str(path))
            assert f"{path}: is a socket, not a scenario file" == _load_in_thread(path)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    """A directory is refused by name, as before."""
    assert f"{tmp_path}: is a directory, not a scenario file" == _load_in_thread(tmp_path)


def test_a_file_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    """A regular file larger than 5,000,000 bytes is refused with its size, before it is read."""
    p = tmp_path / "big.yaml"
    with p.open("wb") as f:
        f.truncate(5_000_001)
    assert f"{p}: file is larger than 5000000 bytes (got 5000001)" == _load_in_thread(p)


def test_a_link_to_a_scenario_loads(tmp_path: Path) -> None:
    """A symbolic link to a regular file is read as that file."""
    link = tmp_path / "nk.yaml"
    link.symlink_to(BUNDLED)
    assert load_scenario(BUNDLED) == load_scenario(link)


# --------------------------------------------------------------------------
# values are counted while parsing: a huge file is refused early


def test_millions_of_values_are_refused_while_parsing() -> None:
    """A 4.8 MB flow list of 2.4 million items is refused at the 200,001st value, in seconds, not minutes."""
    text = HEAD + "x: [" + "1," * 2_400_000 + "1]\n"
    start = time.perf_counter()
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    elapsed = time.perf_counter() - start
    # values before the list: the top mapping and 10 keys and values in HEAD, the key x and the list;
    # so the 199,988th item (column 4 + 2 * 199,987) is the one over the budget
    assert "s.yaml:6:399979: file has more than 200000 values" == str(info.value)
    assert elapsed < 10  # about 0.15 s with libyaml, 3.5 s with PyYAML alone; composing all took a minute


def test_a_million_aliases_are_refused_while_parsing() -> None:
    """An alias is a value too: a list of a million aliases is refused while parsing, not expanded."""
    text = HEAD + "a: &a x\nb: [" + "*a, " * 1_000_000 + "]\n"
    start = time.perf_counter()
    assert ["s.yaml:7:799945: file has more than 200000 values"] == errors(text[len(HEAD) :])
    assert time.perf_counter() - start < 10


# --------------------------------------------------------------------------
# values that would pass check and fail later are refused at load


SURROGATE = "text contains a lone surrogate (\\ud800), which is not a Unicode character; write the character itself"


def test_lone_surrogates_are_refused_where_they_are() -> None:
    """A \\ud800 escape (half a UTF-16 pair) in a label, a quote, a key or a category is refused at its place."""
    assert [
        f"s.yaml:7:17: horizons.soon.label: {SURROGATE}",
        f"s.yaml:9:36: drivers.x.source.quote: {SURROGATE}",
        f"s.yaml:10:21: drivers.c.categorical.\\ud800: {SURROGATE}",
        f"s.yaml:11:3: drivers.\\ud800: {SURROGATE}",
    ] == errors(
        """\
horizons:
  soon: {label: "\\ud800", until: 1y}
drivers:
  x: {constant: 1, source: {quote: "a\\ud800b"}}
  c: {categorical: {"\\ud800": 1}}
  "\\ud800": {constant: 1}
scenarios: {rest: otherwise}
"""
    )


def test_lone_surrogates_are_refused_in_plain_data() -> None:
    """from_dict refuses a lone surrogate too, naming the key path."""
    data = Scenario.from_yaml(HEAD + MINIMAL + "drivers: {}\n").to_dict()
    data["title"] = "a\ud800"
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_dict(data)
    assert "<dict>: title: text contains a lone surrogate, which is not a Unicode character" == str(info.value)


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (
            "9000y",
            "s.yaml:7:17: horizons.soon.until: horizon ends after the year 9999 (2024-01-01 + 9000y), "
            "past the last date a report can show",
        ),
        (
            "100000000000000000000d",
            "s.yaml:7:17: horizons.soon.until: horizon ends after the year 9999 (2024-01-01 + 100000000000000000000d), "
            "past the last date a report can show",
        ),
        ("1e308y", "s.yaml:7:17: horizons.soon.until: expected a duration such as 1y, 6mo, 2w or 90d (got '1e308y')"),
        (".nan", "s.yaml:7:17: horizons.soon.until: expected a duration such as 1y, 6mo, 2w or 90d (got nan)"),
    ],
    ids=["9000-years", "huge-days", "exponent", "nan"],
)
def test_a_horizon_must_end_by_the_year_9999(until: str, expected: str) -> None:
    """Reports show each horizon's end as a date; one past 9999-12-31 is refused at load, not in the report."""
    assert [expected] == errors(
        f"horizons:\n  soon: {{until: {until}}}\ndrivers: {{}}\nscenarios: {{rest: otherwise}}\n"
    )


def test_the_last_day_a_horizon_may_end() -> None:
    """A horizon ending on 9999-12-01 is fine."""
    head = HEAD.replace("2024-01-01", "9999-01-01")
    s = Scenario.from_yaml(head + "horizons: {h: {until: 11mo}}\ndrivers: {}\nscenarios: {rest: otherwise}\n")
    assert [11 / 12] == [h.until for h in s.horizons]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "drivers: {}\nevents: {e: {by: {soon: .nan}}}\n",
            "s.yaml:11:25: events.e.by.soon: number is not finite (got nan)",
        ),
        ("drivers: {}\nevents: {e: {rate: -.inf}}\n", "s.yaml:11:20: events.e.rate: number is not finite (got -inf)"),
        (
            "drivers: {x: {normal: {mean: 0, sd: .inf}}}\n",
            "s.yaml:10:37: drivers.x.normal.sd: expected a finite number (got inf)",
        ),
        (
            "drivers: {x: {range: [1, 2], shape: normal, confidence: .nan}}\n",
            "s.yaml:10:57: drivers.x.confidence: expected a finite number (got nan)",
        ),
        (
            "drivers: {}\nevents: {e: {rate: 1}, f: {rate: 1, after: {e: .nan}}}\n",
            "s.yaml:11:48: events.f.after.e: expected a finite number (got nan)",
        ),
    ],
    ids=["by-nan", "rate-minus-inf", "sd-inf", "confidence-nan", "factor-nan"],
)
def test_numbers_that_are_not_finite_are_refused_everywhere(body: str, expected: str) -> None:
    """.nan and .inf (YAML 1.2 numbers) are refused wherever a number or an expression belongs."""
    assert [expected] == errors(MINIMAL + body)


TAGS = [
    ("!!bool maybe", "YAML tag '!!bool' takes true or false (got 'maybe')"),
    ("!!bool yes", "YAML tag '!!bool' takes true or false (got 'yes')"),
    ("!!int x", "YAML tag '!!int' takes a whole number such as 42, 0o17 or 0x1F (got 'x')"),
    ("!!int 1_000", "YAML tag '!!int' takes a whole number such as 42, 0o17 or 0x1F (got '1_000')"),
    ("!!float y", "YAML tag '!!float' takes a number such as 2.5, 1e3, .inf or .nan (got 'y')"),
    ("!!null z", "YAML tag '!!null' takes ~, null or nothing (got 'z')"),
    ("!!timestamp x", "YAML tag '!!timestamp' is not allowed; a scenario file holds plain data only"),
    ("!!timestamp 2024-01-01", "YAML tag '!!timestamp' is not allowed; a scenario file holds plain data only"),
    ("!!binary aGVsbG8=", "YAML tag '!!binary' is not allowed; a scenario file holds plain data only"),
    ("!!str {a: 1}", "YAML tag '!!str' applies to a single value, not to a mapping"),
    ("!!int [1]", "YAML tag '!!int' applies to a single value, not to a list"),
    ("!!map x", "YAML tag '!!map' applies to a mapping, not to a single value"),
    ("!!set {a, b}", "YAML tag '!!set' is not allowed; a scenario file holds plain data only"),
    ("!!omap [a: 1]", "YAML tag '!!omap' is not allowed; a scenario file holds plain data only"),
    ("!local x", "YAML tag '!local' is not allowed; a scenario file holds plain data only"),
]


@pytest.mark.parametrize(("value", "problem"), TAGS, ids=[t[0] for t in TAGS])
def test_explicit_tags_with_bad_values_are_located_errors(value: str, problem: str) -> None:
    """An explicit YAML tag that does not fit its value is refused at load, never an internal error later."""
    assert [f"s.yaml:10:14: drivers.k: {problem}"] == errors(MINIMAL + f"drivers: {{k: {value}}}\n")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("!!int 0x1F", 31.0), ("!!float 1", 1.0), ("!!float .inf", ".inf"), ("!!str 5", "5"), ("! 5", "5")],
    ids=["int-hex", "float-of-int", "float-as-text", "str", "non-specific"],
)
def test_explicit_core_tags_that_fit_are_read(value: str, expected: object) -> None:
    """Core-schema tags that fit their value are read as the tag says."""
    if isinstance(expected, float):
        s = Scenario.from_yaml(HEAD + MINIMAL + f"drivers: {{k: {{constant: {value}}}}}\n")
        assert expected == s.driver("k").distribution.value  # type: ignore[attr-defined]
    else:
        s = Scenario.from_yaml(HEAD.replace("title: Tiny", f"title: {value}") + MINIMAL + "drivers: {}\n")
        assert expected == s.title


def test_a_tag_on_a_key_is_checked() -> None:
    """A key is its text, but a tag on it must still fit."""
    assert ["s.yaml:10:11: drivers.x: YAML tag '!!bool' takes true or false (got 'x')"] == errors(
        MINIMAL + "drivers: {!!bool x: {constant: 1}}\n"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "title: a\x00b\n",
            "s.yaml:5:9: YAML syntax error: character U+0000 is not allowed in a YAML file "
            "(special characters are not allowed)",
        ),
        (
            "title: a\x1bb\n",
            "s.yaml:5:9: YAML syntax error: character U+001B is not allowed in a YAML file "
            "(special characters are not allowed)",
        ),
        (
            "title: a\ud800b\n",
            "s.yaml:5:9: YAML syntax error: character U+D800 is not allowed in a YAML file "
            "(special characters are not allowed)",
        ),
    ],
    ids=["nul", "escape", "surrogate"],
)
def test_characters_yaml_refuses_are_one_located_line(text: str, expected: str) -> None:
    """A control character in the text is reported on one line at its place (PyYAML's message spans two)."""
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(HEAD.replace("title: Tiny\n", "") + text + MINIMAL, path="s.yaml")
    assert expected == str(info.value)
