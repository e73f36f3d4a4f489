"""Where a scenario's figures come from, and how good that is (format 1.1).

Owns the grades of sources and quotes (``shared/reference/sat-features.md``
§4.1: the Admiralty code of STANAG 2511, reliability A-F and credibility
1-6; the source kinds and the basis of a quote), several sources per driver
or event (``sources:``, each ``supports`` or ``contradicts``), an event's
``status`` (it happened, known at ``as_of``) and ``resolution``, the
``context:`` block (figures that feed no probability), their plain data, and
the located warnings ``outlook check`` prints about them. Never samples,
never prints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..errors import Location, ScenarioError, did_you_mean
from .grades import GRADES, KINDS, RELIABILITY, graded
from .reading import Node
from .records import ContextFigure, Driver, Event, EventStatus, Resolution, Source, SourceRef, citations
from .values import Reader, Skip, shown

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = [
    "context_data",
    "cutoff_problems",
    "grades_data",
    "read_citations",
    "read_context",
    "read_resolution",
    "read_status",
    "ref_data",
    "resolution_data",
    "source_date",
    "source_grades",
    "sourcing_warnings",
    "status_data",
]

_ISO = re.compile(r"^\s*([0-9]{4})-([0-9]{2})-([0-9]{2})\s*$")


# -- reading ---------------------------------------------------------------------


def source_grades(r: Reader, sm: dict[str, Node], kp: str) -> dict[str, Any]:
    """A source's ``kind``, ``reliability`` and ``interested_party`` (format 1.1), each checked where written."""
    out: dict[str, Any] = {}
    for key in GRADES:
        if key not in sm:
            continue
        node = sm[key]
        with r.collecting():
            r.needs_format(r.at(node, f"{kp}.{key}"), f"a source's '{key}'")
            if key == "interested_party":
                out[key] = (
                    node.value if isinstance(node.value, bool) else r.text(node, f"{kp}.{key}", "true, false or text")
                )
            else:
                out[key] = _choice(r, node, f"{kp}.{key}", KINDS if key == "kind" else RELIABILITY, key)
    return out


def _choice(r: Reader, node: Node, kp: str, allowed: tuple[Any, ...], what: str) -> Any:
    """One of ``allowed``, else a located error naming them."""
    value, problem = graded(node.value if node.kind == "scalar" else None, allowed, what)
    if problem:
        hint = did_you_mean(node.value, [str(a) for a in allowed]) if isinstance(node.value, str) else ""
        raise r.fail(r.at(node, kp), problem, got=shown(node), hint=hint)
    return value


def read_citations(r: Reader, node: Node, kp: str) -> tuple[SourceRef, ...]:
    """``sources: [{ref, quote, stance, credibility, basis, note}, ...]`` of a driver or event (format 1.1)."""
    r.needs_format(r.at(node, kp), "citing several sources ('sources:')")
    if node.kind != "seq":
        raise r.fail(r.at(node, kp), "expected a list of quotes, each {ref, quote, stance}", got=shown(node))
    out = []
    for i, item in enumerate(node.value):
        with r.collecting():
            out.append(r.source_ref(item, f"{kp}[{i}]"))
    return tuple(out)


def read_status(r: Reader, node: Node, kp: str, as_of: dt.date) -> EventStatus:
    """``status: {happened: DATE, source: {ref, quote}}`` (format 1.1): on or before ``as_of``."""
    r.needs_format(r.at(node, kp), "an event's 'status'")
    m = r.mapping(node, kp, required=("happened",), optional=("source",))
    source = None
    if "source" in m:
        with r.collecting():
            source = r.source_ref(m["source"], kp + ".source")
    if "happened" not in m:  # reported by the mapping
        raise Skip()
    when = _date(r, m["happened"], kp + ".happened")
    if when > as_of:
        problem = (
            f"happened {when.isoformat()} is after as_of ({as_of.isoformat()}): what was known at as_of cannot "
            "have happened later; forecast it instead"
        )
        raise r.fail(r.at(m["happened"], kp + ".happened"), problem)
    return EventStatus(when, source, r.at(node, kp))


def _date(r: Reader, node: Node, kp: str) -> dt.date:
    """A date, 2024-11-01 (text, or a date as plain data gives it)."""
    v = node.value
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    found = source_date(v) if isinstance(v, str) else None
    if found is None:
        raise r.fail(r.at(node, kp), "expected a date such as 2024-11-01", got=shown(node))
    return found


