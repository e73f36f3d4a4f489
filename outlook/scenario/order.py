"""The order in which the entries of a section are read: each after those it uses, a cycle reported once.

Owns :func:`toposort`, shared by the drivers (whose parameters may read
other drivers, format 1.1), the derived quantities and the events. Never
reads YAML, never samples.
"""

from __future__ import annotations

from ..errors import Location
from .values import Reader

__all__ = ["toposort"]


def toposort(r: Reader, deps: dict[str, list[str]], where: dict[str, Location], section: str) -> list[str]:
    """``deps``' names, each after those it depends on; a cycle is reported once, at its first name.

    At the first name on it whose place is an override's (``where[n].override``),
    if one is: the cycle is then the override's doing, not the file's.

    A depth-first search with its own stack, not recursion: a chain of
    50,000 quantities is sorted in time linear in names and uses, and never
    reaches Python's recursion limit. Each name's uses are visited in the
    order the names are written.
    """
    order: list[str] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    reported: set[str] = set()
    position = {n: i for i, n in enumerate(deps)}
    what = (
        "events depend on each other through after/requires"
        if section == "events"
        else "drivers' parameters refer to each other"
        if section == "drivers"
        else f"{section} quantities refer to each other"
    )
    for start in deps:
        if start in state:
            continue
        path: list[str] = [start]  # the names being visited, each using the next
        on_path = {start: 0}
        todo = [iter(sorted(set(deps[start]), key=position.__getitem__))]
        state[start] = 1
        while todo:
            d = next(todo[-1], None)
            if d is None:  # every use of path[-1] is placed: place it
                todo.pop()
                n = path.pop()
                del on_path[n]
                state[n] = 2
                order.append(n)
            elif state.get(d) == 1:
                cycle = [*path[on_path[d] :], d]
                if not reported.intersection(cycle):
                    reported.update(cycle)
                    at = next((where[c] for c in cycle if where[c].override), where[d])
                    r.fail(at, f"{what} in a cycle: " + " -> ".join(cycle))
            elif d not in state:
                state[d] = 1
                on_path[d] = len(path)
                path.append(d)
                todo.append(iter(sorted(set(deps[d]), key=position.__getitem__)))
    return order
