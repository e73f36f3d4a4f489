"""How results, scenarios, models and runs introduce themselves: one short line, and small, inert HTML."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import outlook
from outlook.scenario import _repr
from outlook.testing import tiny_scenario

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"

HOSTILE = '<script>alert("x")</script> & \x1b]0;pwned\x07 \u202e'


@pytest.fixture(scope="module")
def nk() -> dict[str, Any]:
    s = outlook.load_scenario(ARCHIVED)
    m = outlook.compile_model(s)
    run = outlook.simulate(m, samples=2000, seed=3)
    return {"scenario": s, "model": m, "run": run, "tables": outlook.summarise(run)}


@pytest.fixture(scope="module")
def hostile() -> dict[str, Any]:
    """Every piece of text a repr shows is hostile: markup, a terminal escape, a bidi override."""
    s = tiny_scenario(
        title=HOSTILE,
        question=HOSTILE,
        horizons={"soon": {"until": "1y", "label": HOSTILE}},
        drivers={"r": {"constant": 0.3}},
        events={"e": {"rate": "r"}},
        rules={"hit": {"when": "e", "label": HOSTILE}},
    )
    m = outlook.compile_model(s)
    run = outlook.simulate(m, samples=500, seed=1)
    return {"scenario": s, "model": m, "run": run, "tables": outlook.summarise(run)}


KINDS = ["scenario", "model", "run", "tables"]
CLASS = {"scenario": "Scenario", "model": "Model", "run": "Run", "tables": "Tables"}


@pytest.mark.parametrize("kind", KINDS)
def test_repr_is_one_short_line(nk: dict[str, Any], kind: str) -> None:
    """``repr`` is one line of a few dozen characters naming the class and the scenario (it was 29,000+)."""
    text = repr(nk[kind])
    assert text.startswith(f"<{CLASS[kind]} nk-troops-russia")
    assert text.endswith(">")
    assert "\n" not in text
    assert len(text) < 200


def test_reprs_say_what_they_hold(nk: dict[str, Any]) -> None:
    """The one-liners give the counts and the run's identity, as stated by the scenario and the run."""
    s = nk["scenario"]
    assert f"{len(s.horizons)} horizons, {len(s.rules)} scenarios, {len(s.drivers)} drivers" in repr(s)
    assert "2,000 worlds, seed 3, random sampler" in repr(nk["run"])
    assert f"{len(s.rules)} scenarios × {len(s.horizons)} horizons" in repr(nk["tables"])
    assert f"hash {s.hash[:12]}" in repr(nk["tables"])
    assert f"{len(s.drivers)} drivers" in repr(nk["model"])


def test_tables_html_is_the_grid_with_words(nk: dict[str, Any]) -> None:
    """The results' HTML holds one row per scenario (its label) and one cell per horizon: percentage and word."""
    t, s = nk["tables"], nk["scenario"]
    page = t._repr_html_()
    rows = re.findall(r"<tr><th style='text-align: left'>(.*?)</th>(.*?)</tr>", page)
    assert [html.unescape(name) for name, _ in rows] == [r.label or r.id for r in s.rules]
    for rule, (_, cells) in zip(s.rules, rows):
        shown = re.findall(r"<td[^>]*>(.*?)</td>", cells)
        for h, cell in zip(s.horizons, shown):
            row = t.scenarios[(t.scenarios["scenario"] == rule.id) & (t.scenarios["horizon"] == h.id)].iloc[0]
            assert cell == f"{_repr.percent(row['p'])} <em>{html.escape(row['word'])}</em>"
    for h in s.horizons:
        assert f"<th>{html.escape(h.label)}</th>" in page
    assert "2,000 worlds, seed 3" in page


def test_run_html_is_the_share_of_worlds(nk: dict[str, Any]) -> None:
    """A run's HTML shows each scenario's share of worlds, as counted."""
    run, s = nk["run"], nk["scenario"]
    page = run._repr_html_()
    first = s.rules[0]
    cells = re.search(rf"<th style='text-align: left'>{re.escape(html.escape(first.label))}</th>(.*?)</tr>", page)
    assert cells is not None
    shown = re.findall(r"<td[^>]*>(.*?)</td>", cells.group(1))
    assert shown == [_repr.percent(run.counts.scenarios[k, 0] / run.samples) for k in range(len(s.horizons))]


