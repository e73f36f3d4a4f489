"""The ``sourcing`` table: each source, its grades, who cites it and which judgements it reaches.

A Quality of Information Check (*A Tradecraft Primer*, US Government 2009;
``shared/reference/sat-features.md`` §4.1): each source with its kind, its
Admiralty reliability (STANAG 2511), whether it is an interested party, its
date against the information cut-off ``as_of``, the drivers, events and
context figures that cite it (supporting or contradicting), the grades of
those quotes, and the events and scenarios it reaches through the
dependency graph (:func:`~outlook.dependency_graph`). Never samples.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model.graph import dependency_graph
from ..scenario.provenance import source_date
from ..scenario.records import SourceRef, citations

if TYPE_CHECKING:
    import pandas as pd

    from ..scenario import Scenario

__all__ = [
    "SOURCING_COLUMNS",
    "sourcing",
]

#: the columns of :func:`sourcing`, in order (public API)
SOURCING_COLUMNS = (
    "source",
    "title",
    "kind",
    "reliability",
    "interested_party",
    "date",
    "after_as_of",
    "cited_by",
    "supports",
    "contradicts",
    "credibility",
    "basis",
    "reaches",
)


def sourcing(scenario: Scenario | str) -> pd.DataFrame:
    """One row per source of the scenario, in the order the file lists them.

    Parameters
    ----------
    scenario
        A :class:`~outlook.Scenario`, a path, or the id of a bundled scenario.

    Returns
    -------
    pandas.DataFrame
        Shape ``(n_sources, 13)``, columns :data:`SOURCING_COLUMNS`:

        - ``source``, ``title``: the id and title;
        - ``kind``: ``official``, ``wire``, ``analysis``, ``opinion``,
          ``social``, or ``"not stated"``;
        - ``reliability``: the Admiralty grade ``A``-``F``, or
          ``"ungraded"`` (never taken as reliable);
        - ``interested_party``: ``"yes"``, ``"no"``, the text the file
          gives (whose interest), or ``"not stated"``;
        - ``date``: as written; ``after_as_of``: ``True``/``False`` where
          the date is written as one (``2024-11-15``), else ``<NA>``
          (nullable boolean);
        - ``cited_by``: the items citing it, ``kind:id`` (``driver:troops``,
          ``event:combat``, ``context:gdp``), comma-separated, in file order;
        - ``supports``, ``contradicts``: how many quotes cite it with each
          stance (int);
        - ``credibility``, ``basis``: the grades of those quotes, one per
          quote in the order of ``cited_by`` (``ungraded`` / ``not stated``
          where the quote has none), comma-separated;
        - ``reaches``: the events and scenarios it reaches through the
          dependency graph (``event:id``, ``scenario:id``), comma-separated,
          or ``""``: it feeds no probability.

    Raises
    ------
    ScenarioErrors, ScenarioError
        If ``scenario`` is a file that does not load.

    Examples
    --------
    >>> import outlook
    >>> t = outlook.sourcing("nk-troops-russia")
    >>> list(t.columns) == list(SOURCING_COLUMNS)
    True
    """
    import pandas as pd

    from ..scenario import load_scenario

    s = scenario if not isinstance(scenario, str) else load_scenario(scenario)
    graph = dependency_graph(s)
    quotes: dict[str, list[tuple[str, SourceRef]]] = {x.id: [] for x in s.sources}
    for kind, items in (("driver", s.drivers), ("event", s.events), ("context", s.context)):
        for item in items:
            for ref in citations(item):
                if ref.ref in quotes:
                    quotes[ref.ref].append((f"{kind}:{item.id}", ref))
    rows = []
    for x in s.sources:
        cited = quotes[x.id]
        when = source_date(x.date)
        reached = graph.downstream(f"source:{x.id}", correlated=False)
        rows.append(
            {
                "source": x.id,
                "title": x.title,
                "kind": x.kind or "not stated",
                "reliability": x.reliability or "ungraded",
                "interested_party": _interested(x.interested_party),
                "date": x.date,
                "after_as_of": pd.NA if when is None else when > s.as_of,
                "cited_by": ", ".join(dict.fromkeys(key for key, _ in cited)),
                "supports": sum(ref.stance == "supports" for _, ref in cited),
                "contradicts": sum(ref.stance == "contradicts" for _, ref in cited),
                "credibility": ", ".join("ungraded" if r.credibility is None else str(r.credibility) for _, r in cited),
                "basis": ", ".join(r.basis or "not stated" for _, r in cited),
                "reaches": ", ".join(
                    n.key for n in graph.nodes if n.key in reached and n.kind in ("event", "scenario")
                ),
            }
        )
    out = pd.DataFrame(rows, columns=list(SOURCING_COLUMNS))
    out["after_as_of"] = out["after_as_of"].astype("boolean")
    return out.astype({"supports": "int64", "contradicts": "int64"})


def _interested(value: bool | str | None) -> str:
    if value is None:
        return "not stated"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value
