"""Sessions, API tokens, CSRF and response headers: the web's security mechanics in one place.

Pages use a signed session cookie (Starlette's ``SessionMiddleware``) and a CSRF token on every
unsafe request; the REST API uses signed bearer tokens and never reads cookies, so a page on
another site cannot ride on a signed-in browser.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flowdrill.service.live_commands import Actor

SESSION_COOKIE = "flowdrill_session"
SESSION_HOURS = 12
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return token


def csrf_ok(request: Request, sent: str | None) -> bool:
    expected = request.session.get("csrf")
    return isinstance(expected, str) and bool(sent) and hmac.compare_digest(expected, sent or "")


def actor_data(actor: Actor) -> dict[str, Any]:
    return {
        "kind": actor.kind,
        "name": actor.name,
        "role": actor.role,
        "exercise": actor.exercise,
        "person": actor.person,
    }


def actor_from(data: Any) -> Actor | None:
    if not isinstance(data, dict) or data.get("kind") not in ("facilitator", "participant"):
        return None
    try:
        return Actor(
            kind=data["kind"],
            name=str(data["name"]),
            role=str(data["role"]),
            exercise=data.get("exercise"),
            person=data.get("person"),
        )
    except KeyError:
        return None


class Tokens:
    """Signed, expiring bearer tokens for the REST API."""

    def __init__(self, secret: str) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="flowdrill-api-token")

    def issue(self, actor: Actor) -> str:
        return self._signer.dumps(actor_data(actor))

    def read(self, token: str) -> Actor | None:
        try:
            return actor_from(self._signer.loads(token, max_age=SESSION_HOURS * 3600))
        except BadSignature:
            return None


class SecurityHeaders:
    """Adds a strict Content-Security-Policy and friends to every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for key, value in (
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ):
                    if key not in names:
                        headers.append((key, value))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add_headers)
