"""What people in a live drill may ask for, and who may ask: the web's command vocabulary.

Each operation is a small input model (what a form or a JSON body carries) and a builder
that turns it into the engine's typed events, stamped with the drill's clock. Access is
decided here, once, for the HTML forms and the REST API alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from flowdrill.catalog.model import Action
from flowdrill.errors import FlowdrillError, InputError
from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event
from flowdrill.exercise.plan import Role
from flowdrill.service.exercises import Drill
from flowdrill.service.live_drills import stamp, wall

FACILITATOR = "facilitator"
EVALUATOR = Role.evaluator_scribe.value
EXECUTIVE = Role.executive_observer.value
#: Roles that play the incident (everyone but the facilitator, evaluator and executive).
PLAYERS = frozenset(
    r.value
    for r in Role
    if r not in (Role.facilitator, Role.evaluator_scribe, Role.executive_observer)
)
_ESTATE = {
    Action.pause_flow,
    Action.resume_flow,
    Action.rollback_connector,
    Action.throttle,
    Action.block_source,
    Action.replay,
    Action.switch_to_alternate,
    Action.apply_fix,
}
#: The actions each playing role may take on the simulated estate.
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.incident_lead.value: frozenset(
        {
            Action.acknowledge,
            Action.open_incident,
            Action.notify,
            Action.escalate,
            Action.do_nothing,
        }
    ),
    Role.platform_engineer.value: frozenset(
        {*_ESTATE, Action.rotate_credential, Action.acknowledge, Action.do_nothing}
    ),
    Role.developer.value: frozenset(
        {
            Action.pause_flow,
            Action.resume_flow,
            Action.rollback_connector,
            Action.apply_fix,
            Action.replay,
            Action.acknowledge,
        }
    ),
    Role.security.value: frozenset(
        {
            Action.rotate_credential,
            Action.revoke_access,
            Action.isolate_dataset,
            Action.block_source,
            Action.notify,
        }
    ),
    Role.compliance.value: frozenset({Action.notify, Action.isolate_dataset, Action.escalate}),
    Role.business_analyst.value: frozenset(
        {Action.reconcile, Action.isolate_dataset, Action.notify}
    ),
    Role.customer_support.value: frozenset(
        {Action.notify, Action.acknowledge, Action.open_incident}
    ),
    FACILITATOR: frozenset(Action),
}


class Forbidden(FlowdrillError):
    """The signed-in person's role may not do this."""

    exit_code = 2
    http_status = 403


@dataclass(frozen=True)
class Actor:
    """Who is asking: a facilitator account, or a participant of one exercise in one role."""

    kind: Literal["facilitator", "participant"]
    name: str
    role: str = FACILITATOR
    exercise: str | None = None
    person: str | None = None

    @property
    def by(self) -> str:
        """What the log records: the role, never the person (blameless by default)."""
        return self.role

    def may_enter(self, exercise_id: str) -> bool:
        return self.kind == "facilitator" or self.exercise == exercise_id

    @property
    def view(self) -> Literal["console", "evaluator", "executive", "participant"]:
        if self.kind == "facilitator":
            return "console"
        if self.role == EVALUATOR:
            return "evaluator"
        return "executive" if self.role == EXECUTIVE else "participant"

    def actions(self) -> list[Action]:
        return sorted(ROLE_ACTIONS.get(self.role, frozenset()), key=list(Action).index)


# --------------------------------------------------------------------------- inputs


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Short = Field(min_length=1, max_length=200)


class PhaseIn(_In):
    phase: str | None = Field(None, max_length=40, description="default: the next phase")


class InjectIn(_In):
    inject: str | None = Field(None, max_length=80, description="a scripted inject id")
    channel: str | None = Field(None, max_length=100, description="ad-hoc: the channel")
    message: str | None = Field(None, max_length=2000, description="ad-hoc: the text")


class HoldIn(_In):
    inject: str = Field(min_length=1, max_length=80, description="a scripted inject id")


