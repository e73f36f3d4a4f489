"""Reports: outlook.report builds the finished product and writes it atomically.

Checked as a reader would: the bundled scenario's report, in each format,
names every scenario, horizon, driver, derived quantity and event; the numbers
it shows are the tables' numbers; the key judgements are one sentence per
horizon; the straddle flag sits exactly where outlook.words.straddles says.
"""

from __future__ import annotations

import base64
import io
import math
import os
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import outlook
from outlook import Scenario, plots
from outlook.display import about, by_horizon
from outlook.report import build_report, check_output, write_report
from outlook.testing import HEADER
from outlook.words import SCALES, get_scale, straddles

SAMPLES = 20_000
SEED = 3

TINY = """outlook: 1
id: tiny
title: Tiny
question: Does it happen?
as_of: 2024-01-31
horizons: {soon: {label: "0–6 months", until: 6mo}, later: {until: 5y}}
drivers: {r: {range: [0.1, 0.3], shape: lognormal, unit: per year}}
events: {it: {rate: r}}
scenarios: {happens: it, not_yet: otherwise}
"""


# --------------------------------------------------------------------------
# fixtures and readers


#: the bundled case before its revision (issue 14)
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"


@pytest.fixture(scope="module")
def tables() -> outlook.Tables:
    """The archived edition of the bundled case: the report's mechanics on a fixed file.

    The revised case's report is checked in test_report_judgements.py, test_report_sourcing.py and the
    browser test.
    """
    return outlook.run_outlook(ARCHIVED, samples=SAMPLES, seed=SEED)


@pytest.fixture(scope="module")
def html_text(tables: outlook.Tables) -> str:
    return build_report(tables, format="html")


@pytest.fixture(scope="module")
def markdown(tables: outlook.Tables) -> tuple[str, dict[str, bytes]]:
    return build_report(tables, format="markdown")


@pytest.fixture(scope="module")
def tiny() -> outlook.Tables:
    return outlook.run_outlook(outlook.Scenario.from_yaml(TINY), samples=2_000, seed=1)


#: Elements that do not break the text (the others, blocks and table cells, do).
INLINE = frozenset({"a", "bdi", "code", "em", "strong", "span"})


class Page(HTMLParser):
    """The parts of an HTML report the tests read: tables, lists, text, resources."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[tuple[dict[str, str], str]]]] = {}
        self.rows_named: dict[str, list[str]] = {}
        self.lists: dict[str, list[str]] = {}
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self._table: str | None = None
        self._row: list[tuple[dict[str, str], str]] | None = None
        self._cell: tuple[dict[str, str], list[str]] | None = None
        self._list: str | None = None
        self._item: list[str] | None = None
        self._skip = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if tag not in INLINE:
            self.text.append(" ")
        if tag in ("style", "title"):
            self._skip += 1
        elif tag == "table":
            self._table = a.get("id", "")
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self._row = []
            if "data-name" in a:
                self.rows_named.setdefault(self._table, []).append(a["data-name"])
            if a.get("class") == "detail":
                self._row = None
        elif tag in ("td", "th") and self._row is not None:
            self._cell = (a, [])
        elif tag == "ul":
            self._list = a.get("class", "")
            self.lists[self._list] = []
        elif tag == "li" and self._list is not None:
            self._item = []
        elif tag == "br" and self._cell is not None:
            self._cell[1].append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag not in INLINE:
            self.text.append(" ")
        if tag in ("style", "title"):
            self._skip -= 1
        elif tag == "table":
            self._table = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append((self._cell[0], "".join(self._cell[1]).strip()))
            self._cell = None
        elif tag == "li" and self._item is not None and self._list is not None:
            self.lists[self._list].append("".join(self._item).strip())
            self._item = None
        elif tag == "ul":
            self._list = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell[1].append(data)
        if self._item is not None:
            self._item.append(data)

    def body(self) -> str:
        """The page's text as a reader sees it: inline elements run on, blocks are apart."""
        return " ".join("".join(self.text).split())


def md_plain(text: str) -> str:
    """Markdown text with its backslash escapes removed, as a reader sees it."""
    return re.sub(r"\\([\\`*_\[\]<>|#~$])", r"\1", text)


