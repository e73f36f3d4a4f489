"""One mistake, one message: a name that is defined but invalid is known, so its uses are not reported again.

Each case below has exactly one mistake (or one per section it exercises):
before issue 10 each also produced a false "unknown ..." or "not a ..."
error wherever the bad name was used. The expected lines are the mistake's
own message and nothing else.
"""

from __future__ import annotations

import pytest

from outlook import Scenario, ScenarioErrors
from outlook.testing import HEADER


def errors(body: str) -> list[str]:
    """The lines of the ScenarioErrors that loading ``HEADER + body`` as s.yaml raises (body starts on line 6)."""
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(HEADER + body, path="s.yaml")
    return str(info.value).splitlines()


CASES: list[tuple[str, str, list[str]]] = [
    (
        # the first example: a reversed range, the driver then used in a correlation and expressions
        "driver-reversed-range",
        """\
horizons: {y1: {until: 1y}}
drivers:
  x: {range: [10, 1], shape: normal}
  k: {range: [1, 2], shape: uniform}
correlations:
  - [x, k, 0.3]
derived:
  y: x + 1
events:
  e: {rate: x / 10}
scenarios:
  s1: x > 2 and e
  other: otherwise
""",
        ["s.yaml:8:14: drivers.x.range: low 10 > high 1 (got [10, 1]). Did you mean [1, 10]?"],
    ),
    (
        # the second example: a horizon with a bad end, named in an event's `by`
        "horizon-bad-end",
        """\
horizons:
  y1: {until: 1q}
  y10: {until: 10y}
drivers: {k: 1}
events:
  e: {by: {y1: 0.2, y10: 0.5}}
scenarios:
  s1: e
  other: otherwise
""",
        ["s.yaml:7:15: horizons.y1.until: expected a duration such as 1y, 6mo, 2w or 90d (got '1q')"],
    ),
    (
        # the third example: a categorical whose shares sum to 1.1, compared with its categories
        "categorical-bad-shares",
        """\
horizons: {y1: {until: 1y}}
drivers:
  c: {categorical: {a: 0.5, b: 0.6}}
derived:
  y: "1 if c == 'a' else 0"
events:
  e: {rate: "0.1 if c != 'b' else 0.2"}
scenarios:
  s1: c == 'a' and e
  other: otherwise
""",
        ["s.yaml:8:20: drivers.c.categorical: category probabilities must sum to 1 (got 1.1)"],
    ),
    (
        "source-without-title",
        """\
sources:
  s: {publisher: X}
horizons: {y1: {until: 1y}}
drivers:
  k: {constant: 1, source: {ref: s}}
events:
  e: {rate: 0.1, source: {ref: s}}
scenarios:
  s1: e
  other: otherwise
""",
        ["s.yaml:7:6: sources.s: missing required key 'title'"],
    ),
    (
        "derived-bad-expression",
        """\
horizons: {y1: {until: 1y}}
drivers: {k: 1}
derived:
  z: {expr: "1 +", label: Z}
  w: z * 2
events:
  e: {rate: w / 10}
scenarios:
  s1: e and z > 1
  other: otherwise
""",
        ["s.yaml:9:14: derived.z.expr: invalid expression: invalid syntax (got '1 +')"],
    ),
    (
        "event-bad-rate",
        """\
horizons: {y1: {until: 1y}}
drivers: {k: 1}
events:
  h: {rate: -1}
  g: {rate: 0.5, after: {h: 2}, requires: h}
scenarios:
  s1: h and g
  other: otherwise
""",
        ["s.yaml:9:13: events.h.rate: rate must not be negative (got -1)"],
    ),
    (
        # a bad scenario rule: nothing refers to scenario ids, so the rest of the file is judged as usual
        "scenario-bad-rule",
        """\
horizons: {y1: {until: 1y}}
drivers: {k: 1}
events:
  e: {rate: 0.1}
scenarios:
  s1: k + 1
  other: otherwise
""",
        ["s.yaml:11:7: scenarios.s1: a scenario rule needs a condition, not a number (got 'k + 1')"],
    ),
    (
        # a bad correlation pair: nothing refers to it; the other pairs are still judged
        "correlation-bad-rho",
        """\
horizons: {y1: {until: 1y}}
drivers:
  a: {range: [1, 2], shape: uniform}
  b: {range: [1, 2], shape: uniform}
  c: {range: [1, 2], shape: uniform}
correlations:
  - [a, b, 2]
  - [a, cc, 0.1]
scenarios:
  s1: a > b
  other: otherwise
""",
        [
            "s.yaml:12:12: correlations[0][2]: rank correlation must lie in [-1, 1] (got 2)",
            "s.yaml:13:9: correlations[1][1]: unknown driver 'cc'. Did you mean 'c'?",
        ],
    ),
    (
        # a section that is not a mapping: none of its names can be known, so none is "unknown"
        "sections-not-mappings",
        """\
horizons:
  - y1
drivers:
  - x: {range: [1, 10], shape: normal}
events:
  f: {by: {y1: 0.3}}
derived:
  y: x + 1
correlations:
  - [x, x2, 0.1]
scenarios:
  s1: y > 1 and f
  other: otherwise
""",
        [
            "s.yaml:7:3: horizons: expected a mapping of horizon ids (got ['y1'])",
            "s.yaml:9:3: drivers: expected a mapping of driver ids (got ['...'])",
        ],
    ),
    (
        # a section under a misspelt key: reported once, as the unknown key and the missing one
        "section-misspelt",
        """\
horizons: {y1: {until: 1y}}
driver:
  x: {range: [1, 10], shape: normal}
events:
  e: {rate: x / 10}
scenarios:
  s1: x > 2 and e
  other: otherwise
""",
        [
            "s.yaml:1:1: missing required key 'drivers'",
            "s.yaml:7:1: driver: unknown key 'driver'. Did you mean 'drivers'?",
        ],
    ),
    (
        # a broken events section: scenario rules and `after` naming its events are not reported again
        "events-not-a-mapping",
        """\
horizons: {y1: {until: 1y}}
drivers: {k: 1}
events: [e]
scenarios:
  s1: e and k > 0
  other: otherwise
""",
        ["s.yaml:8:9: events: expected a mapping of events (got ['e'])"],
    ),
]


