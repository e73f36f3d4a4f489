"""The automatic check of each kind of plant: the student's scenario (and the original) in, a verdict out.

Owns :class:`CheckContext`, :class:`Verdict`, the three statuses and one
function per kind of plant (:data:`outlook.exercises.PLANT_KINDS` names
them). A check accepts any fix that makes it true (the SAT reference §4.9:
several valid fixes), and says ``found but not fixed`` where the file shows
the student saw the flaw but left it standing (a range moved but not far
enough, a contrary quote cited as support). Checks that need worlds
(indicators, rule order) draw them with the context's ``samples`` and
``seed``. Never prints.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..distributions import Conditional
from ..errors import ScenarioError, ScenarioErrors
from ..model.graph import dependency_graph
from ..scenario import Driver, Scenario
from ..scenario.provenance import cutoff_problems
from ..scenario.records import ContextFigure, Event, SourceRef, citations

if TYPE_CHECKING:
    from .exercise import Plant

__all__ = [
    "FIXED",
    "FOUND",
    "NOT_FIXED",
    "STATUSES",
    "CheckContext",
    "Verdict",
    "base_rate_neglect",
    "decorative_precision",
    "double_counting",
    "driver_quantiles",
    "hindsight_leakage",
    "interested_party_anchoring",
    "over_precision",
    "rule_order",
    "selective_evidence",
    "tautological_indicator",
]

FIXED = "fixed"
FOUND = "found but not fixed"
NOT_FIXED = "not fixed"
#: The statuses, best first.
STATUSES = (FIXED, FOUND, NOT_FIXED)


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check reads: the exercise's flawed scenario, the student's, and the worlds' size and seed."""

    original: Scenario
    student: Scenario
    samples: int = 5_000
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Verdict:
    """A check's answer: one of :data:`STATUSES` and one sentence saying what it saw."""

    status: str
    detail: str


def _driver(s: Scenario, name: str) -> Driver | None:
    return next((d for d in s.drivers if d.id == name), None)


def driver_quantiles(s: Scenario, name: str, qs: tuple[float, ...], *, samples: int, seed: int) -> tuple[float, ...]:
    """The quantiles ``qs`` of driver ``name`` of ``s``: exact by its inverse CDF, or from ``samples`` worlds.

    A hierarchical driver (its parameters read other drivers) has no inverse
    CDF of its own: its quantiles are those of its values in the run's worlds.
    """
    d = s.driver(name)
    if not isinstance(d.distribution, Conditional):
        return tuple(float(v) for v in d.distribution.ppf(np.asarray(qs, dtype=np.float64)))
    from ..model import sample_worlds

    values = sample_worlds(s, samples=samples, seed=seed)[name].to_numpy(dtype=np.float64)
    return tuple(float(v) for v in np.quantile(values, qs))


def _range_text(lo: float, hi: float) -> str:
    return f"[{lo:.4g}, {hi:.4g}]"


def over_precision(ctx: CheckContext, plant: Plant) -> Verdict:
    """The driver's 5th-95th percentile width against ``share`` of the source's stated ``width``."""
    name, width, share = plant.param("driver"), plant.param("width"), plant.param("share")
    if _driver(ctx.student, name) is None:
        return Verdict(FOUND, f"drivers.{name} is gone: its uncertainty is no longer stated anywhere")
    lo, hi = driver_quantiles(ctx.student, name, (0.05, 0.95), samples=ctx.samples, seed=ctx.seed)
    was_lo, was_hi = driver_quantiles(ctx.original, name, (0.05, 0.95), samples=ctx.samples, seed=ctx.seed)
    need = share * width
    seen = f"drivers.{name} spans {_range_text(lo, hi)} (5th-95th), width {hi - lo:.4g}; the source's range needs {need:.4g} or more"
    if hi - lo >= need:
        return Verdict(FIXED, seen)
    if hi - lo > was_hi - was_lo:
        return Verdict(FOUND, seen + ": wider than before, not yet wide enough")
    return Verdict(NOT_FIXED, seen)


def _squeeze(text: str) -> str:
    """Quote text compared loosely: lower case, one kind of quotation mark and apostrophe, single spaces."""
    text = text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text).strip(" .\"'")


