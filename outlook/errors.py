"""Errors raised by outlook, and where in a scenario file they point.

Owns :class:`Location` and the exception family. Every error keeps its facts
as attributes, builds its one-line message in ``__str__`` and pickles (Dask
workers send errors back). Never prints, never formats tables.
"""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ExpressionError",
    "Location",
    "OutlookError",
    "SHOWN_LIMIT",
    "SHOWN_PREFIX",
    "ScenarioError",
    "ScenarioErrors",
    "SimulationError",
    "did_you_mean",
    "number_text",
    "of_worlds",
    "shown_value",
]


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a scenario file: path, 1-based line and column, key path.

    ``line`` and ``col`` are 0 when unknown (a scenario built from a dict).
    ``override`` is the key path of the override a value came from
    (:meth:`outlook.Scenario.with_overrides`), or ``""`` for a value the file
    states; such a place is shown as ``override drivers.troops.range``.
    """

    path: str = "<scenario>"
    line: int = 0
    col: int = 0
    key_path: str = ""
    override: str = ""

    def __str__(self) -> str:
        if self.override:
            return f"override {self.override}"
        if self.line:
            return f"{self.path}:{self.line}:{self.col}"
        return self.path

    def child(self, key: str | int, line: int = 0, col: int = 0) -> Location:
        """The location of a key or item below this one."""
        part = f"[{key}]" if isinstance(key, int) else str(key)
        if self.key_path and not isinstance(key, int):
            kp = f"{self.key_path}.{part}"
        else:
            kp = f"{self.key_path}{part}"
        return Location(self.path, line or self.line, col or self.col, kp, self.override)

    def located(self, key_path: str) -> str:
        """The start of a run-time message: ``path:line:col: key.path``, the key path said once.

        Left out where it is empty or the override's own, which ``str(self)``
        already names (``override drivers.x.probability``), as
        :class:`ScenarioError` does.
        """
        return f"{self}: {key_path}" if key_path and key_path != self.override else str(self)

    def shifted(self, col_offset: int) -> Location:
        """The same place, ``col_offset`` characters further right."""
        return Location(self.path, self.line, self.col + col_offset, self.key_path, self.override)


def of_worlds(k: int, n: int) -> str:
    """``3,105 of 10,000 worlds``: how many worlds a run-time message is about, in one format everywhere."""
    return f"{k:,} of {n:,} worlds"


#: every character at which :meth:`str.splitlines` breaks a line
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _one_line(text: str) -> str:
    r"""``text`` with every line break shown as its escape, so that a message stays one line.

    A key or a file name can hold a line break (``"a\nb": 1`` is a valid YAML
    key); the message naming it must still be one line.

    >>> _one_line("drivers.a\nb: unknown key")
    'drivers.a\\nb: unknown key'
    """
    if not _LINE_BREAKS.intersection(text):
        return text
    return "".join(c.encode("unicode_escape").decode("ascii") if c in _LINE_BREAKS else c for c in text)


#: the most choices :func:`did_you_mean` compares with one name: those closest in length
MAX_SUGGESTION_CANDIDATES = 200


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or ``""``.

    The closest is :func:`difflib.get_close_matches`' (ratio at least 0.6).
    Only choices whose length allows that ratio are compared: ratio is
    ``2 M / (len(a) + len(b))`` with ``M <= min(len(a), len(b))``, so a choice
    more than 7/3 times longer or shorter cannot reach 0.6. Of those, at most
    :data:`MAX_SUGGESTION_CANDIDATES`, the closest in length, are compared, so
    one suggestion among 20,000 names costs one pass over them, not 20,000
    comparisons.

    Failing that, a name of three letters or more that begins one choice
    alone is taken as its abbreviation.

    >>> did_you_mean("trops", ["troops", "total_casualties"])
    " Did you mean 'troops'?"
    >>> did_you_mean("loc", ["location", "scale", "df"])
    " Did you mean 'location'?"
    """
    n = len(name)
    shortest, longest = -(-3 * n // 7), 7 * n // 3
    by_length: dict[int, list[str]] = {}
    names = list(choices)
    for c, length in zip(names, map(len, names)):
        if shortest <= length <= longest:
            by_length.setdefault(length, []).append(c)
    fits: list[str] = []
    for length in sorted(by_length, key=lambda k: (abs(k - n), k)):
        fits += heapq.nsmallest(MAX_SUGGESTION_CANDIDATES - len(fits), by_length[length])
        if len(fits) >= MAX_SUGGESTION_CANDIDATES:
            break
    close = difflib.get_close_matches(name, sorted(fits), n=1, cutoff=0.6)
    if close:
        return f" Did you mean {close[0]!r}?"
    if len(name) >= 3:  # an abbreviation ('loc' for 'location'), when it abbreviates one choice only
        starts = [c for c in names if c.startswith(name) and c != name]
        if len(starts) == 1:
            return f" Did you mean {starts[0]!r}?"
    return ""


def number_text(x: float) -> str:
    """A number as a message writes it: ``12000`` for a whole number, else the shortest ``%g`` form.

    >>> number_text(12000.0), number_text(0.25)
    ('12000', '0.25')
    """
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"


class OutlookError(Exception):
    """Base class of every error outlook raises on purpose."""


class ScenarioError(OutlookError, ValueError):
    """One problem in a scenario: where, what is wrong, what was seen.

    The message has the shape
    ``path:line:col: key.path: what is wrong (got X). Hint``; for a value an
    override gave, ``override key.path: what is wrong (got X). Hint`` (and
    the key path of the value, if it lies below the override's).
    """

    def __init__(
        self,
        where: Location,
        problem: str,
        *,
        got: object = None,
        hint: str = "",
        show_got: bool = True,
    ) -> None:
        self.where = where
        self.problem = problem
        self.got = got
        self.hint = hint
        self.show_got = show_got and got is not None
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: "
        if self.where.key_path and self.where.key_path != self.where.override:
            text += f"{self.where.key_path}: "
        text += self.problem
        if self.show_got:
            text += f" (got {shown_value(self.got)})"
        hint = self.hint.strip()
        if hint:
            text += f" {hint}" if text.endswith((".", "?", "!")) else f". {hint}"
        return _one_line(text)

    def __reduce__(self) -> tuple[object, ...]:
        return (
            _rebuild_scenario_error,
            (type(self), self.where, self.problem, self.got, self.hint, self.show_got),
        )


def _rebuild_scenario_error(
    cls: type[ScenarioError],
    where: Location,
    problem: str,
    got: object,
    hint: str,
    show_got: bool,
) -> ScenarioError:
    return cls(where, problem, got=got, hint=hint, show_got=show_got)


#: The longest value an error line quotes whole; a longer one is cut to :data:`SHOWN_PREFIX` characters.
SHOWN_LIMIT = 80
#: How much of a longer value an error line quotes.
SHOWN_PREFIX = 60


def shown_value(value: object) -> str:
    """A value as an error line quotes it, cut to a short prefix when long (an error never quotes a whole file).

    Parameters
    ----------
    value
        What was found: a string, number, boolean, list or mapping.

    Returns
    -------
    str
        As the scenario file would spell it (strings quoted), whole up to
        :data:`SHOWN_LIMIT` characters; a longer string as its first
        :data:`SHOWN_PREFIX` characters, quoted, then ``…`` and its length;
        any other long value cut the same way.

    Examples
    --------
    >>> shown_value("short"), shown_value([1, 2.0, True])
    ("'short'", '[1, 2, true]')
    >>> shown_value("x" * 1300)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'… (1,300 characters)"
    """
    text = _show(value)
    if len(text) <= SHOWN_LIMIT:
        return text
    if isinstance(value, str):
        return f"{value[:SHOWN_PREFIX]!r}… ({len(value):,} characters)"
    return f"{text[:SHOWN_PREFIX]}… ({len(text):,} characters)"


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):  # as YAML and expressions spell it
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


class ExpressionError(ScenarioError):
    """An expression that the whitelist compiler refuses."""


class ScenarioErrors(OutlookError, ValueError):
    """Every problem found in one scenario file, in file order."""

    def __init__(self, errors: Sequence[ScenarioError]) -> None:
        self.errors = tuple(sorted(errors, key=lambda e: (e.where.path, e.where.line, e.where.col)))
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.errors,))


class SimulationError(OutlookError, RuntimeError):
    """A run that could not finish: a value out of range in some worlds, say."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.message,))
