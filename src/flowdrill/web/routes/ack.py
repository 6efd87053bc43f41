"""Acknowledging an escalation through the signed link in a drill notification.

Opening the link only shows a button; the POST acknowledges, so link previews and mail
scanners cannot acknowledge on someone's behalf. The signed token is the authority: no login.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from flowdrill.notify.ack import verify_token
from flowdrill.service.notifications import ack_key, acknowledge_link
from flowdrill.web.deps import WebDep, csrf_protect
from flowdrill.web.security import csrf_token

pages = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _claim_view(token: str) -> dict[str, str]:
    import time

    claim = verify_token(ack_key(), token, now=time.time())  # InputError -> clean 400 page
    return {"exercise": claim.exercise_id, "escalation": claim.escalation}


@pages.get("/ack/{token}")
def ack_page(request: Request, token: str) -> Response:
    templates: Jinja2Templates = request.app.state.web.templates
    context = {"csrf": csrf_token(request), "token": token, "actor": None, **_claim_view(token)}
    return templates.TemplateResponse(request, "ack.html", context)


@pages.post("/ack/{token}")
def ack(request: Request, w: WebDep, token: str) -> Response:
    view = _claim_view(token)
    with w.live.use(view["exercise"]) as drill:
        acknowledge_link(drill, token)
    templates: Jinja2Templates = request.app.state.web.templates
    context = {"actor": None, "done": True, "csrf": csrf_token(request), "token": token, **view}
    return templates.TemplateResponse(request, "ack.html", context)
