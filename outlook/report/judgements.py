"""The key judgements: what the report says first, one judgement to an item.

Owns the shape of a key judgement (the likelihood sentence in one row of
the ICD 203 table, the rounded number and its range, then a separate
confidence sentence, then the implications) and the two kinds the report
makes: the analyst's own (a scenario's ``judgements:`` block, read through
``getattr`` so that scenarios without one still work) and, by default, one a
horizon naming the leading scenario. Never renders, never draws, never
simulates, never computes a range or a confidence: those come in through
:class:`Assessment`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..display import about, by_horizon, rounded_range, small_number
from ..words import Scale, level, straddles
from .document import Inline, Parts, Strong, User, inline_text, join, one_line

if TYPE_CHECKING:
    import pandas as pd

    from ..scenario import Scenario
    from ..tables import Tables

__all__ = [
    "Assessment",
    "Assessments",
    "analyst_judgements",
    "assessments_of",
    "key_judgement",
    "scenario_judgements",
]

FLAG = "†"


@dataclass(frozen=True, slots=True)
class Assessment:
    """What the analytic-confidence stage says about one judgement; every field optional.

    Attributes
    ----------
    low, high
        The judgement's range across the drivers' uncertainty (5th and 95th
        percentiles of the probability conditional on the drivers), or
        ``None``; shown after the rounded number as "range 20–65%".
    confidence
        The confidence sentence ("We have low confidence in this judgement:
        ..."), shown after the likelihood sentence, never inside it; ``""``
        for none.
    """

    low: float | None = None
    high: float | None = None
    confidence: str = ""


#: Looks up the assessment of a target (a scenario or event id) at a horizon id, or ``None``.
Assessments = Callable[[str, str], "Assessment | None"]


def assessments_of(tables: Tables) -> Assessments:
    """The assessments the tables carry, if any: a ``confidence`` frame with ``target``, ``horizon``, ``p05``, ``p95``.

    A missing table, or a missing column, gives no assessment; a ``sentence``
    (or ``confidence_sentence``) column gives the confidence sentence.
    """
    frame = getattr(tables, "confidence", None)
    found: dict[tuple[str, str], Assessment] = {}
    if frame is not None and {"target", "horizon"} <= set(getattr(frame, "columns", ())):
        for r in frame.to_dict(orient="records"):
            low, high = r.get("p05"), r.get("p95")
            sentence = r.get("sentence", r.get("confidence_sentence", ""))
            found[(str(r["target"]), str(r["horizon"]))] = Assessment(
                None if low is None else float(low),
                None if high is None else float(high),
                str(sentence or ""),
            )
    return lambda target, horizon: found.get((target, horizon))


def key_judgement(
    likelihood: Parts,
    p: float,
    scale: Scale,
    *,
    assessment: Assessment | None = None,
    implications: str = "",
) -> Parts:
    """One key judgement: the likelihood sentence, the rounded number and its range, confidence, implications.

    Parameters
    ----------
    likelihood
        The likelihood sentence without its final full stop; its estimative
        words all from one row of the ICD 203 table.
    p
        The judgement's probability; shown by the house rounding
        (:func:`outlook.display.about`).
    scale
        The scale of the words.
    assessment
        Its range and confidence sentence, when the analytic-confidence stage
        gave them; nothing is shown for what is absent.
    implications
        What the judgement means for the reader ("so what"), from the
        analyst; nothing when empty.

    Returns
    -------
    Parts
        ``<likelihood> (about 40%; range 20–65%). <confidence> Implications: <text>``.
    """
    shown = about(p, scale)
    a = assessment or Assessment()
    if a.low is not None and a.high is not None:
        shown += f"; range {rounded_range(a.low, a.high)}"
    parts: list[Inline] = [*likelihood, f" ({shown})."]
    if a.confidence.strip():
        parts += [" ", one_line(a.confidence)]
    if implications.strip():
        parts += [" ", Strong("Implications."), " ", *inline_text(one_line(implications))]
    return tuple(parts)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def scenario_judgements(
    s: Scenario,
    scale: Scale,
    frame: pd.DataFrame,
    n: float,
    assess: Assessments,
    covered: frozenset[tuple[str, str]] = frozenset(),
) -> list[tuple[Parts, bool]]:
    """One key judgement a horizon: the leading scenario, or the scenarios level at the top.

    Scenarios whose probability is within :func:`outlook.words.level` of the
    leading one (5 points, or 3 Monte Carlo standard errors of the paired
    difference with ``n`` worlds) are named as level with it, so that Monte
    Carlo noise alone does not crown a leader (a gap within noise of the
    5 points can still fall either side with another seed); level scenarios
    are named in the file's order. A horizon whose leading scenario is
    already one of the analyst's judgements (``covered``, (scenario id,
    horizon id) pairs) gets no second sentence. Returns each judgement and
    whether a word in it carries the straddle flag.
    """
    rules = {r.id: r for r in s.rules}
    out = []
    for h in s.horizons:
        rows = frame[frame["horizon"] == h.id].sort_values("p", ascending=False, kind="stable")
        if rows.empty:
            continue
        top = rows.iloc[0]
        p1 = float(top["p"])
        tied = [r for _, r in rows.iloc[1:].iterrows() if level(p1, float(r["p"]), n)]
        when = _capital(by_horizon(h.label, h.id, s.as_of, h.until))
        of = "" if len(rows) < 2 else f" of the {small_number(len(rows))}"

        def name(r: Any) -> Parts:
            return ("“", User(one_line(rules[str(r["scenario"])].label) or str(r["scenario"])), "”")

        def word(r: Any) -> tuple[str, bool]:
            flagged = straddles(float(r["p"]), float(r["p_se"]), scale)
            return str(r["word"]) + (FLAG if flagged else ""), flagged

        w1, flagged = word(top)
        if not tied and (str(top["scenario"]), h.id) in covered:
            continue  # the analyst's own judgement on it stands first
        if not tied:
            sentence: Parts = (f"{when}, ", *name(top), f" is the leading scenario{of}: it is ", Strong(w1))
            sentence += (" to be the outcome",)
            out.append((key_judgement(sentence, p1, scale, assessment=assess(str(top["scenario"]), h.id)), flagged))
            continue
        order = list(rules)
        named: list[Parts] = []
        for r in sorted([top, *tied], key=lambda r: order.index(str(r["scenario"]))):  # file order: not the noise's
            w, f = word(r)
            flagged |= f
            named.append((*name(r), " (", Strong(w), f", {about(float(r['p']), scale)})"))
        listed = named[0] if len(named) == 1 else (*join(named[:-1], ", "), " and ", *named[-1])
        sentence = (f"{when}, no scenario leads: ", *listed, f" are level at the top{of}")
        sentence += (" (less than 5 points apart, or within Monte Carlo error).",)
        out.append((sentence, flagged))
    return out


def _target(j: Any) -> tuple[str, str]:
    """A judgement's target as (id, horizon id).

    Reads a loaded :class:`~outlook.scenario.Judgement` (``target`` and
    ``horizon`` apart), ``target="id@horizon"``, or a mapping/object with
    event or scenario and horizon.
    """
    t = getattr(j, "target", "")
    if isinstance(t, str):
        ident, _, horizon = t.partition("@")
        if not horizon:  # a loaded Judgement holds its horizon apart
            horizon = str(getattr(j, "horizon", "") or "")
        return ident.strip(), horizon.strip()
    get = t.get if isinstance(t, Mapping) else lambda k, d="": getattr(t, k, d)
    return str(get("event", "") or get("scenario", "") or get("id", "")), str(get("horizon", ""))


def _probability(tables: Tables, ident: str, horizon: str) -> tuple[float, float] | None:
    """The probability and standard error of a scenario or event at a horizon, or ``None``."""
    for frame, col, p, se in ((tables.scenarios, "scenario", "p", "p_se"), (tables.events, "event", "p_by", "p_by_se")):
        rows = frame[(frame[col].astype(str) == ident) & (frame["horizon"].astype(str) == horizon)]
        if len(rows):
            return float(rows[p].iloc[0]), float(rows[se].iloc[0])
    return None


def _items(block: Any) -> Iterable[Any]:
    if isinstance(block, Mapping):
        return list(block.values())
    return list(block or ())


def analyst_judgements(tables: Tables, s: Scenario, scale: Scale, assess: Assessments) -> list[tuple[Parts, bool]]:
    """The analyst's key judgements (the scenario's ``judgements:`` block), in the file's order.

    Each ``text`` has ``{word}`` replaced by the estimative word of its
    target's probability; a judgement whose target the tables do not hold
    is left out (the loader checks targets). The analyst's ``implications``
    follow; the confidence sentence comes from ``assess``.
    """
    out = []
    for j in _items(getattr(s, "judgements", ())):
        ident, horizon = _target(j)
        found = _probability(tables, ident, horizon)
        if found is None:
            continue
        p, se = found
        flagged = straddles(p, se, scale)
        w = scale.word(p) + (FLAG if flagged else "")
        text = one_line(str(getattr(j, "text", "") or "{word}")).rstrip(".")
        pieces = text.split("{word}")
        sentence: list[Inline] = []
        for i, piece in enumerate(pieces):
            if i:
                sentence.append(Strong(w))
            sentence.extend(inline_text(piece))
        said = key_judgement(
            tuple(sentence),
            p,
            scale,
            assessment=assess(ident, horizon),
            implications=str(getattr(j, "implications", "") or ""),
        )
        out.append((said, flagged))
    return out
