"""Hierarchical drivers (format 1.1): drivers whose parameters are expressions over other drivers.

Owns the order in which they are drawn (:func:`hierarchical_order`), the
variate each draws from its own stream (:func:`variate`, :func:`qmc_variate`)
and its values given its parents' (:func:`resolve`): its parameters are
evaluated in every world on the parents' draws, checked, and its variate
goes through its shape's inverse CDF at them
(:meth:`outlook.distributions.Conditional.draw`). Common random numbers
hold: a driver's variate depends only on the seed, the block and its id, so
changing a parent moves only the child and what lies downstream. Never
summarises, never prints.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import distributions as dist
from .._types import FloatArray
from ..errors import Location, SimulationError
from ..errors import number_text as _num
from ..scenario import Driver, Scenario
from ..scenario.expressions import Expression
from ..scenario.stated import MAX_MAGNITUDE, MIN_TRUNCATED_MASS, HierarchicalForm

__all__ = [
    "hierarchical_order",
    "parameter_values",
    "qmc_variate",
    "resolve",
    "variate",
]


def hierarchical_order(scenario: Scenario) -> tuple[str, ...]:
    """The hierarchical drivers, each after the drivers its parameters read (the file's order otherwise).

    The loader refuses a cycle; a scenario with one (built by hand) is refused by its reference checks.
    """
    pending = [d for d in scenario.drivers if d.parents]
    hierarchical = {d.id for d in pending}
    done: list[str] = []
    placed: set[str] = set()
    while pending:
        ready = [d for d in pending if not (d.parents & hierarchical) - placed]
        if not ready:  # a cycle: not a scenario the loader gives
            raise ValueError("drivers' parameters refer to each other in a cycle: " + ", ".join(d.id for d in pending))
        done += [d.id for d in ready]
        placed |= {d.id for d in ready}
        pending = [d for d in pending if d.id not in placed]
    return tuple(done)


def variate(d: Driver, rng: np.random.Generator, n: int) -> FloatArray:
    """The ``n`` variates a hierarchical driver draws from its stream: what its plain shape's ``sample`` draws.

    Standard normal scores, or uniforms on [0, 1) (:attr:`outlook.distributions.Conditional.score`).
    """
    c = d.distribution
    assert isinstance(c, dist.Conditional)
    return rng.standard_normal(n) if c.score == "normal" else rng.random(n)


def qmc_variate(d: Driver, u: FloatArray) -> FloatArray:
    """A hierarchical driver's variates from its quasi-random coordinate ``u`` in (0, 1): ``u``, or ``Phi^-1(u)``."""
    from scipy import special

    c = d.distribution
    assert isinstance(c, dist.Conditional)
    return np.asarray(special.ndtri(u) if c.score == "normal" else u, dtype=np.float64)


def parameter_values(d: Driver, values: dict[str, FloatArray], n: int) -> dict[str, Any]:
    """Each parameter of hierarchical ``d``: a number, or its expression's value in every world, shape ``(n,)``.

    Raises
    ------
    SimulationError
        Located at the parameter, naming the driver, if they break a rule of
        its shape (an ``sd`` that is not positive, a ``min`` not below
        ``max``, a probability outside [0, 1], a value that is not finite)
        in some world, or a truncation keeps less than 1e-12 of the mass.
    """
    form = d.stated
    assert isinstance(form, HierarchicalForm)
    c = d.distribution
    assert isinstance(c, dist.Conditional)
    params = {k: v.evaluate(values, n) if isinstance(v, Expression) else v for k, v in form.params}
    broken = c.problem(params)
    if broken is not None:
        raise SimulationError(_broken(d, form, params, broken, n))
    if c.truncated:
        mass = c.mass(params)
        thin = ~(mass >= MIN_TRUNCATED_MASS)
        if thin.any():
            i = int(np.argmax(thin))
            where = Location(d.where.path, d.where.line, d.where.col, f"drivers.{d.id}.truncate", d.where.override)
            msg = (
                f"{where.located(where.key_path)}: driver {d.id!r}: truncate [{_num(form.low)}, {_num(form.high)}] keeps "
                f"less than {MIN_TRUNCATED_MASS:g} of its distribution in {int(thin.sum()):,} of {n:,} worlds "
                f"(e.g. {_example(form, params, tuple(k for k, _ in form.params), i, n)}); widen it"
            )
            raise SimulationError(msg)
    return params


def _broken(
    d: Driver, form: HierarchicalForm, params: dict[str, Any], broken: tuple[tuple[str, ...], str, Any], n: int
) -> str:
    """The located message for parameters that break a rule of their shape in some worlds."""
    names, rule, bad = broken
    exprs = dict(form.expressions)
    at = next((k for k in reversed(names) if k in exprs), next(iter(exprs)))
    where = exprs[at].where
    kp = where.key_path or (f"drivers.{d.id}.{form.form}" + ("" if form.form == "probability" else f".{at}"))
    i = int(np.argmax(bad))
    return (
        f"{where.located(kp)}: driver {d.id!r}: {rule}, but is not in {int(bad.sum()):,} of {n:,} worlds "
        f"(e.g. {_example(form, params, names, i, n)}, where {at} = {exprs[at].text}); "
        "state parameters that are valid in every world (max(), min() or clip() can bound them)"
    )


def _example(form: HierarchicalForm, params: dict[str, Any], names: tuple[str, ...], i: int, n: int) -> str:
    return ", ".join(f"{k} {float(np.broadcast_to(params[k], (n,))[i]):.6g}" for k in names)


def resolve(d: Driver, values: dict[str, FloatArray], score: FloatArray, n: int) -> FloatArray:
    """A hierarchical driver's draws, shape ``(n,)``: its variates ``score`` at its parameters in each world.

    ``values`` holds its parents' draws.

    Raises
    ------
    SimulationError
        As :func:`parameter_values`; and located at the driver if some finite
        draws reach beyond :data:`~outlook.scenario.stated.MAX_MAGNITUDE`
        (1e150, the bound a plain driver is held to when its file loads), so
        that every summary of the run stays finite.
    """
    c = d.distribution
    assert isinstance(c, dist.Conditional)
    params = parameter_values(d, values, n)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        x = c.draw(params, score)
    huge = np.isfinite(x) & (np.abs(x) > MAX_MAGNITUDE)  # what is not finite, draw_worlds reports
    if huge.any():
        msg = (
            f"{d.where.located(f'drivers.{d.id}')}: values reach {float(np.max(np.abs(x[huge]))):.4g} in {int(huge.sum()):,} of "
            f"{n:,} worlds, beyond {MAX_MAGNITUDE:.4g}: too large for a run to summarise; express it in larger units "
            "or bound its parameters"
        )
        raise SimulationError(msg)
    return x


def conditional_quantile(d: Driver, values: dict[str, FloatArray], q: float, n: int) -> FloatArray:
    """A hierarchical driver's ``q`` quantile in each world, given its parents' values there (for the tornado)."""
    c = d.distribution
    assert isinstance(c, dist.Conditional)
    params = parameter_values(d, values, n)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return c.quantile(params, q, n)
