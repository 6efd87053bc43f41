"""Participant feedback on the web: a form on the participant page, also after the end."""

from __future__ import annotations

from flowdrill.exercise import events as ev
from tests.web.conftest import Harness


def _feedback(harness: Harness, exercise: str) -> list[ev.FeedbackSubmitted]:
    web = harness.client.app.state.web  # type: ignore[attr-defined]
    with web.live.use(exercise) as drill:
        return [e for e in drill.events if isinstance(e, ev.FeedbackSubmitted)]


def test_feedback_after_the_end_anonymous_only_if_allowed(harness: Harness) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    dev = harness.participant(fac, exercise, "incident_lead")
    assert 'name="what_to_improve"' in dev.client.get(f"/x/{exercise}").text
    assert 'name="anonymous"' not in dev.client.get(f"/x/{exercise}").text
    assert fac.post(f"/x/{exercise}/do/end", {"reason": "done"}).status_code == 200  # type: ignore[attr-defined]
    page = dev.client.get(f"/x/{exercise}").text
    assert "the drill has ended" in page and 'data-op="feedback"' in page
    r = dev.post(f"/x/{exercise}/do/feedback", {"rating": "4", "what_worked": "clear injects"})
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    refused = dev.post(f"/x/{exercise}/do/feedback", {"rating": "2", "anonymous": "true"})
    assert refused.status_code == 409  # type: ignore[attr-defined]
    assert "not allowed anonymous feedback" in refused.text  # type: ignore[attr-defined]
    [got] = _feedback(harness, exercise)
    assert (got.rating, got.what_worked, got.by, got.anonymous) == (
        4,
        "clear injects",
        "incident_lead",
        False,
    )


def test_anonymous_feedback_when_the_facilitator_allows_it(harness: Harness) -> None:
    fac = harness.facilitator()
    r = fac.client.post(
        "/exercises",
        data={"plan": harness.plan, "anonymous_feedback": "true", "csrf_token": fac.csrf},
    )
    assert r.status_code == 303, r.text
    exercise = r.headers["location"].rsplit("/", 1)[1]
    lead = harness.participant(fac, exercise, "incident_lead")
    assert 'name="anonymous"' in lead.client.get(f"/x/{exercise}").text
    sent = lead.post(f"/x/{exercise}/do/feedback", {"rating": "2", "anonymous": "true"})
    assert sent.status_code == 200  # type: ignore[attr-defined]
    [got] = _feedback(harness, exercise)
    assert got.anonymous and got.by is None and got.rating == 2
