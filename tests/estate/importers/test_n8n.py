"""The n8n importer on small hand-written workflows, one behaviour per test."""

from __future__ import annotations

from typing import Any

import pytest

from flowdrill.estate.importers import NotAnExport
from flowdrill.estate.importers.n8n import parse_workflow
from flowdrill.estate.model import OnError, StepKind, TriggerKind


def node(name: str, node_type: str = "n8n-nodes-base.set", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": node_type if "." in node_type else f"n8n-nodes-base.{node_type}",
        "typeVersion": 1,
        "position": [0, 0],
        "parameters": extra.pop("parameters", {}),
        **extra,
    }


def link(*targets: str) -> list[dict[str, Any]]:
    return [{"node": t, "type": "main", "index": 0} for t in targets]


def workflow(*nodes: dict[str, Any], connections: Any = None, **top: Any) -> dict[str, Any]:
    return {"nodes": list(nodes), "connections": connections or {}, **top}


def steps(data: dict[str, Any]) -> dict[str, Any]:
    return {s.name: s for s in parse_workflow(data, file="wf.json").flow.steps}


def test_nodes_are_keyed_by_name_and_ids_are_slugs() -> None:
    data = workflow(
        node("Start Here", "manualTrigger"),
        node("Ünïcode → Set"),
        connections={"Start Here": {"main": [link("Ünïcode → Set")]}},
    )
    result = parse_workflow(data, file="wf.json")
    assert [s.id for s in result.flow.steps] == ["start-here", "unicode-set"]
    assert result.flow.steps[0].next == ["unicode-set"]
    assert result.flow.id == "n8n.wf" and result.flow.name == "wf"


def test_outputs_with_empty_and_null_slots_and_fan_out() -> None:
    data = workflow(
        node("If", "if"),
        node("A"),
        node("B"),
        connections={"If": {"main": [[], None, link("A", "B"), link("A")]}},
    )
    assert steps(data)["If"].next == ["a", "b"]


def test_continue_error_output_feeds_error_next() -> None:
    data = workflow(
        node(
            "HTTP",
            "httpRequest",
            onError="continueErrorOutput",
            parameters={"url": "https://api.example.com/x"},
        ),
        node("Ok"),
        node("Handle"),
        connections={"HTTP": {"main": [link("Ok"), link("Handle")]}},
    )
    http = steps(data)["HTTP"]
    assert http.on_error is OnError.error_output
    assert http.next == ["ok"] and http.error_next == ["handle"]
    assert http.system == "http:api.example.com"


def test_if_with_error_output_keeps_both_branches() -> None:
    data = workflow(
        node("If", "if", onError="continueErrorOutput"),
        node("T"),
        node("F"),
        node("E"),
        connections={"If": {"main": [link("T"), link("F"), link("E")]}},
    )
    step = steps(data)["If"]
    assert step.next == ["t", "f"] and step.error_next == ["e"]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"onError": "continueRegularOutput"}, OnError.continue_),
        ({"onError": "stopWorkflow"}, OnError.stop),
        ({"continueOnFail": True}, OnError.continue_),
        ({}, OnError.stop),
    ],
)
def test_on_error_settings(settings: dict[str, Any], expected: OnError) -> None:
    assert steps(workflow(node("X", **settings)))["X"].on_error is expected


def test_retry_defaults_and_values() -> None:
    data = workflow(
        node("Default", retryOnFail=True),
        node("Custom", retryOnFail=True, maxTries=5, waitBetweenTries=5000),
        node("Off", retryOnFail=False, maxTries=4),
    )
    found = steps(data)
    assert (found["Default"].retry.max_tries, found["Default"].retry.wait_seconds) == (3, 1.0)
    assert (found["Custom"].retry.max_tries, found["Custom"].retry.wait_seconds) == (5, 5.0)
    assert found["Off"].retry is None


def test_disabled_execute_once_and_always_output_data() -> None:
    data = workflow(node("X", disabled=True, executeOnce=True, alwaysOutputData=True))
    result = parse_workflow(data, file="wf.json")
    assert result.flow.steps[0].disabled is True
    kinds = {f.kind for f in result.findings}
    assert {"execute_once", "always_output_data"} <= kinds


