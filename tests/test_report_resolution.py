"""An event's ``resolution:`` in the report's event detail: what settles it, so a reader can score it later (F15)."""

from __future__ import annotations

import outlook
from outlook.report import build_report

TEXT = """outlook: 1.1
id: t
title: T
question: Will it happen?
as_of: 2024-01-01
horizons: {soon: {until: 1y}}
drivers: {r: 0.2}
events:
  e:
    rate: r
    resolution:
      criteria: Both governments announce a ceasefire.
      source: official statements
      includes: [a truce agreed through a mediator]
      excludes: [a local or partial truce, a pause for prisoner exchanges]
  f: {rate: r}
scenarios: {hit: {when: e}, miss: {when: otherwise}}
"""


def test_the_event_detail_says_how_the_event_resolves() -> None:
    s = outlook.Scenario.from_yaml(TEXT)
    text, _ = build_report(outlook.run_outlook(s, samples=2_000, seed=0), format="markdown", figures=False)
    line = next(x for x in text.splitlines() if "*Resolves:*" in x)
    assert line.endswith(
        "*Resolves:* Both governments announce a ceasefire. Settled by official statements."
        " Counts: a truce agreed through a mediator."
        " Does not count: a local or partial truce; a pause for prisoner exchanges."
    )
    assert text.count("*Resolves:*") == 1  # `f` states none, and says nothing