def read_resolution(r: Reader, node: Node, kp: str) -> Resolution:
    """``resolution: {criteria, source, includes, excludes}`` (format 1.1): texts, and lists of texts."""
    r.needs_format(r.at(node, kp), "an event's 'resolution'")
    m = r.mapping(node, kp, required=("criteria",), optional=("source", "includes", "excludes"))
    f = r.texts(m, kp, ("criteria", "source"))
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("includes", "excludes"):
        if key in m:
            lists[key] = ()
            with r.collecting():
                lists[key] = _texts(r, m[key], f"{kp}.{key}")
    return Resolution(f.get("criteria", ""), f.get("source", ""), lists.get("includes", ()), lists.get("excludes", ()))


def _texts(r: Reader, node: Node, kp: str) -> tuple[str, ...]:
    if node.kind != "seq":
        raise r.fail(r.at(node, kp), "expected a list of texts", got=shown(node))
    out = []
    for i, item in enumerate(node.value):
        with r.collecting():
            out.append(r.text(item, f"{kp}[{i}]"))
    return tuple(out)


def read_context(r: Reader, node: Node) -> Iterator[ContextFigure]:
    """``context``: id -> ``{label, value | range, unit, source, note}`` (format 1.1): figures that feed no probability."""
    r.needs_format(r.at(node, "context"), "the 'context' block")
    m = r.mapping(node, "context", what="a mapping of context figures")
    for cid, cnode in m.items():
        kp = f"context.{cid}"
        with r.collecting():
            r.claim(node, cid, "context")
            cm = r.mapping(cnode, kp, optional=("label", "value", "range", "unit", "source", "note"))
            f = r.texts(cm, kp, ("label", "unit", "note"))
            if ("value" in cm) == ("range" in cm):
                raise r.fail(r.at(cnode, kp), "needs exactly one of 'value' and 'range'")
            value = rng = None
            if "value" in cm:
                value = r.share(cm["value"], kp + ".value")
            else:
                low, high = r.numbers(cm["range"], kp + ".range", 2, "[low, high]")
                if low > high:
                    raise r.fail(r.at(cm["range"], kp + ".range"), f"low {low:g} > high {high:g}", got=[low, high])
                rng = (low, high)
            source = r.source_ref(cm["source"], kp + ".source") if "source" in cm else None
            yield ContextFigure(cid, value=value, range=rng, source=source, where=r.at(cnode, kp), **f)


# -- plain data --------------------------------------------------------------------


def ref_data(ref: SourceRef) -> dict[str, Any]:
    """``{ref, quote, note, credibility, basis, stance}``, the empty ones (and ``stance: supports``) left out."""
    out: dict[str, Any] = {k: v for k, v in (("ref", ref.ref), ("quote", ref.quote), ("note", ref.note)) if v}
    if ref.credibility is not None:
        out["credibility"] = ref.credibility
    if ref.basis:
        out["basis"] = ref.basis
    if ref.stance != "supports":
        out["stance"] = ref.stance
    return out


def grades_data(s: Source) -> dict[str, Any]:
    """A source's grades, the ones not stated left out."""
    out: dict[str, Any] = {k: getattr(s, k) for k in ("kind", "reliability") if getattr(s, k)}
    if s.interested_party is not None:
        out["interested_party"] = s.interested_party
    return out


def status_data(s: EventStatus) -> dict[str, Any]:
    """``{happened, source}``."""
    out: dict[str, Any] = {"happened": s.happened}
    if s.source is not None:
        out["source"] = ref_data(s.source)
    return out


def resolution_data(res: Resolution) -> dict[str, Any]:
    """``{criteria, source, includes, excludes}``, the empty ones left out."""
    out: dict[str, Any] = {k: v for k, v in (("criteria", res.criteria), ("source", res.source)) if v}
    out.update({k: list(v) for k, v in (("includes", res.includes), ("excludes", res.excludes)) if v})
    return out


def context_data(c: ContextFigure) -> dict[str, Any]:
    """``{label, value | range, unit, source, note}``."""
    out: dict[str, Any] = {"label": c.label} if c.label else {}
    if c.range is not None:
        out["range"] = list(c.range)
    else:
        out["value"] = c.value
    out.update({k: v for k, v in (("unit", c.unit), ("note", c.note)) if v})
    if c.source is not None:
        out["source"] = ref_data(c.source)
    return out


# -- what outlook check says about them ----------------------------------------------


