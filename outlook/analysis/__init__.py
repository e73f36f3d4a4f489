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
Never plots, never prints. Empty until its first technique lands.
"""

from __future__ import annotations

__all__ = ["discover", "first_order", "first_order_indices", "tornado"]

from .discovery import discover
from .indices import first_order, first_order_indices
from .sensitivity import tornado
