"""`flowdrill demo`: the whole journey on the bundled demo estate (what `make demo` runs)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

OUTPUTS = ("scenarios", "plans", "exports", "diagrams")


def demo(
    out: Annotated[
        Path,
        typer.Option("--out", file_okay=False, help="Folder for what the demo writes."),
    ] = Path("flowdrill-demo"),
    seed: Annotated[int, typer.Option(help="Seed of the generated scenario.")] = 1,
) -> None:
    """Map, analyse and design a drill on the bundled demo estate (what `make demo` runs).

    The demo workspace is used in place and never changed; what the demo writes (diagrams,
    scenario, plan, exports) goes to --out, replaced on each run.
    """
    from flowdrill.cli.analyze import render_analysis, write_diagrams
    from flowdrill.cli.drills import show_plan, show_scenario
    from flowdrill.cli.output import console
    from flowdrill.cli.render import render_overview
    from flowdrill.estate.summary import overview
    from flowdrill.service import drills
    from flowdrill.service.analysis import analyze_workspace
    from flowdrill.service.workspace import open_workspace

    for name in OUTPUTS:
        shutil.rmtree(out / name, ignore_errors=True)
    ws = open_workspace(demo=True)

    console.rule(f"[bold]1. Map: {ws.name}")
    render_overview(overview(ws.estate))

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


def register(app: typer.Typer) -> None:
    app.command()(demo)
