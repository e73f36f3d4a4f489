"""The dependency graph: edges from what the file states, reach, unreached quantities, Mermaid and DOT text."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import scenario_dicts

import outlook
from outlook import cli
from outlook.model.graph import DependencyGraph, Edge, Node, dependency_graph
from outlook.scenario import Scenario, find_scenario, load_scenario

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"


def scenario(**parts: Any) -> Scenario:
    data: dict[str, Any] = {
        "outlook": 1,
        "id": "g",
        "title": "G",
        "question": "What feeds what?",
        "as_of": "2024-01-01",
        "horizons": {"soon": {"until": "1y"}, "later": {"until": "5y"}},
        "sources": {"paper": {"title": "A paper"}},
        "drivers": {
            "a": {"range": [1, 2], "shape": "uniform", "source": {"ref": "paper", "quote": "one to two"}},
            "b": {"range": [1, 2], "shape": "uniform"},
            "c": {"range": [1, 2], "shape": "uniform"},
            "lonely": {"constant": 3},
        },
        "derived": {"ab": "a * b", "idle": "lonely * 2"},
        "events": {
            "first": {"rate": "ab / 10"},
            "second": {"rate": 0.1, "after": {"first": 2.0}},
            "third": {"by": {"soon": "0.1", "later": "c / 4"}, "requires": ["first"]},
        },
        "scenarios": {"both": "first and second", "high_c": "c > 1.5", "neither": "otherwise"},
    }
    data.update(parts)
    return Scenario.from_dict(data)


def test_edges_are_what_the_file_states() -> None:
    g = dependency_graph(scenario())
    assert {(e.source, e.target, e.kind) for e in g.edges} == {
        ("source:paper", "driver:a", "cites"),
        ("driver:a", "derived:ab", "reads"),
        ("driver:b", "derived:ab", "reads"),
        ("driver:lonely", "derived:idle", "reads"),
        ("derived:ab", "event:first", "reads"),
        ("event:first", "event:second", "after"),
        ("driver:c", "event:third", "reads"),
        ("event:first", "event:third", "requires"),
        ("event:first", "scenario:both", "names"),
        ("event:second", "scenario:both", "names"),
        ("driver:c", "scenario:high_c", "reads"),
    }
    assert [n.key for n in g.nodes][:2] == ["source:paper", "driver:a"]
    assert g.inputs("derived:ab") == ("driver:a", "driver:b")
    assert g.outputs("event:first") == ("event:second", "event:third", "scenario:both")


def test_downstream_follows_edges_and_rule_order() -> None:
    g = dependency_graph(scenario())
    # a feeds ab -> first -> second, third and the rule "both"; every later rule follows it
    assert g.downstream("driver:a") == {
        "driver:a",
        "derived:ab",
        "event:first",
        "event:second",
        "event:third",
        "scenario:both",
        "scenario:high_c",
        "scenario:neither",
    }
    # c feeds third and the second rule: the first rule's worlds do not move
    assert g.downstream("driver:c") == {"driver:c", "event:third", "scenario:high_c", "scenario:neither"}
    assert g.downstream("driver:lonely") == {"driver:lonely", "derived:idle"}
    assert g.upstream("event:second") == {"event:first", "derived:ab", "driver:a", "driver:b", "source:paper"}


def test_a_correlated_group_moves_together_unless_asked_not_to() -> None:
    drivers = {
        "a": {"range": [1, 2], "shape": "uniform"},
        "b": {"range": [1, 2], "shape": "uniform"},
        "c": {"range": [1, 2], "shape": "uniform"},
        "lonely": {"range": [1, 2], "shape": "uniform"},
    }
    g = dependency_graph(scenario(drivers=drivers, correlations=[["lonely", "b", 0.5]]))
    assert g.correlated == (("driver:b", "driver:lonely"),)
    assert g.correlation_pairs == (("driver:lonely", "driver:b"),)
    assert "  n4 -.-|correlated| n2\n" in g.to_mermaid()
    assert '  "driver:lonely" -> "driver:b" [dir=none, style=dotted, label="correlated"];\n' in g.to_dot()
    assert "event:first" in g.downstream("driver:lonely")
    assert g.downstream("driver:lonely", correlated=False) == {"driver:lonely", "derived:idle"}
    # a correlation alone changes no probability
    assert [n.key for n in g.unreached()] == ["driver:lonely", "derived:idle"]


def test_unreached_names_quantities_that_change_no_probability() -> None:
    g = dependency_graph(scenario())
    assert [n.key for n in g.unreached()] == ["driver:lonely", "derived:idle"]


def test_the_archived_edition_says_which_sourced_drivers_reach_nothing_and_the_revision_none() -> None:
    """Review F4: the old edition's sourced numbers were decorative; the revision feeds them or moves them to context."""
    g = dependency_graph(load_scenario(ARCHIVED))
    assert [n.key for n in g.unreached()] == [
        "driver:troops",
        "driver:troops_pledged",
        "driver:russian_daily_losses",
        "driver:total_casualties",
        "driver:defence_pact",
        "derived:days_of_losses",
        "derived:weeks_to_depletion",
        "derived:troops_vs_pledge",
        "derived:share_of_casualties",
        "derived:share_of_annual_russian_losses",
    ]
    revised = dependency_graph(load_scenario(find_scenario("nk-troops-russia")))
    assert [] == [n.key for n in revised.unreached()]
    assert {"driver:troops", "driver:russian_daily_losses"} <= revised.upstream({"event:further_deployment"})


