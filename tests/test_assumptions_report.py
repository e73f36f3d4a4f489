"""The report's "Key assumptions" section: there only when the file states assumptions, on the report's own run."""

from __future__ import annotations

import outlook
from outlook import Scenario
from outlook.analysis.assumptions import assumptions_check
from outlook.report import build_report

FILE = """\
outlook: 1.1
id: tiny
title: Tiny
question: Does it happen?
as_of: 2024-01-01
horizons: {soon: {until: 1y}}
drivers: {r: 0.3, idle: 3}
events: {it: {rate: r}}
scenarios: {happens: it, rest: otherwise}
assumptions:
  slow: {statement: The rate stays low., rating: unsupported, if_false: {drivers.r: 0.9}}
  honest: {statement: Nobody lies., rating: caveated}
"""


def _tables(text: str) -> outlook.Tables:
    return outlook.summarise(outlook.simulate(Scenario.from_yaml(text), samples=2_000, seed=4))


def test_the_section_is_there_with_its_figure() -> None:
    tables = _tables(FILE)
    md, files = build_report(tables, format="markdown")
    assert any(f.startswith("report_files/assumptions-") for f in files)
    section = md[md.index("## Key assumptions") : md.index("## Methods")]
    assert "| honest | caveated | qualitative, not tested | 0 |  |  | Nobody lies. |" in section
    assert "- If slow is false, it over soon goes from unlikely" in section
    assert "Key uncertainties (rated caveated or unsupported, and a judgement flips): slow." in section
    # the last figure but the cone of plausibility's, which every report of two or more scenarios ends with
    assert f"Figure {len(files) - 1}. Key judgements if an assumption is false" in section


def test_a_joint_failure_is_named_by_all_its_members_and_judgements_by_their_labels() -> None:
    text = FILE.replace("{until: 1y}}", "{until: 1y, label: the first year}}").replace(
        "events: {it: {rate: r}}", "events: {it: {rate: r, label: It happens}}"
    )
    text = text.replace("if_false: {drivers.r: 0.9}}", "if_false: {drivers.r: 0.9}, combine: [also]}")
    text += "  also: {statement: Idle is three., rating: solid, if_false: {drivers.idle: 7}}\n"
    check = assumptions_check(Scenario.from_yaml(text), samples=2_000, seed=4)
    joint = check.summary.set_index("assumption").loc["slow+also"]
    assert joint["statement"] == "The rate stays low; and Idle is three."
    md, _ = build_report(_tables(text), format="markdown", figures=False)
    assert "- If slow and also are both false, It happens (it) over the first year goes from unlikely" in md


def test_the_base_is_the_reports_own_run() -> None:
    tables = _tables(FILE)
    check = assumptions_check(tables.scenario, samples=2_000, seed=4)  # type: ignore[arg-type]
    base = check.table[(check.table.target == "it")].p_base.iloc[0]
    assert base == tables.events.loc[tables.events.event == "it", "p_by"].iloc[0]
    md, _ = build_report(tables, format="markdown", figures=False)
    assert f"goes from unlikely ({outlook.display.percent(base)})" in md


def test_no_section_without_assumptions() -> None:
    md, _ = build_report(_tables(FILE.split("assumptions:")[0]), format="markdown", figures=False)
    assert "Key assumptions" not in md
