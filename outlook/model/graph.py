"""The dependency graph of a scenario: who feeds whom, from sources to scenarios.

This module owns the graph of a validated :class:`~outlook.scenario.Scenario`:
its nodes (sources, drivers, derived quantities, events and scenarios) and
its directed edges (a source is cited by a driver or an event; a driver or a
derived quantity feeds the derived quantities, events and scenario rules
whose expressions read it, and a driver the drivers whose parameters read
it (a hierarchical driver, format 1.1); an event feeds the events it modifies through
``after`` or enables through ``requires``, and the scenario rules that name
it), with the questions asked of it: what lies upstream or downstream of a
node, and which drivers and derived quantities reach no probability at all.
It also writes the graph as Mermaid or Graphviz DOT text. It never draws,
samples or reads files.

Two dependencies are not edges of an expression, and are kept apart:

* **Correlations.** Correlated drivers are drawn together from one normal
  copula (docs/methods.md), so a change to the correlation pairs of a group
  may move every driver of that group. :meth:`DependencyGraph.downstream`
  follows correlation links when asked (``correlated=True``, the default),
  which is what a what-if that recomputes only what a change reaches needs;
  :meth:`DependencyGraph.unreached` does not, since a correlation alone
  changes no probability.
* **Rule order.** Scenario rules are tried in order and a world takes the
  first that holds, so the worlds labelled with a scenario also depend on
  every earlier rule. The edges record only what each rule's own condition
  reads; :meth:`DependencyGraph.downstream` adds the later rules.

Node keys are ``"kind:id"`` (``"driver:troops"``, ``"scenario:stalemate"``),
so that a driver and an event with the same id stay two nodes.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._text import strip_bidi, terminal_safe
from ..scenario.records import citations

if TYPE_CHECKING:  # the graph is read from a scenario; it imports none at run time
    from ..scenario import Scenario

__all__ = [
    "EDGE_KINDS",
    "NODE_KINDS",
    "DependencyGraph",
    "Edge",
    "Node",
    "dependency_graph",
]

#: The kinds of node, in the order the graph lists them (upstream first).
NODE_KINDS = ("source", "driver", "derived", "event", "scenario")

#: The kinds of edge: ``cites`` (a source -> the driver or event that cites
#: it), ``reads`` (a driver or derived quantity -> what reads it in an
#: expression, a driver's parameters included), ``after`` (an event -> the event whose hazard it modifies),
#: ``requires`` (an event -> the event it enables), ``names`` (an event ->
#: the scenario rule whose condition names it).
EDGE_KINDS = ("cites", "reads", "after", "requires", "names")


@dataclass(frozen=True)
class Node:
    """One node of the graph.

    Attributes
    ----------
    kind
        One of :data:`NODE_KINDS`.
    id
        The id in the scenario file.
    label
        The human label (the id when the file states none).
    """

    kind: str
    id: str
    label: str

    @property
    def key(self) -> str:
        """``"kind:id"``, unique in a graph."""
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Edge:
    """A directed edge ``source -> target`` (node keys) of kind ``kind`` (one of :data:`EDGE_KINDS`)."""

    source: str
    target: str
    kind: str


@dataclass(frozen=True)
class DependencyGraph:
    """Who feeds whom in a scenario; build it with :func:`dependency_graph`.

    Attributes
    ----------
    nodes
        Every node, by kind in the order of :data:`NODE_KINDS`, each kind in
        file order.
    edges
        Every edge, sorted by (source's position, target's position, kind).
    correlated
        The correlated groups of drivers (connected by correlation pairs),
        each a tuple of driver node keys in file order.
    correlation_pairs
        The stated correlation pairs, as driver node keys, in file order.
    """

    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    correlated: tuple[tuple[str, ...], ...] = ()
    correlation_pairs: tuple[tuple[str, str], ...] = ()
    _index: dict[str, Node] = field(init=False, repr=False, compare=False)
    _out: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _in: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {n.key: n for n in self.nodes}
        if len(index) != len(self.nodes):
            raise ValueError("two nodes of a dependency graph have the same kind and id")
        out: dict[str, list[str]] = defaultdict(list)
        into: dict[str, list[str]] = defaultdict(list)
        for e in self.edges:
            if e.source not in index or e.target not in index:
                missing = e.source if e.source not in index else e.target
                raise ValueError(f"an edge of a dependency graph names {missing!r}, which is not a node")
            if e.kind not in EDGE_KINDS:
                raise ValueError(f"unknown edge kind {e.kind!r}; expected one of {', '.join(EDGE_KINDS)}")
            out[e.source].append(e.target)
            into[e.target].append(e.source)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_out", {k: tuple(dict.fromkeys(v)) for k, v in out.items()})
        object.__setattr__(self, "_in", {k: tuple(dict.fromkeys(v)) for k, v in into.items()})

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __getitem__(self, key: str) -> Node:
        """The node with key ``"kind:id"``.

        Raises
        ------
        KeyError
            If there is no such node (saying which keys would be, for a bare id).
        """
        try:
            return self._index[key]
        except KeyError:
            kinds = [n.key for n in self.nodes if n.id == key]
            hint = f"; keys are 'kind:id', e.g. {', '.join(repr(k) for k in kinds)}" if kinds else ""
            raise KeyError(f"no node {key!r} in the dependency graph{hint}") from None

    def inputs(self, key: str) -> tuple[str, ...]:
        """The keys of the nodes with an edge into ``key`` (what it reads), in edge order."""
        self[key]
        return self._in.get(key, ())

    def outputs(self, key: str) -> tuple[str, ...]:
        """The keys of the nodes ``key`` has an edge into (what reads it), in edge order."""
        self[key]
        return self._out.get(key, ())

    def upstream(self, keys: str | Iterable[str]) -> frozenset[str]:
        """Every node whose value can reach ``keys`` along the edges (``keys`` excluded).

        Raises
        ------
        KeyError
            If a key is not a node.
        """
        start = self._keys(keys)
        return _reach(start, self._in) - start

    def downstream(self, keys: str | Iterable[str], *, correlated: bool = True) -> frozenset[str]:
        """Every node a change to ``keys`` can change (``keys`` included).

        That is what the edges reach, and, with ``correlated``, the whole
        correlated group of every driver reached (drawn together, see the
        module's docstring), and every scenario rule after the first one
        reached (a world takes the first rule that holds). A source reaches
        what cites it: a source changes no number, but a what-if that changes
        one changes what the report says of the nodes that cite it.

        Raises
        ------
        KeyError
            If a key is not a node.
        """
        start = self._keys(keys)
        links = dict(self._out)
        if correlated:
            links = {k: tuple(v) for k, v in links.items()}
            for group in self.correlated:
                for k in group:
                    links[k] = tuple(dict.fromkeys((*links.get(k, ()), *group)))
        reached = _reach(start, links)
        rules = [n.key for n in self.nodes if n.kind == "scenario"]
        first = next((i for i, k in enumerate(rules) if k in reached), None)
        if first is not None:
            reached |= frozenset(rules[first:])
        return reached

    def unreached(self) -> tuple[Node, ...]:
        """The drivers and derived quantities that reach no event and no scenario rule.

        Such a quantity changes no probability: its range, however well
        sourced, carries no weight in the outlook tables (its own
        distribution is still summarised). ``outlook check`` warns of each.
        """
        probabilities = {n.key for n in self.nodes if n.kind in ("event", "scenario")}
        reaching = _reach(probabilities, self._in)  # one walk upstream from every probability: linear
        return tuple(n for n in self.nodes if n.kind in ("driver", "derived") and n.key not in reaching)

    def to_mermaid(self) -> str:
        """The graph as a Mermaid flowchart (left to right), one line per node and edge.

        Node ids are ``n0``, ``n1``, ... (a scenario's ids are not always
        valid Mermaid ids); labels are quoted, with ``"`` and the characters
        Mermaid reads as markup written as HTML character references
        (Mermaid's documented escape, "Entity codes to escape characters").
        Correlations are undirected dotted links.
        """
        ids = {n.key: f"n{i}" for i, n in enumerate(self.nodes)}
        lines = ["flowchart LR"]
        for n in self.nodes:
            open_, close = _MERMAID_SHAPES[n.kind]
            lines.append(f'  {ids[n.key]}{open_}"{_mermaid_text(n.kind, n.label, n.id)}"{close}')
        for e in self.edges:
            arrow = "-->" if e.kind in ("reads", "names") else f"-->|{e.kind}|"
            lines.append(f"  {ids[e.source]} {arrow} {ids[e.target]}")
        for a, b in self.correlation_pairs:
            lines.append(f"  {ids[a]} -.-|correlated| {ids[b]}")
        return "\n".join(lines) + "\n"

    def to_dot(self) -> str:
        """The graph as Graphviz DOT text (``digraph``, left to right).

        Node ids are the quoted ``"kind:id"`` keys; labels and ids are DOT
        quoted strings with ``"`` and ``\\`` escaped and line breaks written
        as ``\\n`` (Graphviz, "The DOT Language": quoted strings).
        """
        lines = ["digraph outlook {", "  rankdir=LR;"]
        for n in self.nodes:
            shape = _DOT_SHAPES[n.kind]
            label = _dot_quote(f"{n.kind}: {_plain_label(n.label)}")
            lines.append(f"  {_dot_quote(n.key)} [label={label}, shape={shape}];")
        for e in self.edges:
            style = "" if e.kind in ("reads", "names") else f" [label={_dot_quote(e.kind)}]"
            lines.append(f"  {_dot_quote(e.source)} -> {_dot_quote(e.target)}{style};")
        for a, b in self.correlation_pairs:
            lines.append(f'  {_dot_quote(a)} -> {_dot_quote(b)} [dir=none, style=dotted, label="correlated"];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    def _keys(self, keys: str | Iterable[str]) -> frozenset[str]:
        found = frozenset((keys,) if isinstance(keys, str) else keys)
        for k in found:
            self[k]
        return found


def dependency_graph(scenario: Scenario) -> DependencyGraph:
    """The dependency graph of a validated scenario.

    Parameters
    ----------
    scenario
        A validated :class:`~outlook.scenario.Scenario` (every name its
        expressions, ``after``, ``requires`` and correlations use is defined).

    Returns
    -------
    DependencyGraph

    Examples
    --------
    >>> from outlook import Scenario
    >>> s = Scenario.from_dict({
    ...     "outlook": 1, "id": "tiny", "title": "Tiny", "question": "Does it happen?",
    ...     "as_of": "2024-01-01", "horizons": {"soon": {"until": "1y"}},
    ...     "drivers": {"rate": {"range": [0.1, 0.3], "shape": "uniform"}, "unused": {"constant": 2}},
    ...     "events": {"it": {"rate": "rate"}},
    ...     "scenarios": {"happens": "it", "not_yet": "otherwise"},
    ... })
    >>> g = dependency_graph(s)
    >>> sorted(g.downstream("driver:rate"))
    ['driver:rate', 'event:it', 'scenario:happens', 'scenario:not_yet']
    >>> [n.key for n in g.unreached()]
    ['driver:unused']
    """
    nodes: list[Node] = []
    nodes += [Node("source", s.id, s.title or s.id) for s in scenario.sources]
    nodes += [Node("driver", d.id, d.label or d.id) for d in scenario.drivers]
    nodes += [Node("derived", d.id, d.label or d.id) for d in scenario.derived]
    nodes += [Node("event", e.id, e.label or e.id) for e in scenario.events]
    nodes += [Node("scenario", r.id, r.label or r.id) for r in scenario.rules]
    quantity = {d.id: "driver" for d in scenario.drivers} | {d.id: "derived" for d in scenario.derived}
    events = {e.id for e in scenario.events}

    def read(names: Iterable[str], target: str) -> list[Edge]:
        found = []
        for name in sorted(names):
            if name in quantity:
                found.append(Edge(f"{quantity[name]}:{name}", target, "reads"))
            elif name in events:
                found.append(Edge(f"event:{name}", target, "names"))
        return found

    edges: list[Edge] = []
    for d in scenario.drivers:
        edges += [Edge(f"source:{c.ref}", f"driver:{d.id}", "cites") for c in citations(d) if c.ref]
        edges += read(d.parents, f"driver:{d.id}")  # a hierarchical driver's parameters read other drivers
    for q in scenario.derived:
        edges += read(q.expr.names, f"derived:{q.id}")
    for e in scenario.events:
        key = f"event:{e.id}"
        edges += [Edge(f"source:{c.ref}", key, "cites") for c in citations(e) if c.ref]  # sources:, status too
        expressions = ([e.rate] if e.rate is not None else []) + [x for _, x in e.by]
        expressions += [f for _, f in e.after if not isinstance(f, float)]  # a factor over drivers (format 1.1)
        edges += read(frozenset().union(*(x.names for x in expressions)), key)
        edges += [Edge(f"event:{other}", key, "after") for other, _ in e.after]
        edges += [Edge(f"event:{other}", key, "requires") for other in e.requires]
    for r in scenario.rules:
        if r.when is not None:
            edges += read(r.when.names, f"scenario:{r.id}")
    order = {n.key: i for i, n in enumerate(nodes)}
    edges = sorted(dict.fromkeys(edges), key=lambda e: (order[e.source], order[e.target], e.kind))
    pairs = tuple((f"driver:{c.a}", f"driver:{c.b}") for c in scenario.correlations)
    return DependencyGraph(tuple(nodes), tuple(edges), _groups(scenario), pairs)


def _groups(scenario: Scenario) -> tuple[tuple[str, ...], ...]:
    """The connected groups of correlated drivers, each in file order (union-find)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for c in scenario.correlations:
        parent[root(c.a)] = root(c.b)
    groups: dict[str, list[str]] = defaultdict(list)
    for d in scenario.drivers:
        if d.id in parent:
            groups[root(d.id)].append(f"driver:{d.id}")
    return tuple(tuple(g) for g in groups.values() if len(g) > 1)


def _reach(start: Iterable[str], links: dict[str, tuple[str, ...]]) -> frozenset[str]:
    """Every key reachable from ``start`` (included) along ``links``: breadth first, iterative."""
    seen = set(start)
    todo = deque(seen)
    while todo:
        for nxt in links.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen)


_MERMAID_SHAPES = {
    "source": ("[/", "/]"),
    "driver": ("[", "]"),
    "derived": ("([", "])"),
    "event": ("{{", "}}"),
    "scenario": ("[[", "]]"),
}
_DOT_SHAPES = {"source": "note", "driver": "box", "derived": "ellipse", "event": "hexagon", "scenario": "box3d"}

#: Characters written as HTML character references inside a Mermaid label.
_MERMAID_ESCAPES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;"}


def _plain_label(text: str) -> str:
    """A label as inert text: bidi controls removed (no reordering, "Trojan Source"), other controls escaped."""
    return terminal_safe(strip_bidi(text))


def _mermaid_text(kind: str, label: str, id_: str) -> str:
    label = _plain_label(label)
    text = f"{kind}: {label}" if label == id_ else f"{kind}: {label} ({id_})"
    text = "".join(_MERMAID_ESCAPES.get(ch, ch) for ch in " ".join(text.split()))
    return text


def _dot_quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "\\n".join(escaped.splitlines() or [""]) + '"'
