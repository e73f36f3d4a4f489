"""The ``drivers`` section: each driver's distribution form, checked where it is written.

Owns the distribution forms a file may state (``range`` with a shape,
``normal``, ``lognormal``, ``uniform``, ``triangular``, ``pert``, ``beta``,
``constant``, ``probability``, ``categorical``; since format 1.1 also
``gamma``, ``student_t``, ``loguniform``, ``mixture``, ``lognormal: {mean,
sd}``, ``truncate:`` beside any continuous form, ``coverage:`` for
``confidence:`` and percentages where a probability is expected) and the
located message for each problem in one. Never samples.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .. import distributions as dist
from ..errors import Location, did_you_mean
from ..errors import number_text as _num
from .expressions import ANY, YES_NO, Expression, NameKind, Timing, names_in
from .order import toposort
from .provenance import read_citations
from .reading import Node
from .records import Driver, SourceRef
from .stated import (
    DEFAULT_LAMBDA,
    MIN_TRUNCATED_MASS,
    BetaForm,
    CategoricalForm,
    ConstantForm,
    Form,
    GammaForm,
    HierarchicalForm,
    LogNormalForm,
    LogNormalMomentsForm,
    LogUniformForm,
    MixtureForm,
    NormalForm,
    PertForm,
    ProbabilityForm,
    RangeForm,
    StudentTForm,
    TriangularForm,
    TruncatedForm,
    UniformForm,
    distribution_of,
    form_problems,
    truncate_text,
)
from .values import Reader, Skip, shown

__all__ = [
    "FORMS",
    "drivers",
]

#: every distribution form, in the order messages list them
FORMS = (
    "range",
    "normal",
    "lognormal",
    "uniform",
    "triangular",
    "pert",
    "beta",
    "constant",
    "probability",
    "categorical",
    "gamma",
    "student_t",
    "loguniform",
    "mixture",
)
#: the forms format 1.1 adds (an older file may not state them)
_NEW_FORMS = ("gamma", "student_t", "loguniform", "mixture")
#: the parameters of the forms written as a mapping or a list
_PARAMS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "lognormal": ("mu", "sigma"),
    "uniform": ("min", "max"),
    "triangular": ("min", "mode", "max"),
    "pert": ("min", "mode", "max"),
    "beta": ("alpha", "beta"),
    "gamma": ("shape", "scale"),
    "student_t": ("df", "location", "scale"),
    "loguniform": ("min", "max"),
}
#: parameters that may be left out, with the value they then take
_DEFAULTS: dict[str, dict[str, float]] = {"student_t": {"location": 0.0, "scale": 1.0}}
#: the record of each form written as a mapping or a list
_PARAMETRIC: dict[str, Callable[..., Form]] = {
    "normal": NormalForm,
    "lognormal": LogNormalForm,
    "uniform": UniformForm,
    "triangular": TriangularForm,
    "beta": BetaForm,
    "gamma": GammaForm,
    "student_t": StudentTForm,
    "loguniform": LogUniformForm,
}
_DESCRIPTION = ("label", "unit", "note", "source", "sources")
_RANGE_OPTIONS = ("shape", "coverage", "confidence", "mode", "lambda")
#: the forms ``truncate:`` may stand beside
_TRUNCATABLE = (
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
    "mixture",
)


@dataclass(frozen=True)
class _Scope:
    """What a driver's parameter written as an expression may read (format 1.1): the drivers read before it."""

    kinds: Mapping[str, NameKind]
    refused: dict[str, str]
    #: every driver the section defines
    drivers: frozenset[str] = frozenset()
    #: what ``date()`` and ``years()`` count from (``None``: they are unknown)
    timing: Timing | None = None
    #: the value of each driver read so far that is a constant: a parameter reading only these is a number
    constants: Mapping[str, float] = dataclasses.field(default_factory=dict)


#: why a name that is not a driver cannot be read by a driver's parameter
_PARAMETERS_READ = "a driver's parameter may read only other drivers (numbers, pi and functions too)"


