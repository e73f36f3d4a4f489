"""Scoring a forecast ledger against resolutions: Brier, log score, skill, calibration by estimative word.

Owns the scoring rules (:func:`brier`, :func:`log_score`, :func:`multi_brier`),
the Wilson interval (:func:`wilson_interval`), Murphy's decomposition with
given bins (:func:`murphy`), the time-averaged Brier score
(:func:`time_averaged_brier`) and :func:`score`, which matches a ledger with
its resolutions and returns every table as a :class:`Scores`. Never prints.

Conventions and sources
-----------------------
- **Brier score** of one yes/no forecast: ``(p - o)^2``, ``o`` 1 if it
  happened, else 0; 0 is perfect, a constant 0.5 scores 0.25 (Brier 1950,
  Monthly Weather Review 78:1-3). The Good Judgment Project's form sums over
  both categories, twice this, range 0-2.
- **Multi-category Brier score** of a scenario set at a horizon (mutually
  exclusive and exhaustive): ``sum_k (f_k - o_k)^2``, range 0-2 (Brier's own
  1950 form). The uniform forecast ``1/K`` scores ``1 - 1/K``.
- **Log score**: ``ln`` of the probability given to what happened, with ``p``
  clipped to :data:`LOG_CLIP` first, so a confident miss costs at most
  ``ln 0.001 = -6.91`` rather than minus infinity; 0 is perfect, lower is
  worse (Good 1952, JRSS B 14:107-114).
- **Skill** against a reference: ``1 - BS / BS_ref``; 1 is perfect, 0 no
  better than the reference, negative worse. References: always 0.5
  (``BS_ref = 0.25``), the base rate ``obar`` of the scored forecasts
  (``BS_ref = obar (1 - obar)``, in sample) and, for scenario sets, the
  uniform ``1/K``.
- **Time-averaged Brier score**: each forecast of a question stands from
  its ``issued`` day until the next one's (the latest line in the ledger
  wins on a day with several); the daily Brier scores from the first
  forecast's day to the day before the resolution date are averaged, as
  the Good Judgment Project scored (Good Judgment Open FAQ,
  https://www.gjopen.com/faq: "Brier scores ... averaged across all days
  the question was open"; Mellers et al. 2014, Psychological Science
  25:1106-1115).
- **Murphy decomposition** (Murphy 1973, J. Appl. Meteor. 12:595-600),
  bins the estimative words: ``REL = (1/N) sum_k n_k (fbar_k - obar_k)^2``,
  ``RES = (1/N) sum_k n_k (obar_k - obar)^2``, ``UNC = obar (1 - obar)``.
  ``BS = REL - RES + UNC`` holds exactly only when every forecast in a bin
  equals its bin's mean; otherwise ``BS = REL - RES + UNC + WBV - 2 WBC``,
  with the within-bin variance ``WBV = (1/N) sum (p_i - fbar_k)^2`` and
  covariance ``WBC = (1/N) sum (p_i - fbar_k)(o_i - obar_k)`` (Stephenson,
  Coelho and Jolliffe 2008, Weather and Forecasting 23:752-757); the
  ``within_bin`` term reported is ``WBV - 2 WBC``.
- **Calibration by word**: for each word, n, the mean forecast, the observed
  frequency and its Wilson 95% interval (Wilson 1927, JASA 22:209-212);
  below :data:`TOO_FEW` forecasts, "too few to judge".
- **Discrimination**: the mean forecast when the answer was yes against
  when it was no, and their difference. **Sharpness**: the variance of the
  forecasts (Murphy and Winkler 1987, Monthly Weather Review 115:1330-1338).
- **Sources' claims** (lines of ``forecaster: source``, :func:`~outlook.scoring.claim_records`)
  are scored against the same resolutions, each beside the model's
  probability of the same thing in the same run (``model_p``), and kept out
  of every model score: the summary, calibration, sets, questions and
  misses are the model's; the ``sources`` table is the speakers'.
- **Ambiguous** outcomes are scored both ways: ``best`` resolves each in the
  forecast's favour (yes when ``p >= 0.5``), ``worst`` against it; a score
  is shown as the range between. **Annulled** ones are left out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._types import FloatArray
from ..scenario import Scenario, find_scenario, load_scenario
from .ledger import _problem, definition_hash, read_ledger
from .resolutions import Resolution, load_resolutions, read_resolutions

__all__ = [
    "LOG_CLIP",
    "TOO_FEW",
    "Z95",
    "Scores",
    "brier",
    "log_score",
    "multi_brier",
    "murphy",
    "score",
    "time_averaged_brier",
    "wilson_interval",
]

#: Probabilities are clipped to this range before the log score is taken.
LOG_CLIP = (0.001, 0.999)
#: Below this many forecasts with a word, its calibration is "too few to judge".
TOO_FEW = 10
#: The standard normal's 97.5th percentile, for 95% intervals.
Z95 = 1.959963984540054


def brier(p: Any, o: Any) -> FloatArray:
    """Brier score ``(p - o)^2`` of yes/no forecasts, elementwise (Brier 1950).

    Parameters
    ----------
    p
        Probabilities in [0, 1], any shape.
    o
        Outcomes, 1 (happened) or 0, broadcastable with ``p``.

    Returns
    -------
    numpy.ndarray
        Shape of the broadcast; 0 is perfect, 1 the worst.

    >>> brier([0.8, 0.8], [1, 0]).round(12).tolist()
    [0.04, 0.64]
    """
    return np.asarray((np.asarray(p, dtype=np.float64) - np.asarray(o, dtype=np.float64)) ** 2)


def log_score(p: Any, o: Any, *, clip: tuple[float, float] = LOG_CLIP) -> FloatArray:
    """Log score: the natural log of the probability given to what happened, ``p`` clipped to ``clip`` first.

    Parameters
    ----------
    p
        Probabilities in [0, 1], any shape.
    o
        Outcomes, 1 or 0, broadcastable with ``p``.
    clip
        The range ``p`` is clipped to (:data:`LOG_CLIP`), so a certain miss
        scores ``ln 0.001`` rather than minus infinity.

    Returns
    -------
    numpy.ndarray
        0 is perfect, lower is worse; at least ``ln(clip[0])``.

    >>> round(float(log_score(0.8, 1)), 4), round(float(log_score(0.0, 1)), 4)
    (-0.2231, -6.9078)
    """
    pc = np.clip(np.asarray(p, dtype=np.float64), *clip)
    return np.asarray(np.log(np.where(np.asarray(o) == 1, pc, 1.0 - pc)))


def multi_brier(f: Any, o: Any) -> FloatArray:
    """Brier's multi-category score ``sum_k (f_k - o_k)^2`` over the last axis (Brier 1950), range 0-2.

    Parameters
    ----------
    f
        Probabilities of K mutually exclusive and exhaustive categories, shape ``(..., K)``.
    o
        One-hot outcomes, the same shape.

    >>> round(float(multi_brier([0.7, 0.2, 0.1], [1, 0, 0])), 12)
    0.14
    """
    d = np.asarray(f, dtype=np.float64) - np.asarray(o, dtype=np.float64)
    return np.asarray(np.sum(d * d, axis=-1))


def wilson_interval(k: int, n: int, *, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a proportion of ``k`` successes in ``n`` trials (Wilson 1927).

    ``(k + z^2/2) / (n + z^2)  ±  z / (n + z^2) * sqrt(k (n - k) / n + z^2 / 4)``.

    Returns
    -------
    tuple of float
        ``(lo, hi)`` within [0, 1]; ``(nan, nan)`` for ``n == 0``.

    >>> tuple(round(x, 4) for x in wilson_interval(7, 10))
    (0.3968, 0.8922)
    """
    if n == 0:
        return (math.nan, math.nan)
    z2 = z * z
    centre = (k + z2 / 2.0) / (n + z2)
    half = z / (n + z2) * math.sqrt(k * (n - k) / n + z2 / 4.0)
    return (max(0.0, centre - half), min(1.0, centre + half))


