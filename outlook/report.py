"""Reports: outlook tables become one finished document, HTML or Markdown.

Owns what a report says and in which order (title, question and as-of date;
key judgements; scenarios, events, drivers and derived quantities by horizon;
sources; methods; the run manifest), its two renderings (one self-contained
HTML file; Markdown with its figures in a folder beside it), and writing them
atomically. Consumes :class:`~outlook.Tables` tables and the figures of
:mod:`outlook.plots`; never simulates, never prints.

Text from the scenario file is untrusted data: it is escaped for HTML and for
Markdown (``$`` too, which Markdown renderers read as math), links are made
only from ``http(s)`` URLs, and the HTML carries a Content-Security-Policy
that forbids scripts and every network load. In HTML each piece of it is a
bidirectional isolate (``<bdi>``), and an unbalanced bidirectional control is
removed everywhere, so the file's text cannot reorder the report's.

Writing never costs the user a file: only a regular file (or none) is
replaced, never the scenario file, a link, a device or a pipe; nothing is
written or removed outside the report's folder and its own figures folder;
concurrent writers of one Markdown report take turns (``flock``); and
SIGTERM and SIGHUP during a write clean up like Ctrl-C.

The same tables give the same bytes: a report holds no timestamps and no
random ids, and figures come from :func:`outlook.plots.figure_bytes`.
"""

from __future__ import annotations

import base64
import calendar
import contextlib
import datetime as dt
import errno
import hashlib
import html
import importlib
import math
import os
import re
import secrets
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, overload
from urllib.parse import quote

from ._text import balance_bidi, markdown_escape
from ._version import __version__
from .errors import did_you_mean
from .words import STRADDLE_K, Scale, get_scale, straddles

if sys.platform != "win32":
    import fcntl

if TYPE_CHECKING:
    import pandas as pd

    from .scenario import Driver, Scenario, SourceRef
    from .tables import Tables

__all__ = [
    "FIGURE_FORMATS",
    "REPORT_FORMATS",
    "build_report",
    "check_output",
    "write_report",
]

#: Report formats, by the name ``format=`` takes.
REPORT_FORMATS = ("html", "markdown")
#: Figure formats, by the name ``figure_format=`` takes.
FIGURE_FORMATS = ("png", "svg")

_FORMAT_NAMES = {"html": "html", "htm": "html", "markdown": "markdown", "md": "markdown"}
_SUFFIXES = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}
_MIME = {"png": "image/png", "svg": "image/svg+xml"}
_FLAG = "†"
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
#: Figures a report may hold, in order: (title, caption).
_FIGURES = {
    "scenarios": (
        "Scenario probabilities by horizon",
        "One bar per horizon; its segments are the scenarios' probabilities, which sum to 1.",
    ),
    "events": (
        "Cumulative event probabilities over time",
        "The probability that each event has happened by each time, from the as-of date to the end of the "
        "last horizon; horizon ends are marked.",
    ),
    "drivers": (
        "Driver distributions",
        "Simulated draws of each driver, with its stated range shaded and the run's 5th, 50th and 95th "
        "percentiles marked.",
    ),
    "derived": (
        "Derived quantity distributions",
        "Simulated values of each derived quantity, with the run's 5th, 50th and 95th percentiles marked.",
    ),
}
_FIGURE_NAME = re.compile(r"(?:scenarios|events|drivers|derived)-[0-9a-f]{12}\.(?:png|svg)")
_FIGURE_FILE = re.compile(rf"^{_FIGURE_NAME.pattern}$")


# --------------------------------------------------------------------------
# output checks


def _report_format(path: Path, format: str | None) -> str:
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


def _figure_format(figure_format: str) -> str:
    fmt = str(figure_format).lower()
    if fmt not in FIGURE_FORMATS:
        msg = f"unknown figure format {figure_format!r}; expected png or svg"
        raise ValueError(msg)
    return fmt


def _require_matplotlib() -> None:
    """Raise a clear ImportError if matplotlib (the ``plots`` extra) is missing."""
    try:
        importlib.import_module("matplotlib")
    except ImportError as exc:
        msg = (
            "the report's figures need matplotlib: pip install 'outlook[plots]', "
            "or leave the figures out (--no-figures, figures=False)"
        )
        raise ImportError(msg) from exc


#: ``path`` for standard output: ``outlook report -o -``.
_STDOUT = "-"
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
    files = _files_dir(p)
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
        path cannot be written: it is the scenario file; it is a directory,
        a symbolic link, a device, a named pipe or a socket (a report
        replaces only a regular file); its name, or for Markdown with figures
        its figures folder's name, is longer than the file system allows; its
        folder does not exist, is not a folder or is not writable; or
        (Markdown) the figures folder ``<stem>_files`` is a file, a symbolic
        link, or holds the scenario file. For standard output: a Markdown
        report with figures.
    ImportError
        If ``figures`` and matplotlib is not installed.
    """
    if os.fspath(path) == _STDOUT:
        fmt = _report_format(Path(_STDOUT), format or "html")
        _figure_format(figure_format)
        if fmt == "markdown" and figures:
            msg = (
                "cannot write a Markdown report with figures to standard output: its figures are separate files; "
                "leave them out (--no-figures), write HTML (--format html), or name a file"
            )
            raise ValueError(msg)
        if figures:
            _require_matplotlib()
        return fmt
    p = Path(path)
    if p.name in ("", ".", ".."):
        msg = f"cannot write {str(path)!r}: not a file name"
        raise ValueError(msg)
    if scenario is not None:
        scen, here = _stat(scenario), _stat(p)
        if scen is not None and here is not None and os.path.samestat(scen, here):
            msg = (
                f"cannot write {p}: it is the scenario file itself ({os.fspath(scenario)}); "
                f"choose another name for the report, such as {_suggest(p)!r}"
            )
            raise ValueError(msg)
    fmt = _report_format(p, format)
    _figure_format(figure_format)
    if figures:
        _require_matplotlib()
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


def _files_dir(path: Path) -> Path:
    return path.with_name(f"{path.stem}_files")


# --------------------------------------------------------------------------
# a small document model, rendered twice


@dataclass(frozen=True)
class _User:
    """Text from the scenario file: in HTML an isolate (``<bdi>``), so it cannot reorder what follows it."""

    text: str


@dataclass(frozen=True)
class _Code:
    text: str


@dataclass(frozen=True)
class _Em:
    text: str | _User


@dataclass(frozen=True)
class _Strong:
    text: str | _User


@dataclass(frozen=True)
class _Link:
    """A link to a source; its text is the source's title, from the scenario file."""

    text: str
    url: str


@dataclass(frozen=True)
class _Span:
    cls: str
    parts: tuple[_Inline, ...]


@dataclass(frozen=True)
class _Break:
    pass


_Inline: TypeAlias = "str | _User | _Code | _Em | _Strong | _Link | _Span | _Break"
_Parts: TypeAlias = "tuple[_Inline, ...]"


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str | _User
    anchor: str = ""


