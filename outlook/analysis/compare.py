"""Paired comparison: two scenarios run on the same random streams, and what moved between them.

Owns :func:`compare` (two scenarios in, one row per judgement out),
:func:`whatif` (a scenario against itself with overrides, flips first),
:func:`compare_worlds` (the same from two streams of paired
:class:`~outlook.model.WorldBlock`, for techniques that build their own
worlds), :class:`PairedCounts` (the mergeable 2x2 counts behind a row) and
:func:`is_flip`. Never plots, never prints, never writes a file.

Why the worlds are paired
-------------------------
With common random numbers (:mod:`outlook.model.streams`) every node draws
from its own stream, keyed by the seed, the block and the node's id. Two
versions of a scenario run with the same ``samples`` and ``seed`` therefore
give world ``i`` the same draws for every node the change did not reach: the
two runs are paired world by world, and a node the change did not reach has
exactly the same values in both. A judgement (a scenario at a horizon, or an
event by a horizon's end) holds or not in each world of each run; the 2x2
table of (holds in a, holds in b) gives the difference and its standard
error from the discordant worlds alone, far smaller than two independent
runs' when the change is small. Where ``b`` differs from ``a`` only
downstream of some nodes, ``b``'s worlds are recomputed from ``a``'s
(:func:`outlook.model.iter_recomputed`): bit for bit the worlds a full draw
gives, at the cost of what the change reaches.

The formulas
------------
With ``n`` paired worlds, ``n10`` of them where the judgement holds in ``a``
only and ``n01`` where it holds in ``b`` only (McNemar's discordant pairs)::

    delta    = p_b - p_a = (n01 - n10) / n
    delta_se = sqrt(((n01 + n10) / n - delta**2) / n)

the standard error of a mean of ``n`` independent paired differences
``d_i in {-1, 0, 1}`` (variance ``E[d^2] - E[d]^2``, with ``E[d^2] =
(n01 + n10) / n``; A. Agresti, *Categorical Data Analysis*, 3rd ed., 2013,
§11.1, the large-sample variance of a difference of dependent proportions).
It is exactly 0 when no world is discordant. For a quasi-random sampler
(``sobol``, ``lhs``) it is the plain Monte Carlo formula, an overstatement.

A flip (:func:`is_flip`) is a change of estimative word that the simulation
noise does not explain: the words differ, ``|delta| > 2 delta_se``, and
neither ``p_a`` nor ``p_b`` straddles a word boundary, that is, the band
``p ± 2 se`` (``se = sqrt(p (1 - p) / n)``, the binomial Monte Carlo
error) lies inside one word of the scale (:func:`outlook.words.straddles`).
The rule is the key assumptions check's (Heuer and Pherson, *Structured
Analytic Techniques for Intelligence Analysis*, 2nd ed., 2015, ch. 8), as
specified in the project's SAT reference, §4.3.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._types import IntArray
from ..model import (
    DEFAULT_CHUNK_SIZE,
    Model,
    WorldBlock,
    check_counts,
    compile_model,
    iter_worlds,
    plan_recompute,
    recompute_worlds,
)
from ..scenario import Override, Scenario, find_scenario, load_scenario
from ..scenario.assumptions import check_override_ids
from ..scenario.overrides import as_overrides
from ..words import STRADDLE_K, get_scale, straddles

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COMPARE_COLUMNS",
    "PairedCounts",
    "Target",
    "compare",
    "compare_worlds",
    "is_flip",
    "paired_delta",
    "targets",
    "whatif",
]

#: The columns of :func:`compare`'s table, in order.
COMPARE_COLUMNS = (
    "kind",
    "target",
    "horizon",
    "n",
    "n10",
    "n01",
    "p_a",
    "p_b",
    "delta",
    "delta_se",
    "word_a",
    "word_b",
    "flip",
)


@dataclass(frozen=True, slots=True)
class Target:
    """One judgement: a scenario a world is in by a horizon's end, or an event that has happened by it.

    Attributes
    ----------
    kind
        ``"scenario"`` or ``"event"``.
    target
        The scenario's or the event's id.
    horizon
        The horizon's id.
    """

    kind: str
    target: str
    horizon: str


def targets(scenario: Scenario) -> tuple[Target, ...]:
    """Every judgement of a scenario, in table order.

    Every scenario at every horizon (horizons in order, scenarios in rule
    order within each, as the ``scenarios`` table), then every event by
    every horizon's end (as the ``events`` table).
    """
    out = [Target("scenario", r.id, h.id) for h in scenario.horizons for r in scenario.rules]
    out += [Target("event", e.id, h.id) for h in scenario.horizons for e in scenario.events]
    return tuple(out)


def _hits(model: Model, block: WorldBlock, wanted: tuple[Target, ...]) -> np.ndarray:
    """Whether each judgement holds in each world of a block: bool, shape ``(len(wanted), block.size)``.

    A scenario holds when the world's label at the horizon is its rule; an
    event when its time is at most the horizon's end (``time <= end``, as
    the tables count it).
    """
    s = model.scenario
    h_index = {h.id: i for i, h in enumerate(s.horizons)}
    r_index = {r.id: i for i, r in enumerate(s.rules)}
    out = np.empty((len(wanted), block.size), dtype=bool)
    for k, t in enumerate(wanted):
        hi = h_index[t.horizon]
        if t.kind == "scenario":
            np.equal(block.labels[hi], r_index[t.target], out=out[k])
        else:
            np.less_equal(block.times[t.target], model.horizon_ends[hi], out=out[k])
    return out


@dataclass(slots=True)
class PairedCounts:
    """The 2x2 counts of paired worlds for each judgement, merged block by block.

    Attributes
    ----------
    n
        Paired worlds counted.
    n_a, n_b
        Worlds where each judgement holds in ``a``, in ``b``: shape ``(k,)``.
    n10, n01
        Worlds where it holds in ``a`` only, in ``b`` only: shape ``(k,)``.
    """

    k: int
    n: int = 0
    n_a: IntArray = field(init=False)
    n_b: IntArray = field(init=False)
    n10: IntArray = field(init=False)
    n01: IntArray = field(init=False)

    def __post_init__(self) -> None:
        self.n_a, self.n_b, self.n10, self.n01 = (np.zeros(self.k, dtype=np.int64) for _ in range(4))

    def add(self, hits_a: np.ndarray, hits_b: np.ndarray) -> None:
        """Count one block of paired worlds: two bool arrays of shape ``(k, size)``, world ``i`` paired with ``i``."""
        if hits_a.shape != hits_b.shape or hits_a.shape[0] != self.k:
            msg = f"paired blocks must have the same shape ({self.k}, size); got {hits_a.shape} and {hits_b.shape}"
            raise ValueError(msg)
        self.n += int(hits_a.shape[1])
        self.n_a += np.count_nonzero(hits_a, axis=1)
        self.n_b += np.count_nonzero(hits_b, axis=1)
        self.n10 += np.count_nonzero(hits_a & ~hits_b, axis=1)
        self.n01 += np.count_nonzero(~hits_a & hits_b, axis=1)


def paired_delta(n10: int, n01: int, n: int) -> tuple[float, float]:
    """``(delta, delta_se)`` from the discordant counts of ``n`` paired worlds (see the module's formulas)."""
    delta = (n01 - n10) / n
    var = max(0.0, (n01 + n10) / n - delta * delta) / n  # >= 0 in exact arithmetic; clip rounding
    return delta, math.sqrt(var)


def is_flip(p_a: float, p_b: float, delta: float, delta_se: float, n: int, scale: str = "icd203") -> bool:
    """Whether a judgement changes word beyond the simulation noise (see the module's docstring).

    Parameters
    ----------
    p_a, p_b
        The two probabilities, each from ``n`` worlds.
    delta, delta_se
        ``p_b - p_a`` and its paired standard error.
    n
        The worlds behind each probability (the binomial SE of each is
        ``sqrt(p (1 - p) / n)``).
    scale
        The scale of estimative words (:data:`outlook.words.SCALES`).

    Returns
    -------
    bool
        The words differ, ``|delta| > 2 delta_se`` and neither ``p_a`` nor
        ``p_b`` straddles a boundary of ``scale`` (:func:`outlook.words.straddles`).

    Examples
    --------
    >>> is_flip(0.40, 0.60, 0.20, 0.01, 10_000)
    True
    >>> is_flip(0.449, 0.451, 0.002, 0.0005, 10_000)    # both straddle 0.45
    False
    """
    sc = get_scale(scale)
    if sc.word(p_a) == sc.word(p_b) or not abs(delta) > STRADDLE_K * delta_se:
        return False
    return not any(straddles(p, math.sqrt(p * (1.0 - p) / n), sc) for p in (p_a, p_b))


def compare_worlds(
    model_a: Model,
    blocks_a: Iterable[WorldBlock],
    model_b: Model,
    blocks_b: Iterable[WorldBlock],
    *,
    scale: str = "icd203",
    renamed: Mapping[str, str] | None = None,
    wanted: Iterable[Target] | None = None,
) -> pd.DataFrame:
    """The paired comparison of two streams of worlds, block by block (world ``i`` of ``a`` with world ``i`` of ``b``).

    For techniques that build ``b``'s worlds themselves (a driver pinned to
    a percentile in every world, say): give the blocks of both runs, in the
    same order, of the same sizes. Each pair is counted and dropped, so the
    streams may be as long as a run.

    Parameters
    ----------
    model_a, model_b
        The models the blocks were drawn from (their horizons' ends decide
        when an event counts).
    blocks_a, blocks_b
        Paired blocks (:func:`outlook.model.iter_worlds`,
        :func:`outlook.model.iter_recomputed`, or blocks built by hand).
    scale
        The scale of estimative words.
    renamed
        ``{old_id: new_id}``: a scenario or event of ``a`` that ``b`` calls
        by another id.
    wanted
        The judgements to compare, as ``a`` names them (default: every one
        both models have, :func:`targets` of ``a``'s, renamed, kept if
        ``b`` has it too).

    Returns
    -------
    pandas.DataFrame
        One row per judgement, columns :data:`COMPARE_COLUMNS`: ``kind``
        (``scenario`` or ``event``), ``target`` (``a``'s id), ``horizon``;
        ``n`` paired worlds, ``n10`` and ``n01`` the discordant ones (holds
        in ``a`` only, in ``b`` only); ``p_a``, ``p_b``; ``delta = p_b -
        p_a`` and its paired ``delta_se``; ``word_a``, ``word_b``; ``flip``.

    Raises
    ------
    ValueError
        If the streams have different lengths or a pair of blocks different
        sizes or starts, if ``wanted`` names a judgement one of the models lacks, or if
        ``wanted`` is not given and the models have no judgement in common.
    """
    return _table(model_a, model_b, _zip_blocks(blocks_a, blocks_b), scale, renamed, wanted)


def _table(
    model_a: Model,
    model_b: Model,
    pairs: Iterable[tuple[WorldBlock, WorldBlock]],
    scale: str,
    renamed: Mapping[str, str] | None,
    wanted: Iterable[Target] | None,
) -> pd.DataFrame:
    """:func:`compare_worlds`'s table from paired blocks."""
    import pandas as pd

    names = dict(renamed or {})
    want_a = tuple(wanted) if wanted is not None else _shared(model_a.scenario, model_b.scenario, names)
    if wanted is None and not want_a:
        a, b = model_a.scenario, model_b.scenario
        msg = (
            f"scenarios a ({a.id}) and b ({b.id}) have no judgement in common (no scenario or event id at the same "
            "horizon): nothing to compare; pass renamed={old_id: new_id} if b renamed them"
        )
        raise ValueError(msg)
    want_b = tuple(Target(t.kind, names.get(t.target, t.target), t.horizon) for t in want_a)
    _check_known(model_a.scenario, want_a, "a")
    _check_known(model_b.scenario, want_b, "b")
    counts = PairedCounts(len(want_a))
    for wa, wb in pairs:
        counts.add(_hits(model_a, wa, want_a), _hits(model_b, wb, want_b))
    sc = get_scale(scale)
    rows = []
    n = counts.n
    for k, t in enumerate(want_a):
        n10, n01 = int(counts.n10[k]), int(counts.n01[k])
        p_a, p_b = int(counts.n_a[k]) / n, int(counts.n_b[k]) / n
        delta, se = paired_delta(n10, n01, n)
        flip = is_flip(p_a, p_b, delta, se, n, sc.name)
        rows.append([t.kind, t.target, t.horizon, n, n10, n01, p_a, p_b, delta, se, sc.word(p_a), sc.word(p_b), flip])
    frame = pd.DataFrame(rows, columns=list(COMPARE_COLUMNS))
    frame["flip"] = frame["flip"].astype(bool)
    frame.attrs.update(scale=sc.name, samples=n)
    return frame


def _shared(a: Scenario, b: Scenario, renamed: Mapping[str, str]) -> tuple[Target, ...]:
    """``a``'s judgements that ``b`` has too (by the renamed id)."""
    have = set(targets(b))
    return tuple(t for t in targets(a) if Target(t.kind, renamed.get(t.target, t.target), t.horizon) in have)


def _check_known(s: Scenario, wanted: tuple[Target, ...], which: str) -> None:
    have = set(targets(s))
    for t in wanted:
        if t not in have:
            msg = f"scenario {which} ({s.id}) has no {t.kind} {t.target!r} at horizon {t.horizon!r}"
            raise ValueError(msg)


def _zip_blocks(
    blocks_a: Iterable[WorldBlock], blocks_b: Iterable[WorldBlock]
) -> Iterator[tuple[WorldBlock, WorldBlock]]:
    it_a, it_b = iter(blocks_a), iter(blocks_b)
    while True:
        wa, wb = next(it_a, None), next(it_b, None)
        if wa is None and wb is None:
            return
        if wa is None or wb is None:
            raise ValueError("the two streams of worlds have different lengths: they are not paired")
        if wa.start != wb.start or wa.size != wb.size:
            msg = f"blocks not paired: worlds {wa.start}+{wa.size} of a against {wb.start}+{wb.size} of b"
            raise ValueError(msg)
        yield wa, wb


def compare(
    a: Scenario | Model,
    b: Scenario | Model,
    *,
    samples: int = 100_000,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    sampler: str = "random",
    scale: str = "icd203",
    renamed: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Run two scenarios with common random numbers and compare every judgement, world by world.

    ``b``'s worlds are recomputed from ``a``'s where the change allows
    (:func:`outlook.model.plan_recompute`: only what the change reaches is
    drawn again), otherwise both are drawn in full on the same streams;
    either way they are bit for bit the worlds :func:`outlook.simulate`
    summarises for that ``samples`` and ``seed``, and ``p_a`` and ``p_b``
    equal the two runs' table values. Worlds are streamed a chunk at a time.

    Parameters
    ----------
    a, b
        The base and the changed scenario (or their compiled models): a
        what-if (``a.with_overrides(...)``), or two versions of a file.
    samples, seed, chunk_size, sampler
        As for :func:`outlook.simulate`, shared by both runs.
    scale
        The scale of estimative words (:data:`outlook.words.SCALES`).
    renamed
        ``{old_id: new_id}`` for scenarios and events that ``b`` renamed.

    Returns
    -------
    pandas.DataFrame
        As :func:`compare_worlds`: one row per judgement both scenarios
        have, with ``kind, target, horizon, n, n10, n01, p_a, p_b, delta,
        delta_se, word_a, word_b, flip``. ``attrs`` records ``samples``,
        ``seed``, ``scale`` and ``recomputed`` (how many nodes of ``b``
        were drawn again, or ``"full"``).

    Raises
    ------
    ValueError
        For a bad ``samples``, ``seed``, ``chunk_size``, ``sampler`` or ``scale``, or
        if the two scenarios have no judgement in common (after ``renamed``).
    SimulationError
        As :func:`outlook.simulate`, for either scenario.

    Examples
    --------
    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(drivers={"r": 0.5, "unused": 2}, events={"e": {"rate": "r"}})
    >>> t = compare(s, s.with_overrides({"drivers.r": 1.0}), samples=2_000, seed=1)
    >>> row = t[t.kind == "event"].iloc[0]  # p = 1 - exp(-rate): 0.39 and 0.63
    >>> row.word_a, row.word_b, bool(row.flip), int(row.n10)
    ('unlikely', 'likely', True, 0)
    """
    get_scale(scale)
    model_a = a if isinstance(a, Model) else compile_model(a)
    model_b = b if isinstance(b, Model) else compile_model(b)
    blocks_a = iter_worlds(model_a, samples=samples, seed=seed, chunk_size=chunk_size, sampler=sampler)
    plan = plan_recompute(model_a, model_b, sampler=sampler)
    pairs: Iterable[tuple[WorldBlock, WorldBlock]]
    if plan.full:
        blocks_b = iter_worlds(model_b, samples=samples, seed=seed, chunk_size=chunk_size, sampler=sampler)
        pairs = _zip_blocks(blocks_a, blocks_b)
    else:
        pairs = (
            (w, recompute_worlds(model_a, w, model_b, seed=seed, total=samples, sampler=sampler, plan=plan))
            for w in blocks_a
        )
    frame = _table(model_a, model_b, pairs, scale, renamed, None)
    frame.attrs.update(seed=seed, recomputed="full" if plan.full else len(plan.nodes))
    return frame


def whatif(
    scenario: Scenario | str | Path,
    overrides: Mapping[str, Any] | Iterable[Override | tuple[str, Any]],
    *,
    samples: int = 100_000,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    sampler: str = "random",
    scale: str = "icd203",
) -> pd.DataFrame:
    """A what-if: the scenario against itself with ``overrides``, compared judgement by judgement, flips first.

    The file is read, never written: the what-if lives in memory
    (:meth:`outlook.Scenario.with_overrides`).

    Parameters
    ----------
    scenario
        A :class:`~outlook.Scenario`, a path, or a bundled scenario's id.
    overrides
        New values by key path, as for :meth:`outlook.Scenario.with_overrides`
        (``{"drivers.china_brake": {"constant": 1.0}}``).
    samples, seed, chunk_size, sampler, scale
        As for :func:`compare` (``samples`` defaults to 100,000, as a run's).

    Returns
    -------
    pandas.DataFrame
        :func:`compare`'s table of the base (``a``) against the what-if
        (``b``), rows sorted with the flips first, then by ``|delta|``
        from largest (ties in table order). ``attrs["overrides"]`` lists the
        overrides as text.

    Raises
    ------
    ScenarioErrors
        For a scenario, or overrides, that are not valid (located), and for an
        override naming an id the file does not have (``drivers.zz``: a what-if
        changes what the file states, never adds to it; as an assumption's
        ``if_false``, :func:`outlook.scenario.assumptions.check_override_ids`).
    ValueError
        As for :func:`compare`.

    Examples
    --------
    >>> t = whatif("nk-troops-russia", {"drivers.china_brake": {"constant": 1.0}}, samples=20_000)
    >>> top = t.iloc[0]
    >>> bool(top.flip), top.target, top.horizon, top.word_a, "->", top.word_b
    (True, 'tech_transfer', 'medium', 'roughly even chance', '->', 'likely')
    """

    check_counts(samples, seed, chunk_size)  # at the door, before the file is read
    base = scenario if isinstance(scenario, Scenario) else load_scenario(find_scenario(scenario))
    changes = as_overrides(overrides)
    check_override_ids(base.to_dict(), changes)  # a what-if changes what the file states, never adds to it
    frame = compare(
        base,
        base.with_overrides(changes),
        samples=samples,
        seed=seed,
        chunk_size=chunk_size,
        sampler=sampler,
        scale=scale,
    )
    flip = frame["flip"].to_numpy(dtype=bool)
    size = np.abs(frame["delta"].to_numpy(dtype=np.float64))
    order = np.lexsort((np.arange(len(frame)), -size, ~flip))  # the last key sorts first
    out = frame.iloc[order].reset_index(drop=True)
    out.attrs = {**frame.attrs, "overrides": [str(o) for o in changes]}
    return out
