"""Sourcing (format 1.1): graded sources and quotes, several sources per item, event status and
resolution, context figures, the cut-off check, outlook check --strict, and the sourcing table.

Spec: issue 14 ("Sourcing and the quality of information", "Resolvable events") and
shared/reference/sat-features.md §4.1, §5.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import outlook
from outlook import Scenario, ScenarioErrors, cli
from outlook.model import compile_model, sample_worlds
from outlook.scenario.durations import DAYS_PER_YEAR

SCENARIO = """outlook: 1.1
id: s
title: S
question: Q
as_of: 2024-11-15
sources:
  wire:
    title: A wire report
    date: 2024-11-14
    kind: wire
    reliability: B
    interested_party: false
  claim:
    title: A government statement
    date: 2024-11-10
    kind: official
    reliability: C
    interested_party: the government of X
horizons:
  short: {until: 1y}
  long: {until: 5y}
context:
  losses:
    label: Daily losses
    value: 1200
    unit: soldiers a day
    source: {ref: wire, quote: "about 1,200 a day", credibility: 3, basis: reported}
  troops:
    range: [10000, 12000]
drivers:
  r:
    constant: 0.5
    source: {ref: wire, quote: "half", credibility: 2, basis: reported}
    sources:
      - {ref: claim, quote: "none at all", stance: contradicts, credibility: 5, basis: interested_claim}
events:
  combat:
    status:
      happened: 2024-11-05
      source: {ref: wire, quote: "first combat", credibility: 2, basis: reported}
    resolution:
      criteria: An official statement reports combat.
      source: official statements
      includes: [skirmishes]
      excludes: [training accidents]
  more:
    rate: r
    after: {combat: 2}
    resolution: {criteria: A further contingent is reported by two wire services.}
scenarios:
  hot: {when: "more and time(combat) < 0"}
  calm: {when: otherwise}
