"""The report's "Analytic confidence" section: each stated key judgement's range, sources and confidence.

Owns that section's content and placing it in a report, before the
background; only for a scenario whose file states ``judgements:``. For
each judgement: its text with the run's estimative word (the likelihood
sentence), then, separately, the confidence sentence (ICD 203 keeps the two
apart), the range of its probability across the drivers' uncertainty, the
proposed and stated confidence, and the implications. The analysis is
:func:`outlook.analysis.confidence.confidence`, run with the report's seed
and scale, and at most :data:`SECTION_SAMPLES` outer draws. Never renders,
never writes a file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..display import by_horizon, percent
from .document import Block, Cell, Doc, Heading, Para, Row, Table, User, one_line
from .facts import run_facts, scenario_of
from .judgements import Assessment, Assessments

if TYPE_CHECKING:
    from ..analysis.confidence import Confidence
    from ..scenario import Scenario
    from ..tables import Tables

__all__ = [
    "SECTION_SAMPLES",
    "add_confidence",
    "assessments_from",
    "confidence_blocks",
    "report_confidence",
]

#: The most outer draws of the drivers the section uses (the run's samples if fewer).
SECTION_SAMPLES = 1_000
#: the section goes before the first of these sections
_BEFORE = ("key-assumptions", "background", "sources", "methods", "manifest")


def _run_p(tables: Tables, kind: str, target: str, horizon: str) -> float | None:
    """The run's probability of a judgement (its ``scenarios`` or ``events`` table), if the run has it."""
    if kind == "scenario":
        t, col, key = tables.scenarios, "p", "scenario"
    else:
        t, col, key = tables.events, "p_by", "event"
    hit = t[(t[key].astype(str) == target) & (t["horizon"].astype(str) == horizon)]
    return None if hit.empty else float(hit[col].iloc[0])


def confidence_blocks(c: Confidence, scenario: Scenario, tables: Tables | None = None) -> list[Block]:
    """The section: heading, how the range is computed, one paragraph group per judgement, the table.

    With ``tables``, the likelihood sentence uses the run's probability and
    word; without, the confidence analysis's own mean.
    """
    from ..words import get_scale

    sc = get_scale(c.scale)
    out: list[Block] = [
        Heading(2, "Analytic confidence", "analytic-confidence"),
        Para(
            (
                "Likelihood and confidence are stated apart (ICD 203). The range of each probability is the 5th to "
                "95th percentile, over the drivers' uncertainty, of the probability given the drivers: outlook's "
                f"convention, not an ICD standard ({c.samples:,} draws of the drivers; {c.inner:,} draws of the "
                "event clocks each where no closed form exists). The proposed confidence is low when that range "
                "spans three or more word bands, or the judgement rests on one source or none, or on an "
                "unsupported assumption; high only within one band, with two or more sources graded A or B that "
                "are not interested parties and no caveated or unsupported assumption; moderate otherwise.",
            ),
            cls="note",
        ),
    ]
    horizons = {h.id: by_horizon(h.label or h.id, h.id, scenario.as_of, h.until) for h in scenario.horizons}
    labels = {r.id: r.label for r in scenario.rules} | {e.id: e.label for e in scenario.events}
    rows = []
    for j in scenario.judgements:
        r = c.row(j.target, j.horizon)
        p = _run_p(tables, j.kind, j.target, j.horizon) if tables is not None else None
        p = float(r["p"]) if p is None else p
        word = sc.word(min(1.0, max(0.0, p)))
        name = labels.get(j.target) or j.target
        out.append(Heading(3, User(one_line(f"{name}, {horizons.get(j.horizon, j.horizon)}"))))
        out.append(Para((User(one_line(j.text.replace("{word}", word))), f" ({percent(p)})")))
        out.append(Para((User(one_line(str(r["sentence"]))),)))
        said = j.confidence or "not stated"
        note = str(r["note"])
        extra = f" {note[:1].upper()}{note[1:]}." if note else ""
        out.append(Para((f"Proposed confidence: {r['proposed']}; stated: {said}.{extra}",)))
        if j.basis:
            out.append(Para(("Basis: ", User(one_line(j.basis)))))
        if j.implications:
            out.append(Para(("Implications: ", User(one_line(j.implications)))))
        rows.append(
            Row(
                (
                    Cell((User(one_line(j.id)),)),
                    Cell((f"{float(r['p05']):.2f} to {float(r['p95']):.2f}",), num=True),
                    Cell((str(int(r["words_spanned"])),), num=True),
                    Cell((str(r["route"]),)),
                    Cell((str(r["proposed"]),)),
                    Cell((said,)),
                )
            )
        )
    header = ("Judgement", "Range (5th to 95th percentile)", "Word bands", "Route", "Proposed", "Stated")
    out.append(Table("analytic-confidence", header, (False, True, True, False, False, False), tuple(rows)))
    return out


def report_confidence(tables: Tables) -> Confidence:
    """The analytic-confidence analysis a report of ``tables`` uses, for its key judgements and its section.

    :func:`~outlook.analysis.confidence.confidence` with the run's seed and
    scale and ``min(samples, SECTION_SAMPLES)`` outer draws of the drivers
    (at least 2), the default inner draws.
    """
    from ..analysis.confidence import confidence

    run = run_facts(tables)
    n = max(2, min(run.samples, SECTION_SAMPLES))
    return confidence(scenario_of(tables), samples=n, seed=int(run.seed), scale=run.scale)


def assessments_from(c: Confidence) -> Assessments:
    """Each key judgement's range and brief confidence sentence from the analysis ``c`` (``None`` for a target it lacks).

    The brief sentence (:func:`~outlook.analysis.confidence.brief_confidence_sentence`) keeps a key
    judgement short; the "Analytic confidence" section gives each stated judgement's reasons in full.
    """
    found = {
        (str(r["target"]), str(r["horizon"])): Assessment(float(r["p05"]), float(r["p95"]), str(r["brief"]))
        for r in c.table.to_dict(orient="records")
    }
    return lambda target, horizon: found.get((target, horizon))


def add_confidence(doc: Doc, tables: Tables, c: Confidence | None = None) -> None:
    """Add the section to ``doc`` when the tables' scenario states ``judgements:``; else do nothing.

    ``c`` is the analysis to use (:func:`report_confidence` of ``tables`` when
    ``None``).
    """
    s = scenario_of(tables)
    if not s.judgements:
        return
    c = report_confidence(tables) if c is None else c
    blocks = confidence_blocks(c, s, tables)
    at = next(
        (i for i, b in enumerate(doc.blocks) if isinstance(b, Heading) and b.level == 2 and b.anchor in _BEFORE),
        len(doc.blocks),
    )
    doc.blocks[at:at] = blocks
