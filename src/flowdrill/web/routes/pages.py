"""Pages and the partials htmx refreshes: one view per role, each built from a board."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from starlette.responses import HTMLResponse, RedirectResponse, Response

from flowdrill.errors import InputError
from flowdrill.exercise.plan import Role
from flowdrill.service.drills import list_plans
from flowdrill.service.live_board import (
    Board,
    ExecutionLog,
    InboxItem,
    affected_flow_svg,
    board,
    execution_log,
    inbox,
)
from flowdrill.service.live_commands import FACILITATOR, Actor, Forbidden
from flowdrill.service.web_accounts import MAX_ARTIFACT_BYTES, UploadRejected
from flowdrill.web.deps import (
    PageActor,
    PageFacilitator,
    Web,
    WebDep,
    csrf_protect,
    enter,
    page_actor,
)
from flowdrill.web.security import csrf_token

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

#: Partials and the views that may load them (the rest see a 403).
PARTIALS: dict[str, frozenset[str]] = {
    "board": frozenset({"console", "participant", "evaluator", "executive"}),
    "alerts": frozenset({"console", "participant", "evaluator", "executive"}),
    "decisions": frozenset({"console", "participant", "evaluator", "executive"}),
    "approvals": frozenset({"console", "participant", "executive"}),
    "metrics": frozenset({"console", "evaluator", "executive"}),
    "channels": frozenset({"console", "participant", "evaluator"}),
    "timeline": frozenset({"console", "participant", "evaluator", "executive"}),
    "estate": frozenset({"console", "participant", "executive"}),
    "actions": frozenset({"console", "participant", "evaluator", "executive"}),
    "observations": frozenset({"console", "evaluator"}),
    "injects": frozenset({"console"}),
    "artifacts": frozenset({"console", "participant", "evaluator"}),
    "tasks": frozenset({"console", "evaluator"}),
    "inbox": frozenset({"participant"}),
    "story": frozenset({"console", "evaluator"}),
}


def render(request: Request, name: str, actor: Actor | None, **context: Any) -> HTMLResponse:
    w: Web = request.app.state.web
    response: HTMLResponse = w.templates.TemplateResponse(
        request,
        name,
        {"actor": actor, "csrf": csrf_token(request), **context},
    )
    return response


def read_inbox(w: Web, exercise_id: str, person: str | None) -> list[InboxItem]:
    with w.live.use(exercise_id) as drill:
        return inbox(drill, person)


def read_board(w: Web, exercise_id: str, view: str) -> Board:
    with w.live.use(exercise_id) as drill:
        return board(drill, view)


@router.get("/")
def home(request: Request, w: WebDep) -> Response:
    actor = page_actor(request)
    if actor is None:
        return RedirectResponse("/login", 303)
    if actor.kind == "participant":
        return RedirectResponse(f"/x/{actor.exercise}", 303)
    plans = list_plans(w.ws, out=w.out)
    exercises = list(reversed(w.live.exercises()))
    return render(request, "home.html", actor, plans=plans, exercises=exercises)


@router.get("/program")
async def program(request: Request, w: WebDep) -> Response:
    """Program health, read-only: for the facilitator and executive observers."""
    actor = page_actor(request)
    if actor is None:
        return RedirectResponse("/login", 303)
    if actor.view not in ("console", "executive"):
        raise Forbidden("the program dashboard is for the facilitator and executive observers")
    from flowdrill.program.trends import CHARTED
    from flowdrill.service.program import dashboard

    d = await asyncio.to_thread(dashboard, w.ws, out=w.out)
    return render(request, "program.html", actor, d=d, charted=CHARTED)


@router.post("/exercises")
def create_exercise(
    w: WebDep,
    actor: PageFacilitator,
    plan: Annotated[str, Form(min_length=1, max_length=200)],
    speed: Annotated[float, Form(gt=0, le=60)] = 1.0,
    anonymous_feedback: Annotated[bool, Form()] = False,
) -> Response:
    ident = w.live.start(plan, speed=speed, anonymous_feedback=anonymous_feedback)
    return RedirectResponse(f"/x/{ident}", 303)


@router.get("/x/{exercise_id}")
async def exercise_page(
    request: Request, w: WebDep, actor: PageActor, exercise_id: str
) -> Response:
    enter(actor, exercise_id)
    b = await asyncio.to_thread(read_board, w, exercise_id, actor.view)
    invites = w.accounts.invites(exercise_id) if actor.view == "console" else []
    return render(
        request,
        f"{actor.view}.html",
        actor,
        b=b,
        invites=invites,
        artifacts=w.accounts.artifacts(exercise_id),
        roles=[r.value for r in Role if r is not Role.facilitator],
    )


@router.get("/x/{exercise_id}/part/{name}")
async def partial(
    request: Request, w: WebDep, actor: PageActor, exercise_id: str, name: str
) -> Response:
    enter(actor, exercise_id)
    views = PARTIALS.get(name)
    if views is None:
        raise InputError(f"no panel {name!r}")
    if actor.view not in views:
        raise Forbidden(f"the {actor.role} view has no {name} panel")
    b = await asyncio.to_thread(read_board, w, exercise_id, actor.view)
    extra: dict[str, Any] = {}
    if name == "artifacts":
        extra["artifacts"] = w.accounts.artifacts(exercise_id)
    if name == "inbox":
        extra["inbox"] = await asyncio.to_thread(read_inbox, w, exercise_id, actor.person)
    return render(request, f"_{name}.html", actor, b=b, **extra)


@router.post("/x/{exercise_id}/invites")
def invite(
    request: Request,
    w: WebDep,
    actor: PageFacilitator,
    exercise_id: str,
    role: Annotated[str, Form(max_length=40)],
    person: Annotated[str, Form(max_length=200)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    hours: Annotated[float, Form(gt=0, le=24 * 14)] = 24.0,
) -> Response:
    """One invite link, or (role ``all``) one per person in the plan's roles."""
    w.live.stored(exercise_id, after=10**9)  # 404 for an unknown exercise
    if role == "all":
        b = read_board(w, exercise_id, "console")
        wanted = [(a.role.value, a.person, a.name) for a in b.roles if a.role != FACILITATOR]
    else:
        if role not in {r.value for r in Role} or role == FACILITATOR:
            raise InputError(f"no participant role {role!r}")
        wanted = [(role, person or role, name or person or role)]
    base = str(request.base_url).rstrip("/")
    links = []
    for r, p, n in wanted:
        token = w.accounts.create_invite(exercise_id, person=p, name=n, role=r, hours=hours)
        links.append((r, n, f"{base}/join/{token}"))
    return render(request, "_invite_links.html", actor, links=links)