"""


def load(text: str = SCENARIO) -> Scenario:
    return Scenario.from_yaml(text, path="s.yaml")


def problems(text: str) -> list[str]:
    with pytest.raises(ScenarioErrors) as exc:
        load(text)
    return [str(e) for e in exc.value.errors]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# -- reading and writing -------------------------------------------------------------


def test_the_grades_are_read() -> None:
    s = load()
    wire, claim = s.sources
    assert (wire.kind, wire.reliability, wire.interested_party) == ("wire", "B", False)
    assert claim.interested_party == "the government of X"
    r = s.driver("r")
    assert r.source is not None
    assert (r.source.credibility, r.source.basis, r.source.stance) == (
        2,
        "reported",
        "supports",
    )
    assert [(x.ref, x.stance, x.credibility, x.basis) for x in r.sources] == [
        ("claim", "contradicts", 5, "interested_claim")
    ]
    res = s.event("combat").resolution
    assert res is not None
    assert (res.includes, res.excludes) == (("skirmishes",), ("training accidents",))
    assert [(c.id, c.value, c.range) for c in s.context] == [
        ("losses", 1200.0, None),
        ("troops", None, (10000.0, 12000.0)),
    ]


def test_the_new_keys_round_trip_and_are_hashed() -> None:
    s = load()
    assert Scenario.from_dict(s.to_dict()) == s
    assert Scenario.from_yaml(s.to_yaml()).hash == s.hash
    for old, new in [
        ("reliability: B", "reliability: A"),
        ("kind: wire", "kind: analysis"),
        ("interested_party: false", "interested_party: true"),
        ("credibility: 5", "credibility: 4"),
        ("stance: contradicts", "stance: supports"),
        ("happened: 2024-11-05", "happened: 2024-11-06"),
        ("includes: [skirmishes]", "includes: [raids]"),
        ("value: 1200", "value: 1300"),
    ]:
        assert old in SCENARIO
        assert load(SCENARIO.replace(old, new)).hash != s.hash, old


def test_stance_supports_is_the_default_and_restating_it_keeps_the_hash() -> None:
    text = SCENARIO.replace('quote: "half", credibility: 2', 'quote: "half", stance: supports, credibility: 2')
    assert load(text).hash == load().hash


def test_a_format_1_file_is_unchanged_and_refuses_the_additions() -> None:
    plain = SCENARIO.split("context:")[0].replace("outlook: 1.1", "outlook: 1")
    plain = plain.replace("    kind: wire\n    reliability: B\n    interested_party: false\n", "")
    plain = plain.replace("    kind: official\n    reliability: C\n    interested_party: the government of X\n", "")
    plain += "drivers: {r: 0.5}\nevents: {e: {rate: r}}\nscenarios: {a: {when: e}, b: {when: otherwise}}\n"
    s = load(plain)
    assert "kind" not in s.to_dict()["sources"]["wire"]
    assert problems(plain.replace("date: 2024-11-14", "date: 2024-11-14\n    reliability: B")) == [
        "s.yaml:10:18: sources.wire.reliability: a source's 'reliability' is new in format 1.1: "
        "write 'outlook: 1.1' at the top of the file"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "reliability: B",
            "reliability: G",
            "s.yaml:11:18: sources.wire.reliability: unknown reliability: expected one of A, B, C, D, E, F (got 'G')",
        ),
        (
            "kind: wire",
            "kind: wires",
            "s.yaml:10:11: sources.wire.kind: unknown kind: expected one of official, wire, analysis, opinion, social "
            "(got 'wires'). Did you mean 'wire'?",
        ),
        (
            "credibility: 2, basis: reported}\n    sources",
            "credibility: 7, basis: reported}\n    sources",
            "s.yaml:33:53: drivers.r.source.credibility: unknown credibility: expected one of 1, 2, 3, 4, 5, 6 (got 7)",
        ),
        (
            "basis: interested_claim",
            "basis: claim",
            "s.yaml:35:88: drivers.r.sources[0].basis: unknown basis: expected one of reported, interested_claim, "
            "source_opinion, judgement, outside_knowledge (got 'claim')",
        ),
        (
            "stance: contradicts",
            "stance: against",
            "s.yaml:35:52: drivers.r.sources[0].stance: unknown stance: expected one of supports, contradicts "
            "(got 'against')",
        ),
        (
            "{ref: claim,",
            "{ref: claims,",
            "s.yaml:35:15: drivers.r.sources[0].ref: unknown source 'claims'. Did you mean 'claim'?",
        ),
    ],
)
def test_a_bad_grade_or_reference_is_one_located_line(old: str, new: str, expected: str) -> None:
    assert old in SCENARIO
    assert problems(SCENARIO.replace(old, new, 1)) == [expected]


def test_an_ungraded_source_shows_as_ungraded() -> None:
    text = SCENARIO.replace("    reliability: B\n", "").replace("    kind: wire\n", "")
    t = outlook.sourcing(load(text))
    row = t.set_index("source").loc["wire"]
    assert (row["reliability"], row["kind"]) == ("ungraded", "not stated")


# -- status: a fact at as_of ---------------------------------------------------------------


def test_an_event_that_happened_has_p_one_at_every_horizon_and_its_date_as_time() -> None:
    s = load()
    worlds = sample_worlds(compile_model(s), samples=4000, seed=1)
    assert np.all(worlds["time_combat"].to_numpy() == -10 / DAYS_PER_YEAR)  # 5 Nov, 10 days before as_of
    # after: {combat: 2} acts from as_of on: the hazard of `more` is 0.5 * 2 = 1 a year, an Exp(1) time
    t_more = worlds["time_more"].to_numpy()
    assert abs(t_more.mean() - 1.0) < 4 / math.sqrt(4000)
    tables = outlook.run_outlook(s, samples=20_000, seed=3)
    combat = tables.events[tables.events.event == "combat"]
    assert combat.p_by.tolist() == [1.0, 1.0]
    # time(combat) < 0 in every world, so hot is exactly "more by the horizon": P = 1 - exp(-t)
    hot = tables.scenarios[tables.scenarios.scenario == "hot"].set_index("horizon").p
    for h, years in (("short", 1.0), ("long", 5.0)):
        expected = 1 - math.exp(-1.0 * years)
        se = math.sqrt(expected * (1 - expected) / 20_000)
        assert abs(hot[h] - expected) < 4 * se


def test_an_event_that_happened_long_before_as_of_runs_and_its_curve_starts_at_one() -> None:
    """A fact dated more than a curve step before as_of (7 months, steps of 3 days on a 1-year curve) has a
    time below -1 step: the curve's index went negative and every run stopped with numpy's "'list' argument
    must have no negative elements". It counts at the curve's first point, time 0."""
    from outlook.testing import HEADER

    text = HEADER.replace("outlook: 1\n", "outlook: 1.1\n") + (
        "horizons: {soon: {until: 1y}}\n"
        "drivers: {r: {constant: 0.5}}\n"
        "events:\n"
        "  past: {status: {happened: 2023-06-01}}\n"
        "  later: {rate: r, after: {past: 2}}\n"
        "scenarios: {both: {when: past and later}, rest: otherwise}\n"
    )
    tables = outlook.run_outlook(outlook.Scenario.from_yaml(text), samples=20_000, seed=2)
    assert tables.events.set_index("event").loc["past", "p_by"] == 1.0
    curve = tables.curves[tables.curves.event == "past"]
    assert curve.p_by.tolist() == [1.0] * len(curve)  # from time 0 on
    both = float(tables.scenarios.set_index("scenario").loc["both", "p"])
    expected = 1 - math.exp(-1.0)  # after: the rate 0.5 doubled from as_of on
    assert abs(both - expected) < 4 * math.sqrt(expected * (1 - expected) / 20_000)


