"""Where block ranges run: this process, local worker processes, or Dask.

Owns splitting a run's blocks into contiguous ranges, sending them to
workers and merging the partial accumulators back in block order, so that
the numbers never depend on where or in what order the ranges ran; and the
lives of those workers: however a run ends (it returns, raises, or is
interrupted), the processes it started stop within seconds, and a worker
process whose parent has died stops on its own. Never samples itself (that
is :func:`outlook.model.accumulate._run_blocks`), never prints, and keeps the logs of
a Dask cluster it started out of the caller's stderr.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ..errors import OutlookError, SimulationError

if TYPE_CHECKING:
    from .accumulate import _Partial
    from .compile import Model

__all__ = [
    "Executor",
]

#: How long to try to reach a Dask scheduler before giving up.
CONNECT_TIMEOUT = "10s"
#: Seconds to wait for a Dask worker, when there is none at the start of a
#: run or the last one has left while ranges are pending (``worker_timeout``).
WORKER_TIMEOUT = 60.0
#: Seconds between checks that a Dask run still has workers, while no range completes.
WORKER_POLL = 0.25
#: Seconds a LocalCluster that this process started, and its client, get to close.
CLOSE_TIMEOUT = 5
#: Seconds a terminated worker process gets to exit before it is killed.
STOP_GRACE = 2.0
#: Seconds between a worker process's checks that its parent is alive.
PARENT_POLL = 0.25
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
        process alone), or Dask workers for a ``"local"`` scheduler. Either
        way at most :func:`cpu_count` processes run on this machine; a
        larger number is capped, with a note in :attr:`notes`.
    scheduler
        ``None`` (run locally), ``"local"`` (a new ``LocalCluster``), a
        scheduler address, or a ``distributed.Client``.
    worker_timeout
        Seconds to wait for a Dask worker when the scheduler has none, at
        the start of a run or after the last one left mid-run, before the
        run fails with a :class:`~outlook.SimulationError`.

    Attributes
    ----------
    notes
        What the caller should pass on to the run's warnings (a capped
        worker count).

    Notes
    -----
    Leaving the ``with`` block by an exception (a ``KeyboardInterrupt``
    included) terminates the worker processes at once instead of waiting
    for their ranges (``ProcessPoolExecutor.shutdown`` would wait), then
    kills any that have not exited after :data:`STOP_GRACE` seconds; a
    normal exit shuts the idle pool down. Each worker process also watches
    its parent (``prctl(PR_SET_PDEATHSIG)`` on Linux, and a thread polling
    ``os.getppid()`` everywhere), so that it exits if the parent is killed
    outright (``SIGKILL``, or a signal no handler turns into an exception).
    """

    def __init__(self, workers: int, scheduler: Any = None, *, worker_timeout: float = WORKER_TIMEOUT) -> None:
        if (
            isinstance(worker_timeout, bool)
            or not isinstance(worker_timeout, int | float)
            or not 0 < worker_timeout < math.inf
        ):
            msg = f"worker_timeout must be a positive number of seconds (got {worker_timeout!r})"
            raise ValueError(msg)
        self.notes: list[str] = []
        if scheduler is None or (isinstance(scheduler, str) and scheduler == "local"):
            cores = cpu_count()
            if workers > cores:
                self.notes.append(
                    f"{workers} worker processes were asked for, but this process may use "
                    f"{cores} {'core' if cores == 1 else 'cores'}: {cores} ran"
                )
                workers = cores
        self.workers = workers
        self.scheduler = scheduler
        self.worker_timeout = float(worker_timeout)
        self.done = 0
        self._pool: Any = None
        self._client: Any = None
        self._cluster: Any = None
        self._own_client = False
        self._quiet = contextlib.ExitStack()
        if scheduler is not None:
            try:
                self._connect()
            except BaseException:
                self.close(terminate=True)
                raise

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(terminate=exc_type is not None)

    def close(self, *, terminate: bool = False) -> None:
        """Shut down what this executor started (never a client it was given).

        With ``terminate``, worker processes are stopped at once, whatever
        they are running; without, the pool is shut down normally (its
        workers are idle once every range has been taken back).
        """
        try:
            if self._pool is not None:
                pool, self._pool = self._pool, None
                _stop_pool(pool, terminate=terminate)
            if self._cluster is not None and terminate:
                # a worker finishes its range before it closes: stop the
                # processes of this cluster first, then close it
                for nanny in list(self._cluster.workers.values()):
                    with contextlib.suppress(Exception):  # not started, or gone
                        os.kill(nanny.pid, signal.SIGTERM)
                cluster, self._cluster = self._cluster, None
                with contextlib.suppress(Exception):
                    cluster.close(timeout=CLOSE_TIMEOUT)
            if self._own_client and self._client is not None:
                client, self._client = self._client, None
                with contextlib.suppress(Exception):
                    client.close(timeout=CLOSE_TIMEOUT)
            if self._cluster is not None:
                cluster, self._cluster = self._cluster, None
                with contextlib.suppress(Exception):
                    cluster.close(timeout=CLOSE_TIMEOUT)
        finally:
            self._quiet.close()

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
        # what this process starts, it keeps quiet: Dask's log lines and
        # warnings are not the caller's (its errors come back as exceptions)
        self._quiet.enter_context(_quiet_dask())
        if s == "local":
            import dask

            preload = [*(dask.config.get("distributed.worker.preload", None) or []), __name__]
            # a Ctrl-C reaches the whole process group: this process, not
            # each worker, ends the run (and restarted workers ignore it too)
            with _sigint_held():
                # ":0": a free port for the scheduler's HTTP server, which starts even without a dashboard
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                    silence_logs=_SILENT,
                    preload=preload,
                )
            self._client = Client(self._cluster)
            return
        _check_address(s)
        try:
            self._client = Client(s, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            msg = f"cannot reach the Dask scheduler at {s}: {exc}"
            raise SimulationError(msg) from None
        except (TypeError, ValueError) as exc:
            msg = f"cannot use the Dask scheduler address {s!r}: {exc}"
            raise ValueError(msg) from None

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
        from .accumulate import _run_blocks

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

        from .accumulate import _run_blocks
        from .settings import BLOCK_SIZE

        helpers = self.workers - 1  # this process works too, while the others start
        if self._pool is None:
            # spawn, not fork: a forked child of a threaded parent can deadlock;
            # the model travels once, to each worker as it starts
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=helpers, mp_context=ctx, initializer=_start_worker, initargs=(model, os.getpid())
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
            with _sigint_held():  # the worker processes start now: see _start_worker
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
        import queue

        from distributed.client import FutureCancelledError

        try:
            from distributed.scheduler import KilledWorker
        except ImportError:  # pragma: no cover - moved in some releases
            from distributed import KilledWorker

        from .._version import __version__
        from .accumulate import _run_blocks
        from .settings import BLOCK_SIZE

        client = self._client
        nworkers = self._wait_for_workers()
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
        done_q: queue.Queue[Any] = queue.Queue()
        for f in futures:
            f.add_done_callback(done_q.put)
        left = len(futures)
        alone_since: float | None = None  # when the cluster was first seen without workers
        try:
            while left:
                try:
                    f = done_q.get(timeout=WORKER_POLL)
                except queue.Empty:
                    # ranges pending and none finishing: are there workers at all?
                    if self._count_workers():
                        alone_since = None
                        continue
                    now = time.monotonic()
                    alone_since = now if alone_since is None else alone_since
                    if now - alone_since >= self.worker_timeout:
                        msg = (
                            f"every Dask worker left the scheduler at {self._address()} and none joined within "
                            f"{self.worker_timeout:g} s, with {left} of {len(futures)} block ranges unfinished; "
                            "no table was produced (start workers, or wait longer with worker_timeout)"
                        )
                        raise SimulationError(msg) from None
                    continue
                left -= 1
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

    def _address(self) -> str:
        return str(getattr(self._client.scheduler, "address", None) or self.scheduler)

    def _count_workers(self) -> int:
        """Workers the scheduler has now (asked, not cached)."""
        return len(self._client.nthreads())

    def _wait_for_workers(self) -> int:
        """The scheduler's worker count, once it has at least one (or a SimulationError)."""
        n = self._count_workers()
        if n:
            return n
        try:
            self._client.wait_for_workers(1, timeout=self.worker_timeout)
        except TimeoutError:
            msg = (
                f"no Dask worker joined the scheduler at {self._address()} within {self.worker_timeout:g} s; "
                "no table was produced (start workers, or wait longer with worker_timeout)"
            )
            raise SimulationError(msg) from None
        return max(1, self._count_workers())


_MODEL: dict[str, Model] = {}


def _start_worker(model: Model, parent: int) -> None:
    """Worker-process initializer: watch the parent, leave SIGINT to it, keep the run's model.

    SIGINT is ignored (a Ctrl-C at a terminal reaches the whole process
    group: the parent decides, and stops its workers; until this runs, the
    signal is held back by the mask the process was started with), and so
    are Python warnings (the parent runs the same code on its own ranges; a
    worker's stderr is not the caller's).
    """
    _watch_parent(parent)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    import warnings

    warnings.simplefilter("ignore")
    _MODEL.clear()
    _MODEL[model.scenario.hash] = model


def _watch_parent(parent: int) -> None:
    """Exit this process as soon as the process ``parent`` is no longer its parent.

    On Linux the kernel sends SIGKILL when the parent dies
    (``prctl(PR_SET_PDEATHSIG)``; see prctl(2)); everywhere, a daemon thread
    polls ``os.getppid()`` every :data:`PARENT_POLL` seconds (a process whose
    parent died is adopted by another, so its parent id changes).
    """
    if sys.platform == "linux":
        with contextlib.suppress(Exception):  # no libc to be found: the portable check remains
            import ctypes

            pr_set_pdeathsig = 1  # <linux/prctl.h>
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before the watch began
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="outlook-parent-watch", daemon=True).start()


