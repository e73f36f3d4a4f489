"""Showing numbers and tables: one format for a probability everywhere, and cells that cannot drive a terminal."""

from __future__ import annotations

import ast
import datetime as dt
import io
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import outlook
from outlook import display
from outlook.words import STRADDLE_K

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"

#: What a terminal obeys: C0 controls but tab and newline, DEL, C1 controls, and unbalanced bidi controls.
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HOSTILE = ["\x1b[2J-calm", "+1|<script>alert(1)</script>", "@SUM(A1)\u202e\x9b", "a_b *c* $x$ `d`"]


def hostile_frame() -> pd.DataFrame:
    """A table whose text cells hold escapes, markup, a formula and an unbalanced right-to-left override."""
    return pd.DataFrame({"category": HOSTILE, "p": [0.5, 0.25, 0.125, 0.125], "n": [1, 2, 3, 4]})


# --------------------------------------------------------------------------
# numbers


@pytest.mark.parametrize(
    ("p", "shown"),
    [
        (0.3512, "35.1%"),
        (0.0, "0.0%"),
        (1.0, "100.0%"),
        (0.0004, "0.04%"),
        (0.00004, "0.004%"),
        (0.999, "99.9%"),
        (0.99996, "99.996%"),
        (2e-7, "0.0000%"),
        (math.nan, "–"),
    ],
    ids=["plain", "zero", "one", "two-decimals", "three-decimals", "high", "near-one", "beyond-four", "nan"],
)
def test_percent(p: float, shown: str) -> None:
    """A probability shows to one decimal, with more (up to four) where one would show 0% or 100%."""
    assert shown == display.percent(p)


@given(st.floats(1e-6, 1 - 1e-6))
def test_percent_never_shows_certainty_for_an_uncertain_probability(p: float) -> None:
    """A probability strictly between 0 and 1 (at least 1e-6 from either) never shows as 0% or 100%."""
    value = float(display.percent(p).removesuffix("%"))
    assert 0.0 < value < 100.0


@pytest.mark.parametrize(
    ("se", "shown"),
    [(0.0034, "±0.7%"), (0.0, "±0.0%"), (0.00001, "±0.002%"), (0.05, "±10.0%")],
    ids=["plain", "zero", "tiny", "large"],
)
def test_plus_minus_is_k_standard_errors(se: float, shown: str) -> None:
    """The error band is ±STRADDLE_K·SE as a percentage, with more decimals where one would show ±0.0%."""
    assert 2 == STRADDLE_K
    assert shown == display.plus_minus(se)


@pytest.mark.parametrize(
    ("p", "shown"),
    [(0.351, "35%"), (0.0, "0%"), (0.004, "<1%"), (0.996, ">99%"), (1.0, "100%"), (0.01, "1%"), (0.99, "99%")],
    ids=["plain", "zero", "rare", "near-certain", "certain", "one-percent", "ninety-nine"],
)
def test_percent_rounded_for_figures(p: float, shown: str) -> None:
    """A figure's label is a whole percentage; a rare outcome is "<1%", a near-certain one ">99%"."""
    assert shown == display.percent_rounded(p)


@pytest.mark.parametrize(
    ("x", "shown"),
    [
        (11987.6, "11,988"),
        (1000, "1,000"),
        (999.96, "1000"),
        (0.123456, "0.1235"),
        (-42.5, "-42.5"),
        (0, "0"),
        (1e-9, "1e-09"),
        (math.nan, "–"),
        (math.inf, "∞"),
        (-math.inf, "-∞"),
    ],
    ids=["thousands", "one-thousand", "rounds-up", "small", "negative", "zero", "tiny", "nan", "inf", "-inf"],
)
def test_number(x: float, shown: str) -> None:
    """A value shows with four significant digits, thousands separated from 1,000 up."""
    assert shown == display.number(x)


def test_counts_and_small_numbers() -> None:
    """A count has thousands separators; a small count reads as a word."""
    assert "200,000" == display.count(200_000)
    assert ["no", "one", "six", "ten", "11"] == [display.small_number(n) for n in (0, 1, 6, 10, 11)]


