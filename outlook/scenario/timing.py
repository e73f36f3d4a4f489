"""Where a ``by:`` key points in time.

Owns :func:`by_years`: the time in years from ``as_of`` of a key of an
event's ``by:``, a horizon id or (format 1.1) a duration or a date; the
loader, the reference checks and the hazards all read keys through it.
Never reads YAML, never samples.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .durations import point_in_time
from .records import Horizon

__all__ = [
    "by_years",
]


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
