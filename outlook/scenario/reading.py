"""Reading scenario text: a file read safely, YAML 1.2 composed into nodes with positions.

Owns the limits (file size, number of values, nesting), reading only regular
files, and composing YAML with PyYAML's safe parser under the YAML 1.2 core
schema with no constructor, counting values as it goes: a :class:`Node` tree
in which every value keeps its line and column. Plain data (a dict) becomes
the same nodes, without positions. Never interprets what the values mean.
"""

from __future__ import annotations

import copy
import math
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import Location, ScenarioError, ScenarioErrors

__all__ = [
    "CORE_RESOLVERS",
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "MAX_NODES",
    "STR_TAG",
    "Node",
    "compose",
    "from_plain",
    "join_key",
    "read_text",
]

MAX_FILE_BYTES = 5_000_000
MAX_NODES = 200_000
MAX_NESTING = 64


def read_text(path: str | Path) -> str:
    """The text of a scenario file, read safely: see :func:`outlook.scenario.load_scenario`.

    Raises
    ------
    ScenarioErrors
        If the file is larger than :data:`MAX_FILE_BYTES`.
    ScenarioError
        If ``path`` is not a path (``0``, which ``os.stat`` would take as a
        file descriptor) or holds a NUL character, or the file cannot be
        read, is not UTF-8, or is not a regular file.
    """
    if not isinstance(path, str | os.PathLike) or isinstance(os.fspath(path), bytes):
        # os.stat(0) would read file descriptor 0, os.stat(b"x") a bytes path: a scenario is named by text
        raise ScenarioError(Location("<scenario>"), "expected the path of a scenario file", got=path)
    where = Location(str(path))
    if "\0" in str(path):
        raise ScenarioError(Location(str(path).replace("\0", "\\0")), "a path cannot hold a NUL character")
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
    return text


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
class Node:
    """A YAML value with its position; mappings keep their keys' positions.

    ``raw`` is a scalar's text as written in the file (``None`` for data that
    came from a dict): what a number reads as where text belongs, and what a
    message quotes. ``override`` is the key path of the override the value
    came from (see :mod:`.overrides`), ``""`` for a value of the file.
    """

    kind: str  # "map", "seq" or "scalar"
    value: Any
    line: int = 0
    col: int = 0
    text_col: int = 0  # column of the first character of a scalar's text
    text_line: int = 0  # line of that character, where not ``line`` (a block scalar)
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)
    raw: str | None = None
    override: str = ""
    #: (line, column) in the file of each character of a scalar's text, where an escape (``"\t"``) or a
    #: folded line makes them differ from ``text_col`` plus the character's place (``None`` otherwise)
    positions: tuple[tuple[int, int], ...] | None = None

    def items(self) -> Iterator[tuple[str, Node]]:
        yield from self.value.items()

    def to_plain(self) -> Any:
        """The value as plain data: dicts, lists and scalars."""
        if self.kind == "map":
            return {k: v.to_plain() for k, v in self.value.items()}
        if self.kind == "seq":
            return [v.to_plain() for v in self.value]
        return self.value


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
STR_TAG, _NULL, _BOOL, _INT, _FLOAT, _SEQ, _MAP = (
    _TAG + t for t in ("str", "null", "bool", "int", "float", "seq", "map")
)
CORE_RESOLVERS = (
    (_NULL, _CORE_NULL, ["~", "n", "N", ""]),
    (_BOOL, _CORE_BOOL, list("tTfF")),
    (_INT, _CORE_INT, list("-+0123456789")),  # before floats: 1 is an int
    (_FLOAT, _CORE_FLOAT, list("-+.0123456789")),
)


