"""What a run may be asked for: the block size, the limits, and checking counts at the door.

Owns the constants of the seeding format (:data:`BLOCK_SIZE`), the limits on
``samples``, ``seed``, ``chunk_size``, summary memory, a block's working
memory and :func:`sample_worlds` values, the samplers' names, and the
one-line ``ValueError`` that refuses a setting (or a model) outside them.
Never samples.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .compile import Model

__all__ = [
    "BLOCK_SIZE",
    "DEFAULT_CHUNK_SIZE",
    "MAX_CHUNK_SIZE",
    "MAX_SAMPLES",
    "MAX_SEED",
    "MAX_SUMMARY_BYTES",
    "MAX_WORKING_BYTES",
    "MAX_WORLD_VALUES",
    "MIN_PRECISION",
    "SAMPLERS",
    "check_counts",
    "check_working_memory",
    "working_bytes",
]

#: Samples per seeding block: a constant of the format, not a tuning knob.
BLOCK_SIZE = 1 << 16


#: Default samples per chunk (a whole number of blocks).
DEFAULT_CHUNK_SIZE = BLOCK_SIZE


#: The most samples a run may take (``samples``, or the cap of a ``precision``
#: run): ten billion, 152,588 blocks. A run keeps each block's count, mean,
#: squared deviations, min and max of every driver and derived quantity
#: (40 bytes), so memory grows with the blocks: for the bundled scenario (33
#: quantities) ten billion samples keep 200 MB and take about six core-hours.
#: A model with many quantities may be held to fewer (see :data:`MAX_SUMMARY_BYTES`).
MAX_SAMPLES = 10**10


#: The smallest ``precision`` a run accepts: 1 / MAX_SAMPLES. A proportion
#: strictly between 0 and 1 estimated from ``n`` samples has a binomial
#: standard error ``sqrt(p (1 - p) / n)`` of at least about ``1 / n``
#: (``p = 1 / n``), so no run within :data:`MAX_SAMPLES` could reach a
#: smaller one (and its square, in the sample count, would underflow).
MIN_PRECISION = 1 / MAX_SAMPLES


#: The most memory a run may keep in per-block summaries: 2 GiB.
MAX_SUMMARY_BYTES = 1 << 31


#: The most working memory one process may need to draw and count one block of worlds: 2 GiB.
#: A block holds every driver, derived quantity and event time of its worlds at once (see
#: :func:`working_bytes`); a model needing more is refused at the door, not ended by a MemoryError.
MAX_WORKING_BYTES = 1 << 31


#: The most samples a chunk may hold in memory at once (64 blocks): a chunk
#: holds every driver, derived quantity and event time of its worlds.
MAX_CHUNK_SIZE = 1 << 22


#: The largest seed, 2**128 - 1: ``SeedSequence`` pools its entropy in 128
#: bits, so a larger seed adds nothing, and some would repeat smaller ones.
MAX_SEED = (1 << 128) - 1


#: The most values :func:`sample_worlds` may hold (worlds x columns): 800 MB.
MAX_WORLD_VALUES = 10**8


def _shown(value: object) -> str:
    """A value for a one-line message: a huge integer as ``1.000e+400``, not its 401 digits."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        v = int(value)
        if abs(v) >= 10**15:
            from decimal import Decimal

            return format(Decimal(v), ".3e")
    return repr(value)


def _whole(name: str, value: object, low: int, high: int, high_text: str = "") -> int:
    """``value`` as an int if it is a whole number in [low, high] (an int, or a float without a fraction)."""
    v: int | None = None
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        v = int(value)
    elif isinstance(value, float | np.floating) and math.isfinite(f := float(value)) and f.is_integer():
        v = int(f) if abs(f) <= 2**53 else None  # beyond, a float is not the number that was meant
    if v is None or not low <= v <= high:
        msg = f"{name} must be a whole number from {low:,} to {high_text or f'{high:,}'} (got {_shown(value)})"
        raise ValueError(msg)
    return v


def check_counts(samples: object, seed: object, chunk_size: object) -> tuple[int, int, int]:
    """Validate a run's counts at the door; return ``samples``, ``seed`` and the chunk in whole blocks.

    Parameters
    ----------
    samples
        A whole number from 1 to :data:`MAX_SAMPLES`.
    seed
        A whole number from 0 to :data:`MAX_SEED`.
    chunk_size
        A whole number from 1 to :data:`MAX_CHUNK_SIZE`; rounded up to a
        whole number of blocks.

    Raises
    ------
    ValueError
        One line naming the setting, its limits and the value given.

    Examples
    --------
    >>> check_counts(1e6, 0, 1000)
    (1000000, 0, 65536)
    >>> check_counts(1.5, 0, 1000)
    Traceback (most recent call last):
    ...
    ValueError: samples must be a whole number from 1 to 10,000,000,000 (got 1.5)
    """
    n = _whole("samples", samples, 1, MAX_SAMPLES)
    s = _whole("seed", seed, 0, MAX_SEED, "2**128 - 1")
    c = _whole("chunk_size", chunk_size, 1, MAX_CHUNK_SIZE)
    return n, s, max(1, math.ceil(c / BLOCK_SIZE)) * BLOCK_SIZE


def _summary_bytes(model: Model, sampler: str) -> int:
    """Bytes a run keeps per block: 40 per quantity, plus each reported count for a QMC run."""
    s = model.scenario
    per_block = 40 * len(model.quantities)
    if sampler != "random":  # the block's reported counts, kept for between-block standard errors
        k = len(s.horizons) * (len(s.rules) + 2 * len(s.events))
        k += sum(len(d.categories or ()) for d in s.drivers)
        per_block += 8 * k + 200
    return per_block


