"""What a report reads from the tables besides their rows: the scenario they carry.

Owns the one place the report reaches into a :class:`~outlook.Tables` for
something that is not a table. Never formats, never renders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..scenario import Scenario
    from ..tables import Tables

__all__ = [
    "scenario_of",
]


def scenario_of(tables: Tables) -> Scenario:
    s = tables.scenario
    if s is None:
        msg = "these tables do not carry their scenario (Tables.scenario is None); build them with outlook.summarise"
        raise ValueError(msg)
    return s
