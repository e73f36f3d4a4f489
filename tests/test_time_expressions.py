"""Time in expressions (format 1.1): ``time()``, ``happened(e, by=X)``, ``date()``, ``years()``, ``t``; dates in ``until:`` and ``by:``.

Probabilities are checked against closed forms (constant hazards) or a
numerical integral of the exact densities, within five binomial standard
errors; every new error has its exact text.
"""

from __future__ import annotations

import datetime as dt
import math
import pickle

import numpy as np
import pytest

from outlook import Scenario, ScenarioErrors, simulate
from outlook.scenario.durations import end_date, parse_date, point_in_time, years_to
from outlook.testing import HEADER

N = 200_000
V11 = HEADER.replace("outlook: 1\n", "outlook: 1.1\n")  # as_of: 2024-01-01


def load(text: str, header: str = V11) -> Scenario:
    return Scenario.from_yaml(header + text, path="s.yaml")


def errors(text: str, header: str = V11) -> list[str]:
    with pytest.raises(ScenarioErrors) as info:
        load(text, header)
    return str(info.value).splitlines()


def p_scenario(s: Scenario, rule: str, horizon: str, samples: int = N) -> float:
    run = simulate(s, samples=samples, seed=7)
    ri = [r.id for r in s.rules].index(rule)
    hi = [h.id for h in s.horizons].index(horizon)
    return float(run.counts.scenarios[hi, ri]) / run.samples


def close(p: float, expected: float, n: int = N) -> bool:
    """Within five binomial standard errors (and a floor for p near 0 or 1)."""
    return abs(p - expected) <= 5 * math.sqrt(max(expected * (1 - expected), 1e-4) / n)


HORIZONS = "horizons: {y1: {until: 1y}, y2: {until: 2y}, y3: {until: 3y}}\n"


def test_first_happened_in_the_second_year() -> None:
    """Constant hazard r: P(first in year 2) = e^-r - e^-2r by y2 and y3; 0 by y1 (y2 is later: by y1's end)."""
    r = 0.4
    s = load(
        HORIZONS + "drivers: {}\n"
        f"events: {{e: {{rate: {r}}}}}\n"
        "scenarios: {second: 'happened(e, by=y2) and not happened(e, by=y1)', rest: otherwise}\n"
    )
    expected = math.exp(-r) - math.exp(-2 * r)
    assert 0.0 == p_scenario(s, "second", "y1")
    assert close(p_scenario(s, "second", "y2"), expected)
    assert close(p_scenario(s, "second", "y3"), expected)


def test_one_event_before_another() -> None:
    """Independent constant hazards a, b: P(time(a) < time(b) by T) = a/(a+b) (1 - e^-(a+b)T).

    Past the horizon a time is inf, so a world where neither happened by T
    is not counted, and one where only ``a`` did is.
    """
    ra, rb = 0.3, 0.5
    s = load(
        HORIZONS + "drivers: {}\n"
        f"events: {{spread: {{rate: {ra}}}, vaccine: {{rate: {rb}}}}}\n"
        "scenarios: {first: 'time(spread) < time(vaccine)', rest: otherwise}\n"
    )
    for h, T in (("y1", 1.0), ("y3", 3.0)):
        expected = ra / (ra + rb) * (1 - math.exp(-(ra + rb) * T))
        assert close(p_scenario(s, "first", h), expected), h


def test_within_90_days_of_another_event() -> None:
    """Combat needs a deployment first, then a constant hazard b: P(within w of it, by T) by numerical integration.

    P = integral over s in [0, T] of a e^(-a s) (1 - e^(-b min(w, T - s))) ds
    (the deployment at s, then combat within w and by T).
    """
    from scipy.integrate import quad

    a, b, w = 0.8, 2.0, 90 / 365.25
    s = load(
        HORIZONS + "drivers: {}\n"
        f"events: {{deployment: {{rate: {a}}}, combat: {{rate: {b}, requires: [deployment]}}}}\n"
        "scenarios:\n"
        "  quick: \"time(deployment) <= time(combat) < time(deployment) + years('90d')\"\n"
        "  rest: otherwise\n"
    )
    for h, T in (("y1", 1.0), ("y2", 2.0)):
        expected = quad(lambda x: a * math.exp(-a * x) * (1 - math.exp(-b * min(w, T - x))), 0, T, points=[T - w])[0]
        assert close(p_scenario(s, "quick", h), expected), h


