"""Import exports into a workspace: one generated estate file per workflow, all or nothing.

The importers parse; this module decides where each workflow lands and what it links to:
stable flow ids (re-importing a workflow rewrites its own file, never a second copy), links
between workflows of the batch and of the workspace (sub-workflow calls, error workflows), and
the check that the workspace still loads before anything is written. What people add by hand
lives in overlay files, which this module never touches.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowdrill.errors import InputError, InvalidFiles, Problem
from flowdrill.estate.importers.batch import FileFailure, import_files
from flowdrill.estate.importers.common import short_hash, unique
from flowdrill.estate.importers.result import ImportedWorkflow
from flowdrill.estate.load import build_estate, read_documents
from flowdrill.estate.model import PlatformKind
from flowdrill.service.workspace import Workspace, demo_root, max_input_bytes, open_workspace
from flowdrill.yamlfile import Located, dump_yaml, parse_yaml

IMPORTED_DIR = Path("estate") / "imported"
#: The bundled demo's native exports: kind, folder in the demo, platform they run on. Its
#: ``estate/imported/`` is what ``flowdrill import`` makes of them.
DEMO_EXPORTS: tuple[tuple[PlatformKind, str, str], ...] = (
    (PlatformKind.n8n, "exports/n8n", "n8n-prod"),
    (PlatformKind.nodered, "exports/nodered", "nodered-dc1"),
)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


class ImportWouldBreakEstate(InvalidFiles):
    """The imported files would make the workspace invalid, so nothing was written."""

    def __str__(self) -> str:
        noun = "problem" if len(self.problems) == 1 else "problems"
        return f"{len(self.problems)} {noun} in the estate after import; nothing was written"


@dataclass(frozen=True)
class ImportedFile:
    """One generated estate file: where it is and what happened to it."""

    path: str
    flow_id: str
    name: str
    source: str
    status: str  # "new" | "updated" | "unchanged"


@dataclass
class ImportReport:
    kind: PlatformKind
    dry_run: bool
    files_read: int = 0
    files: list[ImportedFile] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)
    unknown_types: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return len(self.files)

    def counts(self) -> Counter[str]:
        return Counter(f.status for f in self.files)

    def to_data(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "dry_run": self.dry_run,
            "files_read": self.files_read,
            "workflows": [vars(f) for f in self.files],
            "counts": dict(self.counts()),
            "failures": [{"file": f.file, "message": f.message} for f in self.failures],
            "unknown_types": dict(sorted(self.unknown_types.items())),
            "findings": dict(sorted(self.findings.items())),
            "notes": self.notes,
        }


@dataclass
class _Existing:
    """What the workspace already holds, read from its files (valid or not)."""

    documents: list[Located]
    generated: dict[str, tuple[str, str]]  # identity -> (relative path, flow id)
    sources: dict[str, list[str]]  # source file name -> relative paths generated from it
    flow_ids: dict[str, str | None]  # flow id -> identity of its generated file, or None
    platforms: dict[str, str | None]  # platform id -> kind
    callees: dict[tuple[str | None, str], str]  # (instance, native id) -> flow id


def import_exports(
    ws: Workspace,
    *,
    kind: PlatformKind,
    paths: Sequence[Path],
    dry_run: bool = False,
    platform: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import export files into ``ws``; raise if nothing could be imported or the result is bad.

    Files that fail are listed in the report, the others are imported. Writes nothing when
    ``dry_run`` or when the estate would not load afterwards.
    """
    _check_writable(ws)
    report, rendered, known = _prepare(
        ws, kind=kind, paths=paths, dry_run=dry_run, platform=platform, progress=progress
    )
    if not dry_run and rendered:
        _write(ws, rendered, known)
    return report


def import_summary(
    ws: Workspace,
    *,
    kind: PlatformKind,
    paths: Sequence[Path],
    platform: str | None = None,
) -> ImportReport:
    """What importing ``paths`` into ``ws`` would do, without writing anything.

    A dry run that also works on a workspace nobody may write to, such as the bundled demo: the
    report lists every workflow with its status against the files already generated ("unchanged"
    while they are current), the node types the catalogue does not know, and what the importer
    noticed (redacted secrets, open webhooks...). Raises like :func:`import_exports` when
    nothing could be imported or the estate would not load.
    """
    report, _, _ = _prepare(ws, kind=kind, paths=paths, dry_run=True, platform=platform)
    return report


