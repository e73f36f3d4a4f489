"""Outlook tables as an Excel workbook: one sheet a table, and the manifest on its own sheet.

Owns the workbook's layout (sheet names, a header row, numbers as numbers,
the manifest as field/value rows, the run's warnings below it) and the
safety of its text cells: text from a scenario file is made terminal-safe
(control characters, which a workbook cannot hold, shown as escapes) and
is always stored as text, never as a formula (openpyxl would otherwise
store a string starting with ``=`` as one). Needs openpyxl, the ``xlsx``
extra, imported only when a workbook is made. Never writes a file (the
command writes the bytes atomically), never prints.
"""

from __future__ import annotations

import importlib
import io
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._text import terminal_safe

__all__ = [
    "INSTALL_HINT",
    "require_openpyxl",
    "xlsx_bytes",
]

#: How to install what a workbook needs.
INSTALL_HINT = "pip install 'scenario-outlook[xlsx]' (from a checkout: pip install '.[xlsx]')"


def require_openpyxl() -> None:
    """Raise a one-line ImportError naming the install command if openpyxl is missing.

    Raises
    ------
    ImportError
        If openpyxl cannot be imported.
    """
    try:
        importlib.import_module("openpyxl")
    except ImportError as exc:
        msg = f"--format xlsx needs openpyxl, the xlsx extra: {INSTALL_HINT}"
        raise ImportError(msg) from exc


def _value(v: Any) -> Any:
    """A cell's value: numbers as numbers (NaN and infinities empty: a workbook holds neither), text made safe."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, dict | list | tuple):
        v = json.dumps(v, ensure_ascii=False, default=str)
    return terminal_safe(str(v))


def _append(sheet: Any, row: Iterable[Any]) -> None:
    """One row, every text cell stored as text (a leading ``=`` is no formula)."""
    sheet.append([_value(v) for v in row])
    for c in sheet[sheet.max_row]:
        if isinstance(c.value, str):
            c.data_type = "s"


def xlsx_bytes(tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], warnings: Iterable[str] = ()) -> bytes:
    """The bytes of a workbook: each table on a sheet of its name, then a ``manifest`` sheet.

    Parameters
    ----------
    tables
        Sheet name (at most 31 characters, Excel's limit) -> table; each
        sheet has the table's columns as its header row, then one row a
        table row.
    manifest
        The run's manifest: the ``manifest`` sheet has the columns
        ``field`` and ``value``, one row a field (lists and mappings as
        JSON text), then one ``warning`` row for each warning.
    warnings
        The run's warnings.

    Returns
    -------
    bytes
        An Office Open XML workbook (``.xlsx``) that
        ``pandas.read_excel(path, sheet_name=None)`` reads back table for
        table.

    Raises
    ------
    ImportError
        If openpyxl is not installed (:func:`require_openpyxl`).
    """
    require_openpyxl()
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        sheet = book.create_sheet(name[:31])
        _append(sheet, [str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            _append(sheet, row)
    sheet = book.create_sheet("manifest")
    _append(sheet, ["field", "value"])
    for key, value in manifest.items():
        _append(sheet, [key, value])
    for w in warnings:
        _append(sheet, ["warning", w])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