def _quotes(a: str, b: str) -> bool:
    """Whether two quotes are the same words (one within the other, at least 15 characters of it)."""
    x, y = _squeeze(a), _squeeze(b)
    short = min(len(x), len(y))
    return short >= min(15, max(len(x), len(y))) and (x in y or y in x)


def _item_citations(s: Scenario, item: str) -> tuple[SourceRef, ...] | None:
    section, _, name = item.partition(".")
    pools: dict[str, tuple[Driver | Event | ContextFigure, ...]] = {
        "drivers": s.drivers,
        "events": s.events,
        "context": s.context,
    }
    found = next((x for x in pools.get(section, ()) if x.id == name), None)
    return None if found is None else citations(found)


def selective_evidence(ctx: CheckContext, plant: Plant) -> Verdict:
    """The contrary quote of ``source`` cited on ``item`` with ``stance: contradicts``, or as an ACH evidence item."""
    item, source, quote = plant.param("item"), plant.param("source"), plant.param("quote")
    refs = _item_citations(ctx.student, item)
    same = [c for c in refs or () if c.ref == source and _quotes(c.quote, quote)]
    if any(c.stance == "contradicts" for c in same):
        return Verdict(FIXED, f"{item} cites {source}: {quote!r} with stance: contradicts")
    evidence = [e.id for e in ctx.student.evidence if e.source is not None and _quotes(e.source.quote, quote)]
    if evidence:
        return Verdict(FIXED, f"the contrary report is weighed as evidence ({', '.join(evidence)})")
    if same:
        return Verdict(FOUND, f"{item} cites {quote!r}, but as support: a contrary report needs stance: contradicts")
    if refs is None:
        return Verdict(FOUND, f"{item} is gone, and the contrary report {quote!r} is cited nowhere")
    return Verdict(NOT_FIXED, f"{item} leaves out {source}: {quote!r}, which contradicts it")


def _late_citations(s: Scenario, source: str) -> int:
    """How many quotes outside events' statuses cite ``source``."""
    n = 0
    items: tuple[Driver | Event | ContextFigure, ...] = (*s.drivers, *s.events, *s.context)
    for item in items:
        status = getattr(item, "status", None)
        n += sum(1 for c in citations(item) if c.ref == source and (status is None or c is not status.source))
    return n


def hindsight_leakage(ctx: CheckContext, plant: Plant) -> Verdict:
    """No source after ``as_of`` is cited outside events' statuses (:func:`outlook.scenario.provenance.cutoff_problems`)."""
    problems = cutoff_problems(ctx.student)
    if not problems:
        return Verdict(FIXED, f"no source is dated after as_of ({ctx.student.as_of.isoformat()}) but in a status")
    named = "; ".join(sorted({e.where.key_path.rsplit(".", 1)[0] for e in problems}))
    source = plant.param("source")
    before, after = _late_citations(ctx.original, source), _late_citations(ctx.student, source)
    seen = f"still after the cut-off ({ctx.student.as_of.isoformat()}): {named}"
    if after < before:
        return Verdict(FOUND, f"{seen}; {source} is cited less ({after} quotes, was {before}) but still used")
    return Verdict(NOT_FIXED, seen)


def _interested(s: Scenario, ref: str) -> bool:
    src = next((x for x in s.sources if x.id == ref), None)
    return src is not None and src.interested_party not in (None, False, "", "false", "no")


def interested_party_anchoring(ctx: CheckContext, plant: Plant) -> Verdict:
    """More than an interested party's claim behind the driver, and its 5th-95th range containing ``contains``."""
    name, value = plant.param("driver"), plant.param("contains")
    d = _driver(ctx.student, name)
    if d is None:
        return Verdict(FOUND, f"drivers.{name} is gone: nothing left to weigh the claim against")
    other = [c for c in citations(d) if c.basis not in ("", "interested_claim") and not _interested(ctx.student, c.ref)]
    lo, hi = driver_quantiles(ctx.student, name, (0.05, 0.95), samples=ctx.samples, seed=ctx.seed)
    basis_ok, range_ok = bool(other), lo <= value <= hi
    basis = (
        f"it also cites {', '.join(sorted({c.ref or c.basis for c in other}))}"
        if basis_ok
        else "it rests only on an interested party's claim"
    )
    where = f"its range {_range_text(lo, hi)} {'contains' if range_ok else 'leaves out'} {value:g}"
    status = FIXED if basis_ok and range_ok else FOUND if basis_ok or range_ok else NOT_FIXED
    return Verdict(status, f"drivers.{name}: {basis}; {where}")