def test_unknown_keys_are_key_errors() -> None:
    g = dependency_graph(scenario())
    with pytest.raises(KeyError):
        g.downstream("driver:nope")
    with pytest.raises(KeyError):
        g.inputs("a")  # keys are kind:id


def test_a_graph_that_names_a_missing_node_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="names 'driver:x', which is not a node"):
        DependencyGraph((Node("event", "e", "e"),), (Edge("driver:x", "event:e", "reads"),))
    with pytest.raises(ValueError, match="unknown edge kind 'feeds'"):
        DependencyGraph((Node("event", "e", "e"), Node("event", "f", "f")), (Edge("event:e", "event:f", "feeds"),))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_dicts())
def test_reach_agrees_with_a_slow_reference(data: dict[str, Any]) -> None:
    """downstream(x) without correlations and rule order = the fixpoint of "reads something reached"."""
    s = Scenario.from_dict(data)
    g = dependency_graph(s)
    reads: dict[str, set[str]] = {}
    for q in s.derived:
        reads[f"derived:{q.id}"] = set(q.expr.names)
    for e in s.events:
        names: set[str] = set(e.requires) | {x for x, _ in e.after}
        for x in [e.rate, *(v for _, v in e.by)]:
            if x is not None:
                names |= set(x.names)
        reads[f"event:{e.id}"] = names
    for r in s.rules:
        reads[f"scenario:{r.id}"] = set(r.when.names) if r.when is not None else set()
    for start in [n.key for n in g.nodes if n.kind in ("driver", "derived", "event")]:
        reached = {start}
        grew = True
        while grew:
            grew = False
            for key, names in reads.items():
                if key not in reached and any(k.split(":", 1)[1] in names for k in reached):
                    reached.add(key)
                    grew = True
        expected = set(reached)
        rules = [n.key for n in g.nodes if n.kind == "scenario"]
        hit = [i for i, k in enumerate(rules) if k in expected]
        if hit:
            expected |= set(rules[hit[0] :])
        assert g.downstream(start, correlated=False) == expected


HOSTILE = 'a "quoted" <b>bold</b> #1 `tick` \\ back\nnew line'


def test_mermaid_and_dot_escape_every_label() -> None:
    g = dependency_graph(
        scenario(
            drivers={"a": {"constant": 1, "label": HOSTILE}, "b": {"constant": 1}, "c": {"constant": 1}, "lonely": 1}
        )
    )
    mermaid = g.to_mermaid()
    line = next(x for x in mermaid.splitlines() if "driver: a" in x)
    assert (
        line == '  n1["driver: a #quot;quoted#quot; #lt;b#gt;bold#lt;/b#gt; #35;1 #96;tick#96; \\ back new line (a)"]'
    )
    assert mermaid.startswith("flowchart LR\n")
    assert all(
        re.fullmatch(r"  n\d+ (-->|-->\|\w+\||-\.-\|correlated\|) n\d+", x) for x in mermaid.splitlines() if "--" in x
    )
    dot = g.to_dot()
    assert '"driver:a" [label="driver: a \\"quoted\\" <b>bold</b> #1 `tick` \\\\ back\\nnew line", shape=box];' in dot
    assert dot.startswith("digraph outlook {\n")
    assert dot.endswith("}\n")


def test_the_graph_is_public() -> None:
    assert outlook.dependency_graph is dependency_graph
    assert "DependencyGraph" in outlook.__all__


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_outlook_graph_prints_mermaid_or_dot() -> None:
    code, out, err = run("graph", "nk-troops-russia")
    assert (code, err) == (0, "")
    assert out.startswith("flowchart LR\n")
    assert "-->|after|" in out
    code, out, _ = run("graph", "nk-troops-russia", "--format", "dot")
    assert code == 0
    assert out.startswith("digraph outlook {\n")
    assert re.search(r'^  "driver:china_brake" -> "(derived|event):\w+";$', out, re.MULTILINE)


