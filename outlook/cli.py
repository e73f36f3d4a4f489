"""The ``outlook`` command: a thin layer over the public API.

Owns argument parsing, which tables it writes in which format (JSON here;
text, Markdown and CSV through :mod:`outlook.display`), and exit codes: 0 on
success, 2 for bad input (one message per problem on stderr, no traceback
unless ``--traceback``), 1 for a run that failed, 130 when interrupted and
128 + the signal's number when terminated (SIGTERM, SIGHUP). Everything it
writes passes through :func:`outlook._text.terminal_safe` (and Markdown and
CSV through their own escapes), so a scenario file cannot drive the
terminal; other libraries' warnings and log lines are kept off stderr.
Never holds model logic.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import math
import os
import re
import signal
import sys
import textwrap
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import Any, TextIO, cast

from ._text import markdown_escape, terminal_safe

__all__ = [
    "main",
]

_FORMATS = ("table", "markdown", "csv", "json", "xlsx")
#: The tables ``--table`` names: the run's tables and the event curves (plot data).
_TABLES = ("scenarios", "events", "drivers", "derived", "categories", "curves")


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(
        prog="outlook",
        description="Scenario-outlook forecasting: YAML scenario files to probability-weighted outlook tables.",
    )
    p.add_argument("--version", action="version", version=f"outlook {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    _run_parser(sub)

    rep = sub.add_parser(
        "report",
        help="simulate a scenario and write its report (HTML or Markdown)",
        description="Simulate a scenario and write the finished report: one self-contained HTML file, or "
        "Markdown with its figures in <stem>_files/ beside it. The file is written atomically, and only ever "
        "replaces a regular file; -o - writes the report to standard output.",
    )
    rep.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    rep.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="PATH",
        help="the report to write (.html or .md; a regular file, never the scenario itself), "
        "or - for standard output (HTML, or Markdown with --no-figures)",
    )
    rep.add_argument(
        "--format",
        "-f",
        default=None,
        metavar="FORMAT",
        help="html or markdown (default: from the output's suffix)",
    )
    rep.add_argument("--figures", default="png", metavar="FORMAT", help="figure format, png or svg (default png)")
    rep.add_argument("--no-figures", action="store_true", help="leave the figures out (no matplotlib needed)")
    rep.add_argument(
        "--observations",
        metavar="OBSERVATIONS",
        default=None,
        help="report the outlook updated on this observations file (YAML, as for 'outlook update'), with a "
        "'What changed' section and each indicator's status; --samples defaults to 10000, as for 'outlook update'",
    )
    _simulation_options(rep)
    rep.add_argument("--scale", default="icd203", help="estimative-word scale (default icd203; see 'outlook scales')")
    _set_option(rep)
    rep.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no closing message")
    rep.add_argument("--traceback", action="store_true", help="show the full traceback on errors")

    check = sub.add_parser(
        "check",
        help="validate scenario files without running them",
        description="Validate scenario files without running them. A source dated after as_of (other than one "
        "cited only by an event's status) is an error. Warnings (an ungraded source, an event with no "
        "resolution, a driver that feeds no probability, ...) are printed and exit 0; with --strict each is an "
        "error, and the exit code is 2.",
    )
    check.add_argument("files", nargs="+", metavar="FILE|ID")
    check.add_argument("--strict", action="store_true", help="treat every warning as an error (exit 2)")
    _set_option(check)
    check.add_argument("--traceback", action="store_true", help="show the full traceback on errors")

    graph = sub.add_parser(
        "graph",
        help="print a scenario's dependency graph (Mermaid or DOT)",
        description="Print who feeds whom in a scenario, from sources to drivers, derived quantities, events and "
        "scenarios, as Mermaid (paste into a Markdown file that renders Mermaid) or Graphviz DOT (dot -Tsvg).",
    )
    graph.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    graph.add_argument(
        "--format", "-f", choices=("mermaid", "dot"), default="mermaid", help="output format (default mermaid)"
    )
    _set_option(graph)
    graph.add_argument("--traceback", action="store_true", help="show the full traceback on errors")

    lst = sub.add_parser("list", help="list the bundled scenarios")
    lst.add_argument("--traceback", action="store_true", help="show the full traceback on errors")

    scales = sub.add_parser("scales", help="list the estimative-word scales")
    scales.add_argument("--traceback", action="store_true", help="show the full traceback on errors")

    from .commands import COMMANDS, command_module

    for name in COMMANDS:
        command_module(name).add_parser(sub)
    return p


def _run_parser(sub: Any) -> None:
    """The ``run`` sub-command's arguments."""
    run = sub.add_parser(
        "run",
        help="simulate a scenario and print its key judgements and scenario grid",
        description="Simulate a scenario. At the terminal (and as Markdown): the key judgements per horizon, then "
        "the scenario x horizon grid; --all adds the scenario, event, driver, derived and category tables, "
        "--table NAME prints one table. JSON holds every table; CSV one table (scenarios unless --table says); "
        "xlsx, to a file (-o), every table as a sheet with the manifest.",
    )
    run.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    _simulation_options(run)
    run.add_argument("--format", "-f", choices=_FORMATS, default="table", help="output format (default table)")
    run.add_argument(
        "--table",
        choices=(*_TABLES, "all"),
        default=None,
        help="print this table alone (curves: event probabilities over time); all is --all",
    )
    run.add_argument(
        "--all", action="store_true", help="after the key judgements and the grid, every table (not the curves)"
    )
    run.add_argument(
        "--output",
        "-o",
        default=None,
        metavar="FILE",
        help="with --format xlsx: the workbook to write (a regular file, never the scenario itself)",
    )
    run.add_argument("--scale", default="icd203", help="estimative-word scale (default icd203; see 'outlook scales')")
    _set_option(run)
    run.add_argument("--traceback", action="store_true", help="show the full traceback on errors")
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar, and no note that a run will be long")


