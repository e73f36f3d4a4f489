"""The ``assumptions:`` block (format 1.1): read, kept in the scenario, and every ``if_false`` checked at load time."""

from __future__ import annotations

import pytest

from outlook import Scenario, ScenarioErrors
from outlook.analysis.assumptions import failures
from outlook.scenario import DROP

HEAD = "outlook: 1.1\nid: tiny\ntitle: Tiny\nquestion: Does it happen?\nas_of: 2024-01-01\n"
BODY = """\
horizons: {soon: {until: 1y}}
drivers:
  r: {range: [0.1, 0.3], shape: uniform}
  brake: {range: [0.2, 0.6], shape: uniform}
  idle: 3
  tech: {range: [0.2, 0.6], shape: uniform}
correlations:
  - [r, tech, 0.3]
events:
  it: {rate: r * brake * tech}
scenarios:
  happens: it
  rest: otherwise
"""
BLOCK = """\
assumptions:
  restrains:
    statement: The brake holds.
    rating: unsupported
    basis: one remark
    if_false: {drivers.brake: {constant: 1.0}}
  independent:
    statement: The rate and the brake move together.
    rating: caveated
    if_false:
      correlations[0]: drop
    combine: [restrains]
  quiet:
    statement: Nobody lies.
    rating: solid
    indicators: [denial]
indicators:
  denial: {label: A denial, observable: it}
"""


def errors(text: str) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    return str(info.value).splitlines()


def test_the_block_is_read_and_kept() -> None:
    s = Scenario.from_yaml(HEAD + BODY + BLOCK)
    assert [a.id for a in s.assumptions] == ["restrains", "independent", "quiet"]
    restrains, independent, quiet = s.assumptions
    assert (restrains.rating, restrains.basis, restrains.tested) == ("unsupported", "one remark", True)
    assert [(o.key_path, o.value) for o in restrains.if_false] == [("drivers.brake", {"constant": 1.0})]
    assert independent.if_false[0].value is DROP
    assert independent.combine == ("restrains",)
    assert (quiet.tested, quiet.indicators) == (False, ("denial",))


def test_the_block_round_trips_and_survives_a_what_if() -> None:
    s = Scenario.from_yaml(HEAD + BODY + BLOCK)
    again = Scenario.from_dict(s.to_dict())
    assert again == s
    assert again.hash == s.hash
    assert Scenario.from_yaml(again.to_yaml()).assumptions == s.assumptions
    assert s.with_overrides({"drivers.idle": 4}).assumptions == s.assumptions


def test_a_file_without_the_block_states_as_before() -> None:
    s = Scenario.from_yaml(HEAD + BODY)
    assert s.assumptions == ()
    assert "assumptions" not in s.to_dict()


def test_the_block_needs_format_1_1() -> None:
    text = HEAD.replace("outlook: 1.1", "outlook: 1") + BODY + BLOCK.split("indicators:\n")[0]
    assert errors(text) == [
        "s.yaml:19:1: assumptions: the 'assumptions' block is new in format 1.1: "
        "write 'outlook: 1.1' at the top of the file"
    ]


def test_an_override_naming_an_unknown_id_names_the_assumption() -> None:
    text = HEAD + BODY + BLOCK.replace("drivers.brake:", "drivers.brak:")
    assert errors(text) == [
        "s.yaml:24:16: assumptions.restrains.if_false.drivers.brak: assumption 'restrains': "
        "unknown driver 'brak'. Did you mean 'drivers.brake'?"
    ]


def test_an_invalid_if_false_value_names_the_assumption() -> None:
    text = HEAD + BODY + BLOCK.replace("{constant: 1.0}", "{normal: {mean: 1, sd: 0}}")
    assert errors(text) == [
        "s.yaml:24:16: assumptions.restrains.if_false.drivers.brake: assumption 'restrains': "
        "drivers.brake.normal: sd must be positive (got 0)"
    ]


def test_an_unknown_path_inside_an_id_names_the_assumption() -> None:
    text = HEAD + BODY + BLOCK.replace("correlations[0]: drop", "correlations[3]: drop")
    assert errors(text) == [
        "s.yaml:29:7: assumptions.independent.if_false.correlations[3]: assumption 'independent': "
        "nothing to drop: correlations has 1 items"
    ]


def test_ratings_and_combine_are_checked() -> None:
    text = HEAD + BODY + BLOCK.replace("rating: solid", "rating: solidd").replace("[restrains]", "[restrain]")
    assert errors(text) == [
        "s.yaml:30:14: assumptions.independent.combine: unknown assumption 'restrain'. Did you mean 'restrains'?",
        "s.yaml:33:13: assumptions.quiet.rating: expected solid, caveated or unsupported (got 'solidd'). "
        "Did you mean 'solid'?",
    ]


def test_statement_and_rating_are_required() -> None:
    text = HEAD + BODY + "assumptions:\n  a: {basis: none}\n"
    assert errors(text) == [
        "s.yaml:20:6: assumptions.a: missing required key 'statement'",
        "s.yaml:20:6: assumptions.a: missing required key 'rating'",
    ]


def test_a_combine_whose_members_disagree_on_a_key_is_refused() -> None:
    """Two members setting drivers.brake to different values cannot fail together: which wins would be an accident."""
    text = HEAD + BODY + BLOCK.replace("      correlations[0]: drop\n", "      drivers.brake: {constant: 0.5}\n")
    assert errors(text) == [
        "s.yaml:30:14: assumptions.independent.combine: 'independent' and 'restrains' set drivers.brake to "
        "different values: they cannot fail together"
    ]
    same = HEAD + BODY + BLOCK.replace("      correlations[0]: drop\n", "      drivers.brake: {constant: 1.0}\n")
    assert Scenario.from_yaml(same).assumptions[1].combine == ("restrains",)


def test_a_joint_failure_named_from_both_sides_is_listed_once() -> None:
    """restrains combines [independent] and independent combines [restrains]: one joint failure, where first named."""
    text = HEAD + BODY + BLOCK.replace("    basis: one remark\n", "    basis: one remark\n    combine: [independent]\n")
    ids = [f.id for f in failures(Scenario.from_yaml(text))]
    assert ids == ["restrains", "restrains+independent", "independent", "quiet"]


@pytest.mark.parametrize(
    ("value", "got"),
    [("42", "42"), ("1.5e3", "1500"), ('""', "''"), ("'  '", "'  '")],
    ids=["integer", "float", "empty", "blank"],
)
def test_a_statement_must_be_words(value: str, got: str) -> None:
    """A number or an empty string is not an assumption: YAML reads 42 as a number, and text is never blank."""
    text = HEAD + BODY + f"assumptions:\n  a: {{statement: {value}, rating: solid}}\n"
    assert errors(text) == [
        f"s.yaml:20:18: assumptions.a.statement: expected the assumption stated in words (got {got})"
    ]
