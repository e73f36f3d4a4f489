"""What a report says, in order: its content, built from the tables and the scenario they carry.

Owns the sections (title, question and as-of date; key judgements;
scenarios, events, drivers and derived quantities by horizon; background;
sources; methods; the run manifest) and how each number is shown in them.
Never renders, never draws, never simulates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._version import __version__
from ..display import by_horizon, count, end_date, long_date, number, ordinal, percent, plus_minus
from ..scenario.records import citations
from ..words import LEVEL_GAP, LEVEL_K, STRADDLE_K, Scale, get_scale, straddles
from .change import change_section
from .document import (
    Block,
    Break,
    Cell,
    Code,
    Doc,
    Em,
    Figure,
    Heading,
    Inline,
    Link,
    List,
    Para,
    Parts,
    Row,
    Span,
    Strong,
    Table,
    User,
    inline_text,
    join,
    named,
    one_line,
    text_blocks,
)
from .facts import RunFacts, run_facts, scenario_of
from .figures import FIGURES, shown_note
from .judgements import Assessments, _target, analyst_judgements, assessments_of, scenario_judgements
from .sourcing import context_blocks, sources_section

if TYPE_CHECKING:
    import pandas as pd

    from ..scenario import Driver, Event, Scenario, Source, SourceRef
    from ..scenario.records import Resolution
    from ..tables import Tables

__all__ = [
    "build_document",
]


_FLAG = "†"


# --------------------------------------------------------------------------
# formatting numbers, dates and words


def _word_parts(word: str, flagged: bool) -> Parts:
    return (Span("word", (word + (_FLAG if flagged else ""),)),)


def _prob_cell(p: float, se: float, word: str, flagged: bool, *, extra: Parts = ()) -> Cell:
    parts: Parts = (
        percent(p),
        " ",
        Span("se", (plus_minus(se),)),
        Break(),
        *_word_parts(word, flagged),
        *extra,
    )
    attrs = (("data-p", repr(float(p))), ("data-se", repr(float(se))), ("data-word", word))
    return Cell(parts, num=True, attrs=attrs)


def _value_cell(x: Any) -> Cell:
    return Cell((number(x),), num=True, attrs=(("data-value", repr(float(x))),))


# --------------------------------------------------------------------------
# the content


#: How a quote's ``basis`` (format 1.1 sourcing) is named beside it.
#: The Admiralty grades of the information's credibility (NATO STANAG 2511)
_CREDIBILITY = {
    1: "confirmed",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "cannot be judged",
}

_BASES = {
    "reported": "reported",
    "interested_claim": "an interested party's claim",
    "source_opinion": "the source's opinion",
    "judgement": "our judgement, which the quote informs",
    "outside_knowledge": "outside knowledge",
}


def _source_parts(scenario: Scenario, ref: SourceRef | None) -> Parts:
    """A driver's or event's quote, labelled as what it is: reported fact, or the basis of our judgement.

    A number the analyst sets is our judgement unless its quote is graded
    ``basis: reported``; a quote beside it is what informed it (the review's
    R6: "Basis: our judgement, informed by …"), never its source.
    """
    if ref is None or not (ref.ref or ref.quote):
        return (Em("Basis:"), " our judgement; no source quoted.")
    basis = str(getattr(ref, "basis", "") or "")
    if basis == "reported":
        parts: list[Inline] = [Em("Reported:"), " "]
    else:
        kind = f" ({_BASES.get(basis, basis.replace('_', ' '))})" if basis and basis != "judgement" else ""
        parts = [Em("Basis:"), f" our judgement, informed by{kind} "]
    if ref.quote:
        parts += ["“", User(one_line(ref.quote)), "”"]
    if ref.ref:
        parts.append(" — " if ref.quote else "")
        try:
            src = scenario.source(ref.ref)
        except KeyError:
            parts.append(Code(ref.ref))
        else:
            parts.extend(_source_name(src.title or src.id, src.url))
            details = [one_line(x) for x in (src.publisher, str(src.date or "")) if x]
            if details:
                parts += [" (", User(", ".join(details)), ")"]
    parts.append(".")
    if ref.note:
        parts += [" ", *inline_text(one_line(ref.note))]
    return tuple(parts)


def _source_name(title: str, url: str) -> Parts:
    title = one_line(title)
    if url and re.match(r"^https?://", url.strip(), flags=re.IGNORECASE):
        return (Link(title, url.strip()),)
    return (Em(User(title)),)


def _stated(d: Driver) -> Parts:
    """A driver's distribution as the scenario file states it."""
    spec = dict(d.spec)
    if "probability" in spec and isinstance(spec["probability"], str):  # an expression over other drivers (1.1)
        return ("yes with probability ", User(spec["probability"]))
    if "categorical" in spec:
        return join([(User(str(c)), f" {percent(float(p))}") for c, p in spec["categorical"]], "; ")
    text = _form_text(spec)
    return (text,) if "range" in spec or "constant" in spec or "probability" in spec else (User(text),)


