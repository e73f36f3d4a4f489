"""The parts of a scenario: frozen value objects that know where they came from.

Owns the records a scenario file becomes (sources, horizons, drivers,
correlations, derived quantities, events, scenario rules). Never reads YAML,
never samples.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .. import distributions as dist
from ..errors import Location, ScenarioError
from .expressions import Expression
from .stated import Form, HierarchicalForm, RangeForm, distribution_of, form_data, form_problems, sampling_problem

__all__ = [
    "FORMAT_VERSION",
    "FORMAT_VERSIONS",
    "ContextFigure",
    "Correlation",
    "Derived",
    "Driver",
    "Event",
    "Evidence",
    "Horizon",
    "Hypotheses",
    "Hypothesis",
    "EventStatus",
    "Indicator",
    "Resolution",
    "ScenarioRule",
    "Source",
    "SourceRef",
    "citations",
]

#: The newest format version this outlook reads (what ``outlook: ...`` at the top of a file names).
FORMAT_VERSION = 1.1
#: Every format version this outlook reads, oldest first. A file that says ``outlook: 1`` loads
#: exactly as before format 1.1; the additions of 1.1 need ``outlook: 1.1``.
FORMAT_VERSIONS = (1, 1.1)


@dataclass(frozen=True, slots=True)
class Source:
    """A document the scenario rests on.

    Its grades (format 1.1; ``shared/reference/sat-features.md`` §4.1): ``kind``
    is one of ``official, wire, analysis, opinion, social`` (``""``: not
    stated); ``reliability`` the Admiralty grade of the source, ``A`` to
    ``F`` (STANAG 2511; ``""``: ungraded, never taken as reliable);
    ``interested_party`` ``True``/``False`` or a text naming whose interest
    (``None``: not stated). ``date`` is text as written; a date such as
    ``2024-11-15`` is checked against ``as_of`` by ``outlook check``.
    """

    id: str
    title: str
    publisher: str = ""
    date: str = ""
    file: str = ""
    url: str = ""
    note: str = ""
    where: Location = field(default=Location(), compare=False, repr=False)
    kind: str = field(default="", kw_only=True)
    reliability: str = field(default="", kw_only=True)
    interested_party: bool | str | None = field(default=None, kw_only=True)


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a driver or event comes from: a source id and a quote.

    Format 1.1 adds the quote's grades: ``credibility`` 1-6 (Admiralty,
    STANAG 2511; ``None``: ungraded), ``basis`` (``reported,
    interested_claim, source_opinion, judgement, outside_knowledge``;
    ``""``: not stated), and ``stance``, whether it ``supports`` or
    ``contradicts`` what cites it.
    """

    ref: str = ""
    quote: str = ""
    note: str = ""
    credibility: int | None = None
    basis: str = ""
    stance: str = "supports"


