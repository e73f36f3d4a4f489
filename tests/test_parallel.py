"""Worker processes, precision on demand and quasi-Monte Carlo: the same numbers, or better ones."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import numpy as np
import pytest

import outlook
from outlook import Scenario, compile_model, sample_worlds, simulate, summarise
from outlook.model import BLOCK_SIZE, between_block_se
from outlook.model.runner import guided, split

SMALL = """
outlook: 1
id: small
title: Small
question: Q?
as_of: 2024-01-01
horizons: {short: {until: 1y}, long: {until: 4y}}
drivers:
  troops: {range: [8000, 12000], shape: normal, unit: troops}
  share: {range: [0.2, 0.6], shape: beta}
  rate: {range: [0.1, 0.5], shape: lognormal, unit: per year}
  mood: {categorical: {calm: 0.5, tense: 0.3, hot: 0.2}}
  flag: {probability: 0.4}
correlations:
  - [troops, share, 0.5]
derived:
  load: troops * share / 1000
events:
  clash: {rate: rate * (1 + (mood == 'hot'))}
  talks: {by: {short: 0.2, long: 0.6}, after: {clash: 0.5}}
scenarios:
  war: clash and not talks
  deal: talks
  drift: otherwise
"""


@pytest.fixture(scope="module")
def small() -> outlook.Model:
    return compile_model(Scenario.from_yaml(SMALL, path="small.yaml"))


def same_tables(a: outlook.Tables, b: outlook.Tables) -> None:
    for name in a.TABLES:
        pd_a, pd_b = a.table(name), b.table(name)
        assert pd_a.equals(pd_b), name
    assert a.curves.equals(b.curves)


def test_the_runner_imports_nothing_from_the_model() -> None:
    """outlook.model.runner is given its work: no import of the model, at module level or in a function."""
    import ast
    from pathlib import Path

    import outlook.model.runner as runner

    tree = ast.parse(Path(runner.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    ours = {name for name in imported if name.startswith(".") or name.startswith("outlook")}
    assert {"..errors"} == ours


def test_guided_ranges_shrink_and_cover_every_block_once() -> None:
    """Guided ranges: contiguous, never growing, each a 2N-th of what is left, covering the blocks exactly."""
    for n in range(1, 60):
        for workers in range(1, 6):
            r = guided(5, 5 + n, workers)
            assert (5, 5 + n) == (r[0][0], r[-1][1])
            assert all(r[i][1] == r[i + 1][0] for i in range(len(r) - 1))
            sizes = [b - a for a, b in r]
            assert sizes == sorted(sizes, reverse=True)
            assert all(b - a == max(1, -(-(5 + n - a) // (2 * workers))) for a, b in r)


def test_split_covers_every_block_once() -> None:
    """Ranges are contiguous, non-empty and cover the blocks exactly."""
    for n in range(1, 40):
        for parts in range(1, 12):
            r = split(3, 3 + n, parts)
            assert r[0][0] == 3
            assert r[-1][1] == 3 + n
            assert all(a < b for a, b in r)
            assert all(r[i][1] == r[i + 1][0] for i in range(len(r) - 1))
            assert len(r) == min(n, parts)


def test_models_pickle_and_run_the_same(small: outlook.Model) -> None:
    """A model sent to a worker (pickled, expressions compiled again) gives the same numbers."""
    copy = pickle.loads(pickle.dumps(small))
    same_tables(summarise(simulate(small, samples=20_000, seed=4)), summarise(simulate(copy, samples=20_000, seed=4)))


@pytest.mark.parametrize("sampler", ["random", "sobol"])
def test_two_worker_processes_give_identical_numbers(small: outlook.Model, sampler: str) -> None:
    """Blocks split over two processes and merged in order: every table identical."""
    n = 5 * BLOCK_SIZE + 123
    one = summarise(simulate(small, samples=n, seed=9, sampler=sampler))
    two = summarise(simulate(small, samples=n, seed=9, sampler=sampler, workers=2, chunk_size=2 * BLOCK_SIZE))
    same_tables(one, two)


def test_progress_counts_every_sample_with_workers(small: outlook.Model) -> None:
    """The progress callback reaches the total, never passes it, and only rises."""
    seen: list[tuple[int, int]] = []
    simulate(small, samples=3 * BLOCK_SIZE, seed=1, workers=2, progress=lambda d, t: seen.append((d, t)))
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert done[-1] == 3 * BLOCK_SIZE
    assert {t for _, t in seen} == {3 * BLOCK_SIZE}


# --------------------------------------------------------------------------
# precision on demand


@pytest.mark.parametrize("precision", [0.004, 0.0015])
def test_precision_is_reached_and_reproducible(small: outlook.Model, precision: float) -> None:
    """Every reported SE is within the target, and that many samples reproduce the run."""
    run = simulate(small, precision=precision, seed=2)
    out = summarise(run)
    ses = np.concatenate(
        [out.scenarios["p_se"], out.events["p_by_se"], out.events["p_within_se"], out.categories["p_se"]]
    )
    assert ses.max() <= precision
    assert 0 == run.samples % BLOCK_SIZE
    assert not run.warnings
    # not far past what was needed: the largest p(1-p) sets the count
    p = np.concatenate([out.scenarios["p"], out.events["p_by"], out.events["p_within"], out.categories["p"]])
    need = (p * (1 - p)).max() / precision**2
    assert run.samples <= max(BLOCK_SIZE, math.ceil(need * 1.05 / BLOCK_SIZE) * BLOCK_SIZE + BLOCK_SIZE)
    same_tables(out, summarise(simulate(small, samples=run.samples, seed=2)))
    assert precision == out.manifest["precision"]


def test_precision_cap_is_reported_not_hidden(small: outlook.Model) -> None:
    """A cap below what the precision needs: the run stops there and says so."""
    run = simulate(small, precision=0.0005, samples=100_000, seed=2)
    assert 100_000 == run.samples
    assert any("precision 0.0005 was not reached" in w for w in run.warnings)
    same_tables(summarise(run), summarise(simulate(small, samples=100_000, seed=2)))


@pytest.mark.parametrize("bad", [0, -0.1, 0.5, 2, True, "0.01", math.nan])
def test_bad_precision_is_a_value_error(small: outlook.Model, bad: object) -> None:
    with pytest.raises(ValueError, match=r"precision must be a standard error between 0 and 0\.5"):
        simulate(small, precision=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("tiny", [1e-300, 5e-324, 9.9e-11])
def test_precision_no_run_could_reach_is_refused_at_the_door(small: outlook.Model, tiny: float) -> None:
    """Below 1 / MAX_SAMPLES no proportion's standard error can get; 1e-300 squared would underflow to 0."""
    with pytest.raises(ValueError, match="precision must be at least") as info:
        simulate(small, precision=tiny)
    assert (
        f"precision must be at least 1e-10 (got {tiny!r}): a smaller standard error needs more than "
        "10,000,000,000 samples"
    ) == str(info.value)


