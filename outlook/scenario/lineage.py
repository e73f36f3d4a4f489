"""A scenario's lineage (format 1.1): the analysis it supersedes, and the ids it renamed since.

Owns the ``supersedes:`` and ``renamed:`` keys of a scenario file: reading
and checking them (:func:`lineage`), the :class:`Lineage` record a
:class:`~outlook.scenario.Scenario` holds, their plain data
(:func:`lineage_data`), and where a superseded file is
(:func:`superseded_path`). Never reads the superseded file, never samples.

``supersedes: previous.yaml`` names the file of the analysis this one
replaces, relative to this file's folder: a report then says what changed
since (ICD 203, standard 7: "explains change to or consistency of analytic
judgments"). ``renamed: {old_id: new_id}`` maps ids of the superseded
version (drivers, derived quantities, events, scenarios) to this one's, so
that a version diff pairs them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Location, ScenarioError, did_you_mean
from .reading import Node
from .values import Reader

__all__ = ["LINEAGE_KEYS", "Lineage", "check_renamed", "lineage", "lineage_data", "superseded_path"]

#: The top-level keys this module reads.
LINEAGE_KEYS = ("supersedes", "renamed")

_SECTIONS = ("drivers", "derived", "events", "scenarios")


@dataclass(frozen=True, slots=True)
class Lineage:
    """What a version of a scenario says of the one before it.

    Attributes
    ----------
    supersedes
        The superseded file as written (relative to this file's folder), or ``""``.
    renamed
        ``(old_id, new_id)`` pairs, in the file's order.
    where
        Where ``supersedes`` is written (for the error if the file cannot be read).
    renamed_at
        Where each old id of ``renamed`` is written, in the same order (for :func:`check_renamed`).
    """

    supersedes: str = ""
    renamed: tuple[tuple[str, str], ...] = ()
    where: Location = field(default=Location(), compare=False, repr=False)
    renamed_at: tuple[Location, ...] = field(default=(), compare=False, repr=False)


def lineage(r: Reader, top: dict[str, Node]) -> dict[str, Any]:
    """``{"lineage": Lineage(...)}`` from the top-level nodes; each problem is recorded on ``r``, located."""
    supersedes, where = "", Location()
    renamed: list[tuple[str, str]] = []
    at: list[Location] = []
    if "supersedes" in top:
        node = top["supersedes"]
        with r.collecting():
            where = r.at(node, "supersedes")
            r.needs_format(where, "'supersedes:'")
            supersedes = r.text(node, "supersedes", "the superseded file's path (text)")
            if not supersedes.strip():
                raise r.fail(where, "expected the superseded file's path, relative to this file", got=supersedes)
            if _same_file(r.path, supersedes):
                raise r.fail(where, "a file cannot supersede itself", got=supersedes)
    if "renamed" in top:
        with r.collecting():
            renamed, at = _renamed(r, top["renamed"], _ids(top))
    return {"lineage": Lineage(supersedes, tuple(renamed), where, tuple(at))}


def _same_file(path: str, supersedes: str) -> bool:
    """Whether ``supersedes`` (relative to the folder of ``path``) is the file at ``path`` itself."""
    if not path or path.startswith("<"):
        return False
    here = Path(path)
    return (here.parent / supersedes).resolve() == here.resolve()


def _ids(top: dict[str, Node]) -> set[str]:
    out: set[str] = set()
    for section in _SECTIONS:
        node = top.get(section)
        if node is not None and node.kind == "map":
            out.update(node.value)
    return out


def _renamed(r: Reader, node: Node, ids: set[str]) -> tuple[list[tuple[str, str]], list[Location]]:
    r.needs_format(r.at(node, "renamed"), "'renamed:'")
    m = r.mapping(node, "renamed", what="a mapping of old id: new id")
    out: list[tuple[str, str]] = []
    at: list[Location] = []
    seen: dict[str, str] = {}
    for old, value in m.items():
        kp = f"renamed.{old}"
        with r.collecting():
            new = r.text(value, kp, "the new id (text)")
            if new not in ids:
                raise r.fail(r.at(value, kp), f"{new!r} is not an id of this file", hint=did_you_mean(new, ids))
            if new == old:
                raise r.fail(r.at(value, kp), "an id renamed to itself", got=new)
            if old in ids:
                raise r.fail(r.at_key(node, old, kp), f"{old!r} is still an id of this file")
            if new in seen:
                raise r.fail(r.at(value, kp), f"{new!r} is already the new id of {seen[new]!r}")
            seen[new] = old
            out.append((old, new))
            at.append(r.at_key(node, old, kp))
    return out, at


def lineage_data(lin: Lineage) -> dict[str, Any]:
    """``{supersedes, renamed}``, each only if stated."""
    out: dict[str, Any] = {}
    if lin.supersedes:
        out["supersedes"] = lin.supersedes
    if lin.renamed:
        out["renamed"] = dict(lin.renamed)
    return out


def superseded_path(lin: Lineage, scenario_path: str) -> Path:
    """The superseded file: ``supersedes`` relative to the folder of the file at ``scenario_path``.

    Raises
    ------
    ScenarioError
        Located at ``supersedes``, if the scenario names none.
    """
    if not lin.supersedes:
        raise ScenarioError(lin.where, "the scenario names no superseded file")
    base = Path(scenario_path).parent if scenario_path and not scenario_path.startswith("<") else Path.cwd()
    return base / lin.supersedes


def check_renamed(lin: Lineage, old_ids: Collection[str], old_path: str) -> None:
    """Refuse an old id of ``renamed`` that the superseded file (at ``old_path``, with ids ``old_ids``) does not have.

    Raises
    ------
    ScenarioError
        Located at the first such ``renamed.<old>`` key, naming the superseded file.
    """
    for (old, _), where in zip(lin.renamed, lin.renamed_at or [lin.where] * len(lin.renamed)):
        if old not in old_ids:
            msg = f"{old!r} is not an id of the superseded file {old_path!r}"
            raise ScenarioError(where, msg, hint=did_you_mean(old, old_ids))
