"""Exercises with planted biases: a flawed scenario, a brief and tasks, and an automatic check of the fixes.

Owns the exercise format (:mod:`.exercise`), the catalogue of plants with the
technique that finds each (:mod:`.catalogue`), the automatic check of each
kind (:mod:`.checks`) and the feedback a student gets: which plants are
fixed, and each fix's effect on the key judgements on common random numbers
(:mod:`.feedback`). The bundled exercises live in ``exercises/`` beside the
package (``outlook/exercises/bundled`` in a wheel, which leaves out every
instructor's answer and reference solution). Imports the analysis stage,
never the presentation layer; never prints. See docs/exercises.md.

>>> from outlook.exercises import bundled_exercises
>>> sorted(bundled_exercises())
['nk-sourcing', 'port-strike', 'vaccine-race']
"""

from __future__ import annotations

from .catalogue import PLANT_KINDS, PlantKind
from .checks import FIXED, FOUND, NOT_FIXED, STATUSES, CheckContext, Verdict
from .exercise import Exercise, Plant, bundled_exercises, find_exercise, load_exercise
from .feedback import EFFECT_COLUMNS, FEEDBACK_COLUMNS, ExerciseCheck, check_exercise, isolate

__all__ = [
    "EFFECT_COLUMNS",
    "FEEDBACK_COLUMNS",
    "FIXED",
    "FOUND",
    "NOT_FIXED",
    "PLANT_KINDS",
    "STATUSES",
    "CheckContext",
    "Exercise",
    "ExerciseCheck",
    "Plant",
    "PlantKind",
    "Verdict",
    "bundled_exercises",
    "check_exercise",
    "find_exercise",
    "isolate",
    "load_exercise",
]
