"""The grades of sources and quotes (format 1.1): the names a file may write, and the one check of a grade.

The Admiralty code (NATO STANAG 2511; ``shared/reference/sat-features.md``
§4.1): a source's reliability A (completely reliable) to E (unreliable), F
(cannot be judged); a quote's credibility 1 (confirmed) to 5 (improbable),
6 (cannot be judged). The kinds of source and the bases of a quote are
outlook's. Reads no file, imports nothing of outlook's.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BASES",
    "CONTEXT_REFUSED",
    "CREDIBILITY",
    "GRADES",
    "KINDS",
    "REF_KEYS",
    "RELIABILITY",
    "STANCES",
    "graded",
]

#: what kind of document a source is
KINDS = ("official", "wire", "analysis", "opinion", "social")
#: the Admiralty grades of a source's reliability: A completely reliable ... E unreliable, F cannot be judged
RELIABILITY = ("A", "B", "C", "D", "E", "F")
#: the Admiralty grades of a quote's credibility: 1 confirmed ... 5 improbable, 6 cannot be judged
CREDIBILITY = (1, 2, 3, 4, 5, 6)
#: on what a quote's figure rests
BASES = ("reported", "interested_claim", "source_opinion", "judgement", "outside_knowledge")
#: what a cited quote does to what cites it
STANCES = ("supports", "contradicts")
#: the keys of a source's grades
GRADES = ("kind", "reliability", "interested_party")
#: the keys of a quote
REF_KEYS = ("ref", "quote", "note", "credibility", "basis", "stance")
#: why an expression may not read a context figure (the compiler's message follows the quoted name)
CONTEXT_REFUSED = "is a context figure: context figures feed no probability; move it to drivers"


def graded(value: object, allowed: tuple[Any, ...], what: str) -> tuple[Any, str]:
    """``(value, "")`` if ``value`` is one of ``allowed`` (``3.0`` counts as ``3``), else ``(None, problem)``.

    >>> graded("B", RELIABILITY, "reliability")
    ('B', '')
    >>> graded("G", RELIABILITY, "reliability")[1]
    'unknown reliability: expected one of A, B, C, D, E, F'
    """
    if not isinstance(value, bool) and isinstance(value, str | int | float):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if value in allowed:
            return value, ""
    return None, f"unknown {what}: expected one of {', '.join(str(a) for a in allowed)}"
