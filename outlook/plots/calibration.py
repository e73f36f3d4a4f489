"""The calibration-by-word figure: how often each estimative word's forecasts came true, against its band.

Owns that figure: one column per word of the scale, in order; the word's
band (ICD 203's "likely" is 55-80%) drawn as a grey box, the region where
its observed frequency should fall; the observed frequency as a point with
its Wilson 95% interval, filled when at least
:data:`~outlook.scoring.TOO_FEW` forecasts used the word and hollow when
too few to judge; the mean forecast as a short dash; and n beside each
point. Never computes a score: it draws
:attr:`outlook.scoring.Scores.calibration`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from ..words import get_scale
from ._style import FONT, _new_figure, _plain_legend, _wrap

if TYPE_CHECKING:
    from ..scoring import Scores

__all__ = ["calibration_by_word"]


def calibration_by_word(scores: Scores, *, scale: str = "icd203") -> Figure:
    """Observed frequency by estimative word, each word's band drawn as its target region.

    Parameters
    ----------
    scores
        From :func:`outlook.scoring.score`.
    scale
        The scale whose words and bands are drawn (that of the ledger's
        forecasts); a word of the table the scale lacks is drawn after its
        words, without a band.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: x the words, y the observed frequency (0 to 1). Artists
        carry ``gid`` ``target.<j>`` (the band of word ``j``), and, for a
        word some forecast used, ``observed.<j>``, ``interval.<j>``,
        ``mean-p.<j>`` and ``n.<j>``.

    Raises
    ------
    ValueError
        For an unknown scale.
    """
    sc = get_scale(scale)
    cal: dict[str, dict[Any, Any]] = {str(r["word"]): r for r in scores.calibration.to_dict(orient="records")}
    words = [b.word for b in sc.bands]
    words += [w for w in cal if w not in words]
    bands = {b.word: (b.lo, b.hi) for b in sc.bands}
    fig = _new_figure(max(6.5, 0.95 * len(words) + 1.5), 4.6)
    ax = fig.add_subplot()
    for j, word in enumerate(words):
        if word in bands:
            lo, hi = bands[word]
            ax.add_patch(
                Rectangle((j - 0.35, lo), 0.7, hi - lo, fc="0.85", ec="0.55", lw=0.6, zorder=1, gid=f"target.{j}")
            )
        if word not in cal:
            continue
        row = cal[word]
        few = row["verdict"] == "too few to judge"
        face = "white" if few else "black"
        ax.plot([j, j], [row["wilson_lo"], row["wilson_hi"]], color="0.15", lw=1.1, zorder=3, gid=f"interval.{j}")
        ax.plot([j - 0.18, j + 0.18], [row["mean_p"]] * 2, color="0.35", lw=1.4, ls="--", zorder=2, gid=f"mean-p.{j}")
        ax.plot([j], [row["observed"]], "o", mfc=face, mec="black", ms=7, zorder=4, gid=f"observed.{j}")
        y = float(row["observed"])
        ax.text(j + 0.2, y, f"n={int(row['n'])}", va="center", ha="left", fontsize=FONT - 1, gid=f"n.{j}")
    ax.set_xticks(range(len(words)), [_wrap(w, 11, 2) for w in words], fontsize=FONT - 1)
    ax.set_xlim(-0.6, len(words) - 0.4)
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("observed frequency (share that happened)")
    n = sum(int(r["n"]) for r in cal.values())
    ax.set_title(f"Calibration by word: {n} resolved forecasts ({sc.title})", fontsize=10)
    if n == 0:
        ax.text(len(words) / 2 - 0.5, 0.5, "no resolved forecast to show", ha="center", va="center", fontsize=FONT)
    handles = [
        Patch(fc="0.85", ec="0.55", label="the word's band: where it should fall"),
        Line2D([], [], marker="o", ls="-", color="0.15", mfc="black", mec="black", label="observed, Wilson 95%"),
        Line2D([], [], marker="o", ls="none", mfc="white", mec="black", label="too few to judge (n < 10)"),
        Line2D([], [], ls="--", color="0.35", label="mean forecast"),
    ]
    _plain_legend(fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=FONT, frameon=False))
    return fig
