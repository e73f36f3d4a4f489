"""Tipping points: how far a driver must move before a key judgement changes word.

Owns :func:`tipping_point` and :class:`TippingPoint`: a location shift of
one driver's stated distribution (its range, its constant, its mean),
found by bisection with common random numbers, at which a judgement (a
scenario at a horizon, or an event by a horizon's end) changes estimative
word, with the tolerance of the search and the Monte Carlo error of the
answer. Never plots, never prints, never reads files.

The method
----------
For a shift ``s``, the driver's stated form is moved by ``s`` (every
location parameter: ``low``, ``high`` and ``mode`` of a range; ``min``,
``mode``, ``max``; a normal's ``mean``; a constant's or a probability's
value) and the judgement's probability ``p(s)`` computed from ``samples``
worlds on the same random streams as the base (:mod:`outlook.model.streams`):
only what lies downstream of the driver is drawn again, and ``p(s)`` is a
deterministic function of ``s`` for a given seed, so bisection on it is
well defined. The search doubles the shift from one spread of the driver
(its range's width, its standard deviation, ...) until the word differs
from the base's, stopping at the largest shift the file format accepts
(a probability past 1, say), then bisects the bracket to ``tolerance``.
This is the tipping-point search of the project's SAT reference, §4.2
("bisect a location shift of the driver until the judgement's word
changes"); importance reweighting of stored worlds, which the reference
allows as a shortcut, is not used.

The Monte Carlo error of the answer is the delta method: the probability at
the tipping point is an estimate with binomial standard error
``sqrt(b (1 - b) / n)`` at the boundary ``b`` it crosses, so the shift has
standard error about ``sqrt(b (1 - b) / n) / |dp/ds|``, with the slope a
central difference of ``p`` over a twentieth of the driver's spread.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from ..errors import ScenarioErrors, SimulationError
from ..model import DEFAULT_CHUNK_SIZE, Model, WorldBlock, compile_model, iter_recomputed, iter_worlds
from ..scenario import Scenario
from ..scenario.stated import (
    ConstantForm,
    Form,
    HierarchicalForm,
    NormalForm,
    PertForm,
    ProbabilityForm,
    RangeForm,
    TriangularForm,
    UniformForm,
    form_data,
)
from ..words import Scale, get_scale
from .compare import Target, compare_worlds

__all__ = [
    "TippingPoint",
    "shifted_form",
    "tipping_point",
]

#: the fields of each form that a location shift moves
_LOCATION = {
    RangeForm: ("low", "high", "mode"),
    NormalForm: ("mean",),
    UniformForm: ("min", "max"),
    TriangularForm: ("min", "mode", "max"),
    PertForm: ("min", "mode", "max"),
    ConstantForm: ("value",),
    ProbabilityForm: ("p",),
}
_MAX_DOUBLINGS = 12
_VALIDITY_STEPS = 40


@dataclass(frozen=True)
class TippingPoint:
    """Where a judgement changes word as one driver shifts (see :func:`tipping_point`).

    Attributes
    ----------
    driver, kind, target, horizon, direction
        What was shifted, the judgement, and ``"up"`` or ``"down"``.
    found
        Whether the word changed within the shifts searched.
    p_base, word_base
        The judgement with the driver as stated.
    shift
        The smallest shift (in the driver's units, signed) at which the word
        differs from ``word_base``, to within ``tolerance``; NaN if not found.
    value
        The driver's stated form at that shift, as a file writes it; ``None`` if not found.
    p_tip, word_tip
        The judgement at ``shift``.
    boundary
        The word boundary crossed (a probability); NaN if not found.
    shift_se
        The Monte Carlo standard error of ``shift`` (see the module's method); NaN if not found.
    tolerance
        The width of the final bisection bracket.
    searched
        The largest shift tried (signed): the search gave up there, or found the bracket.
    evaluations
        How many shifted runs the search made.
    samples, seed
        The runs' settings.
    limit
        When ``bounded``: why the first refused shift beyond ``searched``
        was refused (the located error of the format or of the run), so
        that the reader knows which part of the model sets the bound.
    bounded
        Whether the search stopped at the largest shift the driver's form
        accepts or the shifted model runs with (a probability past 1 in some
        worlds, say), rather than after its doublings.
    """

    driver: str
    kind: str
    target: str
    horizon: str
    direction: str
    found: bool
    p_base: float
    word_base: str
    shift: float
    value: dict[str, Any] | None
    p_tip: float
    word_tip: str
    boundary: float
    shift_se: float
    tolerance: float
    searched: float
    evaluations: int
    samples: int
    seed: int
    bounded: bool = False
    limit: str = ""

    @property
    def sentence(self) -> str:
        """The finding in words: "The soon judgement on it becomes likely if r ≥ 0.598 (now unlikely)."."""
        subject = f"The {self.horizon} judgement on {self.target}"
        if not self.found:
            limit = ", the largest shift the model accepts" if self.bounded else ""
            return (
                f"{subject} stays {self.word_base} for every shift of {self.driver} "
                f"{self.direction} to {_num(self.searched)}{limit}."
            )
        assert self.value is not None
        sign = "≥" if self.direction == "up" else "≤"
        if "constant" in self.value or "probability" in self.value:
            condition = f"{self.driver} {sign} {_num(next(iter(self.value.values())))}"
        elif "range" in self.value:
            low, high = self.value["range"]
            by = _num(abs(self.shift))
            condition = (
                f"the range of {self.driver} shifts {self.direction} by {by} or more (to {_num(low)}-{_num(high)})"
            )
        else:
            condition = f"{self.driver} shifts {self.direction} by {_num(abs(self.shift))} or more"
        return f"{subject} becomes {self.word_tip} if {condition} (now {self.word_base}: {self.p_base:.0%})."


def _num(x: float) -> str:
    return f"{x:.3g}"


def shifted_form(form: Form, shift: float) -> Form:
    """``form`` with every location parameter moved by ``shift``.

    Raises
    ------
    ValueError
        For a form without a location to shift (lognormal, beta, categorical).
    """
    names = _LOCATION.get(type(form))
    if isinstance(form, HierarchicalForm):
        msg = (
            f"a tipping point shifts a stated location; this driver's {form.form} parameters read other drivers "
            f"({', '.join(sorted(form.parents))}): shift one of those"
        )
        raise ValueError(msg)
    if names is None:
        msg = (
            f"a tipping point shifts a range, a constant, a probability, or a normal, uniform, triangular or "
            f"PERT distribution; this driver is {form.form}"
        )
        raise ValueError(msg)
    moved = {n: getattr(form, n) + shift for n in names if getattr(form, n) is not None}
    return dataclasses.replace(form, **moved)


def _spread(form: Form) -> float:
    """The first step of the search: the width of what the driver states (1 for a constant 0)."""
    if isinstance(form, RangeForm):
        width = form.high - form.low
    elif isinstance(form, NormalForm):
        width = form.sd
    elif isinstance(form, UniformForm | TriangularForm | PertForm):
        width = form.max - form.min
    elif isinstance(form, ConstantForm):
        width = abs(form.value)
    elif isinstance(form, ProbabilityForm):
        width = 0.1
    else:
        width = 1.0
    return width if width > 0 else 1.0


def _target(s: Scenario, target: str, horizon: str) -> Target:
    if horizon not in {h.id for h in s.horizons}:
        msg = f"no horizon {horizon!r}; the horizons are {', '.join(h.id for h in s.horizons)}"
        raise ValueError(msg)
    if target in {r.id for r in s.rules}:
        return Target("scenario", target, horizon)
    if target in {e.id for e in s.events}:
        return Target("event", target, horizon)
    names = ", ".join([*(r.id for r in s.rules), *(e.id for e in s.events)])
    msg = f"no scenario or event {target!r}; the judgements are {names}"
    raise ValueError(msg)


class _Search:
    """``p(shift)`` for one driver and one judgement, on the base's random streams."""

    def __init__(self, base: Scenario, driver: str, want: Target, **run: Any) -> None:
        self.base, self.driver, self.want, self.run = base, driver, want, run
        self.form = base.driver(driver).stated
        self.model = compile_model(base)
        self.evaluations = 0
        #: the largest shift (signed) the search has tried
        self.largest = 0.0
        self._base: list[WorldBlock] | None = None
        self._seen: dict[float, float | None] = {}
        #: whether a shift was refused (by the format or at run time)
        self.bounded = False
        #: why each refused shift was refused
        self.refused: dict[float, str] = {}

    def valid(self, shift: float) -> Model | None:
        """The model at ``shift``, or ``None`` if the shifted driver is not a valid one."""
        try:
            form = shifted_form(self.form, shift)
            return compile_model(self.base.with_overrides({f"drivers.{self.driver}": form_data(form)}))
        except ScenarioErrors as exc:
            self.refused[shift] = str(exc).splitlines()[0]
            return None

    def at(self, shift: float) -> float | None:
        """The judgement's probability at ``shift``, or ``None`` where the format refuses the shifted
        driver or the shifted model cannot run (a product of probabilities past 1 in some worlds, say)."""
        if shift not in self._seen:
            model = self.valid(shift)
            try:
                self._seen[shift] = None if model is None else self.p(model)[0]
            except SimulationError as exc:
                self.refused[shift] = str(exc).splitlines()[0]
                self._seen[shift] = None
        return self._seen[shift]

    def limit(self) -> str:
        """Why the refused shift nearest the base was refused (``""`` if none was)."""
        if not self.refused:
            return ""
        return self.refused[min(self.refused, key=abs)]

    def p(self, model: Model) -> tuple[float, int]:
        """The judgement's probability in ``model``'s worlds, paired with the base's, and their number."""
        self.evaluations += 1
        n, seed, chunk = self.run["samples"], self.run["seed"], self.run["chunk_size"]
        if self._base is None:  # the base worlds, drawn once: each shift recomputes only what the driver reaches
            self._base = list(iter_worlds(self.model, samples=n, seed=seed, chunk_size=chunk))
        a = self._base
        b = iter_recomputed(self.model, iter(a), model, seed=seed, samples=n)
        t = compare_worlds(self.model, iter(a), model, b, scale=self.run["scale"], wanted=[self.want])
        return float(t["p_b"].iloc[0]), int(t["n"].iloc[0])


def tipping_point(
    scenario: Scenario,
    driver: str,
    target: str,
    horizon: str,
    *,
    direction: str = "up",
    tolerance: float | None = None,
    samples: int = 100_000,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    scale: str = "icd203",
) -> TippingPoint:
    """The shift of ``driver`` at which the judgement ``target`` at ``horizon`` changes word.

    Parameters
    ----------
    scenario
        The base scenario.
    driver
        A driver's id; its form must have a location (see :func:`shifted_form`).
    target, horizon
        A scenario's or an event's id, and a horizon's id.
    direction
        ``"up"`` (the driver's values increase) or ``"down"``.
    tolerance
        The width of the final bisection bracket, in the driver's units;
        by default a thousandth of the driver's spread.
    samples, seed, chunk_size
        As for :func:`outlook.simulate`; every shifted run uses the same
        ``samples`` and ``seed`` as the base.
    scale
        The scale of estimative words.

    Returns
    -------
    TippingPoint

    Raises
    ------
    ValueError
        For an unknown driver, target or horizon, a driver without a
        location to shift, a bad ``direction`` or ``tolerance``, or bad run
        settings.

    Examples
    --------
    A constant rate ``r`` gives ``P = 1 - exp(-r)`` by one year; it becomes
    "roughly even chance" (0.45) at ``r = -ln 0.55 = 0.598``:

    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(drivers={"r": 0.3}, events={"it": {"rate": "r"}})
    >>> tp = tipping_point(s, "r", "it", "soon", samples=20_000, seed=0)
    >>> print(tp.sentence)
    The soon judgement on it becomes roughly even chance if r ≥ 0.597 (now unlikely: 26%).
    """
    if direction not in ("up", "down"):
        msg = f"direction must be 'up' or 'down' (got {direction!r})"
        raise ValueError(msg)
    base = dataclasses.replace(scenario, assumptions=())
    try:
        base.driver(driver)
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    want = _target(base, target, horizon)
    sc = get_scale(scale)
    search = _Search(base, driver, want, samples=samples, seed=seed, chunk_size=chunk_size, scale=scale)
    step = _spread(search.form)
    tol = step / 1000 if tolerance is None else tolerance
    if not (tol > 0 and math.isfinite(tol)):
        msg = f"tolerance must be a positive number (got {tolerance})"
        raise ValueError(msg)
    sign = 1.0 if direction == "up" else -1.0
    p0, n = search.p(search.model)
    w0 = sc.word(p0)
    lo, hi = 0.0, _bracket(search, sc, w0, sign * step, sign)
    found = not math.isnan(hi)
    if not found:
        hi = lo = search.largest
    while found and abs(hi - lo) > tol:
        mid = (lo + hi) / 2
        p_mid = search.at(mid)  # between two shifts that run: runs, unless validity is not monotone
        if p_mid is not None and sc.word(p_mid) == w0:
            lo = mid
        else:
            hi = mid
    common = {"driver": driver, "kind": want.kind, "target": target, "horizon": horizon, "direction": direction}
    if not found:
        nan = float("nan")
        return TippingPoint(**common, found=False, p_base=p0, word_base=w0, shift=nan, value=None, p_tip=nan,
                            word_tip="", boundary=nan, shift_se=nan, tolerance=tol, searched=search.largest,
                            evaluations=search.evaluations, samples=n, seed=seed,
                            bounded=search.bounded, limit=search.limit())  # fmt: skip
    p_tip = search.at(hi)
    assert p_tip is not None  # the bracket's upper end always ran
    boundary = _boundary(sc, p0, p_tip)
    shift_se = _shift_se(search, hi, step / 20, boundary, n)
    value = form_data(shifted_form(search.form, hi))
    return TippingPoint(**common, found=True, p_base=p0, word_base=w0, shift=hi, value=value, p_tip=p_tip,
                        word_tip=sc.word(p_tip), boundary=boundary, shift_se=shift_se, tolerance=tol,
                        searched=hi, evaluations=search.evaluations, samples=n, seed=seed,
                        bounded=search.bounded)  # fmt: skip


def _bracket(search: _Search, sc: Scale, w0: str, first: float, sign: float) -> float:
    """The first doubling of ``first`` at which the word differs from ``w0`` (NaN if none).

    Sets ``search.largest``: the largest shift tried. A shift the format
    refuses is bisected back to the largest valid one, which is tried last.
    """
    last_valid, s = 0.0, first
    for _ in range(_MAX_DOUBLINGS):
        p = search.at(s)
        if p is None:
            search.bounded = True
            s = _largest_valid(search, last_valid, s)
            p = None if s == last_valid else search.at(s)
            if p is None:
                break
            search.largest = s
            return s if sc.word(p) != w0 else math.nan
        search.largest = s
        if sc.word(p) != w0:
            return s
        last_valid, s = s, s * 2
    search.largest = last_valid
    return math.nan


def _largest_valid(search: _Search, valid: float, invalid: float) -> float:
    for _ in range(_VALIDITY_STEPS):
        mid = (valid + invalid) / 2
        if search.at(mid) is None:
            invalid = mid
        else:
            valid = mid
    return valid


def _boundary(sc: Scale, p0: float, p1: float) -> float:
    """The band edge between ``p0`` and ``p1`` nearest ``p1`` (the one the judgement last crossed)."""
    lo, hi = min(p0, p1), max(p0, p1)
    edges: list[float] = [b.lo for b in sc.bands if lo < b.lo <= hi]
    if not edges:
        return float("nan")
    return min(edges, key=lambda e: abs(e - p1))


def _shift_se(search: _Search, shift: float, d: float, boundary: float, n: int) -> float:
    """``sqrt(b (1 - b) / n) / |dp/ds|``, the slope a central difference over ``2 d`` (NaN if flat)."""
    ps = []
    for s in (shift - d, shift + d):
        p = search.at(s)
        if p is None:
            return float("nan")
        ps.append(p)
    slope = (ps[1] - ps[0]) / (2 * d)
    if slope == 0 or math.isnan(boundary):
        return float("nan")
    return math.sqrt(boundary * (1 - boundary) / n) / abs(slope)