@pytest.mark.parametrize(
    ("q", "shown"),
    [(5, "5th"), (1, "1st"), (2, "2nd"), (3, "3rd"), (11, "11th"), (12, "12th"), (21, "21st"), (2.5, "2.5th")],
)
def test_ordinal(q: float, shown: str) -> None:
    """A percentile's rank reads as an English ordinal."""
    assert shown == display.ordinal(q)


# --------------------------------------------------------------------------
# dates


@pytest.mark.parametrize(
    ("as_of", "years", "end"),
    [
        (dt.date(2024, 11, 1), 1.0, dt.date(2025, 11, 1)),
        (dt.date(2024, 1, 31), 1 / 12, dt.date(2024, 2, 29)),
        (dt.date(2023, 1, 31), 1 / 12, dt.date(2023, 2, 28)),
        (dt.date(2024, 2, 29), 1.0, dt.date(2025, 2, 28)),
        (dt.date(2024, 1, 1), 7 / 365.25, dt.date(2024, 1, 8)),
        (dt.date(2024, 1, 1), 0.3, dt.date(2024, 4, 20)),
    ],
    ids=["year", "month-to-leap-february", "month-to-february", "leap-day-plus-a-year", "week", "fraction"],
)
def test_end_date(as_of: dt.date, years: float, end: dt.date) -> None:
    """Whole months are calendar months (the day kept, or the month's last); other lengths are days."""
    assert end == display.end_date(as_of, years)


def test_dates_and_durations_in_words() -> None:
    """A date reads as "1 November 2025"; a duration in years, months or days."""
    assert "1 November 2025" == display.long_date(dt.date(2025, 11, 1))
    shown = [display.duration(y) for y in (1.0, 5.0, 1 / 12, 0.5, 45 / 365.25)]
    assert ["1 year", "5 years", "1 month", "6 months", "45 days"] == shown


# --------------------------------------------------------------------------
# tables


@pytest.mark.parametrize(
    ("v", "shown"),
    [
        (0.35123, "0.3512"),
        (0.0, "0.0000"),
        (12345.678, "12,345.7"),
        (3e-7, "3e-07"),
        (2.5e9, "2.5e+09"),
        (math.nan, ""),
        ("short", "short"),
        (3, "3"),
    ],
    ids=["probability", "zero", "large", "tiny", "huge", "nan", "text", "int"],
)
def test_cell(v: object, shown: str) -> None:
    """A terminal table's cell: four decimals, one above 100, four significant digits beyond."""
    assert shown == display.cell(v)


def test_text_table_aligns_numbers_right() -> None:
    """Text columns align left, number columns right, under a header; no trailing spaces."""
    frame = pd.DataFrame({"scenario": ["calm", "escalation"], "p": [0.75, 0.25]})
    assert "scenario         p\ncalm        0.7500\nescalation  0.2500\n" == display.render_table(frame)


def test_markdown_table() -> None:
    """A Markdown pipe table, numbers right-aligned, every cell escaped."""
    frame = pd.DataFrame({"scenario": ["a|b"], "p": [0.5]})
    expected = "| scenario | p |\n|---|---:|\n| a\\|b | 0.5000 |\n"
    assert expected == display.render_table(frame, format="markdown")


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv", "html"])
def test_no_cell_drives_a_terminal(fmt: str) -> None:
    """Whatever a label holds, no table format lets a control or an unbalanced bidi control through."""
    out = display.render_table(hostile_frame(), format=fmt)  # type: ignore[arg-type]
    assert [] == CONTROLS.findall(out)
    assert "\u202e" not in out
    assert "\\x1b" in out  # shown, not obeyed
    assert "\\x9b" in out


def test_markdown_cells_show_as_written() -> None:
    """In Markdown no cell is markup, raw HTML, a column break or math."""
    lines = display.render_table(hostile_frame(), format="markdown").splitlines()
    assert "| +1\\|\\<script\\>alert(1)\\</script\\> | 0.2500 | 2 |" == lines[3]
    assert "| a_b \\*c\\* \\$x\\$ \\`d\\` | 0.1250 | 4 |" == lines[5]


