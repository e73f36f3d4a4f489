"""libyaml composes what it can (issue 16: start-up), and what it composes is exactly what the Python parser does.

``outlook.scenario.reading.compose`` lets libyaml compose a file that
``_count_quickly`` clears (one document, no directive, no alias, no text the
two readers could place differently) and gives its nodes the Python reader's
marks. Everything downstream (positions, messages, the scenario) must not be
able to tell: these tests compare the two paths node by node, position by
position, on every YAML file in the repository and on near-valid random
files, and check which files are left to the Python parser.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import VALID_YAML, yamlish_texts

from outlook.errors import ScenarioError, ScenarioErrors
from outlook.scenario import reading
from outlook.scenario.reading import MAX_NODES, Node, _compose_fast, _convert, _count_quickly, _Loader

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(
    p
    for pattern in ("scenarios/**/*.yaml", "exercises/**/*.yaml", "docs/**/*.yaml", "benchmarks/*.yaml")
    for p in ROOT.glob(pattern)
)


def _slow(text: str) -> tuple[Node, list[str]]:
    """The Python parser's nodes, converted as compose converts them, and the problems converting finds."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    errors: list[ScenarioError] = []
    out = _convert(node, "f.yaml", errors, [MAX_NODES])
    return out, [str(e) for e in errors]


def _fast(text: str) -> tuple[Node, list[str]] | None:
    node = _compose_fast(text) if _count_quickly(text) else None
    if node is None:
        return None
    errors: list[ScenarioError] = []
    out = _convert(node, "f.yaml", errors, [MAX_NODES])
    return out, [str(e) for e in errors]


def test_the_repository_has_yaml_files_to_compare() -> None:
    assert len(FILES) >= 8
    assert ROOT / "scenarios" / "nk-troops-russia.yaml" in FILES


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_every_repository_file_takes_the_fast_path_with_the_same_nodes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = _fast(text)
    assert fast is not None, "a plain scenario file should not need the Python parser"
    assert fast == _slow(text)  # values, raw text, line, column, text column, key positions, escape positions
    assert fast[1] == []


@given(yamlish_texts())
@settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
def test_near_valid_files_compose_alike(text: str) -> None:
    """Whatever libyaml composes, the Python parser composes the same, node for node, with the same problems."""
    try:
        fast = _fast(text)
    except ScenarioErrors as exc:  # too many values or too deep, raised while converting: so must the other path
        message = str(exc)
        with pytest.raises(ScenarioErrors) as slow:
            _slow(text)
        assert str(slow.value) == message
        return
    if fast is None:
        return
    assert fast == _slow(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # an alias: the Python composer places its copy where it is used
        "%YAML 1.2\n---\na: 1\n",  # a directive
        "a: 1\r\nb: 2\r\n",  # carriage returns
        'a: "x\ty"\n',  # a tab
        "\ufeffa: 1\n",  # a byte-order mark
        "a: 1\x85b: 2\n",  # NEL, a YAML 1.1 line break
        "a: 1\n---\nb: 2\n",  # two documents
        "a: |# c\n  x\n",  # a block header into a comment: libyaml reads it, PyYAML refuses it
        "a: !\n",  # a bare tag on an empty value: '' for libyaml, None for PyYAML
        "a: !x~!y 1\n",  # a '!' inside a tag: different messages
        "---",  # no final line break: an empty last value placed differently
    ],
)
def test_files_the_readers_could_read_differently_go_to_the_python_parser(text: str) -> None:
    assert not _count_quickly(text)


def test_compose_takes_the_fast_path_for_a_plain_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """compose() uses libyaml's nodes for a plain file, and the Python parser when libyaml will not compose."""
    seen: list[str] = []
    fast = reading._compose_fast

    def spy(text: str) -> object:
        seen.append("fast")
        return fast(text)

    monkeypatch.setattr(reading, "_compose_fast", spy)
    node = reading.compose(VALID_YAML, "f.yaml")
    assert seen == ["fast"]
    assert node == _slow(VALID_YAML)[0]
    monkeypatch.setattr(reading, "_compose_fast", lambda text: None)
    assert reading.compose(VALID_YAML, "f.yaml") == node
