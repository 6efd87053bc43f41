"""The report model is pure core: no edges imported, no I/O; only html.py reads templates."""

from __future__ import annotations

import ast
from pathlib import Path

import flowdrill.report

PACKAGE = Path(flowdrill.report.__file__).parent
EDGES = ("flowdrill.cli", "flowdrill.service", "flowdrill.web", "flowdrill.store")
RISKY = {"subprocess", "os", "shutil", "socket", "sqlite3", "urllib", "pathlib", "time"}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_report_modules_import_no_edge_and_do_no_io() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        names = imports(path)
        assert not {m for m in names if m.startswith(EDGES)}, path.name
        assert not names & RISKY, path.name
        text = path.read_text(encoding="utf-8")
        assert "open(" not in text and "write_text" not in text, path.name
        assert "date.today" not in text and "datetime.now" not in text, path.name
