"""The worlds the distribution figures show: the one place the plots obtain simulated worlds.

Owns which worlds a figure shows: the run's own first worlds, carried with
its tables (:attr:`outlook.Tables.worlds`). Never draws, never simulates,
except for tables that carry no worlds (built by hand), whose worlds are
drawn again from the run's seed as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..model import sample_worlds
from ..model.accumulate import KEPT_WORLD_VALUES
from ._style import (
    _require_scenario,
)

if TYPE_CHECKING:
    from ..tables import Tables

__all__ = [
    "WORLD_VALUES",
    "_worlds",
    "figure_worlds",
]

#: Values (worlds × columns) shown at most by the distribution figures: a scenario with many drivers, derived
#: quantities and events gets fewer worlds (what a run keeps: :data:`outlook.model.accumulate.KEPT_WORLD_VALUES`).
WORLD_VALUES = KEPT_WORLD_VALUES


def _worlds(tables: Tables, worlds: pd.DataFrame | None, samples: int) -> pd.DataFrame:
    s = _require_scenario(tables)
    if worlds is not None:
        return worlds
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        msg = f"samples must be a positive integer (got {samples!r})"
        raise ValueError(msg)
    columns = len(s.drivers) + len(s.derived) + len(s.events)  # what sample_worlds gives for each world
    n = min(int(samples), int(tables.manifest.get("samples", samples)), max(1, WORLD_VALUES // max(columns, 1)))
    if tables.worlds is not None:  # the run's own worlds: nothing is simulated again
        return tables.worlds.head(n)
    return sample_worlds(s, samples=n, seed=int(tables.manifest.get("seed", 0)))


def figure_worlds(tables: Tables, *, samples: int = 20_000) -> pd.DataFrame:
    """The worlds the distribution figures show by default: the first ``samples`` worlds of the run.

    They are :attr:`outlook.Tables.worlds`, the worlds the run itself drew
    and kept (at most 20,000, fewer where the run had fewer or the scenario
    has so many columns that they would hold more than
    :data:`WORLD_VALUES` values), so a figure costs no simulation. Tables
    that carry no worlds (built by hand) have theirs drawn again from the
    run's seed.

    Parameters
    ----------
    tables
        From :func:`outlook.run_outlook` or :func:`outlook.summarise`.
    samples
        How many worlds to show at most.

    Returns
    -------
    pandas.DataFrame
        As :func:`outlook.sample_worlds` lays them out.

    Raises
    ------
    ValueError
        If ``tables.scenario`` is ``None`` or ``samples`` is not a positive
        integer.
    """
    return _worlds(tables, None, samples)
