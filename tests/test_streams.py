"""Common random numbers: every driver and event draws from its own stream, keyed by its id.

The property: changing, adding or removing one driver or event changes only
that node and what depends on it; every other row of every table, and every
other node's values in ``sample_worlds``, are identical bit for bit at the
same seed and samples. Variants are built as plain data (``Scenario.from_dict``
of a modified dict), over the generated scenarios of ``tests/strategies.py``.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import outlook
from outlook import OutlookError, Scenario, sample_worlds, simulate, summarise
from outlook.model.streams import node_rng, stable_key
from outlook.model.worlds import qmc_dimensions
from tests.strategies import driver_specs, probabilities, scenario_dicts

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _expr(spec: Any) -> str:
    """The expression text of a derived quantity, rule or rate (empty if it is a number)."""
    if isinstance(spec, dict):
        spec = spec.get("expr", spec.get("when", ""))
    return spec if isinstance(spec, str) else ""


def _inputs(data: dict[str, Any]) -> dict[str, set[str]]:
    """Who reads whom: node id -> the ids it names (drivers, derived, events; rules as ``rule:<id>``)."""
    deps: dict[str, set[str]] = {}
    for name, spec in data.get("derived", {}).items():
        deps[name] = set(_NAME.findall(_expr(spec)))
    for name, ev in data["events"].items():
        names = set(_NAME.findall(_expr(ev.get("rate", ""))))
        for p in ev.get("by", {}).values():
            names |= set(_NAME.findall(_expr(p)))
        deps[name] = names | set(ev.get("after", {})) | set(ev.get("requires", []))
    for name, spec in data["scenarios"].items():
        deps[f"rule:{name}"] = set(_NAME.findall(_expr(spec)))
    return deps


def _downstream(data: dict[str, Any], node: str) -> set[str]:
    """``node`` and every node that reads it, directly or not."""
    deps = _inputs(data)
    out = {node}
    grew = True
    while grew:
        grew = False
        for name, names in deps.items():
            if name not in out and names & out:
                out.add(name)
                grew = True
    return out


def _rows(frame: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    rows = frame[frame[column] == name].reset_index(drop=True)
    # id columns are categoricals over each scenario's own ids: compare the rows' values, as strings
    return rows.astype({c: str for c, t in rows.dtypes.items() if isinstance(t, pd.CategoricalDtype)})


def _insert(items: dict[str, Any], key: str, value: Any, at: int) -> dict[str, Any]:
    """``items`` with ``key: value`` at position ``at`` of the file (so the nodes after it move down)."""
    pairs = list(items.items())
    return dict([*pairs[:at], (key, value), *pairs[at:]])


@st.composite
def _variants(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A scenario, a variant changing one node, and the id of that node."""
    base = draw(scenario_dicts())
    new = copy.deepcopy(base)
    referenced = set().union(*_inputs(base).values())
    drivers, events = list(base["drivers"]), list(base["events"])
    numeric = [d for d in drivers if "categorical" not in base["drivers"][d]]
    moves = ["add driver", "add event", "change event"]
    moves += ["change driver"] if numeric else []
    moves += ["remove driver"] if set(drivers) - referenced else []
    moves += ["remove event"] if len(events) > 1 and set(events) - referenced else []
    move = draw(st.sampled_from(moves))
    numeric_spec = driver_specs().filter(lambda s: "categorical" not in s)
    if move == "add driver":
        node = "dnew"
        new["drivers"] = _insert(base["drivers"], node, draw(driver_specs()), draw(st.integers(0, len(drivers))))
    elif move == "add event":
        node = "enew"
        new["events"] = _insert(
            base["events"], node, {"rate": draw(st.floats(0, 5))}, draw(st.integers(0, len(events)))
        )
    elif move == "change driver":
        node = draw(st.sampled_from(numeric))
        new["drivers"][node] = draw(numeric_spec)
    elif move == "change event":
        node = draw(st.sampled_from(events))
        keep = {k: v for k, v in base["events"][node].items() if k in ("after", "requires")}
        by = {next(iter(base["horizons"])): draw(probabilities)}
        new["events"][node] = {**keep, **draw(st.sampled_from([{"rate": 0.7}, {"by": by}]))}
    elif move == "remove driver":
        node = draw(st.sampled_from(sorted(set(drivers) - referenced)))
        del new["drivers"][node]
    else:
        node = draw(st.sampled_from(sorted(set(events) - referenced)))
        del new["events"][node]
    return base, new, node


def _assert_only_downstream_moves(a: outlook.Tables, b: outlook.Tables, affected: set[str]) -> None:
    """Every row of every table that belongs to a node outside ``affected`` is identical in ``a`` and ``b``."""
    for table, column in (("drivers", "name"), ("derived", "name"), ("categories", "driver"), ("events", "event")):
        for name in set(a.table(table)[column]) - affected:
            assert _rows(a.table(table), column, name).equals(_rows(b.table(table), column, name)), (table, name)
    for name in set(a.curves["event"]) - affected:
        assert _rows(a.curves, "event", name).equals(_rows(b.curves, "event", name)), ("curves", name)
    if not any(n.startswith("rule:") for n in affected):
        assert a.scenarios.equals(b.scenarios)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(variant=_variants(), seed=st.integers(0, 2**63), samples=st.integers(1, 1500))
