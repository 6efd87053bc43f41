"""Imports point one way: edges -> service -> core. The core never imports an edge."""

from __future__ import annotations

from pathlib import Path

import pytest

import flowdrill
from tests.layers import EDGES, imports

SRC = Path(flowdrill.__file__).parent
CORE = ("estate", "analysis", "catalog", "scenario", "sim", "exercise", "runbook", "report")


@pytest.mark.parametrize("package", CORE)
def test_core_never_imports_an_edge(package: str) -> None:
    for path in sorted((SRC / package).rglob("*.py")):
        bad = {m for m in imports(path) if m.startswith(EDGES)}
        assert not bad, f"{path.relative_to(SRC)} imports {bad}"


def test_service_never_imports_the_cli_or_the_web() -> None:
    for path in sorted((SRC / "service").rglob("*.py")):
        bad = {m for m in imports(path) if m.startswith(("flowdrill.cli", "flowdrill.web"))}
        assert not bad, f"{path.relative_to(SRC)} imports {bad}"
