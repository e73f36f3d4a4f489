"""Outlook tables: a Run becomes tidy pandas DataFrames.

Owns the table layout (column names are public API), Monte Carlo standard
errors and estimative words. Never samples, never prints.

Tables
------
scenarios
    ``horizon, scenario, p, p_se, word``: one row per horizon and scenario;
    ``p`` sums to 1 within each horizon.
events
    ``horizon, event, p_by, p_by_se, p_within, p_within_se, word``: the
    probability that the event has happened by the end of the horizon, and
    within the horizon's own window (after the previous horizon's end).
drivers, derived
    ``name, unit, kind, mean, sd, min, p5, p25, p50, p75, p95, max``. A
    categorical driver's numbers are empty (NaN): its shares are in the
    categories table. A derived quantity that reads ``t``, the end of the
    horizon (format 1.1), has one row per horizon, in horizon order; a
    scenario with one has a ``horizon`` column after ``name`` in its derived
    table, naming the row's horizon (empty for the other quantities, which
    have one value whatever the horizon). Without one the table is as before.
categories
    ``driver, category, p, p_se``: shares of each categorical driver.
curves
    ``event, time, p_by, p_by_se``: the probability that each event has
    happened by ``time`` (years from ``as_of``), at evenly spaced times from 0
    to the last horizon's end and at every horizon end (where it equals the
    events table). Not one of :attr:`Tables.TABLES`: it is for plotting.
manifest
    The run's identity: scenario id and hash, seed, samples, versions; and
    ``correlation_repair``: ``None``, or, when the stated correlation matrix
    was invalid and replaced by the nearest valid one, the largest change of
    a Spearman rank correlation (``max_change``) and ``[a, b, stated, used]``
    for each pair that moved (``pairs``).
"""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ._version import __version__
from .errors import SimulationError
from .model import (
    BLOCK_SIZE,
    MIN_QMC_BLOCKS,
    PERCENTILES,
    Model,
    Run,
    binomial_se,
    compile_model,
    correlation_changes,
    correlation_repair_note,
)
from .model.accumulate import weighted_moments
from .model.quantiles import weighted_quantile
from .model.standard_errors import check_weights, effective_sample_size, weighted_se
from .model.worlds import scenario_column, worlds_frame
from .scenario import _repr
from .scenario.timing import horizon_column, per_horizon
from .words import get_scale

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._types import FloatArray
    from .scenario import Scenario
    from .words import Scale

__all__ = [
    "LOW_EFFECTIVE_SHARE",
    "Manifest",
    "StandardErrorMethod",
    "Tables",
    "summarise",
    "summarise_worlds",
]

#: Below this share of the worlds, a weighted summary's effective sample size is too small to trust:
#: its tables warn that the worlds should be simulated again under the new assumptions.
LOW_EFFECTIVE_SHARE = 0.1


#: How a table's standard errors were found: ``"binomial"`` (``sqrt(p (1 - p) / n)``), ``"binomial_bound"``
#: (the same, an upper bound for a quasi-Monte Carlo run of too few blocks to measure), ``"between_blocks"``
#: (measured from the spread between independently randomised quasi-Monte Carlo blocks) or ``"kish"``
#: (``sqrt(p (1 - p) / n_eff)`` for weighted worlds, Kish's effective sample size).
StandardErrorMethod = Literal["binomial", "binomial_bound", "between_blocks", "kish"]


