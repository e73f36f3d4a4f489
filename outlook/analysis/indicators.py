"""Indicators and signposts: how well each indicator a scenario file states tells its scenarios apart.

Owns :func:`indicators` and its columns (:data:`INDICATOR_COLUMNS`): for
every indicator and scenario at each horizon, counted over the very worlds
a run draws (:func:`~outlook.model.iter_worlds`), the likelihoods
P(I | H) and P(I | not H), the likelihood ratios, the mutual information
of the indicator with the scenario set, the lead time and the by-when date,
with flags for indicators that cannot warn. Never plots, never prints,
never reads files.

The technique
-------------
The Tradecraft Primer's "Indicators or Signposts of Change" (*A Tradecraft
Primer*, US Government 2009, p. 12) lists observable events to review on
a schedule; Heuer and Pherson's Indicators Validator rates each indicator's
likelihood under each scenario and keeps as diagnostic only those likely in
one scenario and unlikely in the others (R. J. Heuer and R. H. Pherson,
*Structured Analytic Techniques for Intelligence Analysis*, 2nd ed., 2015,
ch. 6; diagnosticity: R. J. Heuer, *Psychology of Intelligence Analysis*,
1999, ch. 8). Here the likelihoods come from the model's own worlds
(the project's SAT reference, §4.4):

* ``p_given`` = P(I | H): the share of worlds in scenario H at the horizon
  where the indicator's observable holds by the horizon's end (read as
  the scenario rule is: :func:`~outlook.model.observables.evaluate_observable`);
  ``p_given_not`` = P(I | not H). Each with its binomial standard error
  sqrt(p (1 - p) / m), m the worlds it is counted over.
* ``lr_pos`` = P(I | H) / P(I | not H) and ``lr_neg`` = P(not I | H) /
  P(not I | not H), the likelihood ratios of seeing and of not seeing the
  indicator (Bayes' rule in odds form: posterior odds = LR x prior odds).
* ``mi``: the mutual information, **in bits**, between the indicator (seen
  or not) and the whole set of scenarios at the horizon,
  sum over x, h of P(x, h) log2(P(x, h) / (P(x) P(h))) (Cover and Thomas,
  *Elements of Information Theory*, 2nd ed., 2006, eq. 2.28); the same in
  every row of one indicator and horizon.
* ``lead_time_p50``: over the worlds in H where the indicator holds and
  that entered H after the start (T_H > 0: a world in H from ``as_of`` on
  has nothing to be warned of), the median of T_H - T_I in years. T_I is the first time the observable holds
  (it is evaluated at the start and at the occurrence of each event it
  reads); T_H is the time the world entered H for good: the earliest time
  from which its scenario, evaluated at the start, at each occurrence of an
  event a scenario rule reads and at the horizon's end, stays H up to the
  horizon's end. (A world's scenario changes only when an event the rules
  read happens, so this is exact for rules over events; a rule over ``t``
  is evaluated only at those times.) Negative: the indicator typically
  fires after the scenario is already there, so it lags and cannot warn
  (flagged ``lags``).
* ``by_when``: the first month end (and the horizon's end) d at which the
  *absence* of the indicator by d changes the scenario's word: P(H | not I
  by d) takes another word than P(H), by more than two standard errors, and
  neither straddles a word boundary (as :func:`~outlook.analysis.compare.is_flip`);
  empty when absence never changes it by the horizon's end.

* ``closes``: the indicator's window: the first month end (or the
  horizon's end) from which its observable, in every world drawn, has the
  value it has at the horizon's end (``happened(x, by='6mo')``: six months
  after ``as_of``). After it, an indicator nobody reported "did not fire"
  (:func:`indicator_status`).

Flags (``flags``, with the reasons in ``note``):

``tautological``
    P(I | H) or P(I | not H) is exactly 0 or 1 in the worlds drawn; the note
    says whether *by construction* (the observable reads only names the
    scenario's rule reads: it is the scenario's own definition) or
    *empirically*.
``definitional``
    Not tautological, but the observable reads only names the scenario's
    rule reads: part of the scenario's definition, not a signpost upstream.
``non-diagnostic``
    LR+ within :data:`NON_DIAGNOSTIC` (0.8 to 1.25): about as likely
    whatever the scenario; kept for clusters and collectors (Heuer and
    Pherson), never dropped.
``lags``
    ``lead_time_p50 < 0``, beyond the simulation noise: the share of the
    worlds counted where T_H < T_I exceeds 1/2 by more than two binomial
    standard errors, sqrt(1/4 / m) (a sign test of the median).
``signpost``
    The file lists the scenario in the indicator's ``signposts``.

A scenario with P(H) = 0 at a horizon has ``p_given`` and what depends on it
NaN, and one with P(H) = 1 ``p_given_not``; a likelihood ratio whose
denominator is 0 is NaN. Each such NaN has its reason in ``note``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._types import FloatArray, IntArray
from ..errors import did_you_mean
from ..model import DEFAULT_CHUNK_SIZE, MAX_WORLD_VALUES, Model, WorldBlock, compile_model, iter_worlds
from ..model.observables import evaluate_at, horizon_index
from ..scenario import Indicator, Scenario, ScenarioRule, load_scenario
from ..scenario.durations import end_date
from ..scenario.expressions import Expression
from ..scenario.observations import Observation
from ..words import STRADDLE_K, get_scale, straddles
from .update import as_observations

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "INDICATOR_COLUMNS",
    "NON_DIAGNOSTIC",
    "STATUSES",
    "entry_times",
    "first_times",
    "indicator_status",
    "indicators",
    "mutual_information",
]

#: The columns of :func:`indicators`'s table, in order.
INDICATOR_COLUMNS = (
    "indicator",
    "scenario",
    "horizon",
    "p_given",
    "p_given_se",
    "p_given_not",
    "p_given_not_se",
    "lr_pos",
    "lr_neg",
    "mi",
    "word",
    "lead_time_p50",
    "by_when",
    "closes",
    "flags",
    "note",
)
#: LR+ within this range (inclusive) marks an indicator non-diagnostic for a scenario.
NON_DIAGNOSTIC = (0.8, 1.25)
#: The statuses of :func:`indicator_status`, in the order they are decided (the dated ones end in a date).
STATUSES = ("observed on", "not seen by", "not observed", "did not fire", "lapsed", "not yet")


def indicators(
    scenario: Scenario | str | Path,
    *,
    samples: int = 10_000,
    seed: int = 0,
    horizon: str | int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    sampler: str = "random",
    scale: str = "icd203",
    observations: object = None,
) -> pd.DataFrame:
    """How well each indicator of ``scenario`` tells its scenarios apart (see the module's docstring).

    Parameters
    ----------
    scenario
        A scenario whose file states ``indicators:`` (one that states none
        gives an empty table).
    samples, seed, chunk_size, sampler
        As for :func:`outlook.simulate`: the worlds counted are the run's.
    horizon
        A horizon id (or index); by default every horizon.
    scale
        The scale of estimative words (:data:`outlook.words.SCALES`).
    observations
        ``None`` (default), or what has been seen, as :func:`outlook.update`
        takes it (an observations file, :class:`~outlook.scenario.observations.Observations`
        read against ``scenario``, or the same as data): adds the ``status``
        column (:func:`indicator_status`).

    Returns
    -------
    pandas.DataFrame
        One row per indicator, horizon and scenario (file order):
        :data:`INDICATOR_COLUMNS`, then ``status`` when ``observations`` are
        given. Probabilities in [0, 1], ``mi`` in bits,
        ``lead_time_p50`` in years, ``by_when`` an ISO date or ``""``,
        ``flags`` comma-separated. ``attrs`` holds ``samples``, ``seed``,
        ``scale``, ``scenario_id`` and ``scenario_hash`` (and, with
        observations, ``observed_to``: the latest observation's ISO date).

    Raises
    ------
    ValueError
        For a bad ``samples``, ``seed``, ``chunk_size``, ``sampler``,
        ``scale`` or ``horizon``, observations read against another scenario,
        or more ``samples`` than the lead times' memory allows (two values a
        world per indicator and horizon, at most :data:`~outlook.model.MAX_WORLD_VALUES`).
    ScenarioErrors
        For observations that are not valid, every problem located (as :func:`outlook.update`).
    SimulationError
        As :func:`outlook.simulate`.

    Examples
    --------
    >>> from outlook import Scenario
    >>> s = Scenario.from_yaml('''
    ... outlook: 1.1
    ... id: demo
    ... title: Demo
    ... question: Does it happen?
    ... as_of: 2024-01-01
    ... horizons: {year: {until: 1y}}
    ... drivers: {r: 0.7}
    ... events: {a: {rate: r}, b: {rate: 0.5, after: {a: 4}}}
    ... scenarios: {a_happens: a, rest: otherwise}
    ... indicators:
    ...   b_early: {label: b within six months, observable: "happened(b, by='6mo')"}
    ... ''')
    >>> t = indicators(s, samples=4_000, seed=1)
    >>> t.loc[0, ["indicator", "scenario", "word"]].tolist()
    ['b_early', 'a_happens', 'unlikely']
    """
    if isinstance(scenario, str | Path):  # a file or a bundled scenario's id, as update() takes
        scenario = load_scenario(scenario)
    import pandas as pd

    scale = get_scale(scale).name
    obs = None if observations is None else as_observations(scenario, observations)
    model = compile_model(scenario)
    ids = [h.id for h in scenario.horizons]
    if isinstance(horizon, str) and horizon not in ids:
        hint = did_you_mean(horizon, ids)
        raise ValueError(
            f"unknown horizon {horizon!r}; the scenario has {', '.join(ids)}" + (f".{hint}" if hint else "")
        )
    his = range(len(scenario.horizons)) if horizon is None else [horizon_index(model, horizon)]
    _check_memory(samples, 2 * len(scenario.indicators) * len(his))
    tallies = [_Tally.start(model, hi) for hi in his]
    if scenario.indicators:
        for block in iter_worlds(model, samples=samples, seed=seed, chunk_size=chunk_size, sampler=sampler):
            for t in tallies:
                t.add(model, block)
    rows = [row for t in tallies for row in t.rows(model, scale)] if scenario.indicators else []
    frame = pd.DataFrame(rows, columns=list(INDICATOR_COLUMNS))
    frame.attrs.update(samples=samples, seed=seed, scale=scale, scenario_id=scenario.id, scenario_hash=scenario.hash)
    if obs is not None:
        frame["status"] = indicator_status(frame, obs, scenario)
        frame.attrs["observed_to"] = max((o.date for o in obs), default=scenario.as_of).isoformat()
    return frame


def _check_memory(samples: int, columns: int) -> None:
    """Refuse a run whose lead times would not fit in memory, as :func:`outlook.sample_worlds` refuses one.

    The lead times are kept world by world until the medians are taken: up
    to two values (a scenario and a lead) a world for each indicator and
    horizon, at most :data:`~outlook.model.MAX_WORLD_VALUES` in all.
    """
    if isinstance(samples, int) and not isinstance(samples, bool) and samples * columns > MAX_WORLD_VALUES:
        msg = (
            f"samples must be at most {MAX_WORLD_VALUES // columns:,} for indicators of this model (got {samples:,}): "
            f"it holds the lead times of every world in memory ({columns:,} values a world, at most "
            f"{MAX_WORLD_VALUES:,} in all); ask for one --horizon, or fewer samples"
        )
        raise ValueError(msg)


def indicator_status(
    table: pd.DataFrame, observations: Sequence[Observation], scenario: Scenario | None = None
) -> list[str]:
    """Each row's status on a watch board, given what has been seen: one string per row of ``table``.

    ``table`` has the ``indicator`` and ``by_when`` columns of :func:`indicators`;
    ``observations`` are read against its scenario. Decided in this order
    (the SAT reference, ``shared/reference/sat-features.md`` §4.4, "What the
    student sees"):

    * ``"observed on YYYY-MM-DD"``: an observation reports the indicator
      (see below) and says it was seen (the earliest such date; graded
      or not);
    * ``"not seen by YYYY-MM-DD"``: observations report it and every one says it
      was not seen (the latest date);
    * ``"not observed"``: no observation reports it, and it is a *state*
      fixed from the start: its observable reads no event and not ``t``
      (e.g. ``mood == 'angry'`` over a driver), so it never "fires" and its
      absence from the reports says nothing (needs ``scenario``);
    * ``"did not fire"``: no observation reports it, and its window has
      closed: the row's ``closes`` date (from which the observable can no
      longer change by the horizon's end, e.g. six months after ``as_of``
      for ``happened(x, by='6mo')``) is on or before the latest
      observation's date. Its absence is evidence (read it with an
      observation of ``value: false`` to update on it);
    * ``"lapsed"``: no observation reports it, and the row's ``by_when`` (the
      date by which not seeing the indicator changes the scenario's word) is
      before the latest observation's date: its absence has already told;
    * ``"not yet"``: otherwise (its window still open, and no by-when, or one still to come).

    A table without a ``closes`` column (made by hand) never gives "did not fire".

    An observation reports an indicator when it names it (``indicator:``)
    or, given ``scenario``, when it is written as an ``observable:`` whose
    text is the indicator's observable up to whitespace outside quotes
    (``happened(x,by='6mo')`` reports ``happened(x, by='6mo')``; ``x`` does not).
    """
    same = {} if scenario is None else {_squeeze(i.observable.text): i.id for i in scenario.indicators}
    fixed = set() if scenario is None else {i.id for i in scenario.indicators if _is_state(scenario, i)}
    seen: dict[str, list[Observation]] = {}
    for o in observations:
        ind = o.indicator or same.get(_squeeze(o.expression.text), "")
        if ind:
            seen.setdefault(ind, []).append(o)
    latest = max((o.date.isoformat() for o in observations), default="")
    out = []
    closes = table["closes"] if "closes" in table else [""] * len(table)
    for ind, by_when, shut in zip(table["indicator"], table["by_when"], closes):
        named = seen.get(str(ind), [])
        true = [o.date for o in named if o.value]
        if true:
            out.append(f"observed on {min(true).isoformat()}")
        elif named:
            out.append(f"not seen by {max(o.date for o in named).isoformat()}")
        elif str(ind) in fixed:
            out.append("not observed")
        elif shut and str(shut) <= latest:
            out.append("did not fire")
        elif by_when and str(by_when) < latest:
            out.append("lapsed")
        else:
            out.append("not yet")
    return out


_QUOTED = re.compile(r"""('[^']*'|"[^"]*")""")