def drivers(r: Reader, node: Node, timing: Timing | None = None) -> tuple[Driver, ...]:
    """Every driver that is valid, in the file's order; each problem is recorded.

    Drivers are read in the order their parameters use each other
    (:func:`~outlook.scenario.order.toposort`; the file's order otherwise), so
    that an expression knows what each driver it reads holds; a cycle is
    reported once, and the drivers on it (and after it) are not read
    further, but stay defined: their uses elsewhere are no new mistake.
    ``timing``: what ``date()`` and ``years()`` in a parameter count from.
    """
    m = r.mapping(node, "drivers", what="a mapping of driver ids")
    deps = {name: [d for d in _parameter_names(dnode) if d in m] for name, dnode in m.items()}
    order = toposort(r, deps, {n: _where(r, dnode, f"drivers.{n}") for n, dnode in m.items()}, "drivers")
    refused = dict.fromkeys(sorted(r.defined.get("derived", ())), f"is a derived quantity; {_PARAMETERS_READ}")
    refused.update(dict.fromkeys(sorted(r.defined.get("events", ())), f"is an event; {_PARAMETERS_READ}"))
    refused.setdefault(
        "t", f"is the end of a horizon, which a driver (drawn once per world) cannot read: {_PARAMETERS_READ}"
    )
    kinds: dict[str, NameKind] = {}
    done: set[str] = set()
    out: dict[str, Driver] = {}
    constants: dict[str, float] = {}
    for name in order:
        if any(d not in done for d in deps[name]):  # on a cycle (reported) or after one
            continue
        done.add(name)
        kinds[name] = ANY  # if it fails: declared, of unknown kind, so that no cascade follows
        with r.collecting():
            d = driver(r, node, name, m[name], _Scope(kinds, refused, frozenset(m), timing, constants))
            out[name] = d
            if isinstance(d.stated, ConstantForm):
                constants[name] = d.stated.value
            kinds[name] = d.categories if d.categories is not None else YES_NO if d.kind == "yes/no" else None
    for name in (n for n in m if n not in done):  # on a cycle or after one: defined, so no cascade where it is used
        with r.collecting():
            r.claim(node, name, "drivers")
    return tuple(out[n] for n in m if n in out)


def _where(r: Reader, node: Node, kp: str) -> Location:
    """Where a driver is, for a cycle: the override that gave one of its parameters text, if one did."""
    for item in _parameter_nodes(node):
        if item.override and item.override != node.override and isinstance(item.value, str):
            return Location(r.path, 0, 0, kp, item.override)
    return r.at(node, kp)


def _parameter_nodes(node: Node) -> list[Node]:
    """The scalar nodes of a driver's parameters (those that may be written as expressions)."""
    if node.kind != "map":
        return []
    found: list[Node] = []
    for key in (k for k in node.value if k in FORMS and k not in ("categorical", "mixture", "range")):
        fnode = node.value[key]
        items = fnode.value.values() if fnode.kind == "map" else fnode.value if fnode.kind == "seq" else [fnode]
        found += [item for item in items if item.kind == "scalar"]
    return found


def _parameter_names(node: Node) -> list[str]:
    """The names a driver's parameters written as text mention, in the order they are written (for ordering)."""
    found: list[str] = []
    for item in _parameter_nodes(node):
        if isinstance(item.value, str):
            found += sorted(names_in(item.value))
    return list(dict.fromkeys(found))


def driver(r: Reader, parent: Node, name: str, node: Node, scope: _Scope | None = None) -> Driver:
    """One driver: its name declared, its form and description read, its values checked where written."""
    kp = f"drivers.{name}"
    r.claim(parent, name, "drivers")
    if node.kind == "scalar" and isinstance(node.value, int | float):
        # the shorthand `k: 5` for `k: {constant: 5}`: the same number, validated the same way
        with r.placing(node, kp):
            return Driver(name, ConstantForm(r.number(node, kp)), where=r.at(node, kp))
    if node.kind != "map":
        raise r.fail(r.at(node, kp), "expected a mapping with a distribution" + _not_a_form(node), got=shown(node))
    form = _form(r, node, kp)
    m = r.mapping(node, kp, optional=(*_DESCRIPTION, form, *_options(form)))
    text = r.texts(m, kp, ("label", "unit", "note"))
    source = None
    if "source" in m:
        with r.collecting():
            source = r.source_ref(m["source"], kp + ".source")
    cited: tuple[SourceRef, ...] = ()
    if "sources" in m:
        with r.collecting():
            cited = read_citations(r, m["sources"], kp + ".sources")
    stated = _truncated(r, m, kp, _stated(r, form, m, kp, scope))
    if isinstance(stated, HierarchicalForm) and scope is not None:
        where = r.at(m["truncate"], kp + ".truncate") if "truncate" in m else r.at(node, kp)
        _check_constant_parameters(r, stated, scope.constants, where)
    notes = _deprecations(r, node, kp)
    with r.placing(node, kp):  # the form's own checks (low > high, sd <= 0, ...), at the value they concern
        return Driver(
            name,
            stated,
            text.get("label", ""),
            text.get("unit", ""),
            text.get("note", ""),
            source,
            r.at(node, kp),
            notes=notes,
            sources=cited,
        )


