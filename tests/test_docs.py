"""The docs say what the code does: every duration spelling docs/scenario-format.md lists is read as it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from outlook.scenario import parse_duration

FORMAT = Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md"
LENGTHS = {"years": 1.0, "months": 1.0 / 12.0, "weeks": 7.0 / 365.25, "days": 1.0 / 365.25}


def spellings() -> list[tuple[str, str]]:
    rows = re.findall(r"^\| (years|months|weeks|days) \| (.*?) \|", FORMAT.read_text(encoding="utf-8"), re.MULTILINE)
    return [(unit, s) for unit, cells in rows for s in re.findall(r"`([^`]+)`", cells)]


def test_the_table_lists_every_unit() -> None:
    assert {u for u, _ in spellings()} == set(LENGTHS)


@pytest.mark.parametrize(("unit", "spelling"), spellings())
def test_every_documented_spelling_is_read_as_documented(unit: str, spelling: str) -> None:
    assert parse_duration(f"3{spelling}") == pytest.approx(3 * LENGTHS[unit], rel=1e-15)
    assert parse_duration(f" 3 {spelling} ") == parse_duration(f"3{spelling}")


@pytest.mark.parametrize("text", ["2", "1Y", "1m", "1 yr.", "1e2y", "+1y", "-1y", "0d"])
def test_what_the_docs_refuse_is_refused(text: str) -> None:
    with pytest.raises(
        ValueError, match=r"^(expected a duration such as 1y, 6mo, 2w or 90d|a duration must be positive)$"
    ):
        parse_duration(text)