def _form_text(spec: dict[str, Any]) -> str:
    """One distribution's statement (a driver's, or a mixture component's): its form, parameters and truncation."""
    if "range" in spec:
        lo, hi = spec["range"]
        conf = float(spec.get("confidence", 0.9))
        text = f"{number(lo)} to {number(hi)}"
        if conf >= 1.0:
            text += ", hard bounds"
        else:
            q = 100.0 * (1.0 - conf) / 2.0
            text += f", {100.0 * conf:g}% interval ({ordinal(q)} to {ordinal(100.0 - q)} percentiles)"
        text += f"; {spec.get('shape', 'normal')}"
        if "mode" in spec:
            text += f", mode {number(spec['mode'])}"
    elif "constant" in spec:
        text = f"constant {number(spec['constant'])}"
    elif "probability" in spec:
        text = f"yes with probability {percent(float(spec['probability']))}"
    elif "mixture" in spec:
        parts = [f"{100.0 * float(dict(c)['weight']):g}%: {_form_text(dict(c))}" for c in spec["mixture"]]
        text = "mixture of " + "; ".join(parts)
    else:
        form, params = next((k, v) for k, v in spec.items() if k not in ("weight", "truncate"))
        shown = ", ".join(f"{k} {v if isinstance(v, str) else number(v)}" for k, v in params)
        text = f"{form} ({shown})" if "weight" in spec else f"{form}: {shown}"
    if spec.get("truncate") is not None:
        text += _truncation_text(*spec["truncate"])
    return f"({text})" if "weight" in spec and ";" in text else text


def _truncation_text(lo: float | None, hi: float | None) -> str:
    """``, truncated to [0, 5]``, ``, truncated to ≥ 0`` or ``, truncated to ≤ 5`` (a bound not given: none)."""
    if lo is not None and hi is not None:
        return f", truncated to [{number(lo)}, {number(hi)}]"
    return f", truncated to ≥ {number(lo)}" if lo is not None else f", truncated to ≤ {number(hi)}"


def _flag_note(scale: Scale) -> Para:
    return Para(
        (
            f"{_FLAG} The Monte Carlo error band, p ± {STRADDLE_K:g}·SE, crosses a boundary between words of the "
            f"{scale.title} scale: with more samples the word could change. Read the number, or run more samples.",
        ),
        cls="note",
    )


@dataclass
class _Context:
    """What every section reads: the tables, the scenario they carry, the run's facts and the figures it has."""

    tables: Tables
    s: Scenario
    run: RunFacts
    scale: Scale
    figures: Sequence[str]
    worlds: int
    numbers: Iterator[int]
    assess: Assessments

    def figure(self, key: str) -> list[Block]:
        """The figure ``key`` with its next number, if the report has it."""
        if key not in self.figures:
            return []
        title, caption = FIGURES[key]
        return [Figure(key, next(self.numbers), title, caption + shown_note(self.s, key))]


def build_document(
    tables: Tables, figures: Sequence[str], worlds: int, *, assessments: Assessments | None = None
) -> Doc:
    """The report's content; ``figures`` are the keys of the figures it has, ``worlds`` how many worlds they draw.

    One function per section, in the order a reader meets them. ``assessments``
    gives each key judgement's range and confidence sentence
    (:class:`~outlook.report.judgements.Assessment`); by default, what the
    tables carry (:func:`~outlook.report.judgements.assessments_of`), which
    is nothing unless they have a ``confidence`` table.
    """
    s = scenario_of(tables)
    run = run_facts(tables)
    assess = assessments if assessments is not None else assessments_of(tables)
    numbers = iter(range(1, len(figures) + 1))
    ctx = _Context(tables, s, run, get_scale(run.scale), figures, worlds, numbers, assess)
    doc = Doc(one_line(s.title))
    for section in (
        _header,
        _key_judgements,
        lambda ctx: change_section(ctx.tables),  # when the scenario names what it supersedes
        _facts_and_judgements,
        _scenarios,
        _events,
        _drivers,
        _derived,
        _background,
        _sources,
        _methods,
        _manifest,
    ):
        doc.add(*section(ctx))
    return doc


def _header(ctx: _Context) -> list[Block]:
    """Title, question, the scope note (format 1.1 ``scope:``), as-of date and the run in one line."""
    s = ctx.s
    out: list[Block] = [
        Heading(1, User(one_line(s.title))),
        Para((Strong("Question."), " ", User(one_line(s.question))), cls="question"),
        *([Para((Strong("Scope."), " ", User(one_line(s.scope))), cls="scope")] if getattr(s, "scope", "") else []),
        Para(
            (
                f"As of {long_date(s.as_of)} (the information cut-off). {count(ctx.run.samples)} simulated worlds, seed {ctx.run.seed}; "
                f"estimative words from the {ctx.scale.title} scale.",
            ),
            cls="meta",
        ),
    ]
    if ctx.run.overrides:  # a what-if says so before anything else is read
        out.append(
            Para(
                (
                    Strong("What-if."),
                    " Not the scenario as its file states it: ",
                    User("; ".join(ctx.run.overrides)),
                    ".",
                ),
                cls="meta",
            )
        )
    if ctx.run.effective_sample_size is not None:
        out.append(
            Para(
                (
                    Strong("Weighted."),
                    f" The worlds are weighted (reweighted or conditioned): they count as "
                    f"{ctx.run.effective_sample_size:,.0f} equally weighted worlds (Kish's effective sample size), "
                    "and the standard errors use that count.",
                ),
                cls="meta",
            )
        )
    return out


