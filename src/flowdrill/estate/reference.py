"""The estate format reference (Markdown), generated from the JSON Schema so it cannot go stale.

A test compares the README's copy with :func:`format_reference`; regenerate with
``flowdrill schema estate --format markdown``.
"""

from __future__ import annotations

from typing import Any

from flowdrill.estate.schema import estate_schema


def _type(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return f"[{prop['$ref'].rsplit('/', 1)[-1]}](#{prop['$ref'].rsplit('/', 1)[-1].lower()})"
    if "const" in prop:
        return f"`{prop['const']}`"
    if "enum" in prop:
        return "one of " + ", ".join(f"`{v}`" for v in prop["enum"])
    if "anyOf" in prop or "oneOf" in prop:
        parts = [p for p in prop.get("anyOf", prop.get("oneOf", [])) if p.get("type") != "null"]
        return " or ".join(_type(p) for p in parts)
    kind = str(prop.get("type", "any"))
    if kind == "string" and prop.get("description", "").startswith(("id of", "touchpoint key")):
        return str(prop["description"])
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "string" and prop.get("format") == "date":
        return "date (YYYY-MM-DD)"
    return {
        "string": "text",
        "integer": "integer",
        "number": "number",
        "boolean": "true/false",
    }.get(kind, kind)


def _default(prop: dict[str, Any], required: bool) -> str:
    if required:
        return "**required**"
    if "default" not in prop or prop["default"] in (None, []):
        return ""
    value = prop["default"]
    return f"`{str(value).lower() if isinstance(value, bool) else value}`"


def _table(name: str, definition: dict[str, Any]) -> list[str]:
    lines = [f"### {name}", ""]
    if definition.get("description"):
        lines += [" ".join(definition["description"].split()), ""]
    if "enum" in definition:
        return [*lines, "Values: " + ", ".join(f"`{v}`" for v in definition["enum"]), ""]
    lines += ["| field | type | default | description |", "| --- | --- | --- | --- |"]
    required = set(definition.get("required", []))
    for field, prop in definition.get("properties", {}).items():
        text = " ".join(prop.get("description", "").split())
        if text.startswith(("id of", "touchpoint key")):
            text = ""
        lines.append(
            f"| `{field}` | {_type(prop)} | {_default(prop, field in required)} | {text} |"
        )
    return [*lines, ""]


def format_reference() -> str:
    """Markdown: the top-level sections, then one table per entity and vocabulary."""
    schema = estate_schema()
    lines = _table("Estate file (top level)", {**schema, "description": schema.get("description")})
    for name, definition in sorted(schema["$defs"].items()):
        lines += _table(name, definition)
    return "\n".join(lines).rstrip() + "\n"
