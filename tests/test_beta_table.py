"""The beta inverse-CDF table is filled cell by cell as draws need it, with the numbers of the whole table."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from outlook import distributions as dist


def whole_table(a: float, b: float) -> np.ndarray:
    """The table as the method defines it, every cell at once."""
    z = np.linspace(-9.0, 9.0, 1 << 15)
    t = special.betaincinv(a, b, special.ndtr(z))
    t[0], t[-1] = 0.0, 1.0
    return t


@pytest.mark.parametrize(("a", "b"), [(2.0, 3.0), (0.31, 0.77), (15.2, 1.1), (0.05, 40.0), (1.0, 1.0)])
def test_cells_filled_on_demand_are_the_whole_table_s(a: float, b: float) -> None:
    d = dist.Beta(a, b)
    rng = np.random.default_rng(7)
    z = np.concatenate([rng.standard_normal(3000), [-9.5, -9.0, 9.0, 12.0, 0.0]])
    first = d.from_normal(z)
    partial = dist._table_so_far(a, b)
    done = ~np.isnan(partial)
    assert 0 < done.sum() < partial.size  # only what the draws needed
    want = whole_table(a, b)
    assert np.array_equal(partial[done], want[done])
    # the same draws again, and after the whole table is computed: the same numbers
    assert np.array_equal(d.from_normal(z), first)
    assert np.array_equal(dist._beta_table(a, b), want)
    assert np.array_equal(d.from_normal(z), first)


def test_draws_do_not_depend_on_which_cells_came_first() -> None:
    z = np.random.default_rng(8).standard_normal(20_000)
    d = dist.Beta(2.5, 4.5 + 1e-9)  # a table no other test fills
    pieces = [d.from_normal(z[i : i + 997]) for i in range(0, z.size, 997)]  # filled a little at a time
    dist._beta_table(d.alpha, d.beta)  # now whole
    assert np.array_equal(np.concatenate(pieces), d.from_normal(z))
