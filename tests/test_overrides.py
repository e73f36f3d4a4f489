"""What-ifs: Scenario.with_overrides and --set apply key paths to what is stated, then check the whole scenario."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from outlook import Scenario, ScenarioError, ScenarioErrors, find_scenario, load_scenario
from outlook.cli import main
from outlook.scenario import DROP, ConstantForm, Override, RangeForm, parse_override
from outlook.scenario.overrides import parse_key_path
from outlook.testing import HEADER, tiny_scenario

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"

BUNDLED = ARCHIVED


@pytest.fixture(scope="module")
def nk() -> Scenario:
    """The bundled scenario, loaded once."""
    return load_scenario(BUNDLED)


def problems(s: Scenario, overrides: dict[str, Any]) -> list[str]:
    """The lines of the ScenarioErrors that ``s.with_overrides(overrides)`` raises."""
    with pytest.raises(ScenarioErrors) as info:
        s.with_overrides(overrides)
    return str(info.value).splitlines()


# --------------------------------------------------------------------------
# applying


def test_overrides_change_what_is_stated_and_nothing_else(nk: Scenario) -> None:
    """The issue's example: a driver's range and an event's factor; the original is untouched."""
    before = (nk.hash, nk.driver("troops").stated)
    s = nk.with_overrides({"drivers.troops.range": [9000, 13000], "events.further_deployment.after.ceasefire": 1.0})
    assert RangeForm(9000, 13000, "normal") == s.driver("troops").stated
    assert 1.0 == dict(s.event("further_deployment").after)["ceasefire"]
    assert before == (nk.hash, nk.driver("troops").stated)
    assert s.driver("troops").label == nk.driver("troops").label
    assert [d.id for d in s.drivers] == [d.id for d in nk.drivers]


def test_a_whole_driver_takes_any_form_and_keeps_its_description(nk: Scenario) -> None:
    """drivers.china_brake = {constant: 1.0}: the form changes; label, unit, note and source stay."""
    old = nk.driver("china_brake")
    new = nk.with_overrides({"drivers.china_brake": {"constant": 1.0}}).driver("china_brake")
    assert ConstantForm(1.0) == new.stated
    assert (old.label, old.unit, old.note, old.source) == (new.label, new.unit, new.note, new.source)
    assert ConstantForm(0.5) == nk.with_overrides({"drivers.china_brake": 0.5}).driver("china_brake").stated


def test_a_whole_driver_keeps_its_further_sources() -> None:
    """The revised bundled case's china_brake cites three quotes (`source` and a `sources:` list): a new form
    keeps them all, as it keeps the first; a new value that states its own `sources` replaces them."""
    s = load_scenario(find_scenario("nk-troops-russia"))
    old = s.driver("china_brake")
    assert len(old.sources) >= 2
    new = s.with_overrides({"drivers.china_brake": {"constant": 1.0}}).driver("china_brake")
    assert (new.source, new.sources) == (old.source, old.sources)
    mine = s.with_overrides(
        {"drivers.china_brake": {"constant": 1.0, "sources": [{"basis": "judgement", "note": "no brake at all"}]}}
    ).driver("china_brake")
    assert len(mine.sources) == 1


def test_drop_removes_an_entry_or_an_item(nk: Scenario) -> None:
    """DROP removes a correlation pair, an event's factor, a driver's label."""
    s = nk.with_overrides(
        {"correlations[0]": DROP, "events.further_deployment.after.ceasefire": DROP, "drivers.troops.label": DROP}
    )
    assert nk.correlations[1:] == s.correlations
    assert "ceasefire" not in dict(s.event("further_deployment").after)
    assert "" == s.driver("troops").label


def test_an_item_one_past_the_end_is_added(nk: Scenario) -> None:
    """correlations[n] for a list of n pairs adds a pair."""
    n = len(nk.correlations)
    s = nk.with_overrides({f"correlations[{n}]": ["troops", "total_casualties", 0.2]})
    assert ("troops", "total_casualties", 0.2) == (s.correlations[-1].a, s.correlations[-1].b, s.correlations[-1].rho)


def test_overrides_apply_in_order_and_are_recorded(nk: Scenario) -> None:
    """A later override sees an earlier one; every one is kept on the new scenario, in order, across calls."""
    s = nk.with_overrides([("drivers.extra", {"constant": 2}), ("drivers.extra.label", "Extra")])
    t = s.with_overrides({"title": "What if"})
    assert "Extra" == t.driver("extra").label
    assert ["drivers.extra", "drivers.extra.label", "title"] == [o.key_path for o in t.overrides]
    assert ["drivers.extra={constant: 2}", "drivers.extra.label=Extra", "title=What if"] == [
        str(o) for o in t.overrides
    ]
    assert () == nk.overrides