def test_t_and_date_in_a_rule() -> None:
    """``t`` is the end of the horizon evaluated; ``date()`` is years from as_of; ``happened(e, by='6mo')`` a duration."""
    r = 0.7
    s = load(
        HORIZONS + "drivers: {}\n"
        f"events: {{e: {{rate: {r}}}}}\n"
        "scenarios:\n"
        "  early: \"happened(e, by='6mo')\"\n"
        "  late_horizon: \"t > date('2025-06-01')\"\n"
        "  rest: otherwise\n"
    )
    p_early = 1 - math.exp(-r * 0.5)
    assert close(p_scenario(s, "early", "y3"), p_early)
    assert 0.0 == p_scenario(s, "late_horizon", "y1")  # t = 1 < date = 517 days
    assert close(p_scenario(s, "late_horizon", "y2"), 1 - p_early)


def test_by_a_duration_and_a_date() -> None:
    """``by:`` at a duration and at a date: the cumulative probability there, then a constant hazard on."""
    s = load(
        "horizons: {q: {until: 3mo}, half: {until: 2024-07-01}, y1: {until: 1y}}\n"
        "drivers: {}\n"
        "events: {e: {by: {2024-07-01: 0.5, 3mo: 0.2}}}\n"
        "scenarios: {hit: e, rest: otherwise}\n"
    )
    assert ("3mo", "2024-07-01") == tuple(k for k, _ in s.event("e").by)  # held in time order
    half = years_to(dt.date(2024, 1, 1), dt.date(2024, 7, 1))
    rate2 = (math.log(0.8) - math.log(0.5)) / (half - 0.25)  # hazard between the two points, and on from there
    expected = {"q": 0.2, "half": 0.5, "y1": 1 - 0.5 * math.exp(-rate2 * (1 - half))}
    for h, p in expected.items():
        assert close(p_scenario(s, "hit", h), p), h


def test_until_a_date() -> None:
    """``until:`` a date: days from as_of over 365.25, and the date a report shows is that date."""
    s = load("horizons: {a: {until: 2025-01-01}, b: {until: 2026-07-15}}\ndrivers: {}\nscenarios: {rest: otherwise}\n")
    assert [366 / 365.25, 926 / 365.25] == [h.until for h in s.horizons]
    assert [dt.date(2025, 1, 1), dt.date(2026, 7, 15)] == [end_date(s.as_of, h.until) for h in s.horizons]
    assert "2025-01-01" == s.horizon("a").text


def test_durations_and_dates() -> None:
    assert 0.0 == point_in_time("2024-01-01", dt.date(2024, 1, 1))
    assert 1.5 == point_in_time("18mo", dt.date(2024, 1, 1))
    assert dt.date(2024, 2, 29) == parse_date("2024-02-29")
    with pytest.raises(ValueError, match=r"^not a date: day is out of range for month$"):
        parse_date("2023-02-29")


def test_chunks_and_pickling_change_nothing() -> None:
    """A rule with time() pickles (its timing travels) and gives the same counts for any chunk size."""
    s = load(
        HORIZONS + "drivers: {}\nevents: {a: {rate: 0.3}, b: {rate: 0.5}}\n"
        "scenarios: {first: 'time(a) < time(b) and happened(b, by=y1)', rest: otherwise}\n"
    )
    when = s.rules[0].when
    assert when is not None
    again = pickle.loads(pickle.dumps(when))
    env = {"time(a)": np.array([0.5, np.inf]), "time(b)": np.array([0.7, 0.2]), "@t": 1.0}
    assert [1.0, 0.0] == again.evaluate(env, 2).tolist() == when.evaluate(env, 2).tolist()
    runs = [simulate(s, samples=20_000, seed=3, chunk_size=c) for c in (2048, 20_000)]
    assert np.array_equal(runs[0].counts.scenarios, runs[1].counts.scenarios)


