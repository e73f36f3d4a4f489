"""The ``hypotheses:`` and ``evidence:`` blocks of a scenario file (format 1.1): an ACH matrix.

Owns reading the two blocks (:func:`hypotheses`, :func:`evidence`) into
:class:`~outlook.scenario.records.Hypotheses` and
:class:`~outlook.scenario.records.Evidence` records, each problem located,
and their plain data (:func:`hypotheses_data`, :func:`evidence_data`). The
blocks follow Heuer's Analysis of Competing Hypotheses (Heuer, *Psychology
of Intelligence Analysis*, 1999, ch. 8) as the project's SAT reference
specifies it (``shared/reference/sat-features.md`` §4.3). Never samples,
never runs a model: the matrix's scores and posterior are
:mod:`outlook.analysis.ach`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Any

from ..errors import did_you_mean
from .canonical import expression_data
from .durations import years_to
from .expressions import NUMBER, YES_NO, Timing
from .reading import Node
from .records import Evidence, Horizon, Hypotheses, Hypothesis, SourceRef
from .values import Reader, Skip, shown

__all__ = [
    "EVIDENCE_TYPES",
    "RATINGS",
    "RELEVANCE",
    "evidence",
    "evidence_data",
    "hypotheses",
    "hypotheses_data",
]

#: Heuer's consistency ratings, most consistent first (PARC ACH 2.0: CC, C, N, I, II; NA not applicable)
RATINGS = ("CC", "C", "N", "I", "II", "NA")
#: what an item of evidence is (the SAT reference, §4.3: Heuer's step 2 counts assumptions and absences)
EVIDENCE_TYPES = ("fact", "claim", "assumption", "absence")
#: how relevant an item is, the PARC weights' three levels
RELEVANCE = ("low", "medium", "high")
_GRADES = ("A", "B", "C", "D", "E", "F")
_KEYS = (
    "text",
    "source",
    "date",
    "type",
    "relevance",
    "ratings",
    "likelihoods",
    "observable",
    "observed",
    "group",
    "note",
)
_SOURCE_KEYS = ("ref", "quote", "credibility", "reliability", "note")
_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})\Z")


def hypotheses_data(h: Hypotheses) -> dict[str, Any]:
    """The block as a scenario file writes it: ``{from_scenarios: H}`` or ``{exclusive, id: {label, prior}}``."""
    if h.from_scenarios:
        return {"from_scenarios": h.from_scenarios}
    out: dict[str, Any] = {"exclusive": True} if h.exclusive else {}
    for x in h.items:
        item: dict[str, Any] = {"label": x.label} if x.label else {}
        if x.prior is not None:
            item["prior"] = x.prior
        out[x.id] = item
    return out


def evidence_data(e: Evidence, *, canonical: bool = False) -> dict[str, Any]:
    """An item of evidence as a scenario file writes it."""
    out: dict[str, Any] = {"text": e.text}
    if e.source is not None or e.credibility is not None or e.reliability:
        src = e.source or SourceRef()
        s: dict[str, Any] = {k: v for k, v in (("ref", src.ref), ("quote", src.quote)) if v}
        if e.credibility is not None:
            s["credibility"] = e.credibility
        if e.reliability:
            s["reliability"] = e.reliability
        if src.note:
            s["note"] = src.note
        out["source"] = s
    if e.date:
        out["date"] = e.date
    out["type"] = e.type
    out["relevance"] = e.relevance
    if e.ratings:
        out["ratings"] = dict(e.ratings)
    if e.likelihoods:
        out["likelihoods"] = dict(e.likelihoods)
    if e.observable is not None:
        out["observable"] = expression_data(e.observable, canonical=canonical)
    out["observed"] = e.observed
    if e.group:
        out["group"] = e.group
    if e.note:
        out["note"] = e.note
    return out


def hypotheses(r: Reader, node: Node, root: Node, rule_ids: Sequence[str] | None) -> tuple[Hypotheses, ...]:
    """``hypotheses``: ``{from_scenarios: HORIZON}`` or ``{exclusive: true, id: {label, prior}, ...}``.

    Returns a tuple of one record (or none), as every section reader does.
    ``rule_ids`` are the scenarios the file names, ``None`` when they cannot
    be known.

    Raises
    ------
    Skip
        After recording a problem that spoils the whole block: fewer than two
        hypotheses ("ACH needs alternatives"), an unknown horizon, priors of
        exclusive hypotheses that do not sum to 1.
    """
    r.needs_format(r.at_key(root, "hypotheses", "hypotheses"), "the 'hypotheses' block")
    m = r.mapping(node, "hypotheses", what="a mapping: {from_scenarios: HORIZON} or hypothesis ids")
    where = r.at_key(root, "hypotheses", "hypotheses")
    if not m:  # unlike an empty 'evidence: {}' (no items), an empty block would silently mean the default
        raise r.fail(
            r.at(node, "hypotheses"),
            "an empty 'hypotheses' block states no hypotheses: give {from_scenarios: HORIZON} or at least two "
            "hypotheses, or leave the block out (then the scenarios at the first horizon)",
        )
    if "from_scenarios" in m:
        r.mapping(node, "hypotheses", required=("from_scenarios",))
        hid = r.text(m["from_scenarios"], "hypotheses.from_scenarios", "a horizon id")
        if hid not in r.horizon_ids:
            at = r.at(m["from_scenarios"], "hypotheses.from_scenarios")
            raise r.unknown(at, "horizon", hid, r.horizon_ids, "horizons")
        if rule_ids is not None and len(rule_ids) < 2:
            raise r.fail(where, "ACH needs alternatives: the file has one scenario, so one hypothesis")
        return (Hypotheses(hid, where=where),)
    exclusive = False
    if "exclusive" in m:
        v = m["exclusive"]
        if not (v.kind == "scalar" and isinstance(v.value, bool)):
            raise r.fail(r.at(v, "hypotheses.exclusive"), "expected true or false", got=shown(v))
        exclusive = bool(v.value)
    items: list[Hypothesis] = []
    for hid, hnode in m.items():
        if hid != "exclusive":
            with r.collecting():
                items.append(_hypothesis(r, node, hid, hnode))
    if len([k for k in m if k != "exclusive"]) < 2:
        raise r.fail(where, "ACH needs alternatives: give at least two hypotheses")
    if len(items) == len(m) - ("exclusive" in m):
        _priors(r, where, items, exclusive, m)
    return (Hypotheses("", tuple(items), exclusive, where=where),)


def _hypothesis(r: Reader, parent: Node, hid: str, node: Node) -> Hypothesis:
    kp = f"hypotheses.{hid}"
    r.name(parent, hid, kp)
    e = r.mapping(node, kp, optional=("label", "prior", "note"), what="a mapping such as {label, prior}")
    f = r.texts(e, kp, ("label", "note"))
    prior = r.probability(e["prior"], f"{kp}.prior") if "prior" in e else None
    return Hypothesis(hid, f.get("label", ""), prior, where=r.at_key(parent, hid, kp))


def _priors(r: Reader, where: Any, items: list[Hypothesis], exclusive: bool, m: dict[str, Node]) -> None:
    """Exclusive hypotheses' priors: all given and summing to 1, or none (then equal); no prior otherwise.

    A prior is a probability over mutually exclusive, exhaustive hypotheses (the SAT reference, §4.3:
    "custom hypotheses must be declared mutually exclusive and exhaustive for the Bayesian part"), so
    priors without ``exclusive: true`` are refused, not dropped.
    """
    given = [x.prior for x in items if x.prior is not None]
    if not exclusive:
        for x in items:
            if x.prior is not None:
                with r.collecting():
                    raise r.fail(
                        r.at(m[x.id].value["prior"], f"hypotheses.{x.id}.prior"),
                        "a prior needs mutually exclusive, exhaustive hypotheses: write 'exclusive: true' in the "
                        "'hypotheses' block, or give no priors (non-exclusive hypotheses get scores, no posterior)",
                    )
        return
    if not given:
        return
    if len(given) != len(items):
        missing = ", ".join(x.id for x in items if x.prior is None)
        raise r.fail(
            where, f"give every exclusive hypothesis a prior, or none (then they are equal): missing {missing}"
        )
    total = math.fsum(p for p in given if p is not None)
    if abs(total - 1.0) > 1e-6:
        raise r.fail(where, f"the priors of exclusive hypotheses must sum to 1 (they sum to {total:.6g})")


def hypothesis_ids(h: Hypotheses | None, rule_ids: Sequence[str]) -> list[str]:
    """The ids of the hypotheses: the scenarios' for ``from_scenarios``, else the custom ones'."""
    if h is None or h.from_scenarios:
        return list(rule_ids)
    return [x.id for x in h.items]


def evidence(
    r: Reader,
    node: Node,
    root: Node,
    timing: Timing,
    block: Hypotheses | None,
    hypothesis_names: Sequence[str] | None,
    horizons: Sequence[Horizon],
) -> tuple[Evidence, ...]:
    """``evidence``: id -> ``{text, source, date, type, relevance, ratings, likelihoods | observable, observed, group}``.

    ``block`` is the file's hypotheses (``None``: the scenarios at the first
    horizon, or a ``hypotheses`` block that could not be read, then
    ``hypothesis_names`` is ``None`` and names are not checked).

    Raises
    ------
    Skip
        After recording a problem that spoils the whole block.
    """
    r.needs_format(r.at_key(root, "evidence", "evidence"), "the 'evidence' block")
    m = r.mapping(node, "evidence", what="a mapping of evidence ids")
    names = dict(r.kinds)
    events = [n for n, s in r.names.items() if s == "events"]
    names.update(dict.fromkeys(events, YES_NO))
    timing = dataclasses.replace(timing, events=frozenset(events), t=True)
    custom = block is not None and not block.from_scenarios
    needs_bayes = not custom or (block is not None and block.exclusive)
    if block is None and hypothesis_names is None:  # the hypotheses cannot be known: their problem is reported
        custom = needs_bayes = False
    ctx = _Context(r, names, timing, hypothesis_names, custom, needs_bayes, horizons, timing.as_of)
    out: list[Evidence] = []
    for eid, enode in m.items():
        with r.collecting():
            out.append(_item(ctx, node, eid, enode))
    return tuple(out)


@dataclasses.dataclass(frozen=True)
class _Context:
    r: Reader
    names: dict[str, Any]
    timing: Timing
    hypotheses: Sequence[str] | None
    custom: bool
    needs_bayes: bool
    horizons: Sequence[Horizon]
    as_of: dt.date


def _item(c: _Context, parent: Node, eid: str, node: Node) -> Evidence:
    r = c.r
    kp = f"evidence.{eid}"
    r.name(parent, eid, kp)
    e = r.mapping(node, kp, required=("text",), optional=_KEYS[1:])
    before = len(r.errors)
    f = r.texts(e, kp, ("text", "group", "note"))
    got: dict[str, Any] = {}
    for key, choices, default in (("type", EVIDENCE_TYPES, "fact"), ("relevance", RELEVANCE, "medium")):
        got[key] = default
        if key in e:
            with r.collecting():
                got[key] = _choice(r, e[key], f"{kp}.{key}", choices)
    with r.collecting():
        got["source"] = _source(r, e["source"], f"{kp}.source") if "source" in e else (None, None, "")
    with r.collecting():
        got["date"] = _date(c, e["date"], f"{kp}.date") if "date" in e else ""
    with r.collecting():
        got["ratings"] = _ratings(c, e["ratings"], f"{kp}.ratings") if "ratings" in e else ()
    with r.collecting():
        got["likelihoods"] = _likelihoods(c, e["likelihoods"], f"{kp}.likelihoods") if "likelihoods" in e else ()
    with r.collecting():
        got["observable"] = _observable(c, e["observable"], f"{kp}.observable") if "observable" in e else None
    with r.collecting():
        got["observed"] = _observed(r, e, kp, got["type"])
    if "text" in e:  # an item with no text has that one problem, not a second about its routes
        with r.collecting():
            _routes(c, parent, eid, e, kp)
    if len(r.errors) == before and got["likelihoods"]:
        with r.collecting():
            _possible(c, e["likelihoods"], f"{kp}.likelihoods", got["likelihoods"], got["observed"])
    if len(r.errors) > before or "text" not in e:
        raise Skip()
    ref, credibility, reliability = got["source"]
    return Evidence(
        eid,
        f["text"],
        got["type"],
        got["relevance"],
        got["ratings"],
        got["likelihoods"],
        got["observable"],
        got["observed"],
        f.get("group", ""),
        got["date"],
        ref,
        credibility,
        reliability,
        f.get("note", ""),
        where=r.at_key(parent, eid, kp),
    )


def _routes(c: _Context, parent: Node, eid: str, e: dict[str, Node], kp: str) -> None:
    """At most one of ``likelihoods`` and ``observable``; one of them where a posterior is wanted."""
    r = c.r
    here = r.at_key(parent, eid, kp)
    if "likelihoods" in e and "observable" in e:
        raise r.fail(here, "give one of 'likelihoods' and 'observable', not both")
    if "observable" in e and c.custom:
        raise r.fail(
            r.at(e["observable"], f"{kp}.observable"),
            "an observable gives P(E|H) from the worlds, so it needs 'hypotheses: {from_scenarios: HORIZON}'; "
            "give 'likelihoods' for custom hypotheses",
        )
    if c.needs_bayes and "likelihoods" not in e and "observable" not in e:
        raise r.fail(here, "give 'likelihoods' or an 'observable': the posterior needs P(E|H) for each hypothesis")
    if c.hypotheses is not None and not c.needs_bayes and "likelihoods" not in e and "ratings" not in e:
        raise r.fail(here, "give 'ratings' or 'likelihoods': an item with neither says nothing about the hypotheses")


def _possible(c: _Context, node: Node, kp: str, likelihoods: Sequence[tuple[str, float]], observed: bool) -> None:
    """Refuse evidence impossible under every hypothesis: what was seen has likelihood 0 under each."""
    if c.hypotheses is None or len(likelihoods) < len(c.hypotheses):
        return
    if all((p if observed else 1.0 - p) == 0.0 for _, p in likelihoods):
        what = (
            "P(E|H) is 0 under every hypothesis, yet E was observed"
            if observed
            else ("P(E|H) is 1 under every hypothesis, yet E was not observed")
        )
        raise c.r.fail(
            c.r.at(node, kp),
            f"impossible evidence: {what}, so no hypothesis explains it; revise the likelihoods "
            "(Cromwell's rule: keep a small chance) or add the hypothesis that explains it",
        )


def _choice(r: Reader, node: Node, kp: str, choices: Sequence[str]) -> str:
    v = r.text(node, kp, "one of " + ", ".join(choices))
    if v not in choices:
        raise r.fail(r.at(node, kp), f"expected one of {', '.join(choices)}", got=v, hint=did_you_mean(v, choices))
    return v


def _source(r: Reader, node: Node, kp: str) -> tuple[SourceRef | None, int | None, str]:
    """``source: {ref, quote, credibility: 1-6, reliability: A-F, note}``."""
    m = r.mapping(node, kp, optional=_SOURCE_KEYS, what="a mapping such as {ref, quote, credibility}")
    f = r.texts(m, kp, ("ref", "quote", "note"))
    ref = f.get("ref", "")
    if ref and ref not in r.source_ids:
        raise r.unknown(r.at(m["ref"], kp + ".ref"), "source", ref, r.source_ids, "sources")
    credibility = None
    if "credibility" in m:
        n = m["credibility"]
        v = n.value
        if not (n.kind == "scalar" and isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 6):
            raise r.fail(
                r.at(n, f"{kp}.credibility"), "expected a credibility grade, a whole number from 1 to 6", got=v
            )
        credibility = int(v)
    reliability = ""
    if "reliability" in m:
        reliability = r.text(m["reliability"], f"{kp}.reliability", "a grade A-F")
        if reliability not in _GRADES:
            at = r.at(m["reliability"], f"{kp}.reliability")
            raise r.fail(at, "expected an Admiralty reliability grade, one of A, B, C, D, E, F", got=reliability)
    return SourceRef(ref, f.get("quote", ""), f.get("note", "")), credibility, reliability


def _date(c: _Context, node: Node, kp: str) -> str:
    """A date YYYY-MM-DD, no later than the last horizon's end."""
    r = c.r
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
        raise r.fail(r.at(node, kp), "expected a date written YYYY-MM-DD, such as 2025-03-01", got=shown(node))
    if c.horizons and years_to(c.as_of, when) > c.horizons[-1].until + 1e-9:
        raise r.fail(
            r.at(node, kp),
            f"{when.isoformat()} is after the last horizon's end: evidence is what is known, not what may come",
        )
    return when.isoformat()


