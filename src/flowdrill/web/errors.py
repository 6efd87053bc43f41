"""Errors handled in one place: JSON for the API, a fragment for htmx, a page otherwise."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from flowdrill.errors import FlowdrillError, InvalidFiles
from flowdrill.web.deps import NotSignedIn, web


def _message(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, InvalidFiles):
        return exc.http_status, "; ".join(str(p) for p in exc.problems[:5])
    if isinstance(exc, FlowdrillError):
        return exc.http_status, str(exc)
    if isinstance(exc, RequestValidationError):
        parts = []
        for err in exc.errors()[:5]:
            where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("body", "query"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else err.get("msg", ""))
        return 422, "; ".join(parts) or "invalid input"
    if isinstance(exc, HTTPException):
        return exc.status_code, str(exc.detail)
    return 500, "internal error; the server log has the details"


def render_error(request: Request, exc: Exception) -> Response:
    status, message = _message(exc)
    if request.url.path.startswith("/api/"):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"error": message, "status": status}, status, headers=headers)
    templates = web(request).templates
    if request.headers.get("hx-request"):
        return templates.TemplateResponse(
            request, "_flash.html", {"error": message, "status": status}, status_code=status
        )
    if isinstance(exc, NotSignedIn) and request.method == "GET":
        return RedirectResponse(f"/login?next={quote(request.url.path)}", 303)
    return templates.TemplateResponse(
        request, "error.html", {"error": message, "status": status}, status_code=status
    )


def install(app: FastAPI) -> None:
    async def handle(request: Request, exc: Any) -> Response:
        return render_error(request, exc)

    for kind in (FlowdrillError, RequestValidationError, HTTPException, Exception):
        app.add_exception_handler(kind, handle)
