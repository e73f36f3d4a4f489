"""The look shared by every figure: shades, line styles, fonts, safe text, layout and measuring.

Owns the figure object every plot returns (:class:`OutlookFigure`, which
Jupyter shows inline) and a figure's bytes (:func:`figure_bytes`), and
what makes the figures read alike and in greyscale (luminance,
hatches, line styles and markers carry each distinction, not hue), how
scenario text is shown in a figure (plain text, never mathtext, escapes
for control characters, no bidirectional controls, at most :data:`LINES`
lines), a new figure (Agg canvas, constrained layout, no pyplot), laying
it out to measure text, and keeping matplotlib's layout and missing-glyph
warnings about these figures from the user. Never draws a figure's content.
"""

from __future__ import annotations

import contextlib
import io
import math
import textwrap
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.ticker import Formatter, MaxNLocator
from matplotlib.transforms import Bbox

from .._text import strip_bidi, terminal_safe

if TYPE_CHECKING:
    from ..scenario import Scenario
    from ..tables import Tables

__all__ = [
    "DPI",
    "FONT",
    "HATCHES",
    "LINES",
    "LINESTYLES",
    "MARKERS",
    "OutlookFigure",
    "WRAP_LEGEND",
    "WRAP_PANEL",
    "_Plain",
    "_QUIET",
    "_as_of",
    "_clean",
    "_contrast",
    "_dark",
    "_declutter_xticks",
    "_finite",
    "_heading",
    "_layout",
    "_luminance",
    "_new_figure",
    "_overlapping",
    "_plain_legend",
    "_quiet",
    "_require_scenario",
    "_shades",
    "_subtitle",
    "_with_unit",
    "_wrap",
    "figure_bytes",
]

#: Fill patterns for scenario segments, in order; distinct in greyscale print.
HATCHES = ("", "///", "...", "xxx", "\\\\\\", "+++", "ooo", "---", "|||", "***")
#: Line styles and markers for event curves; paired so that each event differs.
LINESTYLES: tuple[Any, ...] = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v", "x", "P", "*", "<", ">", "h")


#: Dots per inch of a figure on screen; :func:`figure_bytes` picks its own.
DPI = 100
FONT = 8.0
WRAP_PANEL = 40  # characters per line of a panel's axis label
WRAP_LEGEND = 48  # characters per line of a legend entry
#: Lines a label from the scenario file may take in a figure; a longer one ends in "…" (the report's tables give
#: it whole). Titles take two lines, tick labels and legend entries three, a horizon's mark one.
LINES = 3


#: Matplotlib's warnings about laying out and drawing this module's figures, which it handles itself: a layout
#: that cannot fit (labels are cut to LINES lines, but a scenario may still have very many), and characters the
#: font lacks (they draw as boxes; the report's text shows them).
_QUIET = (
    r"constrained_layout not applied",
    r"Glyph \d+ \(.*\) missing from font",
    r"Matplotlib currently does not support .* natively",
)


_SALT = "outlook"  # svg.hashsalt: the same ids in every SVG


class OutlookFigure(Figure):
    """A :class:`matplotlib.figure.Figure` that shows itself inline in Jupyter, with no magic line.

    It is a real ``Figure`` in every other respect: ``savefig``, its axes
    and artists, and :func:`~outlook.plots.figure_bytes` behave as for any
    figure, and drawing is unchanged (the same bytes). It is not one of
    pyplot's figures, so ``plt.show()`` neither shows nor repeats it; in a
    notebook it shows as a cell's value or through
    ``IPython.display.display(fig)``, and elsewhere ``fig.savefig(path)``
    writes it.

    Notes
    -----
    IPython looks up a type's registered formatter first and a
    ``_repr_png_`` method second (IPython's "Rich display" documentation),
    so where pyplot's inline backend has registered its formatter for
    ``Figure`` that one is used instead, and the figure still shows once.
    """

    def _repr_png_(self) -> bytes:
        """The figure as PNG bytes, as :func:`~outlook.plots.figure_bytes` writes it: for IPython's display."""
        return figure_bytes(self, "png")