def test_a_status_after_as_of_is_refused_where_it_is_written() -> None:
    assert problems(SCENARIO.replace("happened: 2024-11-05", "happened: 2024-11-20")) == [
        "s.yaml:39:17: events.combat.status.happened: happened 2024-11-20 is after as_of (2024-11-15): what was "
        "known at as_of cannot have happened later; forecast it instead"
    ]


def test_a_status_beside_a_forecast_is_refused() -> None:
    text = SCENARIO.replace("    status:\n", "    rate: 0.1\n    status:\n", 1)
    assert problems(text) == [
        "s.yaml:38:5: events.combat.rate: an event whose status says it happened is a fact, not a forecast: "
        "remove 'rate' or 'status'"
    ]


# -- context ------------------------------------------------------------------------------


def test_an_expression_cannot_read_a_context_figure() -> None:
    text = SCENARIO.replace("    rate: r\n", "    rate: r * losses / 1200\n")
    assert problems(text) == [
        "s.yaml:47:15: events.more.rate: 'losses' is a context figure: context figures feed no probability; "
        "move it to drivers"
    ]


def test_a_context_figure_needs_a_value_or_a_range_and_its_own_name() -> None:
    text = SCENARIO.replace("    range: [10000, 12000]\n", "    label: none\n")
    assert problems(text) == ["s.yaml:29:5: context.troops: needs exactly one of 'value' and 'range'"]
    text = SCENARIO.replace("  r:\n    constant: 0.5", "  troops:\n    constant: 0.5").replace(
        "rate: r", "rate: troops"
    )
    assert problems(text) == [
        "s.yaml:31:3: drivers.troops: name 'troops' is already used by context.troops",
        "s.yaml:47:11: events.more.rate: 'troops' is a context figure: context figures feed no probability; "
        "move it to drivers",
    ]


