"""Reports of finished exercises: the incident as one record lived it, and each decision's
consequence measured against the drill replayed without it."""

from __future__ import annotations

from pathlib import Path

from flowdrill.service import drills
from flowdrill.service.exercises import Drill, run_autopilot
from flowdrill.service.reports import exercise_report
from flowdrill.service.workspace import Workspace, init_workspace


def _finished(tmp_path: Path) -> tuple[Workspace, str]:
    ws = init_workspace(tmp_path / "ws", demo=True)
    stored = drills.generate(ws, seed=1, mode="auth_mismatch")
    _, plan, _ = drills.make_plan(ws, stored.scenario.id)
    return ws, run_autopilot(ws, plan.id).exercise_id


def test_the_report_tells_the_incident_as_one_record_lived_it(tmp_path: Path) -> None:
    from flowdrill.report import render_html, render_markdown
    from flowdrill.report.aar import STORY_TITLE

    ws, exercise = _finished(tmp_path)
    report = exercise_report(ws, exercise)
    story = report.integrity.story
    assert story is not None and story.flow in {f.id for f in ws.estate.flows}
    events = [s.event for s in story.steps]
    assert events[0] == "arrived" and "sent to the dead-letter queue" in events
    assert events.index("replayed") > events.index("sent to the dead-letter queue")
    times = [s.at for s in story.steps]
    assert times == sorted(times)
    assert f"{STORY_TITLE}: record {story.record}" in render_markdown(report)
    assert "sent to the dead-letter queue" in render_html(report)


def test_a_decisions_consequence_is_measured_against_the_run_without_it(tmp_path: Path) -> None:
    ws, exercise = _finished(tmp_path)
    report = exercise_report(ws, exercise)
    acted = [d for d in report.decisions if d.consequence is not None]
    assert acted, "the autopilot's decision point governs the runbook's actions"
    consequence = acted[0].consequence
    assert consequence is not None
    assert consequence.restored_with and not consequence.restored_without
    assert consequence.prevented > 0 and consequence.damage_with == 0
    drill = Drill.open(ws, exercise)
    try:  # without the decision, the same run ends as the scenario left it
        alone = drill.without(acted[0].id)
        assert alone.now == drill.sim.now and not alone.action_log
        same = drill.without("no-such-decision")  # leaving nothing out replays the drill
        assert same.reconcile().totals() == drill.reconcile().totals()
        assert [a["action"] for a in same.action_log] == [a["action"] for a in drill.sim.action_log]
    finally:
        drill.close()