def _set_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--set",
        action="append",
        default=[],
        dest="overrides",
        metavar="KEY=VALUE",
        help="a what-if: a new value for what the scenario states, by key path, as YAML "
        "(--set drivers.troops.range=[9000,13000]; --set 'drivers.x={constant: 1}'; "
        "--set correlations[0]=drop); repeatable, applied in order",
    )


def _overrides(args: argparse.Namespace) -> list[Any]:
    """The --set options as overrides; every one that cannot be read, or that repeats a key, is reported together."""
    if not args.overrides:
        return []
    from .commands.whatif import read_overrides  # one reading of --set for every command

    return read_overrides(args.overrides)


def _simulation_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(
        "simulation (none of these but --samples, --precision, --sampler and --seed changes a number)"
    )
    g.add_argument(
        "--samples",
        "-n",
        type=_samples,
        default=None,
        help="simulated worlds, at most 1e10 (default 100000; with --precision, the most it may take, default 1e8)",
    )
    g.add_argument(
        "--seed", "-s", type=_seed, default=0, help="random seed, a whole number from 0 to 2**128 - 1 (default 0)"
    )
    g.add_argument(
        "--precision",
        type=_precision,
        default=None,
        metavar="SE",
        help="sample until every probability's standard error is at most SE (e.g. 0.002)",
    )
    g.add_argument(
        "--sampler",
        choices=("random", "sobol", "lhs"),
        default="random",
        help="random numbers, or quasi-Monte Carlo: scrambled Sobol' or Latin hypercube (default random)",
    )
    g.add_argument(
        "--workers",
        "-j",
        type=_positive_int,
        default=None,
        help="processes working on the run, this one included (default 1; -j 2 uses two cores); "
        "with --scheduler local, the LocalCluster's workers (default one per core); "
        "at most the cores this process may use (more are capped, with a note)",
    )
    g.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on Dask: 'local' starts a LocalCluster, or a scheduler address such as tcp://host:8786 "
        "(needs the dask extra: pip install 'scenario-outlook[dask]')",
    )
    g.add_argument(
        "--worker-timeout",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="with --scheduler: how long to wait for a Dask worker when the scheduler has none, "
        "at the start or after the last one left (default 60)",
    )
    g.add_argument(
        "--chunk-size",
        type=_chunk_size,
        default=None,
        help="samples held in memory at once, per worker",
    )


def _simulate_kwargs(args: argparse.Namespace, progress: Callable[[int, int], None] | None) -> dict[str, Any]:
    """run_outlook's keyword arguments from the simulation options."""
    from .model import DEFAULT_CHUNK_SIZE

    if progress is not None and args.precision is not None:
        bar = progress  # the total is unknown until the precision is reached

        def progress(done: int, total: int) -> None:
            bar(done, 0)

    elif isinstance(progress, _Progress):
        progress = _LongRunNote(progress, processes=_processes(args))
    return {
        "samples": args.samples,
        "seed": args.seed,
        "chunk_size": args.chunk_size or DEFAULT_CHUNK_SIZE,
        "precision": args.precision,
        "sampler": args.sampler,
        "workers": args.workers,
        "scheduler": args.scheduler,
        "worker_timeout": args.worker_timeout,
        "scale": args.scale,
        "progress": progress,
    }


def _processes(args: argparse.Namespace) -> int | None:
    """Processes a local run uses (as the engine caps them); ``None`` on Dask."""
    if args.scheduler is not None:
        return None
    from .model.runner import cpu_count

    return min(args.workers or 1, cpu_count())


def _seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not 0 < v < math.inf:
        msg = f"expected a positive number of seconds, such as 60, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return v


