"""A categorical driver is reported by its categories' shares with their standard errors, never by its codes.

The drivers table leaves a categorical driver's numbers empty (a mean or a
percentile of category codes means nothing); the categories table gives each
category's share of worlds and its Monte Carlo standard error.
"""

from __future__ import annotations

import math

import numpy as np

from outlook import Scenario, simulate, summarise

SHARES = {"calm": 0.2, "tense": 0.5, "wary": 0.3}
MOOD = Scenario.from_yaml(
    "outlook: 1\nid: t\ntitle: T\nquestion: Q\nas_of: 2024-01-01\nhorizons: {h: {until: 1y}}\n"
    "drivers: {mood: {categorical: {calm: 0.2, tense: 0.5, wary: 0.3}}}\n"
    "events: {e: {rate: 1}}\nscenarios: {yes: e, no: otherwise}\n"
)


def test_each_share_has_the_binomial_standard_error() -> None:
    """The share of n independent worlds in a category has SE sqrt(p (1 - p) / n) (the binomial proportion)."""
    n = 20_000
    cats = summarise(simulate(MOOD, samples=n, seed=4)).categories
    assert list(cats["category"]) == list(SHARES)
    for p, se, stated in zip(cats["p"], cats["p_se"], SHARES.values()):
        assert math.isclose(se, math.sqrt(p * (1 - p) / n), rel_tol=1e-9)
        assert abs(p - stated) < 4.5 * se  # the stated share, within Monte Carlo error
    assert math.isclose(cats["p"].sum(), 1.0)


def test_the_standard_error_is_the_spread_over_seeds() -> None:
    """Over independent seeds the shares scatter by their reported SE (an F-like ratio near 1)."""
    n, seeds = 1_000, 25
    runs = [summarise(simulate(MOOD, samples=n, seed=k)).categories for k in range(seeds)]
    ps = np.array([r["p"].to_numpy() for r in runs])
    ses = np.array([r["p_se"].to_numpy() for r in runs])
    ratio = ps.std(axis=0, ddof=1) / ses.mean(axis=0)
    assert np.all((ratio > 0.55) & (ratio < 1.45)), ratio  # sqrt(chi2(24)/24) lies in [0.6, 1.4] at 99.9%