def _key_judgements(ctx: _Context) -> list[Block]:
    """The analyst's judgements, then one a horizon naming the leading scenario; then the run's warnings."""
    s, scale = ctx.s, ctx.scale
    n = ctx.run.effective_sample_size or ctx.run.samples  # weighted worlds count as Kish's n_eff
    judged = analyst_judgements(ctx.tables, s, scale, ctx.assess)
    covered = frozenset(_target(j) for j in getattr(s, "judgements", ()) if getattr(j, "kind", "") == "scenario")
    judged += scenario_judgements(s, scale, ctx.tables.scenarios, n, ctx.assess, covered)
    out: list[Block] = [
        Heading(2, "Key judgements", "key-judgements"),
        List(tuple(parts for parts, _ in judged), cls="judgements"),
        Para(
            (
                "Each judgement is a likelihood, in the words of the ICD 203 table (one row of it), with its "
                "probability rounded (Methods says how); the tables below give the exact numbers. A likelihood "
                "is the analysts' judgement, drawn from the model; what the sources themselves report is set "
                "apart under “Facts and judgements”.",
            ),
            cls="note",
        ),
    ]
    if any(flagged for _, flagged in judged):
        out.append(_flag_note(scale))
    if ctx.tables.warnings:
        out.append(Heading(3, "Warnings", "warnings"))
        out.append(List(tuple((User(one_line(w)),) for w in ctx.tables.warnings), cls="warnings"))
    return out


def _after_cutoff(date: str, as_of: dt.date) -> bool:
    """Whether a source's date (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``, as the file writes it) is after ``as_of``."""
    m = re.match(r"^\s*(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", date or "")
    if not m:
        return False
    parts = [int(x) for x in m.groups() if x is not None]
    return tuple(parts) > (as_of.year, as_of.month, as_of.day)[: len(parts)]


def _cutoff_note(src: Source, as_of: dt.date) -> Parts:
    """`` After the information cut-off.`` for a source dated after the as-of date (the review's R9); else nothing."""
    if _after_cutoff(str(src.date or ""), as_of):
        return (" ", Strong("After the information cut-off"), f" ({long_date(as_of)}).")
    return ()


def _quoted(ctx: _Context) -> list[Parts]:
    """Each distinct quote, once: the source's words, who reports them, how they are graded and what they bear on.

    Every citation counts (a driver's or event's ``source`` and ``sources``,
    an event's ``status``); a quote cited with ``stance: contradicts`` says
    what it contradicts, so that a contrary report stands beside the estimate
    (ICD 203 standard 4). Context figures are listed apart
    (:func:`~outlook.report.sourcing.context_blocks`).
    """
    s = ctx.s
    by_quote: dict[tuple[str, str, str], list[Parts]] = {}
    refs: dict[tuple[str, str, str], SourceRef] = {}
    items: list[Driver | Event] = [*s.drivers, *s.events]
    for item in items:
        for ref in citations(item):
            if ref.quote:
                key = (ref.ref, one_line(ref.quote), ref.stance)
                bears = by_quote.setdefault(key, [])
                if (Code(item.id),) not in bears:
                    bears.append((Code(item.id),))
                refs.setdefault(key, ref)
    out: list[Parts] = []
    for key, bears in by_quote.items():
        ref = refs[key]
        parts: list[Inline] = ["“", User(key[1]), "”"]
        if ref.ref:
            parts.append(" — ")
            try:
                src = s.source(ref.ref)
            except KeyError:
                parts.append(Code(ref.ref))
            else:
                parts.extend(_source_name(src.title or src.id, src.url))
                details = [one_line(x) for x in (src.publisher, str(src.date or "")) if x]
                if details:
                    parts += [" (", User(", ".join(details)), ")"]
                parts.append(".")
                parts.extend(_cutoff_note(src, s.as_of))
        else:
            parts.append(".")
        basis = str(getattr(ref, "basis", "") or "")
        parts += [" ", Em("Graded:"), f" {_BASES.get(basis, basis.replace('_', ' ')) if basis else 'not graded'}"]
        if ref.credibility is not None:
            parts.append(f", credibility {ref.credibility} ({_CREDIBILITY.get(int(ref.credibility), '')})")
        parts.append(".")
        label = "Contradicts:" if ref.stance == "contradicts" else "Bears on:"
        parts += [" ", Em(label), " ", *join(bears, ", "), "."]
        out.append(tuple(parts))
    return out


