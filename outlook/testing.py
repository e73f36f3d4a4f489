"""Tiny scenarios for tests, docstrings and teaching: say what matters, the rest is filled in.

Owns :func:`tiny_scenario` (a valid :class:`~outlook.Scenario` from just the
drivers, events, rules, ... an example is about), :func:`tiny_data` (the
same as plain data, to change before validating) and :func:`tiny_yaml` (as
a file's text), all with the same fixed header, and :data:`HEADER`, those
five lines, for tests that count lines. Never samples, never prints.

Examples
--------
>>> from outlook.testing import tiny_scenario
>>> s = tiny_scenario(drivers={"r": {"range": [0.1, 0.3], "shape": "lognormal"}}, events={"it": {"rate": "r"}})
>>> s.id, [h.id for h in s.horizons], [r.id for r in s.rules]
('tiny', ['soon'], ['it_happens', 'rest'])
"""

from __future__ import annotations

from typing import Any

from .scenario import Scenario
from .scenario.canonical import to_yaml

__all__ = [
    "HEADER",
    "tiny_data",
    "tiny_scenario",
    "tiny_yaml",
]

#: the first five lines of every tiny scenario's YAML (so a test's own lines start at line 6)
HEADER = "outlook: 1\nid: tiny\ntitle: Tiny\nquestion: Does it happen?\nas_of: 2024-01-01\n"

_HEAD: dict[str, Any] = {
    "outlook": 1,
    "id": "tiny",
    "title": "Tiny",
    "question": "Does it happen?",
    "as_of": "2024-01-01",
}


def tiny_data(
    *,
    drivers: dict[str, Any] | None = None,
    events: dict[str, Any] | None = None,
    rules: dict[str, Any] | None = None,
    derived: dict[str, Any] | None = None,
    horizons: dict[str, Any] | None = None,
    correlations: list[Any] | None = None,
    sources: dict[str, Any] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """A small scenario as plain data (what :meth:`outlook.Scenario.from_dict` takes), not yet validated.

    Parameters
    ----------
    drivers, events, derived, correlations, sources
        The sections, as a scenario file writes them (``{"r": {"range":
        [0.1, 0.3], "shape": "lognormal"}}``); none by default.
    rules
        The ``scenarios`` section; ``rest: otherwise`` is added at the end
        unless the last rule is ``otherwise``. By default one rule per
        event, ``<event>_happens: <event>``, then ``rest``.
    horizons
        By default one: ``soon``, until ``1y``.
    **top
        Other top-level keys, given or replacing the header's (``title``,
        ``as_of``, ``description``, ``correlation_repair``).

    Returns
    -------
    dict
        Header first, then horizons, sources, drivers, correlations,
        derived, events and scenarios.
    """
    data: dict[str, Any] = {**_HEAD, **top}
    data["horizons"] = horizons if horizons is not None else {"soon": {"until": "1y"}}
    if sources:
        data["sources"] = sources
    data["drivers"] = drivers or {}
    if correlations:
        data["correlations"] = correlations
    if derived:
        data["derived"] = derived
    if events:
        data["events"] = events
    scenarios = dict(rules) if rules is not None else {f"{e}_happens": e for e in events or {}}
    last = list(scenarios.values())[-1] if scenarios else None
    if not (last == "otherwise" or (isinstance(last, dict) and last.get("when") == "otherwise")):
        scenarios["rest"] = "otherwise"
    data["scenarios"] = scenarios
    return data


def tiny_scenario(*, path: str = "<tiny>", **sections: Any) -> Scenario:
    """A small valid scenario from just what matters: :func:`tiny_data`'s arguments, validated.

    Raises
    ------
    ScenarioErrors
        If what is given is not valid, as for any scenario (located at
        ``path`` and the key path).

    Examples
    --------
    >>> s = tiny_scenario(drivers={"k": 5}, events={"e": {"rate": "k / 100"}}, rules={"hit": "e"})
    >>> [d.id for d in s.drivers], [r.id for r in s.rules]
    (['k'], ['hit', 'rest'])
    """
    return Scenario.from_dict(tiny_data(**sections), path=path)


def tiny_yaml(**sections: Any) -> str:
    """:func:`tiny_data` as a scenario file's text: :data:`HEADER`, then the sections in block style.

    >>> print(tiny_yaml(events={"e": {"rate": 0.1}}), end="")
    outlook: 1
    id: tiny
    title: Tiny
    question: Does it happen?
    as_of: 2024-01-01
    horizons:
      soon:
        until: 1y
    drivers: {}
    events:
      e:
        rate: 0.1
    scenarios:
      e_happens: e
      rest: otherwise
    """
    data = tiny_data(**sections)
    head = {k: data.pop(k) for k in list(_HEAD)}
    if head != _HEAD:
        return to_yaml({**head, **data})
    return HEADER + to_yaml(data)
