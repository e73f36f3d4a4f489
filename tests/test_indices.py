"""First-order indices (outlook.analysis.indices): closed forms, Ishigami, Sobol' G, scipy's estimator, a run."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from outlook.analysis.indices import INDEX_COLUMNS, bin_count, first_order, first_order_indices
from outlook.testing import tiny_scenario


def _ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami & Homma (1990): x of shape (n, 3), uniform on [-pi, pi]."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def _ishigami_s1(a: float = 7.0, b: float = 0.1) -> list[float]:
    """The analytic first-order indices (Sobol' & Levitan 1999; Saltelli et al. 2008, §4.6 and table 4.3)."""
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v = v1 + v2 + b**2 * math.pi**8 / 18 - b**2 * math.pi**8 / 50
    return [v1 / v, v2 / v, 0.0]


def test_linear_model_of_normals() -> None:
    """Y = sum a_i X_i with independent standard normals: S_i = a_i^2 / sum a^2."""
    a = np.array([0.5, 1.0, 2.0, 3.0])
    x = np.random.default_rng(7).standard_normal((200_000, 4))
    t = first_order(x, x @ a)
    exact = a**2 / (a**2).sum()
    assert np.abs(t["S1"].to_numpy() - exact).max() < 0.01
    assert (np.abs(t["S1"].to_numpy() - exact) < 5 * t["S1_se"].to_numpy() + 0.003).all()


def test_ishigami_against_the_analytic_indices() -> None:
    x = np.random.default_rng(3).uniform(-math.pi, math.pi, (200_000, 3))
    t = first_order(x, _ishigami(x))
    assert t["S1"].to_numpy() == pytest.approx(_ishigami_s1(), abs=0.01)
    assert _ishigami_s1()[0] == pytest.approx(0.3139, abs=1e-4)  # the published figures
    assert _ishigami_s1()[1] == pytest.approx(0.4424, abs=1e-4)


def test_sobol_g_against_the_analytic_indices() -> None:
    """Sobol' G (Saltelli & Sobol' 1995): V_i = 1 / (3 (1 + a_i)^2), S_i = V_i / (prod(1 + V_j) - 1)."""
    a = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0])
    x = np.random.default_rng(5).random((200_000, a.size))
    y = np.prod((np.abs(4 * x - 2) + a) / (1 + a), axis=1)
    vi = 1 / (3 * (1 + a) ** 2)
    exact = vi / (np.prod(1 + vi) - 1)
    t = first_order(x, y)
    assert np.abs(t["S1"].to_numpy() - exact).max() < 0.015


def test_agrees_with_scipy_sobol_indices_on_the_same_function() -> None:
    """scipy.stats.sobol_indices (Saltelli et al. 2010 design) and the given-data estimator agree."""
    rng = np.random.default_rng(11)
    dists = [stats.uniform(loc=-math.pi, scale=2 * math.pi)] * 3
    ref = stats.sobol_indices(func=lambda x: _ishigami(x.T)[None, :], n=2**14, dists=dists, rng=rng)
    x = rng.uniform(-math.pi, math.pi, (2**14 * 5, 3))
    ours = first_order(x, _ishigami(x))["S1"].to_numpy()
    assert ours == pytest.approx(np.asarray(ref.first_order).ravel(), abs=0.03)


def test_a_null_input_is_near_zero_and_a_constant_output_is_nan() -> None:
    x = np.random.default_rng(1).random((50_000, 2))
    t = first_order({"used": x[:, 0], "null": x[:, 1]}, np.column_stack([x[:, 0] ** 2, np.ones(50_000)]))
    null = t[(t["input"] == "null") & (t["output"] == "y0")].iloc[0]
    assert abs(null["S1"]) < 4 * null["S1_se"] + 1e-3
    assert t[t["output"] == "y1"]["S1"].isna().all()


def test_discrete_input_gets_a_bin_per_value() -> None:
    """Y = X + noise, X in {0, 1} with p = 1/2: S = Var(X) / (Var(X) + 1) = 0.25 / 1.25."""
    rng = np.random.default_rng(2)
    x = (rng.random(100_000) < 0.5).astype(float)
    t = first_order(x[:, None], x + rng.standard_normal(100_000))
    assert t["S1"].item() == pytest.approx(0.2, abs=0.01)


def test_too_few_samples() -> None:
    with pytest.raises(ValueError, match=r"^need at least 2 \* bins \* batches = 320 observations \(got 100\)$"):
        first_order(np.zeros((100, 1)), np.zeros(100))
    assert bin_count(10_000) == 10
    assert bin_count(10**7) == 64


def test_run_indices_closed_form() -> None:
    """An event with P(by the horizon) = p, p ~ U(0.2, 0.8): S = Var(p) / (E p (1 - E p)) = 0.03 / 0.25."""
    s = tiny_scenario(
        drivers={
            "p": {"uniform": {"min": 0.2, "max": 0.8}},
            "other": {"uniform": {"min": 0.0, "max": 1.0}},
            "partner": {"uniform": {"min": 0.0, "max": 1.0}},
            "k": 3.0,
        },
        correlations=[["p", "partner", 0.5]],
        events={"e": {"by": {"soon": "p"}}, "f": {"rate": "other * k"}},
        rules={"e_only": "e and not f"},
    )
    t = first_order_indices(s, samples=200_000, seed=3)
    assert tuple(t.columns) == INDEX_COLUMNS
    e = t[t["target"] == "e@soon"].set_index("driver")
    assert set(e.index) == {"p", "partner"}  # not `other`, which feeds f only; not the constant k
    assert e.loc["p", "S1"] == pytest.approx(0.12, abs=4 * e.loc["p", "S1_se"] + 0.003)
    assert e.loc["p", "p"] == pytest.approx(0.5, abs=0.01)
    # the partner's index is what knowing it says about p: positive, and below p's
    assert 0 < e.loc["partner", "S1"] < e.loc["p", "S1"]
    rest = t[t["target"] == "rest@soon"]
    assert set(rest["driver"]) == {"p", "partner", "other"}
    assert list(t["target"].unique()) == ["e_only@soon", "rest@soon", "e@soon", "f@soon"]


def test_rows_rank_drivers_by_s1_with_nan_as_minus_one() -> None:
    """Drivers by S1, largest first; an undefined S1 (nan) ranks as -1: after every index but one below -1."""
    from outlook.analysis.indices import _rows

    found = [("a", 0.1, 0.0, 0.5), ("b", math.nan, 0.0, 0.5), ("c", 0.7, 0.0, 0.5), ("d", -0.02, 0.0, 0.5)]
    found.append(("e", -1.5, 0.0, 0.5))
    assert [row[5] for row in _rows("t@h", "event", "t", "h", found)] == ["c", "a", "d", "b", "e"]
