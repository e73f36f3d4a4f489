"""The report's "Change from previous analysis" section (ICD 203, standard 7), when the scenario names what it supersedes.

Owns reading the superseded version (``supersedes:``, relative to the
scenario's file), running the version diff
(:func:`outlook.analysis.diff.diff_scenarios`) and what the section says:
the template sentences of the judgements that changed word, a table of the
judgements whose word changed or that cannot be compared, and the changed
inputs. Never renders, never draws, never writes a file.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..display import percent, plus_minus, small_number
from ..errors import ScenarioError
from .document import Block, Cell, Heading, List, Para, Row, Table, User, one_line
from .facts import run_facts, scenario_of

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.diff import VersionDiff
    from ..scenario import Scenario
    from ..tables import Tables

__all__ = ["CHANGE_SAMPLES", "change_section", "different_id_note", "superseded_scenario"]

#: The most worlds the section's diff draws (the run's own count if smaller), with the run's seed.
CHANGE_SAMPLES = 100_000

#: The most changed inputs the section lists.
_MAX_CHANGES = 20


def superseded_scenario(scenario: Scenario) -> Scenario | None:
    """The version ``scenario`` supersedes, or ``None`` if it names none.

    Raises
    ------
    ScenarioError
        Located at ``supersedes``, if the file is missing or cannot be read; located at
        ``renamed.<old>``, if an old id of ``renamed:`` is not an id of the superseded file.
    ScenarioErrors
        If it is read but is not a valid scenario (located in that file).
    """
    from ..scenario import load_scenario
    from ..scenario.lineage import check_renamed, superseded_path

    if not scenario.lineage.supersedes:
        return None
    path = superseded_path(scenario.lineage, scenario.path)
    try:
        old = load_scenario(path)
    except ScenarioError as exc:
        if exc.where.key_path:  # a problem inside the file: its own location says it
            raise
        msg = f"cannot read the superseded file {str(path)!r}: {exc.problem}"
        raise ScenarioError(scenario.lineage.where, msg) from None
    ids = {x.id for section in (old.drivers, old.derived, old.events, old.rules) for x in section}
    check_renamed(scenario.lineage, ids, str(path))
    return old


def different_id_note(old: Scenario, new: Scenario) -> str:
    """A one-line note when two versions carry different scenario ids (``""`` if the same).

    Different ids are allowed (a question can be re-framed and re-named), but they
    more often mean the wrong file was named, so the reader is told.
    """
    if old.id == new.id:
        return ""
    return f"the two versions have different scenario ids (was {old.id!r}, now {new.id!r}): is it the same question?"


def change_section(tables: Tables) -> list[Block]:
    """The section, or nothing if the scenario names no superseded file."""
    from ..analysis.diff import diff_scenarios

    s = scenario_of(tables)
    old = superseded_scenario(s)
    if old is None:
        return []
    run = run_facts(tables)
    n = min(run.samples, CHANGE_SAMPLES)
    d = diff_scenarios(old, s, samples=n, seed=int(run.seed), scale=run.scale)
    out: list[Block] = [
        Heading(2, "Change from previous analysis", "change"),
        Para(
            (
                "This analysis supersedes ",
                User(one_line(old.title)),
                f" (as of {old.as_of.isoformat()}, file {s.lineage.supersedes}).",
            )
        ),
    ]
    note = different_id_note(old, s)
    if note:
        out.append(Para(("Note: ", User(note)), cls="note"))
    flips, shared = _factor_cause(list(d.sentences))
    if shared:
        out.append(Para((f"The first {small_number(len(flips))} changes of word below come from {shared}.",)))
    said = [*flips, *_redefined_sentences(d, s)]
    if said:
        out.append(List(tuple((User(t),) for t in said), cls="changes"))
    if not d.sentences:
        out.append(Para((_no_flip_sentence(d),)))
    table = _judgement_table(d)
    if table is not None:
        out.append(table)
    unlisted = _unlisted(d)
    if unlisted:
        out.append(List(tuple((User(x),) for x in unlisted), cls="changes-unlisted"))
    if len(d.changes):
        out.append(_changes_table(d))
    out.append(
        Para(
            (
                f"Both versions were run on the same {n:,} worlds (seed {run.seed}, common random numbers), so each "
                "change is a paired difference, shown ±2 standard errors. A word counts as changed only when the "
                "change exceeds twice its standard error and neither probability is within two Monte Carlo "
                f"standard errors of a word boundary. Causes: {_method(d)}.",
            ),
            cls="note",
        )
    )
    return out


def _factor_cause(sentences: list[str]) -> tuple[list[str], str]:
    """Sentences that all end with the same "chiefly because of …" clause, without it, and that clause once.

    >>> _factor_cause(["We now assess A as x, chiefly because of B.", "We now assess C as y, chiefly because of B."])
    (['We now assess A as x.', 'We now assess C as y.'], 'B')
    >>> _factor_cause(["We now assess A as x, chiefly because of B."])
    (['We now assess A as x, chiefly because of B.'], '')
    """
    mark = ", chiefly because of "
    causes = {s.rsplit(mark, 1)[1].rstrip(".") for s in sentences if mark in s}
    if len(sentences) < 2 or len(causes) != 1 or not all(mark in s for s in sentences):
        return sentences, ""
    return [s.rsplit(mark, 1)[0] + "." for s in sentences], causes.pop()


def _redefined_sentences(d: VersionDiff, s: Scenario) -> list[str]:
    """A sentence for each redefined judgement whose word changed: both numbers, and why they are not a change.

    >>> import pandas as pd
    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(events={"e": {"rate": 0.5, "label": "E reported"}})
    >>> j = pd.DataFrame({"kind": ["event"], "target": ["e"], "horizon": [s.horizons[0].id],
    ...                   "status": ["not comparable"], "word_old": ["unlikely"], "word_new": ["likely"],
    ...                   "p_old": [0.41], "p_new": [0.6]})
    >>> print(_redefined_sentences(type("D", (), {"judgements": j})(), s)[0])
    We now assess E reported (soon) as likely (60.0%; previously unlikely, 41.0%), but it was redefined (its wording or rule changed): the two numbers answer different questions.
    """
    j = d.judgements
    rows = j[(j["status"] == "not comparable") & (j["word_old"] != j["word_new"])]
    labels = {r.id: r.label for r in s.rules} | {e.id: e.label for e in s.events}
    horizons = {h.id: h.label or h.id for h in s.horizons}
    out = []
    for r in rows.to_dict(orient="records"):
        name = one_line(labels.get(str(r["target"])) or str(r["target"]))
        out.append(
            f"We now assess {name} ({one_line(horizons.get(str(r['horizon']), str(r['horizon'])))}) as "
            f"{r['word_new']} ({percent(float(r['p_new']))}; previously {r['word_old']}, {percent(float(r['p_old']))}), "
            "but it was redefined (its wording or rule changed): the two numbers answer different questions."
        )
    return out


def _no_flip_sentence(d: VersionDiff) -> str:
    """What to say when no judgement flips: plain, or that some change word within the simulation's noise."""
    j = d.judgements
    comparable = j[j["status"] == "comparable"]
    k = int((comparable["word_old"] != comparable["word_new"]).sum())
    if not k:
        return "No judgement changes its estimative word beyond the simulation's noise."
    these = "one changes word" if k == 1 else f"{k} change word"
    return f"No judgement changes word beyond Monte Carlo error; {these} within it (shown below), which is not a flip."


