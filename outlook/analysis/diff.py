"""Version diff: what changed between two versions of a scenario, which judgements moved, and why.

Owns :func:`diff_scenarios` and the :class:`VersionDiff` it returns: the
inputs that changed, by key path (old -> new); every judgement of either
version with ``p_old``, ``p_new``, words, flip and the paired standard
error; the attribution of each judgement's move to the changed blocks;
and template sentences a report can use. Never plots, never prints, never
writes a file.

Blocks
------
A change is attributed to the *block* it falls in: one driver
(``drivers.troops``), one derived quantity (``derived.x``), one event
(``events.e``: its rate or ``by`` probabilities, ``after`` and
``requires``), the scenario rules as a whole (``scenarios``: their order
decides which scenario a world is in), the correlations
(``correlations``, with ``correlation_repair``) and the horizons
(``horizons``, with ``as_of``, which dates them). Titles, labels, notes
and sources change no number; they are listed among the changes, in no
block. Blocks that cannot exist apart (an event that reads a driver only
the new version has, say) are joined into one (``drivers.x + events.e``).

Attribution
-----------
For ``k`` changed blocks, the game's value of a set ``S`` of blocks is each
judgement's probability in the *hybrid* scenario: the old version with the
blocks in ``S`` taken from the new one. With ``k <= max_shapley`` (8 by
default) every one of the ``2^k`` hybrids is run on the same random
streams (common random numbers; each recomputed from the old version's
worlds where only its change reaches, :func:`outlook.model.recompute_worlds`),
and each block gets its exact Shapley value (L. S. Shapley, "A value for
n-person games", 1953)::

    phi_i = sum over S not holding i of |S|! (k - |S| - 1)! / k! * (v(S + i) - v(S))

The values sum to ``p_new - p_old`` exactly (efficiency; with common random
numbers ``v`` of the empty set and of every block are the two versions'
own probabilities on the same worlds); a block that changes nothing a
judgement reads gets exactly 0. Above ``max_shapley`` blocks, one at a
time: ``phi_i = v({i}) - v({})``, and what they leave unexplained is
shown as ``(interactions)``.

What is comparable
------------------
A judgement is paired by id (an old id mapped by ``renamed``). An event
whose definition changed (its ``label``, the text of what is being
forecast) is "not comparable", and so is a scenario whose rule, or any
earlier rule, changed (which worlds fall in it is then another question).
Their probabilities are given, not their difference. A renamed node is
drawn from its new id's random stream, so the old version's probabilities
are those of the same model on other draws (equal in distribution).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import SHOWN_LIMIT, SHOWN_PREFIX, ScenarioErrors
from ..model import DEFAULT_CHUNK_SIZE, check_counts, compile_model, iter_worlds, plan_recompute, recompute_worlds
from ..model.graph import dependency_graph
from ..scenario import Scenario
from ..scenario.canonical import canonical, to_flow_yaml
from ..words import get_scale
from .compare import PairedCounts, Target, _hits, is_flip, paired_delta, targets

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DIFF_COLUMNS",
    "MAX_SHAPLEY",
    "VersionDiff",
    "diff_scenarios",
    "shapley_values",
    "shown_change",
]

#: The most changed blocks for exact Shapley values (2^8 = 256 runs); one at a time above.
MAX_SHAPLEY = 8

#: The columns of :attr:`VersionDiff.judgements`, in order.
DIFF_COLUMNS = (
    "kind",
    "target",
    "old_target",
    "horizon",
    "status",
    "n",
    "n10",
    "n01",
    "p_old",
    "p_new",
    "delta",
    "delta_se",
    "word_old",
    "word_new",
    "flip",
    "top_causes",
    "sentence",
)

#: Top-level keys whose changes fall in no block: they change no number.
_LINEAGE = ("supersedes", "renamed")
_NUMERIC = ("horizons", "drivers", "correlations", "derived", "events", "scenarios")


@dataclass(frozen=True)
class VersionDiff:
    """What :func:`diff_scenarios` found.

    Attributes
    ----------
    changes
        ``key_path, change, old, new, block``: one row per changed value
        (``change`` is ``changed``, ``added``, ``removed`` or ``renamed``;
        ``old`` and ``new`` as YAML flow text, empty where absent; ``block``
        the attribution block, empty for a change that moves no number).
    judgements
        One row per judgement of either version, columns :data:`DIFF_COLUMNS`:
        ``status`` is ``comparable``, ``not comparable``, ``added`` or
        ``removed``; ``delta``, ``delta_se`` and ``flip`` only for
        comparable ones (NaN, NaN, False otherwise); ``top_causes`` the
        blocks that moved it most; ``sentence`` a template sentence for a
        flip, else empty.
    attribution
        ``kind, target, horizon, block, contribution``: each comparable
        judgement's move split over the blocks (see the module's docstring);
        per judgement the contributions sum to ``delta``.
    method
        ``"shapley"``, ``"one-at-a-time"``, or ``"none"`` (nothing changed a number).
    blocks
        The changed blocks, in file order.
    samples, seed, scale
        The runs' settings.
    """

    changes: pd.DataFrame
    judgements: pd.DataFrame
    attribution: pd.DataFrame
    method: str
    blocks: tuple[str, ...]
    samples: int
    seed: int
    scale: str

    @property
    def moved(self) -> pd.DataFrame:
        """The judgements that moved: comparable with ``delta != 0``, or not comparable, added or removed."""
        j = self.judgements
        return j[(j["status"] != "comparable") | (j["delta"] != 0)]

    @property
    def sentences(self) -> tuple[str, ...]:
        """The template sentences, one per flip."""
        return tuple(s for s in self.judgements["sentence"] if s)


# -- renaming and blocks -------------------------------------------------------

_TOKEN = re.compile(r"(\"[^\"]*\"|'[^']*')|\b([A-Za-z_][A-Za-z0-9_]*)\b")


def _rename_text(text: Any, names: Mapping[str, str]) -> Any:
    """An expression's text with each renamed identifier replaced (quoted text is left alone)."""
    if not isinstance(text, str) or not names:
        return text
    return _TOKEN.sub(lambda m: m.group(1) or names.get(m.group(2), m.group(2)), text)


