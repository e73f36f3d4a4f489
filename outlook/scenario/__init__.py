"""Scenario files: YAML text becomes a frozen, validated :class:`Scenario`.

Owns the file format (version 1, see ``docs/scenario-format.md``), locations
(file:line:column and key path for every value) and "did you mean" hints.
Every problem in a file is collected and raised together as
:class:`~outlook.errors.ScenarioErrors`. YAML is composed by PyYAML's safe
parser with YAML 1.2 core-schema scalars and no constructor, counting values
as it goes; expressions go through :mod:`.expressions`, a whitelist
compiler: loading never runs code. Only regular files are read, never past
the size limit. Never samples, never prints.

The modules, each building on those before it: :mod:`.expressions` (the
whitelist compiler), :mod:`.durations`, :mod:`.stated` (what a driver states, and the one
place its distribution is derived), :mod:`.records` (the frozen parts),
:mod:`.reading` (safe reading; YAML to nodes that keep their positions),
:mod:`.values` (one value read and checked, every problem kept),
:mod:`.drivers`, :mod:`.assumptions`, :mod:`.indicators`, :mod:`.claims` (the sources' own
forecasts), :mod:`.provenance` (grades, status,
resolution, context; :mod:`.grades` holds the names) and :mod:`.sections` (one function per
section of the file), :mod:`.canonical` (plain data, the canonical form and the hash),
:mod:`.references` (what keeps a scenario assembled by hand consistent),
:mod:`.overrides` (what-ifs by key path), :mod:`.scenario` (the :class:`Scenario` value and
:func:`load_scenario`) and :mod:`.bundled` (the scenarios that ship with
outlook).
"""

from __future__ import annotations

from .bundled import bundled_scenarios, find_scenario
from .durations import parse_duration
from .overrides import DROP, Override, parse_override
from .records import (
    FORMAT_VERSION,
    FORMAT_VERSIONS,
    ContextFigure,
    Correlation,
    Derived,
    Driver,
    Event,
    EventStatus,
    Horizon,
    Indicator,
    Resolution,
    ScenarioRule,
    Source,
    SourceRef,
)
from .scenario import Scenario, load_scenario
from .stated import (
    BetaForm,
    CategoricalForm,
    ConstantForm,
    Form,
    LogNormalForm,
    NormalForm,
    PertForm,
    ProbabilityForm,
    RangeForm,
    TriangularForm,
    UniformForm,
)

__all__ = [
    "DROP",
    "FORMAT_VERSION",
    "FORMAT_VERSIONS",
    "BetaForm",
    "CategoricalForm",
    "ConstantForm",
    "ContextFigure",
    "Correlation",
    "Derived",
    "Driver",
    "Event",
    "EventStatus",
    "Form",
    "Horizon",
    "Indicator",
    "LogNormalForm",
    "NormalForm",
    "Override",
    "PertForm",
    "ProbabilityForm",
    "RangeForm",
    "Resolution",
    "Scenario",
    "ScenarioRule",
    "Source",
    "SourceRef",
    "TriangularForm",
    "UniformForm",
    "bundled_scenarios",
    "find_scenario",
    "load_scenario",
    "parse_duration",
    "parse_override",
]
