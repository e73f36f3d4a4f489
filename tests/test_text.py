"""Scenario text on its way to a terminal, Markdown or a page (outlook._text)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outlook._text import BIDI_CONTROLS, balance_bidi, csv_safe, markdown_escape, strip_bidi, terminal_safe

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"

_bidi_text = st.text(
    alphabet=st.sampled_from(["a", "b", " ", LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI]), max_size=30
)


def _balanced(text: str) -> bool:
    """A slow, obvious check: every opener closed by its own kind, in nesting order."""
    stack: list[str] = []
    for c in text:
        if c in (LRE, RLE, LRO, RLO):
            stack.append("emb")
        elif c in (LRI, RLI, FSI):
            stack.append("iso")
        elif c == PDF:
            if not stack or stack[-1] != "emb":
                return False
            stack.pop()
        elif c == PDI:
            if not stack or stack[-1] != "iso":
                return False
            stack.pop()
    return not stack


@given(_bidi_text)
def test_balance_bidi_leaves_no_unbalanced_control(text: str) -> None:
    """Whatever the input, the result's controls are balanced and properly nested."""
    assert _balanced(balance_bidi(text))


@given(_bidi_text)
def test_balance_bidi_keeps_balanced_text_and_every_other_character(text: str) -> None:
    """Balanced text is unchanged; only controls are ever removed; a second pass changes nothing."""
    out = balance_bidi(text)
    if _balanced(text):
        assert text == out
    assert strip_bidi(text) == strip_bidi(out)
    assert out == balance_bidi(out)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" + RLO + "b", "ab"),
        ("a" + RLO + "b" + PDF + "c", "a" + RLO + "b" + PDF + "c"),
        ("a" + PDF + "b", "ab"),
        (RLI + "x" + RLO + "y" + PDI, RLI + "xy" + PDI),  # a PDI ends the override opened inside it
        (RLO + "x" + RLI + "y" + PDF, "x" + "y"),  # a PDF cannot close past an isolate
        ("\u200f" + "x", "\u200f" + "x"),  # an implicit mark is kept
    ],
    ids=["unclosed-override", "closed-override", "stray-pdf", "pdi-closes-inner", "pdf-not-past-isolate", "rlm"],
)
def test_balance_bidi_examples(text: str, expected: str) -> None:
    """Worked cases of UAX #9's explicit formatting characters."""
    assert expected == balance_bidi(text)


def test_terminal_safe_shows_escapes_instead_of_obeying_them() -> None:
    """ESC, BEL, C1 controls and DEL become visible escapes; tab and newline stay."""
    assert "t\\x1b]0;x\\x07 \\x9b2J \\x7f\ta\nb" == terminal_safe("t\x1b]0;x\x07 \x9b2J \x7f\ta\nb")
    assert "\x1b" not in terminal_safe("\x1b[2J" + RLO)
    assert not set(terminal_safe("x" + RLO)) & BIDI_CONTROLS


def test_markdown_escape_shows_html_and_markup_as_text() -> None:
    """Raw HTML and Markdown markup are escaped; newlines become spaces."""
    assert "\\<img src=x\\> \\*a\\* \\_b\\_ line" == markdown_escape("<img src=x> *a* _b_\nline")
    assert "from \\$5 to \\$10" == markdown_escape("from $5 to $10")


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("=1+2", '"\'=1+2"'),
        ('=1+2";=1+2', '"\'=1+2"";=1+2"'),  # OWASP's own example
        ("+1", '"\'+1"'),
        ("-2+3", '"\'-2+3"'),
        ("@SUM(A1)", '"\'@SUM(A1)"'),
        ("\tx", '"\'\tx"'),
        ("\rx", '"\'\rx"'),
        ("a, b", '"a, b"'),
        ('say "hi"', '"say ""hi"""'),
        ("two\nlines", '"two\nlines"'),
        ("calm", "calm"),
        ("", ""),
        ("x=1", "x=1"),
    ],
    ids=[
        "equals",
        "owasp-example",
        "plus",
        "minus",
        "at",
        "tab",
        "carriage-return",
        "comma",
        "quote",
        "newline",
        "plain",
        "empty",
        "formula-char-inside",
    ],
)
def test_csv_safe_neutralises_formulas_and_quotes_fields(text: str, field: str) -> None:
    """A cell that would start a formula gets a leading quote and is quoted; others are quoted only as RFC 4180 needs."""
    assert field == csv_safe(text)


@given(st.text(max_size=20))
def test_csv_safe_reads_back_as_text_that_starts_no_formula(text: str) -> None:
    """Read back by a CSV reader: one field, the text itself or the text after a single quote, never a formula."""
    import csv
    import io

    [row] = list(csv.reader(io.StringIO(csv_safe(text) + "\n"), strict=True))
    value = row[0] if row else ""  # an empty line is a row without fields
    assert len(row) == (1 if text else 0)
    assert value in (text, "'" + text)
    assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
