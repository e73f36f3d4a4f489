"""Format 1.1's expression functions and constants: each against Python's math module, gated by the format version."""

from __future__ import annotations

import math

import numpy as np
import pytest

from outlook import Scenario, ScenarioErrors, sample_worlds
from outlook.testing import HEADER

HEAD_1 = HEADER + "horizons: {soon: {until: 1y}}\nscenarios: {rest: otherwise}\n"
HEAD_11 = HEAD_1.replace("outlook: 1\n", "outlook: 1.1\n")
POINTS = [-0.9, -0.3, 0.0, 0.2, 0.75]


def values(expr: str, x: float) -> float:
    """``expr`` evaluated in one world where the driver ``x`` is the constant ``x``."""
    s = Scenario.from_yaml(HEAD_11 + f"drivers: {{x: {x!r}}}\nderived: {{d: '{expr}'}}\n")
    return float(s.derived[0].expr.evaluate({"x": np.array([x])}, 1)[0])


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("sin", math.sin),
        ("cos", math.cos),
        ("tan", math.tan),
        ("asin", math.asin),
        ("acos", math.acos),
        ("atan", math.atan),
        ("sinh", math.sinh),
        ("cosh", math.cosh),
        ("tanh", math.tanh),
        ("erf", math.erf),
    ],
)
def test_each_function_agrees_with_math(name: str, reference: object) -> None:
    for x in POINTS:
        assert values(f"{name}(x)", x) == pytest.approx(reference(x), rel=1e-14, abs=1e-15)  # type: ignore[operator]


def test_atan2_pi_and_inf() -> None:
    assert values("atan2(x, -1)", 0.5) == pytest.approx(math.atan2(0.5, -1), rel=1e-15)
    assert values("sin(pi / 6)", 0.0) == pytest.approx(0.5, rel=1e-15)
    assert values("min(x, inf)", 3.0) == 3.0
    assert values("max(x, -inf)", -3.0) == -3.0
    assert values("x < inf", 1e100) == 1.0


def test_ishigami_mean_and_variance() -> None:
    """Ishigami's function on uniform inputs over [-pi, pi]: mean a/2, variance a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2.

    Ishigami and Homma (1990); Saltelli et al., Global Sensitivity Analysis: The Primer (2008), 4.8.
    """
    a, b = 7.0, 0.1
    text = HEAD_11 + (
        "drivers:\n"
        + "".join(f"  x{i}: {{uniform: {{min: -3.141592653589793, max: 3.141592653589793}}}}\n" for i in (1, 2, 3))
        + f"derived: {{f: 'sin(x1) + {a} * sin(x2) ** 2 + {b} * x3 ** 4 * sin(x1)'}}\n"
    )
    f = sample_worlds(Scenario.from_yaml(text), samples=1 << 16, seed=3, sampler="sobol")["f"].to_numpy()
    var = a**2 / 8 + b * math.pi**4 / 5 + b**2 * math.pi**8 / 18 + 0.5
    assert f.mean() == pytest.approx(a / 2, abs=0.01)
    assert f.var() == pytest.approx(var, rel=0.01)


def errors(text: str) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    return str(info.value).splitlines()


def test_a_version_1_file_refuses_them() -> None:
    assert [
        "s.yaml:9:19: derived.d: the function 'sin' is new in format 1.1: write 'outlook: 1.1' at the top of the file"
    ] == errors(HEAD_1 + "drivers: {x: 1}\nderived: {d: 'x + sin(x)'}\n")
    assert [
        "s.yaml:9:19: derived.d: the constant 'inf' is new in format 1.1: write 'outlook: 1.1' at the top of the file"
    ] == errors(HEAD_1 + "drivers: {x: 1}\nderived: {d: 'x < inf'}\n")


def test_a_version_1_file_may_still_name_a_driver_sin() -> None:
    """Names that are functions only since 1.1 stay free in a version-1 file (it loads as before)."""
    s = Scenario.from_yaml(HEAD_1 + "drivers: {sin: 1, inf: 2}\nderived: {d: 'sin + inf'}\n")
    assert ("sin", "inf") == tuple(d.id for d in s.drivers)
    assert ["s.yaml:8:11: drivers.sin: 'sin' is a reserved word and cannot be a name"] == errors(
        HEAD_11 + "drivers: {sin: 1}\n"
    )


def test_suggestions_are_functions_taking_that_many_arguments() -> None:
    """``mix(x)`` is not offered ``min``/``max`` (they take two or more); ``sine(x)`` is offered ``sin``."""
    (line,) = errors(HEAD_11 + "drivers: {x: 1}\nderived: {d: 'mix(x)'}\n")
    assert "Did you mean" not in line
    (line,) = errors(HEAD_11 + "drivers: {x: 1}\nderived: {d: 'sine(x)'}\n")
    assert line.endswith("Did you mean 'sin'?")
    (line,) = errors(HEAD_11 + "drivers: {x: 1}\nderived: {d: 'mix(x, 2)'}\n")
    assert line.endswith("Did you mean 'max'?") or line.endswith("Did you mean 'min'?")
