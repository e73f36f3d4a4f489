"""The report of an updated outlook: its tables, and the "What changed" section after the key judgements.

Owns the report's route for :class:`~outlook.analysis.update.Update`: the
tables it reports (:func:`updated_tables`: the posterior, the run's samples
and seed), the "Updated." note under the header, and the "What changed"
section (the dated observations with their grades, the update's sentences,
prior against posterior for every scenario, and the
:func:`outlook.plots.update_bars` figure), placed right after the key
judgements; the ICD 203 standard 7 "change from previous analysis" of the
project's SAT reference, §4.4, step 5. Never simulates, never renders,
never writes a file.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ..display import percent, plus_minus
from .document import Block, Cell, Doc, Figure, Heading, List, Para, Row, Strong, Table, User, one_line

if TYPE_CHECKING:
    from ..analysis.update import Update
    from ..tables import Tables

__all__ = [
    "FIGURE",
    "add_what_changed",
    "changed_blocks",
    "figure_horizon",
    "update_advice",
    "updated_tables",
]

#: The section's figure: (title, caption).
FIGURE = (
    "Before and after the observations",
    "Each scenario's probability at the horizon named, before the observations (light bar) and after them (dark "
    "bar, with a whisker of two standard errors), over the estimative-word bands.",
)


def updated_tables(u: Update) -> Tables:
    """The tables a report of ``u`` reports: :attr:`Update.posterior`, stated as the run's samples and seed.

    The posterior is summarised from the worlds of positive weight, the
    top-up's included; its manifest gives the run's ``samples`` (the worlds
    the update started from, as ``outlook update`` says them), so that
    the report's other analyses (key assumptions, indicators) run on the
    same worlds as the update. The effective sample size stays Kish's.

    The posterior's own warning of a low effective sample size advises a
    what-if (simulate the new assumptions); an update's is replaced by
    advice that fits an update (:func:`update_advice`).
    """
    post = u.posterior
    warnings = tuple(update_advice(u) if w.startswith(_WHATIF_ADVICE) else w for w in post.warnings)
    return dataclasses.replace(post, manifest=dataclasses.replace(post.manifest, samples=u.samples), warnings=warnings)


#: how :func:`outlook.summarise_worlds` begins its warning of a low effective sample size (advice for a what-if)
_WHATIF_ADVICE = "the weights leave an effective sample size of"


def update_advice(u: Update) -> str:
    """The warning of an update whose worlds are carried by few: draw more worlds, or doubt the model.

    An update cannot "simulate the new assumptions" (there are none): its
    effective sample size grows with the worlds drawn (``--samples``, or
    ``max_worlds``), and a very small one also says that what was seen was
    unlikely under the model (the prior probability of each observation is
    in the observations table).
    """
    return (
        f"the observations leave an effective sample size of {u.ess:,.0f} of the {u.worlds_drawn:,} worlds drawn: "
        "few worlds carry the weight; draw more worlds (--samples, or max_worlds), and check the observations' "
        "prior probabilities: what was seen may be unlikely under the model, which then needs revising"
    )


def figure_horizon(u: Update) -> str:
    """The horizon the figure shows: the first where a scenario's word flips, else the first."""
    t = u.scenarios
    flipped = [str(h) for h in t.loc[t["flip"], "horizon"]]
    first = str(t["horizon"].cat.categories[0])
    return flipped[0] if flipped else first


def _updated_note(u: Update) -> Para:
    more = u.worlds_drawn - u.samples
    drawn = f" and {more:,} more drawn from the same seed to reach the effective sample size aimed for" if more else ""
    return Para(
        (
            Strong("Updated."),
            f" The outlook after {len(u.observations)} observation(s) to {u.date} (see What changed): the run's "
            f"{u.samples:,} worlds{drawn}, each weighted by how well it agrees with what was seen; "
            f"{u.worlds_kept:,} of them carry weight.",
        ),
        cls="meta",
    )


