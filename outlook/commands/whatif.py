"""``outlook whatif FILE|ID --set KEY=VALUE ...``: a what-if against the base, judgement by judgement, flips first.

Owns the command's arguments and how a comparison table is written (aligned
text, CSV or JSON: :func:`write_comparison`, which ``outlook diff`` shares);
the comparison itself is :func:`outlook.analysis.compare.whatif`. The file
is read, never written. Exit codes as every command: 0 when the comparison
ran (whatever it found), 2 for a scenario, an override or an argument that
is not valid, 1 when a run fails.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_SAMPLES",
    "add_parser",
    "comparison_options",
    "read_overrides",
    "run",
    "set_option",
    "within_noise_note",
    "write_comparison",
]

#: Worlds per run unless --samples says otherwise (as ``outlook run``).
DEFAULT_SAMPLES = 100_000

#: The columns the text table shows (CSV and JSON have every column).
_TEXT_COLUMNS = ("kind", "target", "horizon", "p_a", "p_b", "delta", "delta_se", "word_a", "word_b", "flip")


def _whole(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (``1e6`` too, read exactly), else ``expected <what>``.

    The rule of ``outlook run``'s counts (:mod:`outlook.cli`, which a command may not import).
    """

    def read(text: str) -> int:
        from decimal import Decimal, InvalidOperation

        try:
            float(text)  # Python's number syntax: refuses "0x10", "_1"
            d = Decimal(text.strip())
        except (ValueError, InvalidOperation):
            d = Decimal("nan")
        if not (d.is_finite() and d == d.to_integral_value() and low <= d <= high):
            msg = f"expected {what}, got {text!r}"
            raise argparse.ArgumentTypeError(msg)
        return int(d)

    return read


#: Characters a terminal would obey, written in JSON as ``\uXXXX`` escapes (the same data), as ``outlook run`` does.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def set_option(p: argparse.ArgumentParser) -> None:
    """``--set KEY=VALUE``, repeatable, as ``outlook run`` reads it."""
    p.add_argument(
        "--set",
        action="append",
        default=[],
        dest="overrides",
        metavar="KEY=VALUE",
        help="a change by key path, as YAML, as for 'outlook run --set' (--set 'drivers.x={constant: 1}'); "
        "repeatable, applied in order",
    )


def read_overrides(texts: list[str]) -> list[Any]:
    """The ``--set`` texts as overrides; every one that cannot be read, or that repeats a key, is reported together.

    The same key path twice (``--set drivers.r=1 --set drivers.r=2``) is
    refused: the later one would silently win, and one of them is a slip.
    """
    from ..errors import Location, ScenarioError, ScenarioErrors
    from ..scenario import parse_override
    from ..scenario.overrides import parse_key_path

    out, errors, seen = [], [], set()
    for text in texts:
        try:
            o = parse_override(text)
        except ScenarioError as exc:
            errors.append(exc)
            continue
        except ScenarioErrors as exc:
            errors.extend(exc.errors)
            continue
        key = tuple(parse_key_path(o.key_path))
        if key in seen:
            errors.append(ScenarioError(Location(f"--set {o.key_path}"), "given twice (set each key once)"))
        seen.add(key)
        out.append(o)
    if errors:
        raise ScenarioErrors(errors)
    return out


def comparison_options(p: argparse.ArgumentParser) -> None:
    """The options every paired comparison takes: samples, seed, sampler, chunk size, scale, format."""
    p.add_argument(
        "--samples",
        "-n",
        type=_whole(1, 10**10, "a whole number of samples from 1 to 10,000,000,000"),
        default=DEFAULT_SAMPLES,
        help=f"simulated worlds, shared by both runs (default {DEFAULT_SAMPLES})",
    )
    p.add_argument(
        "--seed",
        "-s",
        type=_whole(0, 2**128 - 1, "a whole number from 0 to 2**128 - 1"),
        default=0,
        help="random seed, shared by both runs (default 0)",
    )
    p.add_argument(
        "--sampler", choices=("random", "sobol", "lhs"), default="random", help="as for 'outlook run' (default random)"
    )
    p.add_argument(
        "--chunk-size",
        type=_whole(1, 4_194_304, "a whole number of samples from 1 to 4,194,304"),
        default=None,
        help="samples held in memory at once",
    )
    p.add_argument("--scale", default="icd203", help="estimative-word scale (default icd203; see 'outlook scales')")
    p.add_argument("--format", "-f", choices=("table", "csv", "json"), default="table", help="output format")
    p.add_argument("--traceback", action="store_true", help="show the full traceback on errors")


