"""Outlook tables: a Run becomes tidy pandas DataFrames.

Owns the table layout (column names are public API), Monte Carlo standard
errors and estimative words. Never samples, never prints.

Tables
------
scenarios
    ``horizon, scenario, p, p_se, word``: one row per horizon and scenario;
    ``p`` sums to 1 within each horizon.
events
    ``horizon, event, p_by, p_by_se, p_within, p_within_se, word``: the
    probability that the event has happened by the end of the horizon, and
    within the horizon's own window (after the previous horizon's end).
drivers, derived
    ``name, unit, kind, mean, sd, min, p5, p25, p50, p75, p95, max``. A
    categorical driver's numbers are empty (NaN): its shares are in the
    categories table.
categories
    ``driver, category, p, p_se``: shares of each categorical driver.
curves
    ``event, time, p_by, p_by_se``: the probability that each event has
    happened by ``time`` (years from ``as_of``), at evenly spaced times from 0
    to the last horizon's end and at every horizon end (where it equals the
    events table). Not one of :attr:`Tables.TABLES`: it is for plotting.
manifest
    The run's identity: scenario id and hash, seed, samples, versions; and
    ``correlation_repair``: ``None``, or, when the stated correlation matrix
    was invalid and replaced by the nearest valid one, the largest change of
    a Spearman rank correlation (``max_change``) and ``[a, b, stated, used]``
    for each pair that moved (``pairs``).
"""

from __future__ import annotations

import json
import math
import platform
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._version import __version__
from .errors import SimulationError
from .model import BLOCK_SIZE, MIN_QMC_BLOCKS, PERCENTILES, Run, binomial_se, correlation_changes
from .words import get_scale

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = [
    "Tables",
    "summarise",
]


@dataclass(frozen=True, eq=False)
class Tables:
    """The tables of one run, as pandas DataFrames, and its manifest."""

    scenarios: pd.DataFrame
    events: pd.DataFrame
    drivers: pd.DataFrame
    derived: pd.DataFrame
    categories: pd.DataFrame
    manifest: dict[str, Any]
    warnings: tuple[str, ...] = field(default=())
    #: Event probabilities over time (see the module docstring); for plots.
    curves: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["event", "time", "p_by", "p_by_se"]))
    #: The scenario that ran, for reports and plots (``None`` if not known).
    scenario: Scenario | None = None

    TABLES = ("scenarios", "events", "drivers", "derived", "categories")

    def table(self, name: str) -> pd.DataFrame:
        """The table called ``name`` (one of :attr:`TABLES`)."""
        if name not in self.TABLES:
            msg = f"unknown table {name!r}; expected one of {', '.join(self.TABLES)}"
            raise ValueError(msg)
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def to_dict(self) -> dict[str, Any]:
        """Tables as lists of row objects, plus the manifest and warnings."""
        out: dict[str, Any] = {}
        for name in self.TABLES:
            rows = self.table(name).to_dict(orient="records")
            out[name] = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
        out["manifest"] = self.manifest
        out["warnings"] = list(self.warnings)
        return out

    def to_json(self, *, indent: int | None = 2) -> str:
        """One JSON object: every table as a list of rows, and the manifest."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating | float):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _correlation_repair(run: Run) -> dict[str, Any] | None:
    """The manifest's record of a repaired correlation matrix (``None`` if none was repaired)."""
    c = run.model.correlation
    if c is None or not c.repaired:
        return None
    return {
        "method": "nearest correlation matrix to the normal-score matrix, Frobenius norm (Higham 2002)",
        "measure": "Spearman rank correlation",
        "max_change": c.max_change,
        "converged": c.converged,
        "pairs": [[a, b, was, now] for a, b, was, now in correlation_changes(run.model)],
    }


