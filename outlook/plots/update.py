"""The update figure: each scenario's probability before and after the observations, over the word bands.

Owns that figure: one row per scenario at one horizon, a light bar for the
prior (the run as it was), a dark bar for the posterior (the worlds
reweighted on the observations) with its ±2 standard-error whisker, and the
estimative-word bands of the update's scale shaded behind in alternating
greys and named along the top, so that a judgement that changes word is seen
to cross a band. Never computes a probability: it draws
:attr:`outlook.analysis.update.Update.scenarios`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..errors import did_you_mean
from ..words import get_scale
from ._style import FONT, _new_figure, _plain_legend, _wrap

if TYPE_CHECKING:
    from ..analysis.update import Update

__all__ = ["update_bars"]


def update_bars(update: Update, horizon: str | None = None) -> Figure:
    """Prior against posterior: each scenario's probability at ``horizon`` before and after the update.

    Parameters
    ----------
    update
        From :func:`outlook.update`.
    horizon
        A horizon id; by default the first (the nearest, where observations weigh most).

    Returns
    -------
    matplotlib.figure.Figure
        One axes: x the probability from 0 to 1, one row per scenario in
        rule order, labelled ``<id>`` (``, flips`` when its word changes
        beyond the noise). Artists carry ``gid`` ``prior.<id>``,
        ``posterior.<id>``, ``se.<id>`` and ``word-band.<j>``.

    Raises
    ------
    ValueError
        For a horizon the update does not have.
    """
    t = update.scenarios
    horizons = [str(h) for h in t["horizon"].cat.categories]
    h = horizons[0] if horizon is None else horizon
    if h not in horizons:
        msg = f"unknown horizon {h!r}; the update's are {', '.join(horizons)}"
        hint = did_you_mean(h, horizons)
        msg += f".{hint}" if hint else ""
        raise ValueError(msg)
    rows = t[t["horizon"] == h]
    n = len(rows)
    fig = _new_figure(8.0, max(2.4, 0.42 * n + 1.8))
    ax = fig.add_subplot()
    scale = get_scale(update.scale)
    for j, band in enumerate(scale.bands):
        ax.axvspan(band.lo, band.hi, color="0.9" if j % 2 else "0.97", zorder=0, gid=f"word-band.{j}", lw=0)
    top = ax.secondary_xaxis("top")
    top.set_xticks(
        [(b.lo + b.hi) / 2 for b in scale.bands], [_wrap(b.word, 10, 2) for b in scale.bands], fontsize=FONT - 2
    )
    top.tick_params(length=0)
    ids = [str(x) for x in rows["scenario"]]
    prior = rows["p_prior"].to_numpy(dtype=float)
    post = rows["p"].to_numpy(dtype=float)
    se = rows["p_se"].to_numpy(dtype=float)
    flips = rows["flip"].to_numpy(dtype=bool)
    for i, sid in enumerate(ids):
        y = n - 1 - i
        ax.barh(y + 0.18, prior[i], height=0.34, color="0.75", edgecolor="0.4", lw=0.5, zorder=2, gid=f"prior.{sid}")
        ax.barh(y - 0.18, post[i], height=0.34, color="0.2", zorder=2, gid=f"posterior.{sid}")
        lo, hi = max(0.0, post[i] - 2 * se[i]), min(1.0, post[i] + 2 * se[i])
        ax.plot([lo, hi], [y - 0.18, y - 0.18], color="black", lw=1.0, zorder=3, gid=f"se.{sid}")
    labels = [_wrap(f"{sid}{', flips' if f else ''}", 30) for sid, f in zip(ids, flips)]
    ax.set_yticks(range(n), labels[::-1], fontsize=FONT, parse_math=False)
    ax.set_ylim(-0.7, max(n, 1) - 0.3)
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("probability")
    ax.set_title(f"Before and after the observations of {update.date}, by the end of {h}", fontsize=10, pad=24)
    handles = [
        Patch(facecolor="0.75", edgecolor="0.4", label="before (prior)"),
        Patch(facecolor="0.2", label="after (posterior, ±2 se)"),
    ]
    _plain_legend(fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=FONT, frameon=False))
    return fig
