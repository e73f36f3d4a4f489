"""Durations and the dates horizons end on.

Owns the duration syntax of ``until:`` (``1y``, ``6mo``, ``2w``, ``90d``) and
the calendar date a horizon ends, as reports show it. Never reads YAML.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re

__all__ = [
    "end_date",
    "parse_duration",
]

_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(y|yr|yrs|year|years|mo|month|months|w|wk|week|weeks|d|day|days)\s*$"
)
_UNIT_YEARS = {"y": 1.0, "mo": 1.0 / 12.0, "w": 7.0 / 365.25, "d": 1.0 / 365.25}


def parse_duration(text: str) -> float:
    """Years in a duration such as ``1y``, ``6mo``, ``2w`` or ``90d``.

    >>> parse_duration("18mo")
    1.5

    Raises
    ------
    ValueError
        If the text is not a positive number followed by a unit.
    """
    m = _DURATION.match(str(text))
    if not m:
        msg = "expected a duration such as 1y, 6mo, 2w or 90d"
        raise ValueError(msg)
    unit = m.group(2)
    key = "mo" if unit.startswith("mo") else unit[0]
    value = float(m.group(1)) * _UNIT_YEARS[key]
    if value <= 0:
        msg = "a duration must be positive"
        raise ValueError(msg)
    if not math.isfinite(value):
        msg = "a duration must be finite"
        raise ValueError(msg)
    return value


def end_date(as_of: dt.date, years: float) -> dt.date | None:
    """The date a horizon of ``years`` ends, as reports show it, or ``None`` past the year 9999.

    Whole months are calendar months (the day kept, or the month's last day);
    other durations are ``round(years * 365.25)`` days.
    """
    try:
        months = years * 12.0
        if abs(months - round(months)) < 1e-9:
            y, m = divmod(as_of.month - 1 + round(months), 12)
            year, month = as_of.year + y, m + 1
            return dt.date(year, month, min(as_of.day, calendar.monthrange(year, month)[1]))
        return as_of + dt.timedelta(days=round(years * 365.25))
    except (OverflowError, ValueError):
        return None
