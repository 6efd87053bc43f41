"""The report model is pure core: no edges imported, no I/O; only html.py reads templates."""

from __future__ import annotations

from pathlib import Path

import flowdrill.report
from tests.layers import EDGES, imports

PACKAGE = Path(flowdrill.report.__file__).parent
RISKY = {"subprocess", "os", "shutil", "socket", "sqlite3", "urllib", "pathlib", "time"}


def test_report_modules_import_no_edge_and_do_no_io() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        names = imports(path)
        assert not {m for m in names if m.startswith(EDGES)}, path.name
        assert not names & RISKY, path.name
        text = path.read_text(encoding="utf-8")
        assert "open(" not in text and "write_text" not in text, path.name
        assert "date.today" not in text and "datetime.now" not in text, path.name
