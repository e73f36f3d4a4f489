"""What-ifs: new values for what a scenario states, set by key path, before the whole scenario is checked again.

Owns :class:`Override` (a key path and a value, or :data:`DROP`), reading
one from ``KEY=VALUE`` text (:func:`parse_override`, for ``--set``), key
paths (:func:`parse_key_path`), and applying overrides to the nodes of what
a scenario states (:func:`apply_overrides`), each new value marked with the
override it came from so that a problem in it is reported as
``override drivers.troops.range: ...``. Checking the result is the
sections' job, as for a file. Never samples; never changes a scenario in
place.

Key paths are the ones messages print: ``title``, ``horizons.short.until``,
``drivers.troops.range``, ``drivers.troops.normal.sd``,
``events.e.after.ceasefire``, ``events.e.by.short``, ``correlations[0]``,
``scenarios.s.when``. Every part but the last must exist; the last may be
new (a new entry of a mapping, or the item one past the end of a list).
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import numbers
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ..errors import Location, ScenarioError, ScenarioErrors
from .canonical import to_flow_yaml
from .drivers import FORMS
from .reading import Node, compose, from_plain

__all__ = [
    "DROP",
    "Override",
    "apply_overrides",
    "as_overrides",
    "parse_key_path",
    "parse_override",
    "stated_nodes",
]


class _Drop:
    """The value of an override that removes a mapping's entry or a list's item."""

    _instance: _Drop | None = None

    def __new__(cls) -> _Drop:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DROP"

    def __reduce__(self) -> str:
        return "DROP"


#: an override's value that removes the entry or item at its key path (``drop`` on the command line)
DROP: Final = _Drop()

#: a driver's descriptive keys, kept when the whole driver is given a new distribution
_DESCRIPTION = ("label", "unit", "note", "source", "sources")
_KEY_PATH = re.compile(r"([^.\[\]]+)((?:\.[^.\[\]]+|\[\d+\])*)\Z")
_PARTS = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
_EXAMPLE = "such as drivers.troops.range or correlations[0]"


@dataclass(frozen=True, slots=True)
class Override:
    """A new value for what a scenario states at ``key_path`` (:data:`DROP` to remove it).

    ``str(override)`` is the ``KEY=VALUE`` text that :func:`parse_override`
    reads back (``drivers.troops.range=[9000, 13000]``): what a run's
    manifest records. ``source`` is the text the value was read from, if it
    was (``--set``), so that text values keep their spelling.
    """

    key_path: str
    value: Any
    source: str | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.key_path}={self.value_text}"

    @property
    def value_text(self) -> str:
        """The value as ``--set`` writes it: YAML flow (``[9000, 13000]``), or ``drop``."""
        if self.value is DROP:
            return "drop"
        if self.source is not None:
            return self.source.strip()
        if self.value == "drop":
            return "'drop'"
        return to_flow_yaml(self.value)


def parse_key_path(key_path: str, *, where: Location | None = None) -> list[str | int]:
    """The parts of a key path: ``"correlations[0][2]"`` is ``["correlations", 0, 2]``.

    A key is any text without ``.``, ``[`` or ``]``; an index is a whole
    number in brackets.

    Raises
    ------
    ScenarioError
        If the text is not a key path (empty, a stray ``.`` or bracket).

    >>> parse_key_path("events.e.after.ceasefire")
    ['events', 'e', 'after', 'ceasefire']
    >>> parse_key_path("correlations[0]")
    ['correlations', 0]
    """
    m = _KEY_PATH.match(key_path)
    if not m:
        where = where or Location(key_path=key_path, override=key_path)
        raise ScenarioError(where, f"expected a key path {_EXAMPLE}", got=key_path)
    parts: list[str | int] = [m.group(1)]
    for key, index in _PARTS.findall(m.group(2)):
        parts.append(int(index) if index else key)
    return parts


def parse_override(text: str) -> Override:
    """An override from ``KEY=VALUE`` text, as ``outlook run --set`` takes it.

    ``VALUE`` is read as YAML (flow style: ``[9000, 13000]``,
    ``{constant: 1.0}``) by the same YAML 1.2 reader as a scenario file;
    the bare word ``drop`` is :data:`DROP` (``'drop'`` is the text).

    Raises
    ------
    ScenarioError
        If there is no ``=``, or the key is not a key path.
    ScenarioErrors
        If the value is not YAML a scenario file could hold, located at
        ``--set KEY:line:col``.

    >>> parse_override("drivers.troops.range=[9000, 13000]")
    Override(key_path='drivers.troops.range', value=[9000, 13000])
    >>> parse_override("correlations[0]=drop").value
    DROP
    """
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        problem = "expected KEY=VALUE, such as drivers.troops.range=[9000,13000]"
        raise ScenarioError(Location(f"--set {text}"), problem)
    parse_key_path(key, where=Location(f"--set {key}"))
    if value.strip() == "drop":
        return Override(key, DROP, source="drop")
    if not value.strip():
        problem = "expected a value after '=' (write drop to remove the key)"
        raise ScenarioError(Location(f"--set {key}"), problem)
    node = compose(value, f"--set {key}")
    return Override(key, node.to_plain(), source=value)


def as_overrides(overrides: Mapping[str, Any] | Iterable[Override | tuple[str, Any]]) -> tuple[Override, ...]:
    """Overrides from a mapping of key path -> value, or from overrides and (key path, value) pairs, in order."""
    items = overrides.items() if isinstance(overrides, Mapping) else overrides
    out = []
    for item in items:
        o = item if isinstance(item, Override) else Override(str(item[0]), _plain(item[1]))
        out.append(o)
    return tuple(out)


#: How deeply an override's value may nest, as for ``--set`` (the YAML reader's limit).
_MAX_DEPTH = 64


def _plain(value: Any, depth: int = 0) -> Any:
    """Plain data: tuples as lists, numpy's numbers as Python's (nesting past the limit is left for the check)."""
    if value is DROP or isinstance(value, str | bool) or value is None or depth > _MAX_DEPTH:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, Mapping):
        return {k: _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value]
    return value


def _check_plain(value: Any, where: Location) -> None:
    """Refuse a Python value a scenario file could not state: nested too deeply, or of a type YAML data has not.

    Without this, ``b"x"`` would become the text ``"b'x'"``, a datetime
    would lose its time, and an object would fail inside the YAML writer.
    """
    todo: list[tuple[Any, int]] = [(value, 0)]
    while todo:
        v, depth = todo.pop()
        if depth > _MAX_DEPTH:
            raise ScenarioError(where, f"the value is nested too deeply (more than {_MAX_DEPTH} levels)")
        if isinstance(v, Mapping):
            todo += [(k, depth + 1) for k in v] + [(x, depth + 1) for x in v.values()]
        elif isinstance(v, list):
            todo += [(x, depth + 1) for x in v]
        elif isinstance(v, dt.datetime):
            raise ScenarioError(where, f"expected a date, not a date and time (got {v.isoformat()})")
        elif not (v is DROP or v is None or isinstance(v, str | bool | int | float | dt.date)):
            what = type(v).__name__
            raise ScenarioError(
                where, f"a value must be text, a number, a yes/no, a date, a list or a mapping (got {what})"
            )


def apply_overrides(root: Node, overrides: tuple[Override, ...], path: str) -> tuple[Node, list[ScenarioError]]:
    """A copy of ``root`` with each override applied in order, and the problems of those that could not be.

    ``root`` is not changed. Each new value is marked with its override's
    key path. Setting a whole driver (``drivers.x``) to a distribution form
    keeps its label, unit, note, source and further sources unless the new value gives them.
    An override whose key path names nothing the scenario states (reported
    with a "did you mean"), or whose value cannot be read, is left out and
    its problem returned, so that the caller can report it together with
    what checking the result finds.
    """
    tree = _own(root)  # copied on write: only the nodes on an override's key path are copied
    errors: list[ScenarioError] = []
    for o in overrides:
        try:
            _apply(tree, o, path)
        except ScenarioError as exc:
            errors.append(exc)
        except ScenarioErrors as exc:
            errors.extend(exc.errors)
    return tree, errors


def _apply(root: Node, o: Override, path: str) -> None:
    where = Location(path, 0, 0, o.key_path, o.key_path or "''")  # an empty key path is still an override's
    parts = parse_key_path(o.key_path, where=where)
    hint = _section_hint(root, parts)
    if hint:
        raise ScenarioError(where, f"unknown key {parts[0]!r}", hint=hint)
    parent = root
    for i, part in enumerate(parts[:-1]):
        child = _own(_child(parent, part, parts, i, where))
        parent.value[part] = child  # the copy replaces the shared node in ``parent``, itself a copy
        parent = child
    last = parts[-1]
    if o.value is DROP:
        _drop(parent, last, parts, where)
        return
    node = _node(o, path)
    if isinstance(last, int):
        items = _items(parent, parts, where)
        if last < len(items):
            items[last] = node
        elif last == len(items):
            items.append(node)
        else:
            problem = (
                f"{_name(parts[:-1])} has {len(items)} items; [{last}] is past the end (use [{len(items)}] to add one)"
            )
            raise ScenarioError(where, problem)
        return
    entries = _entries(parent, parts, where)
    old = entries.get(last)
    if parts[0] == "drivers" and len(parts) == 2 and old is not None and old.kind == "map" and _is_form(node):
        kept = {k: v for k, v in old.value.items() if k in _DESCRIPTION and (node.kind != "map" or k not in node.value)}
        if node.kind != "map":  # the shorthand `x: 5`
            node = Node("map", {"constant": node}, override=o.key_path)
        node.value = {**kept, **node.value}
        node.keys = {k: old.keys[k] for k in kept if k in old.keys}
    entries[last] = node


def _node(o: Override, path: str) -> Node:
    """The override's value as nodes, each marked as coming from it."""
    if o.source is not None:
        node = compose(o.source, f"--set {o.key_path}")
    else:
        _check_plain(o.value, Location(path, 0, 0, o.key_path, o.key_path))
        errors: list[ScenarioError] = []
        node = from_plain(o.value, path, errors, o.key_path)
        if errors:
            raise ScenarioErrors(errors)
    _mark(node, o.key_path)
    return node


