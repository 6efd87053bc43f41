"""`flowdrill --help` stays fast because heavy modules load only when a command runs.

Speed itself is measured by bench/startup.py; this checks the behaviour that keeps it fast.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pydantic", "yaml", "flowdrill.estate.model", "flowdrill.service.workspace")


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys, json\n"
        "from flowdrill.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout.splitlines()[-1]) == []
