"""The facilitator and evaluators follow the first record the fault hits; participants, who
must find the cause themselves, cannot open that panel."""

from __future__ import annotations

from tests.web.conftest import Harness


def test_the_console_tells_one_records_story_and_participants_cannot_see_it(
    harness: Harness,
) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    empty = fac.client.get(f"/x/{exercise}/part/story")
    assert empty.status_code == 200 and "No record has met the fault yet" in empty.text
    web = harness.client.app.state.web  # type: ignore[attr-defined]
    with web.live.use(exercise) as drill:
        drill.advance(20)
    panel = fac.client.get(f"/x/{exercise}/part/story")
    assert panel.status_code == 200
    assert "arrived" in panel.text and "sent to the dead-letter queue" in panel.text
    assert 'id="panel-story"' in fac.client.get(f"/x/{exercise}").text
    engineer = harness.participant(fac, exercise, "platform_engineer")
    assert engineer.client.get(f"/x/{exercise}/part/story").status_code == 403
    assert 'id="panel-story"' not in engineer.client.get(f"/x/{exercise}").text
