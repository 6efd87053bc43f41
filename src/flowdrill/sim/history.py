"""Execution history, like a platform's own execution log: per flow, per minute, the runs with
their status, the error the platform logged and a redacted sample payload.

Built on demand from the per-tick counters and the error log, so the hot path writes nothing
per record (one error-log entry per failing flow and step per minute).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from flowdrill.estate.model import Access, Estate, FieldType
from flowdrill.sim.layout import Layout
from flowdrill.sim.metrics import Metrics

_EXAMPLES = {
    FieldType.integer: 2,
    FieldType.decimal: 19.9,
    FieldType.currency: 49.0,
    FieldType.boolean: True,
    FieldType.date: "2026-11-30",
    FieldType.datetime: "2026-11-30T09:41:00Z",
    FieldType.json: {},
}


@dataclass(frozen=True)
class ErrorEntry:
    at: int
    flow: str
    step: str
    message: str
    count: int


@dataclass(frozen=True)
class PastRuns:
    """The counters of the hours run before T+0, and the minute each of their ticks began."""

    metrics: Metrics
    minutes: list[int]

    @property
    def spans(self) -> list[int]:
        return [b - a for a, b in zip(self.minutes, [*self.minutes[1:], 0], strict=True)]


@dataclass(frozen=True)
class Run:
    """The executions of one flow in one minute (before T+0: in one tick of up to an hour)."""

    at: int
    flow: str
    executions: int
    succeeded: int
    failed: int
    parked: int
    status: str
    errors: list[dict[str, Any]]
    sample: dict[str, Any]
    minutes: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sample_payload(estate: Estate, layout: Layout, f: int) -> dict[str, Any]:
    """A payload shaped like the flow's input; personal data and secrets are redacted."""
    datasets = estate.by_id("datasets")
    flow = layout.flows[f]
    for step in flow.steps:
        for touch in step.touchpoints:
            spec = datasets.get(touch.dataset)
            if spec is None or (touch.access is not Access.read and step.kind.value != "trigger"):
                continue
            return {
                fld.name: "[redacted]" if fld.pii else _EXAMPLES.get(fld.type, f"<{fld.name}>")
                for fld in spec.fields
            }
    return {"id": "<id>"}


def flow_history(
    *,
    estate: Estate,
    layout: Layout,
    metrics: Metrics,
    errors: list[ErrorEntry],
    flow_id: str,
    since: int | None = None,
    status: str | None = None,
    limit: int = 200,
    past: PastRuns | None = None,
) -> list[Run]:
    """Runs of one flow, newest first, optionally only those with ``status`` or from minute
    ``since``; ``past``: read the hours before T+0 instead of the drill's minutes."""
    if past is not None:
        metrics = past.metrics
    f = layout.flow_index[flow_id]
    series = {n: metrics.series(n)[:, f] for n in ("executions", "succeeded", "failed", "parked")}
    by_minute: dict[int, list[dict[str, Any]]] = {}
    for e in errors:
        if e.flow == flow_id:
            by_minute.setdefault(e.at, []).append(
                {"step": e.step, "message": e.message, "count": e.count}
            )
    sample = sample_payload(estate, layout, f)
    ticks = len(series["executions"])
    starts = past.minutes if past is not None else list(range(ticks))
    spans = past.spans if past is not None else [1] * ticks
    runs: list[Run] = []
    for t in np.nonzero(series["executions"])[0][::-1]:
        at = starts[t]
        if since is not None and at < since:
            break
        failed, parked = int(series["failed"][t]), int(series["parked"][t])
        state = "error" if failed else ("partial" if parked or at in by_minute else "success")
        if status is not None and state != status:
            continue
        runs.append(
            Run(
                at=at,
                flow=flow_id,
                executions=int(series["executions"][t]),
                succeeded=int(series["succeeded"][t]),
                failed=failed,
                parked=parked,
                status=state,
                errors=by_minute.get(at, []),
                sample=sample,
                minutes=spans[t],
            )
        )
        if len(runs) >= limit:
            break
    return runs
