"""Simulate: a Model becomes a Run.

Owns :func:`simulate` (settings checked at the door, the blocks run through
the runner, the precision loop) and :class:`Run`, what a simulation keeps:
counts and summaries, never every sample. Never formats output, never
prints.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._version import __version__
from ..scenario import Scenario, _repr
from .accumulate import QuantityStats, _check_moments, _Partial, run_blocks
from .compile import Model, as_model, correlation_repair_note
from .settings import (
    BLOCK_SIZE,
    DEFAULT_CHUNK_SIZE,
    MAX_SAMPLES,
    MIN_PRECISION,
    _blocks,
    _check_sampler,
    _check_summary_memory,
    check_counts,
    check_working_memory,
)
from .standard_errors import MIN_QMC_BLOCKS, Counts, StandardErrors, standard_errors
from .worlds import WorldBlock

__all__ = [
    "Run",
    "simulate",
]


@dataclass(slots=True)
class Run:
    """What a simulation keeps: counts and summaries, never every sample.

    Attributes
    ----------
    model
        The compiled model that ran.
    samples, seed, chunk_size
        The run's settings.
    counts
        The worlds counted for every reported probability (:class:`Counts`):
        scenarios ``(n_horizons, n_scenarios)``, events by each horizon
        ``(n_events, n_horizons)``, categories of each categorical driver.
    stats
        Name -> :class:`QuantityStats` for every driver and derived quantity.
    standard_errors
        The Monte Carlo standard error of every probability in ``counts``,
        named as they are (:class:`StandardErrors`): binomial, or for a
        quasi-Monte Carlo run of at least :data:`MIN_QMC_BLOCKS` blocks,
        measured between blocks.
    warnings
        Things a reader should know (a scenario no world reached, a repaired
        correlation matrix, a precision not reached).
    curve_counts
        Shape ``(n_events, len(model.curve_times))``: worlds where the event
        happened by each of the model's curve times (evenly spaced from 0 to
        the last horizon's end).
    precision, sampler
        As passed to :func:`simulate`.
    block_counts
        For a quasi-Monte Carlo run: each block's counts and size, in block
        order (empty for a pseudo-random run).
    worlds
        The run's first worlds (:func:`~outlook.model.accumulate.kept_worlds`
        of them, at most 20,000), kept as the run drew them: the same for
        any ``chunk_size``, ``workers`` or scheduler, since block seeding
        fixes every world. ``None`` only for a Run built by hand.
    notes
        Facts about where the run ran, not about its results (a worker
        count capped at the usable cores): never in the tables or a report,
        which are the same however the run was spread.
    """

    model: Model
    samples: int
    seed: int
    chunk_size: int
    counts: Counts
    stats: dict[str, QuantityStats]
    standard_errors: StandardErrors
    warnings: list[str] = field(default_factory=list)
    curve_counts: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    precision: float | None = None
    sampler: str = "random"
    block_counts: tuple[tuple[Counts, int], ...] = ()
    worlds: WorldBlock | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def scenario(self) -> Scenario:
        return self.model.scenario

    def __repr__(self) -> str:
        """One line: the scenario's id, the run's identity (worlds, seed, sampler) and its shape; never the counts."""
        return f"<Run {_repr.short(self.scenario.id, 40)}: {self._identity()}, {self._shape()}>"

    def _identity(self) -> str:
        warned = f", {_repr.counted(len(self.warnings), 'warning')}" if self.warnings else ""
        return f"{_repr.counted(self.samples, 'world')}, seed {self.seed}, {self.sampler} sampler{warned}"

    def _shape(self) -> str:
        s = self.scenario
        return f"{_repr.counted(len(s.rules), 'scenario')} × {_repr.counted(len(s.horizons), 'horizon')}"

    def _repr_html_(self) -> str:
        """For notebooks: the run's identity and its scenario × horizon probabilities (escaped, bounded).

        The probabilities are the counts' shares of the worlds; their words
        and standard errors are in :func:`outlook.summarise`'s tables.
        """
        s = self.scenario
        shares = self.counts.scenarios / max(self.samples, 1)  # (n_horizons, n_scenarios)
        rows = [
            (_repr.html_text(r.label or r.id), [_repr.percent(float(p)) for p in shares[:, k]])
            for k, r in enumerate(s.rules)
        ]
        table = _repr.html_table("scenario", [_repr.html_text(h.label or h.id) for h in s.horizons], rows)
        heading = f"<code>{_repr.html_text(s.id, 40)}</code>: {_repr.html_text(s.title, 120)}"
        lines = [_repr.html_text(self._identity(), 200), "the share of worlds in each scenario by each horizon's end"]
        lines += [f"warning: {_repr.html_text(w, 200)}" for w in self.warnings[:3]]
        return _repr.html_block("Run", heading, lines, table)


def simulate(
    model: Model | Scenario | str | os.PathLike[str],
    *,
    samples: int | None = None,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
    precision: float | None = None,
    sampler: str = "random",
    workers: int | None = None,
    scheduler: Any = None,
    worker_timeout: float = 60.0,
) -> Run:
    """Simulate worlds and keep their summaries.

    Parameters
    ----------
    model
        From :func:`compile_model`; a Scenario is compiled first, a file path or bundled id loaded (:func:`as_model`).
    samples
        Number of simulated worlds (default 100,000). With ``precision``, the
        most it may take (default 100,000,000). A whole number from 1 to
        :data:`MAX_SAMPLES` (ten billion), or fewer for a model whose
        per-block summaries would pass :data:`MAX_SUMMARY_BYTES`.
    seed
        A whole number from 0 to :data:`MAX_SEED` (2**128 - 1); the same seed
        gives the same numbers for any ``chunk_size``, ``workers`` and
        ``scheduler``.
    chunk_size
        Samples held in memory at once (per worker), at most
        :data:`MAX_CHUNK_SIZE`; rounded up to a whole number of blocks of
        :data:`BLOCK_SIZE`.
    progress
        Called as ``progress(done, samples)`` as work completes (``samples``
        is the cap while a ``precision`` run is still deciding).
    precision
        Keep sampling, a whole number of blocks at a time, until every
        reported probability's standard error ``sqrt(p (1 - p) / n)`` is at
        most this; ``Run.samples`` says how many it took, and a run with that
        many ``samples`` and the same seed gives the very same numbers. If
        the cap is reached first, the run says so in its warnings. At
        least :data:`MIN_PRECISION` (1e-10): a smaller one could not be
        reached within :data:`MAX_SAMPLES`.
    sampler
        ``"random"`` (default), or ``"sobol"`` (scrambled Sobol' points) or
        ``"lhs"`` (Latin hypercube) from :mod:`scipy.stats.qmc`: randomised
        quasi-Monte Carlo, one independent point set per block. With at
        least :data:`MIN_QMC_BLOCKS` blocks, standard errors (and
        ``precision``) are measured from the spread between blocks; with
        fewer, the binomial ones are an upper bound.
    workers
        Processes working on the run, this one included (default 1: this
        process alone; 2 uses two cores). Blocks are split into contiguous
        ranges, run here and in ``workers - 1`` spawned processes, and merged
        in block order, so the numbers are identical to a one-process run.
        With ``scheduler="local"``, the LocalCluster's worker processes
        (default: one per core). Either way, more than the cores this
        process may use are not started: the count is capped, and the run's
        warnings say so. The processes stop within seconds however the call
        ends (an exception or an interrupt included).
    scheduler
        Run the block ranges on Dask instead: ``"local"`` starts a
        ``dask.distributed.LocalCluster`` (``workers`` processes), an address
        such as ``"tcp://10.0.0.5:8786"`` connects to a running scheduler, and
        a ``distributed.Client`` is used as it is. Needs the ``dask`` extra (``pip install 'scenario-outlook[dask]'``).
    worker_timeout
        With ``scheduler``: seconds to wait for a Dask worker when the
        scheduler has none, at the start or after the last one left mid-run,
        before the run fails (default a minute).

    Returns
    -------
    Run

    Raises
    ------
    SimulationError
        If a rate is negative, a probability leaves [0, 1] or a derived
        quantity is not a number or infinite in some worlds, or a worker
        failed; if the Dask scheduler cannot be reached, or has had no
        worker for ``worker_timeout`` seconds.
    ValueError
        For a bad ``samples``, ``seed``, ``chunk_size``, ``precision``,
        ``sampler``, ``workers``, ``worker_timeout`` or ``scheduler`` (an
        address Dask cannot use: an unknown scheme, ``tls://`` without a
        TLS configuration, no port).
    """
    if precision is not None:
        if isinstance(precision, bool) or not isinstance(precision, int | float) or not 0 < precision < 0.5:
            msg = f"precision must be a standard error between 0 and 0.5 (got {precision!r})"
            raise ValueError(msg)
        if precision < MIN_PRECISION:
            msg = (
                f"precision must be at least {MIN_PRECISION:g} (got {precision!r}): a smaller standard error "
                f"needs more than {MAX_SAMPLES:,} samples"
            )
            raise ValueError(msg)
        cap = 100_000_000 if samples is None else samples
    else:
        cap = 100_000 if samples is None else samples
    cap, seed, chunk = check_counts(cap, seed, chunk_size)
    _check_sampler(sampler)
    model = as_model(model)
    _check_summary_memory(model, cap, sampler)
    check_working_memory(model, min(cap, chunk))  # a range of chunk_size worlds is drawn at once
    if workers is None:
        from .runner import cpu_count

        workers = cpu_count() if scheduler == "local" else 1
    if isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1:
        msg = f"workers must be a positive integer (got {workers!r})"
        raise ValueError(msg)
    from .runner import Runner

    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, cap)

    def blocks(first: int, stop: int, total: int) -> _Partial:
        """The accumulators of blocks ``first:stop`` of a ``total``-sample run, wherever they ran."""
        parts: list[_Partial] = []

        def merge(part: _Partial) -> None:
            if parts:
                parts[0].merge(part)  # in any order: moments are kept by block
            else:
                parts.append(part)

        runner.run(
            run_blocks,
            model,
            first,
            stop,
            args=(seed, total, chunk, sampler),
            key=f"{model.scenario.hash[:16]}-{seed}-{total}-{chunk}-{sampler}-{__version__}",
            size=lambda a, b: min(b * BLOCK_SIZE, total) - a * BLOCK_SIZE,
            merge=merge,
            progress=advance,
        )
        return parts[0]

    with Runner(int(workers), scheduler, worker_timeout=worker_timeout) as runner:
        total = cap if precision is None else min(cap, BLOCK_SIZE)
        part = blocks(0, _blocks(total), total)
        while precision is not None and total < cap:
            need = _samples_needed(part, total, float(precision))
            if need <= total:
                break
            # aim 5% past the estimate, in whole blocks, at least one more block
            target = max(total + BLOCK_SIZE, math.ceil(need * 1.05 / BLOCK_SIZE) * BLOCK_SIZE)
            if sampler != "random" and total < MIN_QMC_BLOCKS * BLOCK_SIZE:
                # the binomial bound overstates QMC errors: first get enough blocks to measure them
                target = min(target, MIN_QMC_BLOCKS * BLOCK_SIZE)
            new_total = min(cap, target)
            part.merge(blocks(_blocks(total), _blocks(new_total), new_total))
            total = new_total
    run = _finish(model, part, total, seed, chunk, precision, sampler)
    run.notes[:] = runner.notes  # a capped worker count: execution, not results
    return run


def _max_se(part: _Partial, n: int) -> float:
    """The largest standard error the tables would report now."""
    return standard_errors(part.counts, n, part.blocks()).largest()


def _samples_needed(part: _Partial, n: int, precision: float) -> int:
    """Samples at which the largest p (1 - p) seen so far would have ``precision``."""
    se = _max_se(part, n)
    return math.ceil(se * se * n / (precision * precision))


def _finish(
    model: Model, part: _Partial, total: int, seed: int, chunk: int, precision: float | None, sampler: str
) -> Run:
    s = model.scenario
    stats: dict[str, QuantityStats] = {}
    moments = part.moments
    for q, name in enumerate(model.quantities):
        st = QuantityStats(sketch=part.sketches[q])
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            for row in moments[:, q]:
                st.add_moments(*row)
        _check_moments(model, name, st.mean, st.m2, st.lo, st.hi)
        stats[name] = st
    warnings: list[str] = []
    if model.correlation is not None and model.correlation.repaired:
        warnings.append(correlation_repair_note(model))
    for ri, rule in enumerate(s.rules):
        if not part.counts.scenarios[:, ri].any():
            warnings.append(f"scenario {rule.id!r} was reached by no simulated world at any horizon")
    blocks = part.blocks()
    se = standard_errors(part.counts, total, blocks)
    if precision is not None and se.largest() > precision:
        warnings.append(
            f"precision {precision:g} was not reached: the largest standard error is {se.largest():.3g} "
            f"at the cap of {total} samples"
        )
    return Run(
        model,
        total,
        seed,
        chunk,
        part.counts,
        stats,
        se,
        warnings,
        np.cumsum(part.curve, axis=1),
        precision,
        sampler,
        tuple(blocks),
        part.head,
    )
