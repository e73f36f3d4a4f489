"""Reading single values of a scenario file: each one checked, each problem located and kept.

Owns :class:`Reader`: where a node is (file:line:column and key path), the
error-collecting context :meth:`Reader.collecting` that lets a section carry
on past a problem, the readers of one value (a mapping and its allowed keys,
text, a number, a probability, a name, an expression) and the names the
file has declared so far. Never decides what a section means; never samples.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any

from ..errors import Location, ScenarioError, did_you_mean
from .expressions import ANY, FUNCTIONS, NEW_IN, Expression, NameKind, Timing, compile_expression
from .grades import BASES, CONTEXT_REFUSED, CREDIBILITY, REF_KEYS, STANCES, graded
from .reading import Node, join_key
from .records import FORMAT_VERSIONS, SourceRef

__all__ = [
    "Reader",
    "Skip",
    "shown",
]

#: a percentage as YAML text: ``40%``, ``2.5 %``, ``.5%`` (no sign, no exponent)
_PERCENT = re.compile(r"^\s*(\d+(\.\d*)?|\.\d+)\s*%\s*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED = set(keyword.kwlist) | (set(FUNCTIONS) - set(NEW_IN)) | {"true", "false", "pi", "otherwise"}
#: names YAML reads as something other than text (YAML 1.2 core schema), so a rule could not name them
_YAML_WORDS = {
    "TRUE": "a yes/no value",
    "FALSE": "a yes/no value",
    "null": "nothing",
    "Null": "nothing",
    "NULL": "nothing",
}


class Skip(Exception):
    """A problem has been recorded: skip the value it was found in (see :meth:`Reader.collecting`)."""


class _Collecting:
    """:meth:`Reader.collecting`: keep a :class:`ScenarioError` raised in the block, swallow :class:`Skip`."""

    __slots__ = ("errors",)

    def __init__(self, errors: list[ScenarioError]) -> None:
        self.errors = errors

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> bool:
        if kind is None:
            return False
        if issubclass(kind, Skip):
            return True
        if issubclass(kind, ScenarioError):  # from the expression compiler, or a record's own checks
            self.errors.append(exc)  # type: ignore[arg-type]
            return True
        return False


class _Placing:
    """:meth:`Reader.placing`: raise a :class:`ScenarioError` from the block again, located by the reader."""

    __slots__ = ("kp", "node", "reader")

    def __init__(self, reader: Reader, node: Node, kp: str) -> None:
        self.reader, self.node, self.kp = reader, node, kp

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None and issubclass(kind, ScenarioError):
            raise self.reader._placed(exc, self.node, self.kp) from None  # type: ignore[arg-type]


class Reader:
    """Reads the values of one scenario file, keeping every problem it finds.

    A reader method either returns a checked value or records a problem and
    raises :class:`Skip`. A section wraps each independent part in
    ``with reader.collecting(): ...``, so one bad value costs only that
    part and every problem in a file is reported together.

    Parameters
    ----------
    path
        The file's name, as messages show it.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[ScenarioError] = []
        #: every name declared so far (drivers, derived quantities, events) -> its section
        self.names: dict[str, str] = {}
        #: what each driver's and derived quantity's name holds in an expression
        self.kinds: dict[str, NameKind] = {}
        self.source_ids: list[str] = []
        self.horizon_ids: list[str] = []
        #: the ids of the ``context:`` figures (format 1.1), which no expression may read
        self.context_ids: list[str] = []
        #: the format version the file declares (``outlook: 1`` or ``1.1``); the newest until it is read
        self.version: float = FORMAT_VERSIONS[-1]
        #: every name each section defines, valid or not: section -> names (see :meth:`unknown`)
        self.defined: dict[str, frozenset[str]] = {}
        #: the sections whose names cannot be known: absent, misspelt or not a mapping (see :meth:`unknown`)
        self.unknowable: set[str] = set()

    # -- collecting problems -----------------------------------------------

    def collecting(self) -> _Collecting:
        """Run a block; a problem raised inside it is kept, and the rest of the block skipped.

        A context manager (``with reader.collecting(): ...``), entered some
        thousand times a file: a small class, not ``contextlib.contextmanager``,
        whose generator costs several times as much per entry.
        """
        return _Collecting(self.errors)

    def placing(self, node: Node, kp: str) -> _Placing:
        """Locate the problems a record finds in itself: at the node below ``node`` that their key path names.

        A record checks its own invariants when it is made, and names a
        problem by key path alone (``drivers.troops.range``); the reader,
        which knows where ``node`` (the value at ``kp``) and its children
        are written, gives the problem that place. A context manager, as
        :meth:`collecting`.
        """
        return _Placing(self, node, kp)

    def _placed(self, exc: ScenarioError, node: Node, kp: str) -> ScenarioError:
        key_path = exc.where.key_path
        target = node
        if key_path.startswith(kp + "."):
            for part in key_path[len(kp) + 1 :].split("."):
                name, _, index = part.partition("[")  # a list item: mixture[1]
                if target.kind != "map" or name not in target.value:
                    break
                target = target.value[name]
                if index:
                    i = int(index.rstrip("]")) if index.rstrip("]").isdigit() else -1
                    if target.kind != "seq" or not 0 <= i < len(target.value):
                        break
                    target = target.value[i]
        where = Location(self.path, target.line, target.col, key_path, target.override)
        return type(exc)(where, exc.problem, got=exc.got, hint=exc.hint, show_got=exc.show_got)

    def fail(self, where: Location, problem: str, *, got: object = None, hint: str = "") -> Skip:
        """Record a problem; return the :class:`Skip` to raise if the value cannot be used."""
        self.errors.append(ScenarioError(where, problem, got=got, hint=hint))
        return Skip()

    def needs_format(self, where: Location, feature: str, version: float = 1.1) -> None:
        """Refuse ``feature`` (a short noun phrase) in a file that declares a format older than ``version``.

        Raises
        ------
        Skip
            After recording ``<feature> is new in format 1.1: write 'outlook: 1.1' at the top of the file``.
        """
        if self.version < version:
            raise self.fail(
                where, f"{feature} is new in format {version}: write 'outlook: {version}' at the top of the file"
            )

    # -- references to names -----------------------------------------------

    def defined_but_invalid(self, section: str, name: str) -> bool:
        """Whether ``name``, missing from ``section``'s valid names, is one the file does define (or may define).

        True where ``section`` defines ``name`` but its entry failed, or where
        ``section`` itself could not be read (absent though required, written
        under a misspelt key, or not a mapping): its problem is reported
        where it is written, and a reference to the name is no new mistake.
        """
        return section in self.unknowable or name in self.defined.get(section, ())

    def unknown(self, where: Location, what: str, name: str, known: Iterable[str], section: str) -> Skip:
        """Record ``unknown <what> '<name>'``; return the :class:`Skip` to raise.

        The suggestion is drawn from ``known`` and every name ``section``
        defines, valid or not (the name meant may be the one that is invalid).

        Nothing is recorded for a name that ``section`` defines but could not
        read (:meth:`defined_but_invalid`): one bad entry is one problem, not
        one more wherever the name is used (a driver with a reversed range is
        not "unknown driver" in a correlation).
        """
        if not self.defined_but_invalid(section, name):
            hint = did_you_mean(name, dict.fromkeys([*known, *sorted(self.defined.get(section, ()))]))
            self.fail(where, f"unknown {what} {name!r}", hint=hint)
        return Skip()

    def at(self, node: Node, key_path: str) -> Location:
        """Where ``node`` is, named by ``key_path``: its place in the file, or the override that gave it."""
        return Location(self.path, node.line, node.col, key_path, node.override)

    def at_key(self, parent: Node, key: str, key_path: str) -> Location:
        """Where the key ``key`` of the mapping ``parent`` is written (by the override that gave it, if one did)."""
        child = parent.value.get(key) if parent.kind == "map" else None
        if child is not None and child.override and child.override != parent.override:
            return Location(self.path, 0, 0, key_path, child.override)
        line, col = parent.keys.get(key, (parent.line, parent.col))
        return Location(self.path, line, col, key_path, parent.override)

    # -- single values -------------------------------------------------------

    def mapping(
        self,
        node: Node,
        kp: str,
        *,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
        what: str = "a mapping",
    ) -> dict[str, Node]:
        """A mapping's entries; unknown keys (with a hint) and missing required keys are problems.

        With neither ``required`` nor ``optional`` any key is allowed. An
        unknown key is left out; a missing one is reported and the mapping
        returned all the same, so the caller decides whether it can go on.
        """
        if node.kind != "map":
            raise self.fail(self.at(node, kp), f"expected {what}", got=shown(node))
        allowed = required + optional
        out: dict[str, Node] = {}
        for key, value in node.items():
            if allowed and key not in allowed:
                self.fail(
                    self.at_key(node, key, join_key(kp, key)), f"unknown key {key!r}", hint=did_you_mean(key, allowed)
                )
                continue
            out[key] = value
        for key in required:
            if key not in node.value:
                self.fail(self.at(node, kp), f"missing required key {key!r}")
        return out

    def text(self, node: Node, kp: str, what: str = "text") -> str:
        """Text, kept as written: ``title: 2e4`` is ``"2e4"``; a YAML true/false is refused."""
        v = node.value
        if node.kind == "scalar" and isinstance(v, bool):
            raise self.yes_no(node, kp, what, f"quote it, '{node.raw}', for text")
        if node.kind != "scalar" or v is None or isinstance(v, dict | list):
            raise self.fail(self.at(node, kp), f"expected {what}", got=shown(node))
        if isinstance(v, int | float) and node.raw:
            return node.raw  # the text as written: `title: 2e4` is "2e4", not "20000.0"
        return str(v)

    def texts(self, entries: dict[str, Node], kp: str, keys: tuple[str, ...]) -> dict[str, str]:
        """The text of each of ``keys`` present in ``entries``; a bad one is reported and left empty."""
        out = {}
        for k in keys:
            if k in entries:
                out[k] = ""
                with self.collecting():
                    out[k] = self.text(entries[k], f"{kp}.{k}")
        return out

    def yes_no(self, node: Node, kp: str, expected: str, fix: str) -> Skip:
        """A YAML true/false where something else belongs: say that YAML read it so."""
        if node.raw is None:  # plain data, not YAML
            return self.fail(self.at(node, kp), f"expected {expected}", got=node.value)
        return self.fail(
            self.at(node, kp), f"expected {expected} (got {node.raw}: YAML reads true/false as yes/no values; {fix})"
        )

    def number(self, node: Node, kp: str) -> float:
        """A finite number, as a float."""
        v = node.value
        if node.kind == "scalar" and isinstance(v, bool):
            raise self.yes_no(node, kp, "a number", "write 1 or 0 for a number")
        if node.kind != "scalar" or not isinstance(v, int | float):
            raise self.fail(self.at(node, kp), "expected a number", got=shown(node))
        try:
            f = float(v)
        except OverflowError:
            raise self.fail(self.at(node, kp), f"number is too large ({len(str(abs(v)))} digits)") from None
        if not math.isfinite(f):
            raise self.fail(self.at(node, kp), "expected a finite number", got=v)
        return f

    def numbers(self, node: Node, kp: str, n: int, what: str) -> list[float]:
        """A list of exactly ``n`` numbers; every bad item is reported."""
        if node.kind != "seq" or len(node.value) != n:
            raise self.fail(self.at(node, kp), f"expected {what}", got=shown(node))
        before = len(self.errors)
        values: list[float] = []
        for i, item in enumerate(node.value):
            with self.collecting():
                values.append(self.number(item, f"{kp}[{i}]"))
        if len(self.errors) > before:
            raise Skip()
        return values

    def is_percentage(self, node: Node) -> bool:
        """Whether ``node`` is written as a percentage, ``40%`` (YAML reads it as text)."""
        return node.kind == "scalar" and isinstance(node.value, str) and bool(_PERCENT.match(node.value))

    def share(self, node: Node, kp: str) -> float:
        """A number, or since format 1.1 a percentage (``40%`` is 0.4): a share of something."""
        if not self.is_percentage(node):
            return self.number(node, kp)
        self.needs_format(self.at(node, kp), "a percentage")
        return float(str(node.value).strip()[:-1]) / 100.0

    def probability(self, node: Node, kp: str) -> float:
        """A number in [0, 1] (or a percentage in [0%, 100%], since format 1.1)."""
        p = self.share(node, kp)
        if not 0.0 <= p <= 1.0:
            raise self.fail(self.at(node, kp), "probability must lie in [0, 1]", got=p)
        return p

    def positive(self, node: Node, kp: str) -> float:
        """A number above 0."""
        v = self.number(node, kp)
        if v <= 0:
            raise self.fail(self.at(node, kp), "must be positive", got=v)
        return v

    def expression(
        self,
        node: Node,
        kp: str,
        names: Mapping[str, NameKind],
        refused: dict[str, str] | None = None,
        *,
        number: bool = False,
        timing: Timing | None = None,
    ) -> Expression:
        """An expression compiled over ``names``; ``number`` where a number belongs (a YAML true/false is refused).

        ``timing`` allows the time-aware constructs of format 1.1, each
        refused by :meth:`needs_format` in a format 1 file.
        """
        if number and node.kind == "scalar" and isinstance(node.value, bool):
            raise self.yes_no(node, kp, "a number or an expression", "write 1 or 0 for a number")
        if node.kind != "scalar" or node.value is None or not isinstance(node.value, str | int | float | bool):
            raise self.fail(self.at(node, kp), "expected an expression or a number", got=shown(node))
        where = Location(self.path, node.text_line or node.line, node.text_col, kp, node.override)
        if self.context_ids:
            refused = {**dict.fromkeys(self.context_ids, CONTEXT_REFUSED), **(refused or {})}
        if self.unknowable & {"drivers", "derived", "events"}:
            names = _Open(names, refused or {})  # a name such a section would define is no new mistake
        gate = None if timing is None else self.needs_format
        try:
            return compile_expression(
                node.value,
                where=where,
                names=names,
                refused_names=refused,
                format_version=self.version,
                timing=timing,
                gate=gate,
            )
        except ScenarioError as exc:
            if not node.positions or exc.where.line != where.line or exc.where.override:
                raise
            at = self.text_at(node, kp, exc.where.col - where.col)
            raise type(exc)(at, exc.problem, got=exc.got, hint=exc.hint, show_got=exc.show_got) from None

    def text_at(self, node: Node, kp: str, offset: int) -> Location:
        """Where the character ``offset`` of a scalar's text is written (escapes and folded lines counted)."""
        if node.positions and 0 <= offset < len(node.positions):
            line, col = node.positions[offset]
            return Location(self.path, line, col, kp, node.override)
        return Location(self.path, node.text_line or node.line, node.text_col, kp, node.override).shifted(offset)

    # -- names -------------------------------------------------------------------

    def name(self, parent: Node, name: str, kp: str) -> None:
        """Check that ``name``, a key of ``parent``, can be a name: an identifier, not a reserved word."""
        if not _IDENT.match(name):
            raise self.fail(
                self.at_key(parent, name, kp),
                "a name must start with a letter or _ and hold only letters, digits and _",
                got=name,
            )
        if name in _RESERVED or (name in NEW_IN and NEW_IN[name] <= self.version):
            raise self.fail(self.at_key(parent, name, kp), f"{name!r} is a reserved word and cannot be a name")
        if name in _YAML_WORDS:
            raise self.fail(
                self.at_key(parent, name, kp),
                f"{name!r} is a reserved word and cannot be a name (YAML reads it as {_YAML_WORDS[name]}, "
                "so it could not be referred to)",
            )

    def claim(self, parent: Node, name: str, section: str) -> None:
        """Declare ``name`` for ``section``: one name means one thing across drivers, derived and events."""
        kp = f"{section}.{name}"
        self.name(parent, name, kp)
        if name in self.names:
            raise self.fail(
                self.at_key(parent, name, kp), f"name {name!r} is already used by {self.names[name]}.{name}"
            )
        self.names[name] = section

    def source_ref(self, node: Node, kp: str) -> SourceRef:
        """``source: {ref, quote, note}``; ``ref`` names a declared source.

        Format 1.1 adds the quote's ``credibility``, ``basis`` and ``stance``
        (:mod:`.provenance`).
        """
        m = self.mapping(node, kp, optional=REF_KEYS)
        f = self.texts(m, kp, ("ref", "quote", "note"))
        ref = f.get("ref", "")
        if ref and ref not in self.source_ids:
            self.unknown(self.at(m["ref"], kp + ".ref"), "source", ref, self.source_ids, "sources")
        return SourceRef(ref, f.get("quote", ""), f.get("note", ""), **self._quote_grades(m, kp))

    def _quote_grades(self, m: dict[str, Node], kp: str) -> dict[str, Any]:
        """A quote's ``credibility`` (1-6), ``basis`` and ``stance`` (format 1.1), each checked where written."""
        out: dict[str, Any] = {}
        for key, allowed in (("credibility", CREDIBILITY), ("basis", BASES), ("stance", STANCES)):
            if key in m:
                with self.collecting():
                    node = m[key]
                    self.needs_format(self.at(node, f"{kp}.{key}"), f"a quote's '{key}'")
                    value, problem = graded(node.value if node.kind == "scalar" else None, allowed, key)
                    if problem:
                        hint = (
                            did_you_mean(node.value, [str(a) for a in allowed]) if isinstance(node.value, str) else ""
                        )
                        raise self.fail(self.at(node, f"{kp}.{key}"), problem, got=shown(node), hint=hint)
                    out[key] = value
        return out


class _Open(Mapping[str, NameKind]):
    """Names for an expression when a section that declares names could not be read: any other name is of any kind.

    Iterating gives the known names only, so suggestions are drawn from them;
    reserved words, functions and ``refused`` names keep their meaning.
    """

    def __init__(self, names: Mapping[str, NameKind], refused: Mapping[str, str]) -> None:
        self._names = names
        self._refused = refused

    def __getitem__(self, name: str) -> NameKind:
        return self._names.get(name, ANY)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return name in self._names or not (name in _RESERVED or name == "inf" or name in self._refused)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def shown(node: Node) -> object:
    """What a message shows for a value that is not what was expected."""
    if node.kind == "map":
        return "a mapping"
    if node.kind == "seq":
        try:
            return [v.value if v.kind == "scalar" else "..." for v in node.value]
        except AttributeError:
            return "a list"
    if node.value is None:
        return "nothing"
    return node.value