def _happened(ctx: _Context) -> list[Parts]:
    """Events the scenario records as already happened by its as-of date (format 1.1 ``status: {happened: DATE}``)."""
    out: list[Parts] = []
    for e in ctx.s.events:
        status = getattr(e, "status", None)
        when = status.get("happened") if isinstance(status, dict) else getattr(status, "happened", None)
        if when:
            out.append((*named(e.label, e.id), f": happened by {when}, a fact at the as-of date, not a forecast."))
    return out


def _facts_and_judgements(ctx: _Context) -> list[Block]:
    """What the sources report (their words, with who said them) apart from what we judge (every likelihood)."""
    s = ctx.s
    quoted = _quoted(ctx)
    judged = [d for d in s.drivers if str(getattr(d.source, "basis", "") or "") != "reported"]
    out: list[Block] = [
        Heading(2, "Facts and judgements", "facts-and-judgements"),
        Para(
            (
                "What the sources report is kept apart from what we judge. The quotes below are the sources' own "
                "words, each with the source that reports it and what it bears on; a quote graded as an "
                "interested party's claim or an opinion is a fact about what was said, not about what happened. "
                "Every probability and every estimative word in this report is our judgement, drawn from the "
                "model.",
            )
        ),
    ]
    happened = _happened(ctx)
    if happened:
        out += [Heading(3, "Known at the as-of date", "known"), List(tuple(happened), cls="facts")]
    if quoted:
        out += [Heading(3, "What the sources report", "reported"), List(tuple(quoted), cls="facts")]
    else:
        out.append(Para(("No driver or event quotes a source: everything below is judgement.",)))
    out += context_blocks(s)
    if s.drivers:
        out += [
            Heading(3, "What we judge", "judged"),
            Para(
                (
                    f"Of the {count(len(s.drivers))} drivers, the ranges of {count(len(judged))} are our judgement "
                    "(no quote graded as reported stands behind the number), as are every multiplier by which one "
                    "event changes another's rate once it has happened, and every scenario rule. The drivers table "
                    "labels each: ",
                    Em("Reported"),
                    " or ",
                    Em("Basis: our judgement"),
                    ".",
                )
            ),
        ]
    return out


def _scenarios(ctx: _Context) -> list[Block]:
    """The horizons, the scenario table by horizon, its figure, and what each scenario means."""
    s, scale = ctx.s, ctx.scale
    horizon_ids = [h.id for h in s.horizons]
    out: list[Block] = [
        Heading(2, "Scenarios by horizon", "scenarios"),
        Para(
            (
                "Horizons are cumulative: each counts what has happened from the as-of date to its end. "
                "In every simulated world, at every horizon, exactly one scenario holds, so each column sums to 100%.",
            )
        ),
        Table(
            "horizons",
            ("Horizon", "Ends", "Note"),
            (False, False, False),
            tuple(
                Row(
                    (
                        Cell(named(h.label, h.id)),
                        Cell((long_date(end_date(s.as_of, h.until)), " ", Span("id", (f"({h.text})",)))),
                        Cell(inline_text(one_line(h.note))),
                    ),
                    name=h.id,
                )
                for h in s.horizons
            ),
        ),
    ]
    any_flag = False
    rows = []
    sc_rows = _by(ctx.tables.scenarios, "scenario")
    for r in s.rules:
        cells = [Cell(named(r.label, r.id))]
        for h in horizon_ids:
            cell = sc_rows[(r.id, h)]
            p, se = float(cell["p"]), float(cell["p_se"])
            flag = straddles(p, se, scale)
            any_flag |= flag
            cells.append(_prob_cell(p, se, str(cell["word"]), flag))
        rows.append(Row(tuple(cells), name=r.id))
    out.append(
        Table(
            "scenario-table",
            ("Scenario", *_horizon_heads(s)),
            (False, *([True] * len(horizon_ids))),
            tuple(rows),
        )
    )
    out.append(
        Para(
            (
                f"Probability of each scenario by the end of each horizon, ±{STRADDLE_K:g} Monte Carlo standard "
                f"errors, and its estimative word. n = {count(ctx.run.samples)} worlds.",
            ),
            cls="note",
        )
    )
    if any_flag:
        out.append(_flag_note(scale))
    out += ctx.figure("scenarios")
    out.append(Heading(3, "What each scenario means", "scenario-definitions"))
    out.append(
        Para(("Scenarios are checked in this order; a world falls in the first whose rule holds at the horizon.",))
    )
    out.append(
        List(
            tuple(
                (
                    *named(r.label, r.id),
                    ": ",
                    *((Code(r.when.text),) if r.when is not None else ("every world no earlier rule took",)),
                    *((". ", *inline_text(one_line(r.description))) if r.description else ()),
                )
                for r in {r.id: r for r in s.rules}.values()
            ),
            cls="definitions",
        )
    )
    return out


