"""The Monte Carlo engine: closed forms, a slow reference, and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import outlook
from outlook import Scenario, SimulationError, compile_model, sample_worlds, simulate, summarise
from outlook.model import BLOCK_SIZE, MAX_CHUNK_SIZE, event_times, iter_worlds

HEAD = """
outlook: 1
id: t
title: T
question: Q?
as_of: 2024-01-01
"""


def make(body: str) -> Scenario:
    return Scenario.from_yaml(HEAD + body, path="t.yaml")


def tables(body: str, samples: int = 50_000, seed: int = 1, **kw: int) -> outlook.Tables:
    return summarise(simulate(make(body), samples=samples, seed=seed, **kw))


def within(p_hat: float, p: float, n: int, k: float = 4.0) -> bool:
    se = math.sqrt(max(p * (1 - p), 1e-12) / n)
    return abs(p_hat - p) <= k * se + 1e-12


# --------------------------------------------------------------------------
# closed forms


@pytest.mark.parametrize("rate", [0.05, 0.3, 1.5], ids=["r0.05", "r0.3", "r1.5"])
def test_constant_hazard_matches_closed_form(rate: float) -> None:
    """A constant hazard r gives P(by t) = 1 - exp(-r t) within 4 standard errors."""
    n = 100_000
    out = tables(
        f"""
horizons: {{a: {{until: 6mo}}, b: {{until: 2y}}, c: {{until: 10y}}}}
drivers: {{}}
events: {{e: {{rate: {rate}}}}}
scenarios: {{hit: e, miss: otherwise}}
""",
        samples=n,
    )
    for (_, row), t in zip(out.events.iterrows(), [0.5, 2.0, 10.0]):
        expected = 1 - math.exp(-rate * t)
        assert within(row["p_by"], expected, n), (row["horizon"], row["p_by"], expected)


def test_rate_from_driver_matches_mixture() -> None:
    """A rate drawn from a driver gives P(by t) = E[1 - exp(-R t)] over the driver."""
    n = 100_000
    out = tables(
        """
horizons: {a: {until: 1y}, b: {until: 5y}}
drivers: {r: {uniform: {min: 0.1, max: 0.5}}}
events: {e: {rate: r}}
scenarios: {hit: e, miss: otherwise}
""",
        samples=n,
    )
    for (_, row), t in zip(out.events.iterrows(), [1.0, 5.0]):
        # E[1 - e^{-Rt}], R ~ U(a, b): 1 - (e^{-at} - e^{-bt}) / ((b - a) t)
        expected = 1 - (math.exp(-0.1 * t) - math.exp(-0.5 * t)) / (0.4 * t)
        assert within(row["p_by"], expected, n)


def test_cumulative_by_probabilities_are_reproduced() -> None:
    """`by` probabilities come back at their horizons; the last hazard continues after."""
    n = 100_000
    out = tables(
        """
horizons: {a: {until: 1y}, b: {until: 5y}, c: {until: 10y}}
drivers: {}
events: {e: {by: {a: 0.3, b: 0.6}}}
scenarios: {hit: e, miss: otherwise}
""",
        samples=n,
    )
    got = out.events.set_index("horizon")["p_by"]
    lam = -math.log(0.4 / 0.7) / 4  # hazard between 1y and 5y
    assert within(got["a"], 0.3, n)
    assert within(got["b"], 0.6, n)
    assert within(got["c"], 1 - 0.4 * math.exp(-lam * 5), n)


def test_after_multiplies_hazard_from_the_other_events_time() -> None:
    """B's hazard b becomes m*b once A (rate a) happened: the closed form holds."""
    a, b, m, n = 0.4, 0.1, 3.0, 100_000
    out = tables(
        f"""
horizons: {{a: {{until: 1y}}, b: {{until: 4y}}}}
drivers: {{}}
events:
  first: {{rate: {a}}}
  second: {{rate: {b}, after: {{first: {m}}}}}
scenarios: {{hit: second, miss: otherwise}}
""",
        samples=n,
    )
    ev = out.events[out.events["event"] == "second"]
    for (_, row), t in zip(ev.iterrows(), [1.0, 4.0]):
        k = a + b - m * b
        surv = a * math.exp(-m * b * t) * (1 - math.exp(-k * t)) / k + math.exp(-(a + b) * t)
        assert within(row["p_by"], 1 - surv, n)


