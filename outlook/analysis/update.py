"""Updating the outlook on observations: the worlds reweighted by how well each agrees with what was seen.

Owns :func:`update`, the :class:`Update` it returns, the Admiralty grade to
reliability mapping (:data:`RELIABILITY`) and the effective-sample-size rule
that decides when more worlds are drawn (:func:`target_ess`). Tables and worlds
in, tables out; never plots, never prints, never writes a file.

The method
----------
Each world ``x`` of a run is weighted by the product of the observations'
likelihoods ``w(x) = prod_o L_o(x)`` (importance weights; the posterior of
any judgement is ``sum w 1{judgement} / sum w``, Kish's effective sample size
``n_eff = (sum w)^2 / sum w^2`` gives its standard error, as
:func:`outlook.summarise_worlds` computes them):

* a hard observation (no ``reliability``): ``L(x) = 1`` if the observable
  takes the observed value in ``x``, else 0 (conditioning by rejection);
* a graded one, from a source of reliability ``r``:
  ``L(x) = r 1{match in x} + (1 - r) P(match)``, with ``P(match)`` the prior
  share of worlds in which the observable takes the observed value. This is
  the reliability-discounted likelihood ``r L + (1 - r) L̄`` of the project's
  SAT reference (``shared/reference/sat-features.md`` §4.3, step 3, where
  ``L̄ = sum_h pi_h L(h)``): the report is true to the world with
  probability ``r``, and otherwise carries no information about it, so that
  ``r = 1`` is a hard observation and ``r = 0`` leaves the outlook as it was.

Because the weights are computed world by world, observations that are not
independent (two indicators driven by the same event, one implying the other)
are combined through the joint worlds: never by multiplying likelihood ratios
as if independent (the SAT reference, §4.4, step 4).

When the weights leave fewer effective worlds than :func:`target_ess`, more
worlds are drawn from the same run: the seeding blocks after the run's own
(same seed, so the same answer every time, whatever the chunk size), one block
of :data:`~outlook.model.BLOCK_SIZE` at a time, keeping only worlds of
positive weight (rejection), until the target is met or ``max_worlds`` have
been drawn; then the update warns.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ScenarioError
from ..model import (
    BLOCK_SIZE,
    DEFAULT_CHUNK_SIZE,
    MAX_WORLD_VALUES,
    Model,
    WorldBlock,
    check_counts,
    compile_model,
    correlation_repair_note,
    draw_worlds,
    iter_worlds,
)
from ..model.observables import evaluate_observable
from ..model.standard_errors import weighted_se
from ..model.worlds import scenario_column, worlds_frame
from ..scenario import Scenario, find_scenario, load_scenario
from ..scenario.observations import GRADES, Observation, Observations, load_observations, read_observations
from ..scenario.timing import horizon_column
from ..tables import Tables, summarise_worlds
from ..words import STRADDLE_K, get_scale, straddles

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LOG_MOVE",
    "MAX_WORLDS_FACTOR",
    "MIN_ESS",
    "MIN_ESS_SHARE",
    "RELIABILITY",
    "UPDATE_COLUMNS",
    "Update",
    "as_observations",
    "repeat_warnings",
    "target_ess",
    "update",
]

#: Admiralty grade -> reliability ``r``, the chance that a report from such a source is true to the world.
#: The grades are NATO STANAG 2511's (US Army FM 2-22.3, 2006, Appendix B: A completely reliable, B usually
#: reliable, C fairly reliable, D not usually reliable, E unreliable, F reliability cannot be judged). The
#: numbers are this library's convention (no standard gives any): evenly spaced from A 0.95 to E 0.2, close to the
#: SAT reference's sketch (§4.3: A .95, B .85, C .7, D .5, E .3). F is 0.2, as E: a source whose reliability
#: cannot be judged should never move the outlook more than one known to be unreliable (the sketch's F .5 would
#: let an unknown source count for more than a "not usually reliable" one). Override with ``reliability=``.
RELIABILITY: Mapping[str, float] = {"A": 0.95, "B": 0.8, "C": 0.6, "D": 0.4, "E": 0.2, "F": 0.2}

#: The effective sample size an update aims for: at least this many worlds ...
MIN_ESS = 2_000
#: ... and at least this share of the run's worlds (the SAT reference, §4.4, step 4: "2,000 or 1%").
MIN_ESS_SHARE = 0.01
#: More worlds are drawn until the effective sample size is met or this many times the run's samples are drawn.
MAX_WORLDS_FACTOR = 20

#: A judgement whose probability moves by more than this (and by more than two standard errors of the move) is
#: logged even when its word does not flip: 0.21 -> 0.43 is news, 0.46 -> 0.54 within one band is not. The
#: library's convention: ten percentage points, about half the width of a middle band of the ICD 203 scale.
LOG_MOVE = 0.1

#: The columns of :attr:`Update.scenarios` and :attr:`Update.events`, after ``horizon`` and the id.
UPDATE_COLUMNS = ("p_prior", "p", "p_se", "delta", "word_prior", "word", "flip", "moved")


def target_ess(samples: int) -> int:
    """The effective sample size an update of a ``samples``-world run aims for.

    ``max(MIN_ESS, ceil(MIN_ESS_SHARE * samples))``, but never more than
    ``samples`` (a run of 500 worlds cannot promise more than 500): 2,000 for
    10,000 worlds, 10,000 for 1,000,000.
    """
    return min(samples, max(MIN_ESS, math.ceil(MIN_ESS_SHARE * samples)))


@dataclass(frozen=True, eq=False)
class Update:
    """An outlook updated on observations: prior and posterior side by side, and what changed.

    Attributes
    ----------
    scenarios
        ``horizon, scenario,`` then :data:`UPDATE_COLUMNS`: one row per
        horizon and scenario. ``p_prior`` is the run's probability, ``p``
        the updated one with its standard error ``p_se`` (Kish), ``delta``
        ``p - p_prior``, the words of both on the scale, and ``flip``: the
        words differ and neither probability's band ``p ± 2 se`` crosses a
        word boundary (:func:`outlook.words.straddles`); ``moved``:
        ``|delta|`` exceeds :data:`LOG_MOVE` and two standard errors of the
        move, ``sqrt(se_prior^2 + se^2)`` (the two estimates share worlds and
        are positively correlated, so this overstates the paired standard
        error: a move called here is not noise). Neither is called when the
        effective sample size is below the target.
    events
        ``horizon, event,`` then :data:`UPDATE_COLUMNS`, for ``p_by`` (the
        event has happened by the horizon's end).
    observations
        One row per observation: ``observation`` (the indicator's id or the
        observable's text), ``date``, ``value``, ``reliability`` (the grade,
        ``""`` if hard), ``r`` (1 if hard), ``p_observed`` (the prior
        probability of what was seen) and ``p_observed_se``.
    log
        The dated update log: ``date, kind, target, horizon, p_prior, p,
        word_prior, word, change`` for every judgement that flips
        (``change`` ``"flip"``) or, without flipping, moves by more than
        :data:`LOG_MOVE` (``"move"``).
    sentences
        The log in words, ready for a "What changed" paragraph.
    ess
        Kish's effective sample size of the posterior.
    samples, seed, scale
        The run's settings.
    worlds_drawn
        Every world drawn: ``samples``, plus the worlds drawn to top up.
    worlds_kept
        The worlds of positive weight the posterior is summarised from.
    target
        The effective sample size aimed for (:func:`target_ess`, or ``min_ess``).
    date
        The latest observation's date (ISO), the date of the update.
    scenario_id
        The scenario's id.
    prior, posterior
        The full tables of both (:class:`outlook.Tables`: drivers, derived
        quantities, categories too), computed on first use.
    warnings
        Why the update may not be trusted, in words (empty when it can).
    records
        The observations themselves (:class:`~outlook.scenario.observations.Observation`),
        in their file's order: what an indicator board's status is read from.
    """

    scenarios: pd.DataFrame
    events: pd.DataFrame
    observations: pd.DataFrame
    log: pd.DataFrame
    sentences: tuple[str, ...]
    ess: float
    samples: int
    seed: int
    scale: str
    worlds_drawn: int
    worlds_kept: int
    target: float
    date: str
    scenario_id: str
    warnings: tuple[str, ...] = ()
    _worlds: _Worlds | None = field(default=None, repr=False)
    records: tuple[Observation, ...] = field(default=(), repr=False)

    @cached_property
    def prior(self) -> Tables:
        """The run's full tables (:func:`outlook.summarise_worlds` of its worlds), computed on first use."""
        if self._worlds is None:
            raise AttributeError("this Update keeps no worlds")
        w = self._worlds
        store = w.store if w.store is not None else _frame(w.model, w.blocks, self.seed, w.sampler)
        return summarise_worlds(w.model, store, scale=self.scale)

    @cached_property
    def posterior(self) -> Tables:
        """The full tables of the reweighted worlds (Kish standard errors), computed on first use."""
        if self._worlds is None:
            raise AttributeError("this Update keeps no worlds")
        w = self._worlds
        weights = np.concatenate(w.weights)
        keep = weights > 0
        blocks = [_subset(b, x > 0) for b, x in zip(w.kept, w.weights)]
        frame = _frame(w.model, blocks, self.seed, w.sampler)
        return summarise_worlds(w.model, frame, weights=weights[keep], scale=self.scale)

    def __repr__(self) -> str:
        flips = int(self.scenarios["flip"].sum() + self.events["flip"].sum())
        return (
            f"<Update of {self.scenario_id} on {len(self.observations)} observation(s) to {self.date}: "
            f"{flips} flip(s), effective sample size {self.ess:,.0f} of {self.worlds_kept:,} worlds kept>"
        )


@dataclass(frozen=True, eq=False)
class _Worlds:
    """What :attr:`Update.prior` and :attr:`Update.posterior` are computed from."""

    model: Model
    sampler: str
    blocks: Sequence[WorldBlock]  # the run's worlds
    store: pd.DataFrame | None  # or the world store they came from
    kept: Sequence[WorldBlock]  # the run's worlds, then the top-up's worlds of positive weight
    weights: Sequence[np.ndarray]  # theirs


def _reliabilities(reliability: Mapping[str, float] | None) -> dict[str, float]:
    """:data:`RELIABILITY` with the caller's overrides, checked."""
    table = dict(RELIABILITY)
    for grade, r in (reliability or {}).items():
        if grade not in GRADES:
            msg = f"reliability: unknown grade {grade!r}; the Admiralty grades are {', '.join(GRADES)}"
            raise ValueError(msg)
        if isinstance(r, bool) or not isinstance(r, int | float) or not 0.0 <= float(r) <= 1.0:
            msg = f"reliability: grade {grade} must map to a number from 0 to 1 (got {r!r})"
            raise ValueError(msg)
        table[grade] = float(r)
    return table


def _matches(model: Model, obs: Sequence[Observation], block: WorldBlock) -> np.ndarray:
    """Whether each world agrees with each observation: boolean, shape ``(n_observations, block.size)``."""
    out = np.empty((len(obs), block.size), dtype=bool)
    for j, o in enumerate(obs):
        out[j] = evaluate_observable(model, o.expression, block, o.years) == o.value
    return out


def _weights(match: np.ndarray, r: np.ndarray, p_match: np.ndarray) -> np.ndarray:
    """``prod_o (r_o 1{match} + (1 - r_o) P_o(match))``: shape ``(n,)`` (see the module's docstring)."""
    like = r[:, None] * match + ((1.0 - r) * p_match)[:, None]
    return np.asarray(np.prod(like, axis=0), dtype=np.float64)


def _subset(block: WorldBlock, keep: np.ndarray) -> WorldBlock:
    """The worlds of ``block`` where ``keep`` holds."""
    return dataclasses.replace(
        block,
        values={k: v[keep] for k, v in block.values.items()},
        times={k: v[keep] for k, v in block.times.items()},
        labels=block.labels[:, keep],
    )


def _impossible(model: Model, obs: Sequence[Observation], blocks: Sequence[WorldBlock], drawn: int) -> ScenarioError:
    """The error naming the first observation after which no world drawn is left."""
    alive = [np.ones(b.size, dtype=bool) for b in blocks]
    for j, o in enumerate(obs):
        for k, b in enumerate(blocks):
            alive[k] &= evaluate_observable(model, o.expression, b, o.years) == o.value
        if not any(a.any() for a in alive):
            seen = "holds" if o.value else "fails"
            with_ = f" together with the {j} observation(s) before it" if j else ""
            return ScenarioError(
                o.where,
                f"the model cannot produce this observation: {o.name} {seen} by {o.date.isoformat()} in none of "
                f"the {drawn:,} worlds drawn{with_}; revise the model",
            )
    raise AssertionError("weights are 0 everywhere but every observation is produced")  # pragma: no cover


def repeat_warnings(obs: Sequence[Observation]) -> list[str]:
    """A warning for each observable graded more than once: the reports are multiplied as independent.

    Two graded reports of the same indicator (or the same observable text)
    each contribute ``r L + (1 - r) L̄``, and their product counts them as
    independent sources; if they share a source they should be one report
    (a file naming the same ``source:`` twice is refused when read). Hard
    observations repeat harmlessly (their weights are 0 or 1).
    """
    seen: dict[str, list[Observation]] = {}
    for o in obs:
        if not o.hard:
            seen.setdefault(o.expression.text, []).append(o)
    return [
        f"{len(same)} graded reports of {same[0].name} (observations "
        f"{', '.join(str(o.index) for o in same)}) are treated as independent; if they share a source, combine them"
        for same in seen.values()
        if len(same) > 1
    ]


def as_observations(scenario: Scenario, observations: object) -> Observations:
    """The observations, read against ``scenario``: a path, an :class:`Observations`, or data.

    Raises
    ------
    ScenarioErrors
        For observations that are not valid, every problem located.
    ValueError
        For :class:`Observations` read against another scenario.
    """
    if isinstance(observations, Observations):
        if observations.scenario_hash and observations.scenario_hash != scenario.hash:
            msg = (
                f"the observations were read against another scenario (hash {observations.scenario_hash[:16]}, "
                f"not {scenario.hash[:16]}); read them again against this one"
            )
            raise ValueError(msg)
        obs = observations
    elif isinstance(observations, str | Path):
        obs = load_observations(observations, scenario)
    else:
        obs = read_observations(observations, scenario)
    items = tuple(
        dataclasses.replace(o, reliability=_source_grade(scenario, o.source.get("ref", "")))
        if not o.reliability and _source_grade(scenario, o.source.get("ref", ""))
        else o
        for o in obs
    )
    return obs if items == obs.items else dataclasses.replace(obs, items=items)


def _source_grade(scenario: Scenario, ref: str) -> str:
    """The Admiralty reliability grade (``A``-``F``) of the scenario's source ``ref``, or ``""`` (none, or ungraded).

    What an observation or evidence item citing ``source: {ref: ...}`` with no
    ``reliability`` of its own is graded: the source's grade in the
    scenario's ``sources:`` block (an explicit grade on the item wins).
    """
    for src in scenario.sources:
        if src.id == ref and src.reliability:
            return src.reliability[:1]
    return ""


def _top_up(
    model: Model,
    obs: Sequence[Observation],
    setup: tuple[int, int, str, float, int, np.ndarray, np.ndarray],
    sums: list[float],
) -> tuple[list[WorldBlock], list[np.ndarray], int]:
    """Draw the run's next seeding blocks, keeping worlds of positive weight, until the target or the cap.

    ``setup`` is ``(seed, samples, sampler, target, max_worlds, r, p_match)``;
    ``sums`` the running ``[sum w, sum w^2]``, updated in place. Returns the
    kept blocks, their weights and the worlds drawn.
    """
    seed, samples, sampler, target, max_worlds, r, p_match = setup
    blocks: list[WorldBlock] = []
    weights: list[np.ndarray] = []
    drawn = samples
    b = -(-samples // BLOCK_SIZE)  # the first block after the run's own
    while drawn < max_worlds and not (sums[0] > 0 and sums[0] ** 2 / sums[1] >= target):
        start = b * BLOCK_SIZE
        size = min(BLOCK_SIZE, max_worlds - drawn)
        block = draw_worlds(model, seed, start, start + size, total=start + size, sampler=sampler)
        w = _weights(_matches(model, obs, block), r, p_match)
        keep = w > 0
        if keep.any():
            blocks.append(_subset(block, keep))
            weights.append(w[keep])
            sums[0] += float(w.sum())
            sums[1] += float(np.dot(w, w))
        drawn += size
        b += 1
    return blocks, weights, drawn


def update(
    scenario: Scenario | str | Path,
    observations: object,
    *,
    samples: int | None = None,
    seed: int | None = None,
    worlds: pd.DataFrame | None = None,
    reliability: Mapping[str, float] | None = None,
    min_ess: float | None = None,
    max_worlds: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    sampler: str | None = None,
    scale: str = "icd203",
) -> Update:
    """The outlook updated on observations: every world weighted by how well it agrees with what was seen.

    Parameters
    ----------
    scenario
        A :class:`~outlook.Scenario`, a scenario file or a bundled scenario's id.
    observations
        An observations file (its path), :class:`~outlook.scenario.observations.Observations`
        read against ``scenario``, or the same as data: ``{"observations": [...]}`` or the list
        (:func:`~outlook.scenario.observations.read_observations`).
    samples, seed, chunk_size, sampler
        The run whose worlds are weighted, as for :func:`outlook.simulate`
        (default 10,000 samples, seed 0, ``"random"``): the prior is exactly
        that run's tables. The worlds are held in memory, as by
        :func:`outlook.sample_worlds`: ``samples`` times the values of a
        world is at most :data:`~outlook.model.MAX_WORLD_VALUES`.
    worlds
        Instead, the run's stored worlds: a world store from
        :func:`outlook.sample_worlds` of this scenario, whole and unweighted
        (its ``attrs`` give the seed, samples and sampler; ``samples``,
        ``seed`` and ``sampler``, if given, must agree). Nothing is drawn
        unless the effective sample size falls short.
    reliability
        Overrides of :data:`RELIABILITY`, grade -> ``r`` in [0, 1], e.g. ``{"F": 0.5}``.
    min_ess
        The effective sample size to reach (default :func:`target_ess` of ``samples``).
    max_worlds
        The most worlds drawn in all, the run's included (default
        :data:`MAX_WORLDS_FACTOR` times ``samples``, or fewer if that many
        would not fit in memory: see ``samples``; ``samples`` to never top up).
    scale
        The estimative-word scale.

    Returns
    -------
    Update
        See :class:`Update`; the method is in the module's docstring.

    Raises
    ------
    ScenarioErrors
        For an observations file (or data) that is not valid, every problem located.
    ScenarioError
        Located at the observation, when no world drawn agrees with it (and
        with the hard observations before it): "the model cannot produce this
        observation; revise the model".
    ValueError
        For bad ``samples``, ``seed``, ``reliability``, ``min_ess``,
        ``max_worlds`` or ``worlds`` (not a whole, unweighted store of this scenario's run).
    SimulationError
        As for :func:`outlook.simulate`.
    """
    s = scenario if isinstance(scenario, Scenario) else load_scenario(find_scenario(scenario))
    get_scale(scale)
    table = _reliabilities(reliability)
    obs = as_observations(s, observations)
    model = compile_model(s)
    if worlds is None:
        samples, seed, _ = check_counts(10_000 if samples is None else samples, seed or 0, chunk_size)
        sampler = sampler or "random"
        walk = iter_worlds(model, samples=samples, seed=seed, chunk_size=chunk_size, sampler=sampler)  # checks
        target, cap = _limits(model, samples, min_ess, max_worlds)
        blocks = list(walk)
    else:
        blocks, samples, seed, sampler = _stored(model, worlds, samples, seed, sampler)
        target, cap = _limits(model, samples, min_ess, max_worlds)
    r = np.array([1.0 if o.hard else table[o.reliability] for o in obs])
    match = [_matches(model, obs, b) for b in blocks]
    p_match = np.sum([m.sum(axis=1) for m in match], axis=0) / samples
    w = [_weights(m, r, p_match) for m in match]
    sums = [float(sum(x.sum() for x in w)), float(sum(np.dot(x, x) for x in w))]
    kept, kept_w = list(blocks), list(w)  # the run's worlds as they are, those of weight 0 included (no copy)
    more, more_w, drawn = _top_up(model, obs, (seed, samples, sampler, target, cap, r, p_match), sums)
    if sums[0] <= 0:
        raise _impossible(model, obs, blocks, drawn)
    ess = sums[0] ** 2 / sums[1]
    warnings = [correlation_repair_note(model)] if model.correlation is not None and model.correlation.repaired else []
    if ess < target:
        warnings.append(
            f"the observations leave an effective sample size of {ess:,.0f} worlds, below the {target:,.0f} "
            f"aimed for, after drawing {drawn:,} worlds: the updated probabilities are uncertain (see p_se) and no "
            "word change is called a flip; raise samples or max_worlds"
        )
    warnings.extend(repeat_warnings(obs))
    store = _Worlds(model, sampler, blocks, worlds, kept + more, kept_w + more_w)
    ones = [np.ones(b.size) for b in blocks] + [np.zeros(b.size) for b in more]
    prior, posterior = _shares(model, store.kept, [ones, store.weights])
    facts = (ess, samples, seed, scale, drawn, sum(int(np.count_nonzero(x)) for x in store.weights), target)
    return _assemble(s, obs, prior, posterior, _observation_table(obs, r, p_match, samples), facts, warnings, store)


def _stored(
    model: Model, worlds: object, samples: int | None, seed: int | None, sampler: str | None
) -> tuple[list[WorldBlock], int, int, str]:
    """A world store as one block of worlds, with its run's samples, seed and sampler, checked."""
    import pandas as pd

    s = model.scenario
    if not isinstance(worlds, pd.DataFrame):
        msg = f"worlds must be a world store from outlook.sample_worlds (a DataFrame), not {type(worlds).__name__}"
        raise ValueError(msg)
    attrs = worlds.attrs
    if any(attrs.get(k) is None for k in ("seed", "samples", "sampler", "scenario_hash")):
        msg = "worlds does not say which run it holds (its attrs): pass the worlds outlook.sample_worlds returns"
        raise ValueError(msg)
    if attrs["scenario_hash"] != s.hash:
        msg = f"worlds were drawn from another scenario (hash {str(attrs['scenario_hash'])[:16]}, not {s.hash[:16]})"
        raise ValueError(msg)
    for name, given in (("samples", samples), ("seed", seed), ("sampler", sampler)):
        if given is not None and given != attrs[name]:
            msg = f"{name}={given!r}, but worlds hold a run with {name} {attrs[name]!r}: leave {name} out"
            raise ValueError(msg)
    if len(worlds) != attrs["samples"] or ("weight" in worlds and worlds["weight"].nunique() > 1):
        msg = "worlds must be a run's whole, unweighted world store (every row of outlook.sample_worlds, weight 1)"
        raise ValueError(msg)
    try:
        values = {
            d.id: (pd.Categorical(worlds[d.id], categories=list(d.categories)).codes if d.categories else worlds[d.id])
            for d in s.drivers
        }
        for dv in s.derived:
            names = [horizon_column(dv.id, h.id) for h in s.horizons] if dv.id in model.per_horizon else [dv.id]
            values.update({k: worlds[k] for k in names})
        times = {e.id: worlds[f"time_{e.id}"] for e in s.events}
        rule_ids = [x.id for x in s.rules]
        labels = [pd.Categorical(worlds[scenario_column(h.id)], categories=rule_ids).codes for h in s.horizons]
    except KeyError as exc:
        msg = f"worlds has no column {exc.args[0]}: pass the worlds outlook.sample_worlds returns"
        raise ValueError(msg) from None
    block = WorldBlock(
        0,
        {k: np.asarray(v, dtype=np.float64) for k, v in values.items()},
        {k: np.asarray(v, dtype=np.float64) for k, v in times.items()},
        np.asarray(labels, dtype=np.intp).reshape(len(s.horizons), len(worlds)),
        attrs["seed"],
        attrs["samples"],
        attrs["sampler"],
        s.hash,
    )
    if (block.labels < 0).any():
        msg = "worlds names a scenario the scenario does not have: pass the worlds outlook.sample_worlds returns"
        raise ValueError(msg)
    return [block], int(attrs["samples"]), int(attrs["seed"]), str(attrs["sampler"])


def _shares(
    model: Model, blocks: Sequence[WorldBlock], weightings: Sequence[Sequence[np.ndarray]]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Weighted shares of worlds, for each weighting (one weight array per block): ``sum w 1{.} / sum w``.

    For each, the shares in each scenario by each horizon, shape ``(n_horizons, n_rules)``, and with each event
    by each horizon's end, ``(n_events, n_horizons)``.
    """
    s = model.scenario
    ends = model.horizon_ends
    scen = np.zeros((len(weightings), len(s.horizons), len(s.rules)))
    ev = np.zeros((len(weightings), len(s.events), ends.size))
    for j, b in enumerate(blocks):
        for k, e in enumerate(s.events):  # the first horizon whose end is at or after the event: by it and later
            t = b.times[e.id]
            first = np.zeros(b.size, dtype=np.uint8 if ends.size < 256 else np.intp)  # one byte a world: fewer passes
            for end in ends:
                np.add(first, t > end, out=first)
            for i, ws in enumerate(weightings):
                ev[i, k] += np.cumsum(np.bincount(first, weights=ws[j], minlength=ends.size + 1)[: ends.size])
        for hi in range(len(s.horizons)):
            for i, ws in enumerate(weightings):
                scen[i, hi] += np.bincount(b.labels[hi], weights=ws[j], minlength=len(s.rules))
    totals = [float(sum(np.sum(w) for w in ws)) for ws in weightings]
    # a sum of weights in another order can exceed the total by a rounding error: a share is at most 1
    return [(np.minimum(scen[i] / x, 1.0), np.minimum(ev[i] / x, 1.0)) for i, x in enumerate(totals)]


def _limits(model: Model, samples: int, min_ess: float | None, max_worlds: int | None) -> tuple[float, int]:
    """The effective sample size aimed for and the most worlds drawn, checked.

    An update holds its worlds in memory, as :func:`outlook.sample_worlds`
    does: at most :data:`~outlook.model.MAX_WORLD_VALUES` values, the
    top-up's included (the default ``max_worlds`` stops there).
    """
    target = float(target_ess(samples) if min_ess is None else min_ess)
    if not (math.isfinite(target) and target >= 0):
        msg = f"min_ess must be a number of worlds, 0 or more (got {min_ess!r})"
        raise ValueError(msg)
    columns = len(model.quantities) + len(model.scenario.events)
    fits = MAX_WORLD_VALUES // max(columns, 1)
    if samples > fits:
        msg = (
            f"samples must be at most {fits:,} for an update of this model (got {samples:,}): it holds every "
            f"world in memory ({columns:,} values a world, at most {MAX_WORLD_VALUES:,} in all)"
        )
        raise ValueError(msg)
    cap = min(MAX_WORLDS_FACTOR * samples, fits) if max_worlds is None else max_worlds
    if isinstance(cap, bool) or not isinstance(cap, int) or not samples <= cap <= fits:
        msg = (
            f"max_worlds must be a whole number of worlds from samples ({samples:,}) to {fits:,}, the most this "
            f"model's worlds that fit in memory (got {max_worlds!r})"
        )
        raise ValueError(msg)
    return target, cap


def _frame(model: Model, blocks: Sequence[WorldBlock], seed: int, sampler: str) -> pd.DataFrame:
    """The worlds of ``blocks`` as a world store, with the attributes :func:`outlook.summarise_worlds` reads."""
    frame = worlds_frame(model, blocks)
    frame.attrs.update(seed=seed, samples=len(frame), sampler=sampler, scenario_hash=model.scenario.hash)
    return frame


def _observation_table(obs: Sequence[Observation], r: np.ndarray, p_match: np.ndarray, n: int) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {
            "observation": [o.name for o in obs],
            "date": [o.date.isoformat() for o in obs],
            "value": [o.value for o in obs],
            "reliability": [o.reliability for o in obs],
            "r": r,
            "p_observed": p_match,
            "p_observed_se": np.sqrt(p_match * (1 - p_match) / n),
        }
    )


def _judgements(
    ids: tuple[list[str], list[str]],
    prior: np.ndarray,
    post: np.ndarray,
    n: tuple[int, float],
    scale: str,
    *,
    horizon_major: bool,
    enough: bool = True,
) -> pd.DataFrame:
    """Prior and posterior shares side by side, with deltas, words and flips.

    ``ids`` are the horizons and the targets (scenarios or events); the
    shares are ``(n_horizons, n_targets)`` when ``horizon_major`` (as the
    scenarios table) or, transposed, ``(n_targets, n_horizons)`` (as the
    events table). Said, not guessed from the shape: with as many events as
    horizons the shape cannot tell. ``n`` is the run's samples and the
    posterior's effective sample size.
    """
    import pandas as pd

    hz, targets = ids
    prior, post = snap_probability(prior), snap_probability(post)
    expected = (len(hz), len(targets)) if horizon_major else (len(targets), len(hz))
    assert prior.shape == post.shape == expected, (prior.shape, post.shape, expected)
    rows_h = np.repeat(hz, len(targets)) if horizon_major else np.tile(hz, len(targets))
    rows_t = np.tile(targets, len(hz)) if horizon_major else np.repeat(targets, len(hz))
    out = pd.DataFrame(
        {
            "horizon": pd.Categorical(rows_h, categories=hz),
            "target": pd.Categorical(rows_t, categories=targets),
            "p_prior": prior.ravel(),
            "p": post.ravel(),
            "p_se": weighted_se(post.ravel(), n[1]),
        }
    )
    out["delta"] = out["p"] - out["p_prior"]
    sc = get_scale(scale)
    out["word_prior"] = [sc.word(x) for x in out["p_prior"]]
    out["word"] = [sc.word(x) for x in out["p"]]
    prior_se = weighted_se(prior.ravel(), n[0])
    # too few effective worlds (below the update's own target): a standard error of 0 at p = 0 or 1 would
    # make any change look certain, so nothing is called a flip
    out["flip"] = [
        enough and a != b and not (straddles(pa, sa, sc) or straddles(pb, sb, sc))
        for pa, sa, pb, sb, a, b in zip(out["p_prior"], prior_se, out["p"], out["p_se"], out["word_prior"], out["word"])
    ]
    move_se = np.sqrt(prior_se**2 + out["p_se"].to_numpy() ** 2)
    size = out["delta"].abs().to_numpy()
    out["moved"] = enough & (size > LOG_MOVE) & (size > STRADDLE_K * move_se)
    return out


#: how close to 0 or 1 a probability must be to be taken as exactly 0 or 1 (sums of weights round)
SNAP = 1e-12


def snap_probability(p: np.ndarray) -> np.ndarray:
    """Probabilities clipped to [0, 1], those within :data:`SNAP` of 0 or 1 made exactly 0 or 1 (same shape).

    A share of weighted worlds is a ratio of float sums: every world agreeing
    gives ``0.9999999999999915``, not 1. Rounding it makes its word, its
    standard error (0) and its printed digits those of the exact value.
    """
    q = np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0)
    return np.where(q < SNAP, 0.0, np.where(q > 1.0 - SNAP, 1.0, q))


def _assemble(
    s: Scenario,
    obs: Sequence[Observation],
    prior: tuple[np.ndarray, np.ndarray],
    posterior: tuple[np.ndarray, np.ndarray],
    obs_table: pd.DataFrame,
    facts: tuple[float, int, int, str, int, int, float],
    warnings: list[str],
    store: _Worlds,
) -> Update:
    """The :class:`Update`: the side-by-side tables, the dated log and its sentences."""
    import pandas as pd

    ess, samples, seed, scale, drawn, kept, target = facts
    hz = [h.id for h in s.horizons]
    n = (samples, ess)
    enough = ess >= target
    scen = _judgements(
        (hz, [r.id for r in s.rules]), prior[0], posterior[0], n, scale, horizon_major=True, enough=enough
    )
    scen = scen.rename(columns={"target": "scenario"})
    events = _judgements(
        (hz, [e.id for e in s.events]), prior[1], posterior[1], n, scale, horizon_major=False, enough=enough
    )
    events = events.rename(columns={"target": "event"})
    date = max(o.date for o in obs).isoformat()
    rows = [
        {
            "date": date,
            "kind": kind,
            "target": row[kind],
            "horizon": row["horizon"],
            "p_prior": row["p_prior"],
            "p": row["p"],
            "word_prior": row["word_prior"],
            "word": row["word"],
            "change": "flip" if row["flip"] else "move",
        }
        for kind, t in (("scenario", scen), ("event", events))
        for _, row in t[t["flip"] | t["moved"]].iterrows()
    ]
    columns = ["date", "kind", "target", "horizon", "p_prior", "p", "word_prior", "word", "change"]
    log = pd.DataFrame(rows, columns=columns)
    sentences = _sentences(s, obs, log, scen, events, date)
    return Update(
        scen,
        events,
        obs_table,
        log,
        sentences,
        ess,
        samples,
        seed,
        scale,
        drawn,
        kept,
        target,
        date,
        s.id,
        tuple(warnings),
        store,
        tuple(obs),
    )


def _still(row: pd.Series) -> str:
    """How a logged move that is not a flip reads: "still unlikely", or why a change of word is not called."""
    if row["word"] == row["word_prior"]:
        return f"still {row['word']}"
    return f"{row['word_prior']} to {row['word']} but too close to the boundary to call a change of word"


def _sentences(
    s: Scenario, obs: Sequence[Observation], log: pd.DataFrame, scen: pd.DataFrame, events: pd.DataFrame, date: str
) -> tuple[str, ...]:
    """The update log in words: what was seen, then each flip and large move (and the largest move, if nothing flips)."""
    labels = {r.id: r.label or r.id for r in s.rules} | {e.id: e.label or e.id for e in s.events}
    horizons = {h.id: h.label or h.id for h in s.horizons}
    seen = "; ".join(
        f"{o.name} {'seen' if o.value else 'not seen'} ({o.date.isoformat()}"
        f"{', graded ' + o.reliability if o.reliability else ''})"
        for o in obs
    )
    out = [f"Update of {date} on {len(obs)} observation(s): {seen}."]
    for _, row in log.iterrows():
        what = "the scenario" if row["kind"] == "scenario" else "the event"
        name = f"{what.capitalize()} '{labels.get(row['target'], row['target'])}' by the end of "
        name += str(horizons.get(row["horizon"], row["horizon"]))
        if row["change"] == "flip":
            out.append(
                f"{name} goes from {row['word_prior']} ({row['p_prior']:.0%}) to {row['word']} ({row['p']:.0%})."
            )
        else:
            out.append(f"{name} moves from {row['p_prior']:.0%} to {row['p']:.0%}, {_still(row)}.")
    if log.empty or not (log["change"] == "flip").any():
        both = [t.assign(target=t.iloc[:, 1]) for t in (scen, events)]
        moves = [row for t in both for _, row in t.iterrows()]
        big = max(moves, key=lambda row: abs(row["delta"]))
        out.append(
            f"No judgement changes word; the largest move is '{labels.get(big['target'], big['target'])}' by the end "
            f"of {horizons.get(big['horizon'], big['horizon'])}, from {big['p_prior']:.0%} to {big['p']:.0%}."
        )
    return tuple(out)
