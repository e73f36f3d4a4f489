"""The references between the parts of a scenario, checked whoever assembles it.

Owns :func:`reference_problems`: every name that an expression, a
correlation, an event's ``after``, ``requires`` or ``by``, or a source
reference uses is defined, holds what the expression was compiled for (a
number, a condition, those categories), and, where order matters, comes
first (derived quantities and events are held in the order they use each
other); names are unique; horizons increase; only the last scenario rule is
``otherwise``. The sections check a file as they read it, with located
messages; these checks are what keeps a :class:`~outlook.scenario.Scenario`
assembled by hand (``dataclasses.replace(s, drivers=s.drivers[1:])``) from
being held with a dangling reference. Never reads YAML, never samples.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterator, Set
from typing import Protocol

from ..errors import Location, ScenarioError, did_you_mean
from .assumptions import Assumption
from .durations import looks_like_time
from .expressions import ANY, NUMBER, YES_NO, Expression, NameKind
from .grades import CONTEXT_REFUSED
from .records import (
    ContextFigure,
    Correlation,
    Derived,
    Driver,
    Event,
    Evidence,
    Horizon,
    Hypotheses,
    Indicator,
    ScenarioRule,
    Source,
    SourceRef,
    citations,
)
from .stated import HierarchicalForm
from .timing import by_years

__all__ = [
    "Parts",
    "reference_problems",
]


class Parts(Protocol):
    """What :func:`reference_problems` reads: the parts of a scenario."""

    @property
    def path(self) -> str: ...
    @property
    def as_of(self) -> dt.date: ...
    @property
    def horizons(self) -> tuple[Horizon, ...]: ...
    @property
    def drivers(self) -> tuple[Driver, ...]: ...
    @property
    def rules(self) -> tuple[ScenarioRule, ...]: ...
    @property
    def derived(self) -> tuple[Derived, ...]: ...
    @property
    def events(self) -> tuple[Event, ...]: ...
    @property
    def correlations(self) -> tuple[Correlation, ...]: ...
    @property
    def sources(self) -> tuple[Source, ...]: ...
    @property
    def indicators(self) -> tuple[Indicator, ...]: ...
    @property
    def assumptions(self) -> tuple[Assumption, ...]: ...
    @property
    def hypotheses(self) -> Hypotheses | None: ...
    @property
    def evidence(self) -> tuple[Evidence, ...]: ...
    @property
    def context(self) -> tuple[ContextFigure, ...]: ...


def reference_problems(s: Parts) -> Iterator[ScenarioError]:
    """Every dangling, misplaced or ambiguous reference in ``s``, in section order.

    Each problem is located where the part that makes the reference is
    (its file position, if it came from a file) and named by its key path.
    """
    yield from _unique(s)
    yield from _horizons(s)
    yield from _sources(s)
    yield from _correlations(s)
    kinds: dict[str, NameKind] = {d.id: _driver_kind(d) for d in s.drivers}
    yield from _hierarchical(s, kinds)
    later = {d.id for d in s.derived}
    for d in s.derived:
        later.discard(d.id)
        yield from _expression(s, d.expr, kinds, "a driver or a derived quantity", later)
        kinds[d.id] = d.expr.kind
    yield from _events(s, kinds)
    kinds.update(dict.fromkeys((e.id for e in s.events), YES_NO))
    if not s.rules:
        yield ScenarioError(Location(s.path, key_path="scenarios"), "at least one scenario is needed")
    for i, r in enumerate(s.rules):
        last = i == len(s.rules) - 1
        if r.when is None and not last:
            yield ScenarioError(_at(r.where, f"scenarios.{r.id}"), "only the last scenario may be 'otherwise'")
        elif r.when is not None and last:
            yield ScenarioError(
                _at(r.where, f"scenarios.{r.id}"),
                "the last scenario must be 'otherwise', so that every world falls in some scenario",
            )
        if r.when is not None:
            yield from _expression(s, r.when, kinds, "a driver, a derived quantity or an event")
    yield from _indicators(s, kinds)
    yield from _ach(s, kinds)
    yield from _judgements(s)
    yield from _claims(s)


def _claims(s: Parts) -> Iterator[ScenarioError]:
    """Each claim names an event or scenario of its kind, a horizon it reads, and sources, of ``s``."""
    known = {"scenario": [r.id for r in s.rules], "event": [e.id for e in s.events]}
    horizons = {h.id: h.until for h in s.horizons}
    sources = [x.id for x in s.sources]
    last = max(horizons.values(), default=0.0)
    for c in getattr(s, "claims", ()):
        kp = f"claims.{c.id}"
        if c.kind and c.target not in known.get(c.kind, []):
            hint = did_you_mean(c.target, known.get(c.kind, []))
            yield ScenarioError(_at(c.where, f"{kp}.target"), f"unknown {c.kind} {c.target!r}", hint=hint)
        if c.horizon and c.horizon not in horizons:
            yield ScenarioError(_at(c.where, f"{kp}.timeframe"), f"unknown horizon {c.horizon!r}")
        elif c.kind == "scenario" and not c.horizon:
            yield ScenarioError(_at(c.where, f"{kp}.timeframe"), "a claim on a scenario needs a horizon id")
        elif c.years > last + 1e-12:
            yield ScenarioError(_at(c.where, f"{kp}.timeframe"), "the timeframe is after the last horizon's end")
        for key, ref in (("speaker", c.speaker_ref), ("quote", c.quote)):
            if ref is not None and ref.ref and ref.ref not in sources:
                hint = did_you_mean(ref.ref, sources)
                yield ScenarioError(_at(c.where, f"{kp}.{key}.ref"), f"unknown source {ref.ref!r}", hint=hint)


def _judgements(s: Parts) -> Iterator[ScenarioError]:
    """Each stated judgement names a scenario or an event of its kind, and a horizon, of ``s``."""
    known = {"scenario": [r.id for r in s.rules], "event": [e.id for e in s.events]}
    horizons = [h.id for h in s.horizons]
    for i, j in enumerate(getattr(s, "judgements", ())):
        where = _at(j.where, f"judgements[{i}].target")
        if j.target not in known.get(j.kind, []):
            yield ScenarioError(where, f"unknown {j.kind} {j.target!r}", hint=did_you_mean(j.target, known[j.kind]))
        if j.horizon not in horizons:
            yield ScenarioError(where, f"unknown horizon {j.horizon!r}", hint=did_you_mean(j.horizon, horizons))


def _indicators(s: Parts, kinds: dict[str, NameKind]) -> Iterator[ScenarioError]:
    """Each indicator's observable is a condition over the scenario's names; signposts and ids are known."""
    rules = [r.id for r in s.rules]
    seen: set[str] = set()
    for i in s.indicators:
        kp = f"indicators.{i.id}"
        if i.id in seen:
            yield ScenarioError(_at(i.where, kp), f"name {i.id!r} is already used by {kp}")
        seen.add(i.id)
        yield from _expression(s, i.observable, kinds, "a driver, a derived quantity or an event")
        if i.observable.kind == NUMBER:
            yield ScenarioError(i.observable.where, "an indicator's observable needs a condition, not a number")
        for j, sid in enumerate(i.signposts):
            if sid not in rules:
                hint = did_you_mean(sid, rules)
                yield ScenarioError(_at(i.where, f"{kp}.signposts[{j}]"), f"unknown scenario {sid!r}", hint=hint)
    for a in s.assumptions:
        for j, iid in enumerate(a.indicators):
            if iid not in seen:
                hint = did_you_mean(iid, sorted(seen))
                where = _at(a.where, f"assumptions.{a.id}.indicators[{j}]")
                yield ScenarioError(where, f"unknown indicator {iid!r}", hint=hint)


def _ach(s: Parts, kinds: dict[str, NameKind]) -> Iterator[ScenarioError]:
    """The hypotheses' horizon is known; each item names known hypotheses and its observable is a condition."""
    h = s.hypotheses
    if h is not None and h.from_scenarios and h.from_scenarios not in [x.id for x in s.horizons]:
        yield ScenarioError(_at(h.where, "hypotheses.from_scenarios"), f"unknown horizon {h.from_scenarios!r}")
    ids = [x.id for x in h.items] if h is not None and not h.from_scenarios else [r.id for r in s.rules]
    for e in s.evidence:
        kp = f"evidence.{e.id}"
        for key, names in (("ratings", [k for k, _ in e.ratings]), ("likelihoods", [k for k, _ in e.likelihoods])):
            for name in names:
                if name not in ids:
                    hint = did_you_mean(name, ids)
                    yield ScenarioError(_at(e.where, f"{kp}.{key}.{name}"), f"unknown hypothesis {name!r}", hint=hint)
        if e.observable is not None:
            yield from _expression(s, e.observable, kinds, "a driver, a derived quantity or an event")
            if e.observable.kind == NUMBER:
                yield ScenarioError(e.observable.where, "an evidence item's observable needs a condition, not a number")


