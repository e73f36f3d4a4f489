"""``outlook schema``: print the JSON Schema of the scenario file format, for editors.

Owns the sub-command's arguments and output; the schema itself is
:func:`outlook.scenario.schema.json_schema`. Never reads a scenario file.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Add ``schema`` to the sub-parsers ``sub``."""
    p = sub.add_parser(
        "schema",
        help="print the JSON Schema of the scenario format (for editors)",
        description=(
            "Print the JSON Schema (draft 2020-12) of the scenario file format 1.1. Save it and attach it to "
            "scenario files with a first line '# yaml-language-server: $schema=PATH' so that editors complete "
            "keys and flag mistakes while typing."
        ),
    )
    p.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Print the schema as indented JSON; exit 0."""
    from ..scenario.schema import json_schema

    out.write(json.dumps(json_schema(), indent=2, ensure_ascii=True) + "\n")
    return 0
