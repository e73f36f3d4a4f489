"""Building a report in memory, and writing it: the two public verbs.

Owns ``build_report`` (the tables to one document, rendered as HTML or
Markdown) and ``write_report`` (that document to disk through
:mod:`outlook.report.files`). The same tables give the same bytes: a report
holds no timestamps and no random ids, and figures come from
:func:`outlook.plots.figure_bytes`. Never simulates, never prints.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload
from urllib.parse import quote

from .ach import add_ach
from .assumptions import add_key_assumptions
from .changed import add_what_changed, updated_tables
from .claims import add_claims
from .confidence import add_confidence, assessments_from, report_confidence
from .drivers import add_what_drives
from .facts import scenario_of
from .figures import FIGURES, Progress, draw_figures
from .files import (
    STDOUT,
    check_output,
    figures_folder,
    folder_lock,
    remove_unused_figures,
    resolve_figure_format,
    resolve_report_format,
    signals_unwind,
    write_atomically,
)
from .futures import add_cone, add_futures
from .html import render_html
from .indicators import add_indicators
from .markdown import render_markdown
from .sections import build_document

if TYPE_CHECKING:
    from ..analysis.update import Update
    from ..tables import Tables

__all__ = [
    "build_report",
    "write_report",
]


@overload
def build_report(
    tables: Tables | Update,
    *,
    format: Literal["html"] = ...,
    figure_format: str = ...,
    figures: bool = ...,
    figure_samples: int = ...,
    dpi: int = ...,
    files_dir: str = ...,
    progress: Progress | None = ...,
) -> str: ...


@overload
def build_report(
    tables: Tables | Update,
    *,
    format: Literal["markdown", "md"],
    figure_format: str = ...,
    figures: bool = ...,
    figure_samples: int = ...,
    dpi: int = ...,
    files_dir: str = ...,
    progress: Progress | None = ...,
) -> tuple[str, dict[str, bytes]]: ...


@overload
def build_report(
    tables: Tables | Update,
    *,
    format: str,
    figure_format: str = ...,
    figures: bool = ...,
    figure_samples: int = ...,
    dpi: int = ...,
    files_dir: str = ...,
    progress: Progress | None = ...,
) -> str | tuple[str, dict[str, bytes]]: ...


def build_report(
    tables: Tables | Update,
    *,
    format: str = "html",
    figure_format: str = "png",
    figures: bool = True,
    figure_samples: int = 20_000,
    dpi: int = 110,
    files_dir: str = "report_files",
    progress: Progress | None = None,
) -> str | tuple[str, dict[str, bytes]]:
    """Build the report of one run, in memory.

    Parameters
    ----------
    tables
        From :func:`outlook.run_outlook` or :func:`outlook.summarise` (it
        must carry its scenario); or an :class:`~outlook.analysis.update.Update`
        from :func:`outlook.update`: the report of the updated outlook (its
        tables and key judgements the posterior's, stated as the run's
        samples and seed and weighted, with the "What changed" section after
        the key judgements and, for a scenario with indicators, each
        indicator's status; see :mod:`outlook.report.changed`).
    format
        ``html`` (default): one self-contained page, styles and figures
        inline. ``markdown`` (or ``md``): text, with figures as separate files.
    figure_format
        ``png`` (default) or ``svg``.
    figures
        Whether to draw figures (``False`` needs no plotting and is quicker).
    figure_samples
        Worlds drawn for the driver and derived distribution figures (fewer
        for a scenario with very many quantities: see
        :func:`outlook.plots.figure_worlds`; the methods section says how
        many).
    dpi
        Resolution of PNG figures.
    files_dir
        Markdown only: the folder, relative to the Markdown file, that its
        figure links point into.
    progress
        Called as ``progress(done, total)`` while the figures are drawn
        (drawing them is most of the time a report takes).

    Returns
    -------
    str or tuple of (str, dict of str to bytes)
        HTML: the page. Markdown: the text, and the figure files as
        ``{relative path: bytes}``; each path is ``files_dir/<figure>-<hash>.<ext>``,
        as linked from the text (the hash is of the figure's bytes).

    Raises
    ------
    ValueError
        For an unknown format or figure format, or tables without their scenario.
    ImportError
        If ``figures`` and matplotlib (the ``plots`` extra) is not installed.

    Notes
    -----
    The same tables give the same bytes: nothing depends on the clock or on
    random ids. The tables show ``p ± 2·SE`` with ``SE = sqrt(p (1 - p) / n)``;
    a word whose band crosses a word boundary is marked ``†``
    (:func:`outlook.words.straddles`). The key judgements show the word and
    the number by the house rounding (:func:`outlook.display.about`); see
    :mod:`outlook.report.judgements`.

    Examples
    --------
    >>> import outlook
    >>> from outlook.testing import tiny_scenario
    >>> s = tiny_scenario(
    ...     drivers={"r": {"range": [0.1, 0.3], "shape": "lognormal"}},
    ...     events={"it": {"rate": "r"}},
    ...     rules={"happens": "it", "not_yet": "otherwise"},
    ... )
    >>> tables = outlook.summarise(outlook.simulate(s, samples=2_000, seed=1))
    >>> build_report(tables, figures=False).startswith("<!DOCTYPE html>")
    True
    >>> text, files = build_report(tables, format="markdown", figures=False)
    >>> likelihood, confidence = text.splitlines()[8].split(". ", 1)
    >>> print(likelihood)
    - By January 2025, “not_yet” is the leading scenario of the two: it is **very likely** to be the outcome (about 85%; range 73–90%)
    >>> print(confidence)
    We have low confidence in this judgement: its range spans two word bands; it rests on no source (pure judgement).
    """
    fmt = resolve_report_format(Path("report"), format)
    ffmt = resolve_figure_format(figure_format)
    update, tables = _route(tables)
    scenario_of(tables)
    figs, worlds = (
        draw_figures(tables, figure_format=ffmt, figure_samples=figure_samples, dpi=dpi, progress=progress)
        if figures
        else ({}, 0)
    )
    # Each key judgement's range and confidence sentence (ICD 203 keeps them apart from its likelihood); an
    # updated outlook's judgements are posteriors, which the drivers' prior ranges do not describe.
    conf = report_confidence(tables) if update is None else None
    assess = assessments_from(conf) if conf is not None else None
    doc = build_document(tables, [k for k in FIGURES if k in figs], worlds, assessments=assess)
    add_what_drives(doc, tables, figs if figures else None, figure_format=ffmt, dpi=dpi, confidence=conf)
    add_key_assumptions(doc, tables, figs if figures else None, figure_format=ffmt, dpi=dpi)
    add_confidence(doc, tables, conf)
    observed = update.records if update is not None else None
    add_indicators(doc, tables, figs if figures else None, figure_format=ffmt, dpi=dpi, observations=observed)
    if update is not None:
        add_what_changed(doc, update, figs if figures else None, figure_format=ffmt, dpi=dpi)
    add_ach(doc, tables, figs if figures else None, figure_format=ffmt, dpi=dpi)
    add_futures(doc, tables, figs if figures else None, figure_format=ffmt, dpi=dpi, prior=update is not None)
    add_cone(doc, tables, figs if figures else None, figure_format=ffmt, dpi=dpi)
    add_claims(doc, tables)
    if fmt == "html":
        return render_html(doc, figs)
    files: dict[str, bytes] = {}
    links: dict[str, str] = {}
    for key, (ext, data) in figs.items():
        name = f"{key}-{hashlib.sha256(data).hexdigest()[:12]}.{ext}"
        rel = f"{files_dir}/{name}" if files_dir else name
        files[rel] = data
        links[key] = quote(rel)
    return render_markdown(doc, links), files


def write_report(
    tables: Tables | Update,
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    figure_format: str = "png",
    figures: bool = True,
    figure_samples: int = 20_000,
    dpi: int = 110,
    progress: Progress | None = None,
) -> Path:
    """Write the report of one run to ``path``, atomically.

    Parameters
    ----------
    tables
        As for :func:`build_report`.
    path
        The report file: absent or a regular file, never the scenario file
        itself (see :func:`check_output`). For Markdown its figures go into
        the folder ``<stem>_files`` beside it. To stream a report, write the
        text of :func:`build_report` where it should go (``outlook report -o -``
        does so to standard output).
    format
        ``html`` or ``markdown``; by default from the suffix of ``path``
        (``.html``, ``.htm``, ``.md``, ``.markdown``).
    figure_format, figures, figure_samples, dpi, progress
        As for :func:`build_report`.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError, ImportError
        As for :func:`check_output` (with the scenario the tables carry), and
        for ``path`` ``"-"``.
    OSError
        If writing fails; nothing is left behind and an existing report is
        unchanged.

    Notes
    -----
    The whole report is built in memory first. Each file is then written to
    a temporary file in its own folder (``.outlook-<12 hex digits>.tmp``,
    short whatever the report's name) and renamed over its target
    (``os.replace``), figures first and the report last, so a reader never
    sees a half-written report or a Markdown file whose figures are missing.
    Only a regular file is ever replaced; a symbolic link, a device, a named
    pipe or a socket in the way is refused, checked again just before each
    rename.

    Figure files are named by a hash of their bytes, so the figures of an
    existing report are never overwritten by different ones; after the new
    report is in place, figure files in ``<stem>_files`` that the report now
    on disk does not link are removed. Writers of one Markdown report take
    turns: each holds an advisory lock (``flock``) on the figures folder from
    its first figure to the end of the clean-up, so two runs writing the same
    report at once leave one of the two reports, whole, with all its
    figures. (Windows has no such lock; there, do not write one report from
    two runs at once.)

    On any failure, or an interrupt (Ctrl-C, and in the main thread also
    SIGTERM and SIGHUP), the temporary files (and any new figure files) are
    removed and an existing report is left as it was. A SIGTERM or SIGHUP
    whose handler is the default one is then delivered again, so the process
    still ends as the signal says; a handler the program installed is left in
    place and runs as usual (if it raises, the same clean-up runs first).
    """
    if os.fspath(path) == STDOUT:
        msg = "write_report writes a file; to stream a report, write the text of build_report where it should go"
        raise ValueError(msg)
    p = Path(path)
    _, plain = _route(tables)
    scenario = plain.scenario.path if plain.scenario is not None else None
    fmt = check_output(p, format=format, figure_format=figure_format, figures=figures, scenario=scenario)
    if fmt == "html":
        text = build_report(
            tables,
            format="html",
            figure_format=figure_format,
            figures=figures,
            figure_samples=figure_samples,
            dpi=dpi,
            progress=progress,
        )
        with signals_unwind():
            write_atomically([(p, text.encode("utf-8"))])
        return p
    folder = figures_folder(p)
    md, files = build_report(
        tables,
        format="markdown",
        figure_format=figure_format,
        figures=figures,
        figure_samples=figure_samples,
        dpi=dpi,
        files_dir=folder.name,
        progress=progress,
    )
    pairs = [(p.parent / rel, data) for rel, data in files.items()]
    pairs.append((p, md.encode("utf-8")))
    with signals_unwind(), folder_lock(p, folder, create=bool(files)):
        write_atomically(pairs)
        remove_unused_figures(p, folder, {Path(rel).name for rel in files})
    return p


def _route(tables: Tables | Update) -> tuple[Update | None, Tables]:
    """The update a report is of (or ``None``), and the tables it reports (:func:`.changed.updated_tables`)."""
    from ..analysis.update import Update

    if isinstance(tables, Update):
        return tables, updated_tables(tables)
    return None, tables
