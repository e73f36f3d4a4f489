"""Figures: outlook tables become matplotlib figures for notebooks and reports.

Owns the look of every figure: greyscale-readable (luminance, hatches, line
styles and markers carry each distinction, not hue), units in axis labels,
text placed and measured so that it does not overlap, and the figures' bytes
(the same figure always gives the same PNG or SVG). Consumes an
:class:`~outlook.Tables` and, for distributions, a few thousand simulated
worlds. Never uses pyplot or any other global state, never opens a window,
never prints.

Text from the scenario file is plain text in every figure (never mathtext: a
``$`` is a dollar sign), with control characters shown as escapes, no
bidirectional controls, and at most :data:`LINES` lines. A figure's cost is
bounded whatever the scenario's size: at most :data:`PANELS` panels,
:data:`CURVES` event curves (more than :data:`OVERLAID` as small
multiples), :data:`CATEGORIES` bars a panel and
:data:`WORLD_VALUES` values drawn, each figure saying when it shows fewer
than all. Matplotlib's warnings about laying out and drawing these figures
are kept from the user (narrowly: see ``_quiet``).

Every figure is a :class:`matplotlib.figure.Figure` with an Agg canvas and the
constrained layout: an :class:`OutlookFigure`, which Jupyter shows inline with
no magic line (and which ``plt.show()`` neither shows nor repeats). Artists
that tests and reports look for carry a ``gid``, unique within the figure (an
SVG writes it as the element's id): ``scenario.<id>.<horizon>`` (bar segments), ``pct.<scenario>.<horizon>``
(in-bar labels), ``event.<id>`` and ``band.<id>`` (curves), ``horizon.<id>``
and ``horizon-label.<id>`` (horizon ends), ``panel.<name>`` (small
multiples), ``cell.<indicator>.<scenario>`` (the indicator board), ``ach.<evidence>.<hypothesis>``
and ``logodds.<evidence>`` (the ACH matrix and waterfall), and in a panel ``stated-range.<name>``, ``stated-range-lo.<name>``,
``stated-range-hi.<name>``, ``p5.<name>``, ``p50.<name>`` and ``p95.<name>``.
"""

from __future__ import annotations

try:
    import matplotlib  # noqa: F401  (a core dependency: only a broken install lacks it)
except ImportError as exc:  # say how to install it, not just which module is missing
    msg = (
        "outlook.plots needs matplotlib, a dependency of scenario-outlook: pip install matplotlib "
        "(or reinstall: pip install scenario-outlook; from a checkout: pip install .)"
    )
    raise ImportError(msg) from exc

from ._style import DPI, FONT, HATCHES, LINES, LINESTYLES, MARKERS, WRAP_LEGEND, WRAP_PANEL, OutlookFigure
from .ach import ACH_ROWS, ach_log_odds, ach_matrix
from .assumptions import DUMBBELLS, assumptions_dumbbell
from .calibration import calibration_by_word
from .distributions import CATEGORIES, PANELS, derived_distributions, driver_distributions
from .events import CURVES, OVERLAID, event_curves
from .futures import cone_fan, futures_grid
from .indicators import BOARD_ROWS, FLAG_LETTERS, indicator_board
from .render import figure_bytes, figures
from .scenarios import scenario_probabilities
from .sensitivity import indices_bars, tornado_chart
from .update import update_bars
from .worlds import WORLD_VALUES, figure_worlds

__all__ = [
    "ACH_ROWS",
    "BOARD_ROWS",
    "CATEGORIES",
    "CURVES",
    "DPI",
    "DUMBBELLS",
    "FLAG_LETTERS",
    "FONT",
    "HATCHES",
    "LINES",
    "LINESTYLES",
    "MARKERS",
    "OVERLAID",
    "OutlookFigure",
    "PANELS",
    "WORLD_VALUES",
    "WRAP_LEGEND",
    "WRAP_PANEL",
    "ach_log_odds",
    "ach_matrix",
    "assumptions_dumbbell",
    "calibration_by_word",
    "cone_fan",
    "derived_distributions",
    "futures_grid",
    "driver_distributions",
    "event_curves",
    "figure_bytes",
    "figure_worlds",
    "figures",
    "indicator_board",
    "indices_bars",
    "scenario_probabilities",
    "tornado_chart",
    "update_bars",
]