def _mark(node: Node, key_path: str) -> None:
    node.line = node.col = node.text_line = node.text_col = 0
    node.override = key_path
    node.keys = {}
    if node.kind == "map":
        for child in node.value.values():
            _mark(child, key_path)
    elif node.kind == "seq":
        for child in node.value:
            _mark(child, key_path)


def _is_form(node: Node) -> bool:
    """A driver's distribution: a mapping with a form, or a number (the shorthand for a constant)."""
    if node.kind == "map":
        return any(k in FORMS for k in node.value)
    return node.kind == "scalar" and isinstance(node.value, int | float) and not isinstance(node.value, bool)


def _own(node: Node) -> Node:
    """A shallow copy of ``node`` whose entries, items and key positions can change without touching ``node``.

    What lies off an override's key path is shared with the original tree,
    which nothing changes in place; copying only the path makes applying an
    override cost its depth, not the size of the scenario.
    """
    out = copy.copy(node)
    if node.kind == "map":
        out.value, out.keys = dict(node.value), dict(node.keys)
    elif node.kind == "seq":
        out.value = list(node.value)
    return out


def _child(parent: Node, part: str | int, parts: list[str | int], i: int, where: Location) -> Node:
    if isinstance(part, int):
        items = _items(parent, parts[: i + 1], where)
        if part >= len(items):
            problem = f"unknown key path: {_name(parts[:i])} has {len(items)} items, so no [{part}]"
            raise ScenarioError(where, problem)
        return items[part]
    entries = _entries(parent, parts[: i + 1], where)
    if part not in entries:
        raise ScenarioError(
            where, f"unknown key path: {_name(parts[:i])} has no {part!r}", hint=_hint(entries, parts, i)
        )
    return entries[part]


