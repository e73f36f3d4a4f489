"""The random streams: which generator draws which numbers.

Owns turning a run's ``seed`` into generators. Sample ``i`` belongs to block
``i // BLOCK_SIZE``; block ``b`` draws from ``SeedSequence(seed,
spawn_key=(b,))`` (the ``b``-th child that ``SeedSequence(seed).spawn`` would
give). Never samples a distribution itself.
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


def _block_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(block,))))
