"""The bundled demo estate: big enough to be realistic, and its planted list is true."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from flowdrill.cli import app
from flowdrill.estate.model import COLLECTIONS, Estate
from flowdrill.service.workspace import demo_root, open_workspace

TODAY = date(2026, 11, 29)  # the reference date of planted.yaml


@pytest.fixture(scope="module")
def estate() -> Estate:
    return open_workspace(demo=True).estate


@pytest.fixture(scope="module")
def planted() -> dict[str, list[dict[str, str]]]:
    data: dict[str, list[dict[str, str]]] = yaml.safe_load(
        (demo_root() / "planted.yaml").read_text(encoding="utf-8")
    )
    return data


def test_demo_meets_the_minimum_size(estate: Estate) -> None:
    platforms = {p.id: p.kind.value for p in estate.platforms}
    per_platform = Counter(platforms[f.platform] for f in estate.flows)
    assert len(estate.flows) >= 24
    assert {"n8n", "nodered", "zapier", "make"} <= set(per_platform)
    assert len(estate.systems) >= 14
    assert len(estate.credentials) >= 10
    assert len(estate.runbooks) >= 2
    assert any(d.invariants for d in estate.datasets)
    kinds = {s.kind.value for s in estate.systems}
    assert {"shop", "payments", "erp", "crm", "warehouse", "spreadsheet"} <= kinds
    assert {"data_warehouse", "support_desk", "chat", "email"} <= kinds


def test_some_credentials_are_shared(estate: Estate) -> None:
    users = Counter(
        c for f in estate.flows for c in {s.credential for s in f.steps if s.credential}
    )
    assert sum(1 for n in users.values() if n > 1) >= 3


def test_teams_have_an_escalation_chain(estate: Estate) -> None:
    assert all(t.escalation for t in estate.teams if t.id != "leadership")


def _exists(estate: Estate, element: str) -> bool:
    collection, _, rest = element.partition("/")
    if collection == "touchpoints":
        return rest in estate.touchpoint_keys()
    assert collection in COLLECTIONS, element
    return rest in estate.by_id(collection)


def test_every_planted_element_exists(
    estate: Estate, planted: dict[str, list[dict[str, str]]]
) -> None:
    items = planted["critical_points"] + planted["gaps"]
    assert len(planted["critical_points"]) >= 5 and len(planted["gaps"]) >= 20
    missing = [i["element"] for i in items if not _exists(estate, i["element"])]
    assert missing == []


def test_planted_rotation_gaps_are_overdue(
    estate: Estate, planted: dict[str, list[dict[str, str]]]
) -> None:
    creds = estate.by_id("credentials")
    overdue = [
        g["element"].split("/")[1] for g in planted["gaps"] if g["kind"] == "rotation_overdue"
    ]
    assert len(overdue) >= 2
    for cred_id in overdue:
        cred = creds[cred_id]
        assert cred.last_rotated and cred.rotation_days
        assert cred.last_rotated + timedelta(days=cred.rotation_days) < TODAY


def test_planted_monitor_gaps_are_true(
    estate: Estate, planted: dict[str, list[dict[str, str]]]
) -> None:
    watched = {m.flow for m in estate.monitors}
    for gap in planted["gaps"]:
        kind, (_, ident) = gap["kind"], gap["element"].split("/", 1)
        if kind == "no_monitor":
            assert ident not in watched
        if kind == "monitor_without_route":
            assert estate.by_id("monitors")[ident].alert_route is None


def test_make_demo_prints_the_overview(tmp_path: Path) -> None:
    out = tmp_path / "demo-out"
    result = CliRunner().invoke(app, ["demo", "--out", str(out)], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    for text in (
        "Northwind Outfitters",
        "Flows per platform",
        "Most critical flows",
        "zapier",
        "Critical integration points",
        "Single points of failure and gaps",
    ):
        assert text in result.stdout
    assert len(list((out / "scenarios").glob("*.yaml"))) == 1
    assert len(list((out / "plans").glob("*.yaml"))) == 1
    assert (out / "diagrams" / "estate.svg").is_file()
    assert len(list((out / "exports").rglob("*.md"))) == 2
    for text in (
        "What the importers found",  # import summary
        "secret_redacted",
        "Timeline",  # the simulator's alert timeline
        "Integrity: NOT RESTORED",  # nobody acting: the damage stays
        "integrity restored: yes",  # the autopilot following the runbook repairs it
        "time to recover",
        "Decision quality: 1 of 1 decision(s) acted on the estate: 1 prevented",
        "One record's story",
    ):
        assert text in result.stdout, text
    (report,) = (out / "reports").rglob("after-action-report.md")
    assert "Improvement plan" in report.read_text(encoding="utf-8")
    again = CliRunner().invoke(app, ["demo", "--out", str(out)], env={"COLUMNS": "160"})
    assert again.exit_code == 0, again.output  # re-runnable: replaces its own outputs
    assert "n8n.shopify-order-intake" in result.stdout
