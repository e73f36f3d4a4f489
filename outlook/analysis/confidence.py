"""Analytic confidence, kept apart from likelihood: the range of each probability across the drivers' uncertainty.

Owns :func:`epistemic_ranges` (the 5th-95th percentile, over the drivers'
draws, of each scenario's and event's probability *given* the drivers),
:func:`words_spanned`, the rule that proposes a confidence level
(:func:`propose`), the confidence sentence (:func:`confidence_sentence`), and
:func:`confidence`, which puts them together with the sources and the key
assumptions behind each judgement and the analyst's stated confidence
(the ``judgements:`` block). Never plots, never prints, never reads files.

Likelihood and confidence are two things
-----------------------------------------
ICD 203 (ODNI, 2015, standard 1) asks analysts to express *likelihood* (how
probable the outcome is: the estimative word) and *confidence* (how well
founded the judgement is: the quality and quantity of the sources, the
assumptions, the spread of reasonable estimates) separately, and never to
mix them in one sentence (ICD 203, §D.6.b.2; the NIC's confidence levels
high, moderate and low; the UK PHIA's Analytical Confidence Ratings,
*Explaining Uncertainty in UK Intelligence Assessment*, GOV.UK 2025).

The epistemic range (outlook's convention, not an ICD standard)
---------------------------------------------------------------
A scenario's probability ``p`` averages over two kinds of uncertainty: the
drivers (what we do not know: the analyst's ranges) and the event clocks
(what chance does given them). The range reported here is the 5th to 95th
percentile, over the drivers' draws ``theta``, of ``P(target | theta)``: how
far the probability would move if we knew the drivers. It is a library
convention (the project's SAT reference, §4.1), **not** an IC standard, and
it is not the Monte Carlo error of ``p`` (which more samples shrink; this
range does not shrink).

Each target takes one of two routes (the ``route`` column):

* ``analytic``: an event with no ``after`` or ``requires``. Its hazard is a
  function of the drivers, so ``P(T <= t | theta) = 1 - exp(-H(t; theta))``
  is computed exactly in each world (:func:`outlook.model.hazards.by_probability`).
* ``nested``: every scenario, and every event with ``after`` or
  ``requires``. Outer draws of the drivers (``samples``), each with
  ``inner`` draws of the event clocks; the inner draws are the same for
  every outer draw (common random numbers), so that a target that does not
  depend on the drivers gets one value (``p05 == p95``) and the spread is
  the drivers' alone, not the inner noise. Each conditional probability
  then has a standard error of at most ``0.5 / sqrt(inner)`` (0.016 at the
  default 1,000), which widens the range a little; the percentiles
  themselves have the sampling error of order statistics of ``samples``
  draws (about ``sqrt(0.05 * 0.95 / samples)`` in quantile level: 0.7
  percentage points at the default 1,000).

``p`` is the mean over the outer draws of the conditional probability (an
estimate of the run's probability with less noise for the analytic route).

The confidence rule (:func:`propose`)
-------------------------------------
From the SAT reference §4.1 (Tradecraft Primer 2009, "Quality of Information
Check"; NIC confidence definitions):

* **low** when the range spans 3 or more word bands, or the judgement rests
  on a single source or on none, or on an *unsupported* key assumption
  that bears on it;
* **high** only when the range stays within one word band, and the
  judgement rests on two or more sources graded A or B that are not
  interested parties, and on no caveated or unsupported key assumption;
* **moderate** otherwise.

The analyst can state their own (``judgements:``); it is shown beside the
proposal, with a note when the two differ by more than one level.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._types import FloatArray
from ..model import Model, compile_model
from ..model.graph import DependencyGraph, dependency_graph
from ..model.hazards import by_probability, occurrence_times
from ..model.streams import node_rng
from ..model.worlds import draw_worlds, label_worlds
from ..words import get_scale

if TYPE_CHECKING:
    import pandas as pd

    from ..scenario import Scenario
    from ..tables import Tables
    from .assumptions import AssumptionsCheck

__all__ = [
    "CONFIDENCE_COLUMNS",
    "DEFAULT_INNER",
    "DEFAULT_OUTER",
    "LEVELS",
    "RANGE_COLUMNS",
    "RANGE_TABLE_COLUMNS",
    "Confidence",
    "brief_confidence_sentence",
    "confidence",
    "confidence_sentence",
    "epistemic_ranges",
    "propose",
    "with_ranges",
    "words_spanned",
]

#: Analytic confidence levels, from least to most (NIC; ICD 203).
LEVELS = ("low", "moderate", "high")
#: Outer draws of the drivers by default.
DEFAULT_OUTER = 1_000
#: Inner draws of the event clocks per outer draw by default (nested route).
DEFAULT_INNER = 1_000
#: The percentiles of the range.
_LO, _HI = 0.05, 0.95
#: Worlds simulated at once on the nested route (outer draws x inner draws).
_CHUNK_WORLDS = 200_000

#: The columns of :func:`epistemic_ranges`, in order.
RANGE_COLUMNS = ("kind", "target", "horizon", "p", "p05", "p95", "words_spanned", "straddles", "route", "explained")
#: The columns of :attr:`Confidence.table`, in order.
CONFIDENCE_COLUMNS = (
    "kind",
    "target",
    "horizon",
    "p",
    "word",
    "p05",
    "p95",
    "words_spanned",
    "straddles",
    "route",
    "explained",
    "sources",
    "proposed",
    "stated",
    "note",
    "reasons",
    "sentence",
    "brief",
)


def words_spanned(p05: float, p95: float, scale: str = "icd203") -> int:
    """How many words of ``scale`` the probabilities from ``p05`` to ``p95`` get (1: one word throughout).

    Counted with the scale's own conventions (:meth:`outlook.words.Scale.word`:
    half-open bands, clamped ends, a gap of a gapped scale counted as its
    own "a to b" term).

    Raises
    ------
    ValueError
        If either end is not in [0, 1], or ``p05 > p95``.

    Examples
    --------
    >>> words_spanned(0.31, 0.58), words_spanned(0.46, 0.54), words_spanned(0.12, 0.58)
    (3, 1, 4)
    """
    sc = get_scale(scale)
    if not p05 <= p95:
        raise ValueError(f"the range's lower end {p05} is above its upper end {p95}")
    words = [sc.word(p05)] + [sc.word(e) for e in sc.edges() if p05 < e <= p95]
    words.append(sc.word(p95))
    return 1 + sum(a != b for a, b in itertools.pairwise(words))


def _explained(x: FloatArray, p: float) -> float:
    """The share of the outcome's variance the drivers explain together: ``Var(P(Y | theta)) / (p (1 - p))``.

    By the law of total variance, ``Var(Y) = Var(E[Y | theta]) + E[Var(Y | theta)]``
    for a yes-or-no ``Y`` with ``Var(Y) = p (1 - p)``; the rest is chance
    given the drivers (when and whether events happen). NaN when ``p`` is 0
    or 1. On the nested route the inner draws' noise adds at most
    ``0.25 / inner`` to the numerator (0.00025 at the default 1,000).

    Probabilities that differ only by rounding (a spread within 16 units in
    the last place of the largest) explain nothing: 0, not the 1e-33 that
    their variance would give (a ``by`` probability stated as a number at a
    horizon, reached through segments whose drivers vary, say).
    """
    denom = p * (1.0 - p)
    if not denom > 0:
        return math.nan
    if x.size and float(np.ptp(x)) <= 16 * np.spacing(float(np.max(np.abs(x)))):
        return 0.0
    return float(np.var(x) / denom)


def _percentiles(x: FloatArray) -> tuple[float, float, float]:
    lo, hi = np.quantile(x, [_LO, _HI])
    return float(np.mean(x)), float(lo), float(hi)


def _nested(
    model: Model, values: Mapping[str, FloatArray], n: int, inner: int, seed: int
) -> dict[tuple[str, str, str], FloatArray]:
    """``P(target | drivers)`` of every scenario and every event, by nested simulation: (kind, id, horizon) -> (n,)."""
    s = model.scenario
    budgets = np.empty((len(s.events), inner))
    for k, e in enumerate(s.events):  # common random numbers: one inner set, each event its own stream
        node_rng(seed, 0, "confidence-inner", e.id).standard_exponential(inner, out=budgets[k])
    out: dict[tuple[str, str, str], FloatArray] = {}
    for h in s.horizons:
        out.update({("scenario", r.id, h.id): np.empty(n) for r in s.rules})
        out.update({("event", e.id, h.id): np.empty(n) for e in s.events})
    step = max(1, _CHUNK_WORLDS // inner)
    for a in range(0, n, step):
        b = min(n, a + step)
        c = b - a
        env = {k: np.repeat(v[a:b], inner) for k, v in values.items()}
        times = occurrence_times(model, env, np.tile(budgets, (1, c)), c * inner)
        labels = label_worlds(model, env, times, c * inner)
        for hi, (h, end) in enumerate(zip(s.horizons, model.horizon_ends)):
            lab = labels[hi].reshape(c, inner)
            for ri, r in enumerate(s.rules):
                out["scenario", r.id, h.id][a:b] = (lab == ri).mean(axis=1)
            for e in s.events:
                out["event", e.id, h.id][a:b] = (times[e.id] <= end).reshape(c, inner).mean(axis=1)
    return out


def epistemic_ranges(
    scenario: Scenario | Model,
    *,
    samples: int = DEFAULT_OUTER,
    inner: int = DEFAULT_INNER,
    seed: int = 0,
    scale: str = "icd203",
) -> pd.DataFrame:
    """The range of every scenario's and event's probability across the drivers' uncertainty.

    See the module's docstring for the two routes, their errors and the
    convention (outlook's, not an ICD standard).

    Parameters
    ----------
    scenario
        A validated scenario, or a model compiled from one.
    samples
        Outer draws of the drivers (the first ``samples`` worlds of a run with this seed).
    inner
        Draws of the event clocks per outer draw, on the nested route.
    seed
        The random seed.
    scale
        The scale whose words are counted (:data:`outlook.words.SCALES`).

    Returns
    -------
    pandas.DataFrame
        :data:`RANGE_COLUMNS`, one row per scenario and per event at each
        horizon, in the order of the run's tables (scenarios, then events).
        ``p``, ``p05``, ``p95`` are probabilities; ``words_spanned`` counts
        words (:func:`words_spanned`); ``straddles`` is ``words_spanned > 1``;
        ``route`` is ``"analytic"`` or ``"nested"``; ``explained`` is the share
        of the outcome's variance the drivers explain together (the variance
        over the drivers of the probability given them, over ``p (1 - p)``:
        the law of total variance), NaN for a probability of 0 or 1.

    Raises
    ------
    ValueError
        If ``samples`` or ``inner`` is not a whole number from 2 to 10,000,000, or for an unknown scale.
    SimulationError
        As :func:`outlook.simulate`, for a value out of range in some world.
    """
    import pandas as pd

    for name, v in (("samples", samples), ("inner", inner)):
        if isinstance(v, bool) or not isinstance(v, int) or not 2 <= v <= 10_000_000:
            raise ValueError(f"{name} must be a whole number from 2 to 10,000,000 (got {v!r})")
    get_scale(scale)
    model = scenario if isinstance(scenario, Model) else compile_model(scenario)
    s = model.scenario
    values = dict(draw_worlds(model, seed, 0, samples, total=samples).values)
    plain = {e.id for e in s.events if not e.after and not e.requires}
    nested = _nested(model, values, samples, inner, seed)  # every scenario takes it
    rows: list[dict[str, Any]] = []
    ends = dict(zip((h.id for h in s.horizons), model.horizon_ends))
    keys = [("scenario", r.id, h.id) for h in s.horizons for r in s.rules]
    keys += [("event", e.id, h.id) for e in s.events for h in s.horizons]
    for kind, tid, hid in keys:
        if kind == "event" and tid in plain:
            x = by_probability(model, s.event(tid), values, samples, float(ends[hid]))
            route = "analytic"
        else:
            x, route = nested[kind, tid, hid], "nested"
        p, lo, hi = _percentiles(x)
        w = words_spanned(lo, hi, scale)
        rows.append(dict(zip(RANGE_COLUMNS, (kind, tid, hid, p, lo, hi, w, w > 1, route, _explained(x, p)))))
    return pd.DataFrame(rows, columns=list(RANGE_COLUMNS))


def propose(spanned: int, n_sources: int, n_strong: int, *, unsupported: int = 0, caveated: int = 0) -> str:
    """The proposed analytic confidence of a judgement: ``"low"``, ``"moderate"`` or ``"high"`` (the module's rule).

    Parameters
    ----------
    spanned
        Word bands its range spans (:func:`words_spanned`), at least 1.
    n_sources
        Sources it traces to.
    n_strong
        Of those, sources graded A or B that are not interested parties.
    unsupported, caveated
        Key assumptions so rated that bear on it.

    Examples
    --------
    >>> propose(3, 4, 4), propose(1, 1, 1), propose(1, 2, 2), propose(2, 2, 2), propose(1, 2, 2, caveated=1)
    ('low', 'low', 'high', 'moderate', 'moderate')
    """
    if spanned >= 3 or n_sources <= 1 or unsupported > 0:
        return "low"
    if spanned == 1 and n_strong >= 2 and caveated == 0:
        return "high"
    return "moderate"


_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _bands(n: int) -> str:
    count = _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)
    return f"{count} word band{'' if n == 1 else 's'}"


def confidence_sentence(level: str, p05: float, p95: float, spanned: int, reasons: Sequence[str] = ()) -> str:
    """The confidence sentence of a judgement: separate from its likelihood sentence, and with no likelihood word.

    Examples
    --------
    >>> confidence_sentence("moderate", 0.31, 0.58, 2, ["it rests on a single source"])
    "We have moderate confidence in this judgement: the probability ranges from 0.31 to 0.58 across the \
drivers' uncertainty (two word bands), and it rests on a single source."
    """
    if level not in LEVELS:
        raise ValueError(f"confidence must be one of {', '.join(LEVELS)} (got {level!r})")
    bands = _bands(spanned)
    spread = (
        f"the probability is {p05:.2f} whatever the drivers"
        if round(p05, 2) == round(p95, 2)
        else f"the probability ranges from {p05:.2f} to {p95:.2f} across the drivers' uncertainty ({bands})"
    )
    tail = ""
    if reasons:
        tail = ", and " + "; ".join(reasons) if len(reasons) == 1 else "; " + "; ".join(reasons)
    return f"We have {level} confidence in this judgement: {spread}{tail}."


def brief_confidence_sentence(
    level: str,
    p05: float,
    p95: float,
    spanned: int,
    *,
    sources: Sequence[str] | None = (),
    unsupported: int = 0,
    caveated: int = 0,
) -> str:
    """The confidence sentence in brief, for a key judgement that already shows its range.

    The full sentence (:func:`confidence_sentence`) names every estimate and
    assumption; this one says how far the range spreads in word bands, what
    kinds of weak source the judgement draws on (``sources``: short phrases,
    joined with "and"; ``None`` when it rests on no source at all), and how
    many caveated or unsupported key assumptions bear on it, so that a key
    judgement stays one short paragraph.

    Examples
    --------
    >>> brief_confidence_sentence("low", 0.22, 0.76, 3, sources=["an opinion source (c)"], unsupported=2, caveated=4)
    'We have low confidence in this judgement: its range spans three word bands; it draws on an opinion source (c); \
two unsupported and four caveated key assumptions bear on it.'
    >>> brief_confidence_sentence("high", 0.9, 0.9, 1)
    'We have high confidence in this judgement: its probability does not depend on the drivers.'
    >>> brief_confidence_sentence("low", 0.2, 0.3, 1, sources=None)
    'We have low confidence in this judgement: its range stays within one word band; it rests on no source (pure judgement).'
    """
    if level not in LEVELS:
        raise ValueError(f"confidence must be one of {', '.join(LEVELS)} (got {level!r})")
    if round(p05, 2) == round(p95, 2):
        parts = ["its probability does not depend on the drivers"]
    elif spanned <= 1:
        parts = ["its range stays within one word band"]
    else:
        parts = [f"its range spans {_bands(spanned)}"]
    if sources is None:
        parts.append("it rests on no source (pure judgement)")
    elif sources:
        parts.append(f"it draws on {_and(list(sources))}")
    rated = [
        f"{_NUMBERS[n] if n < len(_NUMBERS) else n} {rating}"
        for rating, n in (("unsupported", unsupported), ("caveated", caveated))
        if n
    ]
    if rated:
        n = unsupported + caveated
        parts.append(f"{_and(rated)} key assumption{'s' if n > 1 else ''} bear{'s' if n == 1 else ''} on it")
    return f"We have {level} confidence in this judgement: {'; '.join(parts)}."


def _brief_sources(s: Scenario, ids: Sequence[str], up: frozenset[str]) -> list[str]:
    """Short phrases for the kinds of weak source a judgement draws on (none for graded, disinterested ones)."""

    def some(noun: str, found: Sequence[str], plural: str = "") -> str:
        return f"{noun if len(found) == 1 else plural or noun + 's'} ({', '.join(found)})"

    if not ids:
        return []
    out = [some("a single source", ids)] if len(ids) == 1 else []
    srcs = [s.source(sid) for sid in ids]
    kinds: list[tuple[str, str, Any]] = [
        ("an opinion source", "opinion sources", lambda x: str(getattr(x, "kind", "") or "") == "opinion"),
        ("an interested party", "interested parties", lambda x: bool(getattr(x, "interested_party", False))),
        ("an ungraded source", "ungraded sources", lambda x: not str(getattr(x, "reliability", "") or "").strip()),
        (
            "a source dated after the cut-off",
            "sources dated after the cut-off",
            lambda x: _after_as_of(getattr(x, "date", ""), s.as_of),
        ),
    ]
    for one, many, test in kinds:
        found = [sid for sid, src in zip(ids, srcs, strict=True) if test(src)]
        if found:
            out.append(some(one, found, many))
    relayed = _claim_refs(s, up)
    if relayed:
        out.append(f"interested parties' claims (as {_and(relayed)} report{'s' if len(relayed) == 1 else ''} them)")
    return out


def _claim_refs(s: Scenario, up: frozenset[str]) -> list[str]:
    """The sources whose quotes behind a judgement are graded an interested party's claim, in order of first use."""
    return list(_interested_claims(s, up))


def _interested_claims(s: Scenario, up: frozenset[str]) -> dict[str, dict[str, list[str]]]:
    """source -> kind -> ids of the drivers and events behind a judgement that cite it as an interested claim."""
    by_ref: dict[str, dict[str, list[str]]] = {}
    items: list[tuple[str, Any]] = [*(("driver", d) for d in s.drivers), *(("event", e) for e in s.events)]
    for kind, item in items:
        if f"{kind}:{item.id}" not in up:
            continue
        for ref in (item.source, *getattr(item, "sources", ())):
            if ref is not None and getattr(ref, "basis", "") == "interested_claim":
                ids = by_ref.setdefault(str(getattr(ref, "ref", "")), {}).setdefault(kind, [])
                if item.id not in ids:
                    ids.append(item.id)
    return by_ref


@dataclass(frozen=True, slots=True)
class _Basis:
    """What a judgement rests on: its sources (ids) and the key assumptions that bear on it (id, rating)."""

    sources: tuple[str, ...]
    assumptions: tuple[tuple[str, str], ...]


def _upstream(g: DependencyGraph, s: Scenario, kind: str, tid: str) -> frozenset[str]:
    """Every node a judgement depends on, itself included (a scenario: every earlier rule's too)."""
    keys = [f"{kind}:{tid}"]
    if kind == "scenario":
        ids = [r.id for r in s.rules]
        keys = [f"scenario:{r}" for r in ids[: ids.index(tid) + 1]]
    return g.upstream(keys) | frozenset(keys)


def _node_of(key_path: str) -> str | None:
    """The graph node an override's key path changes (``drivers.x.range`` -> ``driver:x``), if any."""
    head, _, rest = key_path.partition(".")
    kind = {"drivers": "driver", "derived": "derived", "events": "event", "scenarios": "scenario"}.get(head)
    name = rest.split(".", 1)[0].split("[", 1)[0]
    return f"{kind}:{name}" if kind and name else None


def _bearing(s: Scenario, up: frozenset[str], kind: str, tid: str, hid: str, check: Any) -> tuple[tuple[str, str], ...]:
    """The caveated or unsupported assumptions that bear on a judgement.

    With an :class:`~outlook.analysis.assumptions.AssumptionsCheck`: those
    whose failure changes its word (a flip). Without: those whose
    ``if_false`` overrides change something it depends on (the graph).
    """
    out = []
    for a in getattr(s, "assumptions", ()):
        if a.rating not in ("caveated", "unsupported"):
            continue
        if check is not None:
            t = check.table
            hit = t[(t["assumption"] == a.id) & (t["target"] == tid) & (t["horizon"] == hid) & (t["kind"] == kind)]
            bears = bool(hit["flip"].any())
        else:
            bears = any(_node_of(o.key_path) in up for o in a.if_false)
        if bears:
            out.append((a.id, a.rating))
    return tuple(out)


def _after_as_of(date: object, as_of: dt.date) -> bool:
    if isinstance(date, dt.date):
        return date > as_of
    try:
        return dt.date.fromisoformat(str(date)[:10]) > as_of
    except ValueError:
        return False


def _quote_reasons(s: Scenario, up: frozenset[str]) -> list[str]:
    """The quotes behind a judgement marked an interested party's claim (their ``basis``), one reason per source.

    ``"the drivers x and y and the event e cite an interested party's claim (c)"``:
    grouped so that a confidence sentence stays readable however many
    estimates cite the same claim.
    """
    out = []
    for ref, kinds in _interested_claims(s, up).items():
        parts = [f"the {kind}{'s' if len(ids) > 1 else ''} {_and(ids)}" for kind, ids in kinds.items()]
        many = len(kinds) > 1 or any(len(ids) > 1 for ids in kinds.values())
        out.append(f"{' and '.join(parts)} cite{'' if many else 's'} an interested party's claim ({ref})")
    return out


def _and(words: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _assumption_reasons(bearing: Sequence[tuple[str, str]]) -> list[str]:
    """``"it rests on the unsupported assumptions a and b"``: one reason per rating, unsupported first."""
    out = []
    for rating in ("unsupported", "caveated"):
        ids = [aid for aid, r in bearing if r == rating]
        if ids:
            out.append(f"it rests on the {rating} assumption{'s' if len(ids) > 1 else ''} {_and(ids)}")
    return out


def _source_reasons(s: Scenario, ids: Sequence[str]) -> tuple[list[str], int]:
    """Short reasons about a judgement's sources, and how many are strong (A or B, not an interested party)."""
    reasons = []
    if not ids:
        reasons.append("it rests on no source: pure judgement")
    elif len(ids) == 1:
        reasons.append(f"it rests on a single source ({ids[0]})")
    strong = 0
    for sid in ids:
        src = s.source(sid)
        grade = str(getattr(src, "reliability", "") or "").strip().upper()[:1]  # Admiralty: "B" of "B2"
        if not grade:
            reasons.append(f"source {sid} is ungraded")
        if getattr(src, "interested_party", False):
            reasons.append(f"source {sid} is an interested party")
        if str(getattr(src, "kind", "") or "") == "opinion":
            reasons.append(f"source {sid} is opinion")
        if _after_as_of(getattr(src, "date", ""), s.as_of):
            reasons.append(f"source {sid} is dated after as_of")
        strong += grade in ("A", "B") and not getattr(src, "interested_party", False)
    return reasons, strong


@dataclass(frozen=True)
class Confidence:
    """The result of :func:`confidence`.

    Attributes
    ----------
    table
        :data:`CONFIDENCE_COLUMNS`, one row per scenario and per event at
        each horizon (the order of the run's tables). ``p``, ``p05``,
        ``p95``, ``words_spanned``, ``straddles`` and ``route`` as
        :func:`epistemic_ranges`; ``word`` the estimative word of ``p``;
        ``sources`` the ids of the sources it traces to (a list);
        ``proposed`` by the module's rule; ``stated`` the analyst's level
        from ``judgements:`` (``""`` where none is stated); ``note`` a
        remark when the two differ by more than one level; ``reasons`` a list
        of short strings; ``sentence`` the confidence sentence
        (:func:`confidence_sentence`), which uses the stated level when there is one;
        ``brief`` the same level in a short sentence for the report's key judgements
        (:func:`brief_confidence_sentence`).
    samples, inner, seed, scale
        The settings.
    """

    table: pd.DataFrame
    samples: int
    inner: int
    seed: int
    scale: str

    def row(self, target: str, horizon: str) -> dict[str, Any]:
        """The row of one judgement, as a dict.

        Raises
        ------
        KeyError
            If no scenario or event ``target`` is judged at ``horizon``.
        """
        t = self.table
        hit = t[(t["target"] == target) & (t["horizon"] == horizon)]
        if hit.empty:
            raise KeyError(f"no judgement {target}@{horizon}")
        return dict(hit.iloc[0])


def _stated(s: Scenario) -> dict[tuple[str, str, str], Any]:
    """The analyst's judgements (``judgements:``), by (kind, target, horizon)."""
    return {(j.kind, j.target, j.horizon): j for j in getattr(s, "judgements", ())}


def _note(proposed: str, stated: str) -> str:
    if not stated or abs(LEVELS.index(proposed) - LEVELS.index(stated)) <= 1:
        return ""
    return f"stated {stated}, proposed {proposed}: two levels apart; the basis should say why"


def _judged(
    s: Scenario, g: DependencyGraph, stated: Mapping[tuple[str, str, str], Any], check: Any, r: dict[str, Any]
) -> dict[str, Any]:
    """One row of the confidence table (all but ``word``) from a row of :func:`epistemic_ranges`."""
    kind, target, horizon, spanned = str(r["kind"]), str(r["target"]), str(r["horizon"]), int(r["words_spanned"])
    up = _upstream(g, s, kind, target)
    found = {k.split(":", 1)[1] for k in g.upstream(up) | up if k.startswith("source:")}
    ids = tuple(x.id for x in s.sources if x.id in found)  # in file order
    reasons, strong = _source_reasons(s, ids)
    reasons += _quote_reasons(s, up)
    bearing = _bearing(s, up, kind, target, horizon, check)
    reasons += _assumption_reasons(bearing)
    ratings = [rating for _, rating in bearing]
    level = propose(
        spanned, len(ids), strong, unsupported=ratings.count("unsupported"), caveated=ratings.count("caveated")
    )
    j = stated.get((kind, target, horizon))
    said = j.confidence if j is not None else ""
    return {
        **r,
        "sources": list(ids),
        "proposed": level,
        "stated": said,
        "note": _note(level, said),
        "reasons": [f"the range spans {_bands(spanned)}", *reasons],
        "sentence": confidence_sentence(said or level, float(r["p05"]), float(r["p95"]), spanned, reasons),
        "brief": brief_confidence_sentence(
            said or level,
            float(r["p05"]),
            float(r["p95"]),
            spanned,
            sources=_brief_sources(s, ids, up) if ids else None,
            unsupported=ratings.count("unsupported"),
            caveated=ratings.count("caveated"),
        ),
    }


def confidence(
    scenario: Scenario | str | Path,
    *,
    samples: int = DEFAULT_OUTER,
    inner: int = DEFAULT_INNER,
    seed: int = 0,
    scale: str = "icd203",
    check: AssumptionsCheck | None = None,
) -> Confidence:
    """Analytic confidence in every judgement: its range across the drivers, its sources and assumptions, a level.

    Parameters
    ----------
    scenario
        A validated scenario, or a scenario file's path or a bundled scenario's id.
    samples, inner, seed, scale
        As :func:`epistemic_ranges`.
    check
        An :func:`~outlook.analysis.assumptions.assumptions_check` of the
        same scenario: an assumption then bears on a judgement when its
        failure changes the judgement's word. Without it, when its
        ``if_false`` overrides change something the judgement depends on
        (the dependency graph), which needs no run.

    Returns
    -------
    Confidence

    Raises
    ------
    ScenarioError, ScenarioErrors
        For a file or id that is not a valid scenario.
    ValueError, SimulationError
        As :func:`epistemic_ranges`.

    Examples
    --------
    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(drivers={"r": {"range": [0.1, 0.3], "shape": "uniform"}}, events={"it": {"rate": "r"}})
    >>> c = confidence(s, samples=200, inner=100, seed=1)
    >>> c.row("it", s.horizons[0].id)["proposed"]
    'low'
    """
    from ..scenario import Scenario, find_scenario, load_scenario

    s = scenario if isinstance(scenario, Scenario) else load_scenario(find_scenario(scenario))
    ranges = epistemic_ranges(s, samples=samples, inner=inner, seed=seed, scale=scale)
    sc = get_scale(scale)
    g = dependency_graph(s)
    stated = _stated(s)
    rows = [_judged(s, g, stated, check, {str(k): v for k, v in r.items()}) for r in ranges.to_dict("records")]
    for row in rows:
        row["word"] = sc.word(min(1.0, max(0.0, float(row["p"]))))
    import pandas as pd

    table = pd.DataFrame(rows, columns=list(CONFIDENCE_COLUMNS))
    return Confidence(table, samples, inner, seed, scale)


#: The columns :func:`with_ranges` adds to the run's ``scenarios`` and ``events`` tables, in order.
RANGE_TABLE_COLUMNS = ("p05", "p95", "words_spanned", "straddles")


def with_ranges(
    tables: Tables, *, samples: int = DEFAULT_OUTER, inner: int = DEFAULT_INNER, seed: int | None = None
) -> Tables:
    """The run's tables with the epistemic range added to its ``scenarios`` and ``events`` tables.

    Opt-in: a run's tables keep their published columns; this adds
    :data:`RANGE_TABLE_COLUMNS` after them (``straddles`` here is the range's
    straddle, across the drivers; :func:`outlook.words.straddles` is the
    Monte Carlo one), computed by :func:`epistemic_ranges` with the run's
    scale and, unless given, its seed.

    Raises
    ------
    ValueError
        If the tables do not carry their scenario (``Tables.scenario``), or as :func:`epistemic_ranges`.
    SimulationError
        As :func:`epistemic_ranges`.
    """
    import dataclasses

    s = tables.scenario
    if s is None:
        raise ValueError("these tables do not carry their scenario (Tables.scenario is None)")
    m = tables.manifest
    ranges = epistemic_ranges(
        s, samples=samples, inner=inner, seed=int(m.seed) if seed is None else seed, scale=str(m.scale)
    )
    cols = ["target", "horizon", *RANGE_TABLE_COLUMNS]

    def join(frame: pd.DataFrame, kind: str, key: str) -> pd.DataFrame:
        r = ranges.loc[ranges["kind"] == kind, cols].rename(columns={"target": key})
        keys = frame[[key, "horizon"]].astype(str)
        out = keys.merge(r, on=[key, "horizon"], how="left")
        return frame.assign(**{c: out[c].to_numpy() for c in RANGE_TABLE_COLUMNS})

    return dataclasses.replace(
        tables, scenarios=join(tables.scenarios, "scenario", "scenario"), events=join(tables.events, "event", "event")
    )
