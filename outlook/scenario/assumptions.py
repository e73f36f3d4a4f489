"""The ``assumptions:`` block of a scenario file (format 1.1): key assumptions and what follows if each is false.

Owns the :class:`Assumption` record, reading the block (:func:`assumptions`),
checking each assumption's ``if_false`` overrides against the scenario
they would change, and its plain data (:func:`assumption_data`). An
assumption states what the analytic line rests on, how well it is
supported (``solid``, ``caveated`` or ``unsupported``: the ratings of the
Key Assumptions Check, *A Tradecraft Primer*, US Government 2009, p. 7),
and, as overrides by key path (the paths of ``--set``), the scenario that
holds if it is false. Never samples, never runs a model: the check itself
is :mod:`outlook.analysis.assumptions`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Location, ScenarioError, ScenarioErrors, did_you_mean
from .overrides import DROP, Override, apply_overrides, parse_key_path
from .reading import Node
from .values import Reader

__all__ = [
    "RATINGS",
    "Assumption",
    "assumption_data",
    "assumptions",
    "check_override_ids",
]

#: The ratings of an assumption, from best to worst supported (Tradecraft Primer 2009: "solid",
#: "correct with some caveats", "unsupported or questionable").
RATINGS = ("solid", "caveated", "unsupported")

_KEYS = ("statement", "rating", "basis", "if_false", "combine", "indicators")


@dataclass(frozen=True, slots=True)
class Assumption:
    """A key assumption: what it says, how well supported it is, and the scenario that holds if it is false.

    ``if_false`` are overrides (key path -> value, :data:`~outlook.scenario.DROP`
    to remove a correlation pair or an entry), as ``--set`` takes them; empty
    for an assumption that is only qualitative. ``combine`` names other
    assumptions that fail together with this one (a joint failure: their
    overrides applied after this one's). ``indicators`` are ids of
    indicators that would show it failing, kept for a later issue.
    """

    id: str
    statement: str
    rating: str
    basis: str = ""
    if_false: tuple[Override, ...] = ()
    combine: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    where: Location = field(default=Location(), compare=False, repr=False)

    @property
    def tested(self) -> bool:
        """Whether the assumption states what follows if it is false (else it is qualitative, not tested)."""
        return bool(self.if_false)


def assumption_data(a: Assumption) -> dict[str, Any]:
    """An assumption as a scenario file writes it (``drop`` for :data:`~outlook.scenario.DROP`)."""
    out: dict[str, Any] = {"statement": a.statement, "rating": a.rating}
    if a.basis:
        out["basis"] = a.basis
    if a.if_false:
        out["if_false"] = {o.key_path: "drop" if o.value is DROP else o.value for o in a.if_false}
    if a.combine:
        out["combine"] = list(a.combine)
    if a.indicators:
        out["indicators"] = list(a.indicators)
    return out


#: builds a scenario's fields from nodes (:func:`outlook.scenario.sections.build`), passed in to avoid a cycle
Build = Callable[[Node, str], dict[str, Any]]


def assumptions(r: Reader, node: Node, root: Node, build: Build) -> tuple[Assumption, ...]:
    """``assumptions``: id -> ``{statement, rating, basis, if_false, combine, indicators}`` (format 1.1).

    Each ``if_false`` is applied to the rest of the file and the result
    checked as a file is (with ``build``), so that an override naming an
    unknown id, or giving a value that is not valid there, is reported
    when the file loads, located at the ``if_false`` entry and naming the
    assumption. That check is made only when the rest of the file has no
    problem (else it would repeat them).

    Raises
    ------
    Skip
        After recording a problem that spoils the whole block.
    """
    r.needs_format(r.at_key(root, "assumptions", "assumptions"), "the 'assumptions' block")
    m = r.mapping(node, "assumptions", what="a mapping of assumption ids")
    out: list[Assumption] = []
    for aid, anode in m.items():
        with r.collecting():
            out.append(_assumption(r, node, aid, anode))
    ids = [a.id for a in out]
    for a in out:
        for other in a.combine:
            if other not in ids or other == a.id:
                where = r.at(m[a.id].value["combine"], f"assumptions.{a.id}.combine")
                problem = (
                    "an assumption cannot combine with itself" if other == a.id else f"unknown assumption {other!r}"
                )
                r.fail(where, problem, hint=did_you_mean(other, ids) if other != a.id else "")
    _check_conflicts(r, out, m)
    if not r.errors:
        bare = Node("map", {k: v for k, v in root.value.items() if k != "assumptions"})
        bare.keys = root.keys
        for a in out:
            _check(r, a, m[a.id], bare, build)
    return tuple(out)


def _check_conflicts(r: Reader, out: list[Assumption], m: dict[str, Node]) -> None:
    """Refuse a ``combine`` whose members set one key path to different values (which would win is an accident)."""
    by_id = {a.id: a for a in out}
    for a in out:
        members = [a, *(by_id[c] for c in a.combine if c in by_id and c != a.id)]
        if len(members) < 2:
            continue
        first: dict[tuple[str | int, ...], tuple[str, Any]] = {}
        for member in members:
            for o in member.if_false:
                try:
                    key = tuple(parse_key_path(o.key_path))
                except ScenarioError:
                    continue  # reported at the if_false entry
                seen = first.setdefault(key, (member.id, o.value))
                if seen[0] != member.id and seen[1] != o.value:
                    where = r.at(m[a.id].value["combine"], f"assumptions.{a.id}.combine")
                    problem = (
                        f"{seen[0]!r} and {member.id!r} set {o.key_path} to different values: they cannot fail together"
                    )
                    r.fail(where, problem)


def _assumption(r: Reader, parent: Node, aid: str, node: Node) -> Assumption:
    kp = f"assumptions.{aid}"
    r.name(parent, aid, kp)
    e = r.mapping(node, kp, required=("statement", "rating"), optional=_KEYS[2:])
    f = r.texts(e, kp, ("statement", "rating", "basis"))
    st = e.get("statement")
    read = st is not None and st.kind == "scalar" and st.value is not None and not isinstance(st.value, bool)
    if st is not None and read and not (isinstance(st.value, str) and st.value.strip()):  # 42, 1.5e3, ""
        r.fail(r.at(st, f"{kp}.statement"), "expected the assumption stated in words", got=st.value)
        f["statement"] = ""
    rating = f.get("rating", "")
    if "rating" in e and rating and rating not in RATINGS:
        r.fail(
            r.at(e["rating"], f"{kp}.rating"),
            "expected solid, caveated or unsupported",
            got=rating,
            hint=did_you_mean(rating, RATINGS),
        )
    if_false: tuple[Override, ...] = ()
    if "if_false" in e:
        with r.collecting():
            if_false = _overrides(r, e["if_false"], f"{kp}.if_false")
    combine = _names(r, e["combine"], f"{kp}.combine") if "combine" in e else ()
    indicators = _names(r, e["indicators"], f"{kp}.indicators") if "indicators" in e else ()
    return Assumption(
        aid,
        f.get("statement", ""),
        rating,
        f.get("basis", ""),
        if_false,
        combine,
        indicators,
        where=r.at_key(parent, aid, kp),
    )


def _overrides(r: Reader, node: Node, kp: str) -> tuple[Override, ...]:
    """``if_false``: key path -> value; the bare word ``drop`` removes what the key path names."""
    m = r.mapping(node, kp, what="a mapping of key paths to values, such as {drivers.x: {constant: 1.0}}")
    out = []
    for key, value in m.items():
        plain = value.to_plain()
        out.append(Override(key, DROP if plain == "drop" else plain))
    return tuple(out)


def _names(r: Reader, node: Node, kp: str) -> tuple[str, ...]:
    """A list of ids (one id alone is a list of one)."""
    items = node.value if node.kind == "seq" else [node]
    out = []
    for i, item in enumerate(items):
        with r.collecting():
            where = f"{kp}[{i}]" if node.kind == "seq" else kp
            text = r.text(item, where, "an id")
            if not text.isidentifier():
                raise r.fail(r.at(item, where), "expected an id", got=text)
            out.append(text)
    return tuple(out)


#: the sections whose entries an ``if_false`` may change but not add (a new id there would be a typo)
_ID_SECTIONS = ("sources", "horizons", "drivers", "derived", "events", "scenarios", "indicators", "evidence")


def _unknown_id(bare: Node, key_path: str) -> tuple[str, str] | None:
    """The problem and hint when ``key_path`` names an id its section does not have (``drivers.brak``)."""
    try:
        parts = parse_key_path(key_path)
    except ScenarioError as exc:
        return exc.problem + f" (got {key_path!r})", ""
    section = parts[0]
    node = bare.value.get(section)
    return _unknown_in(list(node.value) if node is not None and node.kind == "map" else [], parts, key_path)


def _unknown_in(ids: list[str], parts: list[str | int], key_path: str) -> tuple[str, str] | None:
    """As :func:`_unknown_id`, given the ids of the section ``key_path`` names."""
    section = parts[0]
    if section not in _ID_SECTIONS or len(parts) < 2 or not isinstance(parts[1], str):
        return None
    if parts[1] in ids:
        return None
    what = {"scenarios": "scenario", "derived": "derived quantity", "evidence": "item of evidence"}.get(
        section, section[:-1]
    )
    close = did_you_mean(parts[1], ids).strip()[len("Did you mean '") : -len("'?")]
    hint = f"Did you mean {'.'.join([section, close, *key_path.split('.')[2:]])!r}?" if close else ""
    return f"unknown {what} {parts[1]!r}", hint


def check_override_ids(data: Mapping[str, Any], overrides: Iterable[Override]) -> None:
    """Refuse an override whose key path names an id its section does not have, as ``if_false`` refuses it.

    A what-if changes what a file states; ``drivers.zz`` for a file without
    ``zz`` would silently add a node (most often a typo). Key paths that do
    not parse are left to :meth:`~outlook.scenario.Scenario.with_overrides`.

    Parameters
    ----------
    data
        The scenario's plain data (:meth:`~outlook.scenario.Scenario.to_dict`).
    overrides
        The overrides, in order.

    Raises
    ------
    ScenarioErrors
        One located line per such override: ``override drivers.zz: unknown driver 'zz'``.
    """
    errors = []
    for o in overrides:
        try:
            parts = parse_key_path(o.key_path)
        except ScenarioError:
            continue
        section = data.get(str(parts[0]))
        unknown = _unknown_in(list(section) if isinstance(section, Mapping) else [], parts, o.key_path)
        if unknown:
            where = Location("", 0, 0, o.key_path, o.key_path)
            errors.append(ScenarioError(where, unknown[0], hint=unknown[1]))
    if errors:
        raise ScenarioErrors(errors)


def _check(r: Reader, a: Assumption, node: Node, bare: Node, build: Build) -> None:
    """Apply ``a``'s overrides to the file without its assumptions; report each problem at its ``if_false`` entry."""
    if not a.if_false:
        return
    entries = node.value["if_false"]
    for o in a.if_false:
        unknown = _unknown_id(bare, o.key_path)
        if unknown:
            kp = f"assumptions.{a.id}.if_false.{o.key_path}"
            r.fail(r.at_key(entries, o.key_path, kp), f"assumption {a.id!r}: {unknown[0]}", hint=unknown[1])
    if r.errors:
        return
    tree, problems = apply_overrides(bare, a.if_false, r.path)
    if not problems:
        try:
            build(tree, r.path)
        except ScenarioErrors as exc:
            problems = list(exc.errors)
    for p in problems:
        key = p.where.override if p.where.override in entries.value else a.if_false[0].key_path
        kp = f"assumptions.{a.id}.if_false.{key}"
        if p.where.override:
            below = p.where.key_path != p.where.override and p.where.key_path
            text = f"{p.where.key_path}: {p.problem}" if below else p.problem
        else:
            text = f"{p.where}: {p.where.key_path}: {p.problem}" if p.where.key_path else f"{p.where}: {p.problem}"
        r.errors.append(
            ScenarioError(r.at_key(entries, key, kp), f"assumption {a.id!r}: {text}", got=p.got, hint=p.hint)
        )