def _squeeze(text: str) -> str:
    """``text`` without whitespace outside quoted strings (how an observable's text is compared)."""
    parts = _QUOTED.split(text)
    return "".join(p if i % 2 else re.sub(r"\s+", "", p) for i, p in enumerate(parts))


def _is_state(scenario: Scenario, ind: Indicator) -> bool:
    """Whether the indicator's observable is a state fixed from the start: it reads no event and not ``t``.

    Derived quantities count by what they read (transitively).
    """
    events = {e.id for e in scenario.events}
    derived = {d.id: d.expr for d in scenario.derived}
    todo, done = [ind.observable], set[str]()
    while todo:  # the observable, and the derived quantities it reads, transitively
        x = todo.pop()
        if x.reads_t or x.times_read or (x.names & events):
            return False
        for name in x.names & derived.keys() - done:
            done.add(name)
            todo.append(derived[name])
    return True


def mutual_information(joint: FloatArray) -> float:
    """The mutual information, in bits, of a joint distribution (an array of probabilities summing to 1).

    sum over i, j of p_ij log2(p_ij / (p_i. p_.j)), with 0 log 0 = 0 (Cover
    and Thomas 2006, eq. 2.28).

    >>> round(mutual_information(np.array([[0.5, 0.0], [0.0, 0.5]])), 12)
    1.0
    >>> mutual_information(np.array([[0.25, 0.25], [0.25, 0.25]]))
    0.0
    """
    p = np.asarray(joint, dtype=float)
    outer = p.sum(axis=1, keepdims=True) * p.sum(axis=0, keepdims=True)
    nz = p > 0
    return float(max(0.0, np.sum(p[nz] * np.log2(p[nz] / outer[nz]))))


