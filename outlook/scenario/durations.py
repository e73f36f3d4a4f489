"""Durations, dates, and the dates horizons end on.

Owns the duration syntax of ``until:`` (``1y``, ``6mo``, ``2w``, ``90d``), the
date syntax (``2025-05-01``) and how a date becomes years from ``as_of``
(format 1.1: a date in ``until:``, a date key in ``by:``, ``date()`` and
``happened(e, by=...)`` in expressions), and the calendar date a horizon
ends, as reports show it. Never reads YAML.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re

__all__ = [
    "DAYS_PER_YEAR",
    "end_date",
    "long_date",
    "looks_like_time",
    "parse_date",
    "parse_duration",
    "point_in_time",
    "years_to",
]

#: Days in a year of the time axis: the Julian year, as ``d`` durations already use (``365d`` is 0.99932 years).
DAYS_PER_YEAR = 365.25

_DURATION = re.compile(
    r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(y|yr|yrs|year|years|mo|month|months|w|wk|week|weeks|d|day|days)\s*$"
)
_UNIT_YEARS = {"y": 1.0, "mo": 1.0 / 12.0, "w": 7.0 / 365.25, "d": 1.0 / 365.25}
_ISO_DATE = re.compile(r"^\s*([0-9]{4})-([0-9]{2})-([0-9]{2})\s*$")


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


#: The months' names, for dates written as a reader writes them (:func:`long_date`).
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def long_date(d: dt.date) -> str:
    """A date as a reader writes it: ``1 November 2025``.

    >>> long_date(dt.date(2025, 11, 1))
    '1 November 2025'
    """
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


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


def parse_date(text: str) -> dt.date:
    """A calendar date written ``YYYY-MM-DD``, such as ``2025-05-01``.

    >>> parse_date("2025-05-01")
    datetime.date(2025, 5, 1)

    Raises
    ------
    ValueError
        If the text is not a date in that form, or names a day that does not exist.
    """
    m = _ISO_DATE.match(str(text))
    if not m:
        msg = "expected a date such as 2025-05-01"
        raise ValueError(msg)
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        msg = f"not a date: {exc}"
        raise ValueError(msg) from None


def years_to(as_of: dt.date, when: dt.date) -> float:
    """Years from ``as_of`` to ``when``: days between them over :data:`DAYS_PER_YEAR`.

    The same scale as ``d`` durations (``90d`` is 90 / 365.25 years), so a
    date and the duration of the same number of days are the same time, and
    :func:`end_date` of the result gives the date back.

    >>> years_to(dt.date(2024, 1, 1), dt.date(2024, 7, 1))
    0.49828884325804246
    """
    return (when - as_of).days / DAYS_PER_YEAR


def looks_like_time(text: str) -> bool:
    """Whether ``text`` is written as a duration (``3mo``) or a date (``2025-05-01``), valid or not.

    >>> looks_like_time("3mo"), looks_like_time("2025-02-30"), looks_like_time("y1")
    (True, True, False)
    """
    return bool(_DURATION.match(str(text)) or _ISO_DATE.match(str(text)))


def point_in_time(text: str, as_of: dt.date) -> float:
    """Years from ``as_of`` of a duration (``18mo``) or a date (``2025-05-01``) on or after it.

    >>> point_in_time("18mo", dt.date(2024, 1, 1)), point_in_time("2024-01-01", dt.date(2024, 1, 1))
    (1.5, 0.0)

    Raises
    ------
    ValueError
        If the text is neither (the message asks for either), or is a date
        before ``as_of``.
    """
    if _ISO_DATE.match(str(text)):
        when = parse_date(text)
        if when < as_of:
            msg = f"date {when.isoformat()} is before as_of ({as_of.isoformat()})"
            raise ValueError(msg)
        return years_to(as_of, when)
    if not _DURATION.match(str(text)):
        msg = "expected a duration such as 6mo or a date such as 2025-05-01"
        raise ValueError(msg)
    return parse_duration(text)
