"""Format 1.1's distribution forms, each against scipy.stats: gamma, Student's t, log-uniform, lognormal by its
moments, truncation, mixtures, percentages and ``coverage:``; each new error with its exact text."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import special, stats

from outlook import Scenario, ScenarioErrors, sample_worlds
from outlook import distributions as dist
from outlook.scenario import Driver
from outlook.testing import HEADER

HEAD_1 = HEADER + "horizons: {soon: {until: 1y}}\nscenarios: {rest: otherwise}\n"
HEAD_11 = HEAD_1.replace("outlook: 1\n", "outlook: 1.1\n")
#: the percentiles of a 90% coverage, the median, and far tails
U = np.array([1e-9, 0.001, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999, 1 - 1e-9])


def driver(body: str) -> Driver:
    """The driver ``x`` of a format 1.1 file whose drivers section is ``{x: body}``."""
    return Scenario.from_yaml(HEAD_11 + f"drivers: {{x: {body}}}\n").driver("x")


def errors(text: str) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    return str(info.value).splitlines()


def check_against(d: dist.Distribution, reference: stats.rv_continuous, rel: float = 1e-9) -> None:
    """Quantiles (by ppf and by normal score, both tails) and the mean against scipy.stats."""
    want = reference.ppf(U)
    np.testing.assert_allclose(d.ppf(U), want, rtol=rel)
    np.testing.assert_allclose(d.from_normal(special.ndtri(U)), want, rtol=rel)
    np.testing.assert_allclose(d.from_normal(np.array([9.0])), reference.isf([special.ndtr(-9.0)]), rtol=1e-6)
    if np.isfinite(reference.mean()):
        assert d.mean == pytest.approx(reference.mean(), rel=1e-6)


@pytest.mark.parametrize(
    ("body", "reference"),
    [
        ("{gamma: {shape: 2.5, scale: 3}}", stats.gamma(2.5, scale=3)),
        ("{gamma: [0.3, 10]}", stats.gamma(0.3, scale=10)),
        ("{student_t: {df: 3, location: 1, scale: 2}}", stats.t(3, loc=1, scale=2)),
        ("{student_t: {df: 1}}", stats.t(1)),
        ("{loguniform: {min: 0.01, max: 100}}", stats.loguniform(0.01, 100)),
        ("{lognormal: {mean: 10, sd: 5}}", stats.lognorm(math.sqrt(math.log(1.25)), scale=10 / math.sqrt(1.25))),
    ],
    ids=["gamma", "gamma-list", "t", "cauchy", "loguniform", "lognormal-moments"],
)
def test_each_form_is_scipys(body: str, reference: stats.rv_continuous) -> None:
    check_against(driver(body).distribution, reference)


def test_lognormal_by_moments_has_those_moments() -> None:
    d = driver("{lognormal: {mean: 10, sd: 5}}").distribution
    assert isinstance(d, dist.LogNormal)
    ref = stats.lognorm(d.sigma, scale=math.exp(d.mu))
    assert ref.mean() == pytest.approx(10, rel=1e-12)
    assert ref.std() == pytest.approx(5, rel=1e-12)


@pytest.mark.parametrize(
    ("body", "reference"),
    [
        ("{normal: {mean: 1, sd: 2}, truncate: [0, 4]}", stats.truncnorm(-0.5, 1.5, loc=1, scale=2)),
        ("{normal: {mean: 0, sd: 1}, truncate: [0, null]}", stats.truncnorm(0, np.inf)),
        ("{normal: {mean: 0, sd: 1}, truncate: [6, .inf]}", stats.truncnorm(6, np.inf)),  # a far tail
        ("{normal: {mean: 0, sd: 1}, truncate: [-.inf, -6]}", stats.truncnorm(-np.inf, -6)),
        (
            "{range: [1, 10], shape: lognormal, truncate: [2, 20]}",
            stats.truncate(
                math.sqrt(10) * stats.make_distribution(stats.lognorm)(s=math.log(10) / 2 / 1.6448536269514722), 2, 20
            ),
        ),
        (
            "{gamma: {shape: 2, scale: 1}, truncate: [1, 5]}",
            stats.truncate(stats.make_distribution(stats.gamma)(a=2), 1, 5),
        ),
    ],
    ids=["normal", "half-normal", "far-upper-tail", "far-lower-tail", "lognormal-range", "gamma"],
)
def test_truncation_is_scipys(body: str, reference: object) -> None:
    d = driver(body).distribution
    if isinstance(reference, stats._distn_infrastructure.rv_continuous_frozen):
        want, mean = reference.ppf(U), reference.mean()
    else:  # scipy's new distribution infrastructure (stats.truncate)
        want, mean = reference.icdf(U), reference.mean()  # type: ignore[attr-defined]
    # relative to the value, and at 1e-15 of the scale near 0 (the half-normal's 1e-9 quantile is about 1e-9)
    np.testing.assert_allclose(d.ppf(U), want, rtol=1e-7, atol=1e-15)
    np.testing.assert_allclose(d.from_normal(special.ndtri(U)), want, rtol=1e-7, atol=1e-15)
    assert d.mean == pytest.approx(mean, rel=1e-6)


def test_a_mixture_inverts_the_weighted_cdf() -> None:
    """The issue's example: F(x) = 0.7 F_lognormal(x) + 0.3 F_normal(x) at each drawn quantile equals u."""
    d = driver(
        "{mixture: [{weight: 0.7, range: [1, 10], shape: lognormal}, {weight: 0.3, normal: {mean: 20, sd: 2}}]}"
    ).distribution
    sigma = math.log(10) / 2 / stats.norm.ppf(0.95)
    a, b = stats.lognorm(sigma, scale=math.sqrt(10)), stats.norm(20, 2)
    u = np.linspace(0.001, 0.999, 999)
    x = d.ppf(u)
    np.testing.assert_allclose(0.7 * a.cdf(x) + 0.3 * b.cdf(x), u, rtol=0, atol=1e-12)
    upper = d.from_normal(np.array([6.0, 9.0]))  # far upper tail, from the survival functions
    np.testing.assert_allclose(0.7 * a.sf(upper) + 0.3 * b.sf(upper), special.ndtr(-np.array([6.0, 9.0])), rtol=1e-6)
    assert d.mean == pytest.approx(0.7 * a.mean() + 0.3 * b.mean(), rel=1e-12)