def murphy(p: Any, o: Any, bins: Sequence[Any]) -> dict[str, float]:
    """Murphy's (1973) decomposition of the mean Brier score with the given bins.

    Parameters
    ----------
    p, o
        Forecasts and outcomes (1 or 0), shape ``(N,)``, N >= 1.
    bins
        The bin of each forecast (here its estimative word), length N.

    Returns
    -------
    dict
        ``brier`` (the mean Brier score, computed directly), ``reliability``,
        ``resolution``, ``uncertainty``, and ``within_bin``
        (``brier - (reliability - resolution + uncertainty)``, which is
        ``WBV - 2 WBC`` of Stephenson et al. 2008; 0 when every forecast in
        a bin is the same).
    """
    pa, oa = np.asarray(p, dtype=np.float64), np.asarray(o, dtype=np.float64)
    keys = pd.Series(list(bins), dtype=object)
    n = pa.size
    obar = float(oa.mean())
    rel = res = 0.0
    for _, idx in keys.groupby(keys, sort=False).groups.items():
        i = np.asarray(idx)
        fk, ok = float(pa[i].mean()), float(oa[i].mean())
        rel += i.size * (fk - ok) ** 2
        res += i.size * (ok - obar) ** 2
    bs = float(brier(pa, oa).mean())
    rel, res, unc = rel / n, res / n, obar * (1.0 - obar)
    return {
        "brier": bs,
        "reliability": rel,
        "resolution": res,
        "uncertainty": unc,
        "within_bin": bs - (rel - res + unc),
    }


