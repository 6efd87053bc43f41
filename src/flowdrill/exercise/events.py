"""The typed events of an exercise log. The log is the source of truth; state is a fold of it.

Every event carries ``at``, the exercise time in minutes. Events are plain data: they are
stored as ``type`` plus a JSON object, and parsed back with :func:`parse_event`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from flowdrill.catalog.model import Action


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    at: float = Field(ge=0, description="exercise time, minutes")
    by: str | None = Field(None, description="role (or person, if named) who caused it")


class PhaseBox(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    phase: str
    minutes: int = Field(gt=0)


class Started(_Event):
    type: Literal["started"] = "started"
    plan: str
    scenario: str
    phases: list[PhaseBox] = Field(min_length=1)
    wall: float = Field(description="wall clock (epoch seconds) when the clock started")
    speed: float = Field(1.0, gt=0, description="exercise minutes per wall minute")
    human_factors: bool = Field(
        True, description="deliver noise injects: information overload and late messages"
    )
    anonymous_feedback: bool = Field(
        False, description="participants may submit their feedback without their role"
    )


class Paused(_Event):
    type: Literal["paused"] = "paused"
    wall: float


class Resumed(_Event):
    type: Literal["resumed"] = "resumed"
    wall: float


class PhaseAdvanced(_Event):
    type: Literal["phase_advanced"] = "phase_advanced"
    phase: str


class Ended(_Event):
    type: Literal["ended"] = "ended"
    reason: str = "completed"


class InjectDelivered(_Event):
    type: Literal["inject_delivered"] = "inject_delivered"
    inject: str
    kind: str
    channel: str
    sender: str
    message: str
    noise: bool = False


class InjectHeld(_Event):
    """The facilitator holds a scripted inject: it waits until fired by hand."""

    type: Literal["inject_held"] = "inject_held"
    inject: str


class MessagePosted(_Event):
    type: Literal["message_posted"] = "message_posted"
    channel: str
    text: str


class DecisionRecorded(_Event):
    type: Literal["decision_recorded"] = "decision_recorded"
    decision: str = Field(description="id, unique in the exercise")
    what: str
    rationale: str
    alternatives: list[str] = Field(default_factory=list)
    confidence: Literal["low", "medium", "high"] = "medium"
    approved_by: str | None = None
    inject: str | None = Field(None, description="the inject this decision answers")


class ApprovalRequested(_Event):
    type: Literal["approval_requested"] = "approval_requested"
    decision: str
    approver_role: str


class ApprovalGiven(_Event):
    type: Literal["approval_given"] = "approval_given"
    decision: str
    approved: bool = True
    note: str = ""


class ActionTaken(_Event):
    type: Literal["action_taken"] = "action_taken"
    action: Action
    target: str | None = None
    decision: str | None = None
    runbook: str | None = Field(None, description="runbook whose step this action follows")
    options: dict[str, str] = Field(default_factory=dict, description="e.g. dedupe: 'true'")
    detail: str = ""


class AlertRaised(_Event):
    type: Literal["alert_raised"] = "alert_raised"
    alert: str
    monitor: str
    flow: str | None = None
    dataset: str | None = None
    message: str
    metric: str | None = None
    value: float | None = None
    threshold: float | None = None


class AlertAcknowledged(_Event):
    type: Literal["alert_acknowledged"] = "alert_acknowledged"
    alert: str


class Escalated(_Event):
    type: Literal["escalated"] = "escalated"
    to: str
    reason: str = ""


class FlowIdentified(_Event):
    """A participant names the affected flow: the moment that stops the detect timer."""

    type: Literal["flow_identified"] = "flow_identified"
    flow: str
    correct: bool


class ImpactChanged(_Event):
    """The simulator's view of business impact: when bad data started, stopped, was repaired."""

    type: Literal["impact_changed"] = "impact_changed"
    state: Literal["started", "contained", "recovered", "reopened"]
    detail: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict)


class ObservationRecorded(_Event):
    type: Literal["observation_recorded"] = "observation_recorded"
    task: str = Field(description="critical task id from the evaluation guide")
    rating: Literal["P", "S", "M", "U"]
    notes: str = ""
    moment: int | None = Field(None, ge=1, description="the timeline event (seq) it refers to")


