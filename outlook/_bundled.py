"""Where the bundled scenario files live, and their titles read cheaply: no YAML, numpy or pandas.

Owns the bundled files' folders (``outlook/scenarios`` in an installed
wheel, ``scenarios/`` beside the package in a checkout) and reading a
file's ``title:`` line as text, so that ``outlook list`` costs what
``outlook scales`` costs. Never validates a scenario (``outlook check``
does), never imports the scenario package.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = [
    "bundled_paths",
    "plain_title",
]

#: A top-level ``title:`` whose value is a plain or single-quoted scalar on its line (no comment, no block).
_TITLE = re.compile(r"^title:[ \t]+(?P<value>[^\s>|&*!%@`\"'{\[#][^#\n]*?|'(?:[^'\n]|'')*')[ \t]*$", re.M)

#: Plain scalars starting with a letter that YAML 1.1 or 1.2 reads as something other than text.
_NOT_TEXT = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _dirs() -> list[Path]:
    package = Path(__file__).resolve().parent  # outlook/
    return [d for d in (package / "scenarios", package.parent / "scenarios") if d.is_dir()]


def bundled_paths() -> dict[str, Path]:
    """Scenario id (the file name without ``.yaml``) -> path, sorted by id."""
    found: dict[str, Path] = {}
    for d in _dirs():
        for p in sorted(d.glob("*.yaml")):
            found.setdefault(p.stem, p)
    return dict(sorted(found.items()))


def plain_title(text: str) -> str | None:
    """A scenario file's title from its text, where the line is simple enough to read without YAML.

    Parameters
    ----------
    text
        The file's text.

    Returns
    -------
    str or None
        The value of a top-level ``title:`` line written as a plain scalar
        starting with a letter (not a boolean or null) or in single quotes,
        on one line; ``None`` for anything else (a
        block scalar, double quotes, an alias, a comment after it, no title),
        which the caller reads with the YAML loader instead.

    Examples
    --------
    >>> plain_title("outlook: 1\\ntitle: Troops in Russia\\nquestion: q\\n")
    'Troops in Russia'
    >>> plain_title("title: 'It''s here'\\n"), plain_title("title: >-\\n  folded\\n"), plain_title("title: a # b\\n")
    ("It's here", None, None)
    """
    m = _TITLE.search(text)
    if m is None:
        return None
    value = m.group("value")
    if value.startswith("'"):
        return value[1:-1].replace("''", "'")
    if ": " in value or value.endswith(":") or not value[0].isalpha() or value.lower() in _NOT_TEXT:
        return None  # a mapping, or what YAML may read as a boolean or null: the loader decides
    return value
