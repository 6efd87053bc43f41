"""Live drills: commands are logged before they count, resume rebuilds everything, and the
autopilot plays a runbook against the simulated estate."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowdrill.errors import InputError
from flowdrill.exercise import events as ev
from flowdrill.exercise.machine import CommandRejected
from flowdrill.service import drills
from flowdrill.service.exercises import Drill, run_autopilot
from flowdrill.service.workspace import Workspace, init_workspace, open_workspace

RUNBOOK = """
runbooks:
  - id: rb-auth
    title: Authentication failures on a shared credential
    failure_modes: [auth_mismatch]
    steps:
      - {{title: Decide to rotate the credential, kind: decision, role: incident lead}}
      - {{title: Rotate it, kind: action, role: platform engineer, action: rotate_credential,
         target: {cred}}}
      - {{title: Replay failed runs, kind: action, role: platform engineer, action: replay,
         target: {cred}, options: {{since: "0", dedupe: "true"}}}}
      - {{title: Reconcile, kind: check, role: finance analyst, action: reconcile,
         target: {cred}}}
      - {{title: Pause the flow we retired last year, kind: action, action: pause_flow,
         target: n8n-retired-flow}}
"""


def _workspace(tmp_path: Path, *, rotate: bool = True) -> tuple[Workspace, str]:
    ws = init_workspace(tmp_path / "ws", demo=True)
    stored = drills.generate(ws, seed=1, mode="auth_mismatch")
    cred = stored.scenario.failures[0].target.id
    runbook = RUNBOOK.format(cred=cred)
    if not rotate:
        runbook = runbook.replace("action: rotate_credential", "action: notify")
    (ws.root / "estate" / "zz-runbook.yaml").write_text(runbook, encoding="utf-8")
    ws = open_workspace(ws.root)
    _, plan, _ = drills.make_plan(ws, stored.scenario.id)
    return ws, plan.id


@pytest.fixture
def demo_ws(tmp_path: Path) -> tuple[Workspace, str]:
    return _workspace(tmp_path)


def test_a_drill_logs_then_applies_and_resumes_identically(demo_ws: tuple[Workspace, str]) -> None:
    ws, plan = demo_ws
    drill = Drill.start(ws, plan, wall=1000.0)
    shown = [e for m in range(0, 12) for e in drill.advance(m)]
    assert any(isinstance(e, ev.ImpactChanged) and e.state == "started" for e in shown)
    alert = next(e for e in shown if isinstance(e, ev.AlertRaised))
    drill.submit(ev.AlertAcknowledged(at=12, alert=alert.alert))
    drill.submit(ev.ActionTaken(at=13, action="pause_flow", target=alert.flow))
    with pytest.raises(CommandRejected):
        drill.submit(ev.AlertAcknowledged(at=14, alert=alert.alert))
    for m in range(14, 30):
        drill.advance(m)
    stored = drill.log.events(drill.exercise_id)
    assert [e.type for e in stored] == [e.type for e in drill.events]
    assert drill.log.verify(drill.exercise_id) == []
    last, phase = drill.state.last_at, drill.state.phase
    again = Drill.resume(ws, drill.exercise_id, wall=5000.0)
    assert [e.type for e in again.events[-2:]] == ["paused", "resumed"]  # the gap is on record
    assert again.state.phase == phase and again.now(5000.0) == last  # same phase and clock
    assert again.state.alerts == drill.state.alerts
    again.advance(29)
    assert again.reconcile().to_dict() == drill.reconcile().to_dict()  # same simulated estate
    drill.close()
    again.close()


def test_autopilot_contains_and_restores_with_a_good_runbook(
    demo_ws: tuple[Workspace, str],
) -> None:
    ws, plan = demo_ws
    result = run_autopilot(ws, plan, runbook_id="rb-auth")
    assert result.detected and result.contained and result.restored
    m = result.metrics
    assert m.time_to_detect is not None and m.time_to_contain is not None
    assert m.time_to_recover is not None and m.time_to_recover >= m.time_to_contain
    assert result.stale_steps == ["rb-auth step 5: 'n8n-retired-flow' is not in the estate"]
    log = Drill.resume(ws, result.exercise_id)
    types = [e.type for e in log.events]
    # the human decision point stayed human: asked, then approved, both on the record
    assert types.index("approval_requested") < types.index("approval_given")
    assert types[-1] == "ended"
    log.close()


def test_a_runbook_that_never_rotates_the_credential_is_caught(tmp_path: Path) -> None:
    ws, plan = _workspace(tmp_path, rotate=False)
    result = run_autopilot(ws, plan, runbook_id="rb-auth")
    assert result.detected
    assert not result.restored and result.metrics.time_to_recover is None
    assert result.verdict["totals"]["missing"] > 0


def test_an_action_on_nothing_is_refused_and_not_logged(demo_ws: tuple[Workspace, str]) -> None:
    ws, plan = demo_ws
    drill = Drill.start(ws, plan, wall=0.0)
    before = len(drill.log.events(drill.exercise_id))
    with pytest.raises(InputError, match="nothing in the estate matches"):
        drill.submit(ev.ActionTaken(at=1, action="pause_flow", target="no-such-flow"))
    assert len(drill.log.events(drill.exercise_id)) == before
    drill.close()


def test_unknown_runbook_and_plan_are_clean_errors(demo_ws: tuple[Workspace, str]) -> None:
    ws, plan = demo_ws
    with pytest.raises(InputError, match="no runbook 'rb-nope'"):
        run_autopilot(ws, plan, runbook_id="rb-nope")
    with pytest.raises(InputError, match="no plan"):
        Drill.start(ws, "p-nope")


def test_a_stale_runbook_step_becomes_a_corrective_action_that_targets_it(
    demo_ws: tuple[Workspace, str],
) -> None:
    from flowdrill.report import action_items_csv
    from flowdrill.service.reports import exercise_report

    ws, plan = demo_ws
    result = run_autopilot(ws, plan, runbook_id="rb-auth")
    report = exercise_report(ws, result.exercise_id)
    (fix,) = [a for a in report.improvement_plan if a.target == "rb-auth step 5"]
    assert "Update step rb-auth step 5 of rb-auth" in fix.action
    assert fix.capability.value == "Planning"
    rows = action_items_csv(report).splitlines()
    assert rows[0].endswith(",target")
    assert any(row.endswith(",rb-auth step 5") for row in rows[1:])
