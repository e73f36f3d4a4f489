"""The sections of a scenario file, one function each, read in the order they depend on each other.

Owns the schema of every section but the drivers (:mod:`.drivers`): the top
level, ``sources``, ``horizons``, ``correlations``, ``derived``, ``events``
and ``scenarios``, what each key must hold and the located message for each
problem. :func:`build` reads them all and raises every problem together.
Never samples, never prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .. import distributions as dist
from ..errors import Location, ScenarioErrors, did_you_mean, number_text
from .assumptions import assumptions as read_assumptions
from .claims import claims as read_claims
from .drivers import drivers as read_drivers
from .durations import end_date, looks_like_time, parse_duration, point_in_time
from .expressions import ANY, NUMBER, YES_NO, Expression, NameKind, Timing, names_in
from .futures import futures as read_futures
from .grades import GRADES
from .hypotheses import evidence as read_evidence
from .hypotheses import hypotheses as read_hypotheses
from .indicators import check_assumption_indicators
from .indicators import indicators as read_indicators
from .judgements import judgements as read_judgements
from .lineage import LINEAGE_KEYS, lineage
from .order import toposort
from .provenance import read_citations, read_context, read_resolution, read_status, source_grades
from .reading import Node
from .records import (
    FORMAT_VERSIONS,
    Correlation,
    Derived,
    Driver,
    Event,
    Horizon,
    ScenarioRule,
    Source,
)
from .timing import per_horizon
from .values import Reader, Skip, shown

__all__ = [
    "build",
]

_REQUIRED = ("outlook", "id", "title", "question", "as_of", "horizons", "drivers", "scenarios")
_OPTIONAL = (
    "description",
    "scope",
    "sources",
    "correlations",
    "correlation_repair",
    "derived",
    "events",
    "indicators",
    "assumptions",
    "hypotheses",
    "evidence",
    "context",
    "judgements",
    "futures",
    "claims",
)
#: a date, or a YAML 1.1 timestamp (its time of day is ignored)
_DATE = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?\Z"
)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def build(root: Node, path: str) -> dict[str, Any]:
    """The fields of a :class:`~outlook.scenario.Scenario` from the nodes of a file.

    Sections are read in the order they depend on each other (sources and
    horizons before the drivers and events that name them); a section that
    fails is left empty, and names it declared stay known, so that one
    problem is reported once, not again wherever the name is used.

    Raises
    ------
    ScenarioErrors
        Every problem found, each located.
    """
    r = Reader(path)
    top: dict[str, Node] = {}
    with r.collecting():
        top = r.mapping(
            root, "", required=_REQUIRED, optional=_OPTIONAL + LINEAGE_KEYS, what="a mapping of scenario keys"
        )
    if not top and r.errors:
        raise ScenarioErrors(r.errors)
    _defined(r, root, top)
    if "outlook" in top:
        before = len(r.errors)
        with r.collecting():
            r.version = version(r, top["outlook"])
        if len(r.errors) > before:  # a file of another version: nothing else in it can be judged
            raise ScenarioErrors(r.errors)
    fields: dict[str, Any] = {"version": r.version, "id": "", "title": "", "question": "", "description": ""}
    if "scope" in top:
        with r.collecting():
            r.needs_format(r.at_key(root, "scope", "scope"), "'scope'")
            fields["scope"] = r.text(top["scope"], "scope")
    with r.collecting():
        fields["id"] = slug(r, top["id"]) if "id" in top else ""
    for key in ("title", "question", "description"):
        if key in top:
            with r.collecting():
                fields[key] = r.text(top[key], key)
    as_of = None
    if "as_of" in top:
        with r.collecting():
            as_of = date(r, top["as_of"])
    fields["as_of"] = as_of or dt.date(1970, 1, 1)
    fields["sources"] = _section(r, top, "sources", sources)
    r.source_ids = [s.id for s in fields["sources"]]
    fields["context"] = _section(r, top, "context", read_context)
    if "context" in top and top["context"].kind == "map":
        r.context_ids = [str(k) for k in top["context"].value]
    fields["horizons"] = _section(r, top, "horizons", lambda r, node: horizons(r, node, as_of))
    r.horizon_ids = [h.id for h in fields["horizons"]]
    fields.update(lineage(r, top))
    as_of_only = Timing(fields["as_of"])  # date() and years() in a driver's parameter: constants given as_of
    drivers: tuple[Driver, ...] = _section(r, top, "drivers", lambda r, node: read_drivers(r, node, as_of_only))
    fields["drivers"] = drivers
    repair = "none"
    if "correlation_repair" in top:
        with r.collecting():
            repair = correlation_repair(r, top["correlation_repair"])
    fields["correlation_repair"] = repair
    fields["correlations"] = _section(r, top, "correlations", lambda r, node: correlations(r, node, drivers, repair))
    _declare(r, top, drivers)
    timing = Timing(fields["as_of"], tuple((h.id, h.until) for h in fields["horizons"]))
    fields["derived"] = _section(r, top, "derived", lambda r, node: derived(r, node, timing))
    varying = per_horizon(fields["derived"])
    fields["events"] = _section(r, top, "events", lambda r, node: events(r, node, timing, varying))
    fields["rules"] = _section(r, top, "scenarios", lambda r, node: rules(r, node, timing))
    written = list(top["scenarios"].value) if "scenarios" in top and top["scenarios"].kind == "map" else None
    fields["indicators"] = _section(
        r, top, "indicators", lambda r, node: read_indicators(r, node, root, timing, written)
    )
    fields["assumptions"] = _section(r, top, "assumptions", lambda r, node: read_assumptions(r, node, root, build))
    ind = top.get("indicators")
    if "assumptions" in top and r.version >= 1.1 and (ind is None or ind.kind == "map"):
        check_assumption_indicators(r, top["assumptions"], list(ind.value) if ind is not None else [])
    _ach(r, top, root, fields, timing, written)
    ev = top.get("events")
    event_ids = [str(k) for k in ev.value] if ev is not None and ev.kind == "map" else []
    fields["judgements"] = _section(
        r, top, "judgements", lambda r, node: read_judgements(r, node, root, written, event_ids)
    )
    found = _section(r, top, "futures", lambda r, node: read_futures(r, node, root, timing))
    fields["futures"] = found[0] if found else None
    fields["claims"] = _section(
        r, top, "claims", lambda r, node: read_claims(r, node, root, timing, written, event_ids)
    )
    if r.errors:
        raise ScenarioErrors(r.errors)
    return {**fields, "path": path}


def _ach(r: Reader, top: dict[str, Node], root: Node, fields: dict[str, Any], timing: Timing, written: Any) -> None:
    """The ``hypotheses`` and ``evidence`` blocks (format 1.1): an ACH matrix (:mod:`.hypotheses`)."""
    found = _section(r, top, "hypotheses", lambda r, node: read_hypotheses(r, node, root, written))
    fields["hypotheses"] = found[0] if found else None
    block = fields["hypotheses"]
    node = top.get("hypotheses")
    known: list[str] | None = written  # the scenarios (or None: they cannot be known)
    if node is not None and block is None:
        known = None  # the block's own problem is reported where it is
    elif block is not None and not block.from_scenarios and node is not None and node.kind == "map":
        known = [k for k in node.value if k != "exclusive"]  # every id written, valid or not
    fields["evidence"] = _section(
        r,
        top,
        "evidence",
        lambda r, node: read_evidence(r, node, root, timing, block, known, fields["horizons"]),
    )


def _section(
    r: Reader, top: dict[str, Node], key: str, read: Callable[[Reader, Node], Iterable[Any]]
) -> tuple[Any, ...]:
    """``read(r, node)`` of the section ``key``, or ``()`` if it is absent or fails."""
    if key not in top:
        return ()
    with r.collecting():
        return tuple(read(r, top[key]))
    return ()


#: the sections that define names, so that a reference to one of them is checked
_NAMING = ("sources", "horizons", "drivers", "derived", "events")


def _defined(r: Reader, root: Node, top: dict[str, Node]) -> None:
    """Record every name each section defines, valid or not, and the sections whose names cannot be known.

    A section cannot be known when it is not a mapping, when it is written
    under a misspelt key (``driver:``, an unknown key whose suggestion is
    the section) or, being required, is missing: each is reported once where
    it is, and the names used elsewhere are not reported as unknown again.
    """
    for key in _NAMING:
        node = top.get(key)
        if node is not None and node.kind == "map":
            r.defined[key] = frozenset(node.value)
        elif node is not None or key in _REQUIRED:
            r.unknowable.add(key)
    if root.kind == "map":
        for key in root.value:
            if key not in top:  # an unknown top-level key: the section it was meant to be cannot be known
                r.unknowable.update(k for k in _NAMING if k not in top and did_you_mean(key, (k,)))


def _declare(r: Reader, top: dict[str, Node], drivers: tuple[Driver, ...]) -> None:
    """Declare every derived quantity and event first, so that order in the file does not matter.

    What each name holds is recorded too: a driver or derived quantity that
    failed validation is still declared, of unknown kind (``ANY``), so that
    there is no "unknown name" or "not a condition" cascade.
    """
    for section in ("derived", "events"):
        node = top.get(section)
        if node is not None and node.kind == "map":
            for name in node.value:
                with r.collecting():
                    r.claim(node, name, section)
    r.kinds = {n: ANY for n, s in r.names.items() if s in ("drivers", "derived")}
    r.kinds.update({d.id: _kind(d) for d in drivers})


# -- the top level -----------------------------------------------------------


def version(r: Reader, node: Node) -> float:
    """``outlook: 1`` or ``outlook: 1.1`` (a number: one of :data:`FORMAT_VERSIONS`)."""
    v = node.value
    names = " and ".join(str(x) for x in FORMAT_VERSIONS)
    if isinstance(v, str) and v.strip() in {str(x) for x in FORMAT_VERSIONS}:
        raise r.fail(
            r.at(node, "outlook"),
            f"the format version must be the number {v.strip()}, not text: write it without quotes",
            got=v,
        )
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v not in FORMAT_VERSIONS:
        raise r.fail(r.at(node, "outlook"), f"unsupported format version; this outlook reads versions {names}", got=v)
    return 1 if v == 1 else float(v)


def slug(r: Reader, node: Node) -> str:
    """``id``: lowercase letters, digits and '-'."""
    s = r.text(node, "id")
    if not _SLUG.match(s):
        raise r.fail(r.at(node, "id"), "id must be lowercase letters, digits and '-'", got=s)
    return s


def date(r: Reader, node: Node, kp: str = "as_of") -> dt.date:
    """A date written as text, 2024-11-01 (YAML 1.2 has no date type; a YAML 1.1 timestamp's time is ignored)."""
    v = node.value
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    m = _DATE.match(v) if isinstance(v, str) else None
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as exc:
            raise r.fail(r.at(node, kp), f"invalid value: {exc}", got=v) from None
    raise r.fail(r.at(node, kp), "expected a date such as 2024-11-01", got=shown(node))


def correlation_repair(r: Reader, node: Node) -> str:
    """``none`` or ``nearest``."""
    v = r.text(node, "correlation_repair")
    if v not in ("none", "nearest"):
        raise r.fail(
            r.at(node, "correlation_repair"),
            "expected 'none' or 'nearest'",
            got=v,
            hint=did_you_mean(v, ("none", "nearest")),
        )
    return v


# -- sources and horizons ------------------------------------------------------


def sources(r: Reader, node: Node) -> tuple[Source, ...]:
    """``sources``: id -> ``{title, publisher, date, file, url, note}``; format 1.1 adds the grades (:mod:`.provenance`)."""
    m = r.mapping(node, "sources", what="a mapping of source ids")
    out = []
    for sid, snode in m.items():
        kp = f"sources.{sid}"
        with r.collecting():
            r.name(node, sid, kp)
            sm = r.mapping(
                snode, kp, required=("title",), optional=("publisher", "date", "file", "url", "note", *GRADES)
            )
            f = r.texts(sm, kp, ("title", "publisher", "date", "file", "url", "note"))
            grades = source_grades(r, sm, kp)
            if "title" in sm:  # else reported as a missing key
                out.append(Source(sid, where=r.at(snode, kp), **f, **grades))
    return tuple(out)


def horizons(r: Reader, node: Node, as_of: dt.date | None) -> tuple[Horizon, ...]:
    """``horizons``: id -> ``{label, until, note}``, in increasing order."""
    m = r.mapping(node, "horizons", what="a mapping of horizon ids")
    if not m:
        raise r.fail(r.at(node, "horizons"), "at least one horizon is needed")
    out: list[Horizon] = []
    for hid, hnode in m.items():
        kp = f"horizons.{hid}"
        with r.collecting():
            h = horizon(r, node, hid, hnode, as_of)
            if out and h.until <= out[-1].until:
                raise r.fail(
                    r.at(hnode.value["until"], kp + ".until"),
                    f"horizons must be in increasing order: {h.text} is not after {out[-1].id} ({out[-1].text})",
                )
            out.append(h)
    return tuple(out)


def horizon(r: Reader, parent: Node, hid: str, node: Node, as_of: dt.date | None) -> Horizon:
    """One horizon; it must end by the year 9999, the last date a report can show."""
    kp = f"horizons.{hid}"
    r.name(parent, hid, kp)
    hm = r.mapping(node, kp, required=("until",), optional=("label", "note"))
    f = r.texts(hm, kp, ("label", "note"))
    if "until" not in hm:
        raise Skip()
    unode = hm["until"]
    text = unode.raw if unode.raw is not None else str(unode.value)
    if isinstance(unode.value, dt.date):  # plain data: a date object
        text = unode.value.isoformat()
    years = _until(r, unode, kp + ".until", text, as_of)
    if as_of is not None and end_date(as_of, years) is None:
        raise r.fail(
            r.at(unode, kp + ".until"),
            f"horizon ends after the year 9999 ({as_of.isoformat()} + {text}), past the last date a report can show",
        )
    return Horizon(hid, f.get("label") or hid, years, text, f.get("note", ""), r.at(node, kp))


def _until(r: Reader, unode: Node, kp: str, text: str, as_of: dt.date | None) -> float:
    """``until:``: a duration, or (format 1.1) a date after ``as_of``; in years from ``as_of``."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        problem = str(exc)
    if _DATE.match(text.strip()):
        r.needs_format(r.at(unode, kp), "a date in until:")
        try:
            years = point_in_time(text.strip(), as_of or dt.date(1970, 1, 1))
        except ValueError as exc:
            raise r.fail(r.at(unode, kp), str(exc), got=text) from None
        if years <= 0:
            raise r.fail(r.at(unode, kp), "a horizon must end after as_of", got=text)
        return years
    raise r.fail(r.at(unode, kp), problem, got=unode.value)


# -- correlations --------------------------------------------------------------


def correlations(r: Reader, node: Node, drivers: tuple[Driver, ...], repair: str) -> tuple[Correlation, ...]:
    """``correlations``: ``[driver, driver, rho]`` pairs, judged as a whole unless repaired."""
    if node.kind != "seq":
        raise r.fail(r.at(node, "correlations"), "expected a list of [driver, driver, rho]", got=shown(node))
    by_name = {d.id: d for d in drivers}
    out: list[Correlation] = []
    seen: dict[frozenset[str], int] = {}
    for i, item in enumerate(node.value):
        with r.collecting():
            c = correlation(r, item, f"correlations[{i}]", by_name)
            key = frozenset((c.a, c.b))
            if key in seen:
                raise r.fail(c.where, f"pair [{c.a}, {c.b}] is already given at correlations[{seen[key]}]")
            seen[key] = i
            out.append(c)
    if len(out) == len(node.value) and out:
        # judged as a whole, over the correlated drivers in file order, as compile_model does
        involved = {n for c in out for n in (c.a, c.b)}
        order = [d.id for d in drivers if d.id in involved]
        index = {n: k for k, n in enumerate(order)}
        pairs = [(index[c.a], index[c.b], c.rho) for c in out]
        judged = dist.correlation_matrix(len(order), pairs)  # compile_model repairs, if asked
        if not judged.valid and repair != "nearest":
            raise r.fail(
                out[judged.conflict_pairs(pairs)[0]].where,
                judged.describe_conflict(order, pairs) + "; change them, or set correlation_repair: nearest",
            )
    return tuple(out)


def correlation(r: Reader, item: Node, kp: str, by_name: dict[str, Driver]) -> Correlation:
    """One ``[driver, driver, rho]``: two different drivers that vary, and a rank correlation."""
    if item.kind != "seq" or len(item.value) != 3:
        raise r.fail(r.at(item, kp), "expected [driver, driver, rho]", got=shown(item))
    a, b = (r.text(v, f"{kp}[{j}]") for j, v in enumerate(item.value[:2]))
    if not (a in by_name and b in by_name):  # each unknown one reported (a driver defined but invalid is not)
        for j, n in ((0, a), (1, b)):
            if n not in by_name:
                r.unknown(r.at(item.value[j], f"{kp}[{j}]"), "driver", n, by_name, "drivers")
        raise Skip()
    for j, n in ((0, a), (1, b)):
        if by_name[n].parents:
            raise r.fail(
                r.at(item.value[j], f"{kp}[{j}]"),
                f"driver {n!r} has parameters that read other drivers ({', '.join(sorted(by_name[n].parents))}) "
                "and cannot be correlated: its dependence on them is what its parameters state",
            )
        if by_name[n].kind == "constant":
            raise r.fail(
                r.at(item.value[j], f"{kp}[{j}]"),
                f"driver {n!r} is a constant and cannot be correlated",
                hint=f"Remove the pair; a what-if drops it with {kp}=drop.",
            )
    if a == b:
        raise r.fail(r.at(item, kp), f"a driver cannot be correlated with itself ({a!r})")
    rho = r.number(item.value[2], f"{kp}[2]")
    if not -1 <= rho <= 1:
        raise r.fail(r.at(item.value[2], f"{kp}[2]"), "rank correlation must lie in [-1, 1]", got=rho)
    return Correlation(a, b, rho, r.at(item, kp))


# -- derived quantities ----------------------------------------------------------


def derived(r: Reader, node: Node, timing: Timing) -> tuple[Derived, ...]:
    """``derived``: id -> expression, or ``{expr, label, unit, note}``; in the order they use each other.

    Every entry is read first, then compiled in dependency order, so that
    each knows whether the quantities it reads are numbers or conditions.
    A quantity may read ``t``, the end of the horizon (format 1.1): it then
    has a value per horizon; and ``date()`` and ``years()``; not events.
    """
    timing = dataclasses.replace(timing, t=True)
    m = r.mapping(node, "derived", what="a mapping of derived quantities")
    refused = {n: "is an event; events can appear only in scenario rules" for n, s in r.names.items() if s == "events"}
    found: dict[str, tuple[Node, str, dict[str, str], Node]] = {}
    for name, dnode in m.items():
        kp = f"derived.{name}"
        with r.collecting():
            if dnode.kind == "map":
                dm = r.mapping(dnode, kp, required=("expr",), optional=("label", "unit", "note"))
                text = r.texts(dm, kp, ("label", "unit", "note"))
                if "expr" not in dm:
                    raise Skip()
                found[name] = (dm["expr"], kp + ".expr", text, dnode)
            else:
                found[name] = (dnode, kp, {}, dnode)
    deps = {n: [d for d in names_in(e.value) if d in found and d != n] for n, (e, _, _, _) in found.items()}
    order = toposort(r, deps, {n: r.at(dnode, f"derived.{n}") for n, (_, _, _, dnode) in found.items()}, "derived")
    items: dict[str, Derived] = {}
    for name in order:
        enode, ekp, text, dnode = found[name]
        with r.collecting():
            with _without(r.kinds, name) as names:  # not a copy per quantity: linear in their number
                e = r.expression(enode, ekp, names, refused, timing=timing)
            r.kinds[name] = e.kind
            where = r.at(dnode, f"derived.{name}")
            items[name] = Derived(name, e, text.get("label", ""), text.get("unit", ""), text.get("note", ""), where)
    return tuple(items[n] for n in order if n in items)


@contextlib.contextmanager
def _without(kinds: dict[str, NameKind], name: str) -> Iterator[dict[str, NameKind]]:
    """``kinds`` without ``name`` for the time of the block (a quantity cannot read itself), then as before."""
    had = name in kinds
    kind = kinds.pop(name, None)
    try:
        yield kinds
    finally:
        if had:
            kinds[name] = kind


# -- events ------------------------------------------------------------------------


def events(r: Reader, node: Node, timing: Timing, varying: frozenset[str] = frozenset()) -> tuple[Event, ...]:
    """``events``: id -> event; in the order their ``after`` and ``requires`` need.

    ``varying``: the derived quantities with a value per horizon (they read
    ``t``), which a hazard cannot read.
    """
    m = r.mapping(node, "events", what="a mapping of events")
    items: dict[str, Event] = {}
    for name, enode in m.items():
        with r.collecting():
            items[name] = event(r, name, enode, timing, varying)
    deps = {n: [o for o, _ in e.after if o in items] + [o for o in e.requires if o in items] for n, e in items.items()}
    order = toposort(r, deps, {n: e.where for n, e in items.items()}, "events")
    return tuple(items[n] for n in order)


def event(r: Reader, name: str, node: Node, timing: Timing, varying: frozenset[str] = frozenset()) -> Event:
    """One event: exactly one of ``rate`` and ``by``, and what it depends on."""
    kp = f"events.{name}"
    em = r.mapping(node, kp, optional=("rate", "by", "after", "requires", "label", "note", "source", *_EVENT_1_1))
    text = r.texts(em, kp, ("label", "note"))
    source = None
    if "source" in em:
        with r.collecting():
            source = r.source_ref(em["source"], kp + ".source")
    more = _event_1_1(r, em, kp, timing.as_of)
    if "status" in em:
        for key in ("rate", "by", "after", "requires"):
            if key in em:
                problem = (
                    f"an event whose status says it happened is a fact, not a forecast: remove '{key}' or 'status'"
                )
                r.fail(r.at_key(node, key, f"{kp}.{key}"), problem)
        where = r.at(node, kp)
        return Event(name, label=text.get("label", ""), note=text.get("note", ""), source=source, where=where, **more)
    if ("rate" in em) == ("by" in em):
        what = (
            "has both 'rate' and 'by'"
            if "rate" in em
            else "needs 'rate' (hazard per year) or 'by' (probabilities by horizon)"
        )
        raise r.fail(r.at(node, kp), what)
    names = {k: v for k, v in r.kinds.items() if k not in varying}
    refused = dict.fromkeys(_event_names(r), "is an event; use after: or requires: to make a hazard depend on it")
    refused.update(dict.fromkeys(varying, _VARYING))
    rate = None
    by: tuple[tuple[str, Expression], ...] = ()
    if "rate" in em:
        rate = r.expression(em["rate"], kp + ".rate", names, refused, number=True, timing=timing)
        if rate.constant is not None and rate.constant < 0:
            raise r.fail(r.at(em["rate"], kp + ".rate"), "rate must not be negative", got=rate.constant)
    else:
        by = by_horizon(r, em["by"], kp + ".by", names, refused, timing)
    after = _after(r, em["after"], name, kp + ".after", names, refused, timing) if "after" in em else ()
    requires = _requires(r, em["requires"], name, kp) if "requires" in em else ()
    where = r.at(node, kp)
    return Event(name, rate, by, after, requires, text.get("label", ""), text.get("note", ""), source, where, **more)


#: an event's keys new in format 1.1 (:mod:`.provenance`)
_EVENT_1_1 = ("sources", "status", "resolution", "impact")


def _event_1_1(r: Reader, em: dict[str, Node], kp: str, as_of: dt.date) -> dict[str, Any]:
    """An event's ``sources``, ``status`` and ``resolution`` (format 1.1), each problem kept."""
    more: dict[str, Any] = {}
    readers: dict[str, Callable[[Node, str], Any]] = {
        "sources": lambda n, k: read_citations(r, n, k),
        "status": lambda n, k: read_status(r, n, k, as_of),
        "resolution": lambda n, k: read_resolution(r, n, k),
        "impact": lambda n, k: impact(r, n, k),
    }
    for key, read in readers.items():
        if key in em:
            with r.collecting():
                more[key] = read(em[key], f"{kp}.{key}")
    if "status" in em and "status" not in more:  # a bad status: no forecast to fall back on
        raise Skip()
    return more


#: the impacts an event or a scenario may state (format 1.1 ``impact:``)
IMPACTS = ("low", "medium", "high")


def impact(r: Reader, node: Node, kp: str) -> str:
    """An event's or a scenario's ``impact`` (format 1.1): one of :data:`IMPACTS`."""
    r.needs_format(r.at(node, kp), f"'{kp.rsplit('.', 1)[-1]}'")
    text = r.text(node, kp, "low, medium or high")
    if text not in IMPACTS:
        raise r.fail(r.at(node, kp), "impact must be low, medium or high", got=text, hint=did_you_mean(text, IMPACTS))
    return text


#: why a hazard cannot read a derived quantity that reads ``t``
_VARYING = "reads t, the end of the horizon, so it has a value per horizon; a hazard cannot read it"


def _event_names(r: Reader) -> list[str]:
    return [n for n, s in r.names.items() if s == "events"]


def _after(
    r: Reader,
    node: Node,
    me: str,
    kp: str,
    names: dict[str, NameKind],
    refused: dict[str, str],
    timing: Timing,
) -> tuple[tuple[str, float | Expression], ...]:
    """``after: {event: factor}``: other events, each with a factor of at least 0.

    A factor is a number, or (format 1.1) an expression over drivers and
    derived quantities (an uncertain multiplier): a constant one is kept as
    its number and checked here, any other is checked in every world at run
    time (:func:`outlook.model.hazards.after_modifiers`).
    """
    am = r.mapping(node, kp, what="a mapping of event: factor")
    out: list[tuple[str, float | Expression]] = []
    for other, fnode in am.items():
        akp = f"{kp}.{other}"
        with r.collecting():
            event_ref(r, r.at_key(node, other, akp), other, me)
        with r.collecting():
            f: float | Expression
            if fnode.kind == "scalar" and isinstance(fnode.value, str) and r.version >= 1.1:
                e = r.expression(fnode, akp, names, refused, number=True, timing=timing)
                f = e if e.constant is None else e.constant
            else:
                f = r.number(fnode, akp)
            if isinstance(f, float) and not math.isfinite(f):
                raise r.fail(r.at(fnode, akp), "expected a finite number", got=f)
            if isinstance(f, float) and f < 0:
                raise r.fail(r.at(fnode, akp), "factor must not be negative", got=f)
            out.append((other, f))
    return tuple(out)


def _requires(r: Reader, node: Node, me: str, kp: str) -> tuple[str, ...]:
    """``requires: [event, ...]`` (or one event name)."""
    items = node.value if node.kind == "seq" else [node]
    out: list[str] = []
    for i, item in enumerate(items):
        rkp = f"{kp}.requires[{i}]"
        with r.collecting():
            other = r.text(item, rkp, "an event name")
            out.append(event_ref(r, r.at(item, rkp), other, me))
    return tuple(out)


def event_ref(r: Reader, where: Location, other: str, me: str) -> str:
    """``other`` names another event."""
    if other == me:
        raise r.fail(where, f"event {me!r} cannot depend on itself")
    names = _event_names(r)
    if other not in names:
        raise r.unknown(where, "event", other, names, "events")
    return other


def by_horizon(
    r: Reader, node: Node, kp: str, names: dict[str, NameKind], refused: dict[str, str], timing: Timing
) -> tuple[tuple[str, Expression], ...]:
    """``by: {time: probability}``: horizon ids, or (format 1.1) durations and dates; in time order, never falling.

    A probability is an expression, or (format 1.1) a percentage: ``40%`` is the constant 0.4.
    """
    m = r.mapping(node, kp, what="a mapping of horizon: probability")
    if not m:
        raise r.fail(r.at(node, kp), "needs at least one horizon: probability")
    got: dict[str, tuple[Expression, Node, float]] = {}
    seen: dict[float, str] = {}
    for hid, pnode in m.items():
        hkp = f"{kp}.{hid}"
        with r.collecting():
            years = _by_key(r, node, hid, hkp, timing)
            if years in seen:
                raise r.fail(r.at_key(node, hid, hkp), f"{hid!r} is the same time as {seen[years]!r}")
            seen[years] = hid
            if r.is_percentage(pnode):  # format 1.1: `40%` is 0.4, checked (and gated) as a probability
                pnode = dataclasses.replace(pnode, value=r.probability(pnode, hkp))
            e = r.expression(pnode, hkp, names, refused, number=True, timing=timing)
            if e.constant is not None and not 0 <= e.constant <= 1:
                raise r.fail(r.at(pnode, hkp), "probability must lie in [0, 1]", got=e.constant)
            got[hid] = (e, pnode, years)
    ordered = sorted(got.items(), key=lambda item: item[1][2])
    prev: tuple[str, float] | None = None
    for hid, (e, pnode, _) in ordered:
        if e.constant is None:
            continue
        if prev is not None and e.constant < prev[1]:
            r.fail(
                r.at(pnode, f"{kp}.{hid}"),
                f"cumulative probability falls from {number_text(prev[1])} by {prev[0]} to "
                f"{number_text(e.constant)} by {hid}; it cannot decrease over time",
            )
        prev = (hid, e.constant)
    return tuple((h, e) for h, (e, _, _) in ordered)


def _by_key(r: Reader, node: Node, key: str, kp: str, timing: Timing) -> float:
    """A ``by:`` key in years from ``as_of``: a horizon's end, or (format 1.1) a duration or a date after ``as_of``."""
    horizons = dict(timing.horizons)
    if key in horizons:
        return horizons[key]
    where = r.at_key(node, key, kp)
    if not looks_like_time(key):
        raise r.unknown(where, "horizon", key, r.horizon_ids, "horizons")
    r.needs_format(where, "a duration or a date as a by: key")
    try:
        years = point_in_time(key, timing.as_of)
    except ValueError as exc:
        raise r.fail(where, str(exc)) from None
    if years <= 0:
        raise r.fail(where, f"a by: time must be after as_of ({timing.as_of.isoformat()})")
    return years


# -- scenario rules ------------------------------------------------------------------


def rules(r: Reader, node: Node, timing: Timing) -> tuple[ScenarioRule, ...]:
    """``scenarios``: id -> rule, or ``{when, label, description}``; the last is ``otherwise``.

    A rule may read every event's time (``time(e)``, ``happened(e, by=X)``)
    and ``t`` (format 1.1); it is evaluated at each horizon.
    """
    m = r.mapping(node, "scenarios", what="an ordered mapping of scenario: rule")
    names = dict(r.kinds)
    names.update(dict.fromkeys(_event_names(r), YES_NO))
    timing = dataclasses.replace(timing, events=frozenset(_event_names(r)), t=True)
    ids = list(m)
    out: list[ScenarioRule] = []
    for i, (sid, rnode) in enumerate(m.items()):
        with r.collecting():
            out.append(rule(r, node, sid, rnode, names, ids[i + 1] if i + 1 < len(ids) else None, timing))
    if not ids:
        raise r.fail(r.at(node, "scenarios"), "at least one scenario is needed")
    last = m[ids[-1]]
    last_when = last.value.get("when") if last.kind == "map" else last
    if last_when is None or last_when.kind != "scalar" or last_when.value != "otherwise":
        r.fail(
            r.at(last, f"scenarios.{ids[-1]}"),
            "the last scenario must be 'otherwise', so that every world falls in some scenario",
        )
    return tuple(out)


def rule(
    r: Reader,
    parent: Node,
    sid: str,
    node: Node,
    names: dict[str, NameKind],
    following: str | None,
    timing: Timing | None = None,
) -> ScenarioRule:
    """One scenario's rule: a condition, or ``otherwise`` (only last: ``following`` is the next id)."""
    kp = f"scenarios.{sid}"
    r.name(parent, sid, kp)
    if sid in r.names:
        raise r.fail(r.at_key(parent, sid, kp), f"name {sid!r} is already used by {r.names[sid]}.{sid}")
    text: dict[str, str] = {}
    wnode, wkp = node, kp
    if node.kind == "map":
        rm = r.mapping(node, kp, required=("when",), optional=("label", "description", "impact"))
        text = r.texts(rm, kp, ("label", "description"))
        if "impact" in rm:
            with r.collecting():
                text["impact"] = impact(r, rm["impact"], kp + ".impact")
        if "when" not in rm:
            raise Skip()
        wnode, wkp = rm["when"], kp + ".when"
    when = None
    if wnode.kind == "scalar" and wnode.value == "otherwise":
        if following is not None:
            raise r.fail(
                r.at(wnode, wkp),
                f"'otherwise' must be the last scenario; {following!r} after it would never be reached",
            )
    else:
        when = r.expression(wnode, wkp, names, timing=timing)
        if when.kind == NUMBER:
            raise r.fail(when.where, "a scenario rule needs a condition, not a number", got=when.text)
    return ScenarioRule(
        sid, when, text.get("label", ""), text.get("description", ""), r.at(node, kp), impact=text.get("impact", "")
    )


def _kind(d: Driver) -> NameKind:
    """What a driver's name holds in an expression: its categories, a yes/no value, or a number."""
    if d.categories is not None:
        return d.categories
    return YES_NO if d.kind == "yes/no" else None