@pytest.mark.parametrize(
    ("node_type", "kind"),
    [
        ("manualTrigger", TriggerKind.manual),
        ("start", TriggerKind.manual),
        ("scheduleTrigger", TriggerKind.schedule),
        ("cron", TriggerKind.schedule),
        ("interval", TriggerKind.schedule),
        ("telegramTrigger", TriggerKind.app_event),
        ("errorTrigger", TriggerKind.error),
        ("executeWorkflowTrigger", TriggerKind.subflow),
        ("formTrigger", TriggerKind.form),
        ("@n8n/n8n-nodes-langchain.chatTrigger", TriggerKind.chat),
        ("webhook", TriggerKind.webhook),
    ],
)
def test_trigger_kinds(node_type: str, kind: TriggerKind) -> None:
    result = parse_workflow(workflow(node("T", node_type)), file="wf.json")
    step = result.flow.steps[0]
    assert step.kind is StepKind.trigger and step.trigger is not None
    assert step.trigger.kind is kind and result.flow.trigger.kind is kind


def test_app_trigger_names_its_system() -> None:
    step = steps(workflow(node("T", "telegramTrigger")))["T"]
    assert step.system == "telegram" and step.trigger.system == "telegram"


def test_webhook_authentication_and_finding() -> None:
    data = workflow(
        node("Open", "webhook", parameters={"httpMethod": "POST", "path": "secret-path"}),
        node("Closed", "webhook", parameters={"authentication": "headerAuth"}),
    )
    result = parse_workflow(data, file="wf.json")
    found = {s.name: s for s in result.flow.steps}
    assert found["Open"].trigger.authenticated is False
    assert found["Closed"].trigger.authenticated is True
    open_findings = [f for f in result.findings if f.kind == "unauthenticated_webhook"]
    assert [f.location for f in open_findings] == ["nodes['Open']"]
    assert "secret-path" not in result.flow.model_dump_json()


def test_schedule_text() -> None:
    data = workflow(
        node(
            "Cron",
            "scheduleTrigger",
            parameters={
                "rule": {"interval": [{"field": "cronExpression", "expression": "0 9 * * 1"}]}
            },
        ),
        node(
            "Hourly",
            "scheduleTrigger",
            parameters={"rule": {"interval": [{"field": "hours", "hoursInterval": 2}]}},
        ),
    )
    found = steps(data)
    assert found["Cron"].trigger.schedule == "0 9 * * 1"
    assert found["Hourly"].trigger.schedule == "every 2 hours"


def test_flow_trigger_prefers_production_entry_points() -> None:
    data = workflow(node("Manual", "manualTrigger"), node("Every day", "scheduleTrigger"))
    assert parse_workflow(data, file="wf.json").flow.trigger.kind is TriggerKind.schedule


def test_no_trigger_is_other() -> None:
    assert (
        parse_workflow(workflow(node("X")), file="wf.json").flow.trigger.kind is TriggerKind.other
    )


def test_ai_links_point_from_sub_node_to_root() -> None:
    data = workflow(
        node("Chat", "@n8n/n8n-nodes-langchain.chatTrigger"),
        node("Agent", "@n8n/n8n-nodes-langchain.agent"),
        node(
            "Model",
            "@n8n/n8n-nodes-langchain.lmChatOpenAi",
            credentials={"openAiApi": {"id": "c1", "name": "OpenAI"}},
        ),
        connections={
            "Chat": {"main": [link("Agent")]},
            "Model": {
                "ai_languageModel": [[{"node": "Agent", "type": "ai_languageModel", "index": 0}]]
            },
        },
    )
    result = parse_workflow(data, file="wf.json")
    found = {s.name: s for s in result.flow.steps}
    assert found["Model"].next == ["agent"] and found["Agent"].next == []
    assert found["Model"].system == "openai"
    assert found["Model"].credential == "n8n-cred:openAiApi:c1"
    assert [c.system for c in result.credentials] == ["openai"]


def test_credentials_object_and_legacy_string_forms() -> None:
    data = workflow(
        node("A", "slack", credentials={"slackApi": {"id": "7", "name": "Slack bot"}}),
        node("B", "slack", credentials={"slackApi": "Slack legacy"}),
        node("C", "gmail", credentials={"gmailOAuth2": {"name": "Gmail (jane.doe@example.com)"}}),
    )
    result = parse_workflow(data, file="wf.json")
    names = {c.name for c in result.credentials}
    assert "Slack bot" in names and "Slack legacy" in names
    assert not any("jane.doe" in n for n in names)
    assert "jane.doe@example.com" not in result.flow.model_dump_json()
    assert any(f.kind == "credential_name_has_email" for f in result.findings)
    assert len({c.id for c in result.credentials}) == 3


