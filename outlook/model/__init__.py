"""The model stage: what a validated scenario becomes before it is simulated.

Owns the dependency graph (:mod:`outlook.model.graph`); never reads files.
"""

from __future__ import annotations

from .graph import DependencyGraph, dependency_graph

__all__ = ["DependencyGraph", "dependency_graph"]
