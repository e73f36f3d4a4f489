"""The scenario: YAML text becomes a frozen, validated :class:`Scenario`; a what-if is a new one.

Owns the :class:`Scenario` value (its constructors, what-ifs by override,
lookups, plain data and hash) and :func:`load_scenario`. Reading a file is
:mod:`.reading`'s job, checking each section :mod:`.sections`', applying
overrides :mod:`.overrides`'. Never samples, never prints.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from ..errors import ScenarioError, ScenarioErrors, did_you_mean
from . import _repr
from .assumptions import Assumption, assumption_data
from .canonical import (
    correlation_data,
    derived_data,
    digest,
    driver_data,
    event_data,
    horizon_data,
    rule_data,
    source_data,
    to_yaml,
)
from .claims import Claim, claim_data
from .durations import end_date
from .futures import Futures, futures_data
from .hypotheses import evidence_data, hypotheses_data
from .indicators import indicator_data
from .judgements import Judgement, judgement_data
from .lineage import Lineage, lineage_data
from .overrides import Override, apply_overrides, as_overrides, stated_nodes
from .provenance import context_data
from .reading import Node, compose, from_plain, read_text
from .records import (
    ContextFigure,
    Correlation,
    Derived,
    Driver,
    Event,
    Evidence,
    Horizon,
    Hypotheses,
    Indicator,
    ScenarioRule,
    Source,
)
from .references import reference_problems
from .sections import build

__all__ = [
    "Scenario",
    "load_scenario",
]


#: The hashes of the scenarios asked lately, by object (each entry holds its scenario, so an id is never reused).
_HASHES: dict[int, tuple[Scenario, str]] = {}
_HASHES_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated scenario. Frozen: a what-if is :meth:`with_overrides`, a new, revalidated scenario.

    Build one with :func:`load_scenario`, :meth:`from_yaml` or
    :meth:`from_dict`; :meth:`to_dict` gives back what it states, and
    :attr:`hash` identifies that. Every reference between its parts is
    checked when it is made, however it is made: ``dataclasses.replace``
    that leaves a name dangling raises a :class:`~outlook.ScenarioError`
    naming it. To change what a scenario states, use :meth:`with_overrides`:
    it checks the result as a file is checked and records what was changed.

    Examples
    --------
    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(drivers={"r": {"range": [0.1, 0.3], "shape": "lognormal"}}, events={"it": {"rate": "r"}})
    >>> [h.until for h in s.horizons], [d.id for d in s.drivers], [r.id for r in s.rules]
    ([1.0], ['r'], ['it_happens', 'rest'])
    >>> s.with_overrides({"drivers.r.range": [0.2, 0.5]}).driver("r").stated
    RangeForm(low=0.2, high=0.5, shape='lognormal', confidence=None, mode=None, lam=None)
    """

    version: float
    id: str
    title: str
    question: str
    as_of: dt.date
    horizons: tuple[Horizon, ...]
    drivers: tuple[Driver, ...]
    rules: tuple[ScenarioRule, ...]
    derived: tuple[Derived, ...] = ()
    events: tuple[Event, ...] = ()
    correlations: tuple[Correlation, ...] = ()
    correlation_repair: str = "none"
    sources: tuple[Source, ...] = ()
    description: str = ""
    #: the scope note (format 1.1): who the analysis is for, what it covers and leaves out; the report opens with it
    scope: str = ""
    #: the key assumptions the file states (format 1.1), each with the overrides that hold if it is false
    assumptions: tuple[Assumption, ...] = ()
    #: what to watch for (format 1.1): each an observable condition and the scenarios it is meant to signal
    indicators: tuple[Indicator, ...] = ()
    #: the hypotheses of an ACH matrix (format 1.1): the scenarios at a horizon, or custom ones; ``None``: none stated
    hypotheses: Hypotheses | None = None
    #: the evidence of an ACH matrix (format 1.1): ratings, and likelihoods or an observable, per item
    evidence: tuple[Evidence, ...] = ()
    #: figures that inform the reader and feed no probability (format 1.1 ``context:``)
    context: tuple[ContextFigure, ...] = ()
    #: the analyst's key judgements (format 1.1): text with ``{word}``, stated confidence, basis, implications
    judgements: tuple[Judgement, ...] = ()
    #: the axes of an alternative-futures grid (format 1.1 ``futures:``); ``None``: none stated
    futures: Futures | None = None
    #: the sources' own forecasts (format 1.1 ``claims:``): speaker, timeframe, the likelihood implied, the target
    claims: tuple[Claim, ...] = ()
    path: str = field(default="<scenario>", compare=False)
    #: the overrides that made this scenario from what a file states, in the order applied
    overrides: tuple[Override, ...] = field(default=(), compare=False)
    #: the nodes it was read from: where each value is written, for the messages of a later what-if
    nodes: Node | None = field(default=None, compare=False, repr=False)
    #: what it supersedes and the ids it renamed since (format 1.1; :mod:`.lineage`)
    lineage: Lineage = field(default_factory=Lineage)

    def __post_init__(self) -> None:
        for problem in reference_problems(self):  # a dangling reference is refused, however the value was made
            raise problem

    def __getstate__(self) -> tuple[Any, ...]:
        """Pickled without :attr:`nodes` (only a later what-if's messages need them): a third of the size."""
        return tuple(None if f.name == "nodes" else getattr(self, f.name) for f in fields(self))

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        for f, value in zip(fields(self), state):
            object.__setattr__(self, f.name, value)

    # -- how it introduces itself ---------------------------------------------

    def __repr__(self) -> str:
        """One line: the id, the title (cut short), what it holds, and its overrides if it is a what-if.

        Never the whole scenario (``to_yaml`` gives that): a repr stays short
        however many drivers it has.
        """
        what_if = f", {_repr.counted(len(self.overrides), 'override')}" if self.overrides else ""
        return f"<Scenario {_repr.short(self.id, 40)} {_repr.short(self.title)!r}: {self._counts()}{what_if}>"

    def _counts(self) -> str:
        parts = [
            _repr.counted(len(self.horizons), "horizon"),
            _repr.counted(len(self.rules), "scenario"),
            _repr.counted(len(self.drivers), "driver"),
            _repr.counted(len(self.derived), "derived quantity", "derived quantities"),
            _repr.counted(len(self.events), "event"),
        ]
        return ", ".join(parts)

    def _repr_html_(self) -> str:
        """For notebooks: title, question, as-of date, counts, and each horizon with the date it ends.

        Scenario text is escaped and cut short (:mod:`._repr`), and at most
        :data:`._repr.ROWS` horizons are listed, so the HTML stays small and
        inert whatever the file holds.
        """
        lines = [
            _repr.html_text(self.question, 300),
            f"as of {self.as_of.isoformat()} · {_repr.html_text(self._counts(), 200)}",
        ]
        if self.overrides:
            shown = "; ".join(str(o) for o in self.overrides[:3]) + ("; …" if len(self.overrides) > 3 else "")
            lines.append(f"what-if: {_repr.html_text(shown, 200)}")
        rows = []
        for h in self.horizons:
            end = end_date(self.as_of, h.until)
            rows.append((_repr.html_text(h.label or h.id), [f"{h.until:g}", end.isoformat() if end else "–"]))
        table = _repr.html_table("horizon", ["years", "ends"], rows)
        heading = f"<code>{_repr.html_text(self.id, 40)}</code>: {_repr.html_text(self.title, 120)}"
        return _repr.html_block("Scenario", heading, lines, table)

    # -- constructors ------------------------------------------------------

    @classmethod
    def from_yaml(cls, text: str, *, path: str = "<scenario>") -> Scenario:
        """Parse and validate scenario YAML text; ``path`` names it in errors."""
        root = compose(text, path)
        return cls(**build(root, path), nodes=root)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, path: str = "<dict>") -> Scenario:
        """Validate plain data (as :meth:`to_dict` returns or YAML gives)."""
        errors: list[ScenarioError] = []
        root = from_plain(data, path, errors)
        if errors:
            raise ScenarioErrors(errors)
        return cls(**build(root, path), nodes=root)

    # -- what-ifs ------------------------------------------------------------

    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[Override | tuple[str, Any]]) -> Scenario:
        """A what-if: this scenario with new values for what it states, checked again as a whole.

        Parameters
        ----------
        overrides
            Key path -> new value, applied in order: the key paths messages
            print (``drivers.troops.range``, ``events.e.after.ceasefire``,
            ``correlations[0]``, ``scenarios.s.when``, ``title``, ...), and
            values as a scenario file writes them (``[9000, 13000]``,
            ``{"constant": 1.0}``, ``"troops > 10000"``), or :data:`DROP`
            to remove an entry or a list's item. Setting a whole driver to
            a distribution form keeps its label, unit, note, source and further sources.

        Returns
        -------
        Scenario
            A new scenario; this one is unchanged. Its :attr:`overrides`
            are this one's followed by these; its :attr:`hash` is that of
            what it states, so restating a value keeps the hash and any
            change to what is stated (a label too) gives a new one.

        Raises
        ------
        ScenarioErrors
            Every problem: a key path that names nothing (with a "did you
            mean"), a value that is not valid there
            (``override drivers.troops.range: low 13000 > high 9000 (got
            [13000, 9000]). Did you mean [9000, 13000]?``), and any problem
            the change causes elsewhere, located where the file writes it.

        Examples
        --------
        >>> from outlook.testing import tiny_scenario
        >>> s = tiny_scenario(drivers={"k": 5}, events={"e": {"rate": "k / 100"}})
        >>> s.with_overrides({"drivers.k": 8}).driver("k").stated
        ConstantForm(value=8.0)
        >>> s.with_overrides({"drivers.k": {"normal": {"mean": 5, "sd": 0}}})
        Traceback (most recent call last):
        ...
        outlook.errors.ScenarioErrors: override drivers.k: drivers.k.normal: sd must be positive (got 0)
        """
        applied = as_overrides(overrides)
        if not applied:
            return self
        root, problems = apply_overrides(stated_nodes(self.to_dict(), self.nodes, self.path), applied, self.path)
        try:
            fields = build(root, self.path)
        except ScenarioErrors as exc:
            raise ScenarioErrors([*problems, *exc.errors]) from None
        if problems:
            raise ScenarioErrors(problems)
        return Scenario(**fields, overrides=(*self.overrides, *applied), nodes=root)

    # -- lookups -----------------------------------------------------------

    def driver(self, name: str) -> Driver:
        """The driver called ``name``."""
        return _find(self.drivers, name, "driver")

    def event(self, name: str) -> Event:
        """The event called ``name``."""
        return _find(self.events, name, "event")

    def horizon(self, name: str) -> Horizon:
        """The horizon called ``name``."""
        return _find(self.horizons, name, "horizon")

    def source(self, name: str) -> Source:
        """The source called ``name``."""
        return _find(self.sources, name, "source")

    # -- output ------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """What the scenario states, as plain data; ``from_dict(to_dict())`` is equal."""
        return self._data(canonical=False)

    def to_yaml(self) -> str:
        """The scenario as YAML text (comments are not kept); it reads back as an equal scenario."""
        return to_yaml(self.to_dict())

    @property
    def hash(self) -> str:
        """SHA-256 of what the scenario states, in canonical form: its identity in a run's manifest.

        Equal hashes mean equal statements, so equal numbers for the same
        seed; restating a value (``8000`` as ``8000.0``) keeps the hash, and
        any change to what is stated, a label included, gives a new one. The
        canonical form is described in :mod:`outlook.scenario.canonical`.

        Computed once per scenario object (a scenario is frozen): the
        canonical digest of the bundled case costs about 4 ms, and a run,
        an update or a report asks for it several times.
        """
        hit = _HASHES.get(id(self))
        if hit is not None and hit[0] is self:
            return hit[1]
        h = digest(self._data(canonical=True))
        with _HASHES_LOCK:  # threads of a Dask worker draw blocks side by side
            if len(_HASHES) >= 8:
                _HASHES.pop(next(iter(_HASHES)))
            _HASHES[id(self)] = (self, h)
        return h

    def _data(self, *, canonical: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "outlook": self.version,
            "id": self.id,
            "title": self.title,
            "question": self.question,
            "as_of": self.as_of,
        }
        if self.description:
            out["description"] = self.description
        if self.scope:
            out["scope"] = self.scope
        out.update(lineage_data(self.lineage))
        if self.sources:
            out["sources"] = {s.id: source_data(s) for s in self.sources}
        if self.context:
            out["context"] = {c.id: context_data(c) for c in self.context}
        out["horizons"] = {h.id: horizon_data(h) for h in self.horizons}
        out["drivers"] = {d.id: driver_data(d) for d in self.drivers}
        if self.correlations:
            out["correlations"] = [correlation_data(c) for c in self.correlations]
        if self.correlation_repair != "none":
            out["correlation_repair"] = self.correlation_repair
        if self.derived:
            out["derived"] = {d.id: derived_data(d, canonical=canonical) for d in self.derived}
        if self.events:
            out["events"] = {e.id: event_data(e, canonical=canonical) for e in self.events}
        out["scenarios"] = {r.id: rule_data(r, canonical=canonical) for r in self.rules}
        if self.indicators:
            out["indicators"] = {i.id: indicator_data(i, canonical=canonical) for i in self.indicators}
        if self.assumptions:
            out["assumptions"] = {a.id: assumption_data(a) for a in self.assumptions}
        if self.hypotheses is not None:
            out["hypotheses"] = hypotheses_data(self.hypotheses)
        if self.evidence:
            out["evidence"] = {e.id: evidence_data(e, canonical=canonical) for e in self.evidence}
        if self.judgements:
            out["judgements"] = [judgement_data(j) for j in self.judgements]
        if self.futures is not None:
            out["futures"] = futures_data(self.futures, canonical=canonical)
        if self.claims:
            out["claims"] = {c.id: claim_data(c) for c in self.claims}
        return out


_T = TypeVar("_T", "Driver", "Event", "Horizon", "Source")


def _find(items: tuple[_T, ...], name: str, what: str) -> _T:
    for item in items:
        if item.id == name:
            return item
    hint = did_you_mean(name, [i.id for i in items])
    msg = f"no {what} {name!r}.{hint}"
    raise KeyError(msg)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path
        A ``.yaml`` file: a regular file (or a link to one) of at most
        5,000,000 bytes of UTF-8 text; or the id of a bundled scenario
        (:func:`outlook.bundled_scenarios`), as :func:`outlook.run_outlook`
        takes it, where no file of that name exists.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioErrors
        Every problem in the file, each located at file:line:column.
    ScenarioError
        If the file cannot be read, or is not a regular file (a directory, a
        device such as ``/dev/zero``, a FIFO, a socket).

    Notes
    -----
    Only a regular file is read, and never more than the size limit plus one
    byte, whatever it claims to be: a device or a pipe has no size to check
    beforehand, and would be read until memory ran out. The file is opened
    without blocking, so a FIFO with no writer is refused, not waited for.
    """
    from .bundled import bundled_id

    path = bundled_id(path) or path
    return Scenario.from_yaml(read_text(path), path=str(path))