def test_format_1_loads_as_before_and_refuses_the_new_constructs() -> None:
    """Each construct of format 1.1 in a file that says ``outlook: 1`` is one located line."""
    rest = "drivers: {}\nevents: {e: {rate: 0.1}}\n"
    cases = {
        "horizons: {a: {until: 2025-01-01}}\n" + rest + "scenarios: {rest: otherwise}\n": (
            "s.yaml:6:23: horizons.a.until: a date in until: is new in format 1.1: "
            "write 'outlook: 1.1' at the top of the file"
        ),
        "horizons: {a: {until: 1y}}\ndrivers: {}\nevents: {e: {by: {3mo: 0.1}}}\nscenarios: {rest: otherwise}\n": (
            "s.yaml:8:19: events.e.by.3mo: a duration or a date as a by: key is new in format 1.1: "
            "write 'outlook: 1.1' at the top of the file"
        ),
        "horizons: {a: {until: 1y}}\n" + rest + "scenarios: {x: 'e and time(e) < 1', rest: otherwise}\n": (
            "s.yaml:9:23: scenarios.x: time() is new in format 1.1: write 'outlook: 1.1' at the top of the file"
        ),
        "horizons: {a: {until: 1y}}\n" + rest + "scenarios: {x: 'happened(e, by=a)', rest: otherwise}\n": (
            "s.yaml:9:17: scenarios.x: happened() is new in format 1.1: write 'outlook: 1.1' at the top of the file"
        ),
        "horizons: {a: {until: 1y}}\n" + rest + "scenarios: {x: \"t > years('6mo')\", rest: otherwise}\n": (
            "s.yaml:9:17: scenarios.x: 't' (the end of the horizon) is new in format 1.1: "
            "write 'outlook: 1.1' at the top of the file"
        ),
        "horizons: {a: {until: 1y}}\ndrivers: {x: 1}\nderived: {d: \"x + date('2024-02-01')\"}\n"
        "scenarios: {rest: otherwise}\n": (
            "s.yaml:8:19: derived.d: date() is new in format 1.1: write 'outlook: 1.1' at the top of the file"
        ),
    }
    for text, expected in cases.items():
        assert [expected] == errors(text, HEADER), text
    s = load("horizons: {a: {until: 1y}}\n" + rest + "scenarios: {x: e, rest: otherwise}\n", HEADER)
    assert 1 == s.version


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("horizons: {a: {until: 2023-06-01}}\ndrivers: {}\nscenarios: {rest: otherwise}\n",
         "s.yaml:6:23: horizons.a.until: date 2023-06-01 is before as_of (2024-01-01) (got '2023-06-01')"),
        ("horizons: {a: {until: 2024-01-01}}\ndrivers: {}\nscenarios: {rest: otherwise}\n",
         "s.yaml:6:23: horizons.a.until: a horizon must end after as_of (got '2024-01-01')"),
        ("horizons: {a: {until: 2025-06-01}, b: {until: 1y}}\ndrivers: {}\nscenarios: {rest: otherwise}\n",
         "s.yaml:6:47: horizons.b.until: horizons must be in increasing order: 1y is not after a (2025-06-01)"),
        ("horizons: {a: {until: 1y}}\ndrivers: {}\nevents: {e: {by: {2023-01-01: 0.1}}}\nscenarios: {rest: otherwise}\n",
         "s.yaml:8:19: events.e.by.2023-01-01: date 2023-01-01 is before as_of (2024-01-01)"),
        ("horizons: {a: {until: 1y}}\ndrivers: {}\nevents: {e: {by: {12mo: 0.1, a: 0.2}}}\nscenarios: {rest: otherwise}\n",
         "s.yaml:8:30: events.e.by.a: 'a' is the same time as '12mo'"),
        ("horizons: {a: {until: 1y}}\ndrivers: {}\nevents: {e: {by: {6mo: 0.3, a: 0.2}}}\nscenarios: {rest: otherwise}\n",
         "s.yaml:8:32: events.e.by.a: cumulative probability falls from 0.3 by 6mo to 0.2 by a; it cannot decrease over time"),
        ("horizons: {a: {until: 1y}}\ndrivers: {}\nevents: {e: {rate: 0.1}}\n"
         "scenarios: {x: \"date('2023-12-31') < t\", rest: otherwise}\n",
         "s.yaml:9:22: scenarios.x: date 2023-12-31 is before as_of (2024-01-01)"),
        ("horizons: {a: {until: 1y}}\ndrivers: {}\nevents: {e: {rate: 0.1}}\n"
         "scenarios: {x: 'happened(e, by=b)', rest: otherwise}\n",
         "s.yaml:9:32: scenarios.x: unknown horizon 'b'"),
        ("horizons: {a: {until: 1y}}\ndrivers: {}\nevents: {e: {rate: 0.1}}\n"
         "scenarios: {x: \"happened(e, by='soon')\", rest: otherwise}\n",
         "s.yaml:9:32: scenarios.x: expected a duration such as 6mo or a date such as 2025-05-01 (got 'soon')"),
        ("horizons: {a: {until: 1y}}\ndrivers: {k: 1}\nevents: {e: {rate: 0.1}}\n"
         "scenarios: {x: 'time(k) > 0', rest: otherwise}\n",
         "s.yaml:9:22: scenarios.x: time() takes an event name; 'k' is not an event"),
        ("horizons: {a: {until: 1y}}\ndrivers: {}\nevents: {e: {rate: 0.1}}\n"
         "scenarios: {x: 'happened(e, when=a)', rest: otherwise}\n",
         "s.yaml:9:29: scenarios.x: happened() takes only the keyword by= (got 'when=')"),
        ("horizons: {a: {until: 1y}}\ndrivers: {}\nevents: {e: {rate: 0.1}}\n"
         "scenarios: {x: 'years(6) > 1', rest: otherwise}\n",
         "s.yaml:9:23: scenarios.x: years() takes a duration written as text, such as years('6mo') (got '6')"),
        ("horizons: {a: {until: 1y}}\ndrivers: {}\nevents: {e: {rate: 0.1}, f: {rate: 't / 10'}}\n"
         "scenarios: {rest: otherwise}\n",
         "s.yaml:8:37: events.f.rate: 't', the end of the horizon, can be read only in derived quantities and scenario rules"),
        ("horizons: {a: {until: 1y}}\ndrivers: {}\nevents: {e: {rate: 0.1}}\nderived: {d: 'time(e)'}\n"
         "scenarios: {rest: otherwise}\n",
         "s.yaml:9:20: derived.d: 'e' is an event; events can appear only in scenario rules"),
        ("horizons: {a: {until: 1y}}\ndrivers: {}\nevents: {e: {rate: 0.1}}\n"
         "scenarios: {x: \"e == '6mo'\", rest: otherwise}\n",
         "s.yaml:9:22: scenarios.x: a string may only be compared with a categorical driver (got '6mo')"),
    ],
    ids=["until-before-as_of", "until-as_of", "until-order", "by-before-as_of", "by-same-time", "by-falls",
         "date-before-as_of", "by-unknown-horizon", "by-bad-text", "time-of-driver", "bad-keyword",
         "years-number", "t-in-rate", "time-in-derived", "string-elsewhere"],
)  # fmt: skip
def test_errors(text: str, expected: str) -> None:
    assert [expected] == errors(text)


