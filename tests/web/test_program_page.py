"""The executive program dashboard: read-only, for the facilitator and executive observers."""

from __future__ import annotations

from flowdrill.service.exercises import run_autopilot
from tests.web.conftest import Harness


def test_program_page_empty_then_after_one_drill(harness: Harness) -> None:
    fac = harness.facilitator()
    assert 'href="/program"' in fac.client.get("/").text
    empty = fac.client.get("/program")
    assert empty.status_code == 200 and "No drills on record yet" in empty.text
    web = harness.client.app.state.web  # type: ignore[attr-defined]
    run_autopilot(web.ws, harness.plan)
    page = fac.client.get("/program")
    assert page.status_code == 200, page.text
    assert "1</strong> drill(s) done" in page.text
    assert "against <strong>1</strong>" in page.text  # planned by the cadence this month
    for heading in ("Coverage", "Trends across drills", "Overdue corrective actions"):
        assert heading in page.text
    assert "time to detect" in page.text and "Recurring themes" in page.text


def test_program_page_is_for_facilitator_and_executives(harness: Harness) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    player = harness.participant(fac, exercise, "incident_lead")
    assert player.client.get("/program").status_code == 403
    executive = harness.participant(fac, exercise, "executive_observer")
    assert executive.client.get("/program").status_code == 200
    assert harness.session().client.get("/program").status_code == 303