def test_a_hand_made_scenario_cannot_read_a_context_figure() -> None:
    """A scenario assembled by hand is checked as a file is: a driver swapped for a context figure is refused."""
    import dataclasses

    from outlook.scenario import ContextFigure

    text = SCENARIO.replace("drivers:\n", "drivers:\n  g: {constant: 1}\n").replace("rate: r\n", "rate: r * g\n")
    s = load(text)
    with pytest.raises(outlook.ScenarioError) as exc:
        dataclasses.replace(s, drivers=s.drivers[1:], context=(*s.context, ContextFigure("g", value=1.0)))
    assert str(exc.value) == (
        "s.yaml:48:11: events.more.rate: 'g' is a context figure: context figures feed no probability; "
        "move it to drivers"
    )


# -- the cut-off check and --strict ---------------------------------------------------------


def test_a_source_after_as_of_is_an_error_in_check(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(SCENARIO.replace("date: 2024-11-14", "date: 2024-11-16"))
    code, out, err = run("check", str(p))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{p}:9:11: sources.wire.date: dated 2024-11-16, after as_of (2024-11-15): a source written after the "
        "information cut-off lets hindsight into the forecast; cite it only in an event's status (what had happened "
        "by as_of), or move as_of"
    ]


def test_a_later_source_cited_only_by_a_status_records_what_was_known(tmp_path: Path) -> None:
    later = SCENARIO.replace(
        "  claim:\n    title: A government statement\n    date: 2024-11-10",
        "  claim:\n    title: A government statement\n    date: 2024-11-20",
    )
    text = later.replace(
        '      - {ref: claim, quote: "none at all", stance: contradicts, credibility: 5, basis: interested_claim}\n',
        '      - {ref: wire, quote: "none at all", stance: contradicts, credibility: 5, basis: interested_claim}\n',
    ).replace('source: {ref: wire, quote: "first combat"', 'source: {ref: claim, quote: "first combat"')
    p = tmp_path / "s.yaml"
    p.write_text(text)
    assert run("check", str(p)) == (
        0,
        "s.yaml: ok (1 driver, 0 derived, 2 events, 2 scenarios, 2 horizons)\n".replace("s.yaml", str(p)),
        "",
    )
    assert outlook.sourcing(load(text)).set_index("source").loc["claim", "after_as_of"]


def test_check_prints_warnings_and_strict_makes_them_errors(tmp_path: Path) -> None:
    text = SCENARIO.replace("    reliability: C\n", "").replace(
        "    resolution: {criteria: A further contingent is reported by two wire services.}\n", ""
    )
    text = text.replace("drivers:\n", "drivers:\n  idle: {constant: 3}\n")
    p = tmp_path / "s.yaml"
    p.write_text(text)
    warnings = [
        f"{p}:30:9: warning: drivers.idle reaches no event or scenario: it changes no probability",
        f"{p}:14:5: warning: sources.claim is ungraded: give it a reliability, A to F",
        f"{p}:47:5: warning: events.more has no resolution: say what settles it "
        "(resolution: {criteria, source, includes, excludes})",
    ]
    code, out, err = run("check", str(p))
    assert (code, out) == (0, f"{p}: ok (2 drivers, 0 derived, 2 events, 2 scenarios, 2 horizons)\n")
    assert err.splitlines() == warnings
    code, out, err = run("check", "--strict", str(p))
    assert (code, out) == (2, "")
    assert err.splitlines() == [w.replace(": warning: ", ": error: ") for w in warnings]


