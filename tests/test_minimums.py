"""The declared dependencies: every module imports, every sampler runs, one report is written.

The fast subset that ``.ci/run`` runs in a fresh venv holding exactly the
minimum versions ``pyproject.toml`` declares (the versions are read from
there, so the two cannot drift apart); in the ordinary suite it checks the
same against whatever is installed. A minimum that is too low (a sampler
passing ``rng=`` to a scipy without it, a pandas method that does not exist
yet) fails here, on the smallest run that reaches it.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import outlook

ROOT = Path(__file__).resolve().parent.parent
#: Modules that need an optional extra (Dask) to import.
OPTIONAL = ()


def declared_minimums() -> dict[str, str]:
    """Distribution name -> the minimum version pyproject.toml declares for it."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)^\]", text, re.M | re.S)
    assert block, "pyproject.toml lists its dependencies"
    found = {}
    for spec in re.findall(r'"([^"]+)"', block.group(1)):
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9][0-9A-Za-z.]*)", spec)
        assert m, f"every dependency states a minimum as NAME>=VERSION: {spec!r}"
        found[m.group(1).lower()] = m.group(2)
    return found


def test_every_dependency_states_a_minimum() -> None:
    """The core dependencies, matplotlib among them, each with a minimum (scipy's from its rng= in qmc)."""
    found = declared_minimums()
    assert {"numpy", "scipy", "pandas", "pyyaml", "tqdm", "matplotlib"} == set(found)
    assert tuple(int(x) for x in found["scipy"].split(".")[:2]) >= (1, 15)  # qmc's rng= arrived in 1.15


def test_every_module_imports() -> None:
    """Every module of the package imports with the installed versions."""
    names = [m.name for m in pkgutil.walk_packages(outlook.__path__, "outlook.")]
    assert "outlook.model.simulation" in names
    for name in names:
        if name not in OPTIONAL:
            importlib.import_module(name)


@pytest.mark.parametrize("sampler", ["random", "sobol", "lhs"])
def test_every_sampler_runs(sampler: str) -> None:
    """Each sampler runs the bundled scenario, and its probabilities are probabilities that sum to one."""
    tables = outlook.run_outlook("nk-troops-russia", samples=1024, sampler=sampler)
    totals = tables.scenarios.groupby("horizon", observed=True)["p"].sum()
    assert totals.to_numpy() == pytest.approx(1.0)
    assert sampler == tables.manifest["sampler"]


def test_one_report_is_written(tmp_path: Path) -> None:
    """The whole report, figures included, from a plain install (matplotlib is a core dependency)."""
    from outlook.report import write_report

    tables = outlook.run_outlook("nk-troops-russia", samples=2000)
    path = write_report(tables, tmp_path / "report.html")
    text = Path(path).read_text(encoding="utf-8")
    assert "<img" in text or "<svg" in text


def test_plots_without_matplotlib_says_how_to_install() -> None:
    """``from outlook import plots`` in an install without matplotlib: a message naming the install command.

    In a fresh interpreter (this one has imported the figures already), with matplotlib made unimportable.
    """
    code = "import sys\nsys.modules['matplotlib'] = None\nfrom outlook import plots"
    child = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert 1 == child.returncode
    assert (
        "ImportError: outlook.plots needs matplotlib, a dependency of scenario-outlook: pip install matplotlib "
        "(or reinstall: pip install scenario-outlook; from a checkout: pip install .)"
    ) == child.stderr.splitlines()[-1]
