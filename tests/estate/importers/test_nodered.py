"""The Node-RED importer on small hand-written flows, one behaviour per test."""

from __future__ import annotations

from typing import Any

import pytest

from flowdrill.estate.importers import NotAnExport
from flowdrill.estate.importers.nodered import parse_flows
from flowdrill.estate.importers.result import ImportedWorkflow
from flowdrill.estate.model import OnError, StepKind, TriggerKind


def n(
    node_id: str, node_type: str, z: str = "t1", wires: Any = None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": node_type,
        "z": z,
        "x": 0,
        "y": 0,
        "wires": wires if wires is not None else [],
        **extra,
    }


def tab(tab_id: str = "t1", label: str = "Orders", **extra: Any) -> dict[str, Any]:
    return {"id": tab_id, "type": "tab", "label": label, **extra}


def by_name(workflow: ImportedWorkflow) -> dict[str, Any]:
    return {s.name or s.id: s for s in workflow.flow.steps}


def test_flat_array_and_rev_wrapper_give_the_same_flows() -> None:
    flows = [tab(), n("a", "inject", wires=[["b"]], name="tick"), n("b", "debug", name="out")]
    plain = parse_flows(flows, file="f.json")
    wrapped = parse_flows({"rev": "abc", "flows": flows}, file="f.json")
    assert [w.flow for w in plain] == [w.flow for w in wrapped]
    assert plain[0].flow.name == "Orders" and plain[0].flow.id == "nodered.orders"
    assert by_name(plain[0])["tick"].next == ["out"]


def test_one_flow_per_tab_and_disabled_tabs() -> None:
    flows = [
        tab("t1", "One"),
        tab("t2", "Two", disabled=True),
        n("a", "inject", "t1"),
        n("b", "inject", "t2"),
        n("c", "debug", "t2", d=True),
    ]
    one, two = parse_flows(flows, file="f.json")
    assert (one.flow.enabled, two.flow.enabled) == (True, False)
    assert [s.disabled for s in two.flow.steps] == [False, True]
    assert one.identity == "nodered:tab:t1"


def test_tab_less_export_is_grouped_by_z() -> None:
    flows = [n("a", "inject", "gone1", [["b"]]), n("b", "debug", "gone1"), n("c", "debug", "gone2")]
    first, second = parse_flows(flows, file="export.json")
    assert first.flow.name == "export (1)" and len(first.flow.steps) == 2
    assert second.identity == "nodered:file:export.json:gone2"


def test_inject_schedule_and_http_in() -> None:
    flows = [
        tab(),
        n("a", "inject", repeat="60", name="every minute"),
        n("b", "inject", crontab="0 8 * * *", name="daily"),
        n("c", "inject", name="button"),
        n("d", "http in", name="hook", url="/orders", method="post"),
    ]
    found = by_name(parse_flows(flows, file="f.json")[0])
    assert found["every minute"].trigger.schedule == "every 60 seconds"
    assert found["daily"].trigger.schedule == "0 8 * * *"
    assert found["button"].trigger.kind is TriggerKind.manual
    assert found["hook"].trigger.kind is TriggerKind.webhook


def test_subflow_definition_and_instances() -> None:
    flows = [
        tab(),
        {
            "id": "sf",
            "type": "subflow",
            "name": "Notify",
            "in": [{"wires": [{"id": "s1"}]}],
            "out": [],
            "env": [],
        },
        n("s1", "function", "sf", name="format"),
        n("i1", "subflow:sf", name="notify ops"),
        n("i2", "subflow:elsewhere", name="other file"),
    ]
    main, subflow = parse_flows(flows, file="f.json")
    assert subflow.flow.trigger.kind is TriggerKind.subflow
    assert subflow.identity == "nodered:subflow:sf"
    found = by_name(main)
    assert found["notify ops"].kind is StepKind.subflow
    assert found["notify ops"].calls_flow == subflow.flow.id
    assert main.subflow_calls == {found["other file"].id: "elsewhere"}


def test_links_within_and_across_tabs() -> None:
    flows = [
        tab("t1", "A"),
        tab("t2", "B"),
        n("out1", "link out", "t1", links=["in1", "in2", "missing"], name="send"),
        n("in1", "link in", "t1", links=["out1"], name="here"),
        n("in2", "link in", "t2", links=["out1"], wires=[["d"]], name="there"),
        n("d", "debug", "t2"),
        n("call", "link call", "t1", links=["in1"], name="call"),
    ]
    first, second = parse_flows(flows, file="f.json")
    found = by_name(first)
    assert found["send"].next == ["here"]
    assert found["send"].calls_flow == second.flow.id
    assert found["call"].next == ["here"]
    assert any(f.kind == "dangling_link" for f in first.findings)
    assert second.flow.trigger.kind is TriggerKind.subflow