def demo_import_summary(ws: Workspace | None = None) -> list[ImportReport]:
    """The bundled demo's n8n and Node-RED exports, re-imported read-only: what the import
    found, for ``flowdrill demo`` to show (one report per kind, in :data:`DEMO_EXPORTS` order)."""
    ws = ws if ws is not None else open_workspace(demo=True)
    return [
        import_summary(ws, kind=kind, paths=[demo_root() / folder], platform=platform)
        for kind, folder, platform in DEMO_EXPORTS
    ]


def _prepare(
    ws: Workspace,
    *,
    kind: PlatformKind,
    paths: Sequence[Path],
    dry_run: bool,
    platform: str | None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ImportReport, dict[str, str], set[Problem]]:
    """Import into memory and check the estate would not get worse: the report, the text of
    every file that would change (relative path -> text), and the problems the estate had
    before and still has."""
    folder = IMPORTED_DIR / kind.value
    existing = _read_existing(ws)
    if platform is not None:
        _check_platform(platform, kind, existing)
    batch = import_files(kind, paths, max_bytes=max_input_bytes(), progress=progress)
    report = ImportReport(kind=kind, dry_run=dry_run, files_read=len(batch.files))
    report.failures = batch.failures
    workflows = _dedupe(batch.workflows, report)
    targets = _assign_ids(workflows, existing, folder)
    _resolve_links(workflows, existing)
    changed: dict[str, dict[str, Any]] = {}
    rendered: dict[str, str] = {}
    for workflow in workflows:
        path = targets[workflow.identity]
        data = document(workflow, include_platform=platform is None, platform=platform)
        text = render(data)
        old = _read_text(ws.root / path)
        status = "new" if old is None else ("unchanged" if old == text else "updated")
        if status != "unchanged":
            changed[path] = data
            rendered[path] = text
        report.files.append(
            ImportedFile(path, workflow.flow.id, workflow.flow.name, _source(workflow), status)
        )
        report.unknown_types.update(workflow.unknown_types)
        report.findings.update(f.kind for f in workflow.findings)
    _stale(workflows, set(targets.values()), existing, report)
    known = _validate(existing, changed) if workflows else set()
    if known:
        report.notes.append(
            f"the estate still has {len(known)} problem(s) it had before this import, such as "
            f"{min(known)}; `flowdrill validate` lists them (an overlay for a flow of a "
            "platform not imported yet clears once it is imported)"
        )
    return report, rendered, known


# --------------------------------------------------------------------------- checks


def _check_writable(ws: Workspace) -> None:
    if ws.bundled:
        raise InputError(
            "the bundled demo workspace is read-only: create your own with "
            "'flowdrill init' (or 'flowdrill init --demo') and import into it"
        )
    if not os.access(ws.root, os.W_OK):
        raise InputError(f"cannot write to the workspace folder {ws.root}")
    target = (ws.root / IMPORTED_DIR).resolve()
    for estate_path in ws.estate_paths():
        resolved = estate_path.resolve()
        if target == resolved or resolved in target.parents:
            return
    raise InputError(
        f'{IMPORTED_DIR.as_posix()} is not part of this workspace\'s estate; add "estate" '
        "to the estate list in flowdrill.toml so imported flows are loaded"
    )


def _check_platform(platform: str, kind: PlatformKind, existing: _Existing) -> None:
    if platform not in existing.platforms:
        ids = sorted(existing.platforms)
        known = ", ".join(ids[:15]) + (f" and {len(ids) - 15} more" if len(ids) > 15 else "")
        raise InputError(
            f"--platform {platform}: no such platform in the estate (known: {known or 'none'})"
        )
    platform_kind = existing.platforms[platform]
    if platform_kind not in (None, kind.value):
        raise InputError(
            f"--platform {platform} is a {platform_kind} platform; these are {kind.value} exports"
        )


# --------------------------------------------------------------------------- the workspace


