"""Exercise metrics, computed from the event log alone (names as in DESIGN.md).

All times are exercise minutes. A metric is ``None`` when its end point never happened (the
failure was never detected, say): an honest gap, never a zero.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event


@dataclass(frozen=True)
class Spread:
    """Median and spread of a list of durations (not only the mean)."""

    count: int
    median: float | None
    minimum: float | None
    maximum: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        if not values:
            return cls(0, None, None, None)
        return cls(len(values), statistics.median(values), min(values), max(values))


@dataclass(frozen=True)
class PhaseTime:
    phase: str
    minutes: float
    timebox: int

    @property
    def over(self) -> bool:
        return self.minutes > self.timebox


@dataclass(frozen=True)
class StepAck:
    """One step of one escalation: when it fired and, if it was this step's people who
    answered, when it was acknowledged."""

    escalation: str
    policy: str
    step: int
    fired_at: float
    acknowledged_at: float | None = None

    @property
    def time_to_acknowledge(self) -> float | None:
        return (
            None if self.acknowledged_at is None else round(self.acknowledged_at - self.fired_at, 2)
        )


@dataclass(frozen=True)
class Metrics:
    impact_start: float | None
    detected_at: float | None
    time_to_detect: float | None
    time_to_acknowledge: float | None
    time_to_escalate: float | None
    time_to_runbook_activation: float | None
    time_to_contain: float | None
    time_to_recover: float | None
    decision_latency: Spread
    alerts_raised: int
    alerts_acknowledged: int
    information_visibility: float | None  # share of key facts acknowledged or answered
    time_to_acknowledge_facts: Spread
    phases: list[PhaseTime] = field(default_factory=list)
    escalation_steps: list[StepAck] = field(default_factory=list)
    #: escalation start (first step) to its next step firing, per escalation that escalated
    sequence_time_to_escalate: Spread = field(default_factory=lambda: Spread.of([]))
    #: escalation start to its acknowledgement, per acknowledged escalation
    sequence_time_to_acknowledge: Spread = field(default_factory=lambda: Spread.of([]))


def _first(events: Sequence[Event], kind: type, **match: object) -> Event | None:
    return next(
        (
            e
            for e in events
            if isinstance(e, kind) and all(getattr(e, k) == v for k, v in match.items())
        ),
        None,
    )


def _since(start: float | None, end: Event | None) -> float | None:
    return None if start is None or end is None else round(end.at - start, 2)


def compute(events: Sequence[Event], *, impact_start: float | None = None) -> Metrics:
    """``impact_start`` defaults to the simulator's first ``impact_changed: started`` event."""
    if impact_start is None:
        started = _first(events, ev.ImpactChanged, state="started")
        impact_start = started.at if started else None
    detected = _first(events, ev.FlowIdentified, correct=True)
    detect_at = detected.at if detected else None
    first_alert = _first(events, ev.AlertRaised)
    first_ack = _first(events, ev.AlertAcknowledged)
    runbook = next((e for e in events if isinstance(e, ev.ActionTaken) and e.runbook), None)

    injects = {e.inject: e for e in events if isinstance(e, ev.InjectDelivered) and not e.noise}
    latencies = [
        d.at - injects[d.inject].at
        for d in events
        if isinstance(d, ev.DecisionRecorded) and d.inject in injects
    ]
    raised = {e.alert: e for e in events if isinstance(e, ev.AlertRaised)}
    acked = {e.alert: e for e in events if isinstance(e, ev.AlertAcknowledged)}
    answered = {d.inject for d in events if isinstance(d, ev.DecisionRecorded) and d.inject}
    facts = len(raised) + len(injects)
    surfaced = len(acked.keys() & raised.keys()) + len(answered & injects.keys())
    fact_times = [acked[a].at - raised[a].at for a in acked if a in raised]

    steps, escalate, acknowledge = _escalations(events)
    return Metrics(
        impact_start=impact_start,
        detected_at=detect_at,
        time_to_detect=_since(impact_start, detected),
        time_to_acknowledge=_since(first_alert.at if first_alert else None, first_ack),
        time_to_escalate=_since(impact_start, _first(events, ev.Escalated)),
        time_to_runbook_activation=_since(detect_at, runbook),
        time_to_contain=_since(detect_at, _first(events, ev.ImpactChanged, state="contained")),
        time_to_recover=_since(detect_at, _first(events, ev.ImpactChanged, state="recovered")),
        decision_latency=Spread.of(latencies),
        alerts_raised=len(raised),
        alerts_acknowledged=len(acked),
        information_visibility=round(surfaced / facts, 3) if facts else None,
        time_to_acknowledge_facts=Spread.of(fact_times),
        phases=_phase_times(events),
        escalation_steps=steps,
        sequence_time_to_escalate=escalate,
        sequence_time_to_acknowledge=acknowledge,
    )


def _escalations(events: Sequence[Event]) -> tuple[list[StepAck], Spread, Spread]:
    """Time to acknowledge per step and time to escalate, from the notification events."""
    steps: dict[tuple[str, int], StepAck] = {}
    starts: dict[str, float] = {}
    escalated: list[float] = []
    acked: list[float] = []
    for e in events:
        if isinstance(e, ev.EscalationStepFired):
            steps[e.escalation, e.step] = StepAck(e.escalation, e.policy, e.step, e.at)
            start = starts.setdefault(e.escalation, e.at)
            if e.step == 2:
                escalated.append(round(e.at - start, 2))
        elif isinstance(e, ev.NotificationAcknowledged) and (e.escalation, e.step) in steps:
            step = steps[e.escalation, e.step]
            if step.acknowledged_at is None and not any(
                s.acknowledged_at is not None for (x, _), s in steps.items() if x == e.escalation
            ):
                steps[e.escalation, e.step] = replace(step, acknowledged_at=e.at)
                acked.append(round(e.at - starts[e.escalation], 2))
    return list(steps.values()), Spread.of(escalated), Spread.of(acked)


def _phase_times(events: Sequence[Event]) -> list[PhaseTime]:
    start = _first(events, ev.Started)
    if not isinstance(start, ev.Started):
        return []
    boxes = {p.phase: p.minutes for p in start.phases}
    marks = [(start.phases[0].phase, start.at)]
    marks += [(e.phase, e.at) for e in events if isinstance(e, ev.PhaseAdvanced)]
    end = _first(events, ev.Ended)
    last = end.at if end else max(e.at for e in events)
    bounds = [*(at for _, at in marks[1:]), last]
    return [
        PhaseTime(phase, round(until - since, 2), boxes[phase])
        for (phase, since), until in zip(marks, bounds, strict=True)
    ]
