"""Analysis of competing hypotheses (ACH) joined to the scenarios: Heuer's matrix, scored two ways.

Owns :func:`ach` and the :class:`ACH` it returns. Reads a scenario's
``hypotheses:`` and ``evidence:`` blocks (:mod:`outlook.scenario.hypotheses`)
and, when the hypotheses are the scenarios at a horizon, counts P(E|H) and
the prior over the run's worlds. Tables and worlds in, tables out; never
plots, never prints.

The method (the project's SAT reference, ``shared/reference/sat-features.md``
§4.3, after Heuer, *Psychology of Intelligence Analysis*, CIA 1999, ch. 8,
and Heuer & Pherson, *Structured Analytic Techniques*, ACH)
------------------------------------------------------------------------
* **Weighted inconsistency** (PARC ACH's score, as the reference
  summarises the PARC ACH technical description): ``WIS(h) = sum_e
  w_e c(e, h)`` with ``c(II) = -2``, ``c(I) = -1`` and 0 for CC, C, N and NA
  (or no rating), and ``w_e = rel(e) cred(e)``: relevance low, medium, high
  weigh ``1/sqrt2, 1, sqrt2``; the source's credibility grade 1-2 ``sqrt2``,
  3 ``1``, 4-6 ``1/sqrt2``, ungraded 1. ``wis_unweighted`` is ``sum_e c``.
  The score closest to 0 is favoured; it is not a probability.
  ``os_inconsistency`` is Open Synthesis's variant for one rater
  (``twschiller/open-synthesis``, ``openach/metrics.py``, ``inconsistency``:
  the squared distance below neutral on its 1-5 scale, ``sum_e c(e, h)^2``,
  so I counts 1 and II 4; unweighted; larger is more refuted).
* **Diagnosticity**: the spread ``max_h c - min_h c`` of the rated cells
  (a library choice: Heuer defines diagnosticity but gives no formula);
  with likelihoods, the mutual information ``I(E;H) = sum_h pi_h sum_x
  P'(x|h) ln(P'(x|h)/P'(x))`` under the prior (nats) and ``max |ln LR'|``,
  both of the reliability-discounted likelihoods ``P'`` the posterior
  multiplies (below), so a worthless source's item has none.
* **Posterior**: ``P(h|E) ∝ pi_h prod_e L'_e(h)`` with ``L_e(h) = P(E|h)``
  if E was observed and ``1 - P(E|h)`` if not (an absence), and the
  reliability discount ``L' = r L + (1 - r) L̄``, ``L̄ = sum_h pi_h L(h)``,
  ``r`` from the source's Admiralty grade (:data:`outlook.analysis.update.RELIABILITY`;
  ungraded: 1). Items of one ``group`` are not independent: only the
  group's most diagnostic member (highest discounted mutual information)
  enters. A posterior needs mutually exclusive, exhaustive hypotheses: for
  custom hypotheses not declared ``exclusive`` it is NaN, with the reason
  (and the file may not give them priors). Each hypothesis left at 0 is
  explained by the item that zeroed it (Cromwell's rule).
* **Worlds route**: when the hypotheses are the scenarios and every item
  has an ``observable``, the posterior is the worlds reweighted as
  :func:`outlook.update` does (the same weights), with its standard error:
  joint, coherent across items that are not independent given the
  hypothesis. The product above is then only ``posterior_independent``,
  the "as if independent" comparison. The worlds are held in memory, within
  :data:`~outlook.model.MAX_WORLD_VALUES` values as an update's are.
* **Coherence flags** (against pseudo-diagnosticity, Karvetski & Mandel 2020):
  ratings whose order disagrees with the likelihoods' (h rated less
  consistent than h' while P(E|h) > P(E|h'), or rated I or II while h' is
  rated CC, C or N and P(E|h) = P(E|h')); definitional evidence
  (P(E|h) exactly 0 or 1 from the worlds for an observable that reads the
  scenarios' own defining names); zero likelihoods (Cromwell's rule).
* **Linchpins** (Heuer's step 6): each item left out, and each item with a
  likelihood with its ``observed`` flipped (deception); those that change
  the leading hypothesis or its estimative word.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ScenarioError
from ..model import DEFAULT_CHUNK_SIZE, MAX_WORLD_VALUES, SAMPLERS, check_counts, compile_model, iter_worlds
from ..model.observables import evaluate_observable, horizon_index
from ..scenario import Scenario, find_scenario, load_scenario
from ..scenario.records import Evidence
from ..words import estimative_word, get_scale
from .update import _reliabilities, _source_grade, _weights

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ACH",
    "CONSISTENCY",
    "CREDIBILITY_WEIGHT",
    "RELEVANCE_WEIGHT",
    "ach",
]

#: Heuer/PARC inconsistency score of each rating: only inconsistency counts (PARC ACH: II -2, I -1)
CONSISTENCY: Mapping[str, float] = {"CC": 0.0, "C": 0.0, "N": 0.0, "I": -1.0, "II": -2.0, "NA": 0.0}
#: PARC ACH weights of an item's relevance: low 1/sqrt2, medium 1, high sqrt2
RELEVANCE_WEIGHT: Mapping[str, float] = {"low": 1 / math.sqrt(2), "medium": 1.0, "high": math.sqrt(2)}
#: credibility grade 1-6 of the source -> weight: 1-2 high (sqrt2), 3 medium (1), 4-6 low (1/sqrt2); ungraded 1
CREDIBILITY_WEIGHT: Mapping[int | None, float] = {
    1: math.sqrt(2),
    2: math.sqrt(2),
    3: 1.0,
    4: 1 / math.sqrt(2),
    5: 1 / math.sqrt(2),
    6: 1 / math.sqrt(2),
    None: 1.0,
}
#: a finer order of the ratings, for the coherence check only (most consistent highest)
_ORDER = {"CC": 2, "C": 1, "N": 0, "I": -1, "II": -2}
ZERO_DIAGNOSTIC = "consistent with all hypotheses: tells you nothing"
DISAGREE = "ratings and likelihoods disagree"
DEFINITIONAL = "definitional"
CROMWELL = "zero likelihood (Cromwell's rule)"
IMPOSSIBLE = "the model cannot produce this evidence (no simulated world agrees with it); revise the model"


@dataclass(frozen=True, eq=False)
class ACH:
    """An ACH matrix scored: see :mod:`outlook.analysis.ach` for the method.

    Attributes
    ----------
    matrix
        One row per item of evidence and hypothesis, items in the order of
        :attr:`evidence`: ``evidence, hypothesis, rating, c`` (the
        inconsistency score), ``likelihood`` (P(E|h), NaN if none) and
        ``used`` (the likelihood of what was observed, after the reliability
        discount: what the posterior multiplies; NaN if it does not enter).
    scores
        One row per hypothesis: ``hypothesis, label, wis, wis_unweighted,
        os_inconsistency, prior, posterior, posterior_word, posterior_se,
        posterior_independent``. ``posterior`` is the answer: on the worlds
        route the reweighted worlds' scenario shares (joint, no independence
        assumed) with their standard error ``posterior_se``; else the product
        of the likelihoods (``posterior_se`` NaN). ``posterior_independent``
        is always the product ``pi prod L'``: on the worlds route, the "as if
        independent" comparison only.
    evidence
        One row per item, most diagnostic first, zero-diagnosticity items
        last: ``evidence, text, type, relevance, credibility, weight,
        observed, r, group, enters, spread, mi`` (nats) ``, max_abs_log_lr,
        zero_diagnostic, flags, linchpin``.
    linchpin
        The tests that change the leading hypothesis or its word:
        ``evidence, test`` ("left out", "observed flipped") ``, leader,
        word, leader_after, word_after``.
    leader, word
        The leading hypothesis (by posterior; by WIS when there is none) and
        the estimative word of its posterior (``""`` without one).
    posterior_note
        Why there is no posterior (``""`` when there is one).
    notes
        What a reader should know: groups, the worlds route against the
        product, and for each hypothesis with posterior 0 the item (or prior)
        that zeroed it.
    route
        ``"worlds"`` when the posterior is the reweighted worlds (hypotheses
        from the scenarios, every item an observable), else ``"product"``.
    """

    scenario_id: str
    hypotheses: tuple[str, ...]
    horizon: str
    matrix: pd.DataFrame = field(repr=False)
    scores: pd.DataFrame = field(repr=False)
    evidence: pd.DataFrame = field(repr=False)
    linchpin: pd.DataFrame = field(repr=False)
    leader: str
    word: str
    posterior_note: str
    notes: tuple[str, ...]
    samples: int
    seed: int
    scale: str
    route: str = "product"

    def __repr__(self) -> str:
        return (
            f"<ACH of {self.scenario_id}: {len(self.hypotheses)} hypotheses, {len(self.evidence)} items; "
            f"leading {self.leader}" + (f" ({self.word})" if self.word else "") + ">"
        )


@dataclass
class _Item:
    """One item's numbers: P(E|h) per hypothesis (NaN: none), what enters, its flags."""

    e: Evidence
    p: np.ndarray
    c: np.ndarray
    r: float
    weight: float
    rated: np.ndarray
    flags: list[str] = field(default_factory=list)
    enters: bool = True
    spread: float = 0.0
    mi: float = math.nan
    max_lr: float = math.nan