def _events_read(model: Model, expressions: list[Expression]) -> list[str]:
    """The events the expressions read (by name, ``time()`` or ``happened()``), in the scenario's order."""
    read = frozenset().union(*(e.names | e.times_read for e in expressions))
    return [e.id for e in model.scenario.events if e.id in read]


def _candidates(model: Model, block: WorldBlock, hi: int, events: list[str]) -> FloatArray:
    """The times at which what reads ``events`` can change: 0, each event's time (clipped), the horizon's end.

    Shape ``(2 + len(events), block.size)``.
    """
    end = float(model.horizon_ends[hi])
    n = block.size
    rows = [np.zeros(n), *(np.minimum(block.times[e], end) for e in events), np.full(n, end)]
    return np.stack(rows)


def _labels_at(model: Model, block: WorldBlock, hi: int, end: FloatArray) -> IntArray:
    """The scenario of each world with what has happened by ``end`` (one time per world), as label_worlds."""
    rules = model.scenario.rules
    label = np.full(block.size, len(rules) - 1, dtype=np.intp)
    free = np.ones(block.size, dtype=bool)
    for ri, rule in enumerate(rules):
        if rule.when is None:
            break
        hit = free & evaluate_at(model, rule.when, block, end, hi)
        label[hit] = ri
        free &= ~hit
    return label


