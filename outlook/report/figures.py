"""The report's figures: which it holds, their titles and captions, their bytes and file names.

Owns the list of figures a report may hold, in order, and getting their
bytes from :mod:`outlook.plots` (the only place the report reaches
matplotlib, which it needs only when there are figures). Never draws a
figure itself, never writes a file.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from .facts import scenario_of

if TYPE_CHECKING:
    from ..scenario import Scenario
    from ..tables import Tables

__all__ = [
    "FIGURES",
    "FIGURE_FILE",
    "FIGURE_NAME",
    "Progress",
    "draw_figures",
    "require_matplotlib",
    "shown_note",
]


#: Figures a report may hold, in order: (title, caption).
FIGURES = {
    "scenarios": (
        "Scenario probabilities by horizon",
        "One bar per horizon; its segments are the scenarios' probabilities, which sum to 1.",
    ),
    "events": (
        "Cumulative event probabilities over time",
        "The probability that each event has happened by each time, from the as-of date to the end of the "
        "last horizon; horizon ends are marked.",
    ),
    "drivers": (
        "Driver distributions",
        "Simulated draws of each driver, with its stated range shaded and the run's 5th, 50th and 95th "
        "percentiles marked.",
    ),
    "derived": (
        "Derived quantity distributions",
        "Simulated values of each derived quantity, with the run's 5th, 50th and 95th percentiles marked.",
    ),
}
FIGURE_NAME = re.compile(
    r"(?:scenarios|events|drivers|derived|indices|assumptions|indicators|ach|update|futures|cone)-[0-9a-f]{12}"
    r"\.(?:png|svg)"
)
FIGURE_FILE = re.compile(rf"^{FIGURE_NAME.pattern}$")


Progress: TypeAlias = "Callable[[int, int], None]"


def require_matplotlib() -> None:
    """Raise a clear ImportError, saying how to install it, if matplotlib (a core dependency) is missing."""
    try:
        importlib.import_module("matplotlib")
    except ImportError as exc:
        msg = (
            "the report's figures need matplotlib, a dependency of scenario-outlook: pip install matplotlib "
            "(or reinstall: pip install scenario-outlook; from a checkout: pip install .), "
            "or leave the figures out (--no-figures, figures=False)"
        )
        raise ImportError(msg) from exc


def draw_figures(
    tables: Tables, *, figure_format: str, figure_samples: int, dpi: int, progress: Progress | None
) -> tuple[dict[str, tuple[str, bytes]], int]:
    """Every figure's bytes, by key, and how many worlds they draw; ``progress(done, total)`` after each step."""
    require_matplotlib()
    from .. import plots

    s = scenario_of(tables)
    total = 3 + bool(s.events) + bool(s.derived)  # drawing the figures, then each one's bytes
    if progress is not None:
        progress(0, total)
    worlds = plots.figure_worlds(tables, samples=figure_samples)
    figs = plots.figures(tables, worlds=worlds)
    total = 1 + len(figs)
    if progress is not None:
        progress(1, total)
    out = {}
    for done, (key, fig) in enumerate(figs.items(), start=2):
        out[key] = (figure_format, plots.figure_bytes(fig, figure_format, dpi=dpi))
        if progress is not None:
            progress(done, total)
    return out, len(worlds)


def shown_note(s: Scenario, key: str) -> str:
    """A caption's last sentence where a figure shows only the first of many (plots.PANELS, plots.CURVES)."""
    from ..plots import CURVES, PANELS  # only reached when there are figures, so matplotlib is there

    limit, items, noun = {
        "events": (CURVES, s.events, "events"),
        "drivers": (PANELS, s.drivers, "drivers"),
        "derived": (PANELS, s.derived, "derived quantities"),
    }.get(key, (0, (), ""))
    if not limit or len(items) <= limit:
        return ""
    return f" It shows the first {limit} of the {len(items):,} {noun}, in the file's order; the table lists them all."
