"""Reading a large scenario is linear: the dependency sort is iterative, suggestions compare a bounded number of names."""

from __future__ import annotations

import difflib

import pytest

from outlook import Scenario, ScenarioErrors
from outlook.errors import MAX_SUGGESTION_CANDIDATES, did_you_mean
from outlook.testing import HEADER

#: after HEADER (lines 1-5): a horizon and the closing rule; the test's lines start at line 8
REST = "horizons: {a: {until: 1y}}\nscenarios: {rest: otherwise}\n"


def errors(text: str) -> list[str]:
    """The lines of the ScenarioErrors that loading ``text`` as s.yaml raises."""
    with pytest.raises(ScenarioErrors) as info:
        Scenario.from_yaml(text, path="s.yaml")
    return str(info.value).splitlines()


def test_a_long_reverse_chain_is_sorted_without_recursion() -> None:
    """Each quantity using the next, 5,000 deep: sorted iteratively (this was a RecursionError), users last."""
    n = 5000
    body = "".join(f"  d{i}: d{i + 1} + 1\n" for i in range(n - 1)) + f"  d{n - 1}: x\n"
    s = Scenario.from_yaml(HEADER + REST + "drivers: {x: 1}\nderived:\n" + body)
    assert [f"d{i}" for i in reversed(range(n))] == [d.id for d in s.derived]


def test_a_cycle_is_still_reported_once_at_its_first_name() -> None:
    """The iterative sort reports a cycle as the recursive one did."""
    assert ["s.yaml:9:14: derived.a: derived quantities refer to each other in a cycle: a -> b -> c -> a"] == errors(
        HEADER + REST + "drivers: {x: 1}\nderived: {a: b + x, b: c, c: a}\n"
    )


def test_did_you_mean_compares_a_bounded_number_of_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Among 20,000 names, at most MAX_SUGGESTION_CANDIDATES, of a length that could match, are compared."""
    seen: list[int] = []
    real = difflib.get_close_matches

    def counting(word: str, possibilities: list[str], n: int, cutoff: float) -> list[str]:
        seen.append(len(possibilities))
        return real(word, possibilities, n, cutoff)

    monkeypatch.setattr(difflib, "get_close_matches", counting)
    names = [f"d{i}" for i in range(20000)] + ["a_much_longer_name_than_the_others"]
    assert " Did you mean 'd1'?" == did_you_mean("d1o", names)
    assert " Did you mean 'a_much_longer_name_than_the_others'?" == did_you_mean(
        "a_much_longer_name_than_the_othrs", names
    )
    assert [MAX_SUGGESTION_CANDIDATES, 1] == seen
