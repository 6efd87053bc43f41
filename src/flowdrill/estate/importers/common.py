"""Pieces every importer needs: ids from names, hosts from URLs, and a fragment builder.

The builder collects the systems, credentials, datasets and findings of one workflow while a
platform module walks its nodes, so the platform modules only decide what things *are*.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any
from urllib.parse import urlsplit

from flowdrill.estate.importers.catalog import catalog
from flowdrill.estate.importers.errors import UnreadableExport
from flowdrill.estate.importers.result import ImportedWorkflow
from flowdrill.estate.model import (
    Access,
    Credential,
    Dataset,
    Flow,
    ImportFinding,
    ImportSource,
    Platform,
    PlatformKind,
    SystemKind,
    Touchpoint,
)
from flowdrill.estate.model import System as SystemModel
from flowdrill.estate.redact import Redaction, TooDeep, mask_emails, redact, redact_text

MAX_SLUG = 60
MAX_NOTE = 4000
MAX_NAME = 200
UNKNOWN_HOST = "unknown-host"

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NOT_ID = re.compile(r"[^A-Za-z0-9_.:@-]+")
_WRITE_WORDS = re.compile(
    r"create|append|update|upsert|delete|remove|send|post|put|patch|insert|add|write|upload"
    r"|publish|set|reply|move|copy|execute|archive|clear|invite|trigger",
    re.I,
)
_OPERATION = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{0,80}$")


def redacted(
    data: Any, *, location: str = "", drop: dict[str, str] | None = None
) -> tuple[Any, list[Redaction]]:
    """:func:`~flowdrill.estate.redact.redact`, with hostile nesting as an input error."""
    try:
        return redact(data, location=location, drop=drop)
    except TooDeep as exc:
        raise UnreadableExport(f"JSON {exc}") from None


def short_hash(text: str, length: int = 6) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def slugify(text: str, *, fallback: str = "item", max_length: int = MAX_SLUG) -> str:
    """``"Send → Slack (v2)"`` -> ``send-slack-v2``; accents dropped; never empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:max_length].strip("-")
    return slug or fallback


def safe_id(text: str, *, max_length: int = 120) -> str:
    """A native id made valid for the estate ``Id`` pattern, kept readable when possible."""
    cleaned = _NOT_ID.sub("-", text).lstrip("_.:@-")[:max_length]
    return cleaned or f"h{short_hash(text, 10)}"


