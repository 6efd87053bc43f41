"""Who may use the browser UI: facilitator accounts, single-use invites, uploaded artifacts.

Passwords are argon2 hashes; invite tokens are stored only as SHA-256 digests, so a copy of
the database does not let anyone in. Everything lives in the workspace's store (migration
``0002_web``), so several ``flowdrill serve`` processes on one PostgreSQL share it.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from flowdrill.errors import FlowdrillError, InputError

metadata = MetaData()
accounts = Table(
    "web_accounts",
    metadata,
    Column("username", String(80), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)
invites = Table(
    "web_invites",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("exercise_id", String(64), nullable=False),
    Column("person", String(200), nullable=False),
    Column("name", Text, nullable=False),
    Column("role", String(40), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", String(40)),
)
artifacts = Table(
    "web_artifacts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("exercise_id", String(64), nullable=False),
    Column("filename", Text, nullable=False),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("by", String(80), nullable=False),
    Column("created_at", String(40), nullable=False),
)
web_secrets = Table(
    "web_secrets",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

#: Largest artifact a participant may upload.
MAX_ARTIFACT_BYTES = 2 * 1024 * 1024
#: File types the artifacts channel accepts: extension -> (content type, magic prefix or None).
ARTIFACT_TYPES: dict[str, tuple[str, bytes | None]] = {
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".pdf": ("application/pdf", b"%PDF-"),
    ".txt": ("text/plain", None),
    ".log": ("text/plain", None),
    ".csv": ("text/csv", None),
    ".json": ("application/json", None),
}
DEFAULT_INVITE_HOURS = 24.0


class NotAllowed(FlowdrillError):
    """A login, invite or upload is refused."""

    exit_code = 2
    http_status = 403


class UploadRejected(InputError):
    http_status = 413


class UnsupportedUpload(InputError):
    http_status = 415


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Invite:
    exercise_id: str
    person: str
    name: str
    role: str
    expires_at: float
    used_at: str | None = None


@dataclass(frozen=True)
class Artifact:
    id: str
    exercise_id: str
    filename: str
    content_type: str
    size: int
    by: str
    created_at: str


class WebAccounts:
    """Accounts, invites and artifacts in one store."""

    def __init__(self, engine: Engine) -> None:
        from argon2 import PasswordHasher

        self.engine = engine
        self.hasher = PasswordHasher()
        self._dummy = self.hasher.hash(secrets.token_hex(8))  # equal work for unknown users

    # ------------------------------------------------------------------ secret

    def secret_key(self) -> str:
        """The key that signs sessions, made once per store so every process shares it."""
        with self.engine.begin() as conn:
            found = conn.execute(
                select(web_secrets.c.value).where(web_secrets.c.name == "session")
            ).scalar()
        if found:
            return str(found)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(web_secrets).values(name="session", value=secrets.token_urlsafe(48))
                )
        except IntegrityError:
            pass  # another process made it first
        return self.secret_key()

    # ------------------------------------------------------------------ accounts

    def set_password(self, username: str, password: str) -> None:
        """Create the account, or replace its password."""
        if not username.strip() or len(username) > 80:
            raise InputError("a username is 1 to 80 characters")
        if len(password) < 8:
            raise InputError("a password needs at least 8 characters")
        hashed = self.hasher.hash(password)
        with self.engine.begin() as conn:
            done = conn.execute(
                update(accounts).where(accounts.c.username == username).values(password_hash=hashed)
            ).rowcount
            if not done:
                conn.execute(
                    insert(accounts).values(
                        username=username, password_hash=hashed, created_at=_now()
                    )
                )

    def has_accounts(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(accounts.c.username).limit(1)).first() is not None

    def check_login(self, username: str, password: str) -> bool:
        from argon2.exceptions import VerificationError

        with self.engine.connect() as conn:
            stored = conn.execute(
                select(accounts.c.password_hash).where(accounts.c.username == username)
            ).scalar()
        try:
            self.hasher.verify(stored or self._dummy, password)
        except VerificationError:
            return False
        return stored is not None

    # ------------------------------------------------------------------ invites

    def create_invite(
        self,
        exercise_id: str,
        *,
        person: str,
        name: str,
        role: str,
        hours: float = DEFAULT_INVITE_HOURS,
    ) -> str:
        """A new single-use token for one person in one role; only its digest is kept."""
        token = secrets.token_urlsafe(24)
        with self.engine.begin() as conn:
            conn.execute(
                insert(invites).values(
                    token_hash=_digest(token),
                    exercise_id=exercise_id,
                    person=person,
                    name=name,
                    role=role,
                    created_at=_now(),
                    expires_at=time.time() + hours * 3600,
                )
            )
        return token

    def redeem(self, token: str) -> Invite:
        """Use an invite: it works once, before it expires (atomic across processes)."""
        digest = _digest(token)
        with self.engine.begin() as conn:
            used = conn.execute(
                update(invites)
                .where(
                    invites.c.token_hash == digest,
                    invites.c.used_at.is_(None),
                    invites.c.expires_at > time.time(),
                )
                .values(used_at=_now())
            ).rowcount
            row = conn.execute(select(invites).where(invites.c.token_hash == digest)).first()
        if not used or row is None:
            raise NotAllowed(
                "this invite link is unknown, expired or already used; "
                "ask the facilitator for a new one"
            )
        return _invite(row)

    def invites(self, exercise_id: str) -> list[Invite]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(invites)
                .where(invites.c.exercise_id == exercise_id)
                .order_by(invites.c.created_at)
            )
            return [_invite(r) for r in rows]

    # ------------------------------------------------------------------ artifacts

    def save_artifact(self, exercise_id: str, *, filename: str, data: bytes, by: str) -> Artifact:
        """Keep an uploaded file if its size and type are allowed."""
        content_type = check_upload(filename, data)
        ident = secrets.token_hex(8)
        safe = _safe_name(filename)
        found = Artifact(ident, exercise_id, safe, content_type, len(data), by, _now())
        with self.engine.begin() as conn:
            conn.execute(insert(artifacts).values(**asdict(found), data=data))
        return found

    def artifacts(self, exercise_id: str) -> list[Artifact]:
        cols = [c for c in artifacts.c if c.name != "data"]
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(*cols)
                .where(artifacts.c.exercise_id == exercise_id)
                .order_by(artifacts.c.created_at)
            )
            return [Artifact(**r._mapping) for r in rows]

    def artifact(self, exercise_id: str, ident: str) -> tuple[Artifact, bytes]:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(artifacts).where(
                    artifacts.c.id == ident, artifacts.c.exercise_id == exercise_id
                )
            ).first()
        if row is None:
            raise InputError(f"no artifact {ident!r}")
        values = dict(row._mapping)
        data = values.pop("data")
        return Artifact(**values), bytes(data)


def _invite(row: object) -> Invite:
    m = row._mapping  # type: ignore[attr-defined]
    return Invite(m.exercise_id, m.person, m.name, m.role, m.expires_at, m.used_at)


def _safe_name(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c if c.isalnum() or c in "._- " else "_" for c in base).strip(" .")
    return cleaned[:120] or "artifact"


def check_upload(filename: str, data: bytes) -> str:
    """The content type of an allowed upload, or a clear refusal (size, then type)."""
    if len(data) > MAX_ARTIFACT_BYTES:
        raise UploadRejected(
            f"the file is {len(data)} bytes; the limit is {MAX_ARTIFACT_BYTES} bytes"
        )
    if not data:
        raise InputError("the file is empty")
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    allowed = ARTIFACT_TYPES.get(suffix)
    if allowed is None:
        raise UnsupportedUpload(
            f"files of type {suffix or '(none)'!r} are not accepted; allowed: "
            + ", ".join(sorted(ARTIFACT_TYPES))
        )
    content_type, magic = allowed
    if magic is not None and not data.startswith(magic):
        raise UnsupportedUpload(f"the file does not look like {content_type}")
    if magic is None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise UnsupportedUpload(f"{suffix} files must be UTF-8 text") from None
    return content_type
