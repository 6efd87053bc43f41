"""The autopilot: a runbook played as participant commands, with human latencies.

It reacts to what the drill shows (alerts, reports), so a runbook whose monitors never fire
is never started: that is the finding. Human decision points stay human: the autopilot asks
the named role and logs the (simulated) approval after the approval latency; it never
skips one. Pure: it proposes commands; the drill checks, logs and applies them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from flowdrill.catalog.model import Action
from flowdrill.errors import InputError
from flowdrill.estate.model import Estate, Runbook, RunbookStepKind
from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event
from flowdrill.runbook.model import EstateFacts, step_staleness

DETECTING_INJECTS = {"alert", "customer_report", "support_report", "business_report"}
CHANNEL = "incident_updates"


@dataclass(frozen=True)
class Latencies:
    """Minutes a person takes; the defaults are a calm, practised team."""

    acknowledge: float = 2.0
    identify: float = 3.0
    step: float = 2.0
    approval: float = 4.0


@dataclass(frozen=True)
class StepRun:
    """What the autopilot did with one runbook step (``n`` counts from 1)."""

    n: int
    at: float
    outcome: str  # action | approval | message | stale
    detail: str = ""


@dataclass
class Autopilot:
    runbook: Runbook
    estate: Estate
    affected_flows: frozenset[str]
    latencies: Latencies = field(default_factory=Latencies)
    detected_at: float | None = None
    stale: list[str] = field(default_factory=list)
    runs: list[StepRun] = field(default_factory=list)
    _queue: list[tuple[float, int, Event]] = field(default_factory=list)
    _order: int = 0
    _finished_at: float | None = None

    @property
    def finished(self) -> bool:
        return self._finished_at is not None

    def react(self, shown: Iterable[Event], at: float) -> list[Event]:
        """Commands due by minute ``at``, given the events the drill just showed."""
        for event in shown:
            if isinstance(event, ev.AlertRaised):
                self._push(
                    event.at + self.latencies.acknowledge,
                    ev.AlertAcknowledged(at=0, alert=event.alert, by="on-call"),
                )
                self._detect(event.at, event.flow)
            elif (
                isinstance(event, ev.InjectDelivered)
                and not event.noise
                and event.kind in DETECTING_INJECTS
            ):
                self._detect(event.at, None)
        due = sorted(item for item in self._queue if item[0] <= at + 1e-9)
        self._queue = [item for item in self._queue if item[0] > at + 1e-9]
        return [command.model_copy(update={"at": max(when, 0.0)}) for when, _, command in due]

    def _push(self, when: float, command: Event) -> None:
        self._order += 1
        self._queue.append((round(when, 3), self._order, command))

    def _detect(self, at: float, flow: str | None) -> None:
        if self.detected_at is not None:
            return
        self.detected_at = at
        named = flow or (self.runbook.flows[0] if self.runbook.flows else None)
        t = at + self.latencies.identify
        if named is not None:
            self._push(
                t,
                ev.FlowIdentified(
                    at=0, flow=named, by="incident lead", correct=named in self.affected_flows
                ),
            )
        self._push(
            t,
            ev.MessagePosted(
                at=0,
                channel=CHANNEL,
                by="incident lead",
                text=f"Following runbook {self.runbook.id} version {self.runbook.version}: "
                f"{self.runbook.title}",
            ),
        )
        self._plan_steps(t)

    def _plan_steps(self, t: float) -> None:
        facts = EstateFacts(self.estate)
        decision: str | None = None  # actions are taken under the last decision point
        for n, step in enumerate(self.runbook.steps, 1):
            t += self.latencies.step
            role = step.role or "incident lead"
            label = f"{self.runbook.id} step {n}"
            if step.kind is RunbookStepKind.decision:
                decision = f"{self.runbook.id}-{n}"
                self._push(
                    t,
                    ev.DecisionRecorded(
                        at=0,
                        decision=decision,
                        what=step.title,
                        by=role,
                        rationale=f"{label} of the runbook",
                        confidence="medium",
                    ),
                )
                self._push(t, ev.ApprovalRequested(at=0, decision=decision, approver_role=role))
                t += self.latencies.approval
                self._push(
                    t,
                    ev.ApprovalGiven(
                        at=0, decision=decision, by=role, note="simulated approval (autopilot)"
                    ),
                )
                self.runs.append(StepRun(n, t, "approval", f"approved by {role}"))
                continue
            if step.action is None:
                self._push(
                    t,
                    ev.MessagePosted(
                        at=0, channel=CHANNEL, by=role, text=f"[{label}] {step.title}"
                    ),
                )
                self.runs.append(StepRun(n, t, "message"))
                continue
            if found := step_staleness(step, facts):
                why = "; ".join(s.message for s in found)
                self.stale.append(f"{label}: {why}")
                self.runs.append(StepRun(n, t, "stale", why))
                self._push(
                    t,
                    ev.RunbookStepStale(
                        at=0,
                        by=role,
                        runbook=f"{self.runbook.id}@{self.runbook.version}",
                        step=f"{self.runbook.id}#{step.id}" if step.id else label,
                        why=f"{why}; skipped: {step.title}",
                    ),
                )
                continue
            self.runs.append(StepRun(n, t, "action", step.action))
            action = Action(step.action)
            if action is Action.escalate:
                self._push(
                    t, ev.Escalated(at=0, to=step.target or role, by=role, reason=step.title)
                )
                continue
            self._push(
                t,
                ev.ActionTaken(
                    at=0,
                    action=action,
                    target=step.target,
                    by=role,
                    options=dict(step.options),
                    runbook=self.runbook.ref,
                    detail=step.title,
                    decision=decision,
                ),
            )
        self._finished_at = t


def invalid_actions(runbook: Runbook) -> list[str]:
    """Steps naming an action the simulator does not know (checked before a drill starts)."""
    names = {a.value for a in Action}
    return [
        f"{runbook.id} step {n}: unknown action {s.action!r}"
        for n, s in enumerate(runbook.steps, 1)
        if s.action is not None and s.action not in names
    ]


def pick_runbook(
    runbooks: Sequence[Runbook], modes: Sequence[str], flows: AbstractSet[str]
) -> Runbook:
    """The runbook that best fits a scenario: most failure modes, then most flows in common."""
    if not runbooks:
        raise InputError("the estate has no runbook for the autopilot to follow")
    return max(
        runbooks,
        key=lambda r: (len(set(r.failure_modes) & set(modes)), len(set(r.flows) & flows), r.id),
    )
