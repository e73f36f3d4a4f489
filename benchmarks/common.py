"""Helpers shared by the benchmark scripts: run outlook, compare results.

``via_outlook`` runs load -> compile -> simulate -> summarise and times each
stage; ``outlook_arrays`` turns the tables into the plain arrays the
hand-written models return (see ``handwritten.py``); ``check_agreement``
prints how closely two sets of results agree, in Monte Carlo standard
errors, and says whether they agree within ``Z_LIMIT``.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))  # benchmark this checkout, not an installed copy

from handwritten import PCTS, Model, Result  # noqa: E402

import outlook  # noqa: E402

__all__ = ["Z_LIMIT", "check_agreement", "outlook_arrays", "via_outlook"]

#: Results agree when every compared figure differs by less than this many standard errors.
Z_LIMIT = 5.0


def via_outlook(model: Model, n: int, seed: int, chunk: int) -> tuple[Any, dict[str, float]]:
    """Run ``model.scenario`` through outlook; the tables and each stage's seconds."""
    t0 = time.perf_counter()
    s = outlook.load_scenario(model.scenario)
    t1 = time.perf_counter()
    m = outlook.compile_model(s)
    t2 = time.perf_counter()
    run = outlook.simulate(m, samples=n, seed=seed, chunk_size=chunk)
    t3 = time.perf_counter()
    tables = outlook.summarise(run)
    t4 = time.perf_counter()
    return tables, {"load": t1 - t0, "compile": t2 - t1, "simulate": t3 - t2, "summarise": t4 - t3}


def outlook_arrays(model: Model, tables: Any) -> Result:
    """outlook's tables as the arrays a hand-written model returns."""
    horizons = [h for h, _ in model.horizons]
    scen = tables.scenarios.pivot(index="horizon", columns="scenario", values="p")
    ev = tables.events.pivot(index="event", columns="horizon", values="p_by")
    cols = ["mean", "sd", "min", *(f"p{q}" for q in PCTS), "max"]
    stats = {}
    for frame in (tables.drivers, tables.derived):
        for row in frame.itertuples(index=False):
            stats[row.name] = tuple(float(getattr(row, c)) for c in cols)
    return {
        "scenarios": scen.loc[horizons, list(model.scenarios)].to_numpy(),
        "events": ev.loc[list(model.events), horizons].to_numpy(),
        "stats": stats,
    }


def _se(p: np.ndarray, n: int) -> np.ndarray:
    return np.sqrt(p * (1 - p) / n)


def check_agreement(model: Model, a: Result, b: Result, n: int, names: tuple[str, str] = ("outlook", "hand")) -> bool:
    """Print how ``a`` and ``b`` (both from ``n`` samples) agree; True if within ``Z_LIMIT``.

    Scenario probabilities are printed side by side with
    ``z = difference / sqrt(se_a**2 + se_b**2)``, ``se = sqrt(p (1 - p) / n)``.
    Event probabilities and means are summarised by their largest ``|z|``
    (a mean's standard error is ``sd / sqrt(n)``); all three count towards
    the verdict. Percentiles are summarised by their largest difference in
    standard deviations of the quantity (no verdict: their standard error
    needs the density), leaving out yes/no and categorical drivers.
    """
    sa, sb = np.asarray(a["scenarios"]), np.asarray(b["scenarios"])
    print(f"scenario probabilities ({names[0]} vs {names[1]}; z = difference / its standard error)")
    print(f"  {'horizon':8s} {'scenario':20s} {names[0]:>9s} {names[1]:>9s} {'z':>6s}")
    zs = (sa - sb) / np.maximum(np.sqrt(_se(sa, n) ** 2 + _se(sb, n) ** 2), 1e-300)
    for hi, (hname, _) in enumerate(model.horizons):
        for si, sname in enumerate(model.scenarios):
            print(f"  {hname:8s} {sname:20s} {sa[hi, si]:9.5f} {sb[hi, si]:9.5f} {zs[hi, si]:6.2f}")

    ea, eb = np.asarray(a["events"]), np.asarray(b["events"])
    ze = (ea - eb) / np.maximum(np.sqrt(_se(ea, n) ** 2 + _se(eb, n) ** 2), 1e-300)
    stats_a: dict[str, tuple[float, ...]] = a["stats"]  # type: ignore[assignment]
    stats_b: dict[str, tuple[float, ...]] = b["stats"]  # type: ignore[assignment]
    zm, worst_pct = [], (0.0, "")
    for name in model.drivers + model.derived:
        qa, qb = stats_a[name], stats_b[name]
        if math.isnan(qa[0]) or math.isnan(qb[0]):
            continue  # a categorical driver: no mean (its shares are in the categories table)
        sd = max(qa[1], qb[1], 1e-300)
        zm.append((qa[0] - qb[0]) / (sd * math.sqrt(2 / n)))
        rel = max(abs(x - y) for x, y in zip(qa[3:8], qb[3:8])) / sd
        if name not in model.discrete and rel >= worst_pct[0]:
            worst_pct = (rel, name)
    z_s, z_e, z_m = float(np.abs(zs).max()), float(np.abs(ze).max()), float(np.abs(zm).max())
    print(f"  scenario probabilities: max |z| = {z_s:.2f} over {zs.size} cells")
    print(f"  event probabilities by horizon: max |z| = {z_e:.2f} over {ze.size} cells")
    print(f"  driver/derived means: max |z| = {z_m:.2f} over {len(zm)} quantities")
    print(f"  percentiles (continuous quantities): largest difference {worst_pct[0]:.4f} sd (in {worst_pct[1]})")
    ok = max(z_s, z_e, z_m) < Z_LIMIT
    print(f"  CHECK probabilities and means agree within {Z_LIMIT:g} SE: {'PASS' if ok else 'FAIL'}")
    return ok
