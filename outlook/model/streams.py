"""The random streams: which generator draws which numbers (common random numbers).

Owns turning a run's ``seed`` into generators. Sample ``i`` belongs to block
``i // BLOCK_SIZE``. Within block ``b``, every node that draws has its own
stream, keyed by a stable hash of what it is and its id::

    SeedSequence(seed, spawn_key=(b, stable_key(kind, id)))

``kind`` is ``"driver"`` (a driver's standard normal scores, or the draws
its shape makes from them), ``"event"`` (an event's Exp(1) occurrence
budgets) or ``"points"`` (a quasi-Monte Carlo block's point set, with
``id`` the sampler's name). So a node's underlying draws depend only on the
seed, the block and its id: adding, removing or changing another node never
moves them, and a what-if at the same seed differs from the base run only
where the change reaches (paired differences). Never samples a distribution
itself, and never uses Python's ``hash`` (salted per process).
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

__all__ = [
    "STREAM_KINDS",
    "node_rng",
    "stable_key",
]

#: The kinds of node that own a stream.
STREAM_KINDS = ("driver", "event", "points")


@functools.lru_cache(maxsize=4096)
def stable_key(kind: str, name: str) -> int:
    """The stream key of a node: the first 8 bytes of SHA-256 of ``"kind:name"`` (UTF-8), big-endian.

    The same on every machine, Python version and process (unlike ``hash``).

    Examples
    --------
    >>> stable_key("driver", "troops")
    3851415506880315495
    """
    digest = hashlib.sha256(f"{kind}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def node_rng(seed: int, block: int, kind: str, name: str) -> np.random.Generator:
    """The generator of node ``kind:name`` in block ``block`` of a run seeded ``seed``.

    Parameters
    ----------
    seed
        The run's seed, 0 to 2**128 - 1.
    block
        The block number: sample ``i`` is in block ``i // BLOCK_SIZE``.
    kind, name
        One of :data:`STREAM_KINDS`, and the node's id (or the sampler's name).

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator seeded by ``SeedSequence(seed, spawn_key=(block,
        stable_key(kind, name)))``: the ``stable_key``-th child of the
        ``block``-th child that ``SeedSequence(seed).spawn`` defines.
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block, stable_key(kind, name)))))
