"""The report's "What drives the outlook" section: there whenever an uncertain driver feeds a key judgement, with the API's numbers."""

from __future__ import annotations

import html
import math

import pytest

import outlook
from outlook import Scenario
from outlook.analysis.discovery import discover
from outlook.analysis.indices import first_order_indices
from outlook.report import build_report
from outlook.report.drivers import key_targets

FILE = """\
outlook: 1.1
id: tiny
title: Tiny
question: Does it happen?
as_of: 2024-01-01
horizons: {soon: {until: 1y}}
drivers: {r: {uniform: {min: 0, max: 4}}, idle: {range: [1, 2], shape: normal}}
events: {it: {rate: r}}
scenarios: {happens: {when: it, label: "<script>alert(1)</script> & co"}, rest: otherwise}
"""
SAMPLES, SEED = 20_000, 3


@pytest.fixture(scope="module")
def tables() -> outlook.Tables:
    return outlook.summarise(outlook.simulate(Scenario.from_yaml(FILE), samples=SAMPLES, seed=SEED))


def test_the_section_is_there_with_its_figure(tables: outlook.Tables) -> None:
    md, files = build_report(tables, format="markdown")
    assert any(f.startswith("report_files/indices-") for f in files)
    section = md[md.index("## What drives the outlook") : md.index("## Methods")]
    # the last figure but the cone of plausibility's, which every report of two or more scenarios ends with
    assert f"Figure {len(files) - 1}. What each driver explains alone" in section
    assert "rests chiefly on r (S1 " in section
    assert "idle" not in section  # feeds nothing, so it has no index and is never named
    assert "Scenario discovery (PRIM): happens@soon happens mostly when r \\> " in section  # escaped Markdown


def test_the_index_is_the_closed_form(tables: outlook.Tables) -> None:
    """Y = 1{it by 1 year}, E[Y | r] = 1 - exp(-r), r ~ U(0, 4): S1 = Var(exp(-r)) / (p (1 - p))."""
    m1, m2 = (1 - math.exp(-4)) / 4, (1 - math.exp(-8)) / 8
    p = 1 - m1
    exact = (m2 - m1**2) / (p * (1 - p))
    md, _ = build_report(tables, format="markdown", figures=False)
    got = md.split("rests chiefly on r (S1 ")[1].split(")")[0]
    s1, two_se = (float(x) for x in got.split(" ± "))
    assert abs(s1 - exact) <= max(two_se * 1.5, 0.01)


def test_its_numbers_are_the_apis(tables: outlook.Tables) -> None:
    assert key_targets(tables) == ["happens@soon"]
    api = first_order_indices(Scenario.from_yaml(FILE), samples=SAMPLES, seed=SEED)
    row = api[(api.target == "happens@soon") & (api.driver == "r")].iloc[0]
    md, _ = build_report(tables, format="markdown", figures=False)
    assert f"r (S1 {row.S1:.2f} ± {2 * row.S1_se:.2f})" in md
    assert f"({outlook.display.percent(float(row.p))}) rests chiefly on" in md
    box = discover(Scenario.from_yaml(FILE), "happens@soon", samples=SAMPLES, seed=SEED)  # its first 20,000 worlds
    assert f"(PRIM): <bdi>{html.escape(box.sentence, quote=False)}</bdi></p>" in build_report(tables, figures=False)


def test_no_section_when_nothing_to_show() -> None:
    one_constant = FILE.replace(
        "drivers: {r: {uniform: {min: 0, max: 4}}, idle: {range: [1, 2], shape: normal}}", "drivers: {r: 1}"
    )
    t = outlook.summarise(outlook.simulate(Scenario.from_yaml(one_constant), samples=2_000, seed=1))
    md, files = build_report(t, format="markdown")
    assert "What drives the outlook" not in md
    assert not any("indices" in f for f in files)


def test_html_is_escaped(tables: outlook.Tables) -> None:
    page = build_report(tables, figures=False)
    section = page[page.index('id="what-drives"') :]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in section.split("</ul>")[0]
    assert "<script>" not in page


