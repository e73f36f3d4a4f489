"""``outlook futures FILE|ID`` and ``outlook cone FILE|ID``: formats and exit codes, run in-process."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from outlook import cli
from outlook.testing import tiny_yaml

AXES = {
    "a": {"when": "a", "high": "A", "low": "no A"},
    "b": {"when": "a or b", "high": "any", "low": "none"},
}
EVENTS = {"a": {"rate": 0.7, "impact": "high"}, "b": {"rate": 0.05, "impact": "high"}}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def path(tmp_path: Path) -> str:
    p = tmp_path / "f.yaml"
    p.write_text(tiny_yaml(outlook=1.1, events=EVENTS, futures={"horizon": "soon", "axes": AXES}))
    return str(p)


def test_futures_table(path):
    code, out, err = run("futures", path, "--samples", "2000", "--seed", "1")
    assert code == 0, err
    assert "a_high.b_low" in out
    assert "warning: a x b: phi = +" in out
    assert "implausible combination" in out


def test_futures_json_sums_to_one(path):
    code, out, _ = run("futures", path, "-n", "2000", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert sum(q["p"] for q in data["quadrants"]) == pytest.approx(1.0)
    assert data["samples"] == 2000
    assert data["associations"][0]["phi"] > 0.3


def test_futures_csv(path):
    code, out, _ = run("futures", path, "-n", "500", "-f", "csv")
    assert code == 0
    first = out.split("\n\n")[0].splitlines()
    assert first[0] == "# quadrants"
    rows = list(csv.DictReader(first[1:]))
    assert [r["quadrant"] for r in rows] == ["a_high.b_high", "a_high.b_low", "a_low.b_high", "a_low.b_low"]


def test_cone_json_and_wildcards(path):
    code, out, _ = run("cone", path, "-n", "4000", "-f", "json")
    assert code == 0
    row = json.loads(out)["cone"][0]
    assert row["baseline"] == "a_happens"
    assert "b (" in row["wildcards"]
    assert "a (" not in row["wildcards"]


def test_cone_bundled_case_widens():
    code, out, _ = run("cone", "nk-troops-russia", "-n", "4000", "-f", "json")
    assert code == 0
    widths = [r["width"] for r in json.loads(out)["cone"]]
    assert widths == sorted(widths)


def test_exit_codes(tmp_path, path):
    archived = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"
    code, _, err = run("futures", str(archived), "-n", "100")
    assert code == 2  # the first edition has no futures: block
    assert "futures" in err
    assert "Traceback" not in err
    code, _, err = run("cone", str(tmp_path / "missing.yaml"))
    assert code != 0
    assert "Traceback" not in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(tiny_yaml(outlook=1.1, events=EVENTS, futures={"horizon": "later", "axes": AXES}))
    code, _, err = run("futures", str(bad))
    assert code == 2
    assert "futures.horizon: unknown horizon 'later'" in err


def test_the_bundled_case_states_its_futures() -> None:
    """The revised bundled case's grid: two nearly independent axes (no phi warning), quadrants summing to 1."""
    code, out, err = run("futures", "nk-troops-russia", "-n", "4000", "-f", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert sum(q["p"] for q in data["quadrants"]) == pytest.approx(1.0)
    assert {q["quadrant"] for q in data["quadrants"]} == {
        "war_high.alliance_high",
        "war_high.alliance_low",
        "war_low.alliance_high",
        "war_low.alliance_low",
    }
    assert all(q["narrative"] for q in data["quadrants"])
    assert all(abs(a["phi"]) < 0.3 and not a["warning"] for a in data["associations"])


def test_futures_lists_top_indicators_when_the_file_states_them(tmp_path, path):
    """With indicators the output has an indicators table (JSON key, text heading); without, none."""
    code, out, _ = run("futures", path, "-n", "2000", "-f", "json")
    assert code == 0
    assert "indicators" not in json.loads(out)
    p = tmp_path / "i.yaml"
    ind = {"i_b": {"label": "B seen", "observable": "b"}}
    p.write_text(tiny_yaml(outlook=1.1, events=EVENTS, futures={"horizon": "soon", "axes": AXES}, indicators=ind))
    code, out, _ = run("futures", str(p), "-n", "2000", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert {r["indicator"] for r in data["indicators"]} == {"i_b"}
    assert any(q["top_indicators"] == "i_b" for q in data["quadrants"])
    code, out, _ = run("futures", str(p), "-n", "2000")
    assert code == 0
    assert "\nindicators\n" in out
