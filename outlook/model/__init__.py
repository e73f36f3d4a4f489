"""The model stage: a Scenario becomes a Model, a Model becomes a Run.

Owns sampling, block by block, from one ``numpy.random.SeedSequence``:
drivers (with rank correlations through a Gaussian copula), derived
quantities, event times, and the scenario each world falls in at each
horizon; the accumulators a run keeps instead of every sample; Monte Carlo
standard errors; and where block ranges run (this process, worker processes,
Dask). Never formats output, never prints.

The modules, in pipeline order:

``settings``
    the block size and the limits; counts checked at the door
``compile``
    :class:`Model` and :func:`compile_model`
``streams``
    which generator draws which numbers
``worlds``
    drawing the worlds of a range of samples; :func:`sample_worlds`
``hazards``
    event times from piecewise cumulative hazards
``accumulate``
    the mergeable partial accumulators of a range of blocks
``quantiles``
    the exact percentile sketch
``standard_errors``
    binomial and between-block standard errors
``simulation``
    :func:`simulate` and :class:`Run`
``runner``
    where block ranges run; imports nothing from the model
``graph``
    the dependency graph: who feeds whom, what a change reaches
``incremental``
    a what-if's worlds from a base run's, recomputing only what the change reaches
"""

from __future__ import annotations

from .accumulate import PERCENTILES, QuantityStats, count_worlds
from .compile import Model, as_model, compile_model, correlation_changes, correlation_repair_note
from .graph import DependencyGraph, dependency_graph
from .hazards import event_times
from .incremental import Recompute, iter_recomputed, plan_recompute, recompute_worlds
from .settings import (
    BLOCK_SIZE,
    DEFAULT_CHUNK_SIZE,
    MAX_CHUNK_SIZE,
    MAX_SAMPLES,
    MAX_SEED,
    MAX_SUMMARY_BYTES,
    MAX_WORLD_VALUES,
    SAMPLERS,
    check_counts,
)
from .simulation import Run, simulate
from .standard_errors import MIN_QMC_BLOCKS, Counts, StandardErrors, between_block_se, binomial_se, standard_errors
from .worlds import WorldBlock, draw_worlds, iter_worlds, sample_worlds, worlds_frame

__all__ = [
    "BLOCK_SIZE",
    "Counts",
    "DependencyGraph",
    "DEFAULT_CHUNK_SIZE",
    "MAX_CHUNK_SIZE",
    "MAX_SAMPLES",
    "MAX_SEED",
    "MAX_SUMMARY_BYTES",
    "MAX_WORLD_VALUES",
    "MIN_QMC_BLOCKS",
    "Model",
    "PERCENTILES",
    "QuantityStats",
    "Recompute",
    "Run",
    "SAMPLERS",
    "StandardErrors",
    "WorldBlock",
    "between_block_se",
    "binomial_se",
    "check_counts",
    "as_model",
    "compile_model",
    "correlation_changes",
    "correlation_repair_note",
    "count_worlds",
    "dependency_graph",
    "draw_worlds",
    "event_times",
    "iter_recomputed",
    "iter_worlds",
    "plan_recompute",
    "recompute_worlds",
    "sample_worlds",
    "simulate",
    "standard_errors",
    "worlds_frame",
]
