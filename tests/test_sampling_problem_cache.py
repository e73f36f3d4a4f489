"""``sampling_problem`` is cached by the distribution's value: the verdicts are those computed afresh.

A load checks each key assumption's ``if_false`` what-if by building it again, so every
unchanged driver's distribution is checked again: equal distributions hit the cache.
"""

from __future__ import annotations

import numpy as np
import pytest

from outlook import distributions as dist
from outlook.scenario import stated

CASES = [
    dist.Normal(1.5, 0.0),
    dist.Normal(0.0, 1.0),
    dist.Constant(1e308),
    dist.LogNormal(400.0, 1.0),
    dist.Beta(2.0, 3.0, 0.0, 1.0),
    dist.Uniform(1.0, 1.0),
    dist.Mixture((dist.Constant(1.0), dist.Uniform(0.5, 1.0)), (0.5, 0.5)),
    dist.Truncated(dist.Normal(0.0, 1e200), 0.0, np.inf),
]


@pytest.mark.parametrize("d", CASES, ids=lambda d: d.describe())
def test_cached_verdict_is_the_fresh_one(d: dist.Distribution) -> None:
    fresh = stated._sampling_problem(d)
    assert stated.sampling_problem(d) == fresh
    assert stated.sampling_problem(d) == fresh  # the second call, from the cache


def test_equal_distributions_share_a_verdict_and_problems_are_still_found() -> None:
    stated._sampling_problem_of.cache_clear()
    assert stated.sampling_problem(dist.Normal(1.5, 0.0)) is not None
    assert stated.sampling_problem(dist.Normal(1.5, 0.0)) is not None
    info = stated._sampling_problem_of.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_an_unhashable_distribution_is_checked_without_the_cache() -> None:
    """A distribution holding arrays cannot be hashed: it goes to the check directly, which behaves as before."""
    d = dist.Gamma(np.array([2.0, 3.0]), np.array([1.0, 1.0]))
    with pytest.raises(TypeError):
        hash(d)
    with pytest.raises(ValueError, match="broadcast"):  # the check itself, not the cache, has the last word
        stated._sampling_problem(d)
    with pytest.raises(ValueError, match="broadcast"):
        stated.sampling_problem(d)
