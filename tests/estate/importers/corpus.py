"""The copied corpus (tests/data/corpus) and the Make examples, for every importer test."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).parents[2] / "data" / "corpus"
N8N_VALID = sorted((CORPUS / "n8n" / "valid").glob("*.json"))
N8N_MALFORMED = sorted((CORPUS / "n8n" / "malformed").glob("*.json"))
NODERED_VALID = sorted((CORPUS / "nodered" / "valid").glob("*.json"))
MAKE_EXAMPLES = sorted((Path(__file__).parents[2] / "data" / "make").glob("*.json"))


@cache
def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
