"""Make (Integromat) scenario blueprint -> one flow. Best effort: there is no licensed corpus.

A blueprint is a list of modules run in order; routers fork it into routes, ``onerror``
handler routes catch a module's errors and end in a directive (Ignore, Resume, Commit,
Rollback, Break) that decides what the failure does. Pure: parsed JSON in, one
:class:`ImportedWorkflow` out.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from pydantic import ValidationError

from flowdrill.estate.importers.catalog import catalog
from flowdrill.estate.importers.common import (
    Fragment,
    dict_of,
    operation_of,
    redacted,
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
    OnError,
    Platform,
    PlatformKind,
    StepKind,
    TriggerKind,
)

PLATFORM = Platform(id="make", name="Make", kind=PlatformKind.make)
DIRECTIVES = {
    "builtin:Ignore": OnError.ignore,
    "builtin:Resume": OnError.resume,
    "builtin:Commit": OnError.commit,
    "builtin:Rollback": OnError.rollback,
    "builtin:Break": OnError.stop,
}
SCENARIO_SETTINGS = ("roundtrips", "maxErrors", "autoCommit", "sequential", "dlq", "dataloss")


def parse_blueprint(data: Any, *, file: str, sha256: str | None = None) -> ImportedWorkflow:
    """Import one Make blueprint; raise :class:`NotAnExport` if it is not one."""
    if not isinstance(data, dict):
        raise NotAnExport("not a Make blueprint: expected a JSON object")
    if not isinstance(data.get("flow"), list):
        hint = ""
        if "nodes" in data and "connections" in data:
            hint = " (it looks like an n8n workflow: use 'flowdrill import n8n')"
        raise NotAnExport(f'not a Make blueprint: no "flow" list of modules{hint}')
    cleaned, redactions = redacted(data)
    frag = Fragment(file)
    frag.redactions(redactions)
    try:
        return _Parser(cleaned, frag, file, sha256).run()
    except ValidationError as exc:  # pragma: no cover - a bug, but still one clear line
        error = exc.errors()[0]
        where = ".".join(map(str, error["loc"]))
        raise NotAnExport(f"cannot import this Make blueprint: {where}: {error['msg']}") from None


class _Parser:
    def __init__(self, data: dict[str, Any], frag: Fragment, file: str, sha256: str | None):
        self.data = data
        self.frag = frag
        self.file = file
        self.sha256 = sha256
        self.types = catalog()
        self.steps: list[dict[str, Any]] = []
        self.taken: set[str] = set()

    def run(self) -> ImportedWorkflow:
        frag, data = self.frag, self.data
        stem = PurePath(self.file).stem
        name = frag.text(data.get("name"), "name") or stem
        identity = f"make:file:{PurePath(self.file).name}"
        slug = slugify(name, fallback=slugify(stem, fallback=short_hash(identity)))
        ends = self._sequence(data["flow"], "flow", top=True)
        trigger: dict[str, Any] = {"kind": TriggerKind.other}
        if ends is not None and ends[0].get("trigger"):
            trigger = dict(ends[0]["trigger"])
        self._settings(dict_of(data.get("metadata")))
        flow = Flow.model_validate(
            {
                "id": f"make.{slug}",
                "name": name,
                "platform": PLATFORM.id,
                "trigger": trigger,
                "steps": self.steps,
                "notes": frag.notes,
                "source": frag.source(PlatformKind.make, self.sha256),
            }
        )
        return frag.workflow(
            PlatformKind.make, identity=identity, slug=slug, flow=flow, platform=PLATFORM
        )

    def _settings(self, metadata: dict[str, Any]) -> None:
        scenario = dict_of(metadata.get("scenario"))
        shown = [f"{k}={scenario[k]}" for k in SCENARIO_SETTINGS if k in scenario]
        if shown:
            self.frag.notes.append("Scenario settings: " + ", ".join(shown)[:300])
        if scenario.get("dlq") is False:
            self.frag.finding(
                "incomplete_executions_not_stored",
                "metadata.scenario.dlq",
                "failed runs are not kept for replay",
            )

    def _sequence(
        self, modules: list[Any], where: str, *, top: bool = False
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """Steps for a list of modules run one after another; returns the first and last."""
        first: dict[str, Any] | None = None
        previous: dict[str, Any] | None = None
        for n, module in enumerate(modules):
            if not isinstance(module, dict):
                self.frag.finding("malformed_module", f"{where}[{n}]", "not an object; skipped")
                continue
            step = self._module(module, f"{where}[{n}]", entry=top and first is None)
            if first is None:
                first = step
            if previous is not None:
                _link(previous, step["id"])
            previous = step
        return (first, previous) if first is not None and previous is not None else None

    def _module(self, module: dict[str, Any], where: str, *, entry: bool) -> dict[str, Any]:
        frag = self.frag
        module_type = text_of(module.get("module")) or "unknown"
        info = self.types.make(module_type)
        app, _, action = module_type.partition(":")
        if not info.known:
            frag.unknown_types.add(module_type)
        designer = dict_of(dict_of(module.get("metadata")).get("designer"))
        name = text_of(designer.get("name"))
        step_id = unique(slugify(name or module_type, fallback="module"), self.taken)
        kind = info.step
        step: dict[str, Any] = {"id": step_id, "kind": kind, "type": module_type[:200]}
        shown = frag.text(name, f"{where}.metadata.designer.name")
        if shown:
            step["name"] = shown
        parameters = dict_of(module.get("parameters"))
        mapper = dict_of(module.get("mapper"))
        system = frag.system(info.system)
        if info.http:
            system = frag.http_system(url_host(mapper.get("url") or parameters.get("url")))
        if system:
            step["system"] = system
        operation = operation_of(action) if action and not info.http else None
        if info.http:
            operation = operation_of(text_of(mapper.get("method")) or "GET")
        if operation:
            step["operation"] = operation
        connection = parameters.get("__IMTCONN__")
        if connection is not None and text_of(connection):
            step["credential"] = frag.credential(
                cred_type=app or "connection",
                native_id=text_of(connection),
                name=f"{app} connection {text_of(connection)}",
                system=system if system and not system.startswith("http:") else None,
                location=f"{where}.parameters.__IMTCONN__",
                prefix="make-conn",
            )
        if entry and (info.trigger is not None or action.lower().startswith("watch")):
            step["kind"] = StepKind.trigger
            trigger_kind = info.trigger or TriggerKind.polling
            instant = dict_of(self.data.get("metadata")).get("instant") is True
            if trigger_kind is TriggerKind.polling and instant:
                trigger_kind = TriggerKind.app_event
            trigger: dict[str, Any] = {"kind": trigger_kind}
            if system and trigger_kind is not TriggerKind.webhook:
                trigger["system"] = system
            step["trigger"] = trigger
        filter_ = dict_of(module.get("filter"))
        if filter_:
            label = frag.text(filter_.get("name"), f"{where}.filter") or "unnamed"
            frag.notes.append(f"Filter before {step_id}: {label}")
        self.steps.append(step)
        self._error_handler(step, module.get("onerror"), f"{where}.onerror")
        routes = module.get("routes")
        if isinstance(routes, list):
            for n, route in enumerate(routes):
                modules = dict_of(route).get("flow")
                if isinstance(modules, list):
                    ends = self._sequence(modules, f"{where}.routes[{n}].flow")
                    if ends is not None:
                        _link(step, ends[0]["id"])
        return step

    def _error_handler(self, step: dict[str, Any], handler: Any, where: str) -> None:
        if not isinstance(handler, list) or not handler:
            return
        ends = self._sequence(handler, where)
        if ends is None:
            return
        first, last = ends
        _link(step, first["id"], "error_next")
        directive = DIRECTIVES.get(str(last.get("type")))
        step["on_error"] = directive if directive is not None else OnError.error_output
        if last.get("type") == "builtin:Break":
            modules = [m for m in handler if isinstance(m, dict)]
            params = dict_of(modules[-1].get("parameters")) if modules else {}
            tries = _int(params.get("count"), 3)
            minutes = _int(params.get("interval"), 15)
            step["retry"] = {"max_tries": max(1, min(100, tries)), "wait_seconds": minutes * 60}


def _link(step: dict[str, Any], target: str, key: str = "next") -> None:
    values = step.setdefault(key, [])
    if target not in values:
        values.append(target)


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip()[:9])
    return default
