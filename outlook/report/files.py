"""Writing a report: output checks, atomic writes, the figures folder's lock, signals.

Owns every rule about where a report may go and how it gets there. Writing
never costs the user a file: only a regular file (or none) is replaced,
never the scenario file, a link, a device or a pipe; nothing is written or
removed outside the report's folder and its own figures folder; concurrent
writers of one Markdown report take turns (``flock``); and SIGTERM and
SIGHUP during a write clean up like Ctrl-C. Never builds a report's content.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import stat
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import did_you_mean

if sys.platform != "win32":
    import fcntl

from .figures import FIGURE_FILE, FIGURE_NAME, require_matplotlib

if TYPE_CHECKING:
    pass

__all__ = [
    "FIGURE_FORMATS",
    "REPORT_FORMATS",
    "STDOUT",
    "resolve_figure_format",
    "figures_folder",
    "folder_lock",
    "remove_unused_figures",
    "resolve_report_format",
    "signals_unwind",
    "write_atomically",
    "check_output",
]


#: Report formats, by the name ``format=`` takes.
REPORT_FORMATS = ("html", "markdown")
#: Figure formats, by the name ``figure_format=`` takes.
FIGURE_FORMATS = ("png", "svg")

_FORMAT_NAMES = {"html": "html", "htm": "html", "markdown": "markdown", "md": "markdown"}
_SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}


# --------------------------------------------------------------------------
# output checks


def resolve_report_format(path: Path, format: str | None) -> str:
    if format is not None:
        name = _FORMAT_NAMES.get(str(format).lower())
        if name is None:
            msg = f"unknown report format {format!r}; expected html or markdown.{did_you_mean(str(format), _FORMAT_NAMES)}"
            raise ValueError(msg.rstrip("."))
        return name
    name = _SUFFIXES.get(path.suffix.lower())
    if name is None:
        msg = (
            f"cannot tell the report format from the name {path.name!r}: "
            "name it .html or .md, or choose the format (html or markdown)"
        )
        raise ValueError(msg)
    return name


def resolve_figure_format(figure_format: str) -> str:
    fmt = str(figure_format).lower()
    if fmt not in FIGURE_FORMATS:
        msg = f"unknown figure format {figure_format!r}; expected png or svg"
        raise ValueError(msg)
    return fmt


#: ``path`` for standard output: ``outlook report -o -``.
STDOUT = "-"
#: Longest file name (bytes) when the file system does not say (POSIX NAME_MAX on common file systems).
_NAME_MAX = 255


def _name_max(folder: Path) -> int:
    """The longest file name, in bytes, that the file system holding ``folder`` allows."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows), or no limit stated
        return _NAME_MAX


def _lstat(path: str | os.PathLike[str]) -> os.stat_result | None:
    """``os.lstat``, or ``None`` where there is nothing (or a parent is missing or is not a folder)."""
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return None
        raise


def _stat(path: str | os.PathLike[str]) -> os.stat_result | None:
    """``os.stat`` (links followed), or ``None`` where it cannot be had."""
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _kind(st: os.stat_result) -> str:
    mode = st.st_mode
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISLNK, "a symbolic link"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _not_replaceable(p: Path, st: os.stat_result) -> str:
    """Why ``p``, which is not a regular file, is never replaced by a report."""
    if stat.S_ISDIR(st.st_mode):
        return f"cannot write {p}: it is a directory"
    if stat.S_ISLNK(st.st_mode):
        target = os.readlink(p)
        to = _stat(p)
        hint = (
            "write to the target itself, or remove the link"
            if to is None or stat.S_ISREG(to.st_mode)
            else "to stream a report, write it to standard output (-o -)"
        )
        return f"cannot write {p}: it is a symbolic link (to {target!r}), and a report never replaces a link; {hint}"
    return (
        f"cannot write {p}: it is {_kind(st)}, not a regular file, and a report replaces only a regular file; "
        "to stream a report, write it to standard output (-o -)"
    )


def _check_replaceable(p: Path) -> bool:
    """Whether ``p`` exists; raise ValueError unless it is absent or a regular file."""
    st = _lstat(p)
    if st is None:
        return False
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(_not_replaceable(p, st))
    return True


