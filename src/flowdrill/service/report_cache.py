"""Reports of finished exercises kept on disk, keyed by a digest of everything they are built
from (the log's head hash, estate, plan, scenario, catalog, day), so program views over many
drills do not replay every one of them. Derived data: deleting the folder loses nothing."""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import date
from pathlib import Path

from flowdrill import __version__
from flowdrill.config import get_settings
from flowdrill.exercise import events as ev
from flowdrill.exercise.events import parse_event
from flowdrill.report import AfterActionReport
from flowdrill.service.audit import event_log
from flowdrill.service.drills import find_scenario, workspace_catalog
from flowdrill.service.exercises import find_plan
from flowdrill.service.files import write_atomically
from flowdrill.service.workspace import Workspace


class ReportCache:
    """The cached report of one exercise (nothing is cached while it is not over)."""

    def __init__(
        self, ws: Workspace, exercise_id: str, *, today: date | None, out: Path | None
    ) -> None:
        state = get_settings().state_dir if ws.bundled else ws.root / ".flowdrill"
        self.path = state / "report-cache" / f"{exercise_id}.json"
        self.key = _key(ws, exercise_id, today, out)

    def get(self) -> AfterActionReport | None:
        if self.key is None:
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("key") == self.key:
                return AfterActionReport.model_validate(data["report"])
        except (OSError, ValueError, KeyError, AttributeError):
            pass  # missing, unreadable or from another version: build it again
        return None

    def put(self, report: AfterActionReport) -> None:
        if self.key is None:
            return
        entry = {"key": self.key, "report": report.model_dump(mode="json")}
        with contextlib.suppress(OSError):  # a cache that cannot be written costs time only
            write_atomically(self.path, json.dumps(entry))


def _key(ws: Workspace, exercise_id: str, today: date | None, out: Path | None) -> str | None:
    """A digest of what the report is built from, or None while the exercise is not over."""
    log = event_log(ws)
    try:
        stored = log.events(exercise_id)
    finally:
        log.close()
    if not stored or stored[0].type != "started" or not any(e.type == "ended" for e in stored):
        return None
    started = parse_event(stored[0].type, stored[0].at, stored[0].data)
    assert isinstance(started, ev.Started)
    parts = [
        __version__,
        exercise_id,
        stored[-1].hash,
        today.isoformat() if today else "the exercise's day",
        ws.estate.model_dump_json(),
        find_plan(ws, started.plan, out=out).model_dump_json(),
        find_scenario(ws, started.scenario, out=out).scenario.model_dump_json(),
        workspace_catalog(ws).model_dump_json(),
    ]
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()