def _check_constant_parameters(
    r: Reader, form: HierarchicalForm, constants: Mapping[str, float], truncate: Location
) -> None:
    """Refuse, at load, parameters that read only constant drivers and break a rule of their shape.

    Such a parameter is the same number in every world: a run would fail in
    all of them, so it is refused where it is written, as a number would be;
    so is a truncation (at ``truncate``) that keeps less than 1e-12 of the
    distribution. A problem of its numbers alone is left to the record,
    which reports it at them.
    """
    if not form.parents <= set(constants) or form_problems(form):
        return
    env = {k: np.array([constants[k]]) for k in form.parents}
    exprs = dict(form.expressions)
    values = {k: float(v.evaluate(env, 1)[0]) if isinstance(v, Expression) else v for k, v in form.params}

    def fail(at: str, rule: str, got: str) -> Skip:
        e = exprs[at]
        return r.fail(
            e.where, f"{rule} (got {got}; {at} = {e.text} reads only constant drivers, so every world has these values)"
        )

    for k in exprs:
        if not math.isfinite(values[k]):
            raise fail(k, f"{k} must be a finite number", _num(values[k]))
    for involved, test, rule in dist.CONDITIONAL_RULES[form.shape]:
        if any(k in exprs for k in involved) and not bool(test(values)):
            at = next(k for k in reversed(involved) if k in exprs)
            got = [_num(values[k]) for k in involved]
            raise fail(at, rule, got[0] if len(got) == 1 else f"[{', '.join(got)}]")
    c = distribution_of(form)
    assert isinstance(c, dist.Conditional)
    if c.truncated and not float(c.mass({k: np.array([v]) for k, v in values.items()})[0]) >= MIN_TRUNCATED_MASS:
        shown = ", ".join(f"{k} {_num(values[k])}" for k, _ in form.params)
        raise r.fail(
            truncate,
            f"truncate {truncate_text(form.low, form.high)} keeps less than {MIN_TRUNCATED_MASS:g} of the distribution "
            f"at {shown}, which its parameters (reading only constant drivers) give in every world: widen it",
        )


def _options(form: str) -> tuple[str, ...]:
    """The keys allowed beside ``form`` (besides the description)."""
    options = _RANGE_OPTIONS if form == "range" else ("lambda",) if form == "pert" else ()
    return (*options, "truncate") if form in _TRUNCATABLE else options


def _deprecations(r: Reader, node: Node, kp: str) -> tuple[str, ...]:
    """The located notes for deprecated keys of a driver's mapping (``confidence:``, now ``coverage:``)."""
    if "confidence" not in node.value:
        return ()
    where = r.at_key(node, "confidence", kp + ".confidence")
    return (
        f"{where}: {kp}.confidence: warning: 'confidence' is deprecated: write 'coverage' (the share of the "
        "distribution inside the range; format 1.1), which means the same",
    )


def _truncated(r: Reader, m: dict[str, Node], kp: str, stated: Form) -> Form:
    """``stated`` conditioned on ``truncate: [low, high]`` when the mapping has one (format 1.1)."""
    if "truncate" not in m:
        return stated
    tnode, tkp = m["truncate"], kp + ".truncate"
    r.needs_format(r.at(tnode, tkp), "truncate")
    if tnode.kind != "seq" or len(tnode.value) != 2:
        raise r.fail(r.at(tnode, tkp), "expected [low, high] (null for no bound)", got=shown(tnode))
    ends = []
    for i, (item, unbounded) in enumerate(zip(tnode.value, (-math.inf, math.inf))):
        v = item.value
        if item.kind == "scalar" and (v is None or (isinstance(v, float) and v == unbounded)):
            ends.append(unbounded)
        else:
            ends.append(r.number(_no_expression(r, item, f"{tkp}[{i}]"), f"{tkp}[{i}]"))
    if isinstance(stated, HierarchicalForm):  # truncated world by world (format 1.1)
        return dataclasses.replace(stated, low=ends[0], high=ends[1])
    return TruncatedForm(stated, ends[0], ends[1])