def test_no_overrides_is_the_same_scenario(nk: Scenario) -> None:
    """An empty what-if changes nothing."""
    assert nk.with_overrides({}) is nk


# --------------------------------------------------------------------------
# an honest hash


def test_restating_the_files_own_value_keeps_the_hash(nk: Scenario) -> None:
    """[8000, 12000] restated as [8000.0, 12000] is no change: same hash, equal scenario."""
    s = nk.with_overrides({"drivers.troops.range": [8000.0, 12000]})
    assert (nk, nk.hash) == (s, s.hash)


@pytest.mark.parametrize(
    "overrides",
    [
        {"drivers.troops.range": [9000, 13000]},
        {"drivers.troops.label": "Troops"},
        {"horizons.short.label": "The first year"},
        {"sources.ap.title": "Another title"},
        {"correlations[0][2]": 0.2},
    ],
    ids=["range", "label", "horizon-label", "source", "rho"],
)
def test_any_change_to_what_is_stated_gives_a_new_hash(nk: Scenario, overrides: dict[str, Any]) -> None:
    """A number or a label: what is stated changed, so the identity changes."""
    assert nk.hash != nk.with_overrides(overrides).hash


def test_an_override_states_what_the_same_file_would(nk: Scenario) -> None:
    """with_overrides gives the scenario that a file stating the new value gives: equal, same hash."""
    data = nk.to_dict()
    data["drivers"]["troops"]["range"] = [9000, 13000]
    by_file = Scenario.from_dict(data)
    by_override = nk.with_overrides({"drivers.troops.range": [9000, 13000]})
    assert (by_file, by_file.hash) == (by_override, by_override.hash)


# --------------------------------------------------------------------------
# exact messages


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"drivers.troops.range": [13000, 9000]},
            ["override drivers.troops.range: low 13000 > high 9000 (got [13000, 9000]). Did you mean [9000, 13000]?"],
        ),
        (
            {"drivers.troop.range": [9000, 13000]},
            [
                "override drivers.troop.range: unknown key path: drivers has no 'troop'. Did you mean 'drivers.troops.range'?"
            ],
        ),
        (
            {"drivers.troops.rnage": [9000, 13000]},
            ["override drivers.troops.rnage: unknown key 'rnage'. Did you mean 'range'?"],
        ),
        (
            {"drivers.china_brake": {"normal": {"mean": 1, "sd": 0}}},
            ["override drivers.china_brake: drivers.china_brake.normal: sd must be positive (got 0)"],
        ),
        (
            {"drivers.troops.range": "wide"},
            ["override drivers.troops.range: expected [low, high] (got 'wide')"],
        ),
        (
            {"events.ceasefire.rate": "ceasfire_hazard * 2"},
            ["override events.ceasefire.rate: unknown name 'ceasfire_hazard'. Did you mean 'ceasefire_hazard'?"],
        ),
        (
            {"titel": "What if"},
            ["override titel: unknown key 'titel'. Did you mean 'title'?"],
        ),
        (  # an entry's name without its section: the section's entry is offered, the rest of the path kept
            {"troops": [9000, 13000]},
            ["override troops: unknown key 'troops'. Did you mean 'drivers.troops'?"],
        ),
        (
            {"ceasefire.rate": 0.1},
            ["override ceasefire.rate: unknown key 'ceasefire'. Did you mean 'events.ceasefire.rate'?"],
        ),
        (
            {"troop.range": [9000, 13000]},
            ["override troop.range: unknown key 'troop'. Did you mean 'drivers.troops.range'?"],
        ),
        (
            {"correlations[7]": DROP},
            ["override correlations[7]: nothing to drop: correlations has 3 items"],
        ),
        (
            {"correlations[9]": ["troops", "total_casualties", 0.2]},
            ["override correlations[9]: correlations has 3 items; [9] is past the end (use [3] to add one)"],
        ),
        (
            {"drivers.troops.range.low": 1},
            ["override drivers.troops.range.low: unknown key path: drivers.troops.range is a list, not a mapping"],
        ),
        (
            {"drivers..range": 1},
            [
                "override drivers..range: expected a key path such as drivers.troops.range or correlations[0] "
                "(got 'drivers..range')"
            ],
        ),
    ],
    ids=[
        "range-reversed",
        "unknown-driver",
        "unknown-last-key",
        "inside-a-new-value",
        "wrong-type",
        "expression",
        "unknown-top-level-key",
        "entry-without-its-section",
        "entry-without-its-section-deeper",
        "misspelt-entry-without-its-section",
        "drop-nothing",
        "past-the-end",
        "key-of-a-list",
        "not-a-key-path",
    ],
)
def test_an_invalid_override_is_one_located_line_naming_it(
    nk: Scenario, overrides: dict[str, Any], expected: list[str]
) -> None:
    """override KEY: what is wrong (got X). Hint -- the key path of the value too, where it lies below the override."""
    assert expected == problems(nk, overrides)


