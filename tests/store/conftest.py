"""Every store test runs on SQLite and, when FLOWDRILL_TEST_POSTGRES_URL is set, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import fresh_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'store.db'}"
        return
    with fresh_schema() as url:
        yield url
