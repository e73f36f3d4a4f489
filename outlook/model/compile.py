"""A Scenario becomes a Model: what sampling needs, prepared once.

Owns :class:`Model` and :func:`compile_model`: the horizon ends, the
correlated drivers and the Cholesky factor of their (judged, perhaps
repaired) correlation matrix, and the times at which event curves are
counted; and the run's note on a repaired matrix. Never samples.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from .. import distributions as dist
from .._types import FloatArray
from ..errors import SimulationError
from ..scenario import Scenario, _repr
from ..scenario.timing import horizon_column, per_horizon
from .hierarchy import hierarchical_order

__all__ = [
    "CURVE_POINTS",
    "Model",
    "compile_model",
    "correlation_changes",
    "correlation_repair_note",
]

#: Evenly spaced times from 0 to the last horizon's end at which event
#: probabilities are counted for curves (the tables add the horizon ends).
CURVE_POINTS = 121


@dataclass(frozen=True, slots=True)
class Model:
    """A scenario compiled for sampling: draw order, copula, horizon ends."""

    scenario: Scenario
    horizon_ends: FloatArray
    correlated: tuple[str, ...]
    cholesky: FloatArray | None
    #: The correlated drivers' rank correlations, judged as a whole (and
    #: repaired if the file asks): ``None`` without correlations.
    correlation: dist.CorrelationMatrix | None
    curve_times: FloatArray = field(default_factory=lambda: np.zeros(1))
    #: The hierarchical drivers (format 1.1), in the order they are drawn: each after the drivers it reads.
    hierarchical: tuple[str, ...] = ()

    def __repr__(self) -> str:
        """One line: the scenario's id, its drivers (how many correlated) and horizons; never the arrays."""
        return f"<Model {_repr.short(self.scenario.id, 40)}: {self._facts()}>"

    def _facts(self) -> str:
        s = self.scenario
        copula = f" ({len(self.correlated):,} correlated{', repaired' if self._repaired() else ''})"
        ends = f" to {float(self.horizon_ends.max()):g} years" if self.horizon_ends.size else ""
        return (
            f"{_repr.counted(len(s.drivers), 'driver')}{copula if self.correlated else ''}, "
            f"{_repr.counted(len(s.derived), 'derived quantity', 'derived quantities')}, "
            f"{_repr.counted(len(s.events), 'event')}, {_repr.counted(len(s.horizons), 'horizon')}{ends}"
        )

    def _repaired(self) -> bool:
        return self.correlation is not None and self.correlation.repaired

    def _repr_html_(self) -> str:
        """For notebooks: the scenario it was compiled from and what sampling will draw (escaped, bounded)."""
        s = self.scenario
        heading = f"<code>{_repr.html_text(s.id, 40)}</code>: {_repr.html_text(s.title, 120)}"
        lines = [_repr.html_text(self._facts(), 300), f"scenario hash <code>{s.hash[:16]}</code>"]
        return _repr.html_block("Model", heading, lines)

    @property
    def quantities(self) -> tuple[str, ...]:
        """Driver and derived names, in table order; a derived quantity that reads ``t`` once per horizon.

        Such a quantity is named :func:`~outlook.scenario.timing.horizon_column` at each horizon
        (``users@y1``, ``users@y2``), in horizon order.
        """
        s = self.scenario
        varying = self.per_horizon
        out = [d.id for d in s.drivers]
        for d in s.derived:
            out += [horizon_column(d.id, h.id) for h in s.horizons] if d.id in varying else [d.id]
        return tuple(out)

    @property
    def per_horizon(self) -> frozenset[str]:
        """The derived quantities with a value per horizon: :func:`~outlook.scenario.timing.per_horizon`."""
        return per_horizon(self.scenario.derived)


def as_model(model: Model | Scenario | str | os.PathLike[str]) -> Model:
    """``model`` as a :class:`Model`: itself, a scenario compiled, or a file path or bundled id loaded and compiled.

    Raises
    ------
    TypeError
        For anything else, naming what was given.
    ScenarioError, ScenarioErrors
        If a path or id does not name a scenario, or its file does not load.
    """
    if isinstance(model, Model):
        return model
    if isinstance(model, Scenario):
        return compile_model(model)
    if isinstance(model, str | os.PathLike):
        from ..scenario import find_scenario, load_scenario

        return compile_model(load_scenario(find_scenario(os.fspath(model))))
    msg = f"expected a Model, a Scenario, or a scenario file's path or bundled id (got {type(model).__name__})"
    raise TypeError(msg)