def entry_times(model: Model, block: WorldBlock, hi: int) -> FloatArray:
    """T_H: when each world entered, for good, the scenario it is in at the end of horizon ``hi`` (years).

    The earliest of the candidate times (the start, each occurrence of an
    event a scenario rule reads, the horizon's end) from which the world's
    scenario stays the one it has at the horizon's end. Shape ``(block.size,)``.
    """
    events = _events_read(model, [r.when for r in model.scenario.rules if r.when is not None])
    cands = _candidates(model, block, hi, events)
    labels = np.stack([_labels_at(model, block, hi, c) for c in cands])
    order = np.argsort(cands, axis=0, kind="stable")
    times = np.take_along_axis(cands, order, axis=0)
    stays = np.take_along_axis(labels, order, axis=0) == labels[-1]
    from_here = np.flip(np.logical_and.accumulate(np.flip(stays, axis=0), axis=0), axis=0)
    first = np.argmax(from_here, axis=0)
    return np.asarray(times[first, np.arange(block.size)], dtype=np.float64)


def first_times(model: Model, expression: Expression, block: WorldBlock, hi: int) -> FloatArray:
    """T_I: the first time ``expression`` holds by the end of horizon ``hi`` (``inf`` if it never does).

    Evaluated at the start and at each occurrence of an event it reads (the
    only times its value can change, unless it reads ``t``). Shape ``(block.size,)``.
    """
    cands = _candidates(model, block, hi, _events_read(model, [expression]))
    out = np.full(block.size, np.inf)
    for c in cands:
        holds = evaluate_at(model, expression, block, c, hi)
        out = np.where(holds, np.minimum(out, c), out)
    return out