def test_a_mixture_is_drawn_with_its_weights() -> None:
    """Draws of a mixture of two far-apart components fall in each with its weight (within 4 standard errors)."""
    s = Scenario.from_yaml(
        HEAD_11 + "drivers: {x: {mixture: [{weight: 0.25, uniform: {min: 0, max: 1}}, {weight: 0.75, constant: 5}]}}\n"
    )
    x = sample_worlds(s, samples=40_000, seed=2)["x"].to_numpy()
    assert abs((x < 1.5).mean() - 0.25) < 4 * math.sqrt(0.25 * 0.75 / 40_000)
    assert set(np.round(x[x > 1.5], 9)) == {5.0}


@pytest.mark.parametrize("value", [0, 3, -2])
@pytest.mark.parametrize("sampler", ["random", "sobol"])
def test_a_constant_component_is_drawn_exactly(value: int, sampler: str) -> None:
    """A ``constant`` component is an atom: its share of worlds (0.6, within 4 standard errors) equal it exactly.

    Bisection alone left ~1e-17 at 0 (of either sign), so ``loss == 0`` held in no world.
    """
    mixture = f"{{mixture: [{{weight: 0.6, constant: {value}}}, {{weight: 0.4, lognormal: {{mean: 100, sd: 50}}}}]}}"
    s = Scenario.from_yaml(HEAD_11 + f"drivers: {{x: {mixture}}}\n")
    x = sample_worlds(s, samples=40_000, seed=3, sampler=sampler)["x"].to_numpy()
    assert abs((x == value).mean() - 0.6) < 4 * math.sqrt(0.6 * 0.4 / 40_000)
    assert np.all((x == value) | (np.abs(x - value) > 1e-6))  # every other draw is the lognormal's, far from it
    d = s.driver("x").distribution
    u = np.linspace(1e-6, 1 - 1e-6, 20_001)
    assert np.all(np.diff(d.ppf(u)) >= 0)  # still monotone in u: common random numbers and QMC keep their pairing
    assert np.all(d.ppf(np.linspace(0.01, 0.59, 59)) == value)  # the lognormal has almost no mass below 3


