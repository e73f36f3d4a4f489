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
from outlook.engine import BLOCK_SIZE

distributed = pytest.importorskip(
    "distributed", reason="dask[distributed] is not installed: pip install 'outlook[dask]'"
)
dask = pytest.importorskip("dask")

SAMPLES = 12 * BLOCK_SIZE + 1000


@pytest.fixture(scope="module")
def model() -> outlook.Model:
    return compile_model(load_scenario(find_scenario("nk-troops-russia")))


@pytest.fixture(scope="module")
def local(model: outlook.Model) -> outlook.Outlook:
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


def same_tables(a: outlook.Outlook, b: outlook.Outlook) -> None:
    for name in a.TABLES:
        assert a.table(name).equals(b.table(name)), name
    assert a.curves.equals(b.curves)


def test_a_cluster_gives_the_local_numbers(model: outlook.Model, local: outlook.Outlook, client: Any) -> None:
    """Two worker processes, block ranges merged in order: every table identical."""
    same_tables(local, summarise(simulate(model, samples=SAMPLES, seed=11, scheduler=client)))


def test_a_scheduler_address_gives_the_local_numbers(model: outlook.Model, local: outlook.Outlook, client: Any) -> None:
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


def test_a_worker_dying_mid_run_changes_nothing(model: outlook.Model, local: outlook.Outlook, client: Any) -> None:
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
    with pytest.raises(ValueError, match=r"running on Dask needs the dask extra: pip install 'outlook\[dask\]'"):
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
        return dict(json.loads(out.getvalue()))

    on_dask, here = run("--scheduler", "local", "-j", "2"), run()
    for name in ("scenarios", "events", "drivers", "derived", "categories"):
        assert here[name] == on_dask[name], name
