"""Database engines: SQLite by default (WAL, synchronous=FULL), PostgreSQL through the same code.

Every schema change is an Alembic migration; :func:`open_database` brings a database to the
latest revision before anything uses it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from flowdrill.errors import FlowdrillError, InputError

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseError(FlowdrillError):
    """The database cannot be reached or used."""

    exit_code = 5
    http_status = 503


def sqlite_url(path: Path) -> str:
    return f"sqlite+pysqlite:///{path}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Durability first: an acknowledged event survives a crash or a power cut.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: flowdrill issues BEGIN itself. check_same_thread=False: the
        # event log's writer connection is shared across threads behind its own lock.
        engine = create_engine(
            parsed, connect_args={"isolation_level": None, "check_same_thread": False}
        )
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            # Take the write lock at BEGIN, so two writers never race for the chain head.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(parsed, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the latest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise DatabaseError(f"cannot use the database: {exc.orig}") from None


def open_database(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    return engine
