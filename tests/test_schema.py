"""The JSON Schema for editors (``outlook schema``): every valid scenario passes it, the common mistakes fail it."""

from __future__ import annotations

import ast
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from strategies import scenario_dicts

from outlook import Scenario, ScenarioErrors, cli
from outlook.scenario.reading import compose
from outlook.scenario.schema import json_schema
from outlook.testing import tiny_yaml

jsonschema = pytest.importorskip("jsonschema")

REPO = Path(__file__).resolve().parents[1]
VALIDATOR = jsonschema.Draft202012Validator(
    json_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def schema_errors(text: str) -> list[str]:
    """What the schema says of a file's YAML text, read as the loader reads it (YAML 1.2 core)."""
    data = compose(text, "s.yaml").to_plain()
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(data)]


def loads(text: str) -> bool:
    try:
        Scenario.from_yaml(text, path="s.yaml")
    except ScenarioErrors:
        return False
    return True


def _docs_scenarios() -> list[tuple[str, str]]:
    """Every complete scenario written as a ```yaml block in the docs and README."""
    out = []
    for md in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        for i, block in enumerate(re.findall(r"```yaml\n(.*?)```", md.read_text(encoding="utf-8"), re.DOTALL)):
            if re.search(r"^outlook:", block, re.MULTILINE):
                out.append((f"{md.name}[{i}]", block))
    return out


def _test_scenarios() -> list[tuple[str, str]]:
    """Every whole scenario file written as a string in the tests (those that load are meant to be valid)."""
    out = []
    for py in sorted((REPO / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(py.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("outlook: 1"):
                out.append((f"{py.name}:{node.lineno}", node.value))
    return out


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json_schema())


@pytest.mark.parametrize(
    "path", [*sorted((REPO / "scenarios").glob("*.yaml")), *sorted((REPO / "benchmarks").glob("*.yaml"))]
)
def test_every_bundled_scenario_passes(path: Path) -> None:
    assert schema_errors(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(("where", "text"), _docs_scenarios() + _test_scenarios())
def test_every_valid_scenario_in_the_docs_and_tests_passes(where: str, text: str) -> None:
    try:
        valid = loads(text)
    except Exception:  # a test's deliberately broken text (bad YAML, a refused file)
        valid = False
    if valid:
        assert schema_errors(text) == [], where


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_dicts())
def test_every_generated_scenario_passes(data: dict[str, Any]) -> None:
    """The property: whatever the loader accepts, the schema accepts (checked on plain data).

    The generator can make a scenario the loader refuses (a range of width 5e-324 gives sd 0):
    that is no case of the property, so it is rejected, not counted.
    """
    try:
        Scenario.from_dict(data)
    except ScenarioErrors:
        reject()
    assert [e.message for e in VALIDATOR.iter_errors(json.loads(json.dumps(data, default=str)))] == []


def test_the_tiny_scenario_passes() -> None:
    assert schema_errors(tiny_yaml()) == []


#: the issue's list of mistakes the schema must flag, each also refused by the loader
INVALID = {
    "unknown-top-level-key": ("colour: red\n", ""),
    "missing-required-key": ("", "scenarios:"),
    "range-not-two-numbers": ("", "- 0.1\n    - 0.3\n|- 0.1\n    - 0.2\n    - 0.3\n"),
    "range-of-text": ("", "- 0.1\n    - 0.3\n|- low\n    - high\n"),
    "unknown-shape": ("", "shape: lognormal|shape: lognormel"),
    "as_of-not-a-date": ("", "as_of: 2024-01-01|as_of: 2024-13-01"),
    "event-with-rate-and-by": ("", "    rate: r\n|    rate: r\n    by: {soon: 0.5}\n"),
}


def _broken(extra: str, change: str) -> str:
    base = tiny_yaml(drivers={"r": {"range": [0.1, 0.3], "shape": "lognormal"}}, events={"it": {"rate": "r"}})
    assert schema_errors(base) == []
    assert loads(base)
    text = base + extra
    if change == "scenarios:":
        return text[: text.index("scenarios:")]
    if change:
        old, new = change.split("|")
        assert old in text
        text = text.replace(old, new, 1)
    return text


@pytest.mark.parametrize(("extra", "change"), INVALID.values(), ids=list(INVALID))
def test_the_common_mistakes_are_flagged(extra: str, change: str) -> None:
    text = _broken(extra, change)
    assert not loads(text)  # the loader refuses it too: the schema flags real mistakes
    assert schema_errors(text) != []


def test_outlook_schema_prints_the_schema() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["schema"], stdout=out, stderr=err) == 0
    assert err.getvalue() == ""
    assert json.loads(out.getvalue()) == json_schema()


FORMAT_1_1 = """\
outlook: 1.1
id: new-forms
title: Format 1.1 forms
question: Does it happen?
as_of: 2024-01-01
supersedes: old-forms.yaml
renamed: {old_event: it}
horizons:
  y1: {until: 1y}
  mid: {until: 2025-06-30}
drivers:
  k: 4
  a: {normal: {mean: k, sd: 1}}
  b: {beta: {alpha: k + 1, beta: 3}}
  p: {probability: 40%}
  q: {range: [20%, 60%], shape: beta, coverage: 0.8}
  old: {range: [1, 3], shape: normal, confidence: 0.9}
  m: {lognormal: {mean: 10, sd: 3}}
  g: {gamma: {shape: 2, scale: 1}}
  s: {student_t: {df: 3, location: 0, scale: 1}, truncate: [-5, 5]}
  u: {loguniform: [1, 100]}
  mix:
    mixture:
      - {weight: 0.7, range: [1, 10], shape: lognormal}
      - {weight: 0.3, normal: {mean: 20, sd: 2}}
derived:
  users: {expr: "1000 * (1 + a / 100) ** t", unit: users}
events:
  it: {by: {6mo: 0.5, 2025-01-01: 0.6, y1: 80%}}
  later: {rate: 0.2, after: {it: "1 + u / 100"}}
scenarios:
  second_year: "happened(it, by=mid) and not happened(it, by=y1)"
  rest: otherwise
assumptions:
  brake:
    statement: The brake holds.
    rating: unsupported
    basis: one remark
    if_false: {drivers.k: {constant: 1.0}}
    combine: [other]
"""


def test_the_format_1_1_additions_pass() -> None:
    """The 1.1 forms (issue 10) and the analyst toolkit's keys (issue 12), as their specs write them."""
    assert schema_errors(FORMAT_1_1) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ("2025-06-30|2025-06-31", "horizons.mid.until"),
        ("rating: unsupported|rating: shaky", "assumptions.brake.rating"),
        ("probability: 40%|probability: 140", "drivers.p"),
        ("truncate: [-5, 5]|truncate: [-5]", "drivers.s"),
    ],
)
def test_format_1_1_mistakes_are_flagged(change: str, path: str) -> None:
    old, new = change.split("|")
    errors = schema_errors(FORMAT_1_1.replace(old, new))
    assert errors
    assert all(e.startswith(path) for e in errors), errors