@dataclass(frozen=True)
class _Para:
    parts: _Parts
    cls: str = ""


@dataclass(frozen=True)
class _List:
    items: tuple[_Parts, ...]
    cls: str = ""


@dataclass(frozen=True)
class _Cell:
    parts: _Parts
    num: bool = False
    attrs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Row:
    cells: tuple[_Cell, ...]
    #: A line about the row (a driver's source and note); in Markdown it
    #: becomes a list item below the table.
    detail: _Parts = ()
    name: str = ""


@dataclass(frozen=True)
class _Table:
    anchor: str
    header: tuple[str | _User, ...]
    numeric: tuple[bool, ...]
    rows: tuple[_Row, ...]


@dataclass(frozen=True)
class _Figure:
    key: str
    number: int
    title: str
    caption: str


_Block: TypeAlias = "_Heading | _Para | _List | _Table | _Figure"
_Progress: TypeAlias = "Callable[[int, int], None]"


@dataclass
class _Doc:
    title: str
    blocks: list[_Block] = field(default_factory=list)

    def add(self, *blocks: _Block) -> None:
        self.blocks.extend(blocks)


# --------------------------------------------------------------------------
# formatting numbers, dates and words


def _pct(p: float) -> str:
    """A probability as a percentage: one decimal, more if it would show 0 or 100."""
    if math.isnan(p):
        return "–"
    d = 1
    while d < 4 and 0.0 < p < 1.0 and round(100.0 * p, d) in (0.0, 100.0):
        d += 1
    return f"{100.0 * p:.{d}f}%"


def _pm(se: float) -> str:
    """The Monte Carlo error band's half-width, ``±k·se``, as a percentage."""
    half = STRADDLE_K * se
    d = 1
    while d < 4 and half > 0 and round(100.0 * half, d) == 0.0:
        d += 1
    return f"±{100.0 * half:.{d}f}%"


def _num(x: Any) -> str:
    """A number for a table: four significant digits, thousands separated."""
    v = float(x)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def _count(n: int) -> str:
    return f"{n:,}"


def _date(d: dt.date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _end_date(as_of: dt.date, years: float) -> dt.date:
    """``as_of`` plus ``years``: calendar months where the duration is whole months."""
    months = years * 12.0
    if abs(months - round(months)) < 1e-9:
        y, m = divmod(as_of.month - 1 + round(months), 12)
        year, month = as_of.year + y, m + 1
        return dt.date(year, month, min(as_of.day, calendar.monthrange(year, month)[1]))
    return as_of + dt.timedelta(days=round(years * 365.25))


def _duration(years: float) -> str:
    if abs(years - round(years)) < 1e-9:
        n = round(years)
        return f"{n} year" if n == 1 else f"{n} years"
    months = years * 12.0
    if abs(months - round(months)) < 1e-9:
        n = round(months)
        return f"{n} month" if n == 1 else f"{n} months"
    return f"{round(years * 365.25)} days"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_SMALL = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _small(n: int) -> str:
    return _SMALL[n] if 0 <= n < len(_SMALL) else str(n)


def _ordinal(q: float) -> str:
    text = f"{q:g}"
    if not text.isdigit():
        return f"{text}th"
    n = int(text)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _word_parts(word: str, flagged: bool) -> _Parts:
    return (_Span("word", (word + (_FLAG if flagged else ""),)),)


def _prob_cell(p: float, se: float, word: str, flagged: bool, *, extra: _Parts = ()) -> _Cell:
    parts: _Parts = (
        _pct(p),
        " ",
        _Span("se", (_pm(se),)),
        _Break(),
        *_word_parts(word, flagged),
        *extra,
    )
    attrs = (("data-p", repr(float(p))), ("data-se", repr(float(se))), ("data-word", word))
    return _Cell(parts, num=True, attrs=attrs)


def _value_cell(x: Any) -> _Cell:
    return _Cell((_num(x),), num=True, attrs=(("data-value", repr(float(x))),))


def _label(label: str, ident: str) -> _Parts:
    """A name as a reader sees it: its label, then its id in code."""
    label = _one_line(label)
    if label and label != ident:
        return (_User(label), " ", _Span("id", (_Code(ident),)))
    return (_Code(ident),)


def _text_blocks(text: str) -> list[_Block]:
    """Plain text (a scenario's description) as paragraphs and simple lists."""
    out: list[_Block] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.strip() for ln in chunk.splitlines() if ln.strip()]
        if not lines:
            continue
        if lines[0].startswith(("- ", "* ")):
            items: list[list[str]] = []
            for ln in lines:
                if ln.startswith(("- ", "* ")):
                    items.append([ln[2:]])
                elif items:
                    items[-1].append(ln)
            out.append(_List(tuple(_inline_text(" ".join(i)) for i in items)))
        else:
            out.append(_Para(_inline_text(" ".join(lines))))
    return out


def _inline_text(text: str) -> _Parts:
    """Scenario text with ``code`` spans kept as code; everything else stays (the file's) text."""
    parts: list[_Inline] = []
    for i, piece in enumerate(re.split(r"`([^`\n]+)`", text)):
        if i % 2:
            parts.append(_Code(piece))
        elif piece:
            parts.append(_User(piece))
    return tuple(parts)


# --------------------------------------------------------------------------
# the content


def _scenario_of(tables: Tables) -> Scenario:
    s = tables.scenario
    if s is None:
        msg = "these tables do not carry their scenario (Tables.scenario is None); build them with outlook.summarise"
        raise ValueError(msg)
    return s


def _source_parts(scenario: Scenario, ref: SourceRef | None) -> _Parts:
    if ref is None or not (ref.ref or ref.quote):
        return ("No source quoted.",)
    parts: list[_Inline] = ["Source: "]
    if ref.quote:
        parts += ["“", _User(_one_line(ref.quote)), "”"]
    if ref.ref:
        parts.append(" — " if ref.quote else "")
        try:
            src = scenario.source(ref.ref)
        except KeyError:
            parts.append(_Code(ref.ref))
        else:
            parts.extend(_source_name(src.title or src.id, src.url))
            details = [_one_line(x) for x in (src.publisher, str(src.date or "")) if x]
            if details:
                parts += [" (", _User(", ".join(details)), ")"]
    parts.append(".")
    if ref.note:
        parts += [" ", *_inline_text(_one_line(ref.note))]
    return tuple(parts)


def _source_name(title: str, url: str) -> _Parts:
    title = _one_line(title)
    if url and re.match(r"^https?://", url.strip(), flags=re.IGNORECASE):
        return (_Link(title, url.strip()),)
    return (_Em(_User(title)),)