def _not_a_form(node: Node) -> str:
    """The hint for a driver written as text: an expression is a derived quantity, not a driver."""
    return "; an expression belongs under derived:" if node.kind == "scalar" and isinstance(node.value, str) else ""


def _form(r: Reader, node: Node, kp: str, also: tuple[str, ...] = ()) -> str:
    """The one distribution form a driver's mapping (or a mixture's component, whose ``also`` is its weight) gives."""
    forms: list[str] = [k for k in node.value if k in FORMS]
    if not forms:
        # a misspelt form ("rnage") is better reported as an unknown key with a hint
        before = len(r.errors)
        r.mapping(node, kp, optional=(*also, *_DESCRIPTION, *FORMS, *_RANGE_OPTIONS, "truncate"))
        if len(r.errors) > before:
            raise Skip()
        raise r.fail(r.at(node, kp), "missing a distribution: one of " + ", ".join(FORMS))
    if len(forms) > 1:
        raise r.fail(r.at_key(node, forms[1], kp), f"has both {forms[0]!r} and {forms[1]!r}; give one distribution")
    if forms[0] in _NEW_FORMS:
        r.needs_format(r.at_key(node, forms[0], f"{kp}.{forms[0]}"), f"the form {forms[0]!r}")
    return forms[0]


def _stated(r: Reader, form: str, m: dict[str, Node], kp: str, scope: _Scope | None = None) -> Form:
    """What ``form`` states, each value read as the kind it must be (its limits are the form's own checks).

    ``scope``: what a parameter written as an expression may read (``None``
    in a mixture's component, which refuses one).
    """
    fnode = m[form]
    fkp = f"{kp}.{form}"
    if form == "range":
        return _range(r, m, kp)
    if form == "constant":
        return ConstantForm(r.number(_no_expression(r, fnode, fkp), fkp))
    if form == "probability":
        p = _value(r, fnode, fkp, scope, probability=True)
        return ProbabilityForm(p) if isinstance(p, float) else HierarchicalForm("probability", (("p", p),))
    if form == "categorical":
        return _categorical(r, fnode, fkp)
    if form == "mixture":
        return _mixture(r, fnode, fkp)
    if form == "lognormal" and fnode.kind == "map" and ("mean" in fnode.value or "sd" in fnode.value):
        r.needs_format(r.at(fnode, fkp), "lognormal: {mean, sd}")
        pm = r.mapping(fnode, fkp, required=("mean", "sd"), what="a mapping {mean, sd}")
        if set(pm) != {"mean", "sd"}:
            raise Skip()
        mean, sd = (_value(r, pm[k], f"{fkp}.{k}", scope) for k in ("mean", "sd"))
        if isinstance(mean, float) and isinstance(sd, float):
            return LogNormalMomentsForm(mean, sd)
        return HierarchicalForm("lognormal", (("mean", mean), ("sd", sd)))
    values = _parameters(r, form, fnode, fkp, scope)
    if form == "pert" and "lambda" in m:
        if "lambda" in values:
            raise r.fail(r.at_key(fnode, "lambda", fkp + ".lambda"), "lambda is given twice, here and beside pert")
        values["lambda"] = r.positive(m["lambda"], kp + ".lambda")
    if any(isinstance(v, Expression) for v in values.values()):
        if form == "pert":
            values.setdefault("lambda", DEFAULT_LAMBDA)
        return HierarchicalForm(form, tuple((k, values[k]) for k in dist.CONDITIONAL_SHAPES[form]))
    numbers = {k: v for k, v in values.items() if isinstance(v, float)}  # every value here
    if form == "pert":
        lam = numbers.pop("lambda", None)
        return PertForm(**numbers, lam=lam)
    return _PARAMETRIC[form](**numbers)


