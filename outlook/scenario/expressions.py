"""A safe compiler from expression text to a vectorised numpy function.

Owns the whitelist: numbers, names, arithmetic, comparisons, ``and``/``or``/
``not``, ``x if c else y`` and a fixed list of numpy functions. The text is
parsed with :func:`ast.parse` and each node is turned into a closure; nothing
is ever passed to ``eval`` or ``exec``. Owns the small type check too: every
value is a number, a yes/no value (a condition) or a category, and a number
is never read as a condition, nor a category as a number. Owns, too, the
time-aware parts of format 1.1 (:class:`Timing`): ``time(e)``,
``happened(e, by=X)``, ``date('...')``, ``years('...')`` and ``t``, the only
places a string may appear besides a category name. Never samples, never
reads YAML.
"""

from __future__ import annotations

import ast
import contextvars
import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np

from .._types import FloatArray
from ..errors import ExpressionError, Location, SimulationError, did_you_mean, of_worlds
from .durations import parse_date, parse_duration, point_in_time, years_to

__all__ = [
    "ANY",
    "CONSTANTS_1_1",
    "FUNCTIONS",
    "FUNCTIONS_1_1",
    "MAX_DEPTH",
    "NEW_IN",
    "MAX_LENGTH",
    "NUMBER",
    "TIME_FUNCTIONS",
    "T_KEY",
    "YES_NO",
    "Expression",
    "Gate",
    "NameKind",
    "Timing",
    "compile_expression",
    "names_in",
    "time_key",
]

MAX_LENGTH = 2000
MAX_DEPTH = 50

Env = Mapping[str, FloatArray]
Fn = Callable[[Env], "np.ndarray | float"]

#: what a name holds, as ``names`` gives it to :func:`compile_expression`:
#: ``None`` for a number, :data:`YES_NO` for a yes/no value (a condition:
#: 1 for yes, 0 for no), the tuple of category names for a categorical
#: driver, or :data:`ANY` for a name whose kind is not known (one that
#: failed to compile: it is accepted anywhere, so one error does not cascade)
NameKind: TypeAlias = "tuple[str, ...] | str | None"

#: the kind of an expression's value: a number, or a yes/no value
NUMBER = "number"
YES_NO = "yes/no"
ANY = "any"


def _min(*xs: FloatArray) -> FloatArray:
    out = xs[0]
    for x in xs[1:]:
        out = np.minimum(out, x)
    return out


def _max(*xs: FloatArray) -> FloatArray:
    out = xs[0]
    for x in xs[1:]:
        out = np.maximum(out, x)
    return out


#: name -> (function, smallest arity, largest arity or None)
FUNCTIONS: Mapping[str, tuple[Callable[..., Any], int, int | None]] = {
    "abs": (np.abs, 1, 1),
    "ceil": (np.ceil, 1, 1),
    "clip": (np.clip, 3, 3),
    "exp": (np.exp, 1, 1),
    "floor": (np.floor, 1, 1),
    "log": (np.log, 1, 1),
    "log10": (np.log10, 1, 1),
    "log2": (np.log2, 1, 1),
    "max": (_max, 2, None),
    "min": (_min, 2, None),
    "sqrt": (np.sqrt, 1, 1),
    "where": (np.where, 3, 3),
}


def _erf(x: FloatArray) -> FloatArray:
    from scipy import special  # lazily: ``import outlook`` stays fast

    return np.asarray(special.erf(x), dtype=np.float64)


#: the functions format 1.1 adds (an older file may not call them): trigonometric, hyperbolic and the
#: error function, so that analytic test functions such as Ishigami's can be written
FUNCTIONS_1_1: Mapping[str, tuple[Callable[..., Any], int, int | None]] = {
    "sin": (np.sin, 1, 1),
    "cos": (np.cos, 1, 1),
    "tan": (np.tan, 1, 1),
    "asin": (np.arcsin, 1, 1),
    "acos": (np.arccos, 1, 1),
    "atan": (np.arctan, 1, 1),
    "atan2": (np.arctan2, 2, 2),
    "sinh": (np.sinh, 1, 1),
    "cosh": (np.cosh, 1, 1),
    "tanh": (np.tanh, 1, 1),
    "erf": (_erf, 1, 1),
}
FUNCTIONS = {**FUNCTIONS, **FUNCTIONS_1_1}
#: the constants format 1.1 adds: ``inf`` (never folded, so ``x < inf`` and ``-inf`` compile)
CONSTANTS_1_1 = frozenset({"inf"})
#: the format version that first has each function and constant added since format 1
NEW_IN: Mapping[str, float] = dict.fromkeys((*FUNCTIONS_1_1, *CONSTANTS_1_1), 1.1)

_CONSTANTS = {"true": 1.0, "false": 0.0, "True": 1.0, "False": 0.0, "pi": math.pi}

_BINOPS: Mapping[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.FloorDiv: np.floor_divide,
    ast.Mod: np.mod,
    ast.Pow: np.power,
}
#: operators that chain with each other without nesting: ``a + b - c`` is one chain of three operands
_FAMILY: Mapping[type[ast.operator], tuple[type[ast.operator], ...]] = {
    ast.Add: (ast.Add, ast.Sub),
    ast.Sub: (ast.Add, ast.Sub),
    ast.Mult: (ast.Mult, ast.Div),
    ast.Div: (ast.Mult, ast.Div),
}
_BINOP_TEXT = {
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.MatMult: "@",
}
_CMPOPS: Mapping[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}