def test_requires_holds_hazard_at_zero_until_the_other_event() -> None:
    """B (rate b) that requires A (rate a): S(t) = e^{-at} + a e^{-bt}(1 - e^{-(a-b)t})/(a-b)."""
    a, b, n = 0.5, 0.2, 100_000
    out = tables(
        f"""
horizons: {{a: {{until: 1y}}, b: {{until: 5y}}}}
drivers: {{}}
events:
  first: {{rate: {a}}}
  second: {{rate: {b}, requires: [first]}}
scenarios: {{hit: second, miss: otherwise}}
""",
        samples=n,
    )
    ev = out.events[out.events["event"] == "second"]
    for (_, row), t in zip(ev.iterrows(), [1.0, 5.0]):
        surv = math.exp(-a * t) + a * math.exp(-b * t) * (1 - math.exp(-(a - b) * t)) / (a - b)
        assert within(row["p_by"], 1 - surv, n)


SHAPES = [
    ("normal", "[8000, 12000]", ""),
    ("lognormal", "[700, 1800]", ""),
    ("uniform", "[2, 5]", ""),
    ("triangular", "[2, 9]", ", mode: 4"),
    ("pert", "[0.1, 0.8]", ", mode: 0.3"),
    ("beta", "[0.2, 0.6]", ""),
]


@pytest.mark.parametrize(("shape", "rng", "extra"), SHAPES, ids=[s[0] for s in SHAPES])
@pytest.mark.parametrize("correlated", [False, True], ids=["independent", "correlated"])
def test_range_is_the_90_percent_interval(shape: str, rng: str, extra: str, correlated: bool) -> None:
    """A `range: [a, b]` driver has its 5th and 95th percentiles at a and b."""
    n = 200_000
    corr = "correlations: [[x, y, 0.5]]" if correlated else ""
    s = make(
        f"""
horizons: {{a: {{until: 1y}}}}
drivers:
  x: {{range: {rng}, shape: {shape}{extra}}}
  y: {{range: [1, 2], shape: normal}}
{corr}
scenarios: {{all: otherwise}}
"""
    )
    lo, hi = (float(v) for v in rng.strip("[]").split(","))
    d = s.driver("x").distribution
    assert np.allclose(d.ppf(np.array([0.05, 0.95])), [lo, hi], rtol=1e-8)
    x = sample_worlds(s, samples=n, seed=5)["x"].to_numpy()
    assert within(float(np.mean(x < lo)), 0.05, n)
    assert within(float(np.mean(x > hi)), 0.05, n)


def test_confidence_changes_the_interval() -> None:
    """`confidence: 0.8` puts the range at the 10th and 90th percentiles."""
    s = make(
        """
horizons: {a: {until: 1y}}
drivers: {x: {range: [10, 20], shape: lognormal, confidence: 0.8}}
scenarios: {all: otherwise}
"""
    )
    assert np.allclose(s.driver("x").distribution.ppf(np.array([0.1, 0.9])), [10, 20])


def test_rank_correlation_is_reproduced() -> None:
    """Correlated drivers have the Spearman rank correlation the file states."""
    from scipy.stats import spearmanr

    s = make(
        """
horizons: {a: {until: 1y}}
drivers:
  x: {range: [1, 10], shape: lognormal}
  y: {range: [0.1, 0.9], shape: beta}
  z: {range: [-1, 1], shape: normal}
correlations: [[x, y, 0.6], [y, z, -0.3]]
scenarios: {all: otherwise}
"""
    )
    w = sample_worlds(s, samples=100_000, seed=2)
    assert abs(spearmanr(w["x"], w["y"]).statistic - 0.6) < 0.01
    assert abs(spearmanr(w["y"], w["z"]).statistic + 0.3) < 0.01
    assert abs(spearmanr(w["x"], w["z"]).statistic) < 0.3


