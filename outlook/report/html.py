"""The HTML rendering: one self-contained page, styles and figures inline.

Text from the scenario file is untrusted data: it is escaped, links are
made only from ``http(s)`` URLs, and the page carries a
Content-Security-Policy that forbids scripts and every network load. Each
piece of the file's text is a bidirectional isolate (``<bdi>``), and an
unbalanced bidirectional control is removed everywhere, so the file's text
cannot reorder the report's. Never decides what a report says.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._text import balance_bidi
from .document import Code, Doc, Em, Heading, Link, List, Para, Parts, Span, Strong, Table, User

if TYPE_CHECKING:
    pass

__all__ = [
    "render_html",
]


_MIME = {"png": "image/png", "svg": "image/svg+xml"}


# --------------------------------------------------------------------------
# HTML

_CSS = """
:root { color-scheme: light; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #111; background: #fff; margin: 0 auto; max-width: 64rem; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 .75rem; }
h2 { font-size: 1.35rem; margin: 2.5rem 0 .75rem; padding-bottom: .2rem; border-bottom: 2px solid #111; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 .5rem; }
p, li { max-width: 48rem; }
.question { font-size: 1.1rem; }
.meta { color: #444; }
.note { font-size: .9rem; color: #333; }
ul.judgements li { margin: .5rem 0; font-size: 1.05rem; }
ul.warnings { border: 2px solid #111; padding: .5rem 1rem .5rem 2rem; }
ul.definitions li, ul.sources li { margin: .35rem 0; }
table { border-collapse: collapse; width: 100%; margin: .75rem 0; font-size: .9rem; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #bbb; }
thead th { border-bottom: 2px solid #111; vertical-align: bottom; }
tbody th { font-weight: 600; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.has-detail th, tr.has-detail td { border-bottom: none; }
tr.detail td { font-size: .82rem; color: #333; padding-top: 0; padding-bottom: .6rem; border-bottom: 1px solid #888; }
.word { font-style: italic; }
.se, .id, .within { color: #555; font-size: .85em; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em;
  background: #f1f1f1; padding: 0 .2em; border-radius: 2px; overflow-wrap: anywhere; }
a { color: #1a4d8f; }
figure { margin: 1.5rem 0; break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; margin: 0 auto; }
figcaption { font-size: .9rem; color: #222; margin-top: .4rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2, h3 { break-after: avoid; }
  tr, figure, li { break-inside: avoid; }
  a { color: inherit; }
}
""".strip()

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _esc(text: str) -> str:
    """Text for HTML: escaped, and without an unbalanced bidirectional control (none can leak past it)."""
    return html.escape(balance_bidi(str(text)), quote=True)


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
        f"<style>\n{_CSS}\n</style>",
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
