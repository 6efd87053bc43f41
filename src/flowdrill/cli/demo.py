"""`flowdrill demo`: the whole journey on the bundled demo estate (what `make demo` runs)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

import typer

OUTPUTS = ("scenarios", "plans", "exports", "diagrams", "reports", "program")
DATABASE = "flowdrill.db"


def demo(
    out: Annotated[
        Path,
        typer.Option("--out", file_okay=False, help="Folder for what the demo writes."),
    ] = Path("flowdrill-demo"),
    seed: Annotated[int, typer.Option(help="Seed of the generated scenario.")] = 1,
) -> None:
    """The whole journey on the bundled demo estate (what `make demo` runs): map, analyse,
    design a drill, rehearse it in the simulator, run it on autopilot, write the report.

    The demo workspace is used in place and never changed; what the demo writes (diagrams,
    scenario, plan, exports, the exercise database and the report) goes to --out, replaced on
    each run.
    """
    from flowdrill.cli.analyze import render_analysis, write_diagrams
    from flowdrill.cli.drills import show_plan, show_scenario
    from flowdrill.cli.imports import print_import_report
    from flowdrill.cli.output import console
    from flowdrill.cli.render import render_overview
    from flowdrill.cli.run import show_autopilot
    from flowdrill.cli.simulate import print_simulation
    from flowdrill.estate.summary import overview
    from flowdrill.report.aar import quality_summary
    from flowdrill.service import drills
    from flowdrill.service.analysis import analyze_workspace
    from flowdrill.service.exercises import run_autopilot
    from flowdrill.service.imports import demo_import_summary
    from flowdrill.service.reports import write_report
    from flowdrill.service.simulate import simulate
    from flowdrill.service.workspace import open_workspace
    from flowdrill.store.db import sqlite_url

    for name in OUTPUTS:
        shutil.rmtree(out / name, ignore_errors=True)
    (out / DATABASE).unlink(missing_ok=True)
    ws = open_workspace(demo=True, database=sqlite_url((out / DATABASE).resolve()))

    console.rule(f"[bold]1. Map: {ws.name}")
    render_overview(overview(ws.estate))
    console.print("[bold]What the importers found in the demo's n8n and Node-RED exports[/bold]")
    for found in demo_import_summary(ws):
        print_import_report(found)

    console.rule("[bold]2. Analyse: where a failure hurts most, what we would not notice")
    report = analyze_workspace(ws, top=10)
    render_analysis(report, max_findings=15)
    write_diagrams(ws.estate, report, out / "diagrams", quiet=False)

    console.rule("[bold]3. Design: scenario and exercise plan")
    stored = drills.generate(ws, seed=seed, out=out)
    show_scenario(stored.path, stored.scenario, seed)
    path, plan, scenario = drills.make_plan(ws, stored.scenario.id, out=out)
    show_plan(path, plan)
    for file in drills.export_plan(ws, plan, scenario, formats=["all"], out=out):
        console.print(f"Exported {file}")

    console.rule("[bold]4. Rehearse: the scenario in the simulator, nobody acting")
    print_simulation(simulate(ws, str(stored.path)).to_dict())

    console.rule("[bold]5. Run: the drill on autopilot, following the best-fitting runbook")
    result = run_autopilot(ws, plan.id, out=out)
    show_autopilot(result)

    console.rule("[bold]6. Review: the after-action report")
    written = write_report(ws, result.exercise_id, out=out)
    summary = written.report
    for file in written.files:
        console.print(f"Wrote [bold]{file}[/bold]")
    for note in written.notes:
        console.print(f"[yellow]{note}[/yellow]", highlight=False)
    console.print(
        f"{len(summary.improvement_plan)} corrective actions; integrity "
        f"{'restored' if result.restored else 'NOT restored'}; "
        f"time to detect {_minutes(result.metrics.time_to_detect)}, "
        f"time to recover {_minutes(result.metrics.time_to_recover)}"
    )
    console.print(f"Decision quality: {quality_summary(summary.decisions)}", highlight=False)

    _runbook_section(ws)
    _program_section(ws, out)


def _runbook_section(ws: Any) -> None:
    """Step 7 (runbooks): where no runbook applies, and which runbooks survive an estate that
    moved on. Quick mode keeps the demo short; `flowdrill runbook test` runs everything."""
    from flowdrill.cli.output import console
    from flowdrill.cli.runbooks import show_coverage, show_stress
    from flowdrill.service import runbooks

    console.rule("[bold]7. Runbooks: coverage, and a stress test on evolved estates")
    show_coverage(runbooks.coverage(ws))
    report = runbooks.test_runbooks(ws, quick=True)
    show_stress(report)
    broken = sorted({r.runbook for r in report.failed()})
    if broken:
        console.print(
            f"Broken by the evolved estate: {', '.join(broken)} "
            "(`flowdrill runbook test` exits 7 in CI)",
            highlight=False,
        )


def _program_section(ws: Any, out: Path) -> None:
    """Step 8 (program): the backlog, trends chart and calendar across the drills on record."""
    from flowdrill.cli.output import console
    from flowdrill.service import program

    console.rule("[bold]8. Improve: the drill program (backlog, trends, calendar)")
    view = program.program_view(ws, out=out)
    for file in program.export_backlog(ws, view, out=out):
        console.print(f"Wrote {file}")
    trends = program.write_trends(ws, view, out=out)
    drills = program.program_calendar(ws, view, out=out)
    console.print(f"Wrote {program.write_coverage(ws, program.coverage(ws, view), out=out)}")
    console.print(f"Wrote {program.write_calendar(ws, drills, out=out)} ({len(drills)} drills)")
    console.print(f"Trends chart: [bold]{trends.chart}[/bold]", highlight=False)


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:g} min"


def register(app: typer.Typer) -> None:
    app.command()(demo)
