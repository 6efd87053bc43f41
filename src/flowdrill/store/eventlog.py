"""The append-only exercise log: each event is committed durably before it is acknowledged.

Appends for one exercise are serialised (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a row lock
on the exercise), so the hash chain never forks; the unique (exercise, seq) constraint is the
second guard.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, func, insert, select

from flowdrill.errors import InputError
from flowdrill.store.audit import GENESIS, ChainProblem, chain_hash, verify_chain
from flowdrill.store.tables import events, exercises


class ExerciseNotFound(InputError):
    http_status = 404


_EXERCISE = select(exercises.c.id).where(exercises.c.id == bindparam("exercise_id"))
_COLUMNS = ("exercise_id", "seq", "type", "at", "recorded_at", "data", "prev_hash", "hash")


@dataclass(frozen=True)
class StoredEvent:
    exercise_id: str
    seq: int
    type: str
    at: float
    recorded_at: str
    data: dict[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _json(data: Mapping[str, Any]) -> str:
    try:
        return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"event data must be plain JSON: {exc}") from None


class EventLog:
    """Exercises and their hash-chained events, in any SQLAlchemy database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._postgres = postgres = engine.dialect.name == "postgresql"
        self._dbapi: Any = engine.dialect.dbapi
        self._raw: Any = None
        self._writer_lock = threading.Lock()
        p = "%s" if engine.dialect.paramstyle in ("format", "pyformat") else "?"
        self._sql = {
            # SQLite: take the write lock now, so two writers never race for the chain head.
            # PostgreSQL: the row lock on the exercise serialises appends to one chain.
            "begin": "SELECT 1" if postgres else "BEGIN IMMEDIATE",
            "exercise": f"SELECT id FROM exercises WHERE id = {p}"
            + (" FOR UPDATE" if postgres else ""),
            "head": f"SELECT seq, hash FROM events WHERE exercise_id = {p} "
            "ORDER BY seq DESC LIMIT 1",
            "insert": f"INSERT INTO events ({', '.join(_COLUMNS)}) "
            f"VALUES ({', '.join([p] * len(_COLUMNS))})",
        }

    def create_exercise(
        self, *, title: str, plan_id: str | None = None, exercise_id: str | None = None
    ) -> str:
        ident = exercise_id or f"ex-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
        with self.engine.begin() as conn:
            conn.execute(
                insert(exercises).values(id=ident, title=title, plan_id=plan_id, created_at=_now())
            )
        return ident

    def exercises(self) -> list[dict[str, Any]]:
        count = (
            select(events.c.exercise_id, func.count().label("events"))
            .group_by(events.c.exercise_id)
            .subquery()
        )
        query = (
            select(exercises, func.coalesce(count.c.events, 0).label("events"))
            .outerjoin(count, count.c.exercise_id == exercises.c.id)
            .order_by(exercises.c.created_at)
        )
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def _require(self, conn: Any, exercise_id: str) -> None:
        if conn.execute(_EXERCISE, {"exercise_id": exercise_id}).first() is None:
            raise ExerciseNotFound(f"no exercise {exercise_id!r} in the store")

    def append(
        self, exercise_id: str, type: str, data: Mapping[str, Any], *, at: float
    ) -> StoredEvent:
        """Append one event; when this returns, the event is on disk."""
        return self.append_many(exercise_id, [(type, data, at)])[0]

    def append_many(
        self, exercise_id: str, batch: Iterable[tuple[str, Mapping[str, Any], float]]
    ) -> list[StoredEvent]:
        """Append events in one transaction (one command can yield several events).

        Appends are the hot path, so they use one dedicated driver connection with plain SQL
        (no per-call pool checkout or statement compilation); reads go through SQLAlchemy.
        """
        stored: list[StoredEvent] = []
        with self._writer_lock:
            writer = self._writer()
            cursor = writer.cursor()
            try:
                cursor.execute(self._sql["begin"])
                if self._postgres:  # lock the exercise row; SQLite's foreign key checks it
                    cursor.execute(self._sql["exercise"], (exercise_id,))
                    if cursor.fetchone() is None:
                        raise ExerciseNotFound(f"no exercise {exercise_id!r} in the store")
                cursor.execute(self._sql["head"], (exercise_id,))
                last = cursor.fetchone()
                seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS)
                rows = self._chain(exercise_id, batch, seq, prev_hash, stored)
                if rows:
                    values = [tuple(row[c] for c in _COLUMNS) for row in rows]
                    cursor.executemany(self._sql["insert"], values)
                writer.commit()
            except self._dbapi.IntegrityError:
                writer.rollback()
                with self.engine.connect() as conn:  # a missing exercise says so; else a bug
                    self._require(conn, exercise_id)
                raise
            except BaseException:
                writer.rollback()
                raise
            finally:
                cursor.close()
        return stored

    def _writer(self) -> Any:
        if self._raw is None:
            self._raw = self.engine.raw_connection()
        return self._raw

    def close(self) -> None:
        """Give the writer connection back and close the pool."""
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        self.engine.dispose()

    @staticmethod
    def _chain(
        exercise_id: str,
        batch: Iterable[tuple[str, Mapping[str, Any], float]],
        seq: int,
        prev_hash: str,
        stored: list[StoredEvent],
    ) -> list[dict[str, Any]]:
        rows = []
        for type, data, at in batch:
            seq += 1
            text = _json(data)
            content = {
                "exercise_id": exercise_id,
                "seq": seq,
                "type": type,
                "at": float(at),
                "recorded_at": _now(),
                "data": json.loads(text),
            }
            digest = chain_hash(prev_hash, content)
            stored.append(StoredEvent(**content, prev_hash=prev_hash, hash=digest))
            rows.append({**content, "data": text, "prev_hash": prev_hash, "hash": digest})
            prev_hash = digest
        return rows

    def events(self, exercise_id: str, *, after: int = 0) -> list[StoredEvent]:
        with self.engine.connect() as conn:
            self._require(conn, exercise_id)
            rows = conn.execute(
                select(events)
                .where(events.c.exercise_id == exercise_id, events.c.seq > after)
                .order_by(events.c.id)
            )
            return [
                StoredEvent(
                    exercise_id=row.exercise_id,
                    seq=row.seq,
                    type=row.type,
                    at=row.at,
                    recorded_at=row.recorded_at,
                    data=json.loads(row.data),
                    prev_hash=row.prev_hash,
                    hash=row.hash,
                )
                for row in rows
            ]

    def verify(self, exercise_id: str) -> list[ChainProblem]:
        return verify_chain(e.as_dict() for e in self.events(exercise_id))

    def export_jsonl(self, exercise_id: str) -> Iterator[str]:
        for event in self.events(exercise_id):
            yield json.dumps(event.as_dict(), sort_keys=True, ensure_ascii=False) + "\n"


def verify_jsonl(lines: Iterable[str]) -> list[ChainProblem]:
    """Verify an exported log; unreadable lines are reported where they are."""
    parsed: list[dict[str, Any]] = []
    problems: list[ChainProblem] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(ChainProblem(number, None, f"line {number} is not JSON: {exc.msg}"))
            continue
        if not isinstance(value, dict):
            problems.append(ChainProblem(number, None, f"line {number} is not an event object"))
            continue
        parsed.append(value)
    return problems + verify_chain(parsed)
