"""``flowdrill import``: output, exit codes 0/2/4, one line per bad file, no secrets printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from flowdrill.cli import app
from tests.estate.importers.corpus import CORPUS, MAKE_EXAMPLES, N8N_MALFORMED, N8N_VALID
from tests.estate.importers.secrets import credential_emails, leaks, secrets_in

runner = CliRunner()


def init(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    return ws


def flowdrill(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1"}
    env.pop("FLOWDRILL_WORKSPACE", None)
    return subprocess.run(
        [sys.executable, "-m", "flowdrill", "--workspace", str(ws), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_partial_failure_exits_4_with_one_line_per_bad_file(tmp_path: Path) -> None:
    ws = init(tmp_path)
    result = flowdrill(ws, "import", "n8n", *map(str, N8N_VALID[:3]), *map(str, N8N_MALFORMED))
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(N8N_MALFORMED)
    for path, line in zip(N8N_MALFORMED, sorted(lines), strict=True):
        assert path.name in line
    assert any(
        "zM000_1271_Automate.json: not an n8n workflow: keys look like quoted JSON fragments "
        '("\\"nodes\\"")' in line
        for line in lines
    )
    assert any("eM009" in line and "not valid JSON: extra data" in line for line in lines)
    assert "imported 3 workflow(s)" in result.stdout
    assert len(list((ws / "estate" / "imported" / "n8n").glob("*.yaml"))) == 3


def test_nothing_imported_exits_2(tmp_path: Path) -> None:
    ws = init(tmp_path)
    result = runner.invoke(app, ["-w", str(ws), "import", "n8n", *map(str, N8N_MALFORMED[:2])])
    assert result.exit_code == 2
    result = runner.invoke(app, ["-w", str(ws), "import", "n8n", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "no such file or folder" in result.stderr


def test_all_imported_exits_0_and_reimport_is_unchanged(tmp_path: Path) -> None:
    ws = init(tmp_path)
    args = ["-w", str(ws), "import", "n8n", *map(str, N8N_VALID[:5])]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "5 new" in first.stdout
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "5 unchanged" in again.stdout


def test_dry_run_and_json_output(tmp_path: Path) -> None:
    ws = init(tmp_path)
    result = runner.invoke(
        app,
        [
            "-w",
            str(ws),
            "import",
            "nodered",
            str(CORPUS / "nodered"),
            "--dry-run",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["dry_run"] is True and data["failures"] == []
    assert {w["status"] for w in data["workflows"]} == {"new"}
    assert not (ws / "estate" / "imported").exists()


def test_make_and_platform_option(tmp_path: Path) -> None:
    ws = init(tmp_path)
    (ws / "estate" / "platforms.yaml").write_text(
        "platforms: [{id: make-eu, name: Make EU, kind: make}]\n", encoding="utf-8"
    )
    result = runner.invoke(
        app, ["-w", str(ws), "import", "make", *map(str, MAKE_EXAMPLES), "--platform", "make-eu"]
    )
    assert result.exit_code == 0, result.output
    assert "1 unknown node types: acme-erp:pushInvoice" in result.stdout
    text = "".join(p.read_text() for p in (ws / "estate" / "imported" / "make").glob("*.yaml"))
    assert "platform: make-eu" in text and "platforms:" not in text


def test_demo_workspace_is_refused() -> None:
    result = runner.invoke(app, ["--demo", "import", "n8n", str(N8N_VALID[0])])
    assert result.exit_code == 2 and "read-only" in result.stderr


def test_no_secret_is_printed_or_stored(tmp_path: Path) -> None:
    ws = init(tmp_path)
    valid = [*N8N_VALID, *sorted((CORPUS / "nodered" / "valid").glob("*.json"))]
    secrets = secrets_in(valid) | credential_emails(N8N_VALID)
    assert len(secrets) >= 10
    outputs: list[bytes] = []
    runs = [
        ("n8n", CORPUS / "n8n", []),
        ("n8n", CORPUS / "n8n", ["--format", "json", "--dry-run"]),
        ("nodered", CORPUS / "nodered", []),
    ]
    for kind, folder, extra in runs:
        result = runner.invoke(app, ["-w", str(ws), "import", kind, str(folder), *extra])
        assert result.exit_code in (0, 4), result.output
        outputs += [result.stdout.encode(), result.stderr.encode()]
    stored = [p.read_bytes() for p in ws.rglob("*") if p.is_file()]
    assert len(stored) > 150
    assert leaks(secrets, [*stored, *outputs]) == []