def test_expression_references_become_data_dependencies() -> None:
    data = workflow(
        node("Fetch"),
        node("Other"),
        node(
            "Use",
            parameters={
                "a": "={{ $('Fetch').item.json.id }}",
                "b": {"c": '={{ $node["Other"].json.x }} {{ $items("Fetch") }}'},
                "d": "={{ $('Missing').item }}",
            },
        ),
        node("Code", "code", parameters={"jsCode": "const x = $('Use').all();"}),
    )
    found = steps(data)
    assert found["Use"].uses_data_from == ["fetch", "other"]
    assert found["Code"].uses_data_from == ["use"]


def test_sticky_notes_are_notes_not_steps() -> None:
    data = workflow(
        node("Note", "stickyNote", parameters={"content": "## Owner: integrations team"}),
        node("X"),
    )
    result = parse_workflow(data, file="wf.json")
    assert [s.name for s in result.flow.steps] == ["X"]
    assert result.flow.notes == ["## Owner: integrations team"]


def test_dangling_names_and_duplicate_nodes_are_tolerated() -> None:
    data = workflow(
        node("A"),
        node("A"),
        node("B"),
        connections={
            "A": {"main": [link("B", "Nowhere")]},
            "Ghost": {"main": [link("B")]},
            "B": {"main": None},
        },
    )
    result = parse_workflow(data, file="wf.json")
    assert [s.id for s in result.flow.steps] == ["a", "a-2", "b"]
    assert result.flow.steps[0].next == ["b"]
    kinds = [f.kind for f in result.findings]
    assert kinds.count("dangling_connection") == 2 and "duplicate_node_name" in kinds


def test_sub_workflow_links_are_left_for_the_batch() -> None:
    data = workflow(
        node(
            "Call RL",
            "executeWorkflow",
            parameters={
                "workflowId": {
                    "__rl": True,
                    "value": "abc",
                    "mode": "list",
                    "cachedResultName": "Child",
                }
            },
        ),
        node("Call str", "executeWorkflow", parameters={"workflowId": "def"}),
        node("Call self", "executeWorkflow", parameters={"workflowId": "={{ $workflow.id }}"}),
        node("Call expr", "executeWorkflow", parameters={"workflowId": "={{ $json.id }}"}),
        node(
            "Tool",
            "@n8n/n8n-nodes-langchain.toolWorkflow",
            parameters={"workflowId": {"__rl": True, "value": "ghi", "mode": "id"}},
        ),
        settings={"errorWorkflow": "err1"},
        id="wf1",
    )
    result = parse_workflow(data, file="wf.json")
    assert result.subflow_calls == {"call-rl": "abc", "call-str": "def", "tool": "ghi"}
    assert result.callee_names == {"abc": "Child"}
    assert result.error_workflow == "err1"
    found = {s.name: s for s in result.flow.steps}
    assert found["Call self"].calls_flow == result.flow.id
    assert found["Call RL"].kind is StepKind.subflow
    assert any(
        f.kind == "unresolved_subflow" and "run time" in (f.detail or "") for f in result.findings
    )


def test_http_host_and_unknown_host() -> None:
    data = workflow(
        node(
            "Literal",
            "httpRequest",
            parameters={
                "url": "https://user:pw@API.Example.com:8443/v1?token=abc",
                "method": "POST",
            },
        ),
        node("Expr", "httpRequest", parameters={"url": "={{ $json.url }}"}),
        node(
            "Partly",
            "httpRequest",
            parameters={"url": "=https://api.telegram.org/bot{{ $json.t }}/send"},
        ),
    )
    result = parse_workflow(data, file="wf.json")
    found = {s.name: s for s in result.flow.steps}
    assert found["Literal"].system == "http:api.example.com"
    assert found["Literal"].operation == "POST"
    assert found["Expr"].system == "http:unknown-host"
    assert found["Partly"].system == "http:api.telegram.org"
    text = result.flow.model_dump_json() + str([s.model_dump() for s in result.systems])
    assert "pw" not in text.replace("pwd", "") and "abc" not in text