def unique(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever is free; the result is marked taken."""
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def text_of(value: Any) -> str | None:
    """A non-empty string, or None (exports hold numbers, nulls and objects where text goes)."""
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def node_location(name: str, collection: str = "nodes") -> str:
    """``nodes['Send to Slack']``: where a finding is, with no secret or e-mail in the name."""
    shown, _ = mask_emails(redact_text(name)[0])
    return f"{collection}[{shown!r}]"


def dict_of(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one (exports put nulls anywhere)."""
    return value if isinstance(value, dict) else {}


def is_expression(value: str) -> bool:
    return value.startswith("=") or "{{" in value or "${" in value


def url_host(url: Any) -> str | None:
    """The host of a URL, ``unknown-host`` when an expression decides it, None when absent."""
    if not isinstance(url, str) or not url.strip():
        return None
    text = url.strip()
    if text.startswith("="):
        text = text[1:].strip()
    if "://" not in text:
        return UNKNOWN_HOST if is_expression(url) or text.startswith("{") else None
    try:
        parts = urlsplit(text)
        netloc = parts.netloc
    except ValueError:
        return UNKNOWN_HOST
    host = netloc.rpartition("@")[2]
    host = host.partition("]")[0] + "]" if host.startswith("[") else host.partition(":")[0]
    if not host or any(c in host for c in "{}$ `'\"\\<>"):
        return UNKNOWN_HOST
    host = host.lower().rstrip(".")
    return host if re.fullmatch(r"[a-z0-9.\-\[\]:]+", host) else UNKNOWN_HOST


def access_of(operation: str | None) -> Access:
    return Access.write if operation and _WRITE_WORDS.search(operation) else Access.read


def operation_of(*parts: Any) -> str | None:
    """``resource`` and ``operation`` parameters as ``message.send`` (literal values only)."""
    words = [p for p in parts if isinstance(p, str) and _OPERATION.match(p)]
    return ".".join(words) if words else None


@dataclass
class Fragment:
    """Collects one workflow's systems, credentials, datasets, findings and notes."""

    file: str
    systems: dict[str, SystemModel] = field(default_factory=dict)
    credentials: dict[str, Credential] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)
    findings: list[ImportFinding] = field(default_factory=list)
    unknown_types: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def source(
        self, kind: PlatformKind, sha256: str | None, native_id: str | None = None
    ) -> ImportSource:
        """Where the flow came from, with everything this fragment noticed."""
        return ImportSource(
            format=kind,
            file=PurePath(self.file).name,
            native_id=native_id,
            sha256=sha256,
            findings=self.findings,
        )

    def workflow(
        self,
        kind: PlatformKind,
        *,
        identity: str,
        slug: str,
        flow: Flow,
        platform: Platform,
        **links: Any,
    ) -> ImportedWorkflow:
        """The imported workflow: its flow plus the entities this fragment collected."""
        return ImportedWorkflow(
            kind=kind,
            identity=identity,
            slug=slug,
            flow=flow,
            platform=platform,
            systems=list(self.systems.values()),
            credentials=list(self.credentials.values()),
            datasets=list(self.datasets.values()),
            unknown_types=sorted(self.unknown_types),
            **links,
        )

    def finding(self, kind: str, location: str, detail: str | None = None) -> None:
        self.findings.append(ImportFinding(kind=kind, location=location, detail=detail))

    def redactions(self, found: Iterable[Redaction]) -> None:
        for item in found:
            self.finding("secret_redacted", item.location, item.kind)

    def text(self, value: Any, location: str, *, limit: int = MAX_NAME) -> str | None:
        """Free text for the store: e-mail addresses masked, length capped.

        Secrets are already gone: parsers read only what :func:`redacted` returned.
        """
        text = text_of(value)
        if text is None:
            return None
        text, _ = mask_emails(text)
        text = text.strip()
        return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

    def note(self, value: Any, location: str) -> None:
        text = self.text(value, location, limit=MAX_NOTE)
        if text:
            self.notes.append(text)

    def system(self, system_id: str | None) -> str | None:
        """Declare a catalogue system for this workflow; return its id."""
        if not system_id:
            return None
        if system_id not in self.systems:
            spec = catalog().systems.get(system_id)
            if spec is None:
                return None
            self.systems[system_id] = SystemModel(
                id=spec.id, name=spec.name, kind=spec.kind, vendor=spec.vendor
            )
        return system_id

    def custom_system(self, system_id: str, name: str, kind: SystemKind) -> str:
        if system_id not in self.systems:
            self.systems[system_id] = SystemModel(id=system_id, name=name, kind=kind)
        return system_id

    def http_system(self, host: str | None) -> str | None:
        """The system an HTTP call talks to, named by host."""
        if host is None:
            return None
        if host == UNKNOWN_HOST:
            return self.custom_system(
                f"http:{UNKNOWN_HOST}", "unknown host (URL set at run time)", SystemKind.api
            )
        return self.custom_system(f"http:{host}", host, SystemKind.api)

    def credential(
        self,
        *,
        cred_type: str,
        native_id: str | None,
        name: str | None,
        system: str | None,
        location: str,
        prefix: str,
    ) -> str:
        """Declare a credential reference; e-mail addresses in its name are masked."""
        shown = name or f"unnamed {cred_type} credential"
        shown, had_email = mask_emails(shown)
        if had_email:
            self.finding("credential_name_has_email", location, "e-mail address masked")
        shown = self.text(shown, location) or f"unnamed {cred_type} credential"
        key = native_id or f"name-{short_hash(name or '')}"
        cred_id = f"{prefix}:{safe_id(cred_type, max_length=60)}:{safe_id(key, max_length=80)}"
        if cred_id not in self.credentials:
            self.credentials[cred_id] = Credential(
                id=cred_id, name=shown, type=cred_type, system=system
            )
        return cred_id

    def dataset(self, system: str, resource: str, location: str) -> str | None:
        """A dataset named by the external resource a step reads or writes."""
        name = self.text(resource, location)
        if not name:
            return None
        dataset_id = f"{system}.{slugify(name, fallback=short_hash(name))}"
        if dataset_id not in self.datasets:
            self.datasets[dataset_id] = Dataset(id=dataset_id, name=name, system=system)
        return dataset_id


def touchpoint(dataset: str | None, operation: str | None) -> list[Touchpoint]:
    if dataset is None:
        return []
    return [Touchpoint(dataset=dataset, access=access_of(operation))]