def _drop(parent: Node, last: str | int, parts: list[str | int], where: Location) -> None:
    if isinstance(last, int):
        items = _items(parent, parts, where)
        if last >= len(items):
            raise ScenarioError(where, f"nothing to drop: {_name(parts[:-1])} has {len(items)} items")
        del items[last]
        return
    entries = _entries(parent, parts, where)
    if last not in entries:
        problem = f"nothing to drop: {_name(parts[:-1])} has no {last!r}"
        raise ScenarioError(where, problem, hint=_hint(entries, parts, len(parts) - 1))
    del entries[last]
    parent.keys.pop(last, None)


def _entries(parent: Node, parts: list[str | int], where: Location) -> dict[str, Node]:
    if parent.kind != "map":
        raise ScenarioError(where, f"unknown key path: {_name(parts[:-1])} is {_what(parent)}, not a mapping")
    entries: dict[str, Node] = parent.value
    return entries


def _items(parent: Node, parts: list[str | int], where: Location) -> list[Node]:
    if parent.kind != "seq":
        raise ScenarioError(where, f"unknown key path: {_name(parts[:-1])} is {_what(parent)}, not a list")
    items: list[Node] = parent.value
    return items


def _what(node: Node) -> str:
    return {"map": "a mapping", "seq": "a list"}.get(node.kind, "a single value")


