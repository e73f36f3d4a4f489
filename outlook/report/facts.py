"""What a report reads from the tables besides their rows: the scenario they carry and the run's manifest.

Owns the one place the report reaches into a :class:`~outlook.Tables` for
something that is not a table: :func:`scenario_of` and :func:`run_facts`
(every manifest read). Never formats, never renders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..scenario import Scenario
    from ..tables import Tables

__all__ = [
    "RunFacts",
    "run_facts",
    "scenario_of",
]


def scenario_of(tables: Tables) -> Scenario:
    s = tables.scenario
    if s is None:
        msg = "these tables do not carry their scenario (Tables.scenario is None); build them with outlook.summarise"
        raise ValueError(msg)
    return s


@dataclass(frozen=True, slots=True)
class RunFacts:
    """The facts of one run that the report states, read from its manifest.

    Attributes
    ----------
    samples
        Simulated worlds, n.
    seed
        The run's seed, as the manifest records it.
    scale
        Name of the estimative-word scale.
    sampler
        ``"random"``, ``"sobol"`` or ``"lhs"``.
    precision
        The standard-error target the run sampled to, or ``None``.
    block_size
        Samples per seeded block.
    between_blocks
        Whether the standard errors were measured from the spread between
        blocks (quasi-Monte Carlo with enough blocks) rather than binomial.
    correlation_repair
        The record of a repaired correlation matrix, or ``None``.
    overrides
        The what-if's overrides, as ``KEY=VALUE`` texts in order (empty for
        the scenario as its file states it).
    effective_sample_size
        Kish's effective sample size when the worlds were weighted
        (:func:`outlook.summarise_worlds`), else ``None``.
    fields
        Every manifest field, in order, for the manifest table.
    """

    samples: int
    seed: Any
    scale: str
    sampler: str
    precision: float | None
    block_size: int
    between_blocks: bool
    correlation_repair: dict[str, Any] | None
    fields: tuple[tuple[str, Any], ...]
    overrides: tuple[str, ...] = ()
    effective_sample_size: float | None = None


def run_facts(tables: Tables) -> RunFacts:
    """The run's facts: the one function that reads :attr:`Tables.manifest` (a typed :class:`~outlook.tables.Manifest`).

    Which standard errors the run reports is its named
    ``standard_error_method``, not a sentence.
    """
    m = tables.manifest
    return RunFacts(
        samples=int(m.samples),
        seed=m.seed,
        scale=m.scale,
        sampler=str(m.sampler or "random"),
        precision=None if m.precision is None else float(m.precision),
        block_size=m.block_size,
        between_blocks=m.standard_error_method == "between_blocks",
        correlation_repair=m.correlation_repair or None,
        fields=tuple(m.items()),
        overrides=tuple(str(o) for o in (m.overrides or ())),
        effective_sample_size=_weighted(m.standard_error_method, m.effective_sample_size, m.samples),
    )


def _weighted(method: str, effective: float | None, samples: int) -> float | None:
    """Kish's effective sample size of weighted worlds; ``None`` when every world counts fully (equal weights)."""
    if method != "kish" or effective is None or math.isclose(float(effective), float(samples), rel_tol=1e-12):
        return None
    return float(effective)
