"""The install name: ``scenario-outlook`` on PyPI, ``outlook`` to import and to type.

On PyPI the name ``outlook`` is an unrelated project (an e-mail sender):
``pip install outlook`` in a fresh environment installs that. These checks
run offline, so they cannot flake: pyproject.toml's distribution name is the
chosen one, and no install hint in the repository (docs, README, notebooks,
messages in the code, CI) names the package any other way. Whether the name
is still free or ours on PyPI is a network question, asked by ``.ci/run``
only as a note that never fails CI.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The distribution name (checked free on PyPI, 5 December 2026: https://pypi.org/pypi/scenario-outlook/json was 404).
NAME = "scenario-outlook"
#: An install hint that would fetch the wrong project: ``pip install outlook``, ``'outlook[dask]'``, ``outlook>=1``.
WRONG = re.compile(r"""(?<![\w.-])outlook(\[[\w,]+\]|[<>~!]=?\d|==\d)|pip3? install (-U |--upgrade )?['"]?outlook\b""")


def hint_files() -> list[Path]:
    """Every file a user or CI reads an install line from (the changelog is history, left alone)."""
    found = [ROOT / "README.md", ROOT / "pyproject.toml", ROOT / ".ci" / "run"]
    for folder, pattern in (("docs", "*.md"), ("notebooks", "*.ipynb"), ("outlook", "*.py"), ("benchmarks", "*")):
        found += sorted((ROOT / folder).rglob(pattern))
    found += [p for p in sorted((ROOT / "tests").glob("*.py")) if p.name != Path(__file__).name]
    return [p for p in found if p.is_file()]


def test_the_distribution_name_is_the_chosen_one() -> None:
    """pyproject.toml names the distribution scenario-outlook; the command stays outlook."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert [NAME] == re.findall(r'^name = "([^"]+)"', text, re.M)
    assert ['outlook = "outlook.cli:main"'] == re.findall(r"^outlook = .*$", text, re.M)


def test_every_install_hint_uses_the_distribution_name() -> None:
    """No file tells a user to install ``outlook`` (another project on PyPI): each says scenario-outlook or '.'."""
    wrong = []
    for path in hint_files():
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if WRONG.search(line):
                wrong.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert [] == wrong


@pytest.mark.parametrize(
    ("line", "bad"),
    [
        ("pip install outlook", True),
        ("pip install 'outlook[dask]'", True),
        ('needs "outlook[xlsx]"', True),
        ("pip install -U outlook", True),
        ("pip install outlook>=1.0", True),
        ("pip install 'scenario-outlook[dask]'", False),
        ("python3 -m pip install '.[dask]'", False),
        ("pip install scenario-outlook", False),
        ("outlook run nk-troops-russia", False),
        ("import outlook.plots", False),
        ("outlook==1.0", True),
        ("tiny_scenario(outlook=1.1)", False),  # a keyword argument (the format version), not a requirement
    ],
)
def test_the_check_itself(line: str, bad: bool) -> None:
    """The pattern catches the wrong hints and passes the right ones."""
    assert bad == bool(WRONG.search(line))
