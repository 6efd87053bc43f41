"""What the simulated estate tells a drill: alerts as events, the affected flows, and when bad
data started, stopped spreading and was repaired. Pure; shared by live drills and the runbook
stress test."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from flowdrill.estate.model import Monitor
from flowdrill.exercise import events as ev
from flowdrill.scenario.model import Scenario
from flowdrill.sim.monitors import Alert
from flowdrill.sim.reconcile import Reconciliation

ImpactState = Literal["started", "contained", "recovered", "reopened"]
#: Bad data has stopped spreading when the damage count has not grown for this long (minutes).
CONTAINMENT_WINDOW = 5
_DAMAGE = ("missing", "duplicated", "corrupted", "unexpected", "misrouted")


def damage(verdict: Reconciliation) -> int:
    """Bad records of every kind: what containment must stop growing."""
    totals = verdict.totals()
    return sum(totals[k] for k in _DAMAGE)


def alert_events(
    alerts: Sequence[Alert], monitors: Mapping[str, Monitor], last_at: float
) -> list[ev.AlertRaised]:
    """The firing alerts as log events (resolved ones are not logged)."""
    return [
        ev.AlertRaised(
            at=max(float(a.at), last_at),
            alert=f"{a.monitor}@{a.at}",
            monitor=a.monitor,
            flow=monitors[a.monitor].flow if a.monitor in monitors else None,
            message=a.message,
            metric=a.metric,
            value=float(a.value),
            threshold=float(a.threshold),
        )
        for a in alerts
        if a.state == "firing"
    ]


def affected_flows(
    flow_ids: Sequence[str], effect_flows: Sequence[set[int]], scenario: Scenario
) -> frozenset[str]:
    """Flows the scenario's failures hit: what a correct identification names."""
    flows = {flow_ids[i] for hit in effect_flows for i in hit}
    for failure in scenario.failures:
        if failure.target.kind.value == "flow":
            flows.add(failure.target.id)
        if failure.step:
            flows.add(failure.step.split("/", 1)[0])
    return frozenset(flows)


@dataclass(frozen=True)
class ImpactChange:
    state: ImpactState
    detail: str
    evidence: dict[str, Any]


def next_impact(
    current: ImpactState | None,
    *,
    starts: int | None,
    at: float,
    now: int,
    damages: Sequence[int],
    verdict: Callable[[], Reconciliation],
) -> ImpactChange | None:
    """The impact's next state at minute ``at``, if it changed: started at the first failure,
    contained once damage stops growing for :data:`CONTAINMENT_WINDOW` minutes, reopened if it
    grows again, recovered when reconciliation says restored."""
    if starts is None or at < starts:
        return None
    if current is None:
        return ImpactChange("started", "the first failure took effect", {})
    recent = damages[-CONTAINMENT_WINDOW - 1 :]
    grew = len(recent) <= CONTAINMENT_WINDOW or recent[-1] > recent[0]
    if current in ("started", "reopened") and not grew and now > starts:
        return ImpactChange("contained", f"no new bad records for {CONTAINMENT_WINDOW} minutes", {})
    if current == "contained" and grew:
        return ImpactChange("reopened", "bad records are spreading again", {})
    if current == "contained":
        result = verdict()
        if result.restored:
            return ImpactChange("recovered", "reconciliation: restored", result.totals())
    return None