def _run_worker_blocks(key: str, seed: int, total: int, a: int, b: int, chunk: int, sampler: str) -> _Partial:
    from .accumulate import _run_blocks

    return _run_blocks(_MODEL[key], seed, total, a, b, chunk, sampler)


def _stop_pool(pool: Any, *, terminate: bool) -> None:
    """Shut a ProcessPoolExecutor down; with ``terminate``, without waiting for running work.

    ``ProcessPoolExecutor.shutdown`` waits for the ranges being run (minutes
    at large sample counts) and ``terminate_workers`` exists only from Python
    3.14, so the worker processes are terminated here, given
    :data:`STOP_GRACE` seconds, killed if still alive, and joined.
    """
    if not terminate:
        pool.shutdown(wait=True, cancel_futures=True)
        return
    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        with contextlib.suppress(Exception):  # already gone
            p.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
        if p.is_alive():
            p.kill()
            p.join(STOP_GRACE)
    # the pool sees its workers gone, fails what was pending and lets its thread end
    pool.shutdown(wait=True, cancel_futures=True)


# -- Dask --------------------------------------------------------------------

#: A level above every standard one: nothing is logged.
_SILENT = logging.CRITICAL + 10
#: The loggers of the Dask stack (distributed and the web servers it starts).
_DASK_LOGGERS = ("distributed", "bokeh", "tornado")


