"""Scenario discovery (outlook.analysis.discovery): PRIM finds a known box; the CLI command writes its formats."""

from __future__ import annotations

import io
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from outlook.analysis.discovery import discover, prim
from outlook.cli import main
from outlook.testing import tiny_scenario

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"


def test_prim_recovers_a_constructed_box() -> None:
    """y holds in x0 > 0.6 and x1 < 0.3 (and in 2% of other worlds); x2 is noise."""
    rng = np.random.default_rng(0)
    x = rng.random((20_000, 3))
    y = ((x[:, 0] > 0.6) & (x[:, 1] < 0.3)) | (rng.random(20_000) < 0.02)
    box, trajectory = prim({"x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2]}, y)
    assert set(box.lower) == {"x0"}
    assert set(box.upper) == {"x1"}
    assert box.lower["x0"] == pytest.approx(0.6, abs=0.03)
    assert box.upper["x1"] == pytest.approx(0.3, abs=0.03)
    assert box.density > 0.9
    assert box.coverage > 0.8
    assert trajectory[0].mass == 1.0
    assert all(a.mass >= b.mass for a, b in itertools.pairwise(trajectory))


def test_prim_refuses_bad_settings() -> None:
    with pytest.raises(ValueError, match=r"^alpha must be in \(0, 1\)"):
        prim({"a": np.zeros(10)}, np.zeros(10, dtype=bool), alpha=1.5)


def test_discover_sentence_on_a_scenario() -> None:
    s = tiny_scenario(
        drivers={"r": {"uniform": {"min": 0.0, "max": 4.0}}, "noise": {"uniform": {"min": 0.0, "max": 1.0}}},
        events={"e": {"rate": "r"}, "f": {"rate": "noise"}},
    )
    d = discover(s, "e@soon", samples=10_000, seed=2)
    assert list(d.table["driver"]) == ["r"]
    assert d.sentence.startswith("e@soon happens mostly when r > ")
    assert "of its worlds;" in d.sentence
    tiny = tiny_scenario(drivers={"r": 1.0}, derived={"q": "r * 2"}, events={"e": {"rate": "r"}})
    with pytest.raises(ValueError, match="needs a scenario or event at a horizon"):
        discover(tiny, "q")


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_sensitivity_formats(tmp_path: object) -> None:
    code, out, _ = _cli("sensitivity", str(ARCHIVED), "-t", "further_deployment@short", "-n", "4096", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert data["target"] == "further_deployment@short"
    assert data["tornado"][0]["driver"] == "p_further_1y"
    assert {r["driver"] for r in data["apart"]} >= {"troops", "defence_pact"}
    assert data["discovery_sentence"].startswith("further_deployment@short happens")
    code, out, _ = _cli("sensitivity", str(ARCHIVED), "-t", "further_deployment@short", "-n", "4096", "-f", "csv")
    assert code == 0
    assert out.startswith("# tornado\ndriver,low,high,p_low,p_high,swing,word_low,word_high\n")
    code, out, _ = _cli("sensitivity", str(ARCHIVED), "-n", "4096")
    assert code == 0
    assert "first-order indices" in out


def test_cli_sensitivity_bad_target_exits_2() -> None:
    code, _, err = _cli("sensitivity", str(ARCHIVED), "-t", "nope@short", "-n", "1000")
    assert code == 2
    assert err.startswith("outlook: error: target 'nope@short': no scenario or event 'nope'")
