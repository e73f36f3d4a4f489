"""Hierarchical drivers (format 1.1): parameters written as expressions over other drivers.

Each form against a closed form or scipy.stats (the marginal of a normal whose mean is normal, of a
lognormal whose mu is normal, the beta-binomial, a uniform whose max is uniform, a gamma whose scale
varies); common random numbers (a parent's change moves only what lies below it), chunk-size and
sampler invariance; the graph, what-ifs, the tornado and the report; each new error with its exact text.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from outlook import Scenario, ScenarioErrors, SimulationError, compile_model, sample_worlds
from outlook import distributions as dist
from outlook.analysis.sensitivity import tornado
from outlook.errors import ScenarioError
from outlook.model import draw_worlds
from outlook.model.graph import dependency_graph
from outlook.model.incremental import plan_recompute, recompute_worlds
from outlook.scenario.stated import HierarchicalForm
from outlook.testing import HEADER

HEAD_1 = HEADER + "horizons: {soon: {until: 1y}}\nscenarios: {rest: otherwise}\n"
HEAD_11 = HEAD_1.replace("outlook: 1\n", "outlook: 1.1\n")
N = 40_000


def scenario(drivers: str, rest: str = "", head: str = HEAD_11) -> Scenario:
    return Scenario.from_yaml(head + "drivers:\n" + drivers + rest, path="s.yaml")


def worlds(drivers: str, rest: str = "", *, samples: int = N, **kw: object) -> pd.DataFrame:
    return sample_worlds(scenario(drivers, rest), samples=samples, seed=7, **kw)  # type: ignore[arg-type]


def errors(text: str) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    return str(info.value).splitlines()


def ks_p(x: np.ndarray, cdf: object) -> float:
    return float(stats.kstest(x, cdf).pvalue)


# -- marginals against closed forms ------------------------------------------------------------


def test_normal_whose_mean_is_normal_is_normal() -> None:
    """a ~ N(2, 3), x | a ~ N(a, 4): x ~ N(2, 5)."""
    f = worlds("  a: {normal: {mean: 2, sd: 3}}\n  x: {normal: {mean: a, sd: 4}}\n")
    assert ks_p(f["x"].to_numpy(), stats.norm(2, 5).cdf) > 0.01
    assert f["x"].mean() == pytest.approx(2, abs=4 * 5 / math.sqrt(N))
    assert f["x"].std() == pytest.approx(5, rel=0.02)
    assert np.corrcoef(f["a"], f["x"])[0, 1] == pytest.approx(3 / 5, abs=0.02)  # cov(a, x) = var(a)


def test_lognormal_whose_mu_is_normal_is_lognormal() -> None:
    """m ~ N(1, 0.4), x | m ~ LogNormal(m, 0.3): x ~ LogNormal(1, 0.5)."""
    f = worlds("  m: {normal: {mean: 1, sd: 0.4}}\n  x: {lognormal: {mu: m, sigma: 0.3}}\n")
    assert ks_p(f["x"].to_numpy(), stats.lognorm(0.5, scale=math.e).cdf) > 0.01


def test_beta_binomial_feeds_an_event() -> None:
    """k of n past cases: p ~ Beta(k + 1, n - k + 1), and a yes/no driver with probability p has P = (k + 1) / (n + 2)."""
    f = worlds(
        "  k: 3\n  n: 10\n  p: {beta: {alpha: k + 1, beta: n - k + 1}}\n  hit: {probability: p}\n",
        samples=100_000,
    )
    assert ks_p(f["p"].to_numpy(), stats.beta(4, 8).cdf) > 0.01
    assert set(np.unique(f["hit"])) == {0.0, 1.0}
    want = 4 / 12
    assert f["hit"].mean() == pytest.approx(want, abs=4 * math.sqrt(want * (1 - want) / 100_000))


def test_uniform_whose_max_is_uniform() -> None:
    """a ~ U(0, 1), x | a ~ U(0, a): E x = 1/4 and P(x <= v) = v (1 - ln v)."""
    f = worlds("  a: {uniform: [0, 1]}\n  x: {uniform: {min: 0, max: a}}\n")
    x = f["x"].to_numpy()
    assert x.mean() == pytest.approx(0.25, abs=4 * math.sqrt(7 / 144 / N))  # var x = 1/9 - 1/16
    assert ks_p(x, lambda v: np.where(v > 0, np.clip(v, 1e-300, 1) * (1 - np.log(np.clip(v, 1e-300, 1))), 0.0)) > 0.01
    assert (x <= f["a"].to_numpy()).all()


def test_gamma_whose_scale_varies() -> None:
    """s ~ U(1, 3), x | s ~ Gamma(2, s): E x = 2 E s = 4; given s, x / s ~ Gamma(2, 1)."""
    f = worlds("  s: {uniform: [1, 3]}\n  x: {gamma: {shape: 2, scale: s}}\n")
    var = 2 * (1 + 4 + 1 / 3) + 4 * (1 / 3)  # E[var | s] + var[E | s] = 2 E s^2 + 4 var s
    assert f["x"].mean() == pytest.approx(4, abs=4 * math.sqrt(var / N))
    assert ks_p((f["x"] / f["s"]).to_numpy(), stats.gamma(2).cdf) > 0.01


@pytest.mark.parametrize(
    ("shape", "params", "reference"),
    [
        ("normal", {"mean": [1.0, -2.0], "sd": [0.5, 3.0]}, lambda p: stats.norm(p["mean"], p["sd"])),
        (
            "lognormal",
            {"mu": [0.0, 1.0], "sigma": [0.3, 1.2]},
            lambda p: stats.lognorm(p["sigma"], scale=np.exp(p["mu"])),
        ),
        ("uniform", {"min": [0.0, -5.0], "max": [1.0, 10.0]}, lambda p: stats.uniform(p["min"], p["max"] - p["min"])),
        (
            "triangular",
            {"min": [0.0, 1.0], "mode": [0.2, 4.0], "max": [1.0, 5.0]},
            lambda p: stats.triang((p["mode"] - p["min"]) / (p["max"] - p["min"]), p["min"], p["max"] - p["min"]),
        ),
        ("beta", {"alpha": [2.0, 0.5], "beta": [5.0, 0.7]}, lambda p: stats.beta(p["alpha"], p["beta"])),
        ("gamma", {"shape": [2.0, 0.3], "scale": [1.5, 10.0]}, lambda p: stats.gamma(p["shape"], scale=p["scale"])),
        (
            "student_t",
            {"df": [3.0, 30.0], "location": [1.0, 0.0], "scale": [2.0, 0.5]},
            lambda p: stats.t(p["df"], p["location"], p["scale"]),
        ),
        ("loguniform", {"min": [0.01, 1.0], "max": [100.0, 2.0]}, lambda p: stats.loguniform(p["min"], p["max"])),
    ],
)
def test_each_shape_with_parameters_per_world_is_scipys(shape: str, params: dict, reference: object) -> None:
    """World by world, the draw is scipy.stats' quantile at that world's parameters (both tails)."""
    u = np.array([1e-9, 0.05, 0.5, 0.95, 1 - 1e-9])
    arrays = {k: np.repeat(np.array(v), u.size) for k, v in params.items()}
    c = dist.Conditional(shape, tuple((k, k) for k in params))
    score = np.tile(u, 2) if c.score == "uniform" else special.ndtri(np.tile(u, 2))
    want = reference(arrays).ppf(np.tile(u, 2))  # type: ignore[operator]
    np.testing.assert_allclose(c.draw(arrays, score), want, rtol=1e-7)


def test_pert_and_lognormal_moments_per_world() -> None:
    c = dist.Conditional("pert", (("min", "a"), ("mode", 2.0), ("max", 10.0), ("lambda", 4.0)))
    lo = np.array([0.0, 1.0])
    got = c.draw({"min": lo, "mode": 2.0, "max": 10.0, "lambda": 4.0}, np.array([0.0, 0.0]))
    want = [stats.beta(1 + 4 * (2 - a) / (10 - a), 1 + 4 * (10 - 2) / (10 - a), a, 10 - a).median() for a in lo]
    np.testing.assert_allclose(got, want, rtol=1e-9)
    m = dist.Conditional("lognormal_moments", (("mean", "a"), ("sd", 5.0)))
    x = m.draw({"mean": np.array([10.0, 10.0]), "sd": 5.0}, special.ndtri(np.array([0.05, 0.95])))
    ref = stats.lognorm(math.sqrt(math.log(1.25)), scale=10 / math.sqrt(1.25))
    np.testing.assert_allclose(x, ref.ppf([0.05, 0.95]), rtol=1e-12)


@pytest.mark.parametrize(
    ("plain", "hierarchical"),
    [
        ("{normal: {mean: 1, sd: 2}}", "{normal: {mean: c - 1, sd: c}}"),
        ("{lognormal: {mu: 1, sigma: 0.5}}", "{lognormal: {mu: c / 2, sigma: c / 4}}"),
        ("{lognormal: {mean: 10, sd: 4}}", "{lognormal: {mean: 5 * c, sd: 2 * c}}"),
        ("{uniform: [1, 5]}", "{uniform: [c - 1, 5]}"),
        ("{triangular: [0, 1, 4]}", "{triangular: [0, c - 1, 4]}"),
        ("{gamma: {shape: 2, scale: 3}}", "{gamma: {shape: c, scale: 3}}"),
        ("{student_t: {df: 3}}", "{student_t: {df: c + 1}}"),
        ("{loguniform: [1, 100]}", "{loguniform: [c - 1, 100]}"),
        ("{probability: 0.3}", "{probability: c * 0.15}"),
        ("{normal: {mean: 1, sd: 2}, truncate: [0, 4]}", "{normal: {mean: c - 1, sd: 2}, truncate: [0, 4]}"),
        ("{gamma: [2, 3], truncate: [1, null]}", "{gamma: [c, 3], truncate: [1, null]}"),
    ],
)
def test_constant_parents_draw_the_plain_form(plain: str, hierarchical: str) -> None:
    """A hierarchical driver whose parents are constant draws what its plain form draws, world by world."""
    a = sample_worlds(scenario(f"  c: 2\n  x: {plain}\n"), samples=3000, seed=3)
    b = sample_worlds(scenario(f"  c: 2\n  x: {hierarchical}\n"), samples=3000, seed=3)
    np.testing.assert_allclose(b["x"], a["x"], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("plain", "hierarchical"), [("{beta: [2, 5]}", "{beta: [c, 5]}"), ("{pert: [0, 1, 4]}", "{pert: [0, c - 1, 4]}")]
)
def test_constant_parents_draw_the_plain_beta_up_to_its_table(plain: str, hierarchical: str) -> None:
    a = sample_worlds(scenario(f"  c: 2\n  x: {plain}\n"), samples=3000, seed=3)
    b = sample_worlds(scenario(f"  c: 2\n  x: {hierarchical}\n"), samples=3000, seed=3)
    np.testing.assert_allclose(b["x"], a["x"], atol=1e-6)


def test_truncated_per_world_is_scipys() -> None:
    """x | a ~ N(a, 1) truncated to [0, inf): in each world, scipy's truncnorm at that world's mean."""
    f = worlds("  a: {uniform: [-2, 2]}\n  x: {normal: {mean: a, sd: 1}, truncate: [0, null]}\n", samples=2000)
    a, x = f["a"].to_numpy(), f["x"].to_numpy()
    assert (x >= 0).all()
    u = stats.truncnorm(-a, np.inf, loc=a).cdf(x)  # the variate each world drew, recovered
    assert ks_p(u, stats.uniform.cdf) > 0.01


# -- common random numbers, chunks, samplers ---------------------------------------------------

DRIVERS = "  a: {normal: {mean: 0, sd: 1}}\n  x: {normal: {mean: a, sd: 1}}\n  other: {uniform: [0, 1]}\n"


def test_changing_a_parent_moves_its_child_world_by_world_and_nothing_else() -> None:
    base = sample_worlds(scenario(DRIVERS), samples=5000, seed=1)
    moved = sample_worlds(
        scenario(DRIVERS.replace("mean: 0, sd: 1}}\n  x", "mean: 3, sd: 2}}\n  x")), samples=5000, seed=1
    )
    np.testing.assert_array_equal(moved["other"], base["other"])
    np.testing.assert_allclose(moved["x"] - moved["a"], base["x"] - base["a"], atol=1e-12)  # the child's own variate
    assert not np.allclose(moved["x"], base["x"])


def test_chunk_size_and_order_in_the_file_change_nothing() -> None:
    s = scenario(DRIVERS)
    a = sample_worlds(s, samples=70_000, seed=5)
    b = sample_worlds(s, samples=70_000, seed=5, chunk_size=1000)
    pd.testing.assert_frame_equal(a, b)
    reordered = scenario(
        "  x: {normal: {mean: a, sd: 1}}\n  a: {normal: {mean: 0, sd: 1}}\n  other: {uniform: [0, 1]}\n"
    )
    c = sample_worlds(reordered, samples=70_000, seed=5)
    for k in ("a", "x", "other"):
        np.testing.assert_array_equal(c[k], a[k])


@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_quasi_random_samplers(sampler: str) -> None:
    f = worlds(
        "  a: {normal: {mean: 2, sd: 3}}\n  x: {normal: {mean: a, sd: 4}}\n  p: {beta: [1, 1]}\n  hit: {probability: p}\n",
        samples=8192,
        sampler=sampler,
    )
    assert f["x"].mean() == pytest.approx(2, abs=0.2)
    assert f["x"].std() == pytest.approx(5, rel=0.03)
    assert f["hit"].mean() == pytest.approx(0.5, abs=0.03)


# -- the rest of outlook ---------------------------------------------------------------------------


def test_graph_has_driver_to_driver_edges_and_unused_follows_them() -> None:
    s = scenario(
        "  k: 3\n  p: {beta: {alpha: k + 1, beta: 2}}\n  hit: {probability: p}\n  lone: 1\n",
        head=HEAD_11.replace("{rest: otherwise}", "{yes: {when: hit == 1}, rest: otherwise}"),
    )
    g = dependency_graph(s)
    edges = {(e.source, e.target, e.kind) for e in g.edges}
    assert {("driver:k", "driver:p", "reads"), ("driver:p", "driver:hit", "reads")} <= edges
    assert g.upstream({"scenario:yes"}) >= {"driver:k", "driver:p", "driver:hit"}
    assert [n.key for n in g.unreached()] == ["driver:lone"]


def test_what_if_recomputes_the_children_exactly() -> None:
    s = scenario(DRIVERS)
    new = s.with_overrides({"drivers.a.normal.mean": 2})
    b, n = compile_model(s), compile_model(new)
    assert plan_recompute(b, n).nodes == {"driver:a", "driver:x"}
    base = draw_worlds(b, 1, 0, 3000, total=3000)
    got = recompute_worlds(b, base, n, seed=1, total=3000)
    full = draw_worlds(n, 1, 0, 3000, total=3000)
    for k in full.values:
        np.testing.assert_array_equal(got.values[k], full.values[k])
    assert got.values["other"] is base.values["other"]


def test_an_override_may_write_an_expression() -> None:
    s = scenario(DRIVERS).with_overrides({"drivers.x.normal.sd": "1 + abs(a)"})
    assert s.driver("x").distribution.describe() == "normal(mean=a, sd=1 + abs(a))"
    f = sample_worlds(s, samples=2000, seed=2)
    base = sample_worlds(scenario(DRIVERS), samples=2000, seed=2)
    np.testing.assert_allclose((f["x"] - f["a"]) / (1 + f["a"].abs()), base["x"] - base["a"], atol=1e-12)


def test_round_trip_and_hash() -> None:
    s = scenario("  k: 3\n  p: {beta: {alpha: k + 1, beta: 2}}\n  x: {normal: [p, 1], truncate: [0, null]}\n")
    again = Scenario.from_yaml(s.to_yaml())
    assert again.hash == s.hash
    assert again.driver("x").stated == s.driver("x").stated
    assert isinstance(s.driver("x").stated, HierarchicalForm)
    other = scenario("  k: 3\n  p: {beta: {alpha: k + 2, beta: 2}}\n  x: {normal: [p, 1], truncate: [0, null]}\n")
    assert other.hash != s.hash


def test_tornado_sets_a_hierarchical_driver_at_its_conditional_percentiles() -> None:
    """p ~ Beta(4, 8) feeds hit ~ Bernoulli(p): p at its 5th percentile gives P(hit) = that percentile."""
    head = HEAD_11.replace("{rest: otherwise}", "{yes: {when: hit == 1}, rest: otherwise}")
    s = scenario("  k: 3\n  p: {beta: {alpha: k + 1, beta: 11 - k}}\n  hit: {probability: p}\n", head=head)
    t = tornado(s, "yes@soon", samples=40_000, seed=1)
    row = t.table.set_index("driver").loc["p"]
    lo, hi = stats.beta(4, 8).ppf([0.05, 0.95])
    assert row["low"] == pytest.approx(lo, rel=1e-6)
    assert row["high"] == pytest.approx(hi, rel=1e-6)
    se = math.sqrt(0.25 / 40_000)
    assert row["p_low"] == pytest.approx(lo, abs=4 * se)
    assert row["p_high"] == pytest.approx(hi, abs=4 * se)
    assert list(t.apart["driver"]) == ["k"]


def test_report_describes_the_form_with_its_expressions() -> None:
    s = scenario(
        "  a: {normal: {mean: 0, sd: 1}}\n  x: {normal: {mean: a, sd: 1}}\n  hit: {probability: 'clip(x, 0, 1)'}\n"
    )
    assert s.driver("x").distribution.describe() == "normal(mean=a, sd=1)"
    assert s.driver("hit").distribution.describe() == "yes/no(p=clip(x, 0, 1))"
    assert s.driver("hit").kind == "yes/no"


def test_old_files_read_text_as_before() -> None:
    """A format 1 file whose text names no driver keeps its message; one that names a driver is told of 1.1."""
    assert errors(HEAD_1 + "drivers:\n  a: {normal: {mean: 0, sd: one}}\n") == [
        "s.yaml:9:29: drivers.a.normal.sd: expected a number (got 'one')"
    ]


# -- errors, exact text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("drivers", "rest", "expected"),
    [
        (
            "  a: {normal: {mean: b, sd: 1}}\n  b: {normal: {mean: a, sd: 1}}\n  c: {normal: {mean: c, sd: 1}}\n",
            "",
            [
                "s.yaml:9:6: drivers.a: drivers' parameters refer to each other in a cycle: a -> b -> a",
                "s.yaml:11:6: drivers.c: drivers' parameters refer to each other in a cycle: c -> c",
            ],
        ),
        (
            "  a: {normal: {mean: q, sd: 1}}\n",
            "derived: {q: 2}\n",
            [
                "s.yaml:9:22: drivers.a.normal.mean: 'q' is a derived quantity; a driver's parameter may read only "
                "other drivers (numbers, pi and functions too)"
            ],
        ),
        (
            "  a: {probability: e}\n",
            "events: {e: {rate: 0.1}}\n",
            [
                "s.yaml:9:20: drivers.a.probability: 'e' is an event; a driver's parameter may read only other "
                "drivers (numbers, pi and functions too)"
            ],
        ),
        (
            "  a: {normal: {mean: t, sd: 1}}\n",
            "",
            [
                "s.yaml:9:22: drivers.a.normal.mean: 't' is the end of a horizon, which a driver (drawn once per "
                "world) cannot read: a driver's parameter may read only other drivers (numbers, pi and functions too)"
            ],
        ),
        (
            "  a: {normal: {mean: '1 + time(e)', sd: 1}}\n",
            "events: {e: {rate: 0.1}}\n",
            [
                "s.yaml:9:27: drivers.a.normal.mean: time() reads an event's time, which a driver (drawn once per "
                "world) cannot read: a driver's parameter may read only other drivers (numbers, pi and functions too)"
            ],
        ),
        (
            "  alpha: 1\n  a: {normal: {mean: alpah, sd: 1}}\n",
            "",
            ["s.yaml:10:22: drivers.a.normal.mean: unknown name 'alpah'. Did you mean 'alpha'?"],
        ),
        (
            "  c: {categorical: {x: 0.5, y: 0.5}}\n  a: {normal: {mean: c + 1, sd: 1}}\n",
            "",
            [
                "s.yaml:10:22: drivers.a.normal.mean: 'c' is a categorical driver; it may only be compared with one "
                "of its categories, as in c == 'x' or c != 'x'"
            ],
        ),
        (
            "  b: {normal: {mean: 0, sd: 1}}\n  a: {normal: {mean: b, sd: 1}}\n",
            "correlations: [[a, b, 0.5]]\n",
            [
                "s.yaml:11:17: correlations[0][0]: driver 'a' has parameters that read other drivers (b) and cannot "
                "be correlated: its dependence on them is what its parameters state"
            ],
        ),
        (
            "  b: 1\n  a: {mixture: [{weight: 1, normal: {mean: b, sd: 1}}]}\n",
            "",
            [
                "s.yaml:10:44: drivers.a.mixture[0].normal.mean: a mixture's component takes numbers, not expressions (got 'b')"
            ],
        ),
        (
            "  b: 1\n  a: {normal: {mean: b, sd: -1}}\n",
            "",
            ["s.yaml:10:29: drivers.a.normal.sd: sd must be positive (got -1)"],
        ),
        (
            "  b: 1\n  a: {pert: {min: b, mode: 2, max: 3, lambda: 0}}\n",
            "",
            ["s.yaml:10:47: drivers.a.pert.lambda: lambda must be positive (got 0)"],
        ),
    ],
    ids=[
        "cycle",
        "derived",
        "event",
        "t",
        "time",
        "unknown",
        "categorical",
        "correlated",
        "mixture",
        "constant-sd",
        "constant-lambda",
    ],
)
def test_error_text(drivers: str, rest: str, expected: list[str]) -> None:
    assert errors(HEAD_11 + "drivers:\n" + drivers + rest) == expected


def test_format_1_refuses_an_expression() -> None:
    assert errors(HEAD_1 + "drivers:\n  b: 1\n  a: {normal: {mean: b, sd: 1}}\n") == [
        "s.yaml:10:22: drivers.a.normal.mean: a parameter written as an expression is new in format 1.1: "
        "write 'outlook: 1.1' at the top of the file"
    ]


def test_a_categorical_parent_in_a_comparison() -> None:
    f = worlds(
        "  c: {categorical: {hi: 0.3, lo: 0.7}}\n  x: {normal: {mean: \"where(c == 'hi', 10, 0)\", sd: 1}}\n",
        samples=4000,
    )
    high = (f["c"] == "hi").to_numpy()
    assert f["x"][high].mean() == pytest.approx(10, abs=0.2)
    assert f["x"][~high].mean() == pytest.approx(0, abs=0.2)


@pytest.mark.parametrize(
    ("drivers", "expected"),
    [
        (
            "  b: {uniform: [-1, 1]}\n  a: {normal: {mean: 0, sd: b}}\n",
            "s.yaml:10:29: drivers.a.normal.sd: driver 'a': sd must be positive; it is not in 510 of the 1,000 worlds of the first block where it fails "
            "(e.g. sd -0.819839, where sd = b); state parameters that are valid in every world (max(), min() or "
            "clip() can bound them)",
        ),
        (
            "  b: {uniform: [0, 2]}\n  a: {probability: b}\n",
            "s.yaml:10:20: drivers.a.probability: driver 'a': probability must lie in [0, 1]; it is not in 490 of the "
            "1,000 worlds of the first block where it fails (e.g. p 1.66383, where p = b); state parameters that are valid in every world (max(), "
            "min() or clip() can bound them)",
        ),
        (
            "  b: {uniform: [-1, 1]}\n  a: {uniform: {min: 0, max: b}}\n",
            "s.yaml:10:30: drivers.a.uniform.max: driver 'a': min must be below max; it is not in 510 of the 1,000 "
            "worlds of the first block where it fails (e.g. min 0, max -0.819839, where max = b); state parameters that are valid in every world "
            "(max(), min() or clip() can bound them)",
        ),
        (
            "  b: {uniform: [-1, 1]}\n  a: {normal: {mean: 0, sd: log(b)}}\n",
            "s.yaml:10:29: drivers.a.normal.sd: driver 'a': sd must be a finite number; it is not in 510 of the 1,000 "
            "worlds of the first block where it fails (e.g. sd nan, where sd = log(b)); state parameters that are valid in every world (max(), min() "
            "or clip() can bound them)",
        ),
        (
            "  b: {uniform: [-1, 1]}\n  a: {normal: {mean: b * 10, sd: 0.1}, truncate: [-0.5, 0.5]}\n",
            "s.yaml:10:6: drivers.a.truncate: driver 'a': truncate [-0.5, 0.5] keeps less than 1e-12 of its "
            "distribution in 865 of the 1,000 worlds of the first block where it does (e.g. mean -8.19839, sd 0.1); widen it",
        ),
        (
            "  m: {uniform: [0, 400]}\n  a: {lognormal: {mu: m, sigma: 1}}\n",
            "s.yaml:10:6: drivers.a: values reach 1.103e+173 in 149 of 1,000 worlds, beyond 1e+150: too large for a "
            "run to summarise; express it in larger units or bound its parameters",
        ),
    ],
    ids=["sd", "probability", "min-max", "not-finite", "truncate", "too-large"],
)
def test_invalid_parameters_in_some_worlds_stop_the_run(drivers: str, expected: str) -> None:
    with pytest.raises(SimulationError) as info:
        sample_worlds(scenario(drivers), samples=1000, seed=0)
    assert str(info.value) == expected


def test_report_and_its_figures_show_a_hierarchical_driver() -> None:
    import outlook
    from outlook.report import build_report

    head = HEAD_11.replace("{rest: otherwise}", "{yes: {when: it}, rest: otherwise}")
    s = scenario(
        "  top: {uniform: [1, 3]}\n  r: {uniform: {min: 0, max: top}}\n  hit: {probability: 'r / 3'}\n",
        "events: {it: {rate: r}}\n",
        head=head,
    )
    tables = outlook.summarise(outlook.simulate(s, samples=5000, seed=1))
    md, files = build_report(tables, format="markdown")
    assert "uniform: min 0, max top" in md
    assert "(sampled as uniform(min=0, max=top))" in md
    assert "yes with probability r / 3" in md
    assert files


def test_first_order_indices_bin_a_hierarchical_driver_by_its_marginal() -> None:
    """x | a ~ N(a, 1), the event reads x alone: S1 of a is var(a) / var(x) for a linear target (closed form)."""
    from outlook.analysis.indices import first_order_indices

    head = HEAD_11.replace("{rest: otherwise}", "{yes: {when: 'x > 0'}, rest: otherwise}")
    s = scenario("  a: {normal: {mean: 0, sd: 1}}\n  x: {normal: {mean: a, sd: 1}}\n", head=head)
    table = first_order_indices(s, samples=40_000, seed=2)
    rows = table[(table["target"] == "yes@soon")].set_index("driver")
    assert rows.loc["x", "S1"] > 0.9  # yes is x > 0: x decides it
    # P(yes | a) = Phi(a); E Phi(a)^2 = P(Z1 < a, Z2 < a) = 1/4 + asin(1/2) / (2 pi) = 1/3 (Sheppard), so
    # var Phi(a) = 1/3 - 1/4 = 1/12 and S1(a) = (1/12) / (1/4) = 1/3
    assert rows.loc["a", "S1"] == pytest.approx(1 / 3, abs=0.03)


def test_a_scenario_built_by_hand_is_checked_too() -> None:
    import dataclasses

    s = scenario(DRIVERS)
    with pytest.raises(ScenarioError) as info:
        dataclasses.replace(s, drivers=s.drivers[1:])
    assert "drivers.x.normal.mean: refers to 'a', which is not a driver of this scenario" in str(info.value)


def test_a_child_of_a_correlated_driver() -> None:
    s = scenario(
        "  a: {normal: {mean: 0, sd: 1}}\n  b: {normal: {mean: 0, sd: 1}}\n  x: {normal: {mean: a, sd: 1}}\n",
        "correlations: [[a, b, 0.8]]\n",
    )
    f = sample_worlds(s, samples=20_000, seed=4)
    assert stats.spearmanr(f["a"], f["b"])[0] == pytest.approx(0.8, abs=0.02)
    assert f["x"].std() == pytest.approx(math.sqrt(2), rel=0.03)


def test_the_documented_example_runs_as_documented() -> None:
    """docs/scenario-format.md, "Hierarchical parameters": its file loads and P(again) = (k + 1) / (n + 2)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    section = text[text.index("## Hierarchical parameters (format 1.1)") :]
    block = section[section.index("```yaml\n") + 8 : section.index("```\n", section.index("```yaml\n") + 8)]
    s = Scenario.from_yaml(block)
    f = sample_worlds(s, samples=60_000, seed=0)
    assert f["again"].mean() == pytest.approx(1 / 3, abs=4 * math.sqrt(2 / 9 / 60_000))
    assert (f["delay"] >= 0).all()
    assert s.with_overrides({"drivers.delay.normal.sd": "1 + k"}).driver("delay").distribution.describe() == (
        "normal(mean=where(again == 1, 2, 5), sd=1 + k) truncated to [0, inf]"
    )