def source_date(text: str) -> dt.date | None:
    """A date written as ``2024-11-15`` (a source's ``date``); ``None`` for other text, none or an impossible date."""
    m = _ISO.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _node_where(s: Scenario, fallback: Location, *parts: str) -> Location:
    """Where ``parts`` (keys from the top of the file) is written, as far as the nodes go; else ``fallback``."""
    node = s.nodes
    for part in parts:
        if node is None or node.kind != "map" or part not in node.value:
            return dataclasses.replace(fallback, key_path=".".join(parts))
        node = node.value[part]
    assert node is not None
    return Location(s.path, node.line, node.col, ".".join(parts), node.override)


def cutoff_problems(s: Scenario) -> list[ScenarioError]:
    """Every source dated after ``as_of`` that the scenario uses for more than what was known then.

    A source dated after the information cut-off lets hindsight into a
    forecast (``shared/reference/bundled-case-review.md`` F1). It may be cited
    only by events' ``status`` (what had happened by ``as_of``, reported
    later); cited anywhere else, or by nothing, it is a problem, located at
    its ``date``. ``outlook check`` refuses a scenario that has one (exit
    2); ``outlook run`` and ``outlook report`` neither refuse nor warn (the
    ``sourcing`` table's ``after_as_of`` column shows it).
    """
    by_status: dict[str, int] = {}
    elsewhere: set[str] = set()
    items: tuple[Driver | Event | ContextFigure, ...] = (*s.drivers, *s.events, *s.context)
    for item in items:
        status = getattr(item, "status", None)
        status_ref = status.source if status is not None else None
        for ref in citations(item):
            if ref is status_ref:
                by_status[ref.ref] = by_status.get(ref.ref, 0) + 1
            else:
                elsewhere.add(ref.ref)
    out = []
    for x in s.sources:
        when = source_date(x.date)
        if when is None or when <= s.as_of or (x.id in by_status and x.id not in elsewhere):
            continue
        problem = (
            f"dated {when.isoformat()}, after as_of ({s.as_of.isoformat()}): a source written after the "
            "information cut-off lets hindsight into the forecast; cite it only in an event's status "
            "(what had happened by as_of), or move as_of"
        )
        out.append(ScenarioError(_node_where(s, x.where, "sources", x.id, "date"), problem))
    return out


def sourcing_warnings(s: Scenario) -> list[str]:
    """Located warnings about what a format 1.1 scenario leaves unsourced or unsettled, for ``outlook check``.

    A source with no ``reliability`` is ungraded (never taken as reliable);
    one whose ``date`` is not a date cannot be checked against ``as_of``; an
    event with no ``resolution:`` cannot be scored. A format 1 file cannot
    state any of these, and gets none of these warnings.
    """
    if s.version < 1.1:
        return []
    out = []
    for x in s.sources:
        if not x.reliability:
            where = _node_where(s, x.where, "sources", x.id)
            out.append(f"{where}: warning: sources.{x.id} is ungraded: give it a reliability, A to F")
        if source_date(x.date) is None:
            where = _node_where(s, x.where, "sources", x.id, *(("date",) if x.date else ()))
            out.append(
                f"{where}: warning: sources.{x.id} has no date such as 2024-11-01: it cannot be checked against as_of"
            )
    for e in s.events:
        if e.resolution is None and e.status is None:
            out.append(
                f"{e.where}: warning: events.{e.id} has no resolution: say what settles it "
                "(resolution: {criteria, source, includes, excludes})"
            )
        for key in ("includes", "excludes"):
            items = list(getattr(e.resolution, key, ()) or ())
            for i, item in enumerate(items):
                if _split_at_a_comma(items, i):
                    out.append(
                        f"{e.where}: warning: events.{e.id}.resolution.{key}[{i}] {item!r} looks cut at a comma "
                        "inside it (a list written [a, b] splits at every comma): write one item per line, quoted"
                    )
    return out


def _split_at_a_comma(items: list[str], i: int) -> bool:
    """Whether item ``i`` of a text list looks like part of an item that a flow list split at its comma.

    Unbalanced brackets (``"non-lethal aid (body armour"``) or a bare group
    of digits after an item ending in a digit (``"fewer than 1"``, ``"000"``).

    >>> _split_at_a_comma(["aid (body armour", "medical)"], 0), _split_at_a_comma(["fewer than 1", "000"], 1)
    (True, True)
    >>> _split_at_a_comma(["aid (body armour, medical)", "1,000 troops"], 0)
    False
    """
    item = str(items[i])
    if item.count("(") != item.count(")") or item.count("[") != item.count("]"):
        return True
    return i > 0 and item.strip().isdigit() and str(items[i - 1]).rstrip()[-1:].isdigit()