def test_tabulated_beta_inverse_matches_betaincinv() -> None:
    """Correlated beta draws use a table whose error against betaincinv is below 1e-7."""
    from scipy import special

    from outlook.distributions import Beta

    z = np.linspace(-6, 6, 100_001)
    for a, b in [(0.5, 0.5), (2.5, 3.5), (5.9, 9.2), (30.0, 2.0), (0.3, 4.0)]:
        exact = special.betaincinv(a, b, special.ndtr(z))
        assert np.max(np.abs(Beta(a, b).from_normal(z) - exact)) < 1e-6


# --------------------------------------------------------------------------
# a slow, obvious reference


def slow_event_time(e: float, ends: list[float], rates: list[float], mods: list[tuple[float, float, float]]) -> float:
    """Walk the timeline piece by piece, in plain Python."""
    points = sorted({0.0, *ends, *(t for t, _, _ in mods if math.isfinite(t))})
    total = 0.0
    for i, start in enumerate(points):
        stop = points[i + 1] if i + 1 < len(points) else math.inf
        seg = sum(1 for x in ends if x <= start)
        r = rates[seg]
        for t, before, after in mods:
            r *= after if start >= t else before
        if r == 0:
            continue
        if math.isinf(r):
            return start
        if total + r * (stop - start) >= e:
            return start + (e - total) / r
        total += r * (stop - start)
    return math.inf


@settings(max_examples=60, deadline=None)
@given(
    e=st.floats(0.001, 8),
    ends=st.lists(st.floats(0.1, 10), max_size=3, unique=True).map(sorted),
    data=st.data(),
)
def test_event_times_match_slow_reference(e: float, ends: list[float], data: st.DataObject) -> None:
    """The vectorised hazard inversion agrees with a piece-by-piece walk."""
    rates = data.draw(st.lists(st.floats(0, 3), min_size=len(ends) + 1, max_size=len(ends) + 1))
    mods = data.draw(
        st.lists(
            st.tuples(st.one_of(st.floats(0, 12), st.just(math.inf)), st.sampled_from([0.0, 1.0]), st.floats(0, 4)),
            max_size=2,
        )
    )
    got = event_times(
        np.array([e]),
        np.array(ends),
        np.array([rates]),
        [(np.array([t]), b, a) for t, b, a in mods],
    )[0]
    expected = slow_event_time(e, ends, rates, mods)
    if math.isinf(expected):
        assert math.isinf(got)
    else:
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


def slow_scenarios(s: Scenario, worlds: object, horizon_end: float) -> list[str]:
    """Label each world by the first rule that holds, one world at a time."""
    import pandas as pd

    assert isinstance(worlds, pd.DataFrame)
    labels = []
    for _, w in worlds.iterrows():
        env = {}
        for d in s.drivers:
            v = w[d.id]
            env[d.id] = np.array([float(d.categories.index(v)) if d.categories else float(v)])
        for d in s.derived:
            env[d.id] = np.array([float(w[d.id])])
        for e in s.events:
            env[e.id] = np.array([float(w[f"time_{e.id}"] <= horizon_end)])
        for r in s.rules:
            if r.when is None or r.when.evaluate(env, 1)[0] != 0:
                labels.append(r.id)
                break
    return labels


def test_scenario_counts_match_slow_reference() -> None:
    """Scenario probabilities equal a world-by-world labelling of the same draws."""
    s = outlook.load_scenario(outlook.find_scenario("nk-troops-russia"))
    n = 3000
    worlds = sample_worlds(s, samples=n, seed=11)
    out = summarise(simulate(s, samples=n, seed=11))
    for h in s.horizons:
        labels = slow_scenarios(s, worlds, h.until)
        got = out.scenarios[out.scenarios["horizon"] == h.id].set_index("scenario")["p"]
        for r in s.rules:
            assert labels.count(r.id) / n == got[r.id]


