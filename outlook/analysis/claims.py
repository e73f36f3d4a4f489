"""The sources' own forecasts beside the model's: the ``claims`` table.

Owns :func:`claims` and its columns (:data:`CLAIM_COLUMNS`): for each claim
of a scenario's ``claims:`` block (format 1.1), who made it and whether an
interested party, the likelihood it implies (an ICD 203 word's band, or the
probability it states), the model's probability of its target by its
timeframe with its Monte Carlo standard error and word, and whether the two
agree. Never plots, never prints, never writes a file.

How a claim is read
-------------------
Tetlock (*Superforecasting*, 2015): pundits rarely state probabilities or
timeframes, and making them explicit is itself the lesson; setting them
beside the model's is ICD 203's standard 7 (change and difference
explained) applied to the sources (the project's SAT reference, §4.11).

* A claim implies a **band**: the ICD 203 band of its word, or of the
  probability it states (:data:`outlook.scenario.claims.ICD_203`, read as
  :mod:`outlook.words` reads ICD 203: half-open ``[low, high)``, the top band
  closed, the ends 0 and 1). ``implied_word`` is that band's term in the
  row of ICD 203's table the run uses (its likelihood terms, or its
  probability terms for the ``icd203-probability`` scale; the likelihood
  term for any other scale), so that a report stays in one row.
* ``implied_p``, the probability the claim is scored with in the forecast
  ledger, is the probability it states, else **the midpoint of its word's
  band**, ``(low + high) / 2`` (``likely``: 0.675).
* The model's ``p`` is the probability, in the run's worlds, that the
  target event has happened by the claim's timeframe (from the events
  table at a horizon, else from the curves table, which holds every
  claim's time exactly: :func:`outlook.compile_model` adds it), or that the
  world is in the target scenario at the horizon the claim names.
* ``agreement``: ``agrees`` when ``p`` falls in the claim's band,
  ``model lower`` below it, ``model higher`` above it; ``not modelled``
  for a claim the file records with ``not_modelled: reason``.
  ``straddles`` says the model's word could change with more worlds
  (:func:`outlook.words.straddles`), and so could the agreement.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..scenario import Scenario, find_scenario, load_scenario
from ..scenario.claims import ICD_203, Claim, implied_band
from ..scenario.durations import end_date
from ..words import get_scale, straddles

if TYPE_CHECKING:
    import pandas as pd

    from ..tables import Tables

__all__ = [
    "AGREEMENTS",
    "CLAIM_COLUMNS",
    "claims",
    "implied",
    "interested_text",
    "model_p",
    "speaker_of",
]

#: The columns of :func:`claims`'s table, in order (public API).
CLAIM_COLUMNS = (
    "claim",
    "speaker",
    "interested_party",
    "paraphrase",
    "quote",
    "kind",
    "target",
    "timeframe",
    "horizon_end",
    "implied_word",
    "implied_low",
    "implied_high",
    "implied_p",
    "p",
    "p_se",
    "word",
    "straddles",
    "agreement",
    "not_modelled",
    "note",
)
#: What ``agreement`` may say.
AGREEMENTS = ("agrees", "model lower", "model higher", "not modelled")


def claims(
    scenario: Scenario | Tables | str | Path,
    *,
    samples: int = 20_000,
    seed: int = 0,
    scale: str = "icd203",
) -> pd.DataFrame:
    """Each source's claim beside the model's probability of it (see the module's docstring).

    Parameters
    ----------
    scenario
        A run's tables that carry their scenario (:func:`outlook.run_outlook`):
        read as they are, in their scale; or a Scenario, a file's path or a
        bundled id: run with ``samples`` and ``seed``.
    samples, seed
        As for :func:`outlook.run_outlook` (ignored for tables).
    scale
        The scale of the model's words (:data:`outlook.words.SCALES`; ignored for tables).

    Returns
    -------
    pandas.DataFrame
        One row per claim, in file order, columns :data:`CLAIM_COLUMNS`:
        ``horizon_end`` an ISO date; ``implied_low``, ``implied_high``,
        ``implied_p``, ``p`` and ``p_se`` probabilities in [0, 1] (``p`` and
        ``p_se`` NaN for a claim not modelled); ``interested_party``
        ``"yes"``, ``"no"``, whose interest (text) or ``"not stated"``;
        ``agreement`` one of :data:`AGREEMENTS`. ``attrs`` holds
        ``samples``, ``seed``, ``scale``, ``scenario_id`` and ``scenario_hash``.
        A scenario without claims gives an empty table.

    Raises
    ------
    ValueError
        For tables that do not carry their scenario, or whose curves lack a
        claim's time (tables made by hand); a bad ``scale``.
    ScenarioErrors, SimulationError
        As :func:`outlook.run_outlook`.

    Examples
    --------
    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(outlook=1.1, events={"a": {"rate": 0.7}}, claims={"c": {
    ...     "speaker": "A pundit", "paraphrase": "A happens within the year", "timeframe": "soon",
    ...     "implies": "likely", "target": "a"}})
    >>> t = claims(s, samples=20_000, seed=1)  # P(a by 1y) = 1 - e^-0.7 = 0.503
    >>> row = t.loc[0]
    >>> row.implied_word, float(row.implied_p), row.word, row.agreement
    ('likely', 0.675, 'roughly even chance', 'model lower')
    """
    tables, s = _tables(scenario, samples=samples, seed=seed, scale=scale)
    run_scale = tables.manifest.scale
    rows = [_row(s, c, tables, run_scale) for c in s.claims]
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(CLAIM_COLUMNS))
    frame["straddles"] = frame["straddles"].astype(bool)
    frame.attrs.update(
        samples=int(tables.manifest.samples),
        seed=tables.manifest.seed,
        scale=run_scale,
        scenario_id=s.id,
        scenario_hash=s.hash,
    )
    return frame


def _tables(
    scenario: Scenario | Tables | str | Path, *, samples: int, seed: int, scale: str
) -> tuple[Tables, Scenario]:
    """The tables to read (``scenario`` itself, or a run of it) and their scenario."""
    from ..tables import Tables, summarise

    if isinstance(scenario, Tables):
        if scenario.scenario is None:
            msg = "these tables do not carry their scenario; run it with outlook.run_outlook to read its claims"
            raise ValueError(msg)
        return scenario, scenario.scenario
    get_scale(scale)
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(find_scenario(scenario))
    from ..model import compile_model, simulate

    return summarise(simulate(compile_model(scenario), samples=samples, seed=seed), scale=scale), scenario


def implied(c: Claim, scale: str = "icd203") -> tuple[str, float, float, float]:
    """A claim's implied word (in the row of ICD 203 that ``scale`` uses), band and probability.

    Returns
    -------
    tuple
        ``(word, low, high, p)``: ``p`` is the probability the claim states,
        else the midpoint of its band.

    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(outlook=1.1, events={"a": {"rate": 1}}, claims={"c": {
    ...     "speaker": "X", "paraphrase": "a", "timeframe": "soon", "implies": "probable", "target": "a"}})
    >>> implied(s.claims[0]), implied(s.claims[0], "icd203-probability")
    (('likely', 0.55, 0.8, 0.675), ('probable', 0.55, 0.8, 0.675))
    """
    likelihood, probability, lo, hi = ICD_203[c.band]
    word = probability if get_scale(scale).name == "icd203-probability" else likelihood
    p = c.probability if c.probability is not None else (lo + hi) / 2
    return word, lo, hi, p


def speaker_of(s: Scenario, c: Claim) -> str:
    """Who made the claim: its ``speaker`` text, or the title of the source it names."""
    if c.speaker_ref is None:
        return c.speaker
    return next((x.title for x in s.sources if x.id == c.speaker_ref.ref), c.speaker_ref.ref)


def interested_text(s: Scenario, c: Claim) -> str:
    """Whether the speaker has a stake: the claim's own ``interested_party``, else its sources'.

    The claim's, if it states one; else that of the source its speaker
    names, then of the source its quote cites. ``"yes"``, ``"no"``, the
    text (whose interest), or ``"not stated"``.
    """
    value = c.interested_party
    for ref in (c.speaker_ref, c.quote):
        if value is None and ref is not None:
            value = next((x.interested_party for x in s.sources if x.id == ref.ref), None)
    if value is None:
        return "not stated"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _row(s: Scenario, c: Claim, tables: Tables, scale: str) -> dict[str, Any]:
    word, lo, hi, ip = implied(c, scale)
    end = end_date(s.as_of, c.years)
    row: dict[str, Any] = {
        "claim": c.id,
        "speaker": speaker_of(s, c),
        "interested_party": interested_text(s, c),
        "paraphrase": c.paraphrase,
        "quote": c.quote.quote if c.quote is not None else "",
        "kind": c.kind,
        "target": c.target,
        "timeframe": c.timeframe,
        "horizon_end": end.isoformat() if end is not None else "",
        "implied_word": word,
        "implied_low": lo,
        "implied_high": hi,
        "implied_p": ip,
        "not_modelled": c.not_modelled,
        "note": c.note,
    }
    if not c.target:
        return {**row, "p": math.nan, "p_se": math.nan, "word": "", "straddles": False, "agreement": "not modelled"}
    p, se = model_p(tables, c)
    band = implied_band(p)
    agreement = "agrees" if band == c.band else "model lower" if band < c.band else "model higher"
    sc = get_scale(scale)
    return {**row, "p": p, "p_se": se, "word": sc.word(p), "straddles": straddles(p, se, sc), "agreement": agreement}


def model_p(tables: Tables, c: Claim) -> tuple[float, float]:
    """The model's probability of a claim's target by its timeframe, and its standard error, from a run's tables.

    Raises
    ------
    ValueError
        If the tables hold no row for it (tables made by hand, or by another scenario).
    """
    if c.kind == "scenario":
        t = tables.scenarios
        hit = t[(t["horizon"] == c.horizon) & (t["scenario"] == c.target)]
        cols = ("p", "p_se")
    elif c.horizon:
        t = tables.events
        hit = t[(t["horizon"] == c.horizon) & (t["event"] == c.target)]
        cols = ("p_by", "p_by_se")
    else:
        t = tables.curves
        hit = t[(t["event"] == c.target) & ((t["time"] - c.years).abs() <= 1e-9)]
        cols = ("p_by", "p_by_se")
    if hit.empty:
        msg = (
            f"claim {c.id!r}: the tables hold no probability of {c.target!r} by {c.timeframe} "
            "(tables of another scenario, or made by hand?)"
        )
        raise ValueError(msg)
    first = hit.iloc[0]
    return min(max(float(first[cols[0]]), 0.0), 1.0), float(first[cols[1]])
