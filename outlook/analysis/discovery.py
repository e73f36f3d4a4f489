"""Scenario discovery: the few driver conditions under which a scenario or event mostly happens (PRIM).

Owns :func:`prim` (the patient rule induction method on arrays: the peeling
trajectory of boxes and the box chosen from it), :func:`discover` (PRIM on
a run's worlds for a scenario or event at a horizon, with a sentence in
plain words) and :class:`Box`. Never plots, never prints.

The method
----------
PRIM (Friedman & Fisher 1999, "Bump hunting in high-dimensional data",
*Statistics and Computing* 9, 123-143), as scenario discovery uses it
(Bryant & Lempert 2010, *Technological Forecasting & Social Change* 77,
34-49; the EMA Workbench's ``prim`` module is the reference
implementation). Starting from every world, each step peels off the share
``alpha`` (0.05, the customary value) of the worlds still in the box from
the low or the high end of one driver, whichever peel leaves the highest
share of worlds where the target holds (the *density*); peeling stops when
the box holds less than ``min_mass`` (5 %) of the worlds. Each box of this
*peeling trajectory* has a *coverage* (the share of the target's worlds
inside it) and a density; high density tends to cost coverage. The box
reported is, as a library choice, the one with the largest harmonic mean of
coverage and density (the F-score), and each of its restrictions that moves
its density by less than one percentage point is then dropped (fewer
conditions say the same), as Bryant & Lempert advise for interpretability.
No pasting step. A categorical driver is peeled as its category index;
drivers that feed the target nothing are not offered to the peeling.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .._types import BoolArray, FloatArray
from ..model import Model, WorldBlock, as_model, iter_worlds
from ..scenario import Scenario
from .sensitivity import Target, feeding_drivers, parse_target

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ALPHA", "MAX_WORLDS", "MIN_MASS", "Box", "Discovery", "discover", "prim"]

#: The share of the box's worlds each peel removes (Friedman & Fisher's customary value).
ALPHA = 0.05
#: Peeling stops when the box holds less than this share of the worlds.
MIN_MASS = 0.05
#: :func:`discover` peels the first this many worlds of the run (PRIM's boxes settle long before).
MAX_WORLDS = 20_000
#: A restriction that moves the box's density by less than this is dropped.
DROP_TOLERANCE = 0.01


@dataclass(frozen=True)
class Box:
    """A box of driver conditions: ``lower[name] <= x < upper`` style bounds (``-inf``/``inf``: none).

    Attributes
    ----------
    lower, upper
        Per input: the box keeps ``x >= lower`` and ``x <= upper``; only
        restricted inputs appear.
    coverage
        The share of the worlds where the target holds that are in the box.
    density
        The share of the box's worlds where the target holds.
    mass
        The share of all worlds in the box.
    """

    lower: Mapping[str, float]
    upper: Mapping[str, float]
    coverage: float
    density: float
    mass: float


def _inside(x: Mapping[str, FloatArray], lower: Mapping[str, float], upper: Mapping[str, float], n: int) -> BoolArray:
    keep = np.ones(n, dtype=bool)
    for name, v in lower.items():
        keep &= x[name] >= v
    for name, v in upper.items():
        keep &= x[name] <= v
    return keep


def _measure(y: BoolArray, keep: BoolArray) -> tuple[float, float, float]:
    """``(coverage, density, mass)`` of the box ``keep``."""
    inside = int(keep.sum())
    hits = int(np.count_nonzero(y & keep))
    total = int(np.count_nonzero(y))
    cov = hits / total if total else 0.0
    dens = hits / inside if inside else 0.0
    return cov, dens, inside / y.size


def prim(
    x: Mapping[str, FloatArray], y: BoolArray, *, alpha: float = ALPHA, min_mass: float = MIN_MASS
) -> tuple[Box, list[Box]]:
    """The PRIM box for ``y`` over inputs ``x``, and the peeling trajectory it was chosen from.

    Parameters
    ----------
    x
        Input name -> values, shape ``(n,)`` each.
    y
        Shape ``(n,)``: where the target holds.
    alpha, min_mass
        The peel and the smallest box, as shares (``0 < alpha < 1``, ``0 < min_mass <= 1``).

    Returns
    -------
    (Box, list of Box)
        The chosen box (largest harmonic mean of coverage and density, then
        restrictions worth less than :data:`DROP_TOLERANCE` of density
        dropped), and the trajectory from the whole space onwards.

    Raises
    ------
    ValueError
        If ``alpha`` or ``min_mass`` is out of range, or the shapes disagree.
    """
    if not (0.0 < alpha < 1.0 and 0.0 < min_mass <= 1.0):
        raise ValueError(f"alpha must be in (0, 1) and min_mass in (0, 1] (got {alpha}, {min_mass})")
    y = np.asarray(y, dtype=bool)
    n = y.size
    if any(np.shape(v) != (n,) for v in x.values()):
        raise ValueError("every input must have one value per world, as y")
    lower: dict[str, float] = {}
    upper: dict[str, float] = {}
    keep = np.ones(n, dtype=bool)
    trajectory = [Box({}, {}, *_measure(y, keep))]
    while keep.sum() >= min_mass * n and x:
        best: tuple[float, int, str, str, float] | None = None
        for name, v in x.items():
            inside = v[keep]
            for side, q in (("lower", alpha), ("upper", 1.0 - alpha)):
                cut = float(np.quantile(inside, q))
                new = keep & (v >= cut) if side == "lower" else keep & (v <= cut)
                left = int(new.sum())
                if left == int(keep.sum()) or left == 0:
                    continue  # ties: this peel removes nothing (or everything)
                dens = np.count_nonzero(y & new) / left
                cand = (dens, left, name, side, cut)
                if best is None or cand[:2] > best[:2]:
                    best = cand
        if best is None:
            break
        _, _, name, side, cut = best
        (lower if side == "lower" else upper)[name] = cut
        keep = _inside(x, lower, upper, n)
        if keep.sum() < min_mass * n:
            break
        trajectory.append(Box(dict(lower), dict(upper), *_measure(y, keep)))
    chosen = max(trajectory, key=lambda b: _f_score(b.coverage, b.density))
    return _simplify(x, y, chosen), trajectory


def _f_score(coverage: float, density: float) -> float:
    return 0.0 if coverage + density == 0 else 2 * coverage * density / (coverage + density)


def _simplify(x: Mapping[str, FloatArray], y: BoolArray, box: Box) -> Box:
    """Drop, one at a time, the restriction whose removal costs the least density, while it costs < 1 point."""
    lower, upper = dict(box.lower), dict(box.upper)
    n = y.size
    dens = box.density
    while lower or upper:
        options = [("lower", k) for k in lower] + [("upper", k) for k in upper]
        scored = []
        for side, k in options:
            lo, up = dict(lower), dict(upper)
            (lo if side == "lower" else up).pop(k)
            scored.append((dens - _measure(y, _inside(x, lo, up, n))[1], side, k))
        cost, side, k = min(scored)
        if cost >= DROP_TOLERANCE:
            break
        (lower if side == "lower" else upper).pop(k)
    return Box(lower, upper, *_measure(y, _inside(x, lower, upper, n)))


@dataclass(frozen=True)
class Discovery:
    """The result of :func:`discover`.

    Attributes
    ----------
    target
        The scenario or event at a horizon.
    box
        The chosen :class:`Box`.
    base_rate
        The target's share of the worlds peeled.
    table
        One row per condition: ``driver``, ``condition`` (``"> 0.55"``,
        ``"< 0.8"``, ``"is trump"``), ``lower``, ``upper`` (nan: none).
    sentence
        The box in plain words, with its coverage and density.
    worlds
        How many worlds were peeled.
    """

    target: Target
    box: Box
    base_rate: float
    table: pd.DataFrame
    sentence: str
    worlds: int


def discover(
    model: Model | Scenario | str | os.PathLike[str],
    target: str | Target,
    blocks: Iterable[WorldBlock] | None = None,
    *,
    samples: int = MAX_WORLDS,
    seed: int = 0,
    max_worlds: int = MAX_WORLDS,
    alpha: float = ALPHA,
    min_mass: float = MIN_MASS,
) -> Discovery:
    """The driver conditions under which a scenario or event at a horizon mostly happens.

    Parameters
    ----------
    model
        From :func:`~outlook.compile_model`; a Scenario is compiled first, a file path or bundled id loaded (:func:`~outlook.model.as_model`).
    target
        A scenario or event at a horizon (:func:`~outlook.analysis.sensitivity.parse_target`).
    blocks
        A run's worlds (:func:`~outlook.model.iter_worlds`); the first
        ``max_worlds`` are used. Drawn (``samples``, ``seed``) if not given.
    samples, seed
        For drawing the worlds when ``blocks`` is not given.
    max_worlds, alpha, min_mass
        See :func:`prim` and :data:`MAX_WORLDS`.

    Returns
    -------
    Discovery

    Raises
    ------
    ValueError
        For a target that is not a scenario or event at a horizon.

    Examples
    --------
    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(drivers={"r": {"uniform": {"min": 0, "max": 4}}}, events={"e": {"rate": "r"}})
    >>> discover(s, "e@soon").sentence.startswith("e@soon happens mostly when r > ")
    True
    """
    import pandas as pd

    model = as_model(model)
    s = model.scenario
    tgt = parse_target(s, target) if isinstance(target, str) else target
    if not tgt.is_probability:
        raise ValueError(f"scenario discovery needs a scenario or event at a horizon, not {tgt}")
    if blocks is None:
        blocks = iter_worlds(model, samples=min(samples, max_worlds), seed=seed)
    names = [d.id for d in s.drivers if d.id in feeding_drivers(model, tgt) and d.kind != "constant"]
    xs: dict[str, list[FloatArray]] = {k: [] for k in names}
    ys: list[BoolArray] = []
    hi = [h.id for h in s.horizons].index(tgt.horizon)
    got = 0
    for block in blocks:
        k = min(block.size, max_worlds - got)
        for name in names:
            xs[name].append(block.values[name][:k])
        if tgt.kind == "event":
            ys.append(block.times[tgt.id][:k] <= model.horizon_ends[hi])
        else:
            ys.append(block.labels[hi][:k] == [r.id for r in s.rules].index(tgt.id))
        got += k
        if got >= max_worlds:
            break
    x = {k: np.concatenate(v) for k, v in xs.items()}
    y = np.concatenate(ys)
    box, _ = prim(x, y, alpha=alpha, min_mass=min_mass)
    rows = []
    for name in names:
        lo, up = box.lower.get(name), box.upper.get(name)
        if lo is None and up is None:
            continue
        rows.append((name, _condition(s, name, lo, up), np.nan if lo is None else lo, np.nan if up is None else up))
    table = pd.DataFrame(rows, columns=["driver", "condition", "lower", "upper"])
    base = float(y.mean())
    return Discovery(tgt, box, base, table, _sentence(tgt, box, base, table), int(y.size))


def _condition(s: Scenario, name: str, lo: float | None, up: float | None) -> str:
    """A condition in plain words: ``> 0.55``, ``< 0.8``, ``0.2–0.6``, or a categorical driver's categories."""
    d = s.driver(name)
    if d.categories:
        a = 0 if lo is None else int(np.ceil(lo))
        b = len(d.categories) - 1 if up is None else int(np.floor(up))
        cats = list(d.categories[a : b + 1])
        return "is " + " or ".join(cats)
    if lo is not None and up is not None:
        return f"{lo:.3g}–{up:.3g}"
    return f"> {lo:.3g}" if lo is not None else f"< {up:.3g}"


def _sentence(tgt: Target, box: Box, base: float, table: pd.DataFrame) -> str:
    """The box in plain words, as the issue's example has it."""
    if table.empty or box.density <= base:
        return f"{tgt} happens in {base:.0%} of worlds; no small set of driver conditions concentrates it."
    conds = " and ".join(f"{row.driver} {row.condition}" for row in table.itertuples())
    return (
        f"{tgt} happens mostly when {conds} (covers {box.coverage:.0%} of its worlds; "
        f"{box.density:.0%} of worlds in that box are in it, against {base:.0%} overall)."
    )