def ach(
    scenario: Scenario | str | Path,
    *,
    samples: int = 10_000,
    seed: int = 0,
    reliability: Mapping[str, float] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    sampler: str = "random",
    scale: str = "icd203",
) -> ACH:
    """Score the ACH matrix of ``scenario``: weighted inconsistency, diagnosticity, posterior, linchpins.

    Parameters
    ----------
    scenario
        A :class:`~outlook.Scenario`, a scenario file or a bundled
        scenario's id, whose file states ``evidence:`` (and ``hypotheses:``;
        without it, the scenarios at the first horizon).
    samples, seed, chunk_size, sampler
        The run whose worlds give the prior and P(E|H) of observables, as for
        :func:`outlook.simulate` (not drawn for custom hypotheses).
    reliability
        Overrides of :data:`outlook.analysis.update.RELIABILITY` (Admiralty
        grade -> ``r`` in [0, 1]), as :func:`outlook.update` takes them.
    scale
        The estimative-word scale.

    Returns
    -------
    ACH
        See :class:`ACH`; the method and its sources are in the module's docstring.

    Raises
    ------
    ValueError
        For a scenario with no (or an empty) ``evidence:`` block; bad
        ``samples``, ``seed``, ``chunk_size``, ``sampler``, ``reliability``
        or ``scale``, checked as :func:`outlook.simulate` checks them, for
        custom hypotheses too; on the worlds route, more samples than fit
        in :data:`~outlook.model.MAX_WORLD_VALUES` values.
    ScenarioError
        Located at an item's observable that no world agrees with: "the
        model cannot produce this evidence (no simulated world agrees with
        it); revise the model".
    SimulationError
        As :func:`outlook.simulate`.
    """
    s = scenario if isinstance(scenario, Scenario) else load_scenario(find_scenario(scenario))
    samples, seed, _ = check_counts(samples, seed, chunk_size)  # on both paths, as outlook.simulate checks them
    if sampler not in SAMPLERS:
        msg = f"sampler must be one of {', '.join(SAMPLERS)} (got {sampler!r})"
        raise ValueError(msg)
    scale = get_scale(scale).name
    table = _reliabilities(reliability)
    if not s.evidence:
        msg = f"{s.id} states no evidence (no 'evidence:' block, or an empty one): there is no ACH matrix to score"
        raise ValueError(msg)
    h = s.hypotheses
    custom = h is not None and not h.from_scenarios
    ids = [x.id for x in h.items] if custom and h is not None else [r.id for r in s.rules]
    labels = [x.label or x.id for x in h.items] if custom and h is not None else [r.label or r.id for r in s.rules]
    horizon = "" if custom else (h.from_scenarios if h is not None else s.horizons[0].id)
    note = ""
    worlds: dict[str, Any] = {}
    if custom and h is not None:
        given = [x.prior for x in h.items]
        prior = np.array(given, dtype=float) if all(p is not None for p in given) else np.full(len(ids), 1 / len(ids))
        if not h.exclusive:
            note = "the hypotheses are not declared mutually exclusive and exhaustive ('exclusive: true'): no posterior"
            prior = np.full(len(ids), math.nan)
    else:
        worlds = _worlds(s, horizon, samples, seed, chunk_size, sampler)
        prior = worlds["prior"]
    items = [_item(e, ids, prior, worlds.get("p", {}).get(e.id), table, s) for e in s.evidence]
    for it in items:
        _diagnosticity(it, prior)
        _flags(it, ids, prior, s, worlds)
    notes = _groups(items)
    route = "worlds" if "labels" in worlds else "product"
    product, why = _posterior(items, prior, note)
    post, se = (product, np.full(len(ids), math.nan))
    if route == "worlds":
        post, se, agree = _worlds_posterior(items, worlds, product)
        notes.append(agree)
    wis = np.sum([it.weight * it.c for it in items], axis=0)
    leader, word = _leader(ids, wis, post, scale)
    tests = _linchpins(items, ids, prior, (note, scale, worlds if route == "worlds" else None), (leader, word))
    notes += _zeros(items, ids, prior, post, route)
    frames = _frames(s, items, ids, labels, prior, (wis, post, se, product), tests, scale)
    return ACH(
        s.id,
        tuple(ids),
        horizon,
        *frames,
        leader,
        word,
        why,
        tuple(notes),
        samples if worlds else 0,
        seed,
        scale,
        route,
    )


