"""CLI end to end: generate -> plan -> export on a copy of the demo, and on --demo --out."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from flowdrill.cli import app
from flowdrill.errors import InputError, InvalidFiles
from flowdrill.service.workspace import init_workspace

runner = CliRunner()


def test_generate_plan_export_on_a_demo_copy(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    init_workspace(ws, demo=True)
    base = ["--workspace", str(ws)]
    result = runner.invoke(app, [*base, "scenario", "generate", "--seed", "3"])
    assert result.exit_code == 0, result.output
    (scenario_file,) = (ws / "scenarios").glob("*.yaml")
    result = runner.invoke(app, [*base, "scenario", "generate", "--compound", "during_rotation"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [*base, "scenario", "list"])
    assert scenario_file.stem[:4] in result.output
    result = runner.invoke(app, [*base, "scenario", "validate", str(scenario_file)])
    assert result.exit_code == 0 and "valid" in result.output
    result = runner.invoke(
        app,
        [*base, "plan", scenario_file.stem, "--export", "all", "--objective", "Revenue: ok"],
    )
    assert result.exit_code == 0, result.output
    (plan_file,) = (ws / "plans").glob("*.yaml")
    exports = ws / "exports" / plan_file.stem
    assert {p.name for p in exports.iterdir()} == {
        "handout.md",
        "facilitator-guide.md",
        "chaostoolkit.json",
    }
    assert json.loads((exports / "chaostoolkit.json").read_text(encoding="utf-8"))["method"]
    show = runner.invoke(app, [*base, "scenario", "show", scenario_file.stem])
    assert show.exit_code == 0 and "failures:" in show.output


def test_demo_needs_out(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--demo", "scenario", "generate"])
    assert result.exit_code == InputError.exit_code
    assert "--out" in result.output


def test_demo_with_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["--demo", "scenario", "generate", "--seed", "1", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    (scenario_file,) = (out / "scenarios").glob("*.yaml")
    result = runner.invoke(
        app,
        ["--demo", "plan", scenario_file.stem, "--export", "handout", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert list((out / "exports").glob("*/handout.md"))


def test_catalog_commands() -> None:
    result = runner.invoke(app, ["--demo", "catalog", "list", "--format", "json"])
    assert result.exit_code == 0
    assert len(json.loads(result.output)) >= 16
    result = runner.invoke(app, ["--demo", "catalog", "show", "webhook_flood"])
    assert result.exit_code == 0 and "webhook_trigger" in result.output


def test_validate_broken_scenario(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nseed: 1\nnarrative: n\nfailures: []\n", encoding="utf-8")
    result = runner.invoke(app, ["--demo", "scenario", "validate", str(bad)])
    assert result.exit_code == InvalidFiles.exit_code
    assert "bad.yaml" in result.output and "failures" in result.output