def _at(where: Location, key_path: str) -> Location:
    return dataclasses.replace(where, key_path=key_path)


def _unique(s: Parts) -> Iterator[ScenarioError]:
    seen: dict[str, str] = {}
    sections: tuple[tuple[str, tuple[Driver | Derived | Event | ContextFigure, ...]], ...] = (
        ("context", s.context),
        ("drivers", s.drivers),
        ("derived", s.derived),
        ("events", s.events),
    )
    for section, items in sections:
        for item in items:
            if item.id in seen:
                yield ScenarioError(
                    _at(item.where, f"{section}.{item.id}"), f"name {item.id!r} is already used by {seen[item.id]}"
                )
            seen.setdefault(item.id, f"{section}.{item.id}")
    for section, ids in (
        ("horizons", [(h.id, h.where) for h in s.horizons]),
        ("sources", [(x.id, x.where) for x in s.sources]),
        ("scenarios", [(r.id, r.where) for r in s.rules]),
    ):
        names: set[str] = set()
        for name, where in ids:
            if name in names or (section == "scenarios" and name in seen):
                used = f"{section}.{name}" if name in names else seen[name]
                yield ScenarioError(_at(where, f"{section}.{name}"), f"name {name!r} is already used by {used}")
            names.add(name)


def _horizons(s: Parts) -> Iterator[ScenarioError]:
    if not s.horizons:
        yield ScenarioError(Location(s.path, key_path="horizons"), "at least one horizon is needed")
    for before, h in zip(s.horizons, s.horizons[1:]):
        if h.until <= before.until:
            yield ScenarioError(
                _at(h.where, f"horizons.{h.id}.until"),
                f"horizons must be in increasing order: {h.text} is not after {before.id} ({before.text})",
            )


