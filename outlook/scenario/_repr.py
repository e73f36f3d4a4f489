"""How outlook's objects introduce themselves in a REPL and a notebook: short, one-line text and small, escaped HTML.

Owns the pieces that the ``__repr__`` and ``_repr_html_`` methods of
:class:`~outlook.Scenario`, :class:`~outlook.model.Model`,
:class:`~outlook.model.Run` and :class:`~outlook.Tables` share: scenario text
cut to a short, one-line, terminal-safe prefix; the same escaped for HTML
(scenario files are untrusted: a ``<script>`` in a title is shown, never
run); a percentage; and a bounded HTML table. Whatever the scenario's size,
what these build is bounded: at most :data:`ROWS` rows and :data:`COLUMNS`
columns, each cell at most :data:`CHARS` characters (xarray and pandas
bound their reprs the same way). Never prints, never reads a file.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence

from .._text import strip_bidi, terminal_safe

__all__ = [
    "CHARS",
    "COLUMNS",
    "ROWS",
    "counted",
    "html_block",
    "html_table",
    "html_text",
    "percent",
    "short",
]

#: Characters of scenario text a repr shows at most (a title, a label); a longer one ends in "…".
CHARS = 60
#: Rows (scenarios, horizons) an HTML repr's table shows at most; it says how many it leaves out.
ROWS = 20
#: Columns (horizons) an HTML repr's table shows at most; it says how many it leaves out.
COLUMNS = 8

_SPACE = re.compile(r"\s+")
_STYLE = "font-family: var(--jp-content-font-family, sans-serif); line-height: 1.4"


def short(text: object, limit: int = CHARS) -> str:
    """``text`` on one line, terminal-safe, cut to at most ``limit`` characters (ending in "…" when cut).

    Runs of whitespace (newlines too) become one space; control characters
    are shown as escapes and bidirectional controls removed
    (:func:`outlook._text.terminal_safe`, :func:`outlook._text.strip_bidi`).

    >>> short("North Korean\\ntroops", 12)
    'North Korea…'
    """
    one = _SPACE.sub(" ", strip_bidi(terminal_safe(str(text)))).strip()
    return one if len(one) <= limit else one[: limit - 1] + "…"


def html_text(text: object, limit: int = CHARS) -> str:
    """:func:`short` text, HTML-escaped (quotes too): safe as an element's content or an attribute's value.

    >>> html_text('<script>alert("x")</script>')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
    """
    return html.escape(short(text, limit), quote=True)


def percent(p: float) -> str:
    """A probability as a whole percentage, never rounded to a certainty it is not.

    ``0`` and ``1`` are "0%" and "100%"; anything between that would round
    to either is "<1%" or ">99%"; NaN is "–".

    >>> [percent(x) for x in (0.0, 0.004, 0.425, 0.996, 1.0)]
    ['0%', '<1%', '42%', '>99%', '100%']
    """
    if not math.isfinite(p):
        return "–"
    shown = f"{p:.0%}"  # decided on the formatted text: 0.005 is just below a half in binary, and shows "0%"
    if shown == "0%" and p > 0:
        return "<1%"
    if shown == "100%" and p < 1:
        return ">99%"
    return shown


def counted(n: int, one: str, many: str | None = None) -> str:
    """``n`` things, with thousands separators and the right number: ``counted(2, "event")`` is "2 events"."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def html_table(corner: str, columns: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]]) -> str:
    """A small HTML table; every argument is already escaped HTML (see :func:`html_text`).

    Parameters
    ----------
    corner
        The top-left cell (the rows' heading).
    columns
        Column headings: the first :data:`COLUMNS` are shown.
    rows
        ``(heading, cells)``, cells in column order: the first :data:`ROWS`
        are shown.

    Returns
    -------
    str
        A ``<table>``, followed by a line saying how many rows and columns
        it leaves out, if any.
    """
    cols = list(columns[:COLUMNS])
    head = "".join(f"<th>{c}</th>" for c in [corner, *cols])
    body = "".join(
        f"<tr><th style='text-align: left'>{name}</th>"
        + "".join(f"<td style='text-align: right'>{c}</td>" for c in cells[: len(cols)])
        + "</tr>"
        for name, cells in rows[:ROWS]
    )
    out = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    left = [counted(len(rows) - ROWS, "more row")] if len(rows) > ROWS else []
    left += [counted(len(columns) - COLUMNS, "more column")] if len(columns) > COLUMNS else []
    return out + (f"<p><em>… and {' and '.join(left)}</em></p>" if left else "")


def html_block(kind: str, heading: str, lines: Sequence[str], body: str = "") -> str:
    """A repr's HTML: the kind of object, a heading, lines of facts and a body (each already escaped HTML)."""
    facts = "".join(f"<div>{line}</div>" for line in lines)
    return f"<div class='outlook-repr' style='{_STYLE}'><div><strong>{kind}</strong> {heading}</div>{facts}{body}</div>"
