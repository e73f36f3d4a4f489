"""Writing reports never loses or damages a file, whatever the output path and whatever happens meanwhile.

The kinds of harm checked: a report written over its own scenario file; a
device, named pipe, socket or symbolic link replaced by a regular file; a
figures folder that is a link, followed out of the report's folder; names
near the file system's limit; two runs writing one Markdown report at once;
and SIGTERM or SIGHUP in the middle of a write. Messages are compared whole.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import outlook
import outlook.report.build
from outlook import cli
from outlook.report import build_report, check_output, write_report

TINY = """outlook: 1
id: tiny
title: Tiny
question: Does it happen?
as_of: 2024-01-31
horizons: {soon: {label: "0–6 months", until: 6mo}, later: {until: 5y}}
drivers: {r: {range: [0.1, 0.3], shape: lognormal, unit: per year}}
events: {it: {rate: r}}
scenarios: {happens: it, not_yet: otherwise}
"""

STREAM = "to stream a report, write it to standard output (-o -)"


def listing(folder: Path) -> dict[str, Any]:
    """Every entry under ``folder``: a file's bytes, or what a link points to, or what kind of node it is."""
    out: dict[str, Any] = {}
    for p in sorted(folder.rglob("*")):
        st = p.lstat()
        if stat.S_ISLNK(st.st_mode):
            out[str(p.relative_to(folder))] = ("link", os.readlink(p))
        elif stat.S_ISREG(st.st_mode):
            out[str(p.relative_to(folder))] = p.read_bytes()
        elif not stat.S_ISDIR(st.st_mode):
            out[str(p.relative_to(folder))] = ("node", stat.S_IFMT(st.st_mode), st.st_rdev)
    return out


def refusal(call: Callable[[], object]) -> str:
    """The message of the ValueError that ``call`` raises (the test fails if it raises none)."""
    try:
        call()
    except ValueError as exc:
        return str(exc)
    pytest.fail("not refused")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def tiny() -> outlook.Tables:
    return outlook.run_outlook(outlook.Scenario.from_yaml(TINY), samples=1_000, seed=1)


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(TINY)
    return p


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the command simulates (a bad output must be refused before)."""
    import outlook.api

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated before checking the output")

    monkeypatch.setattr(outlook.api, "run_outlook", refuse)


# --------------------------------------------------------------------------
# the scenario file is never the report


@pytest.mark.parametrize(
    ("make", "given"),
    [
        (lambda tmp: None, "s.yaml"),
        (lambda tmp: (tmp / "sub").mkdir(), "sub/../s.yaml"),
        (lambda tmp: os.link(tmp / "s.yaml", tmp / "hard.html"), "hard.html"),
        (lambda tmp: (tmp / "soft.html").symlink_to("s.yaml"), "soft.html"),
    ],
    ids=["same-path", "dot-dot", "hard-link", "symlink"],
)
@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_the_report_never_replaces_its_scenario(
    scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make: Any, given: str, relative: bool
) -> None:
    """An output that is the scenario file (by any path, or a link) is refused, and the scenario is untouched."""
    make(tmp_path)
    tables = outlook.run_outlook(scenario, samples=1_000, seed=1)
    if relative:
        monkeypatch.chdir(tmp_path)
        out = Path(given)
    else:
        out = tmp_path / given
    before = listing(tmp_path)
    suggestion = "s.html" if given.endswith(".yaml") else f"{Path(given).stem}-report.html"
    expected = (
        f"cannot write {out}: it is the scenario file itself ({scenario}); "
        f"choose another name for the report, such as {suggestion!r}"
    )
    assert expected == refusal(lambda: write_report(tables, out, format="html", figures=False))
    assert expected == refusal(lambda: check_output(out, format="html", scenario=scenario))
    assert before == listing(tmp_path)


@pytest.mark.usefixtures("no_simulation")
def test_the_command_refuses_to_write_over_its_scenario(tmp_path: Path) -> None:
    """`outlook report s.md -o s.md`: exit 2 before simulating, one line, the scenario unchanged."""
    scenario = tmp_path / "s.md"
    scenario.write_text(TINY)
    code, out, err = run("report", str(scenario), "-o", str(scenario))
    assert (2, "") == (code, out)
    assert (
        f"outlook: error: cannot write {scenario}: it is the scenario file itself ({scenario}); "
        "choose another name for the report, such as 's-report.md'\n"
    ) == err
    assert TINY == scenario.read_text()
    assert ["s.md"] == [p.name for p in tmp_path.iterdir()]


@pytest.mark.parametrize("figures", [True, False], ids=["figures", "no-figures"])
def test_the_figures_folder_never_holds_the_scenario(tmp_path: Path, figures: bool) -> None:
    """A Markdown report whose figures folder holds the scenario file (at any depth) is refused."""
    (tmp_path / "r_files" / "deep").mkdir(parents=True)
    scenario = tmp_path / "r_files" / "deep" / "drivers-0123456789ab.png"
    scenario.write_text(TINY)
    tables = outlook.run_outlook(scenario, samples=1_000, seed=1)
    before = listing(tmp_path)
    assert (
        f"cannot write {tmp_path}/r.md: its figures folder '{tmp_path}/r_files' holds the scenario file "
        f"'{scenario}'; choose another name for the report"
    ) == refusal(lambda: write_report(tables, tmp_path / "r.md", figures=figures))
    assert before == listing(tmp_path)


def test_the_figures_folder_is_never_the_scenario(tmp_path: Path) -> None:
    """A scenario file named like the report's figures folder is refused, not taken for a folder in the way."""
    scenario = tmp_path / "r_files"
    scenario.write_text(TINY)
    tables = outlook.run_outlook(scenario, samples=1_000, seed=1)
    assert (
        f"cannot write {tmp_path}/r.md: its figures folder '{tmp_path}/r_files' is the scenario file; "
        "choose another name for the report"
    ) == refusal(lambda: write_report(tables, tmp_path / "r.md", figures=False))
    assert TINY == scenario.read_text()


