"""Dask: a cluster gives the very numbers a local run gives, even when a worker dies."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import outlook
from outlook import SimulationError, compile_model, find_scenario, load_scenario, simulate, summarise
from outlook.model import BLOCK_SIZE

distributed = pytest.importorskip(
    "distributed", reason="dask[distributed] is not installed: pip install 'scenario-outlook[dask]'"
)
dask = pytest.importorskip("dask")

SAMPLES = 12 * BLOCK_SIZE + 1000


@pytest.fixture(scope="module")
def model() -> outlook.Model:
    return compile_model(load_scenario(find_scenario("nk-troops-russia")))


@pytest.fixture(scope="module")
def local(model: outlook.Model) -> outlook.Tables:
    return summarise(simulate(model, samples=SAMPLES, seed=11))


def cluster(**config: Any) -> Iterator[Any]:
    with (
        dask.config.set(config),
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c,
        distributed.Client(c) as client,
    ):
        client.wait_for_workers(2, timeout=60)
        yield client


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    yield from cluster()


def same_tables(a: outlook.Tables, b: outlook.Tables) -> None:
    for name in a.TABLES:
        assert a.table(name).equals(b.table(name)), name
    assert a.curves.equals(b.curves)


def test_a_cluster_gives_the_local_numbers(model: outlook.Model, local: outlook.Tables, client: Any) -> None:
    """Two worker processes, block ranges merged in order: every table identical."""
    same_tables(local, summarise(simulate(model, samples=SAMPLES, seed=11, scheduler=client)))


def test_a_scheduler_address_gives_the_local_numbers(model: outlook.Model, local: outlook.Tables, client: Any) -> None:
    """Connecting by address, as `outlook run --scheduler ADDRESS` does."""
    address = client.scheduler.address
    assert address.startswith("tcp://")
    same_tables(local, summarise(simulate(model, samples=SAMPLES, seed=11, scheduler=address)))


def kill_a_busy_worker(client: Any) -> tuple[int, ...]:
    """SIGKILL the process of a worker that is running a range now; return all pids before."""
    pids = client.run(os.getpid)
    busy = [w for w, tasks in client.processing().items() if tasks] or list(pids)
    os.kill(pids[busy[0]], signal.SIGKILL)
    return tuple(sorted(pids.values()))


def test_a_worker_dying_mid_run_changes_nothing(model: outlook.Model, local: outlook.Tables, client: Any) -> None:
    """Dask reruns the lost range on a live worker; the range is a pure function of its blocks."""
    killed: list[tuple[int, ...]] = []

    def progress(done: int, total: int) -> None:
        if not killed:
            killed.append(kill_a_busy_worker(client))

    out = summarise(simulate(model, samples=SAMPLES, seed=11, scheduler=client, progress=progress))
    assert killed, "no worker was killed: the test did not test anything"
    client.wait_for_workers(2, timeout=60)
    assert tuple(sorted(client.run(os.getpid).values())) != killed[0]  # the nanny started a new one
    same_tables(local, out)


def test_when_dask_gives_up_the_run_fails_clearly(model: outlook.Model) -> None:
    """With no retries allowed, a dead worker is a SimulationError, never a partial table."""
    for c in cluster(**{"distributed.scheduler.allowed-failures": 0}):
        fired: list[bool] = []

        def progress(done: int, total: int, c: Any = c) -> None:
            if not fired:
                fired.append(True)
                kill_a_busy_worker(c)

        with pytest.raises(SimulationError, match="Dask gave up on blocks after workers died") as exc:
            simulate(model, samples=SAMPLES, seed=11, scheduler=c, progress=progress)
        assert "no table was produced" in str(exc.value)


def test_without_dask_the_message_says_how_to_install(model: outlook.Model, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(
        ValueError,
        match=r"running on Dask needs the dask extra: pip install 'scenario-outlook\[dask\]' \(from a checkout: pip install '\.\[dask\]'\)",
    ):
        simulate(model, samples=10, scheduler="local")


@pytest.mark.parametrize("bad", [42, "", object()])
def test_a_bad_scheduler_is_a_value_error(model: outlook.Model, bad: object) -> None:
    with pytest.raises(ValueError, match=r"scheduler must be 'local', a scheduler address or a distributed.Client"):
        simulate(model, samples=10, scheduler=bad)


def test_the_command_line_runs_on_a_local_cluster(model: outlook.Model) -> None:
    """`outlook run ID --scheduler local -j 2`: its own LocalCluster, the numbers of a local run."""
    import io
    import json

    from outlook import cli

    def run(*argv: str) -> dict[str, Any]:
        out, err = io.StringIO(), io.StringIO()
        assert 0 == cli.main(
            ["run", "nk-troops-russia", "-n", "70000", "--format", "json", *argv], stdout=out, stderr=err
        )
        if outlook.model.runner.cpu_count() >= 2:
            assert "" == err.getvalue()  # nothing from Dask: no log line, no warning
        return dict(json.loads(out.getvalue()))

    on_dask, here = run("--scheduler", "local", "-j", "2"), run()
    for name in ("scenarios", "events", "drivers", "derived", "categories"):
        assert here[name] == on_dask[name], name


# --------------------------------------------------------------------------
# no workers, unusable addresses, Ctrl-C


@pytest.fixture(scope="module")
def empty() -> Iterator[Any]:
    """A scheduler with no worker at all."""
    with (
        distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=":0") as c,
        distributed.Client(c) as client,
    ):
        yield client


def test_a_scheduler_without_workers_times_out(model: outlook.Model, empty: Any) -> None:
    """No worker joins within worker_timeout: a SimulationError naming the scheduler, not a hang."""
    address = empty.scheduler.address
    for scheduler in (empty, address):
        with pytest.raises(SimulationError) as exc:
            simulate(model, samples=1000, scheduler=scheduler, worker_timeout=0.5)
        assert (
            f"no Dask worker joined the scheduler at {address} within 0.5 s; no table was produced "
            "(start workers, or wait longer with worker_timeout)"
        ) == str(exc.value)


def test_the_command_line_waits_for_workers_as_long_as_it_is_told(empty: Any) -> None:
    """`--worker-timeout 0.5` against a scheduler with no workers: exit 1 and one line."""
    import io

    from outlook import cli

    out, err = io.StringIO(), io.StringIO()
    address = empty.scheduler.address
    code = cli.main(
        ["run", "nk-troops-russia", "-n", "1000", "--scheduler", address, "--worker-timeout", "0.5"],
        stdout=out,
        stderr=err,
    )
    assert (1, "") == (code, out.getvalue())
    assert (
        f"outlook: run failed: no Dask worker joined the scheduler at {address} within 0.5 s; no table was "
        "produced (start workers, or wait longer with worker_timeout)\n"
    ) == err.getvalue()


def test_a_run_whose_last_worker_dies_times_out(model: outlook.Model, empty: Any) -> None:
    """The only worker (no nanny to restart it) is killed mid-run: a SimulationError after worker_timeout."""
    import re
    import subprocess
    import time

    address = empty.scheduler.address
    worker = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--no-nanny", "--nthreads", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        empty.wait_for_workers(1, timeout=60)

        def progress(done: int, total: int) -> None:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

        start = time.monotonic()
        with pytest.raises(SimulationError) as exc:
            simulate(model, samples=SAMPLES, seed=11, scheduler=empty, worker_timeout=1, progress=progress)
        assert time.monotonic() - start < 30
        assert re.fullmatch(
            rf"every Dask worker left the scheduler at {re.escape(address)} and none joined within 1 s, with "
            r"\d+ of \d+ block ranges unfinished; no table was produced "
            r"\(start workers, or wait longer with worker_timeout\)",
            str(exc.value),
        ), str(exc.value)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait()


_ADDRESS_ERRORS = {
    "tls://127.0.0.1:9": "tls needs a security configuration: set distributed.comm.tls.ca-file, .client.cert and "
    ".client.key in Dask's configuration, or pass a distributed.Client made with a Security",
    "ucx://127.0.0.1:9": "ucx needs UCX support, which distributed no longer includes: install distributed-ucxx, "
    "or use tcp",
    "inproc://x": "an inproc address works only inside the process that made it; give the scheduler's tcp address",
    "foo://127.0.0.1:9": "unknown scheme 'foo' (known: tcp, tls, ucx, ws, wss)",
    "tcp://127.0.0.1": "expected tcp://HOST:PORT, such as tcp://10.0.0.5:8786 "
    "(missing port number in address '127.0.0.1')",
}


@pytest.mark.parametrize("address", list(_ADDRESS_ERRORS), ids=["tls", "ucx", "inproc", "unknown-scheme", "no-port"])
def test_an_unusable_address_is_a_value_error(model: outlook.Model, address: str) -> None:
    """An address Dask cannot use from here: one line naming it and why (bad input, not a failed run)."""
    if address.startswith("tls") and distributed.security.Security().get_connection_args("client")["ssl_context"]:
        pytest.skip("this machine's Dask configuration has TLS settings")
    with pytest.raises(ValueError, match="cannot use the Dask scheduler address") as exc:
        simulate(model, samples=10, scheduler=address)
    assert f"cannot use the Dask scheduler address {address!r}: {_ADDRESS_ERRORS[address]}" == str(exc.value)


def test_the_command_line_refuses_an_unusable_address_with_exit_2() -> None:
    """`--scheduler ucx://...`: exit 2 and one line, never an internal error."""
    import io

    from outlook import cli

    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["run", "nk-troops-russia", "--scheduler", "ucx://127.0.0.1:9"], stdout=out, stderr=err)
    assert (2, "") == (code, out.getvalue())
    assert (
        "outlook: error: cannot use the Dask scheduler address 'ucx://127.0.0.1:9': "
        f"{_ADDRESS_ERRORS['ucx://127.0.0.1:9']}\n"
    ) == err.getvalue()


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="process groups are POSIX")
def test_ctrl_c_on_a_local_cluster_prints_one_line(tmp_path: Any) -> None:
    """Ctrl-C (SIGINT to the whole process group) mid-run with --scheduler local: exit 130, one line."""
    import subprocess
    import time
    from pathlib import Path

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(outlook.__file__).parents[1]), *sys.path])}
    argv = ["run", "nk-troops-russia", "-n", "100000000", "--scheduler", "local", "-j", "2", "--quiet"]
    main = subprocess.Popen(
        [sys.executable, "-m", "outlook.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        # wait until the cluster's two worker processes are up and working
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and main.poll() is None:
            if len(_busy_children(main.pid)) >= 2:
                break
            time.sleep(0.1)
        assert main.poll() is None
        os.killpg(main.pid, signal.SIGINT)
        _, err = main.communicate(timeout=30)
        assert (130, "outlook: interrupted\n") == (main.returncode, err)
    finally:
        if main.poll() is None:
            os.killpg(main.pid, signal.SIGKILL)
            main.communicate()


def _busy_children(pid: int) -> list[int]:
    """Children of ``pid`` that have used 0.7 s of CPU or more (a Dask worker starts in about 0.4 s)."""
    from pathlib import Path

    out = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") > 0.7:
            out.append(int(entry.name))
    return out


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="POSIX signals")
def test_a_ctrl_c_while_dask_runs_is_noted_not_raised_where_it_lands() -> None:
    """Inside the runner's poll loop a SIGINT is only noted (a KeyboardInterrupt raised inside Dask's
    garbage-collector callback was swallowed, and the run went on); the handler comes back afterwards."""
    from outlook.model.runner import _sigint_noted

    before = signal.getsignal(signal.SIGINT)
    with _sigint_noted() as noted:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):  # let the handler run: no KeyboardInterrupt here
            if noted:
                break
    assert noted == [signal.SIGINT]
    assert signal.getsignal(signal.SIGINT) is before
