"""The HTML rendering: one self-contained page, styles and figures inline.

The stylesheet is ``style.css``, package data read with :mod:`importlib.resources`.
Text from the scenario file is untrusted data: it is escaped, links are
made only from ``http(s)`` URLs, control characters (C0 but tab and newline, DEL, C1) show
as visible escapes such as ``\\x1b``, and the page carries a
Content-Security-Policy that forbids scripts and every network load. Each
piece of the file's text is a bidirectional isolate (``<bdi>``), and an
unbalanced bidirectional control is removed everywhere, so the file's text
cannot reorder the report's. Never decides what a report says.
"""

from __future__ import annotations

import base64
import functools
import html
from collections.abc import Sequence
from importlib import resources

from .._text import terminal_safe
from .document import Code, Doc, Em, Heading, Link, List, Para, Parts, Span, Strong, Table, User

__all__ = [
    "render_html",
    "stylesheet",
]


_MIME = {"png": "image/png", "svg": "image/svg+xml"}


# --------------------------------------------------------------------------
# HTML


@functools.cache
def stylesheet() -> str:
    """The report's stylesheet, ``style.css`` shipped as package data beside this module."""
    return resources.files("outlook.report").joinpath("style.css").read_text(encoding="utf-8").strip()


_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _esc(text: str) -> str:
    """Text for HTML: escaped, its controls shown, and without an unbalanced bidirectional control.

    A control character other than tab and newline (C0, DEL, C1) is shown as
    a visible escape such as ``\\x1b``, as on the terminal
    (:func:`outlook._text.terminal_safe`): the page never holds one raw.
    """
    return html.escape(terminal_safe(str(text)), quote=True)


def _h_inline(parts: Parts) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(_esc(p))
        elif isinstance(p, User):
            out.append(f"<bdi>{_esc(p.text)}</bdi>")
        elif isinstance(p, Code):  # code reads left to right; dir= makes it an isolate too
            out.append(f'<code dir="ltr">{_esc(p.text)}</code>')
        elif isinstance(p, Em):
            out.append(f"<em>{_h_inline((p.text,))}</em>")
        elif isinstance(p, Strong):
            out.append(f"<strong>{_h_inline((p.text,))}</strong>")
        elif isinstance(p, Link):
            out.append(f'<a href="{_esc(p.url)}"><bdi>{_esc(p.text)}</bdi></a>')
        elif isinstance(p, Span):
            out.append(f'<span class="{_esc(p.cls)}">{_h_inline(p.parts)}</span>')
        else:
            out.append("<br>")
    return "".join(out)


def _h_attrs(attrs: Sequence[tuple[str, str]]) -> str:
    return "".join(f' {k}="{_esc(v)}"' for k, v in attrs)


def render_html(doc: Doc, figures: dict[str, tuple[str, bytes]]) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',  # a constant: no quotes to escape
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="outlook">',
        f"<title>{_esc(doc.title)}</title>",
        f"<style>\n{stylesheet()}\n</style>",
        "</head>",
        "<body>",
    ]
    for b in doc.blocks:
        if isinstance(b, Heading):
            anchor = f' id="{_esc(b.anchor)}"' if b.anchor else ""
            out.append(f"<h{b.level}{anchor}>{_h_inline((b.text,))}</h{b.level}>")
        elif isinstance(b, Para):
            cls = f' class="{_esc(b.cls)}"' if b.cls else ""
            out.append(f"<p{cls}>{_h_inline(b.parts)}</p>")
        elif isinstance(b, List):
            cls = f' class="{_esc(b.cls)}"' if b.cls else ""
            items = "".join(f"<li>{_h_inline(i)}</li>" for i in b.items)
            out.append(f"<ul{cls}>{items}</ul>")
        elif isinstance(b, Table):
            out.append(_html_table(b))
        else:
            fmt, data = figures[b.key]
            uri = f"data:{_MIME[fmt]};base64,{base64.b64encode(data).decode('ascii')}"
            out.append(
                f'<figure id="figure-{_esc(b.key)}"><img src="{uri}" alt="{_esc(b.title)}">'
                f"<figcaption><strong>Figure {b.number}. {_esc(b.title)}.</strong> {_esc(b.caption)}</figcaption>"
                "</figure>"
            )
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _html_table(t: Table) -> str:
    num_cls = ' class="num"'
    head = "".join(
        f'<th scope="col"{num_cls if num else ""}>{_h_inline((h,))}</th>' for h, num in zip(t.header, t.numeric)
    )
    body = []
    for r in t.rows:
        cls = ' class="has-detail"' if r.detail else ""
        name = f' data-name="{_esc(r.name)}"' if r.name else ""
        cells = []
        for i, c in enumerate(r.cells):
            tag = "th" if i == 0 else "td"
            scope = ' scope="row"' if i == 0 else ""
            ccls = ' class="num"' if c.num else ""
            cells.append(f"<{tag}{scope}{ccls}{_h_attrs(c.attrs)}>{_h_inline(c.parts)}</{tag}>")
        body.append(f"<tr{cls}{name}>{''.join(cells)}</tr>")
        if r.detail:
            body.append(f'<tr class="detail"><td colspan="{len(r.cells)}">{_h_inline(r.detail)}</td></tr>')
    return (
        f'<table id="{_esc(t.anchor)}">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody>\n</table>"
    )
