"""``after:`` factors as expressions over drivers (format 1.1): an uncertain multiplier of a hazard.

The probabilities are checked against the closed form of a hazard that is
multiplied by ``c`` from another event's exponential time on, averaged over
the factor's distribution by numerical integration, within five binomial
standard errors; the dependency graph and incremental recomputation know the
factor's drivers; each new error has its exact text.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from scipy import integrate

from outlook import Scenario, ScenarioErrors, SimulationError, compile_model, simulate
from outlook.model import dependency_graph, iter_worlds
from outlook.model.incremental import iter_recomputed, plan_recompute
from outlook.testing import HEADER

V11 = HEADER.replace("outlook: 1\n", "outlook: 1.1\n")
LAM, R = 0.5, 0.3  # the hazards of a and of b (before a)
TEXT = V11 + (
    "horizons: {y1: {until: 1y}, y2: {until: 2y}}\n"
    "drivers: {f: {range: [1, 5], shape: uniform, coverage: 1}, unused: 2}\n"
    f"events:\n  a: {{rate: {LAM}}}\n  b: {{rate: {R}, after: {{a: FACTOR}}}}\n"
    "scenarios: {hit: b, rest: otherwise}\n"
)


def load(factor: str, text: str = TEXT) -> Scenario:
    return Scenario.from_yaml(text.replace("FACTOR", factor), path="s.yaml")


def errors(factor: str, text: str = TEXT) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        load(factor, text)
    return str(info.value).splitlines()


def p_by(t: float, c: float) -> float:
    """P(b by t) when b's hazard R becomes c * R at a's time, a ~ Exp(LAM).

    P(b > t) = P(a > t) e^(-R t) + int_0^t LAM e^(-LAM s) e^(-R s - c R (t - s)) ds
             = e^(-(LAM + R) t) + LAM e^(-c R t) (1 - e^(-(LAM + R - c R) t)) / (LAM + R - c R).
    """
    k = LAM + R - c * R
    tail = LAM * t * math.exp(-c * R * t) if abs(k) < 1e-12 else LAM * math.exp(-c * R * t) * -math.expm1(-k * t) / k
    return 1.0 - (math.exp(-(LAM + R) * t) + tail)


def test_an_uncertain_factor_gives_the_averaged_closed_form() -> None:
    """``after: {a: 2 * f}`` with f ~ U(1, 5): P(b by t) is the closed form averaged over c = 2f ~ U(2, 10)."""
    s = load("2 * f")
    n = 200_000
    run = simulate(s, samples=n, seed=11)
    for k, t in enumerate((1.0, 2.0)):
        expected = integrate.quad(lambda c: p_by(t, c) / 8.0, 2.0, 10.0)[0]
        got = float(run.counts.scenarios[k, 0]) / n
        assert abs(got - expected) < 5 * math.sqrt(expected * (1 - expected) / n), t


def test_a_constant_expression_is_its_number() -> None:
    """``after: {a: '2 * 1.5'}`` states what ``after: {a: 3}`` states; an expression survives a round trip."""
    assert load("3") == load("2 * 1.5")
    assert (("a", 3.0),) == load("2 * 1.5").event("b").after
    s = load("2 * f")
    assert Scenario.from_dict(s.to_dict()) == s
    assert s.hash != load("3 * f").hash


def test_chunk_size_changes_nothing() -> None:
    """The same seed gives the same counts for any chunk size."""
    s = load("2 * f")
    a = simulate(s, samples=5000, seed=2, chunk_size=1000)
    b = simulate(s, samples=5000, seed=2, chunk_size=5000)
    assert a.counts.scenarios.tolist() == b.counts.scenarios.tolist()


def test_the_graph_and_incremental_recomputation_know_the_factor() -> None:
    """The factor's driver feeds the event; changing it recomputes the event, byte for byte as a full draw."""
    s = load("2 * f")
    assert "event:b" in dependency_graph(s).downstream("driver:f", correlated=False)
    new = s.with_overrides({"drivers.f": {"range": [2, 3], "shape": "uniform", "coverage": 1}})
    base_model, new_model = compile_model(s), compile_model(new)
    plan = plan_recompute(base_model, new_model)
    assert {"driver:f", "event:b", "scenario:hit", "scenario:rest"} <= set(plan.nodes)
    assert "event:a" not in plan.nodes
    blocks = list(iter_worlds(base_model, samples=2000, seed=5))
    got = list(iter_recomputed(base_model, blocks, new_model, seed=5, samples=2000))
    for expected, actual in zip(iter_worlds(new_model, samples=2000, seed=5), got, strict=True):
        assert expected.times["b"].tobytes() == actual.times["b"].tobytes()
        assert expected.labels.tobytes() == actual.labels.tobytes()


def test_a_factor_out_of_range_in_some_world_stops_the_run() -> None:
    """``unused - 10`` is -8 in every world: the run stops with a located error naming the factor."""
    with pytest.raises(SimulationError) as info:
        simulate(load("unused - 10"), samples=1000, seed=1)
    assert (
        "s.yaml:10:6: events.b.after.a: factor is negative, infinite or not a number in 1,000 of 1,000 worlds (e.g. -8)"
        == str(info.value)
    )


@pytest.mark.parametrize(
    ("factor", "expected"),
    [
        ("-1 * 2", "s.yaml:10:29: events.b.after.a: factor must not be negative (got -2)"),
        ("g * 2", "s.yaml:10:29: events.b.after.a: unknown name 'g'"),
        ("a * 2", "s.yaml:10:29: events.b.after.a: 'a' is an event; use after: or requires: to make a hazard depend on it"),
    ],
    ids=["negative-constant", "unknown-name", "an-event"],
)  # fmt: skip
def test_load_errors_are_exact(factor: str, expected: str) -> None:
    assert [expected] == errors(factor)


def test_a_version_1_file_reads_a_factor_as_before() -> None:
    """A format 1 file keeps requiring a number (its message unchanged)."""
    text = TEXT.replace("outlook: 1.1\n", "outlook: 1\n").replace("coverage: 1", "confidence: 1")
    assert ["s.yaml:10:29: events.b.after.a: expected a number (got 'f * 2')"] == errors("f * 2", text)


def test_the_documented_example_loads() -> None:
    """The ``after:`` expression example of docs/scenario-format.md is valid and reads its driver."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(drivers:\n  escalation_factor:.*?)```", doc, re.DOTALL)
    assert block is not None
    s = Scenario.from_yaml(V11 + "horizons: {y1: {until: 1y}}\nscenarios: {rest: otherwise}\n" + block.group(1))
    assert frozenset({"escalation_factor"}) == s.event("strike").after[0][1].names  # type: ignore[union-attr]
