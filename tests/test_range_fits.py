"""The two-parameter fits behind ranges (beta, and triangular and PERT with a confidence below 1).

They are solved by damped Newton steps (:func:`outlook.distributions._newton2`)
so that a run need not import scipy.optimize; scipy.optimize.root (MINPACK's
hybrid method) is the reference they are checked against, and the fallback
they use when Newton does not converge.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, special

import outlook.distributions as dist
from outlook.distributions import from_range

BETA_RANGES = [
    (0.01, 0.05),
    (0.1, 0.45),
    (0.2, 0.65),
    (0.05, 0.95),
    (0.001, 0.999),
    (0.3, 0.35),
    (0.9, 0.99),
    (1e-4, 2e-4),
]
CONFIDENCES = (0.5, 0.8, 0.9, 0.95, 0.99)


def _hybr_beta(lo: float, hi: float, q: float) -> tuple[float, float]:
    """The reference: scipy.optimize.root on the same residual from the same start."""
    zq = dist.z_for(1 - 2 * q)
    m, sd = (lo + hi) / 2, (hi - lo) / (2 * zq)
    k = max(m * (1 - m) / sd**2 - 1, 0.5)

    def resid(x: np.ndarray) -> list[float]:
        got = special.betaincinv(math.exp(x[0]), math.exp(x[1]), np.array([q, 1 - q]))
        return [(got[0] - lo) / (hi - lo), (got[1] - hi) / (hi - lo)]

    sol = optimize.root(resid, [math.log(m * k), math.log((1 - m) * k)], method="hybr")
    assert max(abs(r) for r in resid(sol.x)) < 1e-9  # the acceptance test from_range applies
    return math.exp(sol.x[0]), math.exp(sol.x[1])


@pytest.mark.parametrize(("lo", "hi"), BETA_RANGES)
@pytest.mark.parametrize("confidence", CONFIDENCES)
def test_beta_fits_agree_with_minpack(lo: float, hi: float, confidence: float) -> None:
    d = from_range("beta", lo, hi, confidence=confidence)
    a, b = _hybr_beta(lo, hi, (1 - confidence) / 2)
    assert d.alpha == pytest.approx(a, rel=1e-7)
    assert d.beta == pytest.approx(b, rel=1e-7)
    got = d.ppf(np.array([(1 - confidence) / 2, (1 + confidence) / 2]))
    assert np.allclose(got, [lo, hi], rtol=0, atol=1e-11 * (hi - lo))


@pytest.mark.parametrize("shape", ["triangular", "pert"])
@pytest.mark.parametrize(("lo", "mode", "hi"), [(8000, 10000, 12000), (860, 1300, 2000), (1, 1.5, 2.5), (0, 0.1, 1)])
@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.9, 0.95])
def test_bounds_put_the_range_at_its_quantiles(
    shape: str, lo: float, mode: float, hi: float, confidence: float
) -> None:
    d = from_range(shape, lo, hi, confidence=confidence, mode=mode)
    got = d.ppf(np.array([(1 - confidence) / 2, (1 + confidence) / 2]))
    assert np.allclose(got, [lo, hi], rtol=0, atol=1e-9 * (hi - lo))


def test_where_newton_fails_minpack_takes_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback gives the same distribution (to the fits' tolerance) as the Newton path."""
    newton = from_range("beta", 0.1, 0.45)
    monkeypatch.setattr(dist, "_newton2", lambda resid, x0, **_: None)
    fallback = from_range("beta", 0.1, 0.45)
    assert fallback.alpha == pytest.approx(newton.alpha, rel=1e-7)
    assert fallback.beta == pytest.approx(newton.beta, rel=1e-7)


def test_newton_reports_failure_rather_than_a_wrong_root() -> None:
    """A map with no root (x^2 + 1, y): None, never a point that is not a root."""
    assert dist._newton2(lambda x: [float(x[0] ** 2 + 1), float(x[1])], [0.3, 0.2]) is None
    root = dist._newton2(lambda x: [float(x[0] ** 2 - 2), float(x[1] - x[0])], [1.0, 0.0])
    assert root is not None
    assert root == pytest.approx([math.sqrt(2), math.sqrt(2)], abs=1e-12)
