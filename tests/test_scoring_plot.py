"""The calibration-by-word figure: each word's band as its target region, the observed points, n beside each."""

from __future__ import annotations

from typing import Any

import pytest
from matplotlib.figure import Figure
from test_scoring import rec, res

from outlook import plots
from outlook.scoring import score, wilson_interval
from outlook.words import get_scale


def _by_gid(fig: Figure, prefix: str) -> dict[str, Any]:
    return {a.get_gid(): a for a in fig.findobj() if (a.get_gid() or "").startswith(prefix)}


def test_each_word_band_is_drawn_and_each_used_word_has_its_point_interval_and_n() -> None:
    ledger = [rec(f"l{i}", 0.7) for i in range(12)] + [rec(f"u{i}", 0.3) for i in range(3)]
    outcomes = [res(f"l{i}", int(i < 9)) for i in range(12)] + [res(f"u{i}", 1) for i in range(3)]
    fig = plots.calibration_by_word(score(ledger, outcomes))
    bands = get_scale("icd203").bands
    targets = _by_gid(fig, "target.")
    assert len(targets) == len(bands) == 7
    for j, b in enumerate(bands):
        assert targets[f"target.{j}"].get_y() == pytest.approx(b.lo)
        assert targets[f"target.{j}"].get_height() == pytest.approx(b.hi - b.lo)
    likely, unlikely = 4, 2  # positions of the words on the ICD 203 scale
    assert _by_gid(fig, "observed.")[f"observed.{likely}"].get_ydata().tolist() == [0.75]
    assert _by_gid(fig, "interval.")[f"interval.{likely}"].get_ydata().tolist() == pytest.approx(wilson_interval(9, 12))
    assert _by_gid(fig, "observed.")[f"observed.{likely}"].get_markerfacecolor() == "black"
    assert _by_gid(fig, "observed.")[f"observed.{unlikely}"].get_markerfacecolor() == "white"  # too few to judge
    labels = {g: a.get_text() for g, a in _by_gid(fig, "n.").items()}
    assert labels == {f"n.{likely}": "n=12", f"n.{unlikely}": "n=3"}
    assert plots.figure_bytes(fig) == plots.figure_bytes(plots.calibration_by_word(score(ledger, outcomes)))


def test_an_empty_score_still_draws_the_bands() -> None:
    fig = plots.calibration_by_word(score([rec("e", 0.5)], [res("other", 1)]))
    assert len(_by_gid(fig, "target.")) == 7
    assert not _by_gid(fig, "observed.")
