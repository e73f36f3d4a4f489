"""outlook: scenario-outlook forecasting from YAML scenario files.

Load a scenario, simulate it by vectorised Monte Carlo, and get
probability-weighted outlook tables as pandas DataFrames.

>>> import outlook
>>> tables = outlook.run_outlook("nk-troops-russia", samples=20_000, seed=1)
>>> sorted(tables.scenarios.groupby("horizon")["p"].sum().round(9).unique().tolist())
[1.0]

Importing the package is cheap: each public name is imported from its module
on first use (PEP 562), so ``import outlook`` and ``outlook --help`` do not
load numpy, pandas, scipy or PyYAML until something needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from ._version import __version__

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time see __getattr__
    from .analysis import first_order_indices, tornado
    from .analysis.ach import ach
    from .analysis.assumptions import assumptions_check
    from .analysis.claims import claims
    from .analysis.compare import compare, whatif
    from .analysis.confidence import confidence
    from .analysis.diff import diff_scenarios
    from .analysis.futures import cone, futures
    from .analysis.premortem import premortem
    from .analysis.sourcing import sourcing
    from .analysis.tipping import tipping_point
    from .analysis.update import Update, update
    from .api import run_outlook
    from .errors import (
        ExpressionError,
        Location,
        OutlookError,
        ScenarioError,
        ScenarioErrors,
        SimulationError,
    )
    from .model import Model, Run, compile_model, sample_worlds, simulate
    from .model.graph import DependencyGraph, dependency_graph
    from .scenario import Scenario, bundled_scenarios, find_scenario, load_scenario
    from .scoring import Scores, ledger_add, score
    from .tables import Tables, summarise, summarise_worlds
    from .words import SCALES, estimative_word

__all__ = [
    "DependencyGraph",
    "ExpressionError",
    "Location",
    "Model",
    "OutlookError",
    "Run",
    "SCALES",
    "Scenario",
    "ScenarioError",
    "ScenarioErrors",
    "Scores",
    "SimulationError",
    "Tables",
    "Update",
    "__version__",
    "ach",
    "assumptions_check",
    "bundled_scenarios",
    "claims",
    "compare",
    "compile_model",
    "cone",
    "confidence",
    "dependency_graph",
    "diff_scenarios",
    "estimative_word",
    "find_scenario",
    "first_order_indices",
    "futures",
    "indicators",
    "ledger_add",
    "load_scenario",
    "premortem",
    "run_outlook",
    "sample_worlds",
    "score",
    "simulate",
    "sourcing",
    "summarise",
    "summarise_worlds",
    "tipping_point",
    "tornado",
    "update",
    "whatif",
]

#: Public name -> the module (relative to this package) that defines it.
_LAZY = {
    "DependencyGraph": "model.graph",
    "ExpressionError": "errors",
    "Location": "errors",
    "Model": "model",
    "OutlookError": "errors",
    "Run": "model",
    "SCALES": "words",
    "Scenario": "scenario",
    "ScenarioError": "errors",
    "ScenarioErrors": "errors",
    "SimulationError": "errors",
    "Tables": "tables",
    "bundled_scenarios": "scenario",
    "ach": "analysis.ach",
    "assumptions_check": "analysis.assumptions",
    "claims": "analysis.claims",
    "compare": "analysis.compare",
    "confidence": "analysis.confidence",
    "cone": "analysis.futures",
    "futures": "analysis.futures",
    "tipping_point": "analysis.tipping",
    "compile_model": "model",
    "dependency_graph": "model.graph",
    "diff_scenarios": "analysis.diff",
    "estimative_word": "words",
    "find_scenario": "scenario",
    "first_order_indices": "analysis",
    "indicators": "analysis.indicators",
    "load_scenario": "scenario",
    "premortem": "analysis.premortem",
    "run_outlook": "api",
    "sample_worlds": "model",
    "simulate": "model",
    "sourcing": "analysis.sourcing",
    "summarise": "tables",
    "summarise_worlds": "tables",
    "whatif": "analysis.compare",
    "tornado": "analysis",
    "Update": "analysis.update",
    "update": "analysis.update",
    "Scores": "scoring",
    "ledger_add": "scoring",
    "score": "scoring",
}


def __getattr__(name: str) -> object:
    """Import a public name, or a submodule, the first time it is asked for.

    Parameters
    ----------
    name
        An attribute of the package not yet in its namespace.

    Returns
    -------
    object
        The name's value, cached in the package namespace so that later
        lookups do not come here.

    Raises
    ------
    AttributeError
        If ``name`` is neither a public name nor a submodule.
    """
    module = _LAZY.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
        globals()[name] = value
        return value
    if not name.startswith("__"):  # outlook.model without importing it first
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise  # the submodule exists but something it imports does not
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    """The public names, the module's dunder attributes and submodules already imported."""
    loaded = {n for n, v in globals().items() if getattr(v, "__name__", None) == f"{__name__}.{n}"}
    return sorted({*__all__, *loaded, *(n for n in globals() if n.startswith("__"))})
