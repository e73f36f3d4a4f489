"""What a run may be asked for: the block size, the limits, and checking counts at the door.

Owns the constants of the seeding format (:data:`BLOCK_SIZE`), the limits on
``samples``, ``seed``, ``chunk_size``, summary memory and :func:`sample_worlds`
values, the samplers' names, and the one-line ``ValueError`` that refuses a
setting outside them. Never samples.
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
    "MAX_WORLD_VALUES",
    "MIN_PRECISION",
    "SAMPLERS",
    "check_counts",
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
    """Refuse a sample count whose per-block summaries would pass :data:`MAX_SUMMARY_BYTES`."""
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
