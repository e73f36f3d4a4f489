"""The outlook command, run in-process through cli.main(argv)."""

from __future__ import annotations

import io
import json
import re
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
    """`outlook run FILE --all` prints every table, exit 0, nothing on stderr."""
    code, out, err = run("run", str(good), "--samples", "2000", "--all")
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
    assert {"scenarios", "events", "drivers", "derived", "categories", "curves", "manifest", "warnings"} == set(data)
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


def test_csv_without_table_is_the_scenarios_table_alone(good: Path) -> None:
    """`--format csv` without --table: the scenarios table, which pandas reads, and a note naming the others."""
    import pandas as pd

    code, out, err = run("run", str(good), "-n", "1000", "--format", "csv")
    assert 0 == code
    assert ["horizon", "scenario", "p", "p_se", "word"] == list(pd.read_csv(io.StringIO(out)).columns)
    assert [
        "outlook: note: CSV holds one table, this is 'scenarios'; the others need --table NAME "
        "(events, drivers, derived, categories, curves), or --format xlsx -o FILE for all of them"
    ] == err.splitlines()


def test_markdown_has_pipe_tables(good: Path) -> None:
    """`--format markdown` prints headed pipe tables."""
    code, out, _ = run("run", str(good), "-n", "1000", "--format", "markdown", "--all")
    assert 0 == code
    assert "## scenarios" in out
    assert "| horizon | scenario | p | p_se | word |" in out


def test_check_ok(good: Path) -> None:
    """`outlook check` says ok for a valid file, exit 0."""
    code, out, err = run("check", str(good))
    assert (0, "") == (code, err)
    assert out.startswith(f"{good}: ok (1 driver, 0 derived, 1 event, 2 scenarios, 2 horizons)")


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


# --------------------------------------------------------------------------
# outlook report


class FakeTTY(io.StringIO):
    """A stderr that says it is a terminal, so that the progress bar may show."""

    def isatty(self) -> bool:
        return True


