"""Golden tables: each bundled scenario's outlook at a fixed seed.

Regenerate on purpose only: ``python -m pytest tests/test_golden.py --update-golden``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import outlook

GOLDEN = Path(__file__).parent / "golden"
SAMPLES = 20_000
SEED = 20241101
TABLES = ("scenarios", "events", "drivers", "derived", "categories")


@pytest.mark.parametrize("scenario_id", sorted(outlook.bundled_scenarios()))
def test_golden_tables(scenario_id: str, update_golden: bool) -> None:
    """A bundled scenario gives the stored tables at a fixed seed and sample count."""
    out = outlook.run_outlook(scenario_id, samples=SAMPLES, seed=SEED)
    folder = GOLDEN / scenario_id
    if update_golden:
        folder.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            out.table(name).to_csv(folder / f"{name}.csv", index=False, float_format="%.17g", lineterminator="\n")
    for name in TABLES:
        path = folder / f"{name}.csv"
        assert path.exists(), f"no golden file {path}; run pytest --update-golden once on purpose"
        expected = pd.read_csv(path, keep_default_na=False)
        actual = out.table(name).reset_index(drop=True)
        # horizon, scenario and event are ordered categoricals; the CSV holds their values, the same strings
        actual = actual.astype({c: str for c, t in actual.dtypes.items() if isinstance(t, pd.CategoricalDtype)})
        assert list(expected.columns) == list(actual.columns)
        if expected.empty and actual.empty:
            continue
        for c in actual.columns[[pd.api.types.is_float_dtype(t) for t in actual.dtypes]]:
            expected[c] = pd.to_numeric(expected[c].replace("", float("nan")))  # an empty cell is NaN (categorical)
        pd.testing.assert_frame_equal(expected, actual, check_dtype=False, rtol=1e-9, atol=1e-12)