def test_a_driver_within_two_errors_of_the_threshold_is_named_and_errors_keep_their_digits() -> None:
    """Two drivers whose indices cannot be told apart are named together (the bundled case's 0.0503 and
    0.0500 at 100,000 worlds), and an error of 0.003 is not printed as ± 0.00."""
    import pandas as pd

    from outlook.report.drivers import MATTERS, _index_text, _mattering

    rows = pd.DataFrame(
        {
            "driver": ["a", "b", "c", "d"],
            "S1": [0.0503, 0.0500, 0.046, 0.02],
            "S1_se": [0.0016, 0.0014, 0.0010, 0.001],
        }
    )
    assert MATTERS == 0.05
    assert list(_mattering(rows)["driver"]) == ["a", "b"]  # c: 0.046 + 0.002 < 0.05; d far below
    assert _index_text(0.0503, 0.0016) == "0.050 ± 0.003"
    assert _index_text(0.31, 0.02) == "0.31 ± 0.04"


def test_the_section_says_so_when_no_driver_matters_alone() -> None:
    """Thirty exchangeable drivers, the scenario their sum above its median: each explains about
    2 / (pi (n - 1)) = 0.022 of the variance alone (E[Y | X_i] linearised around the median), none 5%. The
    section is there, says the judgement rests on drivers acting together, and names the largest single
    share with the API's number."""
    n = 30
    drivers = ", ".join(f"d{i}: {{uniform: {{min: 0, max: 1}}}}" for i in range(n))
    sums = " + ".join(f"d{i}" for i in range(n))
    text = (
        FILE.replace(
            "drivers: {r: {uniform: {min: 0, max: 4}}, idle: {range: [1, 2], shape: normal}}",
            f"drivers: {{{drivers}}}",
        )
        .replace("events: {it: {rate: r}}", "events: {it: {rate: 0.1}}")
        .replace("when: it,", f"when: {sums} > {n / 2} + 0.0 * it,")
    )
    s = Scenario.from_yaml(text)
    t = outlook.summarise(outlook.simulate(s, samples=SAMPLES, seed=SEED))
    api = first_order_indices(s, samples=SAMPLES, seed=SEED)
    rows = api[api.target == "happens@soon"].sort_values("S1", ascending=False, kind="stable")
    assert len(rows) == n
    assert abs(rows.S1.mean() - 2 / (math.pi * (n - 1))) < 0.01
    top = rows.iloc[0]
    assert top.S1 + 2 * top.S1_se < 0.05
    md, files = build_report(t, format="markdown")
    section = md[md.index("## What drives the outlook") : md.index("## Methods")]
    assert "rests chiefly on" not in section

    from outlook.report.drivers import _index_text

    conf = outlook.confidence(s, samples=1_000, seed=SEED).row("happens", "soon")
    assert float(conf["explained"]) > 0.95  # the sum decides the scenario: no chance is left given the drivers
    assert (
        "no driver alone explains 5% of its variance (the largest single share: "
        f"{top.driver}, S1 {_index_text(float(top.S1), float(top.S1_se))}); the drivers together explain nearly "
        "all of it, so it rests on drivers acting together"
    ) in section
    assert any(f.startswith("report_files/indices-") for f in files)


def test_a_judgement_mostly_left_to_chance_says_so() -> None:
    """One driver, a slow event: the drivers explain a small share (the law of total variance), and the
    sentence says the rest is chance given the drivers, never that drivers act together."""
    slow = FILE.replace("{uniform: {min: 0, max: 4}}", "{uniform: {min: 0.2, max: 0.3}}")
    s = Scenario.from_yaml(slow)
    t = outlook.summarise(outlook.simulate(s, samples=SAMPLES, seed=SEED))
    md, _ = build_report(t, format="markdown", figures=False)
    section = md[md.index("## What drives the outlook") : md.index("## Methods")]
    explained = float(outlook.confidence(s, samples=1_000, seed=SEED).row("happens", "soon")["explained"])
    assert explained < 0.05
    assert "the rest being chance given the drivers (when and whether events happen)" in section
    assert "acting together" not in section
