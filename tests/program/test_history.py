"""Done-when of the program: six drills give trends, a coverage matrix, a calendar and a
backlog, and their numbers agree with the stored event logs (recomputed here from raw rows)."""

from __future__ import annotations

import csv
import io
import json
import statistics
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

from flowdrill.errors import InvalidFiles
from flowdrill.program.backlog import CLOSED
from flowdrill.service import program
from flowdrill.service.audit import event_log
from flowdrill.service.drills import find_scenario
from tests.program.conftest import DAYS, TODAY, History


def _raw(history: History) -> dict[str, list[dict[str, Any]]]:
    log = event_log(history.ws)
    try:
        return {
            r.exercise_id: [
                {"type": e.type, "at": e.at, **e.data} for e in log.events(r.exercise_id)
            ]
            for r in history.results
        }
    finally:
        log.close()


def _first(events: list[dict[str, Any]], kind: str, **match: Any) -> float | None:
    return next(
        (
            e["at"]
            for e in events
            if e["type"] == kind and all(e.get(k) == v for k, v in match.items())
        ),
        None,
    )


def _independent(events: list[dict[str, Any]]) -> dict[str, float | None]:
    """The metrics, straight from raw event rows (not through flowdrill's metrics module)."""
    impact = _first(events, "impact_changed", state="started")
    detect = _first(events, "flow_identified", correct=True)
    alert = _first(events, "alert_raised")
    ack = _first(events, "alert_acknowledged")

    def since(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else round(b - a, 2)

    return {
        "time to detect": since(impact, detect),
        "time to acknowledge": since(alert, ack),
        "time to contain": since(detect, _first(events, "impact_changed", state="contained")),
        "time to recover": since(detect, _first(events, "impact_changed", state="recovered")),
    }


def test_six_drills_on_record_in_date_order(history: History) -> None:
    records = history.view.records
    assert [r.exercise_id for r in records] == [r.exercise_id for r in history.results]
    assert [r.day for r in records] == DAYS
    assert len({r.plan for r in records}) == 6
    assert len({r.modes for r in records}) >= 4  # modes rotate


def test_trends_agree_with_the_event_logs(history: History) -> None:
    raw = _raw(history)
    trends = history.view.trends
    for point in trends.drills:
        expected = _independent(raw[point.exercise_id])
        for name, value in expected.items():
            assert point.values[name] == value, (point.exercise_id, name)
    for name in ("time to detect", "time to acknowledge", "time to contain", "time to recover"):
        values = [_independent(raw[e])[name] for e in raw]
        got = [v for v in values if v is not None]
        spread = trends.spreads[name]
        assert spread.count == len(got) and spread.not_reached == len(values) - len(got)
        if got:
            assert spread.median == round(statistics.median(got), 2)
            assert (spread.minimum, spread.maximum) == (min(got), max(got))
    assert [q.quarter for q in trends.quarters] == ["2026-Q1", "2026-Q2"]
    assert [q.drills for q in trends.quarters] == [3, 3]


def test_trends_files_and_chart(history: History, tmp_path: Path) -> None:
    written = program.write_trends(history.ws, history.view, out=tmp_path)
    svg = written.chart.read_text(encoding="utf-8")
    assert written.chart.name == "trends.svg"
    assert "time to detect" in svg and "decision latency" in svg  # text, not outlines
    summary = (tmp_path / "program" / "quarter-summary.md").read_text(encoding="utf-8")
    assert "2026-Q1" in summary and "2026-Q2" in summary and "median" in summary
    assert json.loads((tmp_path / "program" / "trends.json").read_text())["drills"]


def test_backlog_holds_every_corrective_action(history: History) -> None:
    items = history.view.backlog
    expected = [
        f"{r.exercise_id}/{a.id}" for r in history.view.records for a in r.report.improvement_plan
    ]
    assert [i.id for i in items] == expected
    for item in items:
        late = item.due_date < TODAY and item.status not in CLOSED
        assert item.overdue == late
        assert item.days_overdue == ((TODAY - item.due_date).days if late else 0)
    assert any(i.overdue for i in items) and not all(i.overdue for i in items)


def test_retest_links_point_to_the_next_drill_on_the_same_mode_or_flow(history: History) -> None:
    records = history.view.records
    scen = {r.exercise_id: find_scenario(history.ws, r.scenario).scenario for r in records}
    for item in history.view.backlog:
        index = [r.exercise_id for r in records].index(item.exercise)
        own = records[index]
        assert set(item.retest_modes) == set(scen[own.exercise_id].modes())
        later = [
            r.exercise_id
            for r in records[index + 1 :]
            if set(r.modes) & set(own.modes) or set(r.flows) & set(own.flows)
        ]
        assert item.retested_in == (later[0] if later else None)
    last = records[-1].exercise_id
    assert all(i.retest_due for i in history.view.backlog if i.exercise == last)


def test_exports_and_status_import_round_trip(history: History, tmp_path: Path) -> None:
    ws = history.ws
    files = program.export_backlog(ws, history.view, out=tmp_path)
    by_name = {f.name: f for f in files}
    rows = list(csv.DictReader(io.StringIO(by_name["backlog.csv"].read_text(encoding="utf-8"))))
    assert len(rows) == len(history.view.backlog)
    jira = list(csv.reader(io.StringIO(by_name["backlog-jira.csv"].read_text(encoding="utf-8"))))
    assert jira[0][:3] == ["Summary", "Issue Type", "Priority"] and len(jira) == len(rows) + 1
    issues = json.loads(by_name["backlog-github-issues.json"].read_text(encoding="utf-8"))
    assert len(issues) == len(rows) and {"title", "body", "labels"} <= issues[0].keys()
    assert any("overdue" in i["labels"] for i in issues)

    # close two actions, verify one, import the edited CSV back
    rows[0]["status"] = "done"
    rows[1].update(
        status="verified", evidence="PR #12 merged", verified_by="QA", verified_on="2026-06-30"
    )
    edited = tmp_path / "edited.csv"
    with edited.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    tracking = ws.root / program.PROGRAM / program.TRACKING_FILE
    try:
        changed = program.import_backlog_status(ws, edited, today=TODAY)
        assert changed == sorted([rows[0]["id"], rows[1]["id"]])
        view = program.program_view(ws, today=TODAY)
    finally:
        tracking.unlink(missing_ok=True)  # the history is shared by the session
    first, second = view.backlog[0], view.backlog[1]
    assert first.status == "done" and not first.overdue
    assert (second.status, second.verified_by, second.verified_on) == (
        "verified",
        "QA",
        date(2026, 6, 30),
    )
    assert view.trends.closure_rate == round(2 / len(rows), 3)


def test_status_import_reports_every_problem_and_changes_nothing(
    history: History, tmp_path: Path
) -> None:
    good = history.view.backlog[0].id
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,status,verified_on\n"
        f"{good},finished,\n"
        "ex-nope/CA-1,done,\n"
        f"{history.view.backlog[1].id},verified,2026-13-01\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidFiles) as caught:
        program.import_backlog_status(history.ws, bad, today=TODAY)
    text = "\n".join(map(str, caught.value.problems))
    assert "bad.csv:2: status: 'finished'" in text
    assert "bad.csv:3: id: no corrective action 'ex-nope/CA-1'" in text
    assert "bad.csv:4: verified_on" in text and "needs evidence" in text
    assert not (history.ws.root / program.PROGRAM / program.TRACKING_FILE).exists()
    no_id = tmp_path / "noid.csv"
    no_id.write_text("status\ndone\n", encoding="utf-8")
    with pytest.raises(InvalidFiles, match="1 problem"):
        program.import_backlog_status(history.ws, no_id, today=TODAY)


def test_coverage_matrix_dates_match_the_drills(history: History) -> None:
    matrix = program.coverage(history.ws, history.view)
    records = history.view.records
    for (mode, flow), cell in matrix.cells.items():
        days = [r.day for r in records if mode in r.modes and flow in r.flows]
        assert cell.last == max(days)
    drilled = {m for r in records for m in r.modes}
    assert set(matrix.overdue_modes) == set(matrix.modes) - drilled
    for flow in matrix.flows:
        days = [r.day for r in records if flow in r.flows]
        assert matrix.flow_last[flow] == (max(days) if days else None)
    assert 0 < matrix.covered_share < 1


def test_calendar_quarterly_full_monthly_micro_with_invitations(
    history: History, tmp_path: Path
) -> None:
    planned = program.program_calendar(history.ws, history.view, start=date(2026, 7, 1))
    assert len(planned) == 12
    assert [d.kind for d in planned[:4]] == ["full", "micro", "micro", "full"]
    assert all(d.day.weekday() == 1 for d in planned)
    full = [d for d in planned if d.kind == "full"]
    assert (
        len(full) == 4 and any(d.leadership for d in full) and not all(d.leadership for d in full)
    )
    waiting = [m for i in history.view.backlog if i.retest_due for m in i.retest_modes]
    assert planned[0].focus_mode in waiting  # a fix waiting for its retest comes first
    assert all(d.invitees for d in planned)
    path = program.write_calendar(
        history.ws, planned, out=tmp_path, stamp=datetime(2026, 7, 1, tzinfo=UTC)
    )
    cal = Calendar.from_ical(path.read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) == 12
    attendees = events[0].get("attendee")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert all(str(a).startswith("mailto:") for a in attendees)
    assert "Invitation list" in str(events[0].get("description"))


def test_recurring_themes(history: History) -> None:
    themes = history.view.themes
    assert themes and all(len(t.drills) >= 2 for t in themes)
    dims = {t.dimension for t in themes}
    assert {"capability element", "contributing factor"} <= dims
    for t in themes:
        assert set(t.actions) <= {i.id for i in history.view.backlog}


def test_scenario_generation_favours_a_fix_waiting_for_its_retest(
    history: History, tmp_path: Path
) -> None:
    import shutil

    from typer.testing import CliRunner

    from flowdrill.cli import app
    from flowdrill.program.backlog import retest_modes_due
    from flowdrill.service.workspace import open_workspace

    waiting = retest_modes_due(history.view.backlog)
    assert waiting, "the last drill's corrective actions wait for their retest"
    root = tmp_path / "copy"
    shutil.copytree(history.ws.root, root)
    assert program.retest_mode(open_workspace(root)) == waiting[0]
    result = CliRunner().invoke(app, ["-w", str(root), "scenario", "generate", "--seed", "99"])
    assert result.exit_code == 0, result.output
    assert f"Retest: a corrective action waits for a drill of {waiting[0]}" in result.output
    (newest,) = [p for p in (root / "scenarios").glob("*.yaml") if "99" in p.read_text()]
    assert f"mode: {waiting[0]}" in newest.read_text()
