"""The figure object every plot returns: a matplotlib Figure that a notebook shows inline.

Owns :class:`OutlookFigure`, and only what makes it display itself: Jupyter
(IPython's display formatters) asks an object for ``_repr_png_``, and
IPython registers its own formatter for matplotlib figures only once
``matplotlib.pyplot`` is imported, which this package never does. Never
draws a figure's content, never uses pyplot, never prints.
"""

from __future__ import annotations

from matplotlib.figure import Figure

__all__ = [
    "OutlookFigure",
]


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
        from .render import figure_bytes  # render imports the figure modules, which import this one

        return figure_bytes(self, "png")
