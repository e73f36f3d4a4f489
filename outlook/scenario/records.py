"""The parts of a scenario: frozen value objects that know where they came from.

Owns the records a scenario file becomes (sources, horizons, drivers,
correlations, derived quantities, events, scenario rules). Never reads YAML,
never samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import distributions as dist
from ..errors import Location
from .expressions import Expression

__all__ = [
    "FORMAT_VERSION",
    "Correlation",
    "Derived",
    "Driver",
    "Event",
    "Horizon",
    "ScenarioRule",
    "Source",
    "SourceRef",
]

FORMAT_VERSION = 1


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
