"""The analysis stage: structured analytic techniques as questions asked of the simulated worlds.

Owns, as the next issues add them, the structured analytic techniques,
each a question about the worlds a run drew (the world store of :mod:`outlook.model`) and the tables
summarising them:

* what-ifs and version diffs: a second run on the same random streams
  (common random numbers), recomputed only where the change reaches
  (:func:`outlook.model.recompute_worlds`), and paired differences with their
  standard errors;
* sensitivity: which drivers move which probabilities;
* the key assumptions check: which key judgements flip if an assumption fails;
* indicators and updating: P(indicator | scenario) counted over worlds, and
  updating on an observation by reweighting the worlds that agree with it;
* analysis of competing hypotheses (ACH) joined to the scenarios;
* alternative futures, the premortem, the forecast ledger and scoring.

Tables and worlds in, tables out. Imports only upstream stages (``model``,
``tables``, ``words``, ``scenario`` and the foundation), never
``display``, ``plots``, ``report``, ``api`` or ``cli`` (tests/test_layering.py).
Never plots, never prints.

:mod:`.compare`
    the paired comparison of two runs on common random numbers: the primitive
    every what-if, diff and assumptions check is built on; :func:`whatif`
:mod:`.diff`
    version diff: changed inputs, moved judgements, Shapley attribution
:mod:`.assumptions`
    the key assumptions check: which key judgements flip if an assumption is false
:mod:`.tipping`
    tipping points: the shift of a driver at which a judgement changes word
:mod:`.sensitivity`
    the tornado: each driver at its 5th and 95th percentile, on common random numbers
:mod:`.indices`
    first-order indices of every driver for every target, from one run's worlds
:mod:`.discovery`
    scenario discovery (PRIM): the driver conditions under which a scenario mostly happens
:mod:`.premortem`
    the quantified premortem: what most likely makes a key judgement wrong
:mod:`.indicators`
    indicators and signposts: P(I | H), likelihood ratios, mutual information, lead time, by-when
:mod:`.update`
    updating on observations: the worlds reweighted by what was seen, prior against posterior
:mod:`.ach`
    analysis of competing hypotheses: Heuer/PARC inconsistency, diagnosticity, posterior, linchpins
:mod:`.confidence`
    analytic confidence apart from likelihood: each probability's range across the drivers, a proposed level
:mod:`.futures`
    alternative futures (2x2 grids, their top indicators) and the cone of plausibility
:mod:`.claims`
    the sources' own forecasts beside the model's probability: implied band, agreement
"""

from __future__ import annotations

from .ach import ACH, ach
from .assumptions import AssumptionsCheck, assumptions_check
from .claims import CLAIM_COLUMNS, claims
from .compare import (
    COMPARE_COLUMNS,
    PairedCounts,
    Target,
    compare,
    compare_worlds,
    is_flip,
    paired_delta,
    targets,
    whatif,
)
from .confidence import Confidence, confidence, epistemic_ranges
from .diff import DIFF_COLUMNS, MAX_SHAPLEY, VersionDiff, diff_scenarios, shapley_values
from .discovery import discover
from .futures import AlternativeFutures, Cone, cone, futures
from .indicators import INDICATOR_COLUMNS, indicators
from .indices import first_order, first_order_indices
from .premortem import Premortem, premortem
from .sensitivity import tornado
from .tipping import TippingPoint, tipping_point
from .update import RELIABILITY, Update, update

__all__: list[str] = [
    "Confidence",
    "confidence",
    "epistemic_ranges",
    "AssumptionsCheck",
    "COMPARE_COLUMNS",
    "DIFF_COLUMNS",
    "MAX_SHAPLEY",
    "VersionDiff",
    "diff_scenarios",
    "shapley_values",
    "whatif",
    "PairedCounts",
    "Target",
    "compare",
    "compare_worlds",
    "is_flip",
    "paired_delta",
    "targets",
    "TippingPoint",
    "tipping_point",
    "assumptions_check",
    "discover",
    "AlternativeFutures",
    "Cone",
    "cone",
    "futures",
    "INDICATOR_COLUMNS",
    "indicators",
    "first_order",
    "first_order_indices",
    "Premortem",
    "premortem",
    "tornado",
    "RELIABILITY",
    "Update",
    "update",
    "ACH",
    "ach",
    "CLAIM_COLUMNS",
    "claims",
]
