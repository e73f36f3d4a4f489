"""The report's document model: headings, paragraphs, lists, tables, figures and inline parts.

Owns the small tree a report is built as, rendered twice (HTML and
Markdown), and the helpers that turn scenario text into inline parts. Text
from the scenario file is kept apart as ``User`` parts, so that each
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
    "Block",
    "Break",
    "Cell",
    "Code",
    "Doc",
    "Em",
    "Figure",
    "Heading",
    "Inline",
    "Link",
    "List",
    "Para",
    "Parts",
    "Row",
    "Span",
    "Strong",
    "Table",
    "User",
    "inline_text",
    "join",
    "named",
    "one_line",
    "text_blocks",
]


@dataclass(frozen=True)
class User:
    """Text from the scenario file: in HTML an isolate (``<bdi>``), so it cannot reorder what follows it."""

    text: str


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Em:
    text: str | User


@dataclass(frozen=True)
class Strong:
    text: str | User


@dataclass(frozen=True)
class Link:
    """A link to a source; its text is the source's title, from the scenario file."""

    text: str
    url: str


@dataclass(frozen=True)
class Span:
    cls: str
    parts: tuple[Inline, ...]


@dataclass(frozen=True)
class Break:
    pass


Inline: TypeAlias = "str | User | Code | Em | Strong | Link | Span | Break"
Parts: TypeAlias = "tuple[Inline, ...]"


@dataclass(frozen=True)
class Heading:
    level: int
    text: str | User
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    parts: Parts
    cls: str = ""


@dataclass(frozen=True)
class List:
    items: tuple[Parts, ...]
    cls: str = ""


@dataclass(frozen=True)
class Cell:
    parts: Parts
    num: bool = False
    attrs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    #: A line about the row (a driver's source and note); in Markdown it
    #: becomes a list item below the table.
    detail: Parts = ()
    name: str = ""


@dataclass(frozen=True)
class Table:
    anchor: str
    header: tuple[str | User, ...]
    numeric: tuple[bool, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Figure:
    key: str
    number: int
    title: str
    caption: str


Block: TypeAlias = "Heading | Para | List | Table | Figure"


@dataclass
class Doc:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def named(label: str, ident: str) -> Parts:
    """A name as a reader sees it: its label, then its id in code."""
    label = one_line(label)
    if label and label != ident:
        return (User(label), " ", Span("id", (Code(ident),)))
    return (Code(ident),)


def text_blocks(text: str) -> list[Block]:
    """Plain text (a scenario's description) as paragraphs and simple lists."""
    out: list[Block] = []
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
            out.append(List(tuple(inline_text(" ".join(i)) for i in items)))
        else:
            out.append(Para(inline_text(" ".join(lines))))
    return out


def inline_text(text: str) -> Parts:
    """Scenario text with ``code`` spans kept as code; everything else stays (the file's) text."""
    parts: list[Inline] = []
    for i, piece in enumerate(re.split(r"`([^`\n]+)`", text)):
        if i % 2:
            parts.append(Code(piece))
        elif piece:
            parts.append(User(piece))
    return tuple(parts)


def join(items: Sequence[Parts], sep: str) -> Parts:
    out: list[Inline] = []
    for i, item in enumerate(items):
        if i:
            out.append(sep)
        out.extend(item)
    return tuple(out)