def test_strict_passes_a_clean_file(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(SCENARIO)
    assert run("check", "--strict", str(p)) == (
        0,
        f"{p}: ok (1 driver, 0 derived, 2 events, 2 scenarios, 2 horizons)\n",
        "",
    )


def test_the_archived_edition_fails_the_cut_off_check_and_the_revised_one_passes_strict() -> None:
    """Review F1: the old edition cites the Catalyst, dated after its as_of: that line alone is an error.

    The revised bundled file moves as_of to the Catalyst's date and records the combat it reports as a
    status, so `outlook check --strict` (every warning an error) passes it.
    """
    archived = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"
    code, out, err = run("check", str(archived))
    assert (code, out) == (2, "")
    errors = [line for line in err.splitlines() if ": warning: " not in line]
    assert len(errors) == 1
    assert errors[0].endswith(
        "nk-troops-russia-2024-11-01.yaml:41:11: sources.catalyst.date: dated 2024-11-15, after as_of (2024-11-01): "
        "a source written after the information cut-off lets hindsight into the forecast; cite it only in an "
        "event's status (what had happened by as_of), or move as_of"
    )
    code, out, err = run("check", "--strict", "nk-troops-russia")
    assert (code, err) == (0, "")
    assert out.startswith("nk-troops-russia: ok (")


def test_a_format_1_file_gets_no_sourcing_warnings(tmp_path: Path) -> None:
    text = "outlook: 1\nid: t\ntitle: T\nquestion: Q\nas_of: 2024-01-01\nsources: {a: {title: A}}\n"
    text += "horizons: {h: {until: 1y}}\ndrivers: {r: 0.5}\nevents: {e: {rate: r, source: {ref: a}}}\n"
    text += "scenarios: {x: {when: e}, y: {when: otherwise}}\n"
    p = tmp_path / "t.yaml"
    p.write_text(text)
    assert run("check", "--strict", str(p)) == (
        0,
        f"{p}: ok (1 driver, 0 derived, 1 event, 2 scenarios, 1 horizon)\n",
        "",
    )


# -- the sourcing table --------------------------------------------------------------------


def test_the_sourcing_table() -> None:
    t = outlook.sourcing(load())
    assert list(t.columns) == list(outlook.analysis.sourcing.SOURCING_COLUMNS)
    assert t.shape == (2, 13)
    wire, claim = (t.iloc[0].to_dict(), t.iloc[1].to_dict())
    assert wire["cited_by"] == "driver:r, event:combat, context:losses"
    assert (wire["supports"], wire["contradicts"]) == (3, 0)
    assert (wire["credibility"], wire["basis"]) == ("2, 2, 3", "reported, reported, reported")
    assert wire["reaches"] == "event:combat, event:more, scenario:hot, scenario:calm"
    assert (wire["after_as_of"], wire["interested_party"], wire["reliability"]) == (False, "no", "B")
    assert (claim["supports"], claim["contradicts"], claim["interested_party"]) == (0, 1, "the government of X")
    assert claim["reaches"] == "event:more, scenario:hot, scenario:calm"
    assert t.dtypes["after_as_of"] == pd.BooleanDtype()


def test_a_source_that_only_context_cites_reaches_nothing() -> None:
    text = SCENARIO.replace('source: {ref: wire, quote: "about 1,200', 'source: {ref: claim, quote: "about 1,200')
    text = text.replace('      - {ref: claim, quote: "none at all"', '      - {ref: wire, quote: "none at all"')
    row = outlook.sourcing(load(text)).set_index("source").loc["claim"]
    assert (row["cited_by"], row["reaches"]) == ("context:losses", "")


def test_an_undated_source_has_no_after_as_of() -> None:
    t = outlook.sourcing(load(SCENARIO.replace("date: 2024-11-14", "date: mid-November 2024")))
    assert t.after_as_of.isna().tolist() == [True, False]


def test_the_report_says_an_event_happened_and_on_what_source(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text(SCENARIO)
    out = tmp_path / "r.md"
    assert run("report", str(p), "-o", str(out), "--samples", "2000", "-q", "--no-figures")[0] == 0
    assert (
        "- `combat`: Happened on 2024-11-05, known at the as-of date. *Reported:* “first combat” — *A wire report* "
        "(2024-11-14). *Resolves:* An official statement reports combat. Settled by official statements. "
        "Counts: skirmishes. Does not count: training accidents.\n"
    ) in out.read_text(encoding="utf-8")  # a quote graded `basis: reported` reads "Reported:" (the report's R6)


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("reliability: B", "reliability: G", "sources.wire.reliability"),
        ("kind: wire", "kind: blog", "sources.wire.kind"),
        ("credibility: 5", "credibility: 7", "drivers.r"),  # a driver is anyOf: the schema points at it
        ("stance: contradicts", "stance: against", "drivers.r"),
        ("happened: 2024-11-05", "when: 2024-11-05", "events.combat.status"),
        ("    range: [10000, 12000]\n", "    unit: soldiers\n", "context.troops"),
    ],
)
def test_the_json_schema_flags_the_same_mistakes(old: str, new: str, path: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from outlook.scenario.reading import compose
    from outlook.scenario.schema import json_schema

    validator = jsonschema.Draft202012Validator(json_schema())
    assert list(validator.iter_errors(compose(SCENARIO, "s.yaml").to_plain())) == []
    assert old in SCENARIO
    errors = validator.iter_errors(compose(SCENARIO.replace(old, new, 1), "s.yaml").to_plain())
    paths = [".".join(map(str, e.absolute_path)) for e in errors]
    assert paths
    assert all(q.startswith(path) for q in paths), paths


def test_a_what_if_on_a_status_is_recomputed_as_a_full_run_computes_it() -> None:
    """The incremental path (whatif, tornado) gives a status event its date as a full draw does."""
    s = load()
    w = outlook.whatif(s, {"events.combat.status.happened": "2024-11-01"}, samples=2000)
    assert (w.delta == 0).all()  # time(combat) stays negative: nothing else moves
    b = s.with_overrides({"events.combat.status.happened": "2024-11-01"})
    worlds = sample_worlds(compile_model(b), samples=10, seed=1)
    assert np.all(worlds["time_combat"].to_numpy() == -14 / DAYS_PER_YEAR)
    assert outlook.tornado(s, "hot@short", samples=2000) is not None


def test_an_event_that_requires_a_happened_event_starts_at_as_of() -> None:
    """requires: [combat] is met from as_of on: a rate of 0.5 gives P(by 1y) = 1 - exp(-0.5)."""
    text = SCENARIO.replace(
        "scenarios:\n", "  later: {rate: 0.5, requires: [combat], resolution: {criteria: c}}\nscenarios:\n"
    )
    tables = outlook.run_outlook(load(text), samples=20_000, seed=5)
    p = tables.events.set_index(["event", "horizon"]).p_by
    expected = 1 - math.exp(-0.5)
    assert abs(p["later", "short"] - expected) < 4 * math.sqrt(expected * (1 - expected) / 20_000)


def test_a_resolution_list_cut_at_its_commas_is_a_warning(tmp_path: Path) -> None:
    """`excludes: [aid (armour, medical), fewer than 1,000]` is four items in YAML, not two: check says which
    look cut (unbalanced brackets; digits after an item ending in a digit), and --strict refuses; one item per
    line, quoted, is clean (review of the bundled case's resolution criteria)."""
    cut = SCENARIO.replace(
        "    resolution: {criteria: A further contingent is reported by two wire services.}\n",
        "    resolution:\n      criteria: A further contingent is reported by two wire services.\n"
        "      excludes: [non-lethal aid (body armour, medical), dispatches of fewer than 1,000]\n",
    )
    assert cut != SCENARIO
    p = tmp_path / "s.yaml"
    p.write_text(cut)
    code, _, err = run("check", str(p))
    assert code == 0
    lines = [x for x in err.splitlines() if "looks cut at a comma" in x]
    assert [x.split(": warning: ")[1].split(" looks")[0] for x in lines] == [
        "events.more.resolution.excludes[0] 'non-lethal aid (body armour'",
        "events.more.resolution.excludes[1] 'medical)'",
        "events.more.resolution.excludes[3] '000'",
    ]
    assert run("check", "--strict", str(p))[0] == 2
    fixed = cut.replace(
        "      excludes: [non-lethal aid (body armour, medical), dispatches of fewer than 1,000]\n",
        '      excludes:\n        - "non-lethal aid (body armour, medical)"\n        - "dispatches of fewer than 1,000"\n',
    )
    p.write_text(fixed)
    assert run("check", "--strict", str(p))[0] == 0