def test_scenario_html_gives_title_question_and_horizon_ends(nk: dict[str, Any]) -> None:
    """A scenario's HTML: its title, question, as-of date and each horizon with the date it ends."""
    s = nk["scenario"]
    page = s._repr_html_()
    assert html.escape(s.title) in page
    assert f"as of {s.as_of.isoformat()}" in page
    for h in s.horizons:
        assert html.escape(h.label) in page
    assert "2025-11-01" in page  # as of 2024-11-01, the first horizon ends 12 calendar months later


@pytest.mark.parametrize("kind", KINDS)
def test_html_escapes_scenario_text(hostile: dict[str, Any], kind: str) -> None:
    """Scenario text in the HTML is escaped (no element from the file) and has no terminal or bidi controls."""
    page = hostile[kind]._repr_html_()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;" in page
    assert "\x1b" not in page
    assert "\x07" not in page
    assert "\u202e" not in page


@pytest.mark.parametrize("kind", KINDS)
def test_repr_of_hostile_text_is_one_safe_line(hostile: dict[str, Any], kind: str) -> None:
    """The one-liner shows control characters as escapes: printing it cannot drive a terminal."""
    text = repr(hostile[kind])
    assert "\n" not in text
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert len(text) < 200


@pytest.fixture(scope="module")
def huge() -> dict[str, Any]:
    """2,000 drivers, 60 scenario rules and 30 horizons: reprs must not grow with them."""
    drivers = {f"d{k}": {"constant": 0.001} for k in range(2000)}
    rules = {f"s{k}": f"d{k} > 1" for k in range(60)}
    horizons = {f"h{k}": {"until": f"{k + 1}y"} for k in range(30)}
    s = tiny_scenario(drivers=drivers, rules=rules, horizons=horizons, title="T" * 5000, question="Q" * 5000)
    m = outlook.compile_model(s)
    run = outlook.simulate(m, samples=64, seed=1)
    return {"scenario": s, "model": m, "run": run, "tables": outlook.summarise(run)}


@pytest.mark.parametrize("kind", KINDS)
def test_reprs_stay_small_for_a_huge_scenario(huge: dict[str, Any], kind: str) -> None:
    """A 2,000-driver scenario's repr stays one short line and its HTML a few kilobytes, saying what it leaves out."""
    assert len(repr(huge[kind])) < 200
    page = huge[kind]._repr_html_()
    assert len(page) < 12_000
    assert page.count("<tr>") <= _repr.ROWS + 1
    if kind in ("run", "tables"):
        assert "… and 41 more rows and 22 more columns" in page  # 61 scenarios, 30 horizons: 20 and 8 shown


def test_notebooks_get_html_through_ipython(nk: dict[str, Any]) -> None:
    """IPython's display formatter finds the HTML and the one-line text for each object."""
    formatters = pytest.importorskip("IPython.core.formatters")
    for kind in KINDS:
        data, _ = formatters.DisplayFormatter().format(nk[kind])
        assert data["text/html"].startswith("<div class='outlook-repr'")
        assert data["text/plain"] == repr(nk[kind])


@given(st.floats(min_value=0.0, max_value=1.0))
def test_percent_never_rounds_to_a_certainty(p: float) -> None:
    """Only 0 reads "0%" and only 1 reads "100%"; anything else is within half a percent of what it shows."""
    shown = _repr.percent(p)
    assert (shown == "0%") == (p == 0)
    assert (shown == "100%") == (p == 1)
    if shown not in ("<1%", ">99%"):
        assert abs(int(shown.rstrip("%")) - 100 * p) <= 0.5 + 1e-9


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [("a\n  b", 10, "a b"), ("abcdef", 4, "abc…"), ("\x1b[2J", 10, "\\x1b[2J"), ("x\u202ey", 10, "xy")],
)
def test_short_text_is_one_safe_line(text: str, limit: int, expected: str) -> None:
    """Whitespace runs become one space, controls are shown, bidi controls go, and long text is cut with "…"."""
    assert _repr.short(text, limit) == expected
