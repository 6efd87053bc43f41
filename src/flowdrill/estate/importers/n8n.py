"""n8n workflow export -> one flow (pure: parsed JSON in, :class:`ImportedWorkflow` out).

Nodes are keyed by *name* (ids are missing in older exports and ``connections`` only uses
names). Secrets are redacted before anything is read, and nothing from parameters is kept but
URL hosts, resource names and the names of the nodes an expression reads from.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePath
from typing import Any

from pydantic import ValidationError

from flowdrill.estate.importers.catalog import TypeInfo, catalog
from flowdrill.estate.importers.common import (
    Fragment,
    dict_of,
    node_location,
    operation_of,
    redacted,
    short_hash,
    slugify,
    text_of,
    touchpoint,
    unique,
    url_host,
)
from flowdrill.estate.importers.errors import NotAnExport
from flowdrill.estate.importers.result import ImportedWorkflow
from flowdrill.estate.model import (
    Flow,
    OnError,
    Platform,
    PlatformKind,
    StepKind,
    TriggerKind,
)
from flowdrill.estate.redact import mask_emails

DROP = {"pinData": "pinned data", "staticData": "static data"}
STICKY = "n8n-nodes-base.stickyNote"
#: Which trigger stands for the flow when it has several: the one production traffic uses.
TRIGGER_PRIORITY = (
    TriggerKind.webhook,
    TriggerKind.app_event,
    TriggerKind.form,
    TriggerKind.chat,
    TriggerKind.message,
    TriggerKind.polling,
    TriggerKind.schedule,
    TriggerKind.subflow,
    TriggerKind.error,
    TriggerKind.other,
    TriggerKind.manual,
)
ON_ERROR = {
    "continueRegularOutput": OnError.continue_,
    "continueErrorOutput": OnError.error_output,
    "stopWorkflow": OnError.stop,
}
#: Parameters whose resource locator names the data a step reads or writes.
RESOURCE_KEYS = (
    "documentId",
    "sheetName",
    "base",
    "table",
    "tableId",
    "databaseId",
    "database",
    "pageId",
    "channelId",
    "folderId",
    "fileId",
    "driveId",
    "calendar",
    "listId",
    "boardId",
    "projectId",
    "collection",
    "pineconeIndex",
    "qdrantCollection",
    "tableName",
)
SUBFLOW_TYPES = ("n8n-nodes-base.executeWorkflow", "@n8n/n8n-nodes-langchain.toolWorkflow")
#: Node names in expressions, matched in the JSON text of a node's parameters (one C-speed
#: serialisation instead of a Python walk), so quotes may come escaped: ``$node[\"A\"]``.
_NODE_REF = re.compile(
    r"""\$\(\s*(\\?['"`])(.+?)\1\s*\)|\$node\s*\[\s*(\\?['"`])(.+?)\3\s*\]"""
    r"""|\$items\(\s*(\\?['"`])(.+?)\5"""
)
_ENV_REF = re.compile(
    r"""\$env\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*\\?['"]([^'"\\]+)\\?['"])"""
)
_NODES_INDEX = re.compile(r"^nodes\[(\d+)\]")


def parse_workflow(data: Any, *, file: str, sha256: str | None = None) -> ImportedWorkflow:
    """Import one n8n workflow export; raise :class:`NotAnExport` if it is not one."""
    nodes_raw = _check_shape(data)
    cleaned, redactions = redacted(data, drop=DROP)
    nodes = cleaned.get("nodes") if isinstance(cleaned, dict) else None
    if not isinstance(nodes, list):  # pragma: no cover - redaction keeps the shape
        nodes = nodes_raw
    frag = Fragment(file)
    names = [_node_name(n, i) for i, n in enumerate(nodes)]
    for item in redactions:
        location = _NODES_INDEX.sub(lambda m: node_location(names[int(m[1])]), item.location)
        frag.finding("secret_redacted", location, item.kind)
    try:
        return _Parser(cleaned, nodes, names, frag, file, sha256).run()
    except ValidationError as exc:  # pragma: no cover - a bug, but still one clear line
        raise NotAnExport(f"cannot import this n8n workflow: {_first_error(exc)}") from None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(map(str, error['loc']))}: {error['msg']}"


def _check_shape(data: Any) -> list[Any]:
    if isinstance(data, list):
        hint = ""
        if any(isinstance(n, dict) and ("wires" in n or "z" in n) for n in data[:50]):
            hint = " (it looks like a Node-RED flow: use 'flowdrill import nodered')"
        raise NotAnExport(f"not an n8n workflow: the file holds a JSON list, not an object{hint}")
    if not isinstance(data, dict):
        raise NotAnExport(
            f"not an n8n workflow: the file holds a JSON {_kind(data)}, not an object"
        )
    quoted = [k for k in data if isinstance(k, str) and len(k) > 1 and k[0] == k[-1] == '"']
    if quoted:
        shown = next((k for k in quoted if "nodes" in k), quoted[0])
        raise NotAnExport(
            f"not an n8n workflow: keys look like quoted JSON fragments ({json.dumps(shown)}); "
            "the file was probably converted from text"
        )
    if "nodes" not in data:
        hint = ""
        if isinstance(data.get("flow"), list):
            hint = " (it looks like a Make blueprint: use 'flowdrill import make')"
        elif isinstance(data.get("flows"), list):
            hint = " (it looks like a Node-RED flow: use 'flowdrill import nodered')"
        raise NotAnExport(f'not an n8n workflow: no "nodes" list{hint}')
    nodes = data["nodes"]
    if not isinstance(nodes, list):
        raise NotAnExport(f'not an n8n workflow: "nodes" is a {_kind(nodes)}, not a list')
    return nodes


def _kind(value: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean"}.get(
        type(value), "number" if isinstance(value, int | float) else "null"
    )


def _node_name(node: Any, index: int) -> str:
    name = text_of(node.get("name")) if isinstance(node, dict) else None
    return name if name is not None else f"node {index + 1}"


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _unescape(name: str) -> str:
    """A name as found in JSON text, with its escapes (``\\"``, ``\\u00e9``) undone."""
    if "\\" not in name:
        return name
    try:
        return str(json.loads(f'"{name}"'))
    except ValueError:
        return name


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return int(value) if value == value and abs(value) < 1e9 else default
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return default
    return default


class _Parser:
    """One pass over the nodes, then one over the connections."""

    def __init__(
        self,
        data: dict[str, Any],
        nodes: list[Any],
        names: list[str],
        frag: Fragment,
        file: str,
        sha256: str | None,
    ) -> None:
        self.data = data
        self.nodes = nodes
        self.names = names
        self.frag = frag
        self.file = file
        self.sha256 = sha256
        self.types = catalog()
        self.steps: list[dict[str, Any]] = []
        self.step_of: dict[str, dict[str, Any]] = {}  # node name -> step (first node wins)
        self.node_of: dict[str, dict[str, Any]] = {}
        self.sticky: set[str] = set()
        self.subflow_calls: dict[str, str] = {}
        self.callee_names: dict[str, str] = {}
        self.env: set[str] = set()
        self.self_calls: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ workflow

    def run(self) -> ImportedWorkflow:
        frag, data = self.frag, self.data
        stem = PurePath(self.file).stem
        name = frag.text(data.get("name"), "name") or stem
        native_id = text_of(data.get("id"))
        meta = dict_of(data.get("meta"))
        instance = text_of(meta.get("instanceId")) if meta else None
        if native_id and instance:
            identity = f"n8n:{instance}:{native_id}"
        elif native_id:
            identity = f"n8n:id:{native_id}:{name}"
        else:
            identity = f"n8n:file:{PurePath(self.file).name}"
        slug = slugify(name, fallback=slugify(stem, fallback=short_hash(identity)))
        flow_id = f"n8n.{slug}"

        self._nodes()
        self._connections()
        for step in self.self_calls:
            step["calls_flow"] = flow_id
        settings = dict_of(data.get("settings"))
        error_workflow = text_of(settings.get("errorWorkflow")) if settings else None
        self._workflow_notes()
        if self.env:
            frag.finding("uses_env_vars", "nodes", ", ".join(sorted(self.env)[:20]))

        platform = _platform(instance)
        flow = Flow.model_validate(
            {
                "id": flow_id,
                "name": name,
                "platform": platform.id,
                "trigger": self._flow_trigger(),
                "steps": self.steps,
                "enabled": data["active"] if isinstance(data.get("active"), bool) else True,
                "description": frag.text(data.get("description"), "description", limit=2000),
                "notes": frag.notes,
                "source": frag.source(PlatformKind.n8n, self.sha256, native_id),
            }
        )
        return frag.workflow(
            PlatformKind.n8n,
            identity=identity,
            slug=slug,
            flow=flow,
            platform=platform,
            native_id=native_id,
            instance=instance,
            subflow_calls=self.subflow_calls,
            callee_names={
                k: v for k, v in self.callee_names.items() if k in self.subflow_calls.values()
            },
            error_workflow=error_workflow,
        )

    def _workflow_notes(self) -> None:
        tags = self.data.get("tags")
        if isinstance(tags, list):
            names = [t.get("name") if isinstance(t, dict) else t for t in tags]
            shown = [n for n in (self.frag.text(n, "tags", limit=60) for n in names) if n]
            if shown:
                self.frag.notes.append("Tags: " + ", ".join(shown))

    def _flow_trigger(self) -> dict[str, Any]:
        triggers = [s for s in self.steps if s.get("trigger")]
        if not triggers:
            return {"kind": TriggerKind.other}
        rank = {kind: n for n, kind in enumerate(TRIGGER_PRIORITY)}
        best = min(
            triggers,
            key=lambda s: (s.get("disabled", False), rank.get(s["trigger"]["kind"], 99)),
        )
        return dict(best["trigger"])

    # ------------------------------------------------------------------ nodes

    def _nodes(self) -> None:
        taken: set[str] = set()
        for index, node in enumerate(self.nodes):
            name = self.names[index]
            if not isinstance(node, dict):
                self.frag.finding("malformed_node", f"nodes[{index}]", "not an object; skipped")
                continue
            node_type = text_of(node.get("type")) or "unknown"
            where = node_location(name)
            params = dict_of(node.get("parameters"))
            if node_type == STICKY or node_type.endswith(".stickyNote"):
                self.sticky.add(name)
                self.frag.note(params.get("content"), f"{where}.parameters.content")
                continue
            if name in self.step_of:
                self.frag.finding(
                    "duplicate_node_name", where, "connections reach only the first node"
                )
            info = self.types.n8n(node_type)
            if not info.known:
                self.frag.unknown_types.add(node_type)
            base = slugify(mask_emails(name)[0], fallback="") or slugify(
                node_type.rpartition(".")[2], fallback="node"
            )
            step_id = unique(base, taken)
            step = self._step(step_id, name, node_type, node, params, info, where)
            self.steps.append(step)
            if name not in self.step_of:
                self.step_of[name] = step
                self.node_of[name] = node

    def _step(
        self,
        step_id: str,
        name: str,
        node_type: str,
        node: dict[str, Any],
        params: dict[str, Any],
        info: TypeInfo,
        where: str,
    ) -> dict[str, Any]:
        frag = self.frag
        step: dict[str, Any] = {
            "id": step_id,
            "name": frag.text(name, f"{where}.name"),
            "kind": info.step,
            "type": node_type,
        }
        system = frag.system(info.system)
        operation = operation_of(params.get("resource"), params.get("operation"))
        if info.http:
            url = params.get("url", params.get("endpoint"))
            system = frag.http_system(url_host(url) or "unknown-host")
            method = params.get("method", params.get("requestMethod", "GET"))
            operation = operation_of(method) or operation
        if system:
            step["system"] = system
        if operation:
            step["operation"] = operation
        credential = self._credentials(node, system, where)
        if credential:
            step["credential"] = credential
        if system and info.step is StepKind.connector:
            resource = _resource_name(params)
            if resource:
                dataset = frag.dataset(system, resource, f"{where}.parameters")
                if dataset:
                    step["touchpoints"] = touchpoint(dataset, operation)
        self._error_handling(step, node, where)
        if node.get("disabled") is True:
            step["disabled"] = True
        if info.trigger is not None:
            step["trigger"] = self._trigger(info, node_type, params, system, where)
        if node_type in SUBFLOW_TYPES:
            self._subflow(step, params, where)
        notes = text_of(node.get("notes"))
        if notes:
            frag.note(f"{name}: {notes}", f"{where}.notes")
        self._expressions(step, params)
        return step

    def _credentials(self, node: dict[str, Any], system: str | None, where: str) -> str | None:
        creds = node.get("credentials")
        if not isinstance(creds, dict):
            return None
        first = None
        for cred_type, ref in creds.items():
            native_id = name = None
            if isinstance(ref, dict):
                native_id, name = text_of(ref.get("id")), text_of(ref.get("name"))
            elif isinstance(ref, str):  # legacy export: the value is the credential's name
                name = text_of(ref)
            cred_id = self.frag.credential(
                cred_type=str(cred_type) or "unknown",
                native_id=native_id,
                name=name,
                system=system if system and not system.startswith("http:") else None,
                location=f"{where}.credentials.{cred_type}",
                prefix="n8n-cred",
            )
            first = first or cred_id
        return first

    def _error_handling(self, step: dict[str, Any], node: dict[str, Any], where: str) -> None:
        on_error = ON_ERROR.get(node.get("onError"))  # type: ignore[arg-type]
        if on_error is None and node.get("continueOnFail") is True:
            on_error = OnError.continue_
        if on_error is not None and on_error is not OnError.stop:
            step["on_error"] = on_error
        if node.get("retryOnFail") is True:
            tries = max(1, min(100, _int(node.get("maxTries"), 3)))
            wait_ms = max(0, _int(node.get("waitBetweenTries"), 1000))
            step["retry"] = {"max_tries": tries, "wait_seconds": wait_ms / 1000}
        if node.get("executeOnce") is True:
            self.frag.finding("execute_once", where, "runs for the first item only")
        if node.get("alwaysOutputData") is True:
            self.frag.finding(
                "always_output_data", where, "passes an empty item on when it finds nothing"
            )

    def _trigger(
        self,
        info: TypeInfo,
        node_type: str,
        params: dict[str, Any],
        system: str | None,
        where: str,
    ) -> dict[str, Any]:
        kind = info.trigger or TriggerKind.other
        trigger: dict[str, Any] = {"kind": kind}
        short = node_type.rpartition(".")[2]
        if kind is TriggerKind.webhook:
            auth = params.get("authentication")
            open_ = auth in (None, "none", "")
            trigger["authenticated"] = not open_
            if open_:
                method = (
                    params.get("httpMethod") if isinstance(params.get("httpMethod"), str) else None
                )
                detail = f"{method or 'GET'} webhook without authentication"
                if short == "mcpTrigger":
                    detail = "MCP server endpoint without authentication"
                self.frag.finding("unauthenticated_webhook", where, detail)
        elif kind is TriggerKind.form:
            trigger["authenticated"] = params.get("authentication") not in (None, "none", "")
        elif kind is TriggerKind.chat and params.get("public") is True:
            options = dict_of(params.get("options"))
            trigger["authenticated"] = options.get("authentication") not in (
                None,
                "none",
                "",
            )
        elif kind is TriggerKind.schedule:
            schedule = _schedule(short, params)
            if schedule:
                trigger["schedule"] = schedule
        if system and kind in (TriggerKind.app_event, TriggerKind.polling, TriggerKind.message):
            trigger["system"] = system
        return trigger

    def _subflow(self, step: dict[str, Any], params: dict[str, Any], where: str) -> None:
        source = params.get("source", "database")
        if source != "database":
            shown = source if source in ("localFile", "parameter", "url") else "another source"
            self.frag.finding("subflow_outside_instance", where, f"sub-workflow from {shown}")
            return
        ref = params.get("workflowId")
        hint = None
        if isinstance(ref, dict):
            hint = self.frag.text(ref.get("cachedResultName"), where)
            ref = ref.get("value")
        native = text_of(ref)
        if native is None:
            self.frag.finding("unresolved_subflow", where, "no sub-workflow selected")
        elif "$workflow.id" in native:
            self.self_calls.append(step)
        elif native.startswith("=") or "{{" in native:
            self.frag.finding("unresolved_subflow", where, "sub-workflow chosen at run time")
        else:
            self.subflow_calls[step["id"]] = native
            if hint:
                self.callee_names[native] = hint
        options = dict_of(params.get("options"))
        if options.get("waitForSubWorkflow") is False:
            self.frag.finding("subflow_not_awaited", where, "fire and forget: failures go unseen")

    def _expressions(self, step: dict[str, Any], params: dict[str, Any]) -> None:
        text = json.dumps(params, ensure_ascii=False, default=str)
        if "$" not in text:
            return
        if "$(" in text or "$node" in text or "$items" in text:
            used = [_unescape(m[2] or m[4] or m[6]) for m in _NODE_REF.finditer(text)]
            if used:
                step["_uses"] = used
        if "$env" in text:
            self.env.update(m[1] or m[2] for m in _ENV_REF.finditer(text))

    # ------------------------------------------------------------------ connections

    def _connections(self) -> None:
        connections = self.data.get("connections")
        if not isinstance(connections, dict):
            if connections is not None:
                self.frag.finding("malformed_connections", "connections", "not an object; ignored")
            connections = {}
        for source_name, by_type in connections.items():
            source = self.step_of.get(source_name)
            if source is None:
                if source_name not in self.sticky:
                    self.frag.finding(
                        "dangling_connection",
                        node_location(source_name, "connections"),
                        "no such node",
                    )
                continue
            if not isinstance(by_type, dict):
                continue
            node = self.node_of[source_name]
            for link_type, outputs in by_type.items():
                if isinstance(outputs, list):
                    self._outputs(source_name, source, node, str(link_type), outputs)
        order = {s["id"]: n for n, s in enumerate(self.steps)}
        for step in self.steps:
            names = step.pop("_uses", None)
            if names:
                ids = {self.step_of[n]["id"] for n in names if n in self.step_of} - {step["id"]}
                if ids:
                    step["uses_data_from"] = sorted(ids, key=order.__getitem__)
            for key in ("next", "error_next"):
                if key in step:
                    step[key] = _dedupe(step[key])

    def _outputs(
        self,
        source_name: str,
        source: dict[str, Any],
        node: dict[str, Any],
        link_type: str,
        outputs: list[Any],
    ) -> None:
        error_slot = -1
        if link_type == "main" and node.get("onError") == "continueErrorOutput":
            regular = _regular_outputs(node)
            if len(outputs) > regular:
                error_slot = len(outputs) - 1
        for index, slot in enumerate(outputs):
            if not isinstance(slot, list):
                continue  # null or malformed output slot
            for target in slot:
                target_name = target.get("node") if isinstance(target, dict) else None
                step = self.step_of.get(target_name) if isinstance(target_name, str) else None
                if step is None:
                    if not (isinstance(target_name, str) and target_name in self.sticky):
                        self.frag.finding(
                            "dangling_connection",
                            f"{node_location(source_name, 'connections')}.{link_type}[{index}]",
                            "target node does not exist",
                        )
                    continue
                key = "error_next" if index == error_slot else "next"
                source.setdefault(key, []).append(step["id"])


def _platform(instance: str | None) -> Platform:
    if instance is None:
        return Platform(id="n8n", name="n8n", kind=PlatformKind.n8n)
    short = slugify(instance, fallback=short_hash(instance))[:8]
    return Platform(
        id=f"n8n-{short}",
        name=f"n8n instance {short}",
        kind=PlatformKind.n8n,
        instance=instance[:64],
    )


def _regular_outputs(node: dict[str, Any]) -> int:
    """How many outputs a node has before n8n appends its error output."""
    node_type = str(node.get("type"))
    params = dict_of(node.get("parameters"))
    params = params or {}
    short = node_type.rpartition(".")[2]
    if short == "if":
        return 2
    if short == "compareDatasets":
        return 4
    if short == "splitInBatches":
        return 2 if _int(node.get("typeVersion"), 1) >= 2 else 1
    if short == "switch":
        if params.get("mode") == "expression":
            return max(1, _int(params.get("numberOutputs"), 4))
        rules = dict_of(params.get("rules"))
        values = rules.get("values", rules.get("rules"))
        count = len(values) if isinstance(values, list) else 1
        options = dict_of(params.get("options"))
        return count + (1 if options.get("fallbackOutput") == "extra" else 0)
    if short == "textClassifier":
        cats = dict_of(params.get("categories"))
        values = cats.get("categories")
        return max(1, len(values) if isinstance(values, list) else 1)
    return 1


def _resource_name(params: dict[str, Any]) -> str | None:
    """``Leads / Sheet1``: the names resource locators give the data a step touches."""
    names: list[str] = []
    for key in RESOURCE_KEYS:
        value = params.get(key)
        name = None
        if isinstance(value, dict) and value.get("__rl") is True:
            name = text_of(value.get("cachedResultName"))
            if name is None and value.get("mode") == "name":
                name = text_of(value.get("value"))
        elif isinstance(value, str) and key in ("table", "tableName", "collection"):
            name = text_of(value)
        if name and not name.startswith("=") and "{{" not in name and name not in names:
            names.append(name)
    return " / ".join(names)[:120] if names else None


def _schedule(short: str, params: dict[str, Any]) -> str | None:
    """A readable schedule: a cron expression when there is one, else ``every 2 hours``."""
    parts: list[str] = []
    if short == "scheduleTrigger":
        rule = dict_of(params.get("rule"))
        intervals = rule.get("interval")
        for item in intervals if isinstance(intervals, list) else []:
            if not isinstance(item, dict):
                continue
            field = text_of(item.get("field")) or "days"
            if field == "cronExpression":
                expression = text_of(item.get("expression"))
                if expression:
                    parts.append(expression)
                continue
            amount = _int(item.get(f"{field[:-1]}Interval", item.get(f"{field}Interval")), 1)
            text = f"every {amount} {field}"
            if "triggerAtHour" in item:
                text += f" at {_int(item.get('triggerAtHour'), 0):02d}:"
                text += f"{_int(item.get('triggerAtMinute'), 0):02d}"
            parts.append(text)
        if not parts:
            parts.append("every 1 days")
    elif short == "cron":
        times = dict_of(params.get("triggerTimes"))
        items = times.get("item")
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            mode = text_of(item.get("mode")) or "everyDay"
            if mode == "custom":
                expression = text_of(item.get("cronExpression"))
                if expression:
                    parts.append(expression)
                continue
            text = mode
            if "hour" in item or "minute" in item:
                text += f" at {_int(item.get('hour'), 0):02d}:{_int(item.get('minute'), 0):02d}"
            parts.append(text)
    elif short == "interval":
        amount = _int(params.get("interval"), 1)
        unit = params.get("unit") if isinstance(params.get("unit"), str) else "seconds"
        parts.append(f"every {amount} {unit}")
    text = "; ".join(p for p in parts if p)
    return text[:200] or None
