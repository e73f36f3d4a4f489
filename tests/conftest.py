"""Shared pytest settings: the --update-golden switch, the Agg backend, and no per-user cache.

The suite computes every beta table itself (``OUTLOOK_CACHE_DIR=off``), so
that no test depends on, or writes to, the user's cache; tests/test_cache.py
turns a cache on in a temporary folder of its own.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ["OUTLOOK_CACHE_DIR"] = "off"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/ from the current code instead of comparing with it",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites golden files (only on purpose)."""
    return bool(request.config.getoption("--update-golden"))