def _method(d: VersionDiff) -> str:
    if len(d.blocks) == 1 and d.blocks[0].count(" + ") >= 3:
        n = d.blocks[0].count(" + ") + 1
        return (
            f"the {n} changed blocks of inputs depend on one another (a new or removed input feeds another that "
            "changed), so they are attributed together, as one"
        )
    if d.method == "shapley":
        return "exact Shapley values over the changed blocks of inputs"
    if d.method == "one-at-a-time":
        return "each changed block substituted one at a time (more than 8 blocks)"
    return "no change to the inputs moves a number"


def _judgement_table(d: VersionDiff) -> Table | None:
    """The judgements whose word differs between the versions: paired changes, and redefined ones ("redefined").

    A redefined judgement (an event's wording or a scenario's rule changed, :mod:`outlook.analysis.diff`)
    answers another question, so its difference is not shown; added and removed judgements and redefined
    ones with the same word are summed up by :func:`_unlisted` instead of filling the table.
    """
    j = d.judgements
    rows = j[j["status"].isin(["comparable", "not comparable"]) & (j["word_old"] != j["word_new"])]
    if rows.empty:
        return None
    out = []
    for r in rows.to_dict(orient="records"):
        if r["status"] == "comparable":
            change = f"{float(r['delta']):+.1%} {plus_minus(float(r['delta_se']))}"
        else:
            change = "redefined"
        cells = (
            Cell((User(str(r["target"])),)),
            Cell((str(r["horizon"]),)),
            Cell((_p(float(r["p_old"]), str(r["word_old"])),)),
            Cell((_p(float(r["p_new"]), str(r["word_new"])),)),
            Cell((change,), num=True),
            Cell((User(_short_causes(str(r["top_causes"]))),)),
        )
        out.append(Row(cells, name=f"{r['kind']}:{r['target']}@{r['horizon']}"))
    header = ("Judgement", "Horizon", "Previously", "Now", "Change", "Chief causes")
    return Table("change-table", header, (False, False, False, False, True, False), tuple(out))


