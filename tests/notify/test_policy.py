"""The pure escalation state: which policy an alert starts, when steps fire, and that an
acknowledgement stops the timer. Also the metrics computed from those events."""

from __future__ import annotations

from flowdrill.estate.model import Estate
from flowdrill.exercise import events as ev
from flowdrill.exercise.metrics import compute
from flowdrill.notify import policy

FLOW = "n8n.shopify-order-intake"  # owned by integrations-platform: steps wait 5, 10, 15 min
MONITOR = "mon-order-intake-failures"


def alert(at: float, name: str = "a1", monitor: str = MONITOR) -> ev.AlertRaised:
    return ev.AlertRaised(at=at, alert=name, monitor=monitor, flow=FLOW, message="12% failed")


def run(estate: Estate, log: list[ev.Event], until: float) -> list[ev.Event]:
    """Drive the policy minute by minute, as a drill's clock does."""
    minute = 0.0
    while minute <= until:
        log = [*log, *policy.due(estate, [e for e in log if e.at <= minute], minute)]
        minute += 1
    return log


def fired(log: list[ev.Event]) -> list[tuple[int, float]]:
    return [(e.step, e.at) for e in log if isinstance(e, ev.EscalationStepFired)]


def test_an_alert_on_a_flow_starts_its_owner_teams_policy(estate: Estate) -> None:
    found = policy.policy_for(estate, flow=FLOW, monitor=MONITOR)
    assert found is not None and found.id == "integrations-oncall"
    first = policy.due(estate, [alert(3)], 3)
    assert len(first) == 1
    assert first[0].step == 1 and first[0].at == 3 and first[0].notify == ["dev-anand"]
    assert first[0].channel == "slack-oncall" and first[0].alert == "a1"


def test_steps_fire_after_their_wait_without_acknowledgement(estate: Estate) -> None:
    log = run(estate, [alert(3)], until=60)
    assert fired(log) == [(1, 3), (2, 8), (3, 18)]  # waits 5 then 10; the last step holds


def test_acknowledgement_stops_the_timer(estate: Estate) -> None:
    log = run(estate, [alert(3)], until=10)
    assert fired(log) == [(1, 3), (2, 8)]
    log.append(ev.NotificationAcknowledged(at=10, escalation="esc-1", step=2, by="marta-kowalski"))
    log = run(estate, log, until=60)
    assert fired(log) == [(1, 3), (2, 8)]
    assert not policy.open_escalations(log)


def test_repeat_alerts_of_one_monitor_are_one_escalation(estate: Estate) -> None:
    log = run(estate, [alert(3), alert(4, "a2"), alert(5, "a3")], until=6)
    assert len({e.escalation for e in log if isinstance(e, ev.EscalationStepFired)}) == 1
    log.append(ev.NotificationAcknowledged(at=7, escalation="esc-1", step=2))
    log = run(estate, [*log, alert(9, "a4")], until=12)  # same monitor after the ack
    assert len(policy.fold(log)) == 1
    log = run(estate, [*log, alert(13, "a5", monitor="mon-order-intake-volume")], until=14)
    assert len(policy.fold(log)) == 2  # another monitor: a new page


def test_no_policy_no_escalation(estate: Estate) -> None:
    bare = estate.model_copy(update={"escalation_policies": []})
    assert policy.due(bare, [alert(1)], 10) == []


def test_the_responder_answers_at_its_step(estate: Estate) -> None:
    log = run(estate, [alert(3)], until=8)
    acks = policy.responder_acks(estate, log, 10, answer_step=2, after=2)
    assert [(a.escalation, a.step, a.at, a.by) for a in acks] == [
        ("esc-1", 2, 10, "marta-kowalski")
    ]
    assert policy.responder_acks(estate, log, 9, answer_step=2, after=2) == []


def test_metrics_time_to_acknowledge_per_step_and_time_to_escalate(estate: Estate) -> None:
    log = run(estate, [alert(3)], until=10)
    log.append(ev.NotificationAcknowledged(at=11, escalation="esc-1", step=2))
    m = compute(log)
    steps = {(s.step): s for s in m.escalation_steps}
    assert steps[1].time_to_acknowledge is None
    assert steps[2].time_to_acknowledge == 3
    assert m.sequence_time_to_escalate.median == 5
    assert m.sequence_time_to_acknowledge.median == 8