def md_tables(text: str) -> dict[str, list[list[str]]]:
    """Every pipe table in a Markdown report, by its first header cell (the first such table); rows of cells."""
    out: dict[str, list[list[str]]] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            header = split_row(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("| "):
                rows.append(split_row(lines[i]))
                i += 1
            out.setdefault(header[0], [header, *rows])
        i += 1
    return out


def split_row(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
    return [c.strip() for c in cells]


def md_section(text: str, title: str) -> str:
    """The text of a ``## title`` section."""
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert m, title
    return m.group(1)


def shown_close(shown: str, value: float, *, percent: bool = False) -> bool:
    """Whether a number as printed is ``value`` correctly rounded to the digits it shows."""
    text = shown.replace(",", "").rstrip("%").lstrip("±")
    got = float(text)
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    want = 100.0 * value if percent else value
    if "e" in text:  # 4 significant digits in exponent form
        return math.isclose(got, want, rel_tol=5.1e-4)
    return abs(got - want) <= 0.5 * 10.0**-decimals + 1e-9 * max(1.0, abs(want))


PCELL = re.compile(
    r"^(?P<p>[\d.]+%) (?P<pm>±[\d.]+%) (?P<word>[a-z ]+?)(?P<flag>†?)(?: \((?P<within>[\d.]+%) in this window\))?$"
)


# --------------------------------------------------------------------------
# the straddle helper (outlook.words.straddles)


@pytest.mark.parametrize(
    ("p", "se", "scale", "expected"),
    [
        (0.62, 0.003, "icd203", False),
        (0.548, 0.003, "icd203", True),
        (0.552, 0.003, "icd203", True),
        (0.3, 0.04, "icd203", False),
        (0.3, 0.06, "icd203", True),
        (0.001, 0.01, "icd203", False),
        (0.999, 0.01, "icd203", False),
        (0.5, 0.0, "icd203", False),
        (0.37, 0.001, "phia", False),
        (0.37, 0.02, "phia", True),
        (0.3, 0.026, "phia", True),
    ],
    ids=[
        "inside-likely",
        "crosses-55-from-below",
        "crosses-55-from-above",
        "inside-unlikely",
        "crosses-20",
        "clipped-at-0",
        "clipped-at-1",
        "no-error",
        "inside-phia-gap",
        "phia-gap-to-band",
        "phia-band-to-gap",
    ],
)
def test_straddles_cases(p: float, se: float, scale: str, expected: bool) -> None:
    """A word is flagged when p ± 2·SE reaches another word (another band or a gap)."""
    assert expected == straddles(p, se, scale)


def test_straddles_k_sets_the_band() -> None:
    """k is the band's half-width in standard errors; k = 0 never straddles."""
    assert straddles(0.548, 0.003)
    assert not straddles(0.548, 0.003, k=0.5)
    assert not straddles(0.548, 0.003, k=0)
    assert straddles(0.548, 0.003, k=1.0)


@pytest.mark.parametrize(
    ("p", "se", "k"),
    [(0.5, -0.1, 2.0), (0.5, math.nan, 2.0), (0.5, math.inf, 2.0), (1.5, 0.01, 2.0), (0.5, 0.01, -1.0)],
    ids=["negative-se", "nan-se", "inf-se", "p-above-one", "negative-k"],
)
def test_straddles_refuses_bad_input(p: float, se: float, k: float) -> None:
    """A negative or non-finite error, a bad k, or p outside [0, 1] is a ValueError."""
    with pytest.raises(ValueError, match="must"):
        straddles(p, se, k=k)


@given(st.floats(0, 1), st.floats(0, 0.2), st.sampled_from(["icd203", "ipcc", "nato-unverified"]))
def test_straddles_agrees_with_band_edges(p: float, se: float, scale: str) -> None:
    """On gapless scales, straddling means a band edge e with lo < e <= hi (bands are [lo, hi))."""
    lo, hi = max(0.0, p - 2.0 * se), min(1.0, p + 2.0 * se)
    assert any(lo < e <= hi for e in SCALES[scale].edges()) == straddles(p, se, scale)


# --------------------------------------------------------------------------
# content: everything is named


def test_html_names_everything(tables: outlook.Tables, html_text: str) -> None:
    """The HTML report names the title, question, as-of date and every scenario, horizon, driver, event."""
    s = tables.scenario
    assert s is not None
    page = Page(html_text)
    text = page.body()
    assert f"<title>{s.title}</title>".replace("'", "&#x27;") in html_text
    assert text.startswith(s.title)
    assert " ".join(s.question.split()) in text
    assert "As of 1 November 2024" in text
    for item in (*s.rules, *s.drivers, *s.derived, *s.events):
        assert item.id in text, item.id
        assert " ".join(item.label.split()) in text, item.label
    for h in s.horizons:
        assert h.label in text
    for src in s.sources:
        assert " ".join(src.title.split()) in text
    assert [r.id for r in s.rules] == page.rows_named["scenario-table"]
    assert [e.id for e in s.events] == page.rows_named["event-table"]
    assert [d.id for d in s.drivers] == page.rows_named["driver-table"]
    assert [d.id for d in s.derived] == page.rows_named["derived-table"]


def test_markdown_names_everything(tables: outlook.Tables, markdown: tuple[str, dict[str, bytes]]) -> None:
    """The Markdown report names the same things, in headed sections."""
    s = tables.scenario
    assert s is not None
    text = md_plain(markdown[0])
    assert text.startswith(f"# {s.title}\n")
    assert " ".join(s.question.split()) in text
    assert "As of 1 November 2024" in text
    for item in (*s.rules, *s.drivers, *s.derived, *s.events):
        assert f"`{item.id}`" in text, item.id
        assert " ".join(item.label.split()) in text, item.label
    for h in s.horizons:
        assert h.label in text
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    assert [
        "Key judgements",
        "Facts and judgements",
        "Scenarios by horizon",
        "Events by horizon",
        "Drivers",
        "Derived quantities",
        "What drives the outlook",
        "Key assumptions",
        "Indicators to watch",
        "Competing hypotheses",
        "Cone of plausibility",
        "Background",
        "Sources",
        "Methods",
        "Run manifest",
    ] == headings


def test_drivers_show_range_shape_unit_and_quoted_source(tables: outlook.Tables, html_text: str) -> None:
    """Each driver's row shows its unit and stated range and shape; its detail row quotes its source."""
    s = tables.scenario
    assert s is not None
    text = Page(html_text).body()
    assert "8,000 to 12,000, 90% interval (5th to 95th percentiles); normal" in text
    assert "uniform: min 0.5, max 1" in text
    for d in s.drivers:
        if d.source is not None:
            quote = " ".join(d.source.quote.split())
            title = " ".join(s.source(d.source.ref).title.split())
            assert f"“{quote}” — {title}" in text, d.id


def test_methods_and_manifest(tables: outlook.Tables, markdown: tuple[str, dict[str, bytes]]) -> None:
    """Methods say how the numbers were made; the manifest gives hash, seed, samples and version."""
    text = md_plain(markdown[0])
    methods = md_section(text, "Methods")
    for phrase in ("20,000 independent worlds with seed 3", "√(p (1 − p) / n)", "blocks of 65,536", "exact"):
        assert phrase in methods
    assert "ICD 203" in methods
    rows = {r[0].strip("`"): r[1] for r in md_tables(text)["Field"][1:]}
    m = tables.manifest
    assert m["scenario_hash"] == rows["scenario_hash"]
    assert (str(SEED), str(SAMPLES)) == (rows["seed"], rows["samples"])
    assert outlook.__version__ == rows["outlook_version"]


# --------------------------------------------------------------------------
# content: the numbers are the tables' numbers


def test_html_scenario_and_event_numbers_equal_the_tables(tables: outlook.Tables, html_text: str) -> None:
    """Every probability cell carries the table's p, p_se and word, shown correctly rounded and flagged."""
    s = tables.scenario
    assert s is not None
    page = Page(html_text)
    horizons = [h.id for h in s.horizons]
    for table_id, frame, key, p_col, se_col in (
        ("scenario-table", tables.scenarios, "scenario", "p", "p_se"),
        ("event-table", tables.events, "event", "p_by", "p_by_se"),
    ):
        names = page.rows_named[table_id]
        rows = page.tables[table_id][1:]
        assert len(frame) == len(names) * len(horizons)
        for name, row in zip(names, rows):
            assert len(horizons) + 1 == len(row)
            for h, (attrs, text) in zip(horizons, row[1:]):
                want = frame[(frame["horizon"] == h) & (frame[key] == name)].iloc[0]
                p, se = float(want[p_col]), float(want[se_col])
                assert (p, se, want["word"]) == (float(attrs["data-p"]), float(attrs["data-se"]), attrs["data-word"])
                m = PCELL.match(text)
                assert m, text
                assert shown_close(m["p"], p, percent=True), (text, p)
                assert shown_close(m["pm"], 2 * se, percent=True), (text, se)
                assert want["word"] == m["word"]
                assert straddles(p, se) == bool(m["flag"]), (name, h, text)


def test_markdown_scenario_and_event_numbers_equal_the_tables(
    tables: outlook.Tables, markdown: tuple[str, dict[str, bytes]]
) -> None:
    """The Markdown tables show the same probabilities, errors, words and flags."""
    s = tables.scenario
    assert s is not None
    found = md_tables(md_plain(markdown[0]))
    horizons = [h.id for h in s.horizons]
    for first, frame, key, p_col, se_col, within in (
        ("Scenario", tables.scenarios, "scenario", "p", "p_se", False),
        ("Event", tables.events, "event", "p_by", "p_by_se", True),
    ):
        header, *rows = found[first]
        assert [by_horizon(h.label, h.id, s.as_of, h.until) for h in s.horizons] == header[1:]
        assert len(frame) == len(rows) * len(horizons)
        for row in rows:
            name = re.search(r"`([^`]+)`$", row[0])
            assert name, row[0]
            for i, (h, cell) in enumerate(zip(horizons, row[1:])):
                want = frame[(frame["horizon"] == h) & (frame[key] == name[1])].iloc[0]
                p, se = float(want[p_col]), float(want[se_col])
                m = PCELL.match(cell)
                assert m, cell
                assert shown_close(m["p"], p, percent=True)
                assert shown_close(m["pm"], 2 * se, percent=True)
                assert (want["word"], straddles(p, se)) == (m["word"], bool(m["flag"]))
                if within and i:
                    assert shown_close(m["within"], float(want["p_within"]), percent=True)


def test_the_straddle_flag_is_exercised_and_explained(tables: outlook.Tables, html_text: str) -> None:
    """The bundled run has flagged and unflagged words, and a note explains the mark."""
    flags = [straddles(float(r.p), float(r.p_se)) for r in tables.scenarios.itertuples()]
    assert any(flags)
    assert not all(flags)
    text = Page(html_text).body()
    assert "† The Monte Carlo error band, p ± 2·SE, crosses a boundary between words" in text


@pytest.mark.parametrize("which", ["drivers", "derived"])
def test_quantity_numbers_equal_the_tables(
    tables: outlook.Tables, html_text: str, markdown: tuple[str, dict[str, bytes]], which: str
) -> None:
    """Mean, 5th, median and 95th percentile of every driver and derived quantity, in both formats."""
    frame: pd.DataFrame = getattr(tables, which).set_index("name")
    page = Page(html_text)
    table_id = "driver-table" if which == "drivers" else "derived-table"
    md_rows = {
        re.search(r"`([^`]+)`$", r[0])[1]: r  # type: ignore[index]
        for r in md_tables(md_plain(markdown[0]))["Driver" if which == "drivers" else "Quantity"][1:]
    }
    checked = 0
    for name, row in zip(page.rows_named[table_id], page.tables[table_id][1:]):
        if frame.loc[name, "kind"] == "categorical":
            continue
        for (attrs, text), md_text, col in zip(row[3:], md_rows[name][3:], ("mean", "p5", "p50", "p95")):
            want = float(frame.loc[name, col])
            assert want == float(attrs["data-value"])
            assert shown_close(text, want), (name, col, text, want)
            assert text == md_text
            checked += 1
    assert checked >= 4 * (len(frame) - 1)


def test_categories_equal_the_table(tables: outlook.Tables, html_text: str) -> None:
    """Each category's share of worlds is shown with its error."""
    page = Page(html_text)
    cats = tables.categories
    rows = page.tables["category-table"][1:]
    assert len(cats) == len(rows)
    for want, row in zip(cats.itertuples(), rows):
        attrs, text = row[2]
        assert (want.p, want.p_se) == (float(attrs["data-p"]), float(attrs["data-se"]))
        assert shown_close(text.split()[0], want.p, percent=True)
        assert (want.driver, want.category) == (row[0][1], row[1][1])


# --------------------------------------------------------------------------
# key judgements


def _judgements_html(html_text: str) -> list[str]:
    return Page(html_text).lists["judgements"]


def _judgements_md(text: str) -> list[str]:
    section = md_section(md_plain(text), "Key judgements")
    return [line[2:].replace("**", "") for line in section.splitlines() if line.startswith("- ")]


def _likelihood_and_confidence(item: str) -> tuple[str, str]:
    """A key judgement split into its likelihood sentence and what follows (the confidence sentence, if any)."""
    head, sep, tail = item.partition("). ")
    return (head + ")." if sep else head), tail


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_key_judgements_one_sentence_per_horizon(
    tables: outlook.Tables, html_text: str, markdown: tuple[str, dict[str, bytes]], fmt: str
) -> None:
    """One sentence per horizon, in horizon order, "by" its end, with the leading scenario's word and rounded number."""
    s = tables.scenario
    assert s is not None
    items = _judgements_html(html_text) if fmt == "html" else _judgements_md(markdown[0])
    assert len(s.horizons) == len(items)
    labels = {r.id: r.label for r in s.rules}
    for h, item in zip(s.horizons, items):
        sentence, after = _likelihood_and_confidence(item)
        # what follows the likelihood sentence is the confidence sentence alone, with no likelihood word
        assert not after or after.startswith("We have "), item
        assert not any(re.search(rf"\b{b.word}\b", after) for b in get_scale("icd203").bands), after
        when = by_horizon(h.label, h.id, s.as_of, h.until)
        assert sentence.startswith(f"B{when[1:]}, ")
        assert 1 == len(re.findall(r"[.!?](?:\s|$)", sentence)), sentence
        assert sentence.endswith(".")
        rows = tables.scenarios[tables.scenarios["horizon"] == h.id].sort_values("p", ascending=False)
        top = rows.iloc[0]
        flag = "†" if straddles(float(top["p"]), float(top["p_se"])) else ""
        word = f"{top['word']}{flag}"
        assert (
            f"it is {word} to be the outcome ({about(top['p'])}; range " in sentence
            or f"({word}, {about(top['p'])})" in sentence
        )
        assert f"“{labels[top['scenario']]}”" in sentence
        assert "confidence" not in sentence.lower()


def test_key_judgement_wording(tables: outlook.Tables, html_text: str) -> None:
    """The first judgement reads as an analyst would write it (exact text for seed 3).

    Changed on purpose (issue 14, the review's R1-R4): "by" the horizon's end, "the leading scenario" beside a
    likelihood word (one row of the ICD 203 table), the number rounded and the Monte Carlo band left to the tables.
    """
    first, confidence = _likelihood_and_confidence(_judgements_html(html_text)[0])
    # the brief confidence sentence: the range is already in the likelihood sentence, so it says how many word
    # bands it spans; the Analytic confidence section and `outlook confidence` give the reasons in full
    assert re.fullmatch(
        r"We have (low|moderate|high) confidence in this judgement: its range spans \w+ word bands(; [^;]+)*\.",
        confidence,
    ), confidence
    row = tables.scenarios[tables.scenarios["horizon"] == "short"].sort_values("p").iloc[-1]
    assert (
        "By November 2025 (0–12 months), “Contained and low-key” is the leading scenario of the six: it is "
        f"{row['word']} to be the outcome ({about(row['p'])}; range "
    ) == first.split("range ")[0] + "range "


def test_level_scenarios_are_named_together() -> None:
    """Two scenarios within Monte Carlo error of each other are both named in the judgement, neither leading."""
    s = outlook.Scenario.from_yaml(
        TINY.replace("drivers: {r: {range: [0.1, 0.3], shape: lognormal, unit: per year}}", "drivers: {}").replace(
            "events: {it: {rate: r}}", "events: {it: {rate: 1.3862943611198906}}"
        )
    )
    t = outlook.run_outlook(s, samples=4_000, seed=5)
    html = build_report(t, figures=False)
    later = _judgements_html(html)[0]
    assert later.startswith("By 31 July 2024 (0–6 months), no scenario leads: “happens” ("), later
    assert "and “not_yet” (" in later
    assert "are level at the top of the two" in later


# --------------------------------------------------------------------------
# self-contained, escaped, deterministic


def test_html_loads_nothing(html_text: str) -> None:
    """No scripts, no stylesheets or images from anywhere: every image is a data: URI, and a CSP says so."""
    page = Page(html_text)
    tags = [t for t, _ in page.tags]
    assert "script" not in tags
    assert "link" not in tags
    assert "iframe" not in tags
    images = [a for t, a in page.tags if t == "img"]
    assert 9 == len(images)
    assert all(a["src"].startswith("data:image/png;base64,") for a in images)
    for tag, attrs in page.tags:
        if "src" in attrs:
            assert attrs["src"].startswith("data:"), tag
        if "href" in attrs:
            assert tag == "a", tag
    assert "url(" not in html_text.split("</style>")[0]
    assert "@import" not in html_text
    assert "default-src 'none'" in html_text


def test_the_stylesheet_is_package_data_inlined_in_the_page(html_text: str) -> None:
    """The page's styles are the package's style.css, read as package data (so it must ship in the wheel)."""
    from importlib import resources

    css = resources.files("outlook.report").joinpath("style.css").read_text(encoding="utf-8").strip()
    assert css.startswith(":root")
    assert f"<style>\n{css}\n</style>" in html_text


def test_figures_are_the_plots_figures(tables: outlook.Tables, html_text: str) -> None:
    """Figures come in plots order and are decodable PNGs."""
    page = Page(html_text)
    images = [a for t, a in page.tags if t == "img"]
    for a in images:
        data = base64.b64decode(a["src"].split(",", 1)[1])
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert [
        "Scenario probabilities by horizon",
        "Cumulative event probabilities over time",
        "Driver distributions",
        "Derived quantity distributions",
        "What each driver explains alone",
        "Key judgements if an assumption is false",
        "Indicator board",
        "ACH matrix",
        "Cone of plausibility",
    ] == [a["alt"] for a in images]


def test_same_inputs_same_bytes(tables: outlook.Tables, html_text: str, markdown: tuple[str, dict[str, bytes]]) -> None:
    """Same inputs, same bytes: two builds draw identical figures, and a fresh run gives identical text.

    The HTML and the Markdown fixtures are two separate builds, each drawing
    its own figures; their figure bytes must agree. A fresh run with the same
    seed must then give the same text in both formats.
    """
    embedded = [base64.b64decode(a["src"].split(",", 1)[1]) for t, a in Page(html_text).tags if t == "img"]
    assert list(markdown[1].values()) == embedded
    again = outlook.run_outlook(ARCHIVED, samples=SAMPLES, seed=SEED)
    assert build_report(tables, figures=False) == build_report(again, figures=False)
    assert build_report(tables, format="md", figures=False) == build_report(again, format="md", figures=False)


def test_markdown_links_its_figures(markdown: tuple[str, dict[str, bytes]]) -> None:
    """Each figure file is linked once from the text by its relative path, named by its hash."""
    text, files = markdown
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert list(files) == links
    assert all(
        re.fullmatch(
            r"report_files/(scenarios|events|drivers|derived|indices|assumptions|indicators|ach|cone)-[0-9a-f]{12}\.png",
            p,
        )
        for p in links
    )


UNTRUSTED = (
    TINY.replace("title: Tiny", 'title: "<script>alert(1)</script> & co"')
    .replace("question: Does it happen?", 'question: "Is <b>this</b> | [x](javascript:alert(2)) ok?"')
    .replace(
        "drivers: {r: {range: [0.1, 0.3], shape: lognormal, unit: per year}}",
        'sources: {s: {title: "<img src=x onerror=alert(3)>", url: "javascript:alert(4)"}}\n'
        'drivers: {r: {range: [0.1, 0.3], shape: lognormal, unit: "</td><script>", '
        'label: "**bold** _x_ `y`", source: {ref: s, quote: \'"><svg onload=alert(5)>\'}}}',
    )
)


def test_untrusted_text_is_escaped_in_html() -> None:
    """Scenario text cannot inject markup: tags are escaped and javascript: URLs are never links."""
    t = outlook.run_outlook(outlook.Scenario.from_yaml(UNTRUSTED), samples=1_000, seed=1)
    html = build_report(t, figures=False)
    page = Page(html)
    assert not any(tag in ("script", "svg") for tag, _ in page.tags)
    assert not any(tag == "img" for tag, _ in page.tags)
    assert not any("onerror" in a or "onload" in a for _, a in page.tags)
    assert "javascript:" not in " ".join(a.get("href", "") for _, a in page.tags)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "<script>alert(1)</script> & co" in page.body()


def test_untrusted_text_is_escaped_in_markdown() -> None:
    """In Markdown, scenario text shows as written: no raw HTML, no links or emphasis from the text."""
    t = outlook.run_outlook(outlook.Scenario.from_yaml(UNTRUSTED), samples=1_000, seed=1)
    text, files = build_report(t, format="markdown", figures=False)
    assert {} == files
    assert not re.search(r"(?<!\\)<(script|img|svg|b)\b", text)
    assert not re.search(r"(?<!\\)\]\(javascript:", text)
    assert "\\*\\*bold\\*\\*" in text
    assert "# \\<script\\>alert(1)\\</script\\> & co\n" in text


#: A control-laden string: ESC (with an OSC retitle), BEL, NUL, DEL and the C1 CSI, each in YAML's escapes.
_CTL = r'"x\e]0;owned\a\0\x7f\x9b[2Jy"'
CONTROLS = f"""outlook: 1
id: ctl
title: {_CTL}
question: {_CTL}
description: {_CTL}
as_of: 2024-01-31
horizons: {{soon: {{label: {_CTL}, note: {_CTL}, until: 6mo}}, later: {{until: 5y}}}}
sources: {{s: {{title: {_CTL}, publisher: {_CTL}, note: {_CTL}, url: "https://example.org/a"}}}}
drivers:
  r: {{range: [0.1, 0.3], shape: lognormal, unit: {_CTL}, label: {_CTL}, note: {_CTL},
      source: {{ref: s, quote: {_CTL}, note: {_CTL}}}}}
  c: {{categorical: {{{_CTL}: 0.5, plain: 0.5}}, label: {_CTL}}}
derived: {{d: {{expr: r * 2, label: {_CTL}, unit: {_CTL}, note: {_CTL}}}}}
events: {{it: {{rate: r, label: {_CTL}, note: {_CTL}, source: {{quote: {_CTL}}}}}}}
scenarios: {{happens: {{when: it, label: {_CTL}, description: {_CTL}}}, not_yet: otherwise}}
"""
_SHOWN = r"x\x1b]0;owned\x07\x00\x7f\x9b[2Jy"


@pytest.fixture(scope="module")
def controls() -> outlook.Tables:
    return outlook.run_outlook(outlook.Scenario.from_yaml(CONTROLS), samples=1_000, seed=1)


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_no_control_character_from_the_scenario_reaches_a_report(controls: outlook.Tables, fmt: str) -> None:
    """Control characters in any text field show as visible escapes (\\x1b), in every format, never raw.

    Only tab and newline may appear raw; ESC, BEL, NUL, DEL and C1 never do, so
    a report written to a terminal (``-o -``) cannot retitle it or clear it.
    """
    built = build_report(controls, format=fmt, figures=False)
    text = built if isinstance(built, str) else built[0]
    assert [] == re.findall(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)
    shown = text if fmt == "html" else md_plain(text)
    # title, question, description, horizon label and note, source title, publisher and note, driver label,
    # unit, note, quote and its note, category, derived label, unit and note, event label, note and quote,
    # scenario label and description: each field once at least
    assert shown.count(_SHOWN) >= 20


def test_svg_figures(tiny: outlook.Tables) -> None:
    """figure_format='svg' embeds SVG data URIs in HTML and writes .svg files for Markdown."""
    html = build_report(tiny, figure_format="svg")
    images = [a for t, a in Page(html).tags if t == "img"]
    assert images
    assert all(a["src"].startswith("data:image/svg+xml;base64,") for a in images)
    _, files = build_report(tiny, format="md", figure_format="svg")
    assert files
    for name, data in files.items():
        assert name.endswith(".svg")
        assert b"<svg" in data[:400]


def test_progress_while_drawing_figures(tiny: outlook.Tables) -> None:
    """progress(done, total) is called as figures are drawn, rising to its total."""
    calls: list[tuple[int, int]] = []
    build_report(tiny, progress=lambda done, total: calls.append((done, total)))
    assert [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)] == calls


def test_figures_need_matplotlib(tiny: outlook.Tables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without matplotlib (the plots extra) figures are refused with a clear ImportError; the text still builds."""
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(
        ImportError,
        match=re.escape(
            "pip install matplotlib (or reinstall: pip install scenario-outlook; from a checkout: pip install .)"
        ),
    ):
        build_report(tiny)
    with pytest.raises(ImportError, match="need matplotlib"):
        check_output(tmp_path / "r.html")
    assert "html" == check_output(tmp_path / "r.html", figures=False)
    assert "<img" not in build_report(tiny, figures=False)


def test_dates_and_unlabelled_horizons(tiny: outlook.Tables) -> None:
    """Horizon ends are calendar dates (month ends clamp), read "by" the end; a horizon without a label has its date only."""
    sentences = _judgements_html(build_report(tiny, figures=False))
    assert sentences[0].startswith("By 31 July 2024 (0–6 months), ")
    assert sentences[1].startswith("By 31 January 2029, ")


def test_tables_without_their_scenario_are_refused(tiny: outlook.Tables) -> None:
    """A report needs the scenario the tables came from."""
    bare = outlook.Tables(
        tiny.scenarios, tiny.events, tiny.drivers, tiny.derived, tiny.categories, tiny.manifest, scenario=None
    )
    with pytest.raises(ValueError, match="do not carry their scenario"):
        build_report(bare)


# --------------------------------------------------------------------------
# writing


def listing(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_write_html(tiny: outlook.Tables, tmp_path: Path) -> None:
    """write_report writes exactly build_report's page, and nothing else."""
    path = write_report(tiny, tmp_path / "out.html")
    assert tmp_path / "out.html" == path
    assert {"out.html": build_report(tiny).encode("utf-8")} == listing(tmp_path)


def test_write_markdown_and_replace_it(tiny: outlook.Tables, tmp_path: Path) -> None:
    """Markdown goes beside its figures in <stem>_files; a new report removes figures it no longer uses."""
    write_report(tiny, tmp_path / "out.md")
    text, files = build_report(tiny, format="md", files_dir="out_files")
    assert {"out.md": text.encode("utf-8"), **files} == listing(tmp_path)
    other = outlook.run_outlook(outlook.Scenario.from_yaml(TINY), samples=2_000, seed=2)
    write_report(other, tmp_path / "out.md")
    new = listing(tmp_path)
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", new["out.md"].decode("utf-8"))
    assert sorted(["out.md", *links]) == sorted(new)
    assert not set(files) & set(links)


@pytest.mark.parametrize("suffix", [".html", ".md"])
def test_failed_figures_leave_the_old_report(
    tiny: outlook.Tables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    """A failure while building leaves an existing report byte for byte, and no temporary files."""
    write_report(tiny, tmp_path / f"out{suffix}")
    before = listing(tmp_path)

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(plots, "figure_bytes", broken)
    other = outlook.run_outlook(outlook.Scenario.from_yaml(TINY), samples=2_000, seed=2)
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_report(other, tmp_path / f"out{suffix}")
    assert before == listing(tmp_path)


@pytest.mark.parametrize(("suffix", "error"), [(".html", OSError), (".md", OSError), (".md", KeyboardInterrupt)])
def test_failed_rename_leaves_the_old_report(
    tiny: outlook.Tables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, error: type[BaseException]
) -> None:
    """A failure (or an interrupt) when the report itself is renamed into place changes nothing.

    For Markdown the new figures were already in place by then (named by
    their hashes, so no old figure was overwritten); they are removed again.
    """
    target = tmp_path / f"out{suffix}"
    write_report(tiny, target)
    before = listing(tmp_path)
    real = os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst) == target:
            raise error("interrupted")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    other = outlook.run_outlook(outlook.Scenario.from_yaml(TINY), samples=2_000, seed=2)
    with pytest.raises(error):
        write_report(other, target)
    monkeypatch.undo()
    assert before == listing(tmp_path)


def test_failed_first_write_leaves_nothing(
    tiny: outlook.Tables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no earlier report, a failed Markdown write leaves no file and no figures folder."""

    def fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="No space left"):
        write_report(tiny, tmp_path / "out.md")
    assert [] == list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("missing/out.html", {}, "no such directory"),
        ("afile/out.html", {}, "is not a directory"),
        ("adir", {"format": "html"}, "it is a directory"),
        ("out.pdf", {}, "cannot tell the report format from the name 'out.pdf'"),
        ("out.html", {"format": "docx"}, "unknown report format 'docx'; expected html or markdown"),
        ("out.html", {"figure_format": "gif"}, "unknown figure format 'gif'; expected png or svg"),
        ("clash.md", {}, "its figures folder"),
    ],
    ids=["missing-dir", "inside-a-file", "a-directory", "unknown-suffix", "unknown-format", "figure-format", "clash"],
)
def test_bad_outputs_are_refused_before_anything_is_written(
    tiny: outlook.Tables, tmp_path: Path, name: str, kwargs: dict[str, str], message: str
) -> None:
    """check_output and write_report refuse a path or format that cannot work, creating nothing."""
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir").mkdir()
    (tmp_path / "clash_files").write_text("x")
    before = listing(tmp_path)
    with pytest.raises(ValueError, match=re.escape(message)):
        check_output(tmp_path / name, **kwargs)
    with pytest.raises(ValueError, match=re.escape(message)):
        write_report(tiny, tmp_path / name, figures=False, **kwargs)
    assert before == listing(tmp_path)
    assert ["adir", "afile", "clash_files"] == sorted(p.name for p in tmp_path.iterdir())


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [("r.html", None, "html"), ("r.HTM", None, "html"), ("r.md", None, "markdown"), ("r.txt", "md", "markdown")],
    ids=["html", "htm", "md", "override"],
)
def test_format_from_suffix_or_override(tmp_path: Path, name: str, fmt: str | None, expected: str) -> None:
    """The format comes from the suffix unless given."""
    assert expected == check_output(tmp_path / name, format=fmt)


@pytest.mark.parametrize(
    ("blocks", "says"), [(8, "measured from the spread between those blocks"), (2, "an upper bound")]
)
def test_methods_say_how_qmc_errors_were_made(blocks: int, says: str) -> None:
    """A Sobol' run's methods section says whether its errors were measured or are the binomial bound."""
    s = outlook.Scenario.from_yaml(
        "outlook: 1\nid: q\ntitle: Q\nquestion: Q?\nas_of: 2024-01-01\nhorizons: {a: {until: 1y}}\n"
        "drivers: {r: {range: [0.1, 0.3], shape: lognormal}}\nevents: {it: {rate: r}}\n"
        "scenarios: {yes: it, no: otherwise}\n"
    )
    tables = outlook.summarise(outlook.simulate(s, samples=blocks * 65536, seed=1, sampler="sobol"))
    html = build_report(tables, figures=False)
    assert says in html


# --------------------------------------------------------------------------
# bidirectional text and dollars

RLO, PDF = "\u202e", "\u202c"
BIDI = (
    TINY.replace("title: Tiny", 'title: "Tiny \\u202eevil"')
    .replace("question: Does it happen?", 'question: "Does it \\u202ehappen?"')
    .replace('label: "0–6 months"', 'label: "0–6 \\u202emonths", note: "a \\u202enote"')
    .replace(
        "drivers: {r: {range: [0.1, 0.3], shape: lognormal, unit: per year}}",
        'sources: {s: {title: "A \\u202etitle", publisher: "Pub \\u202elisher"}}\n'
        'description: "Some \\u202ebackground, then `code \\u202e` and more"\n'
        'drivers:\n  r: {range: [0.1, 0.3], shape: lognormal, unit: "per \\u202eyear", label: "rate \\u202e\\u202c ok",'
        ' source: {ref: s, quote: "it \\u202esaid"}, note: "note \\u202ehere"}\n'
        '  c: {categorical: {"\\u202eleft": 0.5, right: 0.5}}',
    )
    .replace(
        "scenarios: {happens: it, not_yet: otherwise}",
        'scenarios: {happens: it, not_yet: {when: otherwise, label: "Not \\u202eyet"}}',
    )
)


class Isolates(HTMLParser):
    """Every text node and attribute value of a page, with whether it lies inside a bidi isolate."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[bool] = []
        self.chunks: list[tuple[bool, str]] = []
        self.attrs: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag not in ("br", "meta", "img"):
            self.open.append(tag == "bdi" or a.get("dir") in ("ltr", "rtl", "auto"))
        self.attrs += [v or "" for _, v in attrs]

    def handle_endtag(self, tag: str) -> None:
        self.open.pop()

    def handle_data(self, data: str) -> None:
        self.chunks.append((any(self.open), data))


def test_scenario_text_is_isolated_in_html() -> None:
    """An unbalanced right-to-left override cannot reach past its own text in the HTML.

    Every piece of scenario text sits in a bidi isolate (`<bdi>`, or a
    `<code dir>`), and no text outside an isolate, no attribute and not the
    `<title>` holds an unbalanced bidirectional control (they are removed;
    a balanced pair is kept, inside its isolate).
    """
    from outlook._text import BIDI_CONTROLS, balance_bidi

    t = outlook.run_outlook(outlook.Scenario.from_yaml(BIDI), samples=1_000, seed=1)
    page = Isolates(build_report(t, figures=False))
    outside = [text for inside, text in page.chunks if not inside]
    assert [] == [text for text in outside + page.attrs if balance_bidi(text) != text]
    assert [] == [text for text in outside if set(text) & BIDI_CONTROLS]
    inside = {" ".join(text.split()) for isolated, text in page.chunks if isolated}
    expected = {
        "Tiny evil",
        "Does it happen?",
        "0–6 months",
        "a note",
        "A title",
        "Pub lisher",
        "Some background, then",
        "code",
        "and more",
        f"rate {RLO}{PDF} ok",
        "per year",
        "it said",
        "note here",
        "left",
        "Not yet",
    }
    assert set() == expected - inside
    assert "<title>Tiny evil</title>" in build_report(t, figures=False)


def test_markdown_has_no_unbalanced_bidi_control() -> None:
    """In Markdown (which has no isolates) every unbalanced control is removed; a balanced pair stays."""
    from outlook._text import balance_bidi

    t = outlook.run_outlook(outlook.Scenario.from_yaml(BIDI), samples=1_000, seed=1)
    text, _ = build_report(t, format="markdown", figures=False)
    assert [] == [line for line in text.splitlines() if balance_bidi(line) != line]
    assert f"rate {RLO}{PDF} ok" in text
    assert "# Tiny evil\n" in text


def test_dollars_are_not_math_in_markdown() -> None:
    """A `$` in scenario text is escaped in Markdown, which GitHub, GitLab, Jupyter and pandoc read as math."""
    s = TINY.replace("title: Tiny", "title: 'Oil between $5 and $10'").replace(
        "scenarios: {happens: it, not_yet: otherwise}",
        "scenarios: {happens: {when: it, label: '$x$ wins'}, not_yet: otherwise}",
    )
    t = outlook.run_outlook(outlook.Scenario.from_yaml(s), samples=1_000, seed=1)
    text, _ = build_report(t, format="markdown", figures=False)
    assert "# Oil between \\$5 and \\$10\n" in text
    assert "- \\$x\\$ wins `happens`: `it`" in text
    assert not re.search(r"(?<!\\)\$", text)


# --------------------------------------------------------------------------
# cost in proportion to the tables


def many(drivers: int, events: int) -> str:
    """A scenario with many drivers and events, each with a label and a unit."""
    lines = [
        "outlook: 1",
        "id: many",
        "title: Many",
        "question: Which?",
        "as_of: 2024-01-01",
        "horizons: {soon: {until: 1y}, later: {until: 5y}}",
        "drivers:",
        *(f"  d{i}: {{range: [1, 2], shape: normal, label: Driver number {i}, unit: things}}" for i in range(drivers)),
        "events:",
        *(f"  e{i}: {{rate: 0.1, label: Event number {i}}}" for i in range(events)),
        "scenarios: {first: e0, other: otherwise}",
    ]
    return "\n".join(lines) + "\n"


def test_a_report_of_thousands_of_drivers_draws_bounded_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """2,000 drivers and 200 events: tables whole, figures bounded.

    The report used to draw one panel per driver (and one curve per event),
    which had not finished after 25 minutes. Now the driver figure shows the
    first ``plots.PANELS`` drivers and the event figure the first
    ``plots.CURVES`` events, each caption saying so; the tables list all.
    What is checked is the work, not the time (no timed tests: this machine
    is shared): every figure the report renders has at most ``PANELS``
    panels plus its legend, and the event figure at most ``CURVES`` curves.
    """
    from outlook import plots

    drawn: list[object] = []
    render = plots.figure_bytes

    def counting(fig: object, *args: object, **kwargs: object) -> bytes:
        drawn.append(fig)
        return render(fig, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(plots, "figure_bytes", counting)
    tables = outlook.run_outlook(outlook.Scenario.from_yaml(many(2_000, 200)), samples=1_000, seed=1)
    html = build_report(tables)
    assert drawn
    for fig in drawn:
        panels = [ax for ax in fig.axes if ax.has_data()]  # type: ignore[attr-defined]
        assert len(panels) <= plots.PANELS, len(panels)
        assert all(len(ax.lines) <= plots.CURVES + 2 for ax in panels)  # the curves, plus at most two guides
    page = Page(html)
    assert 2_000 == len(page.rows_named["driver-table"])
    assert 200 == len(page.rows_named["event-table"])
    captions = page.body().split("Figure ")[1:]
    assert any(f"It shows the first {plots.PANELS} of the 2,000 drivers, in the file's order" in c for c in captions)
    assert any(f"It shows the first {plots.CURVES} of the 200 events, in the file's order" in c for c in captions)
    assert "The distribution figures show the first 1,000 worlds" in page.body()


# --------------------------------------------------------------------------
# only outlook's own lines reach the user


def test_report_of_long_labels_and_foreign_scripts_is_quiet(tmp_path: Path) -> None:
    """`outlook report` of a scenario whose labels are long, many and in scripts the font lacks: no warning.

    Matplotlib warned (on stderr) that the constrained layout could not be
    applied and that glyphs were missing from its font.
    """
    import warnings

    from outlook import cli

    long = "a label that goes on and on " * 12
    text = (
        TINY.replace("title: Tiny", f"title: '{long}'")
        .replace('label: "0–6 months"', f"label: '{long}'")
        .replace("unit: per year}", f"unit: 'ক {long}', label: '日本語 🚀 {long}'}}")
        .replace(
            "scenarios: {happens: it, not_yet: otherwise}",
            f"scenarios: {{happens: {{when: it, label: '{long}'}}, not_yet: otherwise}}",
        )
    )
    scenario = tmp_path / "long.yaml"
    scenario.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        code = cli.main(["report", str(scenario), "-n", "1000", "-o", str(tmp_path / "r.html")], stdout=out, stderr=err)
    assert (0, "") == (code, err.getvalue())
    assert [] == [f"{w.category.__name__}: {w.message}" for w in seen]


STATED_FORMS = {
    "{mixture: [{weight: 0.6, constant: 0}, {weight: 0.4, lognormal: {mean: 100, sd: 50}}]}": (
        "mixture of 60%: constant 0; 40%: lognormal (mean 100, sd 50)"
    ),
    "{mixture: [{weight: 70%, gamma: {shape: 2, scale: 1}, truncate: [null, 5]},"
    " {weight: 30%, range: [1, 10], shape: lognormal, coverage: 80%}]}": (
        "mixture of 70%: gamma (shape 2, scale 1), truncated to ≤ 5; "
        "30%: (1 to 10, 80% interval (10th to 90th percentiles); lognormal)"
    ),
    "{normal: {mean: 0, sd: 1}, truncate: [0, null]}": "normal: mean 0, sd 1, truncated to ≥ 0",
    "{gamma: {shape: 2, scale: 3}, truncate: [1, 9]}": "gamma: shape 2, scale 3, truncated to [1, 9]",
    "{student_t: {df: 3, location: 1, scale: 2}}": "student_t: df 3, location 1, scale 2",
    "{loguniform: {min: 1, max: 100}}": "loguniform: min 1, max 100",
    "{lognormal: {mean: 10, sd: 3}}": "lognormal: mean 10, sd 3",
    "{probability: 40%}": "yes with probability 40.0%",
    "{range: [20%, 60%], shape: beta, coverage: 80%}": "0.2 to 0.6, 80% interval (10th to 90th percentiles); beta",
}


@pytest.mark.parametrize("form", list(STATED_FORMS))
def test_every_form_is_stated_in_the_drivers_table(form: str) -> None:
    """Each format 1.1 form reads as written (a mixture with a constant component stopped the report with a
    TypeError), in Markdown and HTML."""
    head = (
        HEADER.replace("outlook: 1\n", "outlook: 1.1\n")
        + "horizons: {soon: {until: 1y}}\nscenarios: {rest: otherwise}\n"
    )
    s = Scenario.from_yaml(head + f"drivers: {{x: {form}}}\n")
    t = outlook.summarise(outlook.simulate(s, samples=500, seed=1))
    assert STATED_FORMS[form] in build_report(t, format="markdown", figures=False)[0].replace("\\", "")
    assert escape(STATED_FORMS[form], quote=False) in build_report(t, figures=False)


def test_every_figure_the_report_names_is_one_its_files_folder_knows() -> None:
    """Each figure a report section adds (``figs["name"]``) has a file name ``FIGURE_NAME`` matches.

    The Markdown report's folder is cleaned of stale figures and checked for
    another report's by that pattern: a figure it does not match would be
    left behind, or taken for a stranger's.
    """
    from pathlib import Path

    from outlook.report.figures import FIGURE_FILE

    names = set()
    for path in (Path(outlook.__file__).parent / "report").glob("*.py"):
        names |= set(re.findall(r'figs\["(\w+)"\]', path.read_text(encoding="utf-8")))
    assert {"assumptions", "indices", "indicators", "ach", "update"} <= names
    for name in sorted(names):
        assert FIGURE_FILE.match(f"{name}-0123456789ab.png"), name