# --------------------------------------------------------------------------
# only a regular file is ever replaced


def _fifo(p: Path) -> None:
    os.mkfifo(p)


def _socket(p: Path) -> None:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(p))
    s.close()  # the node stays


def _device(p: Path) -> None:
    try:
        os.mknod(p, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is, made here
    except PermissionError:
        pytest.skip("making a device node needs root")


NODES = [
    (_fifo, "it is a named pipe (FIFO), not a regular file, and a report replaces only a regular file; " + STREAM),
    (_socket, "it is a socket, not a regular file, and a report replaces only a regular file; " + STREAM),
    (_device, "it is a character device, not a regular file, and a report replaces only a regular file; " + STREAM),
    (
        lambda p: p.symlink_to("real.html"),
        "it is a symbolic link (to 'real.html'), and a report never replaces a link; "
        "write to the target itself, or remove the link",
    ),
    (
        lambda p: p.symlink_to("missing.html"),
        "it is a symbolic link (to 'missing.html'), and a report never replaces a link; "
        "write to the target itself, or remove the link",
    ),
    (
        lambda p: p.symlink_to(os.devnull),
        f"it is a symbolic link (to {os.devnull!r}), and a report never replaces a link; " + STREAM,
    ),
]


@pytest.mark.parametrize(("make", "why"), NODES, ids=["fifo", "socket", "device", "link", "dangling-link", "dev-link"])
@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_only_a_regular_file_is_replaced(
    tiny: outlook.Tables, tmp_path: Path, make: Any, why: str, suffix: str
) -> None:
    """A device, named pipe, socket or symbolic link at the output is refused and left as it was."""
    (tmp_path / "real.html").write_text("the link's target")
    target = tmp_path / f"out{suffix}"
    make(target)
    before = listing(tmp_path)
    assert f"cannot write {target}: {why}" == refusal(lambda: check_output(target))
    assert f"cannot write {target}: {why}" == refusal(lambda: write_report(tiny, target, figures=False))
    assert before == listing(tmp_path)


@pytest.mark.usefixtures("no_simulation")
def test_the_command_refuses_a_named_pipe(tmp_path: Path, scenario: Path) -> None:
    """`-o` naming a FIFO: exit 2 before simulating (and before anyone could block on the pipe), one line."""
    fifo = tmp_path / "pipe.html"
    os.mkfifo(fifo)
    code, out, err = run("report", str(scenario), "-o", str(fifo))
    assert (2, "") == (code, out)
    assert f"outlook: error: cannot write {fifo}: {NODES[0][1]}\n" == err
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_link_swapped_in_after_the_checks_is_not_replaced(
    tiny: outlook.Tables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The output is checked again just before the rename: a link that appeared meanwhile is still refused."""
    target = tmp_path / "out.html"
    real = outlook.report.build.build_report

    def build_then_swap(*args: Any, **kwargs: Any) -> Any:
        text = real(*args, **kwargs)
        target.symlink_to("elsewhere.html")
        return text

    monkeypatch.setattr(outlook.report.build, "build_report", build_then_swap)
    expected = f"cannot write {target}: {NODES[4][1].replace('missing', 'elsewhere')}"
    assert expected == refusal(lambda: write_report(tiny, target, figures=False))
    assert {"out.html": ("link", "elsewhere.html")} == listing(tmp_path)


# --------------------------------------------------------------------------
# standard output


def test_dash_streams_the_report_to_standard_output(
    tmp_path: Path, scenario: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-o -` writes the report to standard output (HTML by default; Markdown without figures) and no file."""
    monkeypatch.chdir(tmp_path)
    tables = outlook.run_outlook(scenario, samples=1_000, seed=4)
    code, out, err = run("report", str(scenario), "-n", "1000", "-s", "4", "-o", "-", "--no-figures")
    assert (0, "") == (code, err)
    assert build_report(tables, figures=False) == out
    code, out, err = run("report", str(scenario), "-n", "1000", "-s", "4", "-o", "-", "-f", "md", "--no-figures")
    assert (0, "") == (code, err)
    assert build_report(tables, format="markdown", figures=False)[0] == out
    assert ["s.yaml"] == [p.name for p in tmp_path.iterdir()]


@pytest.mark.usefixtures("no_simulation")
def test_dash_refuses_markdown_with_figures(scenario: Path) -> None:
    """Markdown's figures are separate files, which standard output cannot carry: exit 2 before simulating."""
    code, out, err = run("report", str(scenario), "-o", "-", "--format", "markdown")
    assert (2, "") == (code, out)
    assert (
        "outlook: error: cannot write a Markdown report with figures to standard output: its figures are separate "
        "files; leave them out (--no-figures), write HTML (--format html), or name a file\n"
    ) == err


def test_dash_streams_utf8_whatever_the_locale(scenario: Path) -> None:
    """Standard output gets UTF-8 bytes even where the locale's encoding is ASCII."""
    buf = io.BytesIO()
    out = io.TextIOWrapper(buf, encoding="ascii")
    err = io.StringIO()
    code = cli.main(["report", str(scenario), "-n", "1000", "-o", "-", "--no-figures"], stdout=out, stderr=err)
    assert (0, "") == (code, err.getvalue())
    assert "0–6 months" in buf.getvalue().decode("utf-8")


def test_write_report_writes_files_only(tiny: outlook.Tables) -> None:
    """write_report refuses '-': streaming is build_report's text, written where it should go."""
    assert (
        "write_report writes a file; to stream a report, write the text of build_report where it should go"
    ) == refusal(lambda: write_report(tiny, "-"))


# --------------------------------------------------------------------------
# the figures folder


@pytest.mark.parametrize("figures", [True, False], ids=["figures", "no-figures"])
def test_a_linked_figures_folder_is_refused(tiny: outlook.Tables, tmp_path: Path, figures: bool) -> None:
    """`<stem>_files` that is a symbolic link is refused: nothing is written or removed through it."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "drivers-0123456789ab.png").write_bytes(b"someone else's")
    (elsewhere / "notes.txt").write_text("mine")
    (tmp_path / "r_files").symlink_to("elsewhere")
    before = listing(tmp_path)
    message = (
        f"cannot write {tmp_path}/r.md: its figures folder '{tmp_path}/r_files' is a symbolic link; outlook "
        "writes and removes figures only in a real folder beside the report: remove the link, or choose another name"
    )
    assert message == refusal(lambda: check_output(tmp_path / "r.md"))
    assert message == refusal(lambda: write_report(tiny, tmp_path / "r.md", figures=figures))
    assert before == listing(tmp_path)


def test_a_figures_folder_belongs_to_one_report(tiny: outlook.Tables, tmp_path: Path) -> None:
    """r.md and r.markdown would share r_files/: the second is refused, and the first keeps its figures.

    Without figures too (writing a Markdown report removes the figures in its
    folder that it does not link); rewriting the first is never refused by its
    own figures.
    """
    first = tmp_path / "r.md"
    write_report(tiny, first)
    before = listing(tmp_path)
    message = (
        f"cannot write {tmp_path}/r.markdown: its figures folder '{tmp_path}/r_files' holds the figures of another "
        f"report, '{tmp_path}/r.md', which writing this one would remove; choose another name for this report"
    )
    assert message == refusal(lambda: check_output(tmp_path / "r.markdown"))
    assert message == refusal(lambda: write_report(tiny, tmp_path / "r.markdown"))
    assert before == listing(tmp_path)
    write_report(tiny, first)
    assert before == listing(tmp_path)
    assert message == refusal(lambda: write_report(tiny, tmp_path / "r.markdown", figures=False))
    assert before == listing(tmp_path)


# --------------------------------------------------------------------------
# names near the file system's limit


def name_max(folder: Path) -> int:
    return int(os.pathconf(folder, "PC_NAME_MAX"))


@pytest.mark.parametrize(("suffix", "figures"), [(".html", True), (".md", False)], ids=["html", "markdown"])
def test_a_name_at_the_limit_is_written(tiny: outlook.Tables, tmp_path: Path, suffix: str, figures: bool) -> None:
    """A report whose name is as long as the file system allows is written (its temporary names are short)."""
    name = "r" * (name_max(tmp_path) - len(suffix)) + suffix
    write_report(tiny, tmp_path / name, figures=figures)
    assert [name] == [p.name for p in tmp_path.iterdir()]


def test_a_name_past_the_limit_is_refused_before_building(tiny: outlook.Tables, tmp_path: Path) -> None:
    """A name longer than the file system allows is refused by the checks, with the limit."""
    limit = name_max(tmp_path)
    target = tmp_path / ("r" * limit + ".html")
    assert (
        f"cannot write {target}: its name is {limit + 5} bytes long, more than this file system allows ({limit})"
    ) == refusal(lambda: check_output(target))


def test_markdown_figures_folder_name_must_fit(tiny: outlook.Tables, tmp_path: Path) -> None:
    """Markdown with figures: `<stem>_files` must fit the limit too; the longest name that does is written."""
    limit = name_max(tmp_path)
    long = "r" * (limit - 3) + ".md"
    assert (
        f"cannot write {tmp_path / long}: its figures folder's name ({long[:-3]}_files) would be {limit + 3} bytes "
        f"long, more than this file system allows ({limit}); use a name of at most {limit - 3} bytes, "
        "or leave the figures out"
    ) == refusal(lambda: check_output(tmp_path / long))
    fits = "r" * (limit - 6) + ".md"
    write_report(tiny, tmp_path / fits)
    assert (tmp_path / f"{fits[:-3]}_files").is_dir()
    assert len((tmp_path / f"{fits[:-3]}_files").name) == limit


# --------------------------------------------------------------------------
# two runs writing one Markdown report at once


def test_racing_markdown_writers_leave_a_whole_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs writing different tables to one Markdown report at once leave one report whose figures all exist.

    Each round starts three writers together (threads, each with its own
    tables); after every round the report on disk must link only figures
    that exist, and its folder must hold no others. The reports are built
    beforehand, in this thread (matplotlib is not thread-safe, and building is
    not what races): the writers race on the files alone.
    """
    runs = [outlook.run_outlook(outlook.Scenario.from_yaml(TINY), samples=1_000, seed=s) for s in (1, 2, 3)]
    real = outlook.report.build.build_report
    built = {id(t): real(t, format="markdown", files_dir="r_files") for t in runs}
    assert len({frozenset(files) for _, files in built.values()}) == 3  # every run has figures of its own
    monkeypatch.setattr(outlook.report.build, "build_report", lambda tables, **kwargs: built[id(tables)])
    target = tmp_path / "r.md"
    errors: list[BaseException] = []

    def write(tables: outlook.Tables, start: threading.Barrier) -> None:
        try:
            start.wait()
            write_report(tables, target)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    for _ in range(25):
        start = threading.Barrier(len(runs))
        threads = [threading.Thread(target=write, args=(t, start)) for t in runs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert [] == errors
        text = target.read_text(encoding="utf-8")
        links = re.findall(r"!\[[^\]]*\]\(r_files/([^)]+)\)", text)
        assert len(links) in (4, 5)  # scenarios, events, drivers, cone; indices when a driver matters
        assert sorted(links) == sorted(p.name for p in (tmp_path / "r_files").iterdir())
        assert ["r.md", "r_files"] == sorted(p.name for p in tmp_path.iterdir())


# --------------------------------------------------------------------------
# SIGTERM and SIGHUP while writing

CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    import outlook
    from outlook.report import write_report

    target, ready, stage, text = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    tables = outlook.run_outlook(outlook.Scenario.from_yaml(text), samples=1_000, seed=2)
    real_fsync, real_replace = os.fsync, os.replace

    def stall() -> None:
        ready.write_text("writing")
        time.sleep(60)  # the signal arrives here

    def fsync(fd):
        real_fsync(fd)
        if stage == "temp":  # a temporary file is on disk, nothing renamed yet
            stall()

    def replace(src, dst):
        if stage == "report" and Path(dst) == target:  # the new figures are in place, the report is not
            stall()
        real_replace(src, dst)

    os.fsync, os.replace = fsync, replace
    write_report(tables, target, figures=target.suffix == ".md")
    print("finished")
    """
)


@pytest.mark.parametrize(
    ("signum", "suffix", "stage"),
    [(signal.SIGTERM, ".html", "temp"), (signal.SIGHUP, ".html", "temp"), (signal.SIGTERM, ".md", "report")],
    ids=["sigterm-html", "sighup-html", "sigterm-md-figures-in-place"],
)
def test_a_signal_while_writing_leaves_the_old_report(
    tiny: outlook.Tables, tmp_path: Path, signum: int, suffix: str, stage: str
) -> None:
    """SIGTERM or SIGHUP mid-write: no temporary file left, new figures removed, the old report byte for byte.

    A child process writes a report over an existing one and stalls at a
    known point (a temporary file written; or, for Markdown, the new figures
    renamed into place but not the report); the signal is sent then. The
    child still ends by the signal, as it would have without the clean-up.
    """
    target = tmp_path / f"out{suffix}"
    write_report(tiny, target, figures=suffix == ".md")
    before = listing(tmp_path)
    ready = tmp_path.parent / f"{tmp_path.name}-ready"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(outlook.__file__).parents[1]), *sys.path])}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target), str(ready), stage, TINY],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            assert time.monotonic() < deadline, "the child never reached the write"
            time.sleep(0.02)
        during = listing(tmp_path)
        assert any(name.endswith(".tmp") for name in during)  # a temporary file is on disk
        if stage == "report":
            assert len(during) > len(before) + 1  # new figures are in place beside the temporary report
        child.send_signal(signum)
        out, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert (-signum, "") == (child.returncode, out)
    assert "Traceback" not in err
    assert before == listing(tmp_path)


def test_a_handler_the_program_installed_runs_and_the_files_are_clean(
    tiny: outlook.Tables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With its own SIGTERM handler installed (as outlook's command has), the program's handler runs, raising as
    it likes; the write is cleaned up as for any exception, and the handler is still the program's afterwards."""

    class Stop(Exception):
        pass

    def handler(signum: int, frame: object) -> None:
        raise Stop(signum)

    target = tmp_path / "out.md"
    write_report(tiny, target)
    before = listing(tmp_path)
    other = outlook.run_outlook(outlook.Scenario.from_yaml(TINY), samples=1_000, seed=2)
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst) == target:
            os.kill(os.getpid(), signal.SIGTERM)
        real(src, dst)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        monkeypatch.setattr(os, "replace", replace)
        with pytest.raises(Stop):
            write_report(other, target)
        monkeypatch.undo()
        assert handler is signal.getsignal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert before == listing(tmp_path)


def test_signal_handlers_are_restored_after_a_write(tiny: outlook.Tables, tmp_path: Path) -> None:
    """Writing a report leaves SIGTERM's and SIGHUP's handlers as it found them."""
    before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP))
    write_report(tiny, tmp_path / "out.html", figures=False)
    assert before == (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP))
