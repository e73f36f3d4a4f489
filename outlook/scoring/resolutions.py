"""Resolutions files: what happened to each forecast question, read with located errors.

Owns the :class:`Resolution` record and reading a resolutions file
(:func:`load_resolutions`) or the same data given as Python lists and dicts
(:func:`read_resolutions`). A resolutions file is its own file, never part of
a scenario, so that answer keys never sit in scenario files; it is read by
the scenario files' safe YAML reader (:mod:`outlook.scenario.reading`), and
loading it never runs code. Never prints.

The file, a YAML list (or a mapping with ``resolutions:`` holding it)::

    - scenario: nk-troops-russia     # the scenario id the ledger names
      target: ceasefire              # an event or scenario id
      horizon: short                 # the horizon id
      outcome: 1                     # 1 (it happened), 0 (it did not), ambiguous or annulled
      date: 2025-11-01               # YYYY-MM-DD: when the outcome became known
      source: "Reuters, 2 Nov 2025"  # optional: who or what decided
      resolver: "J. Smith"           # optional
      note: "..."                    # optional
      definition: 3f2a9c1b7d4e       # optional: the target's definition hash (at least 12 hex digits)
                                     # the question was resolved under

An ``ambiguous`` outcome is scored both ways (:func:`outlook.scoring.score`);
an ``annulled`` one is left out of every score.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Location, ScenarioError, ScenarioErrors
from ..scenario.reading import Node, compose, from_plain, read_text
from ..scenario.values import Reader, Skip

__all__ = ["OUTCOMES", "Resolution", "load_resolutions", "read_resolutions"]

#: The outcomes a resolution can state.
OUTCOMES: tuple[int | str, ...] = (1, 0, "ambiguous", "annulled")

_REQUIRED = ("scenario", "target", "horizon", "outcome", "date")
_OPTIONAL = ("source", "resolver", "note", "definition")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_HASH = re.compile(r"[0-9a-f]{12,64}")


@dataclass(frozen=True, slots=True)
class Resolution:
    """What happened to one question: a target at a horizon of a scenario.

    Attributes
    ----------
    scenario, target, horizon
        The scenario id, the event or scenario id, and the horizon id, as the ledger names them.
    outcome
        ``1``, ``0``, ``"ambiguous"`` or ``"annulled"``.
    date
        When the outcome became known.
    source, resolver, note
        Who or what decided, who resolved it, and any note (``""`` if not given).
    definition
        The target's definition hash the question was resolved under (a
        prefix of at least 12 hex digits), or ``""``.
    where
        Where the item is written (file:line:column and key path).
    """

    scenario: str
    target: str
    horizon: str
    outcome: int | str
    date: dt.date
    source: str = ""
    resolver: str = ""
    note: str = ""
    definition: str = ""
    where: Location = field(default=Location("<resolutions>"), compare=False, repr=False)


def load_resolutions(path: str | Path) -> tuple[Resolution, ...]:
    """Read a resolutions file (see the module's docstring for the format).

    Parameters
    ----------
    path
        A YAML file, read as scenario files are (regular files only, at most
        5,000,000 bytes of UTF-8).

    Returns
    -------
    tuple of Resolution
        In file order.

    Raises
    ------
    ScenarioErrors
        Every problem in the file, each located at file:line:column and key
        path (``resolutions[2].outcome``): a missing or unknown key, an
        outcome that is not 1, 0, ambiguous or annulled, a date that is not
        YYYY-MM-DD, empty text, a definition that is not a hex hash, and two
        items for the same scenario, target and horizon.
    ScenarioError
        If the file cannot be read.
    """
    p = str(path)
    return _build(compose(read_text(path), p), p)


def read_resolutions(data: Any, *, path: str = "<resolutions>") -> tuple[Resolution, ...]:
    """Resolutions given as Python data: a list of dicts (or ``{"resolutions": [...]}``), checked as a file is.

    Raises
    ------
    ScenarioErrors
        As :func:`load_resolutions`, located at ``path`` and the key path.
    """
    errors: list[ScenarioError] = []
    root = from_plain(data, path, errors)
    if errors:
        raise ScenarioErrors(errors)
    return _build(root, path)


def _build(root: Node, path: str) -> tuple[Resolution, ...]:
    r = Reader(path)
    out: list[Resolution] = []
    node = root
    if root.kind == "map":
        with r.collecting():
            top = r.mapping(root, "", required=("resolutions",), what="a list of resolutions")
            node = top.get("resolutions", root)
    if not r.errors and (node.kind != "seq" or not node.value):
        r.fail(r.at(node, "resolutions"), "expected a list of resolutions (at least one)")
    if r.errors:
        raise ScenarioErrors(r.errors)
    seen: dict[tuple[str, str, str], int] = {}
    for i, item in enumerate(node.value):
        with r.collecting():
            res = _item(r, i, item)
            key = (res.scenario, res.target, res.horizon)
            if key in seen:
                problem = (
                    f"a second resolution of {res.target} at {res.horizon} (the first is resolutions[{seen[key]}])"
                )
                raise r.fail(res.where, problem)
            seen[key] = i
            out.append(res)
    if r.errors:
        raise ScenarioErrors(r.errors)
    return tuple(out)


def _item(r: Reader, i: int, node: Node) -> Resolution:
    """One item of the list; each of its problems is recorded, then the item is skipped if it has any."""
    kp = f"resolutions[{i}]"
    m = r.mapping(node, kp, required=_REQUIRED, optional=_OPTIONAL, what="a mapping such as {scenario, target, ...}")
    before = len(r.errors)
    texts = r.texts(m, kp, ("scenario", "target", "horizon", "source", "resolver", "note"))
    for k in ("scenario", "target", "horizon"):
        if k in m and texts.get(k) == "" and len(r.errors) == before:
            r.fail(r.at(m[k], f"{kp}.{k}"), "expected non-empty text")
    got: dict[str, Any] = {}
    with r.collecting():
        if "outcome" in m:
            got["outcome"] = _outcome(r, m["outcome"], f"{kp}.outcome")
    with r.collecting():
        if "date" in m:
            got["date"] = _date(r, m["date"], f"{kp}.date")
    with r.collecting():
        if "definition" in m:
            got["definition"] = _definition(r, m["definition"], f"{kp}.definition")
    if len(r.errors) > before or any(k not in m for k in _REQUIRED):
        raise Skip()
    return Resolution(
        texts["scenario"],
        texts["target"],
        texts["horizon"],
        got["outcome"],
        got["date"],
        texts.get("source", ""),
        texts.get("resolver", ""),
        texts.get("note", ""),
        got.get("definition", ""),
        r.at(node, kp),
    )


def _outcome(r: Reader, node: Node, kp: str) -> int | str:
    v = node.value
    if node.kind == "scalar" and not isinstance(v, bool) and v in (0, 1) and isinstance(v, int | float):
        return int(v)
    if node.kind == "scalar" and isinstance(v, str) and v.strip() in ("ambiguous", "annulled"):
        return v.strip()
    yes_no = isinstance(v, bool) or (isinstance(v, str) and v.strip().lower() in ("yes", "no", "true", "false"))
    hint = "Write 1 or 0 for whether it happened" if yes_no else ""
    raise r.fail(r.at(node, kp), "expected 1, 0, ambiguous or annulled", got=v, hint=hint)


def _date(r: Reader, node: Node, kp: str) -> dt.date:
    v = node.value
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and (match := _DATE.fullmatch(v.strip())):
        try:
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError as exc:
            raise r.fail(r.at(node, kp), f"invalid date: {exc}", got=v) from None
    raise r.fail(r.at(node, kp), "expected a date written YYYY-MM-DD, such as 2025-11-01", got=node.to_plain())


def _definition(r: Reader, node: Node, kp: str) -> str:
    v = node.raw if node.raw is not None else node.value
    text = str(v).strip().lower() if node.kind == "scalar" and not isinstance(node.value, bool) else ""
    if not _HASH.fullmatch(text):
        problem = "expected a definition hash: 12 to 64 hex digits, as the ledger's definition_hash starts"
        raise r.fail(r.at(node, kp), problem, got=node.to_plain())
    return text
