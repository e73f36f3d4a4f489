"""The catalogue of plants: each kind of planted flaw, the technique that finds it, and its automatic check.

Owns :data:`PLANT_KINDS` (kind -> :class:`PlantKind`: its name, the
structured analytic technique that detects it, the outlook tool that shows
it, what its check asks, its parameters) and reading a plant's parameters
from an exercise file with located errors (:func:`read_params`). The checks
themselves are :mod:`.checks`'. Never samples, never prints.

The catalogue follows the project's SAT reference, §4.9, and the bundled-case
review's findings it names (F1 hindsight, F2 selective evidence, F4
decorative precision, F6 interested parties, F13 double counting, F14 rule
order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..errors import Location
from ..scenario.reading import Node
from ..scenario.values import Reader
from . import checks

if TYPE_CHECKING:
    from .checks import CheckContext, Verdict

__all__ = [
    "PLANT_KINDS",
    "PlantKind",
    "read_params",
]


@dataclass(frozen=True, slots=True)
class PlantKind:
    """One kind of plant.

    Attributes
    ----------
    kind
        Its key in :data:`PLANT_KINDS` and in an exercise's ``plants.X.kind``.
    name
        What it is called in feedback ("Over-precision").
    technique
        The structured analytic technique that detects it, with its source.
    tool
        The outlook command (or section of the docs) that shows it.
    check
        What the automatic check asks, in one sentence.
    params
        Parameter name -> (type, default); a default of ``None`` means required. The types:
        ``id`` (a name in the scenario), ``ids`` (a list of two or more), ``number``,
        ``interval`` (two numbers, low <= high), ``text``.
    run
        The check: ``run(context, plant) -> Verdict`` (:mod:`.checks`).
    """

    kind: str
    name: str
    technique: str
    tool: str
    check: str
    params: MappingProxyType[str, tuple[str, Any]]
    run: Callable[[CheckContext, Any], Verdict]


def _kind(
    kind: str, name: str, technique: str, tool: str, check: str, params: dict[str, tuple[str, Any]], run: Any
) -> PlantKind:
    return PlantKind(kind, name, technique, tool, check, MappingProxyType(params), run)


_QOIC = "Quality of Information Check (A Tradecraft Primer, 2009)"

#: Every kind of plant, in the order feedback lists them.
PLANT_KINDS: MappingProxyType[str, PlantKind] = MappingProxyType(
    {
        k.kind: k
        for k in (
            _kind(
                "over_precision",
                "Over-precision",
                f"elicitation: ranges, not point estimates; {_QOIC}",
                "outlook run --table drivers",
                "the driver's 5th-95th percentile width is at least `share` of the source's stated `width`",
                {"driver": ("id", None), "width": ("number", None), "share": ("number", 0.5)},
                checks.over_precision,
            ),
            _kind(
                "selective_evidence",
                "Selective evidence",
                f"{_QOIC}; ACH (Heuer & Pherson, Structured Analytic Techniques, 1st ed., §7.3): contrary evidence",
                "outlook sourcing; docs/scenario-format.md (stance: contradicts)",
                "the contrary quote is cited on the item with stance: contradicts (or is an ACH evidence item)",
                {"item": ("text", None), "source": ("id", None), "quote": ("text", None)},
                checks.selective_evidence,
            ),
            _kind(
                "hindsight_leakage",
                "Hindsight leakage",
                "the information cut-off (ICD 203; the SAT reference §5.3, item 6)",
                "outlook check --strict",
                "no source dated after as_of is cited anywhere but an event's status",
                {"source": ("id", None)},
                checks.hindsight_leakage,
            ),
            _kind(
                "interested_party_anchoring",
                "Anchoring on an interested party",
                f"{_QOIC}: basis tags and interested parties",
                "outlook sourcing; outlook confidence",
                "the driver rests on more than an interested party's claim, and its 5th-95th range contains `contains`",
                {"driver": ("id", None), "contains": ("number", None)},
                checks.interested_party_anchoring,
            ),
            _kind(
                "double_counting",
                "Double counting",
                "Key Assumptions Check (Heuer & Pherson, ch. 8): one dependence, stated once",
                "outlook whatif --set 'correlations[0]=drop'",
                "not both the correlation of `correlation` and the `after` multiplier of `event` on `after`",
                {"correlation": ("ids", None), "event": ("id", None), "after": ("id", None)},
                checks.double_counting,
            ),
            _kind(
                "base_rate_neglect",
                "Base-rate neglect",
                "the outside view: a reference class first (Kahneman & Tversky; Tetlock, Superforecasting)",
                "outlook sourcing (basis: outside_knowledge)",
                "the driver cites a base rate (basis: outside_knowledge) and its median lies in `median_within`",
                {"driver": ("id", None), "median_within": ("interval", None)},
                checks.base_rate_neglect,
            ),
            _kind(
                "decorative_precision",
                "Decorative precision",
                "the dependency graph (the bundled-case review, F4)",
                "outlook check; outlook graph",
                "each sourced driver reaches an event or scenario, or sits in context:",
                {"drivers": ("ids", None)},
                checks.decorative_precision,
            ),
            _kind(
                "tautological_indicator",
                "Tautological indicator",
                "Indicators or Signposts of Change; Indicators Validator (Heuer & Pherson, ch. 6)",
                "outlook indicators",
                "no indicator of the scenario is flagged tautological or definitional, and one is left that is not",
                {"indicator": ("id", None), "scenario": ("id", None)},
                checks.tautological_indicator,
            ),
            _kind(
                "rule_order",
                "Rule-order artefact",
                "scenario audit: scenarios defined by substance, not by the order of their rules",
                "outlook whatif --set scenarios=... (the two rules swapped)",
                "swapping the two rules moves neither scenario by more than `threshold` at any horizon",
                {"rules": ("ids", None), "threshold": ("number", 0.02)},
                checks.rule_order,
            ),
        )
    }
)


def read_params(r: Reader, kind: str, given: dict[str, Node], kp: str, where: Location, parent: Node) -> dict[str, Any]:
    """A plant's parameters, checked against its kind; each problem is recorded on ``r``, located.

    ``given`` are the plant's entries other than ``kind``, ``keys`` and
    ``note``, ``parent`` the plant's mapping. Unknown parameters (at their
    key, with a "did you mean"), missing required ones (at ``where``) and
    values of the wrong type are problems. Defaults fill what is not given.
    """
    from ..errors import did_you_mean

    spec = PLANT_KINDS[kind].params
    out: dict[str, Any] = {}
    for name in given:
        if name not in spec:
            hint = did_you_mean(name, spec)
            r.fail(r.at_key(parent, name, f"{kp}.{name}"), f"unknown parameter {name!r} of a {kind} plant", hint=hint)
    for name, (typ, default) in spec.items():
        node = given.get(name)
        if node is None:
            if default is None:
                r.fail(where, f"a {kind} plant needs {name!r}")
            else:
                out[name] = default
            continue
        with r.collecting():
            out[name] = _value(r, node, f"{kp}.{name}", typ)
    return out


def _value(r: Reader, node: Node, kp: str, typ: str) -> Any:
    if typ in ("id", "text"):
        return r.text(node, kp)
    if typ == "number":
        return r.number(node, kp)
    if typ == "interval":
        low, high = r.numbers(node, kp, 2, "[low, high]")
        if low > high:
            raise r.fail(r.at(node, kp), "expected [low, high] with low <= high", got=[low, high])
        return (low, high)
    if node.kind != "seq" or len(node.value) < 2:
        raise r.fail(r.at(node, kp), "expected a list of at least two ids")
    return tuple(r.text(v, f"{kp}[{i}]") for i, v in enumerate(node.value))
