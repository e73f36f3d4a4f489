"""outlook: scenario-outlook forecasting from YAML scenario files.

Load a scenario, simulate it by vectorised Monte Carlo, and get
probability-weighted outlook tables as pandas DataFrames.

>>> import outlook
>>> tables = outlook.run_outlook("nk-troops-russia", samples=20_000, seed=1)
>>> sorted(tables.scenarios.groupby("horizon")["p"].sum().round(9).unique().tolist())
[1.0]
"""

from __future__ import annotations

from ._version import __version__
from .api import run_outlook
from .bundled import bundled_scenarios, find_scenario
from .engine import Model, Run, compile_model, sample_worlds, simulate
from .errors import (
    ExpressionError,
    Location,
    OutlookError,
    ScenarioError,
    ScenarioErrors,
    SimulationError,
)
from .scenario import Scenario, load_scenario
from .tables import Outlook, summarise
from .words import SCALES, estimative_word

__all__ = [
    "ExpressionError",
    "Location",
    "Model",
    "Outlook",
    "OutlookError",
    "Run",
    "SCALES",
    "Scenario",
    "ScenarioError",
    "ScenarioErrors",
    "SimulationError",
    "__version__",
    "bundled_scenarios",
    "compile_model",
    "estimative_word",
    "find_scenario",
    "load_scenario",
    "run_outlook",
    "sample_worlds",
    "simulate",
    "summarise",
]