def _worlds(s: Scenario, horizon: str, samples: int, seed: int, chunk_size: int, sampler: str) -> dict[str, Any]:
    """The run's scenario shares at ``horizon`` (the prior) and, per observable item, P(E|h).

    When every item has an observable (the worlds route), also each world's
    scenario and matches, held in memory as :func:`outlook.update` holds its
    worlds: at most :data:`~outlook.model.MAX_WORLD_VALUES` values.
    """
    model = compile_model(s)
    hi = horizon_index(model, horizon)
    observable = [e for e in s.evidence if e.observable is not None]
    keep = len(observable) == len(s.evidence)
    columns = 1 + len(observable)
    if keep and samples * columns > MAX_WORLD_VALUES:
        msg = (
            f"samples must be at most {MAX_WORLD_VALUES // columns:,} for an ACH of this model (got {samples:,}): "
            f"it holds every world in memory ({columns:,} values a world, at most {MAX_WORLD_VALUES:,} in all)"
        )
        raise ValueError(msg)
    k = len(s.rules)
    n_h = np.zeros(k)
    n_eh = {e.id: np.zeros(k) for e in observable}
    seen: dict[str, list[np.ndarray]] = {e.id: [] for e in observable}
    labels: list[np.ndarray] = []
    for block in iter_worlds(model, samples=samples, seed=seed, chunk_size=chunk_size, sampler=sampler):
        lab = block.labels[hi]
        n_h += np.bincount(lab, minlength=k)
        if keep:
            labels.append(lab)
        for e in observable:
            assert e.observable is not None
            m = evaluate_observable(model, e.observable, block, hi)
            if keep:
                seen[e.id].append(m)
            n_eh[e.id] += np.bincount(lab[m], minlength=k)
    total = float(n_h.sum())
    for e in observable:
        assert e.observable is not None
        agree = n_eh[e.id].sum() if e.observed else total - n_eh[e.id].sum()
        if agree == 0:
            raise ScenarioError(e.observable.where, IMPOSSIBLE, got=e.observable.text)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = {eid: np.where(n_h > 0, x / n_h, math.nan) for eid, x in n_eh.items()}
    out: dict[str, Any] = {
        "prior": n_h / total,
        "p": p,
        "rule_names": frozenset().union(*(r.when.names for r in s.rules if r.when is not None)),
    }
    if keep:
        out["seen"] = {eid: np.concatenate(v) for eid, v in seen.items()}
        out["labels"] = np.concatenate(labels)
    return out


