"""Escalation state as a pure fold of the exercise log: which policy an alert starts, which step
is due when, given the steps fired and the acknowledgements recorded. No I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from flowdrill.estate.model import EscalationPolicy, Estate
from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event

#: What every drill message starts with, so nobody mistakes it for a real incident.
EXERCISE_PREFIX = "[EXERCISE]"
#: The header every delivered drill message carries (value: the exercise id).
EXERCISE_HEADER = "X-Flowdrill-Exercise"


@dataclass(frozen=True)
class Run:
    """One escalation: a policy started by an alert, stepping until someone acknowledges."""

    id: str
    policy: str
    monitor: str | None
    alert: str | None
    flow: str | None
    started_at: float
    fired: tuple[tuple[int, float], ...]  # (step number, exercise minute)
    acknowledged_at: float | None = None
    acknowledged_by: str | None = None
    acknowledged_step: int | None = None

    @property
    def step(self) -> int:
        return self.fired[-1][0]

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None

    def fired_at(self, step: int) -> float | None:
        return next((at for n, at in self.fired if n == step), None)


def fold(events: Sequence[Event]) -> dict[str, Run]:
    """Escalations by id, as the log records them."""
    runs: dict[str, Run] = {}
    monitors = {e.alert: e.monitor for e in events if isinstance(e, ev.AlertRaised)}
    for e in events:
        if isinstance(e, ev.EscalationStepFired):
            run = runs.get(e.escalation)
            if run is None:
                runs[e.escalation] = Run(
                    e.escalation,
                    e.policy,
                    monitors.get(e.alert) if e.alert else None,
                    e.alert,
                    e.flow,
                    e.at,
                    ((e.step, e.at),),
                )
            else:
                runs[e.escalation] = replace(run, fired=(*run.fired, (e.step, e.at)))
        elif isinstance(e, ev.NotificationAcknowledged) and e.escalation in runs:
            run = runs[e.escalation]
            if run.open:
                runs[e.escalation] = replace(
                    run, acknowledged_at=e.at, acknowledged_by=e.by, acknowledged_step=e.step
                )
    return runs


def policy_for(estate: Estate, *, flow: str | None, monitor: str | None) -> EscalationPolicy | None:
    """A flow's own policy, else its owner team's, else that of the team the monitor pages."""
    policies = estate.escalation_policies
    if flow is not None:
        own = next((p for p in policies if flow in p.flows), None)
        if own is not None:
            return own
    teams = []
    found = estate.by_id("flows").get(flow) if flow else None
    if found is not None and found.owner_team:
        teams.append(found.owner_team)
    watcher = estate.by_id("monitors").get(monitor) if monitor else None
    if watcher is not None and watcher.alert_route:
        teams.append(watcher.alert_route)
    for team in teams:
        policy = next((p for p in policies if p.team == team and not p.flows), None)
        if policy is not None:
            return policy
    return None


def _covered(runs: Sequence[Run], policy: str, monitor: str, at: float) -> bool:
    """An alert needs no new escalation if its policy is already paging (open at that time), or
    the same monitor already paged this policy: one incident, one sequence."""
    for run in runs:
        if run.policy != policy or run.started_at > at:
            continue
        if run.monitor == monitor or run.acknowledged_at is None or run.acknowledged_at > at:
            return True
    return False


def _fire(
    policy: EscalationPolicy,
    run: Run | None,
    *,
    escalation: str,
    step: int,
    at: float,
    alert: ev.AlertRaised | None,
    reason: str,
) -> ev.EscalationStepFired:
    spec = policy.steps[step - 1]
    return ev.EscalationStepFired(
        at=at,
        escalation=escalation,
        policy=policy.id,
        step=step,
        notify=list(spec.notify),
        channel=spec.channel,
        alert=alert.alert if alert else (run.alert if run else None),
        flow=alert.flow if alert else (run.flow if run else None),
        reason=reason,
        by="flowdrill",
    )


def due(estate: Estate, events: Sequence[Event], at: float) -> list[ev.EscalationStepFired]:
    """Steps that fall due by minute ``at``: first steps for new alerts, next steps for
    escalations nobody acknowledged within the wait. Times are the ideal ones (the caller
    never lets the log run backwards)."""
    policies = estate.by_id("escalation_policies")
    runs = fold(events)
    out: list[ev.EscalationStepFired] = []
    for alert in (e for e in events if isinstance(e, ev.AlertRaised) and e.at <= at):
        policy = policy_for(estate, flow=alert.flow, monitor=alert.monitor)
        if policy is None or _covered(list(runs.values()), policy.id, alert.monitor, alert.at):
            continue
        escalation = f"esc-{len(runs) + 1}"
        fired = _fire(
            policy,
            None,
            escalation=escalation,
            step=1,
            at=alert.at,
            alert=alert,
            reason=f"alert {alert.alert}",
        )
        out.append(fired)
        runs = fold([*events, *out])
    for run in list(runs.values()):
        policy = policies.get(run.policy)
        while policy is not None and run.open and run.step < len(policy.steps):
            wait = policy.steps[run.step - 1].wait_minutes
            next_at = round(run.fired[-1][1] + wait, 3)
            if next_at > at:
                break
            fired = _fire(
                policy,
                run,
                escalation=run.id,
                step=run.step + 1,
                at=next_at,
                alert=None,
                reason=f"no acknowledgement within {wait:g} min of step {run.step}",
            )
            out.append(fired)
            run = replace(run, fired=(*run.fired, (fired.step, next_at)))
    return out


def open_escalations(events: Sequence[Event]) -> list[Run]:
    return [r for r in fold(events).values() if r.open]


def responder_acks(
    estate: Estate, events: Sequence[Event], at: float, *, answer_step: int, after: float
) -> list[ev.NotificationAcknowledged]:
    """A simulated responder for unattended drills: whoever is paged at step ``answer_step``
    (or the last step, if the policy is shorter) acknowledges ``after`` minutes later."""
    policies = estate.by_id("escalation_policies")
    out = []
    for run in open_escalations(events):
        policy = policies.get(run.policy)
        last = len(policy.steps) if policy is not None else run.step
        step = min(answer_step, last)
        fired_at = run.fired_at(step)
        if fired_at is None or at < fired_at + after:
            continue
        who = policy.steps[step - 1].notify[0] if policy is not None else None
        out.append(
            ev.NotificationAcknowledged(
                at=round(fired_at + after, 3),
                escalation=run.id,
                step=step,
                by=who,
                via="autopilot",
            )
        )
    return out
