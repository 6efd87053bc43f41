"""`flowdrill audit verify/export` on a real workspace store."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from flowdrill.cli import app
from flowdrill.service.audit import event_log
from flowdrill.service.workspace import init_workspace

runner = CliRunner()


def _workspace_with_log(tmp_path: Path) -> tuple[Path, str]:
    ws = init_workspace(tmp_path / "ws")
    log = event_log(ws)
    ex = log.create_exercise(title="Payment sync drill")
    for i in range(3):
        log.append(ex, "inject_delivered", {"inject": f"i{i}"}, at=i * 5)
    log.close()
    return ws.root, ex


def test_verify_an_intact_store_and_its_export(tmp_path: Path) -> None:
    root, ex = _workspace_with_log(tmp_path)
    result = runner.invoke(app, ["-w", str(root), "audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"intact {ex}: 3 events" in result.stdout
    out = tmp_path / "log.jsonl"
    assert (
        runner.invoke(app, ["-w", str(root), "audit", "export", ex, "--out", str(out)]).exit_code
        == 0
    )
    assert len(out.read_text().splitlines()) == 3
    result = runner.invoke(app, ["audit", "verify", "--file", str(out)])
    assert result.exit_code == 0 and "intact" in result.stdout


def test_a_tampered_export_fails_with_exit_code_6(tmp_path: Path) -> None:
    root, ex = _workspace_with_log(tmp_path)
    out = tmp_path / "log.jsonl"
    runner.invoke(app, ["-w", str(root), "audit", "export", ex, "--out", str(out)])
    lines = out.read_text().splitlines(keepends=True)
    out.write_text(lines[0] + lines[2])  # delete the second event
    result = runner.invoke(app, ["audit", "verify", "--file", str(out)])
    assert result.exit_code == 6
    assert "deleted: seq 2 missing" in result.output


def test_unknown_exercise(tmp_path: Path) -> None:
    root, _ = _workspace_with_log(tmp_path)
    result = runner.invoke(app, ["-w", str(root), "audit", "verify", "ex-nope"])
    assert result.exit_code == 2