#: node type -> what it is, for "... is not allowed in expressions"
_REFUSED = {
    ast.Attribute: "attribute access",
    ast.Subscript: "a subscript",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.NamedExpr: "assignment (:=)",
    ast.Starred: "a starred argument",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.JoinedStr: "an f-string",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "a slice",
}


@dataclass(frozen=True, slots=True)
class Expression:
    """A compiled expression: its text, the names it reads, and its function.

    Call :meth:`evaluate` with a mapping of name -> array of shape
    ``(n_samples,)``; the result has shape ``(n_samples,)``. ``kind`` is
    :data:`YES_NO` for a condition (its values are 1 and 0), else
    :data:`NUMBER`.
    """

    text: str
    names: frozenset[str]
    constant: float | None = None
    where: Location = field(default=Location(), compare=False, repr=False)
    fn: Fn = field(default=lambda env: 0.0, compare=False, repr=False)
    #: (name, kind) of every name read: enough to compile ``text`` again
    scope: tuple[tuple[str, NameKind], ...] = field(default=(), compare=False, repr=False)
    kind: str = field(default=NUMBER, compare=False, repr=False)
    #: what the time-aware constructs could read when compiled (``None``: none allowed)
    timing: Timing | None = field(default=None, compare=False, repr=False)
    #: the events whose times ``time()`` or ``happened()`` read (the environment's :func:`time_key` entries)
    times_read: frozenset[str] = field(default=frozenset(), compare=False, repr=False)
    #: whether it reads ``t``, the end of the horizon being evaluated (the environment's :data:`T_KEY`)
    reads_t: bool = field(default=False, compare=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as text, compiled again on loading (the function is a closure).

        This is what lets a model travel to worker processes and Dask workers.
        """
        if self.constant is not None and not self.names:
            return (_constant, (self.text, self.constant, self.where, self.kind))
        return (_recompile, (self.text, self.where, self.scope, self.timing))

    def evaluate(self, env: Env, n: int, *, needed: np.ndarray | None = None) -> FloatArray:
        """Evaluate over ``n`` samples; a constant is broadcast to ``(n,)``.

        ``needed`` (boolean, shape ``(n,)``) marks the worlds whose value is
        used (a scenario rule's, the worlds no earlier rule took); by default
        every world's is.

        Raises
        ------
        SimulationError
            If a comparison with a side that is not a number leaves the value
            undecided in some world: the message names the comparison, its
            location and the number of worlds (see :func:`_pair`).
        """
        arr = self._value(env, n, needed)
        if arr.dtype == bool:
            arr = arr.astype(np.float64)
        if arr.shape != (n,):
            arr = np.broadcast_to(arr.astype(np.float64, copy=False), (n,))
        return arr.astype(np.float64, copy=False)

    def holds(self, env: Env, n: int, *, needed: np.ndarray | None = None) -> np.ndarray:
        """Where the value is 1 (a condition that holds), shape ``(n,)`` booleans: ``evaluate(...) == 1``.

        Without the round trip through floats that :meth:`evaluate` makes of a
        condition (a scenario rule's, once per horizon and block). Raises as
        :meth:`evaluate` does.
        """
        arr = self._value(env, n, needed, truth=True)
        if arr.dtype != bool:
            with np.errstate(invalid="ignore"):
                arr = np.asarray(arr == 1)
        if arr.shape != (n,):
            arr = np.broadcast_to(arr, (n,))
        return arr

    def _value(self, env: Env, n: int, needed: np.ndarray | None, *, truth: bool = False) -> np.ndarray:
        """The raw value, undecided comparisons refused where ``needed``.

        With ``truth``, a condition's value as its truth function gives it
        (booleans where every world is decided) rather than as 0.0/1.0; a
        number's value as it is.
        """
        fn = getattr(self.fn, "truth", self.fn) if truth else self.fn
        token = _UNDECIDED.set([])
        try:
            with np.errstate(all="ignore"):
                value = fn(env)
            undecided = _UNDECIDED.get()
        finally:
            _UNDECIDED.reset(token)
        if undecided:
            _refuse_undecided(np.asarray(value), undecided, needed, n)
        return np.asarray(value)

    def __str__(self) -> str:
        return self.text


def compile_expression(
    source: str | float | int | bool,
    *,
    where: Location,
    names: Mapping[str, NameKind],
    refused_names: Mapping[str, str] | None = None,
    format_version: float | None = None,
    timing: Timing | None = None,
    gate: Gate | None = None,
) -> Expression:
    """Compile expression text into a vectorised function.

    Parameters
    ----------
    source
        The expression text, or a number (a constant), or ``True``/``False``
        (a yes/no constant).
    where
        Location of the first character of the text in its file.
    names
        The names this expression may read, each with its kind: ``None`` for
        a number, :data:`YES_NO` for a yes/no value, the tuple of categories
        for a categorical driver, :data:`ANY` for a name of unknown kind.
    refused_names
        Names that exist but may not be used here, each with the reason.
    format_version
        The scenario format the text is written in (``None``: the newest). A
        function or constant newer than it (:data:`NEW_IN`) is refused.
    timing
        Allows the time-aware constructs (format 1.1): ``time(e)`` and
        ``happened(e, by=X)`` over ``timing.events``, ``date()``,
        ``years()``, and ``t`` if ``timing.t`` (a declared name ``t``
        shadows it). Without it they are unknown, as in format 1.
    gate
        Called with the location and name of each time-aware construct used
        (a reader's ``needs_format``: it refuses them in a format 1 file).

    Returns
    -------
    Expression
        With ``kind`` :data:`YES_NO` when the value is a condition.

    Raises
    ------
    ExpressionError
        For syntax errors, unknown names, anything outside the whitelist, a
        number where a condition belongs (the operands of ``and``, ``or`` and
        ``not``, the test of ``if`` and of ``where``) and a categorical driver
        anywhere but in ``c == 'name'`` or ``c != 'name'``, located at the
        offending character.

    Notes
    -----
    The kinds: numbers and ``pi`` are numbers; ``true`` and ``false``,
    comparisons, ``and``/``or``/``not`` and a ``where`` or ``if`` whose two
    branches are both conditions are conditions. A condition may be used as
    the number 1 or 0 (``(x > 0) + (y > 0)`` counts), but a number is never
    read as a condition: Python's truthiness (any nonzero number is true)
    would silently give a meaning the writer rarely intends.

    Examples
    --------
    >>> from outlook.errors import Location
    >>> e = compile_expression("a * 2 + 1", where=Location(), names={"a": None})
    >>> float(e.evaluate({"a": np.array([1.0])}, 1)[0])
    3.0
    >>> compile_expression("a > 1 and not b", where=Location(), names={"a": None, "b": YES_NO}).kind
    'yes/no'
    """
    if isinstance(source, bool):
        value = 1.0 if source else 0.0
        return Expression(str(source).lower(), frozenset(), value, where, lambda env: value, kind=YES_NO)
    if isinstance(source, int | float):
        value = _float(source)
        if not math.isfinite(value):
            msg = "number is too large" if isinstance(source, int) else "number is not finite"
            raise ExpressionError(where, msg, got=source if isinstance(source, float) else None)
        return Expression(repr(source), frozenset(), value, where, lambda env: value)
    if not isinstance(source, str):
        msg = "expected an expression or a number"
        raise ExpressionError(where, msg, got=source)
    text = source
    if len(text) > MAX_LENGTH:
        msg = f"expression is longer than {MAX_LENGTH} characters"
        raise ExpressionError(where, msg, got=f"{len(text)} characters", show_got=True)
    if not text.strip():
        msg = "expression is empty"
        raise ExpressionError(where, msg)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        col = _char_col(text.strip(), exc.lineno or 1, (exc.offset or 1) - 1)
        lead = len(text) - len(text.lstrip())
        msg = f"invalid expression: {exc.msg}"
        raise ExpressionError(_at(where, exc.lineno or 1, col + lead), msg, got=text) from None
    except (ValueError, RecursionError, MemoryError) as exc:
        msg = f"invalid expression: {exc}"
        raise ExpressionError(where, msg, got=text) from None
    compiler = _Compiler(text.strip(), where, len(text) - len(text.lstrip()), names, refused_names or {})
    compiler.version = format_version
    compiler.timing, compiler.gate = timing, gate
    fn, const, kind = compiler.compile(tree.body, 0)
    scope = tuple(sorted((k, names[k]) for k in compiler.used))
    return Expression(
        text.strip(),
        frozenset(compiler.used),
        const,
        where,
        fn,
        scope,
        kind,
        timing,
        frozenset(compiler.timed),
        compiler.reads_t,
    )


def names_in(source: object) -> frozenset[str]:
    """The names an expression's text mentions, without checking anything else.

    What a builder needs to order expressions that refer to each other before
    compiling them; text that does not parse mentions no names.

    >>> sorted(names_in("a + max(b, 2) > c"))
    ['a', 'b', 'c', 'max']
    """
    if not isinstance(source, str) or len(source) > MAX_LENGTH:
        return frozenset()
    try:
        tree = ast.parse(source.strip(), mode="eval")
        return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()


def _constant(text: str, value: float, where: Location, kind: str = NUMBER) -> Expression:
    return Expression(text, frozenset(), value, where, lambda env: value, kind=kind)


def _recompile(
    text: str, where: Location, scope: tuple[tuple[str, NameKind], ...], timing: Timing | None = None
) -> Expression:
    return compile_expression(text, where=where, names=dict(scope), timing=timing)


def _as_float(truth: np.ndarray) -> np.ndarray:
    """0.0/1.0 for a boolean result, so that ``-(x > 0)`` and ``(x > 0) - (y > 0)`` work."""
    return np.asarray(truth, dtype=np.float64)


def _float(value: int | float) -> float:
    """``float(value)``, with ``inf`` for an int too large for a float."""
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _char_col(text: str, lineno: int, byte_col: int) -> int:
    lines = text.split("\n")
    line = lines[min(lineno, len(lines)) - 1]
    return len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


def _at(where: Location, lineno: int, col: int) -> Location:
    if lineno > 1:
        return Location(where.path, where.line + lineno - 1, col + 1, where.key_path, where.override)
    return where.shifted(col)


def _pair(cmp: Callable[[Any, Any], Any], lf: Fn, rf: Fn, where: Location, text: str) -> Fn:
    """One comparison of a chain, as a function of the environment: 1.0, 0.0, or NaN (undecided).

    A side that is not a number in some worlds (``log`` of a negative,
    ``0/0``) leaves the comparison *undecided* there (NaN), never silently
    false. Undecided values go through ``and``, ``or``, ``not``, ``if`` and
    ``where()`` by Kleene's three-valued logic, so a guard such as
    ``x > 0 and log(x) > 1`` decides every world; if the whole expression is
    still undecided in some world, :meth:`Expression.evaluate` stops the run,
    naming this comparison (recorded here while an evaluation is watching).
    """

    def pair(env: Env) -> Any:
        a, b = lf(env), rf(env)
        undecided = np.isnan(a) | np.isnan(b)
        value = cmp(a, b)
        if np.any(undecided):
            watching = _UNDECIDED.get()
            if watching is not None:
                watching.append((where, text, np.broadcast_to(undecided, np.shape(value))))
            value = np.where(undecided, np.nan, _as_float(value))
        return value  # boolean where every world is decided (the common case: no extra pass)

    return pair


#: ``time(e)`` in a comparison's text: the events whose times it reads
_TIME_CALL = re.compile(r"\btime\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)")


def _refuse_undecided(
    value: np.ndarray, undecided: list[tuple[Location, str, np.ndarray]], needed: np.ndarray | None, n: int
) -> None:
    """Stop the run if the value is not a number where a comparison was undecided, naming the first such.

    ``n`` is the number of worlds: a value or comparison that reads no
    per-world quantity (only ``t``, say) is one number standing for all of them.
    """
    nan = np.isnan(value) if needed is None else np.isnan(value) & needed
    for where, text, mask in undecided:
        hit = np.broadcast_to(nan & mask, (n,))
        if np.any(hit):
            k = int(np.count_nonzero(hit))
            timed = list(dict.fromkeys(_TIME_CALL.findall(text)))
            if timed:  # time(e) is inf where e has not happened: inf - inf, inf / inf
                guard = " and ".join(f"happened({e})" for e in timed)
                cause, example = "inf - inf where an event has not happened?", f"{guard} and {text}"
            else:
                cause, example = "a log or sqrt of a negative, or 0/0?", "x > 0 and log(x) > 1"
            msg = (
                f"{where.located(where.key_path)}: a side of {text!r} is not a number in {of_worlds(k, n)} "
                f"({cause}), so the comparison would be silently false there; guard it with a condition "
                f"that decides those worlds, e.g. {example!r} or where()"
            )
            raise SimulationError(msg)


def _truth(value: Any) -> np.ndarray:
    """A value as a condition: boolean where every world is decided, else 1.0/0.0 with NaN where undecided.

    Booleans stay booleans, so that conditions over numbers that are never
    NaN cost what they did before three-valued logic.
    """
    v = np.asarray(value)
    if v.dtype == bool:
        return v
    v = v.astype(np.float64, copy=False)
    nan = np.isnan(v)
    if not nan.any():
        return np.asarray(v != 0)
    return np.where(nan, np.nan, _as_float(v != 0))


def _with_truth(truth: Fn) -> Fn:
    """A condition's function (0.0/1.0, NaN where undecided) from its truth function, which it keeps.

    ``truth`` gives the value as :func:`_truth` would make it (booleans where
    every world is decided, else 0.0/1.0 with NaN); ``and``, ``or`` and ``not``
    (through :func:`_truth_fn`) and :meth:`Expression.holds` read it and skip
    the round trip through floats (three passes over the worlds per operand).
    """

    def as_number(env: Env) -> np.ndarray:
        return _as_float(np.asarray(truth(env)))

    as_number.truth = truth  # type: ignore[attr-defined]
    return as_number


def _truth_fn(fn: Fn) -> Fn:
    """The function giving ``_truth(fn(env))``: the truth function a condition keeps, else a wrapper."""
    truth = getattr(fn, "truth", None)
    if truth is not None:
        return truth  # type: ignore[no-any-return]
    return lambda env: _truth(fn(env))


def _and(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Kleene's strong conjunction: false if either is false, else undecided (NaN) if either is."""
    if a.dtype == bool and b.dtype == bool:
        return np.asarray(a & b)
    fa, fb = _as_float(a), _as_float(b)
    return np.where((fa == 0) | (fb == 0), 0.0, np.where(np.isnan(fa) | np.isnan(fb), np.nan, 1.0))


def _or(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Kleene's strong disjunction: true if either is true, else undecided (NaN) if either is."""
    if a.dtype == bool and b.dtype == bool:
        return np.asarray(a | b)
    fa, fb = _as_float(a), _as_float(b)
    return np.where((fa == 1) | (fb == 1), 1.0, np.where(np.isnan(fa) | np.isnan(fb), np.nan, 0.0))


def _negation(t: np.ndarray) -> np.ndarray:
    """The negation of a truth value as :func:`_truth` gives it, in the same form: NaN (undecided) stays undecided."""
    return np.asarray(~t) if t.dtype == bool else 1.0 - t


def _choose(c: Any, a: Any, b: Any) -> np.ndarray:
    """``a`` where the condition holds, ``b`` where it does not, NaN where it is undecided."""
    t = _truth(c)
    if t.dtype == bool:
        return np.asarray(np.where(t, a, b))
    return np.where(np.isnan(t), np.nan, np.where(t != 0, a, b))


#: While :meth:`Expression.evaluate` runs: the comparisons found undecided, in evaluation order.
_UNDECIDED: contextvars.ContextVar[list[tuple[Location, str, np.ndarray]] | None] = contextvars.ContextVar(
    "outlook_undecided", default=None
)


def _both(a: str, b: str) -> str:
    """The kind of a value that is one of two branches: a condition only if both are."""
    if a == NUMBER or b == NUMBER:
        return NUMBER
    return YES_NO if a == b == YES_NO else ANY


#: a compiled node: its function, its value if constant, its kind
_Compiled = tuple[Fn, "float | None", str]


class _Compiler:
    def __init__(
        self,
        text: str,
        where: Location,
        lead: int,
        names: Mapping[str, NameKind],
        refused: Mapping[str, str],
    ) -> None:
        self.text = text
        self.where = where
        self.lead = lead
        self.names = names
        self.refused = refused
        self.used: set[str] = set()
        #: the file's format version (``None``: the newest); see :meth:`_newer`
        self.version: float | None = None
        self.timing: Timing | None = None
        self.gate: Gate | None = None
        self.timed: set[str] = set()  # events whose times are read
        self.reads_t = False

    def error(self, node: ast.AST, msg: str, *, got: object = None, hint: str = "") -> ExpressionError:
        lineno = getattr(node, "lineno", 1)
        col = _char_col(self.text, lineno, getattr(node, "col_offset", 0))
        if lineno == 1:
            col += self.lead
        return ExpressionError(_at(self.where, lineno, col), msg, got=got, hint=hint)

    def segment(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or type(node).__name__

    def compile(self, node: ast.AST, depth: int) -> _Compiled:
        if depth > MAX_DEPTH:
            raise self.error(node, f"expression is nested deeper than {MAX_DEPTH} levels")
        fn, const, kind = self._compile(node, depth + 1)
        if const is not None:
            c = const
            return (lambda env: c), c, kind
        return fn, None, kind

    def condition(self, node: ast.AST, depth: int, what: str) -> _Compiled:
        """Compile ``node``, which must be a condition: ``what`` needs one."""
        fn, const, kind = self.compile(node, depth)
        if kind == NUMBER:
            seg = self.segment(node)
            hint = ""
            if const is None:
                shown = f"({seg})" if isinstance(node, ast.IfExp) else seg
                hint = f"Did you mean '{shown} != 0'?"
            raise self.error(node, f"{what} needs a condition, not a number", got=seg, hint=hint)
        return fn, const, kind

    def _compile(self, node: ast.AST, depth: int) -> _Compiled:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.BinOp):
            return self._binop(node, depth)
        if isinstance(node, ast.UnaryOp):
            return self._unary(node, depth)
        if isinstance(node, ast.BoolOp):
            word = "and" if isinstance(node.op, ast.And) else "or"
            parts = [self.condition(v, depth, f"'{word}'") for v in node.values]
            op = _and if isinstance(node.op, ast.And) else _or
            fns = [_truth_fn(p[0]) for p in parts]

            def boolop(env: Env) -> np.ndarray:
                out = np.asarray(fns[0](env))
                for f in fns[1:]:
                    out = op(out, np.asarray(f(env)))
                return out

            return self._fold(node, _with_truth(boolop), [p[1] for p in parts], YES_NO)
        if isinstance(node, ast.Compare):
            return self._compare(node, depth)
        if isinstance(node, ast.IfExp):
            (t, tc, tk), (c, cc, _), (e, ec, ek) = (
                self.compile(node.body, depth),
                self.condition(node.test, depth, "'if'"),
                self.compile(node.orelse, depth),
            )
            return self._fold(node, lambda env: _choose(c(env), t(env), e(env)), [tc, cc, ec], _both(tk, ek))
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        what = _REFUSED.get(type(node), f"{type(node).__name__} syntax")
        raise self.error(node, f"{what} is not allowed in expressions", got=self.segment(node))

    def _fold(self, node: ast.AST, fn: Fn, consts: list[float | None], kind: str) -> _Compiled:
        if all(c is not None for c in consts):
            try:
                with np.errstate(all="raise", under="ignore"):
                    value = float(np.asarray(fn({}), dtype=np.float64))
            except (FloatingPointError, OverflowError, ZeroDivisionError, ValueError):
                raise self.error(node, "constant part overflows or is undefined", got=self.segment(node)) from None
            if not math.isfinite(value):
                raise self.error(node, "constant part is not finite", got=self.segment(node))
            return fn, value, kind
        return fn, None, kind

    def _constant(self, node: ast.Constant) -> _Compiled:
        value = node.value
        if isinstance(value, bool):
            v = 1.0 if value else 0.0
            return (lambda env: v), v, YES_NO
        if isinstance(value, int | float):
            v = _float(value)
            if not math.isfinite(v):
                raise self.error(node, "number is too large", got=self.segment(node))
        elif isinstance(value, str):
            raise self.error(
                node,
                "a string may only be compared with a categorical driver",
                got=value,
            )
        else:
            raise self.error(node, "only numbers are allowed as constants", got=self.segment(node))
        return (lambda env: v), v, NUMBER

    def _name(self, node: ast.Name) -> _Compiled:
        name = node.id
        if name in self.names:
            kind = self.names[name]
            if isinstance(kind, tuple):
                raise self.error(node, _category_only(name, kind))
            self.used.add(name)
            return (lambda env: env[name]), None, (YES_NO if kind == YES_NO else ANY if kind == ANY else NUMBER)
        if name == _T and self.timing is not None and name not in self.refused:
            return _horizon_end(self, node)
        if name in _CONSTANTS:
            v = _CONSTANTS[name]
            return (lambda env: v), v, (NUMBER if name == "pi" else YES_NO)
        if name in CONSTANTS_1_1 and name not in self.refused:
            self._newer(node, name, f"the constant {name!r}")
            return (lambda env: math.inf), None, NUMBER  # not a folded constant: -inf and x < inf are fine
        if name in self.refused:
            raise self.error(node, f"{name!r} {self.refused[name]}")
        if name in FUNCTIONS:
            raise self.error(node, f"function {name!r} must be called")
        hint = did_you_mean(name, list(self.names) + list(self.refused))
        raise self.error(node, f"unknown name {name!r}", hint=hint)

    def _newer(self, node: ast.AST, name: str, what: str) -> None:
        """Refuse ``name`` (a function or constant added after format 1) in a file of an older format."""
        new = NEW_IN.get(name)
        if new is not None and self.version is not None and self.version < new:
            raise self.error(node, f"{what} is new in format {new}: write 'outlook: {new}' at the top of the file")

    def _binop(self, node: ast.BinOp, depth: int) -> _Compiled:
        op_type = type(node.op)
        if op_type not in _BINOPS:
            sym = _BINOP_TEXT.get(op_type, op_type.__name__)
            raise self.error(node, f"operator {sym!r} is not allowed", got=self.segment(node))
        # a left-associated chain of one kind of operator (a + b - c + ...) is long, not deep: its operands
        # are compiled at one depth and evaluated in a loop (nested calls would reach the recursion limit)
        family = _FAMILY.get(op_type, (op_type,))
        chain = [node]
        while isinstance(chain[-1].left, ast.BinOp) and type(chain[-1].left.op) in family:
            chain.append(chain[-1].left)
        fn, const, _ = self.compile(chain[-1].left, depth)
        rest: list[tuple[Callable[[Any, Any], Any], Fn]] = []
        consts: list[float | None] = [const]
        for part in reversed(chain):
            op = _BINOPS[type(part.op)]
            b, bc, _ = self.compile(part.right, depth)
            if not rest and const is not None and bc is not None:  # a constant so far: folded, checked here
                _, folded, _ = self._fold(part, _applied(op, const, bc), [const, bc], NUMBER)
                assert folded is not None
                const = folded
                fn, consts = _constant_fn(folded), [const]
            else:
                rest.append((op, b))
                consts.append(bc)
        if not rest:
            return fn, const, NUMBER
        first = fn

        def chained(env: Env) -> Any:
            out = first(env)
            for op, f in rest:
                out = op(out, f(env))
            return out

        return self._fold(node, chained, consts, NUMBER)

    def _unary(self, node: ast.UnaryOp, depth: int) -> _Compiled:
        if isinstance(node.op, ast.Not):
            f, c, _ = self.condition(node.operand, depth, "'not'")
            operand = _truth_fn(f)
            return self._fold(node, _with_truth(lambda env: _negation(np.asarray(operand(env)))), [c], YES_NO)
        f, c, _ = self.compile(node.operand, depth)
        if isinstance(node.op, ast.USub):
            return self._fold(node, lambda env: np.negative(f(env)), [c], NUMBER)
        if isinstance(node.op, ast.UAdd):
            return f, c, NUMBER
        raise self.error(node, "operator '~' is not allowed", got=self.segment(node))

    def _compare(self, node: ast.Compare, depth: int) -> _Compiled:
        operands = [node.left, *node.comparators]
        pairs: list[Fn] = []
        consts: list[float | None] = []
        for i, op in enumerate(node.ops):
            if type(op) not in _CMPOPS:
                raise self.error(node, f"comparison {type(op).__name__!r} is not allowed", got=self.segment(node))
            left, right = operands[i], operands[i + 1]
            lf, lc = self._operand(left, right, op, depth)
            rf, rc = self._operand(right, left, op, depth)
            cmp = _CMPOPS[type(op)]
            pairs.append(_pair(cmp, lf, rf, self.error(node, "").where, self.segment(node)))
            consts.extend([lc, rc])

        def compare(env: Env) -> np.ndarray:
            out = np.asarray(pairs[0](env))
            for p in pairs[1:]:
                out = _and(out, np.asarray(p(env)))
            return out

        return self._fold(node, _with_truth(compare), consts, YES_NO)

    def _categories(self, node: ast.expr) -> tuple[str, ...] | None:
        """The categories of ``node`` if it names a categorical driver."""
        if isinstance(node, ast.Name):
            kind = self.names.get(node.id)
            if isinstance(kind, tuple):
                return kind
        return None

    def _operand(self, node: ast.expr, other: ast.expr, op: ast.cmpop, depth: int) -> tuple[Fn, float | None]:
        """One side of a comparison: a category name and a categorical driver only ever face each other."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            cats = self._categories(other)
            if isinstance(other, ast.Name) and self.names.get(other.id) == ANY:
                return (lambda env: math.nan), math.nan  # a driver that failed: reported already
            if cats is None:
                raise self.error(node, "a string may only be compared with a categorical driver", got=node.value)
            if not isinstance(op, ast.Eq | ast.NotEq):
                raise self.error(node, "a category may only be compared with == or !=", got=node.value)
            assert isinstance(other, ast.Name)
            if node.value not in cats:
                hint = did_you_mean(node.value, cats)
                raise self.error(
                    node,
                    f"{node.value!r} is not a category of {other.id!r}; categories: {', '.join(cats)}",
                    hint=hint,
                )
            code = float(cats.index(node.value))
            return (lambda env: code), code
        cats = self._categories(node)
        if cats is not None and isinstance(node, ast.Name):
            if not (isinstance(other, ast.Constant) and isinstance(other.value, str)):
                raise self.error(node, _category_only(node.id, cats))
            name = node.id
            self.used.add(name)
            return (lambda env: env[name]), None
        fn, const, _ = self.compile(node, depth)
        return fn, const

    def _call(self, node: ast.Call, depth: int) -> _Compiled:
        if not isinstance(node.func, ast.Name):
            what = _REFUSED.get(type(node.func), "calling anything but a function name")
            raise self.error(node.func, f"{what} is not allowed in expressions", got=self.segment(node.func))
        name = node.func.id
        if name in TIME_FUNCTIONS and self.timing is not None:
            return _time_call(self, node)
        if name not in FUNCTIONS or (self.version is not None and NEW_IN.get(name, 0.0) > self.version):
            known = [f for f in FUNCTIONS if NEW_IN.get(f, 0.0) <= (self.version or math.inf)]
            if name in FUNCTIONS:
                self._newer(node.func, name, f"the function {name!r}")
            # suggest only a function the call could have meant: one that takes this many arguments
            n_args = len(node.args)
            fits = [f for f in known if FUNCTIONS[f][1] <= n_args and (FUNCTIONS[f][2] or n_args) >= n_args]
            hint = did_you_mean(name, fits) or (did_you_mean(name, TIME_FUNCTIONS) if self.timing else "")
            allowed = ", ".join(sorted(known))
            raise self.error(node.func, f"function {name!r} is not allowed; allowed: {allowed}", hint=hint)
        if node.keywords:
            raise self.error(node.keywords[0], f"{name}() takes no keyword arguments", got=self.segment(node))
        func, lo, hi = FUNCTIONS[name]
        n = len(node.args)
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" if lo == hi else (f"at least {lo}" if hi is None else f"{lo} to {hi}")
            raise self.error(node, f"{name}() takes {want} arguments", got=n)
        if name == "where":
            (c, cc, _), (a, ac, ak), (b, bc, bk) = (
                self.condition(node.args[0], depth, "where()"),
                self.compile(node.args[1], depth),
                self.compile(node.args[2], depth),
            )
            return self._fold(node, lambda env: _choose(c(env), a(env), b(env)), [cc, ac, bc], _both(ak, bk))
        parts = [self.compile(a, depth) for a in node.args]
        fns = [p[0] for p in parts]
        if name == "clip":
            return self._clip(node, parts)
        return self._fold(node, lambda env: func(*[f(env) for f in fns]), [p[1] for p in parts], NUMBER)

    def _clip(self, node: ast.Call, parts: list[_Compiled]) -> _Compiled:
        """``clip(x, lo, hi)``, which needs ``lo <= hi``: numpy would silently give ``hi`` everywhere.

        Constant bounds are checked here; bounds that vary are checked in
        every world, and a world where ``lo > hi`` stops the run, located.
        """
        (x, xc, _), (lo, loc, _), (hi, hic, _) = parts
        where, text = self.error(node, "").where, self.segment(node)
        if loc is not None and hic is not None and loc > hic:
            raise self.error(node, f"clip(x, lo, hi) needs lo <= hi; here lo {loc:g} > hi {hic:g}", got=text)

        def clip(env: Env) -> Any:
            a, b = lo(env), hi(env)
            bad = np.asarray(a > b)
            if np.any(bad):
                k, n = int(np.count_nonzero(bad)), int(np.size(bad))
                raise SimulationError(
                    f"{where.located(where.key_path)}: clip(x, lo, hi) needs lo <= hi, but lo > hi in "
                    f"{of_worlds(k, n)} in {text!r}"
                )
            return np.clip(x(env), a, b)

        return self._fold(node, clip, [xc, loc, hic], NUMBER)


def _applied(op: Callable[[Any, Any], Any], a: float, b: float) -> Fn:
    """``op(a, b)`` of two constants, as a function of the environment (for :meth:`_Compiler._fold`)."""
    return lambda env: op(a, b)


def _constant_fn(value: float) -> Fn:
    return lambda env: value


def _category_only(name: str, cats: tuple[str, ...]) -> str:
    example = cats[0] if cats else "name"
    return (
        f"{name!r} is a categorical driver; it may only be compared with one of its categories, "
        f"as in {name} == {example!r} or {name} != {example!r}"
    )


# -- time in expressions (format 1.1) --------------------------------------------------------------

#: What an expression calls to have a format 1.1 construct allowed: ``gate(where, "time()")``; it may raise.
Gate: TypeAlias = Callable[[Location, str], None]

#: The functions of time (each needs a :class:`Timing`): name -> what its arguments are, for messages.
TIME_FUNCTIONS: Mapping[str, str] = {
    "date": "a date written as text, such as date('2025-05-01')",
    "happened": "an event name and, if wanted, by= a horizon id, a duration such as '6mo' or a date",
    "time": "an event name, such as time(deployment)",
    "years": "a duration written as text, such as years('6mo')",
}

#: The environment's entry for ``t``: the end of the horizon being evaluated, in years from ``as_of``.
T_KEY = "@t"
_T = "t"


def time_key(event: str) -> str:
    """The environment's entry for ``time(event)``: its occurrence time, ``inf`` past the horizon evaluated.

    Not an identifier, so it never meets a driver's or derived quantity's name.

    >>> time_key("spread")
    'time(spread)'
    """
    return f"time({event})"


@dataclass(frozen=True, slots=True)
class Timing:
    """What the time-aware constructs of an expression may read (format 1.1).

    Attributes
    ----------
    as_of
        The scenario's date: ``date()`` and date strings are years from it
        (days / 365.25, :func:`~outlook.scenario.durations.years_to`).
    horizons
        ``(id, end in years)`` of every horizon, for ``happened(e, by=id)``.
    events
        The events ``time()`` and ``happened()`` may read (in scenario rules:
        all of them; elsewhere none).
    t
        Whether ``t``, the end of the horizon being evaluated, may be read
        (derived quantities and scenario rules, evaluated at each horizon;
        not hazards).
    """

    as_of: dt.date
    horizons: tuple[tuple[str, float], ...] = ()
    events: frozenset[str] = frozenset()
    t: bool = False


def _gate(c: _Compiler, node: ast.AST, feature: str) -> None:
    if c.gate is not None:
        c.gate(c.error(node, "").where, feature)


def _horizon_end(c: _Compiler, node: ast.Name) -> _Compiled:
    """``t``: the end of the horizon being evaluated, in years (a number; one value a horizon)."""
    assert c.timing is not None
    if not c.timing.t:
        raise c.error(node, "'t', the end of the horizon, can be read only in derived quantities and scenario rules")
    _gate(c, node, "'t' (the end of the horizon)")
    c.reads_t = True
    return (lambda env: env[T_KEY]), None, NUMBER


def _time_call(c: _Compiler, node: ast.Call) -> _Compiled:
    """``time(e)``, ``happened(e, by=X)``, ``date('...')`` or ``years('...')``: checked, typed, compiled."""
    assert isinstance(node.func, ast.Name)
    assert c.timing is not None
    name = node.func.id
    _gate(c, node.func, f"{name}()")
    allowed_keywords = ("by",) if name == "happened" else ()
    for kw in node.keywords:
        if kw.arg not in allowed_keywords:
            shown = "**" if kw.arg is None else f"{kw.arg}="
            takes = "only the keyword by=" if allowed_keywords else "no keyword arguments"
            raise c.error(kw, f"{name}() takes {takes}", got=shown)
    if len(node.args) != 1:
        raise c.error(node, f"{name}() takes {TIME_FUNCTIONS[name]}", got=c.segment(node))
    arg = node.args[0]
    if name in ("date", "years"):
        v = _text_constant(c, node, arg, name)
        return (lambda env: v), v, NUMBER
    key = time_key(_event_arg(c, arg, name))
    if name == "time":
        return (lambda env: env[key]), None, NUMBER
    if not node.keywords:
        return (lambda env: np.less(env[key], np.inf)), None, YES_NO
    by = _by_years(c, node.keywords[0].value)
    return (lambda env: np.less_equal(env[key], by)), None, YES_NO


def _text_constant(c: _Compiler, node: ast.Call, arg: ast.expr, name: str) -> float:
    """Years in ``date('2025-05-01')`` (from ``as_of``) or ``years('6mo')``."""
    assert c.timing is not None
    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        raise c.error(arg, f"{name}() takes {TIME_FUNCTIONS[name]}", got=c.segment(arg))
    try:
        if name == "years":
            return parse_duration(arg.value)
        when = parse_date(arg.value)
    except ValueError as exc:
        raise c.error(arg, str(exc), got=arg.value) from None
    if when < c.timing.as_of:
        raise c.error(arg, f"date {when.isoformat()} is before as_of ({c.timing.as_of.isoformat()})")
    return years_to(c.timing.as_of, when)


def _event_arg(c: _Compiler, arg: ast.expr, name: str) -> str:
    """The event named by ``time()``'s or ``happened()``'s first argument, recorded as read."""
    assert c.timing is not None
    if not isinstance(arg, ast.Name):
        raise c.error(arg, f"{name}() takes an event name", got=c.segment(arg))
    event = arg.id
    if event not in c.timing.events:
        if event in c.refused:
            raise c.error(arg, f"{event!r} {c.refused[event]}")
        hint = did_you_mean(event, sorted(c.timing.events))
        raise c.error(arg, f"{name}() takes an event name; {event!r} is not an event", hint=hint)
    c.timed.add(event)
    if event in c.names:
        c.used.add(event)
    return event


def _by_years(c: _Compiler, value: ast.expr) -> float:
    """``by=``: a horizon id (its end), a duration string or a date string, in years from ``as_of``."""
    assert c.timing is not None
    horizons = dict(c.timing.horizons)
    if isinstance(value, ast.Name):
        if value.id not in horizons:
            hint = did_you_mean(value.id, list(horizons))
            raise c.error(value, f"unknown horizon {value.id!r}", hint=hint)
        return horizons[value.id]
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        if value.value in horizons:  # by='short', quoted as a duration is: the horizon's end as well
            return horizons[value.value]
        try:
            return point_in_time(value.value, c.timing.as_of)
        except ValueError as exc:
            close = did_you_mean(value.value, list(horizons)) if value.value.isidentifier() else ""
            if close:
                raise c.error(value, f"unknown horizon {value.value!r}", hint=close) from None
            raise c.error(value, str(exc), got=value.value) from None
    msg = "by= takes a horizon id, a duration such as '6mo' or a date such as '2025-05-01'"
    raise c.error(value, msg, got=c.segment(value))
