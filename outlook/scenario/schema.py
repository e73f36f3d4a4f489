"""A JSON Schema (draft 2020-12) of the scenario file format, for editors.

Owns :func:`json_schema`: the keys of each section and the shape of each
value, as plain data, so that an editor (the YAML language server in VS Code
and others) completes keys and flags mistakes while a file is typed. It
covers format 1 and the format 1.1 additions (dates for ``until:`` and as
``by:`` keys, the distribution forms ``mixture``, ``gamma``, ``student_t``,
``loguniform``, ``lognormal: {mean, sd}``, ``truncate``, ``coverage``,
percentages such as ``"40%"``, expressions as parameters and ``after:``
factors) and the analyst toolkit's ``assumptions``, ``indicators``, ``claims``,
``supersedes`` and ``renamed``. The schema is deliberately looser than the loader: what it
cannot say (references between names, ranges in increasing order, shares
summing to 1, expressions' grammar) the loader checks with located
messages (``outlook check``). Never reads files, never validates.
"""

from __future__ import annotations

from typing import Any

from .. import distributions as dist
from .grades import BASES, CREDIBILITY, KINDS, RELIABILITY, STANCES

__all__ = [
    "SCHEMA_ID",
    "json_schema",
]

#: the schema's ``$id``
SCHEMA_ID = "https://outlook.invalid/schema/scenario-1.1.json"

_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
#: a duration such as 1y, 6mo, 2w or 90d (:func:`outlook.scenario.parse_duration`)
_DURATION = r"^\s*(\d+(\.\d*)?|\.\d+)\s*(y|yr|yrs|year|years|mo|month|months|w|wk|week|weeks|d|day|days)\s*$"
_PERCENT = r"^\s*[0-9]+(\.[0-9]*)?\s*%\s*$"
#: a date's shape, as the loader reads it: year, month 1-12, day 1-31 (one or two digits), and an optional
#: YAML 1.1 time of day; whether the day exists in its month (2025-02-30) is only the loader's to say
_DATE = (
    r"^[0-9]{4}-(0?[1-9]|1[0-2])-(0?[1-9]|[12][0-9]|3[01])"
    r"(([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?$"
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _object(properties: dict[str, Any], required: tuple[str, ...] = (), **more: Any) -> dict[str, Any]:
    """A mapping with exactly these keys (an unknown key is flagged, as the loader refuses it)."""
    out: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    return {**out, **more}


def _named(value: dict[str, Any], description: str) -> dict[str, Any]:
    """A mapping from names (identifiers) to ``value``."""
    return {
        "type": "object",
        "description": description,
        "propertyNames": {"pattern": _NAME},
        "additionalProperties": value,
    }


def _params(*names: str) -> dict[str, Any]:
    """A form's parameters: a mapping of exactly ``names``, or a list of them in that order."""
    return {
        "oneOf": [
            _object({n: _ref("parameter") for n in names}, names),
            {"type": "array", "items": _ref("parameter"), "minItems": len(names), "maxItems": len(names)},
        ]
    }


def _forms() -> dict[str, Any]:
    """Every distribution form, by its key."""
    return {
        "range": {
            "type": "array",
            "description": "[low, high]: the central range holding `coverage` of the mass; needs `shape`",
            "prefixItems": [_ref("bound"), _ref("bound")],
            "items": False,
            "minItems": 2,
        },
        "normal": _params("mean", "sd"),
        "lognormal": {"anyOf": [_params("mu", "sigma"), _params("mean", "sd")]},
        "uniform": _params("min", "max"),
        "loguniform": _params("min", "max"),
        "triangular": _params("min", "mode", "max"),
        "pert": {
            "oneOf": [
                _object({n: _ref("parameter") for n in ("min", "mode", "max", "lambda")}, ("min", "mode", "max")),
                {"type": "array", "items": _ref("parameter"), "minItems": 3, "maxItems": 3},
            ]
        },
        "beta": _params("alpha", "beta"),
        "gamma": _params("shape", "scale"),
        "student_t": {
            "type": "object",
            "description": "Student's t: degrees of freedom `df`, `location` (default 0) and `scale` (default 1)",
            "properties": {k: _ref("parameter") for k in ("df", "location", "scale")},
            "required": ["df"],
            "additionalProperties": False,
        },
        "constant": _ref("parameter"),
        "probability": _ref("probability"),
        "categorical": {
            "type": "object",
            "description": "category: share; the shares sum to 1",
            "minProperties": 1,
            "additionalProperties": _ref("probability"),
        },
        "mixture": {
            "type": "array",
            "description": "components, each a distribution with a `weight`",
            "minItems": 1,
            "items": _ref("component"),
        },
    }


#: the keys beside a form that describe or shape it
_OPTIONS: dict[str, Any] = {
    "shape": {"enum": list(dist.RANGE_SHAPES), "description": "the shape of a `range`"},
    "coverage": {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, _ref("percent")]},
    "confidence": {
        "anyOf": [{"type": "number"}, _ref("percent")],
        "deprecated": True,
        "description": "deprecated: write `coverage`",
    },
    "mode": {"type": "number"},
    "lambda": {"type": "number", "exclusiveMinimum": 0},
    "truncate": {
        "type": "array",
        "description": "[low, high]: the form conditioned on lying between them; null leaves a side open",
        "prefixItems": [{"anyOf": [_ref("bound"), {"type": "null"}]}, {"anyOf": [_ref("bound"), {"type": "null"}]}],
        "items": False,
        "minItems": 2,
    },
}
_TEXT = {"type": ["string", "number"]}
_DESCRIBE = {"label": _TEXT, "unit": _TEXT, "note": _TEXT}


