"""The ``drivers`` section: each driver's distribution form, checked where it is written.

Owns the distribution forms a file may state (``range`` with a shape,
``normal``, ``lognormal``, ``uniform``, ``triangular``, ``pert``, ``beta``,
``constant``, ``probability``, ``categorical``) and the located message for
each problem in one. Never samples.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import distributions as dist
from .reading import Node
from .records import Driver
from .stated import (
    BetaForm,
    CategoricalForm,
    ConstantForm,
    Form,
    LogNormalForm,
    NormalForm,
    PertForm,
    ProbabilityForm,
    RangeForm,
    TriangularForm,
    UniformForm,
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
)
#: the parameters of the forms written as a mapping or a list
_PARAMS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "lognormal": ("mu", "sigma"),
    "uniform": ("min", "max"),
    "triangular": ("min", "mode", "max"),
    "pert": ("min", "mode", "max"),
    "beta": ("alpha", "beta"),
}
#: the record of each form written as a mapping or a list
_PARAMETRIC: dict[str, Callable[..., Form]] = {
    "normal": NormalForm,
    "lognormal": LogNormalForm,
    "uniform": UniformForm,
    "triangular": TriangularForm,
    "beta": BetaForm,
}
_DESCRIPTION = ("label", "unit", "note", "source")
_RANGE_OPTIONS = ("shape", "confidence", "mode", "lambda")


def drivers(r: Reader, node: Node) -> tuple[Driver, ...]:
    """Every driver that is valid; each problem is recorded."""
    m = r.mapping(node, "drivers", what="a mapping of driver ids")
    out = []
    for name, dnode in m.items():
        with r.collecting():
            out.append(driver(r, node, name, dnode))
    return tuple(out)


def driver(r: Reader, parent: Node, name: str, node: Node) -> Driver:
    """One driver: its name declared, its form and description read, its values checked where written."""
    kp = f"drivers.{name}"
    r.claim(parent, name, "drivers")
    if node.kind == "scalar" and isinstance(node.value, int | float):
        # the shorthand `k: 5` for `k: {constant: 5}`: the same number, validated the same way
        with r.placing(node, kp):
            return Driver(name, ConstantForm(r.number(node, kp)), where=r.at(node, kp))
    if node.kind != "map":
        raise r.fail(r.at(node, kp), "expected a mapping with a distribution", got=shown(node))
    form = _form(r, node, kp)
    options = _RANGE_OPTIONS if form == "range" else ("lambda",) if form == "pert" else ()
    m = r.mapping(node, kp, optional=(*_DESCRIPTION, form, *options))
    text = r.texts(m, kp, ("label", "unit", "note"))
    source = None
    if "source" in m:
        with r.collecting():
            source = r.source_ref(m["source"], kp + ".source")
    stated = _stated(r, form, m, kp)
    with r.placing(node, kp):  # the form's own checks (low > high, sd <= 0, ...), at the value they concern
        return Driver(
            name, stated, text.get("label", ""), text.get("unit", ""), text.get("note", ""), source, r.at(node, kp)
        )


def _form(r: Reader, node: Node, kp: str) -> str:
    """The one distribution form a driver's mapping gives."""
    forms: list[str] = [k for k in node.value if k in FORMS]
    if not forms:
        # a misspelt form ("rnage") is better reported as an unknown key with a hint
        before = len(r.errors)
        r.mapping(node, kp, optional=(*_DESCRIPTION, *FORMS, *_RANGE_OPTIONS))
        if len(r.errors) > before:
            raise Skip()
        raise r.fail(r.at(node, kp), "missing a distribution: one of " + ", ".join(FORMS))
    if len(forms) > 1:
        raise r.fail(r.at_key(node, forms[1], kp), f"has both {forms[0]!r} and {forms[1]!r}; give one distribution")
    return forms[0]


def _stated(r: Reader, form: str, m: dict[str, Node], kp: str) -> Form:
    """What ``form`` states, each value read as the kind it must be (its limits are the form's own checks)."""
    fnode = m[form]
    fkp = f"{kp}.{form}"
    if form == "range":
        return _range(r, m, kp)
    if form == "constant":
        return ConstantForm(r.number(fnode, fkp))
    if form == "probability":
        return ProbabilityForm(r.probability(fnode, fkp))
    if form == "categorical":
        return _categorical(r, fnode, fkp)
    values = _parameters(r, form, fnode, fkp)
    if form == "pert":
        if "lambda" in m:
            if "lambda" in values:
                raise r.fail(r.at_key(fnode, "lambda", fkp + ".lambda"), "lambda is given twice, here and beside pert")
            values["lambda"] = r.positive(m["lambda"], kp + ".lambda")
        lam = values.pop("lambda", None)
        return PertForm(**values, lam=lam)
    return _PARAMETRIC[form](**values)


def _categorical(r: Reader, node: Node, kp: str) -> CategoricalForm:
    cm = r.mapping(node, kp, what="a mapping of category: probability")
    if not cm:
        raise r.fail(r.at(node, kp), "needs at least one category")
    before = len(r.errors)
    probs: dict[str, float] = {}
    for c, v in cm.items():
        with r.collecting():
            probs[c] = r.probability(v, f"{kp}.{c}")
    if len(r.errors) > before:
        raise Skip()
    return CategoricalForm(tuple(probs.items()))


def _parameters(r: Reader, form: str, node: Node, kp: str) -> dict[str, float]:
    """The numbers of ``normal``, ``lognormal``, ``uniform``, ``triangular``, ``pert`` or ``beta``: a mapping or a list."""
    params = _PARAMS[form]
    if node.kind == "seq" and len(node.value) == len(params):
        return dict(zip(params, r.numbers(node, kp, len(params), "")))
    extra = ("lambda",) if form == "pert" else ()
    pm = r.mapping(node, kp, required=params, optional=extra, what=f"a mapping {{{', '.join(params)}}}")
    before = len(r.errors)
    values = {}
    for k in pm:
        with r.collecting():
            values[k] = r.number(pm[k], f"{kp}.{k}")
    if len(r.errors) > before or any(k not in values for k in params):
        raise Skip()
    return values


def _range(r: Reader, m: dict[str, Node], kp: str) -> RangeForm:
    """``range: [low, high]`` with a ``shape`` and its options."""
    rnode = m["range"]
    rkp = kp + ".range"
    lo, hi = r.numbers(rnode, rkp, 2, "[low, high]")
    if "shape" not in m:
        raise r.fail(r.at(rnode, rkp), "a range needs a shape: one of " + ", ".join(dist.RANGE_SHAPES))
    shape = r.text(m["shape"], kp + ".shape")
    confidence = r.number(m["confidence"], kp + ".confidence") if "confidence" in m else None
    mode = r.number(m["mode"], kp + ".mode") if "mode" in m else None
    lam = r.positive(m["lambda"], kp + ".lambda") if "lambda" in m else None
    return RangeForm(lo, hi, shape, confidence, mode, lam)