def _events(ctx: _Context) -> list[Block]:
    """The event table by horizon (by each end, and within each window) and its figure; nothing without events."""
    s, scale = ctx.s, ctx.scale
    if not s.events:
        return []
    horizon_ids = [h.id for h in s.horizons]
    erows = []
    any_flag = False
    ev_rows = _by(ctx.tables.events, "event")
    for e in s.events:
        cells = [Cell(named(e.label, e.id))]
        if e.status is not None:  # known at the as-of date: a fact, not a forecast, so no estimative word
            happened = getattr(e.status, "happened", None)
            when = f" on {long_date(happened)}" if isinstance(happened, dt.date) else ""
            cells.append(Cell((f"happened{when}: a fact at the as-of date, not a forecast",)))
            cells += [Cell(("happened",))] * (len(horizon_ids) - 1)
            erows.append(Row(tuple(cells), detail=_event_detail(s, e.id), name=e.id))
            continue
        for i, h in enumerate(horizon_ids):
            cell = ev_rows[(e.id, h)]
            p, se = float(cell["p_by"]), float(cell["p_by_se"])
            flag = straddles(p, se, scale)
            any_flag |= flag
            extra: Parts = ()
            if i:
                extra = (Break(), Span("within", (f"({percent(float(cell['p_within']))} in this window)",)))
            cells.append(_prob_cell(p, se, str(cell["word"]), flag, extra=extra))
        erows.append(Row(tuple(cells), detail=_event_detail(s, e.id), name=e.id))
    out: list[Block] = [
        Heading(2, "Events by horizon", "events"),
        Table(
            "event-table",
            ("Event", *_horizon_heads(s)),
            (False, *([True] * len(horizon_ids))),
            tuple(erows),
        ),
        Para(
            (
                f"Probability that each event has happened by the end of each horizon, ±{STRADDLE_K:g} Monte "
                "Carlo standard errors, and its estimative word; below it, the probability that it first "
                "happens within that horizon's own window (after the previous horizon's end).",
            ),
            cls="note",
        ),
    ]
    if any_flag:
        out.append(_flag_note(scale))
    return out + ctx.figure("events")


def _drivers(ctx: _Context) -> list[Block]:
    """The driver table (stated and simulated), categorical shares, correlations and the drivers' figure."""
    s = ctx.s
    out: list[Block] = [
        Heading(2, "Drivers", "drivers"),
        Para(
            (
                "The uncertain inputs, each drawn once per simulated world: the range and shape the scenario file "
                "states, then the simulated mean and percentiles. These are inputs before modifiers: an event's "
                "realised probability, after every multiplier and condition, is in the events table. Below each, "
                "what its number rests on (reported, or our judgement informed by a quote) and the analyst's note.",
            )
        ),
    ]
    dr = _records(ctx.tables.drivers)
    drows = []
    for d in s.drivers:
        rec = dr[d.id]
        stated = (*_stated(d), Break(), Span("id", (f"(sampled as {d.distribution.describe()})",)))
        if d.kind == "categorical":
            nums = tuple(Cell(("–",), num=True) for _ in range(4))
        else:
            nums = tuple(_value_cell(rec[c]) for c in ("mean", "p5", "p50", "p95"))
        detail: list[Inline] = list(_source_parts(s, d.source))
        if d.note:
            detail += [" ", Em("Note:"), " ", *inline_text(one_line(d.note))]
        drows.append(
            Row(
                (Cell(named(d.label, d.id)), Cell(_unit(d.unit)), Cell(stated), *nums),
                detail=tuple(detail),
                name=d.id,
            )
        )
    out.append(
        Table(
            "driver-table",
            ("Driver", "Unit", "Stated range and shape", "Mean", "5th", "Median", "95th"),
            (False, False, False, True, True, True, True),
            tuple(drows),
        )
    )
    out += _categories(ctx.tables.categories)
    if s.correlations:
        out.append(
            Para(
                (
                    "Drawn together (Spearman rank correlation, Gaussian copula): ",
                    *join(
                        [(Code(c.a), " and ", Code(c.b), f" {c.rho:g}") for c in s.correlations],
                        "; ",
                    ),
                    ".",
                )
            )
        )
    return out + ctx.figure("drivers")


def _categories(cats: pd.DataFrame) -> list[Block]:
    """The categorical drivers' shares of worlds; nothing without categorical drivers."""
    if cats.empty:
        return []
    crow = []
    for _, row in cats.iterrows():
        p, se = float(row["p"]), float(row["p_se"])
        crow.append(
            Row(
                (
                    Cell((Code(str(row["driver"])),)),
                    Cell((User(str(row["category"])),)),
                    Cell(
                        (percent(p), " ", Span("se", (plus_minus(se),))),
                        num=True,
                        attrs=(("data-p", repr(p)), ("data-se", repr(se))),
                    ),
                ),
                name=f"{row['driver']}.{row['category']}",
            )
        )
    return [
        Heading(3, "Categorical drivers", "categories"),
        Table("category-table", ("Driver", "Category", "Share of worlds"), (False, False, True), tuple(crow)),
    ]