def test_labelled_worlds_give_the_scenario_probabilities_exactly() -> None:
    """The share of worlds labelled with a scenario at a horizon is that scenario's p, exactly, for any chunk size."""
    s = outlook.load_scenario(outlook.find_scenario("nk-troops-russia"))
    n = BLOCK_SIZE + 4321
    out = summarise(simulate(s, samples=n, seed=12))
    blocks = list(iter_worlds(compile_model(s), samples=n, seed=12, chunk_size=1000))
    assert [0, BLOCK_SIZE] == [b.start for b in blocks]
    labels = np.concatenate([b.labels for b in blocks], axis=1)
    assert (len(s.horizons), n) == labels.shape
    for hi, h in enumerate(s.horizons):
        got = out.scenarios[out.scenarios["horizon"] == h.id]["p"].tolist()
        assert got == [np.count_nonzero(labels[hi] == ri) / n for ri in range(len(s.rules))]
    worlds = sample_worlds(s, samples=n, seed=12)
    assert slow_scenarios(s, worlds.iloc[:300], s.horizons[1].until) == [s.rules[k].id for k in labels[1, :300]]
    for e in s.events:
        assert worlds[f"time_{e.id}"].tolist() == np.concatenate([b.times[e.id] for b in blocks]).tolist()


def test_summaries_match_the_worlds_exactly() -> None:
    """Means, extremes and percentiles in the tables are those of the very draws."""
    s = outlook.load_scenario(outlook.find_scenario("nk-troops-russia"))
    n = 2 * BLOCK_SIZE + 123
    worlds = sample_worlds(s, samples=n, seed=4)
    out = summarise(simulate(s, samples=n, seed=4, chunk_size=BLOCK_SIZE))
    table = out.drivers.set_index("name")
    for d in s.drivers:
        if d.categories:
            continue
        x = worlds[d.id].to_numpy()
        row = table.loc[d.id]
        assert np.quantile(x, [0.05, 0.25, 0.5, 0.75, 0.95]).tolist() == [
            row[c] for c in ("p5", "p25", "p50", "p75", "p95")
        ]
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-12, abs=1e-12)
        assert row["sd"] == pytest.approx(x.std(ddof=1), rel=1e-9, abs=1e-12)
        assert (row["min"], row["max"]) == (x.min(), x.max())
    for e in s.events:
        got = out.events[out.events["event"] == e.id]["p_by"].to_numpy()
        t = worlds[f"time_{e.id}"].to_numpy()
        assert got.tolist() == [np.mean(t <= h.until) for h in s.horizons]


# --------------------------------------------------------------------------
# properties


def test_same_seed_same_numbers_any_chunk_size() -> None:
    """Chunk size never changes a number: blocks, not chunks, are seeded."""
    s = outlook.load_scenario(outlook.find_scenario("nk-troops-russia"))
    n = 3 * BLOCK_SIZE + 777
    chunks = (1, BLOCK_SIZE, 2 * BLOCK_SIZE, MAX_CHUNK_SIZE)
    runs = [summarise(simulate(s, samples=n, seed=9, chunk_size=c)) for c in chunks]
    for other in runs[1:]:
        for name in ("scenarios", "events", "drivers", "derived"):
            assert runs[0].table(name).equals(other.table(name)), name


def test_different_seeds_differ() -> None:
    """Another seed gives other numbers (the seed is really used)."""
    s = outlook.load_scenario(outlook.find_scenario("nk-troops-russia"))
    a = summarise(simulate(s, samples=5000, seed=1)).scenarios["p"]
    b = summarise(simulate(s, samples=5000, seed=2)).scenarios["p"]
    assert not a.equals(b)


