"""Sub-commands of the ``outlook`` command that live outside :mod:`outlook.cli`.

This package owns the registry of such commands; it never parses arguments
itself. Each command is a module of this package that defines
``add_parser(sub)`` (add the sub-command to the :mod:`argparse`
sub-parsers, importing nothing heavy at module level) and
``run(args, out, err) -> int`` (carry it out through the public API; return
the exit code). Errors raised by ``run`` are reported by :mod:`outlook.cli`
as for every other command: a located scenario error or a ``ValueError``
exits 2, another :class:`~outlook.errors.OutlookError` exits 1.

To add a command: write its module, then add a loader (a function with a
literal import, so that the import graph stays visible) to :data:`COMMANDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

__all__ = ["COMMANDS", "command_module"]


def _schema() -> ModuleType:
    from . import schema

    return schema


#: Command name -> a function returning its module, in the order ``outlook --help`` lists them.
COMMANDS: dict[str, Callable[[], ModuleType]] = {"schema": _schema}


def _assumptions() -> ModuleType:
    from . import assumptions

    return assumptions


COMMANDS["assumptions"] = _assumptions


def _confidence() -> ModuleType:
    from . import confidence

    return confidence


COMMANDS["confidence"] = _confidence


def _whatif() -> ModuleType:
    from . import whatif

    return whatif


COMMANDS["whatif"] = _whatif


def _diff() -> ModuleType:
    from . import diff

    return diff


COMMANDS["diff"] = _diff


def _sensitivity() -> ModuleType:
    from . import sensitivity

    return sensitivity


COMMANDS["sensitivity"] = _sensitivity


def _premortem() -> ModuleType:
    from . import premortem

    return premortem


COMMANDS["premortem"] = _premortem


def _indicators() -> ModuleType:
    from . import indicators

    return indicators


COMMANDS["indicators"] = _indicators


def command_module(name: str) -> ModuleType:
    """The module that implements command ``name`` (a key of :data:`COMMANDS`)."""
    return COMMANDS[name]()


def _update() -> ModuleType:
    from . import update

    return update


COMMANDS["update"] = _update


def _ach() -> ModuleType:
    from . import ach

    return ach


COMMANDS["ach"] = _ach


def _ledger() -> ModuleType:
    from . import ledger

    return ledger


COMMANDS["ledger"] = _ledger


def _score() -> ModuleType:
    from . import score

    return score


COMMANDS["score"] = _score


def _futures() -> ModuleType:
    from . import futures

    return futures


COMMANDS["futures"] = _futures


def _cone() -> ModuleType:
    from . import cone

    return cone


COMMANDS["cone"] = _cone


def _exercise() -> ModuleType:
    from . import exercise

    return exercise


COMMANDS["exercise"] = _exercise


def _claims() -> ModuleType:
    from . import claims

    return claims


COMMANDS["claims"] = _claims


def _sourcing() -> ModuleType:
    from . import sourcing

    return sourcing


COMMANDS["sourcing"] = _sourcing
