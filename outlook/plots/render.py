"""Every figure of a run, in report order; and, from :mod:`._style`, a figure's bytes (PNG or SVG, the same every time).

Never draws a figure's content itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from ._style import (
    _require_scenario,
    figure_bytes,
)
from .distributions import derived_distributions, driver_distributions
from .events import event_curves
from .scenarios import scenario_probabilities
from .worlds import _worlds

if TYPE_CHECKING:
    from ..tables import Tables

__all__ = [
    "figure_bytes",
    "figures",
]

# --------------------------------------------------------------------------
# all figures, and their bytes


def figures(tables: Tables, *, worlds: pd.DataFrame | None = None, samples: int = 20_000) -> dict[str, Figure]:
    """Every figure for a run, in report order.

    Parameters
    ----------
    tables
        From :func:`outlook.run_outlook` or :func:`outlook.summarise`.
    worlds, samples
        As for :func:`driver_distributions`; drawn once and shared.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``scenarios``, ``events`` (left out if the scenario has no events),
        ``drivers`` and ``derived`` (left out if it has no derived
        quantities), in that order.

    Raises
    ------
    ValueError
        If ``tables.scenario`` is ``None``.

    Examples
    --------
    >>> import outlook
    >>> from outlook.plots import figure_bytes, figures
    >>> s = outlook.Scenario.from_yaml('''
    ... outlook: 1
    ... id: demo
    ... title: Demo
    ... question: Does it happen?
    ... as_of: 2024-01-01
    ... horizons: {soon: {until: 1y}}
    ... drivers: {r: {range: [0.1, 0.3], shape: lognormal}}
    ... events: {it: {rate: r}}
    ... scenarios: {happens: it, not_yet: otherwise}
    ... ''')
    >>> figs = figures(outlook.summarise(outlook.simulate(s, samples=2_000, seed=1)), samples=500)
    >>> list(figs)
    ['scenarios', 'events', 'drivers']
    >>> figure_bytes(figs["scenarios"])[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    s = _require_scenario(tables)
    w = _worlds(tables, worlds, samples)
    out: dict[str, Figure] = {"scenarios": scenario_probabilities(tables)}
    if s.events:
        out["events"] = event_curves(tables)
    out["drivers"] = driver_distributions(tables, worlds=w)
    if s.derived:
        out["derived"] = derived_distributions(tables, worlds=w)
    return out