def _check_renamed(old: Scenario, new: Scenario, names: Mapping[str, str], *, stated: bool) -> None:
    """Refuse a renamed old id that ``old`` does not have: it would silently pair nothing.

    The ``renamed:`` the new file states gets the located error ``outlook check`` gives; a mapping
    passed by the caller gets a ``ValueError``.
    """
    from ..scenario.lineage import check_renamed

    ids = {x.id for section in (old.drivers, old.derived, old.events, old.rules) for x in section}
    if stated:
        check_renamed(new.lineage, ids, old.path or old.id)
        return
    missing = [k for k in names if k not in ids]
    if missing:
        msg = f"renamed: {missing[0]!r} is not an id of the old scenario {old.id!r}"
        raise ValueError(msg)


def _renamed_data(data: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """The old version's plain data with ids renamed, and every reference to them."""
    if not names:
        return data
    out = dict(data)
    for section in ("drivers", "derived", "events", "scenarios"):
        if section in out:
            out[section] = {names.get(k, k): dict(v) if isinstance(v, dict) else v for k, v in out[section].items()}
    for d in out.get("derived", {}).values():
        d["expr"] = _rename_text(d["expr"], names)
    for e in out.get("events", {}).values():
        if "rate" in e:
            e["rate"] = _rename_text(e["rate"], names)
        if "by" in e:
            e["by"] = {h: _rename_text(x, names) for h, x in e["by"].items()}
        if "after" in e:
            e["after"] = {names.get(k, k): f for k, f in e["after"].items()}
        if "requires" in e:
            e["requires"] = [names.get(k, k) for k in e["requires"]]
    for r in out.get("scenarios", {}).values():
        if isinstance(r, dict) and "when" in r:
            r["when"] = _rename_text(r["when"], names)
    if "correlations" in out:
        out["correlations"] = [[names.get(a, a), names.get(b, b), rho] for a, b, rho in out["correlations"]]
    return out


def _block_data(data: dict[str, Any]) -> dict[str, Any]:
    """Each block's stated content, canonical (numbers as floats), by block name, in file order."""
    out: dict[str, Any] = {"horizons": canonical({"as_of": data["as_of"], "horizons": data["horizons"]})}
    for section in ("drivers", "derived", "events"):
        for k, v in data.get(section, {}).items():
            out[f"{section}.{k}"] = canonical(v)
    out["correlations"] = canonical(
        {"correlations": data.get("correlations", []), "repair": data.get("correlation_repair", "none")}
    )
    out["scenarios"] = canonical(data["scenarios"])
    return out


def _numeric(value: Any) -> Any:
    """A block's content without what changes no number: labels, notes, units and sources."""
    if isinstance(value, dict):
        return {k: _numeric(v) for k, v in value.items() if k not in ("label", "note", "unit", "source")}
    return value


def _changed_blocks(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The blocks whose numbers can differ, in the new version's order (removed ones after)."""
    a, b = _block_data(old), _block_data(new)
    names = list(b) + [k for k in a if k not in b]
    return [k for k in names if _numeric(a.get(k)) != _numeric(b.get(k))]


def _node_block(key: str) -> str:
    kind, _, name = key.partition(":")
    section = {"driver": "drivers", "derived": "derived", "event": "events"}.get(kind)
    return f"{section}.{name}" if section else ("scenarios" if kind == "scenario" else "")


def _join(blocks: list[str], old: Scenario, new: Scenario) -> list[tuple[str, ...]]:
    """Changed blocks grouped so that each hybrid is a valid scenario (see the module's docstring)."""
    parent = {b: b for b in blocks}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for this, other in ((old, new), (new, old)):
        g = dependency_graph(this)
        there = {f"driver:{d.id}" for d in other.drivers} | {f"derived:{d.id}" for d in other.derived}
        there |= {f"event:{e.id}" for e in other.events}
        for key in (node.key for node in g.nodes):
            b = _node_block(key)
            if b not in parent:
                continue
            for j in g.inputs(key):
                bj = _node_block(j)
                if bj in parent and j not in there:
                    parent[find(b)] = find(bj)
        if "correlations" in parent:
            for c in this.correlations:
                for name in (c.a, c.b):
                    if f"drivers.{name}" in parent and f"driver:{name}" not in there:
                        parent[find("correlations")] = find(f"drivers.{name}")
    groups: dict[str, list[str]] = {}
    for b in blocks:
        groups.setdefault(find(b), []).append(b)
    return [tuple(g) for g in groups.values()]


def _hybrid(old: dict[str, Any], new: dict[str, Any], take: Iterable[str], version: float) -> dict[str, Any]:
    """The old version's numbers with the blocks in ``take`` from the new version's, as plain data."""
    out: dict[str, Any] = {k: new[k] for k in ("id", "title", "question")}
    out["outlook"] = version
    out["as_of"] = old["as_of"]
    sources = {**old.get("sources", {}), **new.get("sources", {})}
    if sources:
        out["sources"] = sources
    for key in _NUMERIC:
        if key in old:
            out[key] = old[key] if not isinstance(old[key], dict) else dict(old[key])
    if "correlation_repair" in old:
        out["correlation_repair"] = old["correlation_repair"]
    for block in take:
        if block == "horizons":
            out["as_of"], out["horizons"] = new["as_of"], new["horizons"]
        elif block in ("correlations", "scenarios"):
            keys = (block, "correlation_repair") if block == "correlations" else (block,)
            for k in keys:
                out.pop(k, None)
                if k in new:
                    out[k] = new[k]
        else:
            section, _, name = block.partition(".")
            entries = out.setdefault(section, {})
            entries.pop(name, None)
            if name in new.get(section, {}):
                entries[name] = new[section][name]
    return out


# -- the diff -------------------------------------------------------------------


def shapley_values(values: Mapping[frozenset[int], np.ndarray], k: int) -> np.ndarray:
    """Exact Shapley values of a ``k``-player game given on every coalition: shape ``(k, m)``.

    Parameters
    ----------
    values
        ``v(S)`` for every subset ``S`` of ``range(k)``, each an array of
        shape ``(m,)`` (one game per judgement).
    k
        The players.

    Returns
    -------
    numpy.ndarray
        ``phi[i] = sum_{S not holding i} |S|! (k - |S| - 1)! / k! (v(S + i) - v(S))``
        (Shapley 1953); ``phi.sum(axis=0) == v(all) - v({})`` up to rounding.
    """
    first = next(iter(values.values()))
    phi = np.zeros((k, first.shape[0]))
    for i in range(k):
        others = [j for j in range(k) if j != i]
        for size in range(k):
            w = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
            for s in combinations(others, size):
                without = frozenset(s)
                phi[i] += w * (values[without | {i}] - values[without])
    return phi


def diff_scenarios(
    old: Scenario,
    new: Scenario,
    *,
    samples: int = 100_000,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    scale: str = "icd203",
    renamed: Mapping[str, str] | None = None,
    max_shapley: int = MAX_SHAPLEY,
) -> VersionDiff:
    """Diff two versions of a scenario: the changed inputs, the judgements that moved, and why.

    Parameters
    ----------
    old, new
        The superseded and the current version.
    samples, seed, chunk_size
        As for :func:`outlook.simulate`, shared by every run (common random numbers).
    scale
        The scale of estimative words.
    renamed
        ``{old_id: new_id}``; by default what ``new`` states in ``renamed:``.
    max_shapley
        The most blocks for exact Shapley values (``2^k`` runs); one at a time above.

    Returns
    -------
    VersionDiff

    Raises
    ------
    ValueError
        For bad ``samples``, ``seed``, ``chunk_size``, ``scale`` or ``max_shapley``, or a
        ``renamed`` mapping passed here whose old id ``old`` does not have.
    ScenarioError
        Located at ``renamed.<old>`` in ``new``, when an old id of the ``renamed:`` it states is
        not an id of ``old`` (as ``outlook check`` says of the superseded file).
    SimulationError
        As for :func:`outlook.simulate`, for either version or a hybrid.

    Examples
    --------
    >>> from outlook.testing import tiny_scenario
    >>> old = tiny_scenario(drivers={"r": 0.2}, events={"e": {"rate": "r"}}, rules={"hit": "e"})
    >>> new = old.with_overrides({"drivers.r": 1.2})
    >>> d = diff_scenarios(old, new, samples=20_000)
    >>> d.changes[["key_path", "old", "new"]].values.tolist()
    [['drivers.r.constant', '0.2', '1.2']]
    >>> d.sentences[-1]
    'We now assess e (soon) as likely (previously very unlikely), chiefly because of the revised r estimate.'
    """
    check_counts(samples, seed, chunk_size)
    sc = get_scale(scale)
    if not 0 <= max_shapley <= 16:
        raise ValueError(f"max_shapley must be a whole number from 0 to 16 (got {max_shapley})")
    names = dict(new.lineage.renamed if renamed is None else renamed)
    _check_renamed(old, new, names, stated=renamed is None)
    old_data = _renamed_data(old.to_dict(), names)
    new_data = new.to_dict()
    version = max(old.version, new.version)
    base_scenario = Scenario.from_dict(_hybrid(old_data, new_data, (), version), path=old.path)
    changes = _changes(old_data, new_data, names)
    blocks = _changed_blocks(old_data, new_data)
    groups = _join(blocks, base_scenario, new) if blocks else []
    hybrids: dict[frozenset[int], Scenario] = {}
    method = "none" if not groups else ("shapley" if len(groups) <= max_shapley else "one-at-a-time")
    try:
        hybrids = _hybrids(old_data, new_data, groups, version, method)
    except ScenarioErrors:  # blocks that cannot stand apart after all: one block of every change
        groups = [tuple(blocks)]
        method = "shapley"
        hybrids = _hybrids(old_data, new_data, groups, version, method)
    if not groups:
        hybrids = {frozenset(): base_scenario}
    block_names = [" + ".join(g) for g in groups]
    judged = _judge(base_scenario, new, hybrids, len(groups), samples, seed, chunk_size)
    frames = _frames(judged, old, new, names, block_names, method, sc.name, changes)
    return VersionDiff(*frames, method, tuple(block_names), samples, seed, sc.name)


def _hybrids(
    old: dict[str, Any], new: dict[str, Any], groups: list[tuple[str, ...]], version: float, method: str
) -> dict[frozenset[int], Scenario]:
    """The hybrid scenario of every coalition the method needs."""
    k = len(groups)
    if method == "shapley":
        sets = [frozenset(s) for size in range(k + 1) for s in combinations(range(k), size)]
    else:
        sets = [frozenset(), frozenset(range(k)), *(frozenset({i}) for i in range(k))]
    out = {}
    for s in sets:
        take = [b for i in sorted(s) for b in groups[i]]
        out[s] = Scenario.from_dict(_hybrid(old, new, take, version), path="<hybrid>")
    return out


@dataclass
class _Judged:
    shared: tuple[Target, ...]
    values: dict[frozenset[int], np.ndarray]  # counts per shared judgement
    paired: PairedCounts
    old_only: dict[Target, float]
    new_only: dict[Target, float]
    n: int
    k: int


def _judge(
    base: Scenario,
    new: Scenario,
    hybrids: dict[frozenset[int], Scenario],
    k: int,
    samples: int,
    seed: int,
    chunk_size: int,
) -> _Judged:
    """Every hybrid's hit counts on the base's worlds (recomputed where the change allows), streamed."""
    base_model = compile_model(base)
    models = {s: compile_model(h) for s, h in hybrids.items()}
    full = frozenset(range(k))
    top = models[full]
    shared = tuple(t for t in targets(base) if t in set(targets(new)))
    old_only = tuple(t for t in targets(base) if t not in set(targets(new)))
    new_only = tuple(t for t in targets(top.scenario) if t not in set(targets(base)))
    plans = {s: plan_recompute(base_model, m) for s, m in models.items()}
    counts = {s: np.zeros(len(shared), dtype=np.int64) for s in models}
    paired = PairedCounts(len(shared))
    c_old = np.zeros(len(old_only), dtype=np.int64)
    c_new = np.zeros(len(new_only), dtype=np.int64)
    for w in iter_worlds(base_model, samples=samples, seed=seed, chunk_size=chunk_size):
        h0 = _hits(base_model, w, shared)
        c_old += np.count_nonzero(_hits(base_model, w, old_only), axis=1)
        for s, m in models.items():
            ws = recompute_worlds(base_model, w, m, seed=seed, total=samples, plan=plans[s])
            hs = _hits(m, ws, shared)
            counts[s] += np.count_nonzero(hs, axis=1)
            if s == full:
                paired.add(h0, hs)
                c_new += np.count_nonzero(_hits(m, ws, new_only), axis=1)
    return _Judged(
        shared,
        counts,
        paired,
        dict(zip(old_only, c_old / samples)),
        dict(zip(new_only, c_new / samples)),
        samples,
        k,
    )


def _attributions(j: _Judged, method: str) -> np.ndarray:
    """Each block's share of each shared judgement's move: shape ``(k, len(shared))``."""
    v = {s: c / j.n for s, c in j.values.items()}
    if method == "shapley":
        return shapley_values(v, j.k)
    if method == "one-at-a-time":
        return np.array([v[frozenset({i})] - v[frozenset()] for i in range(j.k)])
    return np.zeros((0, len(j.shared)))


def _comparable(old: Scenario, new: Scenario, names: Mapping[str, str]) -> dict[tuple[str, str], bool]:
    """``(kind, new id) -> comparable`` for the events and scenarios both versions have."""
    out: dict[tuple[str, str], bool] = {}
    old_events = {names.get(e.id, e.id): e for e in old.events}
    for e in new.events:
        if e.id in old_events:
            out["event", e.id] = old_events[e.id].label == e.label
    old_rules = [(names.get(r.id, r.id), r) for r in old.rules]
    same_so_far = True
    for i, r in enumerate(new.rules):
        prev = old_rules[i] if i < len(old_rules) else None
        if prev is None or prev[0] != r.id:
            same_so_far = False
        else:
            a = _rename_text(prev[1].when.text, names) if prev[1].when is not None else None
            b = r.when.text if r.when is not None else None
            same_so_far = same_so_far and _squash(a) == _squash(b) and prev[1].label == r.label
        out["scenario", r.id] = same_so_far
    return out


def _squash(text: str | None) -> str | None:
    return None if text is None else " ".join(text.split())


def _label(s: Scenario, kind: str, target: str) -> str:
    if kind == "event":
        e = next((e for e in s.events if e.id == target), None)
        return e.label if e is not None and e.label else target
    r = next((r for r in s.rules if r.id == target), None)
    return r.label if r is not None and r.label else target


#: The most changed blocks a cause names one by one; a larger group is "the revision as a whole".
_NAMED_CAUSES = 3


def _cause(block: str, new: Scenario, old: Scenario) -> str:
    """A block in words: ``the revised troops estimate``."""
    parts = []
    for b in block.split(" + "):
        section, _, name = b.partition(".")
        if section == "drivers":
            d = next((d for d in (*new.drivers, *old.drivers) if d.id == name), None)
            label = d.label if d is not None and d.label else ""
            short = re.sub(r"\s*\([^)]*\)\s*$", "", label)
            label = short if len(short.split()) > 1 else label  # "P(x)" keeps its bracket: "P" says nothing
            parts.append(f"{label or name} estimate")
        elif section == "derived":
            parts.append(f"{name} calculation")
        elif section == "events":
            parts.append(f"{name} event")
        else:
            parts.append({"scenarios": "scenario definitions", "horizons": "horizons"}.get(section, section))
    if len(parts) > _NAMED_CAUSES:
        return f"revision as a whole ({len(parts)} changed blocks that depend on one another and cannot be told apart)"
    return "revised " + " and ".join(parts)


def _sentence(label: str, horizon: str, word_new: str, word_old: str, causes: list[tuple[str, float]]) -> str:
    text = f"We now assess {label} ({horizon}) as {word_new} (previously {word_old})"
    if causes:
        text += f", chiefly because of the {causes[0][0]}"
    return text + "."


def _frames(
    j: _Judged,
    old: Scenario,
    new: Scenario,
    names: Mapping[str, str],
    block_names: list[str],
    method: str,
    scale: str,
    changes: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    import pandas as pd

    sc = get_scale(scale)
    phi = _attributions(j, method)
    comparable = _comparable(old, new, names)
    back = {v: k for k, v in names.items()}
    horizon_labels = {h.id: h.label or h.id for h in new.horizons}
    rows, attribution = [], []
    for i, t in enumerate(j.shared):
        n10, n01 = int(j.paired.n10[i]), int(j.paired.n01[i])
        p_old, p_new = int(j.paired.n_a[i]) / j.n, int(j.paired.n_b[i]) / j.n
        ok = comparable.get((t.kind, t.target), True)
        old_id = back.get(t.target, t.target)
        w_old, w_new = sc.word(p_old), sc.word(p_new)
        if not ok:
            rows.append([t.kind, t.target, old_id, t.horizon, "not comparable", j.n, n10, n01, p_old, p_new])
            rows[-1] += [math.nan, math.nan, w_old, w_new, False, "", ""]
            continue
        delta, se = paired_delta(n10, n01, j.n)
        flip = is_flip(p_old, p_new, delta, se, j.n, sc.name)
        shares = [(block_names[b], float(phi[b, i])) for b in range(len(block_names))]
        if method == "one-at-a-time":
            shares.append(("(interactions)", delta - sum(v for _, v in shares)))
        attribution += [[t.kind, t.target, t.horizon, b, v] for b, v in shares]
        ranked = sorted((s for s in shares if s[1] != 0), key=lambda s: -abs(s[1]))
        top = ", ".join(f"{b} ({v:+.3f})" for b, v in ranked[:3])
        sentence = ""
        if flip:
            words = [(_cause(b, new, old), v) for b, v in ranked if b != "(interactions)" and v * delta > 0]
            label = _label(new, t.kind, t.target)
            sentence = _sentence(label, horizon_labels.get(t.horizon, t.horizon), w_new, w_old, words)
        rows.append([t.kind, t.target, old_id, t.horizon, "comparable", j.n, n10, n01, p_old, p_new])
        rows[-1] += [delta, se, w_old, w_new, flip, top, sentence]
    for status, only, col in (("removed", j.old_only, 8), ("added", j.new_only, 9)):
        for t, p in only.items():
            row: list[Any] = [t.kind, t.target, back.get(t.target, t.target), t.horizon, status, j.n, 0, 0]
            row += [math.nan, math.nan, math.nan, math.nan, "", "", False, "", ""]
            row[col] = p
            row[col + 4] = sc.word(p)
            rows.append(row)
    judgements = pd.DataFrame(rows, columns=list(DIFF_COLUMNS))
    judgements["flip"] = judgements["flip"].astype(bool)
    attr = pd.DataFrame(attribution, columns=["kind", "target", "horizon", "block", "contribution"])
    return changes, judgements, attr


def _changes(old: dict[str, Any], new: dict[str, Any], names: Mapping[str, str]) -> pd.DataFrame:
    """Every changed value by key path: ``key_path, change, old, new, block``."""
    import pandas as pd

    rows: list[list[str]] = [[f"renamed.{a}", "renamed", a, b, ""] for a, b in names.items()]
    a = {k: v for k, v in old.items() if k not in _LINEAGE and k != "outlook"}
    b = {k: v for k, v in new.items() if k not in _LINEAGE and k != "outlook"}
    for path, before, after in _walk(canonical(a), canonical(b), ""):
        change = "added" if before is _ABSENT else "removed" if after is _ABSENT else "changed"
        rows.append([path, change, _text(before), _text(after), _block_of(path)])
    return pd.DataFrame(rows, columns=["key_path", "change", "old", "new", "block"])


_ABSENT = object()


def _walk(a: Any, b: Any, path: str) -> Iterable[tuple[str, Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in [*b, *(k for k in a if k not in b)]:
            sub = f"{path}.{k}" if path else str(k)
            yield from _walk(a.get(k, _ABSENT), b.get(k, _ABSENT), sub)
    elif a != b:
        yield path, a, b


def _text(v: Any) -> str:
    if v is _ABSENT:
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v)) if not isinstance(v, bool) else str(v)
    return to_flow_yaml(v).strip()


def shown_change(text: str) -> str:
    """A changed input's value as a table shows it: whole up to :data:`outlook.errors.SHOWN_LIMIT` characters.

    A longer value (a long description, say) keeps its first
    :data:`outlook.errors.SHOWN_PREFIX` characters, then ``…`` and its
    length, as :func:`outlook.errors.shown_value` cuts a value an error quotes.
    :attr:`VersionDiff.changes` keeps every value whole.

    >>> shown_change("0.2"), shown_change("x" * 100)
    ('0.2', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx… (100 characters)')
    """
    if len(text) <= SHOWN_LIMIT:
        return text
    return f"{text[:SHOWN_PREFIX]}… ({len(text):,} characters)"


def _block_of(path: str) -> str:
    parts = path.split(".")
    head = parts[0]
    if head in ("as_of", "horizons"):
        return "horizons"
    if head in ("correlations", "correlation_repair"):
        return "correlations"
    if head == "scenarios":
        return "" if parts[-1] in ("label", "description") else "scenarios"
    if head in ("drivers", "derived", "events") and len(parts) >= 2:
        return "" if len(parts) > 2 and parts[2] in ("label", "note", "unit", "source") else f"{head}.{parts[1]}"
    return ""
