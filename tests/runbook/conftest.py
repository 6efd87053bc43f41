"""Shared fixtures: the bundled demo estate and catalog (read in place, never copied)."""

from __future__ import annotations

import pytest

from flowdrill.catalog.load import load_catalog
from flowdrill.catalog.model import Catalog
from flowdrill.estate.model import Estate, Runbook
from flowdrill.service.runbooks import workspace_runbooks
from flowdrill.service.workspace import open_workspace


@pytest.fixture(scope="session")
def demo_estate() -> Estate:
    return open_workspace(demo=True).estate


@pytest.fixture(scope="session")
def demo_runbooks() -> dict[str, Runbook]:
    return {r.id: r for r in workspace_runbooks(open_workspace(demo=True))}


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()
