"""The ``indicators:`` block of a scenario file (format 1.1): what to watch for, and what it would signal.

Owns reading the block (:func:`indicators`) into :class:`~outlook.scenario.records.Indicator`
records, the located check that an assumption's ``indicators`` name
indicators the file has (:func:`check_assumption_indicators`), and an
indicator's plain data (:func:`indicator_data`). An indicator's
``observable`` is a condition with the grammar, the names and the checks of
a scenario rule (format 1.1's time-aware ``time(e)``, ``happened(e, by=X)``
and ``t`` included). Never samples, never runs a model: what an indicator
tells apart is :mod:`outlook.analysis.indicators`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from ..errors import did_you_mean
from .canonical import expression_data
from .expressions import NUMBER, YES_NO, Timing
from .reading import Node
from .records import Indicator
from .values import Reader, Skip

__all__ = [
    "check_assumption_indicators",
    "indicator_data",
    "indicators",
]

_KEYS = ("label", "observable", "signposts", "collection", "note")


def indicator_data(i: Indicator, *, canonical: bool = False) -> dict[str, Any]:
    """An indicator as a scenario file writes it: ``{label, observable, signposts, collection, note}``."""
    out: dict[str, Any] = {"label": i.label, "observable": expression_data(i.observable, canonical=canonical)}
    if i.signposts:
        out["signposts"] = list(i.signposts)
    if i.collection:
        out["collection"] = i.collection
    if i.note:
        out["note"] = i.note
    return out


def indicators(
    r: Reader, node: Node, root: Node, timing: Timing, scenario_ids: Sequence[str] | None
) -> tuple[Indicator, ...]:
    """``indicators``: id -> ``{label, observable, signposts, collection, note}`` (format 1.1).

    ``scenario_ids`` are the scenarios the file names (valid or not, so that
    a scenario with a problem of its own is not reported again here), or
    ``None`` when the ``scenarios`` section cannot be read (then signposts
    are not checked: its problem is reported once, where it is).

    Raises
    ------
    Skip
        After recording a problem that spoils the whole block.
    """
    r.needs_format(r.at_key(root, "indicators", "indicators"), "the 'indicators' block")
    m = r.mapping(node, "indicators", what="a mapping of indicator ids")
    names = dict(r.kinds)
    events = [n for n, s in r.names.items() if s == "events"]
    names.update(dict.fromkeys(events, YES_NO))
    timing = dataclasses.replace(timing, events=frozenset(events), t=True)
    out: list[Indicator] = []
    for iid, inode in m.items():
        with r.collecting():
            out.append(_indicator(r, node, iid, inode, names, timing, scenario_ids))
    return tuple(out)


def _indicator(
    r: Reader,
    parent: Node,
    iid: str,
    node: Node,
    names: dict[str, Any],
    timing: Timing,
    scenario_ids: Sequence[str] | None,
) -> Indicator:
    kp = f"indicators.{iid}"
    r.name(parent, iid, kp)
    e = r.mapping(node, kp, required=("label", "observable"), optional=_KEYS[2:])
    f = r.texts(e, kp, ("label", "collection", "note"))
    signposts: tuple[str, ...] = ()
    if "signposts" in e:
        with r.collecting():
            signposts = _signposts(r, e["signposts"], f"{kp}.signposts", scenario_ids)
    if "observable" not in e:
        raise Skip()  # reported as a missing key
    observable = r.expression(e["observable"], f"{kp}.observable", names, timing=timing)
    if observable.kind == NUMBER:
        raise r.fail(observable.where, "an indicator's observable needs a condition, not a number", got=observable.text)
    return Indicator(
        iid,
        f.get("label", ""),
        observable,
        signposts,
        f.get("collection", ""),
        f.get("note", ""),
        where=r.at_key(parent, iid, kp),
    )


def _signposts(r: Reader, node: Node, kp: str, scenario_ids: Sequence[str] | None) -> tuple[str, ...]:
    """A list of scenario ids (one id alone is a list of one), each a scenario of the file."""
    items = node.value if node.kind == "seq" else [node]
    out = []
    for i, item in enumerate(items):
        with r.collecting():
            where = f"{kp}[{i}]" if node.kind == "seq" else kp
            text = r.text(item, where, "a scenario id")
            if scenario_ids is not None and text not in scenario_ids:
                raise r.fail(r.at(item, where), f"unknown scenario {text!r}", hint=did_you_mean(text, scenario_ids))
            out.append(text)
    return tuple(out)


def check_assumption_indicators(r: Reader, node: Node, indicator_ids: Sequence[str]) -> None:
    """Report each id an assumption's ``indicators`` names that is not an indicator of the file.

    ``node`` is the ``assumptions`` block; ``indicator_ids`` every id the
    ``indicators`` block writes (valid or not).
    """
    if node.kind != "map":
        return
    for aid, anode in node.value.items():
        inode = anode.value.get("indicators") if anode.kind == "map" else None
        if inode is None:
            continue
        items = inode.value if inode.kind == "seq" else [inode]
        for i, item in enumerate(items):
            where = f"assumptions.{aid}.indicators" + (f"[{i}]" if inode.kind == "seq" else "")
            if item.kind != "scalar" or not isinstance(item.value, str) or not item.value.isidentifier():
                continue  # reported where the assumption is read
            if item.value not in indicator_ids:
                problem = (
                    f"unknown indicator {item.value!r}"
                    if indicator_ids
                    else f"unknown indicator {item.value!r}: the file has no 'indicators' block"
                )
                r.fail(r.at(item, where), problem, hint=did_you_mean(item.value, indicator_ids))
