"""The ``claims:`` block of a scenario file (format 1.1): the sources' own forecasts, in their words.

Owns the :class:`Claim` record, reading the block (:func:`claims`), a
claim's plain data (:func:`claim_data`) and the ICD 203 bands a claim's
word is read on (:data:`ICD_203`). A claim records what a speaker (a text,
or a ``ref`` to a source with an optional quote) forecast: a paraphrase, an
optional verbatim ``quote``, a ``timeframe`` (a horizon id, a duration or a
date, as ``by:`` keys accept), the likelihood it ``implies`` (an ICD 203
estimative word, or a probability) and the event or scenario it maps to
(``target``), or ``not_modelled: reason``. Tetlock (*Superforecasting*,
2015) notes that pundits rarely state probabilities or timeframes: making
them explicit is itself the lesson (the project's SAT reference, §4.11).
Never samples: the model's probability set beside each claim is
:mod:`outlook.analysis.claims`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import Location, did_you_mean
from .durations import looks_like_time, point_in_time
from .expressions import Timing
from .provenance import ref_data
from .reading import Node
from .records import SourceRef
from .values import Reader, Skip

__all__ = [
    "ICD_203",
    "Claim",
    "claim_data",
    "claims",
    "implied_band",
]

#: ICD 203's table, one band a row: (likelihood term, probability term, low, high). The bands are read as
#: :mod:`outlook.words` reads them, half-open ``[low, high)`` with the top band closed and the ends 0 and 1
#: (the directive's table covers 1-99%); a test checks that they are the ``icd203`` scales' own.
ICD_203: tuple[tuple[str, str, float, float], ...] = (
    ("almost no chance", "remote", 0.0, 0.05),
    ("very unlikely", "highly improbable", 0.05, 0.20),
    ("unlikely", "improbable", 0.20, 0.45),
    ("roughly even chance", "roughly even odds", 0.45, 0.55),
    ("likely", "probable", 0.55, 0.80),
    ("very likely", "highly probable", 0.80, 0.95),
    ("almost certain", "nearly certain", 0.95, 1.0),
)

_KEYS = (
    "speaker",
    "paraphrase",
    "timeframe",
    "implies",
    "target",
    "not_modelled",
    "quote",
    "interested_party",
    "note",
)
_REQUIRED = ("speaker", "paraphrase", "timeframe", "implies")


@dataclass(frozen=True, slots=True)
class Claim:
    """A source's own forecast, as the scenario file states it (format 1.1 ``claims:``).

    Attributes
    ----------
    id
        The claim's id in the block.
    speaker, speaker_ref
        Who made it: a text, or (``speaker`` empty) a reference to a source of the file.
    paraphrase
        What they forecast, in the analyst's words.
    timeframe, years, horizon
        By when, as written (a horizon id, a duration or a date); in years
        from ``as_of``; the horizon's id when it names one (else ``""``).
    implies, band
        The likelihood the claim implies, as written (an ICD 203 word, or a
        probability as a number or a percentage text), and the index of its
        band in :data:`ICD_203`.
    probability
        The probability the claim states (``implies`` as a number), or
        ``None`` when it implies a word.
    target, kind
        The event or scenario it maps to and which (``"event"`` or
        ``"scenario"``); both ``""`` for a claim ``not_modelled``.
    not_modelled
        Why the model cannot judge it (``""`` for a claim with a target).
    quote
        The verbatim quote, ``{ref, quote}``, or ``None``.
    interested_party
        As a source's: ``True``/``False`` or a text naming whose interest;
        ``None`` when the claim does not say (then the cited source's applies).
    """

    id: str
    speaker: str
    paraphrase: str
    timeframe: str
    years: float
    implies: str | float
    band: int
    probability: float | None = None
    target: str = ""
    kind: str = ""
    not_modelled: str = ""
    horizon: str = ""
    speaker_ref: SourceRef | None = None
    quote: SourceRef | None = None
    interested_party: bool | str | None = None
    note: str = ""
    where: Location = field(default=Location(), compare=False, repr=False)


def implied_band(p: float) -> int:
    """The index in :data:`ICD_203` of the band holding probability ``p`` (half-open, the top band closed).

    >>> implied_band(0.55), implied_band(0.5499), implied_band(1.0)
    (4, 3, 6)
    """
    for i, (_, _, _, hi) in enumerate(ICD_203):
        if p < hi:
            return i
    return len(ICD_203) - 1


def claim_data(c: Claim) -> dict[str, Any]:
    """A claim as a scenario file writes it."""
    out: dict[str, Any] = {"speaker": ref_data(c.speaker_ref) if c.speaker_ref is not None else c.speaker}
    out["paraphrase"] = c.paraphrase
    if c.quote is not None:
        out["quote"] = ref_data(c.quote)
    out["timeframe"] = c.timeframe
    out["implies"] = c.implies
    if c.target:
        out["target"] = c.target
    else:
        out["not_modelled"] = c.not_modelled
    if c.interested_party is not None:
        out["interested_party"] = c.interested_party
    if c.note:
        out["note"] = c.note
    return out


def claims(
    r: Reader, node: Node, root: Node, timing: Timing, scenarios: Sequence[str] | None, events: Sequence[str]
) -> tuple[Claim, ...]:
    """``claims``: id -> ``{speaker, paraphrase, quote, timeframe, implies, target | not_modelled, ...}`` (format 1.1).

    ``scenarios`` are the scenario ids the file writes (``None`` when they
    cannot be known: a target is then not checked against them); ``events``
    the event ids it writes.

    Raises
    ------
    Skip
        After recording a problem that spoils the whole block.
    """
    r.needs_format(r.at_key(root, "claims", "claims"), "the 'claims' block")
    m = r.mapping(node, "claims", what="a mapping of claim ids to {speaker, paraphrase, timeframe, implies, target}")
    out: list[Claim] = []
    for cid, cnode in m.items():
        with r.collecting():
            out.append(_claim(r, node, cid, cnode, timing, scenarios, events))
    return tuple(out)


def _claim(
    r: Reader,
    parent: Node,
    cid: str,
    node: Node,
    timing: Timing,
    scenarios: Sequence[str] | None,
    events: Sequence[str],
) -> Claim:
    kp = f"claims.{cid}"
    r.name(parent, cid, kp)
    e = r.mapping(node, kp, required=_REQUIRED, optional=_KEYS[len(_REQUIRED) :])
    f = r.texts(e, kp, ("paraphrase", "not_modelled", "note"))
    more: dict[str, Any] = {}
    with r.collecting():
        more.update(_speaker(r, e, kp))
    if "quote" in e:
        with r.collecting():
            more["quote"] = _quote(r, e["quote"], f"{kp}.quote")
    if "interested_party" in e:
        with r.collecting():
            more["interested_party"] = _interested(r, e["interested_party"], f"{kp}.interested_party")
    implied: tuple[str | float, int, float | None] | None = None
    if "implies" in e:
        with r.collecting():
            implied = _implies(r, e["implies"], f"{kp}.implies")
    kind, target = "", ""
    if "target" in e and "not_modelled" in e:
        r.fail(r.at(node, kp), "give one of 'target' and 'not_modelled', not both")
    elif "target" not in e and "not_modelled" not in e:
        r.fail(r.at(node, kp), "give 'target' (the event or scenario it maps to) or 'not_modelled: reason'")
    elif "target" in e:
        with r.collecting():
            kind, target = _target(r, e["target"], f"{kp}.target", scenarios, events)
    elif not f.get("not_modelled", "x").strip():
        r.fail(r.at(e["not_modelled"], f"{kp}.not_modelled"), "say why the model cannot judge the claim")
    when: tuple[str, float, str] | None = None
    if "timeframe" in e:
        with r.collecting():
            when = _timeframe(r, e["timeframe"], f"{kp}.timeframe", timing, kind)
    if when is None or implied is None or "speaker" not in more or not (target or f.get("not_modelled", "").strip()):
        raise Skip()  # each problem is reported where it is
    implies, band, probability = implied
    text, years, horizon = when
    return Claim(
        cid,
        paraphrase=f.get("paraphrase", ""),
        timeframe=text,
        years=years,
        implies=implies,
        band=band,
        probability=probability,
        target=target,
        kind=kind,
        not_modelled=f.get("not_modelled", ""),
        horizon=horizon,
        note=f.get("note", ""),
        where=r.at_key(parent, cid, kp),
        **more,
    )


def _speaker(r: Reader, e: dict[str, Node], kp: str) -> dict[str, Any]:
    """``speaker``: a text, or ``{ref, quote}`` naming a source of the file."""
    if "speaker" not in e:
        raise Skip()  # reported as a missing key
    node = e["speaker"]
    if node.kind == "map":
        if "ref" not in node.value:
            raise r.fail(r.at(node, f"{kp}.speaker"), "a speaker written as a mapping needs 'ref', a source id")
        return {"speaker": "", "speaker_ref": r.source_ref(node, f"{kp}.speaker")}
    return {"speaker": r.text(node, f"{kp}.speaker", "a speaker's name, or {ref: SOURCE}")}


def _quote(r: Reader, node: Node, kp: str) -> SourceRef:
    """``quote``: ``{ref, quote}``, read as a driver's or an event's ``source:`` is; the quote's text is required."""
    if node.kind == "map" and "quote" not in node.value:
        raise r.fail(r.at(node, kp), "missing required key 'quote': the source's own words")
    return r.source_ref(node, kp)


def _interested(r: Reader, node: Node, kp: str) -> bool | str:
    """``interested_party``: ``true``, ``false`` or a text naming whose interest, as a source's."""
    if node.kind == "scalar" and isinstance(node.value, bool):
        return node.value
    return r.text(node, kp, "true, false or text")


def _implies(r: Reader, node: Node, kp: str) -> tuple[str | float, int, float | None]:
    """``implies``: an ICD 203 word (either row of the table) or a probability; (as written, band, probability)."""
    if r.is_percentage(node) or (
        node.kind == "scalar" and isinstance(node.value, int | float) and not isinstance(node.value, bool)
    ):
        p = r.probability(node, kp)
        written: str | float = str(node.value).strip() if r.is_percentage(node) else p
        return written, implied_band(p), p
    text = r.text(node, kp, "an estimative word or a probability")
    words = {w: i for i, (a, b, _, _) in enumerate(ICD_203) for w in (a, b)}
    key = " ".join(text.lower().split())
    if key not in words:
        raise r.fail(
            r.at(node, kp),
            "expected an ICD 203 estimative word (almost no chance, very unlikely, unlikely, roughly even chance, "
            "likely, very likely, almost certain, or the table's probability terms) or a probability (0.7, 70%)",
            got=text,
            hint=did_you_mean(key, list(words)),
        )
    return text, words[key], None


def _target(r: Reader, node: Node, kp: str, scenarios: Sequence[str] | None, events: Sequence[str]) -> tuple[str, str]:
    """``target``: (kind, id) of an event or a scenario of the file."""
    target = r.text(node, kp, "an event or scenario id")
    if target in events:
        return "event", target
    if scenarios is None or target in scenarios:
        return "scenario", target
    raise r.fail(
        r.at(node, kp), f"unknown event or scenario {target!r}", hint=did_you_mean(target, [*events, *scenarios])
    )


def _timeframe(r: Reader, node: Node, kp: str, timing: Timing, kind: str) -> tuple[str, float, str]:
    """``timeframe``: (as written, years from ``as_of``, horizon id or ``""``), no later than the last horizon."""
    if node.kind == "scalar" and isinstance(node.value, dt.date):
        text = node.value.isoformat()  # plain data: a date object
    else:
        text = r.text(node, kp, "a horizon id, a duration (6mo) or a date (2025-06-01)")
    horizons = dict(timing.horizons)
    where = r.at(node, kp)
    if text in horizons:
        return text, horizons[text], text
    if not looks_like_time(text):
        raise r.unknown(where, "horizon", text, list(horizons), "horizons")
    if kind == "scenario":
        raise r.fail(
            where,
            "a claim on a scenario needs a horizon id as its timeframe: a world's scenario is read at the "
            f"horizons' ends ({', '.join(horizons)})",
            got=text,
        )
    try:
        years = point_in_time(text, timing.as_of)
    except ValueError as exc:
        raise r.fail(where, str(exc)) from None
    if years <= 0:
        raise r.fail(where, f"a timeframe must be after as_of ({timing.as_of.isoformat()})")
    last_id, last = max(timing.horizons, key=lambda h: h[1]) if timing.horizons else ("", 0.0)
    if years > last + 1e-12:
        raise r.fail(
            where,
            f"{text} is after the last horizon's end ({last_id}): the model does not look that far; "
            "add a horizon, or record the claim with not_modelled: reason",
        )
    return text, years, ""
