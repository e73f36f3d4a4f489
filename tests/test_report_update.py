"""The report of an updated outlook ("What changed") and the indicator board's status (issue 13)."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import outlook
from outlook import Scenario, cli
from outlook.analysis.indicators import indicator_status, indicators
from outlook.analysis.update import update
from outlook.report import build_report
from outlook.scenario.observations import load_observations, read_observations

HEAD = "outlook: 1.1\nid: tiny\ntitle: Tiny\nquestion: Does it happen?\nas_of: 2024-01-01\n"
PI_HI, RATE_HI, RATE_LO = 0.4, 2.0, 0.3
TEXT = (
    HEAD
    + f"""\
horizons: {{soon: {{until: 6mo}}, later: {{until: 2y}}}}
drivers:
  regime: {{categorical: {{lo: {1 - PI_HI}, hi: {PI_HI}}}}}
events:
  e: {{rate: "where(regime == 'hi', {RATE_HI}, {RATE_LO})"}}
  f: {{rate: 0.5}}
scenarios:
  hot: regime == 'hi'
  cold: otherwise
indicators:
  i_e:
    label: e within a year
    observable: happened(e, by='1y')
    signposts: [hot]
  i_f:
    label: f at all
    observable: f
  i_quiet:
    label: f within three months
    observable: happened(f, by='3mo')