#: every driver form and option of format 1.1 as the loader reads it, one per line
DRIVERS_1_1 = {
    "gamma": "{gamma: {shape: 2, scale: 3}}",
    "student_t": "{student_t: {df: 3, location: 0, scale: 1.5}}",
    "student_t-defaults": "{student_t: {df: 5}}",
    "loguniform": "{loguniform: {min: 1, max: 100}}",
    "lognormal-moments": "{lognormal: {mean: 10, sd: 3}}",
    "truncate": "{normal: {mean: 0, sd: 1}, truncate: [0, null]}",
    "truncate-range": "{range: [10, 20], shape: lognormal, truncate: [12, 30]}",
    "coverage": "{range: [10, 20], shape: normal, coverage: 0.8}",
    "coverage-percent": "{range: [10, 20], shape: normal, coverage: 80%}",
    "probability-percent": "{probability: 40%}",
    "beta-percent": "{range: [20%, 60%], shape: beta}",
    "mixture": "{mixture: [{weight: 0.7, range: [1, 10], shape: lognormal}, {weight: 0.3, normal: {mean: 20, sd: 2}}]}",
    "mixture-percent-truncated": "{mixture: [{weight: 70%, gamma: {shape: 2, scale: 1}, truncate: [null, 5]}, "
    "{weight: 30%, constant: 4}]}",
}


@pytest.mark.parametrize("driver", list(DRIVERS_1_1.values()), ids=list(DRIVERS_1_1))
def test_every_format_1_1_driver_form_passes(driver: str) -> None:
    """The schema names the 1.1 forms and options as the loader does (gamma, student_t, truncate, mixture, %)."""
    text = (
        "outlook: 1.1\nid: forms\ntitle: Forms\nquestion: Does it happen?\nas_of: 2024-01-01\n"
        f"horizons: {{a: {{until: 1y}}}}\ndrivers:\n  x: {driver}\nscenarios: {{rest: otherwise}}\n"
    )
    assert loads(text)
    assert schema_errors(text) == []


def test_a_form_the_loader_does_not_know_fails() -> None:
    """``t:`` is not a form (Student's t is ``student_t``): both refuse it."""
    text = (
        "outlook: 1.1\nid: forms\ntitle: Forms\nquestion: Does it happen?\nas_of: 2024-01-01\n"
        "horizons: {a: {until: 1y}}\ndrivers:\n  x: {t: {df: 3}}\nscenarios: {rest: otherwise}\n"
    )
    assert not loads(text)
    assert schema_errors(text) != []


@pytest.mark.parametrize(
    ("date", "valid"),
    [
        ("2024-01-01", True),
        ("2024-1-5", True),  # the loader reads one-digit months and days
        ("2024-11-01 10:00:00", True),  # a YAML 1.1 timestamp, its time ignored
        ("2025-13-45", False),
        ("2025-00-10", False),
        ("2025-01-32", False),
        ("01/02/2025", False),
        ("soon", False),
    ],
)
def test_a_date_is_checked_by_its_shape_without_a_format_checker(date: str, valid: bool) -> None:
    """Draft 2020-12 makes "format" an annotation: the pattern alone refuses a date of the wrong shape."""
    plain = jsonschema.Draft202012Validator(json_schema())  # no format checker, as many editors run it
    data = compose(tiny_yaml().replace("as_of: 2024-01-01", f"as_of: '{date}'"), "s.yaml").to_plain()
    assert data["as_of"] == date
    assert (list(plain.iter_errors(data)) == []) is valid
    assert loads(tiny_yaml().replace("as_of: 2024-01-01", f"as_of: '{date}'")) is valid