@router.get("/x/{exercise_id}/diagram.svg")
async def diagram(w: WebDep, actor: PageActor, exercise_id: str) -> Response:
    enter(actor, exercise_id)

    def draw() -> str:
        with w.live.use(exercise_id) as drill:
            return affected_flow_svg(drill)

    svg = await asyncio.to_thread(draw)
    return Response(svg, media_type="image/svg+xml")


#: Views that may read the flows' execution logs (the people working the incident).
RUN_VIEWS = frozenset({"console", "participant", "evaluator"})


def read_runs(
    w: Web, actor: Actor, exercise_id: str, flow: str | None, status: str | None, limit: int = 60
) -> ExecutionLog:
    """A flow's execution log, for the views allowed to read it (page and API alike)."""
    enter(actor, exercise_id)
    if actor.view not in RUN_VIEWS:
        raise Forbidden(f"the {actor.role} view has no execution log")
    with w.live.use(exercise_id) as drill:
        return execution_log(drill, flow or None, status or None, limit)


@router.get("/x/{exercise_id}/runs")
async def runs(
    request: Request,
    w: WebDep,
    actor: PageActor,
    exercise_id: str,
    flow: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """A flow's execution log, as its platform would list it (a partial)."""
    log = await asyncio.to_thread(read_runs, w, actor, exercise_id, flow, status)
    return render(request, "_runs.html", actor, log=log)


@router.get("/x/{exercise_id}/report")
def report(w: WebDep, actor: PageActor, exercise_id: str) -> Response:
    enter(actor, exercise_id)
    if actor.view == "participant":
        raise Forbidden("the report opens for the facilitator, evaluators and executives")
    from flowdrill.service.reports import write_report

    b = read_board(w, exercise_id, actor.view)
    if not b.ended:
        raise InputError("the report is ready once the exercise has ended")
    written = write_report(w.ws, exercise_id, out=w.out)
    html = next(f for f in written.files if f.suffix == ".html").read_text(encoding="utf-8")
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "img-src data:; frame-ancestors 'none'"
        },
    )


@router.post("/x/{exercise_id}/upload")
async def upload(
    request: Request,
    w: WebDep,
    actor: PageActor,
    exercise_id: str,
    file: Annotated[UploadFile, File()],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    artifact = await save_upload(w, actor, exercise_id, file, note)
    if request.headers.get("hx-request"):
        return render(request, "_flash.html", actor, ok=f"Uploaded {artifact}.")
    return RedirectResponse(f"/x/{exercise_id}", 303)


async def save_upload(w: Web, actor: Actor, exercise_id: str, file: UploadFile, note: str) -> str:
    """Keep the file and post it to the artifacts channel; the shared path of page and API."""
    from flowdrill.exercise import events as ev
    from flowdrill.service.live_commands import check
    from flowdrill.service.live_drills import stamp

    enter(actor, exercise_id)
    check(actor, exercise_id, "message")
    if actor.view == "executive":
        raise Forbidden("executives have a read-only view")
    data = await file.read(MAX_ARTIFACT_BYTES + 1)
    if len(data) > MAX_ARTIFACT_BYTES:
        raise UploadRejected(f"the file is larger than the limit of {MAX_ARTIFACT_BYTES} bytes")
    name = file.filename or "artifact"
    artifact = await asyncio.to_thread(
        w.accounts.save_artifact, exercise_id, filename=name, data=data, by=actor.by
    )

    def post(drill: Any) -> list[Any]:
        channel = next(
            (c.name for c in drill.plan.channels if c.purpose == "artifact_repository"),
            "artifacts",
        )
        text = f"artifact {artifact.filename} ({artifact.size} bytes) #{artifact.id}"
        return [
            ev.MessagePosted(
                at=stamp(drill),
                channel=channel,
                text=f"{text}: {note}" if note else text,
                by=actor.by,
            )
        ]

    await asyncio.to_thread(w.live.submit, exercise_id, post)
    w.wakeup.ring(exercise_id)
    return artifact.filename


@router.get("/x/{exercise_id}/artifacts/{artifact_id}")
def artifact_file(w: WebDep, actor: PageActor, exercise_id: str, artifact_id: str) -> Response:
    enter(actor, exercise_id)
    found, data = w.accounts.artifact(exercise_id, artifact_id)
    return Response(
        data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