def _sources(s: Parts) -> Iterator[ScenarioError]:
    known = [x.id for x in s.sources]
    refs: list[tuple[str, SourceRef, Location]] = []
    for section, items in (("drivers", s.drivers), ("events", s.events), ("context", s.context)):
        for item in items:
            kp = f"{section}.{item.id}"
            status = getattr(item, "status", None)
            status_ref = status.source if status is not None else None
            for ref in citations(item):
                if ref is item.source:
                    at = f"{kp}.source"
                elif ref is status_ref:
                    at = f"{kp}.status.source"
                else:
                    at = f"{kp}.sources[{item.sources.index(ref)}]"  # type: ignore[union-attr]
                refs.append((at, ref, item.where))
    for kp, ref, where in refs:
        if ref.ref and ref.ref not in known:
            hint = did_you_mean(ref.ref, known)
            yield ScenarioError(_at(where, f"{kp}.ref"), f"unknown source {ref.ref!r}", hint=hint)
        if ref.credibility is not None and ref.credibility not in range(1, 7):
            yield ScenarioError(_at(where, f"{kp}.credibility"), "credibility must be 1 to 6", got=ref.credibility)
    for x in s.sources:
        if x.reliability and x.reliability not in "ABCDEF":
            yield ScenarioError(
                _at(x.where, f"sources.{x.id}.reliability"), "reliability must be A to F", got=x.reliability
            )


def _correlations(s: Parts) -> Iterator[ScenarioError]:
    drivers = {d.id: d for d in s.drivers}
    seen: dict[frozenset[str], int] = {}
    for i, c in enumerate(s.correlations):
        where = _at(c.where, f"correlations[{i}]")
        for j, name in ((0, c.a), (1, c.b)):
            if name not in drivers:
                hint = did_you_mean(name, drivers)
                yield ScenarioError(_at(where, f"correlations[{i}][{j}]"), f"unknown driver {name!r}", hint=hint)
            elif drivers[name].kind == "constant":
                problem = f"driver {name!r} is a constant and cannot be correlated"
                yield ScenarioError(_at(where, f"correlations[{i}][{j}]"), problem)
            elif drivers[name].parents:
                problem = (
                    f"driver {name!r} has parameters that read other drivers ({', '.join(sorted(drivers[name].parents))}) "
                    "and cannot be correlated: its dependence on them is what its parameters state"
                )
                yield ScenarioError(_at(where, f"correlations[{i}][{j}]"), problem)
        if c.a == c.b:
            yield ScenarioError(where, f"a driver cannot be correlated with itself ({c.a!r})")
        if not -1 <= c.rho <= 1:
            yield ScenarioError(_at(where, f"correlations[{i}][2]"), "rank correlation must lie in [-1, 1]", got=c.rho)
        key = frozenset((c.a, c.b))
        if key in seen:
            yield ScenarioError(where, f"pair [{c.a}, {c.b}] is already given at correlations[{seen[key]}]")
        seen.setdefault(key, i)


