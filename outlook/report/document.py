"""The report's document model: headings, paragraphs, lists, tables, figures and inline parts.

Owns the small tree a report is built as, rendered twice (HTML and
Markdown), and the helpers that turn scenario text into inline parts. Text
from the scenario file is kept apart as ``_User`` parts, so that each
renderer can isolate and escape it. Never formats numbers, never renders.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    pass

__all__ = [
    "_Block",
    "_Break",
    "_Cell",
    "_Code",
    "_Doc",
    "_Em",
    "_Figure",
    "_Heading",
    "_Inline",
    "_Link",
    "_List",
    "_Para",
    "_Parts",
    "_Row",
    "_Span",
    "_Strong",
    "_Table",
    "_User",
    "_inline_text",
    "_join",
    "_label",
    "_one_line",
    "_text_blocks",
]


@dataclass(frozen=True)
class _User:
    """Text from the scenario file: in HTML an isolate (``<bdi>``), so it cannot reorder what follows it."""

    text: str


@dataclass(frozen=True)
class _Code:
    text: str


@dataclass(frozen=True)
class _Em:
    text: str | _User


@dataclass(frozen=True)
class _Strong:
    text: str | _User


@dataclass(frozen=True)
class _Link:
    """A link to a source; its text is the source's title, from the scenario file."""

    text: str
    url: str


@dataclass(frozen=True)
class _Span:
    cls: str
    parts: tuple[_Inline, ...]


@dataclass(frozen=True)
class _Break:
    pass


_Inline: TypeAlias = "str | _User | _Code | _Em | _Strong | _Link | _Span | _Break"
_Parts: TypeAlias = "tuple[_Inline, ...]"


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str | _User
    anchor: str = ""


@dataclass(frozen=True)
class _Para:
    parts: _Parts
    cls: str = ""


@dataclass(frozen=True)
class _List:
    items: tuple[_Parts, ...]
    cls: str = ""


@dataclass(frozen=True)
class _Cell:
    parts: _Parts
    num: bool = False
    attrs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Row:
    cells: tuple[_Cell, ...]
    #: A line about the row (a driver's source and note); in Markdown it
    #: becomes a list item below the table.
    detail: _Parts = ()
    name: str = ""


@dataclass(frozen=True)
class _Table:
    anchor: str
    header: tuple[str | _User, ...]
    numeric: tuple[bool, ...]
    rows: tuple[_Row, ...]


@dataclass(frozen=True)
class _Figure:
    key: str
    number: int
    title: str
    caption: str


_Block: TypeAlias = "_Heading | _Para | _List | _Table | _Figure"


@dataclass
class _Doc:
    title: str
    blocks: list[_Block] = field(default_factory=list)

    def add(self, *blocks: _Block) -> None:
        self.blocks.extend(blocks)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _label(label: str, ident: str) -> _Parts:
    """A name as a reader sees it: its label, then its id in code."""
    label = _one_line(label)
    if label and label != ident:
        return (_User(label), " ", _Span("id", (_Code(ident),)))
    return (_Code(ident),)


def _text_blocks(text: str) -> list[_Block]:
    """Plain text (a scenario's description) as paragraphs and simple lists."""
    out: list[_Block] = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.strip() for ln in chunk.splitlines() if ln.strip()]
        if not lines:
            continue
        if lines[0].startswith(("- ", "* ")):
            items: list[list[str]] = []
            for ln in lines:
                if ln.startswith(("- ", "* ")):
                    items.append([ln[2:]])
                elif items:
                    items[-1].append(ln)
            out.append(_List(tuple(_inline_text(" ".join(i)) for i in items)))
        else:
            out.append(_Para(_inline_text(" ".join(lines))))
    return out


def _inline_text(text: str) -> _Parts:
    """Scenario text with ``code`` spans kept as code; everything else stays (the file's) text."""
    parts: list[_Inline] = []
    for i, piece in enumerate(re.split(r"`([^`\n]+)`", text)):
        if i % 2:
            parts.append(_Code(piece))
        elif piece:
            parts.append(_User(piece))
    return tuple(parts)


def _join(items: Sequence[_Parts], sep: str) -> _Parts:
    out: list[_Inline] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.extend(item)
    return tuple(out)
