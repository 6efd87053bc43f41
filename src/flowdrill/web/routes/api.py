"""The REST API (JSON, documented at /docs and /openapi.json): what the pages do, for scripts.

Authentication is a bearer token from ``POST /api/login`` or ``POST /api/join``.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from flowdrill.errors import InputError
from flowdrill.exercise.plan import Role
from flowdrill.service.drills import list_plans
from flowdrill.service.live_board import board
from flowdrill.service.live_commands import FACILITATOR
from flowdrill.web.deps import ApiActor, ApiFacilitator, WebDep, enter
from flowdrill.web.routes.pages import read_runs, save_upload

router = APIRouter(prefix="/api", tags=["exercises"])


class PlanOut(BaseModel):
    id: str
    title: str
    scenario: str
    roles: list[dict[str, str | None]]


class ExerciseOut(BaseModel):
    id: str
    title: str
    plan_id: str | None
    created_at: str
    events: int


class StartIn(BaseModel):
    plan: str = Field(min_length=1, max_length=200)
    speed: float = Field(1.0, gt=0, le=60, description="exercise minutes per wall minute")
    anonymous_feedback: bool = Field(
        False, description="participants may give feedback anonymously"
    )


class InviteIn(BaseModel):
    role: Role
    person: str = Field("", max_length=200)
    name: str = Field("", max_length=200)
    hours: float = Field(24.0, gt=0, le=24 * 14)


class InviteOut(BaseModel):
    url: str
    token: str
    role: str


class StoredEventOut(BaseModel):
    seq: int
    type: str
    at: float
    recorded_at: str
    data: dict[str, Any]


class RunOut(BaseModel):
    at: int = Field(description="exercise minute the runs began (negative: before the drill)")
    minutes: int = Field(description="minutes covered: 1 in the drill, up to 60 before it")
    executions: int
    succeeded: int
    failed: int
    parked: int = Field(description="records sent to the dead-letter queue")
    status: Literal["error", "partial", "success"]
    errors: list[dict[str, Any]] = Field(description="step, message and count per error")


class ExecutionLogOut(BaseModel):
    flow: str
    flow_name: str
    status: str | None
    sample: dict[str, Any] = Field(description="a sample input payload, personal data redacted")
    runs: list[RunOut]


class ArtifactOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    by: str
    created_at: str


@router.get("/plans")
def plans(w: WebDep, actor: ApiFacilitator) -> list[PlanOut]:
    """Plans on record that an exercise can start from."""
    return [
        PlanOut(
            id=p.id,
            title=p.title,
            scenario=p.scenario,
            roles=[{"role": a.role.value, "person": a.person, "name": a.name} for a in p.roles],
        )
        for p in list_plans(w.ws, out=w.out)
    ]


@router.get("/exercises")
def exercises(w: WebDep, actor: ApiFacilitator) -> list[ExerciseOut]:
    return [ExerciseOut.model_validate(e) for e in w.live.exercises()]


@router.post("/exercises", status_code=201)
def start(body: StartIn, w: WebDep, actor: ApiFacilitator) -> ExerciseOut:
    """Start an exercise from a plan; its clock runs from now."""
    ident = w.live.start(body.plan, speed=body.speed, anonymous_feedback=body.anonymous_feedback)
    found = next(e for e in w.live.exercises() if e["id"] == ident)
    return ExerciseOut.model_validate(found)


@router.get("/exercises/{exercise_id}")
async def exercise(w: WebDep, actor: ApiActor, exercise_id: str) -> dict[str, Any]:
    """The board: status, clock, phase, alerts, decisions, metrics, timeline (as the role
    may see it)."""
    enter(actor, exercise_id)

    def read() -> Any:
        with w.live.use(exercise_id) as drill:
            return board(drill, actor.view)

    b = await asyncio.to_thread(read)
    data: dict[str, Any] = jsonable_encoder(b)
    data["timeline"] = [{"seq": t.seq, **jsonable_encoder(t.event)} for t in b.timeline]
    data.pop("channels", None)
    data.pop("observations", None)
    if actor.view != "console":
        data.pop("injects", None)
    return data


@router.get("/exercises/{exercise_id}/events")
def events(
    w: WebDep, actor: ApiActor, exercise_id: str, after: Annotated[int, Field(ge=0)] = 0
) -> list[StoredEventOut]:
    """The log after seq ``after`` (filtered to what the role may see)."""
    from flowdrill.service.live_board import visible

    enter(actor, exercise_id)
    return [
        StoredEventOut(seq=e.seq, type=e.type, at=e.at, recorded_at=e.recorded_at, data=e.data)
        for e in w.live.stored(exercise_id, after=max(after, 0))
        if visible(e.type, actor.view)
    ]


@router.post("/exercises/{exercise_id}/invites", status_code=201)
def invite(
    request: Request, body: InviteIn, w: WebDep, actor: ApiFacilitator, exercise_id: str
) -> InviteOut:
    """A single-use, expiring invite link for one person in one role."""
    if body.role is Role.facilitator or body.role.value == FACILITATOR:
        raise InputError("facilitators sign in with an account, not an invite")
    w.live.stored(exercise_id, after=10**9)
    person = body.person or body.role.value
    token = w.accounts.create_invite(
        exercise_id,
        person=person,
        name=body.name or person,
        role=body.role.value,
        hours=body.hours,
    )
    return InviteOut(
        url=f"{str(request.base_url).rstrip('/')}/join/{token}", token=token, role=body.role.value
    )


@router.get("/exercises/{exercise_id}/runs")
async def runs(
    w: WebDep,
    actor: ApiActor,
    exercise_id: str,
    flow: Annotated[str | None, Query(max_length=200)] = None,
    status: Literal["error", "partial", "success"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 60,
) -> ExecutionLogOut:
    """A flow's execution log up to the exercise clock, newest first, as its platform would
    list it: runs per minute with their status and the errors logged."""
    log = await asyncio.to_thread(read_runs, w, actor, exercise_id, flow, status, limit)
    return ExecutionLogOut.model_validate(log, from_attributes=True)


@router.get("/exercises/{exercise_id}/artifacts")
def artifacts(w: WebDep, actor: ApiActor, exercise_id: str) -> list[ArtifactOut]:
    enter(actor, exercise_id)
    return [
        ArtifactOut.model_validate(a, from_attributes=True)
        for a in w.accounts.artifacts(exercise_id)
    ]


@router.post("/exercises/{exercise_id}/artifacts", status_code=201)
async def upload(
    w: WebDep,
    actor: ApiActor,
    exercise_id: str,
    file: Annotated[UploadFile, File()],
    note: Annotated[str, Form(max_length=500)] = "",
) -> dict[str, str]:
    """Upload evidence (PNG, JPEG, PDF, text, CSV, JSON; at most 2 MiB)."""
    name = await save_upload(w, actor, exercise_id, file, note)
    return {"filename": name}