def _value(r: Reader, node: Node, kp: str, scope: _Scope | None, *, probability: bool = False) -> float | Expression:
    """A parameter: a number, or (format 1.1) an expression over drivers; a constant expression is its number."""
    text = node.value if node.kind == "scalar" and isinstance(node.value, str) and not r.is_percentage(node) else None
    # before format 1.1, text that names no driver is a number mistyped, and said so
    if text is None or (r.version < 1.1 and not (scope and names_in(text) & scope.drivers)):
        return r.probability(node, kp) if probability else r.number(node, kp)
    r.needs_format(r.at(node, kp), "a parameter written as an expression")
    if scope is None:
        raise r.fail(r.at(node, kp), "a mixture's component takes numbers, not expressions", got=node.value)
    for name in ("time", "happened"):  # an event's time, which no driver can read
        found = re.search(rf"\b{name}\s*\(", text)
        if found and name not in scope.kinds:
            where = r.text_at(node, kp, found.start())
            problem = (
                f"{name}() reads an event's time, which a driver (drawn once per world) cannot read: {_PARAMETERS_READ}"
            )
            raise r.fail(where, problem)
    if text.strip() in ("true", "false", "True", "False"):  # quoted, but a yes/no value all the same
        raise r.fail(
            r.at(node, kp),
            f"expected a number or an expression (got {text!r}: a yes/no value; write 1 or 0 for a number)",
        )
    e = r.expression(node, kp, scope.kinds, scope.refused, number=True, timing=scope.timing)
    if e.names:
        return e
    # reads no driver: the number it folds to (inf, min(inf, 1), 1/inf ...), checked as a number written here
    value = e.constant if e.constant is not None else float(e.evaluate({}, 1)[0])
    if not math.isfinite(value):
        raise r.fail(r.at(node, kp), f"expected a finite number (got {text.strip()!r}, which is {value})")
    if probability and not 0.0 <= value <= 1.0:
        raise r.fail(r.at(node, kp), "probability must lie in [0, 1]", got=value)
    return value


def _no_expression(r: Reader, node: Node, kp: str) -> Node:
    """``node``, unless it is text where a number belongs in a format 1.1 file: then say where expressions go."""
    if r.version >= 1.1 and node.kind == "scalar" and isinstance(node.value, str) and not r.is_percentage(node):
        hint = "Expressions are allowed in distribution parameters, not here"
        raise r.fail(r.at(node, kp), "expected a number", got=node.value, hint=hint)
    return node


def _categorical(r: Reader, node: Node, kp: str) -> CategoricalForm:
    cm = r.mapping(node, kp, what="a mapping of category: probability")
    if not cm:
        raise r.fail(r.at(node, kp), "needs at least one category")
    before = len(r.errors)
    probs: dict[str, float] = {}
    for c, v in cm.items():
        with r.collecting():
            probs[c] = r.probability(_no_expression(r, v, f"{kp}.{c}"), f"{kp}.{c}")
    if len(r.errors) > before:
        raise Skip()
    return CategoricalForm(tuple(probs.items()))


def _parameters(r: Reader, form: str, node: Node, kp: str, scope: _Scope | None) -> dict[str, float | Expression]:
    """The values of a parametric form (``normal``, ... ``loguniform``): a mapping or a list; expressions in format 1.1."""
    params = _PARAMS[form]
    if node.kind == "seq" and len(node.value) == len(params):
        if not any(item.kind == "scalar" and isinstance(item.value, str) for item in node.value):
            return dict(zip(params, r.numbers(node, kp, len(params), "")))
        before = len(r.errors)
        listed: dict[str, float | Expression] = {}
        for i, (p, item) in enumerate(zip(params, node.value)):
            with r.collecting():
                listed[p] = _value(r, item, f"{kp}[{i}]", scope)
        if len(r.errors) > before:
            raise Skip()
        return listed
    defaults = _DEFAULTS.get(form, {})
    extra = ("lambda",) if form == "pert" else tuple(defaults)
    required = tuple(p for p in params if p not in defaults)
    pm = r.mapping(node, kp, required=required, optional=extra, what=f"a mapping {{{', '.join(params)}}}")
    before = len(r.errors)
    values: dict[str, float | Expression] = dict(defaults)
    for k in pm:
        with r.collecting():
            values[k] = _value(r, pm[k], f"{kp}.{k}", scope)
    if len(r.errors) > before or any(k not in values for k in params):
        raise Skip()
    return values


