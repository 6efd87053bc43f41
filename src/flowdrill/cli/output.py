"""Terminal output shared by every command: one console, one way to report errors."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def print_json(data: Any) -> None:
    """Plain JSON on stdout, for scripts (no colour, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def report_error(exc: BaseException) -> int:
    """Print an expected error without a traceback; return the exit code to use."""
    from flowdrill.errors import FlowdrillError, InvalidFiles

    if isinstance(exc, InvalidFiles):
        for problem in exc.problems:
            err_console.print(
                f"[red]error[/red] {problem}", markup=True, highlight=False, soft_wrap=True
            )
        err_console.print(f"[bold red]{exc}[/bold red]", highlight=False)
    else:
        err_console.print(f"[red]error[/red] {exc}", highlight=False, soft_wrap=True)
    return exc.exit_code if isinstance(exc, FlowdrillError) else 1


def open_from(ctx: Any) -> Any:
    """The workspace chosen by the global --workspace / --demo options."""
    from flowdrill.service.workspace import open_workspace

    options = ctx.find_root().obj or {}
    return open_workspace(options.get("workspace"), demo=options.get("demo", False))