def _correlated(s: Scenario, a: str, b: str) -> float:
    for c in s.correlations:
        if {c.a, c.b} == {a, b}:
            return c.rho
    return 0.0


def _factor(s: Scenario, event: str, after: str) -> float | str | None:
    """The ``after`` factor of ``event`` on ``after`` (``None`` when there is none, or it is the constant 1)."""
    e = next((x for x in s.events if x.id == event), None)
    value: Any = dict(e.after).get(after) if e is not None else None
    if value is None or (isinstance(value, int | float) and value == 1):
        return None
    return value if isinstance(value, int | float) else str(getattr(value, "text", value))


def double_counting(ctx: CheckContext, plant: Plant) -> Verdict:
    """Not both the correlation of the two drivers and the ``after`` multiplier for the same dependence."""
    a, b = plant.param("correlation")[:2]
    event, after = plant.param("event"), plant.param("after")
    rho, factor = _correlated(ctx.student, a, b), _factor(ctx.student, event, after)
    corr = f"correlation [{a}, {b}] {rho:g}" if rho else f"no correlation of {a} and {b}"
    mult = f"events.{event}.after.{after} {factor}" if factor is not None else f"no multiplier of {event} after {after}"
    seen = f"{corr}; {mult}"
    if not rho or factor is None:
        return Verdict(FIXED, seen + ": the dependence is stated once")
    changed = rho != _correlated(ctx.original, a, b) or factor != _factor(ctx.original, event, after)
    return Verdict(FOUND if changed else NOT_FIXED, seen + ": both still state one dependence")


def base_rate_neglect(ctx: CheckContext, plant: Plant) -> Verdict:
    """A base rate cited on the driver (``basis: outside_knowledge``) and its median within ``median_within``."""
    name, (low, high) = plant.param("driver"), plant.param("median_within")
    d = _driver(ctx.student, name)
    if d is None:
        return Verdict(FOUND, f"drivers.{name} is gone: the base rate has nothing to anchor")
    cited = [c.ref or "(no source)" for c in citations(d) if c.basis == "outside_knowledge"]
    (median,) = driver_quantiles(ctx.student, name, (0.5,), samples=ctx.samples, seed=ctx.seed)
    inside = low <= median <= high
    ref = f"it cites a base rate ({', '.join(cited)})" if cited else "no base rate (basis: outside_knowledge) is cited"
    where = f"its median {median:.4g} is {'within' if inside else 'outside'} {_range_text(low, high)}"
    status = FIXED if cited and inside else FOUND if cited or inside else NOT_FIXED
    return Verdict(status, f"drivers.{name}: {ref}; {where}")


def decorative_precision(ctx: CheckContext, plant: Plant) -> Verdict:
    """Each named driver reaches an event or scenario (the dependency graph), or sits in ``context:``."""
    unreached = {n.id for n in dependency_graph(ctx.student).unreached() if n.kind == "driver"}
    context = {c.id: c for c in ctx.student.context}
    idle: list[str] = []
    dropped: list[str] = []
    kept: list[str] = []
    for name in plant.param("drivers"):
        if _driver(ctx.student, name) is not None:
            (idle if name in unreached else kept).append(name)
        elif name in context or _same_citation(ctx, name):
            kept.append(name)
        else:
            dropped.append(name)
    if idle:
        return Verdict(NOT_FIXED, f"{', '.join(idle)} still feed no probability: precise, sourced and decorative")
    if dropped:
        return Verdict(FOUND, f"{', '.join(dropped)} left the file: a sourced figure belongs in context:, not nowhere")
    return Verdict(FIXED, f"{', '.join(kept)}: each feeds a judgement or sits in context:")


