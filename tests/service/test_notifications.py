"""Drill notifications end to end: a drill's alerts start escalation policies, steps are
delivered to a real local webhook receiver, failures are logged and the drill goes on, an
acknowledgement (terminal or signed link) stops the timer, and no secret reaches the store or
the report."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from flowdrill.exercise import events as ev
from flowdrill.notify import policy
from flowdrill.service import drills
from flowdrill.service.exercises import Drill, run_autopilot
from flowdrill.service.live_drills import LiveDrills
from flowdrill.service.notifications import NotAcknowledgeable, acknowledge, acknowledge_link
from flowdrill.service.reports import write_report
from flowdrill.service.workspace import Workspace, init_workspace, open_workspace
from tests.notify.servers import Hook, free_port, webhook_server

POLICIES = """
notification_channels:
  - {id: hook-slack, kind: slack, secret_name: slack-hook}
  - {id: hook-teams, kind: teams, secret_name: teams-hook}
  - {id: broken, kind: webhook, secret_name: broken-hook}
  - {id: mail, kind: email, host: 127.0.0.1, port: 1, sender: d@x.example, username: d,
     secret_name: smtp-password}
escalation_policies:
"""
TEAMS = ("integrations-platform", "ecommerce", "finance-systems", "warehouse-ops",
         "customer-care", "marketing", "security-compliance", "data-analytics")  # fmt: skip
STEPS = """
  - id: p-{team}
    team: {team}
    steps:
      - {{notify: [{team}], channel: hook-slack, wait_minutes: 3}}
      - {{notify: [{team}], channel: broken, wait_minutes: 3}}
      - {{notify: [{team}], channel: hook-teams, wait_minutes: 3}}