class AckEscalationIn(_In):
    escalation: str = Field(min_length=1, max_length=80, description="escalation id, e.g. esc-1")


class EndIn(_In):
    reason: str = Field("completed", max_length=500)


class NoteIn(_In):
    """Pause and resume take no fields."""


class MessageIn(_In):
    channel: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=2000)


class DecisionIn(_In):
    what: str = Field(min_length=1, max_length=500)
    rationale: str = Field(min_length=1, max_length=2000)
    alternatives: str = Field("", max_length=1000, description="one per line")
    confidence: Literal["low", "medium", "high"] = "medium"
    approver: Role | None = Field(None, description="the role that must approve it")
    inject: str | None = Field(None, max_length=80, description="the inject it answers")


class ApprovalIn(_In):
    decision: str = Field(min_length=1, max_length=40)
    approved: bool = True
    note: str = Field("", max_length=1000)


class ActionIn(_In):
    action: Action
    target: str | None = Field(None, max_length=200)
    decision: str | None = Field(None, max_length=40)
    detail: str = Field("", max_length=1000)


class AckIn(_In):
    alert: str = Field(min_length=1, max_length=200)


class IdentifyIn(_In):
    flow: str = Field(min_length=1, max_length=200)


class EscalateIn(_In):
    to: str = Field(min_length=1, max_length=200)
    reason: str = Field("", max_length=1000)


class NearMissIn(_In):
    what: str = Field(min_length=1, max_length=1000)
    consequence_avoided: str = Field("", max_length=1000)


class ObservationIn(_In):
    task: str = Field(min_length=1, max_length=80)
    rating: Literal["P", "S", "M", "U"]
    notes: str = Field("", max_length=2000)
    moment: int | None = Field(None, ge=1, description="the timeline event (seq) it refers to")


class FeedbackIn(_In):
    rating: int = Field(ge=1, le=5, description="how useful the drill was, 1 (low) to 5")
    what_worked: str = Field("", max_length=2000)
    what_to_improve: str = Field("", max_length=2000)
    anonymous: bool = Field(False, description="only if the facilitator allowed it")


# --------------------------------------------------------------------------- builders


def _pause(drill: Drill, actor: Actor, _: NoteIn) -> list[Event]:
    return [ev.Paused(at=stamp(drill), wall=wall(), by=actor.by)]


def _resume(drill: Drill, actor: Actor, _: NoteIn) -> list[Event]:
    return [ev.Resumed(at=stamp(drill), wall=wall(), by=actor.by)]


def _phase(drill: Drill, actor: Actor, body: PhaseIn) -> list[Event]:
    names = [p.phase for p in drill.state.phases]
    index = drill.state.phase_index + 1
    if body.phase:
        target = body.phase
    elif index < len(names):
        target = names[index]
    else:
        raise InputError("this is the last phase; end the exercise instead")
    return [ev.PhaseAdvanced(at=stamp(drill), phase=target, by=actor.by)]


def _inject(drill: Drill, actor: Actor, body: InjectIn) -> list[Event]:
    if body.inject:
        scripted = {i.id: i for i in drill.scenario.injects}
        if body.inject not in scripted:
            raise InputError(f"no scripted inject {body.inject!r}")
        i = scripted[body.inject]
        return [
            ev.InjectDelivered(
                at=stamp(drill),
                inject=i.id,
                kind=i.kind.value,
                channel=i.channel,
                sender=i.sender,
                message=i.message,
                by=actor.by,
            )
        ]
    if not body.channel or not body.message:
        raise InputError("an ad-hoc inject needs a channel and a message")
    n = sum(isinstance(e, ev.InjectDelivered) for e in drill.events) + 1
    return [
        ev.InjectDelivered(
            at=stamp(drill),
            inject=f"adhoc-{n}",
            kind="status_update",
            channel=body.channel,
            sender=actor.by,
            message=body.message,
            by=actor.by,
        )
    ]


