"""What a scenario states about a driver, and the one place its distribution is derived from that.

Owns the distribution forms as typed, frozen records, one per form a file
may write (:class:`RangeForm`, :class:`NormalForm`, ... :class:`CategoricalForm`),
their invariants (:func:`form_problems`), their plain data as a file writes
them (:func:`form_data`) and :func:`distribution_of`, the only function that
turns what is stated into the :class:`~outlook.distributions.Distribution`
that is sampled. A driver holds its form; its distribution is always
``distribution_of(form)``, however the driver was built. Never reads YAML,
never samples.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeAlias

import numpy as np

from .. import distributions as dist
from ..errors import did_you_mean
from ..errors import number_text as _num
from .expressions import Expression

__all__ = [
    "MAX_MAGNITUDE",
    "DEFAULT_CONFIDENCE",
    "DEFAULT_LAMBDA",
    "BetaForm",
    "CategoricalForm",
    "ConstantForm",
    "Form",
    "GammaForm",
    "HierarchicalForm",
    "LogNormalForm",
    "LogNormalMomentsForm",
    "LogUniformForm",
    "MixtureForm",
    "NormalForm",
    "PertForm",
    "ProbabilityForm",
    "Problem",
    "RangeForm",
    "StudentTForm",
    "TriangularForm",
    "TruncatedForm",
    "UniformForm",
    "distribution_of",
    "form_data",
    "form_problems",
    "sampling_problem",
    "truncate_text",
]

#: the share of the distribution a ``range`` holds when ``confidence`` is not stated
DEFAULT_CONFIDENCE = 0.9
#: PERT's ``lambda`` when not stated (Malcolm et al. 1959; Vose 2008, ch. 9)
DEFAULT_LAMBDA = 4.0


class _Numbers:
    """Numeric fields are kept as floats, so ``[8000, 12000]`` and ``[8000.0, 12000]`` state the same."""

    __slots__ = ()

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and f.name != "shape":
                object.__setattr__(self, f.name, float(value))


@dataclass(frozen=True, slots=True)
class RangeForm(_Numbers):
    """``range: [low, high]`` with a ``shape``: the central interval holding ``confidence`` of the mass.

    ``confidence``, ``mode`` and ``lam`` (the file's ``lambda``) are
    ``None`` when the file does not state them; ``confidence`` then counts
    as 0.9 and ``lam`` as 4.
    """

    low: float
    high: float
    shape: str
    confidence: float | None = None
    mode: float | None = None
    lam: float | None = None
    form: ClassVar[str] = "range"


@dataclass(frozen=True, slots=True)
class NormalForm(_Numbers):
    """``normal: {mean, sd}``."""

    mean: float
    sd: float
    form: ClassVar[str] = "normal"


@dataclass(frozen=True, slots=True)
class LogNormalForm(_Numbers):
    """``lognormal: {mu, sigma}``: ``exp`` of a normal with mean ``mu`` and sd ``sigma``."""

    mu: float
    sigma: float
    form: ClassVar[str] = "lognormal"


@dataclass(frozen=True, slots=True)
class UniformForm(_Numbers):
    """``uniform: {min, max}``."""

    min: float
    max: float
    form: ClassVar[str] = "uniform"


@dataclass(frozen=True, slots=True)
class TriangularForm(_Numbers):
    """``triangular: {min, mode, max}``."""

    min: float
    mode: float
    max: float
    form: ClassVar[str] = "triangular"


@dataclass(frozen=True, slots=True)
class PertForm(_Numbers):
    """``pert: {min, mode, max, lambda}``; ``lam`` is ``None`` when not stated (then 4)."""

    min: float
    mode: float
    max: float
    lam: float | None = None
    form: ClassVar[str] = "pert"


@dataclass(frozen=True, slots=True)
class BetaForm(_Numbers):
    """``beta: {alpha, beta}``: a beta distribution on [0, 1]."""

    alpha: float
    beta: float
    form: ClassVar[str] = "beta"


@dataclass(frozen=True, slots=True)
class LogNormalMomentsForm(_Numbers):
    """``lognormal: {mean, sd}`` (format 1.1): a lognormal stated by its own mean and standard deviation."""

    mean: float
    sd: float
    form: ClassVar[str] = "lognormal"


@dataclass(frozen=True, slots=True)
class GammaForm(_Numbers):
    """``gamma: {shape, scale}`` (format 1.1): mean ``shape * scale``, variance ``shape * scale^2``."""

    shape: float
    scale: float
    form: ClassVar[str] = "gamma"


@dataclass(frozen=True, slots=True)
class StudentTForm(_Numbers):
    """``student_t: {df, location, scale}`` (format 1.1): Student's t, shifted and stretched."""

    df: float
    location: float = 0.0
    scale: float = 1.0
    form: ClassVar[str] = "student_t"


@dataclass(frozen=True, slots=True)
class LogUniformForm(_Numbers):
    """``loguniform: {min, max}`` (format 1.1): the logarithm is uniform; ``0 < min < max``."""

    min: float
    max: float
    form: ClassVar[str] = "loguniform"


@dataclass(frozen=True, slots=True)
class TruncatedForm:
    """Any continuous form with ``truncate: [low, high]`` (format 1.1): conditioned on lying between them.

    Either end may be infinite: no bound on that side (``null``, ``.inf`` or
    ``-.inf`` in YAML; :func:`form_data` writes ``null``).
    """

    base: Form
    low: float
    high: float
    form: ClassVar[str] = "truncate"

    def __post_init__(self) -> None:
        object.__setattr__(self, "low", float(self.low))
        object.__setattr__(self, "high", float(self.high))


@dataclass(frozen=True, slots=True)
class MixtureForm:
    """``mixture: [{weight, <form>}, ...]`` (format 1.1): each component form with its weight, in the file's order."""

    components: tuple[tuple[float, Form], ...]
    form: ClassVar[str] = "mixture"

    def __post_init__(self) -> None:
        object.__setattr__(self, "components", tuple((float(w), f) for w, f in self.components))


@dataclass(frozen=True, slots=True)
class ConstantForm(_Numbers):
    """``constant: value`` (or the shorthand ``name: value``)."""

    value: float
    form: ClassVar[str] = "constant"


@dataclass(frozen=True, slots=True)
class ProbabilityForm(_Numbers):
    """``probability: p``: a yes/no driver, 1 with probability ``p``."""

    p: float
    form: ClassVar[str] = "probability"


@dataclass(frozen=True, slots=True)
class CategoricalForm:
    """``categorical: {name: p, ...}``: each category with its probability, in the file's order."""

    categories: tuple[tuple[str, float], ...]
    form: ClassVar[str] = "categorical"

    def __post_init__(self) -> None:
        pairs = tuple((str(c), float(p)) for c, p in self.categories)
        object.__setattr__(self, "categories", pairs)


@dataclass(frozen=True, slots=True)
class HierarchicalForm:
    """A parametric form or ``probability:`` some of whose values are expressions over other drivers (format 1.1).

    ``form`` is the form's name as the file writes it (``normal``,
    ``lognormal``, ..., ``probability``); ``params`` each parameter in the
    order of :data:`outlook.distributions.CONDITIONAL_SHAPES` (``lambda`` for
    PERT's, ``p`` for a probability), a number or a compiled
    :class:`~outlook.scenario.expressions.Expression` reading only drivers;
    ``low`` and ``high`` a ``truncate:`` (infinite: none).
    """

    form: str
    params: tuple[tuple[str, float | Expression], ...]
    low: float = -math.inf
    high: float = math.inf

    def __post_init__(self) -> None:
        pairs = tuple((k, v if isinstance(v, Expression) else float(v)) for k, v in self.params)
        object.__setattr__(self, "params", pairs)
        object.__setattr__(self, "low", float(self.low))
        object.__setattr__(self, "high", float(self.high))

    @property
    def shape(self) -> str:
        """The key of :data:`outlook.distributions.CONDITIONAL_SHAPES`: ``lognormal_moments`` for ``lognormal: {mean, sd}``."""
        names = tuple(k for k, _ in self.params)
        return "lognormal_moments" if self.form == "lognormal" and "mean" in names else self.form

    @property
    def expressions(self) -> tuple[tuple[str, Expression], ...]:
        """The parameters that are expressions, with their names."""
        return tuple((k, v) for k, v in self.params if isinstance(v, Expression))

    @property
    def parents(self) -> frozenset[str]:
        """The drivers its parameters read."""
        return frozenset().union(*(e.names for _, e in self.expressions))


#: any of the forms a driver may state
Form: TypeAlias = (
    "RangeForm | NormalForm | LogNormalForm | UniformForm | TriangularForm | PertForm"
    " | BetaForm | ConstantForm | ProbabilityForm | CategoricalForm"
    " | LogNormalMomentsForm | GammaForm | StudentTForm | LogUniformForm | TruncatedForm | MixtureForm"
    " | HierarchicalForm"
)

#: a problem with a form: the key it concerns (below the driver, e.g. ``range`` or
#: ``categorical.a``), what is wrong, what was seen (or ``None``) and a hint
Problem: TypeAlias = tuple[str, str, object, str]


def form_problems(form: Form) -> list[Problem]:
    """What is wrong with the values a form states; empty when it can be sampled.

    These are the form's invariants, checked whoever built it (a file, a
    dict, an override, ``dataclasses.replace``). Checks stop at the first
    problem of a form, but every bad category probability is listed.

    Examples
    --------
    >>> form_problems(RangeForm(12000, 8000, "normal"))
    [('range', 'low 12000 > high 8000', [12000.0, 8000.0], 'Did you mean [8000, 12000]?')]
    """
    if isinstance(form, RangeForm):
        return _range_problems(form)
    if isinstance(form, TruncatedForm | MixtureForm):
        return _composite_problems(form)
    if isinstance(form, HierarchicalForm):
        return _hierarchical_problems(form)
    for name, value in ((f.name, getattr(form, f.name)) for f in fields(form)):
        if isinstance(value, float) and not math.isfinite(value):
            return [(form.form, f"{name} must be a finite number", value, "")]
    if isinstance(form, NormalForm) and form.sd <= 0:
        return [("normal", "sd must be positive", form.sd, "")]
    if isinstance(form, LogNormalForm) and form.sigma <= 0:
        return [("lognormal", "sigma must be positive", form.sigma, "")]
    newer = _new_form_problems(form)
    if newer:
        return newer
    if isinstance(form, BetaForm) and (form.alpha <= 0 or form.beta <= 0):
        return [("beta", "alpha and beta must be positive", [form.alpha, form.beta], "")]
    if isinstance(form, UniformForm | TriangularForm | PertForm) and form.min >= form.max:
        return [(form.form, f"min {_num(form.min)} must be below max {_num(form.max)}", [form.min, form.max], "")]
    if isinstance(form, TriangularForm | PertForm) and not form.min <= form.mode <= form.max:
        got = [form.min, form.mode, form.max]
        return [(form.form, f"mode {_num(form.mode)} must lie between min and max", got, "")]
    if isinstance(form, PertForm) and form.lam is not None and form.lam <= 0:
        return [("pert", "lambda must be positive", form.lam, "")]
    if isinstance(form, ProbabilityForm) and not 0 <= form.p <= 1:
        return [("probability", "probability must lie in [0, 1]", form.p, "")]
    if isinstance(form, CategoricalForm):
        return _categorical_problems(form)
    return []


def _new_form_problems(form: Form) -> list[Problem]:
    """The invariants of the parametric forms of format 1.1."""
    if isinstance(form, LogNormalMomentsForm) and not (form.mean > 0 and form.sd > 0):
        return [("lognormal", "mean and sd must be positive", [form.mean, form.sd], "")]
    if isinstance(form, GammaForm) and not (form.shape > 0 and form.scale > 0):
        return [("gamma", "shape and scale must be positive", [form.shape, form.scale], "")]
    if isinstance(form, StudentTForm) and not (form.df > 0 and form.scale > 0):
        return [("student_t", "df and scale must be positive", [form.df, form.scale], "")]
    if isinstance(form, LogUniformForm) and not 0 < form.min < form.max:
        return [("loguniform", "needs 0 < min < max", [form.min, form.max], "")]
    return []


#: the forms a mixture's component or a truncated form may be: those with a density (a constant, too, in a mixture)
_CONTINUOUS = (
    "range",
    "normal",
    "lognormal",
    "uniform",
    "triangular",
    "pert",
    "beta",
    "gamma",
    "student_t",
    "loguniform",
)


def _composite_problems(form: TruncatedForm | MixtureForm) -> list[Problem]:
    """A truncation's ends and base; a mixture's weights and components (each named by its place, ``mixture[1]``)."""
    if isinstance(form, TruncatedForm):
        if form.base.form not in (*_CONTINUOUS, "mixture"):
            return [("truncate", f"truncate applies to a continuous distribution, not {form.base.form}", None, "")]
        lo, hi = form.low, form.high
        if math.isnan(lo) or math.isnan(hi) or not lo < hi:
            return [("truncate", "expected [low, high] with low below high", [lo, hi], "")]
        return [(f"{p}", problem, got, hint) for p, problem, got, hint in form_problems(form.base)]
    if not form.components:
        return [("mixture", "needs at least one component", None, "")]
    for k, (w, c) in enumerate(form.components):
        if not (math.isfinite(w) and w > 0):
            return [(f"mixture[{k}].weight", "a weight must be a positive number", w, "")]
        if c.form not in (*_CONTINUOUS, "constant", "truncate"):
            return [
                (
                    f"mixture[{k}]",
                    f"a component must be a continuous distribution or a constant, not {c.form}",
                    None,
                    "",
                )
            ]
        for p, problem, got, hint in form_problems(c):
            return [(f"mixture[{k}].{p}", problem, got, hint)]
    total = sum(w for w, _ in form.components)
    if abs(total - 1.0) > 1e-9:
        over = any(w > 1 for w, _ in form.components)  # 'weight: 40' for 40%
        hint = "A weight is a share: write 40% or 0.4, not 40" if over else ""
        return [("mixture", "the weights must sum to 1", round(total, 12), hint)]
    return []


#: the parameters of a shape that must each be positive whatever the others are (rules on several at once,
#: such as gamma's "shape and scale must be positive", are checked on each number when another is an expression)
_EACH_POSITIVE: dict[str, tuple[str, ...]] = {
    "lognormal_moments": ("mean", "sd"),
    "beta": ("alpha", "beta"),
    "gamma": ("shape", "scale"),
    "student_t": ("df", "scale"),
    "loguniform": ("min",),
}


def _hierarchical_problems(form: HierarchicalForm) -> list[Problem]:
    """A hierarchical form's parameters: those of its shape, each rule checked where every value it reads is a number.

    A rule that reads an expression is checked in every world when the
    worlds are drawn (:meth:`outlook.distributions.Conditional.problem`).
    """
    expected = dist.CONDITIONAL_SHAPES.get(form.shape)
    names = tuple(k for k, _ in form.params)
    if expected is None or names != expected:
        return [(form.form, f"expected the parameters {', '.join(expected or ())}", list(names), "")]
    if not form.expressions:
        return [(form.form, "states no expression; write the plain form", None, "")]
    lo, hi = form.low, form.high
    if math.isnan(lo) or math.isnan(hi) or not lo < hi:
        return [("truncate", "expected [low, high] with low below high", [lo, hi], "")]
    if form.form == "probability" and (lo, hi) != (-math.inf, math.inf):
        return [("truncate", "truncate applies to a continuous distribution, not probability", None, "")]
    numbers = {k: v for k, v in form.params if isinstance(v, float)}
    d = distribution_of(form)
    assert isinstance(d, dist.Conditional)
    for k, v in numbers.items():
        if not math.isfinite(v):
            return [(f"{form.form}.{k}", f"{k} must be a finite number", v, "")]
    for k in _EACH_POSITIVE.get(form.shape, ()):  # a number beside an expression, checked on its own, at itself
        if k in numbers and not numbers[k] > 0:
            return [(f"{form.form}.{k}", f"{k} must be positive", numbers[k], "")]
    for involved, test, rule in dist.CONDITIONAL_RULES[form.shape]:
        if all(k in numbers for k in involved) and not bool(test(numbers)):
            part = form.form if form.form == "probability" else f"{form.form}.{involved[-1]}"
            return [(part, rule, [numbers[k] for k in involved] if len(involved) > 1 else numbers[involved[0]], "")]
    return []


def _range_problems(form: RangeForm) -> list[Problem]:
    lo, hi, shape = form.low, form.high, form.shape
    if shape not in dist.RANGE_SHAPES:
        expected = "unknown shape; expected one of " + ", ".join(dist.RANGE_SHAPES)
        return [("shape", expected, shape, did_you_mean(shape, dist.RANGE_SHAPES))]
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [("range", "expected finite numbers", [lo, hi], "")]
    if lo > hi:
        return [("range", f"low {_num(lo)} > high {_num(hi)}", [lo, hi], f"Did you mean [{_num(hi)}, {_num(lo)}]?")]
    if lo == hi:
        return [("range", "low equals high; use constant: for a fixed value", [lo, hi], "")]
    bounded = shape in ("uniform", "triangular", "pert")
    conf = form.confidence
    if conf is not None and not (0 < conf < 1 or (conf == 1 and bounded)):
        allowed = "(0, 1], 1 meaning hard bounds" if bounded else "(0, 1)"
        return [("confidence", f"confidence must lie in {allowed}", conf, "")]
    if shape == "lognormal" and lo <= 0:
        return [("range", "a lognormal range must be positive", [lo, hi], "")]
    if shape == "beta" and not (0 < lo and hi < 1):
        return [("range", "a beta range must lie inside (0, 1)", [lo, hi], "")]
    if shape in ("triangular", "pert"):
        if form.mode is None:
            return [("range", f"a {shape} range needs a mode", None, "")]
        if not lo < form.mode < hi:
            return [("mode", f"mode must lie inside the range [{_num(lo)}, {_num(hi)}]", form.mode, "")]
    elif form.mode is not None:
        return [("mode", f"mode applies only to triangular and pert ranges, not {shape}", None, "")]
    if form.lam is not None:
        if shape != "pert":
            return [("lambda", f"lambda applies only to pert ranges, not {shape}", None, "")]
        if form.lam <= 0:
            return [("lambda", "must be positive", form.lam, "")]
    return []


def _categorical_problems(form: CategoricalForm) -> list[Problem]:
    if not form.categories:
        return [("categorical", "needs at least one category", None, "")]
    bad: list[Problem] = [
        (f"categorical.{c}", "probability must lie in [0, 1]", p, "") for c, p in form.categories if not 0 <= p <= 1
    ]
    if bad:
        return bad
    names = [c for c, _ in form.categories]
    twice = sorted({c for c in names if names.count(c) > 1})
    if twice:
        return [("categorical", f"category {twice[0]!r} is given twice", None, "")]
    total = sum(p for _, p in form.categories)
    if abs(total - 1.0) > 1e-9:
        return [("categorical", "category probabilities must sum to 1", round(total, 12), "")]
    return []


#: The largest magnitude a driver's draws may reach: 1e150. A run sums each
#: quantity's squared deviations over blocks of 65,536 worlds
#: (:data:`outlook.model.BLOCK_SIZE`); with every draw within +-1e150 a
#: deviation is at most 2e150 and a block's sum at most 65,536 * 4e300, about
#: 2.6e305, below the largest float (about 1.8e308), so no mean or standard
#: deviation of a driver overflows at run time.
MAX_MAGNITUDE = 1e150


def sampling_problem(d: dist.Distribution) -> str | None:
    """Why ``d`` cannot be sampled as finite numbers whose summaries stay finite, or ``None``.

    Checks that every parameter is a finite number, that a scale (``sd``,
    ``sigma``, ``alpha``, ``beta``, the width of bounds) is positive, and
    that the draws at normal scores within +-9 (see
    :func:`outlook.distributions.overflow_share`) stay within
    :data:`MAX_MAGNITUDE`. A range whose numbers are too extreme for
    floating point (``confidence: 0.9999999999999999``, whose z is infinite,
    gives a normal with ``sd`` 0) is caught here, not at run time.

    >>> sampling_problem(dist.Normal(1.5, 0.0))
    'gives normal(mean=1.5, sd=0) whose sd is not a positive finite number; state a wider range or a smaller confidence'
    >>> sampling_problem(dist.Constant(1e308))
    'values reach 1e+308, beyond 1e+150: too large for a run to summarise; express it in larger units'
    """
    try:
        return _sampling_problem_of(d)  # a pure function of the parameters: a what-if's unchanged drivers hit
    except TypeError:  # parameters that cannot be hashed (arrays): no cache
        return _sampling_problem(d)


@functools.lru_cache(maxsize=1024)
def _sampling_problem_of(d: dist.Distribution) -> str | None:
    return _sampling_problem(d)


def _sampling_problem(d: dist.Distribution) -> str | None:
    if isinstance(d, dist.Truncated | dist.Mixture):
        return _composite_sampling_problem(d)
    params = {f.name: getattr(d, f.name) for f in fields(d) if isinstance(getattr(d, f.name), float)}  # type: ignore[arg-type]
    scales = [n for n in ("sd", "sigma", "alpha", "beta", "shape", "scale", "df") if n in params]
    bad = [n for n, v in params.items() if not math.isfinite(v)] or [n for n in scales if not params[n] > 0]
    if not bad and "lo" in params and "hi" in params and not params["lo"] < params["hi"]:
        bad = ["hi"]
    if bad:
        return (
            f"gives {d.describe()} whose {bad[0]} is not a positive finite number; "
            "state a wider range or a smaller confidence"
            if bad[0] in scales
            else f"gives {d.describe()} whose {bad[0]} is not a finite number; state less extreme numbers"
        )
    if d.kind == "constant":
        reach = abs(params["value"])
    elif d.kind == "continuous":
        with np.errstate(over="ignore", invalid="ignore"):
            x = d.from_normal(np.linspace(-dist.OVERFLOW_Z, dist.OVERFLOW_Z, 181))
        reach = float(np.max(np.abs(x))) if np.isfinite(x).all() else math.inf
    else:
        return None
    if reach > MAX_MAGNITUDE:
        return (
            f"values reach {reach:.4g}, beyond {MAX_MAGNITUDE:.4g}: too large for a run to summarise; "
            "express it in larger units"
        )
    return None


def _composite_sampling_problem(d: dist.Truncated | dist.Mixture) -> str | None:
    """:func:`sampling_problem` of each part, then of the draws' reach (at normal scores within +-9)."""
    for part in d.components if isinstance(d, dist.Mixture) else (d.base,):
        problem = sampling_problem(part)
        if problem and not (isinstance(d, dist.Truncated) and problem.startswith("values reach")):
            return problem
    with np.errstate(over="ignore", invalid="ignore"):
        x = d.from_normal(np.linspace(-dist.OVERFLOW_Z, dist.OVERFLOW_Z, 181))
    reach = float(np.max(np.abs(x))) if np.isfinite(x).all() else math.inf
    if reach > MAX_MAGNITUDE:
        return (
            f"values reach {reach:.4g}, beyond {MAX_MAGNITUDE:.4g}: too large for a run to summarise; "
            "express it in larger units"
        )
    return None


@functools.lru_cache(maxsize=1024)
def distribution_of(form: Form) -> dist.Distribution:
    """The distribution that is sampled for what a driver states: the one place it is derived.

    Parameters
    ----------
    form
        A form without problems (:func:`form_problems` is empty).

    Returns
    -------
    Distribution
        A frozen value, shared between equal forms (the result is cached:
        fitting a triangular, PERT or beta range solves equations).

    Raises
    ------
    ValueError
        If a range cannot be fitted (:func:`outlook.distributions.from_range`),
        including a fit that divides by zero or overflows.

    Notes
    -----
    A range becomes the distribution of its shape whose central
    ``confidence`` interval is [low, high] (:func:`outlook.distributions.from_range`,
    which gives the formulas); PERT is Beta-PERT (:func:`outlook.distributions.pert`);
    every other form is the distribution of the same name and parameters.

    Examples
    --------
    >>> distribution_of(RangeForm(8000, 12000, "normal")).describe()
    'normal(mean=10000, sd=1215.91)'
    """
    if isinstance(form, RangeForm):
        try:
            return dist.from_range(
                form.shape,
                form.low,
                form.high,
                confidence=DEFAULT_CONFIDENCE if form.confidence is None else form.confidence,
                mode=form.mode,
                lam=DEFAULT_LAMBDA if form.lam is None else form.lam,
            )
        except ArithmeticError:  # a division by zero or an overflow while fitting: numbers too extreme for floats
            msg = "this range cannot be fitted in floating point: its ends or confidence are too extreme"
            raise ValueError(msg) from None
    if isinstance(form, NormalForm):
        return dist.Normal(form.mean, form.sd)
    if isinstance(form, LogNormalForm):
        return dist.LogNormal(form.mu, form.sigma)
    if isinstance(form, UniformForm):
        return dist.Uniform(form.min, form.max)
    if isinstance(form, TriangularForm):
        return dist.Triangular(form.min, form.mode, form.max)
    if isinstance(form, PertForm):
        return dist.pert(form.min, form.mode, form.max, DEFAULT_LAMBDA if form.lam is None else form.lam)
    if isinstance(form, BetaForm):
        return dist.Beta(form.alpha, form.beta)
    if isinstance(form, ConstantForm):
        return dist.Constant(form.value)
    newer = _new_distribution(form)
    if newer is not None:
        return newer
    if isinstance(form, HierarchicalForm):
        params = tuple((k, v.text if isinstance(v, Expression) else v) for k, v in form.params)
        return dist.Conditional(form.shape, params, form.low, form.high)
    if isinstance(form, ProbabilityForm):
        return dist.Bernoulli(form.p)
    assert isinstance(form, CategoricalForm)
    return dist.Categorical(tuple(c for c, _ in form.categories), tuple(p for _, p in form.categories))


def truncate_text(low: float, high: float) -> str:
    """``truncate: [low, high]`` as a file writes it: an infinite end (no bound) is ``null``.

    >>> truncate_text(1000.0, math.inf)
    '[1000, null]'
    """
    return "[" + ", ".join(_num(end) if math.isfinite(end) else "null" for end in (low, high)) + "]"


#: A truncation must keep at least this share of its distribution's mass: below it the draws would rest on
#: the last digits of the CDF (the share 1e-12 leaves about four significant digits of it).
MIN_TRUNCATED_MASS = 1e-12


def _new_distribution(form: Form) -> dist.Distribution | None:
    """The distribution of a form of format 1.1 (``None`` for the older forms).

    ``lognormal: {mean, sd}`` is ``sigma^2 = ln(1 + sd^2 / mean^2)``,
    ``mu = ln(mean) - sigma^2 / 2`` (the lognormal's moments: Johnson, Kotz
    and Balakrishnan 1994, eq. 14.8a-b); gamma, Student's t and log-uniform
    are those of :mod:`outlook.distributions`; a truncation is its base
    conditioned on [low, high]; a mixture's components are each derived
    the same way.

    Raises
    ------
    ValueError
        If a truncation keeps less than :data:`MIN_TRUNCATED_MASS` of the mass.
    """
    if isinstance(form, LogNormalMomentsForm):
        s2 = math.log1p((form.sd / form.mean) ** 2)
        return dist.LogNormal(math.log(form.mean) - s2 / 2, math.sqrt(s2))
    if isinstance(form, GammaForm):
        return dist.Gamma(form.shape, form.scale)
    if isinstance(form, StudentTForm):
        return dist.StudentT(form.df, form.location, form.scale)
    if isinstance(form, LogUniformForm):
        return dist.LogUniform(form.min, form.max)
    if isinstance(form, MixtureForm):
        return dist.Mixture(tuple(distribution_of(c) for _, c in form.components), tuple(w for w, _ in form.components))
    if isinstance(form, TruncatedForm):
        t = dist.Truncated(distribution_of(form.base), form.low, form.high)
        if not t.mass() >= MIN_TRUNCATED_MASS:
            msg = (
                f"truncate {truncate_text(form.low, form.high)} keeps a share {t.mass():.3g} of "
                f"{t.base.describe()}, below {MIN_TRUNCATED_MASS:g}: widen it"
            )
            raise ValueError(msg)
        return t
    return None


def form_data(form: Form) -> dict[str, Any]:
    """The form as a file writes it: ``{"range": [lo, hi], "shape": ...}``, ``{"normal": {...}}``, ...

    Only what is stated: an option that is ``None`` is left out.

    >>> form_data(RangeForm(8000, 12000, "normal"))
    {'range': [8000.0, 12000.0], 'shape': 'normal'}
    """
    if isinstance(form, RangeForm):
        out: dict[str, Any] = {"range": [form.low, form.high], "shape": form.shape}
        for key, value in (("confidence", form.confidence), ("mode", form.mode), ("lambda", form.lam)):
            if value is not None:
                out[key] = value
        return out
    if isinstance(form, ConstantForm):
        return {"constant": form.value}
    if isinstance(form, ProbabilityForm):
        return {"probability": form.p}
    if isinstance(form, CategoricalForm):
        return {"categorical": dict(form.categories)}
    if isinstance(form, TruncatedForm):
        ends = [end if math.isfinite(end) else None for end in (form.low, form.high)]  # null: no bound
        return {**form_data(form.base), "truncate": ends}
    if isinstance(form, MixtureForm):
        return {"mixture": [{"weight": w, **form_data(c)} for w, c in form.components]}
    if isinstance(form, HierarchicalForm):
        values = {k: v.text if isinstance(v, Expression) else v for k, v in form.params}
        data: dict[str, Any] = {form.form: values["p"] if form.form == "probability" else values}
        if (form.low, form.high) != (-math.inf, math.inf):
            data["truncate"] = [end if math.isfinite(end) else None for end in (form.low, form.high)]
        return data
    params = {("lambda" if f.name == "lam" else f.name): getattr(form, f.name) for f in fields(form)}
    return {form.form: {k: v for k, v in params.items() if v is not None}}
