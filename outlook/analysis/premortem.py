"""The quantified premortem: if a key judgement turns out wrong, what most likely made it so.

Owns :func:`premortem` (one run's worlds, split by whether a key judgement
holds, and what differs in the worlds where it fails) and its result,
:class:`Premortem`. Tables and worlds in, tables out; never plots, never
prints.

The technique
-------------
Klein's premortem ("Performing a project premortem", *Harvard Business
Review* 85(9), 2007; D. Kahneman, *Thinking, Fast and Slow*, 2011, ch. 24)
asks a team to imagine that its forecast has failed and to say why; the
Tradecraft Primer's contrarian techniques ("What If?" analysis,
high-impact/low-probability analysis: *A Tradecraft Primer*, US Government
2009, pp. 22-25) ask the same of an analytic line. Here the failure is
counted rather than imagined, as the project's SAT reference (§4.7)
specifies: the worlds of one run are conditioned on the key judgement being
wrong, and every event, category and driver is compared between those worlds
and all of them. For an event that ``requires`` others, the high-impact/low-
probability decomposition along that chain is given too
(:attr:`Premortem.pathway`): a product of step probabilities, each counted
in the worlds.

What "wrong" means
------------------
For a scenario ``H`` at horizon ``h``: when ``H`` is the judged outcome (the
most probable scenario at ``h``, or at least 50%), the worlds not in ``H`` at
``h``; otherwise (the judgement is that ``H`` is unlikely) the worlds in
``H``. For an event: the worlds where it has not happened by the end of
``h`` if ``p >= 0.5``, else those where it has. ``wrong="absent"`` or
``"present"`` forces the direction (the worlds where the target does not
hold, or where it does).

The formulas
------------
With ``n`` worlds, ``m`` of them wrong (a share ``f = m / n``), and an
event (or a category of a categorical or yes/no driver) holding in a share
``p_w`` of the wrong worlds, ``p_r`` of the others and ``p_all = f p_w +
(1 - f) p_r`` of all:

* ``difference = p_w - p_all = (1 - f)(p_w - p_r)``;
* ``ratio = p_w / p_all`` (the lift);
* their standard errors by the delta method over the worlds, which are
  independent draws of ``(w_i, y_i)`` (wrong, holds): ``p_w`` is a ratio
  estimator ``mean(w y) / mean(w)``, whose influence is ``w (y - p_w) / f``
  (W. G. Cochran, *Sampling Techniques*, 3rd ed., 1977, §6.3); that of
  ``p_all`` is ``y - p_all``; so with ``ψ_i`` the influence of world ``i``
  on the difference, ``w_i (y_i - p_w) / f - (y_i - p_all)`` (on the ratio,
  ``w_i (y_i - p_w) / (f p_all) - p_w (y_i - p_all) / p_all²``),
  ``se = sqrt(Σ ψ_i²) / n`` (the delta method: A. Agresti, *Categorical Data
  Analysis*, 3rd ed., 2013, §16.1). These are paired: ``p_w`` and ``p_all``
  come from the same worlds, and the split ``m`` itself varies from run to
  run (a standard error that held ``m`` fixed would be too small whenever
  the event and the judgement are strongly linked);
* ``p_wrong_se`` and ``p_all_se``: the binomial ``sqrt(p (1 - p) / count)``.

A driver or derived quantity: its median and 5th and 95th percentiles in
the wrong worlds and in all, and ``shift``, the move of the median in units
of the overall interquartile range (a robust standardised location shift;
the IQR as the scale of a distribution whatever its shape: P. J. Rousseeuw
and C. Croux, *JASA* 88, 1993, 1273-1283, on robust scale). Whether it moved
beyond the Monte Carlo error is judged distribution-free: if the quantity
were independent of the judgement, the wrong worlds would be a random
subset of ``m`` of the ``n``, and the count of them below the overall
median (``k`` of all ``n`` worlds are) would be hypergeometric, mean
``m k / n`` and variance ``m (k / n)(1 - k / n)(n - m) / (n - 1)`` (W.
Feller, *An Introduction to Probability Theory*, vol. 1, 3rd ed., 1968,
§II.6); ``z`` is the observed count's standardised distance from that
mean, positive when the wrong worlds sit higher.

The median can stay put while the distribution moves: a driver with an
atom (a mixture with a constant, such as a brake that is 1, no effect, in
half the worlds) or a derived quantity capped at a bound has the same
median in the wrong worlds and in all even when the wrong worlds sit at
the atom far more often, and its ``shift`` is 0. So drivers are ranked,
and judged material, by ``a12``, Vargha and Delaney's ``A`` measure of
stochastic superiority (the common-language effect size generalised to
ties): the chance that a wrong world's value exceeds that of a world where
the judgement holds, ties counting half,

    ``a12 = P(X_w > X_o) + P(X_w = X_o) / 2 = U / (m (n - m))``,

``U = R_w - m (m + 1) / 2`` the Mann-Whitney statistic and ``R_w`` the sum
of the wrong worlds' mid-ranks among all ``n`` worlds (tied values share
the mean of their ranks), which counts every one of the ``m (n - m)``
pairs of a wrong world and another exactly (A. Vargha and H. D. Delaney,
"A critique and improvement of the CL common language effect size
statistics of McGraw and Wong", *J. Educ. Behav. Stat.* 25(2), 2000,
101-132; K. O. McGraw and S. P. Wong, *Psychol. Bull.* 111(2), 1992,
361-365; H. B. Mann and D. R. Whitney, *Ann. Math. Statist.* 18(1), 1947,
50-60). ``0.5`` is no tendency either way, ``1`` every wrong world above
every other, ``0`` every one below; it does not depend on the unit or on
any monotone transformation of the quantity, and it compares the wrong
worlds with the others (the medians and percentiles, with all). Under
independence its standard deviation is about ``sqrt((n + 1) / (12 m (n -
m)))``, under 0.005 for the usual runs (``n >= 20,000``, ``m`` not tiny):
far below the materiality threshold, :data:`MATERIAL_A12`.

A row is ``beyond_noise`` when ``|difference| > Z difference_se`` (a driver:
``|z| > Z``), ``Z = 3`` (:data:`NOISE_Z`: with a few dozen rows, 2 standard
errors would flag one or two by chance alone).

What is material enough for the sentence (library choices: the tables keep
every row): an event or category whose share moves by at least
:data:`MATERIAL` (5 points); a driver whose ``a12`` is at least
:data:`MATERIAL_A12` (0.56) or at most ``1 - 0.56``, Vargha and Delaney's
boundary between a negligible and a small effect (2000, the values 0.56,
0.64 and 0.71 for small, medium and large: the ``A`` of two normal
populations whose means are 0.2, 0.5 and 0.8 standard deviations apart,
``A = Φ(d / √2)``, Cohen's conventions for ``d``).

The effective sample size of the wrong worlds is Kish's ``(Σw)² / Σw²``
(L. Kish, *Survey Sampling*, 1965, §11.7); the store's worlds are equally
weighted, so it is ``m``. A judgement at 95% or more, or fewer than
:data:`FEW_WORLDS` wrong worlds, leaves few worlds to compare: the result
says so in :attr:`Premortem.warnings`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._types import BoolArray, FloatArray
from ..errors import did_you_mean
from ..model import Model, WorldBlock, compile_model, iter_worlds
from ..model.settings import DEFAULT_CHUNK_SIZE, MAX_WORLD_VALUES
from ..model.worlds import horizon_column
from ..scenario import Scenario, load_scenario
from ..scenario.durations import end_date, long_date
from ..words import estimative_word, get_scale
from .sensitivity import Target, feeding_drivers

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DRIVER_COLUMNS",
    "FEW_WORLDS",
    "MATERIAL",
    "MATERIAL_A12",
    "NOISE_Z",
    "PATHWAY_COLUMNS",
    "SHARE_COLUMNS",
    "Premortem",
    "premortem",
]

#: The columns of :attr:`Premortem.events`, in order.
SHARE_COLUMNS = (
    "kind",
    "name",
    "label",
    "p_wrong",
    "p_wrong_se",
    "p_all",
    "p_all_se",
    "difference",
    "difference_se",
    "ratio",
    "ratio_se",
    "beyond_noise",
)
#: The columns of :attr:`Premortem.drivers`, in order.
DRIVER_COLUMNS = (
    "kind",
    "name",
    "label",
    "median_wrong",
    "median_all",
    "q05_wrong",
    "q05_all",
    "q95_wrong",
    "q95_all",
    "shift",
    "a12",
    "z",
    "linked",
    "beyond_noise",
)
#: The columns of :attr:`Premortem.pathway`, in order.
PATHWAY_COLUMNS = ("step", "event", "label", "p_step", "p_path")
#: A difference beyond this many standard errors is beyond the Monte Carlo error.
NOISE_Z = 3.0
#: Fewer wrong worlds than this (or a judgement at :data:`FEW_SHARE` or more) gets a warning.
FEW_WORLDS = 1_000
#: A judgement this probable or more leaves few wrong worlds.
FEW_SHARE = 0.95
#: The sentence names events and categories whose share moves by at least this much (when any does).
MATERIAL = 0.05
#: The sentence names drivers whose ``a12`` is at least this or at most ``1 -`` this (Vargha and Delaney's "small").
MATERIAL_A12 = 0.56
#: The most events, categories and drivers the sentence names.
_NAMED = 3


@dataclass(frozen=True)
class Premortem:
    """The result of :func:`premortem`.

    Attributes
    ----------
    target
        The judgement's scenario or event at its horizon.
    wrong
        ``"absent"`` (the judgement fails in the worlds where the target does
        not hold) or ``"present"`` (where it does).
    forced
        Whether the caller chose ``wrong``; otherwise it follows the judgement.
    judgement
        The judgement in words: ``"“Contained and low-key” is the leading
        scenario by 1 November 2025 (unlikely, 34%)"``.
    p, word
        The target's probability over all the worlds, and its estimative word.
    worlds
        ``n``, the worlds drawn.
    wrong_worlds
        ``m``, the worlds where the judgement is wrong.
    ess
        The wrong worlds' effective sample size (Kish; ``m`` for equal weights).
    events
        Events (happened by the horizon's end) and the categories of
        categorical and yes/no drivers, columns :data:`SHARE_COLUMNS`
        (``kind`` is ``"event"`` or ``"category"``; ``name`` is the event's
        id or ``driver=category``); beyond the noise first, then by
        ``|difference|``, largest first. The target event itself is left out
        (it holds in all or none of the wrong worlds by construction).
    drivers
        Continuous drivers and derived quantities (a per-horizon one at the
        horizon), columns :data:`DRIVER_COLUMNS` (``kind`` is ``"driver"`` or
        ``"derived"``; ``linked``: whether the quantity can be related to the target at all (see :func:`_linked`);
        ``shift``: the move of the median in units of the overall IQR;
        ``a12``: the chance, 0 to 1, that a wrong world's value exceeds
        that of a world where the judgement holds, ties counting half, 0.5
        for no difference; see the module's docstring); beyond the noise first, then by ``|a12 - 0.5|``, then
        by ``|z|``. Constants are left out.
    sentence
        What most likely made the judgement wrong, in plain words: at most
        three events or categories beyond the noise whose share moves by at
        least :data:`MATERIAL` (5 points; if none does, the largest beyond
        the noise), then at most two drivers beyond the noise whose ``a12``
        is at least :data:`MATERIAL_A12` or at most ``1 -`` that (library
        choices, so that the sentence names what matters; the tables keep
        every row). A driver is said to be higher or lower (as ``a12`` is
        above or below 0.5) with its medians when they moved that way; with
        its share at its top or bottom value when the medians did not and
        that value holds at least 5% of the worlds (an atom, as
        ``“Brake” is more often at its top value (1) (70% of such worlds,
        against 60% overall)``); otherwise with ``a12`` itself.
    warnings
        ``"few worlds: ..."`` when the judgement is at 95% or more or fewer
        than :data:`FEW_WORLDS` worlds are wrong; empty otherwise.
    samples, seed
        The run's.
    pathway
        For an event that ``requires`` others: the chain of steps it needs,
        columns :data:`PATHWAY_COLUMNS`. Every event it requires, directly
        or through another, then the event itself, each after all it
        requires (otherwise in the order ``requires`` lists them): ``p_step``, its share of
        the worlds where every earlier step happened by the horizon's end,
        and ``p_path``, the product so far, the share where all of them
        did. The last ``p_path`` is ``p`` exactly (an event happens only
        after all it requires: docs/scenario-format.md), the decomposition
        of high-impact/low-probability analysis (*A Tradecraft Primer*,
        2009, p. 24; the SAT reference, §4.7). Empty for a scenario or an
        event that requires nothing.
    """

    target: Target
    wrong: str
    forced: bool
    judgement: str
    p: float
    word: str
    worlds: int
    wrong_worlds: int
    ess: float
    events: pd.DataFrame
    drivers: pd.DataFrame
    sentence: str
    warnings: tuple[str, ...]
    samples: int
    seed: int
    pathway: pd.DataFrame


def premortem(
    scenario: Model | Scenario | str | Path,
    target: str | Target,
    horizon: str | None = None,
    *,
    samples: int = 100_000,
    seed: int = 0,
    wrong: str | None = None,
    blocks: Iterable[WorldBlock] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    sampler: str = "random",
    scale: str = "icd203",
) -> Premortem:
    """If a key judgement is wrong, what most likely made it so: events, categories and drivers ranked.

    Parameters
    ----------
    scenario
        A Scenario, or a Model from :func:`~outlook.compile_model`.
    target
        The judgement's scenario or event: ``"contained"`` with ``horizon``,
        or ``"contained@short"`` (``scenario:ID`` or ``event:ID`` when a
        scenario and an event share an id), or a
        :class:`~outlook.analysis.sensitivity.Target`.
    horizon
        The horizon's id, unless ``target`` names it.
    samples, seed, chunk_size, sampler
        As for :func:`~outlook.simulate`.
    wrong
        ``"absent"`` or ``"present"``: force which worlds count as wrong
        (see the module's docstring); by default they follow the judgement.
    blocks
        The run's worlds, if already at hand (:func:`~outlook.model.iter_worlds`);
        drawn (``samples``, ``seed``) otherwise.
    scale
        The scale of estimative words (:data:`outlook.words.SCALES`).

    Returns
    -------
    Premortem
        Probabilities are shares of worlds (0 to 1); a driver's percentiles
        are in its own unit; ``shift`` is in units of its overall IQR;
        ``a12`` is a probability (0 to 1, 0.5 for no difference).

    Raises
    ------
    ValueError
        For an unknown scenario, event or horizon (naming those that
        exist), a derived quantity as the target, a bad ``wrong``, bad
        counts, or more values than :data:`~outlook.model.settings.MAX_WORLD_VALUES`
        (the worlds' drivers and derived quantities are held in memory).
    SimulationError
        As :func:`~outlook.simulate`.

    Examples
    --------
    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(events={"a": {"rate": 0.7}, "b": {"rate": 0.7}}, rules={"neither": "not a and not b"})
    >>> pm = premortem(s, "neither", "soon", samples=20_000, seed=1, wrong="absent")
    >>> pm.events.set_index("name").loc[["a", "b"], "p_wrong"].round(2).tolist()  # (1 - e^-0.7) / (1 - e^-1.4)
    [0.67, 0.67]
    """
    if isinstance(scenario, str | Path):  # a file or a bundled scenario's id, as update() takes
        scenario = load_scenario(scenario)
    if wrong not in (None, "absent", "present"):
        raise ValueError(f"wrong must be 'absent' or 'present' (got {wrong!r})")
    get_scale(scale)
    model = compile_model(scenario) if isinstance(scenario, Scenario) else scenario
    s = model.scenario
    tgt = _resolve(s, target, horizon)
    keys = _quantity_keys(model, tgt.horizon)
    if samples * max(len(keys), 1) > MAX_WORLD_VALUES:
        msg = (
            f"samples must be at most {MAX_WORLD_VALUES // max(len(keys), 1):,} for a premortem of this model "
            f"(got {samples:,}): it holds every driver and derived quantity of every world in memory"
        )
        raise ValueError(msg)
    if blocks is None:
        blocks = iter_worlds(model, samples=samples, seed=seed, chunk_size=chunk_size, sampler=sampler)
    labels, happened, values = _collect(model, tgt.horizon, blocks, keys)
    hi = [h.id for h in s.horizons].index(tgt.horizon)
    if tgt.kind == "scenario":
        hold = labels == [r.id for r in s.rules].index(tgt.id)
    else:
        hold = happened[tgt.id]
    n = int(hold.size)
    p = float(hold.mean())
    shares = np.bincount(labels, minlength=len(s.rules)) / n
    judged_present = p >= 0.5 or (tgt.kind == "scenario" and p == float(shares.max()))
    direction = wrong or ("absent" if judged_present else "present")
    w = ~hold if direction == "absent" else hold
    m = int(np.count_nonzero(w))
    events = _share_table(s, tgt, happened, values, w)
    drivers, moves = _driver_table(model, tgt, keys, values, w)
    date = _long_date(s, hi)
    p_judged = p if direction == "absent" else 1.0 - p
    judgement = _judgement(s, tgt, direction, date, p_judged, estimative_word(p_judged, scale), shares)
    head = _head(s, tgt, direction, date)
    sentence = _sentence(head, events, drivers, moves, n, m)
    warnings = _warnings(judgement, p_judged, n, m)
    word = estimative_word(p, scale)
    return Premortem(
        tgt,
        direction,
        wrong is not None,
        judgement,
        p,
        word,
        n,
        m,
        float(m),
        events,
        drivers,
        sentence,
        warnings,
        n,
        seed,
        _pathway(s, tgt, happened),
    )


def _pathway(s: Scenario, tgt: Target, happened: dict[str, BoolArray]) -> pd.DataFrame:
    """:attr:`Premortem.pathway`: the events an event requires, then itself, each given the steps before."""
    import pandas as pd

    if tgt.kind != "event" or not s.event(tgt.id).requires:
        return pd.DataFrame(columns=list(PATHWAY_COLUMNS))
    order: list[str] = []

    def visit(eid: str) -> None:  # depth first: what an event requires comes before it
        for r in s.event(eid).requires:
            if r not in order:
                visit(r)
        if eid not in order:
            order.append(eid)

    visit(tgt.id)
    rows = []
    so_far = np.ones(next(iter(happened.values())).size, dtype=bool)
    for i, eid in enumerate(order, start=1):
        before = int(np.count_nonzero(so_far))
        so_far = so_far & happened[eid]
        p_step = np.count_nonzero(so_far) / before if before else math.nan
        rows.append((i, eid, s.event(eid).label or eid, p_step, np.count_nonzero(so_far) / so_far.size))
    return pd.DataFrame(rows, columns=list(PATHWAY_COLUMNS))


def _resolve(s: Scenario, target: str | Target, horizon: str | None) -> Target:
    """The judgement's target from its text and horizon, or a ValueError naming what exists."""
    horizons = [h.id for h in s.horizons]
    if isinstance(target, Target):
        if not target.is_probability:
            raise ValueError(
                f"premortem needs a scenario or event at a horizon, not the derived quantity {target.id!r}"
            )
        text, horizon = f"{target.kind}:{target.id}", target.horizon
    else:
        text = target.strip()
    name, at, named = text.partition("@")
    if at and horizon is not None and named != horizon:
        raise ValueError(f"target {text!r} names horizon {named!r} but horizon is {horizon!r}")
    hz = horizon if horizon is not None else named
    kind = ""
    if ":" in name:
        kind, _, name = name.partition(":")
        if kind not in ("scenario", "event"):
            raise ValueError(f"target {text!r}: write scenario:ID or event:ID (got {kind!r})")
    scenarios = [r.id for r in s.rules]
    events = [e.id for e in s.events]
    found = [k for k, ids in (("scenario", scenarios), ("event", events)) if name in ids and kind in ("", k)]
    if not found:
        listed = f"scenarios are {', '.join(scenarios)}" + (f"; events are {', '.join(events)}" if events else "")
        if name in [d.id for d in s.derived] or name in [d.id for d in s.drivers]:
            raise ValueError(f"premortem needs a scenario or event as the judgement, not {name!r}; {listed}")
        hint = did_you_mean(name, [*scenarios, *events] if not kind else scenarios if kind == "scenario" else events)
        raise ValueError(f"premortem: no scenario or event {name!r}; {listed}{_period(hint)}")
    if len(found) > 1:
        raise ValueError(f"premortem: {name!r} is both a scenario and an event; write scenario:{name} or event:{name}")
    if not hz:
        raise ValueError(f"premortem: {name!r} needs a horizon ({name}@HORIZON); horizons are {', '.join(horizons)}")
    if hz not in horizons:
        raise ValueError(
            f"premortem: no horizon {hz!r}; horizons are {', '.join(horizons)}{_period(did_you_mean(hz, horizons))}"
        )
    return Target(found[0], name, hz)


def _period(hint: str) -> str:
    """``". Did you mean 'x'?"`` after a message, or nothing without a suggestion (the message unchanged)."""
    return f".{hint}" if hint else ""


def _quantity_keys(model: Model, horizon: str) -> list[tuple[str, str, str]]:
    """``(kind, id, key in WorldBlock.values)`` of every non-constant driver and every derived quantity."""
    s = model.scenario
    out = [("driver", d.id, d.id) for d in s.drivers if d.kind != "constant"]
    for dv in s.derived:
        key = horizon_column(dv.id, horizon) if dv.id in model.per_horizon else dv.id
        out.append(("derived", dv.id, key))
    return out


def _collect(
    model: Model, horizon: str, blocks: Iterable[WorldBlock], keys: list[tuple[str, str, str]]
) -> tuple[np.ndarray, dict[str, BoolArray], dict[str, FloatArray]]:
    """Every world's scenario at the horizon, which events happened by its end, and the quantities' values."""
    s = model.scenario
    hi = [h.id for h in s.horizons].index(horizon)
    end = float(model.horizon_ends[hi])
    labels: list[np.ndarray] = []
    happened: dict[str, list[BoolArray]] = {e.id: [] for e in s.events}
    values: dict[str, list[FloatArray]] = {key: [] for _, _, key in keys}
    for block in blocks:
        labels.append(np.asarray(block.labels[hi]))
        for e in s.events:
            happened[e.id].append(block.times[e.id] <= end)
        for _, _, key in keys:
            values[key].append(np.asarray(block.values[key], dtype=np.float64))
    if not labels:
        raise ValueError("premortem needs at least one world (blocks was empty)")
    return (
        np.concatenate(labels),
        {k: np.concatenate(v) for k, v in happened.items()},
        {k: np.concatenate(v) for k, v in values.items()},
    )


def _share_row(kind: str, name: str, label: str, y: BoolArray, w: BoolArray) -> tuple[object, ...]:
    """One row of :data:`SHARE_COLUMNS`: a yes/no property of the worlds, in the wrong worlds and in all.

    The standard errors of the difference and the ratio are the delta
    method's over the worlds (see the module's docstring): the mean of the
    squared influence of each of the four kinds of world, over ``n``.
    """
    n, m = y.size, int(np.count_nonzero(w))
    a, b = int(np.count_nonzero(y)), int(np.count_nonzero(y & w))
    f = m / n
    p_all, p_w = a / n, b / m
    counts = np.array([b, m - b, a - b, n - m - (a - b)], dtype=np.float64)  # (w, y): 11, 10, 01, 00
    yy, ww = np.array([1.0, 0.0, 1.0, 0.0]), np.array([1.0, 1.0, 0.0, 0.0])
    inner = ww * (yy - p_w) / f  # the influence of a world on p_w
    diff = p_w - p_all
    diff_se = math.sqrt(float(counts @ (inner - (yy - p_all)) ** 2) / n**2)
    if p_all > 0:
        ratio = p_w / p_all
        ratio_se = math.sqrt(float(counts @ (inner / p_all - p_w * (yy - p_all) / p_all**2) ** 2) / n**2)
    else:
        ratio = ratio_se = math.nan
    beyond = bool(abs(diff) > NOISE_Z * diff_se)
    se_w, se_all = math.sqrt(p_w * (1 - p_w) / m), math.sqrt(p_all * (1 - p_all) / n)
    return (kind, name, label, p_w, se_w, p_all, se_all, diff, diff_se, ratio, ratio_se, beyond)


def _share_table(
    s: Scenario, tgt: Target, happened: dict[str, BoolArray], values: dict[str, FloatArray], w: BoolArray
) -> pd.DataFrame:
    """:attr:`Premortem.events`: every event (the target's own left out) and every category, ranked."""
    import pandas as pd

    rows: list[tuple[object, ...]] = []
    if w.any():
        for e in s.events:
            if not (tgt.kind == "event" and e.id == tgt.id):
                rows.append(_share_row("event", e.id, e.label or e.id, happened[e.id], w))
        for d in s.drivers:
            cats = d.categories or (("no", "yes") if d.kind == "yes/no" else None)
            for i, c in enumerate(cats or ()):
                rows.append(_share_row("category", f"{d.id}={c}", d.label or d.id, values[d.id] == i, w))
    t = pd.DataFrame(rows, columns=list(SHARE_COLUMNS))
    t = t.assign(_abs=t["difference"].abs()).sort_values(["beyond_noise", "_abs"], ascending=False, kind="stable")
    return t.drop(columns="_abs").reset_index(drop=True)


def _shift_z(x: FloatArray, w: BoolArray, median: float) -> float:
    """The standardised count of wrong worlds below the overall median (hypergeometric), sign flipped."""
    n, m = x.size, int(np.count_nonzero(w))
    below = x < median
    k = int(np.count_nonzero(below))
    if k in (0, n):  # ties at the median: count those at or below it
        below = x <= median
        k = int(np.count_nonzero(below))
    if k in (0, n) or m in (0, n):
        return 0.0
    var = m * (k / n) * (1 - k / n) * (n - m) / (n - 1)
    return float((m * k / n - np.count_nonzero(below & w)) / math.sqrt(var))


def _a12(x: FloatArray, w: BoolArray) -> float:
    """Vargha and Delaney's ``A``, ``P(x_w > x_o) + P(x_w = x_o) / 2`` over all pairs; NaN if a side is empty.

    ``U / (m (n - m))`` with ``U = R_w - m (m + 1) / 2``, ``R_w`` the sum of
    the mid-ranks (1 to ``n``; tied values share the mean of their ranks)
    of the ``m`` worlds in ``w``: exactly the pairwise count, in one sort.
    """
    n, m = x.size, int(np.count_nonzero(w))
    if m in (0, n):
        return math.nan
    order = np.argsort(x)  # any order among ties: they share one mid-rank
    xs = x[order]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(xs[1:], xs[:-1], out=new[1:])
    starts = np.flatnonzero(new)  # 0-based first position of each run of equal values
    ends = np.append(starts[1:], n)  # one past its last
    mid = (starts + ends + 1) / 2.0  # the mean of the 1-based ranks start + 1 .. end
    ranks = mid[np.cumsum(new) - 1]
    r_w = float(ranks[w[order]].sum())  # half-integers: the sum is exact below 2^52
    return (r_w - m * (m + 1) / 2.0) / (m * (n - m))


#: An extreme value held by at least this share of the worlds is an atom the sentence may describe.
_ATOM = 0.05


def _moved(label: str, x: FloatArray, w: BoolArray, wmed: float, med: float, a12: float) -> str:
    """How a driver or derived quantity sits higher or lower in the wrong worlds, in words that hold.

    The direction is ``a12``'s. The evidence, the first that agrees with it
    and shows a difference at the precision printed: the medians; else the
    share of the worlds at the top or bottom value, when that value holds
    at least :data:`_ATOM` of them (a mixture with a constant, a quantity
    capped at a bound); else ``a12`` itself. Never a median that did not move.
    """
    up = a12 > 0.5
    way = "higher" if up else "lower"
    mw, ma = f"{wmed:.3g}", f"{med:.3g}"
    if (wmed > med if up else wmed < med) and mw != ma:
        return f"“{label}” is {way} (median {mw} against {ma} overall)"
    for end, where in ((float(x.max()), "top"), (float(x.min()), "bottom")):
        at = x == end
        p_all, p_w = float(at.mean()), float(at[w].mean())
        more = p_w > p_all
        if p_all >= _ATOM and more == (up == (where == "top")) and f"{p_w:.0%}" != f"{p_all:.0%}":
            often = "more" if more else "less"
            return (
                f"“{label}” is {often} often at its {where} value ({end:.3g}) "
                f"({p_w:.0%} of such worlds, against {p_all:.0%} overall)"
            )
    p = a12 if up else 1.0 - a12
    return (
        f"“{label}” tends to be {way} (taking a world where the judgement is wrong and one where it holds, "
        f"it is {way} in the first {p:.0%} of the time, ties counting half)"
    )


def _driver_table(
    model: Model, tgt: Target, keys: list[tuple[str, str, str]], values: dict[str, FloatArray], w: BoolArray
) -> tuple[pd.DataFrame, dict[str, str]]:
    """:attr:`Premortem.drivers` (every continuous driver and derived quantity, ranked by ``|a12 - 0.5|``).

    With, by name, how each moved in words (:func:`_moved`; for those
    whose ``a12`` is not 0.5), for the sentence.
    """
    import pandas as pd

    s = model.scenario
    linked = _linked(model, tgt)
    labels = {d.id: d.label for d in s.drivers} | {d.id: d.label for d in s.derived}
    rows: list[tuple[object, ...]] = []
    moves: dict[str, str] = {}
    for kind, name, key in keys if w.any() else ():
        if kind == "driver" and s.driver(name).kind != "continuous":
            continue  # categories and yes/no are shares (the events table)
        x = values[key]
        if float(np.ptp(x)) == 0.0:
            continue
        q05, q25, med, q75, q95 = (float(v) for v in np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95]))
        w05, wmed, w95 = (float(v) for v in np.quantile(x[w], [0.05, 0.5, 0.95]))
        shift = (wmed - med) / (q75 - q25) if q75 > q25 else math.nan
        a12 = _a12(x, w)
        z = _shift_z(x, w, med)
        tied = f"{kind}:{name}" in linked
        label = labels[name] or name
        row = (kind, name, label, wmed, med, w05, q05, w95, q95, shift, a12, z, tied, abs(z) > NOISE_Z)
        rows.append(row)
        if a12 != 0.5 and not math.isnan(a12):
            moves[name] = _moved(label, x, w, wmed, med, a12)
    t = pd.DataFrame(rows, columns=list(DRIVER_COLUMNS))
    order = t.assign(_abs=(t["a12"] - 0.5).abs().fillna(-1.0), _z=t["z"].abs())
    order = order.sort_values(["beyond_noise", "_abs", "_z"], ascending=False, kind="stable")
    return order.drop(columns=["_abs", "_z"]).reset_index(drop=True), moves


def _linked(model: Model, tgt: Target) -> frozenset[str]:
    """The drivers and derived quantities (graph keys) whose values can be related to the target at all.

    A driver that feeds the target, or is correlated with one that does
    (:func:`~outlook.analysis.sensitivity.feeding_drivers`); a derived
    quantity the target reads, or one computed from such a driver. Any other
    is independent of the judgement: its shift is noise.
    """
    from ..model.graph import dependency_graph

    s = model.scenario
    graph = dependency_graph(s)
    keys = {tgt.key}
    if tgt.kind == "scenario":  # a world takes the first rule that holds: the earlier rules count too
        ids = [r.id for r in s.rules]
        keys |= {f"scenario:{r}" for r in ids[: ids.index(tgt.id) + 1]}
    wanted = graph.upstream(keys)
    drivers = {f"driver:{d}" for d in feeding_drivers(model, tgt)}
    derived = {
        f"derived:{d.id}"
        for d in s.derived
        if f"derived:{d.id}" in wanted or graph.upstream(f"derived:{d.id}") & drivers
    }
    return frozenset(drivers | derived)


def _long_date(s: Scenario, hi: int) -> str:
    """The end of horizon ``hi`` as a reader writes it, ``1 November 2025`` (as :func:`outlook.display.long_date`)."""
    d = end_date(s.as_of, s.horizons[hi].until)
    if d is None:  # the loader refuses a horizon past 9999; keep its words
        return f"the end of {s.horizons[hi].label or s.horizons[hi].id}"
    return long_date(d)


def _label(s: Scenario, tgt: Target) -> str:
    if tgt.kind == "scenario":
        r = next(r for r in s.rules if r.id == tgt.id)
        return r.label or r.id
    e = next(e for e in s.events if e.id == tgt.id)
    return e.label or e.id


def _judgement(s: Scenario, tgt: Target, wrong: str, date: str, p: float, word: str, shares: FloatArray) -> str:
    """The judgement that fails in the wrong worlds, in words, with its probability (``p``) and word."""
    label = _label(s, tgt)
    said = f"({word}, {p:.0%})"
    if tgt.kind == "scenario":
        if wrong == "present":
            return f"the outcome by {date} is not “{label}” {said}"
        idx = [r.id for r in s.rules].index(tgt.id)
        top = ", the leading scenario" if shares[idx] == shares.max() and len(shares) > 1 else ""
        return f"the outcome by {date} is “{label}” {said}{top}"
    if wrong == "present":
        return f"“{label}” does not happen by {date} {said}"
    return f"“{label}” happens by {date} {said}"


def _head(s: Scenario, tgt: Target, wrong: str, date: str) -> str:
    """The sentence's condition: ``If “Contained” is wrong by 1 November 2025``."""
    label = _label(s, tgt)
    if tgt.kind == "scenario":
        return (
            f"If “{label}” is wrong by {date}"
            if wrong == "absent"
            else f"If the outcome by {date} is “{label}” after all"
        )
    return (
        f"If “{label}” has not happened by {date}" if wrong == "absent" else f"If “{label}” happens by {date} after all"
    )


def _reason(row: Mapping[Hashable, Any]) -> str | None:
    """One event or category that stands out in the wrong worlds, in words (``None`` if it says nothing).

    A category (of a driver, drawn before anything happens) reads as a cause;
    an event as an association: "happened more often", since it may as well
    be a consequence of the outcome (an event ``after:`` the defining one).
    """
    label, name = str(row["label"]), str(row["name"])
    pw, pa, diff = float(row["p_wrong"]), float(row["p_all"]), float(row["difference"])
    if row["kind"] == "category":
        if diff <= 0:
            return None  # a category less often is another more often
        return f"“{label}” was {name.split('=', 1)[1]} ({pw:.0%} of such worlds, against {pa:.0%} overall)"
    way = "more" if diff > 0 else "less"
    return f"“{label}” happened {way} often ({pw:.0%} of them, against {pa:.0%} overall)"


def _sentence(head: str, events: pd.DataFrame, drivers: pd.DataFrame, moves: Mapping[str, str], n: int, m: int) -> str:
    """What stands out in the worlds where the judgement is wrong: causes, then associations.

    Drivers and categories (drawn at the start, upstream of the judgement)
    are said "most likely because" (a driver in the words of ``moves``, by
    name: :func:`_moved`), drawn drivers before derived quantities (which
    are computed from drivers and so restate them: an analyst questions a
    driver's range, not a product of several); events only "in those worlds ...
    happened more often": an event can follow the defining one (a
    consequence, e.g. ``after: {walkout: 4}``), and a share cannot tell.
    """
    if m == 0:
        return f"{head}: in none of the {n:,} worlds is it so; there is nothing to compare (draw more worlds)."
    found = events.loc[events["beyond_noise"].astype(bool)]
    material = found.loc[found["difference"].abs() >= MATERIAL]
    rows = (material if not material.empty else found.head(1)).to_dict("records")
    named = [(row["kind"], r) for row in rows if (r := _reason(row))][:_NAMED]
    a12 = drivers["a12"]
    keep = drivers["beyond_noise"].astype(bool) & ((a12 >= MATERIAL_A12) | (a12 <= 1.0 - MATERIAL_A12))
    causes = [r for kind, r in named if kind == "category"]
    material_drivers = drivers.loc[keep]
    drawn_first = material_drivers.sort_values(
        "kind", key=lambda k: (k != "driver").astype(int), kind="stable"
    )  # a drawn driver before the derived quantities computed from drivers, each group in a12 order
    causes += [moves[str(name)] for name in drawn_first["name"].head(_NAMED - 1)]
    also = [r for kind, r in named if kind != "category"]
    if not causes and not also:
        return f"{head}, nothing stands out beyond the Monte Carlo error: such worlds look like the rest."
    out = f"{head}, it is most likely because {_either(causes, 'and')}." if causes else ""
    if also:
        out += (" In those worlds, also, " if causes else f"{head}, in those worlds ") + _either(also, "and")
        out += ", an association only: such an event may be a cause or a consequence."
    return out


def _either(parts: list[str], conj: str) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + f" {conj} " + parts[-1]


def _warnings(judgement: str, p_judged: float, n: int, m: int) -> tuple[str, ...]:
    """``("few worlds: ...",)`` when the wrong worlds are few, else ``()``."""
    if p_judged < FEW_SHARE and m >= FEW_WORLDS:
        return ()
    why = f"the judgement is at {p_judged:.1%}" if p_judged >= FEW_SHARE else "the judgement is rarely wrong"
    return (
        f"few worlds: only {m:,} of {n:,} worlds ({m / n:.1%}) have it wrong ({why}: {judgement}); "
        f"the shares and shifts below rest on those {m:,} worlds (effective sample size {m:,}); "
        "draw more worlds (samples) for a firmer answer",
    )