def test_cli_refuses_a_precision_no_run_could_reach(tmp_path: Path) -> None:
    """`--precision 1e-300`: a one-line error, exit 2, no ZeroDivisionError."""
    import io

    from outlook import cli

    p = tmp_path / "t.yaml"
    p.write_text(
        "outlook: 1\nid: t\ntitle: T\nquestion: Q\nas_of: 2024-01-01\nhorizons: {h: {until: 1y}}\n"
        "drivers: {}\nevents: {e: {rate: 1}}\nscenarios: {yes: e, no: otherwise}\n"
    )
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["run", str(p), "--precision", "1e-300"], stdout=out, stderr=err)
    assert (2, "") == (code, out.getvalue())
    assert (
        "outlook: error: precision must be at least 1e-10 (got 1e-300): a smaller standard error needs more than "
        "10,000,000,000 samples\n"
    ) == err.getvalue()


# --------------------------------------------------------------------------
# quasi-Monte Carlo


@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_qmc_is_reproducible_for_any_chunk_size(small: outlook.Model, sampler: str) -> None:
    """Same seed, same numbers, whatever the chunk size; another seed, other numbers."""
    n = 3 * BLOCK_SIZE + 7
    a = summarise(simulate(small, samples=n, seed=5, sampler=sampler))
    b = summarise(simulate(small, samples=n, seed=5, sampler=sampler, chunk_size=4 * BLOCK_SIZE))
    same_tables(a, b)
    c = summarise(simulate(small, samples=n, seed=6, sampler=sampler))
    assert not a.scenarios.equals(c.scenarios)
    assert sampler == a.manifest["sampler"]


