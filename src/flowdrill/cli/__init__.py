"""The ``flowdrill`` command line: parse, call the service, turn errors into exit codes.

Keep imports at the top of this package light (typer only): ``flowdrill --help`` must start
fast. Each command imports what it needs when it runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from flowdrill import __version__
from flowdrill.cli import analyze as analyze_commands
from flowdrill.cli import audit as audit_commands
from flowdrill.cli import demo as demo_commands
from flowdrill.cli import drills as drill_commands
from flowdrill.cli import estate as estate_commands
from flowdrill.cli import imports as import_commands
from flowdrill.cli import program as program_commands
from flowdrill.cli import run as run_commands
from flowdrill.cli import runbooks as runbook_commands
from flowdrill.cli import serve as serve_commands
from flowdrill.cli import simulate as simulate_commands
from flowdrill.errors import FlowdrillError


class _Commands(TyperGroup):
    """Turns flowdrill's own errors into a clean message and their exit code, in one place,
    for every command (and for in-process test runners too)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except FlowdrillError as exc:
            from flowdrill.cli.output import report_error

            raise typer.Exit(report_error(exc)) from None


app = typer.Typer(
    cls=_Commands,
    name="flowdrill",
    help="Plan, run and evaluate tabletop drills about failures of no-code integrations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"flowdrill {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace folder (default: nearest flowdrill.toml).",
            envvar="FLOWDRILL_WORKSPACE",
            file_okay=False,
        ),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Use the bundled demo workspace, in place.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Plan, run and evaluate tabletop drills about failures of no-code integrations."""
    ctx.obj = {"workspace": workspace, "demo": demo}


estate_commands.register(app)
audit_commands.register(app)
demo_commands.register(app)
run_commands.register(app)
analyze_commands.register(app)
drill_commands.register(app)
simulate_commands.register(app)
serve_commands.register(app)
runbook_commands.register(app)
program_commands.register(app)
app.add_typer(import_commands.app, name="import")


def main() -> None:
    """Console-script entry point: an unexpected error is a short message, not a traceback."""
    from flowdrill.cli.output import report_error

    try:
        app()
    except Exception as exc:
        from flowdrill.config import get_settings

        if get_settings().debug:
            raise
        report_error(
            RuntimeError(
                f"internal error: {exc!r}. Set FLOWDRILL_DEBUG=1 for details "
                "and report it as a bug."
            )
        )
        sys.exit(1)
