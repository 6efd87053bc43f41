"""`flowdrill serve` (the browser UI and REST API) and `flowdrill user add` (facilitators)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

user_app = typer.Typer(help="Facilitator accounts of the browser UI.", no_args_is_help=True)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", file_okay=False, help="Folder of scenarios/plans/reports for --demo."
        ),
    ] = None,
    print_login: Annotated[
        bool,
        typer.Option(
            "--print-login",
            help="Give the 'facilitator' account a fresh random password and print it.",
        ),
    ] = False,
) -> None:
    """Serve live drills in the browser: facilitator console, participant, evaluator and
    executive views, and the REST API (/docs).

    Several servers can share one PostgreSQL store (FLOWDRILL_DATABASE_URL) behind a load
    balancer; live updates reach every server through the store.
    """
    import secrets

    import uvicorn

    from flowdrill.cli.output import console, open_from
    from flowdrill.web.app import create_app

    ws = open_from(ctx)
    app = create_app(ws, out=out)
    accounts = app.state.web.accounts
    url = f"http://{host}:{port}/"
    if print_login or not accounts.has_accounts():
        password = secrets.token_urlsafe(12)
        accounts.set_password("facilitator", password)
        console.print(f"Facilitator login: [bold]facilitator[/bold] / [bold]{password}[/bold]")
    console.print(f"Facilitator console: {url}login", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2)


@user_app.command("add")
def add_user(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Login name.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="FLOWDRILL_NEW_PASSWORD",
            help="At least 8 characters (asked for when not given).",
        ),
    ],
) -> None:
    """Create a facilitator account, or set a new password for it (argon2-hashed)."""
    from flowdrill.cli.output import console, open_from
    from flowdrill.service.audit import event_log
    from flowdrill.service.web_accounts import WebAccounts

    log = event_log(open_from(ctx))
    try:
        WebAccounts(log.engine).set_password(username, password)
    finally:
        log.close()
    console.print(f"Account {username} is ready.")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.add_typer(user_app, name="user")