@pytest.mark.parametrize("sampler", ["sobol", "lhs"])
def test_qmc_ranges_and_closed_forms(sampler: str) -> None:
    """Under QMC a range still puts p5/p95 at its ends and a constant hazard gives 1 - exp(-rt)."""
    s = Scenario.from_yaml(
        "outlook: 1\nid: q\ntitle: Q\nquestion: Q?\nas_of: 2024-01-01\n"
        "horizons: {a: {until: 1y}, b: {until: 3y}}\n"
        "drivers: {x: {range: [10, 30], shape: normal}, y: {range: [1, 9], shape: lognormal}, r: {constant: 0.3}}\n"
        "events: {e: {rate: r}}\nscenarios: {yes: e, no: otherwise}\n",
        path="q.yaml",
    )
    n = 4 * BLOCK_SIZE
    out = summarise(simulate(s, samples=n, seed=1, sampler=sampler))
    d = out.drivers.set_index("name")
    # QMC errors are far below the binomial SE of a 5% quantile; use that as the bound
    for name, lo, hi in (("x", 10, 30), ("y", 1, 9)):
        width = hi - lo
        assert abs(d.loc[name, "p5"] - lo) < 0.01 * width
        assert abs(d.loc[name, "p95"] - hi) < 0.01 * width
    for h, t in (("a", 1.0), ("b", 3.0)):
        p = out.events.set_index("horizon").loc[h, "p_by"]
        exact = 1 - math.exp(-0.3 * t)
        assert abs(p - exact) < 4 * math.sqrt(exact * (1 - exact) / n)


def test_sobol_beats_random_sampling_at_equal_samples(small: outlook.Model) -> None:
    """Across seeds, Sobol' estimates scatter less than pseudo-random ones (QMC's point)."""

    def spread(sampler: str) -> float:
        est = [summarise(simulate(small, samples=8192, seed=s, sampler=sampler)).scenarios["p"] for s in range(12)]
        return float(np.mean(np.std(np.array(est), axis=0)))

    assert spread("sobol") < 0.8 * spread("random")


def test_sample_worlds_follow_the_sampler(small: outlook.Model) -> None:
    """sample_worlds shows the very worlds a QMC run summarises."""
    worlds = sample_worlds(small, samples=5000, seed=3, sampler="sobol")
    out = summarise(simulate(small, samples=5000, seed=3, sampler="sobol"))
    d = out.drivers.set_index("name")
    assert worlds["troops"].mean() == pytest.approx(d.loc["troops", "mean"], rel=1e-12)


@pytest.mark.parametrize("bad", ["halton", "", None])
def test_unknown_sampler_is_a_value_error(small: outlook.Model, bad: object) -> None:
    with pytest.raises(ValueError, match="sampler must be one of random, sobol, lhs"):
        simulate(small, samples=10, sampler=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -1.0, math.nan, math.inf, True, "60"])
def test_a_bad_worker_timeout_is_a_value_error(small: outlook.Model, bad: object) -> None:
    with pytest.raises(ValueError, match="worker_timeout must be") as exc:
        simulate(small, samples=10, worker_timeout=bad)  # type: ignore[arg-type]
    assert f"worker_timeout must be a positive number of seconds (got {bad!r})" == str(exc.value)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_workers_is_a_value_error(small: outlook.Model, bad: object) -> None:
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        simulate(small, samples=10, workers=bad)  # type: ignore[arg-type]


def test_an_error_in_a_worker_process_reaches_the_caller() -> None:
    """A derived quantity that is not a number in a worker's range: the same SimulationError, located."""
    s = Scenario.from_yaml(
        "outlook: 1\nid: e\ntitle: E\nquestion: Q?\nas_of: 2024-01-01\nhorizons: {a: {until: 1y}}\n"
        "drivers: {x: {range: [-1, 1], shape: normal}}\nderived: {y: sqrt(x)}\nscenarios: {all: otherwise}\n",
        path="e.yaml",
    )
    with pytest.raises(outlook.SimulationError, match=r"^e\.yaml:\d+:\d+: derived\.y: not a number in [\d,]+ of"):
        simulate(s, samples=6 * BLOCK_SIZE, seed=1, workers=2)