EVENT = st.one_of(
    st.floats(0.0, 2.0).map(lambda r: {"rate": round(r, 4)}),
    st.lists(st.floats(0, 1), min_size=1, max_size=3).map(
        lambda ps: {"by": dict(zip(["a", "b", "c"], sorted(round(p, 4) for p in ps)))}
    ),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(EVENT, min_size=1, max_size=3),
    rules=st.lists(
        st.sampled_from(["e0", "e1 and not e0", "e2 or e0", "x > 0.5", "not e1", "e0 and x < 0.3"]), max_size=4
    ),
    after=st.booleans(),
    seed=st.integers(0, 2**32),
    samples=st.integers(1, 3000),
)
def test_probabilities_sum_to_one_and_grow_with_horizon(
    events: list[dict[str, object]], rules: list[str], after: bool, seed: int, samples: int
) -> None:
    """Every horizon's scenarios sum to 1; P(by an earlier horizon) <= P(by a later one)."""
    evs = {f"e{i}": dict(e) for i, e in enumerate(events)}
    if after and len(evs) > 1:
        evs["e1"]["after"] = {"e0": 2.0}
    names = set(evs)
    rules = [r for r in rules if all(tok in names or not tok.startswith("e") for tok in r.replace("(", " ").split())]
    data = {
        "outlook": 1,
        "id": "prop",
        "title": "P",
        "question": "Q",
        "as_of": "2024-01-01",
        "horizons": {"a": {"until": "1y"}, "b": {"until": "5y"}, "c": {"until": "10y"}},
        "drivers": {"x": {"uniform": {"min": 0, "max": 1}}},
        "events": evs,
        "scenarios": {**{f"s{i}": r for i, r in enumerate(rules)}, "rest": "otherwise"},
    }
    out = summarise(simulate(Scenario.from_dict(data), samples=samples, seed=seed, chunk_size=1024))
    sums = out.scenarios.groupby("horizon", sort=False)["p"].sum()
    assert np.allclose(sums.to_numpy(), 1.0, atol=1e-12)
    for _, ev in out.events.groupby("event"):
        p = ev["p_by"].to_numpy()
        assert np.all(np.diff(p) >= 0)
        assert np.allclose(ev["p_within"].sum(), p[-1])


# --------------------------------------------------------------------------
# failures a run reports


def test_negative_rate_in_some_worlds_is_a_simulation_error() -> None:
    """A rate that is negative in some worlds stops the run with a located message."""
    s = make(
        """
horizons: {a: {until: 1y}}
drivers: {r: {range: [-0.1, 0.5], shape: normal}}
events: {e: {rate: r}}
scenarios: {hit: e, miss: otherwise}
"""
    )
    with pytest.raises(
        SimulationError,
        match=r"^t\.yaml:\d+:\d+: events\.e\.rate: rate is negative, infinite or not a number in [\d,]+ of 1,000 worlds",
    ):
        simulate(s, samples=1000)


def test_falling_by_probabilities_from_drivers_are_a_simulation_error() -> None:
    """`by` probabilities from drivers that fall across horizons are refused at run time."""
    s = make(
        """
horizons: {a: {until: 1y}, b: {until: 2y}}
drivers: {p: {uniform: {min: 0.2, max: 0.8}}}
events: {e: {by: {a: p, b: 0.5}}}
scenarios: {hit: e, miss: otherwise}
"""
    )
    with pytest.raises(
        SimulationError,
        match=r"events\.e\.by\.b: cumulative probability falls below that by a in [\d,]+ of 1,000 worlds",
    ):
        simulate(s, samples=1000)


def test_nan_in_derived_is_a_simulation_error() -> None:
    """A derived quantity that is not a number in some worlds is reported, not averaged."""
    s = make(
        """
horizons: {a: {until: 1y}}
drivers: {x: {range: [-1, 1], shape: normal}}
derived: {y: sqrt(x)}
scenarios: {all: otherwise}
"""
    )
    with pytest.raises(SimulationError, match=r"derived\.y: not a number in \d+ of 500 worlds"):
        simulate(s, samples=500)


