"""Imports flow one way between the stages, no module imports itself back, and functions stay short.

The layers, upstream first; a module may import its own layer and the
layers above it in this list, never one below:

0. ``outlook._text``, ``outlook._types``, ``outlook._version``, ``outlook.errors`` (the foundation)
1. ``outlook.distributions`` (stated driver -> vectorised sampler; knows no YAML)
2. ``outlook.scenario`` (YAML -> frozen, validated Scenario)
3. ``outlook.model`` (Scenario -> Model -> worlds -> Run), and ``outlook.testing`` (tiny scenarios for tests)
4. ``outlook.tables``, ``outlook.words`` (Run -> tidy tables; estimative words)
5. ``outlook.analysis`` (tables and worlds in, tables out), ``outlook.scoring`` (a ledger of forecasts, scored),
   ``outlook.exercises`` (planted-bias exercises checked through the analysis)
6. ``outlook.display``, ``outlook.plots``, ``outlook.report`` (consume tables)
7. ``outlook.api`` (the shortcut that chains the stages)
8. ``outlook.cli`` (the command) and ``outlook.commands`` (sub-commands kept in their own modules)

and the package ``outlook`` itself, the lazy public namespace above them all,
which only the command imports (for ``__version__``).

Within those layers, the rules ``tests/test_display.py`` states for the
presentation layer hold too: display, plots and report import nothing from
the model, except ``plots/worlds.py``, the one module that obtains worlds
(it may import ``outlook.model``); display imports neither plots nor report;
plots never imports report. And the model's runner imports nothing from the
model or the scenario (it runs block ranges of any function). ``outlook.testing``
is imported by no module of the package.

Every import counts: module-level, function-level and ``if TYPE_CHECKING:``
imports, and ``importlib.import_module`` / ``__import__`` calls with a literal
name; a dynamic import with a computed name is allowed only in the lazy
namespace, ``outlook/__init__.py``. Cycles are looked for among the imports
that run (a ``TYPE_CHECKING`` import never runs, so it cannot make one).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import outlook

ROOT = Path(outlook.__file__).parent

#: The layers, upstream first: (rank, module prefixes).
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "outlook._text",
        "outlook._types",
        "outlook._version",
        "outlook.errors",
        "outlook._bundled",
        "outlook._cache",
        "outlook._pieces",
    ),
    ("outlook.distributions",),
    ("outlook.scenario",),
    ("outlook.model", "outlook.testing"),
    ("outlook.tables", "outlook.words"),
    ("outlook.analysis", "outlook.scoring", "outlook.exercises"),
    ("outlook.display", "outlook.plots", "outlook.report", "outlook.spreadsheet"),
    ("outlook.api",),
    ("outlook.cli", "outlook.commands"),
)

#: Functions allowed over :data:`MAX_FUNCTION_LINES` lines: qualified name -> why it is one idea.
#: Each is one idea that reads best whole; today each of their functions is under the limit anyway.
LONG_FUNCTIONS: dict[str, str] = {
    "outlook.scenario.expressions._Compiler": "the expression compiler: one AST visitor, a method per node kind",
    "outlook.scenario.expressions.compile_expression": "the expression compiler's entry: parse, check, compile",
    "outlook.model.quantiles.QuantileSketch": "the exact percentile sketch: its update, compaction and merge",
}

#: The most lines a function's code may span: ``end_lineno - lineno + 1`` less its docstring's lines
#: (a numpydoc docstring gives shapes, units, errors and sources; it is not logic to split).
MAX_FUNCTION_LINES = 100


@dataclass(frozen=True)
class Import:
    """One import in a module: the module imported, the line, and whether it runs (not under TYPE_CHECKING)."""

    target: str
    line: int
    runs: bool


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES: dict[str, Path] = {_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """The lines inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name | ast.Attribute):
            name = node.test.id if isinstance(node.test, ast.Name) else node.test.attr
            if name == "TYPE_CHECKING":
                for child in node.body:
                    lines |= set(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def _resolve(module: str) -> str:
    """The module an import loads: ``module`` if it is one, else the nearest enclosing module or package."""
    while module not in MODULES and "." in module:
        module = module.rpartition(".")[0]
    return module


def imports_of(name: str) -> tuple[list[Import], list[int]]:
    """Every outlook module ``name`` imports, and the lines of dynamic imports with a computed name."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    typing_only = _type_checking_lines(tree)
    found: list[Import] = []
    dynamic: list[int] = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func):
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                text = arg.value
                targets = [f"{package}{text}" if text.startswith(".") else text]
            else:
                dynamic.append(node.lineno)
        for t in targets:
            if t == "outlook" or t.startswith("outlook."):
                found.append(Import(_resolve(t), node.lineno, node.lineno not in typing_only))
    return found, dynamic


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute):
        return func.attr == "import_module"
    return isinstance(func, ast.Name) and func.id in ("__import__", "import_module")


def _in(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def rank(module: str) -> int:
    """The layer of a module (``len(LAYERS)`` for the package ``outlook`` itself)."""
    if module == "outlook":
        return len(LAYERS)
    for r, prefixes in enumerate(LAYERS):
        if any(_in(module, p) for p in prefixes):
            return r
    msg = f"{module} is in no layer: add it to LAYERS in tests/test_layering.py"
    raise AssertionError(msg)


_PRESENTATION = ("outlook.display", "outlook.plots", "outlook.report")


def _why(name: str, t: str) -> str:
    """Why ``name`` may not import ``t`` (empty if it may)."""
    if t == "outlook":
        return (
            ""
            if name in ("outlook", "outlook.cli") or _in(name, "outlook.commands")
            else "only the command imports the package's lazy namespace"
        )
    if name != "outlook" and rank(t) > rank(name):
        return f"layer {rank(name)} imports layer {rank(t)} below it"
    if _in(t, "outlook.testing") and name != "outlook.testing":
        return "outlook.testing is for tests and docs, not the package"
    if any(_in(name, p) for p in _PRESENTATION) and _in(t, "outlook.model") and name != "outlook.plots.worlds":
        return "the presentation layer consumes tables: only plots/worlds.py obtains worlds"
    if _in(name, "outlook.display") and any(_in(t, p) for p in ("outlook.plots", "outlook.report")):
        return "display imports neither plots nor report"
    if _in(name, "outlook.plots") and _in(t, "outlook.report"):
        return "plots never imports report"
    if name == "outlook.model.runner" and any(_in(t, p) for p in ("outlook.model", "outlook.scenario")):
        return "the runner imports nothing from the model"
    return ""


def violations(name: str, imports: list[Import]) -> list[str]:
    """Each import of ``name`` that breaks a rule of the module's docstring, as ``module:line -> target: why``."""
    return [f"{name}:{i.line} -> {i.target}: {why}" for i in imports if (why := _why(name, i.target))]


@pytest.mark.parametrize("name", sorted(MODULES), ids=str)
def test_imports_flow_one_way(name: str) -> None:
    """Every import of every module (function-level and TYPE_CHECKING ones included) respects the layers."""
    imports, dynamic = imports_of(name)
    assert [] == violations(name, imports)
    if name != "outlook":
        assert [] == dynamic, f"{name}: a dynamic import with a computed name hides what it imports"


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle of ``graph`` as ``[a, b, ..., a]``, or ``[]`` if it is acyclic (iterative DFS)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(graph):
        if root in state:
            continue
        path = [root]
        stack = [iter(sorted(graph[root]))]
        state[root] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return []


def test_no_import_cycle() -> None:
    """The modules' imports that run (module- and function-level) form no cycle; the failure names one."""
    graph = {name: {i.target for i in imports_of(name)[0] if i.runs and i.target != name} for name in MODULES}
    cycle = find_cycle(graph)
    assert [] == cycle, "import cycle: " + " -> ".join(cycle)


def test_find_cycle_names_the_cycle() -> None:
    """The search itself: a cycle is reported in order, an acyclic graph gives nothing."""
    assert ["a", "b", "c", "a"] == find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert [] == find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()})


