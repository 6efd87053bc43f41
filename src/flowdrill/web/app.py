"""The web application: ``create_app(workspace)`` wires the service layer to routes.

A background task advances the clock of every open, running drill about once a second, so
injects and alerts arrive on time even when nobody clicks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from flowdrill import __version__
from flowdrill.service.live_drills import LiveDrills
from flowdrill.service.web_accounts import WebAccounts
from flowdrill.service.workspace import Workspace
from flowdrill.web import errors
from flowdrill.web.deps import Web
from flowdrill.web.feed import Feed
from flowdrill.web.routes import ack, api, auth, commands, pages, stream
from flowdrill.web.security import SESSION_COOKIE, SESSION_HOURS, SecurityHeaders, Tokens
from flowdrill.web.templating import make_templates
from flowdrill.web.wakeup import Wakeup

HERE = Path(__file__).parent
log = logging.getLogger("flowdrill.web")


async def _clock(web: Web, every: float) -> None:
    """Advance open drills to now; ring their streams when something was logged."""
    while True:
        await asyncio.sleep(every)
        for ident in await asyncio.to_thread(web.live.tick_all):
            web.wakeup.ring(ident)


def create_app(
    ws: Workspace,
    *,
    out: Path | None = None,
    clock_seconds: float = 1.0,
    poll_seconds: float = 0.5,
) -> FastAPI:
    """The app for one workspace (``out``: where plans live for the read-only demo)."""
    wakeup = Wakeup()
    live = LiveDrills(ws, out=out, ring=wakeup.ring)
    accounts = WebAccounts(live.reader.engine)
    secret = accounts.secret_key()
    templates: Jinja2Templates = make_templates(HERE / "templates")
    web = Web(
        ws=ws,
        out=out,
        live=live,
        accounts=accounts,
        templates=templates,
        tokens=Tokens(secret),
        wakeup=wakeup,
        feed=Feed(live, max_age=poll_seconds * 0.9),
        poll_seconds=poll_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        web.wakeup.bind(asyncio.get_running_loop())
        stop_listening = web.live.listen(web.wakeup.ring)
        task = asyncio.create_task(_clock(web, clock_seconds))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            stop_listening()
            web.live.close()

    app = FastAPI(
        title="flowdrill",
        version=__version__,
        description="Live tabletop drills about failures of no-code integrations.",
        lifespan=lifespan,
    )
    app.state.web = web
    errors.install(app)
    app.include_router(auth.pages)
    app.include_router(ack.pages)
    app.include_router(auth.api)
    app.include_router(pages.router)
    commands.install(app)
    app.include_router(stream.router)
    app.include_router(stream.api)
    app.include_router(api.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_HOURS * 3600,
        same_site="lax",
        https_only=False,
    )
    app.add_middleware(SecurityHeaders)
    return app