def _hold(drill: Drill, actor: Actor, body: HoldIn) -> list[Event]:
    if body.inject not in {i.id for i in drill.scenario.injects}:
        raise InputError(f"no scripted inject {body.inject!r}")
    return [ev.InjectHeld(at=stamp(drill), inject=body.inject, by=actor.by)]


def _ack_escalation(drill: Drill, actor: Actor, body: AckEscalationIn) -> list[Event]:
    """Acknowledge an in-app page: the escalation's timer stops."""
    from flowdrill.notify import policy

    run = policy.fold(drill.events).get(body.escalation)
    if run is None:
        raise InputError(f"no escalation {body.escalation!r}")
    if not run.open:
        raise InputError(f"escalation {body.escalation!r} was already acknowledged")
    return [
        ev.NotificationAcknowledged(
            at=stamp(drill), escalation=body.escalation, step=run.step, by=actor.by, via="web"
        )
    ]


def _end(drill: Drill, actor: Actor, body: EndIn) -> list[Event]:
    return [ev.Ended(at=stamp(drill), reason=body.reason or "completed", by=actor.by)]


def _message(drill: Drill, actor: Actor, body: MessageIn) -> list[Event]:
    return [ev.MessagePosted(at=stamp(drill), channel=body.channel, text=body.text, by=actor.by)]


def _decision(drill: Drill, actor: Actor, body: DecisionIn) -> list[Event]:
    ident = f"d{len(drill.state.decisions) + 1}"
    at = stamp(drill)
    out: list[Event] = [
        ev.DecisionRecorded(
            at=at,
            decision=ident,
            what=body.what,
            rationale=body.rationale,
            alternatives=[a.strip() for a in body.alternatives.splitlines() if a.strip()],
            confidence=body.confidence,
            inject=body.inject or None,
            by=actor.by,
        )
    ]
    if body.approver is not None:
        out.append(
            ev.ApprovalRequested(
                at=at, decision=ident, approver_role=body.approver.value, by=actor.by
            )
        )
    return out


def _approval(drill: Drill, actor: Actor, body: ApprovalIn) -> list[Event]:
    decision = drill.state.decisions.get(body.decision)
    if decision is None:
        raise InputError(f"no decision {body.decision!r}")
    if actor.kind != "facilitator" and decision.approval_needed_from != actor.role:
        raise Forbidden(
            f"decision {body.decision!r} needs approval from "
            f"{decision.approval_needed_from or 'nobody'}, not {actor.role}"
        )
    return [
        ev.ApprovalGiven(
            at=stamp(drill),
            decision=body.decision,
            approved=body.approved,
            note=body.note,
            by=actor.by,
        )
    ]


def _action(drill: Drill, actor: Actor, body: ActionIn) -> list[Event]:
    if body.action not in ROLE_ACTIONS.get(actor.role, frozenset()):
        raise Forbidden(f"the {actor.role} role may not {body.action.value}")
    return [
        ev.ActionTaken(
            at=stamp(drill),
            action=body.action,
            target=body.target or None,
            decision=body.decision or None,
            detail=body.detail,
            by=actor.by,
        )
    ]


def _ack(drill: Drill, actor: Actor, body: AckIn) -> list[Event]:
    return [ev.AlertAcknowledged(at=stamp(drill), alert=body.alert, by=actor.by)]


def _identify(drill: Drill, actor: Actor, body: IdentifyIn) -> list[Event]:
    known = {f.id for f in drill.ws.estate.flows}
    if body.flow not in known:
        raise InputError(f"no flow {body.flow!r} in the estate")
    return [
        ev.FlowIdentified(
            at=stamp(drill),
            flow=body.flow,
            correct=body.flow in drill.affected_flows(),
            by=actor.by,
        )
    ]


def _escalate(drill: Drill, actor: Actor, body: EscalateIn) -> list[Event]:
    return [ev.Escalated(at=stamp(drill), to=body.to, reason=body.reason, by=actor.by)]


