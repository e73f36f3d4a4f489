"""The ``judgements:`` block of a scenario file (format 1.1): the analyst's key judgements and stated confidence.

Owns the :class:`Judgement` record, reading the block (:func:`judgements`)
and its plain data (:func:`judgement_data`). A judgement names a scenario or
an event at a horizon (``target: ID@HORIZON``), gives its text with
``{word}`` where the estimative word goes (the word comes from the run, never
from the analyst), and may state the analyst's analytic confidence
(``low``, ``moderate`` or ``high``: the NIC's levels; ICD 203 asks for it
apart from likelihood), its ``basis`` and its ``implications`` (the "so
what"). Never samples: the proposed confidence set beside the stated one is
:mod:`outlook.analysis.confidence`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import Location, did_you_mean
from .reading import Node
from .values import Reader, Skip

__all__ = [
    "CONFIDENCE_LEVELS",
    "Judgement",
    "judgement_data",
    "judgements",
]

#: An analyst's analytic confidence, from least to most.
CONFIDENCE_LEVELS = ("low", "moderate", "high")

_KEYS = ("target", "text", "confidence", "basis", "implications")


@dataclass(frozen=True, slots=True)
class Judgement:
    """A key judgement the analyst states: a target at a horizon, its text, and their confidence in it.

    ``kind`` is ``"scenario"`` or ``"event"``; ``text`` holds ``{word}``;
    ``confidence`` is one of :data:`CONFIDENCE_LEVELS`, or ``""`` where the
    analyst states none.
    """

    kind: str
    target: str
    horizon: str
    text: str
    confidence: str = ""
    basis: str = ""
    implications: str = ""
    where: Location = field(default=Location(), compare=False, repr=False)

    @property
    def id(self) -> str:
        """``target@horizon``, as the file writes it."""
        return f"{self.target}@{self.horizon}"


def judgement_data(j: Judgement) -> dict[str, Any]:
    """A judgement as a scenario file writes it."""
    out: dict[str, Any] = {"target": j.id, "text": j.text}
    for key in ("confidence", "basis", "implications"):
        if getattr(j, key):
            out[key] = getattr(j, key)
    return out


def judgements(r: Reader, node: Node, root: Node, scenarios: list[str] | None, events: list[str]) -> list[Judgement]:
    """``judgements``: a list of ``{target: ID@HORIZON, text, confidence, basis, implications}`` (format 1.1).

    ``scenarios`` are the scenario ids the file writes (``None`` when they
    cannot be known: then a target is not checked against them); ``events``
    the event ids.

    Raises
    ------
    Skip
        After recording a problem that spoils the whole block.
    """
    r.needs_format(r.at_key(root, "judgements", "judgements"), "the 'judgements' block")
    if node.kind != "seq":
        raise r.fail(r.at(node, "judgements"), "expected a list of judgements, each {target: ID@HORIZON, text: ...}")
    out: list[Judgement] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(node.value):
        with r.collecting():
            j = _judgement(r, item, f"judgements[{i}]", scenarios, events)
            if j.id in seen:
                r.fail(j.where, f"a second judgement on {j.id} (the first is judgements[{seen[j.id]}])")
                continue
            seen[j.id] = i
            out.append(j)
    return out


def _judgement(r: Reader, node: Node, kp: str, scenarios: list[str] | None, events: list[str]) -> Judgement:
    e = r.mapping(node, kp, required=("target", "text"), optional=_KEYS[2:], what="a mapping {target, text, ...}")
    f = r.texts(e, kp, _KEYS)
    if "target" not in e or "text" not in e or not f.get("target"):
        raise Skip()  # reported: a missing key, or a target that is not text
    where = r.at(e["target"], f"{kp}.target")
    target, at, horizon = f["target"].partition("@")
    target, horizon = target.strip(), horizon.strip()
    if not at or not target or not horizon:
        raise r.fail(where, "expected ID@HORIZON, a scenario or event id and a horizon id", got=f["target"])
    if horizon not in r.horizon_ids:
        raise r.unknown(where, "horizon", horizon, r.horizon_ids, "horizons")
    known = [*(scenarios or []), *events]
    if target in events:
        kind = "event"
    elif scenarios is None or target in scenarios:
        kind = "scenario"
    else:
        raise r.fail(where, f"unknown scenario or event {target!r}", hint=did_you_mean(target, known))
    text = f.get("text", "")
    if "{word}" not in text:
        r.fail(
            r.at(e["text"], f"{kp}.text"), "expected the judgement's text with {word} where the estimative word goes"
        )
    level = f.get("confidence", "")
    if "confidence" in e and level not in CONFIDENCE_LEVELS:
        r.fail(
            r.at(e["confidence"], f"{kp}.confidence"),
            "expected low, moderate or high",
            got=level,
            hint=did_you_mean(level, CONFIDENCE_LEVELS),
        )
        level = ""
    return Judgement(
        kind, target, horizon, text, level, f.get("basis", ""), f.get("implications", ""), where=r.at(node, kp)
    )
