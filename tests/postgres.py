"""A PostgreSQL schema of its own for each test that needs one (CI sets the URL; elsewhere
those tests skip and say how to enable them)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("FLOWDRILL_TEST_POSTGRES_URL")
PG_SKIP = "PostgreSQL not configured: set FLOWDRILL_TEST_POSTGRES_URL (.ci/run does)"


@contextmanager
def fresh_schema() -> Iterator[str]:
    """The URL of an empty schema, dropped afterwards; skips the test without PostgreSQL."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    schema = f"t_{secrets.token_hex(6)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