def test_resource_locators_name_datasets() -> None:
    data = workflow(
        node(
            "Sheet",
            "googleSheets",
            parameters={
                "operation": "append",
                "documentId": {
                    "__rl": True,
                    "value": "1AbC",
                    "mode": "list",
                    "cachedResultName": "Leads",
                },
                "sheetName": {
                    "__rl": True,
                    "value": "gid=0",
                    "mode": "list",
                    "cachedResultName": "Sheet1",
                },
            },
        ),
        node(
            "Read",
            "googleSheets",
            parameters={
                "documentId": {
                    "__rl": True,
                    "value": "1AbC",
                    "mode": "list",
                    "cachedResultName": "Leads",
                },
                "sheetName": {
                    "__rl": True,
                    "value": "gid=0",
                    "mode": "list",
                    "cachedResultName": "Sheet1",
                },
            },
        ),
    )
    result = parse_workflow(data, file="wf.json")
    assert [d.name for d in result.datasets] == ["Leads / Sheet1"]
    found = {s.name: s for s in result.flow.steps}
    assert found["Sheet"].touchpoints[0].access.value == "write"
    assert found["Read"].touchpoints[0].access.value == "read"
    assert found["Sheet"].touchpoints[0].dataset == result.datasets[0].id


def test_unknown_types_are_generic_connectors() -> None:
    result = parse_workflow(workflow(node("X", "n8n-nodes-acme.widget")), file="wf.json")
    assert result.flow.steps[0].kind is StepKind.connector
    assert result.unknown_types == ["n8n-nodes-acme.widget"]


def test_identity_uses_instance_and_id_else_the_file() -> None:
    with_id = workflow(node("X"), id="abc", name="Orders", meta={"instanceId": "f00d" * 16})
    assert parse_workflow(with_id, file="a.json").identity == "n8n:" + "f00d" * 16 + ":abc"
    assert parse_workflow(workflow(node("X")), file="b.json").identity == "n8n:file:b.json"
    result = parse_workflow(with_id, file="a.json")
    assert result.platform.id == "n8n-f00df00d" and result.flow.platform == result.platform.id


def test_inactive_workflow_is_disabled_and_tags_are_notes() -> None:
    data = workflow(node("X"), active=False, tags=[{"name": "billing"}, "ops"])
    result = parse_workflow(data, file="wf.json")
    assert result.flow.enabled is False
    assert result.flow.notes == ["Tags: billing, ops"]


def test_pin_data_is_dropped_and_recorded() -> None:
    data = workflow(node("X"), pinData={"X": [{"json": {"token": "tok_live_123456789"}}]})
    result = parse_workflow(data, file="wf.json")
    assert any(f.kind == "secret_redacted" and f.location == "pinData" for f in result.findings)
    assert "tok_live" not in result.flow.model_dump_json()


def test_hard_coded_header_secret_is_a_finding_with_the_node_name() -> None:
    data = workflow(
        node(
            "Call API",
            "httpRequest",
            parameters={
                "url": "https://api.example.com",
                "headerParameters": {
                    "parameters": [
                        {"name": "Authorization", "value": "Bearer abcdef1234567890abcdef"},
                        {"name": "x-api-key", "value": "={{ $env.KEY }}"},
                    ]
                },
            },
        )
    )
    result = parse_workflow(data, file="wf.json")
    secrets = [f for f in result.findings if f.kind == "secret_redacted"]
    assert len(secrets) == 1
    assert secrets[0].location.startswith("nodes['Call API'].parameters.headerParameters")
    assert "abcdef1234567890" not in str(secrets[0])
    assert any(f.kind == "uses_env_vars" and f.detail == "KEY" for f in result.findings)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([{"id": "1", "type": "inject", "z": "t", "wires": []}], "Node-RED"),
        ("text", "JSON string"),
        ({'"nodes"': "["}, 'quoted JSON fragments ("\\"nodes\\"")'),
        ({"name": "x"}, 'no "nodes" list'),
        ({"flow": []}, "Make blueprint"),
        ({"nodes": {}}, '"nodes" is a object'),
    ],
)
def test_not_an_n8n_workflow(data: Any, message: str) -> None:
    with pytest.raises(NotAnExport, match="not an n8n workflow") as info:
        parse_workflow(data, file="x.json")
    assert message in str(info.value)
    assert "\n" not in str(info.value)
