"""Where a ``by:`` key points in time, and which derived quantities have a value per horizon.

Owns :func:`by_years` (the time in years from ``as_of`` of a key of an
event's ``by:``: a horizon id or, format 1.1, a duration or a date; the
loader, the reference checks and the hazards all read keys through it),
:func:`per_horizon` (the derived quantities that read ``t``, the end of the
horizon, directly or through another one) and :func:`horizon_column`
(the name of such a quantity's value at one horizon). Never reads YAML,
never samples.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .durations import point_in_time
from .records import Derived, Horizon

__all__ = [
    "by_years",
    "horizon_column",
    "per_horizon",
]


def per_horizon(derived: Iterable[Derived]) -> frozenset[str]:
    """The derived quantities that read ``t``, or read one that does: each has one value per horizon.

    ``derived`` in the order they use each other (a scenario's order).

    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(outlook=1.1, drivers={"g": 0.1}, derived={"users": "100 * (1 + g) ** t", "k": "users / 100"})
    >>> sorted(per_horizon(s.derived))
    ['k', 'users']
    """
    out: set[str] = set()
    for d in derived:
        if d.expr.reads_t or not out.isdisjoint(d.expr.names):
            out.add(d.id)
    return frozenset(out)


def horizon_column(name: str, horizon: str) -> str:
    """The name of a per-horizon quantity's value at ``horizon``: ``users@y1``.

    What a run's summaries and the world store call it, as the world store
    calls the scenario column of a horizon ``scenario@y1``.
    """
    return f"{name}@{horizon}"


def by_years(key: str, horizons: Iterable[Horizon], as_of: dt.date) -> float:
    """Years from ``as_of`` of a ``by:`` key: a horizon's end, or a duration (``3mo``) or a date (``2025-05-01``).

    Raises
    ------
    ValueError
        If ``key`` is none of these (see :func:`~outlook.scenario.durations.point_in_time`).
    """
    for h in horizons:
        if h.id == key:
            return h.until
    return point_in_time(key, as_of)