@dataclass(frozen=True)
class Manifest(Mapping[str, Any]):
    """The identity of a run's tables: a typed record, read by field or, as a mapping, by name.

    ``manifest.samples`` and ``manifest["samples"]`` are the same; iterating
    gives the field names in order (the report's manifest table and the JSON
    output list them so).

    Attributes
    ----------
    scenario_id, title
        The scenario's id and title.
    scenario_hash
        SHA-256 of the canonical stated content of the scenario that ran:
        the overridden one when ``overrides`` were applied.
    overrides
        The what-if's ``KEY=VALUE`` overrides, in the order applied (empty
        for the file as it stands).
    seed, samples, chunk_size
        The run's settings (``chunk_size`` ``None`` for tables from a world
        store; ``seed`` ``None`` when the store did not record it).
    block_size
        Samples per seeded block.
    scale
        The estimative-word scale.
    format_version
        The scenario file format's version.
    sampler
        ``"random"``, ``"sobol"`` or ``"lhs"``.
    precision
        The standard-error target the run sampled to, or ``None``.
    standard_error_method
        How standard errors were found (:data:`StandardErrorMethod`).
    standard_error
        The same in words, with the formula.
    correlation_repair
        ``None``, or the record of a repaired correlation matrix.
    effective_sample_size
        Kish's ``(sum w)^2 / sum w^2`` of the worlds summarised: ``samples``
        for a run's own tables.
    percentiles
        How percentiles were found.
    outlook_version, numpy_version, scipy_version, pandas_version, python_version
        The software that made the tables.
    """

    scenario_id: str
    title: str
    scenario_hash: str
    overrides: tuple[str, ...]
    seed: Any
    samples: int
    chunk_size: int | None
    block_size: int
    scale: str
    format_version: float
    sampler: Any
    precision: float | None
    standard_error_method: StandardErrorMethod
    standard_error: str
    correlation_repair: dict[str, Any] | None
    effective_sample_size: float
    percentiles: str = "exact (numpy.quantile, linear)"
    outlook_version: str = __version__
    numpy_version: str = np.__version__
    scipy_version: str = field(default_factory=lambda: _version_of("scipy"))
    pandas_version: str = pd.__version__
    python_version: str = field(default_factory=platform.python_version)

    def __getitem__(self, name: str) -> Any:
        if name not in self.__dataclass_fields__:
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dataclass_fields__)

    def __len__(self) -> int:
        return len(self.__dataclass_fields__)

    def to_dict(self) -> dict[str, Any]:
        """Every field by name, ready for JSON (``overrides`` as a list)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.items()}


def _version_of(package: str) -> str:
    from importlib.metadata import version

    return version(package)


@dataclass(frozen=True, eq=False)
class Tables:
    """The tables of one run, as pandas DataFrames, and its manifest."""

    scenarios: pd.DataFrame
    events: pd.DataFrame
    drivers: pd.DataFrame
    derived: pd.DataFrame
    categories: pd.DataFrame
    manifest: Manifest
    warnings: tuple[str, ...] = field(default=())
    #: Event probabilities over time (see the module docstring); for plots.
    curves: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["event", "time", "p_by", "p_by_se"]))
    #: The scenario that ran, for reports and plots (``None`` if not known).
    scenario: Scenario | None = None
    #: The run's first worlds (at most 20,000), as :func:`outlook.sample_worlds` lays them out: the very worlds
    #: the run drew and summarised, for figures and reports (``None`` if not known).
    worlds: pd.DataFrame | None = None

    TABLES = ("scenarios", "events", "drivers", "derived", "categories")

    def table(self, name: str) -> pd.DataFrame:
        """The table called ``name`` (one of :attr:`TABLES`)."""
        if name not in self.TABLES:
            msg = f"unknown table {name!r}; expected one of {', '.join(self.TABLES)}"
            raise ValueError(msg)
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def grid(self, values: Literal["p", "p_se", "word"] = "p") -> pd.DataFrame:
        """The scenario × horizon grid: the scenarios table, wide.

        Parameters
        ----------
        values
            What each cell holds: ``"p"`` (the probability, a float, so
            that the grid can be computed with), ``"p_se"`` (its Monte
            Carlo standard error) or ``"word"`` (its estimative word).
            ``grid()`` and ``grid("word")`` side by side give a reader
            both, as the notebook display of the tables does.

        Returns
        -------
        pandas.DataFrame
            One row per scenario and one column per horizon, each in the
            scenario file's order (ordered categorical indexes named
            ``scenario`` and ``horizon``). With ``values="p"`` each column
            sums to 1.

        Raises
        ------
        ValueError
            For any other ``values``.

        Examples
        --------
        >>> import outlook
        >>> from outlook.testing import tiny_scenario
        >>> s = tiny_scenario(
        ...     horizons={"y5": {"until": "5y"}, "y10": {"until": "10y"}},
        ...     drivers={"r": {"constant": 0.2}},
        ...     events={"it": {"rate": "r"}},
        ... )
        >>> g = outlook.run_outlook(s, samples=1000, seed=1).grid()
        >>> list(g.columns), list(g.index)
        (['y5', 'y10'], ['it_happens', 'rest'])
        >>> bool(((g.sum() - 1).abs() < 1e-12).all())
        True
        """
        if values not in ("p", "p_se", "word"):
            msg = f"unknown grid values {values!r}; expected 'p', 'p_se' or 'word'"
            raise ValueError(msg)
        frame = self.scenarios
        rows, cols = _file_order(frame["scenario"]), _file_order(frame["horizon"])
        wide = frame.pivot(index="scenario", columns="horizon", values=values).reindex(index=rows, columns=cols)
        wide.index = pd.CategoricalIndex(rows, categories=rows, ordered=True, name="scenario")
        wide.columns = pd.CategoricalIndex(cols, categories=cols, ordered=True, name="horizon")
        return wide

    def __repr__(self) -> str:
        """One line: the scenario's id and shape and the run's identity; the tables themselves are attributes."""
        m = self.manifest
        return f"<Tables {_repr.short(m.scenario_id, 40)}: {self._shape()}; {self._identity()}>"

    def _shape(self) -> str:
        n_scen, n_hz = self.scenarios["scenario"].nunique(), self.scenarios["horizon"].nunique()
        return (
            f"{_repr.counted(n_scen, 'scenario')} × {_repr.counted(n_hz, 'horizon')}, "
            f"{_repr.counted(self.events['event'].nunique(), 'event')}, {_repr.counted(len(self.drivers), 'driver')}"
        )

    def _identity(self) -> str:
        m = self.manifest
        n_eff = "" if m.effective_sample_size == m.samples else f" (effective {m.effective_sample_size:,.0f})"
        sampler = f", {m.sampler} sampler" if m.sampler is not None else ""
        warned = f", {_repr.counted(len(self.warnings), 'warning')}" if self.warnings else ""
        return (
            f"{_repr.counted(m.samples, 'world')}{n_eff}, seed {m.seed}{sampler}, hash {m.scenario_hash[:12]}{warned}"
        )

    def _repr_html_(self) -> str:
        """For notebooks: the scenario × horizon grid, each cell a probability and its word, and the run's identity.

        Scenario text is escaped and cut short and the grid is bounded
        (:mod:`outlook.scenario._repr`), so the HTML stays small and inert
        whatever the scenario holds. Rows and columns are labelled with the
        scenario's labels where it has them, else the ids.
        """
        m = self.manifest
        p, words = self.grid().to_numpy(dtype=np.float64), self.grid("word")
        label = {r.id: r.label for r in self.scenario.rules} if self.scenario else {}
        horizon = {h.id: h.label for h in self.scenario.horizons} if self.scenario else {}
        rows = [
            (
                _repr.html_text(label.get(str(sid)) or sid),
                [
                    f"{_repr.percent(float(p[i, j]))} <em>{_repr.html_text(words.iat[i, j])}</em>"
                    for j in range(p.shape[1])
                ],
            )
            for i, sid in enumerate(words.index)
        ]
        cols = [_repr.html_text(horizon.get(str(h)) or h) for h in words.columns]
        table = _repr.html_table("scenario", cols, rows)
        heading = f"<code>{_repr.html_text(m.scenario_id, 40)}</code>: {_repr.html_text(m.title, 120)}"
        lines = [
            _repr.html_text(self._identity(), 200),
            f"{_repr.html_text(m.scale)} words; tables: {', '.join(self.TABLES)}, curves; wide view: <code>.grid()</code>",
        ]
        lines += [f"warning: {_repr.html_text(w, 200)}" for w in self.warnings[:3]]
        return _repr.html_block("Tables", heading, lines, table)

    def to_dict(self) -> dict[str, Any]:
        """Tables as lists of row objects, plus the manifest and warnings."""
        out: dict[str, Any] = {}
        for name in self.TABLES:
            rows = self.table(name).to_dict(orient="records")
            out[name] = [{k: _jsonable(v) for k, v in row.items()} for row in rows]
        out["manifest"] = self.manifest.to_dict()
        out["warnings"] = list(self.warnings)
        return out

    def to_json(self, *, indent: int | None = 2) -> str:
        """One JSON object: every table as a list of rows, and the manifest."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)


