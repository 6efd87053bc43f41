"""Signing in: facilitator accounts with passwords, participants with single-use invites.

Opening an invite link only shows a button; the token is used by the POST, so link previews
and scanners cannot burn it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from flowdrill.service.live_commands import Actor
from flowdrill.service.web_accounts import NotAllowed
from flowdrill.web.deps import WebDep, csrf_protect, page_actor
from flowdrill.web.security import actor_data, csrf_token

pages = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
api = APIRouter(prefix="/api", tags=["auth"])


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@pages.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    templates: Jinja2Templates = request.app.state.web.templates
    return templates.TemplateResponse(
        request,
        "login.html",
        {"csrf": csrf_token(request), "next": _safe_next(next), "actor": page_actor(request)},
    )


@pages.post("/login")
def login(
    request: Request,
    w: WebDep,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    if not w.accounts.check_login(username, password):
        raise NotAllowed("wrong username or password")
    request.session.clear()
    request.session["actor"] = actor_data(Actor(kind="facilitator", name=username))
    csrf_token(request)  # a fresh token for the new session
    return RedirectResponse(_safe_next(next), 303)


@pages.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", 303)


@pages.get("/join/{token}")
def join_page(request: Request, token: str) -> Response:
    templates: Jinja2Templates = request.app.state.web.templates
    return templates.TemplateResponse(
        request, "join.html", {"csrf": csrf_token(request), "token": token, "actor": None}
    )


@pages.post("/join/{token}")
def join(request: Request, w: WebDep, token: str) -> Response:
    invite = w.accounts.redeem(token)
    request.session.clear()
    request.session["actor"] = actor_data(
        Actor(
            kind="participant",
            name=invite.name,
            role=invite.role,
            exercise=invite.exercise_id,
            person=invite.person,
        )
    )
    csrf_token(request)
    return RedirectResponse(f"/x/{invite.exercise_id}", 303)


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class JoinIn(BaseModel):
    token: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    token: str
    kind: str
    role: str
    exercise: str | None = None


@api.post("/login")
def api_login(body: LoginIn, w: WebDep) -> TokenOut:
    """A facilitator's bearer token."""
    if not w.accounts.check_login(body.username, body.password):
        raise NotAllowed("wrong username or password")
    actor = Actor(kind="facilitator", name=body.username)
    return TokenOut(token=w.tokens.issue(actor), kind=actor.kind, role=actor.role)


@api.post("/join")
def api_join(body: JoinIn, w: WebDep) -> TokenOut:
    """Use an invite; returns the participant's bearer token."""
    invite = w.accounts.redeem(body.token)
    actor = Actor(
        kind="participant",
        name=invite.name,
        role=invite.role,
        exercise=invite.exercise_id,
        person=invite.person,
    )
    return TokenOut(
        token=w.tokens.issue(actor), kind=actor.kind, role=actor.role, exercise=actor.exercise
    )
