"""The acknowledgement link in a drill notification: show a button, acknowledge on POST."""

from __future__ import annotations

import time

from flowdrill.exercise import events as ev
from flowdrill.notify import policy
from flowdrill.notify.ack import AckClaim, make_token
from flowdrill.service.notifications import ack_key
from tests.web.conftest import Harness


def test_an_escalation_is_acknowledged_through_its_link(harness: Harness) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    web = harness.client.app.state.web  # type: ignore[attr-defined]
    with web.live.use(exercise) as drill:
        drill.advance(15)
        runs = [r for r in policy.fold(drill.events).values() if r.open]
    assert runs, "the demo's escalation policy paged someone for the first alert"
    run = runs[0]
    token = make_token(
        ack_key(), AckClaim(exercise, run.id, "finance-systems", run.step, time.time())
    )
    visitor = harness.session()  # no login: the signed link is the authority
    page = visitor.client.get(f"/ack/{token}")
    assert page.status_code == 200 and "Acknowledge escalation" in page.text
    with web.live.use(exercise) as drill:  # opening the link acknowledged nothing
        assert not any(isinstance(e, ev.NotificationAcknowledged) for e in drill.events)
    done = visitor.client.post(f"/ack/{token}", data={"csrf_token": visitor.csrf})
    assert done.status_code == 200 and "Acknowledged." in done.text
    with web.live.use(exercise) as drill:
        acks = [e for e in drill.events if isinstance(e, ev.NotificationAcknowledged)]
    assert [(a.escalation, a.via) for a in acks] == [(run.id, "link")]
    again = visitor.client.post(f"/ack/{token}", data={"csrf_token": visitor.csrf})
    assert again.status_code == 409 and "already acknowledged" in again.text


def test_a_forged_link_is_refused(harness: Harness) -> None:
    visitor = harness.session()
    page = visitor.client.get("/ack/eyJ4IjoiZXgifQ.forged")
    assert page.status_code in (400, 403) and "not valid" in page.text
