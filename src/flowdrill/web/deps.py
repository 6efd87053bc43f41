"""What routes depend on: the server's shared objects, the signed-in actor, CSRF checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from flowdrill.errors import FlowdrillError
from flowdrill.service.live_commands import Actor, Forbidden
from flowdrill.service.live_drills import LiveDrills
from flowdrill.service.web_accounts import WebAccounts
from flowdrill.service.workspace import Workspace
from flowdrill.web.feed import Feed
from flowdrill.web.security import CSRF_FIELD, CSRF_HEADER, UNSAFE, Tokens, actor_from, csrf_ok
from flowdrill.web.wakeup import Wakeup


class NotSignedIn(FlowdrillError):
    """No valid session or token: sign in, or open your invite link."""

    exit_code = 2
    http_status = 401


class CsrfFailed(FlowdrillError):
    """The form's CSRF token is missing or stale: reload the page and try again."""

    exit_code = 2
    http_status = 403


@dataclass
class Web:
    """One server's shared objects (``app.state.web``)."""

    ws: Workspace
    out: Path | None
    live: LiveDrills
    accounts: WebAccounts
    templates: Jinja2Templates
    tokens: Tokens
    wakeup: Wakeup
    feed: Feed
    poll_seconds: float = 0.5


def web(request: Request) -> Web:
    found: Web = request.app.state.web
    return found


WebDep = Annotated[Web, Depends(web)]


async def csrf_protect(request: Request) -> None:
    """Every unsafe page request carries the session's CSRF token (header or form field)."""
    if request.method not in UNSAFE:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not csrf_ok(request, sent):
        raise CsrfFailed("the form's security token is missing or stale; reload the page")


def page_actor(request: Request) -> Actor | None:
    return actor_from(request.session.get("actor"))


def signed_in(request: Request) -> Actor:
    found = page_actor(request)
    if found is None:
        raise NotSignedIn("sign in first, or open your invite link")
    return found


def api_actor(request: Request) -> Actor:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    found = web(request).tokens.read(token) if scheme.lower() == "bearer" and token else None
    if found is None:
        raise NotSignedIn("send 'Authorization: Bearer TOKEN' (POST /api/login or /api/join)")
    return found


def facilitator(actor: Actor) -> Actor:
    if actor.kind != "facilitator":
        raise Forbidden("only a facilitator may do this")
    return actor


def page_facilitator(actor: Annotated[Actor, Depends(signed_in)]) -> Actor:
    return facilitator(actor)


def api_facilitator(actor: Annotated[Actor, Depends(api_actor)]) -> Actor:
    return facilitator(actor)


def enter(actor: Actor, exercise_id: str) -> Actor:
    if not actor.may_enter(exercise_id):
        raise Forbidden("your invite is for another exercise")
    return actor


PageActor = Annotated[Actor, Depends(signed_in)]
PageFacilitator = Annotated[Actor, Depends(page_facilitator)]
ApiActor = Annotated[Actor, Depends(api_actor)]
ApiFacilitator = Annotated[Actor, Depends(api_facilitator)]
