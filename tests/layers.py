"""Helpers for the architecture tests: what a module imports, read from its source."""

from __future__ import annotations

import ast
from pathlib import Path

EDGES = ("flowdrill.cli", "flowdrill.service", "flowdrill.web", "flowdrill.store")


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (lazy imports inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found