def test_every_module_is_in_a_layer() -> None:
    """A new module or package must be placed in the layering (``rank`` raises otherwise)."""
    assert len(LAYERS) == rank("outlook")
    assert all(0 <= rank(name) <= len(LAYERS) for name in MODULES)


def _functions(tree: ast.AST, prefix: str) -> list[tuple[str, int]]:
    """(qualified name, lines) of every function and method, nested ones included."""
    out: list[tuple[str, int]] = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            qual = f"{prefix}.{node.name}"
            if not isinstance(node, ast.ClassDef):
                out.append((qual, (node.end_lineno or node.lineno) - node.lineno + 1 - _docstring_lines(node)))
            out += _functions(node, qual)
        else:
            out += _functions(node, prefix)
    return out


def _docstring_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return (first.end_lineno or first.lineno) - first.lineno + 1
    return 0


def test_no_function_over_a_hundred_lines() -> None:
    """No function in outlook/ has over :data:`MAX_FUNCTION_LINES` lines of code, except the named one-idea ones."""
    long = []
    for name, path in MODULES.items():
        for qual, lines in _functions(ast.parse(path.read_text(encoding="utf-8")), name):
            allowed = any(qual == k or qual.startswith(k + ".") for k in LONG_FUNCTIONS)
            if lines > MAX_FUNCTION_LINES and not allowed:
                long.append(f"{qual}: {lines} lines")
    assert [] == long


def test_the_allow_list_names_functions_that_exist() -> None:
    """Each allowed long function or module is still there (a stale entry would hide nothing)."""
    names = {q for name, path in MODULES.items() for q, _ in _functions(ast.parse(path.read_text("utf-8")), name)}
    names |= {q.rpartition(".")[0] for q in names} | set(MODULES)
    assert set() == set(LONG_FUNCTIONS) - names