def test_a_declared_t_is_the_declared_name() -> None:
    """A file that names a driver ``t`` keeps it: the name shadows the horizon's end (format 1 files load as before)."""
    s = load(
        "horizons: {a: {until: 1y}}\ndrivers: {t: 5}\nscenarios: {x: 't > 4', rest: otherwise}\n",
        HEADER,
    )
    assert 1.0 == p_scenario(s, "x", "a", samples=1000)


GROWTH = (
    "horizons: {y1: {until: 1y}, y5: {until: 5y}}\n"
    "drivers: {g: {range: [0.05, 0.15], shape: uniform}, u0: 1000}\n"
    "derived:\n"
    "  users: u0 * (1 + g) ** t\n"
    "  big: users > 1500\n"
    "  twice_g: 2 * g\n"
    "events: {e: {rate: 0.2}}\n"
    "scenarios: {boom: big and not e, rest: otherwise}\n"
)


def test_a_derived_quantity_of_t_is_per_horizon() -> None:
    """``t`` is each horizon's end: a value per horizon in the worlds, the tables and the rules that read it.

    ``users = u0 (1 + g)^t`` is exact per world; ``big`` reads it, so it is per
    horizon too; ``twice_g`` is not. With g uniform over [0.05, 0.15] as a 90%
    range (so over 0.05 -/+ 0.1/0.9 * 0.05 around 0.1), P(big at 5y) =
    P(g > 1.5^(1/5) - 1), and the rule ``big and not e`` has that times e^-1.
    """
    import outlook

    s = load(GROWTH)
    w = outlook.sample_worlds(s, samples=2000, seed=1)
    assert ["g", "u0", "users@y1", "users@y5", "big@y1", "big@y5", "twice_g", "time_e"] == list(w.columns[:8])
    assert np.allclose(w["users@y5"], 1000 * (1 + w["g"]) ** 5, rtol=1e-12)
    assert np.allclose(w["users@y1"], 1000 * (1 + w["g"]), rtol=1e-12)
    t = outlook.summarise_worlds(s, w)
    assert ["name", "horizon", "unit", "kind", "mean"] == list(t.derived.columns[:5])
    assert [("users", "y1"), ("users", "y5"), ("big", "y1"), ("big", "y5"), ("twice_g", "")] == list(
        zip(t.derived["name"], t.derived["horizon"])
    )
    lo, hi = 0.1 - 0.05 / 0.9, 0.1 + 0.05 / 0.9
    p_big = (hi - (1.5**0.2 - 1)) / (hi - lo)
    assert 0.0 == p_scenario(s, "boom", "y1")
    assert close(p_scenario(s, "boom", "y5"), p_big * math.exp(-1.0))


