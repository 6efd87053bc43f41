"""JSON Schema of the estate file format, for editors and for the format reference."""

from __future__ import annotations

from typing import Any

from flowdrill.estate.model import COLLECTIONS, Estate


def estate_schema() -> dict[str, Any]:
    """The schema of one estate file: any collection, plus ``overlay`` for partial entities."""
    schema = Estate.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "flowdrill estate file"
    schema["properties"]["overlay"] = {
        "type": "object",
        "description": "Partial entities (id plus fields) applied on top of entities defined "
        "in other files, e.g. owners and criticality for imported flows.",
        "properties": {c: {"type": "array", "items": {"type": "object"}} for c in COLLECTIONS},
        "additionalProperties": False,
    }
    return schema