def test_new_forms_sample_their_distribution() -> None:
    """Every world's draw, pseudo- and quasi-random, has the form's mean (within 5 standard errors)."""
    body = (
        "drivers:\n  g: {gamma: {shape: 2, scale: 3}}\n  c: {loguniform: {min: 1, max: 100}}\n"
        "  h: {normal: {mean: 0, sd: 1}, truncate: [0, null]}\n"
        "  m: {mixture: [{weight: 0.7, range: [1, 10], shape: lognormal}, {weight: 0.3, normal: {mean: 20, sd: 2}}]}\n"
    )
    s = Scenario.from_yaml(HEAD_11 + body)
    for sampler in ("random", "sobol", "lhs"):
        w = sample_worlds(s, samples=20_000, seed=5, sampler=sampler)
        for d in s.drivers:
            x = w[d.id].to_numpy()
            assert abs(x.mean() - d.distribution.mean) < 5 * x.std() / math.sqrt(x.size), (sampler, d.id)


def test_a_correlated_mixture_keeps_its_rank_correlation() -> None:
    s = Scenario.from_yaml(
        HEAD_11
        + "drivers:\n  a: {gamma: {shape: 2, scale: 1}}\n"
        + "  m: {mixture: [{weight: 0.5, normal: {mean: 0, sd: 1}}, {weight: 0.5, normal: {mean: 5, sd: 1}}]}\n"
        + "correlations: [[a, m, 0.6]]\n"
    )
    w = sample_worlds(s, samples=20_000, seed=1)
    assert stats.spearmanr(w["a"], w["m"]).statistic == pytest.approx(0.6, abs=0.02)


def test_percentages() -> None:
    """``40%`` is 0.4 where a probability is expected; a beta range in percentages covers them."""
    assert 0.4 == driver("{probability: 40%}").distribution.mean
    assert driver("{categorical: {a: 25%, b: 75%}}").distribution.probs == (0.25, 0.75)
    d = driver("{range: [20%, 60%], shape: beta, coverage: 80%}").distribution
    assert isinstance(d, dist.Beta)
    np.testing.assert_allclose(stats.beta(d.alpha, d.beta).ppf([0.1, 0.9]), [0.2, 0.6], rtol=1e-8)


