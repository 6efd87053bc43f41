from __future__ import annotations

from pathlib import Path

import pytest

from flowdrill.catalog.load import load_catalog
from flowdrill.catalog.model import Catalog
from flowdrill.estate.model import Estate
from flowdrill.scenario.model import Scenario, Target
from flowdrill.service.drills import rank_targets
from flowdrill.service.workspace import open_workspace

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def minimal_estate_text() -> str:
    return (DATA / "estate" / "minimal.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def estate() -> Estate:
    """The bundled demo estate (read-only: tests that change it make a copy)."""
    loaded: Estate = open_workspace(demo=True).estate
    return loaded


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def targets(estate: Estate) -> list[Target]:
    return rank_targets(estate)


@pytest.fixture(scope="session")
def targets_scenario(estate: Estate, catalog: Catalog, targets: list[Target]) -> Scenario:
    """A generated demo scenario, for tests that replace its injects with their own."""
    from flowdrill.scenario.generate import generate_scenario

    return generate_scenario(estate, catalog, targets, seed=1)