def _derived(ctx: _Context) -> list[Block]:
    """The derived quantities' table and figure; nothing without derived quantities."""
    s = ctx.s
    if not s.derived:
        return []
    dv: dict[str, list[dict[str, Any]]] = {}  # a quantity that reads t (format 1.1) has a row per horizon
    for r in ctx.tables.derived.to_dict(orient="records"):
        dv.setdefault(str(r["name"]), []).append({str(k): v for k, v in r.items()})
    labels = {h.id: by_horizon(h.label, h.id, s.as_of, h.until) for h in s.horizons}
    vrows = []
    for q in s.derived:
        for i, rec in enumerate(dv[q.id]):
            horizon = str(rec.get("horizon") or "")
            at = (" (", User(one_line(labels[horizon])), ")") if horizon else ()
            vrows.append(
                Row(
                    (
                        Cell((*named(q.label, q.id), *at)),
                        Cell(_unit(q.unit)),
                        Cell((Code(q.expr.text),)),
                        *(_value_cell(rec[c]) for c in ("mean", "p5", "p50", "p95")),
                    ),
                    detail=((Em("Note:"), " ", *inline_text(one_line(q.note))) if q.note and i == 0 else ()),
                    name=q.id if i == 0 else f"{q.id}@{horizon}",
                )
            )
    return [
        Heading(2, "Derived quantities", "derived"),
        Table(
            "derived-table",
            ("Quantity", "Unit", "Computed as", "Mean", "5th", "Median", "95th"),
            (False, False, False, True, True, True, True),
            tuple(vrows),
        ),
        *ctx.figure("derived"),
    ]


def _background(ctx: _Context) -> list[Block]:
    """The scenario's description as paragraphs; nothing without one."""
    if not ctx.s.description.strip():
        return []
    return [Heading(2, "Background", "background"), *text_blocks(ctx.s.description)]


def _sources(ctx: _Context) -> list[Block]:
    """The scenario's sources, graded, with a paragraph on their quality (:mod:`outlook.report.sourcing`)."""
    return sources_section(ctx.s)


def _manifest(ctx: _Context) -> list[Block]:
    """The run manifest, one row per field, and the version that wrote the report."""
    return [
        Heading(2, "Run manifest", "manifest"),
        Table(
            "manifest-table",
            ("Field", "Value"),
            (False, False),
            tuple(
                Row(
                    (
                        Cell((Code(k),)),
                        Cell((User(_repair_text(v) if k == "correlation_repair" else _plain(v)),)),
                    ),
                    name=k,
                )
                for k, v in ctx.run.fields
            ),
        ),
        Para((f"Written by outlook {__version__}.",), cls="meta"),
    ]


def _horizon_heads(s: Scenario) -> tuple[User, ...]:
    """A table's horizon columns: "by November 2025 (0–12 months)", since the numbers are cumulative."""
    return tuple(User(by_horizon(h.label, h.id, s.as_of, h.until)) for h in s.horizons)


def _unit(unit: str) -> Parts:
    """A unit for a table cell: the file's text, or a dash for none."""
    return (User(one_line(unit)),) if unit.strip() else ("–",)


