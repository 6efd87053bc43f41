"""In-app pages: a participant sees what paged them and acknowledges in the web UI."""

from __future__ import annotations

from flowdrill.exercise import events as ev
from tests.web.conftest import Harness


def test_a_participant_acknowledges_an_in_app_page(harness: Harness) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    me = harness.participant(fac, exercise, "platform_engineer")
    web = harness.client.app.state.web  # type: ignore[attr-defined]
    with web.live.use(exercise) as drill:
        at = drill.state.last_at
        drill.submit(
            ev.EscalationStepFired(
                at=at,
                escalation="esc-9",
                policy="p",
                step=1,
                notify=["platform_engineer"],
                channel="console",
            )
        )
        drill.submit(
            ev.NotificationSent(
                at=at,
                notification="n-9",
                escalation="esc-9",
                step=1,
                party="platform_engineer",
                channel="console",
                kind="inapp",
                text="Order intake is failing",
            )
        )
    hx = {"HX-Request": "true"}
    panel = me.client.get(f"/x/{exercise}/part/inbox", headers=hx)
    assert panel.status_code == 200
    assert "Order intake is failing" in panel.text and "Acknowledge" in panel.text
    done = me.post(f"/x/{exercise}/do/ack_escalation", {"escalation": "esc-9"})
    assert done.status_code == 200  # type: ignore[attr-defined]
    again = me.client.get(f"/x/{exercise}/part/inbox", headers=hx)
    assert "acknowledged" in again.text and ">Acknowledge<" not in again.text
    with web.live.use(exercise) as drill:
        acks = [e for e in drill.events if isinstance(e, ev.NotificationAcknowledged)]
    assert [(a.escalation, a.via, a.by) for a in acks] == [("esc-9", "web", "platform_engineer")]


def test_an_empty_inbox_says_what_will_appear(harness: Harness) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    me = harness.participant(fac, exercise, "developer")
    panel = me.client.get(f"/x/{exercise}/part/inbox", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and "No pages for you yet" in panel.text
