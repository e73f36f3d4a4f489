"""The public surface: outlook.__all__ and each module's declared names."""

from __future__ import annotations

import importlib
import pkgutil

import outlook


def test_all_matches_public_names() -> None:
    """outlook.__all__ lists exactly the public names the package exposes."""
    public = {n for n in dir(outlook) if not n.startswith("_")} - {"annotations"} | {"__version__"}
    modules = {m.name for m in pkgutil.iter_modules(outlook.__path__)}
    assert sorted(public - modules) == sorted(outlook.__all__)


def test_all_is_sorted() -> None:
    """__all__ is kept sorted."""
    assert sorted(outlook.__all__) == outlook.__all__


def test_every_module_declares_all_and_a_docstring() -> None:
    """Each module says what it owns (docstring) and what it exports (__all__)."""
    for info in pkgutil.iter_modules(outlook.__path__):
        mod = importlib.import_module(f"outlook.{info.name}")
        assert mod.__doc__, info.name
        if info.name not in ("_version", "_types"):
            assert hasattr(mod, "__all__"), info.name
            for name in mod.__all__:
                assert hasattr(mod, name), (info.name, name)
