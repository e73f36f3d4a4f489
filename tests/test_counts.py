"""Counts at the door: samples, seeds and chunk sizes are whole numbers within stated limits."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest

import outlook
from outlook import Scenario, cli, run_outlook, sample_worlds, simulate
from outlook.model import MAX_CHUNK_SIZE, MAX_SAMPLES, MAX_SEED

#: the bundled case before its revision (issue 14): a fixed, rich model for the engine's properties
ARCHIVED = Path(__file__).resolve().parent.parent / "scenarios" / "archive" / "nk-troops-russia-2024-11-01.yaml"

HEAD = """\
outlook: 1
id: t
title: T
question: Q?
as_of: 2024-01-01
horizons: {a: {until: 1y}}
"""

SMALL = HEAD + "drivers: {x: {normal: {mean: 0, sd: 1}}}\nscenarios: {all: otherwise}\n"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------
# the command line


SAMPLES_LINE = (
    "outlook run: error: argument --samples/-n: expected a whole number of samples from 1 to 10,000,000,000, got {!r}"
)


@pytest.mark.parametrize(
    "text",
    ["1e400", "1e30", "1e15", "1.5", "1e-3", "nan", "inf", "-0", "0", "0x10", "1e999999999999", "_1", "ten"],
)
def test_bad_sample_counts_are_one_line_and_exit_2(text: str) -> None:
    """A count that is not a whole number from 1 to 1e10 is refused with one line stating the limit, exit 2."""
    code, out, err = run("run", str(ARCHIVED), "--samples", text)
    assert (2, "") == (code, out)
    assert SAMPLES_LINE.format(text) == err.splitlines()[-1]
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1e6", 10**6), ("1_000_000", 10**6), ("1000000", 10**6), ("2.5e6", 2_500_000), ("1E10", MAX_SAMPLES)],
)
def test_sample_counts_in_any_whole_notation(text: str, expected: int) -> None:
    """1e6, 1_000_000, 1000000 and 2.5e6 all mean what they say."""
    assert expected == cli._parser().parse_args(["run", "x", "--samples", text]).samples


@pytest.mark.parametrize(
    ("option", "text", "line"),
    [
        ("--seed", "1e400", "argument --seed/-s: expected a whole number from 0 to 2**128 - 1, got '1e400'"),
        ("--seed", "-1", "argument --seed/-s: expected a whole number from 0 to 2**128 - 1, got '-1'"),
        ("--seed", "2.5", "argument --seed/-s: expected a whole number from 0 to 2**128 - 1, got '2.5'"),
        (
            "--chunk-size",
            "1e9",
            "argument --chunk-size: expected a whole number of samples from 1 to 4,194,304, got '1e9'",
        ),
        ("--workers", "1e400", "argument --workers/-j: expected a positive whole number, got '1e400'"),
    ],
    ids=["seed-huge", "seed-negative", "seed-fraction", "chunk-huge", "workers-huge"],
)
def test_other_counts_are_one_line_and_exit_2(option: str, text: str, line: str) -> None:
    """Seeds, chunk sizes and worker counts are refused the same way: one line, no traceback."""
    code, _, err = run("run", str(ARCHIVED), option, text)
    assert 2 == code
    assert "outlook run: error: " + line == err.splitlines()[-1]


def test_largest_seed_is_accepted() -> None:
    """Every seed from 0 to 2**128 - 1 is accepted, in any whole notation."""
    parse = cli._parser().parse_args
    assert MAX_SEED == parse(["run", "x", "--seed", str(MAX_SEED)]).seed
    assert 1000 == parse(["run", "x", "--seed", "1e3"]).seed


# --------------------------------------------------------------------------
# the API


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"samples": 10**15}, "samples must be a whole number from 1 to 10,000,000,000 (got 1.000e+15)"),
        ({"samples": 10**400}, "samples must be a whole number from 1 to 10,000,000,000 (got 1.000e+400)"),
        ({"samples": math.inf}, "samples must be a whole number from 1 to 10,000,000,000 (got inf)"),
        ({"samples": math.nan}, "samples must be a whole number from 1 to 10,000,000,000 (got nan)"),
        ({"samples": "1000"}, "samples must be a whole number from 1 to 10,000,000,000 (got '1000')"),
        ({"samples": True}, "samples must be a whole number from 1 to 10,000,000,000 (got True)"),
        ({"seed": 10**100}, "seed must be a whole number from 0 to 2**128 - 1 (got 1.000e+100)"),
        ({"seed": 1e300}, "seed must be a whole number from 0 to 2**128 - 1 (got 1e+300)"),
        ({"chunk_size": 10**9}, "chunk_size must be a whole number from 1 to 4,194,304 (got 1000000000)"),
    ],
    ids=[
        "samples-1e15",
        "samples-1e400",
        "samples-inf",
        "samples-nan",
        "samples-text",
        "samples-bool",
        "seed-1e100",
        "seed-float-1e300",
        "chunk-1e9",
    ],
)
@pytest.mark.parametrize("verb", ["simulate", "sample_worlds", "run_outlook"])
def test_api_refuses_counts_at_the_door(verb: str, kw: dict[str, object], message: str) -> None:
    """simulate, sample_worlds and run_outlook refuse a bad count with one line stating the limit."""
    s = Scenario.from_yaml(SMALL, path="t.yaml")
    fn = {"simulate": simulate, "sample_worlds": sample_worlds, "run_outlook": run_outlook}[verb]
    with pytest.raises(ValueError, match=r"^\w+ must be") as info:
        fn(s, **kw)  # type: ignore[operator]
    assert message == str(info.value)


def test_run_outlook_checks_counts_before_reading_the_scenario() -> None:
    """A bad count is reported before any file is read: no error about a missing file."""
    with pytest.raises(ValueError, match=r"^samples must be a whole number"):
        run_outlook("no-such-file.yaml", samples=0)


def test_whole_floats_are_counts() -> None:
    """samples=2e3 is 2,000 samples; the largest chunk size is accepted."""
    s = Scenario.from_yaml(SMALL, path="t.yaml")
    assert 2000 == simulate(s, samples=2e3).samples  # type: ignore[arg-type]
    assert 2000 == simulate(s, samples=2000, chunk_size=MAX_CHUNK_SIZE, seed=MAX_SEED).samples


def test_samples_are_held_to_what_a_big_model_can_keep() -> None:
    """A model with many quantities is held to the samples whose per-block summaries fit in 2 GiB."""
    body = HEAD + "drivers:\n" + "".join(f"  d{i}: {{normal: {{mean: 0, sd: 1}}}}\n" for i in range(500))
    s = Scenario.from_yaml(body + "scenarios: {all: otherwise}\n", path="t.yaml")
    with pytest.raises(ValueError, match=r"^\w+ must be") as info:
        simulate(s, samples=MAX_SAMPLES)
    assert (
        "samples must be at most 7,036,862,464 for this model (got 10,000,000,000): a run keeps 20,000 bytes of "
        "summaries for each block of 65,536 samples, within 2 GiB"
    ) == str(info.value)
    with pytest.raises(ValueError, match=r"^\w+ must be") as info:
        sample_worlds(s, samples=300_000)
    assert (
        "samples must be at most 200,000 for sample_worlds of this model (got 300,000): it holds every value in "
        "memory (500 a world, at most 100,000,000 in all); summaries of larger runs come from simulate"
    ) == str(info.value)


def test_bundled_scenario_may_take_the_most_samples() -> None:
    """The documented cap is reachable for the bundled scenario: its summaries at 1e10 samples fit."""
    model = outlook.compile_model(outlook.load_scenario(ARCHIVED))
    from outlook.model.settings import _check_summary_memory

    _check_summary_memory(model, MAX_SAMPLES, "random")
    _check_summary_memory(model, MAX_SAMPLES, "sobol")


# --------------------------------------------------------------------------
# a block's working memory


def _chained_events(k: int) -> str:
    """A scenario whose ``k`` events each modify their hazard after the first: the hardening report's shape."""
    lines = [HEAD, "drivers: {r: {range: [0.1, 0.3], shape: uniform}}\n", "events:\n", "  e0: {rate: r}\n"]
    lines += [f"  e{i}: {{rate: 0.1, after: {{e0: 2.0}}}}\n" for i in range(1, k)]
    return "".join(lines) + "scenarios: {all: otherwise}\n"


