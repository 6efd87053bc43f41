"""Keep secrets out of everything flowdrill stores, prints or logs.

Importers run every export through :func:`redact` before they look at it, so no later step can
leak a token by accident (a URL host, a note, a name). Pure functions, no I/O.

What is masked:

* values under secret-named keys (``password``, ``apiKey``, ``Authorization``...) and in
  ``{name, value}`` pairs whose name is secret-bearing (n8n header/query parameters, Node-RED
  http headers);
* known token formats anywhere in any string (OpenAI ``sk-``, Slack ``xox?-``, GitHub ``ghp_``,
  Google ``AIza``, AWS ``AKIA``, Stripe ``sk_live_``/``rk_live_``/``whsec_``, Telegram bot tokens,
  JWTs, ``Bearer``/``Basic`` credentials, private keys);
* secret-bearing query parameters, ``user:password@`` in URLs, Slack and Discord webhook URLs
  (capability URLs: whoever knows them can post).

What is kept: ``=``-expressions and other references (``{{ $env.X }}``, ``${VAR}``), and obvious
placeholders (``YOUR_TOKEN``, ``<token>``, ``xxx``), which are not secrets and would only make
noise in the findings. A :class:`Redaction` records where and what kind of secret was masked,
never the value.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

REDACTED = "<redacted>"
#: Deepest nesting :func:`redact` walks; exports are shallow, so deeper data is hostile input.
MAX_DEPTH = 200


class TooDeep(ValueError):
    """The data is nested deeper than the walk allows."""


#: Keys whose value is a secret, compared after lower-casing and dropping ``-``/``_``/spaces.
SECRET_KEYS = frozenset(
    {
        "authorization",
        "proxyauthorization",
        "apikey",
        "xapikey",
        "apitoken",
        "xapitoken",
        "apisecret",
        "accesstoken",
        "xaccesstoken",
        "refreshtoken",
        "authtoken",
        "xauthtoken",
        "bearertoken",
        "idtoken",
        "sessiontoken",
        "bottoken",
        "token",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "secret",
        "clientsecret",
        "secretkey",
        "privatekey",
        "secretaccesskey",
        "signingsecret",
        "webhooksecret",
        "cookie",
        "setcookie",
    }
)
#: Suffixes that make a key secret-named (``smtpPassword``, ``githubToken``, ``hmacSecret``).
SECRET_SUFFIXES = ("password", "secret", "token", "apikey", "privatekey")
#: Extra names that are secret in a header or query ``{name, value}`` pair or a query string, but
#: too common elsewhere (n8n uses ``key`` for Redis keys, sort fields and Set-node fields).
SECRET_PARAMS = frozenset({"key", "sig", "signature", "auth", "accesskey", "apisig"})
_PAIR_NAMES = ("name", "key", "keyValue", "parameterName", "header")
_PAIR_VALUES = ("value", "valueValue", "parameterValue")

_NORMALISE = re.compile(r"[\s_.-]+")
_QUERY_NAMES = (
    r"key|api[_-]?key|apikey|token|access[_-]?token|auth[_-]?token|refresh[_-]?token|id[_-]?token"
    r"|secret|client[_-]?secret|sig|signature|password|passwd|pwd|auth|x-api-key"
)

#: Known token formats: (kind, markers, pattern). A pattern only runs on strings that contain
#: one of its markers: plain substring tests are far cheaper than a regex over every string.
TOKEN_PATTERNS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "private key",
        ("PRIVATE KEY",),
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    ),
    (
        "Slack webhook URL",
        ("hooks.slack",),
        r"https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+",
    ),
    (
        "Discord webhook URL",
        ("discord",),
        r"https?://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_-]+",
    ),
    (
        "Stripe secret key",
        ("_live_", "_test_"),
        r"(?<![A-Za-z0-9])(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{10,}",
    ),
    ("Stripe webhook secret", ("whsec_",), r"(?<![A-Za-z0-9])whsec_[0-9A-Za-z]{10,}"),
    (
        "OpenAI-style API key",
        ("sk-",),
        r"(?<![A-Za-z0-9_-])sk-(?:[A-Za-z0-9]+-)*[A-Za-z0-9_-]{20,}",
    ),
    ("Slack token", ("xox",), r"(?<![A-Za-z0-9])xox[abposre]-[A-Za-z0-9-]{10,}"),
    (
        "GitHub token",
        ("gh", "github_pat_"),
        r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})",
    ),
    ("Google API key", ("AIza",), r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{30,}"),
    ("AWS access key", ("AKIA", "ASIA"), r"(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])"),
    ("Telegram bot token", (":AA",), r"(?<![A-Za-z0-9])\d{6,12}:AA[A-Za-z0-9_-]{30,}"),
    (
        "JWT",
        ("eyJ",),
        r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}",
    ),
    ("password in URL", ("@",), r"(?<=://)[^/\s:@'\"`]{1,200}:[^/\s@'\"`]{1,200}(?=@)"),
)
_TOKENS = tuple((kind, markers, re.compile(p)) for kind, markers, p in TOKEN_PATTERNS)
#: ``Bearer x`` / ``Basic x``: x must look like a credential, not like "Basic LLM Chain".
_AUTH_SCHEME = re.compile(
    r"\b([Bb]earer|[Bb]asic|BEARER|BASIC)([ \t]+)([A-Za-z0-9._~+/=:$\[\]-]{8,})"
)
_QUERY = re.compile(rf"([?&;](?:{_QUERY_NAMES})=)([^&#\s\"'`<>]+)", re.I)
#: ``"apiKey": "x"`` / ``token = 'x'`` inside JSON text or code: find the name, then the value.
_SECRET_WORD = re.compile(r"api[_-]?key|token|secret|passw(?:or)?d|authorization", re.I)
#: Shorter strings cannot hold a secret worth the name (and are most strings of an export).
_MIN_SECRET = 8
_ASSIGNED_VALUE = re.compile(r"""["']?(\s*[:=]\s*)(["'])([^"'\n]{4,})\2""")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_PLACEHOLDER = re.compile(
    r"^(?:(?:your|my|insert|enter|replace|put|add|paste|example|sample|dummy|placeholder|changeme"
    r"|change[_-]?me|todo|tbd|none|null|undefined|test|(?:api[_-]?)?(?:key|token|secret|password)s?)"
    r"\b|(?:x{3,}|\*+|\.{3,}|-+|<.*>|\{.*\}|\$\{.*\})$)",
    re.I,
)
_SCHEME_PREFIX = re.compile(r"^(?:bearer|basic|token)(?:\s+|$)", re.I)
_REFERENCE = re.compile(
    r"\{\{.*?\}\}|\$\{[^}]*\}|\$env\b|\$vars\b|process\.env|env\.get\(|\$json", re.S
)


@dataclass(frozen=True)
class Redaction:
    """A masked secret: where it was and what kind it looked like (never the value)."""

    location: str
    kind: str


def is_reference(value: str) -> bool:
    """An expression or variable that names a secret kept elsewhere: not a secret itself."""
    return bool(_REFERENCE.search(value))


def is_placeholder(value: str) -> bool:
    """``YOUR_API_KEY``, ``<token>``, ``xxxx``: a template someone must fill in."""
    text = _SCHEME_PREFIX.sub("", value.strip().strip("\"'`").strip()).strip()
    if not text:
        return True
    if _PLACEHOLDER.match(text):
        return True
    lowered = text.lower()
    return any(word in lowered for word in ("your_", "your-", "yourapi", "xxxx", "placeholder"))


def _normal(key: str) -> str:
    return _NORMALISE.sub("", key.lower())


def _literal_secret(value: Any) -> bool:
    """Is this value, found under a secret name, an actual secret (not a reference)?"""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return True
    if not isinstance(value, str):
        return False
    text = value[1:] if value.startswith("=") else value
    return bool(text.strip()) and not is_reference(text) and not is_placeholder(text)


def redact_text(text: str) -> tuple[str, list[str]]:
    """Mask known secret formats inside one string; return it and the kinds found."""
    kinds: list[str] = []
    if len(text) < _MIN_SECRET:
        return text, kinds
    if _maybe_token(text):
        for kind, markers, pattern in _TOKENS:
            if any(m in text for m in markers):
                text = pattern.sub(lambda m, k=kind: _token(m, k, kinds), text)  # type: ignore[misc]
        text = _AUTH_SCHEME.sub(lambda m: _scheme(m, kinds), text)
    if "=" in text and ("?" in text or "&" in text or ";" in text):
        text = _QUERY.sub(lambda m: _query(m, kinds), text)
    if (":" in text or "=" in text) and _has_secret_word(text):
        text = _assigned(text, kinds)
    return text, kinds


def _maybe_token(t: str) -> bool:
    """Can any token pattern match? Plain substring tests: far cheaper than a regex, and most
    strings of an export fail all of them."""
    return (
        "sk-" in t
        or "xox" in t
        or "_live_" in t
        or "_test_" in t
        or "whsec_" in t
        or "AIza" in t
        or "AKIA" in t
        or "ASIA" in t
        or ":AA" in t
        or "eyJ" in t
        or "hooks.slack" in t
        or "discord" in t
        or "PRIVATE KEY" in t
        or "earer" in t
        or "asic" in t
        or "EARER" in t
        or "ASIC" in t
        or (
            "gh" in t
            and (
                "ghp_" in t
                or "gho_" in t
                or "ghu_" in t
                or "ghs_" in t
                or "ghr_" in t
                or "github_pat_" in t
            )
        )
        or ("@" in t and "://" in t)
    )


def _has_secret_word(text: str) -> bool:
    lowered = text.lower()
    return (
        "key" in lowered
        or "token" in lowered
        or "secret" in lowered
        or "passw" in lowered
        or "authorization" in lowered
    ) and bool(_SECRET_WORD.search(text))


def _keep(value: str) -> bool:
    return REDACTED in value or is_reference(value) or is_placeholder(value)


def _token(match: re.Match[str], kind: str, kinds: list[str]) -> str:
    found = match.group(0)
    if kind == "password in URL":
        user, _, secret = found.partition(":")
        if _keep(secret):
            return found
        kinds.append(kind)
        return f"{user}:{REDACTED}"
    kinds.append(kind)
    return REDACTED


def _scheme(match: re.Match[str], kinds: list[str]) -> str:
    value = match.group(3)
    if _keep(value):
        return match.group(0)
    if not ((any(c.isdigit() for c in value) and len(value) >= 16) or len(value) >= 24):
        return match.group(0)  # "Basic authentication", "Bearer tokens"
    kinds.append(f"{match.group(1).capitalize()} credential")
    return f"{match.group(1)}{match.group(2)}{REDACTED}"


def _query(match: re.Match[str], kinds: list[str]) -> str:
    value = match.group(2)
    if value.startswith(("{", "$", "%7B", "%7b", "<")) or _keep(value):
        return match.group(0)
    kinds.append("secret query parameter")
    return f"{match.group(1)}{REDACTED}"


def _assigned(text: str, kinds: list[str]) -> str:
    """Mask ``"token": "value"`` and ``password = 'value'`` in JSON text and code."""
    out: list[str] = []
    pos = 0
    for word in _SECRET_WORD.finditer(text):
        if word.start() < pos:
            continue
        value = _ASSIGNED_VALUE.match(text, word.end())
        if value is None or _keep(value.group(3)):
            continue
        kinds.append("hard-coded secret in text")
        out.append(text[pos : value.start(3)])
        out.append(REDACTED)
        pos = value.end(3)
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def email_token(email: str) -> str:
    """A stable stand-in for an e-mail address: same address, same token; not reversible."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:8]
    return f"[email:{digest}]"


