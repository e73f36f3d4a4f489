"""The first hour at the terminal: what `outlook run` shows first, one-table CSV, curves, workbooks, -o refusals.

Numbers are checked against the long tables the API returns for the same
run (the grid is a view of them, not a new computation) and against
closed forms: with a constant rate ``r`` an event has happened by ``t``
with probability ``1 - exp(-r t)``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import outlook
from outlook import cli
from outlook.display import column_format, grid_percent, horizon_heading, key_judgements, scenario_grid

ROOT = Path(__file__).resolve().parent.parent

# ln 2 a year: the event has happened by one year with probability exactly 1/2, by five with 31/32.
COIN = """outlook: 1
id: coin
title: Coin
question: Does it happen?
as_of: 2024-01-31
horizons:
  month: {label: "next month", until: 1mo}
  year: {label: "0–12 months", until: 1y}
  five: {label: "1–5 years", until: 5y}
drivers: {r: {constant: 0.6931471805599453, unit: per year}}
events: {it: {rate: r}}
scenarios:
  happens: {label: It happens, when: it}
  not_yet: {label: Not yet, when: otherwise}
"""


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def coin(tmp_path: Path) -> Path:
    p = tmp_path / "coin.yaml"
    p.write_text(COIN, encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def coin_tables(tmp_path_factory: pytest.TempPathFactory) -> outlook.Tables:
    p = tmp_path_factory.mktemp("coin") / "coin.yaml"
    p.write_text(COIN, encoding="utf-8")
    return outlook.run_outlook(p, samples=4000, seed=3)


# --------------------------------------------------------------------------
# the first screen


def test_horizon_headings_name_the_end_date() -> None:
    """A horizon's heading is its label and the calendar date it ends (a month from 31 January: 29 February)."""
    assert ("0–12 months", "by 1 Nov 2025") == horizon_heading("0–12 months", dt.date(2024, 11, 1), 1.0)
    assert ("next month", "by 29 Feb 2024") == horizon_heading("next month", dt.date(2024, 1, 31), 1 / 12)
    assert ("far", "") == horizon_heading("far", dt.date(9999, 1, 1), 5.0)  # past the year 9999: no date
    assert ("x", "") == horizon_heading("x", None, 1.0)


def test_the_grid_is_the_scenarios_table_one_row_a_scenario(coin_tables: outlook.Tables) -> None:
    """One row per scenario, one column per horizon (file order, labels and end dates), the table's numbers."""
    lines = scenario_grid(coin_tables).splitlines()
    assert re.fullmatch(r"Scenario\s+next month\s+0–12 months\s+1–5 years", lines[0])
    assert re.fullmatch(r"\s+by 29 Feb 2024\s+by 31 Jan 2025\s+by 31 Jan 2029", lines[1])
    assert ["It happens", "Not yet"] == [re.split(r"\s{2,}", line)[0] for line in lines[2:]]
    frame = coin_tables.scenarios
    for line, sid in zip(lines[2:], ["happens", "not_yet"]):
        rows = frame[frame["scenario"] == sid].set_index("horizon")
        want = [f"{grid_percent(rows.loc[h, 'p'])} {rows.loc[h, 'word']}" for h in ("month", "year", "five")]
        assert want == [c.strip() for c in re.split(r"\s{2,}", line)[1:]]
    # the closed form: 1 - exp(-ln 2 * t)
    p = frame.set_index(["horizon", "scenario"])["p"]
    se = frame.set_index(["horizon", "scenario"])["p_se"]
    for h, t in (("year", 1.0), ("five", 5.0), ("month", 1 / 12)):
        assert abs(p[(h, "happens")] - (1 - 2**-t)) < 4 * se[(h, "happens")] + 0.01


def test_the_grid_columns_line_up(coin_tables: outlook.Tables) -> None:
    """Each horizon's column starts at one place on every line, and its percentages end at one place."""
    lines = scenario_grid(coin_tables).splitlines()
    starts = {lines[0].index("0–12"), lines[1].index("by 31 Jan 2025")}
    assert 1 == len(starts)
    ends = {line.index("%") for line in lines[2:]}  # the first column's percentages end at one place
    assert 1 == len(ends)