def _observation_rows(u: Update) -> tuple[Row, ...]:
    return tuple(
        Row(
            (
                Cell((User(one_line(str(r["observation"]))),)),
                Cell((str(r["date"]),)),
                Cell(("seen" if r["value"] else "not seen",)),
                Cell((str(r["reliability"]) or "hard",)),
                Cell((percent(float(r["p_observed"])),), num=True),
            )
        )
        for _, r in u.observations.iterrows()
    )


def _judgement_rows(u: Update) -> tuple[Row, ...]:
    return tuple(
        Row(
            (
                Cell((User(one_line(str(r["horizon"]))),)),
                Cell((User(one_line(str(r["scenario"]))),)),
                Cell((percent(float(r["p_prior"])),), num=True),
                Cell((f"{percent(float(r['p']))} {plus_minus(float(r['p_se']))}",), num=True),
                Cell((f"{r['word_prior']} → {r['word']}" if r["word"] != r["word_prior"] else str(r["word"]),)),
                Cell(("yes" if r["flip"] else "",)),
            )
        )
        for _, r in u.scenarios.iterrows()
    )


def changed_blocks(u: Update, figure: int | None = None) -> list[Block]:
    """The section: heading, method note, the observations, the update's sentences, the scenarios, the figure.

    ``figure`` is the figure's number, or ``None`` for a report without figures.
    """
    out: list[Block] = [
        Heading(2, "What changed", "what-changed"),
        Para(
            (
                f"Update of {u.date}. Each of the run's {u.samples:,} simulated worlds (seed {u.seed}) is weighted "
                "by how well it agrees with the observations: a hard observation keeps only the worlds that agree "
                "with it; one graded A–F counts r·1{agrees} + (1 − r)·P(what was seen), r its source's "
                f"reliability. {u.worlds_drawn:,} worlds were drawn in all and {u.worlds_kept:,} carry weight; "
                f"they count as {u.ess:,.0f} equally weighted worlds (Kish's effective sample size, aimed for: "
                f"{u.target:,.0f}). A word change is a flip only when neither probability's ±2 SE band crosses a "
                "word boundary.",
            ),
            cls="note",
        ),
        Table(
            "observations",
            ("Observation", "Date", "Value", "Grade", "P(seen value) before"),
            (False, False, False, False, True),
            _observation_rows(u),
        ),
        List(tuple((User(one_line(t)),) for t in u.sentences), cls="changes"),
    ]
    out.extend(Para(("Warning: ", User(one_line(w))), cls="note") for w in u.warnings)
    out.append(
        Table(
            "update",
            ("Horizon", "Scenario", "Before", "After", "Word", "Flip"),
            (False, False, True, True, False, False),
            _judgement_rows(u),
        )
    )
    if figure is not None:
        title, caption = FIGURE
        out.append(Figure("update", figure, title, f"{caption} Horizon: {figure_horizon(u)}."))
    return out


def add_what_changed(
    doc: Doc, u: Update, figs: dict[str, tuple[str, bytes]] | None, *, figure_format: str, dpi: int
) -> None:
    """Add the "Updated." note under the header and the section after the key judgements; renumber the figures.

    The figure (:func:`outlook.plots.update_bars` at :func:`figure_horizon`)
    goes into ``figs`` when it is not ``None``. Figures are numbered again in
    the order the reader meets them.
    """
    if figs is not None:
        from .. import plots

        figs["update"] = (
            figure_format,
            plots.figure_bytes(plots.update_bars(u, figure_horizon(u)), figure_format, dpi=dpi),
        )
    blocks = doc.blocks
    kj = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.anchor == "key-judgements")
    after = next((i for i, b in enumerate(blocks) if i > kj and isinstance(b, Heading) and b.level <= 2), len(blocks))
    blocks[after:after] = changed_blocks(u, 0 if figs is not None else None)
    blocks[kj:kj] = [_updated_note(u)]
    number = 0
    for i, b in enumerate(blocks):
        if isinstance(b, Figure):
            number += 1
            blocks[i] = dataclasses.replace(b, number=number)
