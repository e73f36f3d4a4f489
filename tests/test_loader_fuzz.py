"""The loader under random input: a valid scenario or located one-line errors, quickly, and never a crash.

Random bytes and near-valid scenario files (tokens of a valid file replaced,
dropped or doubled; tags, anchors and aliases, numbers and words YAML reads
oddly, control characters, deep nesting: see ``strategies.yamlish_texts``)
go to :func:`outlook.load_scenario` and to ``outlook check``.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import VALID_YAML, yamlish_bytes, yamlish_texts

from outlook import Scenario, ScenarioError, ScenarioErrors, load_scenario
from outlook.cli import main

#: per example: the slowest near-valid file takes well under a second
SECONDS = 5.0

FUZZ = settings(
    max_examples=200,
    derandomize=True,  # the same examples on every run: CI stays stable
    deadline=None,  # timed below, with a generous bound
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One path the examples write their bytes to (Hypothesis reruns a test many times in one fixture)."""
    return tmp_path_factory.mktemp("fuzz") / "s.yaml"


def located(path: Path) -> re.Pattern[str]:
    """The start of every error line: ``path:line:col: `` or, for the file as a whole, ``path: ``."""
    return re.compile(re.escape(str(path)) + r"(:\d+:\d+)?: \S")


def test_the_base_file_is_valid() -> None:
    """The file the strategy mutates is a valid scenario, so mutations start near validity."""
    s = Scenario.from_yaml(VALID_YAML)
    assert ["troops", "rate", "share", "ok", "k", "region"] == [d.id for d in s.drivers]


@FUZZ
@given(data=yamlish_bytes(), check=st.integers(0, 3))
def test_any_file_loads_or_gives_located_lines(scenario_file: Path, data: bytes, check: int) -> None:
    """Any bytes: a Scenario (which round-trips), or ScenarioError lines that are each located and one line.

    For one example in four, ``outlook check`` on the same file exits 0 or 2, never 1, and prints no
    traceback and no "internal error".
    """
    scenario_file.write_bytes(data)
    start = time.perf_counter()
    try:
        s = load_scenario(scenario_file)
    except (ScenarioError, ScenarioErrors) as exc:
        message = str(exc)
        lines = message.split("\n")
        assert [] == [line for line in lines if not located(scenario_file).match(line)]
        assert [message] == [message.encode("utf-8").decode("utf-8")]  # printable to a UTF-8 stream
        errs = exc.errors if isinstance(exc, ScenarioErrors) else (exc,)
        assert len(errs) == len(lines) == len(message.splitlines())
    else:
        assert s == Scenario.from_yaml(s.to_yaml())
    assert time.perf_counter() - start < SECONDS
    if check == 0:
        out, err = io.StringIO(), io.StringIO()
        code = main(["check", str(scenario_file)], stdout=out, stderr=err)
        assert code in (0, 2)
        assert "Traceback" not in err.getvalue()
        assert "internal error" not in err.getvalue()


@FUZZ
@given(text=yamlish_texts())
def test_any_text_builds_or_gives_located_lines(text: str) -> None:
    """Text handed to Scenario.from_yaml directly (lone surrogates and all) gives a Scenario or located lines."""
    start = time.perf_counter()
    try:
        Scenario.from_yaml(text, path="s.yaml")
    except ScenarioErrors as exc:
        lines = str(exc).split("\n")
        assert [] == [line for line in lines if not re.match(r"s\.yaml(:\d+:\d+)?: \S", line)]
        str(exc).encode("utf-8")
    assert time.perf_counter() - start < SECONDS
