"""The Markdown rendering: text, with the figures as files in a folder beside it.

Text from the scenario file shows as written: escaped for Markdown (``$``
too, which Markdown renderers read as math), on one line, with no raw HTML,
no raw control character (shown as an escape such as ``\\x1b``) and no
unbalanced bidirectional control. Never decides what a report says.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote

from .._text import markdown_escape, terminal_safe
from .document import Code, Doc, Em, Heading, Link, List, Para, Parts, Span, Strong, Table, User, one_line

if TYPE_CHECKING:
    pass

__all__ = [
    "render_markdown",
]


# --------------------------------------------------------------------------
# Markdown


def _md_esc(text: str) -> str:
    """Text that Markdown shows as written: no markup, no raw HTML, no math, one line.

    A ``$`` is escaped too: GitHub, GitLab, Jupyter and pandoc read
    ``$...$`` as TeX math. A control character (C0 but tab and newline, DEL,
    C1) shows as a visible escape such as ``\\x1b``
    (:func:`outlook._text.terminal_safe`), never raw.
    """
    return markdown_escape(terminal_safe(text))


def _md_code(text: str) -> str:
    text = terminal_safe(one_line(text))
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_inline(parts: Parts) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(_md_esc(p))
        elif isinstance(p, User):
            out.append(_md_esc(p.text))
        elif isinstance(p, Code):
            out.append(_md_code(p.text))
        elif isinstance(p, Em):
            out.append(f"*{_md_inline((p.text,))}*")
        elif isinstance(p, Strong):
            out.append(f"**{_md_inline((p.text,))}**")
        elif isinstance(p, Link):
            url = quote(p.url.strip(), safe=":/?#&=%+@,;~!$'*.-_")
            out.append(f"[{_md_esc(p.text)}](<{url}>)")
        elif isinstance(p, Span):
            out.append(_md_inline(p.parts))
        else:
            out.append(" ")
    return "".join(out)


def render_markdown(doc: Doc, links: dict[str, str]) -> str:
    out: list[str] = []
    for b in doc.blocks:
        if isinstance(b, Heading):
            out.append(f"{'#' * b.level} {_md_inline((b.text,))}")
        elif isinstance(b, Para):
            out.append(_md_inline(b.parts))
        elif isinstance(b, List):
            out.append("\n".join(f"- {_md_inline(i)}" for i in b.items))
        elif isinstance(b, Table):
            out.append(_md_table(b))
        else:
            out.append(
                f"![Figure {b.number}. {_md_esc(b.title)}]({links[b.key]})\n\n"
                f"*Figure {b.number}. {_md_esc(b.title)}.* {_md_esc(b.caption)}"
            )
    return "\n\n".join(out) + "\n"


def _md_table(t: Table) -> str:
    lines = [
        "| " + " | ".join(_md_inline((h,)) for h in t.header) + " |",
        "|" + "|".join("---:" if num else "---" for num in t.numeric) + "|",
    ]
    details = []
    for r in t.rows:
        lines.append("| " + " | ".join(_md_inline(c.parts).strip() for c in r.cells) + " |")
        if r.detail:
            head = _md_inline(r.cells[0].parts).rstrip()
            details.append(
                f"- {head.rstrip('.:;') if head.endswith(('.', ':', ';')) else head}: {_md_inline(r.detail)}"
            )
    text = "\n".join(lines)
    if details:
        text += "\n\n" + "\n".join(details)
    return text