def test_the_markdown_grid_is_a_pipe_table(coin_tables: outlook.Tables) -> None:
    lines = scenario_grid(coin_tables, format="markdown").splitlines()
    assert (
        "| Scenario | next month (by 29 Feb 2024) | 0–12 months (by 31 Jan 2025) | 1–5 years (by 31 Jan 2029) |"
        == lines[0]
    )
    assert "|---|---|---|---|" == lines[1]
    assert 4 == len(lines)


def test_key_judgements_one_a_horizon_level_when_within_error(coin_tables: outlook.Tables) -> None:
    """At one year the two outcomes are level (1/2 each); at five years one leads (ICD 203's likelihood row only)."""
    said = key_judgements(coin_tables)
    assert 3 == len(said)
    assert said[0].startswith("next month (by 29 Feb 2024): it is ")
    said = said[1:]
    assert said[0].startswith("0–12 months (by 31 Jan 2025): it is ")
    assert "level with" in said[0]
    five = coin_tables.scenarios.query("horizon == 'five' and scenario == 'happens'").iloc[0]
    assert said[1].startswith(f"1–5 years (by 31 Jan 2029): it is {five['word']} ({outlook.display.percent(five['p'])}")
    assert said[1].endswith("that the outcome is “It happens”, the leading scenario of the two.")


def test_run_leads_with_judgements_and_grid_and_names_the_sampler(coin: Path) -> None:
    """The default view: the header (with the sampler), the judgements, the grid, and where the rest is."""
    code, out, err = run("run", str(coin), "-n", "2000", "--sampler", "sobol", "-q")
    assert (0, "") == (code, err)
    lines = out.splitlines()
    assert "coin: 2000 samples, seed 0, sampler sobol, scale icd203" == lines[0]
    assert "Coin, as of 31 January 2024" == lines[2]
    assert "Key judgements (cumulative: by each date; ± two Monte Carlo standard errors)" == lines[4]
    assert lines[5].startswith("  next month (by 29 Feb 2024): it is ")
    assert "events, drivers, derived quantities and categories: --all, or --table NAME" in lines
    assert "drivers" not in lines  # the long tables wait for --all
    code, everything, _ = run("run", str(coin), "-n", "2000", "--sampler", "sobol", "-q", "--all")
    assert {"scenarios", "events", "drivers"} <= set(everything.splitlines())
    assert everything.startswith("\n".join(lines[:5]))


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_the_curves_table_is_accepted(coin: Path, fmt: str) -> None:
    """`--table curves` in every format: the event probabilities over time the API holds."""
    api = outlook.run_outlook(coin, samples=1000)
    code, out, _ = run("run", str(coin), "-n", "1000", "-q", "--table", "curves", "--format", fmt)
    assert 0 == code
    if fmt == "json":
        assert api.curves["p_by"].tolist() == [r["p_by"] for r in json.loads(out)["curves"]]
    elif fmt == "csv":
        frame = pd.read_csv(io.StringIO(out))
        assert api.curves["p_by"].tolist() == frame["p_by"].tolist()
    else:
        assert "curves" in out.splitlines()


def test_json_by_default_holds_the_curves(coin: Path) -> None:
    api = outlook.run_outlook(coin, samples=1000)
    _, out, _ = run("run", str(coin), "-n", "1000", "-q", "--format", "json")
    data = json.loads(out)
    assert len(api.curves) == len(data["curves"])
    assert ["event", "time", "p_by", "p_by_se"] == list(data["curves"][0])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "csv", "--all"], "outlook: error: CSV holds one table: choose it with --table NAME"),
        (["--format", "xlsx"], "outlook: error: --format xlsx writes a workbook to a file: name it with -o FILE"),
        (["-o", "x.json", "--format", "json"], "outlook: error: -o is for --format xlsx; --format json writes"),
        (["-o", "-", "--format", "xlsx"], "outlook: error: a workbook is not text for standard output"),
    ],
    ids=["csv-all", "xlsx-needs-o", "o-needs-xlsx", "xlsx-to-stdout"],
)
def test_combinations_that_cannot_work_exit_2(coin: Path, argv: list[str], message: str) -> None:
    code, out, err = run("run", str(coin), "-n", "1000", *argv)
    assert (2, "") == (code, out)
    assert 1 == len(err.splitlines())
    assert err.startswith(message), err


# --------------------------------------------------------------------------
# number formats