@contextlib.contextmanager
def _quiet_dask() -> Iterator[None]:
    """Silence Dask's loggers (and those below them that set their own level), then restore them."""
    names = [
        name
        for name, lg in list(logging.root.manager.loggerDict.items())
        if isinstance(lg, logging.Logger)
        and lg.level != logging.NOTSET
        and any(name == r or name.startswith(r + ".") for r in _DASK_LOGGERS)
    ]
    saved = {name: logging.getLogger(name).level for name in {*names, *_DASK_LOGGERS}}
    for name in saved:
        logging.getLogger(name).setLevel(_SILENT)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """SIGINT held back (blocked) in this thread while the block runs.

    Processes and threads started meanwhile inherit the block (a signal
    mask survives fork and exec; see sigprocmask(2)), so a Ctrl-C at the
    terminal, which reaches the whole process group, never reaches them:
    this process stops them. A SIGINT that arrives meanwhile is not lost:
    it is delivered when the block ends.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    # multiprocessing's resource tracker, started on first use, unblocks
    # SIGINT in the thread that starts it: start it before the block
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def dask_setup(worker: Any) -> None:
    """Dask preload hook for the workers of a LocalCluster this module starts.

    Like a local worker process (:func:`_start_worker`): SIGINT and Python
    warnings are ignored, so that a worker that Dask restarts later stays
    quiet too.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    import warnings

    warnings.simplefilter("ignore")


def _check_address(address: str) -> None:
    """Raise ValueError, naming the address and why, if Dask cannot use it to connect from here.

    Whether a scheduler listens there is not checked (that is for connecting).
    """
    from distributed.comm.addressing import get_address_host_port, parse_address
    from distributed.comm.registry import backends, get_backend

    def bad(why: str) -> ValueError:
        return ValueError(f"cannot use the Dask scheduler address {address!r}: {why}")

    scheme, _ = parse_address(address)
    usable = sorted(set(backends) - {"inproc"})
    if scheme == "inproc":
        raise bad("an inproc address works only inside the process that made it; give the scheduler's tcp address")
    try:
        backend = get_backend(scheme)
        backend.get_connector()
    except ValueError:
        raise bad(f"unknown scheme {scheme!r} (known: {', '.join(usable)})") from None
    except Exception as exc:  # a backend that cannot connect from this machine
        if scheme == "ucx":
            why = "ucx needs UCX support, which distributed no longer includes: install distributed-ucxx, or use tcp"
        else:
            why = f"Dask cannot connect over {scheme} from here ({type(exc).__name__}: {exc})"
        raise bad(why) from None
    if scheme in ("tls", "wss"):
        from distributed.security import Security

        if Security().get_connection_args("client").get("ssl_context") is None:
            raise bad(
                f"{scheme} needs a security configuration: set distributed.comm.tls.ca-file, .client.cert "
                "and .client.key in Dask's configuration, or pass a distributed.Client made with a Security"
            )
    try:
        get_address_host_port(address)
    except Exception as exc:
        raise bad(f"expected {scheme}://HOST:PORT, such as {scheme}://10.0.0.5:8786 ({exc})") from None


def cpu_count() -> int:
    """Cores this process may use (its CPU affinity where the system has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
