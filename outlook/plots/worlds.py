"""The worlds the distribution figures draw: the one place the plots obtain simulated worlds.

Owns how many worlds a figure draws (at most :data:`WORLD_VALUES` values)
and where they come from. Never draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..model import sample_worlds
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

#: Values (worlds × columns) drawn at most for the distribution figures by default: a scenario with many
#: drivers, derived quantities and events gets fewer worlds, so that drawing them costs no more than the run.
WORLD_VALUES = 4_000_000


def _worlds(tables: Tables, worlds: pd.DataFrame | None, samples: int) -> pd.DataFrame:
    s = _require_scenario(tables)
    if worlds is not None:
        return worlds
    if isinstance(samples, bool) or not isinstance(samples, int | np.integer) or samples < 1:
        msg = f"samples must be a positive integer (got {samples!r})"
        raise ValueError(msg)
    columns = len(s.drivers) + len(s.derived) + len(s.events)  # what sample_worlds gives for each world
    n = min(int(samples), int(tables.manifest.get("samples", samples)), max(1, WORLD_VALUES // max(columns, 1)))
    return sample_worlds(s, samples=n, seed=int(tables.manifest.get("seed", 0)))


def figure_worlds(tables: Tables, *, samples: int = 20_000) -> pd.DataFrame:
    """The worlds the distribution figures draw by default: the first ``samples`` worlds of the run.

    Fewer where the run had fewer, and where the scenario has so many
    drivers, derived quantities and events that ``samples`` worlds would
    hold more than :data:`WORLD_VALUES` values (then
    ``WORLD_VALUES // columns``), so that drawing them never costs more than
    the run did.

    Parameters
    ----------
    tables
        From :func:`outlook.run_outlook` or :func:`outlook.summarise`.
    samples
        How many worlds to draw at most.

    Returns
    -------
    pandas.DataFrame
        As :func:`outlook.sample_worlds` gives them, for the run's seed.

    Raises
    ------
    ValueError
        If ``tables.scenario`` is ``None`` or ``samples`` is not a positive
        integer.
    """
    return _worlds(tables, None, samples)
