"""``flowdrill import n8n|nodered|make PATH...``: exports in, generated estate files out.

Only typer is imported at module level (``flowdrill --help`` must stay fast); each command
calls :func:`flowdrill.service.imports.import_exports` and turns its report into output and an
exit code: 0 all imported, 4 some files failed, 2 nothing could be imported.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

app = typer.Typer(
    help="Import workflow exports (n8n, Node-RED, Make) into the workspace estate.",
    no_args_is_help=True,
)

PROGRESS_THRESHOLD = 20


class Format(StrEnum):
    text = "text"
    json = "json"


Paths = Annotated[
    list[Path],
    typer.Argument(
        help="Export files, or folders searched recursively for *.json.",
        show_default=False,
        metavar="PATH",
    ),
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")]
PlatformOption = Annotated[
    str | None,
    typer.Option(
        "--platform",
        help="Assign the flows to this existing platform id (default: one platform per kind "
        "and instance, created as needed).",
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", help="Output format.")]


def _run(
    ctx: typer.Context,
    kind: str,
    paths: list[Path],
    dry_run: bool,
    platform: str | None,
    output: Format,
) -> None:
    from flowdrill.cli.output import err_console, open_from, print_json, report_error
    from flowdrill.errors import FlowdrillError, InputError, PartialFailure
    from flowdrill.estate.model import PlatformKind
    from flowdrill.service.imports import import_exports

    try:
        ws = open_from(ctx)
        with _Progress(err_console) as progress:
            report = import_exports(
                ws,
                kind=PlatformKind(kind),
                paths=paths,
                dry_run=dry_run,
                platform=platform,
                progress=progress,
            )
    except FlowdrillError as exc:
        raise typer.Exit(report_error(exc)) from None
    if output is Format.json:
        print_json(report.to_data())
    else:
        print_import_report(report)
    if report.failures and report.imported:
        raise typer.Exit(PartialFailure.exit_code)
    if not report.imported:
        if not report.failures:
            err_console.print(
                "[red]error[/red] no workflows found in the files given", highlight=False
            )
        raise typer.Exit(InputError.exit_code)


class _Progress:
    """A progress bar on stderr for batches over 20 files, when stderr is a terminal."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if not self.console.is_terminal:
            return None
        return self.update

    def update(self, done: int, total: int) -> None:
        if total <= PROGRESS_THRESHOLD:
            return
        if self.bar is None:
            from rich.progress import Progress

            self.bar = Progress(console=self.console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task("importing", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def print_import_report(report: Any) -> None:
    from flowdrill.cli.output import console, err_console

    for failure in report.failures:
        err_console.print(f"{failure}", markup=False, highlight=False, soft_wrap=True)
    verb = "would import" if report.dry_run else "imported"
    for item in report.files:
        if item.status != "unchanged" or report.dry_run:
            label = {"new": "new", "updated": "updated", "unchanged": "unchanged"}[item.status]
            console.print(
                f"  {label:9} {item.path}  ({item.flow_id})",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    counts = report.counts()
    summary = (
        f"{report.kind.value}: {verb} {report.imported} workflow(s) from {report.files_read} "
        f"file(s): {counts.get('new', 0)} new, {counts.get('updated', 0)} updated, "
        f"{counts.get('unchanged', 0)} unchanged"
    )
    if report.failures:
        summary += f"; {len(report.failures)} file(s) failed"
    if report.dry_run:
        summary += " (dry run: nothing written)"
    console.print(summary, markup=False, highlight=False, soft_wrap=True)
    if report.unknown_types:
        names = ", ".join(sorted(report.unknown_types))
        console.print(
            f"{len(report.unknown_types)} unknown node types: {names}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if report.findings:
        shown = ", ".join(f"{n} {kind}" for kind, n in sorted(report.findings.items()))
        console.print(f"findings: {shown}", markup=False, highlight=False, soft_wrap=True)
    for note in report.notes:
        console.print(f"note: {note}", markup=False, highlight=False, soft_wrap=True)


@app.command("n8n")
def n8n(
    ctx: typer.Context,
    paths: Paths,
    dry_run: DryRun = False,
    platform: PlatformOption = None,
    output: FormatOption = Format.text,
) -> None:
    """Import n8n workflow exports (one JSON workflow per file)."""
    _run(ctx, "n8n", paths, dry_run, platform, output)


@app.command("nodered")
def nodered(
    ctx: typer.Context,
    paths: Paths,
    dry_run: DryRun = False,
    platform: PlatformOption = None,
    output: FormatOption = Format.text,
) -> None:
    """Import Node-RED flow files (flows.json or editor exports): one flow per tab and subflow."""
    _run(ctx, "nodered", paths, dry_run, platform, output)


@app.command("make")
def make(
    ctx: typer.Context,
    paths: Paths,
    dry_run: DryRun = False,
    platform: PlatformOption = None,
    output: FormatOption = Format.text,
) -> None:
    """Import Make scenario blueprints (best effort)."""
    _run(ctx, "make", paths, dry_run, platform, output)