def _near_miss(drill: Drill, actor: Actor, body: NearMissIn) -> list[Event]:
    return [
        ev.NearMissRecorded(
            at=stamp(drill),
            what=body.what,
            consequence_avoided=body.consequence_avoided,
            by=actor.by,
        )
    ]


def _observation(drill: Drill, actor: Actor, body: ObservationIn) -> list[Event]:
    tasks = {t.id for o in drill.plan.objectives for t in o.critical_tasks}
    if body.task not in tasks:
        raise InputError(f"no critical task {body.task!r} in the plan")
    if body.moment is not None and body.moment > len(drill.events):
        raise InputError(f"no timeline moment #{body.moment}")
    return [
        ev.ObservationRecorded(
            at=stamp(drill),
            task=body.task,
            rating=body.rating,
            notes=body.notes,
            moment=body.moment,
            by=actor.by,
        )
    ]


def _feedback(drill: Drill, actor: Actor, body: FeedbackIn) -> list[Event]:
    return [
        ev.FeedbackSubmitted(
            at=stamp(drill),
            rating=body.rating,
            what_worked=body.what_worked,
            what_to_improve=body.what_to_improve,
            anonymous=body.anonymous,
            by=None if body.anonymous else actor.by,
        )
    ]


@dataclass(frozen=True)
class Operation:
    name: str
    model: type[_In]
    roles: frozenset[str]
    build: Callable[[Drill, Actor, Any], list[Event]]
    label: str


_STAFF = frozenset({FACILITATOR})
_PLAY = PLAYERS | _STAFF
OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("pause", NoteIn, _STAFF, _pause, "Pause the clock"),
        Operation("resume", NoteIn, _STAFF, _resume, "Resume the clock"),
        Operation("phase", PhaseIn, _STAFF, _phase, "Advance the phase"),
        Operation("inject", InjectIn, _STAFF, _inject, "Deliver an inject"),
        Operation("hold", HoldIn, _STAFF, _hold, "Hold a scripted inject"),
        Operation("end", EndIn, _STAFF, _end, "End the exercise"),
        Operation("message", MessageIn, _PLAY | {EVALUATOR}, _message, "Post a message"),
        Operation("decision", DecisionIn, _PLAY, _decision, "Record a decision"),
        Operation("approval", ApprovalIn, _PLAY | {EXECUTIVE}, _approval, "Answer an approval"),
        Operation("action", ActionIn, _PLAY, _action, "Take an action"),
        Operation("ack", AckIn, _PLAY, _ack, "Acknowledge an alert"),
        Operation("ack_escalation", AckEscalationIn, _PLAY, _ack_escalation, "Acknowledge a page"),
        Operation("identify", IdentifyIn, _PLAY, _identify, "Identify the affected flow"),
        Operation("escalate", EscalateIn, _PLAY, _escalate, "Escalate"),
        Operation("nearmiss", NearMissIn, _PLAY | {EVALUATOR}, _near_miss, "Record a near miss"),
        Operation("observation", ObservationIn, _STAFF | {EVALUATOR}, _observation, "Rate a task"),
        # Participants who played the drill give feedback (also after the end); the
        # facilitator, evaluator and executive observer write the report, not this form.
        Operation("feedback", FeedbackIn, PLAYERS, _feedback, "Give feedback on the drill"),
    )
}


def allowed(actor: Actor, operation: str) -> bool:
    op = OPERATIONS.get(operation)
    return op is not None and actor.role in op.roles


def check(actor: Actor, exercise_id: str, operation: str) -> Operation:
    """The operation, if this actor may run it in this exercise; else :class:`Forbidden`."""
    op = OPERATIONS.get(operation)
    if op is None:
        raise InputError(f"no operation {operation!r}")
    if not actor.may_enter(exercise_id) or actor.role not in op.roles:
        raise Forbidden(f"the {actor.role} role may not {op.label.lower()} here")
    return op


def builder(actor: Actor, op: Operation, body: _In) -> Callable[[Drill], Sequence[Event]]:
    def build(drill: Drill) -> Sequence[Event]:
        return op.build(drill, actor, body)

    return build
