"""`flowdrill run` at the prompt and on autopilot, then `flowdrill report`."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from flowdrill.cli import app
from flowdrill.service import drills
from flowdrill.service.audit import event_log
from flowdrill.service.workspace import init_workspace

runner = CliRunner()


def _workspace(tmp_path: Path) -> tuple[Path, str, str]:
    ws = init_workspace(tmp_path / "ws", demo=True)
    stored = drills.generate(ws, seed=1)
    _, plan, _ = drills.make_plan(ws, stored.scenario.id)
    task = plan.objectives[0].critical_tasks[0].id
    return ws.root, plan.id, task


def _exercises(root: Path) -> list[str]:
    from flowdrill.service.workspace import open_workspace

    log = event_log(open_workspace(root))
    ids = [e["id"] for e in log.exercises()]
    log.close()
    return ids


def test_facilitator_prompt_drives_a_drill(tmp_path: Path) -> None:
    root, plan, task = _workspace(tmp_path)
    script = (
        "\n".join(
            [
                "help",
                "status",
                'say incident "Orders look stuck, checking n8n"',
                'inject incident "Vendor status page says [all good]"',
                'decide "Pause order intake" "Stop duplicates spreading" approver=incident-lead',
                "act pause_flow decision=d1",  # refused: waiting for approval
                "approve d1",
                "act do_nothing decision=d1",
                "bogus",
                "runs",
                "runs nope",
                f'observe {task} M "escalated late"',
                'nearmiss "almost replayed without de-duplication"',
                "phase",
                "end",
            ]
        )
        + "\n"
    )
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "flowdrill", "-w", str(root), "run", plan],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Documented commands" in out  # help
    assert "#incident: Orders look stuck" in out
    assert (
        "INJECT [status_update] facilitator → #incident: Vendor status page says [all good]" in out
    )
    assert "waiting for approval" in out
    assert "d1 approved" in out
    assert "unknown command 'bogus'" in out
    assert "usage: runs FLOW" in out and "no flow 'nope' in the estate" in out
    assert "PHASE → triage" in out
    (exercise,) = _exercises(root)
    report = runner.invoke(app, ["-w", str(root), "report", exercise])
    assert report.exit_code == 0, report.output
    folder = root / "reports" / exercise
    markdown = (folder / "after-action-report.md").read_text(encoding="utf-8")
    assert "Pause order intake" in markdown and "almost replayed" in markdown
    rows = list(csv.DictReader(io.StringIO((folder / "action-items.csv").read_text())))
    assert rows, "an improvement plan with at least one corrective action"
    assert (folder / "after-action-report.html").read_text().startswith("<!DOCTYPE html>")


def test_autopilot_from_the_command_line(tmp_path: Path) -> None:
    root, plan, _ = _workspace(tmp_path)
    result = runner.invoke(
        app, ["-w", str(root), "run", plan, "--autopilot", "auto"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "detected: yes" in result.output
    assert "time to detect" in result.output
    (exercise,) = _exercises(root)
    assert runner.invoke(app, ["-w", str(root), "audit", "verify", exercise]).exit_code == 0


def test_run_needs_a_plan_or_resume(tmp_path: Path) -> None:
    root, _, _ = _workspace(tmp_path)
    result = runner.invoke(app, ["-w", str(root), "run"])
    assert result.exit_code == 2 and "--resume" in result.output
    result = runner.invoke(app, ["-w", str(root), "run", "p-nope", "--autopilot", "auto"])
    assert result.exit_code == 2 and "no plan 'p-nope'" in result.output


def test_runs_at_the_prompt_show_the_errors_the_platform_logged(tmp_path: Path) -> None:
    from rich.console import Console

    from flowdrill.cli.facilitate import Facilitator
    from flowdrill.service.exercises import Drill

    ws = init_workspace(tmp_path / "ws", demo=True)
    stored = drills.generate(ws, seed=1, mode="auth_mismatch")
    _, plan, _ = drills.make_plan(ws, stored.scenario.id)
    drill = Drill.start(ws, plan.id)
    try:
        drill.advance(20)
        failed = {f: m["failed"] for f, m in drill.sim.flow_metrics().items()}
        broken = max(drill.affected_flows(), key=failed.__getitem__)
        out = io.StringIO()
        shell = Facilitator(drill, Console(file=out, width=250, no_color=True))
        shell.onecmd(f"runs {broken} error")
        shell.onecmd("story")
    finally:
        drill.close()
    text = out.getvalue()
    assert f"({broken}): newest runs" in text
    assert "401 Unauthorized" in text and "success" not in text
    assert "sent to the dead-letter queue" in text  # the story of the first record hit