def test_a_problem_the_override_causes_elsewhere_keeps_its_place_in_the_file(nk: Scenario) -> None:
    """Dropping a driver that derived quantities use: each use is reported where the file writes it."""
    lines = problems(nk, {"drivers.troops": DROP})
    assert [
        f"{BUNDLED}:381:11: derived.days_of_losses.expr: unknown name 'troops'. Did you mean 'troops_pledged'?",
        f"{BUNDLED}:390:11: derived.troops_vs_pledge.expr: unknown name 'troops'. Did you mean 'troops_pledged'?",
        f"{BUNDLED}:394:11: derived.share_of_casualties.expr: unknown name 'troops'. Did you mean 'troops_pledged'?",
        f"{BUNDLED}:398:11: derived.share_of_annual_russian_losses.expr: unknown name 'troops'. "
        "Did you mean 'troops_pledged'?",
    ] == lines


def test_a_shorthand_in_the_file_lends_its_place() -> None:
    """`d: x * 2` in a file is `{expr: x * 2}`; a problem with it after a what-if is still located at the file."""
    text = HEADER + "horizons: {a: {until: 1y}}\ndrivers: {x: 1}\nderived: {d: x * 2}\nscenarios: {rest: otherwise}\n"
    s = Scenario.from_yaml(text, path="s.yaml")
    assert ["s.yaml:8:14: derived.d.expr: unknown name 'x'"] == problems(s, {"drivers.x": DROP})


def test_a_constant_that_is_correlated_says_how_to_drop_the_pair(nk: Scenario) -> None:
    """Making a correlated driver constant needs its pair dropped too; the message says how."""
    assert [
        f"{BUNDLED}:377:6: correlations[2][0]: driver 'p_sk_aid_1y' is a constant and cannot be correlated. "
        "Remove the pair; a what-if drops it with correlations[2]=drop."
    ] == problems(nk, {"drivers.p_sk_aid_1y": {"constant": 0.95}})
    assert nk.with_overrides({"drivers.p_sk_aid_1y": {"constant": 0.95}, "correlations[2]": DROP})


def test_every_bad_override_is_reported_together(nk: Scenario) -> None:
    """Two bad key paths and a bad value: three lines."""
    overrides = {"drivers.troop.range": [1, 2], "events.nope.rate": 1, "drivers.troops.range": [2, 1]}
    assert 3 == len(problems(nk, overrides))


# --------------------------------------------------------------------------
# reading KEY=VALUE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("drivers.troops.range=[9000,13000]", Override("drivers.troops.range", [9000, 13000])),
        ("drivers.china_brake={constant: 1.0}", Override("drivers.china_brake", {"constant": 1.0})),
        ("correlations[0]=drop", Override("correlations[0]", DROP)),
        ("drivers.troops.label='drop'", Override("drivers.troops.label", "drop")),
        ("title=no", Override("title", "no")),
        ("scenarios.s.when=a and b", Override("scenarios.s.when", "a and b")),
    ],
    ids=["list", "mapping", "drop", "quoted-drop", "yaml-1.2-text", "expression"],
)
def test_key_value_text_is_read_as_yaml(text: str, expected: Override) -> None:
    """VALUE is YAML 1.2 (flow style); the bare word drop removes, 'drop' is text."""
    assert expected == parse_override(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("troops", "--set troops: expected KEY=VALUE, such as drivers.troops.range=[9000,13000]"),
        ("=5", "--set =5: expected KEY=VALUE, such as drivers.troops.range=[9000,13000]"),
        ("drivers.x.range=", "--set drivers.x.range: expected a value after '=' (write drop to remove the key)"),
        (
            "drivers.x.range=[1, 2",
            "--set drivers.x.range:1:6: YAML syntax error: expected ',' or ']', but got '<stream end>'",
        ),
        (
            "drivers[x]=1",
            "--set drivers[x]: expected a key path such as drivers.troops.range or correlations[0] (got 'drivers[x]')",
        ),
        (
            "drivers.x=!!python/name:os.system",
            "--set drivers.x:1:1: YAML tag '!!python/name:os.system' is not "
            "allowed; a scenario file holds plain data only",
        ),
    ],
    ids=["no-equals", "no-key", "no-value", "yaml", "key-path", "tag"],
)
def test_bad_key_value_text_is_one_line(text: str, expected: str) -> None:
    """What --set cannot read is one line naming the option."""
    with pytest.raises((ScenarioError, ScenarioErrors)) as info:
        parse_override(text)
    assert expected == str(info.value)


