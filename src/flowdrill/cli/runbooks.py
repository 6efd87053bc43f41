"""`flowdrill runbook lint|coverage|test`: keep runbooks current, see where none applies, and
stress-test them against scenarios and evolved estates (exit codes fit CI pipelines)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from flowdrill.runbook.coverage import Coverage
    from flowdrill.runbook.stress import StressReport

app = typer.Typer(help="Lint, cover and stress-test runbooks (YAML or runbooks/*.md).")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command()
def lint(
    ctx: typer.Context,
    runbook: Annotated[str | None, typer.Argument(help="Runbook id (default: all).")] = None,
    json: JsonOption = False,
) -> None:
    """Stale references (flows, credentials, fields, connector versions changed since the
    last review), missing owners, validation steps and rollback preconditions. Exit 2 on
    findings."""
    from flowdrill.cli.output import console, open_from, print_json
    from flowdrill.errors import InputError
    from flowdrill.service import runbooks

    findings = runbooks.lint(open_from(ctx), runbook_id=runbook)
    if json:
        print_json([f.to_dict() for f in findings])
    else:
        for finding in findings:
            console.print(
                f"[yellow]{finding.kind}[/yellow] {finding.step or finding.runbook}: "
                f"{finding.message}",
                highlight=False,
            )
    if findings:
        raise InputError(f"{len(findings)} runbook finding(s)")
    if not json:
        console.print("No findings: every runbook matches the estate.")


@app.command()
def coverage(
    ctx: typer.Context,
    criticality: Annotated[
        str, typer.Option(help="Lowest flow criticality shown: low, medium, high, critical.")
    ] = "critical",
    json: JsonOption = False,
) -> None:
    """Matrix of failure modes against critical flows: which runbook applies, and the gaps."""
    from flowdrill.cli.output import open_from, print_json
    from flowdrill.errors import InputError
    from flowdrill.estate.model import Criticality
    from flowdrill.service import runbooks

    try:
        level = Criticality(criticality)
    except ValueError:
        raise InputError(f"unknown criticality {criticality!r}") from None
    matrix = runbooks.coverage(open_from(ctx), min_criticality=level)
    if json:
        print_json(matrix.to_dict())
    else:
        show_coverage(matrix)


@app.command("test")
def test_command(
    ctx: typer.Context,
    runbook: Annotated[str | None, typer.Argument(help="Runbook id (default: all).")] = None,
    evolved: Annotated[
        bool, typer.Option("--evolved/--no-evolved", help="Also run on evolved estates.")
    ] = True,
    quick: Annotated[
        bool, typer.Option("--quick", help="One scenario per mode and per evolved estate.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the generated scenarios.")] = 1,
    json: JsonOption = False,
) -> None:
    """Play runbooks on autopilot against every scenario they apply to, and against evolved
    estates (connector upgraded, schema changed, credential rotated mid-incident). Exit 0 when
    all pass, 7 when a runbook fails."""
    from flowdrill.cli.output import open_from, print_json
    from flowdrill.errors import RunbookTestFailed
    from flowdrill.runbook.stress import EVOLUTIONS
    from flowdrill.service import runbooks

    report = runbooks.test_runbooks(
        open_from(ctx),
        runbook_id=runbook,
        evolutions=EVOLUTIONS if evolved else (),
        seed=seed,
        quick=quick,
    )
    if json:
        print_json(report.to_dict())
    else:
        show_stress(report)
    failed = report.failed()
    if failed:
        raise RunbookTestFailed(f"{len(failed)} of {len(report.rehearsals)} runs failed")


def show_coverage(matrix: Coverage) -> None:
    from rich.table import Table

    from flowdrill.cli.output import console

    ids = sorted({r for row in matrix.cells.values() for c in row.values() if c for r in c})
    letters = {r: chr(ord("A") + n) for n, r in enumerate(ids)}
    table = Table(title="Runbook coverage: failure modes x critical flows", title_justify="left")
    table.add_column("failure mode", no_wrap=True)
    for flow in matrix.flows:
        table.add_column(flow, overflow="fold")
    for mode in matrix.modes:
        cells = []
        for flow in matrix.flows:
            cell = matrix.cells[flow][mode]
            cells.append(
                "[dim]·[/dim]"
                if cell is None
                else (" ".join(letters[r] for r in cell) if cell else "[red]GAP[/red]")
            )
        table.add_row(mode, *cells)
    console.print(table)
    console.print("  ".join(f"{letter} = {r}" for r, letter in letters.items()), highlight=False)
    console.print(
        f"{len(matrix.gaps())} gaps (mode can hit the flow, no runbook applies); "
        "· = the mode cannot hit that flow",
        highlight=False,
    )


def show_stress(report: StressReport) -> None:
    from rich.table import Table

    from flowdrill.cli.output import console

    table = Table(title="Runbook stress test", title_justify="left")
    table.add_column("runbook / estate", overflow="fold")
    table.add_column("failure", overflow="fold")
    table.add_column("result", no_wrap=True)
    table.add_column("contain", no_wrap=True)
    table.add_column("recover", no_wrap=True)
    table.add_column("first wrong step", overflow="fold")
    changes: dict[str, str] = {}
    for r in report.rehearsals:
        first = r.first_failure
        if r.evolution and r.change:
            changes.setdefault(r.evolution, r.change)
        table.add_row(
            f"{r.runbook} / {r.evolution or 'current'}",
            f"{r.mode} on {r.target}",
            "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]",
            _minutes(r.time_to_contain),
            _minutes(r.time_to_recover),
            "" if first is None else f"{first.label}: {first.problem}",
        )
    console.print(table)
    for kind, change in changes.items():
        console.print(f"  {kind}: {change} (first runbook tested)", highlight=False)
    failed = report.failed()
    for r in failed:
        first = r.first_failure
        where = f"{first.label}: {first.problem}" if first else "?"
        console.print(
            f"[red]FAIL[/red] {r.runbook} on {r.evolution or 'current'} estate, {r.mode} on "
            f"{r.target}: first wrong step {where}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"{len(report.rehearsals) - len(failed)} of {len(report.rehearsals)} runs passed",
        highlight=False,
    )


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:g} min"


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="runbook")
