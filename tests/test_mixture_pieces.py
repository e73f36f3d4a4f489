"""A mixture whose components' supports do not overlap is inverted piece by piece, in closed form.

The reference is the general method, bisection on the mixture's CDF (``Mixture._bisect``), and the
definition of the quantile, ``inf {x : F(x) >= u}``, checked through ``F`` itself; the pieces must also
keep the draws monotone in the normal score (common random numbers and QMC pair worlds by it).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from outlook import distributions as dist

Z = np.concatenate([np.linspace(-8.5, 8.5, 20_001), [-37.0, -20.0, 0.0, 20.0, 37.0]])

DISJOINT = {
    "atom at the top of a uniform (the bundled case's brake)": dist.Mixture(
        (dist.Constant(1.0), dist.Uniform(0.5, 1.0)), (0.5, 0.5)
    ),
    "atom below a lognormal": dist.Mixture((dist.Constant(0.0), dist.LogNormal(4.5, 0.47)), (0.6, 0.4)),
    "two uniforms with a gap, an atom between": dist.Mixture(
        (dist.Uniform(5.0, 6.0), dist.Constant(3.0), dist.Uniform(0.0, 1.0)), (0.2, 0.3, 0.5)
    ),
    "beta beside a touching triangular": dist.Mixture(
        (dist.Beta(2.0, 3.0, 0.0, 1.0), dist.Triangular(1.0, 1.5, 4.0)), (0.7, 0.3)
    ),
    "gamma above an atom at zero": dist.Mixture((dist.Gamma(2.0, 3.0), dist.Constant(0.0)), (0.9, 0.1)),
}


@pytest.mark.parametrize("name", list(DISJOINT))
def test_pieces_agree_with_bisection(name: str) -> None:
    """Closed form and bisection agree to 1e-9 of the support's scale, for scores within 7.

    Beyond, bisection on ``1 - F`` loses what the closed form keeps (see the test below).
    """
    d = DISJOINT[name]
    assert dist._disjoint_pieces(d.components, d.weights) is not None
    z = Z[np.abs(Z) <= 7.0]
    got, ref = d.from_normal(z), d._bisect(z)
    scale = np.maximum(np.abs(ref), 1.0)
    assert np.max(np.abs(got - ref) / scale) < 1e-9


@pytest.mark.parametrize("name", list(DISJOINT))
def test_pieces_are_the_quantile(name: str) -> None:
    """``F(x) >= u`` at every draw, and ``F`` just below it is below ``u``, up to ``F``'s own rounding."""
    d = DISJOINT[name]
    u = np.linspace(1e-6, 1 - 1e-6, 4001)
    x = d.ppf(u)
    np.testing.assert_array_less(u - 1e-12, d.cdf(x))
    below = np.nextafter(x, -np.inf) - 1e-9 * np.maximum(np.abs(x), 1.0)
    np.testing.assert_array_less(d.cdf(below), u + 1e-12)


@pytest.mark.parametrize("name", list(DISJOINT))
def test_pieces_are_monotone_and_finite(name: str) -> None:
    """Non-decreasing in the normal score over the whole range, finite even at |z| = 37."""
    d = DISJOINT[name]
    x = d.from_normal(np.sort(Z))
    assert np.all(np.isfinite(x))
    assert np.all(np.diff(x) >= 0)


def test_the_upper_tail_keeps_its_precision() -> None:
    """Far in the upper tail the top piece's draw is its own inverse survival function.

    Share ``s = Phi(-z)`` of the mixture above ``x`` is share ``q = s / w`` of the top component: at
    ``z = 8.35`` that is 1.1e-16, where ``ppf(1 - q)`` rounds to the end of the support (as
    ``scipy.stats.triang.isf`` does). The triangular's is ``b - sqrt(q (b - a) (b - m))`` in closed
    form; the gamma's is scipy's ``isf`` (``gammainccinv``).
    """
    d = DISJOINT["beta beside a touching triangular"]
    z = np.array([6.0, 7.5, 8.35, 9.0])
    want = 4.0 - np.sqrt(special.ndtr(-z) / 0.3 * 3.0 * 2.5)
    np.testing.assert_allclose(d.from_normal(z), want, rtol=1e-12)
    assert np.all(d.from_normal(z) < 4.0)
    g = DISJOINT["gamma above an atom at zero"]
    np.testing.assert_allclose(g.from_normal(z), stats.gamma(2.0, scale=3.0).isf(special.ndtr(-z) / 0.9), rtol=1e-10)


def test_atoms_are_exact() -> None:
    """A constant component's share of scores gives that constant exactly, not a bracket around it."""
    d = DISJOINT["atom at the top of a uniform (the bundled case's brake)"]
    x = d.from_normal(Z)
    assert np.all(x[Z > 0] == 1.0)  # the atom holds (0.5, 1]: every score above 0
    u = special.ndtr(Z[Z < 0])
    np.testing.assert_allclose(x[Z < 0], 0.5 + 0.5 * (u / 0.5), rtol=1e-15)