@pytest.mark.parametrize(
    ("key_path", "parts"),
    [
        ("title", ["title"]),
        ("drivers.troops.normal.sd", ["drivers", "troops", "normal", "sd"]),
        ("correlations[0][2]", ["correlations", 0, 2]),
        ("events.e.requires[1]", ["events", "e", "requires", 1]),
        ("drivers.c.categorical.a b", ["drivers", "c", "categorical", "a b"]),
    ],
)
def test_key_paths(key_path: str, parts: list[str | int]) -> None:
    """Keys separated by dots, indices in brackets, as messages print them."""
    assert parts == parse_key_path(key_path)


_values = st.recursive(
    st.one_of(
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.from_regex(r"[a-z]{1,5}", fullmatch=True), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_values)
@example(value="0\xa0")  # found by CI: a no-break space at the end was trimmed, and '0' read back as 0
@example(value="\xa0")
@example(value=["a\u3000", {"k": "\u2003"}])
def test_an_override_reads_back_from_its_text(value: Any) -> None:
    """str(override), what a manifest records, is KEY=VALUE text that --set reads back as the same override."""
    o = Override("drivers.x.label", value)
    assert o == parse_override(str(o))


# --------------------------------------------------------------------------
# the command line


def run(argv: list[str]) -> tuple[int, str, str]:
    """``outlook ARGV`` in process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_set_changes_the_run() -> None:
    """--set makes the what-if: its scenario hash differs, and so do the numbers it touches."""
    base = run(["run", str(ARCHIVED), "-n", "5000", "--format", "json"])
    what_if = run(["run", str(ARCHIVED), "-n", "5000", "--format", "json", "--set", "drivers.china_brake=1"])
    assert 0 == base[0] == what_if[0]
    assert base[1] != what_if[1]


def test_bad_set_is_exit_2_with_one_line_each() -> None:
    """A --set that cannot be read or applied: exit 2, one line per problem, no traceback."""
    code, out, err = run(
        ["run", str(ARCHIVED), "--set", "drivers.troops.range=[13000,9000]", "--set", "drivers.troop.label=x"]
    )
    assert (2, "") == (code, out)
    assert [
        "override drivers.troop.label: unknown key path: drivers has no 'troop'. Did you mean 'drivers.troops.label'?",
        "override drivers.troops.range: low 13000 > high 9000 (got [13000, 9000]). Did you mean [9000, 13000]?",
    ] == err.splitlines()


def test_check_takes_set() -> None:
    """outlook check --set validates the what-if without running it.

    The bundled file cites a source dated after its as_of (the review's F1), which outlook check
    refuses until the file is revised; as_of moved to that source's date passes the cut-off check.
    """
    cut_off = ["--set", "as_of=2024-11-15"]
    code, out, _ = run(["check", "nk-troops-russia", *cut_off, "--set", "drivers.china_brake={constant: 1.0}"])
    assert 0 == code
    assert out.startswith("nk-troops-russia: ok with 2 overrides (")
    assert 2 == run(["check", "nk-troops-russia", *cut_off, "--set", "correlations[0][2]=2"])[0]


def test_report_takes_set(tmp_path: Path) -> None:
    """outlook report --set writes the what-if's report."""
    path = tmp_path / "r.md"
    code, _, err = run(["report", str(ARCHIVED), "-o", str(path), "-n", "2000", "--no-figures", "-q",
                        "--set", "title=What if"])  # fmt: skip
    assert (0, "") == (code, err)
    assert "What if" in path.read_text(encoding="utf-8")


def _feeds_nothing(s: Scenario) -> str:
    """A driver with a range that reaches no event and no scenario rule, and is correlated with nothing."""
    feeds = {d.id: set(d.expr.names) for d in s.derived}
    reads = {n for e in s.events for x in (e.rate, *(x for _, x in e.by)) if x is not None for n in x.names}
    reads |= {n for r in s.rules if r.when is not None for n in r.when.names}
    reached = set(reads)
    for d in reversed(s.derived):  # held in dependency order: users after what they use
        if d.id in reached:
            reached |= feeds[d.id]
    correlated = {n for c in s.correlations for n in (c.a, c.b)}
    return next(d.id for d in s.drivers if d.id not in reached | correlated and isinstance(d.stated, RangeForm))


def test_a_driver_that_feeds_nothing_changes_no_scenario_or_event_table(nk: Scenario) -> None:
    """The issue's acceptance: --set on a driver that feeds nothing gives the same scenario and event tables, byte for byte."""
    name = _feeds_nothing(nk)
    lo, hi = nk.driver(name).stated.low, nk.driver(name).stated.high  # type: ignore[union-attr]
    for table in ("scenarios", "events"):
        argv = ["run", str(ARCHIVED), "-n", "20000", "--seed", "7", "--format", "csv", "--table", table]
        base = run(argv)
        what_if = run([*argv, "--set", f"drivers.{name}.range=[{lo / 2}, {hi * 2}]"])
        assert (0, 0) == (base[0], what_if[0])
        assert base[1] == what_if[1]


def test_tiny_scenario_takes_overrides() -> None:
    """A tiny scenario from outlook.testing is a scenario like any other."""
    s = tiny_scenario(drivers={"k": 5}, events={"e": {"rate": "k / 100"}})
    assert ConstantForm(8.0) == s.with_overrides({"drivers.k": 8}).driver("k").stated


def _nested(depth: int) -> object:
    x: object = 1
    for _ in range(depth):
        x = [x]
    return x


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"drivers.troops.range": _nested(10_000)},
            "override drivers.troops.range: the value is nested too deeply (more than 64 levels)",
        ),
        (
            {"title": b"bytes"},
            "override title: a value must be text, a number, a yes/no, a date, a list or a mapping (got bytes)",
        ),
        (
            {"title": object()},
            "override title: a value must be text, a number, a yes/no, a date, a list or a mapping (got object)",
        ),
        (
            {"as_of": __import__("datetime").datetime(2024, 1, 1, 23, 59)},
            "override as_of: expected a date, not a date and time (got 2024-01-01T23:59:00)",
        ),
        ({"": 1}, "override '': expected a key path such as drivers.troops.range or correlations[0] (got '')"),
    ],
    ids=["deep", "bytes", "object", "datetime", "empty-path"],
)
def test_python_values_a_file_could_not_state_are_refused(
    nk: Scenario, override: dict[str, object], message: str
) -> None:
    """Not a RecursionError, a silent repr of bytes, a datetime losing its time, or a YAML writer's error."""
    with pytest.raises(ScenarioErrors) as info:
        nk.with_overrides(override)
    assert [str(e) for e in info.value.errors] == [message]