def _check_summary_memory(model: Model, samples: int, sampler: str) -> None:
    """Refuse a sample count whose per-block summaries would pass :data:`MAX_SUMMARY_BYTES`.

    And a model whose worlds held at once, at least ``min(samples, BLOCK_SIZE)``, would pass
    :data:`MAX_WORKING_BYTES` (:func:`check_working_memory`).
    """
    check_working_memory(model, min(samples, BLOCK_SIZE))
    per_block = _summary_bytes(model, sampler)
    limit = min(MAX_SAMPLES, (MAX_SUMMARY_BYTES // max(per_block, 1)) * BLOCK_SIZE)
    if samples > limit:
        msg = (
            f"samples must be at most {limit:,} for this model (got {samples:,}): a run keeps "
            f"{per_block:,} bytes of summaries for each block of {BLOCK_SIZE:,} samples, "
            f"within {MAX_SUMMARY_BYTES >> 30} GiB"
        )
        raise ValueError(msg)


#: Ways of drawing a block: independent pseudo-random numbers, or one of
#: ``scipy.stats.qmc``'s randomised low-discrepancy sets.
SAMPLERS = ("random", "sobol", "lhs")


def _check_sampler(sampler: object) -> None:
    if sampler not in SAMPLERS:
        msg = f"sampler must be one of {', '.join(SAMPLERS)} (got {sampler!r})"
        raise ValueError(msg)


def _blocks(samples: int) -> int:
    return -(-samples // BLOCK_SIZE)


def working_bytes(model: Model, n: int = BLOCK_SIZE) -> int:
    """An upper estimate of the memory one process needs to draw and count ``n`` worlds of ``model``.

    Parameters
    ----------
    model
        From :func:`~outlook.model.compile_model`.
    n
        The worlds held at once: a block (:data:`BLOCK_SIZE`), or a run's
        sample count if smaller.

    Returns
    -------
    int
        Bytes: ``8 n`` times the 8-byte values a world needs.

    Notes
    -----
    Measured with ``tracemalloc`` over ``draw_worlds`` and ``simulate`` of
    one block of generated models (one kind of node scaled to 200 at a
    time; 2026-12-05), a world holds, in 8-byte values:

    * 1.25 per driver and derived quantity (its values, and the summaries'
      temporaries; measured 1.02 to 1.14);
    * 2 more per correlated driver (its normal score and the copula's
      product; measured 1.99);
    * 2.25 per event (its Exp(1) budget and its time; measured 2.13), and
      1/8 per event and horizon (a yes/no per event while labelling a
      horizon; measured 0.135);
    * 1 per horizon (the labels);
    * 4 per hazard piece of the event with the most (``1 + len(by) +
      len(after) + len(requires)``: breakpoints, rates, lengths and a
      temporary while that event is inverted; measured 3.9 to 4.0);
    * 8 for the rest (measured 4.3 for a one-driver, one-event model).

    Examples
    --------
    >>> from outlook import compile_model
    >>> from outlook.testing import tiny_scenario
    >>> model = compile_model(tiny_scenario(drivers={"k": 2}, events={"e": {"rate": "k / 10"}}))
    >>> working_bytes(model, 1000)
    133000
    """
    s = model.scenario
    pieces = max((1 + len(e.by) + len(e.after) + len(e.requires) for e in s.events), default=0)
    values = (
        1.25 * len(model.quantities)
        + 2 * len(model.correlated)
        + 2.25 * len(s.events)
        + 0.125 * len(s.events) * len(s.horizons)
        + len(s.horizons)
        + 4 * pieces
        + 8
    )
    return math.ceil(values * 8 * n)


def check_working_memory(model: Model, n: int) -> None:
    """Refuse, at the door, a model whose ``n`` worlds at once would need more than :data:`MAX_WORKING_BYTES`.

    Parameters
    ----------
    model
        From :func:`~outlook.model.compile_model`.
    n
        The worlds a process holds at once: ``min(samples, chunk)``.

    Raises
    ------
    ValueError
        One line: the estimate (:func:`working_bytes`), the budget, the
        model's counts and what to do.
    """
    need = working_bytes(model, n)
    if need <= MAX_WORKING_BYTES:
        return
    s = model.scenario
    fits = MAX_WORKING_BYTES * n // need
    msg = (
        f"this model needs about {need / 2**30:.2f} GiB of working memory for {n:,} worlds at once "
        f"({_count(len(s.drivers), 'driver')}, {_count(len(s.derived), 'derived quantity', 'derived quantities')}, "
        f"{_count(len(s.events), 'event')}), "
        f"over the budget of {MAX_WORKING_BYTES / 2**30:g} GiB per process: use fewer quantities" + _fewer(fits)
    )
    raise ValueError(msg)


def _fewer(fits: int) -> str:
    """What else would fit: a chunk of whole blocks (a run draws at least one block at once), or fewer samples."""
    if fits >= BLOCK_SIZE:
        return f", or a chunk size of at most {fits // BLOCK_SIZE * BLOCK_SIZE:,} ({fits // BLOCK_SIZE} blocks)"
    if fits >= 1:
        return f", or at most {fits:,} samples (a run draws a block of {BLOCK_SIZE:,} worlds at once)"
    return ""


def _count(k: int, one: str, many: str = "") -> str:
    """``1 driver``, ``2 drivers``."""
    return f"{k:,} {one if k == 1 else many or one + 's'}"