def test_tipping_point_shifts_a_parent_and_refuses_the_child() -> None:
    from outlook.analysis.tipping import tipping_point

    head = HEAD_11.replace("{rest: otherwise}", "{yes: {when: 'hit == 1'}, rest: otherwise}")
    s = scenario("  m: {normal: {mean: 0.2, sd: 0.05}}\n  hit: {probability: 'clip(m, 0, 1)'}\n", head=head)
    t = tipping_point(s, "m", "yes", "soon", samples=20_000)
    # P(yes) = E clip(m + shift, 0, 1), about 0.2 + shift: "roughly even chance" (icd203) starts at 0.45
    assert t.shift == pytest.approx(0.25, abs=0.02)
    with pytest.raises(ValueError, match=r"^a tipping point shifts a stated location; this driver's probability"):
        tipping_point(s, "hit", "yes", "soon", samples=1000)


def test_a_cycle_built_by_hand_is_refused() -> None:
    import dataclasses

    from outlook.errors import Location
    from outlook.scenario import Driver
    from outlook.scenario.expressions import compile_expression

    s = scenario(DRIVERS)
    loop = compile_expression("x", where=Location("s.yaml", key_path="drivers.a.normal.mean"), names={"x": None})
    a = Driver("a", HierarchicalForm("normal", (("mean", loop), ("sd", 1.0))), where=Location("s.yaml", 9, 6))
    with pytest.raises(ScenarioError) as info:
        dataclasses.replace(s, drivers=(a, *s.drivers[1:]))
    assert str(info.value) == "s.yaml:9:6: drivers.a: drivers' parameters refer to each other in a cycle: a, x"