def _precision(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        v = math.nan
    if not 0 < v < 0.5:
        msg = f"expected a standard error between 0 and 0.5, such as 0.002, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return v


def _whole(text: str, low: int, high: int, what: str) -> int:
    """The whole number ``text`` writes, if within [low, high]; else a usage error stating the limits.

    Accepts what Python reads as a number and is whole: ``1000000``,
    ``1_000_000``, ``1e6``, ``2.5e6``. Refuses fractions (``1.5``,
    ``1e-3``), ``nan``, ``inf``, hexadecimal and anything out of range
    (``-0`` is 0). The value is read exactly (``decimal``), never through a
    float, and compared with the limits before it becomes an int.
    """
    from decimal import Decimal, InvalidOperation

    try:
        float(text)  # Python's number syntax: refuses "0x10", "_1", "1__0"
        d = Decimal(text.strip())
    except (ValueError, InvalidOperation):
        d = Decimal("nan")
    if not (d.is_finite() and d == d.to_integral_value() and low <= d <= high):
        msg = f"expected {what}, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return int(d)


def _samples(text: str) -> int:
    from .model import MAX_SAMPLES

    return _whole(text, 1, MAX_SAMPLES, f"a whole number of samples from 1 to {MAX_SAMPLES:,}")


def _chunk_size(text: str) -> int:
    from .model import MAX_CHUNK_SIZE

    return _whole(text, 1, MAX_CHUNK_SIZE, f"a whole number of samples from 1 to {MAX_CHUNK_SIZE:,}")


def _positive_int(text: str) -> int:
    return _whole(text, 1, 2**63 - 1, "a positive whole number")


def _seed(text: str) -> int:
    from .model import MAX_SEED

    return _whole(text, 0, MAX_SEED, "a whole number from 0 to 2**128 - 1")


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the ``outlook`` command; return its exit code.

    Parameters
    ----------
    argv
        Arguments without the program name (``sys.argv[1:]`` by default).
    stdout, stderr
        Streams to write to (the process's by default).
    """
    out = cast(TextIO, _SafeText(stdout if stdout is not None else sys.stdout, "output"))
    err = cast(TextIO, _SafeText(stderr if stderr is not None else sys.stderr, "error"))
    parser = _parser()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help, --version or a usage error
        return int(exc.code or 0)
    except _WriteFailed as exc:
        return _write_failed(exc, err, own_stdout=stdout is None)
    try:
        return _main(args, out, err)
    except _WriteFailed as exc:
        return _write_failed(exc, err, own_stdout=stdout is None)
    finally:
        with contextlib.suppress(Exception):
            out.flush()
        with contextlib.suppress(Exception):
            err.flush()


def _main(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .errors import OutlookError, ScenarioError, ScenarioErrors

    _received.clear()
    try:
        with _terminate_as_exception(), _quiet_libraries():
            if args.command == "run":
                return _run(args, out, err)
            if args.command == "report":
                return _report(args, out, err)
            if args.command == "check":
                return _check(args, out, err)
            if args.command == "graph":
                return _graph(args, out)
            if args.command == "list":
                return _list(out)
            if args.command == "scales":
                return _scales(out)
            from .commands import command_module

            return int(command_module(args.command).run(args, out, err))
    except (ScenarioErrors, ScenarioError) as exc:
        if args.traceback:
            traceback.print_exc(file=err)
        print(str(exc), file=err)
        return 2
    except ValueError as exc:
        if args.traceback:
            traceback.print_exc(file=err)
        print(f"outlook: error: {exc}", file=err)
        return 2
    except OutlookError as exc:
        if args.traceback:
            traceback.print_exc(file=err)
        print(f"outlook: run failed: {exc}", file=err)
        return 1
    except KeyboardInterrupt:
        _silence_logging()
        print("outlook: interrupted", file=err)
        return 130
    except _Terminated as exc:
        _silence_logging()
        print("outlook: terminated", file=err)
        return 128 + exc.signum
    except _WriteFailed:
        raise  # main says it, once
    except Exception as exc:
        if _received:  # the signal's exception, changed on its way (e.g. raised inside an extension's import)
            _silence_logging()
            print("outlook: terminated", file=err)
            return 128 + _received[-1]  # a bug: say so plainly, keep the details on request
        if args.traceback:
            traceback.print_exc(file=err)
        print(f"outlook: internal error: {type(exc).__name__}: {exc} (rerun with --traceback for details)", file=err)
        return 1
    finally:
        out.flush()  # a failed write of what is still buffered is reported like any other


def _silence_logging() -> None:
    """Keep libraries' log lines off stderr after an interrupted command, while their threads shut down.

    (A Dask cluster closing after Ctrl-C logs its closed connections, with
    tracebacks, from background threads that outlive the command.)
    """
    import logging

    logging.disable(logging.CRITICAL)


class _WriteFailed(Exception):
    """Writing to standard output or standard error failed (closed, a broken pipe, a full disk)."""

    def __init__(self, stream: str, cause: OSError) -> None:
        super().__init__(f"cannot write to standard {stream}: {cause.strerror or cause}")
        self.stream = stream
        self.errno = cause.errno


#: The exit code of a command whose reader went away (``outlook run ... | head -1``):
#: 128 + SIGPIPE, as for a command the shell saw killed by SIGPIPE.
_EXIT_BROKEN_PIPE = 141


def _write_failed(exc: _WriteFailed, err: TextIO, *, own_stdout: bool) -> int:
    """Exit code (and message, when one can be written) for a failed write to a standard stream.

    A reader that went away (``EPIPE``) is no error to report: the command
    stops quietly with :data:`_EXIT_BROKEN_PIPE`, and standard output is
    pointed at ``/dev/null`` so that the interpreter's own flush at exit
    cannot fail again (the recipe of the Python documentation, "Note on
    SIGPIPE", in the ``signal`` module). Anything else (a closed stream, a
    full disk) is said on standard error, exit code 1.
    """
    if exc.errno == errno.EPIPE:
        if exc.stream == "output" and own_stdout:  # the process's own, not a stream given to main
            with contextlib.suppress(Exception):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
        return _EXIT_BROKEN_PIPE
    if exc.stream == "output":
        with contextlib.suppress(_WriteFailed):
            print(f"outlook: error: {exc}", file=err)
    return 1


class _SafeText(io.TextIOBase):
    """A text stream that writes everything through :func:`terminal_safe`, line by line.

    Every path by which the command writes (tables, notes, errors,
    tracebacks, argparse's messages) goes through here, so that no text from
    a scenario file reaches the terminal as control characters. Progress
    bars, which are the command's own escapes, write to :attr:`raw`.
    """

    def __init__(self, raw: TextIO | None, name: str) -> None:
        super().__init__()
        self.raw = raw
        self.name = name  # "output" or "error", for messages

    def write(self, text: str) -> int:
        self.write_raw("\n".join(terminal_safe(line) for line in text.split("\n")))
        return len(text)

    def write_raw(self, text: str | bytes) -> None:
        """Write ``text`` as it is (bytes to the binary buffer), past the terminal-safe filter.

        Raises
        ------
        _WriteFailed
            If the stream is closed (``None``: the process started with the
            descriptor closed) or the write fails.
        """
        try:
            if self.raw is None:
                raise OSError(errno.EBADF, "the stream is closed")
            buffer = getattr(self.raw, "buffer", None) if isinstance(text, bytes) else None
            if buffer is not None:
                self.raw.flush()
                buffer.write(text)
                buffer.flush()
            else:
                self.raw.write(text.decode("utf-8") if isinstance(text, bytes) else text)
        except OSError as exc:
            raise _WriteFailed(self.name, exc) from exc

    def flush(self) -> None:
        if self.raw is None:
            return
        try:
            self.raw.flush()
        except OSError as exc:
            raise _WriteFailed(self.name, exc) from exc

    def isatty(self) -> bool:
        isatty = getattr(self.raw, "isatty", None)
        return bool(callable(isatty) and isatty())

    def writable(self) -> bool:
        return True


class _Terminated(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread so that every ``finally`` runs.

    A ``BaseException``, like ``KeyboardInterrupt``: ``except Exception``
    does not swallow it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: The termination signals received while the command ran (see :func:`_terminate_as_exception`).
_received: list[int] = []


@contextlib.contextmanager
def _terminate_as_exception() -> Iterator[None]:
    """While the command runs, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 raise :class:`_Terminated` (once).

    Each of them would otherwise end the process at once, leaving worker
    processes and half-written files behind; handled, the command stops its
    workers, removes its temporary files and exits with 128 + the signal's
    number. (SIGKILL cannot be handled: the workers then notice their parent
    is gone and stop, and Python's resource tracker removes what the pool
    held, saying so on stderr.)

    Only where they would otherwise end the process at once (the default
    action: under ``nohup`` SIGHUP stays ignored) and only in the main
    thread; the previous handlers come back afterwards. Code that installs
    its own handler for a while (saving and restoring this one) composes
    with it. A second signal while the first unwinds is ignored, so that the
    cleanup it started (stopping worker processes) is not cut short.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    raised = False

    def handler(signum: int, frame: FrameType | None) -> None:
        nonlocal raised
        if not raised:
            raised = True
            _received.append(signum)  # an extension module's import may turn the exception into ImportError
            raise _Terminated(signum)

    saved: dict[int, Any] = {}
    for name in ("SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"):
        sig = getattr(signal, name, None)  # only SIGTERM on Windows
        if sig is not None and signal.getsignal(sig) == signal.SIG_DFL:
            saved[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in saved.items():
            signal.signal(sig, old)


@contextlib.contextmanager
def _quiet_libraries() -> Iterator[None]:
    """Keep other libraries' warnings and log lines off stderr while the command runs.

    Only the command's own lines reach the user: what it has to say about a
    run is in the run's warnings (printed as notes) or its errors.
    """
    import logging
    import warnings

    before = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(before)


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .api import run_outlook
    from .words import get_scale

    get_scale(args.scale)
    overrides = _overrides(args)
    if args.table == "all":
        args.table, args.all = None, True
    _check_run_output(args)
    if args.format == "xlsx":
        from .spreadsheet import require_openpyxl

        try:
            require_openpyxl()  # before the run: a missing extra fails at once
        except ImportError as exc:
            print(f"outlook: error: {exc}", file=err)
            return 2
    with _progress(err, _bar_total(args), quiet=args.quiet) as progress:
        tables = run_outlook(args.scenario, overrides=overrides, **_simulate_kwargs(args, progress))
    _notes(tables, args, err)
    if args.format == "json":
        return _run_json(tables, args, out)
    if args.format == "csv":
        from .display import render_table

        if args.table is None and not args.quiet:
            others = ", ".join(t for t in _TABLES if t != "scenarios")
            print(
                f"outlook: note: CSV holds one table, this is 'scenarios'; the others need --table NAME ({others}), "
                "or --format xlsx -o FILE for all of them",
                file=err,
            )
        out.write(render_table(_table(tables, args.table or "scenarios"), format="csv"))
        return 0
    if args.format == "xlsx":
        return _run_xlsx(tables, args, out)
    _run_text(tables, args, out)
    return 0


def _check_run_output(args: argparse.Namespace) -> None:
    """The combinations of --format, --table, --all and -o that cannot work, refused before the run (exit 2)."""
    if args.format == "csv" and args.all:
        msg = "CSV holds one table: choose it with --table NAME, or write them all with --format xlsx -o FILE or --format json"
        raise ValueError(msg)
    if args.format == "xlsx" and args.output is None:
        msg = "--format xlsx writes a workbook to a file: name it with -o FILE (such as -o outlook.xlsx)"
        raise ValueError(msg)
    if args.output == "-":
        msg = "a workbook is not text for standard output: name a file with -o FILE (such as -o outlook.xlsx)"
        raise ValueError(msg)
    if args.output is not None and args.format != "xlsx":
        msg = f"-o is for --format xlsx; --format {args.format} writes to standard output (redirect it with >)"
        raise ValueError(msg)
    if args.output is not None and not args.output.lower().endswith(".xlsx"):
        msg = f"a workbook's name ends in .xlsx (got {args.output!r}): outlook never replaces a file of another kind"
        raise ValueError(msg)
    if args.output is not None:
        from .report import check_output
        from .scenario import find_scenario

        try:
            scenario = find_scenario(args.scenario)
        except Exception:  # run_outlook says what is wrong with it
            scenario = None
        # a workbook goes where a report may go: the same refusals (a directory, the scenario itself, a link)
        check_output(args.output, format="html", figures=False, scenario=scenario)


def _table(tables: Any, name: str) -> Any:
    """A table by name: one of the run's tables, or the event curves."""
    return tables.curves if name == "curves" else tables.table(name)


def _run_json(tables: Any, args: argparse.Namespace, out: TextIO) -> int:
    """Every table and the curves (or the one --table names), the manifest and the warnings, as one object."""
    import json

    data = tables.to_dict()
    data["curves"] = [
        {"event": str(r.event), "time": _finite(r.time), "p_by": _finite(r.p_by), "p_by_se": _finite(r.p_by_se)}
        for r in tables.curves.itertuples(index=False)
    ]
    if args.table is not None:
        data = {args.table: data[args.table], "manifest": data["manifest"], "warnings": data["warnings"]}
    out.write(_json_safe(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)) + "\n")
    return 0


def _finite(v: Any) -> float | None:
    """A float for JSON: ``None`` for NaN or an infinity (JSON has neither)."""
    f = float(v)
    return f if math.isfinite(f) else None


def _run_xlsx(tables: Any, args: argparse.Namespace, out: TextIO) -> int:
    """Every table (or the one --table names) as a sheet, with the manifest, written atomically to -o."""
    from pathlib import Path

    from .report.files import write_atomically
    from .spreadsheet import xlsx_bytes

    names = (args.table,) if args.table is not None else _TABLES
    data = xlsx_bytes({name: _table(tables, name) for name in names}, tables.manifest, tables.warnings)
    path = Path(args.output)
    write_atomically([(path, data)])
    if not args.quiet:
        print(f"wrote {path}", file=out)
    return 0


def _run_text(tables: Any, args: argparse.Namespace, out: TextIO) -> None:
    """The terminal's (or Markdown's) view: the key judgements and the grid; then every table, or one."""
    from .display import category_shares, key_judgements, long_date, render_table, scenario_grid

    md = args.format == "markdown"
    m = tables.manifest
    sid = terminal_safe(str(m["scenario_id"]))
    title = (
        f"{markdown_escape(sid) if md else sid}: {m['samples']} samples, seed {m['seed']}, "
        f"sampler {m['sampler']}, scale {m['scale']}"
    )
    out.write(f"# {title}\n" if md else f"{title}\n")
    if m["overrides"]:  # a what-if's tables say so, whatever is pasted from them
        what_if = "; ".join(terminal_safe(str(o)) for o in m["overrides"])
        out.write(f"\nWhat-if: {markdown_escape(what_if)}\n" if md else f"what-if: {what_if}\n")
    esc = markdown_escape if md else str
    if args.table is None:
        s = tables.scenario
        if s is not None:
            about = f"{' '.join(s.title.split())}, as of {long_date(s.as_of)}"
            out.write(f"\n{esc(terminal_safe(about))}\n")
        note = "cumulative: by each date; ± two Monte Carlo standard errors"
        out.write(f"\n## Key judgements\n\n({note})\n\n" if md else f"\nKey judgements ({note})\n")
        for line in key_judgements(tables):
            if md:
                out.write(f"- {esc(line)}\n")
            else:  # a paragraph a horizon, wrapped for a terminal, the horizon standing out
                out.write(
                    textwrap.fill(
                        line,
                        width=100,
                        initial_indent="  ",
                        subsequent_indent="    ",
                        break_long_words=False,
                        break_on_hyphens=False,
                    )
                    + "\n"
                )
        out.write("\n## Scenarios by horizon\n\n" if md else "\n")
        out.write(scenario_grid(tables, format="markdown" if md else "text"))
    names = (args.table,) if args.table is not None else tables.TABLES if args.all else ()
    for name in names:
        frame = _table(tables, name)
        if frame.empty:
            continue
        out.write(f"\n## {name}\n\n" if md else f"\n{name}\n")
        out.write(render_table(frame, format="markdown" if md else "text"))
        if name == "drivers":  # a categorical driver's numbers are empty: its shares, in their place
            shares = category_shares(tables)
            if shares:
                head = "shares of worlds (± one Monte Carlo standard error)"
                out.write(f"\n{esc(head.capitalize())}:\n\n" if md else f"\n{head}\n")
                out.write("".join(f"- {esc(line)}\n" if md else f"  {line}\n" for line in shares))
    out.write("\n")
    if args.table is None and not args.all:
        more = "events, drivers, derived quantities and categories: --all, or --table NAME"
        out.write(f"{esc(more)}\n")
    out.write(f"scenario hash {m['scenario_hash'][:16]}, outlook {m['outlook_version']}\n")


def _report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .api import run_outlook
    from .errors import ScenarioError
    from .report import build_report, check_output, write_report
    from .scenario import find_scenario
    from .words import get_scale

    # every check that needs no simulation comes first: a bad path fails at once
    overrides = _overrides(args)
    figures = not args.no_figures
    stream = args.output == "-"
    try:
        scenario = find_scenario(args.scenario)
    except ScenarioError:
        scenario = None  # run_outlook says what is wrong with it, after the output's checks
    try:
        fmt = check_output(
            args.output,
            format=args.format,
            figure_format=args.figures,
            figures=figures,
            scenario=scenario,
            observations=args.observations,
        )
    except ImportError as exc:  # matplotlib, the plots extra, is missing
        if _received:
            raise _Terminated(_received[-1]) from exc  # a signal during the import, not a missing extra
        print(f"outlook: error: {exc}", file=err)
        return 2
    get_scale(args.scale)
    if args.observations is not None:
        tables = _updated(args, overrides, err)
    else:
        with _progress(err, _bar_total(args), quiet=args.quiet) as progress:
            tables = run_outlook(args.scenario, overrides=overrides, **_simulate_kwargs(args, progress))
        _notes(tables, args, err)
    try:
        with _progress(err, 1, quiet=args.quiet, desc="drawing figures", unit=" steps", unit_scale=False) as progress:
            if stream:
                built = build_report(tables, format=fmt, figure_format=args.figures, figures=figures, progress=progress)
            else:
                path = write_report(
                    tables, args.output, format=fmt, figure_format=args.figures, figures=figures, progress=progress
                )
        if stream:  # as UTF-8 bytes where there is a binary buffer, whatever the locale's encoding
            text = built if isinstance(built, str) else built[0]  # Markdown: (text, {}), no figures
            # the report is a document, not terminal text: past the terminal-safe filter
            cast(_SafeText, out).write_raw(text.encode("utf-8"))
    except OSError as exc:
        if args.traceback:
            traceback.print_exc(file=err)
        where = "the report to standard output" if stream else args.output
        print(f"outlook: error: cannot write {where}: {exc.strerror or exc}", file=err)
        return 2
    if not args.quiet and not stream:
        print(f"wrote {path}", file=out)
    return 0


def _updated(args: argparse.Namespace, overrides: list[Any], err: TextIO) -> Any:
    """``outlook report --observations``: the update the report is of (as ``outlook update`` computes it)."""
    from ._text import terminal_safe
    from .analysis.update import update
    from .model import DEFAULT_CHUNK_SIZE
    from .scenario import find_scenario, load_scenario
    from .scenario.observations import load_observations

    refused = [
        name
        for name, given in (
            ("--set", overrides),
            ("--precision", args.precision is not None),
            ("--workers", args.workers is not None),
            ("--scheduler", args.scheduler is not None),
        )
        if given
    ]
    if refused:
        msg = (
            f"--observations cannot be combined with {', '.join(refused)}: an update runs in this process, "
            "on the scenario as its file states it"
        )
        raise ValueError(msg)
    scenario = load_scenario(find_scenario(args.scenario))
    observations = load_observations(args.observations, scenario)
    u = update(
        scenario,
        observations,
        samples=10_000 if args.samples is None else args.samples,
        seed=args.seed,
        sampler=args.sampler,
        chunk_size=args.chunk_size or DEFAULT_CHUNK_SIZE,
        scale=args.scale,
    )
    for w in u.warnings:
        err.write(f"warning: {terminal_safe(w)}\n")
    return u


#: Seconds a run must take before its progress bar appears.
_PROGRESS_DELAY = 1.0
#: A run estimated to take longer than this many seconds says so first.
_LONG_RUN = 600.0
#: Seconds of progress measured before a run's duration is estimated.
_MEASURE_FOR = 2.0
#: The clock progress is measured with (a test replaces it).
_clock: Callable[[], float] = time.monotonic


class _Progress:
    """The ``progress(done, total)`` callback of a command: a bar on a terminal, and notes.

    ``bar`` is a tqdm bar, or ``None`` when ``stream`` is not a terminal;
    :meth:`note` prints a line either way, above the bar if there is one.
    """

    def __init__(self, stream: TextIO, bar: Any) -> None:
        self.stream = stream
        self.bar = bar
        self.seen = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            return
        if total and total != self.bar.total:
            self.bar.total = total
        self.bar.update(done - self.seen)
        self.seen = done

    def note(self, text: str) -> None:
        line = f"outlook: note: {text}"
        if self.bar is None:
            print(line, file=self.stream)
        else:  # clear the bar, write the line, draw the bar again
            self.bar.write(terminal_safe(line), file=self.bar.fp)


class _LongRunNote:
    """Says once, on stderr, that a run will take long, from the speed of its first chunks.

    The first call starts the clock (so that loading the scenario and
    starting processes do not count); once :data:`_MEASURE_FOR` seconds of
    progress have been seen, the speed so far gives the run's duration, and
    if that is over :data:`_LONG_RUN` seconds a note says so. In a local
    run the first progress is this process's own chunks (a worker's first
    range ends much later), so the speed measured is one process's, and the
    run's is that times ``processes``; on Dask (``processes`` is ``None``)
    the ranges come back from every worker, and the speed is the cluster's.
    """

    def __init__(self, progress: _Progress, *, processes: int | None) -> None:
        self.progress = progress
        self.processes = processes
        self.start: tuple[float, int] | None = None
        self.decided = False

    def __call__(self, done: int, total: int) -> None:
        self.progress(done, total)
        if self.decided:
            return
        now = _clock()
        if self.start is None:
            self.start = (now, done)
            return
        t0, d0 = self.start
        if now - t0 < _MEASURE_FOR or done <= d0:
            return
        self.decided = True
        speed = (done - d0) / (now - t0)
        seconds = total / (speed * (self.processes or 1))
        if seconds <= _LONG_RUN:
            return
        if self.processes is None:
            how = f"{speed:,.0f} samples/s on the Dask cluster"
        else:
            n = self.processes
            how = f"{speed:,.0f} samples/s per process, {n} {'process' if n == 1 else 'processes'}"
        self.progress.note(
            f"this run of {total} samples will take about {_duration(seconds)} at the measured speed ({how}); "
            "Ctrl-C stops it, and --precision may need far fewer samples"
        )


def _duration(seconds: float) -> str:
    """``"25 minutes"``, or ``"3.5 hours"`` from two hours on."""
    if seconds < 7200:
        return f"{round(seconds / 60)} minutes"
    return f"{seconds / 3600:.1f} hours"


@contextlib.contextmanager
def _progress(
    stream: TextIO,
    total: int,
    *,
    quiet: bool,
    desc: str = "simulating",
    unit: str = " worlds",
    unit_scale: bool = True,
) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on ``stream``, as a ``progress(done, total)`` callback.

    Yields ``None`` with ``quiet``; otherwise a :class:`_Progress`, with a
    bar only when ``stream`` is a terminal. The bar appears only once the
    work has taken :data:`_PROGRESS_DELAY` seconds, and is cleared when it
    ends. A call with a new ``total`` resizes the bar.
    """
    if quiet:
        yield None
        return
    isatty = getattr(stream, "isatty", None)
    if not (callable(isatty) and isatty()):
        yield _Progress(stream, None)
        return
    from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]  # no stubs in the pinned tools

    bar = tqdm(
        total=total or None,  # 0: not known in advance
        file=getattr(stream, "raw", stream),  # the bar's own escapes pass unchanged
        delay=_PROGRESS_DELAY,
        desc=desc,
        unit=unit,
        unit_scale=unit_scale,
        leave=False,
        dynamic_ncols=True,
    )
    try:
        yield _Progress(stream, bar)
    finally:
        bar.close()


def _bar_total(args: argparse.Namespace) -> int:
    if args.precision is not None:
        return 0  # unknown: the bar counts worlds without an end
    return int(args.samples or 100_000)


def _notes(tables: object, args: argparse.Namespace, err: TextIO) -> None:
    """Where the run ran (a capped worker count), its warnings, and how many samples a precision run took."""
    from .model.runner import cpu_count
    from .tables import Tables

    assert isinstance(tables, Tables)
    workers, cores = args.workers, cpu_count()
    if workers is not None and workers > cores and args.scheduler in (None, "local"):
        print(
            f"outlook: note: {workers} worker processes were asked for, but this process may use "
            f"{cores} {'core' if cores == 1 else 'cores'}: {cores} ran",
            file=err,
        )
    for w in tables.warnings:
        print(f"outlook: note: {w}", file=err)
    if args.precision is not None and not args.quiet and _largest_se(tables) <= args.precision:
        # (not reached: the run's warning above says so, and this note would contradict it)
        n = tables.manifest["samples"]
        print(
            f"outlook: note: {n} samples for a standard error of at most {args.precision:g} "
            f"(rerun with --samples {n} --seed {args.seed} for the same numbers)",
            file=err,
        )


def _largest_se(tables: Any) -> float:
    """The largest standard error of any probability in the tables (0 if none)."""
    largest = 0.0
    for name in tables.TABLES:
        frame = tables.table(name)
        for column in frame.columns:
            if str(column).endswith("_se") and len(frame):
                largest = max(largest, float(frame[column].max()))
    return largest


#: Characters that json.dumps(ensure_ascii=False) leaves raw but a terminal
#: obeys or reorders: DEL, the C1 controls, bidirectional controls and the
#: Unicode line and paragraph separators. They can only occur inside JSON
#: strings, where a \\u escape means the same character.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _json_safe(text: str) -> str:
    """JSON text with every character a terminal would obey written as a ``\\uXXXX`` escape (same data)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .errors import ScenarioError, ScenarioErrors
    from .report.change import different_id_note, superseded_scenario
    from .scenario import find_scenario, load_scenario
    from .scenario.provenance import cutoff_problems, sourcing_warnings

    overrides = _overrides(args)
    changed = f" with {len(overrides)} override{'s' if len(overrides) > 1 else ''}" if overrides else ""
    bad = 0
    for f in args.files:
        try:
            s = load_scenario(find_scenario(f)).with_overrides(overrides)
            old = superseded_scenario(s)  # its renamed: ids checked against the superseded file
        except (ScenarioErrors, ScenarioError) as exc:
            lines = str(exc).split("\n")
            if len(args.files) > 1:  # say which file an override's problem is in
                lines = [f"{f}: {line}" if line.startswith("override ") else line for line in lines]
            print("\n".join(lines), file=err)
            bad += 1
            continue
        warnings = [note for d in s.drivers for note in d.notes] + _unreached_warnings(s) + sourcing_warnings(s)
        if old is not None and old.id != s.id:
            warnings.append(f"{s.lineage.where}: warning: supersedes: {different_id_note(old, s)}")
        errors = [str(e) for e in cutoff_problems(s)]
        if args.strict:  # every warning is an error
            errors += [w.replace(": warning: ", ": error: ", 1) for w in warnings]
            warnings = []
        if errors:
            print("\n".join(errors), file=err)
            bad += 1
        else:
            print(
                f"{f}: ok{changed} ({_many(len(s.drivers), 'driver')}, {len(s.derived)} derived, "
                f"{_many(len(s.events), 'event')}, {_many(len(s.rules), 'scenario')}, "
                f"{_many(len(s.horizons), 'horizon')})",
                file=out,
            )
        for warning in warnings:
            print(warning, file=err)
    return 2 if bad else 0


def _unreached_warnings(scenario: Any) -> list[str]:
    """One located line for each driver or derived quantity that reaches no probability.

    A driver correlated with drivers that do reach one is credited by the
    tornado and the indices through that correlation: the line says so, and
    that its range still changes no probability.
    """
    from .model.graph import dependency_graph

    section = {"driver": "drivers", "derived": "derived"}
    where = {f"driver:{d.id}": d.where for d in scenario.drivers} | {
        f"derived:{d.id}": d.where for d in scenario.derived
    }
    g = dependency_graph(scenario)
    unreached = g.unreached()
    idle = {n.key for n in unreached}
    out = []
    for n in unreached:
        text = f"{where[n.key]}: warning: {section[n.kind]}.{n.id} reaches no event or scenario: "
        partners = [k.split(":", 1)[1] for group in g.correlated if n.key in group for k in group if k not in idle]
        if partners:
            text += (
                f"it is correlated with {', '.join(partners)}: the tornado and the indices credit it through that "
                "correlation, but changing its range changes no probability"
            )
        else:
            text += "it changes no probability"
        out.append(text)
    return out


def _graph(args: argparse.Namespace, out: TextIO) -> int:
    from .model.graph import dependency_graph
    from .scenario import find_scenario, load_scenario

    g = dependency_graph(load_scenario(find_scenario(args.scenario)).with_overrides(_overrides(args)))
    out.write(g.to_mermaid() if args.format == "mermaid" else g.to_dot())
    return 0


def _list(out: TextIO) -> int:
    """Each bundled scenario's id and title; the title read from its line where that is plain (no YAML loaded)."""
    from ._bundled import bundled_paths, plain_title

    for sid, path in bundled_paths().items():
        try:
            title = plain_title(path.read_text(encoding="utf-8"))
            if title is None:  # a title the quick reading cannot take: the loader reads it
                from .scenario import load_scenario

                title = load_scenario(path).title
        except Exception:  # a broken bundled file must not hide the others
            title = "(does not load: run 'outlook check' on it)"
        print(f"{sid}  {title}", file=out)
    return 0


def _scales(out: TextIO) -> int:
    from .words import SCALES

    for name, scale in SCALES.items():
        bands = ", ".join(f"{b.word} [{b.lo:.0%}, {b.hi:.0%})" for b in scale.bands)
        flag = "" if scale.verified else " (unverified)"
        print(f"{name}: {scale.title}{flag}\n  {bands}", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def _many(n: int, word: str) -> str:
    """``n`` and ``word``, plural unless ``n`` is 1: ``1 driver``, ``26 drivers``."""
    return f"{n} {word}{'' if n == 1 else 's'}"
