"""Where ranges of blocks run: this process, local worker processes, or Dask.

Owns splitting ``first:stop`` into contiguous ranges, running a given work
function over them (here, in worker processes, or on a Dask cluster) and
handing each result back to be merged, so that the numbers never depend on
where or in what order the ranges ran; and the lives of those workers:
however a run ends (it returns, raises, or is interrupted), the processes
it started stop within seconds, and a worker process whose parent has died
stops on its own. Imports nothing from the model: it is given a picklable
work function, the object the work reads (sent once to each worker
process) and the work's arguments. Never samples, never prints, and keeps
the logs of a Dask cluster it started out of the caller's stderr.

The work protocol: ``work(shared, first, stop, *args, into=None,
progress=None)`` returns a result for the blocks ``first:stop``. In this
process it is given ``progress`` (called with the samples done as it goes)
and ``into``, the result of this process's previous range, to add the new
range to and return (so that this process's ranges are never merged one by
one); elsewhere neither.
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
from typing import Any, TypeVar

from ..errors import OutlookError, SimulationError

__all__ = [
    "Runner",
    "Work",
    "cpu_count",
    "guided",
    "split",
]

R = TypeVar("R")


#: A unit of work: ``work(shared, first, stop, *args, into=None, progress=None)``,
#: the result of blocks ``first:stop`` (see the module docstring).
Work = Callable[..., R]


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
#: range. (Local processes take guided ranges instead: see :func:`guided`.)
MAX_RANGE_BLOCKS = 4
#: Seconds between looks for finished Dask ranges, while none has finished.
DASK_POLL = 0.02
#: Ranges handed to each local worker process at a time: the one it runs and
#: the next, so that it never waits for this process to hand one out.
AHEAD = 2


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


def guided(first: int, stop: int, workers: int) -> list[tuple[int, int]]:
    """Contiguous ranges covering ``first:stop``, each a ``2 workers``-th of what is left (at least one block).

    Big ranges first and small ones at the end, so that no process waits
    long for another's last range (guided self-scheduling, Polychronopoulos
    and Kuck 1987, with the ranges computed in advance).

    >>> guided(0, 20, 2)
    [(0, 5), (5, 9), (9, 12), (12, 14), (14, 16), (16, 17), (17, 18), (18, 19), (19, 20)]
    """
    out = []
    a = first
    while a < stop:
        b = a + max(1, -(-(stop - a) // (2 * workers)))
        out.append((a, b))
        a = b
    return out


class Runner:
    """Runs ranges of blocks for :func:`outlook.simulate`; a context manager.

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
        self._pool: Any = None
        self._shared: Any = None  # what the pool's worker processes were given
        self._client: Any = None
        self._cluster: Any = None
        self._own_client = False
        self._quiet = contextlib.ExitStack()
        # Ctrl-Cs noted while this process runs a Dask cluster of its own (see _sigint_noted); None otherwise
        self._interrupted: list[int] | None = None
        if scheduler is not None:
            try:
                self._connect()
            except BaseException:
                self.close(terminate=True)
                raise

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> Runner:
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
            self._quiet.close()  # SIGINT's handler back as it was
            if self._interrupted and not terminate:  # a Ctrl-C while the cluster closed: not lost either
                self._interrupted = None
                raise KeyboardInterrupt

    def _connect(self) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            msg = "running on Dask needs the dask extra: pip install 'scenario-outlook[dask]' (from a checkout: pip install '.[dask]')"
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
        # and from here to close, a Ctrl-C is noted and raised where it is polled for, never inside Dask's
        # garbage-collector callback, which would swallow it
        self._interrupted = self._quiet.enter_context(_sigint_noted())
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
            self._check_interrupted()
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
        work: Work[R],
        shared: Any,
        first: int,
        stop: int,
        *,
        args: tuple[Any, ...] = (),
        key: str,
        size: Callable[[int, int], int],
        merge: Callable[[R], None],
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Run ``work`` over contiguous ranges covering blocks ``first:stop``; ``merge`` each result.

        Parameters
        ----------
        work
            A module-level function (so that it pickles by name), following
            the work protocol of the module docstring.
        shared
            What ``work`` reads besides its arguments (the model): sent once
            to each worker process, and with each Dask task.
        first, stop
            The blocks.
        args
            The rest of ``work``'s arguments, after the range.
        key
            Names ``shared``, ``work`` and ``args`` exactly: the same key is the
            same results (a Dask task is ``outlook-{key}-{first}-{stop}``).
        size
            The progress units of a range (its samples), reported when a range
            run elsewhere is merged.
        merge
            Called in this thread with each result, in any order, once each.
        progress
            Called in this thread with the units done, as they are done.

        Raises
        ------
        SimulationError
            If a worker process died, or Dask gave up on a range or lost the run.
        """
        if self._client is not None:
            self._run_dask(work, shared, first, stop, args, key, size, merge, progress)
        elif self.workers == 1 or stop - first == 1:
            merge(work(shared, first, stop, *args, progress=progress))
        else:
            self._run_processes(work, shared, first, stop, args, size, merge, progress)

    def _run_processes(
        self,
        work: Work[R],
        shared: Any,
        first: int,
        stop: int,
        args: tuple[Any, ...],
        size: Callable[[int, int], int],
        merge: Callable[[R], None],
        progress: Callable[[int], None] | None,
    ) -> None:
        """Guided ranges, computed up front, taken in order by this process and the worker processes.

        If ranges fail, the error raised is that of the first in world order
        (the ranges before it are finished first), so that a run's message
        does not depend on the number of workers. Each worker process is kept :data:`AHEAD` ranges ahead (one running,
        the next waiting), so it never waits for this process; this process
        works on the next range in line and, between chunks of its own work,
        merges finished ranges and hands out the next ones. No lock, queue or
        callback: everything happens in this thread.
        """
        from concurrent.futures import FIRST_COMPLETED, Future, wait
        from concurrent.futures.process import BrokenProcessPool

        pool = self._process_pool(shared)
        todo = guided(first, stop, self.workers)[::-1]  # popped from the end: in order
        running: dict[Future[R], tuple[int, int]] = {}
        failed: list[tuple[int, OutlookError]] = []  # (first block, error) of each range that failed

        def tend() -> None:
            """Merge the ranges that finished; hand out ranges until each worker process has AHEAD."""
            for f in [f for f in running if f.done()]:
                a, b = running.pop(f)
                try:
                    result = f.result()  # a worker's error is raised here
                except OutlookError as exc:  # kept: an earlier range, still running, may fail too
                    failed.append((a, exc))
                    todo.clear()  # every range not handed out lies after this one
                    continue
                if not failed:
                    merge(result)
                    if progress is not None:
                        progress(size(a, b))
            if todo and len(running) < AHEAD * (self.workers - 1):
                with _sigint_held():  # a worker process may start now: see _start_worker
                    while todo and len(running) < AHEAD * (self.workers - 1):
                        a, b = todo.pop()
                        running[pool.submit(_run_shared, work, a, b, args)] = (a, b)

        def mine_progress(n: int) -> None:
            if progress is not None:
                progress(n)
            tend()

        try:
            tend()
            mine = None
            while todo:
                a, b = todo.pop()
                try:
                    mine = work(shared, a, b, *args, into=mine, progress=mine_progress)
                except OutlookError as exc:
                    failed.append((a, exc))
                    todo.clear()
            if mine is not None and not failed:
                merge(mine)
            while running:
                wait(running, return_when=FIRST_COMPLETED)
                tend()
            if failed:  # the error of the first range that failed, in world order: the same for any workers
                raise min(failed, key=lambda fe: fe[0])[1]
        except BrokenProcessPool:
            msg = "a worker process died (killed, or out of memory); no table was produced"
            raise SimulationError(msg) from None

    def _process_pool(self, shared: Any) -> Any:
        """The pool of ``workers - 1`` processes (this one works too), started for ``shared``."""
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if self._pool is not None and self._shared is not shared:
            pool, self._pool = self._pool, None
            _stop_pool(pool, terminate=False)
        if self._pool is None:
            # spawn, not fork: a forked child of a threaded parent can deadlock;
            # what the work reads travels once, to each worker as it starts
            ctx = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers - 1,
                mp_context=ctx,
                initializer=_start_worker,
                initargs=(shared, os.getpid()),
            )
            self._shared = shared
        return self._pool

    def _run_dask(
        self,
        work: Work[R],
        shared: Any,
        first: int,
        stop: int,
        args: tuple[Any, ...],
        key: str,
        size: Callable[[int, int], int],
        merge: Callable[[R], None],
        progress: Callable[[int], None] | None,
    ) -> None:
        """Every range submitted up front; finished ones merged as they come, workers watched meanwhile."""
        from distributed import as_completed
        from distributed.client import FutureCancelledError

        try:
            from distributed.scheduler import KilledWorker
        except ImportError:  # pragma: no cover - moved in some releases
            from distributed import KilledWorker

        client = self._client
        ranges = split(
            first, stop, max(self._wait_for_workers() * RANGES_PER_WORKER, -(-(stop - first) // MAX_RANGE_BLOCKS))
        )
        futures = {
            client.submit(work, shared, a, b, *args, key=f"outlook-{key}-{a}-{b}", pure=False): (a, b)
            for a, b in ranges
        }
        finished = as_completed(list(futures), loop=client.loop)
        left = len(futures)
        failed: list[tuple[int, OutlookError]] = []  # (first block, error): the first in world order is raised
        try:
            with contextlib.ExitStack() as stack:
                interrupted = self._interrupted
                if interrupted is None:  # a client of the caller's: noted for the loop's time only
                    interrupted = stack.enter_context(_sigint_noted())
                self._collect(futures, finished, left, failed, merge, progress, size, interrupted)
            if failed:
                raise min(failed, key=lambda fe: fe[0])[1]
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

    def _collect(
        self,
        futures: dict[Any, tuple[int, int]],
        finished: Any,
        left: int,
        failed: list[tuple[int, OutlookError]],
        merge: Callable[[Any], None],
        progress: Callable[[int], None] | None,
        size: Callable[[int, int], int],
        interrupted: list[int],
    ) -> None:
        """Merge the Dask ranges as they finish, watching the workers meanwhile, until none is left."""
        heard = time.monotonic()  # when a range last finished, or workers were last seen
        while left:
            if interrupted:  # Ctrl-C, noted by the handler: raised here, where it cannot be lost
                raise KeyboardInterrupt
            batch = finished.next_batch(block=False)
            if not batch:
                time.sleep(DASK_POLL)
                heard = self._check_workers(heard, left, len(futures))
                continue
            heard = time.monotonic()
            for f in batch:
                left -= 1
                try:
                    result = f.result()
                except OutlookError as exc:
                    failed.append((futures[f][0], exc))
                    continue
                finally:
                    f.release()
                if not failed:
                    merge(result)
                    if progress is not None:
                        progress(size(*futures[f]))
        if interrupted:
            raise KeyboardInterrupt

    def _check_workers(self, heard: float, left: int, ranges: int) -> float:
        """While no range finishes: when workers were last seen; a SimulationError after ``worker_timeout`` without."""
        now = time.monotonic()
        if now - heard < WORKER_POLL:
            return heard
        if self._count_workers():
            return now
        if now - heard >= self.worker_timeout:
            msg = (
                f"every Dask worker left the scheduler at {self._address()} and none joined within "
                f"{self.worker_timeout:g} s, with {left} of {ranges} block ranges unfinished; "
                "no table was produced (start workers, or wait longer with worker_timeout)"
            )
            raise SimulationError(msg) from None
        return heard

    def _address(self) -> str:
        return str(getattr(self._client.scheduler, "address", None) or self.scheduler)

    def _count_workers(self) -> int:
        """Workers the scheduler has now (asked, not cached)."""
        return len(self._client.nthreads())

    def _check_interrupted(self) -> None:
        """Raise ``KeyboardInterrupt`` if a Ctrl-C was noted while this runner's cluster ran."""
        if self._interrupted:
            raise KeyboardInterrupt

    def _wait_for_workers(self) -> int:
        """The scheduler's worker count, once it has at least one (or a SimulationError)."""
        self._check_interrupted()
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


#: In a worker process: what its work reads (the ``shared`` its pool was started with).
_SHARED: list[Any] = []


def _start_worker(shared: Any, parent: int) -> None:
    """Worker-process initializer: watch the parent, leave SIGINT to it, keep what the work reads.

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
    _SHARED[:] = [shared]


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


def _run_shared(work: Work[R], first: int, stop: int, args: tuple[Any, ...]) -> R:
    """In a worker process: ``work`` over blocks ``first:stop``, reading what the pool was started with."""
    return work(_SHARED[0], first, stop, *args)


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
def _sigint_noted() -> Iterator[list[int]]:
    """While a poll loop runs, SIGINT is only noted; the loop raises ``KeyboardInterrupt`` at its next turn.

    Python's default handler raises ``KeyboardInterrupt`` wherever the main
    thread is at that moment; inside a garbage-collector callback (a Dask
    client registers one) the exception is only printed ("Exception ignored
    in ...") and the interrupt is lost, so the run went on. Noted and raised
    by the loop, a Ctrl-C is never lost and prints nothing. Only in the main
    thread, and only where SIGINT has Python's own handler.
    """
    noted: list[int] = []
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield noted
        return
    old = signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, old)


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
