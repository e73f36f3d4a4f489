"""What a scenario states, as plain data: for a round trip, for YAML, and in the canonical form its hash covers.

Owns the plain data of each part of a scenario (what :meth:`Scenario.to_dict`
assembles), the canonical form of those data, their SHA-256 (a scenario's
identity in a run's manifest) and writing them as YAML that reads back the
same. Never reads YAML, never samples.

The canonical form
------------------
Everything the validated scenario states goes in, labels, notes and sources
included; what is not stated (an option left out) stays out. Numbers are
floats (``8000`` and ``8000.0`` state the same); an expression that is a
plain number is that number (``1e3`` and ``1000``); any other expression is
its text as written. Mappings keep the order the scenario holds them in,
which is the file's (events in the order their ``after`` and ``requires``
need): the order of scenario rules decides which scenario a world falls in,
so it is part of what is stated. The file's path, positions, comments and
the overrides that made a scenario are not stated content and are left out.
The data are written as JSON (UTF-8, no spaces, no NaN) and hashed with
SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import yaml

from .expressions import NUMBER, Expression
from .provenance import grades_data, ref_data, resolution_data, status_data
from .reading import CORE_RESOLVERS, STR_TAG
from .records import Correlation, Derived, Driver, Event, Horizon, ScenarioRule, Source, SourceRef
from .stated import form_data

__all__ = [
    "canonical",
    "correlation_data",
    "derived_data",
    "digest",
    "driver_data",
    "event_data",
    "expression_data",
    "horizon_data",
    "rule_data",
    "source_data",
    "to_flow_yaml",
    "to_yaml",
]


def expression_data(e: Expression, *, canonical: bool = False) -> Any:
    """An expression as plain data.

    For a round trip, a number where one reads back as the same text
    (``1``, ``0.5``), else the text (``1e3``); canonically, a plain number
    is its value and anything else its text.
    """
    c = e.constant
    if canonical:
        return float(c) if c is not None and not e.names and e.kind == NUMBER else e.text
    if not e.names and c is not None:
        for v in (c, int(c) if c.is_integer() else None):
            if v is not None and repr(v) == e.text:
                return v
    return e.text


def _nonempty(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in ("", None)}


def _ref_data(r: SourceRef) -> dict[str, Any]:
    return ref_data(r)


def source_data(s: Source) -> dict[str, Any]:
    """``{title, publisher, date, file, url, note}`` and the grades of format 1.1, the empty ones left out."""
    out = _nonempty({f: getattr(s, f) for f in ("title", "publisher", "date", "file", "url", "note")})
    out.update(grades_data(s))
    return out


def horizon_data(h: Horizon) -> dict[str, Any]:
    """``{label, until, note}``, ``until`` as written (``18mo``)."""
    return _nonempty({"label": h.label, "until": h.text, "note": h.note})


def driver_data(d: Driver) -> dict[str, Any]:
    """The description, the form as stated (:func:`~outlook.scenario.stated.form_data`) and the source."""
    out = _nonempty({"label": d.label, "unit": d.unit, "note": d.note})
    out.update(form_data(d.stated))
    if d.source:
        out["source"] = _ref_data(d.source)
    if d.sources:
        out["sources"] = [_ref_data(x) for x in d.sources]
    return out


def correlation_data(c: Correlation) -> list[Any]:
    """``[a, b, rho]``."""
    return [c.a, c.b, c.rho]


def derived_data(d: Derived, *, canonical: bool = False) -> dict[str, Any]:
    """``{expr, label, unit, note}``."""
    return {
        "expr": expression_data(d.expr, canonical=canonical),
        **_nonempty({"label": d.label, "unit": d.unit, "note": d.note}),
    }


def event_data(e: Event, *, canonical: bool = False) -> dict[str, Any]:
    """``{label, note, status | rate | by, after, requires, source, sources, resolution}``."""
    out: dict[str, Any] = _nonempty({"label": e.label, "note": e.note})
    if e.status is not None:
        out["status"] = status_data(e.status)
    elif e.rate is not None:
        out["rate"] = expression_data(e.rate, canonical=canonical)
    else:
        out["by"] = {h: expression_data(x, canonical=canonical) for h, x in e.by}
    if e.after:
        out["after"] = {o: f if isinstance(f, float) else expression_data(f, canonical=canonical) for o, f in e.after}
    if e.requires:
        out["requires"] = list(e.requires)
    if e.source:
        out["source"] = _ref_data(e.source)
    if e.sources:
        out["sources"] = [_ref_data(x) for x in e.sources]
    if e.resolution is not None:
        out["resolution"] = resolution_data(e.resolution)
    if e.impact:
        out["impact"] = e.impact
    return out


def rule_data(r: ScenarioRule, *, canonical: bool = False) -> dict[str, Any]:
    """``{when, label, description}``; ``when`` is ``otherwise`` for the last rule."""
    return {
        "when": "otherwise" if r.when is None else expression_data(r.when, canonical=canonical),
        **_nonempty({"label": r.label, "description": r.description, "impact": r.impact}),
    }


def canonical(value: Any) -> Any:
    """Plain data in canonical form: numbers as floats, dates as ISO text, lists for tuples.

    >>> canonical({"range": (8000, 12000), "as_of": dt.date(2024, 11, 1), "ok": True})
    {'range': [8000.0, 12000.0], 'as_of': '2024-11-01', 'ok': True}
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    msg = f"not plain data: {type(value).__name__}"
    raise TypeError(msg)


def digest(data: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical form of ``data``, written as compact UTF-8 JSON.

    >>> digest({"a": 1}) == digest({"a": 1.0}) != digest({"a": 2})
    True
    """
    blob = json.dumps(canonical(data), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class _Dumper(yaml.SafeDumper):
    """Quotes every text that YAML 1.1 or the 1.2 core schema would read as anything but text.

    So ``to_yaml`` output reads back the same here (``'2e4'`` stays text) and
    in a YAML 1.1 reader (``'no'`` stays text).
    """


for _tag, _regexp, _first in CORE_RESOLVERS:
    _Dumper.add_implicit_resolver(_tag, _regexp, _first)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    """Text with a NEL or a Unicode line or paragraph separator is written double-quoted, as escapes.

    Otherwise the emitter may write them raw inside quotes, where a reader
    folds them into spaces: the text would not read back the same. Text that
    starts or ends with any other white space (a no-break space, say) is
    double-quoted too: written plain, a reader that trims white space, as a
    ``--set`` value is trimmed, would lose it.
    """
    edges = bool(data) and (data[0].isspace() or data[-1].isspace())
    style = '"' if edges or any(c in data for c in "\x85\u2028\u2029") else None
    return dumper.represent_scalar(STR_TAG, data, style=style)


_Dumper.add_representer(str, _represent_str)


def to_yaml(data: dict[str, Any]) -> str:
    """Plain data as YAML text that reads back as the same data (comments are not kept)."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def to_flow_yaml(value: Any) -> str:
    """A value as one line of YAML flow style that reads back as the same value: ``[9000, 13000]``.

    >>> to_flow_yaml({"constant": 1.0}), to_flow_yaml("2e4")
    ('{constant: 1.0}', "'2e4'")
    """
    text = yaml.dump(value, Dumper=_Dumper, default_flow_style=True, allow_unicode=True, width=1 << 30)
    return text.removesuffix("\n").removesuffix("\n...").strip(" \n")