def test_a_killed_worker_process_fails_the_run_clearly(small: outlook.Model) -> None:
    """A worker process killed mid-run: a SimulationError, never a table from part of the worlds."""
    import multiprocessing
    import os
    import signal

    killed: list[int] = []

    def progress(done: int, total: int) -> None:
        for child in multiprocessing.active_children():
            if not killed and child.pid is not None:
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)

    with pytest.raises(outlook.SimulationError, match=r"a worker process died .*; no table was produced"):
        simulate(small, samples=40 * BLOCK_SIZE, seed=1, workers=2, progress=progress)
    assert killed


# --------------------------------------------------------------------------
# standard errors under quasi-Monte Carlo


def test_between_block_se_is_the_spread_of_block_estimates() -> None:
    """Equal blocks: sd(p_b) / sqrt(B); unequal blocks: the ratio estimator, checked by hand."""
    rng = np.random.default_rng(0)
    sizes = np.full(10, 1000.0)
    counts = rng.integers(200, 300, size=(10, 3)).astype(float)
    expected = np.std(counts / 1000.0, axis=0, ddof=1) / math.sqrt(10)
    assert np.allclose(expected, between_block_se(counts, sizes), rtol=1e-12)
    sizes = np.array([1000.0, 1000.0, 1000.0, 400.0])
    counts = np.array([[100.0], [140.0], [120.0], [30.0]])
    p = counts.sum() / sizes.sum()
    r = sizes / sizes.mean()
    by_hand = math.sqrt(sum(r[i] ** 2 * (counts[i, 0] / sizes[i] - p) ** 2 for i in range(4)) / (4 * 3))
    assert between_block_se(counts, sizes)[0] == pytest.approx(by_hand, rel=1e-12)


def test_qmc_standard_errors_are_measured_and_honest(small: outlook.Model) -> None:
    """With 8+ blocks a Sobol' run reports between-block SEs: below the binomial, near the real spread."""
    n = 8 * BLOCK_SIZE
    outs = [summarise(simulate(small, samples=n, seed=s, sampler="sobol")) for s in range(12)]
    assert outs[0].manifest["standard_error"].startswith("between blocks: sobol points, 8 independent")
    p = np.array([o.scenarios["p"].to_numpy() for o in outs])
    se = np.array([o.scenarios["p_se"].to_numpy() for o in outs])
    binomial = np.sqrt(p * (1 - p) / n)
    assert (se.mean(axis=0) < 0.8 * binomial.mean(axis=0)).all()
    ratio = se.mean(axis=0) / np.std(p, axis=0, ddof=1)
    assert 0.5 < float(np.exp(np.mean(np.log(ratio)))) < 2.0  # geometric mean over scenarios


def test_short_qmc_runs_report_the_binomial_bound(small: outlook.Model) -> None:
    """Fewer than 8 blocks: the binomial SE, and the manifest says it is an upper bound."""
    out = summarise(simulate(small, samples=3 * BLOCK_SIZE, seed=1, sampler="sobol"))
    assert "an upper bound under sobol" in out.manifest["standard_error"]
    p = out.scenarios["p"].to_numpy()
    assert np.allclose(out.scenarios["p_se"], np.sqrt(p * (1 - p) / (3 * BLOCK_SIZE)), rtol=1e-12)


def test_block_counts_add_up_to_the_run(small: outlook.Model) -> None:
    """Each block's counts, field by field, sum to the run's counts."""
    run = simulate(small, samples=9 * BLOCK_SIZE + 5, seed=2, sampler="lhs")
    assert 10 == len(run.block_counts)
    assert 9 * BLOCK_SIZE + 5 == sum(size for _, size in run.block_counts)
    blocks = [c for c, _ in run.block_counts]
    assert run.counts.scenarios.tolist() == sum(c.scenarios for c in blocks).tolist()
    assert run.counts.events.tolist() == sum(c.events for c in blocks).tolist()
    assert ["mood"] == list(run.counts.categories)
    assert run.counts.categories["mood"].tolist() == sum(c.categories["mood"] for c in blocks).tolist()
    assert ("between blocks", 10) == (run.standard_errors.method, run.standard_errors.blocks)


