"""The scenarios that ship with outlook, found by id or by path.

Owns where bundled scenario files live: ``outlook/scenarios`` inside an
installed wheel, or ``scenarios/`` beside the package in a source checkout.
Never parses beyond what listing needs.
"""

from __future__ import annotations

from pathlib import Path

from .._bundled import bundled_paths
from ..errors import Location, ScenarioError, did_you_mean

__all__ = [
    "bundled_id",
    "bundled_scenarios",
    "find_scenario",
]


def bundled_scenarios() -> dict[str, Path]:
    """Scenario id (the file name without ``.yaml``) -> path, sorted by id."""
    return bundled_paths()


def bundled_id(name: str | Path) -> Path | None:
    """The bundled scenario's path if ``name`` is its id and no file of that name exists; else ``None``.

    A path always wins over an id, as in :func:`find_scenario`.
    """
    if not isinstance(name, str) or "/" in name or name.endswith(".yaml"):
        return None
    try:
        if Path(name).exists():
            return None
    except (OSError, ValueError):
        return None
    return bundled_scenarios().get(name)


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
