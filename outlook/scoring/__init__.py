"""Forecast ledger and scoring: what a run forecast, what happened, and how good the forecasts were.

Owns three steps, each its own module:

- :mod:`.ledger`: one JSON line per forecast (every scenario and event at
  every horizon of a run, and each of the sources' claims), appended atomically under a lock to an
  append-only JSON Lines file (:func:`ledger_add`, :func:`ledger_records`,
  :func:`append_records`, :func:`read_ledger`);
- :mod:`.resolutions`: the resolutions file, a YAML list of what happened,
  kept apart from the scenario so that answer keys never sit in a scenario
  file (:func:`load_resolutions`, :func:`read_resolutions`);
- :mod:`.scores`: Brier and log scores, the multi-category Brier score of a
  scenario set, skill against references, the time-averaged Brier score,
  Murphy's decomposition with the estimative words as bins, calibration by
  word, discrimination and sharpness (:func:`score`).

Sits beside :mod:`outlook.analysis`: it reads scenarios, runs the model and
reads tables; the command, plots and report consume what it returns. Never
prints.
"""

from __future__ import annotations

from .ledger import (
    CLAIM_FORMAT,
    LEDGER_FORMAT,
    append_records,
    claim_records,
    definition_hash,
    ledger_add,
    ledger_records,
    read_ledger,
)
from .resolutions import OUTCOMES, Resolution, load_resolutions, read_resolutions
from .scores import (
    LOG_CLIP,
    TOO_FEW,
    Scores,
    brier,
    log_score,
    multi_brier,
    murphy,
    score,
    time_averaged_brier,
    wilson_interval,
)

__all__ = [
    "CLAIM_FORMAT",
    "LEDGER_FORMAT",
    "LOG_CLIP",
    "OUTCOMES",
    "TOO_FEW",
    "Resolution",
    "Scores",
    "append_records",
    "brier",
    "claim_records",
    "definition_hash",
    "ledger_add",
    "ledger_records",
    "load_resolutions",
    "log_score",
    "multi_brier",
    "murphy",
    "read_ledger",
    "read_resolutions",
    "score",
    "time_averaged_brier",
    "wilson_interval",
]