def _item(
    e: Evidence, ids: Sequence[str], prior: np.ndarray, p_worlds: Any, table: Mapping[str, float], s: Scenario
) -> _Item:
    ratings = dict(e.ratings)
    c = np.array([CONSISTENCY[ratings.get(h, "NA")] for h in ids])
    if p_worlds is not None:
        p = np.asarray(p_worlds, dtype=float)
    elif e.likelihoods:
        given = dict(e.likelihoods)
        p = np.array([given.get(h, math.nan) for h in ids], dtype=float)
    else:
        p = np.full(len(ids), math.nan)
    grade = e.reliability or _source_grade(s, e.source.ref if e.source is not None else "")
    r = table[grade] if grade else 1.0  # its own grade, else its source's (sources:), else certain
    weight = RELEVANCE_WEIGHT[e.relevance] * CREDIBILITY_WEIGHT[e.credibility]
    rated = np.array([ratings.get(h, "NA") != "NA" for h in ids], dtype=bool)
    return _Item(e, p, c, r, weight, rated)


def _observed(p: np.ndarray, observed: bool) -> np.ndarray:
    """The likelihood of what was seen: P(E|h), or 1 - P(E|h) for E not seen (an absence)."""
    return p if observed else 1.0 - p


def _used(it: _Item, prior: np.ndarray, observed: bool | None = None) -> np.ndarray:
    """``L' = r L + (1 - r) L̄``, ``L̄ = sum_h pi_h L(h)`` over the hypotheses of positive prior."""
    like = _observed(it.p, it.e.observed if observed is None else observed)
    ok = prior > 0
    mean = float(np.sum(prior[ok] * like[ok]))
    return it.r * like + (1.0 - it.r) * mean