def test_catch_scopes_add_error_edges() -> None:
    flows = [
        tab(),
        n("a", "function", name="a", g="grp"),
        n("b", "http request", name="b", url="https://api.example.com/x"),
        n("c", "function", name="c"),
        {"id": "grp", "type": "group", "z": "t1", "nodes": ["a", "catchg"], "x": 0, "y": 0},
        n("catchall", "catch", name="all", scope=None),
        n("catchlist", "catch", name="list", scope=["b"]),
        n("catchg", "catch", name="grp", scope="group", g="grp"),
        n("st", "status", name="st", scope=["c"]),
        n("done", "complete", name="done", scope=["a"]),
    ]
    found = by_name(parse_flows(flows, file="f.json")[0])
    assert found["a"].error_next == ["all", "grp"]
    assert found["b"].error_next == ["all", "list"]
    assert found["b"].on_error is OnError.error_output
    assert found["c"].next == ["st"]
    assert found["a"].next == ["done"]
    assert found["all"].error_next == []


def test_connectors_without_catch_only_log_errors() -> None:
    flows = [tab(), n("b", "http request", name="b", url="https://x.example.com")]
    workflow = parse_flows(flows, file="f.json")[0]
    assert any(f.kind == "errors_only_logged" for f in workflow.findings)


def test_config_nodes_become_systems() -> None:
    flows = [
        tab(),
        {
            "id": "broker",
            "type": "mqtt-broker",
            "name": "main",
            "broker": "mqtt.example.com",
            "port": "1883",
            "usetls": False,
        },
        {"id": "ha", "type": "server", "name": "Home Assistant", "addon": True},
        n("m", "mqtt in", name="sensor", broker="broker", topic="x"),
        n("h", "api-call-service", name="light", server="ha"),
    ]
    workflow = parse_flows(flows, file="f.json")[0]
    found = by_name(workflow)
    assert found["sensor"].system == "mqtt:mqtt.example.com"
    assert found["sensor"].trigger.system == "mqtt:mqtt.example.com"
    assert found["light"].system == "home-assistant:home-assistant"
    assert {s.kind.value for s in workflow.systems} == {"message_broker", "iot"}
    assert any(f.kind == "no_tls" for f in workflow.findings)


def test_credentials_are_dropped_and_literal_passwords_found() -> None:
    flows = [
        tab(),
        {
            "id": "db",
            "type": "postgreSQLConfig",
            "host": "db.internal",
            "user": "app",
            "password": "hunter2hunter2",
        },
        n(
            "q",
            "postgresql",
            name="query",
            postgreSQLConfig="db",
            credentials={"user": "app", "password": "s3cret-pass"},
        ),
    ]
    workflow = parse_flows(flows, file="f.json")[0]
    text = workflow.flow.model_dump_json() + str(workflow.systems)
    assert "hunter2" not in text and "s3cret" not in text
    kinds = [f.kind for f in workflow.findings]
    assert kinds.count("plaintext_credential") == 2
    assert "secret_redacted" in kinds
    assert by_name(workflow)["query"].system == "postgres:db.internal"


def test_environment_variables_and_global_context_are_findings() -> None:
    flows = [
        tab(env=[{"name": "REGION", "type": "str", "value": "eu"}]),
        n("a", "http request", url="https://${API_HOST}/x"),
        n("f", "function", func="const k = env.get('API_KEY'); global.set('last', k);"),
        n("c", "change", rules=[{"t": "set", "tot": "env", "to": "MODE"}], toType="env"),
    ]
    workflow = parse_flows(flows, file="f.json")[0]
    env = next(f for f in workflow.findings if f.kind == "uses_env_vars")
    assert env.detail is not None
    assert {"REGION", "API_HOST", "API_KEY"} <= set(env.detail.split(", "))
    assert any(f.kind == "global_context" and "last" in (f.detail or "") for f in workflow.findings)


def test_unknown_node_types_are_listed() -> None:
    workflow = parse_flows([tab(), n("a", "acme-widget")], file="f.json")[0]
    assert workflow.unknown_types == ["acme-widget"]
    assert workflow.flow.steps[0].kind is StepKind.connector


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"nodes": [], "connections": {}}, "n8n workflow"),
        ({"rev": "1"}, "expected a JSON list"),
        ({"$": "0123abcd"}, "credentials file"),
        ({"n1": {"user": "u", "password": "p"}}, "credentials are never imported"),
        (42, "expected a JSON list"),
        ([1, "x", {"id": "a"}], "no objects with an id and a type"),
    ],
)
def test_not_a_nodered_flow(data: Any, message: str) -> None:
    with pytest.raises(NotAnExport, match="not a Node-RED flow") as info:
        parse_flows(data, file="x.json")
    assert message in str(info.value)
