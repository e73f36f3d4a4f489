"""The one-call shortcut: a scenario path or id to outlook tables.

Owns nothing but chaining load -> compile -> simulate -> summarise, the way
``httpx.get`` wraps a client.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .bundled import find_scenario
from .engine import DEFAULT_CHUNK_SIZE, compile_model, simulate
from .scenario import Scenario, load_scenario
from .tables import Outlook, summarise

__all__ = [
    "run_outlook",
]


def run_outlook(
    scenario: str | Path | Scenario,
    *,
    samples: int = 100_000,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    scale: str = "icd203",
    progress: Callable[[int, int], None] | None = None,
) -> Outlook:
    """Load, simulate and summarise a scenario in one call.

    Parameters
    ----------
    scenario
        A path, a bundled scenario's id (see :func:`outlook.bundled_scenarios`),
        or a :class:`~outlook.Scenario`.
    samples, seed, chunk_size, progress
        As for :func:`outlook.simulate`.
    scale
        As for :func:`outlook.summarise`.

    Returns
    -------
    Outlook
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(find_scenario(scenario))
    run = simulate(compile_model(scenario), samples=samples, seed=seed, chunk_size=chunk_size, progress=progress)
    return summarise(run, scale=scale)
