"""Notebooks run end to end: every code cell, in order, in one namespace."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each notebook's code cells run without error (with a small sample count)."""
    monkeypatch.setenv("OUTLOOK_NOTEBOOK_SAMPLES", "5000")
    monkeypatch.chdir(path.parent)
    nb = json.loads(path.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "__notebook__"}
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert cells, "a notebook with no code"
    for i, cell in enumerate(cells):
        source = "".join(cell["source"])
        exec(compile(source, f"{path.name}[{i}]", "exec"), namespace)
    assert os.environ["OUTLOOK_NOTEBOOK_SAMPLES"] == "5000"


def test_there_is_a_notebook() -> None:
    """The notebooks folder is not empty."""
    assert NOTEBOOKS
