"""Table definitions (SQLAlchemy Core). Changes here need an Alembic migration too."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

exercises = Table(
    "exercises",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    Column("plan_id", String(200)),
    Column("created_at", String(40), nullable=False),
)

events = Table(
    "events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("exercise_id", String(64), ForeignKey("exercises.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(80), nullable=False),
    Column("at", Float, nullable=False),  # exercise time, minutes
    Column("recorded_at", String(40), nullable=False),  # wall clock, ISO 8601 UTC
    Column("data", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("exercise_id", "seq", name="uq_events_exercise_seq"),
)

Index("ix_events_exercise", events.c.exercise_id, events.c.seq)
