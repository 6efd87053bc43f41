"""The command line: exit codes, clean errors, and the commands of the Foundation."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from flowdrill.cli import app

runner = CliRunner()
BROKEN = Path(__file__).parents[1] / "data" / "estate" / "broken"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a child process, as a user would run it."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("FLOWDRILL_WORKSPACE", None)
    return subprocess.run(
        [sys.executable, "-m", "flowdrill", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )


def test_validate_reports_every_problem_with_exit_code_2(tmp_path: Path) -> None:
    for name in ("03-unknown-team.yaml", "08-bad-enum.yaml", "04-wrong-type.yaml"):
        shutil.copy(BROKEN / name, tmp_path / name)
    result = run("validate", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error ")]
    assert len(errors) == 3, result.stderr
    assert "03-unknown-team.yaml:5:18: systems[0].owner_team: unknown team 'opz'" in result.stderr
    assert "3 problems found" in result.stderr


def test_validate_json_output_is_machine_readable() -> None:
    result = runner.invoke(
        app, ["validate", str(BROKEN / "06-unknown-field.yaml"), "--format", "json"]
    )
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert data["problems"][0]["line"] == 5
    assert data["problems"][0]["path"] == "teams[0].ownr"


def test_validate_valid_file(data_dir: Path) -> None:
    result = runner.invoke(app, ["validate", str(data_dir / "estate" / "minimal.yaml")])
    assert result.exit_code == 0, result.output
    assert "valid" in result.stdout and "1 flows" in result.stdout


def test_init_then_validate_and_overview_in_the_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    assert run("init", str(ws)).returncode == 0
    assert (ws / "flowdrill.toml").is_file()
    assert (ws / ".flowdrill" / "flowdrill.db").is_file()
    shutil.copy(
        Path(__file__).parents[1] / "data" / "estate" / "minimal.yaml",
        ws / "estate" / "estate.yaml",
    )
    assert run("validate", cwd=ws / "estate").returncode == 0  # found by walking upwards
    result = run("overview", cwd=ws)
    assert result.returncode == 0, result.stderr
    assert "order-to-invoice" in result.stdout


def test_init_refuses_to_overwrite_a_workspace(tmp_path: Path) -> None:
    assert run("init", str(tmp_path)).returncode == 0
    config = (tmp_path / "flowdrill.toml").read_text()
    result = run("init", str(tmp_path), "--demo")
    assert result.returncode == 2
    assert "already exists" in result.stderr
    assert (tmp_path / "flowdrill.toml").read_text() == config


def test_no_workspace_gives_exit_code_3(tmp_path: Path) -> None:
    result = run("overview", cwd=tmp_path)
    assert result.returncode == 3
    assert "flowdrill init" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_workspace_config_is_located(tmp_path: Path) -> None:
    (tmp_path / "flowdrill.toml").write_text("[workspace]\nname = \n")
    result = run("overview", cwd=tmp_path)
    assert result.returncode == 2
    assert "flowdrill.toml:2:" in result.stderr and "TOML syntax error" in result.stderr


def test_schema_estate_is_a_json_schema() -> None:
    result = runner.invoke(app, ["schema", "estate"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "flowdrill estate file"
    assert {"flows", "systems", "raci", "overlay"} <= set(schema["properties"])
    assert "Flow" in schema["$defs"]


def test_schema_validates_the_minimal_estate(data_dir: Path) -> None:
    import jsonschema
    import yaml

    schema = json.loads(runner.invoke(app, ["schema", "estate"]).stdout)
    data = yaml.safe_load((data_dir / "estate" / "minimal.yaml").read_text())
    data["credentials"][0]["last_rotated"] = str(data["credentials"][0]["last_rotated"])
    jsonschema.validate(data, schema)


def test_unexpected_errors_never_show_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "flowdrill.toml").write_text("[workspace]\nestate = ['missing-dir']\n")
    result = run("overview", cwd=tmp_path)
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("flowdrill ")
