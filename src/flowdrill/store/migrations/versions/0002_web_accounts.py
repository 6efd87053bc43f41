"""The browser UI's tables: facilitator accounts, invites, artifacts and the session secret.

Revision ID: 0002_web
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_web"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_accounts",
        sa.Column("username", sa.String(80), primary_key=True),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "web_invites",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("exercise_id", sa.String(64), sa.ForeignKey("exercises.id"), nullable=False),
        sa.Column("person", sa.String(200), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
        sa.Column("used_at", sa.String(40)),
    )
    op.create_index("ix_web_invites_exercise", "web_invites", ["exercise_id"])
    op.create_table(
        "web_artifacts",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("exercise_id", sa.String(64), sa.ForeignKey("exercises.id"), nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("by", sa.String(80), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_web_artifacts_exercise", "web_artifacts", ["exercise_id"])
    op.create_table(
        "web_secrets",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("web_secrets")
    op.drop_index("ix_web_artifacts_exercise", table_name="web_artifacts")
    op.drop_table("web_artifacts")
    op.drop_index("ix_web_invites_exercise", table_name="web_invites")
    op.drop_table("web_invites")
    op.drop_table("web_accounts")
