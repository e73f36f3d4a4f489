"""Where block ranges run: this process, local worker processes, or Dask.

Owns splitting a run's blocks into contiguous ranges, sending them to
workers and merging the partial accumulators back in block order, so that
the numbers never depend on where or in what order the ranges ran. Never
samples itself (that is :func:`outlook.engine._run_blocks`), never prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .errors import OutlookError, SimulationError

if TYPE_CHECKING:
    from .engine import Model, _Partial

__all__ = [
    "Executor",
]

#: How long to try to reach a Dask scheduler before giving up.
CONNECT_TIMEOUT = "10s"
#: Dask ranges per worker: more than one so that a slow or restarted worker
#: delays the run by a small range, not a whole share.
RANGES_PER_WORKER = 4
#: Blocks per Dask range at most (about half a second of work each), so that
#: a dead worker costs little and no worker waits long for another's last
#: range. (Local processes take guided ranges instead: see _run_processes.)
MAX_RANGE_BLOCKS = 4


def split(first: int, stop: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` contiguous, near-equal ranges covering ``first:stop`` (none empty).

    >>> split(0, 10, 3)
    [(0, 4), (4, 7), (7, 10)]
    """
    n = stop - first
    parts = max(1, min(parts, n))
    q, r = divmod(n, parts)
    out = []
    a = first
    for i in range(parts):
        b = a + q + (1 if i < r else 0)
        out.append((a, b))
        a = b
    return out