@pytest.mark.parametrize(
    ("components", "weights"),
    [
        ((dist.Normal(0.0, 1.0), dist.Normal(5.0, 1.0)), (0.5, 0.5)),  # unbounded supports overlap
        ((dist.Uniform(0.0, 1.0), dist.Constant(0.5)), (0.5, 0.5)),  # an atom inside a support
        ((dist.Uniform(0.0, 2.0), dist.Uniform(1.0, 3.0)), (0.5, 0.5)),
    ],
)
def test_overlapping_supports_bisect(components: tuple[dist.Distribution, ...], weights: tuple[float, ...]) -> None:
    """Overlapping supports have no pieces: those mixtures keep bisection, and the draws are the same."""
    assert dist._disjoint_pieces(components, weights) is None
    d = dist.Mixture(components, weights)
    z = np.linspace(-6, 6, 1001)
    np.testing.assert_array_equal(d.from_normal(z), d._bisect(z))


@settings(max_examples=60, deadline=None)
@given(
    widths=st.lists(st.floats(0.0, 3.0), min_size=2, max_size=4),
    gaps=st.lists(st.floats(0.0, 2.0), min_size=4, max_size=4),
    raw=st.lists(st.floats(0.05, 1.0), min_size=4, max_size=4),
)
def test_random_disjoint_mixtures(widths: list[float], gaps: list[float], raw: list[float]) -> None:
    """Uniforms and atoms (width 0) laid end to end with gaps (0: touching), any weights: as by bisection."""
    comps: list[dist.Distribution] = []
    at = 0.0
    for w, g in zip(widths, gaps):
        at += g
        comps.append(dist.Constant(at) if w < 0.1 else dist.Uniform(at, at + w))
        at += 0.0 if w < 0.1 else w
    weights = np.array(raw[: len(comps)]) / sum(raw[: len(comps)])
    d = dist.Mixture(tuple(comps[::-1]), tuple(float(w) for w in weights[::-1]))  # any order in the file
    if dist._disjoint_pieces(d.components, d.weights) is None:  # two atoms or an atom and a start may meet
        return
    z = np.linspace(-7, 7, 2001)
    got = d.from_normal(z)
    assert np.all(np.diff(got) >= 0)
    np.testing.assert_allclose(got, d._bisect(z), rtol=0, atol=1e-9 * max(at, 1.0))


def test_the_brake_against_scipy() -> None:
    """The bundled case's brake: P(X <= x) for x in [0.5, 1) is half the uniform's, the rest is the atom at 1."""
    d = DISJOINT["atom at the top of a uniform (the bundled case's brake)"]
    x = d.from_normal(np.random.default_rng(5).standard_normal(200_000))
    assert stats.kstest(x[x < 1.0], stats.uniform(0.5, 0.5).cdf).pvalue > 1e-4
    assert abs((x == 1.0).mean() - 0.5) < 4 * np.sqrt(0.25 / 200_000)


@pytest.mark.parametrize(
    ("d", "reference"),
    [
        (dist.Uniform(2.0, 5.0), stats.uniform(2.0, 3.0)),
        (dist.LogUniform(1.0, 100.0), stats.loguniform(1.0, 100.0)),
        (dist.Beta(2.0, 5.0, 1.0, 3.0), stats.beta(2.0, 5.0, loc=1.0, scale=2.0)),
        (dist.Triangular(0.0, 1.0, 4.0), stats.triang(c=0.25, loc=0.0, scale=4.0)),
        (dist.Triangular(0.0, 4.0, 4.0), stats.triang(c=1.0, loc=0.0, scale=4.0)),
    ],
)
def test_upper_tail_quantiles_in_closed_form(d: dist.Distribution, reference: stats.rv_continuous) -> None:
    """``_sf_quantile(d, q)`` is scipy's ``isf`` where ``1 - q`` is exact enough, and never above the top.

    Where the density vanishes at the top (beta(2, 5), a triangle with its mode inside), a share of
    1e-17 is still a distinct number below it; ``ppf(1 - 1e-17)`` would be the top exactly.
    """
    q = np.array([0.9, 0.5, 0.3, 1e-3, 1e-6])
    np.testing.assert_allclose(dist._sf_quantile(d, q), reference.isf(q), rtol=1e-9)
    tiny = dist._sf_quantile(d, np.array([1e-17, 0.0]))
    assert np.all(tiny <= reference.ppf(1.0))
    assert tiny[1] == reference.ppf(1.0)
    if reference.pdf(reference.ppf(1.0) * (1 - 1e-12)) < 1e-3:
        assert tiny[0] < reference.ppf(1.0)