def _stated(d: Driver) -> _Parts:
    """A driver's distribution as the scenario file states it."""
    spec = dict(d.spec)
    if "range" in spec:
        lo, hi = spec["range"]
        conf = float(spec.get("confidence", 0.9))
        text = f"{_num(lo)} to {_num(hi)}"
        if conf >= 1.0:
            text += ", hard bounds"
        else:
            q = 100.0 * (1.0 - conf) / 2.0
            text += f", {100.0 * conf:g}% interval ({_ordinal(q)} to {_ordinal(100.0 - q)} percentiles)"
        text += f"; {spec.get('shape', 'normal')}"
        if "mode" in spec:
            text += f", mode {_num(spec['mode'])}"
        return (text,)
    if "constant" in spec:
        return (f"constant {_num(spec['constant'])}",)
    if "probability" in spec:
        return (f"yes with probability {_pct(float(spec['probability']))}",)
    if "categorical" in spec:
        return _join([(_User(str(c)), f" {_pct(float(p))}") for c, p in spec["categorical"]], "; ")
    items = []
    for form, params in spec.items():
        if isinstance(params, tuple) and all(isinstance(x, tuple) and len(x) == 2 for x in params):
            items.append(f"{form}: " + ", ".join(f"{k} {_num(v)}" for k, v in params))
        else:
            items.append(f"{form} {params}")
    return (_User("; ".join(items)),)


def _judgement(
    scenario: Scenario, scale: Scale, horizon_index: int, frame: pd.DataFrame, n: int
) -> tuple[_Parts, bool]:
    """One sentence: the most probable scenario at a horizon, in estimative words.

    Returns the sentence and whether any word in it carries the straddle flag.
    Scenarios whose difference from the most probable one is within
    ``STRADDLE_K`` standard errors of the difference (multinomial:
    ``sqrt((p1 + p2 - (p1 - p2)**2) / n)``) are named as level with it.
    """
    h = scenario.horizons[horizon_index]
    rules = {r.id: r for r in scenario.rules}
    rows = frame[frame["horizon"] == h.id].sort_values("p", ascending=False, kind="stable")
    top = rows.iloc[0]
    p1, se1 = float(top["p"]), float(top["p_se"])
    lead: _Parts = ("Over ", _User(_one_line(h.label))) if h.label != h.id else (f"Within {_duration(h.until)}",)
    name = _one_line(rules[str(top["scenario"])].label) or str(top["scenario"])
    flagged = straddles(p1, se1, scale)
    parts: list[_Inline] = [
        *lead,
        f" (to {_date(_end_date(scenario.as_of, h.until))}) it is ",
        _Strong(str(top["word"]) + (_FLAG if flagged else "")),
        f" ({_pct(p1)}, {_pm(se1)}) that the outcome is “",
        _User(name),
        "”",
    ]
    level = []
    for _, other in rows.iloc[1:].iterrows():
        p2 = float(other["p"])
        se_diff = math.sqrt(max(p1 + p2 - (p1 - p2) ** 2, 0.0) / n)
        if p1 - p2 <= STRADDLE_K * se_diff:
            level.append(other)
    if level:
        names: list[_Parts] = []
        for other in level:
            p2, se2 = float(other["p"]), float(other["p_se"])
            flag = _FLAG if straddles(p2, se2, scale) else ""
            flagged |= bool(flag)
            label = _one_line(rules[str(other["scenario"])].label) or str(other["scenario"])
            names.append(("“", _User(label), f"” ({other['word']}{flag}, {_pct(p2)}, {_pm(se2)})"))
        joined = names[0] if len(names) == 1 else (*_join(names[:-1], ", "), " and ", *names[-1])
        parts += [", level within Monte Carlo error with ", *joined, "."]
    elif len(rows) == 2:
        parts.append(", the more probable of the two scenarios.")
    elif len(rows) > 2:
        parts.append(f", the most probable of the {_small(len(rows))} scenarios.")
    else:
        parts.append(".")
    return tuple(parts), flagged


def _flag_note(scale: Scale) -> _Para:
    return _Para(
        (
            f"{_FLAG} The Monte Carlo error band, p ± {STRADDLE_K:g}·SE, crosses a boundary between words of the "
            f"{scale.title} scale: with more samples the word could change. Read the number, or run more samples.",
        ),
        cls="note",
    )