@dataclass(frozen=True, slots=True)
class EventStatus:
    """What was known of an event at ``as_of`` (format 1.1): it ``happened`` on that date, on that source.

    An event with a status is a fact, not a forecast: it has happened in
    every world, at ``happened`` (on or before ``as_of``).
    """

    happened: dt.date
    source: SourceRef | None = None
    where: Location = field(default=Location(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Resolution:
    """How an event resolves (format 1.1): the criteria, the source that settles it, what counts and what does not."""

    criteria: str = ""
    source: str = ""
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ContextFigure:
    """A figure that informs the reader and feeds no probability (format 1.1 ``context:``).

    ``value`` or ``range`` (low, high) is set; no expression may read it.
    """

    id: str
    label: str = ""
    value: float | None = None
    range: tuple[float, float] | None = None
    unit: str = ""
    source: SourceRef | None = None
    note: str = ""
    where: Location = field(default=Location(), compare=False, repr=False)


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
    """An uncertain input, drawn once per simulated world.

    ``stated`` is what the file states (a form such as :class:`RangeForm`);
    ``distribution``, what is sampled, is derived from it by
    :func:`~outlook.scenario.stated.distribution_of` when the driver is made
    and cannot be given: a driver built any way (a file, a dict, an
    override, ``dataclasses.replace``) samples what it states.

    Raises
    ------
    ScenarioError
        If the form states values that cannot be sampled (a range whose low
        end is above its high end, a negative sd, ...), located at the
        driver and named by the key path of the value
        (``drivers.troops.range``).
    """

    id: str
    stated: Form
    label: str = ""
    unit: str = ""
    note: str = ""
    source: SourceRef | None = None
    where: Location = field(default=Location(), compare=False, repr=False)
    distribution: dist.Distribution = field(init=False, compare=False, repr=False)
    #: located warnings about how the file states the driver (a deprecated key), for ``outlook check``
    notes: tuple[str, ...] = field(default=(), compare=False, repr=False, kw_only=True)
    #: further sources it cites (format 1.1 ``sources:``), each supporting or contradicting it
    sources: tuple[SourceRef, ...] = field(default=(), kw_only=True)

    def __post_init__(self) -> None:
        for part, problem, got, hint in form_problems(self.stated):
            raise ScenarioError(self._at(part), problem, got=got, hint=hint)
        try:
            d = distribution_of(self.stated)
        except ValueError as exc:  # a range no distribution of its shape fits
            got = [self.stated.low, self.stated.high] if isinstance(self.stated, RangeForm) else None
            raise ScenarioError(self._at(self.stated.form), str(exc), got=got) from None
        if isinstance(d, dist.Conditional):  # its parameters vary by world: checked in each when drawn
            object.__setattr__(self, "distribution", d)
            return
        overflow = dist.overflow_problem(d)  # known now: refuse it rather than at run time
        if overflow:
            raise ScenarioError(self._at(self.stated.form), overflow)
        unsafe = sampling_problem(d)  # finite parameters, summaries that stay finite
        if unsafe:
            got = [self.stated.low, self.stated.high] if isinstance(self.stated, RangeForm) else None
            raise ScenarioError(self._at(self.stated.form), unsafe, got=got)
        object.__setattr__(self, "distribution", d)

    def _at(self, part: str) -> Location:
        w = self.where
        return Location(w.path, w.line, w.col, f"drivers.{self.id}.{part}", w.override)

    @property
    def kind(self) -> str:
        """``continuous``, ``constant``, ``yes/no`` or ``categorical``."""
        return self.distribution.kind

    @property
    def parents(self) -> frozenset[str]:
        """The drivers its parameters read (format 1.1: a hierarchical driver); empty for any other."""
        return self.stated.parents if isinstance(self.stated, HierarchicalForm) else frozenset()

    @property
    def categories(self) -> tuple[str, ...] | None:
        """The category names of a categorical driver, else ``None``."""
        d = self.distribution
        return d.categories if isinstance(d, dist.Categorical) else None

    @property
    def spec(self) -> tuple[tuple[str, Any], ...]:
        """What the file states, as (key, value) pairs with tuples for lists and mappings (for display).

        ``(("range", (8000.0, 12000.0)), ("shape", "normal"))``; the typed
        record is :attr:`stated`.
        """
        return tuple((k, _pairs(v)) for k, v in form_data(self.stated).items())


def _pairs(value: Any) -> Any:
    """Lists as tuples, mappings as tuples of (key, value) pairs."""
    if isinstance(value, dict):
        return tuple((k, _pairs(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_pairs(v) for v in value)
    return value


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
    probability by the end of horizons, in horizon order) is set, or
    neither when ``status`` says it has happened (format 1.1). An
    ``after`` factor is a number, or (format 1.1) an expression over drivers
    and derived quantities, evaluated in each world.
    """

    id: str
    rate: Expression | None = None
    by: tuple[tuple[str, Expression], ...] = ()
    after: tuple[tuple[str, float | Expression], ...] = ()
    requires: tuple[str, ...] = ()
    label: str = ""
    note: str = ""
    source: SourceRef | None = None
    where: Location = field(default=Location(), compare=False, repr=False)
    #: further sources it cites (format 1.1 ``sources:``), each supporting or contradicting it
    sources: tuple[SourceRef, ...] = field(default=(), kw_only=True)
    #: what was known at ``as_of`` (format 1.1): it happened; then it has neither ``rate`` nor ``by``
    status: EventStatus | None = field(default=None, kw_only=True)
    #: how it resolves (format 1.1)
    resolution: Resolution | None = field(default=None, kw_only=True)
    #: its impact if it happens (format 1.1 ``impact:``): ``low``, ``medium``, ``high`` or ``""`` (not stated)
    impact: str = field(default="", kw_only=True)


def citations(item: Driver | Event | ContextFigure) -> tuple[SourceRef, ...]:
    """Every source an item cites: its ``source``, its ``sources`` and, for an event, its status's source."""
    out = [item.source] if item.source is not None else []
    out += getattr(item, "sources", ())
    status = getattr(item, "status", None)
    if status is not None and status.source is not None:
        out.append(status.source)
    return tuple(out)


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
    #: its impact (format 1.1 ``impact:``): ``low``, ``medium``, ``high`` or ``""`` (not stated)
    impact: str = field(default="", kw_only=True)


@dataclass(frozen=True, slots=True)
class Indicator:
    """Something to watch for (format 1.1): an observable condition, and the scenarios it is meant to signal.

    ``observable`` is a condition over the worlds, read as a scenario rule
    is read at a horizon (an event's name is "it happened by the end of the
    horizon"; ``happened(e, by=X)`` and ``time(e)`` see nothing after it).
    ``signposts`` are the ids of the scenarios it is meant to signal
    (*A Tradecraft Primer*, US Government 2009, "Indicators or Signposts of
    Change"); ``collection`` says where to watch for it.
    """

    id: str
    label: str
    observable: Expression
    signposts: tuple[str, ...] = ()
    collection: str = ""
    note: str = ""
    where: Location = field(default=Location(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """One hypothesis of an ACH matrix (format 1.1): an id, a label and, for exclusive ones, a prior in [0, 1]."""

    id: str
    label: str = ""
    prior: float | None = None
    where: Location = field(default=Location(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Hypotheses:
    """The ``hypotheses:`` block (format 1.1): the scenarios at a horizon, or custom hypotheses.

    ``from_scenarios`` is a horizon id (the hypotheses are the scenarios by
    its end, their prior the model's shares), or ``""`` for the custom
    ``items``; ``exclusive`` says custom hypotheses are mutually exclusive
    and exhaustive, which a Bayesian posterior needs (Heuer & Pherson,
    *Structured Analytic Techniques*, ACH).
    """

    from_scenarios: str = ""
    items: tuple[Hypothesis, ...] = ()
    exclusive: bool = False
    where: Location = field(default=Location(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One item of evidence of an ACH matrix (format 1.1; ``shared/reference/sat-features.md`` §4.3).

    ``ratings`` are Heuer's consistency ratings per hypothesis (``CC, C, N,
    I, II, NA``; a hypothesis left out is ``NA``); at most one of
    ``likelihoods`` (P(E|H) per hypothesis) and ``observable`` (a condition,
    P(E|H) counted over the worlds) is set. ``observed`` is whether E was
    seen (an ``absence`` item is ``False``: the expected E was not seen).
    ``credibility`` is the source's grade 1-6 (``None``: ungraded) and
    ``reliability`` its Admiralty grade A-F (``""``: taken as certain).
    """

    id: str
    text: str
    type: str = "fact"
    relevance: str = "medium"
    ratings: tuple[tuple[str, str], ...] = ()
    likelihoods: tuple[tuple[str, float], ...] = ()
    observable: Expression | None = None
    observed: bool = True
    group: str = ""
    date: str = ""
    source: SourceRef | None = None
    credibility: int | None = None
    reliability: str = ""
    note: str = ""
    where: Location = field(default=Location(), compare=False, repr=False)