"""
)
OBS = [
    {"indicator": "i_e", "value": True, "date": "2024-05-01", "reliability": "B"},
    {"indicator": "i_f", "value": False, "date": "2024-03-01"},
]
N, SEED = 4_000, 2


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return Scenario.from_yaml(TEXT, path="s.yaml")


@pytest.fixture(scope="module")
def updated(scenario: Scenario) -> Any:
    return update(scenario, OBS, samples=N, seed=SEED)


@pytest.fixture(scope="module")
def report(updated: Any) -> str:
    text, files = build_report(updated, format="markdown", figures=False)
    assert files == {}
    return text


def _section(text: str, heading: str) -> str:
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


# -- the status of each indicator ----------------------------------------------------------------------------


def test_statuses_follow_the_rules_on_a_hand_made_table(scenario: Scenario) -> None:
    obs = read_observations(
        [
            {"indicator": "i_e", "value": False, "date": "2024-02-01"},
            {"indicator": "i_e", "value": True, "date": "2024-04-01"},
            {"indicator": "i_e", "value": True, "date": "2024-03-01", "reliability": "C"},
            {"indicator": "i_f", "value": False, "date": "2024-02-01"},
            {"indicator": "i_f", "value": False, "date": "2024-06-01"},
            {"observable": "happened(f, by='3mo')", "value": True, "date": "2024-03-15"},
        ],
        scenario,
    )
    table = pd.DataFrame(
        {
            "indicator": ["i_e", "i_f", "i_quiet", "i_quiet", "i_quiet", "i_quiet"],
            "by_when": ["2024-01-31", "", "2024-05-31", "2024-06-01", "2024-06-30", ""],
        }
    )
    assert indicator_status(table, obs) == [
        "observed on 2024-03-01",  # the first date it was seen, graded or not; a report of absence before it
        "not seen by 2024-06-01",  # every report says absent: the latest
        "lapsed",  # by-when before the latest observation (2024-06-01), none naming it (an observable does not)
        "not yet",  # a by-when on the latest date has not passed
        "not yet",
        "not yet",  # no by-when
    ]
    assert indicator_status(table, ()) == ["not yet"] * 6


def test_indicators_with_observations_add_a_status_column_and_nothing_else(scenario: Scenario) -> None:
    plain = indicators(scenario, samples=N, seed=SEED)
    seen = indicators(scenario, samples=N, seed=SEED, observations=OBS)
    assert "status" not in plain.columns
    assert list(seen.columns) == [*plain.columns, "status"]
    pd.testing.assert_frame_equal(seen.drop(columns="status"), plain)
    assert seen.attrs["observed_to"] == "2024-05-01"
    status = dict(zip(seen["indicator"], seen["status"]))
    assert status["i_e"] == "observed on 2024-05-01"
    assert status["i_f"] == "not seen by 2024-03-01"
    quiet = seen[seen["indicator"] == "i_quiet"]
    # happened(f, by='3mo') is settled on 2024-04-01, before the latest observation: it did not fire
    assert quiet["closes"].tolist() == ["2024-04-01"] * len(quiet)
    assert quiet["status"].tolist() == ["did not fire"] * len(quiet)


def test_indicators_refuse_bad_observations_with_located_errors(scenario: Scenario) -> None:
    with pytest.raises(outlook.ScenarioErrors, match=r"observations\[0\]\.indicator: unknown indicator 'i_x'"):
        indicators(scenario, samples=100, observations=[{"indicator": "i_x", "value": True, "date": "2024-02-01"}])


def test_the_board_shows_each_indicator_status(scenario: Scenario) -> None:
    pytest.importorskip("matplotlib")
    from outlook import plots
    from outlook.plots.indicators import board_status

    seen = indicators(scenario, samples=N, seed=SEED, observations=OBS)
    fig = plots.indicator_board(seen, horizon="soon")
    texts = {t.get_gid(): t.get_text() for t in fig.axes[0].texts if t.get_gid()}
    assert texts["status.i_e"] == "observed on 2024-05-01"
    assert texts["status.i_f"] == "not seen by 2024-03-01"
    assert board_status(seen[seen["horizon"] == "soon"])["i_quiet"] == "did not fire"
    plain = plots.indicator_board(indicators(scenario, samples=N, seed=SEED), horizon="soon")
    assert not any(str(t.get_gid()).startswith("status.") for t in plain.axes[0].texts)


# -- the report of an update ---------------------------------------------------------------------------------


def test_what_changed_comes_right_after_the_key_judgements(report: str) -> None:
    headings = re.findall(r"^## (.+)$", report, flags=re.MULTILINE)
    assert headings[:3] == ["Key judgements", "What changed", "Facts and judgements"]
    assert report.index("**Updated.**") < report.index("## Key judgements")
    assert "**Weighted.**" in report


def test_what_changed_has_the_updates_numbers(updated: Any, report: str) -> None:
    section = _section(report, "What changed")
    for sentence in updated.sentences:
        assert sentence in section
    assert "| i_e | 2024-05-01 | seen | B |" in section
    assert "| i_f | 2024-03-01 | not seen | hard |" in section
    assert f"they count as {updated.ess:,.0f} equally weighted worlds" in section
    for _, r in updated.scenarios.iterrows():
        before, after = outlook.display.percent(r["p_prior"]), outlook.display.percent(r["p"])
        assert f"| {r['horizon']} | {r['scenario']} | {before} | {after} " in section


def test_the_key_judgements_and_tables_are_the_posteriors(updated: Any, report: str) -> None:
    post = updated.posterior.scenarios
    p = float(post[(post["horizon"] == "later") & (post["scenario"] == "hot")]["p"].iloc[0])
    prior = float(updated.scenarios.query("horizon == 'later' and scenario == 'hot'")["p_prior"].iloc[0])
    assert p - prior > 0.1  # the observation of e moves it: the report cannot pass by showing the prior
    judgements = _section(report, "Key judgements")
    assert outlook.display.about(p) in judgements or outlook.display.about(1 - p) in judgements
    assert outlook.display.percent(p) in _section(report, "Scenarios by horizon")
    assert f"{N:,} simulated worlds, seed {SEED}" in report  # the run's samples and seed, not the worlds kept


def test_the_report_matches_outlook_update_at_the_same_samples_and_seed(scenario: Scenario, updated: Any) -> None:
    again = update(scenario, OBS, samples=N, seed=SEED)
    assert build_report(again, format="markdown", figures=False) == build_report(
        updated, format="markdown", figures=False
    )


def test_the_indicators_section_gives_the_status(report: str) -> None:
    section = _section(report, "Indicators to watch")
    assert "| Status |" in section
    assert "observed on 2024-05-01 |" in section
    assert "Status, on the observations to 2024-05-01" in section


def test_without_observations_nothing_of_the_update_shows(scenario: Scenario) -> None:
    tables = outlook.run_outlook(scenario, samples=N, seed=SEED)
    text, _ = build_report(tables, format="markdown", figures=False)
    for mark in ("What changed", "**Updated.**", "**Weighted.**", "| Status |"):
        assert mark not in text


def test_the_figures_are_numbered_in_reading_order(updated: Any) -> None:
    pytest.importorskip("matplotlib")
    text, files = build_report(updated, format="markdown", figure_samples=500)
    numbers = [int(n) for n in re.findall(r"^\*Figure (\d+)\.", text, flags=re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert any("/update-" in k for k in files)
    assert "*Figure 1. Before and after the observations.*" in text  # the first figure, in What changed


def test_key_judgements_of_weighted_worlds_use_the_effective_sample_size() -> None:
    # two scenarios 0.55 / 0.45 apart: level within noise at n_eff 100, not at n 100,000
    s = Scenario.from_yaml(
        HEAD + "horizons: {y: {until: 1y}}\ndrivers:\n  u: {range: [0, 1], shape: uniform}\n"
        "events: {}\nscenarios:\n  a: u < 0.55\n  b: otherwise\n",
        path="s.yaml",
    )
    worlds = outlook.sample_worlds(s, samples=20_000, seed=1)
    w = pd.Series(1e-9, index=worlds.index)
    w.iloc[:100] = 1.0  # about 100 worlds carry the weight
    tables = outlook.summarise_worlds(s, worlds, weights=w)
    text, _ = build_report(tables, format="markdown", figures=False)
    n_eff = tables.manifest["effective_sample_size"]
    assert n_eff < 200
    p1, p2 = sorted(tables.scenarios["p"], reverse=True)
    assert p1 - p2 <= 3 * math.sqrt((p1 + p2 - (p1 - p2) ** 2) / n_eff)  # level within noise at n_eff
    assert "no scenario leads" in _section(text, "Key judgements")


# -- the command ---------------------------------------------------------------------------------------------


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _files(tmp_path: Path, observations: Any) -> tuple[str, str]:
    import yaml

    s = tmp_path / "s.yaml"
    s.write_text(TEXT, encoding="utf-8")
    o = tmp_path / "obs.yaml"
    o.write_text(observations if isinstance(observations, str) else yaml.safe_dump({"observations": observations}))
    return str(s), str(o)


def test_cli_report_with_observations(tmp_path: Path) -> None:
    s, o = _files(tmp_path, OBS)
    out = tmp_path / "r.md"
    code, stdout, err = _cli("report", s, "--observations", o, "-o", str(out), "--no-figures", "-n", str(N), "-s", "2")
    assert (code, err) == (0, "")
    assert stdout == f"wrote {out}\n"
    text = out.read_text(encoding="utf-8")
    assert (
        text
        == build_report(update(outlook.load_scenario(s), o, samples=N, seed=SEED), format="markdown", figures=False)[0]
    )
    assert "## What changed" in text


def test_cli_report_with_bad_observations_gives_located_errors_and_exit_2(tmp_path: Path) -> None:
    s, o = _files(tmp_path, "observations:\n  - indicator: i_x\n    value: maybe\n    date: 2024-02-01\n")
    out = tmp_path / "r.md"
    code, _, err = _cli("report", s, "--observations", o, "-o", str(out), "--no-figures", "-n", "500")
    assert code == 2
    assert f"{o}:2:16: observations[0].indicator: unknown indicator 'i_x'" in err
    assert f"{o}:3:12: observations[0].value" in err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("extra", [["--precision", "0.01"], ["--set", "events.f.rate=0.4"], ["-j", "2"]])
def test_cli_report_refuses_what_an_update_cannot_do(tmp_path: Path, extra: list[str]) -> None:
    s, o = _files(tmp_path, OBS)
    out = tmp_path / "r.md"
    code, _, err = _cli("report", s, "--observations", o, "-o", str(out), "--no-figures", "-n", "500", *extra)
    assert code == 2
    assert err.startswith("outlook: error: --observations cannot be combined with ")
    assert not out.exists()


def test_cli_report_with_an_observation_the_model_cannot_produce_exits_2(tmp_path: Path) -> None:
    s, o = _files(tmp_path, [{"observable": "happened(e, by='1mo') and not e", "value": True, "date": "2024-03-01"}])
    code, _, err = _cli("report", s, "--observations", o, "-o", str(tmp_path / "r.md"), "--no-figures", "-n", "500")
    assert code == 2
    assert err.startswith(f"{o}:")


@pytest.mark.parametrize("same", ["path", "hard link"])
def test_the_report_never_writes_over_its_observations_file(tmp_path: Path, same: str) -> None:
    """-o naming the observations file (or a hard link to it) is refused before anything runs; the file is kept."""
    import os
    import shutil

    obs = tmp_path / "obs.yaml"
    shutil.copy(Path(outlook.__file__).parent.parent / "docs" / "examples" / "nk-observations.yaml", obs)
    before = obs.read_bytes()
    out = obs
    if same == "hard link":
        out = tmp_path / "report.md"
        os.link(obs, out)
    code, _, err = _cli("report", "nk-troops-russia", "--observations", str(obs), "-o", str(out), "-f", "markdown",
                        "-n", "2000", "--no-figures", "-q")  # fmt: skip
    assert code == 2
    assert err.startswith(
        f"outlook: error: cannot write {out}: it is the observations file itself ({obs}); choose another name for "
        "the report, such as "
    )
    assert err.count("\n") == 1
    assert obs.read_bytes() == before


def test_a_report_of_an_update_on_few_worlds_advises_an_update_not_a_what_if(scenario: Scenario) -> None:
    from outlook.report.changed import updated_tables

    # a rare sight from a reliable source: few worlds carry the weight; min_ess 0 keeps the run's worlds as they are
    seen = "happened(e, by='1mo') and happened(f, by='1mo')"
    rare = [{"observable": seen, "value": True, "date": "2024-02-01", "reliability": "A"}]
    u = update(scenario, rare, samples=N, seed=SEED, min_ess=0)
    assert u.ess < 0.1 * N  # the posterior's own tables warn of it
    assert any("simulate the new assumptions" in w for w in u.posterior.warnings)
    warnings = updated_tables(u).warnings
    assert not any("simulate the new assumptions" in w for w in warnings)
    advice = [w for w in warnings if "effective sample size" in w]
    assert len(advice) == 1
    assert "--samples" in advice[0]
    assert "unlikely under the model" in advice[0]
    text, _ = build_report(u, format="markdown", figures=False)
    assert "--samples" in text
    assert "simulate the new assumptions" not in text


def test_an_indicator_nobody_reported_after_its_window_closed_did_not_fire(scenario: Scenario) -> None:
    table = indicators(scenario, samples=2_000, seed=1, horizon="later")
    closes = dict(zip(table["indicator"], table["closes"], strict=False))
    # happened(f, by='3mo') is settled three months after as_of; happened(e, by='1y') a year after; f at 2 years
    assert closes == {"i_e": "2025-01-01", "i_f": "2026-01-01", "i_quiet": "2024-04-01"}
    for latest, quiet, e in (
        ("2024-03-31", "not yet", "not yet"),  # the window of i_quiet still open the day before it closes
        ("2024-04-01", "did not fire", "not yet"),  # closed on the latest observation's date: absence is evidence
        ("2025-02-01", "did not fire", "did not fire"),
    ):
        obs = read_observations([{"indicator": "i_f", "value": False, "date": latest}], scenario)
        status = dict(zip(table["indicator"], indicator_status(table, obs), strict=False))
        assert status == {"i_e": e, "i_f": f"not seen by {latest}", "i_quiet": quiet}, latest
    # every state, each decided in its order
    obs = read_observations(
        [
            {"indicator": "i_e", "value": True, "date": "2024-05-01"},
            {"indicator": "i_f", "value": False, "date": "2024-05-01"},
        ],
        scenario,
    )
    status = dict(zip(table["indicator"], indicator_status(table, obs), strict=False))
    assert status == {"i_e": "observed on 2024-05-01", "i_f": "not seen by 2024-05-01", "i_quiet": "did not fire"}


# -- issue 13 (fresh user): an observable with the indicator's text reports it; a fixed state never fires -----

STATE = (
    HEAD
    + """\
