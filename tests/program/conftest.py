"""A history of six drills, run once per session by autopilot on a copy of the demo with
varied runbooks, one a month from January to June 2026 (the drills' wall clock is set, so
quarters, due dates and coverage dates are realistic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from flowdrill.service import drills
from flowdrill.service.exercises import AutopilotResult, run_autopilot
from flowdrill.service.program import ProgramView, program_view
from flowdrill.service.workspace import Workspace, init_workspace

DAYS = [date(2026, m, d) for m, d in ((1, 13), (2, 10), (3, 10), (4, 14), (5, 12), (6, 9))]
TODAY = date(2026, 7, 1)


@dataclass
class History:
    ws: Workspace
    results: list[AutopilotResult]
    view: ProgramView


@pytest.fixture(scope="session")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    root: Path = tmp_path_factory.mktemp("program") / "ws"
    ws = init_workspace(root, demo=True)
    runbooks = [r.id for r in ws.estate.runbooks]
    results = []
    with pytest.MonkeyPatch.context() as mp:
        for n, day in enumerate(DAYS, 1):
            wall = datetime(day.year, day.month, day.day, 10, tzinfo=UTC).timestamp()
            mp.setattr("flowdrill.service.exercises.time", SimpleNamespace(time=lambda w=wall: w))
            stored = drills.generate(ws, seed=n)
            _, plan, _ = drills.make_plan(ws, stored.scenario.id)
            results.append(run_autopilot(ws, plan.id, runbook_id=runbooks[n % len(runbooks)]))
    return History(ws, results, program_view(ws, today=TODAY))