def test_csv_cells_never_run_as_formulas() -> None:
    """CSV: numbers stay numbers; a text cell that a spreadsheet would run is quoted and prefixed."""
    lines = display.render_table(hostile_frame(), format="csv").splitlines()
    assert ["category,p,n", "\\x1b[2J-calm,0.5,1", '"\'+1|<script>alert(1)</script>",0.25,2'] == lines[:3]
    assert '"\'@SUM(A1)\\x9b",0.125,3' == lines[3]
    assert 4 == len(pd.read_csv(io.StringIO("\n".join(lines))))


class _Cells(HTMLParser):
    """Each cell of an HTML table: (tag, attributes, text, inside a <bdi>)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[tuple[str, dict[str, str | None], str, bool]] = []
        self.open: tuple[str, dict[str, str | None]] | None = None
        self.text: list[str] = []
        self.bdi = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "th"):
            self.open, self.text, self.bdi = (tag, dict(attrs)), [], False
        elif tag == "bdi":
            self.bdi = True
        elif tag == "script":  # pragma: no cover - fails the test below
            self.cells.append(("script", {}, "", False))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.open is not None:
            self.cells.append((*self.open, "".join(self.text), self.bdi))
            self.open = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_table_escapes_and_isolates_text() -> None:
    """HTML: text escaped (no element from a label), each text cell an isolate, numbers marked for alignment."""
    out = display.render_table(hostile_frame(), format="html")
    parser = _Cells()
    parser.feed(out)
    header, body = parser.cells[:3], parser.cells[3:]
    assert [("th", {"scope": "col"}, "category", False)] == header[:1]
    assert {"scope": "col", "class": "num"} == header[1][1]
    assert ("td", {}, "+1|<script>alert(1)</script>", True) == body[3]
    assert ("td", {"class": "num"}, "0.2500", False) == body[4]
    assert all(tag != "script" for tag, *_ in parser.cells)
    assert out.startswith('<table class="outlook">\n<thead>')
    assert out.endswith("</tbody>\n</table>\n")


def test_unknown_table_format() -> None:
    """An unknown format is a ValueError naming the formats."""
    with pytest.raises(ValueError, match=r"^unknown table format 'tsv'; expected one of text, markdown, csv, html$"):
        display.render_table(hostile_frame(), format="tsv")  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# one format everywhere


def test_the_report_and_the_command_show_numbers_through_display() -> None:
    """The report's probability cells and the command's tables show the tables' numbers as display does."""
    from outlook import cli
    from outlook.report import build_report

    tables = outlook.run_outlook(str(ARCHIVED), samples=2_000, seed=1)
    page = build_report(tables, figures=False)
    for row in tables.scenarios.itertuples():
        assert f'{display.percent(row.p)} <span class="se">{display.plus_minus(row.p_se)}</span>' in page
    out = io.StringIO()
    argv = ["run", str(ARCHIVED), "-n", "2000", "-s", "1", "--table", "scenarios"]
    assert 0 == cli.main(argv, stdout=out, stderr=io.StringIO())
    assert display.render_table(tables.scenarios) in out.getvalue()


# --------------------------------------------------------------------------
# imports flow one way


