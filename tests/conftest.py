from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def minimal_estate_text() -> str:
    return (DATA / "estate" / "minimal.yaml").read_text(encoding="utf-8")
