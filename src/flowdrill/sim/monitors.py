"""Monitors of the estate evaluated every tick; alerts read like a real alerting tool's.

A monitor fires when its condition becomes true and resolves when it clears. A monitor with no
alert route still evaluates, but its alerts are marked unrouted: nobody is paged. Flows with no
monitor fail silently, as they would in real life.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from flowdrill.estate.model import Monitor, MonitorMetric
from flowdrill.sim.layout import Layout
from flowdrill.sim.metrics import Metrics

COUNTS = {MonitorMetric.error_count, MonitorMetric.schema, MonitorMetric.duplicates}
MIN_VOLUME = 3.0  # a volume drop needs at least this many expected records in the window


@dataclass(frozen=True)
class Alert:
    """An alert event: firing or resolved, with the evidence a responder would see."""

    at: int
    monitor: str
    state: str
    name: str
    metric: str
    value: float
    threshold: float
    window_minutes: int
    subject: str
    route: str | None
    channel: str | None
    message: str
    snapshot: dict[str, Any] = field(default_factory=dict)

    @property
    def routed(self) -> bool:
        return self.route is not None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "routed": self.routed}


@dataclass
class Probe:
    """What the engine exposes to monitors beyond the counters."""

    now: int
    last_success: np.ndarray[Any, Any]
    last_write: np.ndarray[Any, Any]
    quota_share: np.ndarray[Any, Any]
    last_error: dict[int, str]


def _fmt(metric: MonitorMetric, value: float) -> str:
    if metric in (MonitorMetric.failure_rate, MonitorMetric.volume_drop, MonitorMetric.quota):
        return f"{value:.1%}"
    if metric is MonitorMetric.latency:
        return f"{value:.0f} s"
    if metric is MonitorMetric.freshness:
        return f"{value:.0f} min"
    return f"{value:g}"


class MonitorSet:
    """The estate's monitors bound to flow and dataset indexes, with their firing state."""

    def __init__(self, monitors: list[Monitor], layout: Layout) -> None:
        self.layout = layout
        self.monitors = monitors
        self.firing: dict[str, bool] = {m.id: False for m in monitors}

    def _flows(self, m: Monitor) -> list[int]:
        if m.flow is not None:
            f = self.layout.flow_index.get(m.flow)
            return [] if f is None else [f]
        d = self.layout.dataset_index.get(m.dataset or "")
        return [] if d is None else self.layout.creators.get(d, [])

    def value(self, m: Monitor, metrics: Metrics, probe: Probe) -> float | None:
        """The monitored value now, or None when there is not enough data to judge."""
        fs = self._flows(m)
        w = m.window_minutes
        d = self.layout.dataset_index.get(m.dataset or "", -1) if m.flow is None else -1

        def flow_sum(name: str) -> float:
            return float(metrics.window(name, w)[fs].sum()) if fs else 0.0

        if m.metric is MonitorMetric.failure_rate:
            ex = flow_sum("executions")
            return flow_sum("failed") / ex if ex else None
        if m.metric is MonitorMetric.error_count:
            if fs and all(self.layout.is_error_flow[f] for f in fs):
                return flow_sum("executions")  # an error workflow's runs are errors handled
            return flow_sum("errors")
        if m.metric is MonitorMetric.volume_drop:
            if metrics.ticks < w:
                return None
            expected = flow_sum("arrivals")
            return flow_sum("delivered") / expected if expected >= MIN_VOLUME else None
        if m.metric is MonitorMetric.latency:
            ex = flow_sum("executions")
            return flow_sum("latency") / ex if ex else None
        if m.metric is MonitorMetric.schema:
            return flow_sum("schema")
        if m.metric is MonitorMetric.duplicates:
            if d >= 0:
                return float(metrics.window("duplicates", w, dataset=True)[d])
            return flow_sum("duplicates")
        if m.metric is MonitorMetric.freshness:
            if d >= 0:
                return float(probe.now - probe.last_write[d])
            return float(probe.now - max(probe.last_success[fs])) if fs else None
        if m.metric is MonitorMetric.quota:
            if not fs:
                return None
            return float(max(probe.quota_share[self.layout.platform_of[f]] for f in fs))
        return None

    def check(self, metrics: Metrics, probe: Probe) -> list[Alert]:
        """Evaluate every monitor once; return the alerts that changed state."""
        out = []
        for m in self.monitors:
            value = self.value(m, metrics, probe)
            if value is None:
                fires = False
            elif m.metric is MonitorMetric.volume_drop:
                fires = value < m.threshold
            elif m.metric in COUNTS:
                fires = value >= m.threshold
            else:
                fires = value > m.threshold
            if fires == self.firing[m.id]:
                continue
            self.firing[m.id] = fires
            out.append(self._alert(m, value or 0.0, fires, metrics, probe))
        return out

    def _alert(
        self, m: Monitor, value: float, fires: bool, metrics: Metrics, probe: Probe
    ) -> Alert:
        subject = m.flow or m.dataset or "?"
        fs = self._flows(m)
        w = m.window_minutes
        relation = (
            "<" if m.metric is MonitorMetric.volume_drop else (">=" if m.metric in COUNTS else ">")
        )
        metric = m.metric.value.replace("_", " ")
        state = "FIRING" if fires else "RESOLVED"
        if fires:
            condition = f"{_fmt(m.metric, value)} {relation} {_fmt(m.metric, m.threshold)}"
        else:
            condition = f"back to {_fmt(m.metric, value)} (threshold {_fmt(m.metric, m.threshold)})"
        message = f"[{state}] {m.name}: {metric} {condition} over the last {w} min ({subject})"
        if m.alert_route is None:
            message += " - no alert route: nobody is paged"
        snapshot: dict[str, Any] = {
            n: int(metrics.window(n, w)[fs].sum())
            for n in ("arrivals", "executions", "succeeded", "failed", "errors", "delivered")
        }
        errors = [probe.last_error[f] for f in fs if f in probe.last_error]
        snapshot["last_error"] = errors[0] if errors else None
        snapshot["held"] = int(sum(metrics.held[-1][f] for f in fs)) if metrics.held else 0
        return Alert(
            at=probe.now,
            monitor=m.id,
            state="firing" if fires else "resolved",
            name=m.name,
            metric=m.metric.value,
            value=round(value, 4),
            threshold=m.threshold,
            window_minutes=w,
            subject=subject,
            route=m.alert_route,
            channel=m.channel,
            message=message,
            snapshot=snapshot,
        )