@given(st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1, max_size=20))
def test_a_column_has_one_number_format(values: list[float]) -> None:
    """Every value of a column: fixed decimals, the same count, or all scientific; never a mix."""
    fmt = column_format(values)
    shown = [fmt(v) for v in values]
    if all("e" in s for s in shown):
        return
    assert not any("e" in s for s in shown)
    decimals = {len(s.split(".")[1]) if "." in s else 0 for s in shown}
    assert 1 == len(decimals), shown
    d = decimals.pop()
    for v, s in zip(values, shown):  # each shows its value, rounded to the column's decimals
        assert float(s.replace(",", "")) == pytest.approx(v, abs=0.51 * 10**-d + 1e-9 * abs(v))


def test_a_column_of_standard_errors_reads_alike() -> None:
    """The issue's example: 3.231e-05 beside 0.0001 becomes 0.000032 beside 0.000100."""
    fmt = column_format([0.0034, 3.231e-05, 0.0001])
    assert ["0.003400", "0.000032", "0.000100"] == [fmt(v) for v in (0.0034, 3.231e-05, 0.0001)]


# --------------------------------------------------------------------------
# workbooks


def test_xlsx_holds_every_table_and_the_manifest(coin: Path, tmp_path: Path) -> None:
    """`--format xlsx -o FILE`: pandas reads a sheet a table, with the API's numbers, and the manifest."""
    pytest.importorskip("openpyxl")
    target = tmp_path / "out.xlsx"
    code, out, err = run("run", str(coin), "-n", "1000", "--seed", "5", "--format", "xlsx", "-o", str(target))
    assert (0, f"wrote {target}\n", "") == (code, out, err)
    sheets = pd.read_excel(target, sheet_name=None)
    names = ["scenarios", "events", "drivers", "derived", "categories", "curves", "manifest"]
    assert names == list(sheets)
    api = outlook.run_outlook(coin, samples=1000, seed=5)
    assert api.scenarios["p"].tolist() == sheets["scenarios"]["p"].tolist()
    assert api.curves["p_by"].tolist() == sheets["curves"]["p_by"].tolist()
    manifest = dict(zip(sheets["manifest"]["field"], sheets["manifest"]["value"]))
    assert api.manifest["scipy_version"] == manifest["scipy_version"]
    assert 1000 == manifest["samples"]
    assert ["out.xlsx"] == sorted(p.name for p in tmp_path.iterdir() if p.name != "coin.yaml")  # no temporary left


def test_xlsx_text_is_never_a_formula(tmp_path: Path) -> None:
    """A unit such as =HYPERLINK(...) is stored as text, and control characters as visible escapes."""
    openpyxl = pytest.importorskip("openpyxl")
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(
        COIN.replace("unit: per year", 'unit: "=HYPERLINK(\\"http://evil/\\")\\e]0;x\\a"'), encoding="utf-8"
    )
    target = tmp_path / "h.xlsx"
    assert 0 == run("run", str(scenario), "-n", "500", "-q", "--format", "xlsx", "-o", str(target))[0]
    sheet = openpyxl.load_workbook(target)["drivers"]
    unit = sheet.cell(row=2, column=2)
    assert ("s", '=HYPERLINK("http://evil/")\\x1b]0;x\\x07') == (unit.data_type, unit.value)


def test_xlsx_refuses_what_a_report_refuses(coin: Path, tmp_path: Path) -> None:
    """-o a directory, or a name that is not a workbook's: exit 2, one line, nothing written, before any run."""
    (tmp_path / "adir.xlsx").mkdir()
    code, _, err = run("run", str(coin), "-n", "1000", "--format", "xlsx", "-o", str(tmp_path / "adir.xlsx"))
    assert (2, f"outlook: error: cannot write {tmp_path / 'adir.xlsx'}: it is a directory; name a file in it\n") == (
        code,
        err,
    )
    code, _, err = run("run", str(coin), "-n", "1000", "--format", "xlsx", "-o", str(coin))
    assert 2 == code
    assert (
        f"outlook: error: a workbook's name ends in .xlsx (got {str(coin)!r}): "
        "outlook never replaces a file of another kind\n"
    ) == err
    assert COIN == coin.read_text(encoding="utf-8")


