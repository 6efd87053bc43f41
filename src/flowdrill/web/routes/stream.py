"""Live updates by Server-Sent Events: each stream polls the log after the last seq it sent.

Polling the shared log (not process memory) is what lets a participant connected to one
server see events posted to another. On PostgreSQL a LISTEN/NOTIFY wake-up can shorten the
wait; the poll stays as the safety net.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import StreamingResponse

from flowdrill.exercise.events import parse_event
from flowdrill.service.live_board import visible
from flowdrill.service.live_commands import Actor
from flowdrill.store.eventlog import StoredEvent
from flowdrill.web.deps import ApiActor, PageActor, Web, WebDep, enter

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/exercises", tags=["live"])
HEARTBEAT_SECONDS = 15.0


def _frame(templates: Jinja2Templates, item: StoredEvent, html: bool) -> str:
    payload: dict[str, object] = {"seq": item.seq, "type": item.type, "at": item.at}
    if html:  # pages get escaped HTML only; API clients get the data
        event = parse_event(item.type, item.at, item.data)
        payload["html"] = templates.get_template("_event.html").render(seq=item.seq, e=event)
    else:
        payload["data"] = item.data
    return f"id: {item.seq}\nevent: drill\ndata: {json.dumps(payload)}\n\n"


async def _frames(
    request: Request, w: Web, actor: Actor, exercise_id: str, after: int, follow: bool, html: bool
) -> AsyncIterator[str]:
    seq, idle, since = after, 0.0, 0.0
    yield "retry: 2000\n\n"
    while True:
        found = await w.feed.after(exercise_id, seq, since=since)
        if found:  # one write per poll, however many events it found
            seq = found[-1].seq
            batch = [
                w.feed.frame(e, html, lambda item: _frame(w.templates, item, html))
                for e in found
                if visible(e.type, actor.view)
            ]
            if batch:
                yield "".join(batch)
        if not follow:
            return
        idle = 0.0 if found else idle + w.poll_seconds
        if idle >= HEARTBEAT_SECONDS:
            idle = 0.0
            yield ": keep-alive\n\n"
        if await request.is_disconnected():
            return
        rung = await w.wakeup.wait(exercise_id, w.poll_seconds)
        since = time.monotonic() if rung else 0.0


def _stream(
    request: Request, w: Web, actor: Actor, exercise_id: str, after: int, follow: bool, html: bool
) -> StreamingResponse:
    enter(actor, exercise_id)
    w.live.stored(exercise_id, after=10**9)  # 404 now, not inside the stream
    last = request.headers.get("last-event-id", "")
    start = int(last) if last.isdigit() else max(after, 0)
    return StreamingResponse(
        _frames(request, w, actor, exercise_id, start, follow, html),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/x/{exercise_id}/stream")
def page_stream(
    request: Request,
    w: WebDep,
    actor: PageActor,
    exercise_id: str,
    after: int = 0,
    follow: bool = True,
) -> StreamingResponse:
    return _stream(request, w, actor, exercise_id, after, follow, html=True)


@api.get(
    "/{exercise_id}/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def api_stream(
    request: Request,
    w: WebDep,
    actor: ApiActor,
    exercise_id: str,
    after: int = 0,
    follow: bool = True,
) -> StreamingResponse:
    """Server-Sent Events: one ``drill`` event per log entry after ``after``."""
    return _stream(request, w, actor, exercise_id, after, follow, html=False)