def _diagnosticity(it: _Item, prior: np.ndarray) -> None:
    """The spread of the rated cells; the mutual information under the prior (nats) and max |ln LR|.

    Both from the discounted likelihoods the posterior multiplies (``P' = r P + (1 - r) P̄``), so an
    item from a worthless source (``r = 0``) has none.
    """
    rated = it.c[it.rated]
    it.spread = float(rated.max() - rated.min()) if rated.size else 0.0
    ok = ~np.isnan(it.p) & (np.nan_to_num(prior) > 0)
    if not ok.any():
        return
    q = _used(it, prior, observed=True)[ok]  # P'(E|h): the discounted chance that E is seen
    like = q if it.e.observed else 1.0 - q
    if (like > 0).all():
        it.max_lr = float(np.log(like.max()) - np.log(like.min()))
    else:
        it.max_lr = 0.0 if (like == 0).all() else math.inf
    pi = prior[ok] / prior[ok].sum()
    mi = 0.0
    for px in (q, 1.0 - q):
        marginal = float(np.sum(pi * px))
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(px > 0, pi * px * np.log(px / marginal), 0.0)
        mi += float(np.sum(terms))
    it.mi = max(mi, 0.0)


def _flags(it: _Item, ids: Sequence[str], prior: np.ndarray, s: Scenario, worlds: Mapping[str, Any]) -> None:
    """Zero diagnosticity, ratings against likelihoods, definitional evidence, zero likelihoods."""
    has_p = not np.isnan(it.p).all()
    if it.spread == 0 and (not has_p or it.max_lr < 1e-9):
        it.flags.append(ZERO_DIAGNOSTIC)
    if has_p:
        like = _observed(it.p, it.e.observed)
        ratings = dict(it.e.ratings)
        for a, ha in enumerate(ids):
            for b, hb in enumerate(ids):
                ra, rb = _ORDER.get(ratings.get(ha, "NA")), _ORDER.get(ratings.get(hb, "NA"))
                if ra is None or rb is None or ra >= rb or np.isnan(like[a]) or np.isnan(like[b]):
                    continue
                # strictly more likely under the less consistent one; or as likely, rated inconsistent against not
                if like[a] > like[b] or (like[a] == like[b] and ra < 0 <= rb):
                    it.flags.append(
                        f"{DISAGREE}: {ratings[ha]} for {ha} but {ratings[hb]} for {hb}, "
                        f"while P = {like[a]:.3g} under {ha} is at least P = {like[b]:.3g} under {hb}"
                    )
                    break
            else:
                continue
            break
        if it.e.observable is not None and worlds and it.e.observable.names & worlds["rule_names"]:
            exact = [h for h, x in zip(ids, it.p) if x in (0.0, 1.0)]
            if exact:
                it.flags.append(
                    f"{DEFINITIONAL}: P(E|h) is exactly 0 or 1 under {', '.join(exact)} because the observable reads "
                    "the scenarios' own defining names: elimination by definition, not by evidence"
                )
        zero = [h for h, x in zip(ids, like) if x == 0.0]
        if zero:
            it.flags.append(
                f"{CROMWELL}: the likelihood of what was seen is 0 under {', '.join(zero)}, which no later evidence "
                "can revive"
            )


def _groups(items: list[_Item]) -> list[str]:
    """In each group only the most diagnostic member enters the posterior; say so (never multiplied)."""
    notes = []
    by: dict[str, list[_Item]] = {}
    for it in items:
        if it.e.group:
            by.setdefault(it.e.group, []).append(it)
    for g, members in by.items():
        if len(members) < 2:
            continue
        best = max(members, key=lambda x: (np.nan_to_num(x.mi, nan=-1.0), np.nan_to_num(x.max_lr, nan=-1.0)))
        for it in members:
            if it is not best:
                it.enters = False
                it.flags.append(f"group {g}: {best.e.id} enters the posterior for the group, this item does not")
        notes.append(
            f"group {g}: {len(members)} dependent items enter the posterior as one, the most diagnostic "
            f"({best.e.id}); they are never multiplied as if independent"
        )
    return notes


