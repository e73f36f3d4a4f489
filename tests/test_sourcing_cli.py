"""``outlook sourcing FILE|ID``: the sourcing table at the terminal, as the exercises' tasks tell students to run it."""

from __future__ import annotations

import io
import json

import pytest

import outlook
from outlook.cli import main


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_table_is_outlook_sourcing_in_every_format() -> None:
    want = outlook.sourcing("outbreak-vaccine-race")
    code, out, err = _cli("sourcing", "outbreak-vaccine-race", "--format", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["scenario_id"], data["sources"]) == ("outbreak-vaccine-race", len(want))
    assert [r["source"] for r in data["sourcing"]] == list(want["source"])
    assert [r["reliability"] for r in data["sourcing"]] == list(want["reliability"])
    code, out, _ = _cli("sourcing", "outbreak-vaccine-race", "-f", "csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "# sourcing"
    assert lines[1].split(",")[:4] == ["source", "title", "kind", "reliability"]
    assert len(lines) == 2 + len(want)
    code, out, _ = _cli("sourcing", "outbreak-vaccine-race")
    assert code == 0
    assert out.startswith(
        f"outbreak-vaccine-race: {len(want)} source{'s' if len(want) != 1 else ''}; information cut-off"
    )
    assert "reliability ungraded (never taken as reliable)" in out  # never shown as reliable


def test_a_missing_scenario_is_one_line_and_exit_2() -> None:
    code, out, err = _cli("sourcing", "no-such-case")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("no-such-case: no such file, and no bundled scenario with that id")


def test_the_text_form_fits_a_terminal_and_keeps_every_list_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled case's lists of citing items run to hundreds of characters: side by side its 13 columns
    were 357 characters wide, with every list cut. The text form gives a block per source, wrapped at 100,
    and every citing item, grade and reached node is there; CSV keeps the columns."""
    import outlook

    monkeypatch.setenv("COLUMNS", "100")
    code, out, _ = _cli("sourcing", "nk-troops-russia")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "…" not in out
    table = outlook.sourcing("nk-troops-russia")
    flat = " ".join(out.split())  # wrapping joined again
    for r in table.itertuples(index=False):
        assert f"{r.source}  {r.title}" in out
        for item in r.cited_by.split(", "):
            assert item + "," in flat or item + " " in flat + " "
        for node in r.reaches.split(", "):
            assert node in flat
        quotes = len(r.credibility.split(", "))
        assert f"quotes ({quotes}): {r.supports} supporting, {r.contradicts} contradicting" in flat
    assert "reliability F (reliability cannot be judged)" in out
    assert "reliability B (usually reliable)" in out
    code, csv_out, _ = _cli("sourcing", "nk-troops-russia", "--format", "csv")
    assert "…" not in csv_out


def test_the_text_form_says_what_feeds_no_probability() -> None:
    """A source that reaches no event or scenario says so, as does one that nothing cites."""
    import pandas as pd

    from outlook.commands.sourcing import as_text

    row = {
        "source": "memo",
        "title": "A memo",
        "kind": "official",
        "reliability": "A",
        "interested_party": "yes",
        "date": "2030-01-01",
        "after_as_of": True,
        "cited_by": "",
        "supports": 0,
        "contradicts": 0,
        "credibility": "",
        "basis": "",
        "reaches": "",
    }
    text = as_text("case", pd.DataFrame([row]), as_of="2029-12-31")
    assert text.startswith("case: 1 source; information cut-off (as_of) 2029-12-31\n")
    text = " ".join(text.split("\n      "))  # the wrapped lines joined again
    assert "reliability A (completely reliable)" in text
    assert "dated 2030-01-01, AFTER the information cut-off" in text
    assert "quotes: none: nothing cites it" in text
    assert "reaches: no event and no scenario: its figures change no probability" in text


@pytest.mark.parametrize("columns", [60, 80, 132])
def test_the_text_form_follows_the_terminal_width(columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Wrapped at the terminal's width; a grade never parts from its count, nor a label from its value."""
    import re

    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = _cli("sourcing", "nk-troops-russia")
    assert code == 0
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= columns
    assert not any(re.match(r"\s+x\d", line) for line in lines)  # "x6" alone at a line's start
    assert not any(line.rstrip().endswith(("dated", "interested", "reliability")) for line in lines)