class _CoreResolver(yaml.resolver.BaseResolver):
    """Resolves plain scalars by the YAML 1.2 core schema, and nothing else (no timestamps)."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012 (PyYAML's own)


for _tag, _regexp, _first in CORE_RESOLVERS:
    _CoreResolver.add_implicit_resolver(_tag, _regexp, _first)


class _TooMuch(Exception):
    """The file holds more values, or deeper ones, than a scenario can, or says it is not YAML 1.2."""

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

    def scan_directive(self) -> Any:
        """A ``%YAML`` directive other than 1.2 is refused: its values would be read otherwise (``010`` as 8)."""
        token = super().scan_directive()
        if token.name == "YAML" and tuple(token.value) != (1, 2):
            version = ".".join(str(v) for v in token.value)
            problem = (
                f"%YAML {version} is not read here: a scenario file is YAML 1.2 (write %YAML 1.2, or no directive)"
            )
            raise _TooMuch(token.start_mark, problem)
        return token

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        self.budget -= 1  # an alias counts too: a list of a million aliases is a million values
        if self.budget < 0:
            raise _TooMuch(event.start_mark, f"file has more than {MAX_NODES} values")
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise _TooMuch(event.start_mark, f"values are nested too deeply (more than {MAX_NESTING} levels)")
            node = super().compose_node(parent, index)
            if isinstance(event, yaml.AliasEvent) and node is not None:
                # the anchored node, placed where the alias is written: a message about it points at its use
                node = copy.copy(node)
                node.start_mark, node.end_mark = event.start_mark, event.end_mark
            return node
        finally:
            self.depth -= 1


def _count_quickly(text: str) -> bool:
    """Refuse a file with more than MAX_NODES values fast, with libyaml's parser where PyYAML has it.

    A first pass that only counts: libyaml parses a few hundred thousand
    values in a tenth of a second where the pure-Python parser takes
    seconds. It refuses nothing else: anything libyaml cannot parse is left
    to the Python parser to report, with the same messages with or without
    libyaml.

    Returns whether libyaml may also compose the file (:func:`_compose_fast`):
    it parsed as one document with no directive, no alias and no deeper
    nesting than a scenario may have, and its text holds nothing the two
    parsers could read differently (see :data:`_SLOW_TEXT`).
    """
    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML built without libyaml: the composer still counts
        return False
    try:
        parser = CParser(text)
    except (UnicodeError, ValueError):  # text libyaml cannot take (a lone surrogate): the Python parser says why
        return False
    n = depth = documents = 0
    plain = _SLOW_TEXT.search(text) is None and _SLOW_SYNTAX.search(text) is None and text.endswith("\n")
    try:
        while True:
            event = parser.get_event()
            if isinstance(event, yaml.ScalarEvent | yaml.SequenceStartEvent | yaml.MappingStartEvent | yaml.AliasEvent):
                n += 1
                if n > MAX_NODES:
                    raise _TooMuch(event.start_mark, f"file has more than {MAX_NODES} values")
                if isinstance(event, yaml.AliasEvent):
                    plain = False
                elif not isinstance(event, yaml.ScalarEvent):
                    depth += 1
                    plain = plain and depth <= MAX_NESTING
            elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                depth -= 1
            elif isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                plain = plain and event.version is None and not event.tags
            elif event is None or isinstance(event, yaml.StreamEndEvent):
                return plain and documents == 1
    except (yaml.YAMLError, UnicodeError, ValueError):
        return False
    finally:
        parser.dispose()


#: Text the fast path leaves to PyYAML's Python reader: what it refuses as not printable, and tabs, carriage
#: returns, byte-order marks and the line breaks of YAML 1.1 (NEL, LS, PS), where the two readers could place
#: or accept a character differently.
_SLOW_TEXT = re.compile("[^\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")


#: Syntax the fast path leaves to the Python parser, where libyaml reads or places it differently: any tag
#: (``!``: a bare ``!`` on an empty value, a second ``!`` inside a tag) and a block scalar's header running
#: into a comment with no space (``|# note``, which libyaml reads as a comment and PyYAML refuses). A file
#: that does not end with a line break is left to it too (an empty last value is placed differently).
_SLOW_SYNTAX = re.compile(r"!|[|>][-+0-9]*#")


def _compose_fast(text: str) -> yaml.Node | None:
    """The file's nodes composed by libyaml (with the YAML 1.2 core resolver), or ``None`` if it will not.

    The same nodes as :class:`_Loader`'s, with marks that point into
    ``text`` as the Python reader's do, so every later step (positions,
    messages) is unchanged; about three times faster. Only for files
    :func:`_count_quickly` clears.
    """
    try:
        from yaml._yaml import CParser
    except ImportError:
        return None

    class _CLoader(CParser, _CoreResolver):
        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            _CoreResolver.__init__(self)

    loader = _CLoader(text)
    try:
        node = loader.get_single_node()
    except (yaml.YAMLError, UnicodeError, ValueError, RecursionError):
        return None
    finally:
        loader.dispose()
    if node is not None and not _point_marks(node, text):
        return None
    return node


def _point_marks(node: yaml.Node, text: str) -> bool:
    """Give each node's marks the text and character offset (libyaml's ``index``) the Python reader's carry.

    Returns ``False`` (leave the file to the Python parser) at a plain scalar
    in a flow collection that is empty (``{a: , b: 1}``: libyaml places it at
    the next token, the Python parser just after the ``:``) or holds a ``?``
    (``{a: b? c}``: libyaml reads text where the Python parser sees a key
    indicator and refuses the file).
    """
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        n, in_flow = stack.pop()
        if in_flow and isinstance(n, yaml.ScalarNode) and not n.style and (n.value == "" or "?" in n.value):
            return False
        for name in ("start_mark", "end_mark"):
            m = getattr(n, name)
            setattr(n, name, yaml.Mark(m.name, m.index, m.line, m.column, text, m.index))
        flow = bool(getattr(n, "flow_style", False))
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                stack += ((k, flow), (v, flow))
        elif isinstance(n, yaml.SequenceNode):
            stack += ((v, flow) for v in n.value)
    return True


def compose(text: str, path: str) -> Node:
    where = Location(path)
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise ScenarioErrors([ScenarioError(where, f"file is larger than {MAX_FILE_BYTES} bytes")])
    try:
        node: yaml.Node | None = _compose_fast(text) if _count_quickly(text) else None
        if node is None:
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
        tab = _indenting_tab(text, line)
        if tab:
            msg = "YAML does not allow tabs for indentation; use spaces"
            raise ScenarioErrors([ScenarioError(Location(path, line, tab), msg)]) from None
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


def _indenting_tab(text: str, line: int) -> int:
    """The 1-based column of the first tab in line ``line``'s indentation, or 0 if it is indented by spaces only.

    YAML 1.2.2, §6.1: "tab characters must not be used in indentation". A
    syntax error on a line indented with a tab is that, whatever PyYAML's
    scanner calls it ("found character '\\t' that cannot start any token").
    """
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return 0
    s = lines[line - 1]
    indent = s[: len(s) - len(s.lstrip(" \t"))]
    return indent.index("\t") + 1 if "\t" in indent else 0


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of the character at ``index``."""
    index = max(0, min(index, len(text)))
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


