"""Commands about the workspace and its estate: init, validate, schema, overview."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from flowdrill.cli.output import console, open_from, print_json


class Format(StrEnum):
    text = "text"
    json = "json"


class SchemaName(StrEnum):
    estate = "estate"


class SchemaFormat(StrEnum):
    json = "json"
    markdown = "markdown"


def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in.")] = Path(),
    demo: Annotated[
        bool, typer.Option("--demo", help="Start from a copy of the demo estate.")
    ] = False,
    name: Annotated[str | None, typer.Option(help="Workspace name (default: folder name).")] = None,
) -> None:
    """Create a workspace: flowdrill.toml, an estate folder and a local database."""
    from flowdrill.service.workspace import init_workspace

    ws = init_workspace(directory, demo=demo, name=name)
    console.print(f"Created workspace [bold]{ws.name}[/bold] in {ws.root}")
    console.print("Next: edit estate/*.yaml, then run [bold]flowdrill validate[/bold].")


def validate(
    ctx: typer.Context,
    path: Annotated[
        Path | None,
        typer.Argument(help="Workspace, folder or YAML file (default: the current workspace)."),
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
) -> None:
    """Check estate files: YAML syntax, fields, types, duplicate ids and references.

    Every problem is reported at once with file, line, column and path. Exit code 2 on problems.
    """
    from flowdrill.errors import InvalidFiles
    from flowdrill.service.workspace import validate_path

    try:
        estate = validate_path(path) if path is not None else open_from(ctx).estate
    except InvalidFiles as exc:
        if output is Format.json:
            print_json({"valid": False, "problems": [vars(p) for p in exc.problems]})
            raise typer.Exit(exc.exit_code) from None
        raise
    if output is Format.json:
        print_json({"valid": True, "problems": []})
        return
    console.print(
        f"[green]valid[/green]: {estate.name}: {len(estate.flows)} flows, "
        f"{len(estate.systems)} systems, {len(estate.datasets)} datasets"
    )


def schema(
    what: Annotated[SchemaName, typer.Argument(help="Which file format.")] = SchemaName.estate,
    output: Annotated[
        SchemaFormat, typer.Option("--format", help="JSON Schema, or the Markdown reference.")
    ] = SchemaFormat.json,
) -> None:
    """Print the JSON Schema of a file format (for editor completion) or its reference."""
    if output is SchemaFormat.markdown:
        from flowdrill.estate.reference import format_reference

        typer.echo(format_reference(), nl=False)
        return
    from flowdrill.estate.schema import estate_schema

    print_json(estate_schema())


def overview(
    ctx: typer.Context,
    top: Annotated[int, typer.Option(min=1, help="How many flows to rank.")] = 10,
) -> None:
    """Summarise the estate: counts, flows per platform and the most critical flows."""
    from flowdrill.cli.render import render_overview
    from flowdrill.estate.summary import overview as summarise

    render_overview(summarise(open_from(ctx).estate, top=top))


def register(app: typer.Typer) -> None:
    for command in (init, validate, schema, overview):
        app.command()(command)
