"""Regenerate the README sections that are generated from code (settings, estate format).

.venv/bin/python scripts/sync_readme.py          # rewrite README.md
.venv/bin/python scripts/sync_readme.py --check  # exit 1 if README.md is out of date
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from flowdrill.config import settings_table
from flowdrill.estate.reference import format_reference

README = Path(__file__).parents[1] / "README.md"
SECTIONS: dict[str, Callable[[], str]] = {
    "settings": settings_table,
    "estate-format": format_reference,
}


def synced(text: str) -> str:
    for name, render in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"README.md lacks the <!-- {name}:start/end --> markers")
        body = render()
        text = pattern.sub(lambda m, body=body: m[1] + body + m[2], text)
    return text


def main() -> int:
    current = README.read_text(encoding="utf-8")
    fresh = synced(current)
    if "--check" in sys.argv:
        return 0 if fresh == current else 1
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