def _is_under(path: str | os.PathLike[str], folder: os.stat_result) -> bool:
    """Whether the folder ``folder`` is ``path``'s folder or any folder above it."""
    here = Path(os.path.realpath(path)).parent
    for up in (here, *here.parents):
        st = _stat(up)
        if st is not None and os.path.samestat(st, folder):
            return True
    return False


def _check_folder(p: Path, scenario: str | os.PathLike[str] | None, *, figures: bool) -> None:
    """A Markdown report's figures folder, ``<stem>_files``: a real folder (or none yet), apart from the scenario."""
    files = figures_folder(p)
    limit = _name_max(p.parent)
    size = len(os.fsencode(files.name))
    if figures and size > limit:
        most = limit - size + len(os.fsencode(p.name))
        msg = (
            f"cannot write {p}: its figures folder's name ({p.stem}_files) would be {size} bytes long, more than "
            f"this file system allows ({limit}); use a name of at most {most} bytes, or leave the figures out"
        )
        raise ValueError(msg)
    st = _lstat(files)
    if st is None:
        return
    scen = _stat(scenario) if scenario is not None else None
    if scenario is not None and scen is not None:
        if os.path.samestat(st, scen):
            msg = f"cannot write {p}: its figures folder {str(files)!r} is the scenario file; choose another name for the report"
            raise ValueError(msg)
        if stat.S_ISDIR(st.st_mode) and _is_under(scenario, st):
            msg = (
                f"cannot write {p}: its figures folder {str(files)!r} holds the scenario file "
                f"{os.fspath(scenario)!r}; choose another name for the report"
            )
            raise ValueError(msg)
    if stat.S_ISLNK(st.st_mode):
        msg = (
            f"cannot write {p}: its figures folder {str(files)!r} is a symbolic link; outlook writes and removes "
            "figures only in a real folder beside the report: remove the link, or choose another name"
        )
        raise ValueError(msg)
    if not stat.S_ISDIR(st.st_mode):
        msg = f"cannot write {p}: its figures folder {str(files)!r} exists and is not a directory"
        raise ValueError(msg)
    other = _other_report(p, files)
    if other is not None:
        msg = (
            f"cannot write {p}: its figures folder {str(files)!r} holds the figures of another report, "
            f"{str(other)!r}, which writing this one would remove; choose another name for this report"
        )
        raise ValueError(msg)


#: How much of another report beside this one is read to see whether it links the figures folder.
_SCAN_BYTES = 64 * 1024 * 1024


def _other_report(p: Path, files: Path) -> Path | None:
    """Another report beside ``p`` (same stem, another name: ``r.markdown`` for ``r.md``) linking into ``files``.

    A figures folder belongs to one report: writing a report removes the
    figures in its folder that it does not link, so two reports sharing a
    folder would delete each other's figures. Only regular files are read.
    """
    needle = f"]({quote(files.name)}/".encode()
    with os.scandir(p.parent) as entries:
        for entry in entries:
            q = Path(entry.path)
            if q.name == p.name or q.stem != p.stem or not entry.is_file(follow_symlinks=False):
                continue
            try:
                with open(q, "rb") as f:
                    if needle in f.read(_SCAN_BYTES):
                        return q
            except OSError:  # unreadable: it cannot be shown with our figures either
                continue
    return None


def _suggest(p: Path) -> str:
    """Another name for a report that would overwrite its scenario."""
    if p.suffix.lower() in _SUFFIXES:
        return f"{p.stem}-report{p.suffix}"
    return f"{p.stem}.html"