def test_without_t_the_derived_table_keeps_its_columns() -> None:
    """The ``horizon`` column appears only where a quantity reads ``t``: other tables do not move."""
    import outlook

    s = load(GROWTH.replace("u0 * (1 + g) ** t", "u0 * (1 + g) ** 5"))
    t = outlook.run_outlook(s, samples=2000, seed=1)
    assert ["name", "unit", "kind", "mean", "sd", "min", "p5", "p25", "p50", "p75", "p95", "max"] == list(
        t.derived.columns
    )


def test_per_horizon_worlds_are_the_same_for_any_chunk_and_in_a_what_if() -> None:
    """Chunking changes nothing, and an incremental what-if gives the worlds a full draw gives."""
    from outlook.model import compile_model
    from outlook.model.incremental import recompute_worlds
    from outlook.model.worlds import draw_worlds

    s = load(GROWTH)
    a = simulate(s, samples=10_000, seed=2, chunk_size=2048)
    b = simulate(s, samples=10_000, seed=2, chunk_size=10_000)
    assert np.array_equal(a.counts.scenarios, b.counts.scenarios)
    assert a.stats["users@y5"].mean == b.stats["users@y5"].mean
    base, what_if = compile_model(s), compile_model(s.with_overrides({"drivers.u0": 2000}))
    block = draw_worlds(base, 2, 0, 4096, total=4096)
    new = recompute_worlds(base, block, what_if, seed=2, total=4096)
    full = draw_worlds(what_if, 2, 0, 4096, total=4096)
    for k, v in full.values.items():
        assert np.array_equal(v, new.values[k]), k
    assert np.array_equal(full.labels, new.labels)


def test_a_hazard_cannot_read_a_quantity_of_t() -> None:
    assert [
        "s.yaml:12:36: events.f.rate: 'users' reads t, the end of the horizon, so it has a value per horizon; "
        "a hazard cannot read it"
    ] == errors(GROWTH.replace("events: {e: {rate: 0.2}}\n", "events: {e: {rate: 0.2}, f: {rate: users / 1e4}}\n"))


def test_a_quantity_of_t_that_is_not_finite_names_the_horizon() -> None:
    from outlook import SimulationError

    s = load(GROWTH.replace("u0 * (1 + g) ** t", "u0 / (t - 5)"))
    with pytest.raises(
        SimulationError, match=r"^s\.yaml:\d+:\d+: derived\.users: infinite in 10 of 10 worlds at horizon y5 "
    ):
        simulate(s, samples=10)


def test_the_documented_example_loads_and_runs() -> None:
    """The example in docs/scenario-format.md's "Time in expressions" is a valid file, and what it says of y1 holds."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    section = doc.split("## Time in expressions (format 1.1)", 1)[1]
    text = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert text is not None
    s = Scenario.from_yaml(text.group(1), path="doc.yaml")
    assert 0.0 == p_scenario(s, "second_year", "y1", samples=5000)
    assert ["users@y1", "users@y2"] == [c for c in simulate(s, samples=100).stats if c.startswith("users@")]
