"""The key assumptions figure: a dumbbell of each key judgement, base to if-false, over the word bands.

Owns that figure: one row per judgement (an assumption and a scenario or
event at a horizon), an open circle at the probability with the assumption
true (the file as written), a filled square at the probability if it is
false, a line between them, and the estimative-word bands of the check's
scale shaded behind in alternating greys and named along the top, so that
a judgement that changes word is seen to cross a band. Never computes a
probability: it draws :attr:`outlook.analysis.assumptions.AssumptionsCheck.table`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..words import get_scale
from ._style import FONT, _new_figure, _plain_legend, _wrap

if TYPE_CHECKING:
    from ..analysis.assumptions import AssumptionsCheck

__all__ = [
    "DUMBBELLS",
    "assumptions_dumbbell",
]

#: Rows :func:`assumptions_dumbbell` draws by default at most: flips first, then the largest ``|delta|``.
DUMBBELLS = 20


def assumptions_dumbbell(check: AssumptionsCheck, *, rows: int = DUMBBELLS) -> Figure:
    """Dumbbells: each key judgement's probability with each assumption true and false, over the word bands.

    Parameters
    ----------
    check
        From :func:`outlook.analysis.assumptions.assumptions_check`.
    rows
        At most this many rows, the judgements that flip first, then the
        largest ``|delta|``, in the table's order; the title says when
        fewer than all are shown.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: x the probability from 0 to 1, one row per judgement,
        labelled ``assumption: target @ horizon`` (``, flips`` when it
        flips). Artists carry ``gid`` ``base.<i>``, ``alt.<i>`` and
        ``dumbbell.<i>`` (row ``i`` from the top) and ``word-band.<j>``.

    Raises
    ------
    ValueError
        If ``rows`` is not a positive whole number.
    """
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        msg = f"rows must be a positive whole number (got {rows!r})"
        raise ValueError(msg)
    t = check.table
    order = t.assign(_abs=t["delta"].abs()).sort_values(["flip", "_abs"], ascending=False, kind="stable")
    shown = order.head(rows)
    n = len(shown)
    labels = [
        _wrap(f"{r.assumption}: {r.target} @ {r.horizon}{', flips' if r.flip else ''}", 44) for r in shown.itertuples()
    ]
    fig = _new_figure(8.5, max(2.6, 0.32 * n + 1.9))
    ax = fig.add_subplot()
    scale = get_scale(check.scale)
    for j, band in enumerate(scale.bands):
        ax.axvspan(band.lo, band.hi, color="0.9" if j % 2 else "0.97", zorder=0, gid=f"word-band.{j}", lw=0)
    top = ax.secondary_xaxis("top")
    top.set_xticks(
        [(b.lo + b.hi) / 2 for b in scale.bands], [_wrap(b.word, 10, 2) for b in scale.bands], fontsize=FONT - 2
    )
    top.tick_params(length=0)
    base = shown["p_base"].to_numpy(dtype=float)
    alt = shown["p_alt"].to_numpy(dtype=float)
    flips = shown["flip"].to_numpy(dtype=bool)
    for i in range(n):
        y = n - 1 - i
        lw = 1.6 if flips[i] else 0.9
        ax.plot([base[i], alt[i]], [y, y], color="0.25", lw=lw, zorder=2, gid=f"dumbbell.{i}")
        ax.plot([base[i]], [y], "o", mfc="white", mec="black", ms=6, zorder=3, gid=f"base.{i}")
        ax.plot([alt[i]], [y], "s", mfc="black", mec="black", ms=5.5, zorder=4, gid=f"alt.{i}")
    ax.set_yticks(range(n), labels[::-1], fontsize=FONT - 1, parse_math=False)
    ax.set_ylim(-0.7, max(n, 1) - 0.3)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("probability")
    more = f" (the {n} largest of {len(t)})" if n < len(t) else ""
    ax.set_title(f"If an assumption is false: base (circle) to if-false (square){more}", fontsize=10, pad=24)
    if n == 0:
        ax.text(0.5, 0.0, "no assumption states if_false: nothing tested", ha="center", va="center", fontsize=FONT)
    handles = [
        Line2D([], [], marker="o", ls="none", mfc="white", mec="black", label="assumption true (base)"),
        Line2D([], [], marker="s", ls="none", mfc="black", mec="black", label="assumption false"),
    ]
    _plain_legend(fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=FONT, frameon=False))
    return fig
