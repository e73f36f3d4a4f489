"""The report's "Sources" section grades the sources and says what a reader must know of them (ICD 203 standard 1).

And its "Context figures" list the figures that feed no probability, and
"What the sources report" keeps a contrary report beside the estimate it
contradicts (the review's S1, S3, F2, F4, R9).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import outlook
from outlook.report import build_report
from outlook.report.sourcing import RELIABILITY

SCENARIO = """\
outlook: 1.1
id: sourcing-report
title: Sourcing report
question: Will a further contingent be sent within a year?
as_of: 2024-11-10
sources:
  ap:
    title: An explainer
    publisher: Associated Press
    date: 2024-11-01
    kind: wire
    reliability: B
    interested_party: false
  kyiv:
    title: A statement by the government of Ukraine
    date: 2024-11-05
    kind: official
    reliability: C
    interested_party: Ukraine, a party to the war
  blog:
    title: A later blog post
    date: 2024-12-01
    kind: social
  almanac:
    title: An almanac
    date: 2024-01-01
    kind: analysis
    reliability: B
    interested_party: false
horizons:
  y1: {until: 1y}
context:
  losses:
    label: Losses a day
    range: [700, 1800]
    unit: soldiers a day
    source: {ref: almanac, quote: "between 700 and 1,800 a day", credibility: 3, basis: reported}
drivers:
  p_further:
    range: [0.2, 0.6]
    shape: beta
    source: {ref: kyiv, quote: "they will increase the quota", credibility: 4, basis: interested_claim}
    sources:
      - {ref: ap, quote: "no sign of a second contingent", stance: contradicts, credibility: 3, basis: reported}
  size:
    range: [8000, 12000]
    shape: normal
    source: {ref: blog, quote: "twelve thousand in all"}
events:
  further:
    by: {y1: p_further}
    resolution: {criteria: An official statement reports a second contingent.}
scenarios:
  more: {when: further}
  steady: {when: otherwise}
"""


@pytest.fixture(scope="module")
def text(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = Path(tmp_path_factory.mktemp("s")) / "s.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    tables = outlook.run_outlook(str(path), samples=2_000, seed=1)
    md, _ = build_report(tables, format="markdown", figures=False)
    return md


def _section(text: str, name: str) -> str:
    m = re.search(rf"^## {re.escape(name)}\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    assert m is not None, name
    return m.group(1)


def _rows(section: str) -> dict[str, list[str]]:
    rows = [line.strip("|").split(" | ") for line in section.splitlines() if line.startswith("| `")]
    return {r[0].strip().split("`")[1]: [c.strip() for c in r] for r in rows}


def test_every_source_has_a_row_with_its_grades(text: str) -> None:
    """One row per source in file order: kind, reliability with its meaning, interest, date, quotes, reach."""
    rows = _rows(_section(text, "Sources"))
    assert ["ap", "kyiv", "blog", "almanac"] == list(rows)
    assert ["wire", "**B** usually reliable", "no", "2024-11-01", "0 supporting, 1 contradicting"] == rows["ap"][1:6]
    assert "**C** fairly reliable" == rows["kyiv"][2]
    assert "Ukraine, a party to the war" == rows["kyiv"][3]
    assert "*ungraded*" == rows["blog"][2]  # never shown as reliable
    assert "not stated" == rows["blog"][3]
    assert rows["blog"][4].startswith("2024-12-01 **After the information cut-off** (10 November 2024)")
    assert "*no probability*" == rows["blog"][6]  # it backs `size`, which feeds nothing
    assert "*no probability*" == rows["almanac"][6]  # a context figure feeds nothing, by construction
    assert "3 events and scenarios" == rows["kyiv"][6]  # the event and both scenarios (`steady` is its complement)
    assert "*no probability*" != rows["ap"][6]


def test_the_paragraph_says_what_a_reader_must_know(text: str) -> None:
    """Grades' scale, the ungraded, the interested, the late, the contrary and the decorative, each by name."""
    para = _section(text, "Sources").strip().split("\n\n")[0]
    assert para.startswith("The scenario rests on 4 sources.")
    assert "after NATO STANAG 2511" in para
    assert "3 are graded, the weakest C (fairly reliable)." in para
    assert "`blog` is ungraded: not taken as reliable." in para
    assert "`kyiv` has a stake in what it reports; its claims are facts about what was said" in para
    assert "`blog` is dated after the information cut-off (10 November 2024)" in para
    assert "1 quote contradicts the estimate citing it and is kept on the record beside it." in para
    assert "`blog` and `almanac` feed no probability" in para
    assert para.endswith("1 context figure (under Facts and judgements) feeds no probability by construction.")


def test_a_contrary_report_stands_beside_the_estimate(text: str) -> None:
    """The quote cited with stance: contradicts says so, graded, in "What the sources report" (F2)."""
    facts = _section(text, "Facts and judgements")
    line = next(x for x in facts.splitlines() if "no sign of a second contingent" in x)
    assert "*Graded:* reported, credibility 3 (possibly true). *Contradicts:* `p_further`." in line
    line = next(x for x in facts.splitlines() if "they will increase the quota" in x)
    assert "an interested party's claim, credibility 4 (doubtful). *Bears on:* `p_further`." in line


def test_context_figures_are_listed_as_feeding_nothing(text: str) -> None:
    """The context block: the figure, its range and unit, its quote, under a sentence that it feeds no probability."""
    facts = _section(text, "Facts and judgements")
    assert "### Context figures" in facts
    ctx = facts.split("### Context figures", 1)[1]
    assert "feed no probability" in ctx.split("\n\n")[1]
    assert "- `losses` Losses a day: 700 to 1,800 soldiers a day. “between 700 and 1,800 a day” — *An almanac*." in ctx


def test_reliability_words_are_the_admiralty_codes() -> None:
    """A to F, in the order and wording of STANAG 2511."""
    assert list("ABCDEF") == list(RELIABILITY)
    assert "completely reliable" == RELIABILITY["A"]
    assert "reliability cannot be judged" == RELIABILITY["F"]


def test_no_sources_no_section() -> None:
    """A scenario without sources has no Sources section and no context block."""
    from outlook.testing import tiny_scenario

    s = tiny_scenario(
        drivers={"r": {"constant": 0.2}}, events={"it": {"rate": "r"}}, rules={"a": "it", "b": "otherwise"}
    )
    md, _ = build_report(outlook.summarise(outlook.simulate(s, samples=500, seed=1)), format="markdown", figures=False)
    assert "## Sources" not in md
    assert "### Context figures" not in md