#: tag -> what it applies to; any other tag is refused
_NODE_TAGS = {
    STR_TAG: "scalar",
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
    if tag == STR_TAG:
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
) -> Node:
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
        return Node("scalar", None, line, col, col)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Node] = {}
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
                errors.append(ScenarioError(Location(path, kl, kc, join_key(kp, _safe_key(key))), str(exc), got=shown))
                continue
            if key in out:
                first = f"line {keys[key][0]}, column {keys[key][1]}"
                errors.append(
                    ScenarioError(
                        Location(path, kl, kc, join_key(kp, key)), f"duplicate key {key!r} (first at {first})"
                    )
                )
                continue
            keys[key] = (kl, kc)
            out[key] = _convert(vnode, path, errors, budget, join_key(kp, key), depth + 1)
        return Node("map", out, line, col, col, keys=keys)
    if isinstance(node, yaml.SequenceNode):
        items = [_convert(v, path, errors, budget, f"{kp}[{i}]", depth + 1) for i, v in enumerate(node.value)]
        return Node("seq", items, line, col, col)
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
        return Node("scalar", value, line, col, text_col, text_line=text_line, raw=raw)
    text_col = col + 1 if node.style in ("'", '"') else col
    positions = _positions(node, value) if isinstance(value, str) else None
    return Node("scalar", value, line, col, text_col, raw=raw, positions=positions)


#: the length in the file of each escape of a double-quoted scalar (YAML 1.2.2, 5.7), after its backslash
_ESCAPE_LENGTH = {"x": 3, "u": 5, "U": 9}


def _positions(node: yaml.ScalarNode, value: str) -> tuple[tuple[int, int], ...] | None:
    """Where each character of a flow scalar's text is written, if not simply one after the other on its line.

    Aligns the text with its source: each character is matched with the
    next place in the source that writes it (an escape, a folded line break,
    or the character itself); whitespace the folding removed is skipped.
    ``None`` when no alignment is needed (one line, no escape) or none is found.
    """
    start, end = node.start_mark, node.end_mark
    buffer = getattr(start, "buffer", None)
    if node.style in ("|", ">") or not isinstance(buffer, str) or start.pointer is None:
        return None
    source = buffer[start.pointer : end.pointer]
    if "\n" not in source and not (node.style == '"' and "\\" in source):
        return None
    j = 1 if node.style in ("'", '"') else 0
    line, col = start.line + 1, start.column + 1 + j
    out: list[tuple[int, int]] = []

    def step(k: int) -> None:
        nonlocal j, line, col
        for ch in source[j : j + k]:
            line, col = (line + 1, 1) if ch == "\n" else (line, col + 1)
        j += k

    for ch in value:
        while j < len(source):
            s = source[j]
            if node.style == '"' and s == "\\" and j + 1 < len(source) and source[j + 1] != "\n":
                out.append((line, col))
                step(1 + _ESCAPE_LENGTH.get(source[j + 1], 1))
                break
            if s == ch or (ch == " " and s == "\n"):
                out.append((line, col))
                step(1)
                break
            step(1)  # whitespace folded away, or a line continuation
        else:
            return None
    return tuple(out)


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


def from_plain(data: Any, path: str, errors: list[ScenarioError], kp: str = "") -> Node:
    """Plain data as nodes without positions; text that is not Unicode is an error here too."""
    if isinstance(data, dict):
        out: dict[str, Node] = {}
        for k, v in data.items():
            key = str(k)
            if _SURROGATE.search(key):
                errors.append(ScenarioError(Location(path, 0, 0, join_key(kp, _safe_key(key))), _SURROGATE_MSG))
                continue
            out[key] = from_plain(v, path, errors, join_key(kp, key))
        return Node("map", out)
    if isinstance(data, list | tuple):
        return Node("seq", [from_plain(v, path, errors, f"{kp}[{i}]") for i, v in enumerate(data)])
    if isinstance(data, str) and _SURROGATE.search(data):
        errors.append(ScenarioError(Location(path, 0, 0, kp), _SURROGATE_MSG))
        return Node("scalar", None)
    return Node("scalar", data)


_SURROGATE_MSG = "text contains a lone surrogate, which is not a Unicode character"


def join_key(kp: str, key: str) -> str:
    return f"{kp}.{key}" if kp else key
