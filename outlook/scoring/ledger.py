"""The forecast ledger: an append-only JSON Lines file, one line per forecast a run made.

Owns the ledger line (:func:`ledger_records`), the hash of a target's
definition (:func:`definition_hash`), appending lines atomically under a lock
(:func:`append_records`), reading a ledger back with located errors
(:func:`read_ledger`), refusing hindsight (:func:`check_hindsight`) and the
one call that does it all for a scenario (:func:`ledger_add`). Never prints.

A ledger line
-------------
One JSON object, on one line, with the keys:

``ledger``
    The line format's version (:data:`LEDGER_FORMAT`).
``scenario_id``, ``scenario_hash``
    The scenario that ran and the SHA-256 of its canonical stated content
    (the overridden scenario for a what-if).
``run``
    An id shared by the lines of one run (random, 32 hex digits): a
    scenario set is the scenario lines of one run at one horizon.
``kind``, ``target``
    ``"scenario"`` or ``"event"``, and its id.
``definition_hash``
    SHA-256 of the canonical form (:func:`outlook.scenario.canonical.digest`)
    of the target's own record as the scenario states it, whatever keys it
    has (for an event its label, note, rate or ``by``, ``after``,
    ``requires``, source, and any ``resolution:`` the format gains): a
    question whose definition changed between forecast and resolution is
    refused for scoring.
``horizon``, ``horizon_end``, ``as_of``, ``issued``
    The horizon's id, the date it ends (:func:`outlook.scenario.durations.end_date`),
    the scenario's ``as_of`` and the date the forecast was issued (UTC
    today unless given), each ``YYYY-MM-DD``.
``p``, ``p_se``, ``word``, ``scale``
    The probability (for an event, that it has happened by the horizon's
    end), its Monte Carlo standard error, its estimative word and the scale.
``manifest``
    The run's manifest (:class:`outlook.Manifest`): seed, samples,
    software versions.

A source's claim
----------------
The sources' own forecasts (a format 1.1 ``claims:`` block; :func:`claim_records`)
are put on record beside the model's, as forecasts issued by their speaker,
in lines of format 2 (:data:`CLAIM_FORMAT`): format 1's keys, with

``p``, ``word``, ``scale``
    The probability the claim implies: the one it states, else the
    midpoint of its ICD 203 word's band (``likely``, 55-80%: 0.675; see
    :mod:`outlook.analysis.claims`); the word, in the run's row of the table.
``horizon``, ``horizon_end``
    The claim's horizon id, or its timeframe as written (``200d``,
    ``2025-06-01``) when it is not a horizon, and the date it ends: a
    resolution names the question by that ``horizon``.
``forecaster``, ``claim``, ``speaker``, ``interested_party``, ``timeframe``
    ``"source"``, the claim's id, who made it, whether an interested party
    (``yes``, ``no``, whose interest, ``not stated``), and its timeframe.
``model_p``, ``model_p_se``, ``model_word``
    The model's probability of the same thing by the same date in the same
    run, so that a score can set the source beside the model.

A line of format 1 is the model's (as every ledger written before claims
were is: they stay readable as they are). Only a claim's line is of format
2, so an outlook that reads format 1 alone refuses a ledger holding one
rather than score a source as if it were the model. A claim the file
records as ``not_modelled`` has no target to resolve, and no line.

Writing
-------
Lines are only ever added. :func:`append_records` takes an exclusive lock
(``fcntl.flock``, or ``msvcrt.locking`` on Windows) on ``PATH.lock`` (left in
place afterwards: removing it would race another writer), checks that the
ledger as it stands is valid JSON Lines, then writes a temporary file in the
same directory holding the ledger's bytes unchanged followed by the new
lines, flushes it to disk (``fsync``) and renames it over the ledger
(``os.replace``, atomic on POSIX and Windows). A crash at any moment leaves
either the old ledger or the new one, never half a line, and no existing
line is ever changed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Location, ScenarioError, ScenarioErrors
from ..scenario import Scenario, find_scenario, load_scenario
from ..scenario.canonical import digest
from ..scenario.durations import end_date

if TYPE_CHECKING:
    from ..tables import Tables
    from .resolutions import Resolution

__all__ = [
    "CLAIM_FORMAT",
    "CLAIM_KEYS",
    "KINDS",
    "LEDGER_FORMAT",
    "LEDGER_FORMATS",
    "REQUIRED",
    "append_records",
    "check_hindsight",
    "claim_records",
    "definition_hash",
    "ledger_add",
    "ledger_records",
    "read_ledger",
]

#: The ledger line format's version of a model's forecast, written in its ``ledger`` key.
LEDGER_FORMAT = 1
#: The version of a source's claim line: format 1 and :data:`CLAIM_KEYS`.
CLAIM_FORMAT = 2
#: The line formats this outlook reads.
LEDGER_FORMATS = (LEDGER_FORMAT, CLAIM_FORMAT)
#: The keys a claim's line has beyond :data:`REQUIRED`, and the type each holds.
CLAIM_KEYS: Mapping[str, str] = {
    "forecaster": "source",
    "claim": "str",
    "speaker": "str",
    "interested_party": "str",
    "timeframe": "str",
    "model_p": "p",
    "model_word": "str",
}
#: What a forecast is about.
KINDS = ("scenario", "event")
#: The keys every ledger line has, and the type each holds (``"date"``: text ``YYYY-MM-DD``; ``"p"``: a number
#: in [0, 1]).
REQUIRED: Mapping[str, str] = {
    "ledger": "int",
    "scenario_id": "str",
    "scenario_hash": "str",
    "kind": "kind",
    "target": "str",
    "definition_hash": "str",
    "run": "str",
    "horizon": "str",
    "horizon_end": "date",
    "as_of": "date",
    "issued": "date",
    "p": "p",
    "word": "str",
    "manifest": "dict",
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def definition_hash(scenario: Scenario, kind: str, target: str) -> str:
    """SHA-256 of the canonical form of a target's record as ``scenario`` states it.

    Parameters
    ----------
    scenario
        The scenario.
    kind
        ``"event"`` or ``"scenario"``.
    target
        The event's or scenario's id.

    Returns
    -------
    str
        64 hex digits, over ``{kind, id, definition}`` where ``definition`` is
        the record in :meth:`outlook.Scenario.to_dict` (every key it has).

    Raises
    ------
    KeyError
        For an unknown ``kind`` or ``target``.
    """
    return _definition_hash(scenario.to_dict(), kind, target)


def _definition_hash(data: Mapping[str, Any], kind: str, target: str) -> str:
    section = {"event": "events", "scenario": "scenarios"}[kind]
    return digest({"kind": kind, "id": target, "definition": data[section][target]})


def ledger_records(tables: Tables, *, issued: dt.date | None = None, run: str | None = None) -> list[dict[str, Any]]:
    """The ledger lines of one run: every scenario, then every event, at each horizon in file order.

    Parameters
    ----------
    tables
        A run's tables that know their scenario (``tables.scenario``), as
        :func:`outlook.run_outlook` returns them.
    issued
        The date the forecasts are issued; UTC today by default.
    run
        The id the lines share; a new random one (``uuid.uuid4().hex``) by default.

    Returns
    -------
    list of dict
        One dict per forecast, with the keys the module's docstring lists.

    Raises
    ------
    ValueError
        If ``tables`` does not know its scenario.
    """
    s = _scenario_of(tables)
    data = s.to_dict()
    day = (issued or dt.datetime.now(dt.timezone.utc).date()).isoformat()
    manifest = json.loads(json.dumps(tables.manifest.to_dict(), default=str))
    ends = {h.id: end_date(s.as_of, h.until) for h in s.horizons}
    import uuid

    head = {"ledger": LEDGER_FORMAT, "scenario_id": s.id, "scenario_hash": s.hash, "run": run or uuid.uuid4().hex}
    sc, ev = tables.scenarios, tables.events
    rows: list[tuple[Any, ...]] = [
        ("scenario", *r) for r in sc[["scenario", "horizon", "p", "p_se", "word"]].itertuples(index=False, name=None)
    ]
    rows += [
        ("event", *r) for r in ev[["event", "horizon", "p_by", "p_by_se", "word"]].itertuples(index=False, name=None)
    ]
    order = {h.id: i for i, h in enumerate(s.horizons)}
    rows.sort(key=lambda row: order[str(row[2])])  # stable: scenarios before events within a horizon
    hashes: dict[tuple[str, str], str] = {}
    out = []
    for kind, target, horizon, p, p_se, word in rows:
        key = (kind, str(target))
        if key not in hashes:
            hashes[key] = _definition_hash(data, kind, str(target))
        end = ends[str(horizon)]
        out.append(
            {
                **head,
                "kind": kind,
                "target": str(target),
                "definition_hash": hashes[key],
                "horizon": str(horizon),
                "horizon_end": end.isoformat() if end else None,
                "as_of": s.as_of.isoformat(),
                "issued": day,
                "p": float(p),
                "p_se": float(p_se),
                "word": str(word),
                "scale": tables.manifest.scale,
                "manifest": manifest,
            }
        )
    return out


def claim_records(tables: Tables, *, issued: dt.date | None = None, run: str | None = None) -> list[dict[str, Any]]:
    """The ledger lines of the sources' claims (:func:`outlook.claims` of the run), in file order.

    Parameters
    ----------
    tables
        A run's tables that know their scenario, as :func:`ledger_records` takes them.
    issued, run
        As for :func:`ledger_records` (pass the run's lines' ``run`` to tie them together).

    Returns
    -------
    list of dict
        One line of format :data:`CLAIM_FORMAT` per claim with a target (the
        module's docstring); none for a claim ``not_modelled``.

    Raises
    ------
    ValueError
        If ``tables`` does not know its scenario.
    """
    from ..analysis.claims import claims

    s = _scenario_of(tables)
    t = claims(tables)
    if t.empty:
        return []
    data = s.to_dict()
    day = (issued or dt.datetime.now(dt.timezone.utc).date()).isoformat()
    manifest = json.loads(json.dumps(tables.manifest.to_dict(), default=str))
    import uuid

    run = run or uuid.uuid4().hex
    scale = "icd203-probability" if tables.manifest.scale == "icd203-probability" else "icd203"
    horizons = {c.id: c.horizon or c.timeframe for c in s.claims}
    out = []
    for r in t[t["agreement"] != "not modelled"].to_dict("records"):
        out.append(
            {
                "ledger": CLAIM_FORMAT,
                "scenario_id": s.id,
                "scenario_hash": s.hash,
                "run": run,
                "kind": r["kind"],
                "target": r["target"],
                "definition_hash": _definition_hash(data, r["kind"], r["target"]),
                "horizon": horizons[r["claim"]],
                "horizon_end": r["horizon_end"] or None,
                "as_of": s.as_of.isoformat(),
                "issued": day,
                "p": float(r["implied_p"]),
                "word": r["implied_word"],
                "scale": scale,
                "manifest": manifest,
                "forecaster": "source",
                "claim": r["claim"],
                "speaker": r["speaker"],
                "interested_party": r["interested_party"],
                "timeframe": r["timeframe"],
                "model_p": float(r["p"]),
                "model_p_se": float(r["p_se"]),
                "model_word": r["word"],
            }
        )
    return out


def _problem(record: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first key of a ledger line that is missing or of the wrong type, and what is wrong; ``None`` if valid."""
    bad = _keys(record, REQUIRED)
    if bad is not None:
        return bad
    if record["ledger"] not in LEDGER_FORMATS:
        formats = " and ".join(str(f) for f in LEDGER_FORMATS)
        return "ledger", f"unknown ledger format {record['ledger']} (this outlook reads formats {formats})"
    if record["ledger"] == CLAIM_FORMAT:
        return _keys(record, CLAIM_KEYS)
    return None


def _keys(record: Mapping[str, Any], types: Mapping[str, str]) -> tuple[str, str] | None:
    """The first of ``types``'s keys missing from ``record`` or of the wrong type, and what is wrong."""
    for key, kind in types.items():
        if key not in record:
            return key, "missing key"
        v = record[key]
        ok = {
            "int": isinstance(v, int) and not isinstance(v, bool),
            "str": isinstance(v, str) and v != "",
            "kind": v in KINDS,
            "date": isinstance(v, str) and bool(_DATE.fullmatch(v)) and _is_date(v),
            "p": isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and 0.0 <= v <= 1.0,
            "dict": isinstance(v, dict),
            "source": v == "source",
        }[kind]
        if not ok:
            expected = {
                "int": "a whole number",
                "str": "non-empty text",
                "kind": "'scenario' or 'event'",
                "date": "a date written YYYY-MM-DD",
                "p": "a probability from 0 to 1",
                "dict": "an object",
                "source": "'source' (a claim's line is a source's forecast)",
            }[kind]
            return key, f"expected {expected} (got {json.dumps(v)[:60]})"
    return None


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _parse(text: str, path: str) -> list[dict[str, Any]]:
    """The lines of a ledger's text, each checked; every problem located at ``path:line:column``."""
    errors: list[ScenarioError] = []
    out: list[dict[str, Any]] = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the line end after the last line
    for i, line in enumerate(lines, start=1):
        where = Location(path, i, 1)
        if not line.strip():
            errors.append(ScenarioError(where, "empty line: a ledger holds one JSON object per line"))
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(ScenarioError(Location(path, i, exc.colno), f"not valid JSON: {exc.msg}"))
            continue
        if not isinstance(record, dict):
            errors.append(ScenarioError(where, "expected a JSON object (one forecast)", got=type(record).__name__))
            continue
        bad = _problem(record)
        if bad is not None:
            errors.append(ScenarioError(Location(path, i, 1, bad[0]), bad[1]))
            continue
        record["_line"] = i
        out.append(record)
    if errors:
        raise ScenarioErrors(errors)
    return out


def _read_bytes(path: Path) -> bytes:
    """A ledger's bytes (empty when it does not exist yet); a path that is not a regular file is refused."""
    where = Location(str(path))
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""
    except IsADirectoryError:
        raise ScenarioError(where, "expected a ledger file, not a directory") from None
    except OSError as exc:
        raise ScenarioError(where, f"cannot read the ledger: {exc.strerror or exc}") from None


def _decode(blob: bytes, path: str) -> str:
    try:
        return blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = blob[: exc.start].count(b"\n") + 1
        col = exc.start - (blob.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioErrors([ScenarioError(Location(path, line, col), "not UTF-8 text")]) from None


def read_ledger(path: str | Path) -> list[dict[str, Any]]:
    """Read a ledger: every line a forecast, in the order written.

    Parameters
    ----------
    path
        A JSON Lines file written by :func:`append_records`.

    Returns
    -------
    list of dict
        One dict per line, with the keys the module's docstring lists, and
        ``_line``, the line's number (1-based).

    Raises
    ------
    ScenarioErrors
        For a ledger that is not valid JSON Lines: each bad line located at
        ``path:line:column`` (and the key, for a missing or mistyped one).
    ScenarioError
        For a file that does not exist or cannot be read.
    """
    p = Path(path)
    if not p.exists():
        raise ScenarioError(Location(str(path)), "no such ledger file")
    return _parse(_decode(_read_bytes(p), str(path)), str(path))


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``PATH.lock`` (released when the block ends, or the process does)."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        except ImportError:  # Windows
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined,unused-ignore]
        yield
    finally:
        os.close(fd)  # closing releases either lock


def _line(record: Mapping[str, Any]) -> str:
    clean = {k: v for k, v in record.items() if not k.startswith("_")}
    bad = _problem(clean)
    if bad is not None:
        msg = f"not a ledger line: {bad[0]}: {bad[1]}"
        raise ValueError(msg)
    return json.dumps(clean, ensure_ascii=True, allow_nan=False, separators=(",", ":")) + "\n"


def append_records(path: str | Path, records: Iterable[Mapping[str, Any]]) -> int:
    """Append ledger lines to ``path`` atomically, under a lock; create the ledger if it does not exist.

    Parameters
    ----------
    path
        The ledger (JSON Lines). A symbolic link is followed: the file it
        points to is written.
    records
        Ledger lines, as :func:`ledger_records` makes them.

    Returns
    -------
    int
        The number of lines appended.

    Raises
    ------
    ValueError
        For a record that is not a valid ledger line (checked before the
        ledger is touched).
    ScenarioErrors
        If the ledger as it stands is not valid JSON Lines (located
        ``path:line:column``), or its last line has no line end; the ledger
        is left as it is.
    ScenarioError
        If the ledger or its lock file cannot be read or written (a
        directory that does not exist, no permission).
    """
    target = Path(os.path.realpath(path))
    blob = "".join(_line(r) for r in records).encode("ascii")
    try:
        _append(target, blob, str(path))
    except OSError as exc:
        raise ScenarioError(Location(str(path)), f"cannot write the ledger: {exc.strerror or exc}") from None
    return blob.count(b"\n")


def _append(target: Path, blob: bytes, path: str) -> None:
    """Under the lock: check the ledger, then replace it by its bytes followed by ``blob``."""
    with _locked(target):
        old = _read_bytes(target)
        if old and not old.endswith(b"\n"):
            last = old.count(b"\n") + 1
            problem = "the last line has no line end (a write cut short?); the ledger was not changed"
            raise ScenarioErrors([ScenarioError(Location(path, last, 1), problem)])
        _parse(_decode(old, path), path)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(old)
                f.write(blob)
                f.flush()
                os.fsync(f.fileno())
            if old:
                with contextlib.suppress(OSError):
                    os.chmod(tmp, os.stat(target).st_mode & 0o7777)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _sync_directory(target.parent)


def _sync_directory(folder: Path) -> None:
    """Flush the directory entry of a renamed file to disk, where the system allows it (not on Windows)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def check_hindsight(records: Sequence[Mapping[str, Any]], resolutions: Iterable[Resolution]) -> None:
    """Refuse forecasts made when their answer was already known.

    A forecast is hindsight when its scenario's ``as_of`` (what the forecast
    knew) or its ``issued`` date (when it was put on record) is on or after
    the ``date`` of a resolution of the same scenario id and target, and
    either the resolution is for the same horizon (any outcome: the question
    was settled that day), or the target is an event the resolution says
    had happened (outcome 1: it has then happened by every later horizon
    too). A resolution of another scenario id is not looked at.

    Raises
    ------
    ScenarioErrors
        One line per refused pair, located at the resolution.
    """
    errors = []
    by_key: dict[tuple[str, str], list[Resolution]] = {}
    for r in resolutions:
        by_key.setdefault((r.scenario, r.target), []).append(r)
    for rec in records:
        as_of, issued = dt.date.fromisoformat(rec["as_of"]), dt.date.fromisoformat(rec["issued"])
        for r in by_key.get((rec["scenario_id"], rec["target"]), []):
            same = r.horizon == rec["horizon"]
            settled = rec["kind"] == "event" and r.outcome == 1
            if max(as_of, issued) >= r.date and (same or settled):
                which, when = ("as_of", rec["as_of"]) if as_of >= r.date else ("issued", rec["issued"])
                problem = (
                    f"refused as hindsight: the forecast of {rec['target']} at {rec['horizon']} has {which} "
                    f"{when}, on or after this resolution's date {r.date.isoformat()}"
                )
                errors.append(ScenarioError(r.where, problem))
    if errors:
        raise ScenarioErrors(errors)


def ledger_add(
    scenario: str | Path | Scenario,
    ledger: str | Path,
    *,
    samples: int = 100_000,
    seed: int = 0,
    scale: str = "icd203",
    issued: dt.date | None = None,
    resolutions: str | Path | Iterable[Resolution] | None = None,
    claims: bool = True,
) -> list[dict[str, Any]]:
    """Run a scenario and append its forecasts, and its sources' claims, to a ledger.

    Parameters
    ----------
    scenario
        A path, a bundled scenario's id or a :class:`~outlook.Scenario`.
    ledger
        The ledger file (created if it does not exist).
    samples, seed, scale
        As for :func:`outlook.run_outlook`.
    issued
        The date the forecasts are issued (UTC today by default).
    resolutions
        A resolutions file or :class:`~outlook.scoring.Resolution` records:
        if given, forecasts already answered are refused
        (:func:`check_hindsight`) and nothing is written.
    claims
        Whether to append the scenario's ``claims:`` too, as forecasts issued
        by their speakers in the same run (:func:`claim_records`).

    Returns
    -------
    list of dict
        The lines appended: the model's (:func:`ledger_records`), then the claims'.

    Raises
    ------
    ScenarioErrors
        For an invalid scenario, resolutions file or ledger, or hindsight.
    """
    from ..model import compile_model, simulate
    from ..tables import summarise
    from .resolutions import load_resolutions

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(find_scenario(scenario))
    known = load_resolutions(resolutions) if isinstance(resolutions, str | Path) else resolutions
    tables = summarise(simulate(compile_model(scenario), samples=samples, seed=seed), scale=scale)
    records = ledger_records(tables, issued=issued)
    if claims:
        records += claim_records(tables, issued=issued, run=records[0]["run"] if records else None)
    if known is not None:
        check_hindsight(records, known)
    append_records(ledger, records)
    return records


def _scenario_of(tables: Tables) -> Scenario:
    """The scenario the tables were run from; ``ValueError`` if they do not know it (a ledger needs its definitions)."""
    s = tables.scenario
    if s is None:
        msg = "these tables do not know their scenario; run it with outlook.run_outlook to write a ledger"
        raise ValueError(msg)
    return s
