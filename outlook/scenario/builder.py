"""The builder: walks the nodes of a scenario file and validates every section.

Owns the schema: which keys each section takes, what each value must be, and
the located message for each problem; every problem in a file is collected.
Never samples, never prints.
"""

from __future__ import annotations

import datetime as dt
import keyword
import math
import re
from collections.abc import Callable
from typing import Any

from .. import distributions as dist
from ..errors import Location, ScenarioError, ScenarioErrors, did_you_mean
from .durations import end_date, parse_duration
from .expressions import ANY, FUNCTIONS, NUMBER, YES_NO, Expression, NameKind, compile_expression, names_in
from .reading import Node, join_key
from .records import (
    FORMAT_VERSION,
    Correlation,
    Derived,
    Driver,
    Event,
    Horizon,
    ScenarioRule,
    Source,
    SourceRef,
)

__all__ = [
    "build",
]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: a date, or a YAML 1.1 timestamp (its time of day is ignored)
_DATE = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?\Z"
)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_RESERVED = set(keyword.kwlist) | set(FUNCTIONS) | {"true", "false", "pi", "otherwise"}
#: names YAML reads as something other than text (YAML 1.2 core schema), so a rule could not name them
_YAML_WORDS = {
    "TRUE": "a yes/no value",
    "FALSE": "a yes/no value",
    "null": "nothing",
    "Null": "nothing",
    "NULL": "nothing",
}

_FORMS = (
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
_PARAMS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "lognormal": ("mu", "sigma"),
    "uniform": ("min", "max"),
    "triangular": ("min", "mode", "max"),
    "pert": ("min", "mode", "max"),
    "beta": ("alpha", "beta"),
}
_DRIVER_META = ("label", "unit", "note", "source")
_RANGE_EXTRA = ("shape", "confidence", "mode", "lambda")


def build(root: Node, path: str) -> dict[str, Any]:
    """The fields of a :class:`~outlook.scenario.Scenario` from the nodes of a file.

    Raises
    ------
    ScenarioErrors
        Every problem found, each located.
    """
    return _Builder(path).build(root)