def test_coverage_is_confidence_renamed() -> None:
    """``coverage:`` gives what ``confidence:`` gave; the old key loads, with a located deprecation note."""
    new = driver("{range: [1, 2], shape: normal, coverage: 0.8}")
    old = driver("{range: [1, 2], shape: normal, confidence: 0.8}")
    assert new.distribution == old.distribution
    np.testing.assert_allclose(stats.norm(new.distribution.mu, new.distribution.sd).ppf([0.1, 0.9]), [1, 2])
    assert new.notes == ()
    assert old.notes == (
        "<scenario>:8:45: drivers.x.confidence: warning: 'confidence' is deprecated: write 'coverage' (the share "
        "of the distribution inside the range; format 1.1), which means the same",
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("{gamma: {shape: 2, scale: 1}}", "s.yaml:8:15: drivers.x.gamma: the form 'gamma' is new in format 1.1"),
        ("{student_t: {df: 2}}", "s.yaml:8:15: drivers.x.student_t: the form 'student_t' is new in format 1.1"),
        ("{loguniform: [1, 2]}", "s.yaml:8:15: drivers.x.loguniform: the form 'loguniform' is new in format 1.1"),
        ("{mixture: [{weight: 1, constant: 1}]}", "s.yaml:8:15: drivers.x.mixture: the form 'mixture' is new in format 1.1"),
        ("{lognormal: {mean: 1, sd: 1}}", "s.yaml:8:26: drivers.x.lognormal: lognormal: {mean, sd} is new in format 1.1"),
        ("{normal: [0, 1], truncate: [0, 1]}", "s.yaml:8:41: drivers.x.truncate: truncate is new in format 1.1"),
        ("{range: [1, 2], shape: normal, coverage: 0.8}", "s.yaml:8:55: drivers.x.coverage: coverage is new in format 1.1"),
        ("{probability: 40%}", "s.yaml:8:28: drivers.x.probability: a percentage is new in format 1.1"),
    ],
)  # fmt: skip
def test_a_version_1_file_refuses_the_new_forms(body: str, expected: str) -> None:
    assert [expected + ": write 'outlook: 1.1' at the top of the file"] == errors(HEAD_1 + f"drivers: {{x: {body}}}\n")


def test_a_version_1_file_loads_confidence_as_before() -> None:
    s = Scenario.from_yaml(HEAD_1 + "drivers: {x: {range: [1, 2], shape: normal, confidence: 0.8}}\n")
    assert s.driver("x").distribution == driver("{range: [1, 2], shape: normal, coverage: 0.8}").distribution


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("{gamma: {shape: -1, scale: 1}}", "s.yaml:8:22: drivers.x.gamma: shape and scale must be positive (got [-1, 1])"),
        ("{student_t: {df: 0}}", "s.yaml:8:26: drivers.x.student_t: df and scale must be positive (got [0, 1])"),
        ("{loguniform: [0, 2]}", "s.yaml:8:27: drivers.x.loguniform: needs 0 < min < max (got [0, 2])"),
        ("{lognormal: {mean: -1, sd: 1}}", "s.yaml:8:26: drivers.x.lognormal: mean and sd must be positive (got [-1, 1])"),
        ("{normal: [0, 1], truncate: [1, 0]}", "s.yaml:8:41: drivers.x.truncate: expected [low, high] with low below high (got [1, 0])"),
        ("{normal: [0, 1], truncate: [1]}", "s.yaml:8:41: drivers.x.truncate: expected [low, high] (null for no bound) (got [1])"),
        (
            "{normal: [0, 1], truncate: [50, 60]}",
            "s.yaml:8:41: drivers.x.truncate: truncate [50, 60] keeps a share 0 of normal(mean=0, sd=1), below 1e-12: widen it",
        ),
        ("{probability: 0.5, truncate: [0, 1]}", "s.yaml:8:33: drivers.x.truncate: unknown key 'truncate'"),
        (
            "{mixture: [{weight: 0.5, normal: [0, 1]}, {weight: 0.6, normal: [1, 1]}]}",
            "s.yaml:8:24: drivers.x.mixture: the weights must sum to 1 (got 1.1)",
        ),
        (
            "{mixture: [{weight: 40, constant: 0}, {weight: 60%, normal: [1, 2]}]}",
            "s.yaml:8:24: drivers.x.mixture: the weights must sum to 1 (got 40.6). A weight is a share: write 40% or "
            "0.4, not 40",
        ),
        (
            "{mixture: [{weight: 0.5, normal: [0, 1]}, {weight: 0.5, range: [2, 1], shape: normal}]}",
            "s.yaml:8:77: drivers.x.mixture[1].range: low 2 > high 1 (got [2, 1]). Did you mean [1, 2]?",
        ),
        (
            "{mixture: [{weight: 1, probability: 0.5}]}",
            "s.yaml:8:37: drivers.x.mixture[0].probability: a mixture's component cannot be probability",
        ),
        ("{mixture: [{normal: [0, 1]}]}", "s.yaml:8:25: drivers.x.mixture[0]: missing required key 'weight'"),
        # a misspelt form beside the weight: that key alone, not the weight too (a fresh reader found both reported)
        (
            "{mixture: [{weight: 0.4, constant: 0}, {weight: 0.6, unifrom: [0, 1]}]}",
            "s.yaml:8:67: drivers.x.mixture[1].unifrom: unknown key 'unifrom'. Did you mean 'uniform'?",
        ),
        (
            "{mixture: [{weight: 0.4, constant: 0}, {wieght: 0.6, uniform: [0, 1]}]}",
            "s.yaml:8:54: drivers.x.mixture[1].wieght: unknown key 'wieght'. Did you mean 'weight'?",
        ),
        # a weight of 0 or below, at the weight (it was placed at the driver)
        (
            "{mixture: [{weight: 1.6, constant: 0}, {weight: -0.6, uniform: [0, 1]}]}",
            "s.yaml:8:62: drivers.x.mixture[1].weight: a weight must be a positive number (got -0.6)",
        ),
        ("{range: [20%, 60%], shape: normal}", "s.yaml:8:22: drivers.x.range: a range in percentages is a range of probabilities: it needs shape: beta"),
        ("{probability: 140%}", "s.yaml:8:28: drivers.x.probability: probability must lie in [0, 1] (got 1.4)"),
        (
            "{range: [1, 2], shape: normal, coverage: 0.8, confidence: 0.8}",
            "s.yaml:8:72: drivers.x.confidence: give coverage or confidence, not both ('confidence' is deprecated)",
        ),
    ],
)  # fmt: skip
def test_new_errors_are_exact(body: str, expected: str) -> None:
    assert [expected] == errors(HEAD_11 + f"drivers: {{x: {body}}}\n")


