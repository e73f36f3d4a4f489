"""Observables in worlds: whether a condition holds in each world, as seen at a point in time.

Owns :func:`evaluate_observable`, the one place an observable (an indicator's,
an observation's) is evaluated in a block of worlds, with what has happened by
a given time and nothing later, exactly as a scenario rule is evaluated at a
horizon's end (:func:`~outlook.model.worlds.rule_scope`). Never summarises,
never prints.
"""

from __future__ import annotations

import numpy as np

from .._types import FloatArray
from ..scenario.expressions import Expression
from ..scenario.timing import horizon_column
from .compile import Model
from .worlds import WorldBlock, rule_scope

__all__ = ["evaluate_observable", "observed_at"]


def observed_at(model: Model, horizon: str | float) -> float:
    """The time an observable is read at, in years from ``as_of``: a horizon's end, or ``horizon`` itself.

    Raises
    ------
    ValueError
        For a horizon id the scenario does not have, or a time that is negative or not finite.
    """
    if isinstance(horizon, str):
        ids = [h.id for h in model.scenario.horizons]
        if horizon not in ids:
            msg = f"unknown horizon {horizon!r}; the scenario's are {', '.join(ids)}"
            raise ValueError(msg)
        return float(model.horizon_ends[ids.index(horizon)])
    end = float(horizon)
    if not (np.isfinite(end) and end >= 0.0):
        msg = f"the time an observable is read at must be 0 or more years from as_of (got {horizon!r})"
        raise ValueError(msg)
    return end


def evaluate_observable(model: Model, expression: Expression, block: WorldBlock, horizon: str | float) -> np.ndarray:
    """Whether ``expression`` holds in each world of ``block``, with what has happened by ``horizon``.

    Parameters
    ----------
    model
        The compiled model the worlds were drawn from.
    expression
        A condition over the scenario's names (its ``kind`` ``yes/no``), e.g. from
        :func:`outlook.scenario.observations.compile_observable`.
    block
        The worlds, from :func:`~outlook.model.iter_worlds` or :func:`~outlook.model.draw_worlds`.
    horizon
        When the observable is read: a horizon id (its end) or a time in
        years from ``as_of`` (an observation's date, say).

    Returns
    -------
    numpy.ndarray
        Boolean, shape ``(block.size,)``.

    Notes
    -----
    The observable sees the worlds as a scenario rule sees them at a horizon's
    end ``T`` (:func:`~outlook.model.worlds.rule_scope`): a bare event name means
    "it has happened by ``T``"; ``time(e)`` is the event's time if that is at
    most ``T``, else ``inf``; so ``happened(e, by=X)`` means happened by ``X``
    when ``X`` is at most ``T``, and by ``T`` when ``X`` is later (nothing
    after ``T`` can have been seen). A derived quantity that reads ``t`` takes
    its value at the first horizon ending at or after ``T`` (the last, if none).

    Raises
    ------
    ValueError
        For a bad ``horizon`` (see :func:`observed_at`), or an expression that is not a condition.
    SimulationError
        If a comparison is undecided in some worlds, as for a scenario rule.
    """
    if expression.kind != "yes/no":
        msg = f"an observable must be a condition, not a number: {expression.text}"
        raise ValueError(msg)
    end = observed_at(model, horizon)
    s = model.scenario
    ends = model.horizon_ends
    at_h = s.horizons[min(int(np.searchsorted(ends, end - 1e-12)), len(s.horizons) - 1)].id
    at = {k: horizon_column(k, at_h) for k in model.per_horizon if k in expression.names}
    names = set(expression.names) | set(at.values())
    scope = rule_scope(block.values, block.times, end, expression.times_read, names=names, at=at)
    value: FloatArray = expression.evaluate(scope, block.size)
    return np.asarray(value == 1.0)
