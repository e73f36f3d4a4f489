"""Checking a student's file against an exercise: which plants are fixed, and what each fix does to the key judgements.

Owns :func:`check_exercise` (the student's scenario in, an
:class:`ExerciseCheck` with its feedback and effects tables out),
:func:`isolate` (the original with one plant's fix applied, and nothing
else) and the column names of both tables. Never plots, never prints.

How one fix's effect is isolated
--------------------------------
A student's file may fix several plants, and change other things besides.
The effect of one plant's fix is measured on the **original** (the
exercise's flawed scenario) with the student's values written over it **at
that plant's key paths only** (its ``keys`` in ``exercise.yaml``, such as
``drivers.p_walkout_3mo`` or ``correlations``): a key path the student's
file no longer has is dropped, one it adds is added (a new ``context:``
block too, which an override cannot add), and the result is checked as a
file is (:meth:`outlook.Scenario.from_dict`). That
scenario and the original are run on the same random streams
(:func:`outlook.compare`, common random numbers), so each key judgement's
``delta`` is the paired difference, ``delta_se`` its paired standard error,
and ``flip`` whether the word changes beyond the noise. A fix that reaches
beyond its plant's key paths (a driver that now reads a new derived
quantity, say) cannot be applied alone: its effect is then that of the
student's whole file against the original, and the row says so
(``isolated`` is false).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Location, ScenarioError, ScenarioErrors, did_you_mean
from ..scenario import Scenario, load_scenario
from ..scenario.overrides import parse_key_path
from .catalogue import PLANT_KINDS
from .checks import CheckContext, Verdict
from .exercise import Exercise, Plant, bundled_exercises, find_exercise

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EFFECT_COLUMNS",
    "FEEDBACK_COLUMNS",
    "ExerciseCheck",
    "check_exercise",
    "isolate",
]

#: The columns of :attr:`ExerciseCheck.feedback`, one row per plant.
FEEDBACK_COLUMNS = (
    "plant",
    "kind",
    "name",
    "status",
    "detail",
    "technique",
    "tool",
    "isolated",
    "n_flips",
    "max_abs_delta",
)

#: The columns of :attr:`ExerciseCheck.effects`, one row per plant and key judgement.
EFFECT_COLUMNS = (
    "plant",
    "judgement",
    "kind",
    "p_original",
    "p_fixed",
    "delta",
    "delta_se",
    "word_original",
    "word_fixed",
    "flip",
    "isolated",
)


@dataclass(frozen=True, slots=True)
class ExerciseCheck:
    """A student's file checked against an exercise.

    Attributes
    ----------
    exercise
        The exercise.
    student
        The student's scenario.
    feedback
        One row per plant, in the exercise's order, columns
        :data:`FEEDBACK_COLUMNS`: ``plant`` (its id), ``kind``, ``name``;
        ``status`` (``fixed``, ``found but not fixed``, ``not fixed``) and
        ``detail`` (what the check saw); ``technique`` (the technique that
        finds it) and ``tool`` (the outlook command that shows it);
        ``isolated`` (whether the effect is the fix alone, see the module's
        docstring); ``n_flips`` (key judgements whose word the fix flips) and
        ``max_abs_delta`` (its largest move of a key judgement).
    effects
        One row per plant and key judgement, columns :data:`EFFECT_COLUMNS`:
        ``judgement`` (``ID@HORIZON``), ``kind`` (``scenario`` or ``event``),
        ``p_original`` and ``p_fixed``, the paired ``delta`` and
        ``delta_se``, both words and ``flip``, as :func:`outlook.compare`
        gives them; NaN and empty words for a judgement the fixed file no
        longer has.
    samples, seed
        The worlds of every comparison.
    """

    exercise: Exercise
    student: Scenario
    feedback: pd.DataFrame
    effects: pd.DataFrame
    samples: int
    seed: int

    @property
    def fixed(self) -> tuple[str, ...]:
        """The ids of the plants fixed."""
        return tuple(str(p) for p, s in zip(self.feedback["plant"], self.feedback["status"]) if s == "fixed")


def _plain(value: Any) -> Any:
    """Plain data as a scenario file writes it (a date as its text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_MISSING = object()


def _at(data: Any, key_path: str) -> Any:
    """The value at ``key_path`` in plain data, or ``_MISSING``."""
    for part in parse_key_path(key_path):
        if isinstance(part, int):
            if not isinstance(data, list) or not 0 <= part < len(data):
                return _MISSING
        elif not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


def _put(data: dict[str, Any], key_path: str, value: Any) -> None:
    """Write ``value`` at ``key_path`` in plain data (``_MISSING``: remove it), making mappings on the way."""
    parts = parse_key_path(key_path)
    node: Any = data
    for part in parts[:-1]:
        if isinstance(part, int):
            node = node[part]
        else:
            node = node.setdefault(part, {})
    last = parts[-1]
    if value is _MISSING:
        del node[last]
    else:
        node[last] = value


def isolate(original: Scenario, student: Scenario, keys: tuple[str, ...]) -> tuple[Scenario, bool]:
    """The original with the student's values at ``keys`` (and nothing else), and whether that could be done.

    Parameters
    ----------
    original, student
        The exercise's flawed scenario and the student's.
    keys
        Key paths (``drivers.x``, ``correlations``, ``events.e.after``,
        ``context``), as ``--set`` writes them.

    Returns
    -------
    (Scenario, bool)
        What ``original`` states, with each key path where the two differ
        set to the student's value (or removed where the student's file has
        none, or added where only the student's has it), read back and
        checked as a file is (:meth:`outlook.Scenario.from_dict`), and
        ``True``; or, where that is not a valid scenario (the fix reaches
        beyond ``keys``), ``student`` and ``False``.

    Examples
    --------
    >>> from outlook.testing import tiny_scenario
    >>> a = tiny_scenario(drivers={"r": 0.5, "k": 2}, events={"e": {"rate": "r"}})
    >>> b = a.with_overrides({"drivers.r": 1.0, "drivers.k": 3})
    >>> fixed, alone = isolate(a, b, ("drivers.r",))
    >>> alone, fixed.driver("r").stated, fixed.driver("k").stated
    (True, ConstantForm(value=1.0), ConstantForm(value=2.0))
    """
    a, b = _plain(original.to_dict()), _plain(student.to_dict())
    changed = False
    try:
        for key in keys:
            now = _at(b, key)
            if _at(a, key) != now:
                _put(a, key, now)
                changed = True
    except (KeyError, IndexError, TypeError):  # a path whose parent is not a mapping or list any longer
        return student, False
    if not changed:
        return original, True
    try:
        return Scenario.from_dict(a, path=original.path), True
    except (ScenarioError, ScenarioErrors):
        return student, False


def _exercise_of(student: Scenario, exercise: Exercise | str | Path | None) -> Exercise:
    """The exercise given, or the bundled one whose id is the student's file's ``id:``."""
    if isinstance(exercise, Exercise):
        return exercise
    if exercise is not None:
        return find_exercise(exercise)
    bundled = bundled_exercises()
    if student.id in bundled:
        return find_exercise(student.id)
    known = ", ".join(bundled) or "none"
    node = student.nodes.value.get("id") if student.nodes is not None and student.nodes.kind == "map" else None
    where = Location(student.path, node.line if node else 0, node.col if node else 0, "id")
    problem = f"no exercise has the id {student.id!r} (exercises: {known}); keep the id of the file you were given, or name the exercise"
    raise ScenarioError(where, problem, hint=did_you_mean(student.id, bundled))


def check_exercise(
    student: Scenario | str | Path,
    *,
    exercise: Exercise | str | Path | None = None,
    samples: int = 20_000,
    seed: int = 0,
) -> ExerciseCheck:
    """Check a student's scenario against an exercise: each plant's status, and each fix's effect on the key judgements.

    Parameters
    ----------
    student
        The student's scenario, or its file.
    exercise
        An :class:`Exercise`, a bundled exercise's id, or its folder; by
        default the bundled exercise whose id is the student's file's ``id:``.
    samples, seed
        The worlds of every comparison and of the checks that draw worlds
        (indicators, rule order): the same seed gives the same table.

    Returns
    -------
    ExerciseCheck
        Its ``feedback`` (one row per plant) and ``effects`` (one row per plant
        and key judgement) tables.

    Raises
    ------
    ScenarioErrors
        For a student's file that is not a valid scenario (every problem, located).
    ScenarioError
        For a student's file whose ``id:`` names no exercise (located at the
        ``id:``), or an exercise that cannot be found.
    ValueError
        For a bad ``samples`` or ``seed``.

    Examples
    --------
    >>> ex = find_exercise("port-strike")
    >>> c = check_exercise(ex.scenario, samples=2_000)     # the flawed file as given
    >>> sorted(set(c.feedback["status"]))
    ['not fixed']
    """
    from ..model import check_counts

    check_counts(samples, seed, 1)
    s = student if isinstance(student, Scenario) else load_scenario(student)
    ex = _exercise_of(s, exercise)
    original = load_scenario(ex.scenario)
    ctx = CheckContext(original, s, samples, seed)
    rows, effects = [], []
    for plant in ex.plants:
        kind = PLANT_KINDS[plant.kind]
        verdict: Verdict = kind.run(ctx, plant)
        fixed, isolated = isolate(original, s, plant.keys)
        moved = _effects(ex, plant, original, fixed, isolated, samples, seed)
        effects += moved
        deltas = [abs(r["delta"]) for r in moved if r["delta"] == r["delta"]]
        rows.append(
            {
                "plant": plant.id,
                "kind": plant.kind,
                "name": kind.name,
                "status": verdict.status,
                "detail": verdict.detail,
                "technique": kind.technique,
                "tool": kind.tool,
                "isolated": isolated,
                "n_flips": sum(1 for r in moved if r["flip"]),
                "max_abs_delta": max(deltas, default=0.0),
            }
        )
    import pandas as pd

    feedback = pd.DataFrame(rows, columns=list(FEEDBACK_COLUMNS))
    table = pd.DataFrame(effects, columns=list(EFFECT_COLUMNS))
    for frame in (feedback, table):
        frame["isolated"] = frame["isolated"].astype(bool)
    table["flip"] = table["flip"].astype(bool)
    return ExerciseCheck(ex, s, feedback, table, samples, seed)


def _effects(
    ex: Exercise, plant: Plant, original: Scenario, fixed: Scenario, isolated: bool, samples: int, seed: int
) -> list[dict[str, Any]]:
    """One row per key judgement: the original against the fixed scenario, paired (:func:`outlook.compare`)."""
    from ..analysis.compare import compare

    try:
        t = compare(original, fixed, samples=samples, seed=seed)
    except ValueError:  # no judgement in common: every key judgement is gone
        t = None
    out = []
    for target, horizon in ex.key_judgements:
        row = None
        if t is not None:
            hit = t[(t["target"] == target) & (t["horizon"] == horizon)]
            row = hit.iloc[0] if len(hit) else None
        base: dict[str, Any] = {"plant": plant.id, "judgement": f"{target}@{horizon}", "isolated": isolated}
        if row is None:
            nan = float("nan")
            base.update(kind="", p_original=nan, p_fixed=nan, delta=nan, delta_se=nan)
            base.update(word_original="", word_fixed="", flip=False)
        else:
            base.update(kind=row["kind"], p_original=float(row["p_a"]), p_fixed=float(row["p_b"]))
            base.update(delta=float(row["delta"]), delta_se=float(row["delta_se"]))
            base.update(word_original=row["word_a"], word_fixed=row["word_b"], flip=bool(row["flip"]))
        out.append(base)
    return out
