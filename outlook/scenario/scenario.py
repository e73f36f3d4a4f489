"""The scenario: YAML text becomes a frozen, validated :class:`Scenario`.

Owns the :class:`Scenario` value (its constructors, lookups, plain data and
hash) and :func:`load_scenario`. Reading the file is :mod:`.reading`'s job,
checking each section :mod:`.builder`'s. Never samples, never prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ScenarioError, ScenarioErrors, did_you_mean
from .canonical import (
    correlation_data,
    derived_data,
    digest,
    driver_data,
    event_data,
    horizon_data,
    rule_data,
    source_data,
    to_yaml,
)
from .reading import compose, from_plain, read_text
from .records import Correlation, Derived, Driver, Event, Horizon, ScenarioRule, Source
from .references import reference_problems
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

    def __post_init__(self) -> None:
        for problem in reference_problems(self):  # a dangling reference is refused, however the value was made
            raise problem

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
        """What the scenario states, as plain data; ``from_dict(to_dict())`` is equal."""
        return self._data(canonical=False)

    def to_yaml(self) -> str:
        """The scenario as YAML text (comments are not kept); it reads back as an equal scenario."""
        return to_yaml(self.to_dict())

    @property
    def hash(self) -> str:
        """SHA-256 of what the scenario states, in canonical form: its identity in a run's manifest.

        Equal hashes mean equal statements, so equal numbers for the same
        seed; restating a value (``8000`` as ``8000.0``) keeps the hash, and
        any change to what is stated, a label included, gives a new one. The
        canonical form is described in :mod:`outlook.scenario.canonical`.
        """
        return digest(self._data(canonical=True))

    def _data(self, *, canonical: bool) -> dict[str, Any]:
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
            out["sources"] = {s.id: source_data(s) for s in self.sources}
        out["horizons"] = {h.id: horizon_data(h) for h in self.horizons}
        out["drivers"] = {d.id: driver_data(d) for d in self.drivers}
        if self.correlations:
            out["correlations"] = [correlation_data(c) for c in self.correlations]
        if self.correlation_repair != "none":
            out["correlation_repair"] = self.correlation_repair
        if self.derived:
            out["derived"] = {d.id: derived_data(d, canonical=canonical) for d in self.derived}
        if self.events:
            out["events"] = {e.id: event_data(e, canonical=canonical) for e in self.events}
        out["scenarios"] = {r.id: rule_data(r, canonical=canonical) for r in self.rules}
        return out


_T = TypeVar("_T", "Driver", "Event", "Horizon", "Source")


def _find(items: tuple[_T, ...], name: str, what: str) -> _T:
    for item in items:
        if item.id == name:
            return item
    hint = did_you_mean(name, [i.id for i in items])
    msg = f"no {what} {name!r}.{hint}"
    raise KeyError(msg)


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
