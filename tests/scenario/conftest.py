from __future__ import annotations

import pytest

from flowdrill.catalog.load import load_catalog
from flowdrill.catalog.model import Catalog
from flowdrill.estate.model import Estate
from flowdrill.scenario.model import Target
from flowdrill.service.drills import rank_targets
from flowdrill.service.workspace import open_workspace


@pytest.fixture(scope="session")
def estate() -> Estate:
    loaded: Estate = open_workspace(demo=True).estate
    return loaded


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def targets(estate: Estate) -> list[Target]:
    return rank_targets(estate)