def test_standard_errors_are_named_not_positional(small: outlook.Model) -> None:
    """Each table's p_se column is the run's standard error of that very probability, by name."""
    run = simulate(small, samples=9 * BLOCK_SIZE, seed=2, sampler="sobol")
    out = summarise(run)
    se = run.standard_errors
    assert se.scenarios.ravel().tolist() == out.scenarios["p_se"].tolist()
    assert se.events_by.ravel().tolist() == out.events["p_by_se"].tolist()
    assert se.events_within.ravel().tolist() == out.events["p_within_se"].tolist()
    assert se.categories["mood"].tolist() == out.categories["p_se"].tolist()
    by_hand = between_block_se(
        np.stack([c.events[:, 1] - c.events[:, 0] for c, _ in run.block_counts]),
        np.array([n for _, n in run.block_counts]),
    )
    assert by_hand.tolist() == se.events_within[:, 1].tolist()


def test_qmc_with_workers_gives_identical_standard_errors(small: outlook.Model) -> None:
    """Blocks from two processes, in any order: the same between-block SEs."""
    n = 9 * BLOCK_SIZE
    one = summarise(simulate(small, samples=n, seed=4, sampler="sobol"))
    two = summarise(simulate(small, samples=n, seed=4, sampler="sobol", workers=2))
    same_tables(one, two)
    assert one.manifest["standard_error"].startswith("between blocks")


def test_precision_under_qmc_uses_the_measured_errors(small: outlook.Model) -> None:
    """A Sobol' precision run stops on between-block SEs, and that many samples reproduce it."""
    run = simulate(small, precision=0.0006, seed=3, sampler="sobol")
    out = summarise(run)
    assert out.manifest["standard_error"].startswith("between blocks")
    ses = np.concatenate(
        [out.scenarios["p_se"], out.events["p_by_se"], out.events["p_within_se"], out.categories["p_se"]]
    )
    assert ses.max() <= 0.0006
    p = np.concatenate([out.scenarios["p"], out.events["p_by"], out.events["p_within"], out.categories["p"]])
    assert run.samples < (p * (1 - p)).max() / 0.0006**2  # fewer than random sampling would need
    same_tables(out, summarise(simulate(small, samples=run.samples, seed=3, sampler="sobol")))


# --------------------------------------------------------------------------
# worker processes: how many, and how they stop


def test_more_workers_than_cores_are_capped_with_a_note(small: outlook.Model, monkeypatch: pytest.MonkeyPatch) -> None:
    """workers=3 where one core is usable: one process runs, the same numbers, and the run's notes say so.

    A note, not a warning: how a run was spread is not a result, and the
    tables and the report are the same for any worker count.
    """
    monkeypatch.setattr("outlook.model.runner.cpu_count", lambda: 1)
    run = simulate(small, samples=2 * BLOCK_SIZE, seed=3, workers=3)
    assert ["3 worker processes were asked for, but this process may use 1 core: 1 ran"] == run.notes
    assert not any("worker processes" in w for w in run.warnings)
    same_tables(summarise(simulate(small, samples=2 * BLOCK_SIZE, seed=3)), summarise(run))


def test_workers_at_the_core_count_give_no_note(small: outlook.Model) -> None:
    """No note when the count fits (the default of one process included)."""
    from outlook.model.runner import cpu_count

    run = simulate(small, samples=BLOCK_SIZE, seed=3, workers=cpu_count())
    assert [] == run.notes


@pytest.mark.parametrize("stop", [KeyboardInterrupt, ValueError], ids=["interrupt", "exception"])
def test_a_run_that_ends_early_stops_its_worker_processes_at_once(small: outlook.Model, stop: type) -> None:
    """An interrupt or an exception in this process: the call returns in seconds, no worker process left.

    The worker's first range is a quarter of a billion samples (minutes); a pool shut down the
    ordinary way waits for it.
    """
    import multiprocessing
    import time

    from outlook.model.runner import cpu_count

    if cpu_count() < 2:
        pytest.skip("a worker process needs a second core")
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.extend(p.pid for p in multiprocessing.active_children() if p.pid is not None)
        if time.monotonic() - start > 1.0 and seen:  # the worker is up and working on its range
            raise stop()

    start = time.monotonic()
    with pytest.raises(stop):
        simulate(small, samples=1_000_000_000, seed=1, workers=2, progress=progress)
    assert time.monotonic() - start < 10
    assert seen
    assert [] == [p.pid for p in multiprocessing.active_children() if p.pid in seen]