def time_averaged_brier(days: Sequence[dt.date], p: Sequence[float], o: int, resolved: dt.date) -> tuple[float, int]:
    """The Brier score averaged over the days a question was open (the Good Judgment Project's convention).

    Parameters
    ----------
    days
        The day each forecast was issued, in ledger order (not necessarily sorted).
    p
        The forecasts.
    o
        The outcome, 1 or 0.
    resolved
        The resolution date: the question is open from the first forecast's
        day up to the day before it.

    Returns
    -------
    tuple
        ``(score, days_open)``: each forecast stands until the next day a
        forecast is issued (the later one in ledger order wins on the same
        day); at least one day is counted.

    >>> d = [dt.date(2025, 1, 1), dt.date(2025, 1, 4)]
    >>> time_averaged_brier(d, [0.5, 1.0], 1, dt.date(2025, 1, 5))
    (0.1875, 4)
    """
    latest: dict[dt.date, float] = {}
    for d, q in zip(days, p):
        latest[d] = float(q)  # the later line wins
    order = sorted(latest)
    ends = [*order[1:], max(resolved, order[0] + dt.timedelta(days=1))]
    weights = np.array([max((b - a).days, 0) for a, b in zip(order, ends)], dtype=np.float64)
    scores = brier(np.array([latest[d] for d in order]), o)
    total = float(weights.sum())
    return float((weights * scores).sum() / total), int(total)


