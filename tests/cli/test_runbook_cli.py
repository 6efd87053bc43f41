"""`flowdrill runbook lint|coverage|test`: output and CI exit codes."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from flowdrill.cli import app
from flowdrill.service.workspace import init_workspace

runner = CliRunner()

STALE = """---
id: rb-stale
title: Written before the estate moved on
owner_team: finance-systems
reviewed: 2026-01-01
flows: [n8n.payment-sync]
steps:
  - {id: rotate, title: Rotate, role: admin, action: rotate_credential, target: netsuite-old}
---
"""


def test_lint_is_clean_on_the_demo_and_exits_2_on_findings(tmp_path: Path) -> None:
    assert runner.invoke(app, ["--demo", "runbook", "lint"]).exit_code == 0
    ws = init_workspace(tmp_path / "ws", demo=True)
    assert (ws.root / "runbooks").is_dir()  # init --demo copies the Markdown runbooks
    (ws.root / "runbooks" / "stale.md").write_text(STALE, encoding="utf-8")
    result = runner.invoke(app, ["-w", str(ws.root), "runbook", "lint", "rb-stale"])
    assert result.exit_code == 2
    assert "rb-stale#rotate" in result.output and "'netsuite-old'" in result.output
    assert "missing_validation" in result.output


def test_coverage_shows_the_matrix_and_gaps() -> None:
    result = runner.invoke(app, ["--demo", "runbook", "coverage"])
    assert result.exit_code == 0
    assert "GAP" in result.output and "rb-payment-sync" in result.output


def test_runbook_test_exits_7_with_the_first_failing_step() -> None:
    result = runner.invoke(app, ["--demo", "runbook", "test", "rb-payment-sync", "--quick"])
    assert result.exit_code == 7
    assert "rb-payment-sync#rotate-token" in result.output.replace("\n", "")


def test_runbook_test_passes_on_the_current_estate() -> None:
    args = ["--demo", "runbook", "test", "rb-payment-sync", "--quick", "--no-evolved", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert '"passed": true' in result.output


def test_unknown_runbook_is_a_clean_error() -> None:
    result = runner.invoke(app, ["--demo", "runbook", "test", "rb-nope"])
    assert result.exit_code == 2
    assert "no runbook 'rb-nope'" in result.output
