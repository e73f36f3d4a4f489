"""What a report reads from the tables besides their rows: the scenario they carry and the run's manifest.

Owns the one place the report reaches into a :class:`~outlook.Tables` for
something that is not a table: :func:`scenario_of` and :func:`run_facts`
(every manifest read). Never formats, never renders.
"""

from __future__ import annotations

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


def run_facts(tables: Tables) -> RunFacts:
    """The run's facts: the one function that reads :attr:`Tables.manifest`.

    When the manifest becomes a typed record, only this function changes.
    Which standard errors a run reports is the one fact the tables do not
    hold other than as a sentence (the manifest's ``standard_error``); it is
    read here, and only here, by its leading words.
    """
    m = tables.manifest
    precision = m.get("precision")
    return RunFacts(
        samples=int(m["samples"]),
        seed=m["seed"],
        scale=str(m.get("scale", "icd203")),
        sampler=str(m.get("sampler") or "random"),
        precision=None if precision is None else float(precision),
        block_size=int(m.get("block_size", 65536)),
        between_blocks=str(m.get("standard_error", "")).startswith("between blocks"),
        correlation_repair=m.get("correlation_repair") or None,
        fields=tuple((str(k), v) for k, v in m.items()),
    )
