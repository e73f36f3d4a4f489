"""Cache-sized pieces: an elementwise chain of numpy steps over a block, run a piece at a time.

A block holds 65,536 worlds (:data:`outlook.model.BLOCK_SIZE`): each array of
them is 512 kB, and a chain of a dozen steps, each reading and writing such
arrays, runs at the speed of the L3 cache. Over pieces of :data:`PIECE`
worlds (128 kB an array) the same chain stays in the L2 cache and runs two
to three times as fast (measured on the beta table interpolation, the event
times and the event-curve counts). Only for steps that act on each world
alone: the numbers are the same, world by world, whatever the pieces.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["PIECE", "pieces"]

#: Worlds a piece: 16,384 (128 kB an array of floats).
PIECE = 1 << 14


def pieces(n: int, size: int = PIECE) -> Iterator[slice]:
    """The slices ``[0, size), [size, 2 size), ...`` that cover ``range(n)``.

    >>> [(s.start, s.stop) for s in pieces(40_000)]
    [(0, 16384), (16384, 32768), (32768, 40000)]
    """
    for lo in range(0, n, size):
        yield slice(lo, min(lo + size, n))
