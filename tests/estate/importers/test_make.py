"""The Make importer on hand-written blueprints (tests/data/make): routers, filters, handlers."""

from __future__ import annotations

from typing import Any

import pytest

from flowdrill.estate.importers import NotAnExport
from flowdrill.estate.importers.make import parse_blueprint
from flowdrill.estate.importers.result import ImportedWorkflow
from flowdrill.estate.model import OnError, StepKind, TriggerKind

from .corpus import MAKE_EXAMPLES, load


def example(prefix: str) -> ImportedWorkflow:
    path = next(p for p in MAKE_EXAMPLES if p.name.startswith(prefix))
    return parse_blueprint(load(path), file=path.name)


def by_id(workflow: ImportedWorkflow) -> dict[str, Any]:
    return {s.id: s for s in workflow.flow.steps}


def test_there_are_at_least_three_examples() -> None:
    assert len(MAKE_EXAMPLES) >= 3
    for path in MAKE_EXAMPLES:
        assert parse_blueprint(load(path), file=path.name).flow.steps


def test_router_with_two_routes_and_error_handlers() -> None:
    workflow = example("01")
    steps = by_id(workflow)
    assert workflow.flow.name == "Orders: webhook to Sheets and Slack"
    assert workflow.flow.trigger.kind is TriggerKind.webhook
    router = next(s for s in workflow.flow.steps if s.type == "builtin:BasicRouter")
    assert steps["new-order"].next == [router.id]
    assert router.kind is StepKind.router
    assert router.next == ["log-order", "create-label"]
    log = steps["log-order"]
    assert log.system == "google-sheets" and log.operation == "addRow"
    assert log.on_error is OnError.ignore
    assert log.error_next == ["tell-ops"]
    assert steps["tell-ops"].next == [
        s.id for s in workflow.flow.steps if s.type == "builtin:Ignore"
    ]
    label = steps["create-label"]
    assert label.system == "http:api.shipping.example.com" and label.operation == "post"
    assert label.on_error is OnError.stop
    assert label.retry is not None and label.retry.max_tries == 5
    assert label.retry.wait_seconds == 600
    assert any("Paid orders only" in note for note in workflow.flow.notes)
    assert {c.id for c in workflow.credentials} == {
        "make-conn:google-sheets:1234",
        "make-conn:slack:99",
    }
    assert "sk_live_" not in workflow.flow.model_dump_json()
    kinds = {f.kind for f in workflow.findings}
    assert {"secret_redacted", "incomplete_executions_not_stored"} <= kinds


def test_watch_trigger_resume_and_unknown_app() -> None:
    workflow = example("02")
    steps = workflow.flow.steps
    assert workflow.flow.trigger.kind is TriggerKind.polling
    assert workflow.flow.trigger.system == "google-sheets"
    assert [s.next for s in steps[:3]] == [[steps[1].id], [steps[2].id], [steps[4].id]]
    assert steps[2].on_error is OnError.resume
    assert workflow.unknown_types == ["acme-erp:pushInvoice"]


def test_rollback_handler_route() -> None:
    workflow = example("03")
    query = next(s for s in workflow.flow.steps if s.type == "postgres:executeQuery")
    assert workflow.flow.trigger.kind is TriggerKind.app_event
    assert query.on_error is OnError.rollback and query.system == "postgres"
    assert "finance@example.com" not in workflow.flow.model_dump_json()


@pytest.mark.parametrize("data", [[], {"name": "x"}, {"nodes": [], "connections": {}}])
def test_not_a_blueprint(data: Any) -> None:
    with pytest.raises(NotAnExport, match="not a Make blueprint"):
        parse_blueprint(data, file="x.json")