class _Bad(Exception):
    """Raised inside the builder once an error is recorded, to skip a value."""


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[ScenarioError] = []

    # -- helpers ---------------------------------------------------------

    def loc(self, y: Node, key_path: str) -> Location:
        return Location(self.path, y.line, y.col, key_path)

    def key_loc(self, parent: Node, key: str, key_path: str) -> Location:
        line, col = parent.keys.get(key, (parent.line, parent.col))
        return Location(self.path, line, col, key_path)

    def err(self, where: Location, problem: str, *, got: object = None, hint: str = "") -> _Bad:
        self.errors.append(ScenarioError(where, problem, got=got, hint=hint))
        return _Bad()

    def guard(self, fn: Callable[..., Any]) -> Any:
        try:
            return fn()
        except _Bad:
            return None
        except ScenarioError as exc:
            self.errors.append(exc)
            return None

    def mapping(
        self,
        y: Node,
        kp: str,
        *,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
        what: str = "a mapping",
    ) -> dict[str, Node]:
        if y.kind != "map":
            raise self.err(self.loc(y, kp), f"expected {what}", got=_show_y(y))
        allowed = required + optional
        free = not allowed
        out: dict[str, Node] = {}
        for key, value in y.items():
            if not free and key not in allowed:
                self.err(
                    self.key_loc(y, key, join_key(kp, key)),
                    f"unknown key {key!r}",
                    hint=did_you_mean(key, allowed),
                )
                continue
            out[key] = value
        for key in required:
            if key not in y.value:
                self.err(self.loc(y, kp), f"missing required key {key!r}")
        return out

    def text(self, y: Node, kp: str, what: str = "text") -> str:
        v = y.value
        if y.kind == "scalar" and isinstance(v, bool):
            raise self.yes_no(y, kp, what, f"quote it, '{y.raw}', for text")
        if y.kind != "scalar" or v is None or isinstance(v, dict | list):
            raise self.err(self.loc(y, kp), f"expected {what}", got=_show_y(y))
        if isinstance(v, int | float) and y.raw:
            return y.raw  # the text as written: `title: 2e4` is "2e4", not "20000.0"
        return str(v)

    def yes_no(self, y: Node, kp: str, expected: str, fix: str) -> _Bad:
        """A YAML true/false where something else belongs: say that YAML read it so."""
        if y.raw is None:  # plain data, not YAML
            return self.err(self.loc(y, kp), f"expected {expected}", got=y.value)
        return self.err(
            self.loc(y, kp), f"expected {expected} (got {y.raw}: YAML reads true/false as yes/no values; {fix})"
        )

    def number(self, y: Node, kp: str) -> float:
        v = y.value
        if y.kind == "scalar" and isinstance(v, bool):
            raise self.yes_no(y, kp, "a number", "write 1 or 0 for a number")
        if y.kind != "scalar" or not isinstance(v, int | float):
            raise self.err(self.loc(y, kp), "expected a number", got=_show_y(y))
        try:
            f = float(v)
        except OverflowError:
            raise self.err(self.loc(y, kp), f"number is too large ({len(str(abs(v)))} digits)") from None
        if not math.isfinite(f):
            raise self.err(self.loc(y, kp), "expected a finite number", got=v)
        return f

    def prob(self, y: Node, kp: str) -> float:
        p = self.number(y, kp)
        if not 0.0 <= p <= 1.0:
            raise self.err(self.loc(y, kp), "probability must lie in [0, 1]", got=p)
        return p

    def positive(self, y: Node, kp: str) -> float:
        v = self.number(y, kp)
        if v <= 0:
            raise self.err(self.loc(y, kp), "must be positive", got=v)
        return v

    def ident(self, y: Node, name: str, kp: str) -> None:
        if not _IDENT.match(name):
            raise self.err(
                self.key_loc(y, name, kp),
                "a name must start with a letter or _ and hold only letters, digits and _",
                got=name,
            )
        if name in _RESERVED:
            raise self.err(self.key_loc(y, name, kp), f"{name!r} is a reserved word and cannot be a name")
        if name in _YAML_WORDS:
            raise self.err(
                self.key_loc(y, name, kp),
                f"{name!r} is a reserved word and cannot be a name (YAML reads it as {_YAML_WORDS[name]}, "
                "so it could not be referred to)",
            )

    def numbers(self, y: Node, kp: str, n: int, what: str) -> list[float]:
        if y.kind != "seq" or len(y.value) != n:
            raise self.err(self.loc(y, kp), f"expected {what}", got=_show_y(y))
        vals = [self.guard(lambda i=i, v=v: self.number(v, f"{kp}[{i}]")) for i, v in enumerate(y.value)]
        if any(v is None for v in vals):
            raise _Bad()
        return [float(v) for v in vals]

    def expr(
        self,
        y: Node,
        kp: str,
        names: dict[str, NameKind],
        refused: dict[str, str] | None = None,
        *,
        number: bool = False,
    ) -> Expression:
        """Compile an expression; ``number`` where a number belongs (a YAML true/false is then refused)."""
        if number and y.kind == "scalar" and isinstance(y.value, bool):
            raise self.yes_no(y, kp, "a number or an expression", "write 1 or 0 for a number")
        if y.kind != "scalar" or y.value is None or not isinstance(y.value, str | int | float | bool):
            raise self.err(self.loc(y, kp), "expected an expression or a number", got=_show_y(y))
        where = Location(self.path, y.text_line or y.line, y.text_col, kp)
        return compile_expression(y.value, where=where, names=names, refused_names=refused)

    def source_ref(self, y: Node, kp: str) -> SourceRef:
        m = self.mapping(y, kp, optional=("ref", "quote", "note"))
        ref = self.guard(lambda: self.text(m["ref"], kp + ".ref")) if "ref" in m else ""
        if ref and ref not in self.source_ids:
            self.err(
                self.loc(m["ref"], kp + ".ref"), f"unknown source {ref!r}", hint=did_you_mean(ref, self.source_ids)
            )
        quote = self.guard(lambda: self.text(m["quote"], kp + ".quote")) if "quote" in m else ""
        note = self.guard(lambda: self.text(m["note"], kp + ".note")) if "note" in m else ""
        return SourceRef(ref or "", quote or "", note or "")

    def meta(self, m: dict[str, Node], kp: str, keys: tuple[str, ...]) -> dict[str, str]:
        out = {}
        for k in keys:
            if k in m:
                out[k] = self.guard(lambda k=k: self.text(m[k], f"{kp}.{k}")) or ""
        return out

    # -- the file ----------------------------------------------------------

    def build(self, root: Node) -> dict[str, Any]:
        top = self.guard(
            lambda: self.mapping(
                root,
                "",
                required=("outlook", "id", "title", "question", "as_of", "horizons", "drivers", "scenarios"),
                optional=("description", "sources", "correlations", "correlation_repair", "derived", "events"),
                what="a mapping of scenario keys",
            )
        )
        if top is None:
            raise ScenarioErrors(self.errors)
        version = self.guard(lambda: self.version(top["outlook"])) if "outlook" in top else None
        if version is None and "outlook" in top:
            raise ScenarioErrors(self.errors)
        sid = self.guard(lambda: self.slug(top["id"])) if "id" in top else ""
        title = self.guard(lambda: self.text(top["title"], "title")) if "title" in top else ""
        question = self.guard(lambda: self.text(top["question"], "question")) if "question" in top else ""
        as_of = self.guard(lambda: self.date(top["as_of"])) if "as_of" in top else None
        description = self.guard(lambda: self.text(top["description"], "description")) if "description" in top else ""
        sources = self.guard(lambda: self.sources(top["sources"])) if "sources" in top else ()
        self.source_ids = [s.id for s in sources or ()]
        horizons = self.guard(lambda: self.horizons(top["horizons"], as_of)) if "horizons" in top else ()
        self.horizon_ids = [h.id for h in horizons or ()]
        self.names: dict[str, str] = {}
        drivers = self.guard(lambda: self.drivers(top["drivers"])) if "drivers" in top else ()
        drivers = drivers or ()
        repair = self.guard(lambda: self.repair(top["correlation_repair"])) if "correlation_repair" in top else "none"
        correlations = (
            self.guard(lambda: self.correlations(top["correlations"], drivers, repair or "none"))
            if "correlations" in top
            else ()
        )
        derived_raw = top.get("derived")
        events_raw = top.get("events")
        # register every name first, so that order in the file does not matter
        for section, raw in (("derived", derived_raw), ("events", events_raw)):
            if raw is not None and raw.kind == "map":
                for name in raw.value:
                    self.guard(lambda n=name, s=section, r=raw: self.claim(r, n, s))
        # what each name holds; a driver or derived quantity that failed validation is still declared,
        # of unknown kind (ANY): no "unknown name" or "not a condition" cascade
        self.kinds: dict[str, NameKind] = {n: ANY for n, s in self.names.items() if s in ("drivers", "derived")}
        self.kinds.update({d.id: _kind(d) for d in drivers})
        derived = self.guard(lambda: self.derived(derived_raw)) if derived_raw is not None else ()
        events = self.guard(lambda: self.events(events_raw)) if events_raw is not None else ()
        rules = self.guard(lambda: self.rules(top["scenarios"])) if "scenarios" in top else ()
        if self.errors:
            raise ScenarioErrors(self.errors)
        return {
            "version": int(version or FORMAT_VERSION),
            "id": sid or "",
            "title": title or "",
            "question": question or "",
            "as_of": as_of or dt.date(1970, 1, 1),
            "horizons": tuple(horizons or ()),
            "drivers": tuple(drivers),
            "rules": tuple(rules or ()),
            "derived": tuple(derived or ()),
            "events": tuple(events or ()),
            "correlations": tuple(correlations or ()),
            "correlation_repair": repair or "none",
            "sources": tuple(sources or ()),
            "description": description or "",
            "path": self.path,
        }

    def version(self, y: Node) -> int:
        if y.value != FORMAT_VERSION or isinstance(y.value, bool):
            raise self.err(
                self.loc(y, "outlook"),
                f"unsupported format version; this outlook reads version {FORMAT_VERSION}",
                got=y.value,
            )
        return FORMAT_VERSION

    def slug(self, y: Node) -> str:
        s = self.text(y, "id")
        if not _SLUG.match(s):
            raise self.err(self.loc(y, "id"), "id must be lowercase letters, digits and '-'", got=s)
        return s

    def date(self, y: Node) -> dt.date:
        """A date written as text, 2024-11-01 (YAML 1.2 has no date type; a YAML 1.1 timestamp's time is ignored)."""
        v = y.value
        if isinstance(v, dt.datetime):
            return v.date()
        if isinstance(v, dt.date):
            return v
        m = _DATE.match(v) if isinstance(v, str) else None
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError as exc:
                raise self.err(self.loc(y, "as_of"), f"invalid value: {exc}", got=v) from None
        raise self.err(self.loc(y, "as_of"), "expected a date such as 2024-11-01", got=_show_y(y))

    def repair(self, y: Node) -> str:
        v = self.text(y, "correlation_repair")
        if v not in ("none", "nearest"):
            raise self.err(
                self.loc(y, "correlation_repair"),
                "expected 'none' or 'nearest'",
                got=v,
                hint=did_you_mean(v, ("none", "nearest")),
            )
        return v

    def sources(self, y: Node) -> tuple[Source, ...]:
        m = self.mapping(y, "sources", what="a mapping of source ids")
        out = []
        for sid, sy in m.items():
            kp = f"sources.{sid}"

            def one(sid: str = sid, sy: Node = sy, kp: str = kp) -> Source:
                self.ident(y, sid, kp)
                sm = self.mapping(sy, kp, required=("title",), optional=("publisher", "date", "file", "url", "note"))
                f = self.meta(sm, kp, ("title", "publisher", "date", "file", "url", "note"))
                if "title" not in sm:
                    raise _Bad()  # reported as a missing key
                return Source(sid, where=self.loc(sy, kp), **f)

            s = self.guard(one)
            if s is not None:
                out.append(s)
        return tuple(out)

    def horizons(self, y: Node, as_of: dt.date | None) -> tuple[Horizon, ...]:
        m = self.mapping(y, "horizons", what="a mapping of horizon ids")
        if not m:
            raise self.err(self.loc(y, "horizons"), "at least one horizon is needed")
        out: list[Horizon] = []
        for hid, hy in m.items():
            kp = f"horizons.{hid}"

            def one(hid: str = hid, hy: Node = hy, kp: str = kp) -> Horizon:
                self.ident(y, hid, kp)
                hm = self.mapping(hy, kp, required=("until",), optional=("label", "note"))
                f = self.meta(hm, kp, ("label", "note"))
                if "until" not in hm:
                    raise _Bad()
                uy = hm["until"]
                text = uy.raw if uy.raw is not None else str(uy.value)
                try:
                    years = parse_duration(text)
                except ValueError as exc:
                    raise self.err(self.loc(uy, kp + ".until"), str(exc), got=uy.value) from None
                if as_of is not None and end_date(as_of, years) is None:
                    raise self.err(
                        self.loc(uy, kp + ".until"),
                        f"horizon ends after the year 9999 ({as_of.isoformat()} + {text}), "
                        "past the last date a report can show",
                    )
                return Horizon(hid, f.get("label") or hid, years, text, f.get("note", ""), self.loc(hy, kp))

            h = self.guard(one)
            if h is None:
                continue
            if out and h.until <= out[-1].until:
                self.err(
                    self.loc(hy.value["until"], kp + ".until"),
                    f"horizons must be in increasing order: {h.text} is not after {out[-1].id} ({out[-1].text})",
                )
                continue
            out.append(h)
        return tuple(out)

    def claim(self, parent: Node, name: str, section: str) -> None:
        kp = f"{section}.{name}"
        self.ident(parent, name, kp)
        if name in self.names:
            raise self.err(
                self.key_loc(parent, name, kp), f"name {name!r} is already used by {self.names[name]}.{name}"
            )
        self.names[name] = section

    def drivers(self, y: Node) -> tuple[Driver, ...]:
        m = self.mapping(y, "drivers", what="a mapping of driver ids")
        out = []
        for name, dy in m.items():
            d = self.guard(lambda name=name, dy=dy: self.driver(y, name, dy))
            if d is not None:
                out.append(d)
        return tuple(out)

    def driver(self, parent: Node, name: str, y: Node) -> Driver:
        kp = f"drivers.{name}"
        self.claim(parent, name, "drivers")
        if y.kind == "scalar" and isinstance(y.value, int | float):
            # the shorthand `k: 5` for `k: {constant: 5}`: the same number, validated the same way
            v = self.number(y, kp)
            return Driver(name, dist.Constant(v), (("constant", v),), where=self.loc(y, kp))
        if y.kind != "map":
            raise self.err(self.loc(y, kp), "expected a mapping with a distribution", got=_show_y(y))
        forms = [k for k in y.value if k in _FORMS]
        if not forms:
            # a misspelt form ("rnage") is better reported as an unknown key with a hint
            before = len(self.errors)
            self.mapping(y, kp, optional=(*_DRIVER_META, *_FORMS, *_RANGE_EXTRA))
            if len(self.errors) > before:
                raise _Bad()
            raise self.err(self.loc(y, kp), "missing a distribution: one of " + ", ".join(_FORMS))
        if len(forms) > 1:
            raise self.err(
                self.key_loc(y, forms[1], kp), f"has both {forms[0]!r} and {forms[1]!r}; give one distribution"
            )
        form = forms[0]
        extra = _RANGE_EXTRA if form == "range" else ("lambda",) if form == "pert" else ()
        m = self.mapping(y, kp, optional=(*_DRIVER_META, form, *extra))
        meta = self.meta(m, kp, ("label", "unit", "note"))
        source = self.guard(lambda: self.source_ref(m["source"], kp + ".source")) if "source" in m else None
        d, spec = self.distribution(form, m, kp)
        overflow = dist.overflow_problem(d)  # known at load: refuse now rather than at run time
        if overflow:
            raise self.err(self.loc(m[form], f"{kp}.{form}"), overflow)
        return Driver(
            name, d, spec, meta.get("label", ""), meta.get("unit", ""), meta.get("note", ""), source, self.loc(y, kp)
        )

    def distribution(
        self, form: str, m: dict[str, Node], kp: str
    ) -> tuple[dist.Distribution, tuple[tuple[str, Any], ...]]:
        fy = m[form]
        fkp = f"{kp}.{form}"
        if form == "range":
            return self.range_dist(m, kp)
        if form == "constant":
            v = self.number(fy, fkp)
            return dist.Constant(v), (("constant", v),)
        if form == "probability":
            p = self.prob(fy, fkp)
            return dist.Bernoulli(p), (("probability", p),)
        if form == "categorical":
            cm = self.mapping(fy, fkp, what="a mapping of category: probability")
            if not cm:
                raise self.err(self.loc(fy, fkp), "needs at least one category")
            probs = {c: self.guard(lambda c=c, v=v: self.prob(v, f"{fkp}.{c}")) for c, v in cm.items()}
            if any(p is None for p in probs.values()):
                raise _Bad()
            total = sum(probs.values())
            if abs(total - 1.0) > 1e-9:
                raise self.err(self.loc(fy, fkp), "category probabilities must sum to 1", got=round(total, 12))
            cats = tuple(str(c) for c in probs)
            ps = tuple(float(p) for p in probs.values())
            return dist.Categorical(cats, ps), (("categorical", tuple(zip(cats, ps))),)
        params = _PARAMS[form]
        if fy.kind == "seq" and len(fy.value) == len(params):
            vals = dict(zip(params, self.numbers(fy, fkp, len(params), "")))
        else:
            opt = ("lambda",) if form == "pert" else ()
            pm = self.mapping(fy, fkp, required=params, optional=opt, what=f"a mapping {{{', '.join(params)}}}")
            got = {k: self.guard(lambda k=k: self.number(pm[k], f"{fkp}.{k}")) for k in pm}
            if any(v is None for v in got.values()) or any(k not in got for k in params):
                raise _Bad()
            vals = {k: float(v) for k, v in got.items()}
        where = self.loc(fy, fkp)
        spec: tuple[tuple[str, Any], ...] = ((form, tuple(vals.items())),)
        if form == "normal":
            if vals["sd"] <= 0:
                raise self.err(where, "sd must be positive", got=vals["sd"])
            return dist.Normal(vals["mean"], vals["sd"]), spec
        if form == "lognormal":
            if vals["sigma"] <= 0:
                raise self.err(where, "sigma must be positive", got=vals["sigma"])
            return dist.LogNormal(vals["mu"], vals["sigma"]), spec
        if form == "beta":
            if vals["alpha"] <= 0 or vals["beta"] <= 0:
                raise self.err(where, "alpha and beta must be positive", got=[vals["alpha"], vals["beta"]])
            return dist.Beta(vals["alpha"], vals["beta"]), spec
        lo, hi = vals["min"], vals["max"]
        if lo >= hi:
            raise self.err(where, f"min {_num(lo)} must be below max {_num(hi)}", got=[lo, hi])
        if form == "uniform":
            return dist.Uniform(lo, hi), spec
        mode = vals["mode"]
        if not lo <= mode <= hi:
            raise self.err(where, f"mode {_num(mode)} must lie between min and max", got=[lo, mode, hi])
        if form == "triangular":
            return dist.Triangular(lo, mode, hi), spec
        lam = vals.get("lambda", 4.0)
        if "lambda" in m and "lambda" not in vals:
            lam = self.positive(m["lambda"], kp + ".lambda")
            spec = (*spec, ("lambda", lam))
        if lam <= 0:
            raise self.err(where, "lambda must be positive", got=lam)
        return dist.pert(lo, mode, hi, lam), spec

    def range_dist(self, m: dict[str, Node], kp: str) -> tuple[dist.Distribution, tuple[tuple[str, Any], ...]]:
        ry = m["range"]
        rkp = kp + ".range"
        lo, hi = self.numbers(ry, rkp, 2, "[low, high]")
        if "shape" not in m:
            raise self.err(self.loc(ry, rkp), "a range needs a shape: one of " + ", ".join(dist.RANGE_SHAPES))
        shape = self.text(m["shape"], kp + ".shape")
        if shape not in dist.RANGE_SHAPES:
            raise self.err(
                self.loc(m["shape"], kp + ".shape"),
                "unknown shape; expected one of " + ", ".join(dist.RANGE_SHAPES),
                got=shape,
                hint=did_you_mean(shape, dist.RANGE_SHAPES),
            )
        if lo > hi:
            raise self.err(
                self.loc(ry, rkp),
                f"low {_num(lo)} > high {_num(hi)}",
                got=[lo, hi],
                hint=f"Did you mean [{_num(hi)}, {_num(lo)}]?",
            )
        if lo == hi:
            raise self.err(self.loc(ry, rkp), "low equals high; use constant: for a fixed value", got=[lo, hi])
        bounded = shape in ("uniform", "triangular", "pert")
        conf = 0.9
        spec: list[tuple[str, Any]] = [("range", (lo, hi)), ("shape", shape)]
        if "confidence" in m:
            cy = m["confidence"]
            conf = self.number(cy, kp + ".confidence")
            if not (0 < conf < 1 or (conf == 1 and bounded)):
                allowed = "(0, 1], 1 meaning hard bounds" if bounded else "(0, 1)"
                raise self.err(self.loc(cy, kp + ".confidence"), f"confidence must lie in {allowed}", got=conf)
            spec.append(("confidence", conf))
        if shape == "lognormal" and lo <= 0:
            raise self.err(self.loc(ry, rkp), "a lognormal range must be positive", got=[lo, hi])
        if shape == "beta" and not (0 < lo and hi < 1):
            raise self.err(self.loc(ry, rkp), "a beta range must lie inside (0, 1)", got=[lo, hi])
        mode = None
        if shape in ("triangular", "pert"):
            if "mode" not in m:
                raise self.err(self.loc(ry, rkp), f"a {shape} range needs a mode")
            mode = self.number(m["mode"], kp + ".mode")
            if not lo < mode < hi:
                raise self.err(
                    self.loc(m["mode"], kp + ".mode"),
                    f"mode must lie inside the range [{_num(lo)}, {_num(hi)}]",
                    got=mode,
                )
            spec.append(("mode", mode))
        elif "mode" in m:
            raise self.err(
                self.key_loc(m["mode"], "mode", kp + ".mode"),
                f"mode applies only to triangular and pert ranges, not {shape}",
            )
        lam = 4.0
        if "lambda" in m:
            if shape != "pert":
                raise self.err(
                    self.loc(m["lambda"], kp + ".lambda"), f"lambda applies only to pert ranges, not {shape}"
                )
            lam = self.positive(m["lambda"], kp + ".lambda")
            spec.append(("lambda", lam))
        try:
            d = dist.from_range(shape, lo, hi, confidence=conf, mode=mode, lam=lam)
        except ValueError as exc:
            raise self.err(self.loc(ry, rkp), str(exc), got=[lo, hi]) from None
        return d, tuple(spec)

    def correlations(self, y: Node, drivers: tuple[Driver, ...], repair: str) -> tuple[Correlation, ...]:
        if y.kind != "seq":
            raise self.err(self.loc(y, "correlations"), "expected a list of [driver, driver, rho]", got=_show_y(y))
        by_name = {d.id: d for d in drivers}
        out: list[Correlation] = []
        seen: dict[frozenset[str], int] = {}
        for i, item in enumerate(y.value):
            kp = f"correlations[{i}]"

            def one(item: Node = item, kp: str = kp, i: int = i) -> Correlation:
                if item.kind != "seq" or len(item.value) != 3:
                    raise self.err(self.loc(item, kp), "expected [driver, driver, rho]", got=_show_y(item))
                a, b = (self.text(v, f"{kp}[{j}]") for j, v in enumerate(item.value[:2]))
                for j, n in ((0, a), (1, b)):
                    if n not in by_name:
                        raise self.err(
                            self.loc(item.value[j], f"{kp}[{j}]"),
                            f"unknown driver {n!r}",
                            hint=did_you_mean(n, by_name),
                        )
                    if by_name[n].kind == "constant":
                        raise self.err(
                            self.loc(item.value[j], f"{kp}[{j}]"),
                            f"driver {n!r} is a constant and cannot be correlated",
                        )
                if a == b:
                    raise self.err(self.loc(item, kp), f"a driver cannot be correlated with itself ({a!r})")
                rho = self.number(item.value[2], f"{kp}[2]")
                if not -1 <= rho <= 1:
                    raise self.err(self.loc(item.value[2], f"{kp}[2]"), "rank correlation must lie in [-1, 1]", got=rho)
                key = frozenset((a, b))
                if key in seen:
                    raise self.err(self.loc(item, kp), f"pair [{a}, {b}] is already given at correlations[{seen[key]}]")
                seen[key] = i
                return Correlation(a, b, rho, self.loc(item, kp))

            c = self.guard(one)
            if c is not None:
                out.append(c)
        if len(out) == len(y.value) and out:
            # judged as a whole, over the correlated drivers in file order, as compile_model does
            involved = {n for c in out for n in (c.a, c.b)}
            order = [d.id for d in drivers if d.id in involved]
            index = {n: k for k, n in enumerate(order)}
            pairs = [(index[c.a], index[c.b], c.rho) for c in out]
            judged = dist.correlation_matrix(len(order), pairs)  # compile_model repairs, if asked
            if not judged.valid and repair != "nearest":
                raise self.err(
                    out[judged.conflict_pairs(pairs)[0]].where,
                    judged.describe_conflict(order, pairs) + "; change them, or set correlation_repair: nearest",
                )
        return tuple(out)

    def value_names(self) -> dict[str, NameKind]:
        """Names an expression may read (drivers and derived quantities), each with its kind."""
        return dict(self.kinds)

    def derived(self, y: Node) -> tuple[Derived, ...]:
        m = self.mapping(y, "derived", what="a mapping of derived quantities")
        refused = {
            n: "is an event; events can appear only in scenario rules" for n, s in self.names.items() if s == "events"
        }
        # read every entry first, then compile in the order they refer to each other, so that each
        # one knows whether the quantities it reads are numbers or conditions
        found: dict[str, tuple[Node, str, dict[str, str], Node]] = {}
        for name, dy in m.items():
            kp = f"derived.{name}"

            def one(name: str = name, dy: Node = dy, kp: str = kp) -> tuple[Node, str, dict[str, str], Node]:
                if dy.kind == "map":
                    dm = self.mapping(dy, kp, required=("expr",), optional=("label", "unit", "note"))
                    meta = self.meta(dm, kp, ("label", "unit", "note"))
                    if "expr" not in dm:
                        raise _Bad()
                    return dm["expr"], kp + ".expr", meta, dy
                return dy, kp, {}, dy

            item = self.guard(one)
            if item is not None:
                found[name] = item
        deps = {n: [d for d in names_in(ey.value) if d in found and d != n] for n, (ey, _, _, _) in found.items()}
        order = self.toposort(deps, {n: self.loc(dy, f"derived.{n}") for n, (_, _, _, dy) in found.items()}, "derived")
        items: dict[str, Derived] = {}
        for name in order:
            ey, ekp, meta, dy = found[name]
            names = {k: v for k, v in self.value_names().items() if k != name}
            e = self.guard(lambda ey=ey, ekp=ekp, names=names: self.expr(ey, ekp, names, refused))
            if e is None:
                continue
            self.kinds[name] = e.kind
            items[name] = Derived(
                name,
                e,
                meta.get("label", ""),
                meta.get("unit", ""),
                meta.get("note", ""),
                self.loc(dy, f"derived.{name}"),
            )
        return tuple(items[n] for n in order if n in items)

    def toposort(self, deps: dict[str, list[str]], where: dict[str, Location], section: str) -> list[str]:
        """``deps``' names, each after those it depends on; a cycle is reported once, at its first name."""
        order: list[str] = []
        state: dict[str, int] = {}
        reported: set[str] = set()
        position = {n: i for i, n in enumerate(deps)}

        def visit(n: str, stack: list[str]) -> None:
            if state.get(n) == 2:
                return
            if state.get(n) == 1:
                cycle = [*stack[stack.index(n) :], n]
                if not reported.intersection(cycle):
                    reported.update(cycle)
                    what = (
                        "events depend on each other through after/requires"
                        if section == "events"
                        else f"{section} quantities refer to each other"
                    )
                    self.err(where[n], f"{what} in a cycle: " + " -> ".join(cycle))
                return
            state[n] = 1
            for d in sorted(set(deps[n]), key=position.__getitem__):
                visit(d, [*stack, n])
            state[n] = 2
            order.append(n)

        for n in deps:
            visit(n, [])
        return order

    def events(self, y: Node) -> tuple[Event, ...]:
        m = self.mapping(y, "events", what="a mapping of events")
        names = self.value_names()
        event_names = [n for n, s in self.names.items() if s == "events"]
        refused = dict.fromkeys(event_names, "is an event; use after: or requires: to make a hazard depend on it")
        items: dict[str, Event] = {}
        for name, ey in m.items():
            kp = f"events.{name}"

            def one(name: str = name, ey: Node = ey, kp: str = kp) -> Event:
                em = self.mapping(ey, kp, optional=("rate", "by", "after", "requires", "label", "note", "source"))
                meta = self.meta(em, kp, ("label", "note"))
                source = self.guard(lambda: self.source_ref(em["source"], kp + ".source")) if "source" in em else None
                if ("rate" in em) == ("by" in em):
                    what = (
                        "has both 'rate' and 'by'"
                        if "rate" in em
                        else "needs 'rate' (hazard per year) or 'by' (probabilities by horizon)"
                    )
                    raise self.err(self.loc(ey, kp), what)
                rate = None
                by: tuple[tuple[str, Expression], ...] = ()
                if "rate" in em:
                    rate = self.expr(em["rate"], kp + ".rate", names, refused, number=True)
                    if rate.constant is not None and rate.constant < 0:
                        raise self.err(
                            self.loc(em["rate"], kp + ".rate"), "rate must not be negative", got=rate.constant
                        )
                else:
                    by = self.by(em["by"], kp + ".by", names, refused)
                after: list[tuple[str, float]] = []
                if "after" in em:
                    am = self.mapping(em["after"], kp + ".after", what="a mapping of event: factor")
                    for other, fy in am.items():
                        akp = f"{kp}.after.{other}"
                        self.guard(
                            lambda other=other, akp=akp: self.event_name(em["after"], other, name, event_names, akp)
                        )
                        f = self.guard(lambda fy=fy, akp=akp: self.number(fy, akp))
                        if f is not None and f < 0:
                            self.err(self.loc(fy, akp), "factor must not be negative", got=f)
                        elif f is not None:
                            after.append((other, f))
                requires: list[str] = []
                if "requires" in em:
                    ry = em["requires"]
                    rlist = ry.value if ry.kind == "seq" else [ry]
                    for i, item in enumerate(rlist):
                        rkp = f"{kp}.requires[{i}]"
                        n = self.guard(lambda item=item, rkp=rkp: self.text(item, rkp, "an event name"))
                        if (
                            n is not None
                            and self.guard(
                                lambda n=n, item=item, rkp=rkp: self.event_ref(item, n, name, event_names, rkp)
                            )
                            is not None
                        ):
                            requires.append(n)
                return Event(
                    name,
                    rate,
                    by,
                    tuple(after),
                    tuple(requires),
                    meta.get("label", ""),
                    meta.get("note", ""),
                    source,
                    self.loc(ey, kp),
                )

            e = self.guard(one)
            if e is not None:
                items[name] = e
        deps = {
            n: [o for o, _ in e.after if o in items] + [o for o in e.requires if o in items] for n, e in items.items()
        }
        order = self.toposort(deps, {n: e.where for n, e in items.items()}, "events")
        return tuple(items[n] for n in order)

    def event_name(self, parent: Node, other: str, me: str, event_names: list[str], kp: str) -> str:
        return self.event_ref(parent, other, me, event_names, kp, key=True)

    def event_ref(self, y: Node, other: str, me: str, event_names: list[str], kp: str, key: bool = False) -> str:
        where = self.key_loc(y, other, kp) if key else self.loc(y, kp)
        if other == me:
            raise self.err(where, f"event {me!r} cannot depend on itself")
        if other not in event_names:
            raise self.err(where, f"unknown event {other!r}", hint=did_you_mean(other, event_names))
        return other

    def by(
        self, y: Node, kp: str, names: dict[str, NameKind], refused: dict[str, str]
    ) -> tuple[tuple[str, Expression], ...]:
        m = self.mapping(y, kp, what="a mapping of horizon: probability")
        if not m:
            raise self.err(self.loc(y, kp), "needs at least one horizon: probability")
        got: dict[str, tuple[Expression, Node]] = {}
        for hid, py in m.items():
            hkp = f"{kp}.{hid}"
            if hid not in self.horizon_ids:
                self.err(
                    self.key_loc(y, hid, hkp), f"unknown horizon {hid!r}", hint=did_you_mean(hid, self.horizon_ids)
                )
                continue
            e = self.guard(lambda py=py, hkp=hkp: self.expr(py, hkp, names, refused, number=True))
            if e is None:
                continue
            if e.constant is not None and not 0 <= e.constant <= 1:
                self.err(self.loc(py, hkp), "probability must lie in [0, 1]", got=e.constant)
                continue
            got[hid] = (e, py)
        ordered = [(h, got[h]) for h in self.horizon_ids if h in got]
        prev: tuple[str, float] | None = None
        for hid, (e, py) in ordered:
            if e.constant is None:
                continue
            if prev is not None and e.constant < prev[1]:
                self.err(
                    self.loc(py, f"{kp}.{hid}"),
                    f"cumulative probability falls from {_num(prev[1])} by {prev[0]} to {_num(e.constant)} by {hid}; "
                    "it cannot decrease over time",
                )
            prev = (hid, e.constant)
        return tuple((h, e) for h, (e, _) in ordered)

    def rules(self, y: Node) -> tuple[ScenarioRule, ...]:
        m = self.mapping(y, "scenarios", what="an ordered mapping of scenario: rule")
        names = self.value_names()
        names.update({n: YES_NO for n, s in self.names.items() if s == "events"})
        out: list[ScenarioRule] = []
        ids = list(m)
        for i, (sid, ry) in enumerate(m.items()):
            kp = f"scenarios.{sid}"

            def one(sid: str = sid, ry: Node = ry, kp: str = kp, i: int = i) -> ScenarioRule:
                self.ident(y, sid, kp)
                if sid in self.names:
                    raise self.err(self.key_loc(y, sid, kp), f"name {sid!r} is already used by {self.names[sid]}.{sid}")
                meta: dict[str, str] = {}
                wy, wkp = ry, kp
                if ry.kind == "map":
                    rm = self.mapping(ry, kp, required=("when",), optional=("label", "description"))
                    meta = self.meta(rm, kp, ("label", "description"))
                    if "when" not in rm:
                        raise _Bad()
                    wy, wkp = rm["when"], kp + ".when"
                if wy.kind == "scalar" and wy.value == "otherwise":
                    if i != len(ids) - 1:
                        raise self.err(
                            self.loc(wy, wkp),
                            f"'otherwise' must be the last scenario; {ids[i + 1]!r} after it would never be reached",
                        )
                    when = None
                else:
                    when = self.expr(wy, wkp, names)
                    if when.kind == NUMBER:
                        raise self.err(when.where, "a scenario rule needs a condition, not a number", got=when.text)
                return ScenarioRule(sid, when, meta.get("label", ""), meta.get("description", ""), self.loc(ry, kp))

            r = self.guard(one)
            if r is not None:
                out.append(r)
        if not ids:
            raise self.err(self.loc(y, "scenarios"), "at least one scenario is needed")
        last = m[ids[-1]]
        last_when = last.value.get("when") if last.kind == "map" else last
        if last_when is None or last_when.kind != "scalar" or last_when.value != "otherwise":
            self.err(
                self.loc(last, f"scenarios.{ids[-1]}"),
                "the last scenario must be 'otherwise', so that every world falls in some scenario",
            )
        return tuple(out)


def _kind(d: Driver) -> NameKind:
    """What a driver's name holds in an expression: its categories, a yes/no value, or a number."""
    if d.categories is not None:
        return d.categories
    return YES_NO if d.kind == "yes/no" else None


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


def _show_y(y: Node) -> object:
    if y.kind == "map":
        return "a mapping"
    if y.kind == "seq":
        try:
            return [v.value if v.kind == "scalar" else "..." for v in y.value]
        except AttributeError:
            return "a list"
    if y.value is None:
        return "nothing"
    return y.value
