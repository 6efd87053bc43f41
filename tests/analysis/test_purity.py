"""The analysis is pure core: it never imports the edges, and does I/O in one place only."""

from __future__ import annotations

from pathlib import Path

import flowdrill.analysis
from tests.layers import EDGES, imports

PACKAGE = Path(flowdrill.analysis.__file__).parent


def test_no_module_imports_an_edge() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        bad = {m for m in imports(path) if m.startswith(EDGES)}
        assert not bad, f"{path.name} imports {bad}"


def test_only_the_diagram_module_touches_the_outside_world() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        names = imports(path)
        risky = names & {"subprocess", "os", "shutil", "socket", "sqlite3", "urllib", "graphviz"}
        if path.name == "diagram.py":
            assert risky == {"graphviz"}
            continue
        assert not risky, f"{path.name} imports {risky}"
        text = path.read_text(encoding="utf-8")
        assert "open(" not in text and "write_text" not in text, path.name