def check_output(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    figure_format: str = "png",
    figures: bool = True,
    scenario: str | os.PathLike[str] | None = None,
    observations: str | os.PathLike[str] | None = None,
) -> str:
    """Check that a report can be written at ``path``; return its format.

    Nothing is created. Call it before a long simulation so that a bad path
    fails at once.

    Parameters
    ----------
    path
        Where the report will go: a file, or ``"-"`` for standard output
        (the format is then HTML unless ``format`` says otherwise, and a
        Markdown report must leave its figures out: they are separate files).
    format
        ``html`` or ``markdown`` (``md`` also works); by default from the
        suffix of ``path``: ``.html``/``.htm`` or ``.md``/``.markdown``.
    figure_format
        ``png`` or ``svg``.
    figures
        Whether the report will have figures, which need matplotlib.
    scenario
        The scenario file the report is of (:attr:`outlook.Scenario.path`),
        which the report must never replace. Compared as files (device and
        inode), so a relative path, ``..``, a hard link or a symbolic link to
        it are all caught.

    Returns
    -------
    str
        ``"html"`` or ``"markdown"``.

    Raises
    ------
    ValueError
        If the format is unknown or cannot be told from the name, or the
        path cannot be written: it is the scenario file or the observations
        file (``observations``, for the report of an update); it is a directory,
        a symbolic link, a device, a named pipe or a socket (a report
        replaces only a regular file); its name, or for Markdown with figures
        its figures folder's name, is longer than the file system allows; its
        folder does not exist, is not a folder or is not writable; or
        (Markdown) the figures folder ``<stem>_files`` is a file, a symbolic
        link, holds the scenario file, or holds the figures of another
        report beside it (``r.markdown`` beside ``r.md``). For standard output: a Markdown
        report with figures.
    ImportError
        If ``figures`` and matplotlib is not installed.
    """
    if os.fspath(path) == STDOUT:
        fmt = resolve_report_format(Path(STDOUT), format or "html")
        resolve_figure_format(figure_format)
        if fmt == "markdown" and figures:
            msg = (
                "cannot write a Markdown report with figures to standard output: its figures are separate files; "
                "leave them out (--no-figures), write HTML (--format html), or name a file"
            )
            raise ValueError(msg)
        if figures:
            require_matplotlib()
        return fmt
    p = Path(path)
    here = _stat(p)
    if here is not None and stat.S_ISDIR(here.st_mode):  # before the format: "-o reports/" is a directory first
        msg = f"cannot write {os.fspath(path)}: it is a directory; name a file in it"
        raise ValueError(msg)
    if p.name in ("", ".", ".."):
        msg = f"cannot write {str(path)!r}: not a file name"
        raise ValueError(msg)
    for what, source in (("scenario", scenario), ("observations", observations)):
        if source is None:
            continue
        src, here = _stat(source), _stat(p)
        if src is not None and here is not None and os.path.samestat(src, here):
            msg = (
                f"cannot write {p}: it is the {what} file itself ({os.fspath(source)}); "
                f"choose another name for the report, such as {_suggest(p)!r}"
            )
            raise ValueError(msg)
    fmt = resolve_report_format(p, format)
    resolve_figure_format(figure_format)
    if figures:
        require_matplotlib()
    parent = p.parent
    limit = _name_max(parent)
    size = len(os.fsencode(p.name))
    if size > limit:
        msg = f"cannot write {p}: its name is {size} bytes long, more than this file system allows ({limit})"
        raise ValueError(msg)
    _check_replaceable(p)
    if not parent.exists():
        msg = f"cannot write {p}: no such directory {str(parent)!r}"
        raise ValueError(msg)
    if not parent.is_dir():
        msg = f"cannot write {p}: {str(parent)!r} is not a directory"
        raise ValueError(msg)
    if not os.access(parent, os.W_OK | os.X_OK):
        msg = f"cannot write {p}: permission denied in {str(parent)!r}"
        raise ValueError(msg)
    if fmt == "markdown":
        _check_folder(p, scenario, figures=figures)
    return fmt


def figures_folder(path: Path) -> Path:
    return path.with_name(f"{path.stem}_files")


class _Signalled(SystemExit):
    """SIGTERM or SIGHUP arrived while a report was being written; unwinds so that the clean-up runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


@contextlib.contextmanager
def signals_unwind() -> Iterator[None]:
    """While writing, SIGTERM and SIGHUP unwind the stack (so clean-ups run), then end the process as before.

    Only a signal whose handler is the default (ending the process at once,
    leaving temporary files behind) is taken over, and only in the main
    thread, where Python runs signal handlers. A handler that the program
    installed (as a command may, for its whole run), or ``SIG_IGN``, is left alone:
    it already runs in the main thread, and if it raises, the writer's
    clean-up runs as for any exception. The previous handlers are restored on
    the way out; a signal caught here is then raised again, so that the
    default action, ending the process, takes place once the files are
    clean.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def unwind(signum: int, frame: Any) -> None:
        caught.append(signum)
        raise _Signalled(signum)

    taken = []
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, unwind)
            taken.append(sig)
    try:
        yield
    finally:
        for sig in taken:
            signal.signal(sig, signal.SIG_DFL)
        if caught:
            signal.raise_signal(caught[0])  # the default action: the process ends here


