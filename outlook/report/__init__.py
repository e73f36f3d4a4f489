"""Reports: outlook tables become one finished document, HTML or Markdown.

Owns what a report says and in which order (title, question and as-of date;
key judgements; facts and judgements; scenarios, events, drivers and derived
quantities by horizon;
sources; methods; the run manifest), its two renderings (one self-contained
HTML file; Markdown with its figures in a folder beside it), and writing them
atomically. Consumes :class:`~outlook.Tables` tables and the figures of
:mod:`outlook.plots`; never simulates, never prints.

Text from the scenario file is untrusted data: it is escaped for HTML and for
Markdown (``$`` too, which Markdown renderers read as math), links are made
only from ``http(s)`` URLs, and the HTML carries a Content-Security-Policy
that forbids scripts and every network load. In HTML each piece of it is a
bidirectional isolate (``<bdi>``), and an unbalanced bidirectional control is
removed everywhere, so the file's text cannot reorder the report's.

Writing never costs the user a file: only a regular file (or none) is
replaced, never the scenario file, a link, a device or a pipe; nothing is
written or removed outside the report's folder and its own figures folder;
concurrent writers of one Markdown report take turns (``flock``); and
SIGTERM and SIGHUP during a write clean up like Ctrl-C.

The same tables give the same bytes: a report holds no timestamps and no
random ids, and figures come from :func:`outlook.plots.figure_bytes`.

The package, by stage: :mod:`~outlook.report.sections` (what a report says),
:mod:`~outlook.report.judgements` (the key judgements and their hooks),
:mod:`~outlook.report.document` (the document model),
:mod:`~outlook.report.html` and :mod:`~outlook.report.markdown` (its two
renderings), :mod:`~outlook.report.figures` (its figures, from
:mod:`outlook.plots`), :mod:`~outlook.report.files` (output checks and atomic
writes) and :mod:`~outlook.report.build` (the public verbs).
"""

from __future__ import annotations

from .build import build_report, write_report
from .files import FIGURE_FORMATS, REPORT_FORMATS, check_output

__all__ = [
    "FIGURE_FORMATS",
    "REPORT_FORMATS",
    "build_report",
    "check_output",
    "write_report",
]