def test_worker_processes_give_the_same_tables() -> None:
    from outlook import simulate, summarise
    from outlook.model.settings import BLOCK_SIZE

    s = scenario(DRIVERS + "  p: {beta: [2, 2]}\n  hit: {probability: 'p * clip(abs(x), 0, 1)'}\n")
    one = summarise(simulate(s, samples=2 * BLOCK_SIZE + 100, seed=9))
    two = summarise(simulate(s, samples=2 * BLOCK_SIZE + 100, seed=9, workers=2, chunk_size=BLOCK_SIZE))
    pd.testing.assert_frame_equal(one.drivers, two.drivers)


def test_the_command_line_runs_graphs_and_overrides_it(tmp_path: object) -> None:
    import io
    import json
    from pathlib import Path

    from outlook import cli

    def run(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(list(argv), stdout=out, stderr=err)
        return code, out.getvalue(), err.getvalue()

    path = Path(str(tmp_path)) / "h.yaml"
    head = HEAD_11.replace("{rest: otherwise}", "{yes: {when: hit == 1}, rest: otherwise}")
    path.write_text(head + "drivers:\n  k: 3\n  p: {beta: {alpha: k + 1, beta: 11 - k}}\n  hit: {probability: p}\n")
    code, out, err = run("run", str(path), "-n", "20000", "--seed", "1", "--format", "json")
    assert (code, err) == (0, "")
    p = next(r["p"] for r in json.loads(out)["scenarios"] if r["scenario"] == "yes")
    assert p == pytest.approx(1 / 3, abs=4 * math.sqrt(2 / 9 / 20_000))
    code, out, _ = run("graph", str(path))
    assert code == 0
    assert 'n0["driver: k"]' in out
    assert "n0 --> n1" in out  # k -> p
    assert "n1 --> n2" in out  # p -> hit
    code, out, err = run("run", str(path), "-n", "1000", "--set", "drivers.hit.probability=p * 3")
    assert code != 0
    assert "drivers.hit.probability: driver 'hit': probability must lie in [0, 1]; it is not in" in err
