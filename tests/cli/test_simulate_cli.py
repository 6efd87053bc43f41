"""``flowdrill simulate`` end to end through Typer."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from flowdrill.cli import app

runner = CliRunner()


def test_simulate_text_shows_timeline_and_verdict() -> None:
    result = runner.invoke(
        app,
        [
            "--demo",
            "simulate",
            "auth_mismatch",
            "--until",
            "40",
            "--action",
            "T+20 rotate_credential netsuite-tba",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Timeline" in result.output and "[FIRING]" in result.output
    assert "Integrity: NOT RESTORED" in result.output
    assert "One record's story" in result.output and "dead-letter queue (at step" in result.output


def test_simulate_json() -> None:
    result = runner.invoke(app, ["--demo", "simulate", "demo", "--until", "20", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"alerts", "flows", "integrity", "conservation", "record_story"} <= set(data)


def test_simulate_bad_action_is_a_clean_error() -> None:
    result = runner.invoke(app, ["--demo", "simulate", "demo", "--action", "soon pause"])
    assert result.exit_code != 0
    assert "cannot read action" in str(result.exception) + result.output
