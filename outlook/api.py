"""The one-call shortcut: a scenario path or id to outlook tables.

Owns nothing but chaining load -> compile -> simulate -> summarise, the way
``httpx.get`` wraps a client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .model import DEFAULT_CHUNK_SIZE, check_counts, compile_model, simulate
from .scenario import Override, Scenario, find_scenario, load_scenario
from .tables import Tables, summarise

__all__ = [
    "run_outlook",
]


def run_outlook(
    scenario: str | Path | Scenario,
    *,
    samples: int | None = None,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    scale: str = "icd203",
    progress: Callable[[int, int], None] | None = None,
    precision: float | None = None,
    sampler: str = "random",
    workers: int | None = None,
    scheduler: Any = None,
    worker_timeout: float = 60.0,
    overrides: Mapping[str, Any] | Iterable[Override | tuple[str, Any]] | None = None,
) -> Tables:
    """Load, simulate and summarise a scenario in one call.

    Parameters
    ----------
    scenario
        A path, a bundled scenario's id (see :func:`outlook.bundled_scenarios`),
        or a :class:`~outlook.Scenario`.
    samples, seed, chunk_size, progress, precision, sampler, workers, scheduler, worker_timeout
        As for :func:`outlook.simulate` (``samples`` defaults to 100,000, or
        is the cap of a ``precision`` run).
    scale
        As for :func:`outlook.summarise`.
    overrides
        A what-if: new values for what the scenario states, by key path, as
        for :meth:`outlook.Scenario.with_overrides`, applied before the run.

    Returns
    -------
    Tables

    Raises
    ------
    ValueError
        For a ``samples``, ``seed`` or ``chunk_size`` that is not a whole
        number within its limits (:func:`outlook.model.check_counts`),
        checked before the scenario is read; and as for :func:`outlook.simulate`.
    ScenarioErrors
        For a scenario, or overrides, that are not valid.
    """
    check_counts(1 if samples is None else samples, seed, chunk_size)  # at the door, before any work
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(find_scenario(scenario))
    if overrides:
        scenario = scenario.with_overrides(overrides)
    run = simulate(
        compile_model(scenario),
        samples=samples,
        seed=seed,
        chunk_size=chunk_size,
        progress=progress,
        precision=precision,
        sampler=sampler,
        workers=workers,
        scheduler=scheduler,
        worker_timeout=worker_timeout,
    )
    return summarise(run, scale=scale)
