"""Commands: every operation of the drill, as a form post (htmx) and as a REST endpoint.

Both paths validate with the same input model and go through the same access check and
the same :meth:`LiveDrills.submit`; only the answer's shape differs.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, ValidationError
from starlette.responses import RedirectResponse, Response

from flowdrill.exercise.events import Event
from flowdrill.service.live_commands import OPERATIONS, Actor, builder, check
from flowdrill.web.deps import ApiActor, PageActor, Web, WebDep, csrf_protect, enter
from flowdrill.web.security import CSRF_FIELD

pages = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


class EventOut(BaseModel):
    type: str
    at: float
    data: dict[str, Any]


class CommandOut(BaseModel):
    """What a command logged (it may also have delivered what fell due)."""

    events: list[EventOut]


def run(w: Web, actor: Actor, exercise_id: str, operation: str, body: Any) -> list[Event]:
    enter(actor, exercise_id)
    op = check(actor, exercise_id, operation)
    events = w.live.submit(exercise_id, builder(actor, op, body))
    w.wakeup.ring(exercise_id)
    return events


def _form_values(form: Any, model: type[BaseModel]) -> dict[str, Any]:
    """Form fields as the model's input: blanks mean 'not given', checkboxes are booleans."""
    values: dict[str, Any] = {}
    for key, value in form.multi_items():
        if key == CSRF_FIELD or key not in model.model_fields or value == "":
            continue
        values[key] = value
    return values


@pages.post("/x/{exercise_id}/do/{operation}")
async def form_command(
    request: Request, w: WebDep, actor: PageActor, exercise_id: str, operation: str
) -> Response:
    enter(actor, exercise_id)
    op = check(actor, exercise_id, operation)
    form = await request.form()
    try:
        body = op.model.model_validate(_form_values(form, op.model))
    except ValidationError as exc:
        from fastapi.exceptions import RequestValidationError

        raise RequestValidationError(exc.errors()) from None
    await asyncio.to_thread(run, w, actor, exercise_id, operation, body)
    if request.headers.get("hx-request"):
        return w.templates.TemplateResponse(
            request, "_flash.html", {"ok": f"{op.label}: done.", "actor": actor}
        )
    return RedirectResponse(f"/x/{exercise_id}", 303)


def _api_endpoint(operation: str) -> Any:
    op = OPERATIONS[operation]
    model = op.model

    async def endpoint(exercise_id: str, body: model, w: WebDep, actor: ApiActor) -> CommandOut:  # type: ignore[valid-type]
        events = await asyncio.to_thread(run, w, actor, exercise_id, operation, body)
        return CommandOut(
            events=[
                EventOut(
                    type=e.type, at=e.at, data=e.model_dump(mode="json", exclude={"type", "at"})
                )
                for e in events
            ]
        )

    endpoint.__annotations__ = {  # real types: this module's annotations are strings
        "exercise_id": str,
        "body": model,
        "w": WebDep,
        "actor": ApiActor,
        "return": CommandOut,
    }
    endpoint.__name__ = f"command_{operation}"
    endpoint.__doc__ = f"{op.label} (roles: {', '.join(sorted(op.roles))})."
    return endpoint


def install(app: FastAPI) -> None:
    api = APIRouter(prefix="/api/exercises", tags=["commands"])
    for name in OPERATIONS:
        api.add_api_route(
            f"/{{exercise_id}}/commands/{name}",
            _api_endpoint(name),
            methods=["POST"],
            response_model=CommandOut,
            responses={403: {"description": "the role may not"}, 409: {"description": "state"}},
        )
    app.include_router(pages)
    app.include_router(api)
