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


def test_the_twin_is_timed_beside_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    """--twin on a model tight.py has: its whole time, its own draws, and the work besides them."""
    args = ["--scenario", str(BENCH / "ten_drivers.yaml"), "--samples", "20000", "--repeats", "1", "--twin"]
    assert bench_draws.main(args) == 0
    out = capsys.readouterr().out
    assert "tight twin (ten)" in out
    assert "twin / outlook's draws of the model" in out
    assert "which issue 16 sets for the bundled case" in out  # the 4x target is the bundled case's
    assert bench_draws.main(["--samples", "20000", "--repeats", "1", "--twin"]) == 0
    assert "tight.py has no twin of nk-troops-russia.yaml" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--samples", "0"], "--samples: must be a whole number, 1 or more (got 0)"),
        (["--samples", "1.5"], "--samples: must be a whole number, 1 or more (got 1.5)"),
        (["--samples", "1e11"], "--samples: must be at most 10,000,000,000"),
        (["--repeats", "0"], "--repeats: must be a whole number, 1 or more"),
        (["--seed", "-1"], "--seed: must be a whole number, 0 or more"),
        (["--assert-ratio", "0"], "--assert-ratio: must be a number above 0"),
        (["--samples", "abc"], "--samples: not a number: 'abc'"),
    ],
)
def test_bad_arguments_are_one_line(argv: list[str], says: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad value stops the script before it measures anything: argparse's usage and one error line."""
    with pytest.raises(SystemExit) as info:
        bench_draws.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert says in err.splitlines()[-1]


@pytest.mark.parametrize(("scenario", "says"), [("nosuch", "no such file"), (str(BENCH), "is a directory")])
def test_a_scenario_that_does_not_load_is_one_line(
    scenario: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """outlook's own error about the scenario, as one line and exit status 2 (benchargs.run), no traceback."""
    import benchargs

    assert benchargs.run(bench_draws.main, ["--scenario", scenario]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert says in err
    assert "Traceback" not in err
