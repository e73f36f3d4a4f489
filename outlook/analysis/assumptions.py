"""The key assumptions check, made quantitative: which key judgements change word if an assumption is false.

Owns :func:`assumptions_check` and its result, :class:`AssumptionsCheck`
(the comparison of every key judgement with the base, for each assumption a
scenario file states and each joint failure it names with ``combine``, and
a summary per assumption). Each comparison is :func:`~outlook.analysis.compare.compare`:
the base and the scenario with the assumption's ``if_false`` overrides,
run on the same random streams, so that differences are paired. Never
plots, never prints, never reads files.

The technique
-------------
The Key Assumptions Check (*A Tradecraft Primer*, US Government 2009,
p. 7; R. J. Heuer and R. H. Pherson, *Structured Analytic Techniques for
Intelligence Analysis*, 2nd ed., 2015, ch. 8) lists the assumptions an
analytic line rests on, rates each *solid*, *correct with caveats* or
*unsupported*, and turns the unsupported ones that carry weight into
collection requirements. Here the weight is measured: the **load** of an
assumption is the number of key judgements that flip (change estimative
word beyond the simulation noise: :func:`~outlook.analysis.compare.is_flip`)
when it is false, and the largest ``|delta|``. An assumption rated
caveated or unsupported that carries a flip is a **key uncertainty**
(the rating-by-load matrix of the project's SAT reference, §4.2).

The key judgements are those a ``judgements:`` block names (a later
format addition); until then every scenario and every event at every
horizon. A probability below 1% or above 99% lies outside the range the
ICD 203 scale describes with confidence; such rows are kept and marked
``outside_scale``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import ScenarioError, ScenarioErrors
from ..model import DEFAULT_CHUNK_SIZE, compile_model
from ..scenario import Override, Scenario
from ..scenario.assumptions import RATINGS, Assumption
from .compare import compare

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHECK_COLUMNS",
    "NOT_TESTED",
    "SUMMARY_COLUMNS",
    "AssumptionsCheck",
    "Failure",
    "assumptions_check",
    "failures",
]

#: The columns of :attr:`AssumptionsCheck.table`, in order.
CHECK_COLUMNS = (
    "assumption",
    "rating",
    "kind",
    "target",
    "horizon",
    "p_base",
    "p_alt",
    "delta",
    "delta_se",
    "word_base",
    "word_alt",
    "flip",
    "outside_scale",
)
#: The columns of :attr:`AssumptionsCheck.summary`, in order.
SUMMARY_COLUMNS = (
    "assumption",
    "rating",
    "status",
    "n_flips",
    "max_abs_delta",
    "key_uncertainty",
    "statement",
)
#: The status of an assumption that states no ``if_false``: listed, never dropped.
NOT_TESTED = "qualitative, not tested"
#: Below this, or above one minus it, a probability is outside the range the ICD 203 scale covers with confidence.
_EDGE = 0.01


@dataclass(frozen=True)
class Failure:
    """One way the analytic line can fail: an assumption, or a joint failure of several (``combine``).

    Attributes
    ----------
    id
        The assumption's id, or the ids joined by ``+`` for a joint failure.
    rating
        The assumption's rating; for a joint failure, the worst of its members'.
    statement
        What the assumption says; for a joint failure, every member's statement, joined with "; and ".
    overrides
        Every member's ``if_false``, in order; empty for a qualitative assumption.
    members
        The assumptions that fail together.
    """

    id: str
    rating: str
    statement: str
    overrides: tuple[Override, ...]
    members: tuple[Assumption, ...]


def failures(scenario: Scenario) -> tuple[Failure, ...]:
    """Every assumption, then right after each that names ``combine``, its joint failure with those.

    A joint failure applies the assumption's own overrides, then each
    combined assumption's, in the order written. The same set of
    assumptions named twice (``a`` combines ``[b]``, ``b`` combines ``[a]``)
    is one joint failure, listed where it is first named.
    """
    by_id = {a.id: a for a in scenario.assumptions}
    out: list[Failure] = []
    joint: set[frozenset[str]] = set()
    for a in scenario.assumptions:
        out.append(Failure(a.id, a.rating, a.statement, a.if_false, (a,)))
        group = frozenset((a.id, *a.combine))
        if a.combine and group not in joint:  # a with [b] and b with [a] are one joint failure, listed once
            joint.add(group)
            members = (a, *(by_id[c] for c in a.combine))
            worst = max((m.rating for m in members), key=RATINGS.index)
            overrides = tuple(o for m in members for o in m.if_false)
            statement = "; and ".join(m.statement.rstrip(" .") for m in members) + "."
            out.append(Failure("+".join(m.id for m in members), worst, statement, overrides, members))
    return tuple(out)


@dataclass(frozen=True)
class AssumptionsCheck:
    """The result of :func:`assumptions_check`.

    Attributes
    ----------
    table
        One row per tested assumption (or joint failure) and key judgement:
        :data:`CHECK_COLUMNS`. ``p_base`` and ``p_alt`` are the
        probabilities with the assumption true (the file as written) and
        false; ``delta = p_alt - p_base`` and ``delta_se`` its paired
        standard error; ``flip`` as :func:`~outlook.analysis.compare.is_flip`.
        Sorted by assumption (file order), flips first, then by ``|delta|``
        (largest first).
    summary
        One row per assumption and joint failure, in file order:
        :data:`SUMMARY_COLUMNS`. ``status`` is ``"tested"`` or
        :data:`NOT_TESTED`; an untested assumption has ``n_flips`` 0,
        ``max_abs_delta`` NaN and ``key_uncertainty`` False.
    samples, seed, scale
        The run's settings.
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    samples: int
    seed: int
    scale: str

    @property
    def key_uncertainties(self) -> tuple[str, ...]:
        """The assumptions (and joint failures) rated caveated or unsupported that carry a flip."""
        return tuple(self.summary.loc[self.summary["key_uncertainty"], "assumption"])


