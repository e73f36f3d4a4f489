"""How numbers and tables are shown: one place for a probability, a value, a date, a table as text.

Owns the number formats every reader sees (a probability as a percentage,
its Monte Carlo error band, a value to four significant digits, a count, a
date, a duration) and the tables as text for a terminal, as Markdown, as
CSV and as HTML for a notebook. The report, the figures and the ``outlook``
command all show numbers through here, so a probability reads the same
everywhere.

Text from a scenario file (labels, ids, category names) is untrusted: every
cell passes through :func:`outlook._text.terminal_safe` (control characters
shown as escapes, unbalanced bidirectional controls removed), then through
the escape of its format (:func:`~outlook._text.markdown_escape`,
:func:`~outlook._text.csv_safe`, HTML escaping with each text cell a
bidirectional isolate). Never decides what is shown (which rows, which
sections), never computes a number, never prints.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from typing import Any, Literal

import numpy as np
import pandas as pd

from ._text import csv_safe, markdown_escape, terminal_safe
from .scenario.durations import MONTHS
from .scenario.durations import long_date as _long_date
from .words import STRADDLE_K, Scale, get_scale
from .words import level as is_level

__all__ = [
    "TABLE_FORMATS",
    "about",
    "by_horizon",
    "category_shares",
    "cell",
    "count",
    "duration",
    "end_date",
    "long_date",
    "number",
    "ordinal",
    "percent",
    "percent_rounded",
    "plus_minus",
    "column_format",
    "grid_percent",
    "horizon_heading",
    "key_judgements",
    "render_blocks",
    "render_table",
    "rounded_range",
    "scenario_grid",
    "short_date",
    "small_number",
]

#: Table formats, by the name :func:`render_table` takes.
TABLE_FORMATS = ("text", "markdown", "csv", "html")

_SMALL = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


# --------------------------------------------------------------------------
# numbers


def percent(p: float) -> str:
    """A probability as a percentage: one decimal, more if it would show 0 or 100.

    Parameters
    ----------
    p
        A probability in [0, 1], or NaN.

    Returns
    -------
    str
        ``"35.1%"``; up to four decimals where one would round a probability
        strictly between 0 and 1 to ``0.0%`` or ``100.0%``; ``"–"`` for NaN.

    Examples
    --------
    >>> percent(0.3512), percent(0.0004), percent(0.99996), percent(1.0)
    ('35.1%', '0.04%', '99.996%', '100.0%')
    """
    if math.isnan(p):
        return "–"
    d = 1
    while d < 4 and 0.0 < p < 1.0 and round(100.0 * p, d) in (0.0, 100.0):
        d += 1
    return f"{100.0 * p:.{d}f}%"


def plus_minus(se: float) -> str:
    """A probability's Monte Carlo error band, ``±k·se`` as a percentage (``k`` is ``STRADDLE_K``, 2).

    Parameters
    ----------
    se
        The probability's Monte Carlo standard error.

    Returns
    -------
    str
        ``"±0.7%"``: one decimal, more (up to four) where one would show a
        positive half-width as ``±0.0%``.

    Notes
    -----
    ``k = 2`` is close to the 1.96 of a normal 95 % interval; the same band
    decides whether an estimative word straddles a boundary
    (:func:`outlook.words.straddles`).

    Examples
    --------
    >>> plus_minus(0.0034), plus_minus(0.00001)
    ('±0.7%', '±0.002%')
    """
    half = STRADDLE_K * se
    d = 1
    while d < 4 and half > 0 and round(100.0 * half, d) == 0.0:
        d += 1
    return f"±{100.0 * half:.{d}f}%"


def percent_rounded(p: float) -> str:
    """A probability as a whole percentage, for a label on a figure: ``<1%`` and ``>99%`` at the ends.

    Parameters
    ----------
    p
        A probability in [0, 1].

    Returns
    -------
    str
        ``"35%"``; ``"<1%"`` above 0 and below 1 %, ``">99%"`` above 99 % and below 1,
        so that a rare outcome never shows as 0 % nor a near-certain one as
        100 %.

    Examples
    --------
    >>> percent_rounded(0.351), percent_rounded(0.004), percent_rounded(0.996), percent_rounded(1.0)
    ('35%', '<1%', '>99%', '100%')
    """
    return "<1%" if 0 < p < 0.01 else ">99%" if 0.99 < p < 1 else f"{p:.0%}"


def _rounded(p: float) -> float:
    """House rounding: to 5 points between 5 % and 95 %, to a whole point outside them (1 % to 99 %)."""
    step = 5.0 if 0.05 <= p <= 0.95 else 1.0
    return min(99.0, max(1.0, step * round(100.0 * p / step)))


def about(p: float, scale: str | Scale = "icd203") -> str:
    """A probability as a key judgement gives it: rounded, never more precise than the word beside it.

    Parameters
    ----------
    p
        A probability in [0, 1].
    scale
        The scale whose word stands beside the number (ICD 203 by default).

    Returns
    -------
    str
        ``"about 35%"``. House rounding: to the nearest 5 percentage points
        between 5 % and 95 %, to a whole point from 1 % to 5 % and from 95 % to
        99 %; ``"below 1%"`` and ``"above 99%"`` beyond (outside the ICD 203
        table). Where the rounded number would lie in another word's band
        (0.443, *unlikely*, would show as 45 %, *roughly even chance*), the
        whole percentage is shown, and failing that as many decimals as it
        takes (0.549957 is "about 54.996%"), so the number never contradicts
        its word.

    Notes
    -----
    Words are used instead of numbers "to avoid interpretation of
    judgements as being overly precise" (UK PHIA, *Explaining Uncertainty
    in UK Intelligence Assessment*, 2025); the rounded number is the
    word's companion, not a measurement. The exact number is in the tables.

    Examples
    --------
    >>> about(0.351), about(0.443), about(0.031), about(0.004), about(0.9967)
    ('about 35%', 'about 44%', 'about 3%', 'below 1%', 'above 99%')
    """
    p = float(p)
    if p < 0.01:
        return "below 1%"
    if p > 0.99:
        return "above 99%"
    sc = get_scale(scale)
    word = sc.word(p)
    tries = (_rounded(p), float(round(100.0 * p)), *(round(100.0 * p, d) for d in range(1, 13)))
    for shown in tries:
        if sc.word(min(1.0, shown / 100.0)) == word:
            return f"about {shown:.12g}%"
    return f"about {100.0 * p!r}%"  # within 1e-12 of a boundary: the number itself


def rounded_range(lo: float, hi: float) -> str:
    """A judgement's range across the drivers' uncertainty, in whole points: ``"17–66%"``.

    Whole points, not the 5-point house rounding of a single probability: a
    range's ends are percentiles a reader compares with the analytic
    confidence section, which states them to two decimals, so they must not
    move by up to 2.5 points each. An end beyond 1% or 99% is written out,
    with "to" rather than a dash.

    >>> rounded_range(0.17, 0.66), rounded_range(0.004, 0.1), rounded_range(0.54, 0.999)
    ('17–66%', 'below 1% to 10%', '54% to above 99%')
    """

    def end(p: float) -> str:
        return "below 1" if p < 0.01 else "above 99" if p > 0.99 else f"{round(100 * p):d}"

    a, b = end(float(lo)), end(float(hi))
    if a == b:
        return f"{a}%"
    return f"{a}–{b}%" if a[0].isdigit() and b[0].isdigit() else f"{a}% to {b}%"


def number(x: Any) -> str:
    """A value for a table: four significant digits, thousands separated.

    Parameters
    ----------
    x
        Anything ``float()`` accepts.

    Returns
    -------
    str
        ``"12,000"`` from 1,000 up (no decimals), ``"0.1235"`` below;
        ``"0"``, ``"–"`` for NaN and ``"∞"`` or ``"-∞"``.

    Examples
    --------
    >>> number(11987.6), number(0.123456), number(float("nan")), number(float("-inf"))
    ('11,988', '0.1235', '–', '-∞')
    """
    v = float(x)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v == 0:
        return "0"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def count(n: int) -> str:
    """A whole number with thousands separated: ``count(200000)`` is ``"200,000"``."""
    return f"{n:,}"


def small_number(n: int) -> str:
    """A count from 0 to 10 as a word (``"no"``, ``"one"``, … ``"ten"``), larger ones as digits.

    >>> small_number(6), small_number(12)
    ('six', '12')
    """
    return _SMALL[n] if 0 <= n < len(_SMALL) else str(n)


def ordinal(q: float) -> str:
    """A percentile's rank as an ordinal: ``5`` is ``"5th"``, ``2.5`` is ``"2.5th"``.

    >>> ordinal(5), ordinal(21), ordinal(12), ordinal(2.5)
    ('5th', '21st', '12th', '2.5th')
    """
    text = f"{q:g}"
    if not text.isdigit():
        return f"{text}th"
    n = int(text)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --------------------------------------------------------------------------
# dates and durations


def long_date(d: dt.date) -> str:
    """A date as a reader writes it: ``1 November 2025`` (:func:`outlook.scenario.durations.long_date`)."""
    return _long_date(d)


def short_date(d: dt.date) -> str:
    """A date for a column heading, the month cut to three letters: ``1 Nov 2025``.

    >>> short_date(dt.date(2025, 11, 1)), short_date(dt.date(2029, 6, 30))
    ('1 Nov 2025', '30 Jun 2029')
    """
    return f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}"


def end_date(as_of: dt.date, years: float) -> dt.date:
    """The date ``years`` after ``as_of``, as a report shows a horizon's end.

    Parameters
    ----------
    as_of
        The scenario's as-of date.
    years
        A horizon's length in years (``Horizon.until``).

    Returns
    -------
    datetime.date
        Where ``years`` is a whole number of months, that many calendar
        months later (the same day, or the month's last day); otherwise
        ``round(years * 365.25)`` days later.

    Raises
    ------
    ValueError
        Past the year 9999 (the loader refuses such a horizon).

    Examples
    --------
    >>> end_date(dt.date(2024, 1, 31), 1 / 12), end_date(dt.date(2024, 1, 31), 7 / 365.25)
    (datetime.date(2024, 2, 29), datetime.date(2024, 2, 7))
    """
    from .scenario.durations import end_date as ends  # one rule for the date a horizon ends

    date = ends(as_of, years)
    if date is None:
        msg = f"a horizon of {years:g} years from {as_of.isoformat()} ends after the year 9999"
        raise ValueError(msg)
    return date


def duration(years: float) -> str:
    """A horizon's length in words: ``"5 years"``, ``"6 months"`` or ``"45 days"``.

    >>> duration(1.0), duration(0.5), duration(45 / 365.25)
    ('1 year', '6 months', '45 days')
    """
    if abs(years - round(years)) < 1e-9:
        n = round(years)
        return f"{n} year" if n == 1 else f"{n} years"
    months = years * 12.0
    if abs(months - round(months)) < 1e-9:
        n = round(months)
        return f"{n} month" if n == 1 else f"{n} months"
    return f"{round(years * 365.25)} days"


# --------------------------------------------------------------------------
# tables


def cell(v: object) -> str:
    """A table cell as text: a float to four decimals (or four significant digits), anything else as ``str``.

    Parameters
    ----------
    v
        A cell of a table.

    Returns
    -------
    str
        A float of 0 or between 1e-4 and 100 with four decimals, between 100
        and 1e7 with one decimal and thousands separated, any other float to
        four significant digits; ``""`` for NaN. Not yet made safe: see
        :func:`render_table`.

    Examples
    --------
    >>> cell(0.35123), cell(12345.678), cell(3e-7), cell(float("nan")), cell("short")
    ('0.3512', '12,345.7', '3e-07', '', 'short')
    """
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        if v == 0 or 1e-4 <= abs(v) < 1e7:
            return f"{v:.4f}" if abs(v) < 100 else f"{v:,.1f}"
        return f"{v:.4g}"
    return str(v)


def column_format(values: Any) -> Any:
    """One number format for a whole column of floats, so that every row reads alike.

    Parameters
    ----------
    values
        The column's values (a Series or any iterable of numbers; NaN and
        infinities are skipped when choosing).

    Returns
    -------
    Callable[[object], str]
        Formats one value of the column: fixed decimals, thousands separated,
        four decimals for a column below 100 and one from 100 up, more (up to
        six) until the smallest non-zero value shows two significant digits;
        scientific notation with four significant digits for the whole column
        where a value reaches 1e7 or a non-zero one is below 1e-6. NaN is
        ``""``; a value that is not a float is shown as :func:`cell` shows it.

    Notes
    -----
    The rule keeps ``3.231e-05`` from standing beside ``0.0001`` in a column of
    standard errors: both read ``0.000032`` and ``0.000100``.

    Examples
    --------
    >>> f = column_format([0.2290, 3.231e-05, 0.0001])
    >>> f(0.2290), f(3.231e-05), f(0.0001)
    ('0.229000', '0.000032', '0.000100')
    >>> f = column_format([9993.0, 0.35])
    >>> f(9993.0), f(0.35)
    ('9,993.00', '0.35')
    >>> column_format([2.5e7, 1.0])(1.0)
    '1.000e+00'
    """
    finite = [abs(float(v)) for v in values if isinstance(v, float | np.floating) and math.isfinite(v)]
    nonzero = [v for v in finite if v > 0]
    hi = max(finite, default=0.0)
    lo = min(nonzero, default=1.0)
    if hi >= 1e7 or lo < 1e-6:
        spec = ".3e"
    else:
        d = 4 if hi < 100 else 1
        while d < 6 and lo < 10.0 ** (1 - d):
            d += 1
        spec = f",.{d}f"

    def fmt(v: object) -> str:
        if not isinstance(v, float | np.floating):
            return cell(v)
        if math.isnan(v):
            return ""
        if math.isinf(v):
            return "∞" if v > 0 else "-∞"
        return format(float(v), spec)

    return fmt


def render_table(frame: pd.DataFrame, *, format: Literal["text", "markdown", "csv", "html"] = "text") -> str:
    """A table as aligned text, a Markdown pipe table, CSV, or an HTML table.

    Parameters
    ----------
    frame
        One of the outlook tables, or any DataFrame (its index is left out).
    format
        ``text`` (columns aligned, numbers to the right: for a terminal),
        ``markdown`` (every cell shows as written), ``csv`` (numbers stay
        numbers, written as Python writes a float; text cells safe in a
        spreadsheet) or ``html`` (a ``<table>`` for a notebook).

    Returns
    -------
    str
        The table, ending in a newline.

    Raises
    ------
    ValueError
        For an unknown format.

    Notes
    -----
    Every text cell passes through :func:`outlook._text.terminal_safe`
    before its width is measured or its format's escape applies, so a
    scenario file cannot drive a terminal, break a Markdown table, run a
    formula in a spreadsheet or reorder the cells after it.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"scenario": ["calm", "war"], "p": [0.75, 0.25]})
    >>> print(render_table(frame), end="")
    scenario       p
    calm      0.7500
    war       0.2500
    >>> print(render_table(frame, format="markdown"), end="")
    | scenario | p |
    |---|---:|
    | calm | 0.7500 |
    | war | 0.2500 |
    """
    if format == "csv":
        return _csv(frame)
    if format == "html":
        return _html(frame)
    if format not in ("text", "markdown"):
        msg = f"unknown table format {format!r}; expected one of {', '.join(TABLE_FORMATS)}"
        raise ValueError(msg)
    markdown = format == "markdown"
    # cells are made safe before their widths are measured
    text = markdown_escape if markdown else str
    cols = [text(terminal_safe(str(c))) for c in frame.columns]
    formats = [column_format(frame[c]) if pd.api.types.is_float_dtype(frame[c]) else cell for c in frame.columns]
    rows = [[text(terminal_safe(f(v))) for f, v in zip(formats, row)] for row in frame.itertuples(index=False)]
    numeric = _numeric(frame)
    if markdown:
        lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(cols)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric)).rstrip()

    return "\n".join([line(cols)] + [line(r) for r in rows]) + "\n"


def render_blocks(frame: pd.DataFrame, keys: list[str], width: int) -> str:
    """A wide table as aligned text in blocks of columns that fit ``width`` characters, each led by ``keys``.

    The columns after ``keys`` are taken in order into as few blocks as fit
    (a column wider than any block gets one of its own); each block is
    :func:`render_table`'s text of the keys and its columns, and blocks are
    separated by a blank line. A table that fits is one block, as
    :func:`render_table` prints it.

    Raises
    ------
    KeyError
        If a key is not a column of ``frame``.
    """
    rest = [c for c in frame.columns if c not in keys]

    def wide(columns: list[str]) -> int:
        return max(len(line) for line in render_table(frame[columns]).splitlines())

    blocks: list[list[str]] = []
    for c in rest:
        if blocks and wide([*keys, *blocks[-1], c]) <= width:
            blocks[-1].append(c)
        else:
            blocks.append([c])
    if not blocks:
        return render_table(frame[keys])
    return "\n".join(render_table(frame[[*keys, *b]]) for b in blocks)


def _numeric(frame: pd.DataFrame) -> list[bool]:
    """Which columns hold numbers (aligned right)."""
    return [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]


def _csv(frame: pd.DataFrame) -> str:
    """A table as CSV: text cells through :func:`csv_safe` (no formula runs in a spreadsheet).

    Numbers stay numbers (written as Python writes a float, as pandas does;
    a missing one as an empty field); every other cell is text, made
    terminal-safe and then CSV-safe.
    """

    def field(v: object) -> str:
        if isinstance(v, bool | np.bool_):
            return str(bool(v))
        if isinstance(v, int | np.integer):
            return str(int(v))
        if isinstance(v, float | np.floating):
            return "" if math.isnan(v) else repr(float(v))
        if v is None or v is pd.NA or v is pd.NaT:
            return ""
        return csv_safe(terminal_safe(str(v)))

    lines = [",".join(field(str(c)) for c in frame.columns)]
    lines += [",".join(field(v) for v in row) for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def _html(frame: pd.DataFrame) -> str:
    """A table as an HTML ``<table>``: numbers as :func:`cell` shows them, each text cell an isolate.

    Text is escaped (quotes too) after :func:`terminal_safe`; each text cell
    is a ``<bdi>``, so a right-to-left label cannot reorder its row.
    Numeric columns carry ``class="num"`` (for right alignment).
    """

    def esc(v: object) -> str:
        return html.escape(terminal_safe(str(v)), quote=True)

    numeric = _numeric(frame)
    formats = [column_format(frame[c]) if pd.api.types.is_float_dtype(frame[c]) else cell for c in frame.columns]
    num = ' class="num"'
    head = "".join(f'<th scope="col"{num if n else ""}>{esc(c)}</th>' for c, n in zip(frame.columns, numeric))
    body = []
    for row in frame.itertuples(index=False):
        cells = (
            f"<td{num}>{esc(f(v))}</td>" if n else f"<td><bdi>{esc(f(v))}</bdi></td>"
            for v, n, f in zip(row, numeric, formats)
        )
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="outlook">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody>\n</table>\n"
    )


# --------------------------------------------------------------------------
# the scenario grid and the key judgements (the first screen of `outlook run`)


def grid_percent(p: float) -> str:
    """A probability in the scenario grid: one decimal always, so that a column reads alike.

    Parameters
    ----------
    p
        A probability in [0, 1], or NaN.

    Returns
    -------
    str
        ``"34.1%"``; ``"<0.1%"`` above 0 and below 0.05 %, ``">99.9%"`` at or
        above 99.95 % and below 1, so that a rare outcome never shows as 0 %
        nor a near-certain one as 100 %; ``"–"`` for NaN.

    Examples
    --------
    >>> grid_percent(0.3411), grid_percent(0.0004), grid_percent(0.0), grid_percent(0.99996)
    ('34.1%', '<0.1%', '0.0%', '>99.9%')
    """
    if math.isnan(p):
        return "–"
    if 0.0 < p < 0.0005:
        return "<0.1%"
    if 0.9995 <= p < 1.0:
        return ">99.9%"
    return f"{100.0 * p:.1f}%"


def horizon_heading(label: str, as_of: dt.date | None, until: float) -> tuple[str, str]:
    """A horizon's column heading: its label, and the date it ends.

    Parameters
    ----------
    label
        The horizon's label as the scenario file writes it (``"0–12 months"``).
    as_of
        The scenario's as-of date, or ``None`` when unknown.
    until
        The horizon's length in years.

    Returns
    -------
    tuple of str
        ``("0–12 months", "by 1 Nov 2025")``; the second is ``""`` without
        an as-of date (or past the year 9999).

    Examples
    --------
    >>> horizon_heading("0–12 months", dt.date(2024, 11, 1), 1.0)
    ('0–12 months', 'by 1 Nov 2025')
    """
    if as_of is None:
        return (label, "")
    try:
        return (label, f"by {short_date(end_date(as_of, until))}")  # the numbers are cumulative: by that date
    except ValueError:
        return (label, "")


def by_horizon(label: str, ident: str, as_of: dt.date, until: float) -> str:
    """A horizon as the report names it: ``"by November 2025 (0–12 months)"``.

    The numbers at a horizon are cumulative, from the as-of date to the
    horizon's end, so the horizon reads "by" its end, never as a window.

    Parameters
    ----------
    label
        The horizon's label as the file writes it (its id when it has none).
    ident
        The horizon's id; a label equal to it is not repeated.
    as_of
        The scenario's as-of date.
    until
        The horizon's length in years.

    Returns
    -------
    str
        ``"by <month> <year>"`` when the horizon ends on the first of a month
        (the whole month before is inside it), ``"by <day> <month> <year>"``
        otherwise; then the label in brackets.

    Raises
    ------
    ValueError
        Past the year 9999 (the loader refuses such a horizon).

    Examples
    --------
    >>> by_horizon("0–12 months", "short", dt.date(2024, 11, 1), 1.0)
    'by November 2025 (0–12 months)'
    >>> by_horizon("soon", "soon", dt.date(2024, 1, 31), 0.5)
    'by 31 July 2024'
    """
    end = end_date(as_of, until)
    when = f"{MONTHS[end.month - 1]} {end.year}" if end.day == 1 else long_date(end)
    label = " ".join(label.split())
    return f"by {when} ({label})" if label and label != ident else f"by {when}"


def _grid_parts(tables: Any) -> tuple[list[tuple[str, str, float]], list[tuple[str, str]], pd.DataFrame]:
    """Horizons (id, label, years), scenarios (id, label) in file order, and the long scenarios table."""
    frame = tables.scenarios
    s = tables.scenario
    if s is not None:
        horizons = [(h.id, " ".join(h.label.split()) or h.id, float(h.until)) for h in s.horizons]
        rules = [(r.id, " ".join(r.label.split()) or r.id) for r in s.rules]
    else:  # tables made by hand: the order the table gives
        horizons = [(str(h), str(h), math.nan) for h in dict.fromkeys(frame["horizon"].astype(str))]
        rules = [(str(r), str(r)) for r in dict.fromkeys(frame["scenario"].astype(str))]
    return horizons, rules, frame


def scenario_grid(tables: Any, *, format: Literal["text", "markdown"] = "text") -> str:
    """The scenario × horizon grid: one row per scenario, one column per horizon, probability and word in each cell.

    Parameters
    ----------
    tables
        An :class:`outlook.Tables` (its ``scenarios`` table and, for labels
        and end dates, its ``scenario``).
    format
        ``text`` (aligned, for a terminal; each heading on two lines, the
        label and the end date) or ``markdown`` (a pipe table).

    Returns
    -------
    str
        The grid, ending in a newline. Rows and columns in the scenario
        file's order; probabilities by :func:`grid_percent`, right-aligned
        within their column, each followed by its estimative word.

    """
    horizons, rules, frame = _grid_parts(tables)
    as_of = tables.scenario.as_of if tables.scenario is not None else None
    by = {
        (str(h), str(r)): (float(p), str(w))
        for h, r, p, w in zip(frame["horizon"], frame["scenario"], frame["p"], frame["word"])
    }
    md = format == "markdown"
    esc = markdown_escape if md else str
    heads = [
        horizon_heading(label, as_of, years) if not math.isnan(years) else (label, "") for _, label, years in horizons
    ]
    widths = [max([len(grid_percent(by[(h, r)][0])) for r, _ in rules if (h, r) in by] + [1]) for h, _, _ in horizons]
    rows = []
    for rid, label in rules:
        cells = []
        for (hid, _, _), w in zip(horizons, widths):
            if (hid, rid) in by:
                p, word = by[(hid, rid)]
                cells.append(f"{grid_percent(p).rjust(0 if md else w)} {terminal_safe(word)}")
            else:
                cells.append("")
        rows.append([esc(terminal_safe(label))] + [esc(c) for c in cells])
    if md:
        head = ["Scenario"] + [esc(terminal_safe(f"{a} ({b})" if b else a)) for a, b in heads]
        lines = ["| " + " | ".join(head) + " |", "|---|" + "---|" * len(heads)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines) + "\n"
    top = ["Scenario"] + [terminal_safe(a) for a, _ in heads]
    second = [""] + [terminal_safe(b) for _, b in heads]
    cols = [max(len(x) for x in col) for col in zip(top, second, *rows)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, cols)).rstrip()

    out = [line(top)] + ([line(second)] if any(second) else []) + [line(r) for r in rows]
    return "\n".join(out) + "\n"


def category_shares(tables: Any) -> list[str]:
    """One line per categorical driver: each category's share of the worlds with its standard error.

    The drivers table leaves a categorical driver's mean, sd and percentiles
    empty (the mean of category codes means nothing); these lines are what a
    reader of that table needs in their place, from ``tables.categories``.

    Parameters
    ----------
    tables
        A :class:`~outlook.tables.Tables`.

    Returns
    -------
    list[str]
        ``"us_election (categorical): harris 50.0% ± 0.4%, trump 50.0% ± 0.4%"``
        (± one Monte Carlo standard error, ``sqrt(p (1 - p) / n)``), in the
        file's order of drivers and categories; empty without categorical
        drivers.
    """
    frame = tables.categories
    out = []
    for driver, rows in frame.groupby("driver", sort=False, observed=True):
        shares = ", ".join(
            f"{r.category} {percent(float(r.p))} ± {percent(float(r.p_se))}" for r in rows.itertuples(index=False)
        )
        out.append(f"{driver} (categorical): {shares}")
    return out


def key_judgements(tables: Any) -> list[str]:
    """One sentence a horizon: the most probable scenario, in estimative words, as the report's key judgements.

    Parameters
    ----------
    tables
        An :class:`outlook.Tables`.

    Returns
    -------
    list of str
        ``"0–12 months (by 1 Nov 2025): it is unlikely (34.1%, ±0.7%) that the
        outcome is “Contained”, the leading scenario of the six."``;
        scenarios level with the leading one (:func:`outlook.words.level`:
        less than 5 points or 3 standard errors of the difference apart) are
        named with it. Not yet terminal-safe (the command's stream makes it so).

    Notes
    -----
    The standard error of the difference of two multinomial proportions from
    ``n`` draws is ``sqrt((p1 + p2 - (p1 - p2)**2) / n)`` (the covariance of
    two categories is ``-p1 p2 / n``), as the report's key judgements use it;
    ``n`` is the manifest's effective sample size. "The leading scenario",
    not "the most probable": ICD 203 asks for one row of its table, and the
    word beside it is a likelihood term.
    """
    horizons, rules, frame = _grid_parts(tables)
    as_of = tables.scenario.as_of if tables.scenario is not None else None
    labels = dict(rules)
    n = float(tables.manifest["effective_sample_size"]) or 1.0
    out = []
    for hid, label, years in horizons:
        rows = frame[frame["horizon"].astype(str) == hid].sort_values("p", ascending=False, kind="stable")
        if rows.empty:
            continue
        _, end = horizon_heading(label, as_of, years) if not math.isnan(years) else (label, "")
        top = rows.iloc[0]
        p1 = float(top["p"])
        said = f"it is {top['word']} ({percent(p1)}, {plus_minus(float(top['p_se']))}) that the outcome is “{labels.get(str(top['scenario']), str(top['scenario']))}”"
        level = []
        for _, other in rows.iloc[1:].iterrows():
            p2 = float(other["p"])
            if is_level(p1, p2, n):
                name = labels.get(str(other["scenario"]), str(other["scenario"]))
                level.append(f"“{name}” ({other['word']}, {percent(p2)}, {plus_minus(float(other['p_se']))})")
        if level:
            said += ", level with " + (level[0] if len(level) == 1 else ", ".join(level[:-1]) + " and " + level[-1])
        elif len(rows) >= 2:
            said += f", the leading scenario of the {small_number(len(rows))}"
        out.append(f"{label} ({end}): {said}." if end else f"{label}: {said}.")
    return out
