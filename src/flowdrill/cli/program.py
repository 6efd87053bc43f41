"""`flowdrill program`: the drill program across drills: corrective-action backlog, trends,
recurring themes, coverage of failure modes against critical flows, and the calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Sustain the program: backlog, trends, themes, coverage, calendar.",
    no_args_is_help=True,
)

OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out", file_okay=False, help="Folder of plans/scenarios/program for the --demo workspace."
    ),
]
TodayOption = Annotated[
    str | None, typer.Option("--today", help="Count overdue from this day (YYYY-MM-DD).")
]


def _day(value: str | None) -> date | None:
    from flowdrill.errors import InputError

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _view(ctx: typer.Context, out: Path | None, today: str | None) -> tuple[Any, Any]:
    from flowdrill.cli.output import open_from
    from flowdrill.service.program import program_view

    ws = open_from(ctx)
    return ws, program_view(ws, out=out, today=_day(today))


@app.command()
def backlog(
    ctx: typer.Context,
    fmt: Annotated[
        list[str] | None,
        typer.Option("--format", "-f", help="csv, jira, github (repeatable; default all)."),
    ] = None,
    out: OutOption = None,
    today: TodayOption = None,
) -> None:
    """Corrective actions of every drill: overdue and retest warnings, and the exports (CSV,
    Jira-importable CSV, GitHub-issues JSON) in program/."""
    from flowdrill.cli.output import console
    from flowdrill.program.backlog import closure_rate
    from flowdrill.service.program import export_backlog

    ws, view = _view(ctx, out, today)
    items = view.backlog
    for item in items:
        if item.overdue:
            console.print(
                f"[yellow]overdue[/yellow] {item.id} ({item.priority.value}) "
                f"{item.days_overdue} d: {item.finding_title}",
                highlight=False,
            )
    retests = [i for i in items if i.retest_due]
    rate = closure_rate(items)
    console.print(
        f"{len(items)} corrective actions from {len(view.records)} drills; "
        f"{sum(i.overdue for i in items)} overdue; {len(retests)} waiting for a retest; "
        f"closure rate {'-' if rate is None else f'{rate * 100:.0f}%'}",
        highlight=False,
    )
    for file in export_backlog(ws, view, formats=fmt or ["csv", "jira", "github"], out=out):
        console.print(f"Wrote {file}")


@app.command("import-status")
def import_status(
    ctx: typer.Context,
    csv_file: Annotated[Path, typer.Argument(help="Edited backlog.csv (id + status columns).")],
    out: OutOption = None,
) -> None:
    """Import status, evidence and verified by/on back from a CSV (all rows or none)."""
    from flowdrill.cli.output import console, open_from
    from flowdrill.service.program import import_backlog_status

    changed = import_backlog_status(open_from(ctx), csv_file, out=out)
    console.print(f"Updated {len(changed)} corrective action(s)")


@app.command()
def trends(ctx: typer.Context, out: OutOption = None) -> None:
    """Metrics across drills (medians and spread), the trends chart and the quarter-over-quarter
    summary."""
    from flowdrill.cli.output import console
    from flowdrill.service.program import write_trends

    ws, view = _view(ctx, out, None)
    written = write_trends(ws, view, out=out)
    for name, s in written.trends.spreads.items():
        median = "-" if s.median is None else f"{s.median:g} min"
        span = "" if s.minimum is None else f" (min {s.minimum:g}, max {s.maximum:g})"
        console.print(f"  {name}: median {median}{span}; not reached in {s.not_reached}")
    for file in written.files:
        console.print(f"Wrote {file}")
    console.print(f"Trends chart: [bold]{written.chart}[/bold]")


@app.command()
def themes(ctx: typer.Context, out: OutOption = None) -> None:
    """Recurring themes: findings grouped by failure mode, flow, capability and factor."""
    from flowdrill.cli.output import console

    _, view = _view(ctx, out, None)
    found = view.themes
    if not found:
        console.print("No theme recurs across drills yet.")
    for t in found:
        console.print(
            f"{t.dimension}: [bold]{t.key}[/bold] in {len(t.drills)} drills, "
            f"{len(t.actions)} actions ({t.open_actions} open)",
            highlight=False,
        )


@app.command()
def coverage(ctx: typer.Context, out: OutOption = None, today: TodayOption = None) -> None:
    """Coverage matrix of failure modes against critical flows, with what is overdue."""
    from flowdrill.cli.output import console
    from flowdrill.service.program import coverage as build
    from flowdrill.service.program import write_coverage

    ws, view = _view(ctx, out, today)
    matrix = build(ws, view)
    console.print(
        f"Covered within {matrix.period_days} days: {matrix.covered_share * 100:.0f}%; overdue "
        f"modes: {', '.join(matrix.overdue_modes) or 'none'}; overdue critical flows: "
        f"{', '.join(matrix.overdue_flows) or 'none'}",
        highlight=False,
    )
    console.print(f"Wrote {write_coverage(ws, matrix, out=out)}")


@app.command()
def calendar(
    ctx: typer.Context,
    start: Annotated[
        str | None, typer.Option(help="First day of the calendar (default today).")
    ] = None,
    out: OutOption = None,
) -> None:
    """The program calendar (quarterly full drills, monthly micro-exercises; [program] in
    flowdrill.toml) with an invitation list per drill, as an iCalendar file."""
    from flowdrill.cli.output import console
    from flowdrill.service.program import program_calendar, write_calendar

    ws, view = _view(ctx, out, start)
    drills = program_calendar(ws, view, out=out)
    for d in drills:
        console.print(
            f"{d.day} {d.title} ({d.minutes} min, {len(d.invitees)} invited"
            + (", leadership" if d.leadership else "")
            + ")",
            highlight=False,
        )
    console.print(f"Wrote {write_calendar(ws, drills, out=out)}")


@app.command("next")
def next_scenario(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Seed of the generated scenario.")] = 1,
    out: OutOption = None,
) -> None:
    """Generate the next scenario, favouring fixes that wait for a retest, then the failure
    mode drilled least recently."""
    from flowdrill.cli.output import console
    from flowdrill.service import drills
    from flowdrill.service.program import coverage as build
    from flowdrill.service.program import next_scenario_mode

    ws, view = _view(ctx, out, None)
    mode = next_scenario_mode(view, build(ws, view))
    stored = drills.generate(ws, seed=seed, mode=mode, out=out)
    console.print(f"Wrote {stored.path} ({', '.join(stored.scenario.modes())})")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="program")