def _hierarchical(s: Parts, kinds: dict[str, NameKind]) -> Iterator[ScenarioError]:
    """A driver's parameters written as expressions read only other drivers, and no cycle runs through them."""
    for d in s.drivers:
        if isinstance(d.stated, HierarchicalForm):
            for _, e in d.stated.expressions:
                yield from _expression(s, e, kinds, "a driver")
    parents = {d.id: d.parents & kinds.keys() for d in s.drivers}
    placed: set[str] = set()
    while True:
        ready = {n for n, p in parents.items() if n not in placed and p <= placed}
        if not ready:
            break
        placed |= ready
    left = [d for d in s.drivers if d.id not in placed]
    if left:
        where = _at(left[0].where, f"drivers.{left[0].id}")
        yield ScenarioError(
            where, "drivers' parameters refer to each other in a cycle: " + ", ".join(d.id for d in left)
        )


def _events(s: Parts, kinds: dict[str, NameKind]) -> Iterator[ScenarioError]:
    horizons = [h.id for h in s.horizons]
    earlier: list[str] = []
    every = [e.id for e in s.events]
    for e in s.events:
        kp = f"events.{e.id}"
        if e.status is not None:
            if e.status.happened > s.as_of:
                problem = f"happened {e.status.happened.isoformat()} is after as_of ({s.as_of.isoformat()})"
                yield ScenarioError(_at(e.where, f"{kp}.status.happened"), problem)
            if e.rate is not None or e.by or e.after or e.requires:
                yield ScenarioError(
                    _at(e.where, kp), "an event whose status says it happened has no rate, by, after or requires"
                )
        elif (e.rate is None) == (not e.by):
            yield ScenarioError(_at(e.where, kp), "needs exactly one of 'rate' and 'by'")
        for x in (e.rate, *(x for _, x in e.by)):
            if x is not None:
                yield from _expression(s, x, kinds, "a driver or a derived quantity")
        given = [h for h, _ in e.by]
        times: list[float] = []
        for h in given:
            try:
                times.append(by_years(h, s.horizons, s.as_of))
            except ValueError as exc:
                problem = str(exc) if looks_like_time(h) else f"unknown horizon {h!r}"
                hint = "" if looks_like_time(h) else did_you_mean(h, horizons)
                yield ScenarioError(_at(e.where, f"{kp}.by.{h}"), problem, hint=hint)
        if len(times) == len(given) and any(b <= a for a, b in itertools.pairwise(times)):
            yield ScenarioError(_at(e.where, f"{kp}.by"), "horizons must be given in the order the scenario has them")
        for other, key in [*((o, f"after.{o}") for o, _ in e.after), *((o, "requires") for o in e.requires)]:
            if other not in earlier:
                problem = (
                    f"unknown event {other!r}"
                    if other not in every
                    else f"event {other!r} must come before {e.id!r}: events are held in the order they depend on each other"
                )
                yield ScenarioError(_at(e.where, f"{kp}.{key}"), problem, hint=did_you_mean(other, every))
        earlier.append(e.id)


def _expression(
    s: Parts, e: Expression, kinds: dict[str, NameKind], what: str, later: Set[str] = frozenset()
) -> Iterator[ScenarioError]:
    """The names ``e`` reads are defined before it (``later`` are defined after), and hold what it was compiled for."""
    for name, compiled in e.scope:
        if name in later:
            problem = f"refers to {name!r}, which comes after it: derived quantities are held in the order they use each other"
            yield ScenarioError(e.where, problem)
        elif name not in kinds and name in {c.id for c in s.context}:
            yield ScenarioError(e.where, f"{name!r} {CONTEXT_REFUSED}")
        elif name not in kinds:
            hint = did_you_mean(name, kinds)
            yield ScenarioError(e.where, f"refers to {name!r}, which is not {what} of this scenario", hint=hint)
        elif _shown(compiled) != _shown(kinds[name]):
            yield ScenarioError(
                e.where,
                f"was compiled with {name!r} as {_shown(compiled)}, but it is {_shown(kinds[name])} in this scenario",
            )


def _driver_kind(d: Driver) -> NameKind:
    if d.categories is not None:
        return d.categories
    return YES_NO if d.kind == "yes/no" else None


def _shown(kind: NameKind) -> str:
    """A kind as a message names it: a number, a condition, or the categories."""
    if isinstance(kind, tuple):
        return "categories " + ", ".join(kind)
    if kind == YES_NO:
        return "a condition"
    return "a value of any kind" if kind == ANY else "a number" if kind in (None, NUMBER) else str(kind)