def _range(r: Reader, m: dict[str, Node], kp: str) -> RangeForm:
    """``range: [low, high]`` with a ``shape`` and its options (``coverage``, or the older ``confidence``)."""
    rnode = m["range"]
    rkp = kp + ".range"
    percent = rnode.kind == "seq" and any(r.is_percentage(item) for item in rnode.value)
    if not percent:
        if rnode.kind == "seq":
            for i, item in enumerate(rnode.value):
                _no_expression(r, item, f"{rkp}[{i}]")
        lo, hi = r.numbers(rnode, rkp, 2, "[low, high]")
    if "shape" not in m:
        raise r.fail(r.at(rnode, rkp), "a range needs a shape: one of " + ", ".join(dist.RANGE_SHAPES))
    shape = r.text(m["shape"], kp + ".shape")
    if percent:
        lo, hi = _percent_ends(r, rnode, rkp, shape)
    if "coverage" in m and "confidence" in m:
        raise r.fail(
            r.at(m["confidence"], kp + ".confidence"),
            "give coverage or confidence, not both ('confidence' is deprecated)",
        )
    coverage = None
    for key in ("coverage", "confidence"):
        if key in m:
            if key == "coverage":
                r.needs_format(r.at(m[key], kp + ".coverage"), "coverage")
            coverage = r.share(_no_expression(r, m[key], f"{kp}.{key}"), f"{kp}.{key}")
    mode = r.number(_no_expression(r, m["mode"], kp + ".mode"), kp + ".mode") if "mode" in m else None
    lam = r.positive(m["lambda"], kp + ".lambda") if "lambda" in m else None
    return RangeForm(lo, hi, shape, coverage, mode, lam)


def _percent_ends(r: Reader, node: Node, kp: str, shape: str) -> tuple[float, float]:
    """A range's [low, high] in percentages (``[20%, 60%]``): only a beta range's values are shares."""
    if shape != "beta":
        raise r.fail(r.at(node, kp), "a range in percentages is a range of probabilities: it needs shape: beta")
    if len(node.value) != 2:
        raise r.fail(r.at(node, kp), "expected [low, high]", got=shown(node))
    before = len(r.errors)
    ends = []
    for i, item in enumerate(node.value):
        with r.collecting():
            ends.append(r.share(item, f"{kp}[{i}]"))
    if len(r.errors) > before:
        raise Skip()
    return ends[0], ends[1]


def _mixture(r: Reader, node: Node, kp: str) -> MixtureForm:
    """``mixture: [{weight: w, <form>...}, ...]``: each component a form of its own, checked where it is written."""
    if node.kind != "seq" or not node.value:
        raise r.fail(r.at(node, kp), "expected a list of components, each {weight: w, <distribution>}", got=shown(node))
    before = len(r.errors)
    parts: list[tuple[float, Form]] = []
    for k, item in enumerate(node.value):
        ckp = f"{kp}[{k}]"
        with r.collecting():
            if item.kind != "map":
                raise r.fail(r.at(item, ckp), "expected a mapping {weight: w, <distribution>}", got=shown(item))
            if "weight" not in item.value:
                near = [k for k in item.value if did_you_mean(k, ("weight",))]
                if near:  # 'wieght': the misspelling, not the missing key it leaves
                    hint = did_you_mean(near[0], ("weight",))
                    raise r.fail(r.at_key(item, near[0], f"{ckp}.{near[0]}"), f"unknown key {near[0]!r}", hint=hint)
                raise r.fail(r.at(item, ckp), "missing required key 'weight'")
            form = _form(r, item, ckp, also=("weight",))
            if form in ("probability", "categorical", "mixture"):
                raise r.fail(r.at_key(item, form, f"{ckp}.{form}"), f"a mixture's component cannot be {form}")
            cm = r.mapping(item, ckp, required=("weight",), optional=(form, *_options(form)))
            weight = r.share(_no_expression(r, cm["weight"], ckp + ".weight"), ckp + ".weight")
            if not weight > 0:
                raise r.fail(r.at(cm["weight"], ckp + ".weight"), "a weight must be a positive number", got=weight)
            stated = _truncated(r, cm, ckp, _stated(r, form, cm, ckp))
            for part, problem, got, hint in form_problems(stated):
                target = cm.get(part.split(".")[0], item)
                raise r.fail(r.at(target, f"{ckp}.{part}"), problem, got=got, hint=hint)
            parts.append((weight, stated))
    if len(r.errors) > before:
        raise Skip()
    return MixtureForm(tuple(parts))
