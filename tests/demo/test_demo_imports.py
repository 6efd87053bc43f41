"""The demo's n8n and Node-RED flows come from native exports, through flowdrill's importers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from flowdrill.estate.model import Estate, PlatformKind
from flowdrill.service.imports import (
    DEMO_EXPORTS,
    IMPORTED_DIR,
    demo_import_summary,
    import_exports,
)
from flowdrill.service.workspace import demo_root, init_workspace, open_workspace

IMPORTED = demo_root() / IMPORTED_DIR
OVERLAYS = {
    PlatformKind.n8n: demo_root() / "estate" / "flows-n8n-overlay.yaml",
    PlatformKind.nodered: demo_root() / "estate" / "flows-nodered-overlay.yaml",
}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def estate() -> Estate:
    return open_workspace(demo=True).estate


def _overlay(kind: PlatformKind) -> list[dict[str, Any]]:
    flows: list[dict[str, Any]] = yaml.safe_load(OVERLAYS[kind].read_text(encoding="utf-8"))[
        "overlay"
    ]["flows"]
    return flows


def test_reimporting_the_exports_into_a_copy_changes_nothing(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", demo=True)
    assert (ws.root / "exports").is_dir()  # init copies the exports with the estate
    for kind, folder, platform in DEMO_EXPORTS:
        report = import_exports(ws, kind=kind, paths=[ws.root / folder], platform=platform)
        assert report.failures == []
        assert {f.status for f in report.files} == {"unchanged"}, report.files
    assert _tree(ws.root / IMPORTED_DIR) == _tree(IMPORTED)


def test_importing_from_scratch_writes_the_same_files(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "fresh")
    (ws.root / "estate" / "platforms.yaml").write_text(
        "platforms:\n"
        "  - {id: n8n-prod, name: n8n, kind: n8n}\n"
        "  - {id: nodered-dc1, name: Node-RED, kind: nodered}\n",
        encoding="utf-8",
    )
    for kind, folder, platform in DEMO_EXPORTS:
        report = import_exports(ws, kind=kind, paths=[demo_root() / folder], platform=platform)
        assert {f.status for f in report.files} == {"new"}
    assert _tree(ws.root / IMPORTED_DIR) == _tree(IMPORTED)


def test_n8n_and_nodered_flows_come_from_the_importer(estate: Estate) -> None:
    platforms = {p.id: p.kind for p in estate.platforms}
    by_kind = {
        kind: [f for f in estate.flows if platforms[f.platform] is kind]
        for kind in (PlatformKind.n8n, PlatformKind.nodered)
    }
    assert (len(by_kind[PlatformKind.n8n]), len(by_kind[PlatformKind.nodered])) == (12, 5)
    exports = {kind: demo_root() / folder for kind, folder, _ in DEMO_EXPORTS}
    for kind, flows in by_kind.items():
        for flow in flows:
            assert flow.source is not None and flow.source.format is kind, flow.id
            assert (exports[kind] / flow.source.file).is_file()
            assert flow.id.startswith(f"{kind.value}.")


@pytest.mark.parametrize("kind", list(OVERLAYS), ids=[k.value for k in OVERLAYS])
def test_overlay_fields_are_applied(estate: Estate, kind: PlatformKind) -> None:
    flows = estate.by_id("flows")
    for entry in _overlay(kind):
        flow = flows[entry["id"]]
        assert flow.source is not None
        data = flow.model_dump(mode="json")
        for field, value in entry.items():
            if field not in ("id", "steps", "trigger"):
                assert data[field] == value, (flow.id, field)
        assert data["trigger"] | entry.get("trigger", {}) == data["trigger"]
        steps = {s.id: s for s in flow.steps}
        generated = yaml.safe_load(
            (IMPORTED / kind.value / f"{flow.id.split('.', 1)[1]}.yaml").read_text("utf-8")
        )["flows"][0]
        imported_ids = {s["id"] for s in generated["steps"]}
        for patch in entry["steps"]:
            # an overlay step the importer does not produce would silently become a new step
            assert patch["id"] in imported_ids, (flow.id, patch["id"])
            step = steps[patch["id"]]
            for field in ("system", "credential"):
                if field in patch:
                    assert getattr(step, field) == patch[field]
            touched = [{"dataset": t.dataset, "access": t.access.value} for t in step.touchpoints]
            assert touched == patch.get("touchpoints", touched)


def test_importer_guesses_that_overlays_replaced_are_gone(estate: Estate) -> None:
    """Steps point at the curated systems and credentials; the importer's are not left over."""
    guessed = ("http:", "mqtt:", "postgres:", "n8n-cred:")
    systems = [s.id for s in estate.systems]
    assert [s for s in systems if s.startswith(guessed) or s == "postgres"] == []
    assert [c.id for c in estate.credentials if c.id.startswith(guessed)] == []
    assert all(d.system in systems for d in estate.datasets if d.system)
    curated = yaml.safe_load((demo_root() / "estate" / "credentials.yaml").read_text("utf-8"))
    assert sorted(c.id for c in estate.credentials) == sorted(
        c["id"] for c in curated["credentials"]
    )


def _planted_secrets() -> list[str]:
    """The fake secrets planted in the exports, read from the exports themselves."""
    n8n = json.loads((demo_root() / "exports/n8n/fulfilment-sync.json").read_text("utf-8"))
    fetch = next(n for n in n8n["nodes"] if n["name"] == "Fetch shipments")
    (header,) = fetch["parameters"]["headerParameters"]["parameters"]
    nodered = json.loads((demo_root() / "exports/nodered/flows.json").read_text("utf-8"))
    (alert,) = [n for n in nodered if n.get("name") == "Alert Slack"]
    return [header["value"].split()[-1], alert["url"]]


def test_planted_secrets_are_redacted_and_recorded(estate: Estate) -> None:
    flows = estate.by_id("flows")
    for flow_id, where in (
        ("n8n.fulfilment-sync", "nodes['Fetch shipments'].parameters.headerParameters"),
        ("nodered.dock-sensors", "nodes['Alert Slack'].url"),
    ):
        findings = flows[flow_id].source.findings
        assert any(
            f.kind == "secret_redacted" and f.location.startswith(where) for f in findings
        ), (flow_id, findings)
    planted = yaml.safe_load((demo_root() / "planted.yaml").read_text("utf-8"))
    secrets = {g["element"] for g in planted["gaps"] if g["kind"] == "hardcoded_secret"}
    assert secrets == {"flows/n8n.fulfilment-sync", "flows/nodered.dock-sensors"}


def test_planted_secret_values_are_nowhere_in_the_estate() -> None:
    values = _planted_secrets()
    assert all(len(v) >= 20 for v in values)
    files = [*(demo_root() / "estate").rglob("*.yaml"), demo_root() / "planted.yaml"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not any(v in text for v in values), path


def test_demo_import_summary_reads_the_demo_without_writing() -> None:
    before = _tree(IMPORTED)
    reports = demo_import_summary()
    assert [r.kind for r in reports] == [PlatformKind.n8n, PlatformKind.nodered]
    assert [r.imported for r in reports] == [12, 5]
    assert all(f.status == "unchanged" for r in reports for f in r.files)
    assert reports[0].findings["secret_redacted"] == 1
    assert reports[0].findings["unauthenticated_webhook"] == 2
    assert reports[1].findings["secret_redacted"] == 1
    assert _tree(IMPORTED) == before