@pytest.mark.parametrize(("body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_mistake_is_one_message(body: str, expected: list[str]) -> None:
    assert sorted(errors(body)) == sorted(expected)


def test_a_truly_unknown_name_is_still_reported() -> None:
    """Only names the file defines are spared: a typo beside an invalid driver is still an unknown name."""
    body = """\
horizons: {y1: {until: 1y}}
drivers:
  x: {range: [10, 1], shape: normal}
correlations:
  - [x, xx, 0.3]
derived:
  y: xx + 1
events:
  e: {by: {y2: 0.5}}
scenarios:
  s1: y > 1
  other: otherwise
"""
    assert errors(body) == [
        "s.yaml:8:14: drivers.x.range: low 10 > high 1 (got [10, 1]). Did you mean [1, 10]?",
        "s.yaml:10:9: correlations[0][1]: unknown driver 'xx'. Did you mean 'x'?",
        "s.yaml:12:6: derived.y: unknown name 'xx'. Did you mean 'x'?",
        "s.yaml:14:12: events.e.by.y2: unknown horizon 'y2'",
    ]


def test_an_unreadable_section_keeps_reserved_words_and_refusals() -> None:
    """With the drivers unknowable any other name may be a driver, but a function is still a function."""
    body = """\
horizons: {y1: {until: 1y}}
drivers: [x]
derived:
  y: x + min
scenarios:
  s1: y > 1
  other: otherwise
"""
    assert errors(body) == [
        "s.yaml:7:10: drivers: expected a mapping of driver ids (got ['x'])",
        "s.yaml:9:10: derived.y: function 'min' must be called",
    ]