def _imported_modules(path: Path) -> set[str]:
    """Absolute names of the outlook modules a source file imports, function-level imports included."""
    package = path.parent.relative_to(Path(outlook.__file__).parent.parent).parts  # the file's package
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join([*base, *([node.module] if node.module else [])])
            out |= {module} | {f"{module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
    return {m for m in out if m == "outlook" or m.startswith("outlook.")}


_CONSUMERS = sorted(
    [
        *Path(outlook.__file__).parent.joinpath("report").glob("*.py"),
        *Path(outlook.__file__).parent.joinpath("plots").glob("*.py"),
        Path(outlook.__file__).parent / "display.py",
    ]
)
#: What the presentation layer never imports: the engine and everything that runs a simulation.
_UPSTREAM = ("outlook.engine", "outlook.model", "outlook._parallel", "outlook.api", "outlook.cli")


@pytest.mark.parametrize("path", _CONSUMERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_report_plots_and_display_consume_tables_only(path: Path) -> None:
    """report, plots and display import no engine or runner; only plots' one worlds module obtains worlds.

    display imports neither report nor plots, and plots never imports report: imports flow one way.
    """
    imported = _imported_modules(path)
    allowed = ("outlook.engine", "outlook.model") if path.parent.name == "plots" and path.name == "worlds.py" else ()
    upstream = {m for m in imported if m.startswith(_UPSTREAM) and not m.startswith(allowed)}
    assert set() == upstream
    if path.name == "display.py":
        assert set() == {m for m in imported if m.startswith(("outlook.report", "outlook.plots"))}
    if path.parent.name == "plots":
        assert set() == {m for m in imported if m.startswith("outlook.report")}


def test_the_drivers_table_shows_a_categorical_drivers_shares() -> None:
    """Issue 10: in place of a categorical driver's empty mean and percentiles, its shares with their errors."""
    import io

    from outlook import cli
    from outlook.display import category_shares

    tables = outlook.run_outlook(str(ARCHIVED), samples=4000, seed=2)
    cats = tables.categories.set_index("category")
    (line,) = category_shares(tables)
    harris, trump = cats.loc["harris"], cats.loc["trump"]
    assert line == (
        f"us_election (categorical): harris {100 * harris.p:.1f}% ± {100 * harris.p_se:.1f}%, "
        f"trump {100 * trump.p:.1f}% ± {100 * trump.p_se:.1f}%"
    )
    assert harris.p_se == pytest.approx((harris.p * (1 - harris.p) / 4000) ** 0.5, rel=1e-9)
    for fmt, head in (("table", "shares of worlds (± one Monte Carlo standard error)\n  "), ("markdown", "- ")):
        out = io.StringIO()
        assert 0 == cli.main(
            ["run", str(ARCHIVED), "-n", "4000", "-s", "2", "--table", "drivers", "--format", fmt],
            stdout=out,
            stderr=io.StringIO(),
        )
        assert head + line in out.getvalue()
    # none for a scenario without categorical drivers
    assert category_shares(outlook.run_outlook(outlook.testing.tiny_scenario(), samples=100)) == []


def test_render_blocks_fits_the_width_and_keeps_every_cell() -> None:
    """Blocks of columns within the width, each led by the keys; every cell of the table appears once per block."""
    frame = pd.DataFrame(
        {
            "target": ["alpha", "beta", "gamma"],
            "horizon": ["short", "long", "short"],
            **{f"col{i}": [0.1 * i, 0.2 * i, 0.3 * i] for i in range(12)},
            "note": ["a rather long note that needs room", "", "x"],
        }
    )
    text = display.render_blocks(frame, ["target", "horizon"], 60)
    blocks = text.split("\n\n")
    assert len(blocks) > 1
    assert max(len(line) for line in text.splitlines()) <= 60
    seen = []
    for block in blocks:
        header = block.splitlines()[0].split()
        assert header[:2] == ["target", "horizon"]
        assert [line.split()[0] for line in block.splitlines()[1:]] == ["alpha", "beta", "gamma"]
        seen += header[2:]
    assert seen == [c for c in frame.columns if c not in ("target", "horizon")]
    assert display.render_blocks(frame, ["target", "horizon"], 10_000) == display.render_table(frame)


def test_a_column_wider_than_the_width_gets_a_block_of_its_own() -> None:
    frame = pd.DataFrame({"k": ["a"], "wide": ["x" * 80], "n": [1.5]})
    blocks = display.render_blocks(frame, ["k"], 40).split("\n\n")
    assert [b.splitlines()[0].split() for b in blocks] == [["k", "wide"], ["k", "n"]]
