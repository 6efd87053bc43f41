"""Small hand-built estates: name only what a test is about, the rest is filled in."""

from __future__ import annotations

from typing import Any

from flowdrill.estate.model import Estate


def step(ident: str, kind: str = "connector", **fields: Any) -> dict[str, Any]:
    return {"id": ident, "kind": kind, **fields}


def flow(ident: str, steps: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    fields.setdefault("platform", "p1")
    fields.setdefault("trigger", {"kind": "schedule"})
    fields.setdefault("owner_team", "ops")
    return {"id": ident, "name": f"Flow {ident}", "steps": steps, **fields}


def writes(dataset: str) -> list[dict[str, str]]:
    return [{"dataset": dataset, "access": "write"}]


def reads(dataset: str) -> list[dict[str, str]]:
    return [{"dataset": dataset, "access": "read"}]


def make_estate(flows: list[dict[str, Any]], **collections: list[dict[str, Any]]) -> Estate:
    """An estate holding ``flows``; every system, dataset, credential, platform and team they
    name is created with defaults unless given in ``collections``."""
    entities = ("systems", "datasets", "credentials", "platforms", "teams", "people")
    given = {name: {e["id"]: e for e in collections.get(name, [])} for name in entities}
    for name in ("systems", "datasets", "credentials", "platforms", "teams", "people"):
        given.setdefault(name, {})

    def need(collection: str, ident: str | None, **defaults: Any) -> None:
        if ident is not None and ident not in given[collection]:
            given[collection][ident] = {"id": ident, "name": ident.title(), **defaults}

    need("teams", "ops")
    for d in list(given["datasets"].values()):
        need("systems", d.get("system"), kind="api")
    for f in flows:
        need("platforms", f["platform"], kind="n8n")
        need("teams", f.get("owner_team"))
        need("systems", f["trigger"].get("system"), kind="api")
        for s in f["steps"]:
            need("systems", s.get("system"), kind="api")
            need("credentials", s.get("credential"), type="api_key")
            for tp in s.get("touchpoints", []):
                need("datasets", tp["dataset"])
    for d in given["datasets"].values():
        need("systems", d.get("system"), kind="api")
    data: dict[str, Any] = {name: list(items.values()) for name, items in given.items()}
    data["flows"] = flows
    for name in ("monitors", "raci", "runbooks"):
        data[name] = collections.get(name, [])
    return Estate.model_validate({"name": "test", **data})
