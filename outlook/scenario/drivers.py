"""The ``drivers`` section: each driver's distribution form, checked where it is written.

Owns the distribution forms a file may state (``range`` with a shape,
``normal``, ``lognormal``, ``uniform``, ``triangular``, ``pert``, ``beta``,
``constant``, ``probability``, ``categorical``) and the located message for
each problem in one. Never samples.
"""

from __future__ import annotations

from typing import Any

from .. import distributions as dist
from ..errors import did_you_mean
from .reading import Node
from .records import Driver
from .values import Reader, Skip, number_text, shown

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
_DESCRIPTION = ("label", "unit", "note", "source")
_RANGE_OPTIONS = ("shape", "confidence", "mode", "lambda")

_Spec = tuple[tuple[str, Any], ...]


def drivers(r: Reader, node: Node) -> tuple[Driver, ...]:
    """Every driver that is valid; each problem is recorded."""
    m = r.mapping(node, "drivers", what="a mapping of driver ids")
    out = []
    for name, dnode in m.items():
        with r.collecting():
            out.append(driver(r, node, name, dnode))
    return tuple(out)


def driver(r: Reader, parent: Node, name: str, node: Node) -> Driver:
    """One driver: its name declared, its form and description read."""
    kp = f"drivers.{name}"
    r.claim(parent, name, "drivers")
    if node.kind == "scalar" and isinstance(node.value, int | float):
        # the shorthand `k: 5` for `k: {constant: 5}`: the same number, validated the same way
        v = r.number(node, kp)
        return Driver(name, dist.Constant(v), (("constant", v),), where=r.at(node, kp))
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
    d, spec = _distribution(r, form, m, kp)
    overflow = dist.overflow_problem(d)  # known at load: refuse now rather than at run time
    if overflow:
        raise r.fail(r.at(m[form], f"{kp}.{form}"), overflow)
    return Driver(
        name, d, spec, text.get("label", ""), text.get("unit", ""), text.get("note", ""), source, r.at(node, kp)
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


def _distribution(r: Reader, form: str, m: dict[str, Node], kp: str) -> tuple[dist.Distribution, _Spec]:
    """The distribution ``form`` states, and the form as (key, value) pairs."""
    fnode = m[form]
    fkp = f"{kp}.{form}"
    if form == "range":
        return _range(r, m, kp)
    if form == "constant":
        v = r.number(fnode, fkp)
        return dist.Constant(v), (("constant", v),)
    if form == "probability":
        p = r.probability(fnode, fkp)
        return dist.Bernoulli(p), (("probability", p),)
    if form == "categorical":
        return _categorical(r, fnode, fkp)
    return _parametric(r, form, m, kp)


def _categorical(r: Reader, node: Node, kp: str) -> tuple[dist.Distribution, _Spec]:
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
    total = sum(probs.values())
    if abs(total - 1.0) > 1e-9:
        raise r.fail(r.at(node, kp), "category probabilities must sum to 1", got=round(total, 12))
    cats = tuple(str(c) for c in probs)
    ps = tuple(float(p) for p in probs.values())
    return dist.Categorical(cats, ps), (("categorical", tuple(zip(cats, ps))),)


def _parametric(r: Reader, form: str, m: dict[str, Node], kp: str) -> tuple[dist.Distribution, _Spec]:
    """``normal``, ``lognormal``, ``uniform``, ``triangular``, ``pert`` or ``beta``, as a mapping or a list."""
    fnode = m[form]
    fkp = f"{kp}.{form}"
    params = _PARAMS[form]
    if fnode.kind == "seq" and len(fnode.value) == len(params):
        vals = dict(zip(params, r.numbers(fnode, fkp, len(params), "")))
    else:
        extra = ("lambda",) if form == "pert" else ()
        pm = r.mapping(fnode, fkp, required=params, optional=extra, what=f"a mapping {{{', '.join(params)}}}")
        before = len(r.errors)
        vals = {}
        for k in pm:
            with r.collecting():
                vals[k] = r.number(pm[k], f"{fkp}.{k}")
        if len(r.errors) > before or any(k not in vals for k in params):
            raise Skip()
    where = r.at(fnode, fkp)
    spec: _Spec = ((form, tuple(vals.items())),)
    if form == "normal":
        if vals["sd"] <= 0:
            raise r.fail(where, "sd must be positive", got=vals["sd"])
        return dist.Normal(vals["mean"], vals["sd"]), spec
    if form == "lognormal":
        if vals["sigma"] <= 0:
            raise r.fail(where, "sigma must be positive", got=vals["sigma"])
        return dist.LogNormal(vals["mu"], vals["sigma"]), spec
    if form == "beta":
        if vals["alpha"] <= 0 or vals["beta"] <= 0:
            raise r.fail(where, "alpha and beta must be positive", got=[vals["alpha"], vals["beta"]])
        return dist.Beta(vals["alpha"], vals["beta"]), spec
    lo, hi = vals["min"], vals["max"]
    if lo >= hi:
        raise r.fail(where, f"min {number_text(lo)} must be below max {number_text(hi)}", got=[lo, hi])
    if form == "uniform":
        return dist.Uniform(lo, hi), spec
    mode = vals["mode"]
    if not lo <= mode <= hi:
        raise r.fail(where, f"mode {number_text(mode)} must lie between min and max", got=[lo, mode, hi])
    if form == "triangular":
        return dist.Triangular(lo, mode, hi), spec
    lam = vals.get("lambda", 4.0)
    if "lambda" in m and "lambda" not in vals:
        lam = r.positive(m["lambda"], kp + ".lambda")
        spec = (*spec, ("lambda", lam))
    if lam <= 0:
        raise r.fail(where, "lambda must be positive", got=lam)
    return dist.pert(lo, mode, hi, lam), spec


def _range(r: Reader, m: dict[str, Node], kp: str) -> tuple[dist.Distribution, _Spec]:
    """``range: [low, high]`` with a ``shape`` and its options."""
    rnode = m["range"]
    rkp = kp + ".range"
    lo, hi = r.numbers(rnode, rkp, 2, "[low, high]")
    if "shape" not in m:
        raise r.fail(r.at(rnode, rkp), "a range needs a shape: one of " + ", ".join(dist.RANGE_SHAPES))
    shape = r.text(m["shape"], kp + ".shape")
    if shape not in dist.RANGE_SHAPES:
        raise r.fail(
            r.at(m["shape"], kp + ".shape"),
            "unknown shape; expected one of " + ", ".join(dist.RANGE_SHAPES),
            got=shape,
            hint=did_you_mean(shape, dist.RANGE_SHAPES),
        )
    if lo > hi:
        raise r.fail(
            r.at(rnode, rkp),
            f"low {number_text(lo)} > high {number_text(hi)}",
            got=[lo, hi],
            hint=f"Did you mean [{number_text(hi)}, {number_text(lo)}]?",
        )
    if lo == hi:
        raise r.fail(r.at(rnode, rkp), "low equals high; use constant: for a fixed value", got=[lo, hi])
    bounded = shape in ("uniform", "triangular", "pert")
    conf = 0.9
    spec: list[tuple[str, Any]] = [("range", (lo, hi)), ("shape", shape)]
    if "confidence" in m:
        cnode = m["confidence"]
        conf = r.number(cnode, kp + ".confidence")
        if not (0 < conf < 1 or (conf == 1 and bounded)):
            allowed = "(0, 1], 1 meaning hard bounds" if bounded else "(0, 1)"
            raise r.fail(r.at(cnode, kp + ".confidence"), f"confidence must lie in {allowed}", got=conf)
        spec.append(("confidence", conf))
    if shape == "lognormal" and lo <= 0:
        raise r.fail(r.at(rnode, rkp), "a lognormal range must be positive", got=[lo, hi])
    if shape == "beta" and not (0 < lo and hi < 1):
        raise r.fail(r.at(rnode, rkp), "a beta range must lie inside (0, 1)", got=[lo, hi])
    mode = None
    if shape in ("triangular", "pert"):
        if "mode" not in m:
            raise r.fail(r.at(rnode, rkp), f"a {shape} range needs a mode")
        mode = r.number(m["mode"], kp + ".mode")
        if not lo < mode < hi:
            raise r.fail(
                r.at(m["mode"], kp + ".mode"),
                f"mode must lie inside the range [{number_text(lo)}, {number_text(hi)}]",
                got=mode,
            )
        spec.append(("mode", mode))
    elif "mode" in m:
        raise r.fail(
            r.at_key(m["mode"], "mode", kp + ".mode"),
            f"mode applies only to triangular and pert ranges, not {shape}",
        )
    lam = 4.0
    if "lambda" in m:
        if shape != "pert":
            raise r.fail(r.at(m["lambda"], kp + ".lambda"), f"lambda applies only to pert ranges, not {shape}")
        lam = r.positive(m["lambda"], kp + ".lambda")
        spec.append(("lambda", lam))
    try:
        d = dist.from_range(shape, lo, hi, confidence=conf, mode=mode, lam=lam)
    except ValueError as exc:
        raise r.fail(r.at(rnode, rkp), str(exc), got=[lo, hi]) from None
    return d, tuple(spec)