def _hypothesis_key(c: _Context, parent: Node, key: str, kp: str) -> None:
    if c.hypotheses is not None and key not in c.hypotheses:
        known = list(c.hypotheses)
        raise c.r.fail(
            c.r.at_key(parent, key, f"{kp}.{key}"),
            f"unknown hypothesis {key!r} (the hypotheses: {', '.join(known)})",
            hint=did_you_mean(key, known),
        )


def _ratings(c: _Context, node: Node, kp: str) -> tuple[tuple[str, str], ...]:
    """``ratings: {hypothesis: CC|C|N|I|II|NA}``; a hypothesis left out is NA."""
    r = c.r
    m = r.mapping(node, kp, what="a mapping of hypothesis: rating (CC, C, N, I, II, NA)")
    out = []
    for key, v in m.items():
        with r.collecting():
            _hypothesis_key(c, node, key, kp)
            if v.kind == "scalar" and isinstance(v.value, bool):
                raise r.yes_no(v, f"{kp}.{key}", "a rating CC, C, N, I, II or NA", "quote it")
            rating = r.text(v, f"{kp}.{key}", "a rating CC, C, N, I, II or NA")
            if rating not in RATINGS:
                raise r.fail(r.at(v, f"{kp}.{key}"), "expected a rating CC, C, N, I, II or NA", got=rating)
            out.append((key, rating))
    return tuple(out)