def _by(frame: pd.DataFrame, name: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Rows of a scenarios or events table by (``name`` column, horizon): one pass, not a search per cell."""
    rows = [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]
    return {(str(r[name]), str(r["horizon"])): r for r in rows}


def _records(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Rows of a drivers or derived table by name."""
    return {str(r["name"]): {str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")}


def _repair_text(v: Any) -> str:
    """The manifest's record of a repaired correlation matrix, as a line of text (``–`` for none)."""
    if not v:
        return "–"
    shown = [f"{a}–{b} {was:.4g} → {now:.4f}" for a, b, was, now in v["pairs"][:12]]
    more = len(v["pairs"]) - len(shown)
    pairs = "; ".join(shown) + (f"; and {more} more (in the JSON manifest)" if more > 0 else "")
    return f"largest change {v['max_change']:.4f} ({v['measure']}): {pairs or 'none shown at 4 decimals'}"


def _plain(v: Any) -> str:
    """A manifest value as text (``–`` for none)."""
    if v is None or v == "":
        return "–"
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_plain(x)}" for k, x in v.items()) or "–"
    if isinstance(v, list | tuple):
        return ", ".join(_plain(x) for x in v) or "–"
    return str(v)


def _event_detail(s: Scenario, event_id: str) -> Parts:
    e = s.event(event_id)
    parts: list[Inline] = []
    if e.status is not None:  # format 1.1: known at as_of, a fact rather than a forecast
        parts += [f"Happened on {e.status.happened.isoformat()}, known at the as-of date"]
    elif e.rate is not None:
        parts += ["Hazard ", Code(e.rate.text), " per year"]
    else:
        parts += ["Probability by horizon end: "]
        horizons = {
            h.id: h.label for h in s.horizons
        }  # format 1.1: a key may be a duration or a date, shown as written
        parts += join([(User(one_line(horizons.get(h, h))), " ", Code(x.text)) for h, x in e.by], "; ")
    if e.requires:
        parts += ["; only after ", *join([(Code(r),) for r in e.requires], ", ")]
    if e.after:
        parts += [
            "; hazard ",
            *join(
                [(f"×{f:g} after " if isinstance(f, float) else f"×({f}) after ", Code(a)) for a, f in e.after], ", "
            ),
        ]
    parts.append(". ")
    parts += _source_parts(s, e.source or (e.status.source if e.status is not None else None))
    if e.note:
        parts += [" ", Em("Note:"), " ", *inline_text(one_line(e.note))]
    parts += _resolution_parts(getattr(e, "resolution", None))
    return tuple(parts)


def _resolution_parts(res: Resolution | None) -> Parts:
    """How an event resolves (format 1.1 ``resolution:``): criteria, the settling source, what counts and what not."""
    if res is None or not (res.criteria or res.source or res.includes or res.excludes):
        return ()
    parts: list[Inline] = [" ", Em("Resolves:")]
    if res.criteria:
        parts += [" ", User(one_line(res.criteria).rstrip(".")), "."]
    if res.source:
        parts += [" Settled by ", User(one_line(res.source).rstrip(".")), "."]
    if res.includes:
        parts += [" Counts: ", User("; ".join(one_line(x).rstrip(".") for x in res.includes)), "."]
    if res.excludes:
        parts += [" Does not count: ", User("; ".join(one_line(x).rstrip(".") for x in res.excludes)), "."]
    return tuple(parts)


_SAMPLERS = {
    "sobol": "scrambled Sobol' points",
    "lhs": "Latin hypercube points",
}


def _qmc_errors(between_blocks: bool) -> str:
    """What the standard errors of a quasi-Monte Carlo run are."""
    if between_blocks:
        return (
            "The standard errors shown are measured from the spread between those blocks, each an independent "
            "randomisation; they are smaller than the binomial ones random sampling would have."
        )
    return "The standard errors shown are the binomial ones, an upper bound for this sampler (too few blocks to measure them)."


def _sampling(sampler: str, precision: float | None, n: int, between_blocks: bool = False) -> list[Parts]:
    """Methods sentences for a quasi-Monte Carlo sampler or a precision target, if the run used one."""
    out: list[Parts] = []
    if sampler != "random":
        kind = _SAMPLERS.get(sampler, f"the {sampler} sampler")
        out.append(
            (
                f"The driver draws are {kind} (randomised quasi-Monte Carlo, one independent point set per block "
                "of samples). " + _qmc_errors(between_blocks),
            )
        )
    if precision is not None:
        out.append(
            (
                "The run kept sampling, a whole block at a time, until every probability's standard error was at "
                f"most {float(precision):g}; it took {count(n)} worlds.",
            )
        )
    return out


def _methods(ctx: _Context) -> list[Block]:
    """How the numbers were made, one paragraph per point."""
    return [Heading(2, "Methods", "methods"), *(Para(parts) for parts in _method_sentences(ctx))]


def icd_bands(scale: Scale) -> str:
    """A scale's bands as its source gives them: ICD 203's as the directive's table (1–5% … 95–99%).

    >>> icd_bands(get_scale("icd203")).split("; ")[0], icd_bands(get_scale("icd203")).split("; ")[-1]
    ('almost no chance 1–5%', 'almost certain 95–99%')
    """
    icd = scale.name.startswith("icd203")
    bands = []
    for i, b in enumerate(scale.bands):
        lo = 0.01 if icd and i == 0 else b.lo
        hi = 0.99 if icd and i == len(scale.bands) - 1 else b.hi
        bands.append(f"{b.word} {100 * lo:g}–{100 * hi:g}%")
    return "; ".join(bands)


def _word_sentences(scale: Scale) -> list[Parts]:
    """Methods: the scale quoted as its source gives it, then outlook's own conventions, each said to be so."""
    first, last = scale.bands[0].word, scale.bands[-1].word
    out: list[Parts] = []
    if scale.name.startswith("icd203"):
        row = "probability terms (its second row)" if scale.name != "icd203" else "likelihood terms (its first row)"
        out.append(
            (
                f"Estimative words are the {row} of the table in ICD 203 ({scale.source}): {icd_bands(scale)}. "
                "The directive asks for one row of the table, not a mix of both; this report uses only that row, "
                "and says “the leading scenario” rather than “the most probable” beside a likelihood word.",
            )
        )
        out.append(
            (
                "The directive's bands share their endpoints and cover 1% to 99% only. Two conventions are "
                "outlook's, not the directive's: the bands are read half-open, [lo, hi), the top band closed (so "
                "a probability of exactly 20% takes the word of the band that starts there, not of the one that "
                f"ends there); and below 1% the lowest term (“{first}”), above 99% the highest (“{last}”) "
                "applies, the key judgements showing the number as “below 1%” or “above 99%” (the tables keep "
                "it to a tenth of a point): such a probability lies outside the ICD 203 scale. An event already "
                "known to have happened by the as-of date is a fact, with a probability of 1, not a forecast.",
            )
        )
    else:
        out.append(
            (
                f"Estimative words follow the {scale.title} ({scale.source}): "
                + "; ".join(f"{b.word} {100 * b.lo:g}–{100 * b.hi:g}%" for b in scale.bands)
                + ". Bands are read half-open, [lo, hi), the top band closed; beyond the ends of the scale the end "
                "terms apply (outlook's conventions)."
                + ("" if scale.verified else " This scale has not been checked against its source."),
            )
        )
    out.append(
        (
            "In the key judgements a probability is rounded as the words are meant to be read: to the nearest 5 "
            "points between 5% and 95%, to a whole point nearer the ends, and never onto a number whose word "
            "differs from the word beside it (the tables give every probability to a tenth of a point). Two "
            f"scenarios are level, and neither is named the leading one, when they are less than {100 * LEVEL_GAP:g} "
            f"points apart or within {LEVEL_K:g} Monte Carlo standard errors of their difference, "
            "√((p₁ + p₂ − (p₁ − p₂)²) / n); so Monte Carlo noise alone does not crown a leader, though a gap "
            "within noise of 5 points can fall either side of it with another seed.",
        )
    )
    out.append(
        (
            f"A word would be marked {_FLAG} where its Monte Carlo error band p ± {STRADDLE_K:g}·SE crossed a "
            "boundary between words. Confidence in a judgement (the quality of the sources, the weight of the "
            "assumptions, the gaps) is a separate judgement; following ICD 203, it is never stated in the same "
            "sentence as a likelihood.",
        )
    )
    return out


def _method_sentences(ctx: _Context) -> list[Parts]:
    run, scale, n = ctx.run, ctx.scale, ctx.run.samples
    sampler = run.sampler
    out: list[Parts] = [
        (
            f"outlook simulated {count(n)} {'independent ' if sampler == 'random' else ''}worlds with seed "
            f"{run.seed}. In each world every driver is "
            "drawn once (correlated drivers together, through a Gaussian copula), derived quantities are computed "
            "from the drivers, every event gets one occurrence time from its hazard, and at each horizon the world "
            "falls in the first scenario whose rule holds. Because each event has one time per world, an event "
            "can never be less likely by a later horizon than by an earlier one.",
        ),
        *_sampling(sampler, run.precision, n, run.between_blocks),
        (
            "A stated range ",
            Code("[a, b]"),
            " is a central interval: unless the file says otherwise, a and b are the 5th and 95th percentiles "
            "(a 90% interval). Uniform, triangular and PERT bounds are hard bounds.",
        ),
        (
            "A probability is the share of worlds, p = k / n. Its Monte Carlo standard error is "
            f"SE = √(p (1 − p) / n); the tables show p ± {STRADDLE_K:g}·SE, about 95% of the simulation's noise. "
            "That band measures only how many worlds were simulated; it says nothing about how good the "
            "drivers are.",
        ),
        (
            "Driver and derived summaries are the mean and the 5th, 50th and 95th percentiles over all worlds. "
            "The percentiles are exact: the values numpy.quantile (linear interpolation) gives over all samples.",
        ),
        (
            f"Samples are seeded in fixed blocks of {count(run.block_size)}: block b draws from "
            "numpy.random.SeedSequence(seed, spawn_key=(b,)), so the same seed and sample count give the same "
            "numbers for any chunk size, and the same numbers on another machine with the same numpy.",
        ),
        *_word_sentences(scale),
    ]
    repair = run.correlation_repair
    if repair:
        out.append(
            (
                "The stated rank correlations cannot hold together (their correlation matrix is not positive "
                "definite). As the file asks (",
                Code("correlation_repair: nearest"),
                "), the run used the nearest valid correlation matrix to the stated normal-score correlations, in "
                "the Frobenius norm (Higham 2002, alternating projections with Dykstra's correction). The largest "
                f"change to a Spearman rank correlation is {repair['max_change']:.4f}; the manifest lists each change.",
            )
        )
    if any(k in ctx.figures for k in ("drivers", "derived")):
        shown = ctx.worlds
        out.append(
            (
                f"The distribution figures show the first {count(shown)} worlds of the same run (same seed), "
                "drawn again with ",
                Code("outlook.sample_worlds"),
                "; the tables, computed over all worlds, carry the numbers.",
            )
        )
    out.append(
        (
            "The run manifest below identifies the run: the SHA-256 hash of the scenario's canonical data, the "
            "seed, the sample count and the versions. The same run and the same report options give the same "
            "report, byte for byte.",
        )
    )
    return out
