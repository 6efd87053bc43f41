"""The exercise event log: exercises and their hash-chained events.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exercises",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("plan_id", sa.String(200)),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("exercise_id", sa.String(64), sa.ForeignKey("exercises.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("type", sa.String(80), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("exercise_id", "seq", name="uq_events_exercise_seq"),
    )
    op.create_index("ix_events_exercise", "events", ["exercise_id", "seq"])


def downgrade() -> None:
    op.drop_index("ix_events_exercise", table_name="events")
    op.drop_table("events")
    op.drop_table("exercises")
