"""``outlook sourcing FILE|ID``: the sourcing table at the terminal, as the exercises' tasks tell students to run it."""

from __future__ import annotations

import io
import json

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
    assert out.startswith(f"scenario_id outbreak-vaccine-race, sources {len(want)}\n")
    assert "ungraded" in out  # an ungraded source shows as ungraded, never as reliable


def test_a_missing_scenario_is_one_line_and_exit_2() -> None:
    code, out, err = _cli("sourcing", "no-such-case")
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("no-such-case: no such file, and no bundled scenario with that id")


def test_the_table_fits_a_wide_terminal_and_says_what_it_cut() -> None:
    """The bundled case's lists of citing items run to hundreds of characters: the table cuts them (its lines
    were 1,572 characters wide) and says so; CSV keeps them whole."""
    code, out, _ = _cli("sourcing", "nk-troops-russia")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) < 400
    assert "cells longer than 48 characters are cut; --format csv or json gives them whole" in out
    code, csv_out, _ = _cli("sourcing", "nk-troops-russia", "--format", "csv")
    assert "…" not in csv_out
