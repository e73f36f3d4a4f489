"""Command-line pieces the benchmark scripts share: argument types that refuse bad input in one line.

``count`` (samples, repeats, workers), ``seed`` and ``positive`` (ratio
limits) are argparse types: a bad value is argparse's one-line usage error,
not a traceback after minutes of measuring. :func:`run` runs a script's
``main`` and turns outlook's own errors about its input (a scenario that is
not there or does not load) into the same kind of line.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path


def _number(text: str) -> float:
    try:
        return float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def count(text: str, *, high: int = 10**10) -> int:
    """A whole number from 1 to ``high`` (outlook's most samples), written ``1000000``, ``1e6`` or ``1_000_000``."""
    x = _number(text)
    if not (math.isfinite(x) and x == math.floor(x) and x >= 1):
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more (got {text})")
    if x > high:
        raise argparse.ArgumentTypeError(f"must be at most {high:,}, outlook's most samples (got {text})")
    return int(x)


def seed(text: str) -> int:
    """A seed: a whole number, 0 or more."""
    x = _number(text)
    if not (math.isfinite(x) and x == math.floor(x) and x >= 0):
        raise argparse.ArgumentTypeError(f"must be a whole number, 0 or more (got {text})")
    return int(x)


def positive(text: str) -> float:
    """A ratio limit: a finite number above 0."""
    x = _number(text)
    if not (math.isfinite(x) and x > 0):
        raise argparse.ArgumentTypeError(f"must be a number above 0 (got {text})")
    return x


def run(main: Callable[[list[str] | None], int], argv: list[str] | None = None) -> int:
    """``main(argv)``; outlook's errors about the input (``OutlookError``) as one line, exit status 2."""
    from outlook.errors import OutlookError

    try:
        return main(argv)
    except OutlookError as exc:
        print(f"{Path(sys.argv[0]).name}: error: {exc}", file=sys.stderr)
        return 2
