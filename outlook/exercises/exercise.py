"""An exercise's definition: ``exercises/<id>/exercise.yaml`` read into a frozen :class:`Exercise`.

Owns the exercise file's format (the brief, the flawed scenario, the tasks,
the instructor's answer and reference solution, the key judgements, and the
plants with their parameters), reading it with located errors (the safe YAML
reader of scenario files, :mod:`outlook.scenario.reading`), and where the
bundled exercises live: ``outlook/exercises/bundled`` in an installed wheel,
``exercises/`` beside the package in a checkout. The instructor's answer and
solution are read only where they exist (a checkout): the wheel leaves them
out. Never samples, never prints.

The file::

    id: port-strike                 # the folder's name and the flawed scenario's id
    title: A dockworkers' strike
    base: new case                  # or the bundled scenario it is built on
    scenario: scenario.yaml         # the flawed file the student starts from
    brief: brief.md
    tasks: tasks.md
    answer: answers.md              # instructor only: never in the wheel
    solution: solution.yaml         # instructor only: a reference fix
    key_judgements: [walkout@m3, shipping_disrupted@y1]
    plants:
      union_anchor:
        kind: interested_party_anchoring   # a kind of outlook.exercises.PLANT_KINDS
        keys: [drivers.p_walkout_3mo]      # what the fix may change (its effect is isolated by them)
        driver: p_walkout_3mo              # the kind's parameters
        contains: 0.5
        note: free text
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Location, ScenarioError, ScenarioErrors, did_you_mean
from ..scenario.overrides import parse_key_path
from ..scenario.reading import Node, compose, read_text
from ..scenario.values import Reader, Skip
from .catalogue import PLANT_KINDS, read_params

__all__ = [
    "EXERCISE_FILE",
    "Exercise",
    "Plant",
    "bundled_exercises",
    "find_exercise",
    "load_exercise",
]

#: The name of an exercise's definition file in its folder.
EXERCISE_FILE = "exercise.yaml"

_KEYS = ("id", "title", "base", "scenario", "brief", "tasks", "answer", "solution", "key_judgements", "plants")
_REQUIRED = ("id", "title", "scenario", "brief", "tasks", "key_judgements", "plants")
_JUDGEMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)@([A-Za-z_][A-Za-z0-9_]*)$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True, slots=True)
class Plant:
    """One planted flaw: its id, its kind (a key of :data:`~outlook.exercises.PLANT_KINDS`) and the check's parameters.

    ``keys`` are the scenario key paths a fix of this plant changes (as
    ``--set`` writes them: ``drivers.x``, ``correlations``,
    ``events.e.after``): the fix's effect is the original with the student's
    values at these paths (see :func:`outlook.exercises.isolate`).
    """

    id: str
    kind: str
    keys: tuple[str, ...]
    params: tuple[tuple[str, Any], ...] = ()
    note: str = ""
    where: Location = field(default=Location(), compare=False, repr=False)

    def param(self, name: str, default: Any = None) -> Any:
        """The parameter ``name`` (``default`` if the file does not give it)."""
        return dict(self.params).get(name, default)


@dataclass(frozen=True, slots=True)
class Exercise:
    """An exercise: a brief, a flawed scenario, tasks, plants and the key judgements their effects are shown on.

    Paths are absolute. ``answer`` and ``solution`` are ``None`` where the
    files are absent (an installed wheel never holds them).
    """

    id: str
    title: str
    folder: Path
    scenario: Path
    brief: Path
    tasks: Path
    key_judgements: tuple[tuple[str, str], ...]
    plants: tuple[Plant, ...]
    base: str = ""
    answer: Path | None = None
    solution: Path | None = None

    @property
    def student_files(self) -> tuple[Path, ...]:
        """What a student is given: the brief, the tasks and the flawed scenario."""
        return (self.brief, self.tasks, self.scenario)


def _dirs() -> list[Path]:
    here = Path(__file__).resolve().parent  # outlook/exercises/
    return [d for d in (here / "bundled", here.parent.parent / "exercises") if d.is_dir()]


def bundled_exercises() -> dict[str, Path]:
    """Exercise id (its folder's name) -> the folder, sorted by id: every folder holding an ``exercise.yaml``."""
    found: dict[str, Path] = {}
    for d in _dirs():
        for p in sorted(d.glob(f"*/{EXERCISE_FILE}")):
            found.setdefault(p.parent.name, p.parent)
    return dict(sorted(found.items()))


def find_exercise(name: str | Path) -> Exercise:
    """An exercise by bundled id, or by its folder or its ``exercise.yaml`` path.

    Raises
    ------
    ScenarioError
        If ``name`` is neither a bundled exercise's id nor a folder or file
        holding one (with a "did you mean" among the bundled ids).
    ScenarioErrors
        If its ``exercise.yaml`` is not valid (every problem, located).
    """
    p = Path(name)
    if p.is_dir() and (p / EXERCISE_FILE).is_file():
        return load_exercise(p / EXERCISE_FILE)
    if p.is_file() and p.name == EXERCISE_FILE:
        return load_exercise(p)
    bundled = bundled_exercises()
    if str(name) in bundled:
        return load_exercise(bundled[str(name)] / EXERCISE_FILE)
    known = ", ".join(bundled) or "none"
    msg = f"no such exercise (bundled: {known})"
    raise ScenarioError(Location(str(name)), msg, hint=did_you_mean(str(name), bundled))


def load_exercise(path: str | Path) -> Exercise:
    """Read and check an ``exercise.yaml`` (see the module's docstring for the format).

    Raises
    ------
    ScenarioErrors
        Every problem, each located at file:line:column and key path: a
        missing or unknown key, an id that is not a slug or not its folder's
        name, a file it names that does not exist beside it (the answer and
        solution may be absent), a key judgement not written ``ID@HORIZON``,
        a plant of an unknown kind (with a "did you mean"), a key path that
        cannot be read, a missing or bad parameter of its kind.
    ScenarioError
        If the file cannot be read.
    """
    p = Path(path).resolve()
    return _build(compose(read_text(p), str(path)), str(path), p.parent)


def _build(root: Node, path: str, folder: Path) -> Exercise:
    r = Reader(path)
    got: dict[str, Any] = {}
    m: dict[str, Node] = {}
    with r.collecting():
        m = r.mapping(root, "", required=_REQUIRED, optional=tuple(k for k in _KEYS if k not in _REQUIRED))
    for key in ("id", "title", "base"):
        with r.collecting():
            if key in m:
                got[key] = r.text(m[key], key)
    with r.collecting():
        if "id" in got and (not _SLUG.match(got["id"]) or got["id"] != folder.name):
            problem = f"an exercise's id is a lowercase slug and its folder's name ({folder.name!r})"
            raise r.fail(r.at(m["id"], "id"), problem, got=got["id"])
    for key in ("scenario", "brief", "tasks", "answer", "solution"):
        with r.collecting():
            if key in m:
                got[key] = _file(r, m[key], key, folder, required=key not in ("answer", "solution"))
    with r.collecting():
        if "key_judgements" in m:
            got["key_judgements"] = _judgements(r, m["key_judgements"])
    with r.collecting():
        if "plants" in m:
            got["plants"] = _plants(r, m["plants"])
    if r.errors:
        raise ScenarioErrors(r.errors)
    return Exercise(
        id=got["id"],
        title=got["title"],
        folder=folder,
        scenario=got["scenario"],
        brief=got["brief"],
        tasks=got["tasks"],
        key_judgements=got["key_judgements"],
        plants=got["plants"],
        base=got.get("base", ""),
        answer=got.get("answer"),
        solution=got.get("solution"),
    )


def _file(r: Reader, node: Node, kp: str, folder: Path, *, required: bool) -> Path | None:
    """A file beside the exercise's definition; a missing one is a problem unless it is instructor-only."""
    name = r.text(node, kp, "a file name beside exercise.yaml")
    target = (folder / name).resolve()
    if target.parent != folder or "/" in name or "\\" in name:
        raise r.fail(r.at(node, kp), "expected a file name beside exercise.yaml, not a path", got=name)
    if not target.is_file():
        if required:
            raise r.fail(r.at(node, kp), f"no such file beside exercise.yaml: {name}")
        return None
    return target


def _judgements(r: Reader, node: Node) -> tuple[tuple[str, str], ...]:
    if node.kind != "seq" or not node.value:
        raise r.fail(r.at(node, "key_judgements"), "expected a list of ID@HORIZON (at least one)")
    out = []
    for i, item in enumerate(node.value):
        with r.collecting():
            text = r.text(item, f"key_judgements[{i}]")
            m = _JUDGEMENT.match(text)
            if m is None:
                raise r.fail(r.at(item, f"key_judgements[{i}]"), "expected ID@HORIZON", got=text)
            out.append((m.group(1), m.group(2)))
    return tuple(out)


def _plants(r: Reader, node: Node) -> tuple[Plant, ...]:
    if node.kind != "map" or not node.value:
        raise r.fail(r.at(node, "plants"), "expected a mapping of plant id -> plant (at least one)")
    out = []
    for pid, item in node.items():
        with r.collecting():
            out.append(_plant(r, pid, item))
    return tuple(out)


def _plant(r: Reader, pid: str, node: Node) -> Plant:
    kp = f"plants.{pid}"
    if node.kind != "map":
        raise r.fail(r.at(node, kp), "expected a mapping with 'kind' and 'keys'")
    kind_node, keys_node = node.value.get("kind"), node.value.get("keys")
    if kind_node is None or keys_node is None:
        missing = "kind" if kind_node is None else "keys"
        raise r.fail(r.at(node, kp), f"missing required key {missing!r}")
    kind = r.text(kind_node, f"{kp}.kind")
    if kind not in PLANT_KINDS:
        hint = did_you_mean(kind, PLANT_KINDS)
        raise r.fail(r.at(kind_node, f"{kp}.kind"), f"unknown kind of plant {kind!r}", hint=hint)
    keys = _key_paths(r, keys_node, f"{kp}.keys")
    note = r.text(node.value["note"], f"{kp}.note") if "note" in node.value else ""
    rest = {k: v for k, v in node.items() if k not in ("kind", "keys", "note")}
    before = len(r.errors)
    params = read_params(r, kind, rest, kp, r.at(node, kp), node)
    if len(r.errors) > before:
        raise Skip()
    return Plant(pid, kind, keys, tuple(params.items()), note, r.at(node, kp))


def _key_paths(r: Reader, node: Node, kp: str) -> tuple[str, ...]:
    if node.kind != "seq" or not node.value:
        raise r.fail(r.at(node, kp), "expected a list of key paths (at least one), such as [drivers.x]")
    out = []
    for i, item in enumerate(node.value):
        text = r.text(item, f"{kp}[{i}]")
        try:
            parse_key_path(text)
        except ScenarioError as exc:
            raise r.fail(r.at(item, f"{kp}[{i}]"), exc.problem, got=text) from None
        out.append(text)
    return tuple(out)