def compile_model(scenario: Scenario) -> Model:
    """Prepare a validated scenario for :func:`simulate`.

    Parameters
    ----------
    scenario
        A :class:`~outlook.scenario.Scenario`.

    Returns
    -------
    Model

    Raises
    ------
    SimulationError
        If the rank correlations cannot hold together (their matrix is not
        positive definite) and the scenario does not ask for
        ``correlation_repair: nearest``. The loader refuses such a file
        first; this guards scenarios built another way.

    Notes
    -----
    The correlation matrix is judged, and repaired if asked, as a whole by
    :func:`outlook.distributions.correlation_matrix`, the function the
    loader uses: the order of the pairs changes nothing.
    """
    ends = np.array([h.until for h in scenario.horizons], dtype=np.float64)
    names = [d.id for d in scenario.drivers]
    involved = {c.a for c in scenario.correlations} | {c.b for c in scenario.correlations}
    correlated = tuple(n for n in names if n in involved)
    chol = None
    judged = None
    if correlated:
        index = {n: k for k, n in enumerate(correlated)}
        pairs = [(index[c.a], index[c.b], c.rho) for c in scenario.correlations]
        judged = dist.correlation_matrix(len(correlated), pairs, repair=scenario.correlation_repair == "nearest")
        if not judged.valid and not judged.repaired:
            c = scenario.correlations[judged.conflict_pairs(pairs)[0]]
            msg = (
                f"{c.where.located(c.where.key_path or 'correlations')}: {judged.describe_conflict(correlated, pairs)}; "
                "change them, or set correlation_repair: nearest"
            )
            raise SimulationError(msg)
        chol = np.asarray(np.linalg.cholesky(judged.matrix), dtype=np.float64)
    grid = np.linspace(0.0, float(ends.max()), CURVE_POINTS)
    # the times of the sources' claims on events (format 1.1 ``claims:``), so each is read off the curves exactly
    claimed = [c.years for c in scenario.claims if c.kind == "event" and 0.0 < c.years <= float(ends.max())]
    if claimed:
        grid = np.unique(np.concatenate([grid, np.asarray(claimed, dtype=np.float64)]))
    return Model(scenario, ends, correlated, chol, judged, grid, hierarchical_order(scenario))


def correlation_changes(model: Model) -> list[tuple[str, str, float, float]]:
    """``(a, b, stated rho, used rho)`` for each rank correlation a repair moved (none without a repair).

    Pairs of correlated drivers in file order, unstated pairs (stated 0)
    included, when the Spearman correlation moved by at least
    :data:`~outlook.distributions.REPAIR_SHOWN_CHANGE`.
    """
    if model.correlation is None:
        return []
    names = model.correlated
    return [(names[i], names[j], a, b) for i, j, a, b in model.correlation.changes()]


def correlation_repair_note(model: Model) -> str:
    """The run's warning for a repaired correlation matrix: what was done and the largest change."""
    assert model.correlation is not None
    c = model.correlation
    text = (
        "the stated rank correlations cannot hold together (their matrix is not positive definite); as "
        "correlation_repair: nearest asks, the nearest valid correlation matrix was used (Higham 2002)"
    )
    changes = correlation_changes(model)
    if changes:
        a, b, was, now = max(changes, key=lambda t: abs(t[3] - t[2]))
        text += (
            f": the largest change to a rank correlation is {c.max_change:.4f} "
            f"([{a}, {b}]: {was:.4g} stated, {now:.4f} used; {len(changes)} "
            f"{'pair' if len(changes) == 1 else 'pairs'} changed, listed in the manifest)"
        )
    if not c.converged:
        text += f"; the iteration stopped at its cap of {dist.REPAIR_MAX_ITERATIONS} steps before converging"
    return text