@dataclass
class _Tally:
    """The counts behind one horizon's rows, added to block by block."""

    hi: int
    grid: FloatArray
    n: int = 0
    n_h: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    n_ih: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    n_not: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    n_h_not: IntArray = field(default_factory=lambda: np.zeros((0, 0, 0), dtype=np.int64))
    changes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    leads: list[list[tuple[IntArray, FloatArray]]] = field(default_factory=list)

    @classmethod
    def start(cls, model: Model, hi: int) -> _Tally:
        k, m = len(model.scenario.rules), len(model.scenario.indicators)
        end = float(model.horizon_ends[hi])
        months = np.arange(1, math.ceil(end * 12 - 1e-9) + 1) / 12.0
        grid = np.unique(np.append(months[months < end], end))
        g = grid.size
        return cls(
            hi,
            grid,
            n_h=np.zeros(k, dtype=np.int64),
            n_ih=np.zeros((m, k), dtype=np.int64),
            n_not=np.zeros((m, g), dtype=np.int64),
            n_h_not=np.zeros((m, g, k), dtype=np.int64),
            changes=np.zeros((m, g), dtype=bool),
            leads=[[] for _ in range(m)],
        )

    def add(self, model: Model, block: WorldBlock) -> None:
        k = len(model.scenario.rules)
        labels = block.labels[self.hi]
        self.n += block.size
        self.n_h += np.bincount(labels, minlength=k)
        t_h = entry_times(model, block, self.hi)
        for i, ind in enumerate(model.scenario.indicators):
            fires = evaluate_at(model, ind.observable, block, float(model.horizon_ends[self.hi]), self.hi)
            self.n_ih[i] += np.bincount(labels[fires], minlength=k)
            t_i = first_times(model, ind.observable, block, self.hi)
            later = fires & (t_h > 0)  # a world in H from the start has nothing to be warned of
            self.leads[i].append((labels[later], (t_h - t_i)[later]))
            for g, d in enumerate(self.grid):
                absent = ~evaluate_at(model, ind.observable, block, float(d), self.hi)
                self.n_not[i, g] += int(absent.sum())
                self.n_h_not[i, g] += np.bincount(labels[absent], minlength=k)
                self.changes[i, g] |= bool(np.any(absent == fires))  # its value at d is not its value at the end

    def closes(self, i: int, as_of: dt.date) -> str:
        """The first grid date from which indicator ``i`` takes, in every world drawn, its value at the end (ISO)."""
        still = np.flatnonzero(self.changes[i])
        g = int(still[-1]) + 1 if still.size else 0
        when = end_date(as_of, float(self.grid[min(g, self.grid.size - 1)]))
        return when.isoformat() if when is not None else ""

    def rows(self, model: Model, scale: str) -> list[dict[str, Any]]:
        s = model.scenario
        out = []
        for i, ind in enumerate(s.indicators):
            joint = np.stack([self.n_ih[i], self.n_h - self.n_ih[i]]) / max(self.n, 1)
            mi = mutual_information(joint)
            labels = np.concatenate([lab for lab, _ in self.leads[i]]) if self.leads[i] else np.zeros(0, np.intp)
            leads = np.concatenate([v for _, v in self.leads[i]]) if self.leads[i] else np.zeros(0)
            for k, rule in enumerate(s.rules):
                row = _row(self, i, k, scale, mi, leads[labels == k], s.as_of)
                row["closes"] = self.closes(i, s.as_of)
                row.update(_flags(ind, s.rules[: k + 1], row))
                out.append({"indicator": ind.id, "scenario": rule.id, "horizon": s.horizons[self.hi].id, **row})
        return out