def _file_order(column: pd.Series) -> list[str]:
    """A column's ids in the scenario file's order: its categories, or for plain strings the order they appear in."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(c) for c in column.cat.categories]
    return [str(c) for c in pd.unique(column)]


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating | float):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _correlation_repair(model: Model) -> dict[str, Any] | None:
    """The manifest's record of a repaired correlation matrix (``None`` if none was repaired)."""
    c = model.correlation
    if c is None or not c.repaired:
        return None
    return {
        "method": "nearest correlation matrix to the normal-score matrix, Frobenius norm (Higham 2002)",
        "measure": "Spearman rank correlation",
        "max_change": c.max_change,
        "converged": c.converged,
        "pairs": [[a, b, was, now] for a, b, was, now in correlation_changes(model)],
    }


def summarise(run: Run, *, scale: str = "icd203") -> Tables:
    """Turn a run's accumulators into outlook tables.

    Parameters
    ----------
    run
        From :func:`outlook.simulate`.
    scale
        Estimative-word scale: ``icd203`` (default), ``icd203-probability``,
        ``phia``, ``kent``, ``ipcc`` or ``nato-unverified``.

    Returns
    -------
    Tables

    Notes
    -----
    Each probability is a proportion of ``n`` worlds; its Monte Carlo
    standard error is ``sqrt(p (1 - p) / n)``. For a quasi-Monte Carlo run
    of at least :data:`~outlook.model.MIN_QMC_BLOCKS` blocks it is measured
    instead from the spread between blocks, each an independent
    randomisation (:func:`~outlook.model.between_block_se`); the manifest's
    ``standard_error`` says which.
    """
    sc = get_scale(scale)
    s = run.scenario
    n = run.samples
    se = run.standard_errors

    def quantity(name: str) -> tuple[float, float, float, float, list[float]]:
        st = run.stats[name]
        assert st.sketch is not None
        qs = st.sketch.result()
        if qs is None:
            msg = f"percentiles of {name!r} could not be found exactly; rerun with another chunk_size"
            raise SimulationError(msg)
        return st.mean, st.sd, st.lo, st.hi, qs.tolist()

    cats = {d: (run.counts.categories[d] / n, se.categories[d]) for d in run.counts.categories}
    scen, ev, drv, der, cat = _frames(
        s,
        sc,
        (run.counts.scenarios / n, se.scenarios),
        (run.counts.events / n, se.events_by),
        (run.counts.events_within / n, se.events_within),
        cats,
        quantity,
    )
    method: StandardErrorMethod
    if se.method == "between blocks":  # QMC: measured from the spread between independent blocks
        method, words = (
            "between_blocks",
            f"between blocks: {run.sampler} points, {se.blocks} independent randomisations",
        )
    elif run.sampler != "random":
        method = "binomial_bound"
        words = (
            f"binomial: sqrt(p (1 - p) / n), an upper bound under {run.sampler} (fewer than {MIN_QMC_BLOCKS} "
            "blocks to measure it)"
        )
    else:
        method, words = "binomial", "binomial: sqrt(p (1 - p) / n)"
    manifest = _manifest(s, sc.name, run.seed, n, run.sampler, run.precision, (method, words), run.model, float(n))
    manifest = replace(manifest, chunk_size=run.chunk_size)
    # the evenly spaced curve times, and every horizon end from the events table
    grid = run.model.curve_times
    times = np.unique(np.concatenate([grid, run.model.horizon_ends]))
    counts = np.empty((len(s.events), times.size), dtype=np.int64)
    if s.events:
        on_grid = np.searchsorted(times, grid)
        counts[:, on_grid] = run.curve_counts
        at_end = np.searchsorted(times, run.model.horizon_ends)
        counts[:, at_end] = run.counts.events  # equal where an end is also a grid time
    p_curve = counts / n
    curves = _curves(s, times, p_curve, binomial_se(p_curve, n))
    worlds = None
    if run.worlds is not None:
        worlds = worlds_frame(run.model, [run.worlds])
        worlds.attrs.update(seed=run.seed, samples=run.worlds.size, sampler=run.sampler, scenario_hash=s.hash)
    return Tables(scen, ev, drv, der, cat, manifest, tuple(run.warnings), curves, s, worlds)


