"""What a live view shows, read from a drill in one go: plain data the templates and the API
render, so no page reaches into the engine while a command changes it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flowdrill.errors import InputError
from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event
from flowdrill.exercise.metrics import Metrics, compute
from flowdrill.exercise.plan import Assignment, Channel, Objective, PhasePlan
from flowdrill.report import RecordStory
from flowdrill.service.exercises import Drill
from flowdrill.service.reports import record_story
from flowdrill.sim.history import Run, sample_payload

#: Events only the facilitator and evaluators see (the evaluation stays out of the players' way).
EVALUATION_ONLY = frozenset({"observation_recorded"})


def visible(event_type: str, view: str) -> bool:
    return view in ("console", "evaluator") or event_type not in EVALUATION_ONLY


@dataclass(frozen=True)
class TimelineItem:
    seq: int
    event: Event


@dataclass(frozen=True)
class FlowStatus:
    id: str
    name: str
    business_process: str | None
    criticality: str
    paused: bool
    last_error: str | None
    open_alerts: int
    monitors: list[str]


@dataclass(frozen=True)
class DecisionView:
    id: str
    what: str
    rationale: str
    at: float
    by: str | None
    alternatives: list[str]
    confidence: str
    approval_needed_from: str | None
    approved: bool | None
    approved_by: str | None
    moment: int | None = None  # its number in the timeline: evaluators rate it by that


@dataclass(frozen=True)
class ScheduledInject:
    id: str
    at: int
    kind: str
    channel: str
    sender: str
    message: str
    delivered: bool
    held: bool = False


@dataclass
class Board:
    exercise_id: str
    title: str
    status: str
    clock: float
    speed: float
    phase: str | None
    phase_used: float
    timebox: int | None
    phases: list[PhasePlan]
    phase_index: int
    impact: str | None
    alerts: list[Any]
    decisions: list[DecisionView]
    metrics: Metrics
    timeline: list[TimelineItem]
    channels: dict[str, list[TimelineItem]]
    plan_channels: list[Channel]
    objectives: list[Objective]
    roles: list[Assignment]
    injects: list[ScheduledInject]
    flows: list[FlowStatus]
    affected: list[str]
    actions: list[ev.ActionTaken]
    observations: list[TimelineItem]
    last_seq: int
    estate_flows: list[str] = field(default_factory=list)
    anonymous_feedback: bool = False
    story: RecordStory | None = None  # for the facilitator and evaluators: it names the cause

    @property
    def ended(self) -> bool:
        return self.status == "ended"

    def pending_approvals(self, role: str) -> list[DecisionView]:
        return [
            d
            for d in self.decisions
            if d.approval_needed_from
            and d.approved is None
            and (role == "facilitator" or d.approval_needed_from == role)
        ]

    def tasks(self) -> list[tuple[Objective, Any]]:
        return [(o, t) for o in self.objectives for t in o.critical_tasks]


def board(drill: Drill, view: str) -> Board:
    """Everything the views need, copied out of the drill (call it under the drill's lock)."""
    state = drill.state
    now = max(drill.now(), state.last_at) if state.status == "running" else state.last_at
    timeline = [TimelineItem(n, e) for n, e in enumerate(drill.events, 1) if visible(e.type, view)]
    channels: dict[str, list[TimelineItem]] = defaultdict(list)
    for item in timeline:
        if isinstance(item.event, ev.InjectDelivered | ev.MessagePosted):
            channels[item.event.channel].append(item)
    recorded = {e.decision: e for e in drill.events if isinstance(e, ev.DecisionRecorded)}
    moments = {
        e.decision: n for n, e in enumerate(drill.events, 1) if isinstance(e, ev.DecisionRecorded)
    }
    decisions = [
        DecisionView(
            d.id,
            d.what,
            d.rationale,
            d.at,
            recorded[d.id].by if d.id in recorded else None,
            list(recorded[d.id].alternatives) if d.id in recorded else [],
            recorded[d.id].confidence if d.id in recorded else "medium",
            d.approval_needed_from,
            d.approved,
            d.approved_by,
            moments.get(d.id),
        )
        for d in state.decisions.values()
    ]
    affected = sorted(drill.affected_flows())
    index = {f.id: i for i, f in enumerate(drill.sim.layout.flows)}
    errors = drill.sim.last_error
    monitors: dict[str, list[str]] = defaultdict(list)
    for m in drill.ws.estate.monitors:
        if m.flow:
            monitors[m.flow].append(m.name)
    estate_flows = {f.id: f for f in drill.ws.estate.flows}
    flows = [
        FlowStatus(
            id=fid,
            name=estate_flows[fid].name if fid in estate_flows else fid,
            business_process=estate_flows[fid].business_process if fid in estate_flows else None,
            criticality=estate_flows[fid].criticality.value if fid in estate_flows else "-",
            paused=bool(drill.sim.paused[index[fid]]) if fid in index else False,
            last_error=errors.get(index[fid]) if fid in index else None,
            open_alerts=sum(
                1 for a in state.alerts.values() if a.flow == fid and a.acknowledged_at is None
            ),
            monitors=monitors.get(fid, []),
        )
        for fid in affected
    ]
    impacts = [e.state for e in drill.events if isinstance(e, ev.ImpactChanged)]
    return Board(
        exercise_id=drill.exercise_id,
        title=drill.plan.title,
        status=state.status,
        clock=round(now, 1),
        speed=state.speed,
        phase=state.phase,
        phase_used=round(state.phase_minutes(now), 1),
        timebox=state.timebox(),
        phases=list(drill.plan.phases),
        phase_index=state.phase_index,
        impact=impacts[-1] if impacts else None,
        alerts=sorted(state.alerts.values(), key=lambda a: a.raised_at, reverse=True),
        decisions=decisions,
        metrics=compute(drill.events),
        timeline=timeline,
        channels=dict(channels),
        plan_channels=list(drill.plan.channels),
        objectives=list(drill.plan.objectives),
        roles=list(drill.plan.roles),
        injects=[
            ScheduledInject(
                i.id,
                i.at,
                i.kind.value,
                i.channel,
                i.sender,
                i.message,
                i.id in state.delivered,
                i.id in state.held,
            )
            for i in drill.scenario.injects
        ],
        flows=flows,
        affected=affected,
        actions=list(state.actions),
        observations=[t for t in timeline if isinstance(t.event, ev.ObservationRecorded)],
        last_seq=len(drill.events),
        anonymous_feedback=state.anonymous_feedback,
        estate_flows=sorted(estate_flows),
        story=record_story(drill.sim) if view in ("console", "evaluator") else None,
    )


def affected_flow_svg(drill: Drill) -> str:
    """A Graphviz diagram of the flows the scenario hits, with the datasets they read and
    write (their lineage); critical elements are highlighted."""
    from flowdrill.analysis.diagram import Diagram, flow_diagram, render_svg, to_dot

    estate = drill.ws.estate
    flows = estate.by_id("flows")
    merged = Diagram("affected", "Affected flows and their data")
    hot = {f"flows/{f}" for f in drill.affected_flows()}
    for fid in sorted(drill.affected_flows()):
        if fid not in flows:
            continue
        part = flow_diagram(estate, flows[fid], hot)
        for node in part.nodes.values():
            merged.node(node)
        for edge in part.edges:
            merged.edge(edge.source, edge.target, edge.label, edge.style)
        merged.clusters.update(part.clusters)
    return render_svg(to_dot(merged))


def metrics_dict(metrics: Metrics) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(metrics)


# --------------------------------------------------------------------------- in-app inbox


@dataclass(frozen=True)
class InboxItem:
    """An in-app notification for someone in the room, and whether it still waits for them."""

    escalation: str
    step: int
    at: float
    text: str
    open: bool


def inbox(drill: Drill, person: str | None) -> list[InboxItem]:
    """In-app notifications to a participant or their team, newest first."""
    from flowdrill.notify import policy
    from flowdrill.notify.inapp import inbox as inapp_inbox

    people = {p.id: p for p in drill.ws.estate.people}
    parties = {person, people[person].team if person in people else None} - {None}
    runs = policy.fold(drill.events)
    items = [
        InboxItem(e.escalation, e.step, e.at, e.text, runs[e.escalation].open)
        for party in sorted(p for p in parties if p)
        for e in inapp_inbox(drill.events, party)
        if e.escalation in runs
    ]
    return sorted(items, key=lambda i: -i.at)


# --------------------------------------------------------------------------- execution log

RUN_STATUSES = ("error", "partial", "success")


@dataclass(frozen=True)
class ExecutionLog:
    """One flow's runs as its platform's execution list would show them: the evidence
    participants trace a root cause with. Every flow can be looked at, so the list gives no
    hint of which ones the scenario hits."""

    flow: str
    flow_name: str
    status: str | None
    runs: list[Run]
    sample: dict[str, Any]


def execution_log(
    drill: Drill, flow: str | None = None, status: str | None = None, limit: int = 60
) -> ExecutionLog:
    """The newest runs of ``flow`` (default: the estate's first flow), up to the drill's
    clock, optionally only those with ``status``."""
    flows = drill.ws.estate.by_id("flows")
    if not flows:
        raise InputError("the estate has no flows")
    flow = flow or sorted(flows)[0]
    if flow not in flows:
        raise InputError(f"no flow {flow!r} in the estate")
    if status is not None and status not in RUN_STATUSES:
        raise InputError(f"status must be one of {', '.join(RUN_STATUSES)}, not {status!r}")
    layout = drill.sim.layout
    sample = sample_payload(drill.ws.estate, layout, layout.flow_index[flow])
    runs = drill.sim.history(flow, status=status, limit=limit)
    return ExecutionLog(flow, flows[flow].name, status, runs, sample)