def _distribution(extra: dict[str, Any], description: str) -> dict[str, Any]:
    """A mapping with exactly one distribution form, its options and the ``extra`` keys."""
    forms = _forms()
    return {
        "type": "object",
        "description": description,
        "properties": {**forms, **_OPTIONS, **extra},
        "additionalProperties": False,
        "oneOf": [{"required": [f]} for f in forms],
        "dependentRequired": {"range": ["shape"]},
    }


def _defs() -> dict[str, Any]:
    expression = {"type": "string", "minLength": 1, "description": "an expression over drivers and derived values"}
    return {
        "text": _TEXT,
        "date": {"type": "string", "format": "date", "pattern": _DATE},  # "format" is only an annotation in 2020-12
        "duration": {"type": "string", "pattern": _DURATION},
        "expression": expression,
        "percent": {"type": "string", "pattern": _PERCENT},
        "bound": {"anyOf": [{"type": "number"}, _ref("percent")]},
        "parameter": {"anyOf": [{"type": "number"}, expression]},
        "probability": {"anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, _ref("percent"), expression]},
        "source_ref": _object(
            {
                "ref": {"type": "string"},
                "quote": _TEXT,
                "note": _TEXT,
                "credibility": {"enum": list(CREDIBILITY), "description": "Admiralty credibility, 1 confirmed to 6"},
                "basis": {"enum": list(BASES)},
                "stance": {"enum": list(STANCES), "description": "what the quote does to what cites it"},
            }
        ),
        "source_refs": {"type": "array", "items": {"$ref": "#/$defs/source_ref"}},
        "component": _distribution(
            {"weight": {"anyOf": [{"type": "number", "minimum": 0}, _ref("percent")]}}, "a mixture component"
        ),
        "driver": {
            "anyOf": [
                {"type": "number", "description": "a constant"},
                _distribution(
                    {**_DESCRIBE, "source": _ref("source_ref"), "sources": _ref("source_refs")},
                    "a driver: one distribution form",
                ),
            ]
        },
    }


def _sections() -> dict[str, Any]:
    name_list = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    return {
        "sources": _named(
            _object(
                {
                    **dict.fromkeys(("title", "publisher", "date", "file", "url", "note"), _TEXT),
                    "kind": {"enum": list(KINDS)},
                    "reliability": {"enum": list(RELIABILITY), "description": "Admiralty reliability, A to F"},
                    "interested_party": {"type": ["boolean", "string"]},
                },
                ("title",),
            ),
            "source id: where a judgement comes from",
        ),
        "context": _context(),
        "horizons": {
            **_named(
                _object(
                    {"until": {"anyOf": [_ref("duration"), _ref("date")]}, "label": _TEXT, "note": _TEXT}, ("until",)
                ),
                "horizon id: {until: a duration after as_of, or a date}, in increasing order",
            ),
            "minProperties": 1,
        },
        "drivers": _named(_ref("driver"), "driver id: a distribution"),
        "correlations": {
            "type": "array",
            "description": "[driver, driver, rank correlation]",
            "items": {
                "type": "array",
                "prefixItems": [
                    {"type": "string"},
                    {"type": "string"},
                    {"type": "number", "minimum": -1, "maximum": 1},
                ],
                "items": False,
                "minItems": 3,
            },
        },
        "correlation_repair": {"enum": ["none", "nearest"]},
        "derived": _named(
            {
                "anyOf": [
                    {"type": ["string", "number"]},
                    _object({"expr": {"type": ["string", "number"]}, **_DESCRIBE}, ("expr",)),
                ]
            },
            "name: an expression, or {expr, label, unit, note}",
        ),
        "events": _named(_event(name_list), "event id: {rate} or {by}"),
        "scenarios": {
            **_named(
                {
                    "anyOf": [
                        {"type": "string"},
                        _object(
                            {"when": {"type": "string"}, "label": _TEXT, "description": _TEXT, "impact": _IMPACT},
                            ("when",),
                        ),
                    ]
                },
                "scenario id: a condition; the last is `otherwise`",
            ),
            "minProperties": 1,
        },
        "indicators": _named(
            _object(
                {
                    "label": _TEXT,
                    "observable": {"type": "string", "description": "a condition, read as a scenario rule is"},
                    "signposts": {"type": "array", "items": {"type": "string"}},
                    "collection": _TEXT,
                    "note": _TEXT,
                },
                ("label", "observable"),
            ),
            "indicator id: label, observable, signposts, collection, note",
        ),
        "assumptions": _named(
            _object(
                {
                    "statement": _TEXT,
                    "rating": {"enum": ["solid", "caveated", "unsupported"]},
                    "basis": _TEXT,
                    "if_false": {"type": "object", "description": "key path (as --set takes it): value, or `drop`"},
                    "combine": {"type": "array", "items": {"type": "string"}},
                    "indicators": {"type": "array", "items": {"type": "string"}},
                },
                ("statement",),
            ),
            "key assumption id: statement, rating, basis, if_false",
        ),
        **_ach_blocks(),
        "judgements": _judgements(),
        "futures": _futures(),
        "claims": _claims(),
        "supersedes": {"type": "string", "description": "the file or id of the analysis this one replaces"},
        "renamed": {"type": "object", "additionalProperties": {"type": "string"}, "description": "old id: new id"},
    }


#: an event's or a scenario's impact (format 1.1): what the cone of plausibility's wildcards read
_IMPACT = {"enum": ["low", "medium", "high"], "description": "its impact; `high` under 10% is a wildcard"}


def _futures() -> dict[str, Any]:
    """``futures``: the axes of an alternative-futures grid (format 1.1)."""
    axis = _object(
        {
            "when": {"type": "string", "description": "a condition at the horizon: the high side"},
            "high": _TEXT,
            "low": _TEXT,
        },
        ("when", "high", "low"),
    )
    return _object(
        {
            "horizon": {"type": "string", "description": "a horizon id"},
            "axes": {"type": "object", "minProperties": 2, "additionalProperties": axis},
            "narratives": {
                "type": "object",
                "description": "quadrant AXIS_high.AXIS_low: text",
                "additionalProperties": _TEXT,
            },
        },
        ("horizon", "axes"),
    )


def _claims() -> dict[str, Any]:
    """``claims``: the sources' own forecasts (format 1.1)."""
    claim = _object(
        {
            "speaker": {"anyOf": [_TEXT, _ref("source_ref")], "description": "who: a name, or {ref: SOURCE}"},
            "paraphrase": _TEXT,
            "quote": _ref("source_ref"),
            "timeframe": {"type": "string", "description": "by when: a horizon id, a duration or a date"},
            "implies": {
                "anyOf": [{"type": "string"}, {"type": "number", "minimum": 0, "maximum": 1}],
                "description": "an ICD 203 estimative word, or a probability (0.7, 70%)",
            },
            "target": {"type": "string", "description": "the event or scenario id it maps to"},
            "not_modelled": {"type": "string", "description": "why the model cannot judge it"},
            "interested_party": {"type": ["boolean", "string"]},
            "note": _TEXT,
        },
        ("speaker", "paraphrase", "timeframe", "implies"),
        oneOf=[{"required": ["target"]}, {"required": ["not_modelled"]}],
    )
    return _named(claim, "claim id: a source's own forecast, set beside the model's probability")


def _judgements() -> dict[str, Any]:
    """``judgements``: the analyst's key judgements (format 1.1)."""
    return {
        "type": "array",
        "description": "key judgements: target ID@HORIZON, text with {word}, confidence, basis, implications",
        "items": _object(
            {
                "target": {"type": "string", "pattern": "^[^@]+@[^@]+$"},
                "text": {"type": "string", "pattern": "\\{word\\}"},
                "confidence": {"enum": ["low", "moderate", "high"]},
                "basis": _TEXT,
                "implications": _TEXT,
            },
            ("target", "text"),
        ),
    }


def _context() -> dict[str, Any]:
    """``context``: id -> a figure that informs the reader and feeds no probability (format 1.1)."""
    return _named(
        {
            **_object(
                {
                    "label": _TEXT,
                    "value": _ref("bound"),
                    "range": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
                    "unit": _TEXT,
                    "source": _ref("source_ref"),
                    "note": _TEXT,
                }
            ),
            "oneOf": [{"required": ["value"]}, {"required": ["range"]}],
        },
        "context figure id: a figure that informs the reader and feeds no probability",
    )


def _event(name_list: dict[str, Any]) -> dict[str, Any]:
    return _object(
        {
            "rate": _ref("parameter"),
            "by": {
                "type": "object",
                "description": "horizon id, duration or date: cumulative probability",
                "minProperties": 1,
                "additionalProperties": _ref("probability"),
            },
            "after": {"type": "object", "additionalProperties": _ref("parameter")},
            "requires": name_list,
            "label": _TEXT,
            "note": _TEXT,
            "source": _ref("source_ref"),
            "sources": _ref("source_refs"),
            "status": _object(
                {"happened": _ref("date"), "source": _ref("source_ref")},
                ("happened",),
            ),
            "resolution": _object(
                {
                    "criteria": _TEXT,
                    "source": _TEXT,
                    "includes": {"type": "array", "items": _TEXT},
                    "excludes": {"type": "array", "items": _TEXT},
                },
                ("criteria",),
            ),
            "impact": _IMPACT,
        },
        oneOf=[{"required": ["rate"]}, {"required": ["by"]}, {"required": ["status"]}],
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file, format 1.1 (which reads format 1 too).

    Returns
    -------
    dict
        Plain data, ready for :func:`json.dumps`. Dates are strings with
        ``format: date``; durations strings such as ``6mo``; expressions
        and percentages (``"40%"``) strings.

    Notes
    -----
    JSON Schema draft 2020-12: https://json-schema.org/draft/2020-12/schema.
    """
    top: dict[str, Any] = {
        "outlook": {"enum": [1, 1.1], "description": "the format version: 1 or 1.1, a number"},
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
        "title": _TEXT,
        "question": _TEXT,
        "description": _TEXT,
        "scope": {
            **_TEXT,
            "description": "format 1.1: the scope note (readers, coverage, limits); reports open with it",
        },
        "as_of": _ref("date"),
        **_sections(),
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "outlook scenario file (format 1.1)",
        "type": "object",
        "properties": top,
        "required": ["outlook", "id", "title", "question", "as_of", "horizons", "drivers", "scenarios"],
        "additionalProperties": False,
        "$defs": _defs(),
    }


def _ach_blocks() -> dict[str, Any]:
    """The ``hypotheses`` and ``evidence`` blocks of format 1.1 (an ACH matrix; :mod:`.hypotheses`)."""
    return {
        "hypotheses": {
            "description": "ACH hypotheses: {from_scenarios: HORIZON}, or id: {label, prior} with exclusive: true",
            "anyOf": [
                _object({"from_scenarios": {"type": "string"}}, ("from_scenarios",)),
                {
                    "type": "object",
                    "properties": {"exclusive": {"type": "boolean"}},
                    "additionalProperties": _object(
                        {"label": _TEXT, "prior": {"type": ["number", "string"]}, "note": _TEXT}
                    ),
                    "minProperties": 2,
                },
            ],
        },
        "evidence": _named(
            _object(
                {
                    "text": _TEXT,
                    "source": _object(
                        {
                            "ref": {"type": "string"},
                            "quote": _TEXT,
                            "credibility": {"type": "integer", "minimum": 1, "maximum": 6},
                            "reliability": {"enum": ["A", "B", "C", "D", "E", "F"]},
                            "note": _TEXT,
                        }
                    ),
                    "date": {"type": "string", "description": "YYYY-MM-DD"},
                    "type": {"enum": ["fact", "claim", "assumption", "absence"]},
                    "relevance": {"enum": ["low", "medium", "high"]},
                    "ratings": {
                        "type": "object",
                        "additionalProperties": {"enum": ["CC", "C", "N", "I", "II", "NA"]},
                    },
                    "likelihoods": {
                        "type": "object",
                        "additionalProperties": {"type": ["number", "string"]},
                        "description": "hypothesis: P(E|H), in [0, 1]",
                    },
                    "observable": {"type": "string", "description": "a condition: P(E|H) from the worlds"},
                    "observed": {"type": "boolean"},
                    "group": {"type": "string"},
                    "note": _TEXT,
                },
                ("text",),
            ),
            "evidence id: text, source, date, type, relevance, ratings, likelihoods or observable, observed, group",
        ),
    }