def figure_bytes(fig: Figure, fmt: str = "png", *, dpi: int = 110) -> bytes:
    """A figure as PNG or SVG bytes; the same figure always gives the same bytes.

    Parameters
    ----------
    fig
        Any figure, such as one from this module.
    fmt
        ``"png"`` or ``"svg"``.
    dpi
        Dots per inch of a PNG (an SVG is drawn in points).

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        If ``fmt`` is neither ``png`` nor ``svg``.

    Notes
    -----
    PNGs are written without the ``Software`` entry and SVGs without a date;
    SVG ids come from a fixed ``svg.hashsalt``, so they do not change from
    one call or process to the next.
    """
    if fmt not in ("png", "svg"):
        msg = f"unknown figure format {fmt!r}; expected 'png' or 'svg'"
        raise ValueError(msg)
    metadata: dict[str, Any] = {"Software": None} if fmt == "png" else {"Date": None}
    buf = io.BytesIO()
    with mpl.rc_context({"svg.hashsalt": _SALT}), _quiet():
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata)
    return buf.getvalue()


# --------------------------------------------------------------------------
# helpers


def _require_scenario(tables: Tables) -> Scenario:
    s = tables.scenario
    if s is None:
        msg = (
            "these tables do not carry their scenario (tables.scenario is None); "
            "plots need it for labels, units, horizons and stated ranges: use outlook.run_outlook or outlook.summarise"
        )
        raise ValueError(msg)
    return s


def _clean(text: str) -> str:
    """Scenario text as a figure can show it: control characters as visible escapes, no bidirectional controls.

    Matplotlib lays every line out left to right and has no glyphs for
    control characters, so an escape or a bidirectional control would only
    draw as a missing-glyph box (and warn); unlike a page, a figure has
    nothing after the text for a control to reorder.
    """
    return strip_bidi(terminal_safe(str(text)))


def _wrap(text: str, width: int, lines: int = LINES) -> str:
    """``text``, cleaned (:func:`_clean`) and wrapped at ``width`` characters, in at most ``lines`` lines."""
    clean = _clean(text)
    out = textwrap.wrap(clean, width, break_long_words=True, break_on_hyphens=False, max_lines=lines, placeholder=" …")
    return "\n".join(out) if out else clean