def _read_existing(ws: Workspace) -> _Existing:
    documents = read_documents(ws.estate_files(), relative_to=ws.root, max_bytes=max_input_bytes())
    existing = _Existing(documents, {}, {}, {}, {}, {})
    for doc in documents:
        data = doc.data if isinstance(doc.data, dict) else {}
        generated = data.get("generated") if isinstance(data.get("generated"), dict) else None
        identity = (
            str(generated.get("identity")) if generated and generated.get("identity") else None
        )
        flows = [f for f in _items(data.get("flows")) if isinstance(f.get("id"), str)]
        for flow in flows:
            existing.flow_ids.setdefault(flow["id"], identity)
        for item in _items(data.get("platforms")):
            if isinstance(item.get("id"), str):
                kind = item.get("kind")
                existing.platforms.setdefault(item["id"], kind if isinstance(kind, str) else None)
        if generated is None or identity is None or not flows:
            continue
        path = Path(doc.file).as_posix()
        existing.generated[identity] = (path, flows[0]["id"])
        source = generated.get("source")
        if isinstance(source, str):
            existing.sources.setdefault(source, []).append(path)
        native = generated.get("native_id")
        if isinstance(native, str):
            instance = generated.get("instance")
            key = (instance if isinstance(instance, str) else None, native)
            existing.callees.setdefault(key, flows[0]["id"])
    return existing


def _items(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError):
        return ""


# --------------------------------------------------------------------------- ids and links


def _dedupe(workflows: list[ImportedWorkflow], report: ImportReport) -> list[ImportedWorkflow]:
    """One workflow per identity: a later export of the same workflow replaces an earlier one."""
    by_identity: dict[str, ImportedWorkflow] = {}
    for workflow in workflows:
        earlier = by_identity.pop(workflow.identity, None)
        if earlier is not None and _source(earlier) != _source(workflow):
            report.notes.append(
                f"{_source(workflow)} holds the same workflow as {_source(earlier)} "
                f"({workflow.flow.name}); the later file was kept"
            )
        by_identity[workflow.identity] = workflow
    return list(by_identity.values())


def _source(workflow: ImportedWorkflow) -> str:
    return workflow.flow.source.file if workflow.flow.source else ""


def _assign_ids(
    workflows: list[ImportedWorkflow], existing: _Existing, folder: Path
) -> dict[str, str]:
    """Final flow ids and file paths (by identity): reuse earlier imports', never collide."""
    ours = {w.identity for w in workflows}
    taken = {fid for fid, identity in existing.flow_ids.items() if identity not in ours}
    renames: dict[tuple[str, str], str] = {}
    paths: dict[str, str] = {}
    for workflow in workflows:
        provisional = workflow.flow.id
        previous = existing.generated.get(workflow.identity)
        if previous is not None and previous[1] not in taken:
            path, flow_id = previous
            taken.add(flow_id)
        else:
            base = f"{workflow.kind.value}.{workflow.slug}"
            flow_id = base if base not in taken else f"{base}-{short_hash(workflow.identity)}"
            flow_id = unique(flow_id, taken)
            path = (folder / f"{flow_id.removeprefix(workflow.kind.value + '.')}.yaml").as_posix()
        renames[(_source(workflow), provisional)] = flow_id
        workflow.flow.id = flow_id
        paths[workflow.identity] = path
    for workflow in workflows:  # links between flows of one file used provisional ids
        source = _source(workflow)
        for step in workflow.flow.steps:
            if step.calls_flow is not None:
                step.calls_flow = renames.get((source, step.calls_flow), step.calls_flow)
    return paths


def _resolve_links(workflows: list[ImportedWorkflow], existing: _Existing) -> None:
    """Sub-workflow calls and error workflows name their target by native id: find it."""
    callees = dict(existing.callees)
    for workflow in workflows:
        if workflow.native_id is not None:
            callees[(workflow.instance, workflow.native_id)] = workflow.flow.id
    loose: dict[str, set[str]] = {}
    for (_, native), flow_id in callees.items():
        loose.setdefault(native, set()).add(flow_id)

    def find(instance: str | None, native: str) -> str | None:
        found = callees.get((instance, native))
        if found is None and len(loose.get(native, ())) == 1:
            found = next(iter(loose[native]))
        return found

    for workflow in workflows:
        steps = {s.id: s for s in workflow.flow.steps}
        for step_id, native in workflow.subflow_calls.items():
            target = find(workflow.instance, native)
            if target is not None and step_id in steps:
                steps[step_id].calls_flow = target
                continue
            name = workflow.callee_names.get(native)
            detail = f"workflow id {native}" + (f" ('{name}')" if name else "")
            workflow.add_finding(
                "unresolved_subflow",
                f"nodes[{step_id!r}]",
                f"{detail} is not in this import or the workspace"[:300],
            )
        if workflow.error_workflow:
            target = find(workflow.instance, workflow.error_workflow)
            if target is not None:
                workflow.flow.error_flow = target
            else:
                workflow.add_finding(
                    "unresolved_error_workflow",
                    "settings.errorWorkflow",
                    f"workflow id {workflow.error_workflow} is not in this import or the workspace"[
                        :300
                    ],
                )