def _document(tables: Tables, figures: Sequence[str], worlds: int) -> _Doc:
    """The report's content; ``figures`` are the keys of the figures it has, ``worlds`` how many worlds they draw."""
    s = _scenario_of(tables)
    m = tables.manifest
    n = int(m["samples"])
    scale = get_scale(str(m.get("scale", "icd203")))
    doc = _Doc(_one_line(s.title))
    fig_no = iter(range(1, len(figures) + 1))

    def figure(key: str) -> None:
        if key in figures:
            title, caption = _FIGURES[key]
            doc.add(_Figure(key, next(fig_no), title, caption + _shown(s, key)))

    # --- header
    doc.add(_Heading(1, _User(_one_line(s.title))))
    doc.add(_Para((_Strong("Question."), " ", _User(_one_line(s.question))), cls="question"))
    doc.add(
        _Para(
            (
                f"As of {_date(s.as_of)}. {_count(n)} simulated worlds, seed {m['seed']}; "
                f"estimative words from the {scale.title} scale.",
            ),
            cls="meta",
        )
    )

    # --- key judgements
    sc = tables.scenarios
    horizon_ids = [h.id for h in s.horizons]
    doc.add(_Heading(2, "Key judgements", "key-judgements"))
    judged = [_judgement(s, scale, i, sc, n) for i in range(len(horizon_ids))]
    doc.add(_List(tuple(parts for parts, _ in judged), cls="judgements"))
    doc.add(
        _Para(
            (
                f"Each probability is followed by ±{STRADDLE_K:g} Monte Carlo standard errors: the simulation's "
                "own noise, not a statement about the quality of the inputs.",
            ),
            cls="note",
        )
    )
    if any(flagged for _, flagged in judged):
        doc.add(_flag_note(scale))
    if tables.warnings:
        doc.add(_Heading(3, "Warnings", "warnings"))
        doc.add(_List(tuple((_User(_one_line(w)),) for w in tables.warnings), cls="warnings"))

    # --- horizons and scenarios
    rules = {r.id: r for r in s.rules}
    doc.add(_Heading(2, "Scenarios by horizon", "scenarios"))
    doc.add(
        _Para(
            (
                "Horizons are cumulative: each counts what has happened from the as-of date to its end. "
                "In every simulated world, at every horizon, exactly one scenario holds, so each column sums to 100%.",
            )
        )
    )
    doc.add(
        _Table(
            "horizons",
            ("Horizon", "Ends", "Note"),
            (False, False, False),
            tuple(
                _Row(
                    (
                        _Cell(_label(h.label, h.id)),
                        _Cell((_date(_end_date(s.as_of, h.until)), " ", _Span("id", (f"({h.text})",)))),
                        _Cell(_inline_text(_one_line(h.note))),
                    ),
                    name=h.id,
                )
                for h in s.horizons
            ),
        )
    )
    any_flag = False
    rows = []
    sc_rows = _by(sc, "scenario")
    for r in s.rules:
        cells = [_Cell(_label(r.label, r.id))]
        for h in horizon_ids:
            cell = sc_rows[(r.id, h)]
            p, se = float(cell["p"]), float(cell["p_se"])
            flag = straddles(p, se, scale)
            any_flag |= flag
            cells.append(_prob_cell(p, se, str(cell["word"]), flag))
        rows.append(_Row(tuple(cells), name=r.id))
    doc.add(
        _Table(
            "scenario-table",
            ("Scenario", *(_User(_one_line(h.label)) for h in s.horizons)),
            (False, *([True] * len(horizon_ids))),
            tuple(rows),
        )
    )
    doc.add(
        _Para(
            (
                f"Probability of each scenario by the end of each horizon, ±{STRADDLE_K:g} Monte Carlo standard "
                f"errors, and its estimative word. n = {_count(n)} worlds.",
            ),
            cls="note",
        )
    )
    if any_flag:
        doc.add(_flag_note(scale))
    figure("scenarios")
    doc.add(_Heading(3, "What each scenario means", "scenario-definitions"))
    doc.add(
        _Para(("Scenarios are checked in this order; a world falls in the first whose rule holds at the horizon.",))
    )
    doc.add(
        _List(
            tuple(
                (
                    *_label(r.label, r.id),
                    ": ",
                    *((_Code(r.when.text),) if r.when is not None else ("every world no earlier rule took",)),
                    *((". ", *_inline_text(_one_line(r.description))) if r.description else ()),
                )
                for r in rules.values()
            ),
            cls="definitions",
        )
    )

    # --- events
    if s.events:
        ev = tables.events
        doc.add(_Heading(2, "Events by horizon", "events"))
        erows = []
        any_flag = False
        ev_rows = _by(ev, "event")
        for e in s.events:
            cells = [_Cell(_label(e.label, e.id))]
            for i, h in enumerate(horizon_ids):
                cell = ev_rows[(e.id, h)]
                p, se = float(cell["p_by"]), float(cell["p_by_se"])
                flag = straddles(p, se, scale)
                any_flag |= flag
                extra: _Parts = ()
                if i:
                    extra = (_Break(), _Span("within", (f"{_pct(float(cell['p_within']))} in this window",)))
                cells.append(_prob_cell(p, se, str(cell["word"]), flag, extra=extra))
            erows.append(_Row(tuple(cells), detail=_event_detail(s, e.id), name=e.id))
        doc.add(
            _Table(
                "event-table",
                ("Event", *(_User(_one_line(h.label)) for h in s.horizons)),
                (False, *([True] * len(horizon_ids))),
                tuple(erows),
            )
        )
        doc.add(
            _Para(
                (
                    f"Probability that each event has happened by the end of each horizon, ±{STRADDLE_K:g} Monte "
                    "Carlo standard errors, and its estimative word; below it, the probability that it first "
                    "happens within that horizon's own window (after the previous horizon's end).",
                ),
                cls="note",
            )
        )
        if any_flag:
            doc.add(_flag_note(scale))
        figure("events")

    # --- drivers
    doc.add(_Heading(2, "Drivers", "drivers"))
    doc.add(
        _Para(
            (
                "The uncertain inputs, each drawn once per simulated world: the range and shape the scenario file "
                "states, then the simulated mean and percentiles. Below each, the quoted source it rests on and the "
                "analyst's note.",
            )
        )
    )
    dr = _records(tables.drivers)
    drows = []
    for d in s.drivers:
        rec = dr[d.id]
        stated = (*_stated(d), _Break(), _Span("id", (f"(sampled as {d.distribution.describe()})",)))
        if d.kind == "categorical":
            nums = tuple(_Cell(("–",), num=True) for _ in range(4))
        else:
            nums = tuple(_value_cell(rec[c]) for c in ("mean", "p5", "p50", "p95"))
        detail: list[_Inline] = list(_source_parts(s, d.source))
        if d.note:
            detail += [" ", _Em("Note:"), " ", *_inline_text(_one_line(d.note))]
        drows.append(
            _Row(
                (_Cell(_label(d.label, d.id)), _Cell(_unit(d.unit)), _Cell(stated), *nums),
                detail=tuple(detail),
                name=d.id,
            )
        )
    doc.add(
        _Table(
            "driver-table",
            ("Driver", "Unit", "Stated range and shape", "Mean", "5th", "Median", "95th"),
            (False, False, False, True, True, True, True),
            tuple(drows),
        )
    )
    cats = tables.categories
    if not cats.empty:
        doc.add(_Heading(3, "Categorical drivers", "categories"))
        crow = []
        for _, row in cats.iterrows():
            p, se = float(row["p"]), float(row["p_se"])
            crow.append(
                _Row(
                    (
                        _Cell((_Code(str(row["driver"])),)),
                        _Cell((_User(str(row["category"])),)),
                        _Cell(
                            (_pct(p), " ", _Span("se", (_pm(se),))),
                            num=True,
                            attrs=(("data-p", repr(p)), ("data-se", repr(se))),
                        ),
                    ),
                    name=f"{row['driver']}.{row['category']}",
                )
            )
        doc.add(_Table("category-table", ("Driver", "Category", "Share of worlds"), (False, False, True), tuple(crow)))
    if s.correlations:
        doc.add(
            _Para(
                (
                    "Drawn together (Spearman rank correlation, Gaussian copula): ",
                    *_join(
                        [(_Code(c.a), " and ", _Code(c.b), f" {c.rho:g}") for c in s.correlations],
                        "; ",
                    ),
                    ".",
                )
            )
        )
    figure("drivers")

    # --- derived
    if s.derived:
        doc.add(_Heading(2, "Derived quantities", "derived"))
        dv = _records(tables.derived)
        vrows = []
        for q in s.derived:
            rec = dv[q.id]
            vrows.append(
                _Row(
                    (
                        _Cell(_label(q.label, q.id)),
                        _Cell(_unit(q.unit)),
                        _Cell((_Code(q.expr.text),)),
                        *(_value_cell(rec[c]) for c in ("mean", "p5", "p50", "p95")),
                    ),
                    detail=((_Em("Note:"), " ", *_inline_text(_one_line(q.note))) if q.note else ()),
                    name=q.id,
                )
            )
        doc.add(
            _Table(
                "derived-table",
                ("Quantity", "Unit", "Computed as", "Mean", "5th", "Median", "95th"),
                (False, False, False, True, True, True, True),
                tuple(vrows),
            )
        )
        figure("derived")

    # --- background and sources
    if s.description.strip():
        doc.add(_Heading(2, "Background", "background"))
        doc.add(*_text_blocks(s.description))
    if s.sources:
        doc.add(_Heading(2, "Sources", "sources"))
        items = []
        for src in s.sources:
            parts: list[_Inline] = [_Code(src.id), " ", *_source_name(src.title or src.id, src.url)]
            details = [_one_line(x) for x in (src.publisher, str(src.date or "")) if x]
            if details:
                parts += [", ", _User(", ".join(details))]
            if src.file:
                parts += [", file ", _Code(_one_line(src.file))]
            parts.append(".")
            if src.note:
                parts += [" ", *_inline_text(_one_line(src.note))]
            items.append(tuple(parts))
        doc.add(_List(tuple(items), cls="sources"))

    # --- methods and manifest
    doc.add(_Heading(2, "Methods", "methods"))
    for para in _methods(tables, s, scale, n, figures, worlds):
        doc.add(_Para(para))
    doc.add(_Heading(2, "Run manifest", "manifest"))
    doc.add(
        _Table(
            "manifest-table",
            ("Field", "Value"),
            (False, False),
            tuple(
                _Row(
                    (
                        _Cell((_Code(str(k)),)),
                        _Cell((_User(_repair_text(v) if k == "correlation_repair" else _plain(v)),)),
                    ),
                    name=str(k),
                )
                for k, v in m.items()
            ),
        )
    )
    doc.add(_Para((f"Written by outlook {__version__}.",), cls="meta"))
    return doc


