"""Alternative futures (2x2 grids) and the cone of plausibility, counted over the worlds of a run.

Owns :func:`futures` (the quadrants of the ``futures:`` block's axes) and
:func:`cone` (per horizon: the baseline, the plausible alternatives, the
cone's width and the wildcards). Never plots, never prints, never reads
files (a path or a bundled id is loaded, as :func:`~outlook.premortem` does).

Alternative futures
-------------------
The Tradecraft Primer's "Alternative Futures Analysis" (*A Tradecraft
Primer*, US Government 2009, p. 34) crosses two key uncertainties into four
futures; Heuer and Pherson's Multiple Scenarios Generation crosses every
pair of n (R. J. Heuer and R. H. Pherson, *Structured Analytic Techniques
for Intelligence Analysis*, 2nd ed., 2015, ch. 6). Here each axis is a
condition evaluated in every world at the block's horizon
(:func:`~outlook.model.observables.evaluate_observable`), so for each pair
of axes (a, b):

* a quadrant's probability p is the share of worlds on its two sides, with
  the binomial standard error sqrt(p (1 - p) / n) and its estimative word;
  the four of a pair sum to 1; one under :data:`IMPLAUSIBLE` is flagged
  ``implausible combination: rethink the axes``;
* the axes' association is the phi coefficient of the 2x2 table,
  phi = (p11 p00 - p10 p01) / sqrt(p1. p0. p.1 p.0) (Pearson's correlation of
  two 0/1 variables; Yule 1912); |phi| > :data:`PHI_WARN` warns
  ``axes are not independent: expect near-empty quadrants``; NaN when an
  axis is always or never true;
* the cross-tab gives, per quadrant and scenario at the horizon, the joint
  share and the scenario's share within the quadrant;
* the top indicators of each quadrant (when the file states ``indicators:``)
  are those most diagnostic of it, by the likelihood ratio of seeing the
  indicator, LR+ = P(I | quadrant) / P(I | not quadrant), counted over the
  same worlds with the indicator read at the block's horizon as
  :func:`~outlook.indicators` reads it (Heuer and Pherson's Indicators
  Validator keeps as diagnostic an indicator likely in one scenario and
  unlikely in the others; the project's SAT reference, §4.4 and §4.6): at
  most :data:`TOP_INDICATORS`, largest LR+ first, each above the
  non-diagnostic band (LR+ > 1.25, :data:`~outlook.analysis.indicators.NON_DIAGNOSTIC`);
  an indicator that holds in the quadrant and never outside it (LR+
  unbounded, shown NaN with a note) ranks first.

The cone of plausibility
------------------------
(SecAlliance, "The cone of plausibility", 2022; the project's SAT
reference, section 4.6.) Per horizon, with p_k the scenarios' shares:

* the baseline is the leading scenario;
* the plausible alternatives are the fewest scenarios, largest first, whose
  shares sum to at least :data:`COVER` (``k90`` of them);
* the width is the normalised entropy -sum p_k ln p_k / ln K over the K
  scenarios of the file (Shannon 1948): 0 when one scenario is certain,
  1 when all are equally likely; NaN for one scenario;
* the wildcards are the events and scenarios the file marks
  ``impact: high`` whose probability by the horizon is under :data:`WILDCARD`,
  but not a scenario already among the plausible alternatives, nor an event
  that a high-impact scenario consists of (``when: e``: one outcome, listed
  once, as the scenario).

Scenarios defined by events that have happened accumulate worlds as time
passes: when the width falls from one horizon to the next while the
baseline's share grows, the note says so (one absorbing scenario
dominates) rather than hiding it. With K = 2 the cone degenerates to one
probability, and the note says that too.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._types import FloatArray, IntArray
from ..model import DEFAULT_CHUNK_SIZE, Model, WorldBlock, compile_model, iter_worlds
from ..model.observables import evaluate_observable
from ..scenario import Scenario, load_scenario
from ..words import estimative_word, get_scale

if TYPE_CHECKING:
    import pandas as pd

    from ..tables import Tables

__all__ = [
    "COVER",
    "FUTURE_INDICATOR_COLUMNS",
    "IMPLAUSIBLE",
    "MAX_AXES",
    "PHI_WARN",
    "TOP_INDICATORS",
    "WILDCARD",
    "Cone",
    "AlternativeFutures",
    "cone",
    "futures",
    "phi",
]

#: a quadrant with a probability under this is flagged "implausible combination"
IMPLAUSIBLE = 0.01
#: |phi| above this warns that the axes are not independent
PHI_WARN = 0.3
#: the plausible alternatives cover at least this share of the worlds
COVER = 0.9
#: a high-impact event or scenario under this probability is a wildcard
WILDCARD = 0.1
#: at most this many axes (2**MAX_AXES joint cells are counted)
MAX_AXES = 8
#: at most this many indicators are listed for each quadrant
TOP_INDICATORS = 3
IMPLAUSIBLE_FLAG = "implausible combination: rethink the axes"
DEPENDENT_WARNING = "axes are not independent: expect near-empty quadrants"


@dataclass(frozen=True)
class AlternativeFutures:
    """What :func:`futures` finds.

    Attributes
    ----------
    quadrants
        One row per pair of axes and quadrant: ``pair`` (``"a x b"``),
        ``quadrant`` (``"a_high.b_low"``), ``a``, ``a_label``, ``b``,
        ``b_label``, ``p``, ``se``, ``word``, ``flag``, ``narrative`` and
        ``top_indicators`` (the ids of its top indicators, comma-separated, or ``""``).
    associations
        One row per pair: ``a``, ``b``, ``phi``, ``warning``.
    crosstab
        One row per pair, quadrant and scenario: ``p`` (joint share) and
        ``share`` (P(scenario | quadrant); NaN for an empty quadrant).
    warnings
        Every warning, one sentence each.
    indicators
        The top indicators of each quadrant (see the module's docstring): one
        row per pair, quadrant and indicator listed, ``pair``, ``quadrant``,
        ``rank`` (1 first), ``indicator``, ``label``, ``p_given`` = P(I | quadrant),
        ``p_given_not`` = P(I | not quadrant), ``lr_pos`` (NaN when unbounded)
        and ``note``; empty when the file states no indicators.
    """

    horizon: str
    samples: int
    quadrants: pd.DataFrame
    associations: pd.DataFrame
    crosstab: pd.DataFrame
    warnings: tuple[str, ...] = field(default=())
    indicators: pd.DataFrame | None = None


@dataclass(frozen=True)
class Cone:
    """What :func:`cone` finds.

    Attributes
    ----------
    table
        One row per horizon: ``horizon``, ``baseline``, ``baseline_p``,
        ``alternatives`` (ids, largest first, comma separated), ``k90``,
        ``width``, ``wildcards`` (ids with their probability) and ``note``.
    shares
        One row per horizon and scenario: ``p`` and ``se``.
    """

    samples: int
    table: pd.DataFrame
    shares: pd.DataFrame
    notes: tuple[str, ...] = field(default=())


def phi(p11: float, p10: float, p01: float, p00: float) -> float:
    """The phi coefficient of a 2x2 table of probabilities (or counts); NaN when a margin is 0.

    phi = (p11 p00 - p10 p01) / sqrt((p11 + p10)(p01 + p00)(p11 + p01)(p10 + p00)):
    Pearson's correlation of two 0/1 variables (Yule 1912).

    >>> round(phi(0.4, 0.1, 0.1, 0.4), 2)
    0.6
    """
    d = (p11 + p10) * (p01 + p00) * (p11 + p01) * (p10 + p00)
    return float("nan") if d <= 0 else (p11 * p00 - p10 * p01) / math.sqrt(d)


def _model(scenario: Scenario | Model | str | Path) -> Model:
    if isinstance(scenario, str | Path):
        scenario = load_scenario(scenario)
    return compile_model(scenario) if isinstance(scenario, Scenario) else scenario


def _blocks(
    model: Model,
    samples: int,
    seed: int,
    chunk_size: int,
    blocks: Iterable[WorldBlock] | None,
    sampler: str = "random",
) -> Iterable[WorldBlock]:
    if blocks is not None:
        return blocks
    return iter_worlds(model, samples=samples, seed=seed, chunk_size=chunk_size, sampler=sampler)


def futures(
    scenario: Scenario | Model | str | Path,
    *,
    samples: int = 20_000,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    blocks: Iterable[WorldBlock] | None = None,
    scale: str = "icd203",
    sampler: str = "random",
) -> AlternativeFutures:
    """The quadrants of the ``futures:`` block's axes, every pair of them, over the worlds of a run.

    Parameters
    ----------
    scenario
        A Scenario with a ``futures:`` block, a Model, a file's path or a bundled id.
    samples, seed, chunk_size, sampler
        As for :func:`~outlook.simulate`.
    blocks
        The run's worlds, if already at hand (:func:`~outlook.model.iter_worlds`).
    scale
        The scale of estimative words (:data:`outlook.words.SCALES`).

    Returns
    -------
    AlternativeFutures
        Probabilities are shares of worlds (0 to 1); phi is in [-1, 1].

    Raises
    ------
    ValueError
        When the scenario states no ``futures:`` block, or has more than
        :data:`MAX_AXES` axes.

    Examples
    --------
    >>> from outlook.testing import tiny_scenario
    >>> axes = {"a": {"when": "a", "high": "A", "low": "no A"}, "b": {"when": "b", "high": "B", "low": "no B"}}
    >>> s = tiny_scenario(outlook=1.1, events={"a": {"rate": 0.7}, "b": {"rate": 0.7}},
    ...                   futures={"horizon": "soon", "axes": axes})
    >>> f = futures(s, samples=20_000, seed=1)
    >>> f.quadrants["quadrant"].tolist()
    ['a_high.b_high', 'a_high.b_low', 'a_low.b_high', 'a_low.b_low']
    >>> bool((f.quadrants["p"] - 0.25).abs().max() < 0.01)  # each about (1 - e^-0.7) e^-0.7 = 0.25
    True
    """
    get_scale(scale)
    model = _model(scenario)
    s = model.scenario
    block = s.futures
    if block is None:
        raise ValueError(f"scenario {s.id!r} states no 'futures:' block: nothing to cross")
    ids = [h.id for h in s.horizons]
    if block.horizon not in ids:  # a Scenario made by hand (dataclasses.replace) can leave it dangling
        raise ValueError(f"the futures: block's horizon {block.horizon!r} is not one of {', '.join(ids)}")
    if len(block.axes) > MAX_AXES:
        raise ValueError(f"at most {MAX_AXES} axes (got {len(block.axes)})")
    counts, seen = _joint_counts(model, _blocks(model, samples, seed, chunk_size, blocks, sampler))
    return _futures_tables(s, counts, scale, seen)


def _joint_counts(model: Model, blocks: Iterable[WorldBlock]) -> tuple[IntArray, IntArray]:
    """Worlds per joint cell (bit i set: axis i high) and scenario, shape ``(2**n_axes, n_scenarios)``;
    and per indicator and joint cell where the indicator holds, shape ``(n_indicators, 2**n_axes)``."""
    s = model.scenario
    assert s.futures is not None
    hi = [h.id for h in s.horizons].index(s.futures.horizon)
    n = len(s.futures.axes)
    k = len(s.rules)
    counts = np.zeros((2**n, k), dtype=np.int64)
    seen = np.zeros((len(s.indicators), 2**n), dtype=np.int64)
    for b in blocks:
        code = np.zeros(b.labels.shape[1], dtype=np.int64)
        for i, axis in enumerate(s.futures.axes):
            code |= evaluate_observable(model, axis.when, b, hi).astype(np.int64) << i
        np.add.at(counts, (code, b.labels[hi]), 1)
        for i, ind in enumerate(s.indicators):
            seen[i] += np.bincount(code[evaluate_observable(model, ind.observable, b, hi)], minlength=2**n)
    return counts, seen


def _top_indicators(
    s: Scenario, seen: IntArray, cell: IntArray, mask: np.ndarray, axes: frozenset[str]
) -> list[dict[str, Any]]:
    """The indicators most diagnostic of one quadrant (``mask`` over the joint cells), largest LR+ first.

    ``axes``: the names the quadrant's two axes read; an indicator that reads
    only those is noted as definitional (part of the quadrant's definition,
    not a signpost upstream of it).
    """
    from .indicators import NON_DIAGNOSTIC

    total, n_q = int(cell.sum()), int(cell[mask].sum())
    if not n_q or not len(s.indicators):
        return []
    found = []
    for i, ind in enumerate(s.indicators):
        k_in, k_all = int(seen[i, mask].sum()), int(seen[i].sum())
        p = k_in / n_q
        q = (k_all - k_in) / (total - n_q) if total > n_q else math.nan
        lr = p / q if q > 0 else (math.inf if p > 0 and q == 0 else math.nan)
        if not lr > NON_DIAGNOSTIC[1]:
            continue
        notes = ["never seen outside this quadrant: LR+ is unbounded (NaN)"] if math.isinf(lr) else []
        read = ind.observable.names | ind.observable.times_read
        if read and read <= axes:
            notes.append("definitional: the observable reads only what the quadrant's axes read")
        note = "; ".join(notes)
        found.append(
            (
                -lr,
                i,
                {
                    "indicator": ind.id,
                    "label": ind.label,
                    "p_given": p,
                    "p_given_not": q,
                    "lr_pos": lr if math.isfinite(lr) else math.nan,
                    "note": note,
                },
            )
        )
    found.sort(key=lambda x: (x[0], x[1]))
    return [{"rank": r + 1, **row} for r, (_, _, row) in enumerate(found[:TOP_INDICATORS])]


def _futures_tables(s: Scenario, counts: IntArray, scale: str, seen: IntArray) -> AlternativeFutures:
    import pandas as pd

    assert s.futures is not None
    axes = s.futures.axes
    total = int(counts.sum())
    cell = counts.sum(axis=1)
    codes = np.arange(cell.size)
    quads, assoc, cross, warnings, tops = [], [], [], [], []
    for i, j in itertools.combinations(range(len(axes)), 2):
        a, b = axes[i], axes[j]
        pair = f"{a.id} x {b.id}"
        ps = {}
        for sa, sb in (("high", "high"), ("high", "low"), ("low", "high"), ("low", "low")):
            mask = (((codes >> i) & 1) == (sa == "high")) & (((codes >> j) & 1) == (sb == "high"))
            m = int(cell[mask].sum())
            p = m / total
            ps[sa, sb] = p
            key = f"{a.id}_{sa}.{b.id}_{sb}"
            flag = IMPLAUSIBLE_FLAG if p < IMPLAUSIBLE else ""
            if flag:
                warnings.append(f"{key} ({pair}): p = {p:.3f} < {IMPLAUSIBLE:g}: {flag}")
            quads.append(
                {
                    "pair": pair,
                    "quadrant": key,
                    "a": a.id,
                    "a_label": getattr(a, sa),
                    "b": b.id,
                    "b_label": getattr(b, sb),
                    "p": p,
                    "se": math.sqrt(p * (1 - p) / total),
                    "word": estimative_word(p, scale),
                    "flag": flag,
                    "narrative": s.futures.narrative(key),
                }
            )
            axes_read = a.when.names | a.when.times_read | b.when.names | b.when.times_read
            top = _top_indicators(s, seen, cell, mask, axes_read)
            quads[-1]["top_indicators"] = ", ".join(t["indicator"] for t in top)
            tops += [{"pair": pair, "quadrant": key, **t} for t in top]
            by_scenario = counts[mask].sum(axis=0)
            for r, c in zip(s.rules, by_scenario):
                share = float(c / m) if m else float("nan")
                cross.append({"pair": pair, "quadrant": key, "scenario": r.id, "p": c / total, "share": share})
        f = phi(ps["high", "high"], ps["high", "low"], ps["low", "high"], ps["low", "low"])
        warning = DEPENDENT_WARNING if abs(f) > PHI_WARN else ""
        if warning:
            warnings.append(f"{pair}: phi = {f:+.2f}: {warning}")
        assoc.append({"a": a.id, "b": b.id, "phi": f, "warning": warning})
    return AlternativeFutures(
        s.futures.horizon,
        total,
        pd.DataFrame(quads),
        pd.DataFrame(assoc),
        pd.DataFrame(cross),
        tuple(warnings),
        pd.DataFrame(tops, columns=list(FUTURE_INDICATOR_COLUMNS)),
    )


#: The columns of :attr:`AlternativeFutures.indicators`, in order.
FUTURE_INDICATOR_COLUMNS = (
    "pair",
    "quadrant",
    "rank",
    "indicator",
    "label",
    "p_given",
    "p_given_not",
    "lr_pos",
    "note",
)


def cone(
    scenario: Scenario | Model | Tables | str | Path,
    *,
    samples: int = 20_000,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    blocks: Iterable[WorldBlock] | None = None,
) -> Cone:
    """The cone of plausibility: per horizon the baseline, the alternatives covering 90%, the width, the wildcards.

    Parameters
    ----------
    scenario
        A Scenario, a Model, a file's path or a bundled id; or a run's
        tables that carry their scenario (:func:`outlook.run_outlook`), read
        as they are (their shares and standard errors; ``samples``, ``seed``
        and ``blocks`` are then not used).
    samples, seed, chunk_size
        As for :func:`~outlook.simulate`.
    blocks
        The run's worlds, if already at hand (:func:`~outlook.model.iter_worlds`).

    Returns
    -------
    Cone
        Shares are of worlds (0 to 1); the width is in [0, 1] (the module's docstring).

    Examples
    --------
    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(events={"a": {"rate": 0.5}})
    >>> c = cone(s, samples=20_000, seed=1)
    >>> c.table[["baseline", "k90"]].values.tolist()  # P(a) = 1 - e^-0.5 = 0.39: both needed to cover 90%
    [['rest', 2]]
    """
    from ..tables import Tables

    if isinstance(scenario, Tables):
        return _cone_of_tables(scenario)
    model = _model(scenario)
    s = model.scenario
    k = len(s.rules)
    nh = len(s.horizons)
    labels = np.zeros((nh, k), dtype=np.int64)
    high_events = [e.id for e in s.events if getattr(e, "impact", "") == "high"]
    happened = np.zeros((nh, len(high_events)), dtype=np.int64)
    ends = np.asarray(model.horizon_ends, dtype=float)
    for b in _blocks(model, samples, seed, chunk_size, blocks):
        for h in range(nh):
            labels[h] += np.bincount(b.labels[h], minlength=k)
            for e, eid in enumerate(high_events):
                happened[h, e] += int(np.count_nonzero(b.times[eid] <= ends[h]))
    total = int(labels[0].sum())
    return _cone_tables(s, labels / total, happened / total, high_events, total)


def _cone_of_tables(tables: Tables) -> Cone:
    """The cone of a run's tables: the scenarios' shares, and the high-impact events' ``p_by``, at each horizon."""
    s = tables.scenario
    if s is None:
        raise ValueError("these tables do not carry their scenario; run it with outlook.run_outlook for its cone")
    hs, rs = [h.id for h in s.horizons], [r.id for r in s.rules]
    grid = tables.scenarios.pivot_table(index="horizon", columns="scenario", values=["p", "p_se"], observed=True)
    shares = grid["p"].loc[hs, rs].to_numpy(dtype=np.float64)
    se = grid["p_se"].loc[hs, rs].to_numpy(dtype=np.float64)
    high_events = [e.id for e in s.events if getattr(e, "impact", "") == "high"]
    events = np.zeros((len(hs), len(high_events)))
    if high_events:
        ev = tables.events.pivot_table(index="horizon", columns="event", values="p_by", observed=True)
        events = ev.loc[hs, high_events].to_numpy(dtype=np.float64)
    return _cone_tables(s, shares, events, high_events, int(tables.manifest.samples), se)


def _width(p: FloatArray) -> float:
    """Normalised entropy -sum p ln p / ln K (0 ln 0 = 0); NaN for K < 2."""
    if p.size < 2:
        return float("nan")
    q = p[p > 0]
    return float(-(q * np.log(q)).sum() / math.log(p.size))


def _cone_tables(
    s: Scenario,
    shares: FloatArray,
    events: FloatArray,
    high_events: list[str],
    total: int,
    se: FloatArray | None = None,
) -> Cone:
    """The cone from the shares (and ``se``, by default binomial over ``total`` worlds), shape ``(n_horizons, K)``."""
    import pandas as pd

    if se is None:
        se = np.sqrt(shares * (1 - shares) / total)

    ids = [r.id for r in s.rules]
    high_rules = [i for i, r in enumerate(s.rules) if getattr(r, "impact", "") == "high"]
    # an event a high-impact scenario consists of (``when: e``) is that scenario's outcome: listed once, as it
    stood_for = {r.when.text.strip() for r in s.rules if getattr(r, "impact", "") == "high" and r.when is not None}
    rows, share_rows, notes = [], [], []
    if len(ids) == 2:
        notes.append("with two scenarios the cone degenerates: its width is a function of one probability")
    before: tuple[float, float] | None = None
    for h, horizon in enumerate(s.horizons):
        p = shares[h]
        order = np.argsort(-p, kind="stable")
        k90 = int(np.searchsorted(np.cumsum(p[order]), COVER - 1e-12) + 1)
        k90 = min(k90, len(ids))
        width = _width(p)
        base = int(order[0])
        plausible = set(order[:k90].tolist())
        wild = [(ids[i], float(p[i])) for i in high_rules if p[i] < WILDCARD and i not in plausible]
        wild += [
            (eid, float(events[h, e]))
            for e, eid in enumerate(high_events)
            if events[h, e] < WILDCARD and eid not in stood_for
        ]
        note = ""
        if before is not None and width < before[0] and p[base] > before[1]:
            note = (
                f"the cone narrows ({before[0]:.2f} to {width:.2f}): {ids[base]} absorbs worlds as time passes "
                f"({before[1]:.2f} to {p[base]:.2f}); one absorbing scenario dominates"
            )
            notes.append(f"{horizon.id}: {note}")
        before = (width, float(p[base]))
        rows.append(
            {
                "horizon": horizon.id,
                "baseline": ids[base],
                "baseline_p": float(p[base]),
                "alternatives": ", ".join(ids[i] for i in order[:k90]),
                "k90": k90,
                "width": width,
                "wildcards": ", ".join(f"{w} ({q:.3f})" for w, q in wild),
                "note": note,
            }
        )
        for i, rid in enumerate(ids):
            share_rows.append({"horizon": horizon.id, "scenario": rid, "p": float(p[i]), "se": float(se[h, i])})
    return Cone(total, pd.DataFrame(rows), pd.DataFrame(share_rows), tuple(notes))
