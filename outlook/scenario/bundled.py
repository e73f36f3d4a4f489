"""The scenarios that ship with outlook, found by id or by path.

Owns where bundled scenario files live: ``outlook/scenarios`` inside an
installed wheel, or ``scenarios/`` beside the package in a source checkout.
Never parses beyond what listing needs.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Location, ScenarioError, did_you_mean

__all__ = [
    "bundled_scenarios",
    "find_scenario",
]


def _dirs() -> list[Path]:
    package = Path(__file__).resolve().parent.parent  # outlook/
    return [d for d in (package / "scenarios", package.parent / "scenarios") if d.is_dir()]


def bundled_scenarios() -> dict[str, Path]:
    """Scenario id (the file name without ``.yaml``) -> path, sorted by id."""
    found: dict[str, Path] = {}
    for d in _dirs():
        for p in sorted(d.glob("*.yaml")):
            found.setdefault(p.stem, p)
    return dict(sorted(found.items()))


def find_scenario(name: str | Path) -> Path:
    """A scenario file's path from a path or a bundled scenario's id.

    Raises
    ------
    ScenarioError
        If ``name`` is neither an existing file nor a bundled id.
    """
    p = Path(name)
    try:
        exists = p.exists()
    except (OSError, ValueError):  # a name too long for the system, or with a NUL: not a file
        exists = False
    if exists:
        return p
    bundled = bundled_scenarios()
    if str(name) in bundled:
        return bundled[str(name)]
    hint = did_you_mean(str(name), bundled)
    known = ", ".join(bundled) or "none"
    msg = f"no such file, and no bundled scenario with that id (bundled: {known})"
    raise ScenarioError(Location(str(name)), msg, hint=hint)