def _unit(unit: str) -> _Parts:
    """A unit for a table cell: the file's text, or a dash for none."""
    return (_User(_one_line(unit)),) if unit.strip() else ("–",)


def _by(frame: pd.DataFrame, name: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Rows of a scenarios or events table by (``name`` column, horizon): one pass, not a search per cell."""
    rows = [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]
    return {(str(r[name]), str(r["horizon"])): r for r in rows}


def _records(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Rows of a drivers or derived table by name."""
    return {str(r["name"]): {str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")}


def _repair_text(v: Any) -> str:
    """The manifest's record of a repaired correlation matrix, as a line of text (``–`` for none)."""
    if not v:
        return "–"
    shown = [f"{a}–{b} {was:.4g} → {now:.4f}" for a, b, was, now in v["pairs"][:12]]
    more = len(v["pairs"]) - len(shown)
    pairs = "; ".join(shown) + (f"; and {more} more (in the JSON manifest)" if more > 0 else "")
    return f"largest change {v['max_change']:.4f} ({v['measure']}): {pairs or 'none shown at 4 decimals'}"


def _plain(v: Any) -> str:
    """A manifest value as text (``–`` for none)."""
    if v is None or v == "":
        return "–"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_plain(x)}" for k, x in v.items()) or "–"
    if isinstance(v, list | tuple):
        return ", ".join(_plain(x) for x in v) or "–"
    return str(v)


def _join(items: Sequence[_Parts], sep: str) -> _Parts:
    out: list[_Inline] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.extend(item)
    return tuple(out)


def _event_detail(s: Scenario, event_id: str) -> _Parts:
    e = s.event(event_id)
    parts: list[_Inline] = []
    if e.rate is not None:
        parts += ["Hazard ", _Code(e.rate.text), " per year"]
    else:
        parts += ["Probability by horizon end: "]
        parts += _join([(_User(_one_line(s.horizon(h).label)), " ", _Code(x.text)) for h, x in e.by], "; ")
    if e.requires:
        parts += ["; only after ", *_join([(_Code(r),) for r in e.requires], ", ")]
    if e.after:
        parts += ["; hazard ", *_join([(f"×{f:g} after ", _Code(a)) for a, f in e.after], ", ")]
    parts.append(". ")
    parts += _source_parts(s, e.source)
    if e.note:
        parts += [" ", _Em("Note:"), " ", *_inline_text(_one_line(e.note))]
    return tuple(parts)


_SAMPLERS = {
    "sobol": "scrambled Sobol' points",
    "lhs": "Latin hypercube points",
}


def _qmc_errors(se_method: str) -> str:
    if se_method.startswith("between blocks"):
        return (
            "The standard errors shown are measured from the spread between those blocks, each an independent "
            "randomisation; they are smaller than the binomial ones random sampling would have."
        )
    return "The standard errors shown are the binomial ones, an upper bound for this sampler (too few blocks to measure them)."


def _sampling(sampler: str, precision: Any, n: int, se_method: str = "") -> list[_Parts]:
    """Methods sentences for a quasi-Monte Carlo sampler or a precision target, if the run used one."""
    out: list[_Parts] = []
    if sampler != "random":
        kind = _SAMPLERS.get(sampler, f"the {sampler} sampler")
        out.append(
            (
                f"The driver draws are {kind} (randomised quasi-Monte Carlo, one independent point set per block "
                "of samples). " + _qmc_errors(se_method),
            )
        )
    if precision is not None:
        out.append(
            (
                "The run kept sampling, a whole block at a time, until every probability's standard error was at "
                f"most {float(precision):g}; it took {_count(n)} worlds.",
            )
        )
    return out


def _shown(s: Scenario, key: str) -> str:
    """A caption's last sentence where a figure shows only the first of many (plots.PANELS, plots.CURVES)."""
    from .plots import CURVES, PANELS  # only reached when there are figures, so matplotlib is there

    limit, items, noun = {
        "events": (CURVES, s.events, "events"),
        "drivers": (PANELS, s.drivers, "drivers"),
        "derived": (PANELS, s.derived, "derived quantities"),
    }.get(key, (0, (), ""))
    if not limit or len(items) <= limit:
        return ""
    return f" It shows the first {limit} of the {len(items):,} {noun}, in the file's order; the table lists them all."


def _methods(tables: Tables, s: Scenario, scale: Scale, n: int, figures: Sequence[str], worlds: int) -> list[_Parts]:
    m = tables.manifest
    block = int(m.get("block_size", 65536))
    bands = "; ".join(f"{b.word} {100 * b.lo:g}–{100 * b.hi:g}%" for b in scale.bands)
    sampler = str(m.get("sampler") or "random")
    out: list[_Parts] = [
        (
            f"outlook simulated {_count(n)} {'independent ' if sampler == 'random' else ''}worlds with seed "
            f"{m['seed']}. In each world every driver is "
            "drawn once (correlated drivers together, through a Gaussian copula), derived quantities are computed "
            "from the drivers, every event gets one occurrence time from its hazard, and at each horizon the world "
            "falls in the first scenario whose rule holds. Because each event has one time per world, an event "
            "can never be less likely by a later horizon than by an earlier one.",
        ),
        *_sampling(sampler, m.get("precision"), n, str(m.get("standard_error", ""))),
        (
            "A stated range ",
            _Code("[a, b]"),
            " is a central interval: unless the file says otherwise, a and b are the 5th and 95th percentiles "
            "(a 90% interval). Uniform, triangular and PERT bounds are hard bounds.",
        ),
        (
            "A probability is the share of worlds, p = k / n. Its Monte Carlo standard error is "
            f"SE = √(p (1 − p) / n); the tables show p ± {STRADDLE_K:g}·SE, about 95% of the simulation's noise. "
            "That band measures only how many worlds were simulated; it says nothing about how good the "
            "drivers are.",
        ),
        (
            "Driver and derived summaries are the mean and the 5th, 50th and 95th percentiles over all worlds. "
            "The percentiles are exact: the values numpy.quantile (linear interpolation) gives over all samples.",
        ),
        (
            f"Samples are seeded in fixed blocks of {_count(block)}: block b draws from "
            "numpy.random.SeedSequence(seed, spawn_key=(b,)), so the same seed and sample count give the same "
            "numbers for any chunk size, and the same numbers on another machine with the same numpy.",
        ),
        (
            f"Estimative words follow the {scale.title} ({scale.source}): {bands}. Bands are half-open "
            "[lo, hi), the top band closed; beyond the ends of the scale the end terms apply."
            + ("" if scale.verified else " This scale has not been checked against its source.")
            + f" A word marked {_FLAG} is one whose error band p ± {STRADDLE_K:g}·SE crosses a boundary between words.",
        ),
        (
            "This report states likelihoods only. Confidence in these judgements (the quality of the sources, "
            "the weight of the assumptions, the gaps) is a separate judgement; following ICD 203, it is never "
            "stated in the same sentence as a likelihood.",
        ),
    ]
    repair = m.get("correlation_repair")
    if repair:
        out.append(
            (
                "The stated rank correlations cannot hold together (their correlation matrix is not positive "
                "definite). As the file asks (",
                _Code("correlation_repair: nearest"),
                "), the run used the nearest valid correlation matrix to the stated normal-score correlations, in "
                "the Frobenius norm (Higham 2002, alternating projections with Dykstra's correction). The largest "
                f"change to a Spearman rank correlation is {repair['max_change']:.4f}; the manifest lists each change.",
            )
        )
    if any(k in figures for k in ("drivers", "derived")):
        shown = worlds
        out.append(
            (
                f"The distribution figures show the first {_count(shown)} worlds of the same run (same seed), "
                "drawn again with ",
                _Code("outlook.sample_worlds"),
                "; the tables, computed over all worlds, carry the numbers.",
            )
        )
    out.append(
        (
            "The run manifest below identifies the run: the SHA-256 hash of the scenario's canonical data, the "
            "seed, the sample count and the versions. The same run and the same report options give the same "
            "report, byte for byte.",
        )
    )
    return out


# --------------------------------------------------------------------------
# HTML

_CSS = """
:root { color-scheme: light; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #111; background: #fff; margin: 0 auto; max-width: 64rem; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .75rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 .75rem; padding-bottom: .2rem; border-bottom: 2px solid #111; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
p, li { max-width: 48rem; }
.question { font-size: 1.1rem; }
.meta { color: #444; }
.note { font-size: .9rem; color: #333; }
ul.judgements li { margin: .5rem 0; font-size: 1.05rem; }
ul.warnings { border: 2px solid #111; padding: .5rem 1rem .5rem 2rem; }
ul.definitions li, ul.sources li { margin: .35rem 0; }
table { border-collapse: collapse; width: 100%; margin: .75rem 0; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #bbb; }
thead th { border-bottom: 2px solid #111; vertical-align: bottom; }
tbody th { font-weight: 600; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.has-detail th, tr.has-detail td { border-bottom: none; }
tr.detail td { font-size: .82rem; color: #333; padding-top: 0; padding-bottom: .6rem; border-bottom: 1px solid #888; }
.word { font-style: italic; }
.se, .id, .within { color: #555; font-size: .85em; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em;
  background: #f1f1f1; padding: 0 .2em; border-radius: 2px; overflow-wrap: anywhere; }
a { color: #1a4d8f; }
figure { margin: 1.5rem 0; break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; margin: 0 auto; }
figcaption { font-size: .9rem; color: #222; margin-top: .4rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2, h3 { break-after: avoid; }
  tr, figure, li { break-inside: avoid; }
  a { color: inherit; }
}
""".strip()

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _esc(text: str) -> str:
    """Text for HTML: escaped, and without an unbalanced bidirectional control (none can leak past it)."""
    return html.escape(balance_bidi(str(text)), quote=True)


def _h_inline(parts: _Parts) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(_esc(p))
        elif isinstance(p, _User):
            out.append(f"<bdi>{_esc(p.text)}</bdi>")
        elif isinstance(p, _Code):  # code reads left to right; dir= makes it an isolate too
            out.append(f'<code dir="ltr">{_esc(p.text)}</code>')
        elif isinstance(p, _Em):
            out.append(f"<em>{_h_inline((p.text,))}</em>")
        elif isinstance(p, _Strong):
            out.append(f"<strong>{_h_inline((p.text,))}</strong>")
        elif isinstance(p, _Link):
            out.append(f'<a href="{_esc(p.url)}"><bdi>{_esc(p.text)}</bdi></a>')
        elif isinstance(p, _Span):
            out.append(f'<span class="{_esc(p.cls)}">{_h_inline(p.parts)}</span>')
        else:
            out.append("<br>")
    return "".join(out)


def _h_attrs(attrs: Sequence[tuple[str, str]]) -> str:
    return "".join(f' {k}="{_esc(v)}"' for k, v in attrs)


def _render_html(doc: _Doc, figures: dict[str, tuple[str, bytes]]) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',  # a constant: no quotes to escape
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="outlook">',
        f"<title>{_esc(doc.title)}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
    ]
    for b in doc.blocks:
        if isinstance(b, _Heading):
            anchor = f' id="{_esc(b.anchor)}"' if b.anchor else ""
            out.append(f"<h{b.level}{anchor}>{_h_inline((b.text,))}</h{b.level}>")
        elif isinstance(b, _Para):
            cls = f' class="{_esc(b.cls)}"' if b.cls else ""
            out.append(f"<p{cls}>{_h_inline(b.parts)}</p>")
        elif isinstance(b, _List):
            cls = f' class="{_esc(b.cls)}"' if b.cls else ""
            items = "".join(f"<li>{_h_inline(i)}</li>" for i in b.items)
            out.append(f"<ul{cls}>{items}</ul>")
        elif isinstance(b, _Table):
            out.append(_html_table(b))
        else:
            fmt, data = figures[b.key]
            uri = f"data:{_MIME[fmt]};base64,{base64.b64encode(data).decode('ascii')}"
            out.append(
                f'<figure id="figure-{_esc(b.key)}"><img src="{uri}" alt="{_esc(b.title)}">'
                f"<figcaption><strong>Figure {b.number}. {_esc(b.title)}.</strong> {_esc(b.caption)}</figcaption>"
                "</figure>"
            )
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _html_table(t: _Table) -> str:
    num_cls = ' class="num"'
    head = "".join(
        f'<th scope="col"{num_cls if num else ""}>{_h_inline((h,))}</th>' for h, num in zip(t.header, t.numeric)
    )
    body = []
    for r in t.rows:
        cls = ' class="has-detail"' if r.detail else ""
        name = f' data-name="{_esc(r.name)}"' if r.name else ""
        cells = []
        for i, c in enumerate(r.cells):
            tag = "th" if i == 0 else "td"
            scope = ' scope="row"' if i == 0 else ""
            ccls = ' class="num"' if c.num else ""
            cells.append(f"<{tag}{scope}{ccls}{_h_attrs(c.attrs)}>{_h_inline(c.parts)}</{tag}>")
        body.append(f"<tr{cls}{name}>{''.join(cells)}</tr>")
        if r.detail:
            body.append(f'<tr class="detail"><td colspan="{len(r.cells)}">{_h_inline(r.detail)}</td></tr>')
    return (
        f'<table id="{_esc(t.anchor)}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody>\n</table>"
    )


# --------------------------------------------------------------------------
# Markdown


def _md_esc(text: str) -> str:
    """Text that Markdown shows as written: no markup, no raw HTML, no math, one line.

    A ``$`` is escaped too: GitHub, GitLab, Jupyter and pandoc read
    ``$...$`` as TeX math.
    """
    return markdown_escape(text)


def _md_code(text: str) -> str:
    text = balance_bidi(_one_line(text))
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_inline(parts: _Parts) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(_md_esc(p))
        elif isinstance(p, _User):
            out.append(_md_esc(p.text))
        elif isinstance(p, _Code):
            out.append(_md_code(p.text))
        elif isinstance(p, _Em):
            out.append(f"*{_md_inline((p.text,))}*")
        elif isinstance(p, _Strong):
            out.append(f"**{_md_inline((p.text,))}**")
        elif isinstance(p, _Link):
            url = quote(p.url.strip(), safe=":/?#&=%+@,;~!$'*.-_")
            out.append(f"[{_md_esc(p.text)}](<{url}>)")
        elif isinstance(p, _Span):
            out.append(_md_inline(p.parts))
        else:
            out.append(" ")
    return "".join(out)


def _render_markdown(doc: _Doc, links: dict[str, str]) -> str:
    out: list[str] = []
    for b in doc.blocks:
        if isinstance(b, _Heading):
            out.append(f"{'#' * b.level} {_md_inline((b.text,))}")
        elif isinstance(b, _Para):
            out.append(_md_inline(b.parts))
        elif isinstance(b, _List):
            out.append("\n".join(f"- {_md_inline(i)}" for i in b.items))
        elif isinstance(b, _Table):
            out.append(_md_table(b))
        else:
            out.append(
                f"![Figure {b.number}. {_md_esc(b.title)}]({links[b.key]})\n\n"
                f"*Figure {b.number}. {_md_esc(b.title)}.* {_md_esc(b.caption)}"
            )
    return "\n\n".join(out) + "\n"


def _md_table(t: _Table) -> str:
    lines = [
        "| " + " | ".join(_md_inline((h,)) for h in t.header) + " |",
        "|" + "|".join("---:" if num else "---" for num in t.numeric) + "|",
    ]
    details = []
    for r in t.rows:
        lines.append("| " + " | ".join(_md_inline(c.parts).strip() for c in r.cells) + " |")
        if r.detail:
            details.append(f"- {_md_inline(r.cells[0].parts)}: {_md_inline(r.detail)}")
    text = "\n".join(lines)
    if details:
        text += "\n\n" + "\n".join(details)
    return text


# --------------------------------------------------------------------------
# public functions


def _figure_bytes(
    tables: Tables, *, figure_format: str, figure_samples: int, dpi: int, progress: _Progress | None
) -> tuple[dict[str, tuple[str, bytes]], int]:
    """Every figure's bytes, by key, and how many worlds they draw; ``progress(done, total)`` after each step."""
    _require_matplotlib()
    from . import plots

    s = _scenario_of(tables)
    total = 3 + bool(s.events) + bool(s.derived)  # drawing the figures, then each one's bytes
    if progress is not None:
        progress(0, total)
    worlds = plots.figure_worlds(tables, samples=figure_samples)
    figs = plots.figures(tables, worlds=worlds)
    total = 1 + len(figs)
    if progress is not None:
        progress(1, total)
    out = {}
    for done, (key, fig) in enumerate(figs.items(), start=2):
        out[key] = (figure_format, plots.figure_bytes(fig, figure_format, dpi=dpi))
        if progress is not None:
            progress(done, total)
    return out, len(worlds)


@overload
def build_report(
    tables: Tables,
    *,
    format: Literal["html"] = ...,
    figure_format: str = ...,
    figures: bool = ...,
    figure_samples: int = ...,
    dpi: int = ...,
    files_dir: str = ...,
    progress: _Progress | None = ...,
) -> str: ...


@overload
def build_report(
    tables: Tables,
    *,
    format: Literal["markdown", "md"],
    figure_format: str = ...,
    figures: bool = ...,
    figure_samples: int = ...,
    dpi: int = ...,
    files_dir: str = ...,
    progress: _Progress | None = ...,
) -> tuple[str, dict[str, bytes]]: ...


@overload
def build_report(
    tables: Tables,
    *,
    format: str,
    figure_format: str = ...,
    figures: bool = ...,
    figure_samples: int = ...,
    dpi: int = ...,
    files_dir: str = ...,
    progress: _Progress | None = ...,
) -> str | tuple[str, dict[str, bytes]]: ...


def build_report(
    tables: Tables,
    *,
    format: str = "html",
    figure_format: str = "png",
    figures: bool = True,
    figure_samples: int = 20_000,
    dpi: int = 110,
    files_dir: str = "report_files",
    progress: _Progress | None = None,
) -> str | tuple[str, dict[str, bytes]]:
    """Build the report of one run, in memory.

    Parameters
    ----------
    tables
        From :func:`outlook.run_outlook` or :func:`outlook.summarise` (it
        must carry its scenario).
    format
        ``html`` (default): one self-contained page, styles and figures
        inline. ``markdown`` (or ``md``): text, with figures as separate files.
    figure_format
        ``png`` (default) or ``svg``.
    figures
        Whether to draw figures (``False`` needs no plotting and is quicker).
    figure_samples
        Worlds drawn for the driver and derived distribution figures (fewer
        for a scenario with very many quantities: see
        :func:`outlook.plots.figure_worlds`; the methods section says how
        many).
    dpi
        Resolution of PNG figures.
    files_dir
        Markdown only: the folder, relative to the Markdown file, that its
        figure links point into.
    progress
        Called as ``progress(done, total)`` while the figures are drawn
        (drawing them is most of the time a report takes).

    Returns
    -------
    str or tuple of (str, dict of str to bytes)
        HTML: the page. Markdown: the text, and the figure files as
        ``{relative path: bytes}``; each path is ``files_dir/<figure>-<hash>.<ext>``,
        as linked from the text (the hash is of the figure's bytes).

    Raises
    ------
    ValueError
        For an unknown format or figure format, or tables without their scenario.
    ImportError
        If ``figures`` and matplotlib (the ``plots`` extra) is not installed.

    Notes
    -----
    The same tables give the same bytes: nothing depends on the clock or on
    random ids. Probabilities show ``p ± 2·SE`` with ``SE = sqrt(p (1 - p) / n)``;
    a word whose band crosses a word boundary is marked ``†``
    (:func:`outlook.words.straddles`).

    Examples
    --------
    >>> import outlook
    >>> s = outlook.Scenario.from_yaml('''
    ... outlook: 1
    ... id: demo
    ... title: Demo
    ... question: Does it happen?
    ... as_of: 2024-01-01
    ... horizons: {soon: {until: 1y}}
    ... drivers: {r: {range: [0.1, 0.3], shape: lognormal}}
    ... events: {it: {rate: r}}
    ... scenarios: {happens: it, not_yet: otherwise}
    ... ''')
    >>> tables = outlook.summarise(outlook.simulate(s, samples=2_000, seed=1))
    >>> build_report(tables, figures=False).startswith("<!DOCTYPE html>")
    True
    >>> text, files = build_report(tables, format="markdown", figures=False)
    >>> print(text.splitlines()[8])
    - Within 1 year (to 1 January 2025) it is **very likely** (84.6%, ±1.6%) that the outcome is “not_yet”, the more probable of the two scenarios.
    """
    fmt = _report_format(Path("report"), format)
    ffmt = _figure_format(figure_format)
    _scenario_of(tables)
    figs, worlds = (
        _figure_bytes(tables, figure_format=ffmt, figure_samples=figure_samples, dpi=dpi, progress=progress)
        if figures
        else ({}, 0)
    )
    doc = _document(tables, [k for k in _FIGURES if k in figs], worlds)
    if fmt == "html":
        return _render_html(doc, figs)
    files: dict[str, bytes] = {}
    links: dict[str, str] = {}
    for key, (ext, data) in figs.items():
        name = f"{key}-{hashlib.sha256(data).hexdigest()[:12]}.{ext}"
        rel = f"{files_dir}/{name}" if files_dir else name
        files[rel] = data
        links[key] = quote(rel)
    return _render_markdown(doc, links), files


def write_report(
    tables: Tables,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    figure_format: str = "png",
    figures: bool = True,
    figure_samples: int = 20_000,
    dpi: int = 110,
    progress: _Progress | None = None,
) -> Path:
    """Write the report of one run to ``path``, atomically.

    Parameters
    ----------
    tables
        As for :func:`build_report`.
    path
        The report file: absent or a regular file, never the scenario file
        itself (see :func:`check_output`). For Markdown its figures go into
        the folder ``<stem>_files`` beside it. To stream a report, write the
        text of :func:`build_report` where it should go (``outlook report -o -``
        does so to standard output).
    format
        ``html`` or ``markdown``; by default from the suffix of ``path``
        (``.html``, ``.htm``, ``.md``, ``.markdown``).
    figure_format, figures, figure_samples, dpi, progress
        As for :func:`build_report`.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError, ImportError
        As for :func:`check_output` (with the scenario the tables carry), and
        for ``path`` ``"-"``.
    OSError
        If writing fails; nothing is left behind and an existing report is
        unchanged.

    Notes
    -----
    The whole report is built in memory first. Each file is then written to
    a temporary file in its own folder (``.outlook-<12 hex digits>.tmp``,
    short whatever the report's name) and renamed over its target
    (``os.replace``), figures first and the report last, so a reader never
    sees a half-written report or a Markdown file whose figures are missing.
    Only a regular file is ever replaced; a symbolic link, a device, a named
    pipe or a socket in the way is refused, checked again just before each
    rename.

    Figure files are named by a hash of their bytes, so the figures of an
    existing report are never overwritten by different ones; after the new
    report is in place, figure files in ``<stem>_files`` that the report now
    on disk does not link are removed. Writers of one Markdown report take
    turns: each holds an advisory lock (``flock``) on the figures folder from
    its first figure to the end of the clean-up, so two runs writing the same
    report at once leave one of the two reports, whole, with all its
    figures. (Windows has no such lock; there, do not write one report from
    two runs at once.)

    On any failure, or an interrupt (Ctrl-C, and in the main thread also
    SIGTERM and SIGHUP), the temporary files (and any new figure files) are
    removed and an existing report is left as it was. A SIGTERM or SIGHUP
    whose handler is the default one is then delivered again, so the process
    still ends as the signal says; a handler the program installed is left in
    place and runs as usual (if it raises, the same clean-up runs first).
    """
    if os.fspath(path) == _STDOUT:
        msg = "write_report writes a file; to stream a report, write the text of build_report where it should go"
        raise ValueError(msg)
    p = Path(path)
    scenario = tables.scenario.path if tables.scenario is not None else None
    fmt = check_output(p, format=format, figure_format=figure_format, figures=figures, scenario=scenario)
    if fmt == "html":
        text = build_report(
            tables,
            format="html",
            figure_format=figure_format,
            figures=figures,
            figure_samples=figure_samples,
            dpi=dpi,
            progress=progress,
        )
        with _signals_unwind():
            _write_atomically([(p, text.encode("utf-8"))])
        return p
    folder = _files_dir(p)
    md, files = build_report(
        tables,
        format="markdown",
        figure_format=figure_format,
        figures=figures,
        figure_samples=figure_samples,
        dpi=dpi,
        files_dir=folder.name,
        progress=progress,
    )
    pairs = [(p.parent / rel, data) for rel, data in files.items()]
    pairs.append((p, md.encode("utf-8")))
    with _signals_unwind(), _folder_lock(p, folder, create=bool(files)):
        _write_atomically(pairs)
        _remove_unused_figures(p, folder, {Path(rel).name for rel in files})
    return p


class _Signalled(SystemExit):
    """SIGTERM or SIGHUP arrived while a report was being written; unwinds so that the clean-up runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_unwind() -> Iterator[None]:
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
def _folder_lock(report: Path, folder: Path, *, create: bool) -> Iterator[None]:
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


def _remove_unused_figures(report: Path, folder: Path, ours: set[str]) -> None:
    """Remove outlook's figure files in ``folder`` that neither this report nor the one on disk links."""
    st = _lstat(folder)
    if st is None or not stat.S_ISDIR(st.st_mode):
        return
    try:
        on_disk = set(_FIGURE_NAME.findall(report.read_text(encoding="utf-8", errors="replace")))
    except OSError:  # cannot tell which figures the report on disk needs: keep them all
        return
    keep = ours | on_disk
    for entry in os.scandir(folder):
        if _FIGURE_FILE.match(entry.name) and entry.name not in keep:
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


def _write_atomically(pairs: Sequence[tuple[Path, bytes]]) -> None:
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
