"""`flowdrill analyze`: three formats, diagrams, weights from the workspace config."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from flowdrill.cli import app
from flowdrill.errors import InputError
from flowdrill.service.workspace import init_workspace

runner = CliRunner()
TODAY = ["--today", "2026-11-29"]


def test_text_shows_the_ranking_and_the_findings() -> None:
    result = runner.invoke(app, ["--demo", "analyze", *TODAY, "--top", "3"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Critical integration points" in result.output
    assert "credentials/netsuite-tba" in result.output
    assert "bus_factor" in result.output
    assert "weights: blast_radius 0.3" in result.output


def test_json_is_one_documented_object() -> None:
    result = runner.invoke(app, ["--demo", "analyze", *TODAY, "--format", "json", "--top", "5"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == [
        "schema_version",
        "estate",
        "today",
        "weights",
        "graph",
        "ranking",
        "findings",
        "summary",
    ]
    assert data["schema_version"] == "1"
    assert data["today"] == "2026-11-29"
    assert len(data["ranking"]) == 5
    first = data["ranking"][0]
    assert {f["name"] for f in first["factors"]} == set(data["weights"])
    assert {"kind", "severity", "element", "evidence", "fix"} <= set(data["findings"][0])


def test_markdown_report() -> None:
    result = runner.invoke(app, ["--demo", "analyze", *TODAY, "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Analysis: Northwind Outfitters\n")
    assert "## Critical integration points" in result.stdout
    assert "## Runbook gaps" in result.stdout


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_diagrams_are_written_as_mermaid_and_svg(tmp_path: Path) -> None:
    out = tmp_path / "diagrams"
    result = runner.invoke(
        app, ["--demo", "analyze", *TODAY, "--format", "json", "--diagrams", str(out)]
    )
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)  # the notice went to stderr, stdout stays JSON
    svg = (out / "estate.svg").read_text(encoding="utf-8")
    texts = {t.text for t in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")}
    assert "Invoice generator (sub-workflow)" in texts
    assert "Label print service (link in)" in texts
    flow_svg = ElementTree.fromstring((out / "flow-n8n.payment-sync.svg").read_text("utf-8"))
    title = [t.text for t in flow_svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "Stripe payments -> NetSuite customer payments" in title
    assert (out / "lineage.mmd").read_text(encoding="utf-8").startswith("%% Data lineage")
    assert len(list(out.glob("flow-*.svg"))) == 27


def test_weights_come_from_the_workspace_config(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", demo=True)
    config = ws.root / "flowdrill.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + "\n[analysis.weights]\nexposure = 0.5\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["--workspace", str(ws.root), "analyze", *TODAY, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["weights"]["exposure"] == 0.5


def test_unknown_weight_is_an_input_error(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", demo=True)
    config = ws.root / "flowdrill.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + "\n[analysis.weights]\nblast = 1\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["--workspace", str(ws.root), "analyze"])
    if isinstance(result.exception, InputError):  # raised, or already turned into exit code 2
        assert "known factors" in str(result.exception)
    else:
        assert result.exit_code == 2
        assert "known factors" in result.output


def test_a_bad_date_exits_2_without_a_traceback() -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "flowdrill", "--demo", "analyze", "--today", "yesterday"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--today" in result.stderr
    assert "Traceback" not in result.stderr
