"""However `outlook run --workers 2` ends, its worker processes stop within seconds.

These tests run the real command in a subprocess (signals need one) and
watch its worker process through /proc, so they run on Linux only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import outlook
from outlook.model.runner import cpu_count

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc"),
    pytest.mark.skipif(cpu_count() < 2, reason="a worker process needs a second core"),
]

#: Generous: a stopped run takes well under a second; the bug took minutes.
STOP_WITHIN = 10.0
#: A run that takes minutes: the worker's first range alone is a quarter of it.
ARGV = ["run", "nk-troops-russia", "--samples", "100000000", "--workers", "2", "--quiet"]


def stat(pid: int) -> list[str] | None:
    """Fields 3.. of /proc/PID/stat (state first), or None if the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def alive(pid: int) -> bool:
    """Running, not gone and not a zombie waiting to be reaped."""
    fields = stat(pid)
    return fields is not None and fields[0] != "Z"


def workers_of(pid: int) -> list[int]:
    """Live child processes of ``pid`` started by multiprocessing's spawn."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = stat(int(entry.name))
        if fields is None or fields[0] == "Z" or int(fields[1]) != pid:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    fields = stat(pid)
    return 0.0 if fields is None else (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture
def command() -> Iterator[tuple[subprocess.Popen[str], int]]:
    """`outlook run` with two processes, once its worker process is up and working; both killed at the end."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(outlook.__file__).parents[1]), *sys.path])}
    main = subprocess.Popen(
        [sys.executable, "-m", "outlook.cli", *ARGV],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    worker = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and main.poll() is None:
            busy = [w for w in workers_of(main.pid) if cpu_seconds(w) >= 0.5]
            if busy:
                worker = busy[0]
                break
            time.sleep(0.05)
        assert worker, "the worker process never started"
        yield main, worker
    finally:
        for pid in (main.pid, worker):
            if pid and alive(pid):
                os.kill(pid, signal.SIGKILL)
        main.communicate()


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.parametrize(
    ("signum", "code", "line"),
    [
        (signal.SIGTERM, 128 + signal.SIGTERM, "outlook: terminated\n"),
        (signal.SIGHUP, 128 + signal.SIGHUP, "outlook: terminated\n"),
        (signal.SIGQUIT, 128 + signal.SIGQUIT, "outlook: terminated\n"),
        (signal.SIGUSR1, 128 + signal.SIGUSR1, "outlook: terminated\n"),
        (signal.SIGINT, 130, "outlook: interrupted\n"),
    ],
    ids=["SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGINT-to-the-main-process-alone"],
)
def test_a_signal_to_the_main_process_stops_its_workers(
    command: tuple[subprocess.Popen[str], int], signum: int, code: int, line: str
) -> None:
    """The command exits with 128 + signal (130 for SIGINT) and one line; its worker is gone at once."""
    main, worker = command
    os.kill(main.pid, signum)
    assert gone_within(worker, STOP_WITHIN), "the worker process kept computing"
    _, err = main.communicate(timeout=STOP_WITHIN)
    assert (code, line) == (main.returncode, err)


def test_a_worker_whose_parent_was_killed_stops_on_its_own(command: tuple[subprocess.Popen[str], int]) -> None:
    """kill -9 of the main process leaves no orphan: the worker notices and exits."""
    main, worker = command
    os.kill(main.pid, signal.SIGKILL)
    main.wait(timeout=STOP_WITHIN)
    assert gone_within(worker, STOP_WITHIN), "the orphaned worker process kept computing"


def test_a_signal_that_arrives_during_an_import_still_ends_as_terminated(monkeypatch: pytest.MonkeyPatch) -> None:
    """An extension module's import turns the signal's exception into ImportError: still 'terminated', 143."""
    import io

    from outlook import cli

    def scales(out: object) -> int:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises first
        except BaseException as exc:  # what CPython does when an extension's initialisation is interrupted
            raise ImportError("initialization failed") from exc
        return 0

    monkeypatch.setattr(cli, "_scales", scales)
    err = io.StringIO()
    assert (143, "outlook: terminated\n") == (cli.main(["scales"], stdout=io.StringIO(), stderr=err), err.getvalue())