def _with_unit(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit.strip() else label


def _plain_legend(legend: Legend) -> None:
    """A legend's entries (scenario text) as plain text: a ``$`` is a dollar sign, never mathtext."""
    for t in (*legend.get_texts(), legend.get_title()):
        t.set_parse_math(False)


def _new_figure(width: float, height: float) -> OutlookFigure:
    """A new figure: an :class:`OutlookFigure` (so that Jupyter shows it) with an Agg canvas and no pyplot."""
    fig = OutlookFigure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)  # attaches itself: text can be measured, no GUI, no pyplot
    return fig


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep matplotlib's layout and missing-glyph warnings about this package's figures from the user.

    The filters are narrow: those messages only (:data:`_QUIET`), as
    ``UserWarning``, raised from this package's own calls (matplotlib
    attributes them to the first caller outside itself); anything else still
    reaches the user.
    """
    with warnings.catch_warnings():
        for message in _QUIET:
            warnings.filterwarnings("ignore", message=message, category=UserWarning, module=r"outlook\.plots(\.\w+)?\Z")
        yield


def _layout(fig: Figure) -> Any:
    """Lay the figure out as it will be drawn and return a renderer to measure with."""
    with _quiet():
        fig.draw_without_rendering()
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    return canvas.get_renderer()  # type: ignore[no-untyped-call]


def _overlapping(boxes: Sequence[Bbox], gap: float = 0.0) -> bool:
    """Whether any two boxes come within ``gap`` of each other.

    A sweep from left to right: each box is compared only with the boxes
    that start before it ends, so a row of tick labels costs about n log n,
    not n².
    """
    ordered = sorted(boxes, key=lambda b: b.x0)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.x0 >= a.x1 + gap:
                break
            if a.y0 < b.y1 + gap and b.y0 < a.y1 + gap:
                return True
    return False


def _tick_boxes(ax: Axes, renderer: Any) -> list[Bbox]:
    return [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]


def _declutter_xticks(fig: Figure, axes: Sequence[Axes]) -> None:
    """Fewer ticks, then slanted tick labels, where x tick labels would overlap."""
    for step in range(3):
        renderer = _layout(fig)
        crowded = [ax for ax in axes if _overlapping(_tick_boxes(ax, renderer), gap=2.0)]
        if not crowded:
            return
        for ax in crowded:
            if step == 0 and isinstance(ax.xaxis.get_major_locator(), MaxNLocator):
                ax.xaxis.set_major_locator(MaxNLocator(nbins=3))
            else:
                ax.tick_params(axis="x", labelrotation=35 if step < 2 else 90)
                for t in ax.get_xticklabels():
                    t.set_horizontalalignment("right")
                    t.set_rotation_mode("anchor")


def _shades(n: int, lo: float = 0.0, hi: float = 0.92) -> list[tuple[float, float, float, float]]:
    """``n`` colours of steadily rising luminance (viridis), readable in greyscale."""
    cmap = mpl.colormaps["viridis"]
    return [tuple(float(c) for c in cmap(x)) for x in np.linspace(lo, hi, max(n, 1))[:n]]  # type: ignore[misc]


def _luminance(rgba: Sequence[float]) -> float:
    """Relative luminance (WCAG 2): what a greyscale print keeps of a colour."""
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _dark(rgba: Sequence[float]) -> bool:
    """Whether white text contrasts more with this colour than black text does."""
    y = _luminance(rgba)
    return 1.05 / (y + 0.05) > (y + 0.05) / 0.05


def _contrast(rgba: Sequence[float]) -> str:
    return "white" if _dark(rgba) else "black"


def _as_of(s: Scenario) -> str:
    return s.as_of.isoformat()


def _subtitle(tables: Tables) -> str:
    m = tables.manifest
    n = m.get("samples")
    worlds = f"{n:,}" if isinstance(n, int) else "?"
    return f"{_clean(str(m.get('scenario_id', '')))}: {worlds} worlds, seed {m.get('seed', '?')}"


class _Plain(Formatter):
    """Tick labels as plain numbers with thousands separators: no offset, no 1e6."""

    def __init__(self) -> None:
        super().__init__()
        self.decimals = 0

    def set_locs(self, locs: Any) -> None:
        super().set_locs(locs)
        vals = np.unique(np.asarray(locs, dtype=np.float64))
        vals = vals[np.isfinite(vals)]
        step = float(np.min(np.diff(vals))) if vals.size > 1 else abs(float(vals[0])) if vals.size else 1.0
        self.decimals = max(0, -math.floor(math.log10(step)) + 1) if step > 0 else 0
        # drop trailing zeros that every label shares (0.50, 0.75 -> keep; 0.20, 0.40 -> 0.2, 0.4)
        while self.decimals > 0 and all(f"{v:.{self.decimals}f}".endswith("0") for v in vals):
            self.decimals -= 1

    def __call__(self, x: float, pos: int | None = None) -> str:
        if self.decimals > 8 or abs(x) >= 1e15:
            return f"{x:.4g}"
        if round(x, self.decimals) == 0:
            return "0"
        return f"{x:,.{self.decimals}f}"


def _heading(s: Scenario, tables: Tables, width: int) -> str:
    return f"{_wrap(s.title, width, 2)}\n{_subtitle(tables)}"


def _finite(x: Any) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
