"""Horizons, scenarios and events keep the file's order in every table, and the scenario grid is one call."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

import outlook
from outlook.testing import tiny_scenario

# ids whose alphabetical order is not the file's: y1, y10, y5 and alpha, mid, zulu
HORIZONS = {"y1": {"until": "1y"}, "y5": {"until": "5y"}, "y10": {"until": "10y"}}
EVENTS = {"zulu": {"rate": 0.3}, "alpha": {"rate": 0.1}}
RULES = {"zulu_first": "zulu", "mid": "alpha", "alpha_rest": "otherwise"}
HZ, EV, SC = list(HORIZONS), list(EVENTS), list(RULES)


@pytest.fixture(scope="module")
def tables() -> outlook.Tables:
    s = tiny_scenario(horizons=HORIZONS, events=EVENTS, rules=RULES)
    return outlook.run_outlook(s, samples=3000, seed=4)


@pytest.mark.parametrize(
    ("table", "column", "order"),
    [
        ("scenarios", "horizon", HZ),
        ("scenarios", "scenario", SC),
        ("events", "horizon", HZ),
        ("events", "event", EV),
        ("curves", "event", EV),
    ],
)
def test_columns_are_ordered_categoricals_in_file_order(
    tables: outlook.Tables, table: str, column: str, order: list[str]
) -> None:
    """Each id column is an ordered categorical whose categories are the file's ids, in the file's order."""
    col = getattr(tables, table)[column]
    assert isinstance(col.dtype, pd.CategoricalDtype)
    assert col.cat.ordered
    assert list(col.cat.categories) == order


def test_pivot_and_sort_follow_the_file(tables: outlook.Tables) -> None:
    """pivot and sort_values order horizons y1, y5, y10 and scenarios as written, not alphabetically."""
    wide = tables.scenarios.pivot(index="scenario", columns="horizon", values="p")
    assert list(wide.columns) == HZ
    assert list(wide.index) == SC
    ev = tables.events.sort_values(["event", "horizon"])
    assert list(ev["event"].unique()) == EV
    assert list(ev["horizon"].iloc[:3]) == HZ


def test_the_same_for_weighted_world_store_tables(tables: outlook.Tables) -> None:
    """summarise_worlds builds its tables the same way: the same categoricals."""
    assert tables.scenario is not None
    assert tables.worlds is not None
    w = outlook.summarise_worlds(tables.scenario, tables.worlds, weights=np.linspace(1, 2, len(tables.worlds)))
    assert list(w.scenarios["horizon"].cat.categories) == HZ
    assert list(w.events["event"].cat.categories) == EV


def test_grid_is_the_scenarios_table_wide(tables: outlook.Tables) -> None:
    """One row per scenario and one column per horizon, in file order; each cell is that row of the table."""
    for values in ("p", "p_se", "word"):
        g = tables.grid(values)  # type: ignore[arg-type]
        assert list(g.index) == SC
        assert list(g.columns) == HZ
        assert (g.index.name, g.columns.name) == ("scenario", "horizon")
        for row in tables.scenarios.itertuples():
            assert g.loc[row.scenario, row.horizon] == getattr(row, values)
    assert np.allclose(tables.grid().sum(), 1.0, rtol=0, atol=1e-12)


def test_grid_of_plain_string_tables_keeps_the_order_rows_appear_in(tables: outlook.Tables) -> None:
    """Tables built by hand with plain strings still give a grid, in the order the rows appear."""
    plain = tables.scenarios.astype({"horizon": str, "scenario": str})
    g = dataclasses.replace(tables, scenarios=plain).grid()
    assert list(g.columns) == HZ
    assert list(g.index) == SC


def test_grid_refuses_other_values(tables: outlook.Tables) -> None:
    """Only p, p_se and word are grid values."""
    with pytest.raises(ValueError, match=r"^unknown grid values 'p_by'; expected 'p', 'p_se' or 'word'$"):
        tables.grid("p_by")  # type: ignore[arg-type]


def _as_strings(t: outlook.Tables) -> outlook.Tables:
    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        cats = [c for c, d in frame.dtypes.items() if isinstance(d, pd.CategoricalDtype)]
        return frame.astype(dict.fromkeys(cats, object))

    return dataclasses.replace(t, scenarios=plain(t.scenarios), events=plain(t.events), curves=plain(t.curves))


def test_json_and_csv_output_are_unchanged(tables: outlook.Tables) -> None:
    """The JSON and CSV written from categorical tables are those of the same tables with plain strings."""
    before = _as_strings(tables)
    assert json.loads(tables.to_json()) == json.loads(before.to_json())
    assert tables.to_json() == before.to_json()
    for name in ("scenarios", "events", "curves"):
        assert getattr(tables, name).to_csv(index=False) == getattr(before, name).to_csv(index=False)


def test_a_scenario_without_events_has_empty_event_columns() -> None:
    """No events: the events and curves tables are empty, their event column a categorical with no categories."""
    t = outlook.run_outlook(tiny_scenario(drivers={"x": {"constant": 1.0}}, rules={"big": "x > 0"}), samples=200)
    assert t.events.empty
    assert list(t.events["event"].cat.categories) == []
    assert list(t.grid().index) == ["big", "rest"]
