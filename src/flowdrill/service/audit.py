"""Audit the exercise log: verify the hash chain in the store or in an exported file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flowdrill.errors import InvalidFiles, Problem
from flowdrill.service.files import write_atomically
from flowdrill.service.workspace import Workspace
from flowdrill.store.audit import ChainProblem
from flowdrill.store.db import open_database
from flowdrill.store.eventlog import EventLog, verify_jsonl


@dataclass(frozen=True)
class AuditResult:
    source: str  # an exercise id or a file name
    events: int
    problems: list[ChainProblem]


def event_log(ws: Workspace) -> EventLog:
    return EventLog(open_database(ws.database_url))


def verify_store(ws: Workspace, exercise_id: str | None = None) -> list[AuditResult]:
    """Verify one exercise, or every exercise in the workspace's store."""
    log = event_log(ws)
    try:
        ids = [exercise_id] if exercise_id else [e["id"] for e in log.exercises()]
        return [
            AuditResult(ident, len(events), log.verify(ident))
            for ident in ids
            for events in [log.events(ident)]
        ]
    finally:
        log.close()


def verify_file(path: Path) -> AuditResult:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidFiles([Problem(str(path), None, None, "", f"cannot read: {exc}")]) from None
    return AuditResult(str(path), sum(1 for line in lines if line.strip()), verify_jsonl(lines))


def export_log(ws: Workspace, exercise_id: str, out: Path) -> int:
    """Write the log as JSON Lines, atomically: a reader never sees half a file."""
    log = event_log(ws)
    try:
        lines = list(log.export_jsonl(exercise_id))
    finally:
        log.close()
    write_atomically(out, lines)
    return len(lines)