def summarise(run: Run, *, scale: str = "icd203") -> Tables:
    """Turn a run's accumulators into outlook tables.

    Parameters
    ----------
    run
        From :func:`outlook.simulate`.
    scale
        Estimative-word scale: ``icd203`` (default), ``icd203-probability``,
        ``phia``, ``kent``, ``ipcc`` or ``nato-unverified``.

    Returns
    -------
    Tables

    Notes
    -----
    Each probability is a proportion of ``n`` worlds; its Monte Carlo
    standard error is ``sqrt(p (1 - p) / n)``. For a quasi-Monte Carlo run
    of at least :data:`~outlook.model.MIN_QMC_BLOCKS` blocks it is measured
    instead from the spread between blocks, each an independent
    randomisation (:func:`~outlook.model.between_block_se`); the manifest's
    ``standard_error`` says which.
    """
    sc = get_scale(scale)
    s = run.scenario
    n = run.samples
    se = run.standard_errors
    hz = [h.id for h in s.horizons]
    # scenarios: one row per horizon and scenario, horizon-major
    scen = pd.DataFrame(
        {
            "horizon": np.repeat(hz, len(s.rules)),
            "scenario": np.tile([r.id for r in s.rules], len(hz)),
            "p": (run.counts.scenarios / n).ravel(),
            "p_se": se.scenarios.ravel(),
        }
    )
    scen["word"] = [sc.word(x) for x in scen["p"]]
    # events: one row per event and horizon, event-major
    ev = pd.DataFrame(
        {
            "horizon": np.tile(hz, len(s.events)),
            "event": np.repeat([e.id for e in s.events], len(hz)),
            "p_by": (run.counts.events / n).ravel(),
            "p_by_se": se.events_by.ravel(),
            "p_within": (run.counts.events_within / n).ravel(),
            "p_within_se": se.events_within.ravel(),
        }
    )
    ev["word"] = [sc.word(x) for x in ev["p_by"]]
    # quantities
    pct_cols = [f"p{q}" for q in PERCENTILES]
    cols = ["name", "unit", "kind", "mean", "sd", "min", *pct_cols, "max"]

    def qrow(name: str, unit: str, kind: str) -> list[Any]:
        if kind == "categorical":  # the mean or a percentile of a category's index means nothing
            return [name, unit, kind, *[math.nan] * (len(cols) - 3)]
        st = run.stats[name]
        assert st.sketch is not None
        qs = st.sketch.result()
        if qs is None:
            msg = f"percentiles of {name!r} could not be found exactly; rerun with another chunk_size"
            raise SimulationError(msg)
        return [name, unit, kind, st.mean, st.sd, st.lo, *qs.tolist(), st.hi]

    drv = pd.DataFrame([qrow(d.id, d.unit, d.kind) for d in s.drivers], columns=cols)
    der = pd.DataFrame([qrow(d.id, d.unit, "derived") for d in s.derived], columns=cols)
    crows = []
    for d in s.drivers:
        if d.categories:
            counts, ses = run.counts.categories[d.id], se.categories[d.id]
            crows += [(d.id, c, k / n, e) for c, k, e in zip(d.categories, counts, ses)]
    cat = pd.DataFrame(crows, columns=["driver", "category", "p", "p_se"])
    if se.method == "between blocks":  # QMC: measured from the spread between independent blocks
        se_method = f"between blocks: {run.sampler} points, {se.blocks} independent randomisations"
    else:
        se_method = "binomial: sqrt(p (1 - p) / n)"
        if run.sampler != "random":
            se_method += f", an upper bound under {run.sampler} (fewer than {MIN_QMC_BLOCKS} blocks to measure it)"
    manifest = {
        "scenario_id": s.id,
        "scenario_hash": s.hash,
        "seed": run.seed,
        "samples": n,
        "block_size": BLOCK_SIZE,
        "scale": sc.name,
        "format_version": s.version,
        "outlook_version": __version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "percentiles": "exact (numpy.quantile, linear)",
        "sampler": run.sampler,
        "precision": run.precision,
        "standard_error": se_method,
        "correlation_repair": _correlation_repair(run),
    }
    # the evenly spaced curve times, and every horizon end from the events table
    grid = run.model.curve_times
    times = np.unique(np.concatenate([grid, run.model.horizon_ends]))
    counts = np.empty((len(s.events), times.size), dtype=np.int64)
    if s.events:
        on_grid = np.searchsorted(times, grid)
        counts[:, on_grid] = run.curve_counts
        at_end = np.searchsorted(times, run.model.horizon_ends)
        counts[:, at_end] = run.counts.events  # equal where an end is also a grid time
    curves = pd.DataFrame(
        {
            "event": np.repeat([e.id for e in s.events], times.size),
            "time": np.tile(times, len(s.events)),
            "p_by": (counts / n).ravel(),
        }
    )
    curves["p_by_se"] = binomial_se(curves["p_by"].to_numpy(dtype=np.float64), n)
    return Tables(scen, ev, drv, der, cat, manifest, tuple(run.warnings), curves, s)