def _same_citation(ctx: CheckContext, name: str) -> bool:
    """Whether a context figure cites what the original driver ``name`` cited (the figure kept under another id)."""
    was = _driver(ctx.original, name)
    if was is None:
        return False
    quotes = [(c.ref, c.quote) for c in citations(was)]
    return any(
        c.ref == ref and _quotes(c.quote, quote)
        for f in ctx.student.context
        for c in citations(f)
        for ref, quote in quotes
    )


def tautological_indicator(ctx: CheckContext, plant: Plant) -> Verdict:
    """No indicator of the scenario flagged tautological or definitional (at any horizon), and one good one left."""
    from ..analysis.indicators import indicators

    scenario, planted = plant.param("scenario"), plant.param("indicator")
    s = ctx.student
    if scenario not in {r.id for r in s.rules}:
        return Verdict(FOUND, f"scenario {scenario!r} is gone: its indicators cannot be judged")
    if not s.indicators:
        return Verdict(FOUND, f"no indicators left: {planted} was removed but not replaced")
    table = indicators(s, samples=ctx.samples, seed=ctx.seed)
    rows = table[table["scenario"] == scenario]
    bad = sorted({str(i) for i, f in zip(rows["indicator"], rows["flags"]) if _empty_of(f)})
    mine = [i.id for i in s.indicators if scenario in i.signposts and i.id not in bad]
    if bad:
        return Verdict(NOT_FIXED, f"{', '.join(bad)}: flagged tautological or definitional for {scenario}")
    if mine:
        return Verdict(FIXED, f"{', '.join(mine)} signpost {scenario}, none tautological or definitional")
    return Verdict(FOUND, f"no tautological indicator is left, but none signposts {scenario} either")


def _empty_of(flags: object) -> bool:
    """Whether an indicator's flags say it tells nothing new about the scenario (tautological or definitional)."""
    words = {w.strip() for w in str(flags).split(",")}
    return bool(words & {"tautological", "definitional"})


def rule_order(ctx: CheckContext, plant: Plant) -> Verdict:
    """Swap the two rules (same seed, common random numbers): neither scenario moves by more than ``threshold``."""
    from ..analysis.compare import compare

    a, b = plant.param("rules")[:2]
    threshold = plant.param("threshold")
    s = ctx.student
    ids = [r.id for r in s.rules]
    gone = [x for x in (a, b) if x not in ids]
    if gone:
        return Verdict(FIXED, f"scenario {', '.join(gone)} no longer exists: the two rules cannot overlap")
    data = s.to_dict()
    order = list(data["scenarios"])
    i, j = order.index(a), order.index(b)
    order[i], order[j] = order[j], order[i]
    data["scenarios"] = {k: data["scenarios"][k] for k in order}
    try:
        swapped = Scenario.from_dict(data, path=s.path)
    except (ScenarioError, ScenarioErrors) as exc:
        return Verdict(NOT_FIXED, f"the rules {a} and {b} cannot be swapped: {exc}")
    t = compare(s, swapped, samples=ctx.samples, seed=ctx.seed)
    rows = t[(t["kind"] == "scenario") & t["target"].isin([a, b])]
    k = int(np.argmax(np.abs(rows["delta"].to_numpy()))) if len(rows) else 0
    worst = rows.iloc[k] if len(rows) else None
    moved = 0.0 if worst is None else abs(float(worst["delta"]))
    seen = (
        f"swapping {a} and {b} moves {worst['target']}@{worst['horizon']} by {moved:.4f}"
        if worst is not None and moved > 0
        else f"swapping {a} and {b} moves neither"
    )
    if moved <= threshold or math.isclose(moved, threshold):
        return Verdict(FIXED, f"{seen} (at most {threshold:g}): their order decides nothing")
    rewritten = any(_rule(s, x) != _rule(ctx.original, x) for x in (a, b))
    status = FOUND if rewritten else NOT_FIXED
    return Verdict(status, f"{seen} (more than {threshold:g}): the order of the rules, not their substance, decides")


def _rule(s: Scenario, rid: str) -> str | None:
    r = next((x for x in s.rules if x.id == rid), None)
    return None if r is None or r.when is None else r.when.text