def add_parser(sub: Any) -> None:
    """Add ``whatif`` to the ``outlook`` command's sub-parsers."""
    p = sub.add_parser(
        "whatif",
        help="compare a what-if with the base, judgement by judgement (the file is not changed)",
        description=(
            "Run the scenario and the scenario with the --set overrides on the same random streams (common random "
            "numbers), and list every judgement (each scenario and event at each horizon) with both probabilities, "
            "the paired difference and its standard error, both words, and whether the word flips; flips first, "
            "then the largest moves. The file is read, never written."
        ),
    )
    p.add_argument("scenario", metavar="FILE|ID", help="a scenario file, or the id of a bundled scenario")
    set_option(p)
    comparison_options(p)


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Carry out ``outlook whatif``; return the exit code."""
    from ..analysis.compare import whatif
    from ..model import DEFAULT_CHUNK_SIZE
    from ..words import get_scale

    get_scale(args.scale)
    overrides = read_overrides(args.overrides)
    if not overrides:
        raise ValueError("whatif needs at least one --set KEY=VALUE (the change to compare with the base)")
    frame = whatif(
        args.scenario,
        overrides,
        samples=args.samples,
        seed=args.seed,
        chunk_size=args.chunk_size or DEFAULT_CHUNK_SIZE,
        sampler=args.sampler,
        scale=args.scale,
    )
    flips = int(frame["flip"].sum())
    title = [
        f"what-if on {args.scenario}: {'; '.join(frame.attrs['overrides'])}",
        f"{args.samples} samples, seed {args.seed}, scale {args.scale}; a = base, b = what-if; "
        f"{flips} judgement{'' if flips == 1 else 's'} flip{'s' if flips == 1 else ''}",
    ]
    meta = {"scenario": str(args.scenario), "overrides": frame.attrs["overrides"]}
    write_comparison(frame, args.format, out, title=title, meta={**meta, **_settings(args)})
    return 0


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"samples": args.samples, "seed": args.seed, "sampler": args.sampler, "scale": args.scale}


_FLIP_NOTE = "flip: the word changes, |delta| > 2 delta_se, and neither p is within 2 Monte Carlo SE of a word boundary"


def within_noise_note(frame: pd.DataFrame, before: str = "word_a", after: str = "word_b") -> str:
    """One line when rows of ``frame`` change word without flipping (``""`` if none): why they are not flips."""
    rows = frame[frame["status"] == "comparable"] if "status" in frame.columns else frame
    noisy = rows[(rows[before] != rows[after]) & ~rows["flip"].astype(bool)]
    k = len(noisy)
    if not k:
        return ""
    these = "1 row changes" if k == 1 else f"{k} rows change"
    names = [f"{t}@{h}" for t, h in zip(noisy["target"], noisy["horizon"])] if "target" in noisy.columns else []
    shown = ", ".join(names[:_NAMED]) + (f" and {len(names) - _NAMED} more" if len(names) > _NAMED else "")
    return (
        f"word changes within Monte Carlo error are not flips: {these} word with |delta| <= 2 delta_se "
        "or a p within 2 SE of a word boundary" + (f" ({shown})" if shown else "")
    )


#: How many of the rows that change word within the noise :func:`within_noise_note` names.
_NAMED = 6


def write_comparison(
    frame: pd.DataFrame,
    fmt: str,
    out: TextIO,
    *,
    title: list[str],
    meta: Mapping[str, Any],
    key: str = "comparison",
    columns: tuple[str, ...] = _TEXT_COLUMNS,
) -> None:
    """Write a comparison table as aligned text (``title`` first), CSV, or JSON (``meta`` and the rows)."""
    from .._text import terminal_safe
    from ..display import render_table

    if fmt == "json":
        import json

        rows = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
        text = json.dumps({**meta, key: rows}, indent=2, ensure_ascii=False, allow_nan=False)
        out.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")
    elif fmt == "csv":
        out.write(render_table(frame, format="csv"))
    else:
        for line in title:
            out.write(terminal_safe(line) + "\n")
        out.write("\n")
        shown = frame[[c for c in columns if c in frame.columns]]
        out.write(render_table(shown) if len(shown) else "no judgements to compare\n")
        out.write(f"\n{_FLIP_NOTE}\n")
        note = within_noise_note(frame)
        if note:
            out.write(f"{note}\n")


def _plain(v: Any) -> Any:
    """A cell as JSON takes it: numpy scalars as Python numbers (every digit kept), NaN as null."""
    import math

    if hasattr(v, "item"):
        v = v.item()
    return None if isinstance(v, float) and math.isnan(v) else v