@dataclass(frozen=True, eq=False)
class Scores:
    """Every score of a ledger against its resolutions, as pandas DataFrames.

    Attributes
    ----------
    forecasts
        One row per scored forecast: ``line`` (in the ledger), ``scenario_id``,
        ``kind``, ``target``, ``horizon``, ``issued``, ``as_of``, ``p``, ``word``,
        ``outcome`` (1, 0 or ``"ambiguous"``), ``implied`` (a scenario's 0
        implied by another scenario of its set resolving 1), ``brier_best``,
        ``brier_worst``, ``log_best``, ``log_worst`` (equal unless ambiguous),
        ``forecaster`` (``"model"``, or ``"source"`` for a claim), ``speaker``,
        ``claim`` and ``model_p`` (a claim's; ``""`` and NaN for the model's).
    sets
        One row per scenario set (the scenario lines of one run at one
        horizon) whose outcome is known: ``scenario_id``, ``run``,
        ``issued``, ``horizon``, ``k``, ``happened`` (the scenario, or the
        candidates joined by ``|`` when ambiguous), ``brier_best``,
        ``brier_worst`` (multi-category, 0-2) and ``uniform`` (``1 - 1/K``).
    questions
        One row per question (scenario id, target, horizon): ``n`` forecasts,
        ``days`` open, and the time-averaged Brier score ``tab_best``,
        ``tab_worst``.
    calibration
        One row per estimative word (forecasts with a definite outcome):
        ``word``, ``band_lo``, ``band_hi`` (the scale's band, NaN for a word
        the scale does not know), ``n``, ``mean_p``, ``observed``,
        ``wilson_lo``, ``wilson_hi``, ``verdict``.
    summary
        ``metric``, ``best``, ``worst`` (equal without ambiguous outcomes), ``n``.
    misses
        The ten worst forecasts by ``brier_worst``, each with its key
        judgement (``target@horizon``, the form ``outlook premortem --target``
        takes).
    sources
        One row per speaker whose claims were scored, in ledger order:
        ``speaker``, ``interested_party``, ``n``, the mean Brier score of the
        claims (``brier_best``, ``brier_worst``) and their mean log score
        (``log_best``, ``log_worst``), and the model's mean Brier score on the
        same claims (``model_brier_best``, ``model_brier_worst``, of the
        ``model_p`` in each claim's line).
    refused
        One line per forecast or set not scored and why: hindsight, a
        changed definition, an annulled outcome, a set whose outcome is
        inconsistent.
    open
        How many forecasts have no resolution yet.
    """

    forecasts: pd.DataFrame
    sets: pd.DataFrame
    questions: pd.DataFrame
    calibration: pd.DataFrame
    summary: pd.DataFrame
    misses: pd.DataFrame
    refused: tuple[str, ...] = field(default=())
    open: int = 0
    sources: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(_SOURCE_COLUMNS)))

    TABLES = ("summary", "calibration", "sets", "questions", "misses", "forecasts", "sources")

    def to_dict(self) -> dict[str, Any]:
        """Every table as a list of row objects, plus ``refused`` and ``open``."""
        import json

        out: dict[str, Any] = {name: json.loads(getattr(self, name).to_json(orient="records")) for name in self.TABLES}
        out["refused"] = list(self.refused)
        out["open"] = self.open
        return out