def test_a_change_to_one_node_moves_only_what_depends_on_it(
    variant: tuple[dict[str, Any], dict[str, Any], str], seed: int, samples: int
) -> None:
    """Tables and worlds of every node not downstream of the change are identical bit for bit."""
    base, new, node = variant
    try:
        s0, s1 = Scenario.from_dict(base), Scenario.from_dict(new)
        t0 = summarise(simulate(s0, samples=samples, seed=seed))
        t1 = summarise(simulate(s1, samples=samples, seed=seed))
    except OutlookError:
        reject()  # e.g. a by-probability that falls, or a drawn value that overflows
    affected = _downstream(base, node) | _downstream(new, node)
    _assert_only_downstream_moves(t0, t1, affected)
    w0, w1 = (sample_worlds(s, samples=samples, seed=seed) for s in (s0, s1))
    for column in set(w0.columns) & set(w1.columns):
        node_of = column.removeprefix("time_").split("@")[0]  # a per-horizon quantity's column is name@horizon
        if node_of not in affected and not column.startswith("scenario@"):  # labels: tables
            assert w0[column].equals(w1[column]), column


def test_an_unused_driver_made_constant_leaves_every_probability_alone() -> None:
    """The issue's example: a driver that feeds nothing, made constant, moves no event or scenario."""
    path = ARCHIVED
    base = outlook.load_scenario(path)
    data = base.to_dict()
    correlated = {name for pair in data.get("correlations", []) for name in pair[:2]}
    unused = [d.id for d in base.drivers if not _downstream(data, d.id) - {d.id} and d.id not in correlated]
    assert unused, "the bundled scenario has drivers that reach no probability"
    data["drivers"][unused[0]] = {"constant": 1.0}
    a = summarise(simulate(base, samples=20_000, seed=3))
    b = summarise(simulate(Scenario.from_dict(data), samples=20_000, seed=3))
    assert a.scenarios.equals(b.scenarios)
    assert a.events.equals(b.events)


def test_stable_key_is_sha256_of_kind_and_id() -> None:
    """The key is the first 8 bytes of SHA-256 of ``kind:id``, the same in every process."""
    import hashlib

    assert stable_key("driver", "troops") == int.from_bytes(hashlib.sha256(b"driver:troops").digest()[:8], "big")
    assert stable_key("driver", "x") != stable_key("event", "x")
    a = node_rng(7, 3, "event", "e").standard_normal(4)
    b = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(7, spawn_key=(3, stable_key("event", "e"))))
    ).standard_normal(4)
    assert np.array_equal(a, b)


_QMC = """\
outlook: 1
id: t
title: T
question: Q
as_of: 2024-01-01
horizons: {h: {until: 2y}}
drivers:
  a: {normal: {mean: 0, sd: 1}}
  b: {range: [1, 5], shape: lognormal}
  c: {constant: 2}
  k: {categorical: {x: 0.3, y: 0.7}}
events:
  e: {rate: a * a * 0.1}
  f: {by: {h: 0.4}}
scenarios: {both: e and f, rest: otherwise}
"""


def _qmc_variant(body: str, old: str, new: str) -> Scenario:
    assert old in body
    return Scenario.from_dict(yaml.safe_load(body.replace(old, new)))


@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_quasi_random_points_keep_their_dimensions_when_parameters_change(sampler: str) -> None:
    """Sobol'/LHS: a change of a node's parameters (same ids) keeps every other node's points."""
    s0 = _qmc_variant(_QMC, "c: {constant: 2}", "c: {constant: 2}")
    s1 = _qmc_variant(_QMC, "b: {range: [1, 5], shape: lognormal}", "b: {uniform: {min: 0, max: 9}}")
    s2 = _qmc_variant(_QMC, "c: {constant: 2}", "c: {normal: {mean: 2, sd: 1}}")  # constant -> drawn: same dims
    w0, w1, w2 = (sample_worlds(s, samples=3000, seed=5, sampler=sampler) for s in (s0, s1, s2))
    for column in ("a", "c", "k", "time_e", "time_f"):
        assert w0[column].equals(w1[column]), column
    for column in ("a", "b", "k", "time_e", "time_f"):
        assert w0[column].equals(w2[column]), column
    assert not w0["b"].equals(w1["b"])


@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_quasi_random_points_move_when_a_node_is_added(sampler: str) -> None:
    """Sobol'/LHS: adding a node adds a dimension, so the other nodes' points change (as documented)."""
    s0 = _qmc_variant(_QMC, "c: {constant: 2}", "c: {constant: 2}")
    s1 = _qmc_variant(_QMC, "c: {constant: 2}", "c: {constant: 2}\n  z: {constant: 0}")
    assert len(qmc_dimensions(s1)) == len(qmc_dimensions(s0)) + 1
    w0, w1 = (sample_worlds(s, samples=3000, seed=5, sampler=sampler) for s in (s0, s1))
    assert not w0["a"].equals(w1["a"])


@pytest.mark.parametrize("sampler", ["random", "sobol", "lhs"])
def test_the_order_of_drivers_in_the_file_does_not_move_the_worlds(sampler: str) -> None:
    """Streams (and quasi-random dimensions) are keyed by id, not by position in the file: drivers or events."""
    data = yaml.safe_load(_QMC)
    flipped = {
        **data,
        "drivers": dict(reversed(list(data["drivers"].items()))),
        "events": dict(reversed(list(data["events"].items()))),
    }
    w0, w1 = (sample_worlds(Scenario.from_dict(d), samples=2000, seed=9, sampler=sampler) for d in (data, flipped))
    for column in w0.columns:
        assert w0[column].equals(w1[column]), column


def test_qmc_dimensions_are_sorted_by_kind_and_id() -> None:
    """One coordinate per driver (constants too) and per event, in (kind, id) order."""
    s = _qmc_variant(_QMC, "c: {constant: 2}", "c: {constant: 2}")
    assert qmc_dimensions(s) == (
        ("driver", "a"),
        ("driver", "b"),
        ("driver", "c"),
        ("driver", "k"),
        ("event", "e"),
        ("event", "f"),
    )
