"""The alternative-futures grid and the cone-of-plausibility fan.

Owns two figures: :func:`futures_grid`, the 2x2 of one pair of axes (each
quadrant's probability, word, flag and narrative, shaded by probability),
and :func:`cone_fan`, the scenarios as stacked bands of thickness p across
the horizons, with the baseline marked and the wildcards as points above
the cone. Never computes a probability: they draw
:class:`outlook.analysis.futures.AlternativeFutures` and
:class:`outlook.analysis.futures.Cone`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from ._style import FONT, HATCHES, _new_figure, _shades, _wrap

if TYPE_CHECKING:
    from ..analysis.futures import AlternativeFutures, Cone

__all__ = ["cone_fan", "futures_grid"]


def futures_grid(f: AlternativeFutures, *, pair: str | None = None) -> Figure:
    """The 2x2 of one pair of axes: each quadrant's probability, word, flag and narrative.

    Parameters
    ----------
    f
        From :func:`outlook.analysis.futures.futures`.
    pair
        ``"a x b"``, one of ``f.quadrants["pair"]``; the first by default.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: columns the first axis (high left), rows the second (high
        on top); each cell a rectangle with ``gid`` ``quadrant.<key>``,
        darker for a larger probability.

    Raises
    ------
    ValueError
        For a ``pair`` the result does not have.
    """
    pairs = list(dict.fromkeys(f.quadrants["pair"]))
    pair = pairs[0] if pair is None else pair
    if pair not in pairs:
        raise ValueError(f"unknown pair {pair!r}; the result has {', '.join(pairs)}")
    q = f.quadrants[f.quadrants["pair"] == pair].reset_index(drop=True)
    fig = _new_figure(7.0, 6.0)
    ax = fig.add_subplot()
    for r in q.to_dict("records"):
        x = 0 if r["quadrant"].split(".")[0].endswith("_high") else 1
        y = 1 if r["quadrant"].split(".")[1].endswith("_high") else 0
        grey = 0.95 - 0.6 * min(float(r["p"]), 1.0)
        ax.add_patch(
            _rect(x, y, (grey, grey, grey), gid=f"quadrant.{r['quadrant']}", hatch="//" if r["flag"] else None)
        )
        colour = "white" if grey < 0.5 else "black"
        text = f"{r['p']:.0%} (se {r['se']:.1%})\n{_wrap(str(r['word']), 22, 2)}"
        if r["flag"]:
            text += "\n" + _wrap(str(r["flag"]), 26, 2)
        if r["narrative"]:
            text += "\n\n" + _wrap(str(r["narrative"]), 30, 4)
        ax.text(x + 0.5, y + 0.5, text, ha="center", va="center", fontsize=FONT - 1, color=colour, parse_math=False)
    first: dict[Any, Any] = q.iloc[0].to_dict()
    second: dict[Any, Any] = q.iloc[3].to_dict()
    ax.set_xticks([0.5, 1.5], [_wrap(str(first["a_label"]), 20, 2), _wrap(str(second["a_label"]), 20, 2)])
    ax.set_yticks([1.5, 0.5], [_wrap(str(first["b_label"]), 16, 2), _wrap(str(second["b_label"]), 16, 2)])
    ax.set_xlabel(str(first["a"]))
    ax.set_ylabel(str(first["b"]))
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 2)
    ax.set_title(f"Alternative futures at {f.horizon}: {pair} ({f.samples:,} worlds)", fontsize=10)
    return fig


def _rect(x: float, y: float, colour: tuple[float, float, float], *, gid: str, hatch: str | None) -> Rectangle:
    return Rectangle((x, y), 1, 1, facecolor=colour, edgecolor="black", lw=1.0, gid=gid, hatch=hatch)


def cone_fan(c: Cone) -> Figure:
    """The cone of plausibility: the scenarios as stacked bands of thickness p across the horizons.

    Parameters
    ----------
    c
        From :func:`outlook.analysis.futures.cone`.

    Returns
    -------
    matplotlib.figure.Figure
        One axes: x the horizons, y the cumulative probability (0 to 1);
        bands carry ``gid`` ``band.<scenario>``, the baseline's markers
        ``baseline.<horizon>`` and wildcards ``wildcard.<horizon>``; the
        width is written under each horizon.
    """
    horizons = list(c.table["horizon"])
    scenarios = list(dict.fromkeys(c.shares["scenario"]))
    p = c.shares.pivot(index="scenario", columns="horizon", values="p").loc[scenarios, horizons].to_numpy()
    fig = _new_figure(8.0, 4.8)
    ax = fig.add_subplot()
    xs = np.arange(len(horizons), dtype=float)
    bottom = np.zeros(len(horizons))
    shades = _shades(len(scenarios), 0.25, 0.95)
    centre: dict[str, float] = {}
    for i, sid in enumerate(scenarios):
        top = bottom + p[i]
        ax.fill_between(
            xs,
            bottom,
            top,
            color=shades[i],
            edgecolor="black",
            lw=0.5,
            hatch=HATCHES[i % len(HATCHES)],
            gid=f"band.{sid}",
        )
        for h, hid in enumerate(horizons):
            centre[f"{sid}@{hid}"] = float((bottom[h] + top[h]) / 2)
        bottom = top
    for h, row in enumerate(c.table.to_dict("records")):
        ax.plot(
            [h],
            [centre[f"{row['baseline']}@{row['horizon']}"]],
            "D",
            mfc="white",
            mec="black",
            ms=7,
            gid=f"baseline.{row['horizon']}",
        )
        ax.annotate(
            f"width {row['width']:.2f}, k90 {row['k90']}",
            (h, -0.08),
            ha="center",
            fontsize=FONT - 2,
            annotation_clip=False,
        )
        if row["wildcards"]:
            ax.plot([h], [1.04], "*", color="black", ms=9, clip_on=False, gid=f"wildcard.{row['horizon']}")
    ax.set_xticks(xs, horizons)
    ax.set_xlim(-0.1, max(len(horizons) - 1, 0) + 0.1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("cumulative probability")
    ax.set_title("Cone of plausibility: bands are scenarios; diamond, the baseline; star, a wildcard", fontsize=10)
    handles = [
        Patch(facecolor=shades[i], edgecolor="black", hatch=HATCHES[i % len(HATCHES)], label=_wrap(sid, 24, 1))
        for i, sid in enumerate(scenarios)
    ]
    fig.legend(handles=handles, loc="outside right upper", fontsize=FONT - 1, frameon=False)
    return fig
