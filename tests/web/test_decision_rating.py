"""Evaluators rate a decision by its moment in the timeline; the report carries that rating
as part of the decision's quality."""

from __future__ import annotations

import re

from flowdrill.service.reports import exercise_report
from tests.web.conftest import Harness


def test_an_evaluator_rates_a_decision_by_its_moment(harness: Harness) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    lead = harness.participant(fac, exercise, "incident_lead")
    r = lead.post(
        f"/x/{exercise}/do/decision",
        {"what": "Pause order intake", "rationale": "stop bad data", "confidence": "high"},
    )
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    evaluator = harness.participant(fac, exercise, "evaluator_scribe")
    panel = evaluator.client.get(f"/x/{exercise}/part/decisions").text
    found = re.search(r"moment #(\d+)", panel)
    assert found, panel
    assert "moment #" not in lead.client.get(f"/x/{exercise}/part/decisions").text
    page = evaluator.client.get(f"/x/{exercise}").text
    task = re.search(r'name="task"><option value="([^"]+)"', page)
    assert task
    r = evaluator.post(
        f"/x/{exercise}/do/observation",
        {"task": task[1], "rating": "M", "moment": found[1], "notes": "late"},
    )
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert fac.post(f"/x/{exercise}/do/end", {"reason": "done"}).status_code == 200  # type: ignore[attr-defined]
    web = harness.client.app.state.web  # type: ignore[attr-defined]
    (decision,) = exercise_report(web.ws, exercise).decisions
    assert decision.what == "Pause order intake" and decision.rating == "M"