class RunbookStepStale(_Event):
    """A runbook step names something the estate no longer has (found when following it)."""

    type: Literal["runbook_step_stale"] = "runbook_step_stale"
    runbook: str = Field(description="runbook id and version, e.g. rb-payment-sync@2")
    step: str = Field(description="the step: rb-id#step-id, or 'rb-id step n'")
    why: str


class NearMissRecorded(_Event):
    type: Literal["near_miss_recorded"] = "near_miss_recorded"
    what: str
    consequence_avoided: str = ""


class PhaseTimeboxExceeded(_Event):
    type: Literal["timebox_exceeded"] = "timebox_exceeded"
    phase: str
    minutes_over: float


class EscalationStepFired(_Event):
    """A step of an escalation policy fired: its people are about to be notified."""

    type: Literal["escalation_step_fired"] = "escalation_step_fired"
    escalation: str = Field(description="id of this run of the policy, unique in the exercise")
    policy: str
    step: int = Field(ge=1, description="step number, from 1")
    notify: list[str] = Field(default_factory=list, description="parties notified")
    channel: str
    alert: str | None = None
    flow: str | None = None
    reason: str = ""


class NotificationSent(_Event):
    """One message delivered (or, in dry-run, printed). Never holds a secret or an address."""

    type: Literal["notification_sent"] = "notification_sent"
    notification: str = Field(description="id, unique in the exercise")
    escalation: str
    step: int = Field(ge=1)
    party: str
    channel: str
    kind: str = Field(description="channel kind: slack, teams, webhook, email, inapp")
    dry_run: bool = False
    attempts: int = Field(1, ge=0)
    text: str = Field("", description="what was said, without links (the in-app message)")


class NotificationFailed(_Event):
    """A message that could not be delivered after its retries; the drill goes on."""

    type: Literal["notification_failed"] = "notification_failed"
    notification: str
    escalation: str
    step: int = Field(ge=1)
    party: str
    channel: str
    kind: str
    error: str
    attempts: int = Field(1, ge=0)


class NotificationAcknowledged(_Event):
    """A person acknowledged an escalation: its timer stops."""

    type: Literal["notification_acknowledged"] = "notification_acknowledged"
    escalation: str
    step: int = Field(ge=1, description="the step in force when it was acknowledged")
    via: Literal["link", "web", "terminal", "autopilot"] = "terminal"


class FeedbackSubmitted(_Event):
    """A participant's short feedback on the drill; also accepted after the end.

    ``by`` is empty when anonymous (allowed only if the facilitator started the exercise so).
    """

    type: Literal["feedback_submitted"] = "feedback_submitted"
    rating: int = Field(ge=1, le=5, description="how useful the drill was, 1 (low) to 5")
    what_worked: str = ""
    what_to_improve: str = ""
    anonymous: bool = False


Event = Annotated[
    Started
    | Paused
    | Resumed
    | PhaseAdvanced
    | Ended
    | InjectDelivered
    | InjectHeld
    | MessagePosted
    | DecisionRecorded
    | ApprovalRequested
    | ApprovalGiven
    | ActionTaken
    | AlertRaised
    | AlertAcknowledged
    | Escalated
    | FlowIdentified
    | ImpactChanged
    | ObservationRecorded
    | NearMissRecorded
    | RunbookStepStale
    | PhaseTimeboxExceeded
    | EscalationStepFired
    | NotificationSent
    | NotificationFailed
    | NotificationAcknowledged
    | FeedbackSubmitted,
    Field(discriminator="type"),
]

_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(type: str, at: float, data: dict[str, Any]) -> Event:
    """An event as stored (type, time, JSON data) back into its typed form."""
    return _ADAPTER.validate_python({**data, "type": type, "at": at})


def event_data(event: _Event) -> dict[str, Any]:
    """What goes into the store's data column: everything but ``type`` and ``at``."""
    return event.model_dump(mode="json", exclude={"type", "at"}, exclude_none=True)
