"""The outlook command, run in-process through cli.main(argv)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import outlook
from outlook import cli


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


GOOD = """outlook: 1
id: tiny
title: Tiny
question: Does it happen?
as_of: 2024-01-01
horizons: {soon: {until: 1y}, later: {until: 5y}}
drivers: {r: {range: [0.1, 0.3], shape: lognormal, unit: per year}}
events: {it: {rate: r}}
scenarios: {happens: it, not_yet: otherwise}
"""


@pytest.fixture
def good(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.yaml"
    p.write_text(GOOD)
    return p


def test_run_prints_tables(good: Path) -> None:
    """`outlook run FILE` prints every table, exit 0, nothing on stderr."""
    code, out, err = run("run", str(good), "--samples", "2000")
    assert (0, "") == (code, err)
    for word in ("scenarios", "events", "drivers", "happens", "not_yet", "soon", "later"):
        assert word in out


def test_run_by_bundled_id() -> None:
    """A bundled scenario runs by its id."""
    code, out, _ = run("run", "nk-troops-russia", "-n", "2000", "--table", "scenarios")
    assert 0 == code
    assert "contained" in out


def test_json_is_one_object(good: Path) -> None:
    """`--format json` prints one JSON object: tables as row lists, and the manifest."""
    code, out, _ = run("run", str(good), "-n", "2000", "--seed", "7", "--format", "json")
    data = json.loads(out)
    assert 0 == code
    assert {"scenarios", "events", "drivers", "derived", "categories", "manifest", "warnings"} == set(data)
    assert (7, 2000) == (data["manifest"]["seed"], data["manifest"]["samples"])
    total = sum(r["p"] for r in data["scenarios"] if r["horizon"] == "soon")
    assert abs(total - 1) < 1e-12


def test_json_matches_the_api(good: Path) -> None:
    """The CLI prints the numbers the API returns for the same settings."""
    _, out, _ = run("run", str(good), "-n", "3000", "--seed", "5", "--format", "json")
    api = outlook.run_outlook(good, samples=3000, seed=5)
    assert api.scenarios["p"].tolist() == [r["p"] for r in json.loads(out)["scenarios"]]


def test_csv_single_table_parses(good: Path) -> None:
    """`--format csv --table scenarios` is plain CSV with the table's columns."""
    import pandas as pd

    code, out, _ = run("run", str(good), "-n", "1000", "--format", "csv", "--table", "scenarios")
    frame = pd.read_csv(io.StringIO(out))
    assert 0 == code
    assert ["horizon", "scenario", "p", "p_se", "word"] == list(frame.columns)
    assert 4 == len(frame)


def test_csv_all_tables_are_marked(good: Path) -> None:
    """`--format csv` marks each table with a `# name` line."""
    _, out, _ = run("run", str(good), "-n", "1000", "--format", "csv")
    assert ["# scenarios", "# events", "# drivers", "# derived", "# categories"] == [
        line for line in out.splitlines() if line.startswith("#")
    ]


def test_markdown_has_pipe_tables(good: Path) -> None:
    """`--format markdown` prints headed pipe tables."""
    code, out, _ = run("run", str(good), "-n", "1000", "--format", "markdown")
    assert 0 == code
    assert "## scenarios" in out
    assert "| horizon | scenario | p | p_se | word |" in out


def test_check_ok(good: Path) -> None:
    """`outlook check` says ok for a valid file, exit 0."""
    code, out, err = run("check", str(good))
    assert (0, "") == (code, err)
    assert out.startswith(f"{good}: ok (1 drivers, 0 derived, 1 events, 2 scenarios, 2 horizons)")


def test_check_bad_file_exits_2_with_located_lines(tmp_path: Path, good: Path) -> None:
    """A file with errors: exit 2, one located line per problem, no traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("range: [0.1, 0.3]", "range: [0.3, 0.1]").replace("rate: r", "rate: rr"))
    code, out, err = run("check", str(bad), str(good))
    assert 2 == code
    lines = err.strip().splitlines()
    assert 2 == len(lines)
    assert lines[0].startswith(f"{bad}:7:22: drivers.r.range: low 0.3 > high 0.1")
    assert lines[1].startswith(f"{bad}:8:21: events.it.rate: unknown name 'rr'")
    assert "Traceback" not in err
    assert "ok" in out


def test_run_bad_file_exits_2(tmp_path: Path) -> None:
    """`outlook run` on a bad file: exit 2, message on stderr, nothing on stdout."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("outlook: 1\nid: x\n")
    code, out, err = run("run", str(bad))
    assert (2, "") == (code, out)
    assert f"{bad}:1:1: missing required key 'title'" in err
    assert "Traceback" not in err


def test_traceback_flag_shows_the_stack(tmp_path: Path) -> None:
    """`--traceback` adds the stack to the message."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("outlook: 1\n")
    code, _, err = run("run", str(bad), "--traceback")
    assert 2 == code
    assert "Traceback" in err


def test_unknown_scenario_id_exits_2() -> None:
    """An id that is neither a file nor bundled: exit 2 with a did-you-mean."""
    code, _, err = run("run", "nk-troops-rusia")
    assert 2 == code
    assert "Did you mean 'nk-troops-russia'?" in err


def test_failed_run_exits_1(tmp_path: Path) -> None:
    """A run that fails in some worlds (negative rate) exits 1."""
    p = tmp_path / "neg.yaml"
    p.write_text(GOOD.replace("range: [0.1, 0.3], shape: lognormal", "range: [-0.5, 0.3], shape: normal"))
    code, out, err = run("run", str(p), "-n", "1000")
    assert (1, "") == (code, out)
    assert "run failed" in err
    assert "rate is negative" in err


@pytest.mark.parametrize(
    "argv",
    [["run"], ["run", "x", "--samples", "0"], ["run", "x", "--seed", "-3"], ["run", "x", "--format", "xml"], ["nope"]],
    ids=["missing-file", "zero-samples", "negative-seed", "bad-format", "bad-command"],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    """Bad arguments: exit 2 with argparse's usage message."""
    code, _, err = run(*argv)
    assert 2 == code
    assert "usage: outlook" in err


def test_unknown_scale_exits_2(good: Path) -> None:
    """An unknown --scale: exit 2 naming the scales."""
    code, _, err = run("run", str(good), "--scale", "foo")
    assert 2 == code
    assert "unknown scale 'foo'" in err


def test_list_shows_bundled() -> None:
    """`outlook list` shows each bundled scenario's id and title."""
    code, out, _ = run("list")
    assert 0 == code
    assert "nk-troops-russia  North Korean troops in Russia's war against Ukraine" in out


def test_scales_lists_every_scale() -> None:
    """`outlook scales` names every scale."""
    code, out, _ = run("scales")
    assert 0 == code
    for name in outlook.SCALES:
        assert f"{name}:" in out


def test_version_and_help() -> None:
    """`--version` and `--help` exit 0."""
    code, out, _ = run("--version")
    assert (0, f"outlook {outlook.__version__}\n") == (code, out)
    code, out, _ = run("--help")
    assert 0 == code
    assert "usage: outlook" in out


def test_warning_goes_to_stderr(tmp_path: Path) -> None:
    """A scenario no world reaches is reported on stderr as a note."""
    p = tmp_path / "w.yaml"
    p.write_text(GOOD.replace("happens: it", "happens: it and r > 5"))
    code, _, err = run("run", str(p), "-n", "500")
    assert 0 == code
    assert "outlook: note: scenario 'happens' was reached by no simulated world at any horizon" in err
