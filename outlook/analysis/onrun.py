"""First-order indices and scenario discovery on the worlds of one run made with any sampler.

Owns :func:`run_indices` and :func:`run_discovery`: the analysis functions
fed the very worlds a run with a given ``samples``, ``seed`` and ``sampler``
drew (:func:`~outlook.model.iter_worlds`), for a caller that may not draw
worlds itself (the report, which consumes tables). Never plots, never prints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import compile_model, iter_worlds
from .discovery import MAX_WORLDS, Discovery, discover
from .indices import first_order_indices

if TYPE_CHECKING:
    import pandas as pd

    from ..scenario import Scenario

__all__ = ["run_discovery", "run_indices"]


def run_indices(scenario: Scenario, *, samples: int, seed: int, sampler: str = "random") -> pd.DataFrame:
    """First-order indices of every driver for every target, on the worlds of the run ``(samples, seed, sampler)``.

    Returns
    -------
    pandas.DataFrame
        The table of :func:`~outlook.analysis.indices.first_order_indices`,
        the same numbers (for ``sampler="random"``, exactly its own run).

    Raises
    ------
    ValueError
        As for :func:`~outlook.analysis.indices.first_order_indices`.
    """
    model = compile_model(scenario)
    blocks = iter_worlds(model, samples=samples, seed=seed, sampler=sampler)
    return first_order_indices(model, samples=samples, seed=seed, blocks=blocks)


def run_discovery(scenario: Scenario, target: str, *, samples: int, seed: int, sampler: str = "random") -> Discovery:
    """Scenario discovery (PRIM) for ``target`` on the first :data:`~outlook.analysis.discovery.MAX_WORLDS` worlds.

    Returns
    -------
    Discovery
        As :func:`~outlook.analysis.discovery.discover` gives it for those worlds.

    Raises
    ------
    ValueError
        As for :func:`~outlook.analysis.discovery.discover`.
    """
    model = compile_model(scenario)
    blocks = iter_worlds(model, samples=min(samples, MAX_WORLDS), seed=seed, sampler=sampler)
    return discover(model, target, blocks)
