"""The node type catalogue (``node_types.yaml``): what a native type means for the estate.

Kept as data so adding a connector is a one-line change reviewed by people who know the
platform, not a code change. Read once per process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from flowdrill.estate.model import StepKind, SystemKind, TriggerKind

N8N_BASE = "n8n-nodes-base."


@dataclass(frozen=True)
class SystemSpec:
    id: str
    name: str
    kind: SystemKind
    vendor: str | None = None


@dataclass(frozen=True)
class TypeInfo:
    """What one native type is: its step kind, trigger kind, system, and whether we know it."""

    step: StepKind
    trigger: TriggerKind | None = None
    system: str | None = None
    http: bool = False
    known: bool = True


@dataclass(frozen=True)
class ConfigSpec:
    """A Node-RED config node type that stands for an external system."""

    system: str
    kind: SystemKind
    name: str
    host: str | None = None
    tls: str | None = None


UNKNOWN = TypeInfo(StepKind.connector, known=False)


def _info(entry: dict[str, Any]) -> TypeInfo:
    trigger = TriggerKind(entry["trigger"]) if entry.get("trigger") else None
    system = entry.get("system") or None
    if trigger is not None:
        step = StepKind.trigger
    elif entry.get("step"):
        step = StepKind(entry["step"])
    else:
        step = StepKind.connector if system else StepKind.transform
    return TypeInfo(step, trigger, system, bool(entry.get("http")))


class Catalog:
    """Lookups over the parsed catalogue file."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.systems = {
            key: SystemSpec(key, value["name"], SystemKind(value["kind"]), value.get("vendor"))
            for key, value in (data.get("systems") or {}).items()
        }
        self._n8n = {k: _info(v or {}) for k, v in (data.get("n8n") or {}).items()}
        self._nodered = {k: _info(v or {}) for k, v in (data.get("nodered") or {}).items()}
        self._make = {k: _info(v or {}) for k, v in (data.get("make") or {}).items()}
        self._config = {
            k: ConfigSpec(
                v["system"], SystemKind(v["kind"]), v["name"], v.get("host"), v.get("tls")
            )
            for k, v in (data.get("nodered_config") or {}).items()
        }

    def _n8n_exact(self, node_type: str) -> TypeInfo | None:
        found = self._n8n.get(node_type)
        if found is None and node_type.startswith(N8N_BASE):
            found = self._n8n.get(node_type[len(N8N_BASE) :])
        return found

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one catalogue per process
    def n8n(self, node_type: str) -> TypeInfo:
        """``n8n-nodes-base.telegramTrigger`` -> trigger, app_event, system telegram."""
        found = self._n8n_exact(node_type)
        if found is not None:
            return found
        package, _, short = node_type.rpartition(".")
        if short.endswith("Trigger") and len(short) > len("Trigger"):
            base = self._n8n_exact(f"{package}.{short[: -len('Trigger')]}")
            system = base.system if base else None
            return TypeInfo(StepKind.trigger, TriggerKind.app_event, system, known=base is not None)
        if short.endswith("Tool") and len(short) > len("Tool"):
            base = self._n8n_exact(f"{package}.{short[: -len('Tool')]}")
            if base is not None:
                step = StepKind.connector if base.system or base.http else base.step
                return TypeInfo(step, None, base.system, base.http)
        return UNKNOWN

    def nodered(self, node_type: str) -> TypeInfo:
        return self._nodered.get(node_type, UNKNOWN)

    def config(self, node_type: str) -> ConfigSpec | None:
        return self._config.get(node_type)

    def make(self, module: str) -> TypeInfo:
        """``google-sheets:addRow`` -> by full name, else by app prefix."""
        found = self._make.get(module)
        if found is None:
            found = self._make.get(module.partition(":")[0])
        return found or UNKNOWN


@functools.cache
def catalog() -> Catalog:
    text = (resources.files(__package__ or "") / "node_types.yaml").read_text(encoding="utf-8")
    return Catalog(yaml.safe_load(text))
