"""Scenario files: YAML text becomes a frozen, validated :class:`Scenario`.

Owns the file format (version 1, see ``docs/scenario-format.md``), locations
(file:line:column and key path for every value) and "did you mean" hints.
Every problem in a file is collected and raised together as
:class:`~outlook.errors.ScenarioErrors`. YAML is composed by PyYAML's safe
parser with YAML 1.2 core-schema scalars and no constructor, counting values
as it goes; expressions go through :mod:`outlook.expressions`: loading never
runs code. Only regular files are read, never past the size limit. Never
samples, never prints.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import keyword
import math
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from . import distributions as dist
from .errors import Location, ScenarioError, ScenarioErrors, did_you_mean
from .expressions import ANY, FUNCTIONS, NUMBER, YES_NO, Expression, NameKind, compile_expression, names_in

__all__ = [
    "FORMAT_VERSION",
    "Correlation",
    "Derived",
    "Driver",
    "Event",
    "Horizon",
    "ScenarioRule",
    "Scenario",
    "Source",
    "SourceRef",
    "load_scenario",
    "parse_duration",
]

FORMAT_VERSION = 1
MAX_FILE_BYTES = 5_000_000
MAX_NODES = 200_000
MAX_NESTING = 64

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: a date, or a YAML 1.1 timestamp (its time of day is ignored)
_DATE = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?\Z"
)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(y|yr|yrs|year|years|mo|month|months|w|wk|week|weeks|d|day|days)\s*$"
)
_UNIT_YEARS = {"y": 1.0, "mo": 1.0 / 12.0, "w": 7.0 / 365.25, "d": 1.0 / 365.25}
_RESERVED = set(keyword.kwlist) | set(FUNCTIONS) | {"true", "false", "pi", "otherwise"}
#: names YAML reads as something other than text (YAML 1.2 core schema), so a rule could not name them
_YAML_WORDS = {
    "TRUE": "a yes/no value",
    "FALSE": "a yes/no value",
    "null": "nothing",
    "Null": "nothing",
    "NULL": "nothing",
}


def parse_duration(text: str) -> float:
    """Years in a duration such as ``1y``, ``6mo``, ``2w`` or ``90d``.

    >>> parse_duration("18mo")
    1.5

    Raises
    ------
    ValueError
        If the text is not a positive number followed by a unit.
    """
    m = _DURATION.match(str(text))
    if not m:
        msg = "expected a duration such as 1y, 6mo, 2w or 90d"
        raise ValueError(msg)
    unit = m.group(2)
    key = "mo" if unit.startswith("mo") else unit[0]
    value = float(m.group(1)) * _UNIT_YEARS[key]
    if value <= 0:
        msg = "a duration must be positive"
        raise ValueError(msg)
    if not math.isfinite(value):
        msg = "a duration must be finite"
        raise ValueError(msg)
    return value


# --------------------------------------------------------------------------
# value objects


@dataclass(frozen=True, slots=True)
class Source:
    """A document the scenario rests on."""

    id: str
    title: str
    publisher: str = ""
    date: str = ""
    file: str = ""
    url: str = ""
    note: str = ""
    where: Location = field(default=Location(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a driver or event comes from: a source id and a quote."""

    ref: str = ""
    quote: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Horizon:
    """A cumulative horizon: "by the end of" ``until`` years after ``as_of``."""

    id: str
    label: str
    until: float
    text: str
    note: str = ""
    where: Location = field(default=Location(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Driver:
    """An uncertain input, drawn once per simulated world."""

    id: str
    distribution: dist.Distribution
    spec: tuple[tuple[str, Any], ...]
    label: str = ""
    unit: str = ""
    note: str = ""
    source: SourceRef | None = None
    where: Location = field(default=Location(), compare=False, repr=False)

    @property
    def kind(self) -> str:
        """``continuous``, ``constant``, ``yes/no`` or ``categorical``."""
        return self.distribution.kind

    @property
    def categories(self) -> tuple[str, ...] | None:
        d = self.distribution
        return d.categories if isinstance(d, dist.Categorical) else None


@dataclass(frozen=True, slots=True)
class Correlation:
    """A Spearman rank correlation between two drivers."""

    a: str
    b: str
    rho: float
    where: Location = field(default=Location(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Derived:
    """A quantity computed from drivers and other derived quantities."""

    id: str
    expr: Expression
    label: str = ""
    unit: str = ""
    note: str = ""
    where: Location = field(default=Location(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that may happen: one occurrence time per world.

    Exactly one of ``rate`` (hazard per year) and ``by`` (cumulative
    probability by the end of horizons, in horizon order) is set.
    """

    id: str
    rate: Expression | None = None
    by: tuple[tuple[str, Expression], ...] = ()
    after: tuple[tuple[str, float], ...] = ()
    requires: tuple[str, ...] = ()
    label: str = ""
    note: str = ""
    source: SourceRef | None = None
    where: Location = field(default=Location(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ScenarioRule:
    """The rule that defines one scenario: the worlds where ``when`` holds and no earlier rule did.

    ``when`` is ``None`` for ``otherwise``.
    """

    id: str
    when: Expression | None
    label: str = ""
    description: str = ""
    where: Location = field(default=Location(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario file. Frozen: a what-if is ``dataclasses.replace``.

    Build one with :func:`load_scenario`, :meth:`from_yaml` or
    :meth:`from_dict`; :meth:`to_dict` gives the data back.

    Examples
    --------
    >>> s = Scenario.from_yaml('''
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
    >>> [h.until for h in s.horizons], [d.id for d in s.drivers]
    ([1.0], ['r'])
    """

    version: int
    id: str
    title: str
    question: str
    as_of: dt.date
    horizons: tuple[Horizon, ...]
    drivers: tuple[Driver, ...]
    rules: tuple[ScenarioRule, ...]
    derived: tuple[Derived, ...] = ()
    events: tuple[Event, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    correlation_repair: str = "none"
    sources: tuple[Source, ...] = ()
    description: str = ""
    path: str = field(default="<scenario>", compare=False)

    # -- constructors ------------------------------------------------------

    @classmethod
    def from_yaml(cls, text: str, *, path: str = "<scenario>") -> Scenario:
        """Parse and validate scenario YAML text; ``path`` names it in errors."""
        return _Builder(path).build(_compose(text, path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, path: str = "<dict>") -> Scenario:
        """Validate plain data (as :meth:`to_dict` returns or YAML gives)."""
        errors: list[ScenarioError] = []
        root = _from_plain(data, path, errors)
        if errors:
            raise ScenarioErrors(errors)
        return _Builder(path).build(root)

    # -- lookups -----------------------------------------------------------

    def driver(self, name: str) -> Driver:
        """The driver called ``name``."""
        return _find(self.drivers, name, "driver")

    def event(self, name: str) -> Event:
        """The event called ``name``."""
        return _find(self.events, name, "event")

    def horizon(self, name: str) -> Horizon:
        """The horizon called ``name``."""
        return _find(self.horizons, name, "horizon")

    def source(self, name: str) -> Source:
        """The source called ``name``."""
        return _find(self.sources, name, "source")

    # -- output ------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data; ``from_dict(to_dict())`` is equal."""
        out: dict[str, Any] = {
            "outlook": self.version,
            "id": self.id,
            "title": self.title,
            "question": self.question,
            "as_of": self.as_of,
        }
        if self.description:
            out["description"] = self.description
        if self.sources:
            out["sources"] = {
                s.id: _nonempty({f: getattr(s, f) for f in ("title", "publisher", "date", "file", "url", "note")})
                for s in self.sources
            }
        out["horizons"] = {h.id: _nonempty({"label": h.label, "until": h.text, "note": h.note}) for h in self.horizons}
        out["drivers"] = {
            d.id: {
                **_nonempty({"label": d.label, "unit": d.unit, "note": d.note}),
                **{k: _plain(v) for k, v in d.spec},
                **({"source": _ref_dict(d.source)} if d.source else {}),
            }
            for d in self.drivers
        }
        if self.correlations:
            out["correlations"] = [[c.a, c.b, c.rho] for c in self.correlations]
        if self.correlation_repair != "none":
            out["correlation_repair"] = self.correlation_repair
        if self.derived:
            out["derived"] = {
                d.id: {"expr": _expr_plain(d.expr), **_nonempty({"label": d.label, "unit": d.unit, "note": d.note})}
                for d in self.derived
            }
        if self.events:
            events: dict[str, Any] = {}
            for e in self.events:
                item: dict[str, Any] = _nonempty({"label": e.label, "note": e.note})
                if e.rate is not None:
                    item["rate"] = _expr_plain(e.rate)
                else:
                    item["by"] = {h: _expr_plain(x) for h, x in e.by}
                if e.after:
                    item["after"] = dict(e.after)
                if e.requires:
                    item["requires"] = list(e.requires)
                if e.source:
                    item["source"] = _ref_dict(e.source)
                events[e.id] = item
            out["events"] = events
        out["scenarios"] = {
            r.id: {
                "when": "otherwise" if r.when is None else _expr_plain(r.when),
                **_nonempty({"label": r.label, "description": r.description}),
            }
            for r in self.rules
        }
        return out

    def to_yaml(self) -> str:
        """The scenario as YAML text (comments are not kept)."""
        return yaml.dump(self.to_dict(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)

    @property
    def hash(self) -> str:
        """SHA-256 of the scenario's canonical data: its identity in a manifest."""
        blob = json.dumps(self.to_dict(), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


_T = TypeVar("_T", "Driver", "Event", "Horizon", "Source")


def _find(items: tuple[_T, ...], name: str, what: str) -> _T:
    for item in items:
        if item.id == name:
            return item
    hint = did_you_mean(name, [i.id for i in items])
    msg = f"no {what} {name!r}.{hint}"
    raise KeyError(msg)


def _nonempty(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in ("", None)}


def _plain(v: Any) -> Any:
    if isinstance(v, tuple):
        if v and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in v):
            return {k: _plain(x) for k, x in v}
        return [_plain(x) for x in v]
    return v


def _ref_dict(r: SourceRef) -> dict[str, str]:
    return _nonempty({"ref": r.ref, "quote": r.quote, "note": r.note})


def _expr_plain(e: Expression) -> Any:
    """A number where one reads back as the same text (``1``, ``0.5``), else the text (``1e3``)."""
    c = e.constant
    if not e.names and c is not None:
        for v in (c, int(c) if c.is_integer() else None):
            if v is not None and repr(v) == e.text:
                return v
    return e.text


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path
        A ``.yaml`` file: a regular file (or a link to one) of at most
        5,000,000 bytes of UTF-8 text.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioErrors
        Every problem in the file, each located at file:line:column.
    ScenarioError
        If the file cannot be read, or is not a regular file (a directory, a
        device such as ``/dev/zero``, a FIFO, a socket).

    Notes
    -----
    Only a regular file is read, and never more than the size limit plus one
    byte, whatever it claims to be: a device or a pipe has no size to check
    beforehand, and would be read until memory ran out. The file is opened
    without blocking, so a FIFO with no writer is refused, not waited for.
    """
    where = Location(str(path))
    try:
        _regular(where, os.stat(path).st_mode)  # before opening: opening a device or a FIFO can block or act
        fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | _O_CLOEXEC | _O_NOCTTY | _O_BINARY)
        try:
            info = os.fstat(fd)
            _regular(where, info.st_mode)  # the same file: it may have been replaced since
            if info.st_size > MAX_FILE_BYTES:
                raise ScenarioErrors(
                    [ScenarioError(where, f"file is larger than {MAX_FILE_BYTES} bytes", got=info.st_size)]
                )
            data = _read_at_most(fd, MAX_FILE_BYTES + 1)
        finally:
            os.close(fd)
        if len(data) > MAX_FILE_BYTES:
            raise ScenarioErrors([ScenarioError(where, f"file is larger than {MAX_FILE_BYTES} bytes")])
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # universal newlines, as in text mode
    except FileNotFoundError:
        raise ScenarioError(where, "no such file") from None
    except IsADirectoryError:
        raise ScenarioError(where, "is a directory, not a scenario file") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(where, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ScenarioError(where, f"cannot read file: {exc.strerror or exc}") from None
    return Scenario.from_yaml(text, path=str(path))


_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_NOCTTY = getattr(os, "O_NOCTTY", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)

#: what a file that is not a regular file is, for the message refusing it
_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def _regular(where: Location, mode: int) -> None:
    """Refuse anything but a regular file, saying what it is."""
    if stat.S_ISREG(mode):
        return
    what = next((name for test, name in _FILE_KINDS if test(mode)), "a special file")
    raise ScenarioError(where, f"is {what}, not a scenario file")


def _read_at_most(fd: int, limit: int) -> bytes:
    """Up to ``limit`` bytes from ``fd``, however many the file has."""
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# --------------------------------------------------------------------------
# YAML nodes with positions


@dataclass(slots=True)
class _Y:
    """A YAML value with its position; mappings keep their keys' positions.

    ``raw`` is a scalar's text as written in the file (``None`` for data that
    came from a dict): what a number reads as where text belongs, and what a
    message quotes.
    """

    kind: str  # "map", "seq" or "scalar"
    value: Any
    line: int = 0
    col: int = 0
    text_col: int = 0  # column of the first character of a scalar's text
    text_line: int = 0  # line of that character, where not ``line`` (a block scalar)
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)
    raw: str | None = None

    def items(self) -> Iterator[tuple[str, _Y]]:
        yield from self.value.items()


def _mark(m: yaml.Mark | None) -> tuple[int, int]:
    return (m.line + 1, m.column + 1) if m is not None else (0, 0)


# YAML 1.2 core schema (YAML 1.2.2, §10.3.2): the only plain scalars that are
# not text. In YAML 1.1, which PyYAML follows, yes/no/on/off/y/n are booleans,
# 1:30 is 90 and 2e4 is text; here they are text, text and a number.
_CORE_NULL = re.compile(r"(?:~|null|Null|NULL|)\Z")
_CORE_BOOL = re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")
_CORE_INT = re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")
_CORE_FLOAT = re.compile(
    r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
)
_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT, _SEQ, _MAP = (_TAG + t for t in ("str", "null", "bool", "int", "float", "seq", "map"))
_CORE_RESOLVERS = (
    (_NULL, _CORE_NULL, ["~", "n", "N", ""]),
    (_BOOL, _CORE_BOOL, list("tTfF")),
    (_INT, _CORE_INT, list("-+0123456789")),  # before floats: 1 is an int
    (_FLOAT, _CORE_FLOAT, list("-+.0123456789")),
)


class _CoreResolver(yaml.resolver.BaseResolver):
    """Resolves plain scalars by the YAML 1.2 core schema, and nothing else (no timestamps)."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012 (PyYAML's own)


for _tag, _regexp, _first in _CORE_RESOLVERS:
    _CoreResolver.add_implicit_resolver(_tag, _regexp, _first)


class _TooMuch(Exception):
    """The file holds more values, or deeper ones, than a scenario can."""

    def __init__(self, mark: Any, problem: str) -> None:
        super().__init__(problem)
        self.mark = mark
        self.problem = problem


class _Loader(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _CoreResolver):
    """PyYAML's safe reader, scanner, parser and composer with YAML 1.2 core scalars.

    It composes nodes only: it has no constructor, so it cannot build any
    Python object, and it counts values and nesting as it composes, so a
    file with millions of values is refused at the first value over the
    budget, not after all of them are in memory.
    """

    def __init__(self, text: str) -> None:
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _CoreResolver.__init__(self)
        self.budget = MAX_NODES
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        self.budget -= 1  # an alias counts too: a list of a million aliases is a million values
        if self.budget < 0:
            raise _TooMuch(event.start_mark, f"file has more than {MAX_NODES} values")
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise _TooMuch(event.start_mark, f"values are nested too deeply (more than {MAX_NESTING} levels)")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _count_quickly(text: str) -> None:
    """Refuse a file with more than MAX_NODES values fast, with libyaml's parser where PyYAML has it.

    A first pass that only counts: libyaml parses a few hundred thousand
    values in a tenth of a second where the pure-Python parser takes
    seconds. It decides nothing else: the file is then read by the Python
    parser, whose messages (and counting) are the same with or without
    libyaml. Anything libyaml cannot parse is left to that parser to report.
    """
    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML built without libyaml: the composer still counts
        return
    try:
        parser = CParser(text)
    except (UnicodeError, ValueError):  # text libyaml cannot take (a lone surrogate): the Python parser says why
        return
    n = 0
    try:
        while True:
            event = parser.get_event()
            if isinstance(event, yaml.ScalarEvent | yaml.SequenceStartEvent | yaml.MappingStartEvent | yaml.AliasEvent):
                n += 1
                if n > MAX_NODES:
                    raise _TooMuch(event.start_mark, f"file has more than {MAX_NODES} values")
            elif event is None or isinstance(event, yaml.StreamEndEvent):
                return
    except (yaml.YAMLError, UnicodeError, ValueError):
        return
    finally:
        parser.dispose()


def _compose(text: str, path: str) -> _Y:
    where = Location(path)
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise ScenarioErrors([ScenarioError(where, f"file is larger than {MAX_FILE_BYTES} bytes")])
    try:
        _count_quickly(text)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        except RecursionError:
            msg = f"values are nested too deeply (more than {MAX_NESTING} levels)"
            raise ScenarioErrors([ScenarioError(Location(path, *_mark(loader.get_mark())), msg)]) from None
        finally:
            loader.dispose()
    except _TooMuch as exc:
        raise ScenarioErrors([ScenarioError(Location(path, *_mark(exc.mark)), exc.problem)]) from None
    except yaml.reader.ReaderError as exc:
        # a character YAML does not allow in a file (a control character, a lone surrogate)
        line, col = _position(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        msg = f"YAML syntax error: character U+{code:04X} is not allowed in a YAML file ({exc.reason})"
        raise ScenarioErrors([ScenarioError(Location(path, line, col), msg)]) from None
    except yaml.MarkedYAMLError as exc:
        line, col = _mark(exc.problem_mark or exc.context_mark)
        problem = " ".join((exc.problem or exc.context or "invalid YAML").split())
        raise ScenarioErrors([ScenarioError(Location(path, line, col), f"YAML syntax error: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioErrors([ScenarioError(where, "YAML error: " + " ".join(str(exc).split()))]) from None
    if node is None:
        raise ScenarioErrors([ScenarioError(Location(path, 1, 1), "file is empty")])
    errors: list[ScenarioError] = []
    budget = [MAX_NODES]
    y = _convert(node, path, errors, budget)
    if errors:
        raise ScenarioErrors(errors)
    return y


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of the character at ``index``."""
    index = max(0, min(index, len(text)))
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


#: tag -> what it applies to; any other tag is refused
_NODE_TAGS = {
    _STR: "scalar",
    _NULL: "scalar",
    _BOOL: "scalar",
    _INT: "scalar",
    _FLOAT: "scalar",
    _SEQ: "seq",
    _MAP: "map",
}
_NODE_WHAT = {"scalar": "a single value", "seq": "a list", "map": "a mapping"}
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_DIGITS = 4300  # sys.int_info.default_max_str_digits


class _BadScalar(Exception):
    """A scalar whose explicit tag its text does not fit, or text that is not Unicode."""

    def __init__(self, problem: str, *, show_text: bool = False) -> None:
        super().__init__(problem)
        self.show_text = show_text


def _scalar(node: yaml.ScalarNode) -> Any:
    """The value of a scalar node by the YAML 1.2 core schema (implicit or explicit tag).

    Raises
    ------
    _BadScalar
        With the problem, for text its tag does not accept (``!!bool maybe``)
        or text holding a lone surrogate.
    """
    text, tag = node.value, node.tag
    bad = _SURROGATE.search(text)
    if bad:
        esc = f"\\u{ord(bad.group()):04x}"
        msg = f"text contains a lone surrogate ({esc}), which is not a Unicode character; write the character itself"
        raise _BadScalar(msg)
    if tag == _STR:
        return text
    if tag == _NULL:
        if not _CORE_NULL.match(text):
            raise _BadScalar("YAML tag '!!null' takes ~, null or nothing", show_text=True)
        return None
    if tag == _BOOL:
        if not _CORE_BOOL.match(text):
            raise _BadScalar("YAML tag '!!bool' takes true or false", show_text=True)
        return text.lower() == "true"
    if tag == _INT:
        if not _CORE_INT.match(text):
            raise _BadScalar("YAML tag '!!int' takes a whole number such as 42, 0o17 or 0x1F", show_text=True)
        if len(text) > _MAX_DIGITS:  # Python 3.11+ refuses to convert more; 3.10 would, slowly
            raise _BadScalar(f"number has too many digits ({len(text)})")
        try:
            return (
                int(text[2:], 8) if text.startswith("0o") else int(text[2:], 16) if text.startswith("0x") else int(text)
            )
        except ValueError:  # a lower limit set with PYTHONINTMAXSTRDIGITS
            raise _BadScalar(f"number has too many digits ({len(text)})") from None
    if tag == _FLOAT:
        if not _CORE_FLOAT.match(text):
            raise _BadScalar("YAML tag '!!float' takes a number such as 2.5, 1e3, .inf or .nan", show_text=True)
        low = text.lower()
        if low.endswith(".nan"):
            return math.nan
        if low.endswith(".inf"):
            return -math.inf if low.startswith("-") else math.inf
        return float(text)
    raise _BadScalar(f"YAML tag {_tag_text(tag)!r} is not allowed; a scenario file holds plain data only")


def _tag_text(tag: str) -> str:
    return tag.replace(_TAG, "!!")


def _tag_problem(node: yaml.Node) -> str | None:
    """Why a node's tag is refused, or ``None``: only the core schema's tags, each on its own kind of node."""
    kind = "map" if isinstance(node, yaml.MappingNode) else "seq" if isinstance(node, yaml.SequenceNode) else "scalar"
    fits = _NODE_TAGS.get(node.tag)
    if fits is None:
        return f"YAML tag {_tag_text(node.tag)!r} is not allowed; a scenario file holds plain data only"
    if fits != kind:
        return f"YAML tag {_tag_text(node.tag)!r} applies to {_NODE_WHAT[fits]}, not to {_NODE_WHAT[kind]}"
    return None


def _safe_key(key: str) -> str:
    """A key as it can be shown: a lone surrogate becomes its escape."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8") if _SURROGATE.search(key) else key


def _convert(
    node: yaml.Node, path: str, errors: list[ScenarioError], budget: list[int], kp: str = "", depth: int = 0
) -> _Y:
    budget[0] -= 1
    line, col = _mark(node.start_mark)
    if budget[0] < 0:
        msg = f"file has more than {MAX_NODES} values (an alias bomb?)"
        raise ScenarioErrors([ScenarioError(Location(path, line, col), msg)])
    if depth > MAX_NESTING:
        msg = f"values are nested too deeply (more than {MAX_NESTING} levels; an alias that contains itself?)"
        raise ScenarioErrors([ScenarioError(Location(path, line, col), msg)])
    problem = _tag_problem(node)
    if problem is not None:
        errors.append(ScenarioError(Location(path, line, col, kp), problem))
        return _Y("scalar", None, line, col, col)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, _Y] = {}
        keys: dict[str, tuple[int, int]] = {}
        for knode, vnode in node.value:
            kl, kc = _mark(knode.start_mark)
            if not isinstance(knode, yaml.ScalarNode):
                errors.append(
                    ScenarioError(Location(path, kl, kc, kp), "a key must be plain text, not a list or mapping")
                )
                continue
            key = str(knode.value)  # a key is its text as written: `no:` and `1e3:` are names, not values
            try:
                problem = _tag_problem(knode)
                if problem is not None:
                    raise _BadScalar(problem)
                _scalar(knode)
            except _BadScalar as exc:
                shown = (key if len(key) <= 60 else key[:57] + "...") if exc.show_text else None
                errors.append(ScenarioError(Location(path, kl, kc, _join(kp, _safe_key(key))), str(exc), got=shown))
                continue
            if key in out:
                first = f"line {keys[key][0]}, column {keys[key][1]}"
                errors.append(
                    ScenarioError(Location(path, kl, kc, _join(kp, key)), f"duplicate key {key!r} (first at {first})")
                )
                continue
            keys[key] = (kl, kc)
            out[key] = _convert(vnode, path, errors, budget, _join(kp, key), depth + 1)
        return _Y("map", out, line, col, col, keys=keys)
    if isinstance(node, yaml.SequenceNode):
        items = [_convert(v, path, errors, budget, f"{kp}[{i}]", depth + 1) for i, v in enumerate(node.value)]
        return _Y("seq", items, line, col, col)
    assert isinstance(node, yaml.ScalarNode)
    raw = str(node.value)
    try:
        value = _scalar(node)
    except _BadScalar as exc:
        shown = (raw if len(raw) <= 60 else raw[:57] + "...") if exc.show_text else None
        errors.append(ScenarioError(Location(path, line, col, kp), str(exc), got=shown))
        value, raw = None, ""
    if node.style in ("|", ">"):
        text_line, text_col = _block_text_start(node, line, col)
        return _Y("scalar", value, line, col, text_col, text_line=text_line, raw=raw)
    text_col = col + 1 if node.style in ("'", '"') else col
    return _Y("scalar", value, line, col, text_col, raw=raw)


def _block_text_start(node: yaml.Node, line: int, col: int) -> tuple[int, int]:
    """Line and column of the first character of a ``|`` or ``>`` scalar's text."""
    mark = node.start_mark
    buf = getattr(mark, "buffer", None)
    if not isinstance(buf, str):
        return line, col
    i = buf.find("\n", mark.pointer)
    n = line
    while i != -1:
        j = buf.find("\n", i + 1)
        seg = buf[i + 1 : j if j != -1 else len(buf)].rstrip("\0")
        n += 1
        if seg.strip():
            return n, len(seg) - len(seg.lstrip(" ")) + 1
        i = j
    return line, col


def _from_plain(data: Any, path: str, errors: list[ScenarioError], kp: str = "") -> _Y:
    """Plain data as nodes without positions; text that is not Unicode is an error here too."""
    if isinstance(data, dict):
        out: dict[str, _Y] = {}
        for k, v in data.items():
            key = str(k)
            if _SURROGATE.search(key):
                errors.append(ScenarioError(Location(path, 0, 0, _join(kp, _safe_key(key))), _SURROGATE_MSG))
                continue
            out[key] = _from_plain(v, path, errors, _join(kp, key))
        return _Y("map", out)
    if isinstance(data, list | tuple):
        return _Y("seq", [_from_plain(v, path, errors, f"{kp}[{i}]") for i, v in enumerate(data)])
    if isinstance(data, str) and _SURROGATE.search(data):
        errors.append(ScenarioError(Location(path, 0, 0, kp), _SURROGATE_MSG))
        return _Y("scalar", None)
    return _Y("scalar", data)


_SURROGATE_MSG = "text contains a lone surrogate, which is not a Unicode character"


class _Dumper(yaml.SafeDumper):
    """Quotes every text that YAML 1.1 or the 1.2 core schema would read as anything but text.

    So ``to_yaml`` output reads back the same here (``'2e4'`` stays text) and
    in a YAML 1.1 reader (``'no'`` stays text).
    """


for _tag, _regexp, _first in _CORE_RESOLVERS:
    _Dumper.add_implicit_resolver(_tag, _regexp, _first)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    """Text with a NEL or a Unicode line or paragraph separator is written double-quoted, as escapes.

    Otherwise the emitter may write them raw inside quotes, where a reader
    folds them into spaces: the text would not read back the same.
    """
    style = '"' if any(c in data for c in "\x85\u2028\u2029") else None
    return dumper.represent_scalar(_STR, data, style=style)


_Dumper.add_representer(str, _represent_str)


# --------------------------------------------------------------------------
# the builder: walks the nodes, collects every error


_FORMS = (
    "range",
    "normal",
    "lognormal",
    "uniform",
    "triangular",
    "pert",
    "beta",
    "constant",
    "probability",
    "categorical",
)
_PARAMS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "lognormal": ("mu", "sigma"),
    "uniform": ("min", "max"),
    "triangular": ("min", "mode", "max"),
    "pert": ("min", "mode", "max"),
    "beta": ("alpha", "beta"),
}
_DRIVER_META = ("label", "unit", "note", "source")
_RANGE_EXTRA = ("shape", "confidence", "mode", "lambda")


class _Bad(Exception):
    """Raised inside the builder once an error is recorded, to skip a value."""


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[ScenarioError] = []

    # -- helpers ---------------------------------------------------------

    def loc(self, y: _Y, key_path: str) -> Location:
        return Location(self.path, y.line, y.col, key_path)

    def key_loc(self, parent: _Y, key: str, key_path: str) -> Location:
        line, col = parent.keys.get(key, (parent.line, parent.col))
        return Location(self.path, line, col, key_path)

    def err(self, where: Location, problem: str, *, got: object = None, hint: str = "") -> _Bad:
        self.errors.append(ScenarioError(where, problem, got=got, hint=hint))
        return _Bad()

    def guard(self, fn: Callable[..., Any]) -> Any:
        try:
            return fn()
        except _Bad:
            return None
        except ScenarioError as exc:
            self.errors.append(exc)
            return None

    def mapping(
        self,
        y: _Y,
        kp: str,
        *,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
        what: str = "a mapping",
    ) -> dict[str, _Y]:
        if y.kind != "map":
            raise self.err(self.loc(y, kp), f"expected {what}", got=_show_y(y))
        allowed = required + optional
        free = not allowed
        out: dict[str, _Y] = {}
        for key, value in y.items():
            if not free and key not in allowed:
                self.err(
                    self.key_loc(y, key, _join(kp, key)),
                    f"unknown key {key!r}",
                    hint=did_you_mean(key, allowed),
                )
                continue
            out[key] = value
        for key in required:
            if key not in y.value:
                self.err(self.loc(y, kp), f"missing required key {key!r}")
        return out

    def text(self, y: _Y, kp: str, what: str = "text") -> str:
        v = y.value
        if y.kind == "scalar" and isinstance(v, bool):
            raise self.yes_no(y, kp, what, f"quote it, '{y.raw}', for text")
        if y.kind != "scalar" or v is None or isinstance(v, dict | list):
            raise self.err(self.loc(y, kp), f"expected {what}", got=_show_y(y))
        if isinstance(v, int | float) and y.raw:
            return y.raw  # the text as written: `title: 2e4` is "2e4", not "20000.0"
        return str(v)

    def yes_no(self, y: _Y, kp: str, expected: str, fix: str) -> _Bad:
        """A YAML true/false where something else belongs: say that YAML read it so."""
        if y.raw is None:  # plain data, not YAML
            return self.err(self.loc(y, kp), f"expected {expected}", got=y.value)
        return self.err(
            self.loc(y, kp), f"expected {expected} (got {y.raw}: YAML reads true/false as yes/no values; {fix})"
        )

    def number(self, y: _Y, kp: str) -> float:
        v = y.value
        if y.kind == "scalar" and isinstance(v, bool):
            raise self.yes_no(y, kp, "a number", "write 1 or 0 for a number")
        if y.kind != "scalar" or not isinstance(v, int | float):
            raise self.err(self.loc(y, kp), "expected a number", got=_show_y(y))
        try:
            f = float(v)
        except OverflowError:
            raise self.err(self.loc(y, kp), f"number is too large ({len(str(abs(v)))} digits)") from None
        if not math.isfinite(f):
            raise self.err(self.loc(y, kp), "expected a finite number", got=v)
        return f

    def prob(self, y: _Y, kp: str) -> float:
        p = self.number(y, kp)
        if not 0.0 <= p <= 1.0:
            raise self.err(self.loc(y, kp), "probability must lie in [0, 1]", got=p)
        return p

    def positive(self, y: _Y, kp: str) -> float:
        v = self.number(y, kp)
        if v <= 0:
            raise self.err(self.loc(y, kp), "must be positive", got=v)
        return v

    def ident(self, y: _Y, name: str, kp: str) -> None:
        if not _IDENT.match(name):
            raise self.err(
                self.key_loc(y, name, kp),
                "a name must start with a letter or _ and hold only letters, digits and _",
                got=name,
            )
        if name in _RESERVED:
            raise self.err(self.key_loc(y, name, kp), f"{name!r} is a reserved word and cannot be a name")
        if name in _YAML_WORDS:
            raise self.err(
                self.key_loc(y, name, kp),
                f"{name!r} is a reserved word and cannot be a name (YAML reads it as {_YAML_WORDS[name]}, "
                "so it could not be referred to)",
            )

    def numbers(self, y: _Y, kp: str, n: int, what: str) -> list[float]:
        if y.kind != "seq" or len(y.value) != n:
            raise self.err(self.loc(y, kp), f"expected {what}", got=_show_y(y))
        vals = [self.guard(lambda i=i, v=v: self.number(v, f"{kp}[{i}]")) for i, v in enumerate(y.value)]
        if any(v is None for v in vals):
            raise _Bad()
        return [float(v) for v in vals]

    def expr(
        self,
        y: _Y,
        kp: str,
        names: dict[str, NameKind],
        refused: dict[str, str] | None = None,
        *,
        number: bool = False,
    ) -> Expression:
        """Compile an expression; ``number`` where a number belongs (a YAML true/false is then refused)."""
        if number and y.kind == "scalar" and isinstance(y.value, bool):
            raise self.yes_no(y, kp, "a number or an expression", "write 1 or 0 for a number")
        if y.kind != "scalar" or y.value is None or not isinstance(y.value, str | int | float | bool):
            raise self.err(self.loc(y, kp), "expected an expression or a number", got=_show_y(y))
        where = Location(self.path, y.text_line or y.line, y.text_col, kp)
        return compile_expression(y.value, where=where, names=names, refused_names=refused)

    def source_ref(self, y: _Y, kp: str) -> SourceRef:
        m = self.mapping(y, kp, optional=("ref", "quote", "note"))
        ref = self.guard(lambda: self.text(m["ref"], kp + ".ref")) if "ref" in m else ""
        if ref and ref not in self.source_ids:
            self.err(
                self.loc(m["ref"], kp + ".ref"), f"unknown source {ref!r}", hint=did_you_mean(ref, self.source_ids)
            )
        quote = self.guard(lambda: self.text(m["quote"], kp + ".quote")) if "quote" in m else ""
        note = self.guard(lambda: self.text(m["note"], kp + ".note")) if "note" in m else ""
        return SourceRef(ref or "", quote or "", note or "")

    def meta(self, m: dict[str, _Y], kp: str, keys: tuple[str, ...]) -> dict[str, str]:
        out = {}
        for k in keys:
            if k in m:
                out[k] = self.guard(lambda k=k: self.text(m[k], f"{kp}.{k}")) or ""
        return out

    # -- the file ----------------------------------------------------------

    def build(self, root: _Y) -> Scenario:
        top = self.guard(
            lambda: self.mapping(
                root,
                "",
                required=("outlook", "id", "title", "question", "as_of", "horizons", "drivers", "scenarios"),
                optional=("description", "sources", "correlations", "correlation_repair", "derived", "events"),
                what="a mapping of scenario keys",
            )
        )
        if top is None:
            raise ScenarioErrors(self.errors)
        version = self.guard(lambda: self.version(top["outlook"])) if "outlook" in top else None
        if version is None and "outlook" in top:
            raise ScenarioErrors(self.errors)
        sid = self.guard(lambda: self.slug(top["id"])) if "id" in top else ""
        title = self.guard(lambda: self.text(top["title"], "title")) if "title" in top else ""
        question = self.guard(lambda: self.text(top["question"], "question")) if "question" in top else ""
        as_of = self.guard(lambda: self.date(top["as_of"])) if "as_of" in top else None
        description = self.guard(lambda: self.text(top["description"], "description")) if "description" in top else ""
        sources = self.guard(lambda: self.sources(top["sources"])) if "sources" in top else ()
        self.source_ids = [s.id for s in sources or ()]
        horizons = self.guard(lambda: self.horizons(top["horizons"], as_of)) if "horizons" in top else ()
        self.horizon_ids = [h.id for h in horizons or ()]
        self.names: dict[str, str] = {}
        drivers = self.guard(lambda: self.drivers(top["drivers"])) if "drivers" in top else ()
        drivers = drivers or ()
        repair = self.guard(lambda: self.repair(top["correlation_repair"])) if "correlation_repair" in top else "none"
        correlations = (
            self.guard(lambda: self.correlations(top["correlations"], drivers, repair or "none"))
            if "correlations" in top
            else ()
        )
        derived_raw = top.get("derived")
        events_raw = top.get("events")
        # register every name first, so that order in the file does not matter
        for section, raw in (("derived", derived_raw), ("events", events_raw)):
            if raw is not None and raw.kind == "map":
                for name in raw.value:
                    self.guard(lambda n=name, s=section, r=raw: self.claim(r, n, s))
        # what each name holds; a driver or derived quantity that failed validation is still declared,
        # of unknown kind (ANY): no "unknown name" or "not a condition" cascade
        self.kinds: dict[str, NameKind] = {n: ANY for n, s in self.names.items() if s in ("drivers", "derived")}
        self.kinds.update({d.id: _kind(d) for d in drivers})
        derived = self.guard(lambda: self.derived(derived_raw)) if derived_raw is not None else ()
        events = self.guard(lambda: self.events(events_raw)) if events_raw is not None else ()
        rules = self.guard(lambda: self.rules(top["scenarios"])) if "scenarios" in top else ()
        if self.errors:
            raise ScenarioErrors(self.errors)
        return Scenario(
            version=int(version or FORMAT_VERSION),
            id=sid or "",
            title=title or "",
            question=question or "",
            as_of=as_of or dt.date(1970, 1, 1),
            horizons=tuple(horizons or ()),
            drivers=tuple(drivers),
            rules=tuple(rules or ()),
            derived=tuple(derived or ()),
            events=tuple(events or ()),
            correlations=tuple(correlations or ()),
            correlation_repair=repair or "none",
            sources=tuple(sources or ()),
            description=description or "",
            path=self.path,
        )

    def version(self, y: _Y) -> int:
        if y.value != FORMAT_VERSION or isinstance(y.value, bool):
            raise self.err(
                self.loc(y, "outlook"),
                f"unsupported format version; this outlook reads version {FORMAT_VERSION}",
                got=y.value,
            )
        return FORMAT_VERSION

    def slug(self, y: _Y) -> str:
        s = self.text(y, "id")
        if not _SLUG.match(s):
            raise self.err(self.loc(y, "id"), "id must be lowercase letters, digits and '-'", got=s)
        return s

    def date(self, y: _Y) -> dt.date:
        """A date written as text, 2024-11-01 (YAML 1.2 has no date type; a YAML 1.1 timestamp's time is ignored)."""
        v = y.value
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date):
            return v
        m = _DATE.match(v) if isinstance(v, str) else None
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError as exc:
                raise self.err(self.loc(y, "as_of"), f"invalid value: {exc}", got=v) from None
        raise self.err(self.loc(y, "as_of"), "expected a date such as 2024-11-01", got=_show_y(y))

    def repair(self, y: _Y) -> str:
        v = self.text(y, "correlation_repair")
        if v not in ("none", "nearest"):
            raise self.err(
                self.loc(y, "correlation_repair"),
                "expected 'none' or 'nearest'",
                got=v,
                hint=did_you_mean(v, ("none", "nearest")),
            )
        return v

    def sources(self, y: _Y) -> tuple[Source, ...]:
        m = self.mapping(y, "sources", what="a mapping of source ids")
        out = []
        for sid, sy in m.items():
            kp = f"sources.{sid}"

            def one(sid: str = sid, sy: _Y = sy, kp: str = kp) -> Source:
                self.ident(y, sid, kp)
                sm = self.mapping(sy, kp, required=("title",), optional=("publisher", "date", "file", "url", "note"))
                f = self.meta(sm, kp, ("title", "publisher", "date", "file", "url", "note"))
                if "title" not in sm:
                    raise _Bad()  # reported as a missing key
                return Source(sid, where=self.loc(sy, kp), **f)

            s = self.guard(one)
            if s is not None:
                out.append(s)
        return tuple(out)

    def horizons(self, y: _Y, as_of: dt.date | None) -> tuple[Horizon, ...]:
        m = self.mapping(y, "horizons", what="a mapping of horizon ids")
        if not m:
            raise self.err(self.loc(y, "horizons"), "at least one horizon is needed")
        out: list[Horizon] = []
        for hid, hy in m.items():
            kp = f"horizons.{hid}"

            def one(hid: str = hid, hy: _Y = hy, kp: str = kp) -> Horizon:
                self.ident(y, hid, kp)
                hm = self.mapping(hy, kp, required=("until",), optional=("label", "note"))
                f = self.meta(hm, kp, ("label", "note"))
                if "until" not in hm:
                    raise _Bad()
                uy = hm["until"]
                text = uy.raw if uy.raw is not None else str(uy.value)
                try:
                    years = parse_duration(text)
                except ValueError as exc:
                    raise self.err(self.loc(uy, kp + ".until"), str(exc), got=uy.value) from None
                if as_of is not None and _end_date(as_of, years) is None:
                    raise self.err(
                        self.loc(uy, kp + ".until"),
                        f"horizon ends after the year 9999 ({as_of.isoformat()} + {text}), "
                        "past the last date a report can show",
                    )
                return Horizon(hid, f.get("label") or hid, years, text, f.get("note", ""), self.loc(hy, kp))

            h = self.guard(one)
            if h is None:
                continue
            if out and h.until <= out[-1].until:
                self.err(
                    self.loc(hy.value["until"], kp + ".until"),
                    f"horizons must be in increasing order: {h.text} is not after {out[-1].id} ({out[-1].text})",
                )
                continue
            out.append(h)
        return tuple(out)

    def claim(self, parent: _Y, name: str, section: str) -> None:
        kp = f"{section}.{name}"
        self.ident(parent, name, kp)
        if name in self.names:
            raise self.err(
                self.key_loc(parent, name, kp), f"name {name!r} is already used by {self.names[name]}.{name}"
            )
        self.names[name] = section

    def drivers(self, y: _Y) -> tuple[Driver, ...]:
        m = self.mapping(y, "drivers", what="a mapping of driver ids")
        out = []
        for name, dy in m.items():
            d = self.guard(lambda name=name, dy=dy: self.driver(y, name, dy))
            if d is not None:
                out.append(d)
        return tuple(out)

    def driver(self, parent: _Y, name: str, y: _Y) -> Driver:
        kp = f"drivers.{name}"
        self.claim(parent, name, "drivers")
        if y.kind == "scalar" and isinstance(y.value, int | float):
            # the shorthand `k: 5` for `k: {constant: 5}`: the same number, validated the same way
            v = self.number(y, kp)
            return Driver(name, dist.Constant(v), (("constant", v),), where=self.loc(y, kp))
        if y.kind != "map":
            raise self.err(self.loc(y, kp), "expected a mapping with a distribution", got=_show_y(y))
        forms = [k for k in y.value if k in _FORMS]
        if not forms:
            # a misspelt form ("rnage") is better reported as an unknown key with a hint
            before = len(self.errors)
            self.mapping(y, kp, optional=(*_DRIVER_META, *_FORMS, *_RANGE_EXTRA))
            if len(self.errors) > before:
                raise _Bad()
            raise self.err(self.loc(y, kp), "missing a distribution: one of " + ", ".join(_FORMS))
        if len(forms) > 1:
            raise self.err(
                self.key_loc(y, forms[1], kp), f"has both {forms[0]!r} and {forms[1]!r}; give one distribution"
            )
        form = forms[0]
        extra = _RANGE_EXTRA if form == "range" else ("lambda",) if form == "pert" else ()
        m = self.mapping(y, kp, optional=(*_DRIVER_META, form, *extra))
        meta = self.meta(m, kp, ("label", "unit", "note"))
        source = self.guard(lambda: self.source_ref(m["source"], kp + ".source")) if "source" in m else None
        d, spec = self.distribution(form, m, kp)
        overflow = dist.overflow_problem(d)  # known at load: refuse now rather than at run time
        if overflow:
            raise self.err(self.loc(m[form], f"{kp}.{form}"), overflow)
        return Driver(
            name, d, spec, meta.get("label", ""), meta.get("unit", ""), meta.get("note", ""), source, self.loc(y, kp)
        )

    def distribution(
        self, form: str, m: dict[str, _Y], kp: str
    ) -> tuple[dist.Distribution, tuple[tuple[str, Any], ...]]:
        fy = m[form]
        fkp = f"{kp}.{form}"
        if form == "range":
            return self.range_dist(m, kp)
        if form == "constant":
            v = self.number(fy, fkp)
            return dist.Constant(v), (("constant", v),)
        if form == "probability":
            p = self.prob(fy, fkp)
            return dist.Bernoulli(p), (("probability", p),)
        if form == "categorical":
            cm = self.mapping(fy, fkp, what="a mapping of category: probability")
            if not cm:
                raise self.err(self.loc(fy, fkp), "needs at least one category")
            probs = {c: self.guard(lambda c=c, v=v: self.prob(v, f"{fkp}.{c}")) for c, v in cm.items()}
            if any(p is None for p in probs.values()):
                raise _Bad()
            total = sum(probs.values())
            if abs(total - 1.0) > 1e-9:
                raise self.err(self.loc(fy, fkp), "category probabilities must sum to 1", got=round(total, 12))
            cats = tuple(str(c) for c in probs)
            ps = tuple(float(p) for p in probs.values())
            return dist.Categorical(cats, ps), (("categorical", tuple(zip(cats, ps))),)
        params = _PARAMS[form]
        if fy.kind == "seq" and len(fy.value) == len(params):
            vals = dict(zip(params, self.numbers(fy, fkp, len(params), "")))
        else:
            opt = ("lambda",) if form == "pert" else ()
            pm = self.mapping(fy, fkp, required=params, optional=opt, what=f"a mapping {{{', '.join(params)}}}")
            got = {k: self.guard(lambda k=k: self.number(pm[k], f"{fkp}.{k}")) for k in pm}
            if any(v is None for v in got.values()) or any(k not in got for k in params):
                raise _Bad()
            vals = {k: float(v) for k, v in got.items()}
        where = self.loc(fy, fkp)
        spec: tuple[tuple[str, Any], ...] = ((form, tuple(vals.items())),)
        if form == "normal":
            if vals["sd"] <= 0:
                raise self.err(where, "sd must be positive", got=vals["sd"])
            return dist.Normal(vals["mean"], vals["sd"]), spec
        if form == "lognormal":
            if vals["sigma"] <= 0:
                raise self.err(where, "sigma must be positive", got=vals["sigma"])
            return dist.LogNormal(vals["mu"], vals["sigma"]), spec
        if form == "beta":
            if vals["alpha"] <= 0 or vals["beta"] <= 0:
                raise self.err(where, "alpha and beta must be positive", got=[vals["alpha"], vals["beta"]])
            return dist.Beta(vals["alpha"], vals["beta"]), spec
        lo, hi = vals["min"], vals["max"]
        if lo >= hi:
            raise self.err(where, f"min {_num(lo)} must be below max {_num(hi)}", got=[lo, hi])
        if form == "uniform":
            return dist.Uniform(lo, hi), spec
        mode = vals["mode"]
        if not lo <= mode <= hi:
            raise self.err(where, f"mode {_num(mode)} must lie between min and max", got=[lo, mode, hi])
        if form == "triangular":
            return dist.Triangular(lo, mode, hi), spec
        lam = vals.get("lambda", 4.0)
        if "lambda" in m and "lambda" not in vals:
            lam = self.positive(m["lambda"], kp + ".lambda")
            spec = (*spec, ("lambda", lam))
        if lam <= 0:
            raise self.err(where, "lambda must be positive", got=lam)
        return dist.pert(lo, mode, hi, lam), spec

    def range_dist(self, m: dict[str, _Y], kp: str) -> tuple[dist.Distribution, tuple[tuple[str, Any], ...]]:
        ry = m["range"]
        rkp = kp + ".range"
        lo, hi = self.numbers(ry, rkp, 2, "[low, high]")
        if "shape" not in m:
            raise self.err(self.loc(ry, rkp), "a range needs a shape: one of " + ", ".join(dist.RANGE_SHAPES))
        shape = self.text(m["shape"], kp + ".shape")
        if shape not in dist.RANGE_SHAPES:
            raise self.err(
                self.loc(m["shape"], kp + ".shape"),
                "unknown shape; expected one of " + ", ".join(dist.RANGE_SHAPES),
                got=shape,
                hint=did_you_mean(shape, dist.RANGE_SHAPES),
            )
        if lo > hi:
            raise self.err(
                self.loc(ry, rkp),
                f"low {_num(lo)} > high {_num(hi)}",
                got=[lo, hi],
                hint=f"Did you mean [{_num(hi)}, {_num(lo)}]?",
            )
        if lo == hi:
            raise self.err(self.loc(ry, rkp), "low equals high; use constant: for a fixed value", got=[lo, hi])
        bounded = shape in ("uniform", "triangular", "pert")
        conf = 0.9
        spec: list[tuple[str, Any]] = [("range", (lo, hi)), ("shape", shape)]
        if "confidence" in m:
            cy = m["confidence"]
            conf = self.number(cy, kp + ".confidence")
            if not (0 < conf < 1 or (conf == 1 and bounded)):
                allowed = "(0, 1], 1 meaning hard bounds" if bounded else "(0, 1)"
                raise self.err(self.loc(cy, kp + ".confidence"), f"confidence must lie in {allowed}", got=conf)
            spec.append(("confidence", conf))
        if shape == "lognormal" and lo <= 0:
            raise self.err(self.loc(ry, rkp), "a lognormal range must be positive", got=[lo, hi])
        if shape == "beta" and not (0 < lo and hi < 1):
            raise self.err(self.loc(ry, rkp), "a beta range must lie inside (0, 1)", got=[lo, hi])
        mode = None
        if shape in ("triangular", "pert"):
            if "mode" not in m:
                raise self.err(self.loc(ry, rkp), f"a {shape} range needs a mode")
            mode = self.number(m["mode"], kp + ".mode")
            if not lo < mode < hi:
                raise self.err(
                    self.loc(m["mode"], kp + ".mode"),
                    f"mode must lie inside the range [{_num(lo)}, {_num(hi)}]",
                    got=mode,
                )
            spec.append(("mode", mode))
        elif "mode" in m:
            raise self.err(
                self.key_loc(m["mode"], "mode", kp + ".mode"),
                f"mode applies only to triangular and pert ranges, not {shape}",
            )
        lam = 4.0
        if "lambda" in m:
            if shape != "pert":
                raise self.err(
                    self.loc(m["lambda"], kp + ".lambda"), f"lambda applies only to pert ranges, not {shape}"
                )
            lam = self.positive(m["lambda"], kp + ".lambda")
            spec.append(("lambda", lam))
        try:
            d = dist.from_range(shape, lo, hi, confidence=conf, mode=mode, lam=lam)
        except ValueError as exc:
            raise self.err(self.loc(ry, rkp), str(exc), got=[lo, hi]) from None
        return d, tuple(spec)

    def correlations(self, y: _Y, drivers: tuple[Driver, ...], repair: str) -> tuple[Correlation, ...]:
        if y.kind != "seq":
            raise self.err(self.loc(y, "correlations"), "expected a list of [driver, driver, rho]", got=_show_y(y))
        by_name = {d.id: d for d in drivers}
        out: list[Correlation] = []
        seen: dict[frozenset[str], int] = {}
        for i, item in enumerate(y.value):
            kp = f"correlations[{i}]"

            def one(item: _Y = item, kp: str = kp, i: int = i) -> Correlation:
                if item.kind != "seq" or len(item.value) != 3:
                    raise self.err(self.loc(item, kp), "expected [driver, driver, rho]", got=_show_y(item))
                a, b = (self.text(v, f"{kp}[{j}]") for j, v in enumerate(item.value[:2]))
                for j, n in ((0, a), (1, b)):
                    if n not in by_name:
                        raise self.err(
                            self.loc(item.value[j], f"{kp}[{j}]"),
                            f"unknown driver {n!r}",
                            hint=did_you_mean(n, by_name),
                        )
                    if by_name[n].kind == "constant":
                        raise self.err(
                            self.loc(item.value[j], f"{kp}[{j}]"),
                            f"driver {n!r} is a constant and cannot be correlated",
                        )
                if a == b:
                    raise self.err(self.loc(item, kp), f"a driver cannot be correlated with itself ({a!r})")
                rho = self.number(item.value[2], f"{kp}[2]")
                if not -1 <= rho <= 1:
                    raise self.err(self.loc(item.value[2], f"{kp}[2]"), "rank correlation must lie in [-1, 1]", got=rho)
                key = frozenset((a, b))
                if key in seen:
                    raise self.err(self.loc(item, kp), f"pair [{a}, {b}] is already given at correlations[{seen[key]}]")
                seen[key] = i
                return Correlation(a, b, rho, self.loc(item, kp))

            c = self.guard(one)
            if c is not None:
                out.append(c)
        if len(out) == len(y.value) and out:
            # judged as a whole, over the correlated drivers in file order, as compile_model does
            involved = {n for c in out for n in (c.a, c.b)}
            order = [d.id for d in drivers if d.id in involved]
            index = {n: k for k, n in enumerate(order)}
            pairs = [(index[c.a], index[c.b], c.rho) for c in out]
            judged = dist.correlation_matrix(len(order), pairs)  # compile_model repairs, if asked
            if not judged.valid and repair != "nearest":
                raise self.err(
                    out[judged.conflict_pairs(pairs)[0]].where,
                    judged.describe_conflict(order, pairs) + "; change them, or set correlation_repair: nearest",
                )
        return tuple(out)

    def value_names(self) -> dict[str, NameKind]:
        """Names an expression may read (drivers and derived quantities), each with its kind."""
        return dict(self.kinds)

    def derived(self, y: _Y) -> tuple[Derived, ...]:
        m = self.mapping(y, "derived", what="a mapping of derived quantities")
        refused = {
            n: "is an event; events can appear only in scenario rules" for n, s in self.names.items() if s == "events"
        }
        # read every entry first, then compile in the order they refer to each other, so that each
        # one knows whether the quantities it reads are numbers or conditions
        found: dict[str, tuple[_Y, str, dict[str, str], _Y]] = {}
        for name, dy in m.items():
            kp = f"derived.{name}"

            def one(name: str = name, dy: _Y = dy, kp: str = kp) -> tuple[_Y, str, dict[str, str], _Y]:
                if dy.kind == "map":
                    dm = self.mapping(dy, kp, required=("expr",), optional=("label", "unit", "note"))
                    meta = self.meta(dm, kp, ("label", "unit", "note"))
                    if "expr" not in dm:
                        raise _Bad()
                    return dm["expr"], kp + ".expr", meta, dy
                return dy, kp, {}, dy

            item = self.guard(one)
            if item is not None:
                found[name] = item
        deps = {n: [d for d in names_in(ey.value) if d in found and d != n] for n, (ey, _, _, _) in found.items()}
        order = self.toposort(deps, {n: self.loc(dy, f"derived.{n}") for n, (_, _, _, dy) in found.items()}, "derived")
        items: dict[str, Derived] = {}
        for name in order:
            ey, ekp, meta, dy = found[name]
            names = {k: v for k, v in self.value_names().items() if k != name}
            e = self.guard(lambda ey=ey, ekp=ekp, names=names: self.expr(ey, ekp, names, refused))
            if e is None:
                continue
            self.kinds[name] = e.kind
            items[name] = Derived(
                name,
                e,
                meta.get("label", ""),
                meta.get("unit", ""),
                meta.get("note", ""),
                self.loc(dy, f"derived.{name}"),
            )
        return tuple(items[n] for n in order if n in items)

    def toposort(self, deps: dict[str, list[str]], where: dict[str, Location], section: str) -> list[str]:
        """``deps``' names, each after those it depends on; a cycle is reported once, at its first name."""
        order: list[str] = []
        state: dict[str, int] = {}
        reported: set[str] = set()
        position = {n: i for i, n in enumerate(deps)}

        def visit(n: str, stack: list[str]) -> None:
            if state.get(n) == 2:
                return
            if state.get(n) == 1:
                cycle = [*stack[stack.index(n) :], n]
                if not reported.intersection(cycle):
                    reported.update(cycle)
                    what = (
                        "events depend on each other through after/requires"
                        if section == "events"
                        else f"{section} quantities refer to each other"
                    )
                    self.err(where[n], f"{what} in a cycle: " + " -> ".join(cycle))
                return
            state[n] = 1
            for d in sorted(set(deps[n]), key=position.__getitem__):
                visit(d, [*stack, n])
            state[n] = 2
            order.append(n)

        for n in deps:
            visit(n, [])
        return order

    def events(self, y: _Y) -> tuple[Event, ...]:
        m = self.mapping(y, "events", what="a mapping of events")
        names = self.value_names()
        event_names = [n for n, s in self.names.items() if s == "events"]
        refused = dict.fromkeys(event_names, "is an event; use after: or requires: to make a hazard depend on it")
        items: dict[str, Event] = {}
        for name, ey in m.items():
            kp = f"events.{name}"

            def one(name: str = name, ey: _Y = ey, kp: str = kp) -> Event:
                em = self.mapping(ey, kp, optional=("rate", "by", "after", "requires", "label", "note", "source"))
                meta = self.meta(em, kp, ("label", "note"))
                source = self.guard(lambda: self.source_ref(em["source"], kp + ".source")) if "source" in em else None
                if ("rate" in em) == ("by" in em):
                    what = (
                        "has both 'rate' and 'by'"
                        if "rate" in em
                        else "needs 'rate' (hazard per year) or 'by' (probabilities by horizon)"
                    )
                    raise self.err(self.loc(ey, kp), what)
                rate = None
                by: tuple[tuple[str, Expression], ...] = ()
                if "rate" in em:
                    rate = self.expr(em["rate"], kp + ".rate", names, refused, number=True)
                    if rate.constant is not None and rate.constant < 0:
                        raise self.err(
                            self.loc(em["rate"], kp + ".rate"), "rate must not be negative", got=rate.constant
                        )
                else:
                    by = self.by(em["by"], kp + ".by", names, refused)
                after: list[tuple[str, float]] = []
                if "after" in em:
                    am = self.mapping(em["after"], kp + ".after", what="a mapping of event: factor")
                    for other, fy in am.items():
                        akp = f"{kp}.after.{other}"
                        self.guard(
                            lambda other=other, akp=akp: self.event_name(em["after"], other, name, event_names, akp)
                        )
                        f = self.guard(lambda fy=fy, akp=akp: self.number(fy, akp))
                        if f is not None and f < 0:
                            self.err(self.loc(fy, akp), "factor must not be negative", got=f)
                        elif f is not None:
                            after.append((other, f))
                requires: list[str] = []
                if "requires" in em:
                    ry = em["requires"]
                    rlist = ry.value if ry.kind == "seq" else [ry]
                    for i, item in enumerate(rlist):
                        rkp = f"{kp}.requires[{i}]"
                        n = self.guard(lambda item=item, rkp=rkp: self.text(item, rkp, "an event name"))
                        if (
                            n is not None
                            and self.guard(
                                lambda n=n, item=item, rkp=rkp: self.event_ref(item, n, name, event_names, rkp)
                            )
                            is not None
                        ):
                            requires.append(n)
                return Event(
                    name,
                    rate,
                    by,
                    tuple(after),
                    tuple(requires),
                    meta.get("label", ""),
                    meta.get("note", ""),
                    source,
                    self.loc(ey, kp),
                )

            e = self.guard(one)
            if e is not None:
                items[name] = e
        deps = {
            n: [o for o, _ in e.after if o in items] + [o for o in e.requires if o in items] for n, e in items.items()
        }
        order = self.toposort(deps, {n: e.where for n, e in items.items()}, "events")
        return tuple(items[n] for n in order)

    def event_name(self, parent: _Y, other: str, me: str, event_names: list[str], kp: str) -> str:
        return self.event_ref(parent, other, me, event_names, kp, key=True)

    def event_ref(self, y: _Y, other: str, me: str, event_names: list[str], kp: str, key: bool = False) -> str:
        where = self.key_loc(y, other, kp) if key else self.loc(y, kp)
        if other == me:
            raise self.err(where, f"event {me!r} cannot depend on itself")
        if other not in event_names:
            raise self.err(where, f"unknown event {other!r}", hint=did_you_mean(other, event_names))
        return other

    def by(
        self, y: _Y, kp: str, names: dict[str, NameKind], refused: dict[str, str]
    ) -> tuple[tuple[str, Expression], ...]:
        m = self.mapping(y, kp, what="a mapping of horizon: probability")
        if not m:
            raise self.err(self.loc(y, kp), "needs at least one horizon: probability")
        got: dict[str, tuple[Expression, _Y]] = {}
        for hid, py in m.items():
            hkp = f"{kp}.{hid}"
            if hid not in self.horizon_ids:
                self.err(
                    self.key_loc(y, hid, hkp), f"unknown horizon {hid!r}", hint=did_you_mean(hid, self.horizon_ids)
                )
                continue
            e = self.guard(lambda py=py, hkp=hkp: self.expr(py, hkp, names, refused, number=True))
            if e is None:
                continue
            if e.constant is not None and not 0 <= e.constant <= 1:
                self.err(self.loc(py, hkp), "probability must lie in [0, 1]", got=e.constant)
                continue
            got[hid] = (e, py)
        ordered = [(h, got[h]) for h in self.horizon_ids if h in got]
        prev: tuple[str, float] | None = None
        for hid, (e, py) in ordered:
            if e.constant is None:
                continue
            if prev is not None and e.constant < prev[1]:
                self.err(
                    self.loc(py, f"{kp}.{hid}"),
                    f"cumulative probability falls from {_num(prev[1])} by {prev[0]} to {_num(e.constant)} by {hid}; "
                    "it cannot decrease over time",
                )
            prev = (hid, e.constant)
        return tuple((h, e) for h, (e, _) in ordered)

    def rules(self, y: _Y) -> tuple[ScenarioRule, ...]:
        m = self.mapping(y, "scenarios", what="an ordered mapping of scenario: rule")
        names = self.value_names()
        names.update({n: YES_NO for n, s in self.names.items() if s == "events"})
        out: list[ScenarioRule] = []
        ids = list(m)
        for i, (sid, ry) in enumerate(m.items()):
            kp = f"scenarios.{sid}"

            def one(sid: str = sid, ry: _Y = ry, kp: str = kp, i: int = i) -> ScenarioRule:
                self.ident(y, sid, kp)
                if sid in self.names:
                    raise self.err(self.key_loc(y, sid, kp), f"name {sid!r} is already used by {self.names[sid]}.{sid}")
                meta: dict[str, str] = {}
                wy, wkp = ry, kp
                if ry.kind == "map":
                    rm = self.mapping(ry, kp, required=("when",), optional=("label", "description"))
                    meta = self.meta(rm, kp, ("label", "description"))
                    if "when" not in rm:
                        raise _Bad()
                    wy, wkp = rm["when"], kp + ".when"
                if wy.kind == "scalar" and wy.value == "otherwise":
                    if i != len(ids) - 1:
                        raise self.err(
                            self.loc(wy, wkp),
                            f"'otherwise' must be the last scenario; {ids[i + 1]!r} after it would never be reached",
                        )
                    when = None
                else:
                    when = self.expr(wy, wkp, names)
                    if when.kind == NUMBER:
                        raise self.err(when.where, "a scenario rule needs a condition, not a number", got=when.text)
                return ScenarioRule(sid, when, meta.get("label", ""), meta.get("description", ""), self.loc(ry, kp))

            r = self.guard(one)
            if r is not None:
                out.append(r)
        if not ids:
            raise self.err(self.loc(y, "scenarios"), "at least one scenario is needed")
        last = m[ids[-1]]
        last_when = last.value.get("when") if last.kind == "map" else last
        if last_when is None or last_when.kind != "scalar" or last_when.value != "otherwise":
            self.err(
                self.loc(last, f"scenarios.{ids[-1]}"),
                "the last scenario must be 'otherwise', so that every world falls in some scenario",
            )
        return tuple(out)


def _kind(d: Driver) -> NameKind:
    """What a driver's name holds in an expression: its categories, a yes/no value, or a number."""
    if d.categories is not None:
        return d.categories
    return YES_NO if d.kind == "yes/no" else None


def _end_date(as_of: dt.date, years: float) -> dt.date | None:
    """The date a horizon of ``years`` ends, as reports show it, or ``None`` past the year 9999.

    Whole months are calendar months (the day kept, or the month's last day);
    other durations are ``round(years * 365.25)`` days.
    """
    try:
        months = years * 12.0
        if abs(months - round(months)) < 1e-9:
            y, m = divmod(as_of.month - 1 + round(months), 12)
            year, month = as_of.year + y, m + 1
            return dt.date(year, month, min(as_of.day, calendar.monthrange(year, month)[1]))
        return as_of + dt.timedelta(days=round(years * 365.25))
    except (OverflowError, ValueError):
        return None


def _join(kp: str, key: str) -> str:
    return f"{kp}.{key}" if kp else key


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _show_y(y: _Y) -> object:
    if y.kind == "map":
        return "a mapping"
    if y.kind == "seq":
        try:
            return [v.value if v.kind == "scalar" else "..." for v in y.value]
        except AttributeError:
            return "a list"
    if y.value is None:
        return "nothing"
    return y.value