def _stale(
    workflows: list[ImportedWorkflow], written: set[str], existing: _Existing, report: ImportReport
) -> None:
    """Files generated earlier from these sources that this import no longer produces."""
    for source in sorted({_source(w) for w in workflows}):
        for path in existing.sources.get(source, []):
            if path not in written:
                report.notes.append(
                    f"{path} was imported from {source} earlier but is not in it any more; "
                    "delete it if the workflow is gone"
                )


# --------------------------------------------------------------------------- files


def document(
    workflow: ImportedWorkflow, *, include_platform: bool = True, platform: str | None = None
) -> dict[str, Any]:
    """The data of the generated estate file for one workflow."""
    if platform is not None:
        workflow.flow.platform = platform
    generated: dict[str, Any] = {
        "by": f"flowdrill import {workflow.kind.value}",
        "source": _UNSAFE.sub("?", _source(workflow)),
        "sha256": workflow.flow.source.sha256 if workflow.flow.source else None,
        "identity": workflow.identity,
    }
    if workflow.native_id is not None:
        generated["native_id"] = workflow.native_id
    if workflow.instance is not None:
        generated["instance"] = workflow.instance
    return {"generated": generated, **workflow.fragment(include_platform=include_platform)}


def render(data: dict[str, Any]) -> str:
    """A generated estate file: a header comment that says how to change it, then YAML."""
    kind = str(data["generated"]["by"]).rpartition(" ")[2]
    flow_id = data["flows"][0]["id"]
    header = (
        f"# Generated by `flowdrill import {kind}` from {data['generated']['source']}.\n"
        "# Do not edit: importing the same workflow again rewrites this file. Put owners,\n"
        "# criticality, RACI and monitors in a hand-written estate file, as an overlay:\n"
        f"#   overlay: {{flows: [{{id: {flow_id}, owner_team: ..., criticality: ...}}]}}\n"
    )
    return header + dump_yaml(data)


def _validate(existing: _Existing, new: dict[str, dict[str, Any]]) -> set[Problem]:
    """Build the estate as it would be after writing; raise with every problem the import
    would add. Problems the estate already had (an overlay naming a flow of a platform not
    imported yet) are returned instead: an import never makes the estate worse.

    New files are checked from their data (no YAML round trip); only if something is wrong
    are they parsed again, so that problems carry line numbers.
    """
    documents = [d for d in existing.documents if Path(d.file).as_posix() not in new]
    fresh = [Located(path, data) for path, data in new.items()]
    try:
        build_estate([*documents, *fresh])
        return set()
    except InvalidFiles:
        located = [parse_yaml(render(data), path)[0] for path, data in new.items()]
        after = _problems([*documents, *located])
    added = after - _problems(existing.documents)
    if added:
        raise ImportWouldBreakEstate(sorted(added))
    return after


def _problems(documents: list[Located]) -> set[Problem]:
    try:
        build_estate(documents)
    except InvalidFiles as exc:
        return set(exc.problems)
    return set()


def _write(ws: Workspace, rendered: dict[str, str], known: set[Problem]) -> None:
    """Write every file atomically; on any failure (or a problem the estate did not have)
    put back what was there before."""
    before: dict[Path, str | None] = {}
    try:
        for relative, text in rendered.items():
            path = ws.root / relative
            before[path] = _read_text(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            temporary.write_text(text, encoding="utf-8")
            temporary.replace(path)  # atomic: readers see the old file or the new one
        try:
            Workspace(ws.root, ws.config).estate  # noqa: B018 - the workspace must still load
        except InvalidFiles as exc:
            if not exc.problems or not set(exc.problems) <= known:
                raise
    except (OSError, InvalidFiles) as exc:
        _restore(before)
        if isinstance(exc, InvalidFiles):
            raise ImportWouldBreakEstate(exc.problems) from None
        raise InputError(f"cannot write {exc.filename or ws.root}: {exc.strerror}") from None


def _restore(before: dict[Path, str | None]) -> None:
    for path, text in before.items():
        try:
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")
        except OSError:  # pragma: no cover - nothing more we can do
            pass