def _row(t: _Tally, i: int, k: int, scale: str, mi: float, leads: FloatArray, as_of: dt.date) -> dict[str, Any]:
    """The numbers of one indicator and scenario (NaN where undefined, with the reason in ``note``)."""
    nan = float("nan")
    n_h, n_not_h = int(t.n_h[k]), t.n - int(t.n_h[k])
    n_i = int(t.n_ih[i].sum())
    notes: list[str] = []
    p = t.n_ih[i, k] / n_h if n_h else nan
    q = (n_i - t.n_ih[i, k]) / n_not_h if n_not_h else nan
    if not n_h:
        notes.append("no world is in this scenario at this horizon (P(H) = 0): P(I|H) is undefined")
    if not n_not_h:
        notes.append("every world is in this scenario at this horizon (P(H) = 1): P(I|not H) is undefined")
    lr_pos = p / q if q > 0 else nan
    lr_neg = (1 - p) / (1 - q) if q < 1 else nan
    if n_h and t.n_ih[i, k] and not leads.size:
        notes.append("no lead time: every world here where the indicator holds is in the scenario from the start")
    if q == 0:
        notes.append("the indicator never holds outside this scenario: LR+ is unbounded (NaN)")
    if q == 1:
        notes.append("the indicator always holds outside this scenario: LR- is unbounded (NaN)")
    return {
        "p_given": p,
        "p_given_se": math.sqrt(p * (1 - p) / n_h) if n_h else nan,
        "p_given_not": q,
        "p_given_not_se": math.sqrt(q * (1 - q) / n_not_h) if n_not_h else nan,
        "lr_pos": lr_pos,
        "lr_neg": lr_neg,
        "mi": mi,
        "word": get_scale(scale).word(p) if n_h else "",
        "lead_time_p50": float(np.median(leads)) if leads.size else nan,
        "lags": bool(leads.size) and float(np.mean(leads < 0)) - 0.5 > STRADDLE_K * math.sqrt(0.25 / leads.size),
        "by_when": _by_when(t, i, k, scale, as_of),
        "note": "; ".join(notes),
    }