def _likelihoods(c: _Context, node: Node, kp: str) -> tuple[tuple[str, float], ...]:
    """``likelihoods: {hypothesis: P(E|H)}``, one for every hypothesis, each in [0, 1]."""
    r = c.r
    m = r.mapping(node, kp, what="a mapping of hypothesis: P(E|H)")
    before = len(r.errors)
    out = []
    for key, v in m.items():
        with r.collecting():
            _hypothesis_key(c, node, key, kp)
            p = r.share(v, f"{kp}.{key}")
            if not 0.0 <= p <= 1.0:
                raise r.fail(r.at(v, f"{kp}.{key}"), "a likelihood P(E|H) must lie in [0, 1]", got=p)
            out.append((key, p))
    missing = [h for h in (c.hypotheses or ()) if h not in m]
    if missing and len(r.errors) == before:
        raise r.fail(r.at(node, kp), f"give P(E|H) for every hypothesis: missing {', '.join(missing)}")
    return tuple(out)


def _observable(c: _Context, node: Node, kp: str) -> Any:
    expr = c.r.expression(node, kp, c.names, timing=c.timing)
    if expr.kind == NUMBER:
        raise c.r.fail(expr.where, "an evidence item's observable needs a condition, not a number", got=expr.text)
    return expr


def _observed(r: Reader, e: dict[str, Node], kp: str, kind: str) -> bool:
    """``observed: true|false``: by default true, and false for an absence (the expected E was not seen)."""
    if "observed" not in e:
        return kind != "absence"
    v = e["observed"]
    if not (v.kind == "scalar" and isinstance(v.value, bool)):
        raise r.fail(r.at(v, f"{kp}.observed"), "expected true or false (E was seen, or not)", got=shown(v))
    if kind == "absence" and v.value:
        raise r.fail(
            r.at(v, f"{kp}.observed"),
            "an absence is the expected evidence not seen: write 'observed: false', or a type other than absence",
        )
    return bool(v.value)
