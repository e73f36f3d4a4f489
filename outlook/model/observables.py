"""Observables: a condition such as an indicator's or an observation's, evaluated in simulated worlds.

Owns :func:`evaluate_observable`: whether a condition holds in each world of
a :class:`~outlook.model.worlds.WorldBlock`, read exactly as a scenario rule
is read at a horizon (:func:`~outlook.model.worlds.label_worlds`, :func:`~outlook.model.worlds.rule_scope`): with
what has happened by that horizon's end and nothing later. Never summarises,
never prints.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._types import BoolArray, FloatArray
from ..scenario.expressions import T_KEY, YES_NO, Expression, time_key
from ..scenario.timing import horizon_column
from .compile import Model
from .worlds import WorldBlock

__all__ = [
    "evaluate_at",
    "evaluate_observable",
    "horizon_index",
]


def horizon_index(model: Model, horizon: int | str) -> int:
    """The index in ``model.scenario.horizons`` of ``horizon`` (an index, or a horizon id).

    Raises
    ------
    ValueError
        For an id the scenario does not have, or an index out of range.
    """
    ids = [h.id for h in model.scenario.horizons]
    if isinstance(horizon, str):
        if horizon not in ids:
            msg = f"unknown horizon {horizon!r}; the scenario has {', '.join(ids)}"
            raise ValueError(msg)
        return ids.index(horizon)
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or not 0 <= horizon < len(ids):
        msg = f"horizon must be a horizon id or an index from 0 to {len(ids) - 1} (got {horizon!r})"
        raise ValueError(msg)
    return int(horizon)


def evaluate_observable(
    model: Model, expression: Expression, block: WorldBlock, horizon: int | str | float
) -> BoolArray:
    """Whether ``expression`` holds in each world of ``block``, by the end of ``horizon`` or at a time.

    Read as a scenario rule is read at that horizon (:func:`~outlook.model.worlds.rule_scope`):
    an event's name means "it happened by the horizon's end";
    ``time(e)`` is ``inf`` where ``e`` happens after it; ``happened(e, by=X)``
    with ``X`` past the horizon's end means by its end; ``t`` is the end;
    a per-horizon derived quantity has its value at that horizon.

    Parameters
    ----------
    model
        The compiled model the block's worlds were drawn from.
    expression
        A condition over the scenario's names (an indicator's ``observable``,
        an observation's, a scenario rule's ``when``).
    block
        Worlds of a run (:func:`~outlook.model.iter_worlds`).
    horizon
        A horizon id or its index in ``model.scenario.horizons`` (an
        ``int``); or a time in years from ``as_of`` (a ``float``: an
        observation's date, say), read as of that time, with per-horizon
        derived quantities at the first horizon ending at or after it (the
        last, if none).

    Returns
    -------
    numpy.ndarray
        Boolean, shape ``(block.size,)``.

    Raises
    ------
    ValueError
        For an unknown horizon, a time that is negative or not finite, or an
        expression that is not a condition.
    SimulationError
        As a scenario rule's evaluation raises it (a comparison undecided in some worlds).
    """
    if isinstance(horizon, float):
        if not (np.isfinite(horizon) and horizon >= 0.0):
            msg = f"the time an observable is read at must be 0 or more years from as_of (got {horizon!r})"
            raise ValueError(msg)
        ends = model.horizon_ends
        # a date within a day and a half of a horizon's end is that end's date (365.25-day years against calendar
        # years): read it at that horizon, not the next
        hi = min(int(np.searchsorted(ends, horizon - 1.5 / 365.25)), len(ends) - 1)
        return evaluate_at(model, expression, block, horizon, hi)
    hi = horizon_index(model, horizon)
    return evaluate_at(model, expression, block, float(model.horizon_ends[hi]), hi)


def evaluate_at(
    model: Model, expression: Expression, block: WorldBlock, end: float | FloatArray, horizon: int | str
) -> BoolArray:
    """Whether ``expression`` holds in each world with what has happened by ``end``.

    As :func:`evaluate_observable`, but as of ``end`` (years from
    ``as_of``: one time, or one per world, shape ``(block.size,)``), no
    later than the end of ``horizon``, whose values a per-horizon derived
    quantity takes. What an indicator's first firing time and its
    by-when date are found with (:mod:`outlook.analysis.indicators`).

    Raises
    ------
    ValueError
        As :func:`evaluate_observable`.
    """
    hi = horizon_index(model, horizon)
    if expression.kind != YES_NO:
        msg = f"an observable must be a condition, not a number (got {expression.text!r})"
        raise ValueError(msg)
    hid = model.scenario.horizons[hi].id
    at = {k: horizon_column(k, hid) for k in model.per_horizon if k in expression.names}
    cut = np.minimum(end, float(model.horizon_ends[hi]))
    # the scope of rule_scope (same names, same reading), with an end that may differ from world to world
    scope: dict[str, Any] = {k: v for k, v in block.values.items() if k in expression.names}
    scope.update({k: block.values[column] for k, column in at.items()})
    scope.update({k: t <= cut for k, t in block.times.items() if k in expression.names})
    for k in expression.times_read:
        t = block.times[k]
        scope[time_key(k)] = np.where(t <= cut, t, np.inf)
    scope[T_KEY] = cut
    return np.asarray(np.broadcast_to(expression.evaluate(scope, block.size) == 1, (block.size,)), dtype=bool)