def _by_when(t: _Tally, i: int, k: int, scale: str, as_of: dt.date) -> str:
    """The first grid date at which absence of the indicator changes the scenario's word (ISO), or ``""``."""
    if not t.n:
        return ""
    sc = get_scale(scale)
    p = t.n_h[k] / t.n
    se_p = math.sqrt(p * (1 - p) / t.n)
    for g, d in enumerate(t.grid):
        m = int(t.n_not[i, g])
        if not m:
            continue
        q = t.n_h_not[i, g, k] / m
        se_q = math.sqrt(q * (1 - q) / m)
        if sc.word(q) == sc.word(p) or not abs(q - p) > STRADDLE_K * max(se_q, se_p):
            continue
        if straddles(p, se_p, sc) or straddles(q, se_q, sc):
            continue
        when = end_date(as_of, float(d))
        return when.isoformat() if when is not None else ""
    return ""


def _flags(ind: Indicator, rules: tuple[ScenarioRule, ...], row: dict[str, Any]) -> dict[str, Any]:
    """``flags`` and the reasons added to ``note``, for one indicator and the last of ``rules``.

    ``rules`` are the scenario's rules up to this one: a world's scenario
    depends on the earlier rules too (``otherwise`` on all of them).
    """
    flags: list[str] = []
    notes = [row["note"]] if row["note"] else []
    when = rules[-1].when
    names = ind.observable.names
    own = when is not None and names <= when.names
    defining = names <= frozenset().union(*(r.when.names for r in rules if r.when is not None))
    p, q = row["p_given"], row["p_given_not"]
    extreme = [(name, v) for name, v in (("P(I|H)", p), ("P(I|not H)", q)) if v in (0.0, 1.0)]
    if extreme:
        flags.append("tautological")
        how = "by construction: the observable reads only what defines the scenario" if defining else "empirically"
        values = ", ".join(f"{name} = {v:g}" for name, v in extreme)
        notes.append(f"tautological {how} ({values} in every world drawn)")
    elif own:
        flags.append("definitional")
        notes.append("definitional: the observable reads only what the scenario's rule reads")
    lo, hi = NON_DIAGNOSTIC
    if lo <= row["lr_pos"] <= hi:
        flags.append("non-diagnostic")
        notes.append(f"non-diagnostic: LR+ {row['lr_pos']:.2f} is within [{lo}, {hi}]")
    if row["lags"]:
        flags.append("lags")
        notes.append("lags: it typically fires after the scenario is already there, so it cannot warn")
    if rules[-1].id in ind.signposts:
        flags.append("signpost")
    return {"flags": ", ".join(flags), "note": "; ".join(notes)}