def assumptions_check(
    scenario: Scenario,
    *,
    samples: int = 100_000,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    sampler: str = "random",
    scale: str = "icd203",
) -> AssumptionsCheck:
    """Which key judgements change word if each assumption of ``scenario`` is false.

    Parameters
    ----------
    scenario
        A scenario whose file states ``assumptions:`` (one that states none
        gives two empty tables).
    samples, seed, chunk_size, sampler
        As for :func:`outlook.simulate`; every comparison uses the same
        ``samples`` and ``seed``, so the base worlds are the same for all.
    scale
        The scale of estimative words (:data:`outlook.words.SCALES`).

    Returns
    -------
    AssumptionsCheck

    Raises
    ------
    ScenarioErrors
        If a joint failure's overrides, applied together, do not make a
        valid scenario: each problem located at the assumption and naming
        it. (Each assumption alone was checked when the file was loaded.)
    ValueError
        For a bad ``samples``, ``seed``, ``chunk_size``, ``sampler`` or ``scale``.
    SimulationError
        As :func:`outlook.simulate`.

    Examples
    --------
    >>> from outlook import Scenario
    >>> s = Scenario.from_yaml('''
    ... outlook: 1.1
    ... id: demo
    ... title: Demo
    ... question: Does it happen?
    ... as_of: 2024-01-01
    ... horizons: {soon: {until: 1y}}
    ... drivers: {r: 0.3}
    ... events: {it: {rate: r}}
    ... scenarios: {happens: it, rest: otherwise}
    ... assumptions:
    ...   slow: {statement: The rate stays low., rating: unsupported, if_false: {drivers.r: 0.9}}
    ... ''')
    >>> check = assumptions_check(s, samples=2_000, seed=1)
    >>> check.summary[["assumption", "n_flips", "key_uncertainty"]].to_string(index=False)
    'assumption  n_flips  key_uncertainty\\n      slow        3             True'
    """
    import pandas as pd

    bare = dataclasses.replace(scenario, assumptions=())
    base = compile_model(bare)
    rows: list[pd.DataFrame] = []
    summary: list[dict[str, object]] = []
    for f in failures(scenario):
        if not f.overrides:
            summary.append(_summary_row(f, None))
            continue
        alt = _alternative(bare, f)
        t = compare(base, alt, samples=samples, seed=seed, chunk_size=chunk_size, sampler=sampler, scale=scale)
        t = t.rename(columns={"p_a": "p_base", "p_b": "p_alt", "word_a": "word_base", "word_b": "word_alt"})
        t.insert(0, "assumption", f.id)
        t.insert(1, "rating", f.rating)
        t["outside_scale"] = ~(t["p_base"].between(_EDGE, 1 - _EDGE) & t["p_alt"].between(_EDGE, 1 - _EDGE))
        t = t.assign(_abs=t["delta"].abs()).sort_values(["flip", "_abs"], ascending=False, kind="stable")
        rows.append(t[list(CHECK_COLUMNS)])
        summary.append(_summary_row(f, t))
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=list(CHECK_COLUMNS))
    return AssumptionsCheck(table, pd.DataFrame(summary, columns=list(SUMMARY_COLUMNS)), samples, seed, scale)


def _alternative(bare: Scenario, f: Failure) -> Scenario:
    """The scenario that holds if ``f`` happens, each problem named by the assumption."""
    try:
        return bare.with_overrides(f.overrides)
    except ScenarioErrors as exc:
        where = f.members[0].where
        problems = [ScenarioError(where, f"assumption {f.id!r}: {e}") for e in exc.errors]
        raise ScenarioErrors(problems) from None


def _summary_row(f: Failure, t: pd.DataFrame | None) -> dict[str, object]:
    if t is None:
        n_flips, largest, status = 0, float("nan"), NOT_TESTED
    else:
        n_flips, largest, status = int(t["flip"].sum()), float(t["delta"].abs().max()), "tested"
    return {
        "assumption": f.id,
        "rating": f.rating,
        "status": status,
        "n_flips": n_flips,
        "max_abs_delta": largest,
        "key_uncertainty": bool(n_flips and f.rating in ("caveated", "unsupported")),
        "statement": f.statement,
    }