def test_outlook_check_warns_of_quantities_that_reach_nothing() -> None:
    code, out, err = run("check", str(ARCHIVED), "--set", "as_of=2024-11-15")  # past the cut-off check (F1)
    assert code == 0
    assert out.startswith(f"{ARCHIVED}: ok")
    lines = [line for line in err.splitlines() if "reaches no event or scenario" in line]
    assert len(lines) == 10
    assert re.fullmatch(
        r".*nk-troops-russia-2024-11-01\.yaml:\d+:\d+: warning: drivers\.troops reaches no event or scenario: "
        r"it changes no probability",
        lines[0],
    )


def test_a_bad_scenario_is_one_line_for_graph(tmp_path: Any) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text("outlook: 1\nid: x\n")
    code, out, err = run("graph", str(p))
    assert code == 2
    assert out == ""
    assert err.startswith(f"{p}:")


def test_what_the_graph_calls_unreached_changes_no_probability() -> None:
    """Cross-check with simulation: widening each unreached driver's range moves no scenario or event number.

    Correlated ones included (russian_daily_losses): a driver's own range changes
    its marginal, not the normal scores its group shares (docs/methods.md).
    """
    s = load_scenario(ARCHIVED)
    base = outlook.run_outlook(s, samples=20_000, seed=11)
    drivers = [n.id for n in dependency_graph(s).unreached() if n.kind == "driver"]
    assert "russian_daily_losses" in drivers
    for name in drivers:
        stated = s.driver(name).stated
        if not hasattr(stated, "low"):
            continue  # a constant or categorical driver: nothing to widen
        lo, hi = stated.low, stated.high  # type: ignore[attr-defined]
        what_if = outlook.run_outlook(s, samples=20_000, seed=11, overrides={f"drivers.{name}.range": [lo / 2, hi * 2]})
        assert base.scenarios.equals(what_if.scenarios), name
        assert base.events.equals(what_if.events), name


def test_a_bare_id_is_a_key_error_that_shows_the_key() -> None:
    g = dependency_graph(load_scenario(find_scenario("nk-troops-russia")))
    with pytest.raises(
        KeyError, match=r"no node 'troops' in the dependency graph; keys are 'kind:id', e\.g\. 'driver:troops'"
    ):
        g.downstream("troops")


def test_graph_text_carries_no_bidi_or_control_character() -> None:
    """A label with RLO ... PDF (balanced, so kept in a terminal) or ESC is inert in Mermaid and DOT text."""
    label = "abc\u202edef\u202c \x1b]0;x\x07"
    g = dependency_graph(
        scenario(
            drivers={"a": {"constant": 1, "label": label}, "b": {"constant": 1}, "c": {"constant": 1}, "lonely": 1}
        )
    )
    for text, shown in ((g.to_mermaid(), "abcdef \\x1b]0;x\\x07"), (g.to_dot(), "abcdef \\\\x1b]0;x\\\\x07")):
        assert not any(ch in text for ch in "\u202e\u202c\x1b\x07")
        assert shown in text  # DOT doubles the escape's backslash


def test_outlook_check_says_how_a_correlated_idle_driver_is_credited(tmp_path: Any) -> None:
    """A driver that feeds nothing but is correlated with one that does: the tornado swings it, and the
    warning says why (through the correlation) and what still holds (its range changes no probability)."""
    p = tmp_path / "c.yaml"
    p.write_text(
        "outlook: 1\nid: c\ntitle: C\nquestion: Q?\nas_of: 2024-01-01\nhorizons: {h: {until: 1y}}\n"
        "drivers:\n  r: {range: [0.1, 0.5], shape: lognormal}\n  lonely: {range: [1, 2], shape: uniform}\n"
        "  idle: {range: [1, 2], shape: uniform}\n  other: {range: [1, 2], shape: uniform}\n"
        "correlations: [[lonely, r, 0.6], [idle, other, 0.5]]\nevents: {e: {rate: r}}\n"
        "scenarios: {hap: e, rest: otherwise}\n"
    )
    code, _, err = run("check", str(p))
    assert code == 0
    assert err.splitlines() == [
        f"{p}:9:11: warning: drivers.lonely reaches no event or scenario: it is correlated with r: the tornado "
        "and the indices credit it through that correlation, but changing its range changes no probability",
        f"{p}:10:9: warning: drivers.idle reaches no event or scenario: it changes no probability",  # partner idle
        f"{p}:11:10: warning: drivers.other reaches no event or scenario: it changes no probability",
    ]
