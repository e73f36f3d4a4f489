"""A per-user cache of computed tables, so that a new process need not compute them again.

Holds only values that are a deterministic function of their key (today the
beta inverse-CDF tables of :mod:`outlook.distributions`, computed cell by
cell as draws need them), stored as ``.npy`` files under
:func:`cache_dir`. A cached value is the very number the computation gives
(the key names the scipy and numpy versions that computed it), so a run's
numbers are the same with the cache, without it, cold or warm; the tests
check this bit for bit. The cache is an optimisation only: a missing,
unreadable, foreign or damaged file is ignored (its readers also recompute
a sample of its cells and drop a file that disagrees), a directory that cannot be
written is skipped, and nothing is ever written outside :func:`cache_dir`.
Writes go to a temporary file in the same directory, then replace the old
one atomically (:func:`os.replace`), so a reader never sees half a file.

Where: ``$OUTLOOK_CACHE_DIR`` if set (empty, ``off`` or ``0`` turn the
cache off), else ``$XDG_CACHE_HOME/outlook``, else ``~/.cache/outlook``
(the XDG Base Directory convention, as pip and matplotlib use).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import numpy as np

from ._types import FloatArray

__all__ = ["cache_dir", "load_array", "save_array"]

_OFF = ("", "off", "0", "no", "false")


def cache_dir() -> Path | None:
    """The cache's directory (not created here), or ``None`` when the cache is off."""
    env = os.environ.get("OUTLOOK_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in _OFF else Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "outlook"


def load_array(name: str, shape: tuple[int, ...]) -> FloatArray | None:
    """The cached float64 array ``name`` of ``shape``, or ``None`` if there is none that can be trusted."""
    where = cache_dir()
    if where is None:
        return None
    path = where / name
    size = 8 * int(np.prod(shape))
    try:
        info = path.stat()
        # a regular file of about the array's size only: never a FIFO or device (a read would block or never
        # end), never a header that claims terabytes
        if not stat.S_ISREG(info.st_mode) or not size <= info.st_size <= size + 4096:
            return None
        data = np.load(path, allow_pickle=False)
    except Exception:  # a cache is an optimisation: anything wrong with it means "not cached"
        return None
    if not isinstance(data, np.ndarray) or data.dtype != np.float64 or data.shape != shape:
        return None
    out: FloatArray = np.array(data)  # a writable copy of our own
    return out


def save_array(name: str, values: FloatArray) -> None:
    """Store ``values`` as ``name``, keeping cells another process computed that ``values`` lacks (NaN).

    Silent on any failure (a read-only home, a full disk): the cache is an
    optimisation, and a run must never fail or print because of it.
    """
    where = cache_dir()
    if where is None:
        return
    try:
        where.mkdir(parents=True, exist_ok=True)
        merged = np.array(values, dtype=np.float64)
        old = load_array(name, merged.shape)
        if old is not None:
            gaps = np.isnan(merged)
            merged[gaps] = old[gaps]
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=where)
        try:
            with os.fdopen(fd, "wb") as f:
                np.save(f, merged, allow_pickle=False)
            os.replace(tmp, where / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except (OSError, ValueError):
        return