def _ids(frame: pd.DataFrame) -> str:
    """The distinct targets of ``frame``, events and scenarios named apart, in order of first appearance."""
    parts = []
    for kind, noun in (("scenario", "scenario"), ("event", "event")):
        ids = list(dict.fromkeys(frame.loc[frame["kind"] == kind, "target"].astype(str)))
        if ids:
            parts.append(f"{small_number(len(ids))} {noun}{'' if len(ids) == 1 else 's'} ({', '.join(ids)})")
    return " and ".join(parts)


def _unlisted(d: VersionDiff) -> list[str]:
    """One line each for what the table leaves out: redefined with the same word, added, removed.

    >>> import pandas as pd
    >>> j = pd.DataFrame({"kind": ["event"] * 3 + ["scenario"], "target": ["a", "a", "b", "s"],
    ...                   "status": ["added", "added", "not comparable", "removed"],
    ...                   "word_old": ["", "", "likely", "unlikely"], "word_new": ["likely", "likely", "likely", ""]})
    >>> for line in _unlisted(type("D", (), {"judgements": j})()): print(line)
    Redefined, with the same word at every horizon shown: one event (b).
    Added since the previous analysis: one event (a); its probabilities are under "Events by horizon".
    Removed since the previous analysis: one scenario (s).
    """
    j = d.judgements
    out = []
    same = j[(j["status"] == "not comparable") & (j["word_old"] == j["word_new"])]
    changed = j[(j["status"] == "not comparable") & (j["word_old"] != j["word_new"])]
    same = same[~same["target"].isin(changed["target"])]
    if len(same):
        out.append(f"Redefined, with the same word at every horizon shown: {_ids(same)}.")
    added = j[j["status"] == "added"]
    if len(added):
        where = " and ".join(
            f'"{name} by horizon"'
            for kind, name in (("scenario", "Scenarios"), ("event", "Events"))
            if (added["kind"] == kind).any()
        )
        its = "its" if added["target"].nunique() == 1 else "their"
        out.append(f"Added since the previous analysis: {_ids(added)}; {its} probabilities are under {where}.")
    removed = j[j["status"] == "removed"]
    if len(removed):
        out.append(f"Removed since the previous analysis: {_ids(removed)}.")
    return out


#: a cause written ``block (+0.123)``, blocks of a joined group separated by `` + ``
_CAUSE = re.compile(r"(?P<name>[^,]+?) \((?P<share>[+-][0-9.]+)\)")


def _short_causes(text: str, named: int = 3) -> str:
    """A ``top_causes`` cell with a joined group of more than ``named`` blocks shown by its size.

    >>> _short_causes("drivers.a + drivers.b + events.e + horizons (+0.120), drivers.c (-0.010)")
    'the revision as a whole, 4 blocks (+0.120), drivers.c (-0.010)'
    """

    def one(m: re.Match[str]) -> str:
        parts = m.group("name").split(" + ")
        name = m.group("name") if len(parts) <= named else f"the revision as a whole, {len(parts)} blocks"
        return f"{name} ({m.group('share')})"

    return _CAUSE.sub(one, text)


def _p(p: float, word: str) -> str:
    return "—" if p != p else f"{word} ({percent(float(p))})"


def _changes_table(d: VersionDiff) -> Table:
    from ..analysis.diff import shown_change

    rows = [
        Row(tuple(Cell((User(shown_change(str(r[k]))),)) for k in ("key_path", "old", "new")))
        for r in d.changes.head(_MAX_CHANGES).to_dict(orient="records")
    ]
    return Table("change-inputs", ("Input", "Before", "Now"), (False, False, False), tuple(rows))