def test_the_format_docs_examples_load() -> None:
    """Every YAML example of docs/scenario-format.md's section on format 1.1 drivers loads in a 1.1 file."""
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    section = text.split("## Drivers in format 1.1", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```yaml\n")[1:]]
    assert len(blocks) == 5
    for block in blocks:
        s = Scenario.from_yaml(HEAD_11 + block)
        assert s.drivers


def test_outlook_check_prints_the_deprecation_note(tmp_path: object) -> None:
    """The note reaches the user as a located warning of ``outlook check`` (library code never prints)."""
    import io
    from pathlib import Path

    from outlook import cli

    path = Path(str(tmp_path)) / "s.yaml"
    path.write_text(
        HEAD_11.replace("scenarios: {rest: otherwise}\n", "scenarios: {yes: it, rest: otherwise}\n")
        + "drivers: {r: {range: [0.1, 0.3], shape: lognormal, confidence: 0.8}}\n"
        + "events: {it: {rate: r, resolution: {criteria: reported}}}\n",  # no resolution: another warning
        encoding="utf-8",
    )
    out, err = io.StringIO(), io.StringIO()
    assert 0 == cli.main(["check", str(path)], stdout=out, stderr=err)
    assert err.getvalue() == (
        f"{path}:8:52: drivers.r.confidence: warning: 'confidence' is deprecated: write 'coverage' (the share of "
        "the distribution inside the range; format 1.1), which means the same\n"
    )


def test_a_driver_written_as_an_expression_is_sent_to_derived() -> None:
    """Text where a driver's distribution belongs is most likely an expression: the message says where it goes."""
    assert errors(HEAD_11 + 'drivers: {p: 0.3, mob_rate: "-log(1 - p)"}\n') == [
        "s.yaml:8:29: drivers.mob_rate: expected a mapping with a distribution; an expression belongs under "
        "derived: (got '-log(1 - p)')"
    ]