#: A probability and its standard error, each shaped as the table's counts.
_Pair = tuple["FloatArray", "FloatArray"]


def _frames(
    s: Scenario,
    sc: Scale,
    scenarios: _Pair,
    events_by: _Pair,
    events_within: _Pair,
    categories: Mapping[str, _Pair],
    quantity: Callable[[str], tuple[float, float, float, float, list[float]]],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The scenarios, events, drivers, derived and categories tables from their probabilities and summaries.

    ``scenarios`` is shaped ``(n_horizons, n_scenarios)``, ``events_by`` and
    ``events_within`` ``(n_events, n_horizons)``, each category's
    ``(n_categories,)``; ``quantity(name)`` gives a numeric quantity's mean,
    sd, min, max and percentiles (:data:`PERCENTILES`).
    """
    hz = [h.id for h in s.horizons]
    rules = [r.id for r in s.rules]
    events = [e.id for e in s.events]
    # scenarios: one row per horizon and scenario, horizon-major
    scen = pd.DataFrame(
        {
            "horizon": _in_file_order(np.repeat(hz, len(rules)), hz),
            "scenario": _in_file_order(np.tile(rules, len(hz)), rules),
            "p": scenarios[0].ravel(),
            "p_se": scenarios[1].ravel(),
        }
    )
    scen["word"] = [sc.word(x) for x in scen["p"]]
    # events: one row per event and horizon, event-major
    ev = pd.DataFrame(
        {
            "horizon": _in_file_order(np.tile(hz, len(events)), hz),
            "event": _in_file_order(np.repeat(events, len(hz)), events),
            "p_by": events_by[0].ravel(),
            "p_by_se": events_by[1].ravel(),
            "p_within": events_within[0].ravel(),
            "p_within_se": events_within[1].ravel(),
        }
    )
    ev["word"] = [sc.word(x) for x in ev["p_by"]]
    pct_cols = [f"p{q}" for q in PERCENTILES]
    cols = ["name", "unit", "kind", "mean", "sd", "min", *pct_cols, "max"]

    def qrow(name: str, unit: str, kind: str) -> list[Any]:
        if kind == "categorical":  # the mean or a percentile of a category's index means nothing
            return [name, unit, kind, *[math.nan] * (len(cols) - 3)]
        mean, sd, lo, hi, qs = quantity(name)
        return [name, unit, kind, mean, sd, lo, *qs, hi]

    drv = pd.DataFrame([qrow(d.id, d.unit, d.kind) for d in s.drivers], columns=cols)
    der = _derived_frame(s, cols, qrow)
    crows = []
    for d in s.drivers:
        if d.categories:
            ps, ses = categories[d.id]
            crows += [(d.id, c, float(p), float(e)) for c, p, e in zip(d.categories, ps, ses)]
    cat = pd.DataFrame(crows, columns=["driver", "category", "p", "p_se"])
    return scen, ev, drv, der, cat


def _in_file_order(values: Any, ids: list[str]) -> pd.Categorical:
    """``values`` as an ordered categorical whose categories are ``ids``, in the scenario file's order.

    So that sorting, ``groupby`` and ``pivot`` order horizons, scenarios and
    events as the file does (``short, medium, long``; ``y1, y5, y10``), not
    alphabetically; the values themselves, and so the JSON and CSV output,
    are the same strings.
    """
    return pd.Categorical(values, categories=ids, ordered=True)


def _derived_frame(s: Scenario, cols: list[str], qrow: Callable[[str, str, str], list[Any]]) -> pd.DataFrame:
    """The derived table: a row per quantity, or per quantity and horizon for one that reads ``t``.

    The ``horizon`` column is added only where some quantity reads ``t``, so
    that every other scenario's table keeps its columns.
    """
    varying = per_horizon(s.derived)
    if not varying:
        return pd.DataFrame([qrow(d.id, d.unit, "derived") for d in s.derived], columns=cols)
    rows = []
    for d in s.derived:
        if d.id in varying:
            for h in s.horizons:
                row = qrow(horizon_column(d.id, h.id), d.unit, "derived")
                rows.append([d.id, h.id, *row[1:]])
        else:
            rows.append([d.id, "", *qrow(d.id, d.unit, "derived")[1:]])
    return pd.DataFrame(rows, columns=[cols[0], "horizon", *cols[1:]])


def _curves(s: Scenario, times: FloatArray, p: FloatArray, se: FloatArray) -> pd.DataFrame:
    """The curves table from ``p`` and ``se``, shape ``(n_events, len(times))``."""
    events = [e.id for e in s.events]
    return pd.DataFrame(
        {
            "event": _in_file_order(np.repeat(events, times.size), events),
            "time": np.tile(times, len(s.events)),
            "p_by": p.ravel(),
            "p_by_se": se.ravel(),
        }
    )


def _manifest(
    s: Scenario,
    scale: str,
    seed: Any,
    samples: int,
    sampler: Any,
    precision: float | None,
    se_method: tuple[StandardErrorMethod, str],
    model: Model,
    n_eff: float,
) -> Manifest:
    """The manifest of tables of ``samples`` worlds whose Kish effective sample size is ``n_eff``."""
    return Manifest(
        scenario_id=s.id,
        title=s.title,
        scenario_hash=s.hash,
        overrides=tuple(str(o) for o in s.overrides),
        seed=seed,
        samples=samples,
        chunk_size=None,
        block_size=BLOCK_SIZE,
        scale=scale,
        format_version=s.version,
        sampler=sampler,
        precision=precision,
        standard_error_method=se_method[0],
        standard_error=se_method[1],
        correlation_repair=_correlation_repair(model),
        effective_sample_size=n_eff,
    )


def summarise_worlds(
    scenario: Scenario | Model,
    worlds: pd.DataFrame,
    *,
    weights: object = None,
    scale: str = "icd203",
) -> Tables:
    """Tables from a world store, each world counted with a weight: what-ifs and updates without re-simulating.

    Parameters
    ----------
    scenario
        The scenario (or its compiled model) whose worlds these are.
    worlds
        From :func:`outlook.sample_worlds`: a column per driver and derived
        quantity, ``time_<event>`` per event and ``scenario@<horizon>`` per
        horizon (scenario ids), and optionally ``weight``; other columns
        are ignored. Its ``attrs`` give the manifest's ``seed`` and
        ``sampler`` (``None`` if absent), and its ``scenario_hash``, when
        present, must be the scenario's: worlds drawn from another scenario
        are refused.
    weights
        ``None`` (the ``weight`` column if ``worlds`` has one, else every
        world 1), or one weight per world, shape ``(len(worlds),)``, in the
        worlds' row order (a Series must have the worlds' index): finite,
        none negative, not all 0. Importance
        weights ``f_new(x) / f_old(x)`` give the tables under a new driver
        distribution ``f_new``; an indicator (1 where an observation holds,
        else 0) gives them conditional on it. Only ratios matter.
    scale
        As for :func:`summarise`.

    Returns
    -------
    Tables
        Every probability is ``sum w 1{.} / sum w``, with standard error
        ``sqrt(p (1 - p) / n_eff)`` for Kish's effective sample size
        ``n_eff = (sum w)^2 / sum w^2`` (Kish 1965; the manifest's
        ``effective_sample_size``); means and standard deviations as
        :func:`outlook.model.accumulate.weighted_moments` gives them,
        percentiles as :func:`outlook.model.quantiles.weighted_quantile`.
        With every weight 1, the tables of the worlds of a run
        (``sample_worlds`` with its seed, samples and sampler) equal its
        :func:`summarise` tables exactly, but for the standard errors of a
        quasi-Monte Carlo run (binomial here, between blocks there). When
        ``n_eff`` is below :data:`LOW_EFFECTIVE_SHARE` of the worlds, the
        warnings say so: few worlds carry the weight, so simulate the new
        assumptions instead.

    Raises
    ------
    ValueError
        If ``worlds`` lacks a column, names a scenario the scenario does
        not have, has no rows, or was drawn from another scenario; for bad
        ``weights`` (one line saying which), or a Series of weights with
        another index; for an unknown ``scale``.
    """
    sc = get_scale(scale)
    model = scenario if isinstance(scenario, Model) else compile_model(scenario)
    s = model.scenario
    n = len(worlds)
    missing = [c for c in _store_columns(s) if c not in worlds.columns]
    if missing:
        msg = f"worlds has no column for {', '.join(missing)}; pass worlds from outlook.sample_worlds"
        raise ValueError(msg)
    if n == 0:
        msg = "worlds has no rows: there is nothing to summarise"
        raise ValueError(msg)
    _check_store_values(s, worlds)
    w = _store_weights(s, worlds, weights)
    total = float(np.sum(w))
    n_eff = effective_sample_size(w)

    def share(mask: np.ndarray) -> float:
        return float(np.sum(w[mask])) / total

    rule_ids = [r.id for r in s.rules]
    p_scen = np.empty((len(s.horizons), len(rule_ids)))
    for hi, h in enumerate(s.horizons):
        labels = worlds[scenario_column(h.id)]
        unknown = ~labels.isin(rule_ids).to_numpy()
        if unknown.any():
            bad = labels.iloc[int(np.argmax(unknown))]
            msg = f"worlds column {scenario_column(h.id)} names {bad!r}, not one of the scenario's {len(rule_ids)}"
            raise ValueError(msg)
        codes = np.asarray(pd.Categorical(labels, categories=rule_ids).codes)
        p_scen[hi] = np.bincount(codes, weights=w, minlength=len(rule_ids)) / total
    ends = model.horizon_ends
    times = {e.id: worlds[f"time_{e.id}"].to_numpy(dtype=np.float64) for e in s.events}
    p_by = np.array([[share(times[e.id] <= end) for end in ends] for e in s.events]).reshape(len(s.events), ends.size)
    starts = np.concatenate([[-np.inf], ends[:-1]])
    p_within = np.array(
        [[share((times[e.id] > a) & (times[e.id] <= b)) for a, b in zip(starts, ends)] for e in s.events]
    ).reshape(len(s.events), ends.size)
    cats: dict[str, _Pair] = {}
    for d in s.drivers:
        if d.categories:
            codes = np.asarray(pd.Categorical(worlds[d.id], categories=list(d.categories)).codes)
            p = np.bincount(codes, weights=w, minlength=len(d.categories)) / total  # codes checked: none -1
            cats[d.id] = (p, weighted_se(p, n_eff))
    levels = [q / 100 for q in PERCENTILES]

    def quantity(name: str) -> tuple[float, float, float, float, list[float]]:
        x = worlds[name].to_numpy(dtype=np.float64)
        mean, sd, lo, hi = weighted_moments(x, w)
        return mean, sd, lo, hi, weighted_quantile(x, w, levels).tolist()

    frames = _frames(
        s,
        sc,
        (p_scen, weighted_se(p_scen, n_eff)),
        (p_by, weighted_se(p_by, n_eff)),
        (p_within, weighted_se(p_within, n_eff)),
        cats,
        quantity,
    )
    grid = np.unique(np.concatenate([model.curve_times, ends]))
    p_curve = np.empty((len(s.events), grid.size))
    for k, e in enumerate(s.events):
        order = np.argsort(times[e.id], kind="stable")
        cum = np.concatenate([[0.0], np.cumsum(w[order])])
        p_curve[k] = cum[np.searchsorted(times[e.id][order], grid, side="right")] / total
    se_method: tuple[StandardErrorMethod, str] = (
        ("binomial", "binomial: sqrt(p (1 - p) / n)")
        if weights is None and bool(np.all(w == w[0]))
        else ("kish", "weighted: sqrt(p (1 - p) / n_eff), n_eff = (sum w)^2 / sum w^2 (Kish 1965)")
    )
    attrs = worlds.attrs
    manifest = _manifest(s, sc.name, attrs.get("seed"), n, attrs.get("sampler"), None, se_method, model, n_eff)
    warnings: list[str] = []
    if model.correlation is not None and model.correlation.repaired:
        warnings.append(correlation_repair_note(model))
    if n_eff < LOW_EFFECTIVE_SHARE * n:
        warnings.append(
            f"the weights leave an effective sample size of {n_eff:,.1f} of {n:,} worlds (below "
            f"{LOW_EFFECTIVE_SHARE:.0%}): few worlds carry the weight; simulate the new assumptions instead"
        )
    return Tables(*frames, manifest, tuple(warnings), _curves(s, grid, p_curve, weighted_se(p_curve, n_eff)), s, worlds)


def _check_store_values(s: Scenario, worlds: pd.DataFrame) -> None:
    """Refuse a world store whose values no run could have drawn, naming the column and the first bad row.

    A driver or derived quantity is a finite number (a categorical driver,
    one of its categories); an event time is a number of years, at least 0,
    or ``inf`` for never.
    """

    def refuse(column: str, row: int, what: str) -> None:
        value = worlds[column].iloc[row]
        raise ValueError(
            f"worlds column {column} {what} (row {row}: {value!r}); pass worlds from outlook.sample_worlds"
        )

    for d in s.drivers:
        if d.categories:
            unknown = ~worlds[d.id].isin(list(d.categories)).to_numpy()
            if unknown.any():
                refuse(d.id, int(np.argmax(unknown)), f"holds a value that is not one of {list(d.categories)}")
    numeric = [d.id for d in s.drivers if not d.categories] + _derived_columns(s)
    times = [f"time_{e.id}" for e in s.events]
    for column in numeric + times:
        try:
            x = worlds[column].to_numpy(dtype=np.float64)
        except (TypeError, ValueError):
            x = pd.to_numeric(worlds[column], errors="coerce").to_numpy(dtype=np.float64)
            refuse(column, int(np.argmax(np.isnan(x))), "holds a value that is not a number")
        bad = ~np.isfinite(x) if column in numeric else (np.isnan(x) | (x < 0))
        if bad.any():
            what = (
                "holds a value that is not a finite number"
                if column in numeric
                else "holds a time that is not 0 or more years (or inf: never)"
            )
            refuse(column, int(np.argmax(bad)), what)


def _store_weights(s: Scenario, worlds: pd.DataFrame, weights: object) -> np.ndarray:
    """The weights of a world store's rows, checked (see :func:`summarise_worlds`)."""
    n = len(worlds)
    drawn_from = worlds.attrs.get("scenario_hash")
    if drawn_from is not None and drawn_from != s.hash:
        msg = (
            f"worlds were drawn from another scenario (hash {str(drawn_from)[:16]}, not {s.hash[:16]}); "
            "a what-if's worlds are drawn from the what-if (sample_worlds, or outlook.model.iter_recomputed), "
            "or reweighted with importance weights from the scenario they came from"
        )
        raise ValueError(msg)
    if weights is None and "weight" in worlds.columns:
        weights = worlds["weight"]
    if isinstance(weights, pd.Series) and not weights.index.equals(worlds.index):
        msg = (
            "weights is a Series whose index is not the worlds' index: align it first "
            "(weights.reindex(worlds.index)), or pass an array in the worlds' row order"
        )
        raise ValueError(msg)
    return np.ones(n) if weights is None else check_weights(weights, n)


def _derived_columns(s: Scenario) -> list[str]:
    """The world store's columns of derived quantities: one each, or one per horizon for one that reads ``t``."""
    varying = per_horizon(s.derived)
    out: list[str] = []
    for d in s.derived:
        out += [horizon_column(d.id, h.id) for h in s.horizons] if d.id in varying else [d.id]
    return out


def _store_columns(s: Scenario) -> list[str]:
    """The columns of a world store that a summary reads."""
    return [
        *(d.id for d in s.drivers),
        *_derived_columns(s),
        *(f"time_{e.id}" for e in s.events),
        *(scenario_column(h.id) for h in s.horizons),
    ]
