"""``outlook assumptions FILE|ID``: formats, tipping points and exit codes, run in-process."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from outlook import cli

FILE = """\
outlook: 1.1
id: tiny
title: Tiny
question: Does it happen?
as_of: 2024-01-01
horizons: {soon: {until: 1y}}
drivers:
  r: 0.3
  idle: 3
events:
  it: {rate: r}
scenarios:
  happens: it
  rest: otherwise
assumptions:
  slow:
    statement: The rate stays low.
    rating: unsupported
    if_false: {drivers.r: 0.9}
  idle_known:
    statement: Idle is three.
    rating: solid
    if_false: {drivers.idle: 7}
  honest:
    statement: Nobody lies.
    rating: caveated
"""


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def path(tmp_path: Path) -> str:
    p = tmp_path / "s.yaml"
    p.write_text(FILE)
    return str(p)


def test_the_table_lists_every_assumption_and_the_flips(path: str) -> None:
    code, out, err = run("assumptions", path, "-n", "4000", "--seed", "1")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "tiny: key assumptions check, 4000 samples, seed 1"
    assert [line.split()[0] for line in lines[4:7]] == ["slow", "idle_known", "honest"]
    assert "qualitative, not tested" in lines[6]
    flips = lines[lines.index("If this assumption is wrong, these judgements change word") + 2 :]
    assert sorted(line.split()[3] for line in flips[:3]) == ["happens", "it", "rest"]
    assert lines[-1] == "key uncertainties (caveated or unsupported, and a judgement flips): slow"


def test_json_holds_the_summary_and_every_row(path: str) -> None:
    code, out, _ = run("assumptions", path, "-n", "2000", "-f", "json")
    assert code == 0
    data = json.loads(out)
    assert [s["assumption"] for s in data["summary"]] == ["slow", "idle_known", "honest"]
    assert data["summary"][2]["max_abs_delta"] is None
    assert len(data["check"]) == 2 * 3  # two tested assumptions, three judgements
    assert {r["delta"] for r in data["check"] if r["assumption"] == "idle_known"} == {0.0}
    assert data["key_uncertainties"] == ["slow"]


def test_csv_has_a_section_per_table(path: str) -> None:
    code, out, _ = run("assumptions", path, "-n", "2000", "-f", "csv", "--all", "--tipping", "r", "--target", "it@soon")
    assert code == 0
    sections = {}
    for part in out.split("\n# "):
        name, _, body = part.lstrip("# ").partition("\n")
        sections[name] = list(csv.DictReader(io.StringIO(body)))
    assert list(sections) == ["summary", "check", "tipping"]
    assert len(sections["check"]) == 6
    assert sections["tipping"][0]["driver"] == "r"


def test_a_tipping_point_is_said_in_words(path: str) -> None:
    code, out, _ = run("assumptions", path, "-n", "4000", "--tipping", "r", "--target", "it@soon")
    assert code == 0
    lines = out.splitlines()
    sentence = lines[lines.index("tipping point") + 1]
    assert sentence.startswith("The soon judgement on it becomes roughly even chance if r ≥ 0.")
    assert "(Monte Carlo SE), bisection tolerance 0.0003" in lines[-1]


def test_the_tipping_record_says_how_far_it_searched_and_whether_it_was_bounded(path: str) -> None:
    import json

    code, out, _ = run("assumptions", path, "-n", "4000", "--tipping", "r", "--target", "it@soon", "-f", "json")
    assert code == 0
    tip = json.loads(out)["tipping"]
    assert tip["found"] is True
    assert tip["bounded"] is False
    assert tip["searched"] == tip["shift"]


def test_a_file_without_assumptions_says_so(tmp_path: Path) -> None:
    p = tmp_path / "none.yaml"
    p.write_text(FILE.split("assumptions:")[0])
    code, out, _ = run("assumptions", str(p), "-n", "100")
    assert code == 0
    assert "The file states no assumptions (no 'assumptions:' block): nothing to check." in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--tipping", "r"),
            "outlook: error: --tipping needs --target ID@HORIZON (the judgement whose word it watches)",
        ),
        (
            ("--tipping", "r", "--target", "it"),
            "outlook: error: --target must be ID@HORIZON, such as it@soon (got 'it')",
        ),
        (("--tipping", "nope", "--target", "it@soon"), "outlook: error: no driver 'nope'."),
        (("--scale", "nope"), "outlook: error: unknown scale 'nope'"),
    ],
)
def test_bad_arguments_exit_2(path: str, args: tuple[str, ...], message: str) -> None:
    code, _, err = run("assumptions", path, "-n", "100", *args)
    assert code == 2
    assert err.startswith(message)


def test_a_bad_if_false_exits_2_with_the_located_line(path: str, tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(Path(path).read_text().replace("drivers.r: 0.9", "drivers.rr: 0.9"))
    code, out, err = run("assumptions", str(p))
    assert (code, out) == (2, "")
    assert err == (
        f"{p}:19:16: assumptions.slow.if_false.drivers.rr: assumption 'slow': unknown driver 'rr'. "
        "Did you mean 'drivers.r'?\n"
    )
