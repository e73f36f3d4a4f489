"""Observations files: what has been seen since ``as_of``, read with located errors against a scenario.

Owns the :class:`Observation` record, the Admiralty reliability grades
(:data:`GRADES`), compiling an observable against a scenario's names
(:func:`compile_observable`) and reading an observations file
(:func:`load_observations`) or the same data given as Python lists and dicts
(:func:`read_observations`). An observations file is its own file, never part
of a scenario: it is data, read by the same safe YAML reader as scenario files
(:mod:`.reading`), and loading it never runs code. Never samples, never
prints: updating the worlds on observations is :mod:`outlook.analysis.update`.

The file::

    observations:
      - indicator: i_further          # or  observable: happened(further_deployment)
        value: true                   # what was seen: the observable held (true) or not (false)
        date: 2025-03-01              # when; on or after the scenario's as_of
        source: {ref: ap, quote: "..."}   # optional: ref, quote, title, publisher, url, date, note
        reliability: B                # optional Admiralty grade A-F; absent: a hard (certain) observation
        note: "..."                   # optional

An ``indicator:`` is an id of the scenario's ``indicators:`` block (its
``observable``); an ``observable:`` is a condition over the scenario's names,
written as a scenario rule is (format 1.1's ``time(e)``, ``happened(e, by=X)``,
``date()`` and ``years()`` allowed; ``t`` not). Exactly one of the two.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Location, ScenarioError, ScenarioErrors, did_you_mean
from .durations import years_to
from .expressions import NUMBER, YES_NO, Expression, NameKind, Timing, compile_expression
from .reading import Node, compose, from_plain, read_text
from .timing import per_horizon
from .values import Reader, Skip

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = [
    "GRADES",
    "Observation",
    "Observations",
    "compile_observable",
    "load_observations",
    "read_observations",
]

#: The Admiralty (NATO STANAG 2511) source-reliability grades: A completely reliable, B usually reliable,
#: C fairly reliable, D not usually reliable, E unreliable, F reliability cannot be judged.
GRADES = ("A", "B", "C", "D", "E", "F")

_KEYS = ("indicator", "observable", "value", "date", "source", "reliability", "note")
_SOURCE_KEYS = ("ref", "quote", "title", "publisher", "url", "date", "note")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Observation:
    """One thing seen: an observable's value on a date, with its source and, if graded, its reliability.

    Attributes
    ----------
    index
        Its place in the file's list, from 0 (``observations[index]``).
    expression
        The observable, compiled over the scenario's names (a condition).
    value
        ``True`` if the observable was seen to hold, ``False`` if it was seen not to.
    date
        When it was seen: on or after the scenario's ``as_of``, at most the last horizon's end.
    years
        ``date`` in years from ``as_of`` (days / 365.25).
    indicator
        The indicator's id when the observation names one, else ``""``.
    reliability
        The Admiralty grade ``A``-``F``, or ``""`` for a hard observation (certain).
    source
        The ``source:`` entries (``ref``, ``quote``, ...), as text.
    note
        Free text.
    where
        The list item's place in its file (``observations[index]``).
    """

    index: int
    expression: Expression
    value: bool
    date: dt.date
    years: float
    indicator: str = ""
    reliability: str = ""
    source: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
    where: Location = field(default=Location(), compare=False, repr=False)

    @property
    def name(self) -> str:
        """How tables and messages name it: the indicator's id, or the observable's text."""
        return self.indicator or self.expression.text

    @property
    def hard(self) -> bool:
        """Whether it is certain (no reliability grade): it weights worlds 0 or 1."""
        return not self.reliability


@dataclass(frozen=True)
class Observations(Sequence[Observation]):
    """The observations of one file (or list), in order, and where they came from."""

    items: tuple[Observation, ...]
    path: str = "<observations>"
    scenario_hash: str = ""

    def __getitem__(self, i: Any) -> Any:
        return self.items[i]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Observation]:
        return iter(self.items)


def observable_names(scenario: Scenario) -> dict[str, NameKind]:
    """What an observable may read: every driver, derived quantity and event (an event as a yes/no value)."""
    names: dict[str, NameKind] = {}
    for d in scenario.drivers:
        names[d.id] = d.categories if d.categories is not None else (YES_NO if d.kind == "yes/no" else None)
    for dv in scenario.derived:
        names[dv.id] = dv.expr.kind
    names.update(dict.fromkeys((e.id for e in scenario.events), YES_NO))
    return names


def compile_observable(scenario: Scenario, text: object, where: Location) -> Expression:
    """An observable compiled over ``scenario``'s names: a condition (a yes/no value).

    Parameters
    ----------
    scenario
        The scenario whose worlds it will be evaluated in.
    text
        The expression text, e.g. ``happened(further_deployment, by='6mo') and not ceasefire``.
    where
        Where the text is written.

    Returns
    -------
    Expression
        Of kind ``yes/no``.

    Raises
    ------
    ScenarioError
        For an expression the compiler refuses (an unknown name, say) or one
        that is a number, not a condition, located at ``where``.
    """
    timing = Timing(
        scenario.as_of,
        tuple((h.id, h.until) for h in scenario.horizons),
        frozenset(e.id for e in scenario.events),
        t=False,
    )
    expr = compile_expression(text, where=where, names=observable_names(scenario), timing=timing)  # type: ignore[arg-type]
    if expr.kind == NUMBER:
        raise ScenarioError(
            where, "an observable must be a condition (true or false in each world), not a number", got=expr.text
        )
    return expr


def load_observations(path: str | Path, scenario: Scenario) -> Observations:
    """Read an observations file against ``scenario`` (see the module's docstring for the format).

    Parameters
    ----------
    path
        A YAML file, read as scenario files are (regular files only, at most 5,000,000 bytes of UTF-8).
    scenario
        The scenario the observations are about: its names, indicators, ``as_of`` and horizons.

    Returns
    -------
    Observations

    Raises
    ------
    ScenarioErrors
        Every problem in the file, each located at file:line:column and key
        path (``observations[2].date``): a missing or unknown key, both or
        neither of ``indicator`` and ``observable``, an unknown indicator, an
        observable that is not a condition or names an unknown name, a
        ``value`` that is not true or false, a date that is not YYYY-MM-DD or
        is before ``as_of`` (a fact known then belongs in the scenario) or
        after the last horizon's end, a reliability that is not A-F, a
        ``source`` that is not a mapping of the keys above with text values,
        or whose ``ref`` is not a source of the scenario's ``sources:`` block.
    ScenarioError
        If the file cannot be read.
    """
    p = str(path)
    return _build(compose(read_text(path), p), p, scenario)


def read_observations(data: Any, scenario: Scenario, *, path: str = "<observations>") -> Observations:
    """Observations given as Python data: ``{"observations": [...]}`` or the list alone, checked as a file is.

    Raises
    ------
    ScenarioErrors
        As :func:`load_observations`, located at ``path`` and the key path.
    """
    if isinstance(data, Observations):
        return data
    if isinstance(data, list | tuple):
        data = {"observations": list(data)}
    errors: list[ScenarioError] = []
    root = from_plain(data, path, errors)
    if errors:
        raise ScenarioErrors(errors)
    return _build(root, path, scenario)


def _build(root: Node, path: str, scenario: Scenario) -> Observations:
    r = Reader(path)
    out: list[Observation] = []
    with r.collecting():
        top = r.mapping(root, "", required=("observations",), optional=("note",), what="a mapping with 'observations:'")
        node = top.get("observations")
        if node is None:
            raise Skip()
        if node.kind != "seq" or not node.value:
            raise r.fail(r.at(node, "observations"), "expected a list of observations (at least one)")
        for i, item in enumerate(node.value):
            with r.collecting():
                out.append(_observation(r, i, item, scenario))
    _same_source(r, out)
    if r.errors:
        raise ScenarioErrors(r.errors)
    return Observations(tuple(out), path, scenario.hash)


def _same_source(r: Reader, out: Sequence[Observation]) -> None:
    """Refuse a graded observation that repeats an earlier one's observable from the same ``source:``.

    Graded observations multiply their reliability-discounted likelihoods as
    independent reports; one source reporting one thing twice is one report,
    and counting it twice would square its weight. It is refused (not
    counted once) so that the file says what the update uses.
    """
    first: dict[tuple[str, tuple[tuple[str, str], ...]], Observation] = {}
    for o in out:
        if o.hard or not o.source:
            continue
        key = (o.expression.text, tuple(sorted(o.source.items())))
        if key in first:
            earlier = first[key]
            r.fail(
                o.where,
                f"observations[{earlier.index}] already reports {o.name} from the same source: a source counted "
                "twice would square its weight; keep one report (or, for a new report, say what is new in source)",
            )
        else:
            first[key] = o


def _observation(r: Reader, i: int, node: Node, scenario: Scenario) -> Observation:
    """One item of the list; each of its problems is recorded, then the item is skipped if it has any."""
    kp = f"observations[{i}]"
    m = r.mapping(node, kp, required=("value", "date"), optional=tuple(k for k in _KEYS if k not in ("value", "date")))
    here = r.at(node, kp)
    before = len(r.errors)
    got: dict[str, Any] = {}
    routes = [k for k in ("indicator", "observable") if k in m]
    with r.collecting():
        if len(routes) != 1:
            raise r.fail(here, "give exactly one of 'indicator' and 'observable'" + (", not both" if routes else ""))
        got["route"] = _observable(r, m, routes[0], kp, scenario)
    with r.collecting():
        value = m.get("value")
        if value is not None and not (value.kind == "scalar" and isinstance(value.value, bool)):
            problem = "expected true or false (the observable was seen to hold, or not)"
            raise r.fail(r.at(value, f"{kp}.value"), problem, got=value.to_plain())
    with r.collecting():
        if "date" in m:
            got["date"] = _date(r, m["date"], f"{kp}.date", scenario)
    with r.collecting():
        got["grade"] = _grade(r, m["reliability"], f"{kp}.reliability") if "reliability" in m else ""
    with r.collecting():
        if "source" in m:
            sm = r.mapping(m["source"], f"{kp}.source", optional=_SOURCE_KEYS, what="a mapping such as {ref, quote}")
            got["source"] = r.texts(sm, f"{kp}.source", _SOURCE_KEYS)
            _source_ref(r, sm, got["source"], f"{kp}.source.ref", scenario)
    with r.collecting():
        got["note"] = r.text(m["note"], f"{kp}.note") if "note" in m else ""
    if len(r.errors) > before or value is None or "date" not in got:
        raise Skip()
    expr, indicator = got["route"]
    when = got["date"]
    _known_at(r, expr, when, scenario, here)
    return Observation(
        i,
        expr,
        bool(value.value),
        when,
        years_to(scenario.as_of, when),
        indicator,
        got["grade"],
        got.get("source", {}),
        got["note"],
        here,
    )


#: A day and a half in years: how near a horizon's end (in years) a date must be to be that end's date.
ONE_DAY = 1.5 / 365.25


def _known_at(r: Reader, expr: Expression, when: dt.date, scenario: Scenario, where: Location) -> None:
    """Refuse an observable that reads a derived quantity that changes with ``t``, dated between horizon ends.

    Such a quantity has a value only at each horizon's end; read on another date it would silently take
    a later horizon's value (``u = g * t`` seen on a date when ``t`` is 0.16 would be read at ``t = 1``).
    """
    moving = sorted(per_horizon(scenario.derived) & set(expr.names))
    if not moving:
        return
    at = years_to(scenario.as_of, when)
    # a date is a whole day, and a horizon's end in years a calendar date only to within a day (365.25-day years)
    if any(abs(at - float(h.until)) <= ONE_DAY for h in scenario.horizons):
        return
    raise r.fail(
        where,
        f"this observation reads {moving[0]!r}, a derived quantity that changes with t and is known only at the "
        f"horizons' ends; date it at a horizon's end, or observe what it is made of",
    )


def _source_ref(r: Reader, sm: dict[str, Node], source: Mapping[str, str], kp: str, scenario: Scenario) -> None:
    """A ``source.ref`` names a source of the scenario's ``sources:`` block, as a driver's or an event's does."""
    ref = source.get("ref", "")
    known = [x.id for x in getattr(scenario, "sources", ())]
    if ref and ref not in known:
        listed = ", ".join(known) if known else "none: the scenario has no 'sources:' block"
        raise r.fail(
            r.at(sm["ref"], kp), f"unknown source {ref!r} (the scenario's: {listed})", hint=did_you_mean(ref, known)
        )


def _grade(r: Reader, node: Node, kp: str) -> str:
    """An Admiralty reliability grade, A to F."""
    grade = r.text(node, kp, "a grade A-F")
    if grade not in GRADES:
        raise r.fail(r.at(node, kp), "expected an Admiralty reliability grade, one of A, B, C, D, E, F", got=grade)
    return grade


def _observable(r: Reader, m: dict[str, Node], route: str, kp: str, scenario: Scenario) -> tuple[Expression, str]:
    """The observation's expression, and its indicator's id (``""`` for an ``observable:``)."""
    node = m[route]
    if route == "observable":
        if node.kind != "scalar" or isinstance(node.value, bool) or not isinstance(node.value, str):
            raise r.fail(
                r.at(node, f"{kp}.observable"),
                "expected a condition, such as happened(e, by='6mo')",
                got=node.to_plain(),
            )
        where = Location(r.path, node.text_line or node.line, node.text_col, f"{kp}.observable")
        return compile_observable(scenario, node.value, where), ""
    iid = r.text(node, f"{kp}.indicator", "an indicator id")
    block = getattr(scenario, "indicators", None) or ()
    records = block.values() if isinstance(block, Mapping) else block  # records with .id and .observable
    indicators = {str(getattr(i, "id", "")): i for i in records}
    if iid not in indicators:
        known = list(indicators)
        listed = ", ".join(known) if known else "none: the scenario has no 'indicators:' block"
        raise r.fail(
            r.at(node, f"{kp}.indicator"),
            f"unknown indicator {iid!r} (the scenario's: {listed})",
            hint=did_you_mean(iid, known),
        )
    observable = getattr(indicators[iid], "observable", None)
    text = getattr(observable, "text", observable)
    where = Location(r.path, node.line, node.col, f"{kp}.indicator")
    try:
        return compile_observable(scenario, text, where), iid
    except ScenarioError as exc:
        raise r.fail(where, f"indicator {iid!r}: its observable cannot be observed: {exc.problem}") from None


def _date(r: Reader, node: Node, kp: str, scenario: Scenario) -> dt.date:
    """A date written YYYY-MM-DD, from ``as_of`` to the last horizon's end."""
    v = node.value
    when: dt.date | None = None
    if isinstance(v, dt.datetime):
        when = v.date()
    elif isinstance(v, dt.date):
        when = v
    elif isinstance(v, str) and (match := _DATE.match(v.strip())):
        try:
            when = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError as exc:
            raise r.fail(r.at(node, kp), f"invalid date: {exc}", got=v) from None
    if when is None:
        raise r.fail(r.at(node, kp), "expected a date written YYYY-MM-DD, such as 2025-03-01", got=node.to_plain())
    as_of = scenario.as_of
    if when < as_of:
        raise r.fail(
            r.at(node, kp),
            f"{when.isoformat()} is before the scenario's as_of ({as_of.isoformat()}): what was known then "
            "belongs in the scenario as a fact (an event's status), not in an update",
        )
    last = scenario.horizons[-1]
    if years_to(as_of, when) > last.until + 1e-9:
        raise r.fail(
            r.at(node, kp),
            f"{when.isoformat()} is after the end of the last horizon, {last.id!r}: the scenario's worlds "
            "say nothing about what happens then",
        )
    return when
