"""The node type catalogue is consistent: every system it names exists, every kind is valid."""

from __future__ import annotations

from importlib import resources

import yaml

from flowdrill.estate.importers.catalog import catalog
from flowdrill.estate.model import StepKind, TriggerKind


def test_catalogue_entries_name_known_systems_and_kinds() -> None:
    text = (resources.files("flowdrill.estate.importers") / "node_types.yaml").read_text()
    data = yaml.safe_load(text)
    systems = set(data["systems"])
    for section in ("n8n", "nodered", "make"):
        for node_type, entry in data[section].items():
            entry = entry or {}
            assert set(entry) <= {"system", "step", "trigger", "http"}, node_type
            if "system" in entry:
                assert entry["system"] in systems, f"{section}: {node_type}"
            if "step" in entry:
                StepKind(entry["step"])
            if "trigger" in entry:
                TriggerKind(entry["trigger"])
    assert catalog().systems.keys() == systems


def test_lookups_fall_back_for_trigger_and_tool_variants() -> None:
    types = catalog()
    trigger = types.n8n("n8n-nodes-base.gmailTrigger")
    assert (trigger.step, trigger.trigger, trigger.system) == (
        StepKind.trigger,
        TriggerKind.app_event,
        "gmail",
    )
    tool = types.n8n("n8n-nodes-base.googleSheetsTool")
    assert (tool.step, tool.system) == (StepKind.connector, "google-sheets")
    assert not types.n8n("n8n-nodes-acme.thing").known
    assert types.make("google-sheets:addRow").system == "google-sheets"
    assert types.nodered("http in").trigger is TriggerKind.webhook