def _records(ledger: str | Path | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(ledger, str | Path):
        return read_ledger(ledger)
    out = []
    for i, rec in enumerate(ledger, start=1):
        bad = _problem(rec)
        if bad is not None:
            msg = f"ledger record {i}: {bad[0]}: {bad[1]}"
            raise ValueError(msg)
        out.append({"_line": i, **rec})
    return out


def _resolutions(resolutions: str | Path | Iterable[Any]) -> tuple[Resolution, ...]:
    if isinstance(resolutions, str | Path):
        return load_resolutions(resolutions)
    items = list(resolutions)
    if all(isinstance(r, Resolution) for r in items):
        return tuple(items)
    return read_resolutions(items)


def _current(scenarios: Iterable[str | Path | Scenario]) -> dict[tuple[str, str, str], str]:
    """(scenario id, kind, target) -> its definition hash today, for every target of the given scenarios."""
    out = {}
    for s in scenarios:
        sc = s if isinstance(s, Scenario) else load_scenario(find_scenario(s))
        for kind, ids in (("event", [e.id for e in sc.events]), ("scenario", [r.id for r in sc.rules])):
            for t in ids:
                out[(sc.id, kind, t)] = definition_hash(sc, kind, t)
    return out


def _implied(records: list[dict[str, Any]], known: dict[tuple[str, str, str], Resolution]) -> set[tuple[str, str, str]]:
    """Add a 0 for each scenario of a set another of whose scenarios resolved 1; return the keys added."""
    kinds = {(r["scenario_id"], r["target"]) for r in records if r["kind"] == "scenario"}
    ones: dict[tuple[str, str], Resolution] = {}
    for (sid, target, horizon), r in known.items():
        if r.outcome == 1 and (sid, target) in kinds:
            ones.setdefault((sid, horizon), r)
    added = set()
    for rec in records:
        key = (rec["scenario_id"], rec["target"], rec["horizon"])
        one = ones.get((rec["scenario_id"], rec["horizon"]))
        if rec["kind"] == "scenario" and key not in known and one is not None:
            note = f"implied: {one.target} resolved 1, and the scenarios of a set exclude each other"
            known[key] = Resolution(*key, 0, one.date, one.source, one.resolver, note, "", one.where)
            added.add(key)
    return added


def _expected(
    records: list[dict[str, Any]],
    known: Mapping[tuple[str, str, str], Resolution],
    current: Mapping[tuple[str, str, str], str],
) -> dict[tuple[str, str, str], str]:
    """The definition hash (or its prefix) each resolved question was resolved under.

    The resolution's own ``definition`` if it states one; else the
    definition of the target in the scenario given for it today; else that
    of the question's last forecast in the ledger.
    """
    last = {(r["scenario_id"], r["target"], r["horizon"]): r for r in records}
    out = {}
    for key, r in known.items():
        rec = last.get(key)
        if rec is None:
            continue
        now = current.get((key[0], rec["kind"], key[1]))
        out[key] = r.definition or now or rec["definition_hash"]
    return out


def _judge(rec: Mapping[str, Any], r: Resolution, expected: str, where: str) -> str | None:
    """Why a resolved forecast is not scored, as one line, or ``None`` if it is."""
    head = f"{where}:{rec['_line']}: {rec['target']} at {rec['horizon']}"
    if r.outcome == "annulled":
        return f"{head}: annulled ({r.where.located(r.where.key_path)}), left out"
    when = max(dt.date.fromisoformat(rec["as_of"]), dt.date.fromisoformat(rec["issued"]))
    if when >= r.date:
        return (
            f"{head}: refused as hindsight: as_of {rec['as_of']}, issued {rec['issued']}, and the outcome was "
            f"known on {r.date.isoformat()} ({r.where.located(r.where.key_path)})"
        )
    if not rec["definition_hash"].startswith(expected):
        return (
            f"{head}: refused for scoring: the definition changed since the forecast (definition hash "
            f"{rec['definition_hash'][:12]} in the ledger, {expected[:12]} at resolution)"
        )
    return None


def _scored_row(rec: Mapping[str, Any], r: Resolution, implied: bool) -> dict[str, Any]:
    p = float(rec["p"])
    ways = [1, 0] if r.outcome == "ambiguous" else [int(r.outcome)]
    b = [float(brier(p, o)) for o in ways]
    ls = [float(log_score(p, o)) for o in ways]
    return {
        "line": rec["_line"],
        "scenario_id": rec["scenario_id"],
        "run": rec["run"],
        "kind": rec["kind"],
        "target": rec["target"],
        "horizon": rec["horizon"],
        "issued": rec["issued"],
        "as_of": rec["as_of"],
        "resolved": r.date.isoformat(),
        "p": p,
        "word": rec["word"],
        "scale": rec.get("scale", "icd203"),
        "outcome": r.outcome,
        "implied": implied,
        "brier_best": min(b),
        "brier_worst": max(b),
        "log_best": max(ls),
        "log_worst": min(ls),
        "forecaster": _forecaster(rec),
        "speaker": rec.get("speaker", "") if _forecaster(rec) == "source" else "",
        "claim": rec.get("claim", "") if _forecaster(rec) == "source" else "",
        "interested_party": rec.get("interested_party", "") if _forecaster(rec) == "source" else "",
        "model_p": float(rec["model_p"]) if _forecaster(rec) == "source" else math.nan,
    }


def _forecaster(rec: Mapping[str, Any]) -> str:
    """``"source"`` for a claim's line (format 2), ``"model"`` for every other (format 1: every older ledger)."""
    return "source" if rec.get("ledger") == 2 and rec.get("forecaster") == "source" else "model"


_FORECAST_COLUMNS = [
    *("line", "scenario_id", "run", "kind", "target", "horizon", "issued", "as_of", "resolved"),
    *("p", "word", "scale", "outcome", "implied", "brier_best", "brier_worst", "log_best", "log_worst"),
    *("forecaster", "speaker", "claim", "interested_party", "model_p"),
]
_SOURCE_COLUMNS: tuple[str, ...] = (
    *("speaker", "interested_party", "n", "brier_best", "brier_worst", "log_best", "log_worst"),
    *("model_brier_best", "model_brier_worst"),
)


def _sources(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Each speaker's claims scored, and the model's probabilities of the same claims scored alike."""
    rows = []
    claims = forecasts[forecasts["forecaster"] == "source"]
    for speaker, g in claims.groupby("speaker", sort=False):
        model = [_scored_both(float(q), o) for q, o in zip(g["model_p"], g["outcome"])]
        rows.append(
            (
                speaker,
                g["interested_party"].iat[0],
                len(g),
                float(g["brier_best"].mean()),
                float(g["brier_worst"].mean()),
                float(g["log_best"].mean()),
                float(g["log_worst"].mean()),
                float(np.mean([b for b, _ in model])),
                float(np.mean([w for _, w in model])),
            )
        )
    return pd.DataFrame(rows, columns=list(_SOURCE_COLUMNS))


def _scored_both(p: float, outcome: Any) -> tuple[float, float]:
    """The Brier score of ``p``, best and worst (an ambiguous outcome resolved for, then against, it)."""
    b = [float(brier(p, o)) for o in ([1, 0] if outcome == "ambiguous" else [int(outcome)])]
    return min(b), max(b)


def score(
    ledger: str | Path | Iterable[Mapping[str, Any]],
    resolutions: str | Path | Iterable[Any],
    *,
    scenarios: Iterable[str | Path | Scenario] = (),
) -> Scores:
    """Score a forecast ledger against its resolutions (see the module's docstring for every formula).

    Parameters
    ----------
    ledger
        A ledger file (:func:`~outlook.scoring.read_ledger`) or its lines as dicts.
    resolutions
        A resolutions file, or its items as dicts or :class:`~outlook.scoring.Resolution`.
    scenarios
        Scenarios (paths, bundled ids or :class:`~outlook.Scenario`) whose
        targets' definitions today a forecast's ``definition_hash`` must match
        (when a resolution states no ``definition``); without them, the
        definition of the question's last forecast in the ledger is the one
        it resolved under.

    Returns
    -------
    Scores

    Raises
    ------
    ScenarioErrors
        For a ledger or resolutions file that is not valid (located errors).
    ValueError
        For ledger lines given as dicts that are not valid.
    """
    records = _records(ledger)
    where = str(ledger) if isinstance(ledger, str | Path) else "<ledger>"
    known = {(r.scenario, r.target, r.horizon): r for r in _resolutions(resolutions)}
    implied = _implied(records, known)
    expected = _expected(records, known, _current(scenarios))
    rows, refused, still_open = [], [], 0
    for rec in records:
        key = (rec["scenario_id"], rec["target"], rec["horizon"])
        r = known.get(key)
        if r is None:
            still_open += 1
            continue
        why = _judge(rec, r, expected[key], where)
        if why is not None:
            refused.append(why)
            continue
        rows.append(_scored_row(rec, r, key in implied))
    forecasts = pd.DataFrame(rows, columns=_FORECAST_COLUMNS)
    model = forecasts[forecasts["forecaster"] == "model"]
    sets, set_refusals = _sets([r for r in records if _forecaster(r) == "model"], model, where)
    summary = _summary(model, sets)
    return Scores(
        forecasts=forecasts,
        sets=sets,
        questions=_questions(model),
        calibration=_calibration(model),
        summary=summary,
        misses=_misses(model),
        refused=tuple(refused + set_refusals),
        open=still_open,
        sources=_sources(forecasts),
    )


_SET_COLUMNS = ("scenario_id", "run", "issued", "horizon", "k", "happened", "brier_best", "brier_worst", "uniform")


def _sets(records: list[dict[str, Any]], forecasts: pd.DataFrame, where: str) -> tuple[pd.DataFrame, list[str]]:
    """The multi-category Brier score of each scenario set whose members were all scored."""
    sizes: dict[tuple[str, str, str], int] = {}
    for rec in records:
        if rec["kind"] == "scenario":
            k = (rec["scenario_id"], rec["run"], rec["horizon"])
            sizes[k] = sizes.get(k, 0) + 1
    rows, refused = [], []
    scen = forecasts[forecasts["kind"] == "scenario"]
    for (sid, run, horizon), g in scen.groupby(["scenario_id", "run", "horizon"], sort=False):
        head = f"{where}: scenario set of {sid} at {horizon} (run {str(run)[:8]})"
        size = sizes[(str(sid), str(run), str(horizon))]
        if len(g) < size:
            refused.append(f"{head}: {size - len(g)} of its {size} scenarios not scored, so the set is not")
            continue
        ones = g.loc[g["outcome"].map(lambda v: v == 1), "target"].tolist()
        maybe = g.loc[g["outcome"].map(lambda v: v == "ambiguous"), "target"].tolist()
        if len(ones) > 1:
            refused.append(f"{head}: {' and '.join(ones)} both resolved 1, but a set's scenarios exclude each other")
            continue
        candidates = ones + maybe
        if not candidates:
            refused.append(f"{head}: no scenario of the set resolved 1 (one of them must happen)")
            continue
        f = g["p"].to_numpy(dtype=np.float64)
        scores = [float(multi_brier(f, (g["target"] == c).to_numpy(dtype=np.float64))) for c in candidates]
        row = (
            sid,
            run,
            g["issued"].iat[0],
            horizon,
            size,
            "|".join(candidates),
            min(scores),
            max(scores),
            1 - 1 / size,
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(_SET_COLUMNS)), refused


def _ways(forecasts: pd.DataFrame) -> dict[str, FloatArray]:
    """The outcomes each way: ``best`` resolves an ambiguous one as the forecast leaned, ``worst`` against it."""
    p = forecasts["p"].to_numpy(dtype=np.float64)
    amb = forecasts["outcome"].map(lambda v: v == "ambiguous").to_numpy(dtype=bool)
    plain = np.array([0.0 if v == "ambiguous" else float(v) for v in forecasts["outcome"]])
    lean = (p >= 0.5).astype(np.float64)
    return {"best": np.where(amb, lean, plain), "worst": np.where(amb, 1.0 - lean, plain)}


def _metrics(p: FloatArray, o: FloatArray, words: Sequence[str]) -> dict[str, float]:
    """Every aggregate score of forecasts ``p`` with outcomes ``o`` (one way of resolving the ambiguous)."""
    nan = math.nan
    bs = float(brier(p, o).mean())
    obar = float(o.mean())
    unc = obar * (1.0 - obar)
    m = murphy(p, o, words)
    yes, no = p[o == 1], p[o == 0]
    return {
        "mean Brier score (0-1)": bs,
        "mean log score": float(log_score(p, o).mean()),
        "skill vs 0.5": 1.0 - bs / 0.25,
        "base rate": obar,
        "skill vs base rate": 1.0 - bs / unc if unc > 0 else nan,
        "reliability (REL)": m["reliability"],
        "resolution (RES)": m["resolution"],
        "uncertainty (UNC)": m["uncertainty"],
        "within-bin term (BS - (REL - RES + UNC))": m["within_bin"],
        "mean p when yes": float(yes.mean()) if yes.size else nan,
        "mean p when no": float(no.mean()) if no.size else nan,
        "discrimination (mean p yes - no)": float(yes.mean() - no.mean()) if yes.size and no.size else nan,
        "sharpness (variance of p)": float(p.var()),
    }


def _summary(forecasts: pd.DataFrame, sets: pd.DataFrame) -> pd.DataFrame:
    cols = ["metric", "best", "worst", "n"]
    n = len(forecasts)
    rows: list[tuple[str, float, float, int]] = []
    if n:
        p = forecasts["p"].to_numpy(dtype=np.float64)
        words = forecasts["word"].tolist()
        ways = _ways(forecasts)
        best, worst = _metrics(p, ways["best"], words), _metrics(p, ways["worst"], words)
        rows += [(k, best[k], worst[k], n) for k in best]
    if len(sets):
        b, w, u = (sets[c].to_numpy(dtype=np.float64) for c in ("brier_best", "brier_worst", "uniform"))
        rows.append(("scenario sets: mean multi-category Brier (0-2)", float(b.mean()), float(w.mean()), len(sets)))
        skill = (1.0 - float(b.mean()) / float(u.mean()), 1.0 - float(w.mean()) / float(u.mean()))
        rows.append(("scenario sets: skill vs uniform 1/K", *skill, len(sets)))
    return pd.DataFrame(rows, columns=cols)


def _questions(forecasts: pd.DataFrame) -> pd.DataFrame:
    cols = ["scenario_id", "kind", "target", "horizon", "outcome", "n", "days", "tab_best", "tab_worst"]
    rows = []
    for key, g in forecasts.groupby(["scenario_id", "kind", "target", "horizon"], sort=False):
        outcome = g["outcome"].iat[0]
        days = [dt.date.fromisoformat(d) for d in g["issued"]]
        resolved = dt.date.fromisoformat(str(g["resolved"].iat[0]))
        ways = [1, 0] if outcome == "ambiguous" else [int(str(outcome))]
        found = [time_averaged_brier(days, g["p"].tolist(), o, resolved) for o in ways]
        tabs = [t for t, _ in found]
        rows.append((*key, outcome, len(g), found[0][1], min(tabs), max(tabs)))
    return pd.DataFrame(rows, columns=cols)


def _calibration(forecasts: pd.DataFrame) -> pd.DataFrame:
    """Calibration by estimative word, on the forecasts with a definite outcome, words in the scale's order."""
    from ..words import SCALES

    cols = ["word", "band_lo", "band_hi", "n", "mean_p", "observed", "wilson_lo", "wilson_hi", "verdict"]
    sure = forecasts[forecasts["outcome"].map(lambda v: v in (0, 1))]
    if sure.empty:
        return pd.DataFrame(columns=cols)
    scale = SCALES.get(str(sure["scale"].iat[0]))
    bands = {b.word: (b.lo, b.hi) for b in scale.bands} if scale else {}
    order = list(bands) + sorted(set(sure["word"]) - set(bands))
    rows = []
    for word in order:
        g = sure[sure["word"] == word]
        if g.empty:
            continue
        n, k = len(g), int(sum(int(v) for v in g["outcome"]))
        lo, hi = wilson_interval(k, n)
        band = bands.get(word, (math.nan, math.nan))
        rows.append((word, *band, n, float(g["p"].mean()), k / n, lo, hi, _verdict(n, lo, hi, band)))
    return pd.DataFrame(rows, columns=cols)


def _verdict(n: int, lo: float, hi: float, band: tuple[float, float]) -> str:
    if n < TOO_FEW:
        return "too few to judge"
    if math.isnan(band[0]):
        return "no band on this scale"
    if hi < band[0]:
        return "happened less often than the word says"
    if lo > band[1]:
        return "happened more often than the word says"
    return "consistent with the word"


def _misses(forecasts: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    cols = ["scenario_id", "judgement", "p", "word", "outcome", "brier_worst", "line"]
    if forecasts.empty:
        return pd.DataFrame(columns=cols)
    worst = forecasts.sort_values(["brier_worst", "line"], ascending=[False, True], kind="stable").head(top)
    out = worst.assign(judgement=worst["target"] + "@" + worst["horizon"])
    return out[cols].reset_index(drop=True)