def _posterior(items: Sequence[_Item], prior: np.ndarray, note: str, skip: Any = None) -> tuple[np.ndarray, str]:
    """``pi prod L'`` normalised over the entering items with likelihoods; NaN with a reason if refused.

    ``skip`` is ``(left, flip)``: an item left out, an item whose observed is flipped (linchpin tests).
    """
    n = len(prior)
    if note:
        return np.full(n, math.nan), note
    left, flip = skip if skip is not None else (None, None)
    post = np.nan_to_num(prior.astype(float), nan=0.0)
    zeroed: list[str] = []
    for it in items:
        if it is left or not it.enters or np.isnan(it.p).all():
            continue
        used = np.nan_to_num(_used(it, prior, (not it.e.observed) if it is flip else None), nan=1.0)
        if ((used == 0) & (post > 0)).any():
            zeroed.append(it.e.id)
        post = post * used
    total = post.sum()
    if total <= 0:
        why = f" ({', '.join(zeroed)} each rule out the hypotheses the others leave)" if zeroed else ""
        return np.full(n, math.nan), f"the evidence leaves every hypothesis with likelihood 0{why}: no posterior"
    return post / total, ""


def _leader(ids: Sequence[str], wis: np.ndarray, post: np.ndarray, scale: str) -> tuple[str, str]:
    """The leading hypothesis: highest posterior, or (without one) WIS closest to 0; its posterior's word."""
    if np.isnan(post).all():
        return ids[int(np.argmax(wis))], ""
    i = int(np.argmax(post))
    return ids[i], estimative_word(float(post[i]), scale)


def _linchpins(
    items: Sequence[_Item], ids: Sequence[str], prior: np.ndarray, how: tuple[str, str, Any], now: tuple[str, str]
) -> list[dict[str, Any]]:
    """Leave each item out, and flip each item's observed: the tests that change the leader or its word.

    ``how`` is ``(note, scale, worlds)``: on the worlds route (``worlds`` not ``None``) each test reweights
    the worlds, as the posterior does; else it multiplies the likelihoods.
    """
    note, scale, worlds = how
    out = []
    for it in items:
        tests: list[tuple[str, Any]] = [("left out", (it, None))]
        if not np.isnan(it.p).all() and it.enters:
            tests.append(("observed flipped", (None, it)))
        for name, skip in tests:
            if worlds is not None:
                post = _worlds_shares(items, worlds, len(ids), skip)[0]
            else:
                post, _ = _posterior(items, prior, note, skip)
            wis = np.sum([x.weight * x.c for x in items if x is not skip[0]] or [np.zeros(len(ids))], axis=0)
            leader, word = _leader(ids, wis, post, scale)
            if (leader, word) != now:
                out.append(
                    {"evidence": it.e.id, "test": name, "leader": now[0], "word": now[1], "leader_after": leader}
                    | {"word_after": word}
                )
    return out


def _worlds_shares(
    items: Sequence[_Item], worlds: Mapping[str, Any], k: int, skip: Any = None
) -> tuple[np.ndarray, np.ndarray, float]:
    """The worlds reweighted as :func:`outlook.update` weights them: shares per scenario, Kish's SE, the ESS.

    ``skip`` is ``(left, flip)`` as for :func:`_posterior`.
    """
    left, flip = skip if skip is not None else (None, None)
    kept = [it for it in items if it is not left]
    if not kept:
        w = np.ones(len(worlds["labels"]))
    else:
        seen = np.array([worlds["seen"][it.e.id] == (it.e.observed != (it is flip)) for it in kept])
        w = _weights(seen, np.array([it.r for it in kept]), seen.mean(axis=1))
    total = float(w.sum())
    if total <= 0:  # a linchpin test can make the evidence contradict itself: no world agrees
        return np.full(k, math.nan), np.full(k, math.nan), 0.0
    shares = np.clip(np.bincount(worlds["labels"], weights=w, minlength=k) / total, 0.0, 1.0)
    ess = total**2 / float(np.dot(w, w))
    return shares, np.sqrt(shares * (1.0 - shares) / ess), ess


