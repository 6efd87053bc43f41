"""An independent secret finder for tests: what in the raw corpus must never be stored.

Written from the format description, not from ``flowdrill.estate.redact``: known token
regexes over the raw text, values of secret-named keys and headers, and secrets inside JSON
text, minus obvious placeholders and expressions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

TOKENS = [
    r"sk-[A-Za-z0-9_-]{20,}",
    r"xox[abposr]-[A-Za-z0-9-]{10,}",
    r"ghp_[A-Za-z0-9]{20,}",
    r"github_pat_[A-Za-z0-9_]{20,}",
    r"AIza[0-9A-Za-z_-]{30,}",
    r"AKIA[0-9A-Z]{16}",
    r"(?:sk|rk)_live_[A-Za-z0-9]{10,}",
    r"whsec_[A-Za-z0-9]{10,}",
    r"\b\d{8,10}:AA[A-Za-z0-9_-]{30,}",
    r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
    r"hooks\.slack\.com/services/[A-Za-z0-9/]+",
    r"discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]+",
]
KEYS = {
    "authorization",
    "x-api-key",
    "api_key",
    "apikey",
    "token",
    "auth_token",
    "access_token",
    "password",
    "secret",
    "client_secret",
}
PAIR_NAMES = KEYS | {"key"}
IN_TEXT = re.compile(
    r'\\?"(auth_token|access_token|token|password|secret|api_key|apikey)\\?"\s*:\s*\\?"([^"\\]{8,})'
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _candidate(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    for scheme in ("Bearer ", "Basic ", "bearer ", "basic "):
        text = text.removeprefix(scheme)
    text = text.strip().strip("\"'")
    lowered = text.lower()
    if len(text) < 8 or text.startswith("=") or "{{" in text or "${" in text:
        return None
    if "your" in lowered or text.startswith("<") or "xxx" in lowered or " " in text:
        return None
    return text


def _walk(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str) and name.lower() in PAIR_NAMES and "value" in value:
            secret = _candidate(value["value"])
            if secret:
                found.add(secret)
        for key, item in value.items():
            if isinstance(key, str) and key.lower() in KEYS:
                secret = _candidate(item)
                if secret:
                    found.add(secret)
            _walk(item, found)
    elif isinstance(value, list):
        for item in value:
            _walk(item, found)


def secrets_in(paths: Iterable[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for pattern in TOKENS:
            found.update(re.findall(pattern, text))
        found.update(filter(None, (_candidate(m.group(2)) for m in IN_TEXT.finditer(text))))
        try:
            _walk(json.loads(text), found)
        except json.JSONDecodeError:
            continue
    return found


def credential_emails(paths: Iterable[Path]) -> set[str]:
    """E-mail addresses in n8n credential names (they must be masked in the store)."""
    found: set[str] = set()
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        for node in data.get("nodes", []) if isinstance(data, dict) else []:
            for ref in (node.get("credentials") or {}).values():
                name = ref.get("name") if isinstance(ref, dict) else ref
                found.update(EMAIL.findall(name or ""))
    return found


def leaks(secrets: Iterable[str], blobs: Iterable[bytes]) -> list[str]:
    """The secrets that occur in any of the blobs."""
    everything = b"\n".join(blobs)
    return sorted(s for s in secrets if s.encode() in everything)