@contextlib.contextmanager
def folder_lock(report: Path, folder: Path, *, create: bool) -> Iterator[None]:
    """Hold an exclusive advisory lock on the figures ``folder`` while the body runs.

    With ``create`` the folder is made if it is missing; if the body then
    fails, the folder is removed again (while still locked, and only if it
    is empty: another run's figures may be in it). Without ``create``, a
    missing folder is left missing and nothing is locked (the report then
    has no figures, and there is nothing to clean up). The folder is opened
    without following a symbolic link, and after the lock is granted it must
    still be the folder at that path (another run may have removed it while
    this one waited); otherwise this starts again.
    """
    created = False
    while True:
        if create and not created:
            try:
                folder.mkdir()
                created = True
            except FileExistsError:
                pass
        if sys.platform == "win32":  # no flock: make the folder, take no lock
            with _removed_on_failure(folder if created else None):
                yield
            return
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        except OSError as exc:
            if not create and exc.errno in (errno.ENOENT, errno.ENAMETOOLONG):  # no folder, so no figures
                yield
                return
            if exc.errno == errno.ENOENT:  # removed since it was made: make it again
                created = False
                continue
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # replaced by a link or a file since the checks
                _check_folder(report, None, figures=False)
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            now = _lstat(folder)
            if now is not None and os.path.samestat(os.fstat(fd), now):
                with _removed_on_failure(folder if created else None):
                    yield
                return
        finally:
            os.close(fd)  # and so unlock


@contextlib.contextmanager
def _removed_on_failure(folder: Path | None) -> Iterator[None]:
    """Remove ``folder`` (one this run made) if the body fails, unless it is no longer empty."""
    try:
        yield
    except BaseException:
        if folder is not None:
            with contextlib.suppress(OSError):  # not empty: another run's figures are in it
                folder.rmdir()
        raise


def remove_unused_figures(report: Path, folder: Path, ours: set[str]) -> None:
    """Remove outlook's figure files in ``folder`` that neither this report nor the one on disk links."""
    st = _lstat(folder)
    if st is None or not stat.S_ISDIR(st.st_mode):
        return
    try:
        on_disk = set(FIGURE_NAME.findall(report.read_text(encoding="utf-8", errors="replace")))
    except OSError:  # cannot tell which figures the report on disk needs: keep them all
        return
    keep = ours | on_disk
    for entry in os.scandir(folder):
        if FIGURE_FILE.match(entry.name) and entry.name not in keep:
            with contextlib.suppress(OSError):  # a stale figure left behind does no harm
                os.unlink(entry.path)


def _write_temp(target: Path, data: bytes) -> Path:
    """Write ``data`` to a new temporary file beside ``target``; return its path.

    The name is short (``.outlook-<12 hex digits>.tmp``, 25 bytes), so any
    name the file system takes for ``target`` works; the file gets the mode
    of the regular file it will replace, if any.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = target.with_name(f".outlook-{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        break
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        old = _lstat(target)
        if old is not None and stat.S_ISREG(old.st_mode):
            os.chmod(tmp, stat.S_IMODE(old.st_mode))
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_atomically(pairs: Sequence[tuple[Path, bytes]]) -> None:
    """Write every file through a temporary file and a rename, in order; all or nothing.

    Just before each rename the target must still be absent or a regular
    file (:func:`_check_replaceable`).
    """
    temps: list[tuple[Path, Path]] = []
    new_files: list[Path] = []
    try:
        for target, data in pairs:
            temps.append((_write_temp(target, data), target))
        for tmp, target in temps:
            existed = _check_replaceable(target)
            os.replace(tmp, target)
            if not existed:
                new_files.append(target)
    except BaseException:
        for tmp, _ in temps:
            tmp.unlink(missing_ok=True)
        for f in new_files:
            f.unlink(missing_ok=True)
        raise