# -- found by a reviewer trying to break the pieces (each failed before its fix) -------------------------


@pytest.mark.parametrize(
    "d",
    [
        dist.Mixture((dist.Constant(0.0), dist.StudentT(3.0)), (0.3, 0.7)),
        dist.Mixture((dist.Uniform(0.0, 1.0), dist.StudentT(3.0, 10.0)), (0.5, 0.5)),
        dist.Mixture((dist.Truncated(dist.StudentT(3.0), -np.inf, 0.0), dist.LogNormal(0.0, 1.0)), (0.5, 0.5)),
        dist.Mixture((dist.Constant(0.0), dist.Truncated(dist.StudentT(3.0), 1.0, np.inf)), (0.5, 0.5)),
    ],
    ids=lambda d: d.describe(),
)
def test_a_student_t_component_has_its_true_support(d: dist.Mixture) -> None:
    """``stdtrit(df, 0)`` is ``+inf``: read off ``ppf``, a t looked like a point at infinity, never overlapping
    anything, and its draws were clipped flat. Supports are now stated per shape. (Against bisection within
    4 scores: beyond, bisection on ``1 - F`` of a truncated t loses digits that the closed form keeps.)"""
    z = np.linspace(-4, 4, 2001)
    np.testing.assert_allclose(d.from_normal(z), d._bisect(z), rtol=1e-9, atol=1e-9)
    assert np.all(np.diff(d.from_normal(np.linspace(-8, 8, 4001))) >= 0)


def test_student_t_quantiles_keep_their_sign_at_the_ends() -> None:
    t = dist.StudentT(3.0)
    assert dist._support(t) == (-np.inf, np.inf)
    np.testing.assert_array_equal(t.ppf(np.array([0.0, 1.0])), [-np.inf, np.inf])
    np.testing.assert_array_equal(t.isf(np.array([0.0, 1.0])), [np.inf, -np.inf])
    assert t.ppf(np.array([1e-250]))[0] == -np.inf  # scipy says +inf there


def test_a_truncated_component_on_top_keeps_its_upper_tail() -> None:
    """The top piece's upper tail by the truncated shape's own inverse survival function, not ``ppf(1 - q)``."""
    d = dist.Mixture((dist.Constant(0.0), dist.Truncated(dist.Gamma(2.0, 1.0), 1.0, np.inf)), (0.5, 0.5))
    z = np.array([7.0, 8.0, 8.37, 8.38, 9.0, 20.0])
    top = d.components[1]
    want = top._invert(np.zeros(z.size, dtype=bool), np.zeros(z.size), special.ndtr(-z) / 0.5)
    np.testing.assert_allclose(d.from_normal(z), want, rtol=1e-12)
    np.testing.assert_allclose(want[:2], stats.gamma(2.0).isf(special.ndtr(-z[:2]) / 0.5 * stats.gamma(2.0).sf(1.0)))
    assert np.all(np.diff(d.from_normal(np.linspace(6, 30, 2001))) >= 0)


def test_beta_upper_tail_beyond_betainccinv_is_the_top() -> None:
    """``betainccinv`` gives NaN for shares below about 1e-120 with some shapes: there the quantile is the top."""
    pert = dist.pert(0.0, 0.3, 1.0)
    z = np.array([20.0, 25.0, 30.0])
    np.testing.assert_array_equal(dist.Truncated(pert, 0.2, 1.0).from_normal(z), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(dist.Mixture((dist.Constant(0.0), pert), (0.5, 0.5)).from_normal(z), [1.0, 1.0, 1.0])


def test_a_nan_score_gives_nan() -> None:
    d = dist.Mixture((dist.Uniform(0.0, 1.0), dist.Constant(2.0)), (0.5, 0.5))
    assert np.isnan(d.from_normal(np.array([np.nan]))[0])


def test_a_student_t_mixture_in_a_file_has_its_shares() -> None:
    """From a scenario file: a third of worlds at the atom 0, and the t's half of the rest below it."""
    from outlook import Scenario, sample_worlds
    from outlook.testing import HEADER

    head = (
        HEADER.replace("outlook: 1\n", "outlook: 1.1\n")
        + "horizons: {soon: {until: 1y}}\nscenarios: {rest: otherwise}\n"
    )
    s = Scenario.from_yaml(
        head + "drivers: {x: {mixture: [{weight: 0.3, constant: 0}, {weight: 0.7, student_t: {df: 3}}]}}\n"
    )
    x = sample_worlds(s, samples=40_000, seed=4)["x"].to_numpy()
    se = np.sqrt(0.3 * 0.7 / 40_000)
    assert abs((x == 0).mean() - 0.3) < 4 * se
    assert abs((x < 0).mean() - 0.35) < 4 * np.sqrt(0.35 * 0.65 / 40_000)
