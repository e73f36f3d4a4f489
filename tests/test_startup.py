"""Start-up: ``import outlook`` stays light; public names resolve on first use.

Which modules an import loads can only be seen in a fresh interpreter, so
the first tests run a child ``python -c`` (the one place the suite uses a
subprocess for this reason). Nothing here is timed: timings are
``benchmarks/bench_startup.py``'s job.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import outlook

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "pandas", "scipy", "matplotlib", "yaml", "dask", "tqdm")


def loaded_after(code: str) -> list[str]:
    """The modules of :data:`HEAVY` a fresh interpreter has loaded after ``code``."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.split()


@pytest.mark.parametrize(
    "code",
    [
        "import outlook",
        "import outlook; outlook.__version__; outlook.__all__; dir(outlook)",
        "import io\nfrom outlook.cli import main\nassert main(['--help'], stdout=io.StringIO()) == 0",
        "import io\nfrom outlook.cli import main\nassert main(['--version'], stdout=io.StringIO()) == 0",
    ],
    ids=["import", "version-all-dir", "cli-help", "cli-version"],
)
def test_startup_loads_no_heavy_module(code: str) -> None:
    """Importing outlook, reading its version or asking the CLI for help loads no heavy module."""
    assert [] == loaded_after(code)


def test_first_use_imports_what_it_needs() -> None:
    """Touching a public name imports its module (and the libraries behind it) then."""
    assert "numpy" in loaded_after("import outlook; outlook.simulate")


@pytest.mark.parametrize("name", sorted(set(outlook.__all__) - {"__version__"}))
def test_public_name_resolves_to_its_definition(name: str) -> None:
    """Each name in __all__ resolves on first use to the very object its module defines."""
    value = getattr(outlook, name)
    if inspect.isclass(value) or inspect.isfunction(value):
        assert value is getattr(sys.modules[value.__module__], name)
    assert value is vars(outlook)[name]  # cached: later lookups skip __getattr__


def test_version_is_eager() -> None:
    """__version__ is in the namespace from the start, as a string."""
    assert isinstance(vars(outlook)["__version__"], str)


def test_dir_lists_all() -> None:
    """dir(outlook) lists every public name, before any of them is used."""
    assert set(outlook.__all__) <= set(dir(outlook))


def test_unknown_attribute() -> None:
    """An unknown attribute raises AttributeError with the usual message."""
    with pytest.raises(AttributeError) as info:
        _ = outlook.no_such_name  # type: ignore[attr-defined]
    assert "module 'outlook' has no attribute 'no_such_name'" == str(info.value)


def test_unknown_attribute_hasattr() -> None:
    """hasattr is False for an unknown name, as for any module."""
    assert not hasattr(outlook, "no_such_name")


def test_submodule_by_attribute() -> None:
    """A submodule is reachable as an attribute without importing it first."""
    code = "import sys, outlook\nassert 'outlook.words' not in sys.modules\nprint(outlook.words.__name__)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "outlook.words" == out.stdout.strip()


def test_star_import() -> None:
    """``from outlook import *`` binds exactly the names in __all__."""
    namespace: dict[str, object] = {}
    exec("from outlook import *", namespace)
    assert set(outlook.__all__) == set(namespace) - {"__builtins__"}
    assert outlook.simulate is namespace["simulate"]


def test_a_run_imports_only_what_it_needs() -> None:
    """``outlook run ... --format csv`` loads no plotting, no scipy.stats, no analysis or report code."""
    code = (
        "import io, sys\nfrom outlook.cli import main\n"
        "assert main(['run', 'nk-troops-russia', '--samples', '2000', '--format', 'csv'],"
        " stdout=io.StringIO(), stderr=io.StringIO()) == 0\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in ('matplotlib', 'dask', 'tqdm')"
        " or m.startswith(('scipy.stats', 'outlook.analysis', 'outlook.report', 'outlook.plots')))))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == []
    assert "numpy" in loaded_after(
        "import io\nfrom outlook.cli import main\nmain(['run', 'nk-troops-russia', '--samples', '100', '--format', 'csv'], stdout=io.StringIO(), stderr=io.StringIO())"
    )


def test_a_run_of_the_bundled_case_imports_only_what_it_needs() -> None:
    """`outlook run` on the bundled case (fitted beta and PERT ranges) loads neither scipy.optimize (the fits
    are Newton steps; scipy.optimize is only their fallback) nor scipy.stats (only QMC samplers need it),
    nor matplotlib (issue 16: nothing at start-up that a run does not use)."""
    code = (
        "import io, sys\nfrom outlook.cli import main\n"
        "assert main(['run', 'nk-troops-russia', '--samples', '2000', '--format', 'csv'], stdout=io.StringIO()) == 0\n"
        "print(' '.join(sorted(m for m in ('scipy.optimize', 'scipy.stats', 'matplotlib') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == []
