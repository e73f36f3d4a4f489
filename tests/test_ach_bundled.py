"""The bundled scenario's ACH: Russia's motive for taking the troops, quoted from the seeds.

The ``hypotheses:`` and ``evidence:`` blocks of ``nk-troops-russia`` (the
SAT reference §4.3 and §5.4; the bundled-case review, F17): the quotes are
the seeds' words, the sources exist, the blocks change no simulated number,
and the command and the report's section work on them.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

import outlook
from outlook import cli

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
BUNDLED = "nk-troops-russia"


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_bundled_scenario_states_russias_motive_as_exclusive_hypotheses() -> None:
    s = outlook.load_scenario(outlook.find_scenario(BUNDLED))
    assert s.hypotheses is not None
    assert s.hypotheses.exclusive
    assert [h.id for h in s.hypotheses.items] == ["weakness", "testing_the_west", "partnership_exchange"]
    known = {src.id for src in s.sources}
    assert len(s.evidence) >= 5
    for e in s.evidence:
        assert e.source is not None
        assert e.source.ref in known, e.id
        assert e.source.quote.strip(), e.id
        assert e.reliability, e.id
        assert set(dict(e.likelihoods)) == {h.id for h in s.hypotheses.items}, e.id


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed texts not found at {SEEDS} (CI checks them out beside the clone)")
def test_every_evidence_quote_appears_verbatim_in_its_seed() -> None:
    s = outlook.load_scenario(outlook.find_scenario(BUNDLED))
    files = {src.id: src.file for src in s.sources}
    missing = []
    for e in s.evidence:
        assert e.source is not None
        seed = _normalise((SEEDS / files[e.source.ref]).read_text(encoding="utf-8"))
        if _normalise(e.source.quote) not in seed:
            missing.append(e.id)
    assert missing == []


def test_the_blocks_change_no_simulated_number() -> None:
    path = outlook.find_scenario(BUNDLED)
    text = path.read_text(encoding="utf-8")
    bare = outlook.Scenario.from_yaml(text.split("\nhypotheses:\n")[0], path="nk.yaml")
    full = outlook.load_scenario(path)
    a = outlook.run_outlook(full, samples=4_000, seed=7).table("scenarios")
    b = outlook.run_outlook(bare, samples=4_000, seed=7).table("scenarios")
    assert a["p"].tolist() == b["p"].tolist()


def test_ach_scores_the_bundled_case() -> None:
    a = outlook.ach(BUNDLED)
    assert a.route == "product"
    assert a.scores["posterior"].sum() == pytest.approx(1.0)
    scores = a.scores.set_index("hypothesis")
    # weakness is rated inconsistent by the size and quality of the contingent: the worst WIS
    assert scores["wis"].idxmin() == "weakness"
    assert a.leader == scores["posterior"].idxmax()
    # the two reports of a small contingent are one group: one enters
    ev = a.evidence.set_index("evidence")
    assert ev.loc[["e_small_contingent", "e_small_deployment"], "enters"].sum() == 1
    # the Catalyst's opinion (reliability F) tells less than the AP's facts
    assert ev.loc["e_kursk_first", "mi"] < ev.loc["e_partnership", "mi"]


def test_the_command_runs_on_the_bundled_case() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["ach", BUNDLED], stdout=out, stderr=err) == 0, err.getvalue()
    text = out.getvalue()
    assert text.startswith("nk-troops-russia: analysis of competing hypotheses")
    assert "partnership_exchange" in text
    assert "leading: " in text
    # each linchpin says whether the leader changes or keeps its place with another word
    pins = text.split("linchpins (what changes the leading hypothesis or its word)\n")[1].split("note:")[0]
    lines = [line for line in pins.splitlines() if line.startswith("  ")]
    assert lines
    assert all(" still leads, " in line or " leads instead" in line for line in lines)
    assert "  e_partnership observed flipped: testing_the_west leads instead (unlikely)" in lines


def test_the_report_has_the_competing_hypotheses_section() -> None:
    from outlook.report.build import build_report

    s = outlook.load_scenario(outlook.find_scenario(BUNDLED))
    tables = outlook.summarise(outlook.simulate(s, samples=2_000, seed=1))
    md, _ = build_report(tables, format="markdown", figures=False)
    section = md.split("## Competing hypotheses")[1].split("\n## ")[0]
    assert "Weakness: Russia is short of men" in section
    assert "Testing the West" in section
    assert "not a probability" in section
