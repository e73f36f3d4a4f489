"""Drivers that cannot give finite numbers a run can summarise are refused at load, at the driver."""

from __future__ import annotations

import pytest

from outlook import Scenario, ScenarioErrors
from outlook.scenario.stated import MAX_MAGNITUDE
from outlook.testing import HEADER

#: after HEADER (lines 1-5): a horizon and the closing rule; the test's lines start at line 8
REST = "horizons: {a: {until: 1y}}\nscenarios: {rest: otherwise}\n"


def errors(text: str) -> list[str]:
    """The lines of the ScenarioErrors that loading ``text`` as s.yaml raises."""
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    return str(info.value).splitlines()


@pytest.mark.parametrize(
    ("driver", "expected"),
    [
        (
            "{range: [1, 2], shape: normal, confidence: 0.9999999999999999}",
            "s.yaml:8:22: drivers.x.range: gives normal(mean=1.5, sd=0) whose sd is not a positive finite number; "
            "state a wider range or a smaller confidence (got [1, 2])",
        ),
        (
            "{range: [1, 2], shape: normal, confidence: 1e-300}",
            "s.yaml:8:22: drivers.x.range: this range cannot be fitted in floating point: its ends or confidence "
            "are too extreme (got [1, 2])",
        ),
        (
            "{range: [1e-300, 2e-300], shape: beta}",
            "s.yaml:8:22: drivers.x.range: this range cannot be fitted in floating point: its ends or confidence "
            "are too extreme (got [1e-300, 2e-300])",
        ),
        (
            "{range: [0.9999999999, 0.99999999999], shape: beta}",
            "s.yaml:8:22: drivers.x.range: this range cannot be fitted in floating point: its ends or confidence "
            "are too extreme (got [0.9999999999, 0.99999999999])",
        ),
        (
            "{constant: 1e308}",
            "s.yaml:8:25: drivers.x.constant: values reach 1e+308, beyond 1e+150: too large for a run to summarise; "
            "express it in larger units",
        ),
        (
            "{triangular: {min: 1e151, mode: 2e151, max: 3e151}}",
            "s.yaml:8:27: drivers.x.triangular: values reach 3e+151, beyond 1e+150: too large for a run to summarise; "
            "express it in larger units",
        ),
    ],
    ids=["confidence-near-1", "confidence-near-0", "beta-near-0", "beta-near-1", "constant-1e308", "triangular-huge"],
)
def test_a_driver_that_cannot_give_finite_numbers_is_refused_at_load(driver: str, expected: str) -> None:
    """Checked where the stated record becomes a distribution: not a ZeroDivisionError, not a failure at run time."""
    assert [expected] == errors(HEADER + REST + f"drivers: {{x: {driver}}}\n")


def test_the_magnitude_limit_keeps_a_blocks_sums_finite() -> None:
    """65,536 worlds' squared deviations of draws within +-MAX_MAGNITUDE stay below the largest float."""
    from outlook.model import BLOCK_SIZE

    assert BLOCK_SIZE * (2 * MAX_MAGNITUDE) ** 2 < 1.7976931348623157e308
    assert 1e150 == Scenario.from_yaml(HEADER + REST + "drivers: {x: 1e150}\n").driver("x").stated.value  # type: ignore[union-attr]
