"""The scenario: YAML text becomes a frozen, validated :class:`Scenario`.

Owns the :class:`Scenario` value (its constructors, lookups, plain data and
hash) and :func:`load_scenario`. Reading the file is :mod:`.reading`'s job,
checking each section :mod:`.builder`'s. Never samples, never prints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from ..errors import ScenarioError, ScenarioErrors, did_you_mean
from .expressions import Expression
from .reading import CORE_RESOLVERS, STR_TAG, compose, from_plain, read_text
from .records import Correlation, Derived, Driver, Event, Horizon, ScenarioRule, Source, SourceRef
from .sections import build

__all__ = [
    "Scenario",
    "load_scenario",
]


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
        return cls(**build(compose(text, path), path))

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, path: str = "<dict>") -> Scenario:
        """Validate plain data (as :meth:`to_dict` returns or YAML gives)."""
        errors: list[ScenarioError] = []
        root = from_plain(data, path, errors)
        if errors:
            raise ScenarioErrors(errors)
        return cls(**build(root, path))

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
    return Scenario.from_yaml(read_text(path), path=str(path))


class _Dumper(yaml.SafeDumper):
    """Quotes every text that YAML 1.1 or the 1.2 core schema would read as anything but text.

    So ``to_yaml`` output reads back the same here (``'2e4'`` stays text) and
    in a YAML 1.1 reader (``'no'`` stays text).
    """


for _tag, _regexp, _first in CORE_RESOLVERS:
    _Dumper.add_implicit_resolver(_tag, _regexp, _first)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    """Text with a NEL or a Unicode line or paragraph separator is written double-quoted, as escapes.

    Otherwise the emitter may write them raw inside quotes, where a reader
    folds them into spaces: the text would not read back the same.
    """
    style = '"' if any(c in data for c in "\x85\u2028\u2029") else None
    return dumper.represent_scalar(STR_TAG, data, style=style)


_Dumper.add_representer(str, _represent_str)