def test_xlsx_never_replaces_a_file_of_another_kind(coin: Path, tmp_path: Path) -> None:
    """A tester's notes.txt (or /etc/passwd, as root) was replaced by a workbook: a name not ending .xlsx is refused."""
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n", encoding="utf-8")
    for name in (notes, tmp_path / "out.csv"):
        code, _, err = run("run", str(coin), "-n", "1000", "--format", "xlsx", "-o", str(name))
        assert 2 == code, err
        assert "a workbook's name ends in .xlsx" in err
    assert "my notes\n" == notes.read_text(encoding="utf-8")
    assert not (tmp_path / "out.csv").exists()


def test_xlsx_without_openpyxl_names_the_install_command(coin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    code, out, err = run("run", str(coin), "-n", "1000", "--format", "xlsx", "-o", "x.xlsx")
    assert (2, "") == (code, out)
    assert (
        "outlook: error: --format xlsx needs openpyxl, the xlsx extra: "
        "pip install 'scenario-outlook[xlsx]' (from a checkout: pip install '.[xlsx]')\n"
    ) == err


def test_report_to_a_directory_says_it_is_one(coin: Path, tmp_path: Path) -> None:
    """`outlook report -o DIR` (no suffix to tell a format from): the directory is what is wrong."""
    code, _, err = run("report", str(coin), "-o", str(tmp_path))
    assert (2, f"outlook: error: cannot write {tmp_path}: it is a directory; name a file in it\n") == (code, err)


# --------------------------------------------------------------------------
# a reader that goes away


def test_a_pipe_to_head_ends_quietly() -> None:
    """`outlook run nk-troops-russia | head -1`: the first line, nothing on stderr, and the pipeline exits 0."""
    shell = f"{sys.executable} -m outlook.cli run nk-troops-russia -n 20000 --all | head -1"
    done = subprocess.run(["sh", "-c", shell], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert (0, "") == (done.returncode, done.stderr)
    assert done.stdout.startswith("nk-troops-russia: 20000 samples, seed 0, sampler random")
    assert 1 == len(done.stdout.splitlines())


# --------------------------------------------------------------------------
# bundled ids, and error lines that never quote a whole file


def test_load_scenario_takes_a_bundled_id() -> None:
    """load_scenario("nk-troops-russia") loads the bundled file, as run_outlook("nk-troops-russia") runs it."""
    by_id = outlook.load_scenario("nk-troops-russia")
    assert outlook.load_scenario(outlook.bundled_scenarios()["nk-troops-russia"]) == by_id
    assert "nk-troops-russia" == by_id.id


def test_an_error_line_quotes_a_short_prefix_of_a_long_value(tmp_path: Path) -> None:
    """`outlook run` on a file of 1,300 characters that is no scenario: one short line, the length said."""
    p = tmp_path / "passwd"
    text = "root:x:0:0:root:/root:/bin/bash " * 40 + "end"
    p.write_text(text, encoding="utf-8")
    code, _, err = run("run", str(p))
    assert 2 == code
    assert (f"{p}:1:1: expected a mapping of scenario keys (got {text[:60]!r}… ({len(text):,} characters))\n") == err


# --------------------------------------------------------------------------
# outlook list costs what outlook scales costs


def test_list_loads_no_heavy_module() -> None:
    """`outlook list`, like `outlook scales`, imports neither numpy, pandas, scipy nor yaml (in a fresh interpreter)."""
    probe = (
        "import io, sys\nfrom outlook.cli import main\nassert main(['list'], stdout=io.StringIO()) == 0\n"
        "print(' '.join(m for m in ('numpy', 'pandas', 'scipy', 'yaml', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "" == done.stdout.strip()


def test_list_shows_the_titles_the_loader_reads() -> None:
    code, out, _ = run("list")
    want = [f"{sid}  {outlook.load_scenario(path).title}" for sid, path in outlook.bundled_scenarios().items()]
    assert (0, want) == (code, out.splitlines())


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=40))
def test_a_quick_title_is_the_yaml_title(title: str) -> None:
    """Where the quick reading takes a title line, it reads what YAML reads (plain and single-quoted forms)."""
    import yaml

    from outlook._bundled import plain_title

    for line in (f"title: {title}", "title: '" + title.replace("'", "''") + "'"):
        text = f"outlook: 1\n{line}\nquestion: q\n"
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        quick = plain_title(text)
        if quick is not None:
            assert str(loaded["title"]) == quick, text
