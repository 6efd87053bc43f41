"""Node-RED flow export -> one flow per tab, per subflow definition, and per tab-less group.

Node-RED hides much of its graph outside ``wires``: link nodes, catch/status/complete scopes,
config nodes (the brokers and servers everything shares). The importer adds those edges and
systems itself. Pure: parsed JSON in, :class:`ImportedWorkflow` list out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from pydantic import ValidationError

from flowdrill.estate.importers.catalog import TypeInfo, catalog
from flowdrill.estate.importers.common import (
    Fragment,
    dict_of,
    node_location,
    redacted,
    safe_id,
    short_hash,
    slugify,
    text_of,
    unique,
    url_host,
)
from flowdrill.estate.importers.errors import NotAnExport
from flowdrill.estate.importers.result import ImportedWorkflow
from flowdrill.estate.model import (
    Flow,
    ImportFinding,
    OnError,
    Platform,
    PlatformKind,
    StepKind,
    TriggerKind,
)
from flowdrill.estate.redact import mask_emails

PLATFORM = Platform(id="nodered", name="Node-RED", kind=PlatformKind.nodered)
STRUCTURE = frozenset({"tab", "subflow", "group", "comment"})
OBSERVERS = frozenset({"catch", "status", "complete"})
TRIGGER_PRIORITY = (
    TriggerKind.webhook,
    TriggerKind.message,
    TriggerKind.app_event,
    TriggerKind.polling,
    TriggerKind.schedule,
    TriggerKind.subflow,
    TriggerKind.manual,
    TriggerKind.other,
)
_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ENV_GET = re.compile(r"""env\.get\(\s*['"]([^'"]+)['"]""")
_GLOBAL = re.compile(r"""global\.(?:get|set)\(\s*['"]([^'"]+)['"]""")


@dataclass
class _Container:
    """A tab, a subflow definition, or the nodes of a tab that is not in the file."""

    key: str
    kind: str  # "tab" | "subflow" | "orphan"
    name: str
    node: dict[str, Any] | None
    members: list[dict[str, Any]] = field(default_factory=list)
    flow_id: str = ""
    slug: str = ""


def parse_flows(data: Any, *, file: str, sha256: str | None = None) -> list[ImportedWorkflow]:
    """Import a Node-RED flow file (array, or ``{rev, flows}``); one workflow per flow."""
    items = _check_shape(data)
    try:
        return _Parser(items, file, sha256).run()
    except ValidationError as exc:  # pragma: no cover - a bug, but still one clear line
        error = exc.errors()[0]
        where = ".".join(map(str, error["loc"]))
        raise NotAnExport(f"cannot import this Node-RED flow: {where}: {error['msg']}") from None


def _check_shape(data: Any) -> list[Any]:
    if isinstance(data, dict):
        if isinstance(data.get("flows"), list):
            data = data["flows"]
        elif set(data) == {"$"} or (data and all(isinstance(v, dict) for v in data.values())):
            raise NotAnExport(
                "not a Node-RED flow: this looks like a credentials file (flows_cred.json); "
                "credentials are never imported"
            )
        elif "nodes" in data and "connections" in data:
            raise NotAnExport(
                "not a Node-RED flow: this is an n8n workflow (use 'flowdrill import n8n')"
            )
        else:
            raise NotAnExport(
                'not a Node-RED flow: expected a JSON list of nodes or {"rev", "flows"}'
            )
    if not isinstance(data, list):
        raise NotAnExport("not a Node-RED flow: expected a JSON list of nodes")
    nodes = [
        n for n in data if isinstance(n, dict) and text_of(n.get("id")) and text_of(n.get("type"))
    ]
    if not nodes:
        raise NotAnExport("not a Node-RED flow: no objects with an id and a type")
    return data


def _label(node: dict[str, Any]) -> str:
    name = text_of(node.get("name"))
    return name if name else str(node.get("id"))


def _strings(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _ids(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class _Parser:
    def __init__(self, items: list[Any], file: str, sha256: str | None) -> None:
        self.file = file
        self.sha256 = sha256
        self.types = catalog()
        self.file_findings: list[ImportFinding] = []
        self.nodes: dict[str, dict[str, Any]] = {}
        skipped = 0
        for item in items:
            if (
                not isinstance(item, dict)
                or not text_of(item.get("id"))
                or not text_of(item.get("type"))
            ):
                skipped += 1
                continue
            node_id = str(text_of(item["id"]))
            if node_id in self.nodes:
                self._file_finding(
                    "duplicate_node_id", node_location(node_id), "later copy ignored"
                )
                continue
            self.nodes[node_id] = self._clean(
                {**item, "id": node_id, "type": text_of(item["type"])}
            )
        if skipped:
            self._file_finding("malformed_node", "nodes", f"{skipped} entries without id or type")

    def _file_finding(self, kind: str, location: str, detail: str | None = None) -> None:
        self.file_findings.append(ImportFinding(kind=kind, location=location, detail=detail))

    def _clean(self, node: dict[str, Any]) -> dict[str, Any]:
        """Drop inline credentials and redact secrets; remember what was found per node."""
        where = node_location(_label(node))
        found: list[ImportFinding] = []
        creds = node.get("credentials")
        if creds is not None:
            node = {k: v for k, v in node.items() if k != "credentials"}
            if creds not in ({}, [], "") and any(v not in ("", None) for v in _strings(creds)):
                found.append(
                    ImportFinding(
                        kind="plaintext_credential",
                        location=f"{where}.credentials",
                        detail="inline credentials dropped",
                    )
                )
        cleaned, redactions = redacted(node, location=where)
        for item in redactions:
            found.append(
                ImportFinding(kind="secret_redacted", location=item.location, detail=item.kind)
            )
        is_config = "x" not in node and "wires" not in node and node.get("type") not in STRUCTURE
        if is_config and any(r.kind.startswith("value of") for r in redactions):
            found.append(
                ImportFinding(
                    kind="plaintext_credential",
                    location=where,
                    detail=f"literal secret in a {node.get('type')} config node "
                    "(not in the credentials file)",
                )
            )
        cleaned = dict(cleaned)
        cleaned["_findings"] = found
        return cleaned

    # ------------------------------------------------------------------ structure

    def run(self) -> list[ImportedWorkflow]:
        nodes = self.nodes
        containers: dict[str, _Container] = {}
        for node in nodes.values():
            if node["type"] == "tab":
                label = text_of(node.get("label")) or str(node["id"])
                containers[node["id"]] = _Container(node["id"], "tab", label, node)
        for node in nodes.values():
            if node["type"] == "subflow":
                name = text_of(node.get("name")) or str(node["id"])
                containers[node["id"]] = _Container(node["id"], "subflow", name, node)
        self.configs = {
            i: n for i, n in nodes.items() if self._is_config(n) and n["type"] not in STRUCTURE
        }
        orphans: dict[str, _Container] = {}
        self.groups: dict[str, list[str]] = defaultdict(list)
        for node in nodes.values():
            group = text_of(node.get("g"))
            if group:
                self.groups[group].append(node["id"])
            if node["type"] in ("tab", "subflow", "group") or node["id"] in self.configs:
                continue
            z = text_of(node.get("z")) or ""
            container = containers.get(z)
            if container is None:
                container = orphans.get(z)
                if container is None:
                    container = _Container(z, "orphan", "", None)
                    orphans[z] = container
            container.members.append(node)
        stem = PurePath(self.file).stem
        for n, container in enumerate(orphans.values()):
            container.name = stem if len(orphans) == 1 else f"{stem} ({n + 1})"
        everything = [*containers.values(), *orphans.values()]
        everything = [c for c in everything if c.members or c.kind != "orphan"]
        taken: set[str] = set()
        for container in everything:
            container.slug = slugify(container.name, fallback=short_hash(container.key))
            if container.kind == "subflow":
                container.slug = f"subflow-{container.slug}"
            base = f"nodered.{container.slug}"
            container.flow_id = unique(base, taken)
            container.slug = container.flow_id.removeprefix("nodered.")
        self.flow_of_node = {n["id"]: c for c in everything for n in c.members}
        self.subflow_ids = {c.key: c.flow_id for c in everything if c.kind == "subflow"}
        self.system_of_config = {
            i: s for i, s in ((i, self._config_system(n)) for i, n in self.configs.items()) if s
        }
        return [self._workflow(c) for c in everything]

    def _is_config(self, node: dict[str, Any]) -> bool:
        node_type = str(node["type"])
        return (
            "x" not in node
            and "wires" not in node
            and not node_type.startswith("subflow:")
            and node_type not in STRUCTURE
        )

    def _config_system(self, node: dict[str, Any]) -> tuple[str, str, Any] | None:
        """(id, name, kind) of the system a config node stands for, if it is one."""
        spec = self.types.config(str(node["type"]))
        if spec is None:
            return None
        host = text_of(node.get(spec.host)) if spec.host else None
        if host:
            host = url_host(host) if "://" in host else host.strip().lower()
        if host:
            suffix = safe_id(host, max_length=80)
        else:
            label = text_of(node.get("name")) or spec.name
            suffix = slugify(label, fallback=short_hash(str(node["id"])), max_length=80)
        name = f"{spec.name} {host}" if host else (text_of(node.get("name")) or spec.name)
        return f"{spec.system}:{suffix}", name[:120], spec.kind

    # ------------------------------------------------------------------ one flow

    def _workflow(self, container: _Container) -> ImportedWorkflow:
        frag = Fragment(self.file)
        for finding in self.file_findings:
            frag.findings.append(finding)
        steps: list[dict[str, Any]] = []
        step_of: dict[str, dict[str, Any]] = {}
        taken: set[str] = set()
        env: set[str] = set()
        global_keys: set[str] = set()
        used_configs: set[str] = set()
        subflow_calls: dict[str, str] = {}
        env_config = self._env_configs(container)
        head = container.node
        if head is not None:
            frag.findings.extend(head.get("_findings", []))
            env.update(self._env_names(head.get("env")))
        for node in container.members:
            frag.findings.extend(node.get("_findings", []))
            node_type = str(node["type"])
            where = node_location(_label(node))
            if node_type == "comment":
                text = " — ".join(
                    t for t in (text_of(node.get("name")), text_of(node.get("info"))) if t
                )
                frag.note(text, where)
                continue
            info = self._info(node_type)
            if not info.known:
                frag.unknown_types.add(node_type)
            name = text_of(node.get("name"))
            base = slugify(mask_emails(name or "")[0], fallback="")
            step_id = unique(base or slugify(node_type, fallback="node"), taken)
            step: dict[str, Any] = {"id": step_id, "kind": info.step, "type": node_type[:200]}
            shown = frag.text(name, f"{where}.name")
            if shown:
                step["name"] = shown
            self._systems(node, step, info, frag, env_config, used_configs)
            if node.get("d") is True:
                step["disabled"] = True
            if info.trigger is not None:
                step["trigger"] = self._trigger(node, info, step.get("system"))
            if node_type.startswith("subflow:"):
                definition = node_type.removeprefix("subflow:")
                target = self.subflow_ids.get(definition)
                if target:
                    step["calls_flow"] = target
                else:  # defined in another file: the batch resolves it, or says it cannot
                    subflow_calls[step_id] = definition
            for text in _strings({k: v for k, v in node.items() if k != "_findings"}):
                if "${" in text:
                    env.update(_ENV_VAR.findall(text))
                if "env.get" in text:
                    env.update(_ENV_GET.findall(text))
                if "global." in text:
                    global_keys.update(_GLOBAL.findall(text))
            for key, value in node.items():
                if key.endswith("Type") and value == "env":
                    var = text_of(node.get(key[: -len("Type")]))
                    if var:
                        env.add(var)
            steps.append(step)
            step_of[node["id"]] = step
        self._edges(container, step_of, frag)
        for config_id in sorted(used_configs):
            config = self.configs[config_id]
            frag.findings.extend(config.get("_findings", []))
            spec = self.types.config(str(config["type"]))
            if spec and spec.tls and config.get(spec.tls) is not True:
                frag.finding(
                    "no_tls", node_location(_label(config)), f"{config['type']} without TLS"
                )
        if env:
            frag.finding("uses_env_vars", "nodes", ", ".join(sorted(env)[:20]))
        if global_keys:
            frag.finding(
                "global_context", "nodes", "shared state: " + ", ".join(sorted(global_keys)[:20])
            )
        return self._result(container, frag, steps, subflow_calls)

    def _info(self, node_type: str) -> TypeInfo:
        if node_type.startswith("subflow:"):
            return TypeInfo(StepKind.subflow)
        return self.types.nodered(node_type)

    def _env_names(self, entries: Any) -> set[str]:
        names: set[str] = set()
        for entry in entries if isinstance(entries, list) else []:
            name = text_of(entry.get("name")) if isinstance(entry, dict) else None
            if name:
                names.add(name)
        return names

    def _env_configs(self, container: _Container) -> dict[str, str]:
        """Subflow properties that hold a config node: ``${BROKER}`` -> its config id."""
        out: dict[str, str] = {}
        entries = container.node.get("env") if container.node else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                name, value = text_of(entry.get("name")), text_of(entry.get("value"))
                if name and value and value in self.configs:
                    out[f"${{{name}}}"] = value
        return out

    def _systems(
        self,
        node: dict[str, Any],
        step: dict[str, Any],
        info: TypeInfo,
        frag: Fragment,
        env_config: dict[str, str],
        used: set[str],
    ) -> None:
        system = frag.system(info.system)
        for key, value in node.items():
            if not isinstance(value, str) or key in ("id", "z", "g", "type", "name"):
                continue
            config_id = env_config.get(value, value)
            found = self.system_of_config.get(config_id)
            if config_id in self.configs:
                used.add(config_id)
            if found and system is None:
                system_id, name, kind = found
                system = frag.custom_system(system_id, name, kind)
        if info.http:
            url = node.get("url")
            system = system or frag.http_system(url_host(url) or "unknown-host")
            method = text_of(node.get("method"))
            if method and method.isalpha():
                step["operation"] = method.upper() if method != "use" else "dynamic"
        if system:
            step["system"] = system
            if step["kind"] is StepKind.transform:
                step["kind"] = StepKind.connector

    def _trigger(self, node: dict[str, Any], info: TypeInfo, system: str | None) -> dict[str, Any]:
        kind = info.trigger or TriggerKind.other
        trigger: dict[str, Any] = {"kind": kind}
        if node["type"] == "inject":
            crontab, repeat = text_of(node.get("crontab")), text_of(node.get("repeat"))
            if crontab or repeat:
                trigger["kind"] = TriggerKind.schedule
                trigger["schedule"] = (crontab or f"every {repeat} seconds")[:200]
        elif kind is TriggerKind.schedule:
            crontab = text_of(node.get("crontab"))
            if crontab:
                trigger["schedule"] = crontab[:200]
        if system and trigger["kind"] in (
            TriggerKind.message,
            TriggerKind.app_event,
            TriggerKind.polling,
        ):
            trigger["system"] = system
        return trigger

    # ------------------------------------------------------------------ edges

    def _edges(
        self, container: _Container, step_of: dict[str, dict[str, Any]], frag: Fragment
    ) -> None:
        members = {n["id"]: n for n in container.members if n["id"] in step_of}

        def add(source: str, target: str, key: str = "next") -> None:
            step = step_of[source]
            values = step.setdefault(key, [])
            target_id = step_of[target]["id"]
            if target_id not in values:
                values.append(target_id)

        for node_id, node in members.items():
            where = node_location(_label(node))
            wires = node.get("wires")
            for output in wires if isinstance(wires, list) else []:
                for target in _ids(output):
                    if target in members:
                        add(node_id, target)
                    else:
                        frag.finding("dangling_wire", where, "wired to a node not in this flow")
            node_type = node["type"]
            if node_type in ("link out", "link call") and node.get("mode") != "return":
                self._links(node_id, node, members, add, step_of, frag)
            elif node_type == "link in":
                for source in _ids(node.get("links")):
                    source_node = members.get(source)
                    if source_node is not None and source_node.get("mode") != "return":
                        add(source, node_id)
        self._scopes(container, members, step_of, add)

    def _links(
        self,
        node_id: str,
        node: dict[str, Any],
        members: dict[str, dict[str, Any]],
        add: Any,
        step_of: dict[str, dict[str, Any]],
        frag: Fragment,
    ) -> None:
        where = node_location(_label(node))
        other_flows: list[str] = []
        for target in _ids(node.get("links")):
            if target in members:
                add(node_id, target)
            elif target in self.flow_of_node:
                flow_id = self.flow_of_node[target].flow_id
                if flow_id not in other_flows:
                    other_flows.append(flow_id)
            else:
                frag.finding("dangling_link", where, "links to a node that is not in the file")
        if other_flows:
            step_of[node_id]["calls_flow"] = other_flows[0]
            if len(other_flows) > 1:
                names = ", ".join(f.removeprefix("nodered.") for f in other_flows)
                frag.finding("link_to_several_flows", where, f"also feeds: {names}"[:200])

    def _scopes(
        self,
        container: _Container,
        members: dict[str, dict[str, Any]],
        step_of: dict[str, dict[str, Any]],
        add: Any,
    ) -> None:
        """Implicit edges: each node a catch covers feeds it errors; status/complete likewise."""
        covered: set[str] = set()
        for node_id, node in members.items():
            if node["type"] not in OBSERVERS:
                continue
            scope = node.get("scope")
            if scope is None or scope == "all" or scope == "":
                watched = list(members)
            elif scope == "group":
                watched = self._group_members(text_of(node.get("g")))
            else:
                watched = _ids(scope)
            key = "error_next" if node["type"] == "catch" else "next"
            for target in watched:
                if (
                    target in members
                    and target != node_id
                    and members[target]["type"] not in OBSERVERS
                ):
                    add(target, node_id, key)
                    if key == "error_next":
                        covered.add(target)
        for target in covered:
            step_of[target]["on_error"] = OnError.error_output

    def _group_members(self, group: str | None) -> list[str]:
        """Nodes in a group and its nested groups."""
        if not group:
            return []
        out: list[str] = []
        stack, seen = [group], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            for member in self.groups.get(current, []):
                out.append(member)
                if self.nodes.get(member, {}).get("type") == "group":
                    stack.append(member)
        return out

    # ------------------------------------------------------------------ result

    def _result(
        self,
        container: _Container,
        frag: Fragment,
        steps: list[dict[str, Any]],
        subflow_calls: dict[str, str],
    ) -> ImportedWorkflow:
        head = dict_of(container.node)
        name = frag.text(container.name, "label") or container.flow_id
        if container.kind == "orphan":
            identity = f"nodered:file:{PurePath(self.file).name}:{container.key}"
            native_id = container.key or None
        else:
            identity = f"nodered:{container.kind}:{container.key}"
            native_id = container.key
        uncaught = [s for s in steps if s["kind"] is StepKind.connector and "error_next" not in s]
        if uncaught and steps:
            frag.finding(
                "errors_only_logged",
                "nodes",
                f"{len(uncaught)} connector step(s) no catch node covers",
            )
        trigger = self._flow_trigger(container, steps)
        flow = Flow.model_validate(
            {
                "id": container.flow_id,
                "name": name,
                "platform": PLATFORM.id,
                "trigger": trigger,
                "steps": steps,
                "enabled": not (container.kind == "tab" and head.get("disabled") is True),
                "description": frag.text(head.get("info"), "info", limit=2000),
                "notes": frag.notes,
                "source": frag.source(PlatformKind.nodered, self.sha256, native_id),
            }
        )
        return frag.workflow(
            PlatformKind.nodered,
            identity=identity,
            slug=container.slug,
            flow=flow,
            platform=PLATFORM,
            native_id=native_id,
            subflow_calls=subflow_calls,
        )

    def _flow_trigger(self, container: _Container, steps: list[dict[str, Any]]) -> dict[str, Any]:
        if container.kind == "subflow":
            return {"kind": TriggerKind.subflow}
        triggers = [s for s in steps if s.get("trigger")]
        if triggers:
            rank = {kind: n for n, kind in enumerate(TRIGGER_PRIORITY)}
            best = min(
                triggers,
                key=lambda s: (s.get("disabled", False), rank.get(s["trigger"]["kind"], 99)),
            )
            return dict(best["trigger"])
        if any(s["type"] == "link in" for s in steps):
            return {"kind": TriggerKind.subflow}
        return {"kind": TriggerKind.other}
