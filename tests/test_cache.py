"""The per-user cache of beta tables: the same numbers cold, warm and off, and never a failure because of it.

Each process starts cold here (a child interpreter), so what the cache
holds is only what a previous process stored when it exited.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from outlook import _cache

ROOT = Path(__file__).resolve().parent.parent
RUN = (
    "import hashlib, outlook\n"
    "t = outlook.run_outlook('nk-troops-russia', samples=5000, seed=3)\n"
    "print(hashlib.sha256(t.scenarios.to_csv().encode() + t.drivers.to_csv().encode()).hexdigest())"
)


def _child(cache: str) -> str:
    env = {**os.environ, "OUTLOOK_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", RUN], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stderr == ""
    return out.stdout.strip()


def test_cold_warm_and_off_give_the_same_numbers(tmp_path: Path) -> None:
    """The bundled case (17 beta and PERT drivers): off, then a cold cache (which a first process fills), then
    warm: the scenario and driver tables are the same bytes every time."""
    off = _child("off")
    cache = tmp_path / "cache"
    cold = _child(str(cache))
    stored = sorted(cache.glob("beta-*.npy"))
    assert len(stored) >= 10  # one table a beta or PERT driver
    warm = _child(str(cache))
    assert off == cold == warm
    table = np.load(stored[0])
    assert table.shape == (1 << 15,)
    assert np.isnan(table).any()  # only the cells a draw needed, not all 32,768
    assert not list(cache.glob("*.tmp"))  # written whole, then renamed


def test_a_damaged_or_foreign_file_is_ignored(tmp_path: Path) -> None:
    """A truncated file, a table of another shape or values outside [0, 1] are not trusted: the run
    computes its own, with the same numbers as with no cache."""
    off = _child("off")
    cache = tmp_path / "cache"
    _child(str(cache))
    files = sorted(cache.glob("beta-*.npy"))
    files[0].write_bytes(files[0].read_bytes()[:100])  # truncated
    np.save(files[1], np.zeros(7))  # another shape
    bad = np.load(files[2])
    bad[~np.isnan(bad)] = 2.0  # not a probability
    np.save(files[2], bad)
    assert _child(str(cache)) == off


def test_an_unwritable_cache_is_skipped(tmp_path: Path) -> None:
    """A cache path that cannot be a directory (a file stands there): the run neither fails nor prints."""
    blocked = tmp_path / "cache"
    blocked.write_text("not a directory")
    assert _child(str(blocked)) == _child("off")
    assert blocked.read_text() == "not a directory"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"OUTLOOK_CACHE_DIR": "off"}, None),
        ({"OUTLOOK_CACHE_DIR": ""}, None),
        ({"OUTLOOK_CACHE_DIR": "/x/y"}, Path("/x/y")),
        ({"XDG_CACHE_HOME": "/c"}, Path("/c/outlook")),
    ],
)
def test_where_the_cache_is(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: Path | None) -> None:
    monkeypatch.delenv("OUTLOOK_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert _cache.cache_dir() == expected


def test_save_keeps_cells_another_process_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OUTLOOK_CACHE_DIR", str(tmp_path))
    first = np.array([0.1, np.nan, np.nan])
    second = np.array([np.nan, np.nan, 0.3])
    _cache.save_array("t.npy", first)
    _cache.save_array("t.npy", second)
    got = _cache.load_array("t.npy", (3,))
    assert got is not None
    assert np.array_equal(got, [0.1, np.nan, 0.3], equal_nan=True)
    assert _cache.load_array("t.npy", (4,)) is None


def test_a_cache_that_is_not_a_table_file_is_ignored(tmp_path: Path) -> None:
    """A FIFO (a read would block forever), an .npz archive, a header claiming terabytes, and tables moved to
    each other's names: the run neither hangs nor fails, and its numbers are those with no cache (the moved
    tables fail the recomputed sample of their cells)."""
    off = _child("off")
    cache = tmp_path / "cache"
    _child(str(cache))
    files = sorted(cache.glob("beta-*.npy"))
    contents = [f.read_bytes() for f in files]
    for f, data in zip(files[3:], contents[4:] + contents[3:4], strict=True):  # each table under the next name
        f.write_bytes(data)
    files[0].unlink()
    os.mkfifo(files[0])
    np.savez(files[1], np.zeros(1 << 15))  # an archive, not an array
    files[1].with_suffix(".npy.npz").rename(files[1])
    huge = np.lib.format.header_data_from_array_1_0(np.zeros(3))
    huge["shape"] = (1 << 40,)
    with files[2].open("wb") as f:
        np.lib.format.write_array_header_1_0(f, huge)
        f.write(np.zeros(1 << 15).tobytes())
    assert _child(str(cache)) == off


def test_values_in_range_but_wrong_are_not_trusted(tmp_path: Path) -> None:
    """Every computed cell set to 0.5 (a probability, so no range check can see it): the sample of cells
    computed again disagrees, and the table is computed afresh."""
    off = _child("off")
    cache = tmp_path / "cache"
    _child(str(cache))
    for f in cache.glob("beta-*.npy"):
        table = np.load(f)
        middle = ~np.isnan(table)
        middle[[0, -1]] = False
        table[middle] = 0.5
        np.save(f, table)
    assert _child(str(cache)) == off