def test_a_model_over_the_working_memory_budget_is_refused_at_the_door(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model whose block would pass the budget is refused with one line, before anything is allocated."""
    from outlook.model import settings

    monkeypatch.setattr(settings, "MAX_WORKING_BYTES", 64 << 20)
    s = Scenario.from_yaml(_chained_events(300), path="t.yaml")
    with pytest.raises(ValueError, match=r"^this model needs") as info:
        simulate(s, samples=100_000)
    assert (
        "this model needs about 0.36 GiB of working memory for 65,536 worlds at once (1 driver, 0 derived "
        "quantities, 300 events), over the budget of 0.0625 GiB per process: use fewer quantities, or at most "
        "11,479 samples (a run draws a block of 65,536 worlds at once)"
    ) == str(info.value)
    assert 11_479 == simulate(s, samples=11_479).samples  # the count the message names is taken
    with pytest.raises(ValueError, match=r"^this model needs about 0\.\d+ GiB of working memory for 20,000 worlds"):
        sample_worlds(s, samples=20_000)  # the world store and iter_worlds are held to the same budget


def test_the_command_refuses_a_model_over_the_budget_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``outlook run`` says it in one line and exits 2: never an internal error or a MemoryError."""
    from outlook.model import settings

    monkeypatch.setattr(settings, "MAX_WORKING_BYTES", 64 << 20)
    path = tmp_path / "chained.yaml"
    path.write_text(_chained_events(300), encoding="utf-8")
    code, out, err = run("run", str(path), "--samples", "100000")
    assert (2, "") == (code, out)
    assert 1 == len(err.splitlines())
    assert err.startswith("outlook: error: this model needs about 0.36 GiB of working memory")


def test_the_hardening_reports_3000_chained_events_are_refused_not_out_of_memory() -> None:
    """The reported shape (3,000 events each after one, a file of about 100 KB) is refused under the real budget."""
    text = _chained_events(3000)
    assert len(text.encode()) < 120_000
    s = Scenario.from_yaml(text, path="t.yaml")
    with pytest.raises(ValueError, match=r"^this model needs about 3\.\d\d GiB .* over the budget of 2 GiB"):
        simulate(s, samples=100_000)


def test_the_bundled_scenario_is_far_under_the_working_memory_budget() -> None:
    """The bundled scenario needs well under a twentieth of the budget for a block."""
    from outlook.model.settings import MAX_WORKING_BYTES, working_bytes

    model = outlook.compile_model(outlook.load_scenario(ARCHIVED))
    assert working_bytes(model) < MAX_WORKING_BYTES / 20


def test_a_chunk_too_large_for_the_budget_is_refused_with_the_chunk_that_fits() -> None:
    """A process draws a whole chunk at once: the bundled scenario's largest chunk needs 3.35 GiB."""
    s = outlook.load_scenario(ARCHIVED)
    with pytest.raises(
        ValueError, match=r"^this model needs about 3\.35 GiB of working memory for 4,000,000 worlds"
    ) as info:
        simulate(s, samples=4_000_000, chunk_size=4_194_304)
    assert str(info.value).endswith("use fewer quantities, or a chunk size of at most 2,359,296 (36 blocks)")
