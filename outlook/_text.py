"""Scenario text made safe for where it is shown: a terminal, Markdown, a page.

Owns the rules for untrusted text from a scenario file (labels, units,
category names, key paths, quotes) on its way to a reader: control
characters never reach a terminal, Markdown shows text as written, a
spreadsheet never runs a CSV cell as a formula, and unbalanced
bidirectional controls never reverse the text that follows. Never formats
numbers, never prints.

References
----------
Unicode Standard Annex #9, *Unicode Bidirectional Algorithm*, §2 (explicit
formatting characters) and §3.3.2 (how embeddings, overrides and isolates
are terminated at the end of a paragraph).

OWASP Foundation, *CSV Injection*,
https://owasp.org/www-community/attacks/CSV_Injection (the characters that
start a formula, and the sanitisation: a leading single quote, the field in
double quotes, double quotes doubled).

Y. Shafranovich, *Common Format and MIME Type for Comma-Separated Values
(CSV) Files*, RFC 4180, 2005, §2 (quoting a field).
"""

from __future__ import annotations

import re

__all__ = [
    "BIDI_CONTROLS",
    "balance_bidi",
    "csv_safe",
    "markdown_escape",
    "strip_bidi",
    "terminal_safe",
]

#: Explicit bidirectional formatting characters (UAX #9, table 1): the
#: embeddings and overrides LRE, RLE, PDF, LRO, RLO, the isolates LRI, RLI,
#: FSI, PDI, and the implicit marks LRM, RLM, ALM.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

_OPENERS = {"\u202a": "emb", "\u202b": "emb", "\u202d": "emb", "\u202e": "emb", "\u2066": "iso", "\u2067": "iso"}
_OPENERS["\u2068"] = "iso"
_CLOSERS = {"\u202c": "emb", "\u2069": "iso"}

# C0 controls but tab and newline, DEL, and the C1 controls
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|#~$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


def strip_bidi(text: str) -> str:
    """``text`` without any explicit bidirectional formatting character.

    >>> strip_bidi("abc\u202edef")
    'abcdef'
    """
    return "".join(c for c in text if c not in BIDI_CONTROLS)


def balance_bidi(text: str) -> str:
    """``text`` with every unbalanced bidirectional control removed.

    An embedding or override (LRE, RLE, LRO, RLO) is kept only if a PDF
    closes it, an isolate (LRI, RLI, FSI) only if a PDI closes it, and a
    PDF or PDI only if it closes one of those; so the text cannot change the
    direction of anything placed after it. Matched pairs and the implicit
    marks (LRM, RLM, ALM) are kept: they affect only the text itself.

    >>> balance_bidi("a\u202eb")
    'ab'
    >>> balance_bidi("a\u202eb\u202cc") == "a\u202eb\u202cc"
    True
    """
    if not any(c in _OPENERS or c in _CLOSERS for c in text):
        return text
    keep = [True] * len(text)
    stack: list[tuple[int, str]] = []
    for i, c in enumerate(text):
        kind = _OPENERS.get(c)
        if kind is not None:
            stack.append((i, kind))
            continue
        kind = _CLOSERS.get(c)
        if kind is None:
            continue
        # a PDI closes the nearest isolate and every embedding opened inside
        # it (UAX #9, X6a); a PDF closes only an embedding opened after the
        # last isolate
        match = next((k for k in range(len(stack) - 1, -1, -1) if stack[k][1] == kind), None)
        if match is None or (kind == "emb" and any(s[1] == "iso" for s in stack[match + 1 :])):
            keep[i] = False
            continue
        for j, _ in stack[match + 1 :]:
            keep[j] = False  # opened inside, never closed
        del stack[match:]
    for j, _ in stack:
        keep[j] = False
    return "".join(c for c, k in zip(text, keep) if k)


def terminal_safe(text: str) -> str:
    """``text`` that cannot drive a terminal: escapes and bidi controls shown, not obeyed.

    Control characters other than tab and newline (ESC, BEL, the C1
    controls, DEL) become visible escapes such as ``\\x1b``, so that a
    scenario file cannot retitle a window, clear the screen or hide text;
    unbalanced bidirectional controls are removed (:func:`balance_bidi`).

    >>> terminal_safe("title\x1b]0;pwned\x07")
    'title\\\\x1b]0;pwned\\\\x07'
    """
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return balance_bidi(text)


def markdown_escape(text: str) -> str:
    """Text that Markdown shows as written: no markup, no raw HTML, one line.

    Every character with a meaning in CommonMark or GitHub Flavored Markdown
    at the places it can occur (``\\ ` * [ ] < > | # ~`` and an underscore
    at a word's edge) is escaped with a backslash, and so is ``$``, which
    GitHub, GitLab, Jupyter and pandoc read as the start of TeX math;
    whitespace runs, newlines included, become one space.

    >>> markdown_escape("<script>x</script> *bold*")
    '\\\\<script\\\\>x\\\\</script\\\\> \\\\*bold\\\\*'
    """
    return _MD_SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", balance_bidi(str(text))))


#: What makes a spreadsheet read a cell as a formula (OWASP, CSV Injection).
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """``text`` as one CSV field that a spreadsheet shows as text and never runs as a formula.

    For text cells only: a number written by the caller stays a number (a
    mean of -3.2 is not text). A field that begins with ``=``, ``+``,
    ``-``, ``@``, a tab or a carriage return gets a leading single quote
    and is enclosed in double quotes, with every double quote doubled (the
    OWASP *CSV Injection* sanitisation); any other field that holds a
    comma, a double quote or a line break is quoted the same way (RFC 4180);
    the rest are written as they are.

    >>> print(csv_safe('=HYPERLINK("http://x")'))
    "'=HYPERLINK(""http://x"")"
    >>> print(csv_safe("a, b"), csv_safe("calm"))
    "a, b" calm
    """
    if text.startswith(CSV_FORMULA_STARTS):
        return '"' + ("'" + text).replace('"', '""') + '"'
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text
