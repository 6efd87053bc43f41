"""`flowdrill run` (facilitate a drill, or let the autopilot play a runbook) and
`flowdrill report` (the after-action report of an exercise)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        file_okay=False,
        help="Folder of scenarios/plans/reports for the read-only --demo workspace.",
    ),
]


def run(
    ctx: typer.Context,
    plan: Annotated[str | None, typer.Argument(help="Plan id (see `flowdrill plan`).")] = None,
    autopilot: Annotated[
        str | None,
        typer.Option(
            "--autopilot", help="Play this runbook unattended ('auto' picks the best fit)."
        ),
    ] = None,
    resume: Annotated[
        str | None, typer.Option("--resume", help="Continue this exercise where it stopped.")
    ] = None,
    speed: Annotated[
        float, typer.Option(min=0.1, help="Exercise minutes per wall minute (accelerated > 1).")
    ] = 1.0,
    human_factors: Annotated[
        bool,
        typer.Option(help="Deliver the scenario's noise: information overload, late messages."),
    ] = True,
    out: OutOption = None,
) -> None:
    """Run a drill: a facilitator prompt with a live clock, or the autopilot.

    The prompt takes commands (help lists them, Tab completes): status, inject, say, decide,
    approve, act, ack, identify, runs (a flow's execution log), story (one record's), escalate,
    observe, nearmiss, phase, pause, resume, end, quit.
    Every event is committed to the store before it shows; after a crash,
    `flowdrill run --resume EXERCISE` continues with the same state, phase and clock.
    """
    from flowdrill.cli.output import console, open_from
    from flowdrill.errors import InputError

    ws = open_from(ctx)
    if autopilot is not None:
        if plan is None:
            raise InputError("--autopilot needs a PLAN")
        _autopilot(ws, plan, None if autopilot == "auto" else autopilot, out)
        return
    from flowdrill.cli.facilitate import Facilitator
    from flowdrill.service.exercises import Drill

    if resume is not None:
        drill = Drill.resume(ws, resume, out=out)
    elif plan is not None:
        drill = Drill.start(ws, plan, speed=speed, out=out, human_factors=human_factors)
    else:
        raise InputError("give a PLAN to start, or --resume EXERCISE")
    console.print(f"Exercise [bold]{drill.exercise_id}[/bold]: {drill.plan.title}", highlight=False)
    facilitator = Facilitator(drill, console)
    facilitator.show(drill.events[-5:] if resume else drill.events)
    facilitator.run_clock()
    try:
        facilitator.interact()
    finally:
        facilitator.close()
        drill.close()
    console.print(f"Report: flowdrill report {drill.exercise_id}")


def _autopilot(ws: Any, plan: str, runbook: str | None, out: Path | None) -> None:
    from rich.progress import BarColumn, Progress, TextColumn

    from flowdrill.cli.output import console
    from flowdrill.service.exercises import run_autopilot

    with Progress(
        TextColumn("[bold]autopilot[/bold] T+{task.completed:.0f} min"),
        BarColumn(),
        TextColumn("{task.fields[events]} events"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("drill", total=None, events=0)

        def on_minute(minute: float, events: Any) -> None:
            progress.update(task, completed=minute, events=len(events))

        result = run_autopilot(ws, plan, runbook_id=runbook, out=out, on_minute=on_minute)
    show_autopilot(result)


def show_autopilot(result: Any) -> None:
    from flowdrill.cli.output import console

    m = result.metrics
    yes = {True: "[green]yes[/green]", False: "[red]no[/red]"}
    console.print(
        f"Exercise [bold]{result.exercise_id}[/bold], runbook {result.runbook}, "
        f"ended at T+{result.ended_at:g}",
        highlight=False,
    )
    console.print(
        f"  detected: {yes[result.detected]}   contained: {yes[result.contained]}   "
        f"integrity restored: {yes[result.restored]}"
    )
    for name in (
        "time_to_detect",
        "time_to_acknowledge",
        "time_to_runbook_activation",
        "time_to_contain",
        "time_to_recover",
    ):
        value = getattr(m, name)
        console.print(f"  {name.replace('_', ' ')}: {'-' if value is None else f'{value:g} min'}")
    totals = result.verdict["totals"]
    console.print(
        f"  reconciliation ({result.verdict['verdict']}): "
        + ", ".join(f"{k} {v}" for k, v in totals.items() if v),
        highlight=False,
    )
    for stale in result.stale_steps:
        console.print(f"  [yellow]stale runbook step[/yellow] {stale}", highlight=False)


def report(
    ctx: typer.Context,
    exercise: Annotated[str, typer.Argument(help="Exercise id (see `flowdrill audit verify`).")],
    names: Annotated[
        bool, typer.Option("--names", help="Name people (default: roles and teams only).")
    ] = False,
    out: OutOption = None,
) -> None:
    """Write the after-action report (Markdown, HTML, PDF, DOCX) and its action items (CSV)."""
    from flowdrill.cli.output import console, open_from
    from flowdrill.service.reports import write_report

    written = write_report(open_from(ctx), exercise, name_people=names, out=out)
    for file in written.files:
        console.print(f"Wrote {file}")
    for note in written.notes:  # e.g. why no PDF could be made here
        console.print(f"[yellow]{note}[/yellow]", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(report)