def test_infinite_derived_is_a_simulation_error() -> None:
    """A derived quantity that is infinite in some worlds is reported: its mean would be meaningless."""
    s = make(
        """
horizons: {a: {until: 1y}}
drivers: {f: {probability: 0.5}}
derived: {y: log(1 / (1 - f))}
scenarios: {all: otherwise}
"""
    )
    with pytest.raises(
        SimulationError, match=r"^t\.yaml:\d+:\d+: derived\.y: infinite in \d+ of 500 worlds \(a division"
    ):
        simulate(s, samples=500)


def test_unreached_scenario_is_reported() -> None:
    """A scenario that no world reaches is named in the run's warnings."""
    out = tables(
        """
horizons: {a: {until: 1y}}
drivers: {x: {uniform: {min: 0, max: 1}}}
scenarios: {never: x > 2, rest: otherwise}
""",
        samples=1000,
    )
    assert ["scenario 'never' was reached by no simulated world at any horizon"] == list(out.warnings)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"samples": 0}, "samples must be a whole number from 1 to 10,000,000,000 (got 0)"),
        ({"samples": 1.5}, "samples must be a whole number from 1 to 10,000,000,000 (got 1.5)"),
        ({"seed": -1}, "seed must be a whole number from 0 to 2**128 - 1 (got -1)"),
        ({"chunk_size": 0}, "chunk_size must be a whole number from 1 to 4,194,304 (got 0)"),
    ],
    ids=["zero-samples", "float-samples", "negative-seed", "zero-chunk"],
)
def test_bad_arguments_are_value_errors(kw: dict[str, object], message: str) -> None:
    """Bad run settings raise ValueError with a plain message that states the limits."""
    s = make("horizons: {a: {until: 1y}}\ndrivers: {}\nscenarios: {all: otherwise}\n")
    with pytest.raises(ValueError, match=r"^\w+ must be") as info:
        simulate(s, **kw)  # type: ignore[arg-type]
    assert message == str(info.value)


def test_compile_model_orders_correlated_drivers() -> None:
    """The model knows which drivers share the copula, in file order."""
    s = make(
        """
horizons: {a: {until: 1y}}
drivers:
  a: {range: [1, 2], shape: normal}
  b: {range: [1, 2], shape: normal}
  c: {range: [1, 2], shape: normal}
correlations: [[c, a, 0.2]]
scenarios: {all: otherwise}
"""
    )
    assert ("a", "c") == compile_model(s).correlated


SMALL = """
horizons: {a: {until: 6mo}, b: {until: 3y}}
drivers:
  x: {range: [1, 4], shape: lognormal}
  y: {range: [0.2, 0.7], shape: beta}
  c: {categorical: {lo: 0.3, hi: 0.7}}
correlations: [[x, y, 0.4]]
derived: {z: x * y}
events:
  e: {rate: z / 4}
  f: {by: {a: y / 2, b: y}, after: {e: 2}}
scenarios: {both: e and f, one: e or f, hi: c == 'hi', rest: otherwise}
"""


@settings(max_examples=15, deadline=None)
@given(
    samples=st.integers(1, 3 * BLOCK_SIZE),
    chunks=st.lists(st.integers(1, 4 * BLOCK_SIZE), min_size=2, max_size=2),
    seed=st.integers(0, 2**63),
)
def test_chunk_size_never_changes_numbers(samples: int, chunks: list[int], seed: int) -> None:
    """For any sample count, seed and pair of chunk sizes, every table is identical."""
    s = make(SMALL)
    a, b = (summarise(simulate(s, samples=samples, seed=seed, chunk_size=c)) for c in chunks)
    for name in ("scenarios", "events", "drivers", "derived", "categories"):
        assert a.table(name).equals(b.table(name)), name
