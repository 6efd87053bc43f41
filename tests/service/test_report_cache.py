"""Reports of finished exercises: cached by what they are built from, rebuilt when any of it
changes, never cached with names."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowdrill.exercise import events as ev
from flowdrill.service import reports as reports_module
from flowdrill.service.exercises import Drill
from flowdrill.service.reports import exercise_report
from tests.service.test_reports import _finished


def test_a_finished_report_is_served_from_the_cache_until_its_log_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, exercise = _finished(tmp_path)
    first = exercise_report(ws, exercise)
    assert (ws.root / ".flowdrill" / "report-cache" / f"{exercise}.json").is_file()
    real_resume = Drill.resume

    def no_replay(*args: object, **kwargs: object) -> Drill:
        raise AssertionError("a cached report replayed the drill")

    monkeypatch.setattr(reports_module.Drill, "resume", no_replay)
    assert exercise_report(ws, exercise) == first
    monkeypatch.setattr(reports_module.Drill, "resume", real_resume)

    drill = Drill.open(ws, exercise)
    try:  # feedback after the end changes the log, so the report is built again
        drill.submit(ev.FeedbackSubmitted(at=drill.state.last_at, rating=2, what_worked="x"))
    finally:
        drill.close()
    again = exercise_report(ws, exercise)
    assert again.feedback.count == first.feedback.count + 1


def test_a_damaged_cache_is_ignored_and_names_are_never_cached(tmp_path: Path) -> None:
    ws, exercise = _finished(tmp_path)
    first = exercise_report(ws, exercise)
    cached = ws.root / ".flowdrill" / "report-cache" / f"{exercise}.json"
    cached.write_text("{not json", encoding="utf-8")
    assert exercise_report(ws, exercise) == first
    before = cached.read_bytes()
    named = exercise_report(ws, exercise, name_people=True)
    assert named.names_shown and cached.read_bytes() == before