horizons: {soon: {until: 6mo}}
drivers:
  mood: {categorical: {calm: 0.6, angry: 0.4}}
events:
  f: {rate: 0.5}
derived:
  cross: "where(mood == 'angry', 1, 0)"
scenarios:
  hot: mood == 'angry'
  cold: otherwise
indicators:
  i_quiet: {label: f within three months, observable: "happened(f, by='3mo')"}
  i_angry: {label: an angry mood, observable: "mood == 'angry'"}
  i_cross: {label: a cross mood, observable: "cross > 0"}
  i_f: {label: f at all, observable: f}
"""
)


def test_an_observable_with_the_indicators_text_reports_it() -> None:
    s = Scenario.from_yaml(STATE, path="s.yaml")
    obs = [
        {"observable": "happened(f,by = '3mo')", "value": False, "date": "2024-05-01"},
        {"observable": "happened(f, by='2mo')", "value": True, "date": "2024-05-02"},  # another text: not i_quiet
    ]
    status = dict(zip(*(lambda t: (t["indicator"], t["status"]))(indicators(s, samples=500, seed=1, observations=obs))))
    assert status["i_quiet"] == "not seen by 2024-05-01"
    seen = indicators(s, samples=500, seed=1, observations=[{"observable": "f", "value": True, "date": "2024-05-01"}])
    assert dict(zip(seen["indicator"], seen["status"]))["i_f"] == "observed on 2024-05-01"


def test_a_state_fixed_from_the_start_is_not_observed_never_did_not_fire() -> None:
    s = Scenario.from_yaml(STATE, path="s.yaml")
    obs = [{"indicator": "i_f", "value": False, "date": "2024-06-01"}]
    t = indicators(s, samples=500, seed=1, observations=obs)
    status = dict(zip(t["indicator"], t["status"]))
    assert status["i_angry"] == "not observed"
    assert status["i_cross"] == "not observed"  # through a derived quantity that reads only the driver
    assert status["i_quiet"] == "did not fire"  # an event's window: its absence is evidence
    reported = [*obs, {"indicator": "i_angry", "value": True, "date": "2024-02-01"}]
    t = indicators(s, samples=500, seed=1, observations=reported)
    assert dict(zip(t["indicator"], t["status"]))["i_angry"] == "observed on 2024-02-01"


def test_the_bundled_example_shows_no_reported_indicator_as_did_not_fire() -> None:
    s = outlook.load_scenario("nk-troops-russia")
    obs = load_observations(Path("docs/examples/nk-observations.yaml"), s)
    t = indicators(s, samples=2_000, seed=1, observations=obs, horizon=s.horizons[0].id)
    status = dict(zip(t["indicator"], t["status"]))
    assert status["more_troops_6mo"] == "not seen by 2025-05-01"
    assert status["tech_transfer_1y"] == "observed on 2025-05-01"