class Executor:
    """Runs block ranges for :func:`outlook.simulate`; a context manager.

    Parameters
    ----------
    workers
        Processes working on a local run, this one included (1: this
        process alone), or Dask workers for a
        ``"local"`` scheduler.
    scheduler
        ``None`` (run locally), ``"local"`` (a new ``LocalCluster``), a
        scheduler address, or a ``distributed.Client``.
    """

    def __init__(self, workers: int, scheduler: Any = None) -> None:
        self.workers = workers
        self.scheduler = scheduler
        self.done = 0
        self._pool: Any = None
        self._client: Any = None
        self._cluster: Any = None
        self._own_client = False
        if scheduler is not None:
            self._connect()

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Shut down what this executor started (never a client it was given)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._own_client and self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def _connect(self) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            msg = "running on Dask needs the dask extra: pip install 'outlook[dask]'"
            raise ValueError(msg) from None
        s = self.scheduler
        if isinstance(s, Client):
            self._client = s
            return
        if not isinstance(s, str) or not s:
            msg = f"scheduler must be 'local', a scheduler address or a distributed.Client (got {s!r})"
            raise ValueError(msg)
        self._own_client = True
        if s == "local":
            # ":0": a free port for the scheduler's HTTP server, which starts even without a dashboard
            self._cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, dashboard_address=":0"
            )
            self._client = Client(self._cluster)
            return
        try:
            self._client = Client(s, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            msg = f"cannot reach the Dask scheduler at {s}: {exc}"
            raise SimulationError(msg) from None

    # -- running -----------------------------------------------------------

    def run(
        self,
        model: Model,
        seed: int,
        total: int,
        first: int,
        stop: int,
        chunk: int,
        sampler: str,
        progress: Callable[[int, int], None] | None,
        cap: int,
    ) -> _Partial:
        """Simulate blocks ``first:stop`` of a ``total``-sample run; merged in block order."""
        from .engine import _run_blocks

        def advance(n: int) -> None:
            self.done += n
            if progress is not None:
                progress(self.done, cap)

        if self._client is not None:
            return self._run_dask(model, seed, total, first, stop, chunk, sampler, advance)
        if self.workers == 1 or stop - first == 1:
            return _run_blocks(model, seed, total, first, stop, chunk, sampler, advance)
        return self._run_processes(model, seed, total, first, stop, chunk, sampler, advance)

    def _ranges(self, first: int, stop: int, workers: int) -> list[tuple[int, int]]:
        return split(first, stop, max(workers * RANGES_PER_WORKER, -(-(stop - first) // MAX_RANGE_BLOCKS)))

    def _run_processes(
        self,
        model: Model,
        seed: int,
        total: int,
        first: int,
        stop: int,
        chunk: int,
        sampler: str,
        advance: Callable[[int], None],
    ) -> _Partial:
        import multiprocessing
        import queue
        import threading
        from concurrent.futures import Future, ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        from .engine import BLOCK_SIZE, _run_blocks

        helpers = self.workers - 1  # this process works too, while the others start
        if self._pool is None:
            # spawn, not fork: a forked child of a threaded parent can deadlock;
            # the model travels once, to each worker as it starts
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=helpers, mp_context=ctx, initializer=_set_model, initargs=(model,)
            )
        pos = first
        lock = threading.Lock()
        done_q: queue.Queue[Future[_Partial]] = queue.Queue()
        outstanding = 0  # submitted, not yet taken off done_q

        def next_range() -> tuple[int, int] | None:
            # guided: big ranges first, small at the end, so that no process
            # waits long for another's last range
            nonlocal pos
            with lock:
                if pos >= stop:
                    return None
                size = max(1, -(-(stop - pos) // (2 * self.workers)))
                a, pos = pos, pos + size
                return a, pos

        def submit_next() -> None:
            nonlocal outstanding
            r = next_range()
            if r is None:
                return
            f = self._pool.submit(_run_worker_blocks, model.scenario.hash, seed, total, r[0], r[1], chunk, sampler)
            where[f] = r
            with lock:
                outstanding += 1
            f.add_done_callback(on_done)

        def on_done(f: Future[_Partial]) -> None:
            # a worker is free the moment its range ends: give it the next one
            # at once, from the pool's thread, not when this process next looks
            done_q.put(f)
            if not f.cancelled() and f.exception() is None:
                submit_next()

        acc: list[_Partial] = []  # this process's own ranges stream into acc[0]
        where: dict[Future[_Partial], tuple[int, int]] = {}

        def take(block: bool) -> None:
            nonlocal outstanding
            while True:
                try:
                    f = done_q.get(block=block)
                except queue.Empty:
                    return
                with lock:
                    outstanding -= 1
                a, b = where.pop(f)
                part = f.result()  # a worker's error is raised here
                if acc:
                    acc[0].merge(part)  # any order: moments are kept by block
                else:
                    acc.append(part)
                advance(min(b * BLOCK_SIZE, total) - a * BLOCK_SIZE)
                if block:
                    return

        try:
            for _ in range(helpers):
                submit_next()
            while (r := next_range()) is not None:
                acc.append(
                    _run_blocks(model, seed, total, r[0], r[1], chunk, sampler, advance, acc[0] if acc else None)
                )
                del acc[1:]
                take(block=False)
            while True:
                with lock:
                    left = outstanding
                if not left:
                    break
                take(block=True)
        except BrokenProcessPool:
            msg = "a worker process died (killed, or out of memory); no table was produced"
            raise SimulationError(msg) from None
        finally:
            with lock:
                pos = stop  # no more submissions from callbacks
            for f in list(where):
                f.cancel()
        return acc[0]

    def _run_dask(
        self,
        model: Model,
        seed: int,
        total: int,
        first: int,
        stop: int,
        chunk: int,
        sampler: str,
        advance: Callable[[int], None],
    ) -> _Partial:
        from distributed import as_completed
        from distributed.client import FutureCancelledError

        try:
            from distributed.scheduler import KilledWorker
        except ImportError:  # pragma: no cover - moved in some releases
            from distributed import KilledWorker

        from ._version import __version__
        from .engine import BLOCK_SIZE, _run_blocks

        client = self._client
        nworkers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})) or self.workers)
        ranges = self._ranges(first, stop, nworkers)
        # the key names the work exactly: the same key is the same numbers
        tag = f"{model.scenario.hash[:16]}-{seed}-{total}-{chunk}-{sampler}-{__version__}"
        acc: list[_Partial] = []
        futures = [
            client.submit(
                _run_blocks, model, seed, total, a, b, chunk, sampler, key=f"outlook-{tag}-{a}-{b}", pure=False
            )
            for a, b in ranges
        ]
        where = {f.key: (a, b) for f, (a, b) in zip(futures, ranges)}
        try:
            for f in as_completed(futures):
                a, b = where[f.key]
                part = f.result()
                if acc:
                    acc[0].merge(part)  # in any order: moments are kept by block
                else:
                    acc.append(part)
                f.release()
                advance(min(b * BLOCK_SIZE, total) - a * BLOCK_SIZE)
        except KilledWorker as exc:
            msg = (
                f"Dask gave up on blocks after workers died running them ({exc}); "
                "no table was produced: check the workers' memory and logs"
            )
            raise SimulationError(msg) from None
        except (FutureCancelledError, OSError) as exc:
            msg = f"the Dask run was lost ({type(exc).__name__}: {exc}); no table was produced"
            raise SimulationError(msg) from None
        except OutlookError:
            raise
        finally:
            for f in futures:
                f.release()
        return acc[0]


_MODEL: dict[str, Model] = {}


def _set_model(model: Model) -> None:
    """Worker-process initializer: keep the run's model, keyed by its scenario hash."""
    _MODEL.clear()
    _MODEL[model.scenario.hash] = model


def _run_worker_blocks(key: str, seed: int, total: int, a: int, b: int, chunk: int, sampler: str) -> _Partial:
    from .engine import _run_blocks

    return _run_blocks(_MODEL[key], seed, total, a, b, chunk, sampler)


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
