"""A small hand-built estate and scenario helpers for simulator tests."""

from __future__ import annotations

from typing import Any

import pytest

from flowdrill.catalog.load import load_catalog
from flowdrill.catalog.model import Catalog, Locus, TargetKind
from flowdrill.estate.model import Estate, Monitor, MonitorMetric
from flowdrill.scenario.model import BoundFailure, Scenario, TargetRef


def small_estate(monitors: list[Monitor] | None = None) -> Estate:
    """One webhook flow writing orders and lines through a retrying ERP step with a dead
    letter, plus an error workflow. 10 records a minute."""
    return Estate.model_validate(
        {
            "name": "small",
            "systems": [
                {"id": "shop", "name": "Shop", "kind": "shop"},
                {"id": "erp", "name": "ERP", "kind": "erp"},
            ],
            "platforms": [{"id": "p1", "name": "n8n", "kind": "n8n", "task_quota_per_day": 200000}],
            "credentials": [{"id": "erp-token", "name": "ERP token", "type": "oauth2"}],
            "datasets": [
                {
                    "id": "orders",
                    "name": "Orders",
                    "classification": "pii",
                    "key": "order_id",
                    "fields": [
                        {"name": "order_id", "required": True},
                        {"name": "total", "type": "currency", "required": True},
                        {"name": "email", "type": "email", "pii": True},
                    ],
                    "invariants": [
                        {
                            "id": "o-unique",
                            "kind": "unique",
                            "fields": ["order_id"],
                            "description": "once",
                        },
                        {
                            "id": "o-nn",
                            "kind": "not_null",
                            "fields": ["total"],
                            "description": "total present",
                        },
                    ],
                },
                {
                    "id": "lines",
                    "name": "Lines",
                    "fields": [{"name": "order_id", "required": True}],
                    "invariants": [
                        {
                            "id": "l-ref",
                            "kind": "references",
                            "key": "order_id",
                            "related": "orders",
                            "description": "no orphans",
                        },
                    ],
                },
            ],
            "flows": [
                {
                    "id": "intake",
                    "name": "Order intake",
                    "platform": "p1",
                    "trigger": {"kind": "webhook", "system": "shop", "authenticated": True},
                    "records_per_hour": 600,
                    "error_flow": "errors",
                    "steps": [
                        {
                            "id": "hook",
                            "kind": "trigger",
                            "system": "shop",
                            "touchpoints": [{"dataset": "orders", "access": "read"}],
                            "next": ["map"],
                        },
                        {"id": "map", "kind": "transform", "next": ["write"]},
                        {
                            "id": "write",
                            "kind": "connector",
                            "system": "erp",
                            "credential": "erp-token",
                            "touchpoints": [
                                {"dataset": "orders", "access": "write"},
                                {"dataset": "lines", "access": "write"},
                            ],
                            "retry": {"max_tries": 3, "wait_seconds": 1},
                            "on_error": "error_output",
                            "error_next": ["park"],
                        },
                        {"id": "park", "kind": "error_handler"},
                    ],
                },
                {
                    "id": "errors",
                    "name": "Error notifier",
                    "platform": "p1",
                    "trigger": {"kind": "error"},
                    "steps": [{"id": "caught", "kind": "trigger"}],
                },
            ],
            "monitors": [m.model_dump() for m in monitors or []],
        }
    )


def monitor(metric: MonitorMetric, threshold: float, window: int = 10) -> Monitor:
    return Monitor(
        id=f"mon-{metric.value}",
        name=f"intake {metric.value}",
        flow="intake",
        metric=metric,
        threshold=threshold,
        window_minutes=window,
        alert_route="ops",
    )


def scenario(
    mode: str, kind: TargetKind, target: str, start: int = 5, seed: int = 7, **params: Any
) -> Scenario:
    return Scenario(
        id=f"s-{mode}",
        title=mode,
        seed=seed,
        narrative="test",
        failures=[
            BoundFailure(
                id="f1",
                mode=mode,
                target=TargetRef(kind=kind, id=target),
                starts_at=start,
                parameters=params,
                root_cause=Locus.connector,
                root_cause_detail="test",
            )
        ],
    )


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()
