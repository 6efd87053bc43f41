"""`flowdrill audit`: prove the exercise log was not altered."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Verify and export the tamper-evident exercise log.", no_args_is_help=True)


@app.command()
def verify(
    ctx: typer.Context,
    exercise: Annotated[str | None, typer.Argument(help="Exercise id (default: all).")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Verify an exported .jsonl log instead.")
    ] = None,
) -> None:
    """Check the hash chain; name every edited, deleted, reordered or inserted event.

    Exit code 6 when the log was altered.
    """
    from flowdrill.cli.output import console, err_console, open_from
    from flowdrill.errors import IntegrityFailure
    from flowdrill.service.audit import verify_file, verify_store

    results = [verify_file(file)] if file else verify_store(open_from(ctx), exercise)
    if not results:
        console.print("No exercises in the store yet.")
    broken = 0
    for result in results:
        if result.problems:
            broken += 1
            for problem in result.problems:
                err_console.print(
                    f"[red]tampered[/red] {result.source}: {problem}", highlight=False
                )
        else:
            console.print(f"[green]intact[/green] {result.source}: {result.events} events")
    if broken:
        raise IntegrityFailure(f"{broken} of {len(results)} logs failed verification")


@app.command("export")
def export_command(
    ctx: typer.Context,
    exercise: Annotated[str, typer.Argument(help="Exercise id.")],
    out: Annotated[Path, typer.Option("--out", help="JSON Lines file to write.")],
) -> None:
    """Export an exercise log as JSON Lines (verifiable later with `audit verify --file`)."""
    from flowdrill.cli.output import console, open_from
    from flowdrill.service.audit import export_log

    count = export_log(open_from(ctx), exercise, out)
    console.print(f"Wrote {count} events to {out}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit")
