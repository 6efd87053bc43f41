"""Every valid corpus file imports, and its graph matches an independent count.

The counting functions here are deliberately written from the format description
(FORMAT_SUMMARY.md), not from the importer: steps, edges (implicit Node-RED edges included) and
trigger kinds are counted straight from the raw JSON and compared with what was imported.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from flowdrill.estate.importers.n8n import parse_workflow
from flowdrill.estate.importers.nodered import parse_flows
from flowdrill.estate.model import Flow

from .corpus import N8N_VALID, NODERED_VALID, load

# --------------------------------------------------------------------------- n8n, counted by hand

N8N_TRIGGERS = {
    "manualTrigger": "manual",
    "start": "manual",
    "manualChatTrigger": "manual",
    "webhook": "webhook",
    "mcpTrigger": "webhook",
    "scheduleTrigger": "schedule",
    "cron": "schedule",
    "interval": "schedule",
    "errorTrigger": "error",
    "executeWorkflowTrigger": "subflow",
    "formTrigger": "form",
    "chatTrigger": "chat",
    "emailReadImap": "polling",
    "rssFeedReadTrigger": "polling",
    "amqpTrigger": "message",
    "rabbitmqTrigger": "message",
    "kafkaTrigger": "message",
    "mqttTrigger": "message",
    "sseTrigger": "message",
}


def n8n_trigger_kind(node_type: str) -> str | None:
    short = node_type.rsplit(".", 1)[-1]
    if short in N8N_TRIGGERS:
        return N8N_TRIGGERS[short]
    return "app_event" if short.endswith("Trigger") else None


def count_n8n(data: dict[str, Any]) -> tuple[int, int, list[str]]:
    """(steps, distinct source->target pairs, sorted trigger kinds of trigger nodes)."""
    nodes = [n for n in data["nodes"] if not n["type"].endswith("stickyNote")]
    names = {n["name"] for n in nodes}
    pairs = set()
    for source, by_type in (data.get("connections") or {}).items():
        for outputs in (by_type or {}).values():
            for slot in outputs or []:
                for target in slot or []:
                    if source in names and target.get("node") in names:
                        pairs.add((source, target["node"]))
    kinds = [k for k in (n8n_trigger_kind(n["type"]) for n in nodes) if k]
    return len(nodes), len(pairs), sorted(kinds)


def edges(flows: list[Flow]) -> int:
    return sum(len(set(s.next) | set(s.error_next)) for f in flows for s in f.steps)


def trigger_kinds(flows: list[Flow]) -> list[str]:
    return sorted(s.trigger.kind.value for f in flows for s in f.steps if s.trigger)


@pytest.mark.parametrize("path", N8N_VALID, ids=lambda p: p.name[:30])
def test_n8n_file_matches_independent_count(path: Path) -> None:
    data = load(path)
    before = copy.deepcopy(data)
    workflow = parse_workflow(data, file=path.name)
    assert data == before, "the importer must not modify its input"
    steps, pairs, kinds = count_n8n(data)
    assert len(workflow.flow.steps) == steps
    assert edges([workflow.flow]) == pairs
    assert trigger_kinds([workflow.flow]) == kinds
    expected_flow_kind = workflow.flow.trigger.kind.value
    assert expected_flow_kind in kinds or (not kinds and expected_flow_kind == "other")


# --------------------------------------------------------------------------- Node-RED, by hand

NOT_STEPS = {"tab", "subflow", "group", "comment"}
NODERED_TRIGGERS = {
    "http in": "webhook",
    "mqtt in": "message",
    "websocket in": "message",
    "tcp in": "message",
    "udp in": "message",
    "server-state-changed": "app_event",
    "trigger-state": "app_event",
    "server-events": "app_event",
    "watch": "app_event",
    "poll-state": "polling",
    "e-mail in": "polling",
    "ha-time": "schedule",
    "calendar-trigger": "schedule",
    "schedex": "schedule",
    "cronplus": "schedule",
}
UI_INPUTS = {"ui_button", "ui-button", "ui_switch", "ui-switch", "ui_slider", "ui-slider"}
UI_INPUTS |= {"ui-text-input", "ui_text_input"}


def nodered_trigger_kind(node: dict[str, Any]) -> str | None:
    if node["type"] == "inject":
        return "schedule" if node.get("repeat") or node.get("crontab") else "manual"
    if node["type"] in UI_INPUTS:
        return "manual"
    return NODERED_TRIGGERS.get(node["type"])


def count_nodered(data: Any) -> tuple[int, int, list[str]]:
    """(steps, distinct source->target pairs including link and scope edges, trigger kinds)."""
    items = data["flows"] if isinstance(data, dict) else data
    regular = {
        n["id"]: n for n in items if ("wires" in n or "x" in n) and n["type"] not in NOT_STEPS
    }
    pairs = set()

    def add(source: str, target: str) -> None:
        if (
            target in regular
            and source in regular
            and regular[source].get("z") == regular[target].get("z")
        ):
            pairs.add((source, target))

    in_group: dict[str, list[str]] = {}
    for node in items:
        if node.get("g"):
            in_group.setdefault(node["g"], []).append(node["id"])

    def group_members(group: str) -> list[str]:
        members = list(in_group.get(group, []))
        for member in list(members):
            if any(n["id"] == member and n["type"] == "group" for n in items):
                members += group_members(member)
        return members

    observers = {"catch", "status", "complete"}
    for node in regular.values():
        for output in node.get("wires") or []:
            for target in output:
                add(node["id"], target)
        if node["type"] in ("link out", "link call") and node.get("mode") != "return":
            for target in node.get("links") or []:
                add(node["id"], target)
        if node["type"] == "link in":
            for source in node.get("links") or []:
                if regular.get(source, {}).get("mode") != "return":
                    add(source, node["id"])
        if node["type"] in observers:
            scope = node.get("scope")
            if scope in (None, "", "all"):
                watched = [i for i, n in regular.items() if n.get("z") == node.get("z")]
            elif scope == "group":
                watched = group_members(node["g"]) if node.get("g") else []
            else:
                watched = scope
            for target in watched:
                if target in regular and regular[target]["type"] not in observers:
                    add(target, node["id"])
    kinds = [k for k in (nodered_trigger_kind(n) for n in regular.values()) if k]
    return len(regular), len(pairs), sorted(kinds)


@pytest.mark.parametrize("path", NODERED_VALID, ids=lambda p: p.name[:30])
def test_nodered_file_matches_independent_count(path: Path) -> None:
    data = load(path)
    before = copy.deepcopy(data)
    workflows = parse_flows(data, file=path.name)
    assert data == before, "the importer must not modify its input"
    steps, pairs, kinds = count_nodered(data)
    flows = [w.flow for w in workflows]
    assert sum(len(f.steps) for f in flows) == steps
    assert edges(flows) == pairs
    assert trigger_kinds(flows) == kinds


def test_corpus_is_all_there() -> None:
    assert len(N8N_VALID) == 151
    assert len(NODERED_VALID) == 30