def test_applying_overrides_leaves_the_original_nodes_untouched() -> None:
    """Overrides copy only the nodes on their key paths: the tree they were applied to reads the same after,
    for a set, a drop of a list item, a drop of an entry and a whole driver, applied in turn."""
    import copy as copy_module

    from outlook.scenario.overrides import apply_overrides
    from outlook.scenario.reading import compose

    path = find_scenario("nk-troops-russia")
    root = compose(path.read_text(encoding="utf-8"), str(path))
    before = copy_module.deepcopy(root)
    overrides = (
        Override("drivers.troops.pert.max", 13000),
        Override("correlations[0]", DROP),
        Override("drivers.china_brake", {"constant": 1.0}),
        Override("events.ceasefire.rate", "ceasefire_rate * 2"),
        Override("events.tech_transfer.sources", DROP),
    )
    tree, errors = apply_overrides(root, overrides, str(path))
    assert errors == []
    assert root == before  # every node, position and key, as read
    assert tree != root
    changed = tree.to_plain()
    assert changed["drivers"]["troops"]["pert"]["max"] == 13000
    assert changed["correlations"] == before.to_plain()["correlations"][1:]
    assert "sources" not in changed["events"]["tech_transfer"]
    assert tree.value["events"].value["nk_pows"] is root.value["events"].value["nk_pows"]  # off the paths: shared
