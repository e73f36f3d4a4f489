"""The ``futures:`` block of a scenario file (format 1.1): the axes of an alternative-futures grid.

Owns reading the block (:func:`futures`) into a :class:`Futures` record and
its plain data (:func:`futures_data`). Each axis is a condition, read as a
scenario rule is read at the block's horizon (the grammar, names and checks
of an indicator's ``observable``), with a label for its high (true) and its
low (false) side. Two axes make the Tradecraft Primer's 2x2 grid
("Alternative Futures Analysis", *A Tradecraft Primer*, US Government 2009,
p. 34); n axes, every pair of them (Heuer and Pherson's Multiple Scenarios
Generation). Never samples: the quadrants' probabilities are
:mod:`outlook.analysis.futures`.

The block::

    futures:
      horizon: long
      axes:
        escalation: {when: "strike or blockade", high: escalation, low: restraint}
        deal: {when: deal_signed, high: a deal, low: no deal}
      narratives:
        escalation_high.deal_low: "Strikes without a deal ..."
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..errors import Location, did_you_mean
from .canonical import expression_data
from .expressions import NUMBER, YES_NO, Expression, Timing
from .reading import Node
from .values import Reader, Skip

__all__ = [
    "FutureAxis",
    "Futures",
    "futures",
    "futures_data",
]

#: the two sides of an axis, as a narrative's key writes them: ``AXIS_high``, ``AXIS_low``
SIDES = ("high", "low")


@dataclass(frozen=True, slots=True)
class FutureAxis:
    """One axis of an alternative-futures grid: a condition at the horizon, and the label of each side.

    ``when`` holds (the high side) or not (the low side) in each world, by
    the end of the block's horizon.
    """

    id: str
    when: Expression
    high: str
    low: str
    where: Location = field(default=Location(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Futures:
    """The ``futures:`` block (format 1.1): a horizon, two or more axes, and quadrant narratives.

    ``narratives`` maps a quadrant's key, ``"a_high.b_low"`` (two distinct
    axes, each with its side), to the analyst's text.
    """

    horizon: str
    axes: tuple[FutureAxis, ...]
    narratives: tuple[tuple[str, str], ...] = ()
    where: Location = field(default=Location(), compare=False, repr=False)

    def narrative(self, key: str) -> str:
        """The narrative of the quadrant ``key`` (either order of its two parts), or ``""``."""
        parts = key.split(".")
        keys = {key, ".".join(reversed(parts))}
        return next((text for k, text in self.narratives if k in keys), "")


def futures_data(f: Futures, *, canonical: bool = False) -> dict[str, Any]:
    """The block as a scenario file writes it: ``{horizon, axes, narratives}``."""
    out: dict[str, Any] = {
        "horizon": f.horizon,
        "axes": {
            a.id: {"when": expression_data(a.when, canonical=canonical), "high": a.high, "low": a.low} for a in f.axes
        },
    }
    if f.narratives:
        out["narratives"] = dict(f.narratives)
    return out


def futures(r: Reader, node: Node, root: Node, timing: Timing) -> tuple[Futures]:
    """``futures``: ``{horizon, axes: {id: {when, high, low}}, narratives: {key: text}}`` (format 1.1).

    Raises
    ------
    Skip
        After recording a problem that spoils the block: an unknown
        horizon, fewer than two axes, an axis whose ``when`` is not a
        condition, a narrative key naming an unknown axis or side.
    """
    where = r.at_key(root, "futures", "futures")
    r.needs_format(where, "the 'futures' block")
    m = r.mapping(node, "futures", required=("horizon", "axes"), optional=("narratives",))
    if "horizon" not in m or "axes" not in m:
        raise Skip()  # reported as a missing key
    hid = r.text(m["horizon"], "futures.horizon", "a horizon id")
    if hid not in r.horizon_ids:
        raise r.unknown(r.at(m["horizon"], "futures.horizon"), "horizon", hid, r.horizon_ids, "horizons")
    axes = _axes(r, m["axes"], timing)
    narratives: tuple[tuple[str, str], ...] = ()
    if "narratives" in m:
        narratives = _narratives(r, m["narratives"], [a.id for a in axes])
    return (Futures(hid, axes, narratives, where=where),)


def _axes(r: Reader, node: Node, timing: Timing) -> tuple[FutureAxis, ...]:
    m = r.mapping(node, "futures.axes", what="a mapping of axis ids to {when, high, low}")
    if len(m) < 2:
        raise r.fail(
            r.at(node, "futures.axes"),
            f"an alternative-futures grid needs at least two axes (got {len(m)})",
            hint="add a second axis: the 2x2 crosses two independent uncertainties",
        )
    names = dict(r.kinds)
    events = [n for n, s in r.names.items() if s == "events"]
    names.update(dict.fromkeys(events, YES_NO))
    timing = dataclasses.replace(timing, events=frozenset(events), t=True)
    out: list[FutureAxis] = []
    before = len(r.errors)
    for aid, anode in m.items():
        with r.collecting():
            kp = f"futures.axes.{aid}"
            r.name(node, aid, kp)
            e = r.mapping(anode, kp, required=("when", "high", "low"))
            f = r.texts(e, kp, ("high", "low"))
            if "when" not in e:
                raise Skip()
            when = r.expression(e["when"], f"{kp}.when", names, timing=timing)
            if when.kind == NUMBER:
                raise r.fail(when.where, "an axis needs a condition (true or false), not a number", got=when.text)
            out.append(FutureAxis(aid, when, f.get("high", ""), f.get("low", ""), where=r.at_key(node, aid, kp)))
    if len(r.errors) > before:
        raise Skip()
    return tuple(out)


def _narratives(r: Reader, node: Node, axis_ids: list[str]) -> tuple[tuple[str, str], ...]:
    m = r.mapping(node, "futures.narratives", what="a mapping of quadrants (AXIS_high.AXIS_low) to text")
    out = []
    for key, tnode in m.items():
        with r.collecting():
            kp = f"futures.narratives.{key}"
            at = r.at_key(node, key, kp)
            parts = key.split(".")
            if len(parts) != 2:
                raise r.fail(at, f"a quadrant is two axes with their sides, AXIS_high.AXIS_low (got {key!r})")
            seen = []
            for part in parts:
                aid, _, side = part.rpartition("_")
                if side not in SIDES or not aid:
                    raise r.fail(at, f"{part!r} names no side: write {part}_high or {part}_low")
                if aid not in axis_ids:
                    raise r.fail(at, f"unknown axis {aid!r} in {key!r}", hint=did_you_mean(aid, axis_ids))
                seen.append(aid)
            if seen[0] == seen[1]:
                raise r.fail(at, f"a quadrant crosses two different axes (got {seen[0]!r} twice)")
            out.append((key, r.text(tnode, kp)))
    return tuple(out)