def run_tty(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), FakeTTY()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def files_in(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the command simulates (bad output must be caught before)."""
    import outlook.api

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated before checking the output")

    monkeypatch.setattr(outlook.api, "run_outlook", refuse)


def test_report_writes_html(good: Path, tmp_path: Path) -> None:
    """`outlook report FILE -o x.html` writes one self-contained page; exit 0, quiet stderr when not a terminal."""
    target = tmp_path / "out" / "r.html"
    target.parent.mkdir()
    code, out, err = run("report", str(good), "-n", "2000", "--seed", "4", "-o", str(target))
    assert (0, f"wrote {target}\n", "") == (code, out, err)
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<title>Tiny</title>" in text
    assert ["r.html"] == sorted(files_in(target.parent))


def test_report_matches_the_api(good: Path, tmp_path: Path) -> None:
    """The command writes exactly what outlook.report.write_report writes for the same settings."""
    from outlook.report import write_report

    run("report", str(good), "-n", "1500", "--seed", "2", "-o", str(tmp_path / "cli.md"), "--figures", "svg", "-q")
    (tmp_path / "api").mkdir()
    tables = outlook.run_outlook(good, samples=1500, seed=2)
    write_report(tables, tmp_path / "api" / "cli.md", figure_format="svg")
    cli_files = {k: v for k, v in files_in(tmp_path).items() if not k.startswith("api/") and k != "tiny.yaml"}
    api_files = {k.removeprefix("api/"): v for k, v in files_in(tmp_path).items() if k.startswith("api/")}
    assert api_files == cli_files
    assert any(k.startswith("cli_files/") and k.endswith(".svg") for k in cli_files)


def test_report_format_option_overrides_the_suffix(good: Path, tmp_path: Path) -> None:
    """`--format markdown` writes Markdown whatever the name."""
    target = tmp_path / "notes.txt"
    code, _, _ = run("report", str(good), "-n", "1000", "-o", str(target), "--format", "markdown", "-q")
    assert 0 == code
    assert target.read_text(encoding="utf-8").startswith("# Tiny\n")
    assert (tmp_path / "notes_files").is_dir()


@pytest.mark.parametrize(
    ("where", "extra", "message"),
    [
        ("missing/r.html", [], "outlook: error: cannot write {tmp}/missing/r.html: no such directory"),
        ("afile/r.html", [], "outlook: error: cannot write {tmp}/afile/r.html: '{tmp}/afile' is not a directory"),
        ("adir", ["--format", "html"], "outlook: error: cannot write {tmp}/adir: it is a directory"),
        ("r.pdf", [], "outlook: error: cannot tell the report format from the name 'r.pdf'"),
        ("r.html", ["--format", "pdf"], "outlook: error: unknown report format 'pdf'; expected html or markdown"),
        ("r.html", ["--figures", "gif"], "outlook: error: unknown figure format 'gif'; expected png or svg"),
        ("r.html", ["--scale", "nope"], "outlook: error: unknown scale 'nope'"),
    ],
    ids=["missing-dir", "inside-a-file", "a-directory", "unknown-suffix", "unknown-format", "figures", "scale"],
)
@pytest.mark.usefixtures("no_simulation")
def test_report_bad_output_exits_2_before_simulating(
    good: Path, tmp_path: Path, where: str, extra: list[str], message: str
) -> None:
    """An output that cannot be written or an unknown format: exit 2, one line, nothing written, no simulation."""
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    before = files_in(tmp_path)
    code, out, err = run("report", str(good), "-o", str(tmp_path / where), *extra)
    assert (2, "") == (code, out)
    assert 1 == len(err.splitlines()), err
    assert err.startswith(message.format(tmp=tmp_path)), err
    assert before == files_in(tmp_path)
    assert ["adir", "afile", "tiny.yaml"] == sorted(p.name for p in tmp_path.iterdir())


def test_report_bad_scenario_exits_2_and_keeps_the_old_report(tmp_path: Path) -> None:
    """A scenario with errors: exit 2 with the located message; an existing report is left as it was."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("outlook: 1\nid: x\n")
    target = tmp_path / "r.html"
    target.write_text("old report")
    code, out, err = run("report", str(bad), "-o", str(target))
    assert (2, "") == (code, out)
    assert err.startswith(f"{bad}:1:1: missing required key 'title'")
    assert "Traceback" not in err
    assert "old report" == target.read_text()
    assert ["bad.yaml", "r.html"] == sorted(p.name for p in tmp_path.iterdir())


def test_report_missing_output_is_a_usage_error(good: Path) -> None:
    """`-o` is required."""
    code, _, err = run("report", str(good))
    assert 2 == code
    assert "the following arguments are required: --output/-o" in err


def test_report_write_failure_exits_2(good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails after the checks (disk full): exit 2, one line, the old report kept, no temporary file."""
    import os

    target = tmp_path / "r.html"
    target.write_text("old report")

    def fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    code, out, err = run("report", str(good), "-n", "1000", "-o", str(target))
    assert (2, "") == (code, out)
    assert f"outlook: error: cannot write {target}: No space left on device\n" == err
    assert "old report" == target.read_text()
    assert ["r.html", "tiny.yaml"] == sorted(p.name for p in tmp_path.iterdir())


@pytest.mark.parametrize("command", ["run", "report"])
def test_progress_bar_on_a_terminal(good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    """On a terminal a run shows a progress bar on stderr (here with no delay); `--quiet` turns it off."""
    monkeypatch.setattr(cli, "_PROGRESS_DELAY", 0.0)
    extra = ["-o", str(tmp_path / "r.html")] if command == "report" else ["--table", "scenarios"]
    code, _, err = run_tty(command, str(good), "-n", "3000", *extra)
    assert 0 == code
    assert "simulating" in err
    assert "worlds" in err
    if command == "report":
        assert "drawing figures" in err
        assert "/4 [" in err
    code, out, err = run_tty(command, str(good), "-n", "3000", *extra, "--quiet")
    assert (0, "") == (code, err)
    if command == "report":
        assert "" == out


@pytest.mark.parametrize("command", ["run", "report"])
def test_no_progress_bar_off_a_terminal(
    good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """When stderr is not a terminal there is no bar, even with no delay."""
    monkeypatch.setattr(cli, "_PROGRESS_DELAY", 0.0)
    extra = ["-o", str(tmp_path / "r.html")] if command == "report" else []
    code, _, err = run(command, str(good), "-n", "3000", *extra)
    assert (0, "") == (code, err)


def test_progress_bar_waits_for_slow_runs(good: Path, tmp_path: Path) -> None:
    """With the default one-second delay a quick run shows nothing, even on a terminal."""
    assert 1.0 == cli._PROGRESS_DELAY
    code, _, err = run_tty("run", str(good), "-n", "2000", "--table", "scenarios")
    assert (0, "") == (code, err)


def test_progress_callback_counts_every_sample() -> None:
    """The progress wiring turns (done, total) calls into bar updates that end at the total."""
    stream = FakeTTY()
    with cli._progress(stream, 300, quiet=False) as progress:
        assert progress is not None
        for done in (100, 200, 300):
            progress(done, 300)
    with cli._progress(stream, 300, quiet=True) as quiet:
        assert quiet is None
    with cli._progress(io.StringIO(), 300, quiet=False) as off:
        assert isinstance(off, cli._Progress)  # notes still go out; no bar off a terminal
        assert off.bar is None


def test_cli_import_stays_light() -> None:
    """Importing the command loads neither matplotlib, tqdm nor the report module."""
    import subprocess
    import sys

    code = "import sys, outlook.cli; print(sorted(m for m in ('matplotlib', 'tqdm', 'outlook.report') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "[]" == done.stdout.strip()


def test_report_without_matplotlib(good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without matplotlib (the plots extra): exit 2 with one line saying what to install; --no-figures works."""
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    target = tmp_path / "r.html"
    code, out, err = run("report", str(good), "-n", "1000", "-o", str(target))
    assert (2, "") == (code, out)
    assert (
        "outlook: error: the report's figures need matplotlib, a dependency of scenario-outlook: pip install matplotlib"
        in err
    )
    assert 1 == len(err.splitlines())
    assert not target.exists()
    code, _, err = run("report", str(good), "-n", "1000", "-o", str(target), "--no-figures")
    assert (0, "") == (code, err)
    assert "<img" not in target.read_text(encoding="utf-8")


def test_precision_reports_the_samples_it_took_and_they_reproduce_it(good: Path) -> None:
    """--precision prints how many samples it took; --samples N gives the same JSON tables."""
    code, out, err = run("run", str(good), "--precision", "0.004", "--seed", "3", "--format", "json")
    assert 0 == code
    n = json.loads(out)["manifest"]["samples"]
    assert f"outlook: note: {n} samples for a standard error of at most 0.004" in err
    assert max(r["p_se"] for r in json.loads(out)["scenarios"]) <= 0.004
    code2, out2, _ = run("run", str(good), "--samples", str(n), "--seed", "3", "--format", "json")
    assert 0 == code2
    a, b = json.loads(out), json.loads(out2)
    assert a["scenarios"] == b["scenarios"]
    assert a["events"] == b["events"]


@pytest.mark.parametrize("bad", ["0", "0.5", "-1", "abc", "nan"])
def test_bad_precision_is_a_usage_error(good: Path, bad: str) -> None:
    code, _, err = run("run", str(good), "--precision", bad)
    assert 2 == code
    assert "argument --precision: expected a standard error between 0 and 0.5" in err


def test_sampler_and_workers_reach_the_engine(good: Path) -> None:
    """--sampler sobol is recorded in the manifest; --workers 2 gives the same numbers as one."""
    one = run("run", str(good), "-n", "70000", "--sampler", "sobol", "--format", "json")
    two = run("run", str(good), "-n", "70000", "--sampler", "sobol", "--workers", "2", "--format", "json")
    assert 0 == one[0] == two[0]
    a, b = json.loads(one[1]), json.loads(two[1])
    assert "sobol" == a["manifest"]["sampler"]
    assert a["scenarios"] == b["scenarios"]
    assert a["drivers"] == b["drivers"]


def test_unknown_sampler_is_a_usage_error(good: Path) -> None:
    code, _, err = run("run", str(good), "--sampler", "halton")
    assert 2 == code
    assert "argument --sampler: invalid choice: 'halton'" in err


def test_a_scheduler_that_cannot_be_reached_fails_in_one_line(good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No scheduler listens there: exit 1, one line naming the address, no traceback."""
    pytest.importorskip(
        "distributed", reason="dask[distributed] is not installed: pip install 'scenario-outlook[dask]'"
    )
    monkeypatch.setattr("outlook.model.runner.CONNECT_TIMEOUT", "1s")
    code, _, err = run("run", str(good), "-n", "1000", "--scheduler", "tcp://127.0.0.1:9")
    assert 1 == code
    assert err.startswith("outlook: run failed: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert 1 == len(err.strip().splitlines())


# --------------------------------------------------------------------------
# text from a scenario file, on its way to a terminal, a Markdown page or a spreadsheet

HOSTILE = r"""outlook: 1
id: hostile
title: Hostile
question: Does it happen?
as_of: 2024-01-01
horizons: {soon: {until: 1y}}
drivers:
  r: {range: [0.1, 0.3], shape: lognormal, unit: "=HYPERLINK(\"http://evil/\"),\e]0;pwned\a"}
  d: {range: [-5, -1], shape: normal, unit: "<img src=https://evil/x.png>"}
  mood: {categorical: {"\e[2J-calm": 0.5, "+1|<script>alert(1)</script>": 0.3, "@SUM(A1)\u202e\x9b": 0.2}}
events: {it: {rate: r}}
scenarios: {happens: it, not_yet: otherwise}
"""

#: What a terminal obeys: C0 controls but tab and newline, DEL, C1 controls, and bidi controls.
TERMINAL_CONTROLS = {chr(c) for c in [*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]} | set(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    p = tmp_path / "hostile.yaml"
    p.write_text(HOSTILE, encoding="utf-8")
    return p


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_scenario_text_never_drives_the_terminal(hostile: Path, fmt: str) -> None:
    """Escape sequences in units and category names come out as visible text, in every format."""
    every = {"csv": ["--table", "drivers"], "json": []}.get(fmt, ["--all"])  # the tables that show the text
    code, out, err = run("run", str(hostile), "-n", "2000", "--format", fmt, *every)
    assert (0, "") == (code, err)
    assert set() == set(out) & TERMINAL_CONTROLS
    assert "pwned" in out  # shown, not obeyed


def test_table_rows_show_escapes_as_text(hostile: Path) -> None:
    """The aligned table measures the escaped text, so its columns stay aligned."""
    _, out, _ = run("run", str(hostile), "-n", "2000", "--table", "categories")
    assert [
        "driver  category                           p    p_se",
        "mood    \\x1b[2J-calm                  0.4780  0.0112",
        "mood    +1|<script>alert(1)</script>  0.3025  0.0103",
        "mood    @SUM(A1)\\x9b                  0.2195  0.0093",
    ] == out.splitlines()[3:7]


def test_markdown_tables_show_html_and_markup_as_text(hostile: Path) -> None:
    """`--format markdown`: no live <script> or <img>, no table broken by a |; numbers as they were."""
    _, out, _ = run("run", str(hostile), "-n", "2000", "--format", "markdown", "--all")
    lines = out.splitlines()
    assert "| mood | +1\\|\\<script\\>alert(1)\\</script\\> | 0.3025 | 0.0103 |" in lines
    assert "| mood | \\\\x1b\\[2J-calm | 0.4780 | 0.0112 |" in lines
    assert any(line.startswith("| d | \\<img src=https://evil/x.png\\> | continuous | -2.9983 |") for line in lines)
    assert [] == re.findall(r"(?<!\\)<", out)  # no tag left unescaped


def test_csv_text_cells_cannot_start_a_formula(hostile: Path) -> None:
    """Text cells starting with = + - @ get a leading quote and are quoted (OWASP); numbers stay numbers."""
    import pandas as pd

    _, out, _ = run("run", str(hostile), "-n", "2000", "--format", "csv", "--table", "categories")
    assert [
        "driver,category,p,p_se",
        "mood,\\x1b[2J-calm,0.478,0.0111695120752878",
        'mood,"\'+1|<script>alert(1)</script>",0.3025,0.010271167168340705',
        'mood,"\'@SUM(A1)\\x9b",0.2195,0.009255262016820486',
    ] == out.splitlines()
    _, out, _ = run("run", str(hostile), "-n", "2000", "--format", "csv", "--table", "drivers")
    frame = pd.read_csv(io.StringIO(out))
    assert '\'=HYPERLINK("http://evil/"),\\x1b]0;pwned\\x07' == frame["unit"][0]
    assert frame["mean"][1] < 0  # a negative mean is still a number
    assert out.splitlines()[2].startswith("d,<img src=https://evil/x.png>,continuous,-2.9983364315974317,")


def test_json_escapes_every_terminal_control_and_keeps_the_data(hostile: Path) -> None:
    """DEL, C1 and bidi controls, which json.dumps leaves raw, are \\u escapes: the same strings, read back."""
    _, out, _ = run("run", str(hostile), "-n", "2000", "--format", "json", "--table", "categories")
    assert '"category": "@SUM(A1)\\u202e\\u009b",' in out
    names = [r["category"] for r in json.loads(out)["categories"]]
    assert ["\x1b[2J-calm", "+1|<script>alert(1)</script>", "@SUM(A1)\u202e\x9b"] == names


def test_check_shows_a_hostile_file_name_as_text(tmp_path: Path) -> None:
    """`outlook check` echoes the name it was given: escapes shown, not obeyed."""
    p = tmp_path / "t\x1b]0;x\x07.yaml"
    p.write_text(GOOD)
    code, out, err = run("check", str(p))
    assert (0, "") == (code, err)
    assert f"{tmp_path}/t\\x1b]0;x\\x07.yaml: ok (1 driver, 0 derived, 1 event, 2 scenarios, 2 horizons)\n" == out


def test_errors_and_notes_are_terminal_safe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever an error or a note carries, its escapes are shown as text (here from a failed run)."""
    from outlook import SimulationError

    def fail(*args: object, **kwargs: object) -> None:
        raise SimulationError("rate \x1b]0;x\x07 is negative \u202e here")

    monkeypatch.setattr("outlook.api.run_outlook", fail)
    code, out, err = run("run", "nk-troops-russia")
    assert (1, "") == (code, out)
    assert "outlook: run failed: rate \\x1b]0;x\\x07 is negative  here\n" == err


def test_other_libraries_warnings_and_logs_stay_off_stderr(
    good: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """A library that warns or logs during a run: exit 0 and nothing on stderr but outlook's own lines."""
    import logging
    import sys
    import warnings

    import outlook.api

    simulate = outlook.api.simulate

    def noisy(*args: object, **kwargs: object) -> object:
        warnings.warn("Port 8787 is already in use.", UserWarning, stacklevel=1)
        warnings.warn("overflow encountered in exp", RuntimeWarning, stacklevel=1)
        logging.getLogger("distributed.scheduler").warning("Received heartbeat from unregistered worker")
        logging.getLogger("some.library").error("something a library says")
        return simulate(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(outlook.api, "simulate", noisy)
    handler = logging.StreamHandler(sys.stderr)  # as distributed installs on its loggers
    logging.getLogger("distributed").addHandler(handler)
    try:
        code, _, err = run("run", str(good), "-n", "1000")
    finally:
        logging.getLogger("distributed").removeHandler(handler)
    assert (0, "") == (code, err)
    assert "" == capfd.readouterr().err


# --------------------------------------------------------------------------
# worker processes, Dask, signals


def test_too_many_workers_are_capped_with_a_note(good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--workers 3` where one core is usable: one process, and a note saying so."""
    monkeypatch.setattr("outlook.model.runner.cpu_count", lambda: 1)
    code, _, err = run("run", str(good), "-n", "1000", "--workers", "3")
    assert 0 == code
    assert "outlook: note: 3 worker processes were asked for, but this process may use 1 core: 1 ran\n" == err


@pytest.mark.parametrize("bad", ["0", "-1", "nan", "inf", "abc"])
def test_bad_worker_timeout_is_a_usage_error(good: Path, bad: str) -> None:
    code, _, err = run("run", str(good), "--worker-timeout", bad)
    assert 2 == code
    assert f"argument --worker-timeout: expected a positive number of seconds, such as 60, got {bad!r}" in err


def test_worker_timeout_reaches_the_engine(good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--worker-timeout 5` is passed on as worker_timeout=5.0 (default 60)."""
    seen: list[object] = []
    real = outlook.api.run_outlook

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(kwargs["worker_timeout"])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("outlook.api.run_outlook", spy)
    run("run", str(good), "-n", "1000", "--worker-timeout", "5")
    run("run", str(good), "-n", "1000")
    assert [5.0, 60.0] == seen


@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_end_the_command_through_its_cleanup(
    good: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """SIGTERM or SIGHUP during a run: every `finally` runs, one line, exit 128 + signal; the handler is restored."""
    import os
    import signal
    import time

    signum = getattr(signal, name)
    cleaned: list[bool] = []

    def killed(*args: object, **kwargs: object) -> None:
        # without a handler the signal would end this test process at once
        assert signal.SIG_DFL != signal.getsignal(signum), f"no {name} handler while the command runs"
        try:
            os.kill(os.getpid(), signum)
            time.sleep(10)  # interrupted by the handler's exception
        finally:
            cleaned.append(True)

    monkeypatch.setattr("outlook.api.run_outlook", killed)
    before = signal.getsignal(signum)
    code, out, err = run("run", str(good))
    assert (128 + signum, "", "outlook: terminated\n") == (code, out, err)
    assert [True] == cleaned
    assert before == signal.getsignal(signum)


def test_a_handler_installed_for_a_while_composes(good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Code that saves the current SIGTERM handler, installs its own and calls the saved one still ends the run."""
    import os
    import signal
    import time

    order: list[str] = []

    def with_own_handler(*args: object, **kwargs: object) -> None:
        saved = signal.getsignal(signal.SIGTERM)

        def own(signum: int, frame: object) -> None:
            order.append("own")
            assert callable(saved)
            saved(signum, frame)

        signal.signal(signal.SIGTERM, own)
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(10)
        finally:
            signal.signal(signal.SIGTERM, saved)

    monkeypatch.setattr("outlook.api.run_outlook", with_own_handler)
    code, _, err = run("run", str(good))
    assert (143, "outlook: terminated\n", ["own"]) == (code, err, order)


def test_an_ignored_sighup_stays_ignored(good: Path) -> None:
    """Under nohup (SIGHUP ignored) a hang-up does not end the run."""
    import os
    import signal

    old = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        import outlook.api

        real = outlook.api.run_outlook

        def hung_up(*args: object, **kwargs: object) -> object:
            os.kill(os.getpid(), signal.SIGHUP)
            return real(*args, **kwargs)  # type: ignore[arg-type]

        outlook.api.run_outlook = hung_up  # type: ignore[assignment]
        try:
            code, _, err = run("run", str(good), "-n", "1000")
        finally:
            outlook.api.run_outlook = real
        assert (0, "") == (code, err)
        assert signal.SIG_IGN == signal.getsignal(signal.SIGHUP)
    finally:
        signal.signal(signal.SIGHUP, old)


# --------------------------------------------------------------------------
# a long run says so before it starts


class FakeClock:
    """A clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.mark.parametrize("tty", [False, True], ids=["not-a-terminal", "terminal"])
def test_a_long_run_says_so_on_stderr(good: Path, monkeypatch: pytest.MonkeyPatch, tty: bool) -> None:
    """At the measured speed (a chunk of 65,536 samples per 200 fake seconds) 400,000 samples take 20 minutes."""
    monkeypatch.setattr(cli, "_clock", FakeClock(200.0))
    code, _, err = (run_tty if tty else run)("run", str(good), "-n", "400000", "--table", "scenarios")
    assert 0 == code
    note = (
        "outlook: note: this run of 400000 samples will take about 20 minutes at the measured speed "
        "(328 samples/s per process, 1 process); Ctrl-C stops it, and --precision may need far fewer samples\n"
    )
    assert 1 == err.count(note)
    if not tty:
        assert note == err


def test_a_short_run_and_a_quiet_one_say_nothing(good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under ten minutes at the measured speed: no note; `--quiet`: no note either."""
    monkeypatch.setattr(cli, "_clock", FakeClock(10.0))  # 6,554 samples/s: a minute
    assert (0, "") == (run("run", str(good), "-n", "400000")[0], run("run", str(good), "-n", "400000")[2])
    monkeypatch.setattr(cli, "_clock", FakeClock(200.0))
    assert "" == run("run", str(good), "-n", "400000", "--quiet")[2]


@pytest.mark.parametrize(
    ("processes", "how"),
    [
        (4, "about 51 minutes at the measured speed (1,000 samples/s per process, 4 processes)"),
        (None, "about 3.4 hours at the measured speed (1,000 samples/s on the Dask cluster)"),
    ],
    ids=["local", "dask"],
)
def test_the_estimate_counts_every_process(monkeypatch: pytest.MonkeyPatch, processes: int | None, how: str) -> None:
    """One process's speed times the processes (the cluster's own on Dask), measured over two seconds, once."""
    stream = io.StringIO()
    times = iter([0.0, 1.0, 2.0, 3.0])
    monkeypatch.setattr(cli, "_clock", lambda: next(times))
    note = cli._LongRunNote(cli._Progress(stream, None), processes=processes)
    note(1000, 12_345_678)  # the clock starts after the first chunk
    note(2000, 12_345_678)  # one second measured: too soon
    assert "" == stream.getvalue()
    note(3000, 12_345_678)  # 2,000 samples in two seconds
    note(4000, 12_345_678)  # said once
    expected = (
        f"outlook: note: this run of 12345678 samples will take {how}; "
        "Ctrl-C stops it, and --precision may need far fewer samples\n"
    )
    assert expected == stream.getvalue()


class _FailingStream(io.StringIO):
    """A stream whose every write fails with ``error`` (a broken pipe, a full disk)."""

    def __init__(self, error: OSError) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise self.error


@pytest.mark.parametrize("argv", [["list"], ["scales"], ["check", "outbreak-vaccine-race"]])
def test_a_reader_that_went_away_ends_quietly_with_141(argv: list[str]) -> None:
    err = io.StringIO()
    code = cli.main(argv, stdout=_FailingStream(BrokenPipeError(32, "Broken pipe")), stderr=err)
    assert (code, err.getvalue()) == (141, "")


def test_a_full_disk_is_one_line_exit_1(good: Path) -> None:
    err = io.StringIO()
    code = cli.main(
        ["run", str(good), "-n", "1000"], stdout=_FailingStream(OSError(28, "No space left on device")), stderr=err
    )
    assert (code, err.getvalue()) == (1, "outlook: error: cannot write to standard output: No space left on device\n")


def test_a_closed_standard_output_is_one_line_exit_1() -> None:
    import subprocess
    import sys

    code = "import sys, os; os.close(1); sys.stdout = None; from outlook.cli import main; sys.exit(main(['list']))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=False, stderr=subprocess.PIPE, timeout=120)
    assert (done.returncode, done.stderr.decode()) == (
        1,
        "outlook: error: cannot write to standard output: the stream is closed\n",
    )


_MAIN = "import sys; from outlook.cli import main; sys.exit(main())"


def test_a_broken_pipe_leaves_no_message_at_exit(tmp_path: Path) -> None:
    import subprocess
    import sys

    # the parent closes its end at once: the child's writes fail with EPIPE
    child = subprocess.Popen(
        [sys.executable, "-c", _MAIN, "run", "nk-troops-russia", "-n", "20000", "--table", "all"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    assert child.stderr is not None
    child.stdout.close()
    with child.stderr:
        err = child.stderr.read()
    assert (child.wait(timeout=120), err.decode()) == (141, "")


def test_a_name_too_long_for_the_system_is_not_a_file() -> None:
    code, _, err = run("run", "x" * 300)
    assert code == 2
    assert "no such file, and no bundled scenario with that id (bundled: " in err
    assert "nk-troops-russia" in err.rsplit("(bundled: ", 1)[1]


def test_scales_flag_an_unverified_scale_once() -> None:
    code, out, _ = run("scales")
    assert code == 0
    assert "nato-unverified: NATO AJP-2.1 (unverified)\n" in out
    assert all(line.count("(unverified)") <= 1 for line in out.splitlines())


def test_a_precision_not_reached_gets_one_note_not_two(good: Path) -> None:
    """At the cap the run says the precision was not reached, and not also that it was."""
    code, _, err = run("run", str(good), "--precision", "0.0001", "--samples", "2000", "--seed", "3")
    assert code == 0
    notes = [line for line in err.splitlines() if line.startswith("outlook: note:")]
    assert len(notes) == 1
    assert notes[0].startswith("outlook: note: precision 0.0001 was not reached: the largest standard error is ")


def test_a_report_is_the_same_for_any_worker_count(good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A capped worker count is a note on stderr, never part of the report."""
    monkeypatch.setattr("outlook.model.runner.cpu_count", lambda: 1)
    one, three = tmp_path / "one.md", tmp_path / "three.md"
    assert 0 == run("report", str(good), "-n", "1000", "--no-figures", "-q", "-o", str(one))[0]
    code, _, err = run("report", str(good), "-n", "1000", "--no-figures", "-q", "-o", str(three), "--workers", "3")
    assert (0, "outlook: note: 3 worker processes were asked for, but this process may use 1 core: 1 ran\n") == (
        code,
        err,
    )
    assert one.read_bytes() == three.read_bytes()


def test_a_what_ifs_tables_and_report_say_it_is_a_what_if() -> None:
    """Pasted from the terminal or read in a report, a what-if cannot pass for the scenario as stated."""
    setting = ["--set", "drivers.p_quota_1y.range=[0.2,0.5]"]
    code, out, _ = run("run", "nk-troops-russia", "-n", "2000", "-q", "--table", "scenarios", *setting)
    assert code == 0
    assert out.splitlines()[1] == "what-if: drivers.p_quota_1y.range=[0.2,0.5]"
    code, out, _ = run("run", "nk-troops-russia", "-n", "2000", "-q", "--table", "scenarios")
    assert "what-if" not in out.lower()
    code, out, _ = run(
        "report", "nk-troops-russia", "-n", "2000", "-q", "--no-figures", "-f", "markdown", "-o", "-", *setting
    )
    assert code == 0
    assert "**What-if.** Not the scenario as its file states it: drivers.p_quota_1y.range=\\[0.2,0.5\\].\n" in out


def test_check_of_several_files_says_which_file_an_override_fails_in(good: Path) -> None:
    argv = ("--set", "as_of=2024-11-20", "--set", "drivers.p_quota_1y.range=[0.2,0.5]")
    code, out, err = run("check", "nk-troops-russia", str(good), *argv)
    assert code == 2
    assert out.startswith("nk-troops-russia: ok with 2 overrides")
    assert (
        f"{good}: override drivers.p_quota_1y.range: unknown key path: drivers has no 'p_quota_1y'" in err.splitlines()
    )