"""
SMTP_PASSWORD = "smtp-pass-never-stored"


def _workspace(tmp_path: Path) -> tuple[Workspace, str]:
    ws = init_workspace(tmp_path / "ws", demo=True)
    text = POLICIES + "".join(STEPS.format(team=t) for t in TEAMS)
    (ws.root / "estate" / "escalation.yaml").write_text(text, encoding="utf-8")
    ws = open_workspace(ws.root)
    stored = drills.generate(ws, seed=1, mode="auth_mismatch")
    _, plan, _ = drills.make_plan(ws, stored.scenario.id)
    return ws, plan.id


@pytest.fixture
def sending(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """Send mode, secrets in the environment pointing at local receivers."""

    def configure(slack: Hook, teams: Hook) -> None:
        monkeypatch.setenv("FLOWDRILL_NOTIFY", "send")
        monkeypatch.setenv("FLOWDRILL_SECRET_SLACK_HOOK", slack.url)
        monkeypatch.setenv("FLOWDRILL_SECRET_TEAMS_HOOK", teams.url)
        monkeypatch.setenv("FLOWDRILL_SECRET_BROKEN_HOOK", f"http://127.0.0.1:{free_port()}/x")
        monkeypatch.setenv("FLOWDRILL_SECRET_SMTP_PASSWORD", SMTP_PASSWORD)
        monkeypatch.setenv("FLOWDRILL_NOTIFY_RETRIES", "1")
        monkeypatch.setenv("FLOWDRILL_NOTIFY_BACKOFF_SECONDS", "0")
        monkeypatch.setenv("FLOWDRILL_NOTIFY_TIMEOUT_SECONDS", "2")
        monkeypatch.setenv("FLOWDRILL_ACK_SECRET", "test-signing-key")

    return configure


def _until(drill: Drill, kind: type, limit: int = 60) -> int:
    """Advance minute by minute until an event of ``kind`` appears (bounded)."""
    for minute in range(limit):
        if any(isinstance(e, kind) for e in drill.advance(minute)):
            return minute
    raise AssertionError(f"no {kind.__name__} within {limit} minutes")


def test_a_drill_escalates_delivers_and_survives_a_failed_channel(
    tmp_path: Path, sending: Any
) -> None:
    ws, plan = _workspace(tmp_path)
    with webhook_server() as slack, webhook_server() as teams:
        sending(slack, teams)
        drill = Drill.start(ws, plan)
        try:
            first = _until(drill, ev.EscalationStepFired)
            assert slack.received and slack.received[0].headers["X-Flowdrill-Exercise"]
            assert slack.received[0].body["blocks"][0]["text"]["text"].startswith("[EXERCISE]")
            run = policy.open_escalations(drill.events)[0]
            for minute in range(first, first + 8):
                drill.advance(minute)
            failed = [e for e in drill.events if isinstance(e, ev.NotificationFailed)]
            assert failed and failed[0].attempts == 2 and failed[0].step == 2
            assert "refused" in failed[0].error.lower()
            assert teams.received  # step 3, after the failed step 2: the drill went on
            assert teams.received[0].body["attachments"][0]["content"]["type"] == "AdaptiveCard"
            acknowledge(drill, run.id, by="dev-anand")
            steps = len(policy.fold(drill.events)[run.id].fired)
            for minute in range(first + 8, first + 30):
                drill.advance(minute)
            assert len(policy.fold(drill.events)[run.id].fired) == steps  # the timer stopped
            with pytest.raises(NotAcknowledgeable):
                acknowledge(drill, run.id)
            drill.submit(ev.Ended(at=drill.state.last_at))
        finally:
            drill.close()
        secrets = [slack.url, teams.url, SMTP_PASSWORD]
    written = write_report(ws, drill.exercise_id)
    stored = b"".join(p.read_bytes() for p in (ws.root / ".flowdrill").rglob("*") if p.is_file())
    files = [f.read_bytes() for f in written.files]
    for secret in secrets:
        assert secret.encode() not in stored
        assert all(secret.encode() not in raw for raw in files)
    markdown = next(f for f in written.files if f.suffix == ".md").read_text(encoding="utf-8")
    assert "## Notification sequence" in markdown and "failed" in markdown
    assert written.report.notifications.failures >= 1


def test_a_signed_link_acknowledges(tmp_path: Path, sending: Any) -> None:
    ws, plan = _workspace(tmp_path)
    with webhook_server() as slack, webhook_server() as teams:
        sending(slack, teams)
        drill = Drill.start(ws, plan)
        try:
            _until(drill, ev.EscalationStepFired)
            url = slack.received[0].body["blocks"][-1]["elements"][0]["url"]
            token = url.rsplit("/ack/", 1)[1]
            shown = acknowledge_link(drill, token)
            ack = next(e for e in shown if isinstance(e, ev.NotificationAcknowledged))
            assert ack.via == "link" and ack.step == 1
            assert not policy.fold(drill.events)[ack.escalation].open
        finally:
            drill.close()


def test_a_secrets_file_inside_the_workspace_is_refused_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, plan = _workspace(tmp_path)
    inside = ws.root / "secrets.toml"
    inside.write_text('slack-hook = "http://127.0.0.1:9/x"\n', encoding="utf-8")
    monkeypatch.setenv("FLOWDRILL_NOTIFY", "send")
    monkeypatch.setenv("FLOWDRILL_SECRETS_FILE", str(inside))
    drill = Drill.start(ws, plan)
    try:
        _until(drill, ev.NotificationFailed)
        failed = next(e for e in drill.events if isinstance(e, ev.NotificationFailed))
        assert "inside the workspace" in failed.error
    finally:
        drill.close()


def test_the_autopilot_rehearses_the_sequence_in_dry_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLOWDRILL_NOTIFY", "dry-run")
    ws = init_workspace(tmp_path / "ws", demo=True)  # the demo's own policies
    stored = drills.generate(ws, seed=1)
    _, plan, _ = drills.make_plan(ws, stored.scenario.id)
    result = run_autopilot(ws, plan.id)
    printed = capsys.readouterr().out
    assert "[dry-run]" in printed and "[EXERCISE]" in printed
    steps = result.metrics.escalation_steps
    assert any(s.step == 2 for s in steps)  # step 1 went unanswered: it escalated
    assert any(s.time_to_acknowledge is not None for s in steps)
    assert result.metrics.sequence_time_to_escalate.count >= 1


def _post(drill: Drill) -> ev.Event:
    return ev.MessagePosted(at=drill.state.last_at, by="lead", channel="ops", text="hello")


def test_a_slow_channel_never_holds_up_a_live_drill(
    tmp_path: Path, sending: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live drills send on a worker: while a channel hangs, the clock and commands go on;
    the outcome is logged once the channel answers."""
    ws, plan = _workspace(tmp_path)
    gate = threading.Event()
    with webhook_server(gate=gate) as slack, webhook_server() as teams:
        sending(slack, teams)
        monkeypatch.setenv("FLOWDRILL_NOTIFY_TIMEOUT_SECONDS", "20")
        live = LiveDrills(ws)
        try:
            exercise = live.start(plan)

            def fire() -> None:
                with live.use(exercise) as drill:
                    _until(drill, ev.EscalationStepFired)

            def command() -> None:
                live.submit(exercise, lambda d: [_post(d)])

            for work in (fire, command):  # each would wait for the hung channel if it sent
                worker = threading.Thread(target=work)
                worker.start()
                worker.join(timeout=8)
                assert not worker.is_alive(), f"{work.__name__} waited for the channel"
            for _ in range(100):  # the worker's request has reached the receiver (bounded)
                if slack.received:
                    break
                time.sleep(0.05)
            assert slack.received
            types = [e.type for e in live.stored(exercise)]
            assert "message_posted" in types and "notification_sent" not in types
            gate.set()
            live.drain()
            sent = [e for e in live.stored(exercise) if e.type == "notification_sent"]
            fired = next(e for e in live.stored(exercise) if e.type == "escalation_step_fired")
            assert len(sent) == 1 and sent[0].data["channel"] == "hook-slack"
            assert sent[0].at >= fired.at
        finally:
            gate.set()
            live.close()