def _name(parts: list[str | int]) -> str:
    """The key path of ``parts``; the scenario itself for none."""
    if not parts:
        return "the scenario"
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(parts))


def _hint(entries: dict[str, Node], parts: list[str | int], i: int) -> str:
    """``Did you mean 'drivers.troops.range'?``: the key path with its closest key at part ``i``."""
    close = difflib.get_close_matches(str(parts[i]), sorted(entries), n=1, cutoff=0.6)
    if not close:
        return ""
    return f"Did you mean {_name([*parts[:i], close[0], *parts[i + 1 :]])!r}?"


def _section_hint(root: Node, parts: list[str | int]) -> str:
    """``Did you mean 'drivers.k'?`` when the key path's first part is no top-level key but names a section's entry.

    An entry of that name, else the closest entry name, if the first part is
    not close to a top-level key either (a misspelt ``titel`` keeps the
    check's own hint, ``title``). Empty when nothing fits.
    """
    first = parts[0]
    if root.kind != "map" or not isinstance(first, str) or first in root.value:
        return ""
    if difflib.get_close_matches(first, sorted(root.value), n=1, cutoff=0.6):
        return ""
    sections = {k: v.value for k, v in root.value.items() if v.kind == "map"}
    exact = [k for k, entries in sections.items() if first in entries]
    if exact:
        return f"Did you mean {_name([exact[0], *parts])!r}?"
    close = [(m, k) for k, entries in sections.items() for m in difflib.get_close_matches(first, sorted(entries), n=1)]
    if not close:
        return ""
    m, k = max(close, key=lambda c: difflib.SequenceMatcher(None, first, c[0]).ratio())
    return f"Did you mean {_name([k, m, *parts[1:]])!r}?"


def stated_nodes(data: dict[str, Any], positions: Node | None, path: str) -> Node:
    """Nodes of what a scenario states (its ``to_dict``), with the positions of the file it came from.

    The data are the truth; ``positions``, the nodes the scenario was read
    from, only lend each value its line and column (and its override, if an
    earlier override gave it), found by key path. So a problem an override
    causes elsewhere (a name it removed, still used by an event) is located
    where the file writes it. A file's shorthand (``x: 5`` for
    ``x: {constant: 5}``, ``d: a + b`` for ``d: {expr: a + b}``) lends its
    position to the value it stands for.
    """
    errors: list[ScenarioError] = []
    node = from_plain(data, path, errors)
    if positions is not None:
        _lend(node, positions)
    return node


_SHORTHAND = ("constant", "expr", "when")


def _lend(node: Node, source: Node) -> None:
    """Copy ``source``'s positions onto ``node`` and, key by key, onto its children."""
    node.line, node.col, node.text_line, node.text_col = source.line, source.col, source.text_line, source.text_col
    node.override = source.override
    if node.kind == "map" and source.kind == "map":
        node.keys = {k: source.keys[k] for k in node.value if k in source.keys}
        for k, child in node.value.items():
            if k in source.value:
                _lend(child, source.value[k])
    elif node.kind == "seq" and source.kind == "seq":
        for child, src in zip(node.value, source.value):
            _lend(child, src)
    elif node.kind == "map" and source.kind == "scalar":
        for k in _SHORTHAND:
            if k in node.value:
                _lend(node.value[k], source)
    elif node.kind == "seq" and source.kind == "scalar" and node.value:
        _lend(node.value[0], source)  # `requires: e` for `requires: [e]`