def _worlds_posterior(
    items: Sequence[_Item], worlds: Mapping[str, Any], product: np.ndarray
) -> tuple[np.ndarray, np.ndarray, str]:
    """The worlds route's posterior (the coherent one), its SE, and how the product compares with it."""
    shares, se, ess = _worlds_shares(items, worlds, len(product))
    gap = np.abs(shares - product) / np.maximum(se, 1e-12)
    head = (
        "the posterior is the simulated worlds reweighted by the evidence (every item an observable): joint, "
        "with no independence assumed; posterior_independent multiplies the likelihoods as if the items were "
        "independent given the hypothesis, shown for comparison only"
    )
    if np.nanmax(gap) <= 3:
        agree = "; here the two agree within 3 standard errors"
    else:
        agree = "; here they differ: the items are not independent given the hypothesis, so the product misleads"
    return shares, se, head + agree + f" (effective sample size {ess:,.0f})"


def _zeros(items: Sequence[_Item], ids: Sequence[str], prior: np.ndarray, post: np.ndarray, route: str) -> list[str]:
    """For each hypothesis with posterior exactly 0, the items (or the prior) that zeroed it (Cromwell's rule)."""
    notes = []
    for j, h in enumerate(ids):
        if np.isnan(post[j]) or post[j] != 0.0:
            continue
        if not prior[j] > 0:
            why = "its prior is 0" + (f" (no simulated world is {h})" if route == "worlds" else "")
        else:
            by = [it.e.id for it in items if (it.enters or route == "worlds") and float(_used(it, prior)[j]) == 0.0]
            if by:
                why = f"{', '.join(by)} {'gives' if len(by) == 1 else 'give'} it likelihood 0"
            else:
                why = f"no simulated world of {h} agrees with all the evidence at once"
        notes.append(f"posterior 0 for {h}: {why} (Cromwell's rule: no later evidence can revive it)")
    return notes


def _frames(
    s: Scenario,
    items: Sequence[_Item],
    ids: Sequence[str],
    labels: Sequence[str],
    prior: np.ndarray,
    scored: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    tests: Sequence[Mapping[str, Any]],
    scale: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The matrix, scores, evidence and linchpin tables."""
    import pandas as pd

    wis, post, se, product = scored
    nan = np.full(len(ids), math.nan)
    scores = pd.DataFrame(
        {
            "hypothesis": list(ids),
            "label": list(labels),
            "wis": wis,
            "wis_unweighted": np.sum([it.c for it in items], axis=0),
            "os_inconsistency": np.sum([it.c**2 for it in items], axis=0),
            "prior": prior,
            "posterior": post,
            "posterior_word": ["" if np.isnan(p) else estimative_word(float(p), scale) for p in post],
            "posterior_se": se,
            "posterior_independent": product,
        }
    )
    order = sorted(
        items,
        key=lambda it: (ZERO_DIAGNOSTIC in it.flags, -np.nan_to_num(it.mi, nan=-1.0), -it.spread, -_finite(it.max_lr)),
    )
    pins: dict[str, list[str]] = {}
    for t in tests:
        pins.setdefault(t["evidence"], []).append(t["test"])
    rows, cells = [], []
    for it in order:
        e = it.e
        rows.append(
            {
                "evidence": e.id,
                "text": e.text,
                "type": e.type,
                "relevance": e.relevance,
                "credibility": e.credibility or 0,
                "weight": it.weight,
                "observed": e.observed,
                "r": it.r,
                "group": e.group,
                "enters": it.enters and not np.isnan(it.p).all(),
                "spread": it.spread,
                "mi": it.mi,
                "max_abs_log_lr": it.max_lr,
                "zero_diagnostic": ZERO_DIAGNOSTIC in it.flags,
                "flags": "; ".join(it.flags),
                "linchpin": ", ".join(pins.get(e.id, [])),
            }
        )
        ratings = dict(e.ratings)
        used = _used(it, prior) if (it.enters and not np.isnan(prior).any()) else nan
        for j, h in enumerate(ids):
            cells.append(
                {"evidence": e.id, "hypothesis": h, "rating": ratings.get(h, "NA"), "c": float(it.c[j])}
                | {"likelihood": float(it.p[j]), "used": float(used[j])}
            )
    columns = ["evidence", "test", "leader", "word", "leader_after", "word_after"]
    return (
        pd.DataFrame(cells, columns=["evidence", "hypothesis", "rating", "c", "likelihood", "used"]),
        scores,
        pd.DataFrame(rows),
        pd.DataFrame(list(tests), columns=columns),
    )


def _finite(x: float) -> float:
    return -1.0 if math.isnan(x) else (1e300 if math.isinf(x) else x)