def mask_emails(text: str) -> tuple[str, bool]:
    """Replace e-mail addresses by :func:`email_token`; say whether there were any."""
    if "@" not in text:
        return text, False
    masked = _EMAIL.sub(lambda m: email_token(m.group(0)), text)
    return masked, masked != text


def format_location(base: str, path: Iterable[str | int]) -> str:
    """``nodes[3].parameters['x-api-key']``-style location of a value."""
    out = base
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}" if out else part
        else:
            out += f"[{part!r}]"
    return out


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """A key whose value is a secret (``Authorization``, ``client_secret``, ``smtpPassword``)."""
    norm = _normal(key)
    return norm in SECRET_KEYS or norm.endswith(SECRET_SUFFIXES)


@functools.lru_cache(maxsize=4096)
def is_secret_param(name: str) -> bool:
    """A header, query or body parameter name that carries a secret."""
    return _normal(name) in SECRET_PARAMS or is_secret_key(name)


class _Walker:
    """Walks JSON data once; the current path is a stack, formatted only when something is hit."""

    def __init__(self, base: str, max_depth: int) -> None:
        self.base = base
        self.max_depth = max_depth
        self.path: list[str | int] = []
        self.found: list[Redaction] = []

    def hit(self, kind: str, key: str | int | None = None) -> None:
        path = self.path if key is None else [*self.path, key]
        self.found.append(Redaction(format_location(self.base, path), kind))

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.string(value, None)
        if isinstance(value, dict):
            return self.mapping(value)
        if isinstance(value, list):
            return self.sequence(value)
        return value

    def string(self, value: str, key: str | int | None) -> str:
        """Strings are the bulk of an export: no path bookkeeping unless something is hit."""
        if len(value) < _MIN_SECRET:
            return value
        new, kinds = redact_text(value)
        for kind in kinds:
            self.hit(kind, key)
        return new

    def sequence(self, value: list[Any]) -> list[Any]:
        if len(self.path) >= self.max_depth:
            raise TooDeep(f"nested deeper than {self.max_depth} levels")
        out: list[Any] | None = None
        path = self.path
        for n, item in enumerate(value):
            if isinstance(item, str):
                if len(item) < _MIN_SECRET:
                    continue
                new: Any = self.string(item, n)
            elif isinstance(item, dict | list):
                path.append(n)
                new = self.mapping(item) if isinstance(item, dict) else self.sequence(item)
                path.pop()
            else:
                continue
            if new is not item:
                if out is None:
                    out = list(value)
                out[n] = new
        return value if out is None else out

    def mapping(self, value: dict[Any, Any]) -> dict[Any, Any]:
        if len(self.path) >= self.max_depth:
            raise TooDeep(f"nested deeper than {self.max_depth} levels")
        out: dict[Any, Any] | None = None
        pair = (
            self.secret_pair(value)
            if "value" in value or "valueValue" in value or "parameterValue" in value
            else None
        )
        path = self.path
        for key, item in value.items():
            name = key if isinstance(key, str) else str(key)
            if (key == pair or is_secret_key(name)) and _literal_secret(item):
                self.hit(pair_kind(value, key) if key == pair else f"value of {name.lower()}", name)
                new: Any = REDACTED
            elif isinstance(item, str):
                if len(item) < _MIN_SECRET:
                    continue
                new = self.string(item, name)
            elif isinstance(item, dict | list):
                path.append(name)
                new = self.mapping(item) if isinstance(item, dict) else self.sequence(item)
                path.pop()
            else:
                continue
            if new is not item:
                if out is None:
                    out = dict(value)
                out[key] = new
        return value if out is None else out

    def secret_pair(self, value: dict[Any, Any]) -> str | None:
        """In ``{name: "Authorization", value: "..."}``, the key that holds the secret.

        Inside header or query parameters, ``key`` or ``sig`` count as secret names too.
        """
        broad = any(
            isinstance(p, str) and ("query" in p.lower() or "header" in p.lower())
            for p in self.path
        )
        for name_key in _PAIR_NAMES:
            name = value.get(name_key)
            if isinstance(name, str) and (is_secret_param(name) if broad else is_secret_key(name)):
                for value_key in _PAIR_VALUES:
                    if value_key in value:
                        return value_key
        return None


def pair_kind(container: dict[Any, Any], key: Any) -> str:
    for name_key in _PAIR_NAMES:
        name = container.get(name_key)
        if key != name_key and isinstance(name, str):
            return f"{name.strip().lower()} value"
    return f"value of {str(key).lower()}"


def redact(
    data: Any,
    *,
    location: str = "",
    drop: Mapping[str, str] | None = None,
    max_depth: int = MAX_DEPTH,
) -> tuple[Any, list[Redaction]]:
    """Return ``data`` with secrets masked, and what was masked.

    ``drop`` names top-level keys to remove entirely (``pinData``: captured payloads), with the
    kind to record when they held anything. The input is never modified; unchanged branches are
    shared with it. Raises :class:`TooDeep` beyond ``max_depth`` levels of nesting.
    """
    walker = _Walker(location, max_depth)
    if drop and isinstance(data, dict) and drop.keys() & data.keys():
        kept: dict[Any, Any] = {}
        for key, value in data.items():
            if key in drop:
                if value not in (None, {}, [], ""):
                    walker.hit(drop[key], str(key))
                continue
            kept[key] = value
        data = kept
    return walker.value(data), walker.found
