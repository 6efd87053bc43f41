"""Signed acknowledgement links: a token names the exercise, the escalation and the person, and
is signed with HMAC-SHA256 so a link cannot be forged or pointed at another escalation.

Pure functions (the key and the time are parameters), so the web UI can verify what the
notifier signed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass

from flowdrill.errors import InputError

#: How long a link stays valid by default: longer than any drill.
DEFAULT_MAX_AGE = 7 * 24 * 3600.0


class InvalidToken(InputError):
    """The link was altered, signed with another key, or has expired."""

    http_status = 403


@dataclass(frozen=True)
class AckClaim:
    exercise_id: str
    escalation: str
    party: str
    step: int
    issued: float  # wall seconds


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, b"flowdrill-ack." + body.encode("ascii"), hashlib.sha256).digest())


def make_token(key: bytes, claim: AckClaim) -> str:
    payload = {
        "x": claim.exercise_id,
        "e": claim.escalation,
        "p": claim.party,
        "s": claim.step,
        "t": round(claim.issued, 3),
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{body}.{_sign(key, body)}"


def verify_token(
    key: bytes, token: str, *, now: float, max_age: float = DEFAULT_MAX_AGE
) -> AckClaim:
    """The claim a valid token carries, else :class:`InvalidToken`."""
    body, _, signature = token.partition(".")
    if not body or not signature or not hmac.compare_digest(signature, _sign(key, body)):
        raise InvalidToken("this acknowledgement link is not valid")
    try:
        data = json.loads(_unb64(body))
        claim = AckClaim(str(data["x"]), str(data["e"]), str(data["p"]), int(data["s"]), data["t"])
    except (ValueError, KeyError, TypeError):
        raise InvalidToken("this acknowledgement link is not valid") from None
    if now - claim.issued > max_age:
        raise InvalidToken("this acknowledgement link has expired")
    return claim


def ack_url(base_url: str, token: str) -> str:
    """Where the web UI serves acknowledgements: ``<base>/ack/<token>``."""
    return f"{base_url.rstrip('/')}/ack/{token}"
