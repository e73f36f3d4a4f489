"""benchmarks/bench_draws.py replays exactly the generator calls a run makes (the draws-alone side of its ratio).

Small samples only; the timing itself is the script's job.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_draws  # noqa: E402

import outlook  # noqa: E402
from outlook.model import BLOCK_SIZE  # noqa: E402


@pytest.mark.parametrize("name", ["nk-troops-russia", str(BENCH / "ten_drivers.yaml")])
def test_the_recorded_calls_are_every_draw_of_the_run(name: str) -> None:
    """One call per drawing node per block, each of the block's size; the replay draws the same numbers."""
    n = BLOCK_SIZE + 1000  # two blocks, the second short
    path = str(outlook.find_scenario(name))
    calls = bench_draws.record(path, n, seed=7)
    s = outlook.load_scenario(path)
    drawing = {d.id for d in s.drivers if d.distribution.kind != "constant"} | {e.id for e in s.events}
    assert {c[2] for c in calls} == drawing
    assert sorted({c[0] for c in calls}) == [0, 1]
    assert sum(c[4] for c in calls) == n * len(drawing)
    assert bench_draws.check_replay(calls, seed=7)
    assert not bench_draws.check_replay(calls, seed=8)  # the check can fail: another seed draws other numbers


def test_the_script_prints_its_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_draws.main(["--samples", "20000", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "ratio run / draws alone" in out
    assert "the 4x target" in out
