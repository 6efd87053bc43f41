"""The after-action report (HSEEP style) as a pure model, built from the exercise log.

Everything here is a function of its inputs: the plan, the scenario, the estate, the event log
and the simulator's integrity verdict. No clock is read and nothing is written, so the same log
always gives the same report and renderers (Markdown, HTML, CSV) only format it.

Blameless by default: people are shown by role and team; their names (and ids, chat handles and
e-mail addresses, wherever they occur in free text) are replaced unless the facilitator opts in
with ``name_people=True``. Generated wording speaks of roles, processes and tools.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from flowdrill.catalog.model import TargetKind
from flowdrill.estate.model import Estate
from flowdrill.exercise import events as ev
from flowdrill.exercise import metrics as metrics_mod
from flowdrill.exercise.events import Event
from flowdrill.exercise.metrics import Metrics, compute
from flowdrill.exercise.plan import RATING_SCALE, Plan, Role, touched_steps
from flowdrill.scenario.model import Scenario

#: Section titles, shared by every renderer (and the tests) so no section is forgotten.
SECTIONS: dict[str, str] = {
    "overview": "Exercise overview",
    "objectives": "Objectives and performance ratings",
    "timeline": "Timeline",
    "decisions": "Decision log",
    "metrics": "Metrics against time boxes",
    "notifications": "Notification sequence",
    "integrity": "Data-integrity verdict",
    "strengths": "Strengths",
    "improvements": "Areas for improvement",
    "near_misses": "Near misses",
    "improvement_plan": "Improvement plan",
    "participants": "Participants by role",
    "feedback": "Participant feedback",
}

#: The integrity section's trace of one record, in every renderer.
STORY_TITLE = "The incident as one record lived it"

#: Metric names exactly as DESIGN.md defines them (never a bare acronym).
TIME_TO_DETECT = "time to detect"
TIME_TO_ACKNOWLEDGE = "time to acknowledge"
TIME_TO_ESCALATE = "time to escalate"
TIME_TO_RUNBOOK = "time to runbook activation"
TIME_TO_CONTAIN = "time to contain"
TIME_TO_RECOVER = "time to recover"
DECISION_LATENCY = "decision latency"
DECISION_QUALITY = "decision quality"
INFORMATION_VISIBILITY = "information visibility"

BLAMELESS_NOTE = (
    "This review looks at roles, processes and tools, not at individuals. Participants are "
    "shown by role and team{names}."
)

#: Worst first: an objective is rated by its worst-rated critical task.
_SEVERITY = {"U": 3, "M": 2, "S": 1, "P": 0}
NOT_RATED = "not rated"


class Capability(StrEnum):
    """HSEEP capability elements (POETE) a corrective action strengthens."""

    planning = "Planning"
    organization = "Organization"
    equipment = "Equipment"
    training = "Training"
    exercises = "Exercises"


#: Days from the start date to the due date, by capability element: organisational and
#: planning fixes are quick; tooling and re-exercising take longer.
DUE_DAYS: dict[Capability, int] = {
    Capability.planning: 30,
    Capability.organization: 30,
    Capability.training: 45,
    Capability.equipment: 60,
    Capability.exercises: 90,
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- integrity input


class InvariantViolation(_Model):
    id: str
    description: str
    count: int = Field(ge=0)
    examples: list[str] = Field(default_factory=list)


class DatasetVerdict(_Model):
    """One dataset as reconciled by the simulator: what should be there against what is."""

    dataset: str
    expected: int = Field(ge=0)
    present: int = Field(ge=0)
    missing: int = Field(0, ge=0)
    duplicated: int = Field(0, ge=0)
    corrupted: int = Field(0, ge=0)
    misrouted: int = Field(0, ge=0)
    violated_invariants: list[InvariantViolation] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)

    @property
    def restored(self) -> bool:
        bad = self.missing + self.duplicated + self.corrupted + self.misrouted
        return bad == 0 and not self.violated_invariants


class StoryStep(_Model):
    """One moment in the life of a traced record."""

    at: float
    event: str
    detail: str = ""


class RecordStory(_Model):
    """One record of an affected flow, traced end to end: the incident as one order lived it."""

    flow: str
    flow_name: str
    record: int
    steps: list[StoryStep]


class IntegrityVerdict(_Model):
    """The simulator's reconciliation, adapted by the caller: the report's evidence."""

    restored: bool
    checked_at: float = Field(ge=0, description="exercise minute of the reconciliation")
    datasets: list[DatasetVerdict] = Field(default_factory=list)
    story: RecordStory | None = None


# --------------------------------------------------------------------------- report model


class Hazard(_Model):
    failure: str
    mode: str
    target_kind: str
    target: str
    target_name: str
    starts_at: int
    step: str | None = None
    root_cause: str = ""


class Overview(_Model):
    exercise_id: str
    name: str
    plan: str
    scenario: str
    scenario_title: str
    exercise_type: str
    started_wall: str | None = Field(description="wall-clock start (UTC), from 'started'")
    start_minute: float | None
    end_minute: float | None
    end_reason: str | None
    planned_minutes: int
    pauses: int
    scope: str
    mission_areas: list[str]
    core_capabilities: list[str]
    objectives: list[str]
    threats: list[Hazard]
    scenario_summary: str
    compound: str
    rotation: str | None
    organisations: list[str]
    blameless_note: str


class TaskResult(_Model):
    id: str
    task: str
    phase: str | None
    rating: str | None
    rating_meaning: str
    notes: str
    rated_at: float | None


class ObjectiveResult(_Model):
    id: str
    title: str
    core_capability: str
    criteria: list[str]
    rating: str = Field(description="worst rated task: P, S, M, U, or 'not rated'")
    rating_meaning: str
    tasks: list[TaskResult]


class Observation(_Model):
    """An evaluator observation about a task the plan does not list."""

    at: float
    task: str
    rating: str
    notes: str


class TimelineEntry(_Model):
    at: float
    phase: str | None
    kind: str
    actor: str | None
    text: str


class ApprovalEntry(_Model):
    at: float
    kind: Literal["requested", "approved", "declined"]
    party: str | None
    note: str = ""


class Consequence(_Model):
    """A decision's actions against the same run without them, at the same minute: bad records
    (missing, duplicated, corrupted, unexpected, misrouted) and whether the state was restored."""

    at: float
    damage_with: int = Field(ge=0)
    damage_without: int = Field(ge=0)
    restored_with: bool
    restored_without: bool

    @property
    def prevented(self) -> int:
        """Bad records the decision's actions prevented (negative: they added some)."""
        return self.damage_without - self.damage_with


class DecisionEntry(_Model):
    id: str
    at: float
    phase: str | None
    decided_by: str | None
    what: str
    rationale: str
    alternatives: list[str]
    confidence: str
    approval: Literal["approved", "declined", "pending", "none"]
    approvals: list[ApprovalEntry]
    inject: str | None
    inject_summary: str | None
    latency: float | None = Field(description="minutes from the inject to the decision")
    actions: list[str]
    rating: Literal["P", "S", "M", "U"] | None = Field(
        None, description="the evaluators' rating of the moment the decision was recorded"
    )
    consequence: Consequence | None = None


class MetricRow(_Model):
    name: str
    value: float | None
    measured: str = Field(description="from which point to which")
    timebox: float | None = Field(description="minutes allowed by the plan's phase boxes")
    timebox_basis: str
    within: bool | None


class PhaseRow(_Model):
    phase: str
    minutes: float
    timebox: int
    over: bool
    difference: float


class Spread(_Model):
    count: int
    median: float | None
    minimum: float | None
    maximum: float | None


class MetricsSection(_Model):
    rows: list[MetricRow]
    decision_latency: Spread
    information_visibility: float | None
    alerts_raised: int
    alerts_acknowledged: int
    time_to_acknowledge_facts: Spread
    phases: list[PhaseRow]
    impact_start: float | None
    detected_at: float | None


class IntegritySection(_Model):
    verdict: Literal["restored", "not restored", "not verified"]
    summary: str
    checked_at: float | None
    datasets: list[DatasetVerdict]
    story: RecordStory | None = None


class Finding(_Model):
    id: str
    kind: Literal["strength", "improvement"]
    title: str
    observation: str
    contributing_factors: list[str]
    recommendation: str
    capability: Capability
    objective: str | None = None


class CorrectiveAction(_Model):
    id: str
    finding: str
    action: str
    capability: Capability
    owner_team: str | None
    owner_team_name: str
    start: date
    due: date
    validation_milestone: str
    status: Literal["open", "in progress", "done"] = "open"
    target: str | None = Field(
        None, description="what the fix changes, e.g. a runbook step rb-payment-sync#rotate-token"
    )


class NearMiss(_Model):
    at: float
    phase: str | None
    what: str
    consequence_avoided: str
    reported_by: str | None


class Participant(_Model):
    role: str
    role_label: str
    team: str | None
    name: str | None = Field(description="only when the facilitator opts in")


class EscalationStepRow(_Model):
    step: int
    fired_at: float
    notified: list[str] = Field(description="parties, as the report names them")
    channel: str
    acknowledged_at: float | None
    time_to_acknowledge: float | None


class DeliveryRow(_Model):
    at: float
    escalation: str
    step: int
    party: str
    channel: str
    kind: str
    outcome: Literal["delivered", "dry run", "failed"]
    attempts: int
    error: str = ""


class EscalationRow(_Model):
    id: str
    policy: str
    alert: str | None
    flow: str | None
    started_at: float
    steps: list[EscalationStepRow]
    acknowledged_at: float | None
    acknowledged_by: str | None
    via: str | None
    time_to_acknowledge: float | None = Field(description="escalation start to acknowledgement")
    time_to_escalate: float | None = Field(description="escalation start to its second step")


class NotificationSection(_Model):
    """Who was reached, when, through what, who acknowledged, and what failed to deliver."""

    summary: str = "No escalation policy was started in this exercise."
    escalations: list[EscalationRow] = Field(default_factory=list)
    deliveries: list[DeliveryRow] = Field(default_factory=list)
    failures: int = 0
    dry_run: bool = False


class FeedbackComment(_Model):
    at: float
    rating: int
    what_worked: str
    what_to_improve: str
    by: str | None = Field(
        None, description="who gave it: only with name_people=True, never when anonymous"
    )
    anonymous: bool = False


class FeedbackSection(_Model):
    """The participants' feedback forms: how many, how they rated the drill, what they said."""

    count: int = 0
    average: float | None = None
    spread: Spread = Field(
        default_factory=lambda: Spread(count=0, median=None, minimum=None, maximum=None)
    )
    distribution: dict[int, int] = Field(
        default_factory=dict, description="rating (1-5) -> how many gave it"
    )
    comments: list[FeedbackComment] = Field(default_factory=list)


class AfterActionReport(_Model):
    title: str
    exercise_id: str
    names_shown: bool
    generated_for: date = Field(description="the day the improvement plan's dates count from")
    overview: Overview
    rating_scale: dict[str, str]
    objectives: list[ObjectiveResult]
    other_observations: list[Observation]
    timeline: list[TimelineEntry]
    decisions: list[DecisionEntry]
    metrics: MetricsSection
    integrity: IntegritySection
    strengths: list[Finding]
    improvements: list[Finding]
    near_misses: list[NearMiss]
    improvement_plan: list[CorrectiveAction]
    participants: list[Participant]
    notifications: NotificationSection = Field(default_factory=NotificationSection)
    feedback: FeedbackSection = Field(default_factory=FeedbackSection)


# --------------------------------------------------------------------------- formatting


def minutes(value: float | None, *, missing: str = "not reached") -> str:
    """``12.5`` -> ``"12.5 min"``; whole numbers lose the decimal; ``None`` -> ``missing``."""
    if value is None:
        return missing
    return f"{value:g} min" if value == round(value, 2) else f"{value:.2f} min"


def clock(at: float) -> str:
    """Exercise time as ``T+12`` (minutes), the way the facilitator's console shows it."""
    return f"T{at:+g}"


def percent(value: float | None) -> str:
    return "not measured" if value is None else f"{value * 100:.0f}%"


def approval_text(a: ApprovalEntry) -> str:
    """``approved by incident lead at T+4 (note)``: one approval step in words."""
    who = f" {'from' if a.kind == 'requested' else 'by'} {a.party}" if a.party else ""
    return f"{a.kind}{who} at {clock(a.at)}" + (f" ({a.note})" if a.note else "")


def role_label(role: str) -> str:
    if role == Role.evaluator_scribe:
        return "evaluator/scribe"
    return role.replace("_", " ")


def _words(identifier: str) -> str:
    return identifier.replace("_", " ")


# --------------------------------------------------------------------------- names


class _Names:
    """Turns people into role/team labels (or ``Name (role)`` when opted in), in ``by``
    fields and anywhere in free text, so a name never leaks through a note or an inject."""

    def __init__(self, estate: Estate, plan: Plan, *, name_people: bool) -> None:
        self.name_people = name_people
        self.teams = {t.id: t.name for t in estate.teams}
        roles = {a.person: a.role for a in plan.roles}
        people: dict[str, tuple[str, str | None, list[str]]] = {}
        for p in estate.people:
            people[p.id] = (p.name, p.team, [t for t in (p.chat, p.email) if t])
        for a in plan.roles:
            people.setdefault(a.person, (a.name, a.team, []))
        self.labels: dict[str, str] = {}
        for pid, (name, team, extra) in people.items():
            role = roles.get(pid)
            if role is not None:
                label = role_label(role)
            elif team in self.teams:
                label = f"{self.teams[team]} representative"
            else:
                label = "a stakeholder"
            shown = f"{name} ({label})" if name_people else label
            for token in (pid, name, *extra):
                self.labels.setdefault(token.lower(), shown)
        tokens = sorted(self.labels, key=len, reverse=True)
        self._pattern = (
            re.compile(
                r"(?<![\w@.])(?:" + "|".join(re.escape(t) for t in tokens) + r")(?!\w)",
                re.IGNORECASE,
            )
            if tokens
            else None
        )

    def party(self, who: str | None) -> str | None:
        """A ``by``/approver/escalation target as the report shows it."""
        if who is None or not who.strip():
            return None
        key = who.strip().lower()
        if key in self.labels:
            return self.labels[key]
        as_role = key.replace(" ", "_").replace("-", "_")
        if as_role in {r.value for r in Role}:
            return role_label(as_role)
        if key in self.teams:
            return self.teams[key]
        return self.text(who)

    def text(self, value: str) -> str:
        if self.name_people or self._pattern is None:
            return value
        return self._pattern.sub(lambda m: self.labels[m.group(0).lower()], value)


# --------------------------------------------------------------------------- helpers


def _phase_boxes(plan: Plan, events: Sequence[Event]) -> dict[str, int]:
    """Time boxes of the run (from ``started``), falling back to the plan's."""
    boxes = {p.phase.value: p.minutes for p in plan.phases}
    for e in events:
        if isinstance(e, ev.Started):
            boxes.update({p.phase: p.minutes for p in e.phases})
            break
    return boxes


def _phase_at(events: Sequence[Event]) -> list[str | None]:
    """The phase each event happened in, in log order."""
    out: list[str | None] = []
    phase: str | None = None
    for e in events:
        if isinstance(e, ev.Started):
            phase = e.phases[0].phase
        elif isinstance(e, ev.PhaseAdvanced):
            phase = e.phase
        out.append(phase)
    return out


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Owners:
    """Which team owns a corrective action: the owner of the element it is about, else the
    owner of the scenario's target, else the owner of the most critical touched flow."""

    def __init__(self, estate: Estate, scenario: Scenario) -> None:
        self.estate = estate
        self.teams = {t.id: t.name for t in estate.teams}
        flows = estate.by_id("flows")
        self.flows = flows
        self.touched = {f.id: f for f, _ in touched_steps(estate, scenario)}
        self.primary = next(
            (t for f in scenario.failures if (t := self.of_target(f.target.kind, f.target.id))),
            None,
        )
        if self.primary is None:
            ranked = sorted(
                (f for f in self.touched.values() if f.owner_team),
                key=lambda f: (-f.criticality.weight, f.id),
            )
            self.primary = ranked[0].owner_team if ranked else None

    def of_target(self, kind: TargetKind, element: str) -> str | None:
        if kind is TargetKind.step:
            element, kind = element.partition("/")[0], TargetKind.flow
        if kind is TargetKind.dataset:
            dataset = self.estate.by_id("datasets").get(element)
            system = getattr(dataset, "system", None)
            return self.of_target(TargetKind.system, system) if system else None
        found = self.estate.by_id(f"{kind.value}s").get(element)
        owner = getattr(found, "owner_team", None)
        return owner if isinstance(owner, str) else None

    def of_monitor(self, monitor_id: str) -> str | None:
        monitor = self.estate.by_id("monitors").get(monitor_id)
        if monitor is None:
            return None
        if monitor.flow and (owner := self.of_target(TargetKind.flow, monitor.flow)):
            return owner
        route = monitor.alert_route
        return route if route in self.teams else None

    def of_dataset(self, dataset: str) -> str | None:
        return self.of_target(TargetKind.dataset, dataset)

    def of_runbook(self, scenario: Scenario) -> str | None:
        modes = set(scenario.modes())
        for runbook in self.estate.runbooks:
            if set(runbook.flows) & self.touched.keys() or set(runbook.failure_modes) & modes:
                return runbook.owner_team
        return None

    def name(self, team: str | None) -> str:
        if team is None:
            return "unassigned (no owner team on record)"
        return self.teams.get(team, team)


# --------------------------------------------------------------------------- sections


def _overview(
    plan: Plan,
    scenario: Scenario,
    estate: Estate,
    events: Sequence[Event],
    names: _Names,
    *,
    exercise_id: str,
    title: str,
) -> Overview:
    started = next((e for e in events if isinstance(e, ev.Started)), None)
    ended = next((e for e in events if isinstance(e, ev.Ended)), None)
    wall = (
        datetime.fromtimestamp(started.wall, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
        if started
        else None
    )
    touched = {f.id: f for f, _ in touched_steps(estate, scenario)}
    platforms = sorted({estate.by_id("platforms")[f.platform].name for f in touched.values()})
    scope = (
        f"{len(touched)} flow(s) touched by the scenario"
        + (f" on {', '.join(platforms)}" if platforms else "")
        + f"; {len(plan.raci)} touchpoint(s) in the RACI map; "
        + f"{len(plan.phases)} phases: "
        + ", ".join(f"{p.phase.value} ({p.minutes} min)" for p in plan.phases)
        + "."
    )
    elements = {
        kind: estate.by_id(f"{kind.value}s") for kind in TargetKind if kind is not TargetKind.step
    }

    def element_name(kind: TargetKind, element: str) -> str:
        if kind is TargetKind.step:
            flow = estate.by_id("flows").get(element.partition("/")[0])
            return f"{flow.name}, step {element.partition('/')[2]}" if flow else element
        found = elements[kind].get(element)
        return str(getattr(found, "name", element))

    threats = [
        Hazard(
            failure=f.id,
            mode=_words(f.mode),
            target_kind=f.target.kind.value,
            target=f.target.id,
            target_name=element_name(f.target.kind, f.target.id),
            starts_at=f.starts_at,
            step=f.step,
            root_cause=names.text(f.root_cause_detail),
        )
        for f in scenario.failures
    ]
    capabilities = ["Operational Coordination", "Operational Communications"]
    capabilities += ["Situational Assessment", "Infrastructure Systems"]
    security = ("auth", "credential", "sensitive", "misroute", "access")
    if scenario.rotation or any(w in m for m in scenario.modes() for w in security):
        capabilities.append("Cybersecurity")
    teams = {t.id: t.name for t in estate.teams}
    organisations = sorted({teams.get(a.team, a.team) for a in plan.roles if a.team})
    return Overview(
        exercise_id=exercise_id,
        name=names.text(title),
        plan=plan.id,
        scenario=scenario.id,
        scenario_title=names.text(scenario.title),
        exercise_type="Tabletop exercise (discussion-based) against a simulated copy of the estate",
        started_wall=wall,
        start_minute=started.at if started else None,
        end_minute=ended.at if ended else (max(e.at for e in events) if events else None),
        end_reason=ended.reason if ended else None,
        planned_minutes=scenario.duration_minutes,
        pauses=sum(isinstance(e, ev.Paused) for e in events),
        scope=scope,
        mission_areas=["Response", "Recovery"],
        core_capabilities=capabilities,
        objectives=[names.text(o.title) for o in plan.objectives],
        threats=threats,
        scenario_summary=names.text(scenario.narrative),
        compound=_words(scenario.compound.value),
        rotation=(
            f"credential {scenario.rotation.credential} in rotation since "
            f"{clock(scenario.rotation.started_at)}"
            if scenario.rotation
            else None
        ),
        organisations=organisations,
        blameless_note=BLAMELESS_NOTE.format(
            names=" (names shown at the facilitator's request)" if names.name_people else ""
        ),
    )


_OBJECTIVE_CAPABILITY = {
    "escalation": "Operational Coordination",
    "runbooks": "Infrastructure Systems",
    "communication": "Operational Communications",
}


def _objectives(
    plan: Plan, events: Sequence[Event], names: _Names
) -> tuple[list[ObjectiveResult], list[Observation]]:
    """Ratings from the evaluator's observations; a later rating of a task replaces an earlier
    one (the evaluator revised it). An objective takes its worst-rated task's rating."""
    latest: dict[str, ev.ObservationRecorded] = {}
    for e in events:
        if isinstance(e, ev.ObservationRecorded):
            latest[e.task] = e
    known = {t.id for o in plan.objectives for t in o.critical_tasks}
    results = []
    for objective in plan.objectives:
        tasks = []
        for task in objective.critical_tasks:
            seen = latest.get(task.id)
            rating = seen.rating if seen else (task.rating.value if task.rating else None)
            notes = seen.notes if seen else task.notes
            if seen is not None and seen.moment is not None:
                notes = f"[timeline #{seen.moment}] {notes}".rstrip()
            tasks.append(
                TaskResult(
                    id=task.id,
                    task=names.text(task.task),
                    phase=task.phase.value if task.phase else None,
                    rating=rating,
                    rating_meaning=RATING_SCALE.get(rating, "") if rating else "",
                    notes=names.text(notes),
                    rated_at=seen.at if seen else None,
                )
            )
        rated = [t.rating for t in tasks if t.rating]
        worst = max(rated, key=lambda r: _SEVERITY[r]) if rated else NOT_RATED
        results.append(
            ObjectiveResult(
                id=objective.id,
                title=names.text(objective.title),
                core_capability=_OBJECTIVE_CAPABILITY.get(objective.id, "Operational Coordination"),
                criteria=[names.text(c) for c in objective.criteria],
                rating=worst,
                rating_meaning=RATING_SCALE.get(worst, "no critical task was rated"),
                tasks=tasks,
            )
        )
    others = [
        Observation(at=o.at, task=o.task, rating=o.rating, notes=names.text(o.notes))
        for o in latest.values()
        if o.task not in known
    ]
    return results, others


def _describe(e: Event, names: _Names) -> str:
    """One event in plain words."""
    t = names.text
    if isinstance(e, ev.Started):
        boxes = ", ".join(f"{p.phase} {p.minutes} min" for p in e.phases)
        return f"Exercise started: plan {e.plan}, scenario {e.scenario}; time boxes: {boxes}."
    if isinstance(e, ev.Paused):
        return "Exercise clock paused."
    if isinstance(e, ev.Resumed):
        return "Exercise clock resumed."
    if isinstance(e, ev.PhaseAdvanced):
        return f"The {e.phase} phase began."
    if isinstance(e, ev.Ended):
        return f"Exercise ended ({_words(e.reason)})."
    if isinstance(e, ev.InjectDelivered):
        noise = " (noise)" if e.noise else ""
        return (
            f"Inject {e.inject}{noise}, {_words(e.kind)} from {t(e.sender)} "
            f"via {t(e.channel)}: {t(e.message)}"
        )
    if isinstance(e, ev.MessagePosted):
        return f"Message in {t(e.channel)}: {t(e.text)}"
    if isinstance(e, ev.DecisionRecorded):
        return f"Decision {e.decision} recorded: {t(e.what)} (confidence {e.confidence})."
    if isinstance(e, ev.ApprovalRequested):
        return f"Approval of decision {e.decision} requested from {names.party(e.approver_role)}."
    if isinstance(e, ev.ApprovalGiven):
        verb = "approved" if e.approved else "declined"
        note = f": {t(e.note)}" if e.note else "."
        return f"Decision {e.decision} {verb}{note}"
    if isinstance(e, ev.ActionTaken):
        parts = [f"Action {_words(e.action.value)}"]
        if e.target:
            parts.append(f"on {e.target}")
        refs = [f"decision {e.decision}"] if e.decision else []
        refs += [f"runbook {e.runbook}"] if e.runbook else []
        text = " ".join(parts) + (f" ({', '.join(refs)})" if refs else "")
        return text + (f": {t(e.detail)}" if e.detail else ".")
    if isinstance(e, ev.AlertRaised):
        where = (
            f" on flow {e.flow}" if e.flow else (f" on dataset {e.dataset}" if e.dataset else "")
        )
        return f"Alert {e.alert} raised by monitor {e.monitor}{where}: {t(e.message)}"
    if isinstance(e, ev.AlertAcknowledged):
        return f"Alert {e.alert} acknowledged."
    if isinstance(e, ev.Escalated):
        reason = f": {t(e.reason)}" if e.reason else "."
        return f"Escalated to {names.party(e.to)}{reason}"
    if isinstance(e, ev.FlowIdentified):
        if e.correct:
            return f"Affected flow identified: {e.flow}."
        return f"Flow {e.flow} was examined as a possible cause; it was not the affected flow."
    if isinstance(e, ev.ImpactChanged):
        detail = f": {t(e.detail)}" if e.detail else "."
        return f"Business impact {e.state} (simulator){detail}"
    if isinstance(e, ev.ObservationRecorded):
        notes = f": {t(e.notes)}" if e.notes else "."
        about = f" (about timeline #{e.moment})" if e.moment is not None else ""
        return f"Evaluator rated critical task {e.task} {e.rating}{about}{notes}"
    if isinstance(e, ev.RunbookStepStale):
        return f"Runbook step {e.step} ({e.runbook}) could not be followed: {t(e.why)}"
    if isinstance(e, ev.NearMissRecorded):
        return f"Near miss recorded: {t(e.what)}"
    if isinstance(e, ev.PhaseTimeboxExceeded):
        return f"The {e.phase} phase passed its time box by {minutes(e.minutes_over)}."
    if isinstance(e, ev.EscalationStepFired):
        who = ", ".join(filter(None, (names.party(p) for p in e.notify)))
        return (
            f"Escalation {e.escalation} ({e.policy}) step {e.step}: {who} notified via "
            f"{e.channel} ({t(e.reason)})."
        )
    if isinstance(e, ev.NotificationSent):
        how = "printed (dry run)" if e.dry_run else "delivered"
        return f"Notification to {names.party(e.party)} via {e.channel} ({e.kind}) {how}."
    if isinstance(e, ev.NotificationFailed):
        return (
            f"Notification to {names.party(e.party)} via {e.channel} ({e.kind}) FAILED after "
            f"{e.attempts} attempt(s): {t(e.error)}"
        )
    if isinstance(e, ev.NotificationAcknowledged):
        return f"Escalation {e.escalation} acknowledged at step {e.step} (via {e.via})."
    if isinstance(e, ev.FeedbackSubmitted):
        return f"Participant feedback submitted (rating {e.rating} of 5)."
    raise AssertionError(f"unknown event {e!r}")  # pragma: no cover - the union is closed


def _timeline(events: Sequence[Event], names: _Names) -> list[TimelineEntry]:
    phases = _phase_at(events)
    order = sorted(range(len(events)), key=lambda i: events[i].at)
    return [
        TimelineEntry(
            at=events[i].at,
            phase=phases[i],
            kind=_words(events[i].type),
            actor=names.party(events[i].by),
            text=_describe(events[i], names),
        )
        for i in order
    ]


def _decisions(
    events: Sequence[Event], names: _Names, consequences: Mapping[str, Consequence]
) -> list[DecisionEntry]:
    ratings = {  # the latest observation on the moment (seq) a decision was recorded
        e.moment: e.rating
        for e in events
        if isinstance(e, ev.ObservationRecorded) and e.moment is not None
    }
    phases = _phase_at(events)
    injects = {e.inject: e for e in events if isinstance(e, ev.InjectDelivered)}
    out = []
    for i, d in enumerate(events):
        if not isinstance(d, ev.DecisionRecorded):
            continue
        approvals = []
        if d.approved_by:
            approvals.append(
                ApprovalEntry(at=d.at, kind="approved", party=names.party(d.approved_by))
            )
        for e in events:
            if isinstance(e, ev.ApprovalRequested) and e.decision == d.decision:
                approvals.append(
                    ApprovalEntry(at=e.at, kind="requested", party=names.party(e.approver_role))
                )
            elif isinstance(e, ev.ApprovalGiven) and e.decision == d.decision:
                approvals.append(
                    ApprovalEntry(
                        at=e.at,
                        kind="approved" if e.approved else "declined",
                        party=names.party(e.by),
                        note=names.text(e.note),
                    )
                )
        given = [a for a in approvals if a.kind != "requested"]
        status: Literal["approved", "declined", "pending", "none"]
        if given:
            status = "approved" if given[-1].kind == "approved" else "declined"
        else:
            status = "pending" if approvals else "none"
        inject = injects.get(d.inject) if d.inject else None
        summary = (
            names.text(_short(f"{_words(inject.kind)} from {inject.sender}: {inject.message}"))
            if inject
            else None
        )
        actions = [
            f"{_words(a.action.value)}{f' on {a.target}' if a.target else ''} at {clock(a.at)}"
            for a in events
            if isinstance(a, ev.ActionTaken) and a.decision == d.decision
        ]
        out.append(
            DecisionEntry(
                id=d.decision,
                at=d.at,
                phase=phases[i],
                decided_by=names.party(d.by),
                what=names.text(d.what),
                rationale=names.text(d.rationale),
                alternatives=[names.text(a) for a in d.alternatives],
                confidence=d.confidence,
                approval=status,
                approvals=approvals,
                inject=d.inject,
                inject_summary=summary,
                latency=round(d.at - inject.at, 2) if inject else None,
                actions=actions,
                rating=ratings.get(i + 1),
                consequence=consequences.get(d.decision),
            )
        )
    return out


def quality_summary(decisions: Sequence[DecisionEntry]) -> str:
    """Decision quality across the drill, for the metrics section."""
    measured = [d.consequence for d in decisions if d.consequence is not None]
    helped = sum(c.prevented > 0 for c in measured)
    hurt = sum(c.prevented < 0 for c in measured)
    ratings = Counter(d.rating for d in decisions if d.rating)
    rated = (
        ", ".join(f"{r} {n}" for r, n in sorted(ratings.items(), key=lambda x: "PSMU".index(x[0])))
        or "none"
    )
    return (
        f"{len(measured)} of {len(decisions)} decision(s) acted on the estate: {helped} "
        f"prevented bad records, {hurt} added some, {len(measured) - helped - hurt} changed "
        f"none (each measured against the same run without it); evaluators' ratings: {rated}"
    )


def quality_text(d: DecisionEntry) -> str:
    """The decision's quality in words: the evaluators' rating, and what its actions changed."""
    rated = f"rated {d.rating}: {RATING_SCALE[d.rating].lower()}" if d.rating else "not rated"
    parts = [rated]
    c = d.consequence
    if c is None:
        parts.append("no action on the estate to measure")
    else:
        without = f"{c.damage_without} without them, {c.damage_with} with them at {clock(c.at)}"
        if c.prevented > 0:
            parts.append(f"its actions prevented {c.prevented} bad records ({without})")
        elif c.prevented < 0:
            parts.append(f"its actions added {-c.prevented} bad records ({without})")
        else:
            parts.append(f"its actions changed no record ({without})")
        if c.restored_with != c.restored_without:
            parts.append("restored " + ("only with them" if c.restored_with else "only without"))
    return "; ".join(parts)


def _cumulative(boxes: dict[str, int], phases: Sequence[str]) -> tuple[float | None, str]:
    known = [p for p in phases if p in boxes]
    if not known:
        return None, "no time box"
    return float(sum(boxes[p] for p in known)), " + ".join(known) + " time box"


#: What each timed metric measures, and which phase boxes bound it.
_METRIC_SPECS: list[tuple[str, str, str, tuple[str, ...]]] = [
    (TIME_TO_DETECT, "time_to_detect", "impact start to the affected flow identified",
     ("detection",)),
    (TIME_TO_ACKNOWLEDGE, "time_to_acknowledge", "first alert to first acknowledgement",
     ("detection",)),
    (TIME_TO_ESCALATE, "time_to_escalate", "impact start to first escalation",
     ("detection", "triage")),
    (TIME_TO_RUNBOOK, "time_to_runbook_activation", "detection to first runbook step",
     ("triage",)),
    (TIME_TO_CONTAIN, "time_to_contain", "detection to bad data stopped",
     ("triage", "containment")),
    (TIME_TO_RECOVER, "time_to_recover", "detection to business state verified",
     ("triage", "containment", "recovery")),
]  # fmt: skip


def _spread(s: metrics_mod.Spread) -> Spread:
    return Spread(count=s.count, median=s.median, minimum=s.minimum, maximum=s.maximum)


def _metrics(m: Metrics, boxes: dict[str, int]) -> MetricsSection:
    rows = []
    for name, attr, measured, phases in _METRIC_SPECS:
        value = getattr(m, attr)
        box, basis = _cumulative(boxes, phases)
        within = None if value is None or box is None else value <= box
        rows.append(
            MetricRow(
                name=name,
                value=value,
                measured=measured,
                timebox=box,
                timebox_basis=basis,
                within=within,
            )
        )
    return MetricsSection(
        rows=rows,
        decision_latency=_spread(m.decision_latency),
        information_visibility=m.information_visibility,
        alerts_raised=m.alerts_raised,
        alerts_acknowledged=m.alerts_acknowledged,
        time_to_acknowledge_facts=_spread(m.time_to_acknowledge_facts),
        phases=[
            PhaseRow(
                phase=p.phase,
                minutes=p.minutes,
                timebox=p.timebox,
                over=p.over,
                difference=round(p.minutes - p.timebox, 2),
            )
            for p in m.phases
        ],
        impact_start=m.impact_start,
        detected_at=m.detected_at,
    )


def _integrity(verdict: IntegrityVerdict | None) -> IntegritySection:
    if verdict is None:
        return IntegritySection(
            verdict="not verified",
            summary="No reconciliation was recorded for this exercise, so the business state "
            "after recovery is not verified.",
            checked_at=None,
            datasets=[],
        )
    bad = [d for d in verdict.datasets if not d.restored]
    if verdict.restored:
        summary = (
            f"Reconciliation at {clock(verdict.checked_at)} found the business state restored: "
            f"{len(verdict.datasets)} dataset(s) checked, every expected record present once "
            "and intact, every invariant held."
        )
    else:
        totals = {
            k: sum(getattr(d, k) for d in verdict.datasets)
            for k in ("missing", "duplicated", "corrupted", "misrouted")
        }
        counts = ", ".join(f"{v} {k}" for k, v in totals.items() if v) or "no record-level gaps"
        summary = (
            f"Reconciliation at {clock(verdict.checked_at)} found the business state not "
            f"restored in {len(bad) or 'some'} of {len(verdict.datasets)} dataset(s): {counts}."
        )
    return IntegritySection(
        verdict="restored" if verdict.restored else "not restored",
        summary=summary,
        checked_at=verdict.checked_at,
        datasets=list(verdict.datasets),
        story=verdict.story,
    )


# --------------------------------------------------------------------------- findings


class _Draft(BaseModel):
    """A finding before numbering, with what its corrective action needs."""

    kind: Literal["strength", "improvement"]
    title: str
    observation: str
    factors: list[str]
    recommendation: str
    capability: Capability
    objective: str | None = None
    owner: str | None = None
    milestone: str = ""
    target: str | None = None


def _runbook_findings(events: Sequence[Event], estate: Estate, owners: _Owners) -> list[_Draft]:
    """A stale runbook step is an area for improvement whose fix targets that step."""
    teams = {r.id: r.owner_team for r in estate.runbooks}
    out = []
    for e in events:
        if not isinstance(e, ev.RunbookStepStale):
            continue
        runbook = e.runbook.split("@", 1)[0]
        out.append(
            _Draft(
                kind="improvement",
                title=f"Runbook step {e.step} no longer matches the estate",
                observation=f"Following {e.runbook}, step {e.step} could not be carried out: "
                f"{e.why}.",
                factors=["The runbook was not reviewed after the estate changed."],
                recommendation=f"Update step {e.step} of {runbook} to the current estate, "
                "then run `flowdrill runbook lint` and `flowdrill runbook test` on it.",
                capability=Capability.planning,
                owner=teams.get(runbook) or owners.primary,
                milestone=f"`flowdrill runbook test {runbook}` passes.",
                target=e.step,
            )
        )
    return out


#: Recommendations for a critical task rated M or U, by objective.
_TASK_ADVICE: dict[str, tuple[str, Capability]] = {
    "escalation": (
        "Review the owning team's on-call rota and escalation chain, publish them next to the "
        "alert routes, and confirm each contact point still answers.",
        Capability.organization,
    ),
    "runbooks": (
        "Update the applicable runbook so the step '{task}' says who does it, with which tool, "
        "and how success is checked; walk through it with the team.",
        Capability.planning,
    ),
    "communication": (
        "Agree a status-update template and cadence per phase for the incident channel, and "
        "practise it in a short micro-exercise.",
        Capability.training,
    ),
}
_GENERIC_TASK_ADVICE = (
    "Work through the challenges of this task with its owners and add the result to the plan "
    "and the runbooks.",
    Capability.planning,
)

#: For timed metrics: (capability when slow or missing, recommendation, observation if missing).
_METRIC_ADVICE: dict[str, tuple[Capability, str, str]] = {
    TIME_TO_DETECT: (
        Capability.equipment,
        "Add or tune monitors on the affected flows so the first signal names the flow and "
        "reaches its owning team.",
        "The affected flow was not identified during the exercise.",
    ),
    TIME_TO_ACKNOWLEDGE: (
        Capability.organization,
        "Route first alerts to one on-call role with a clear hand-off, and make acknowledging "
        "an alert a one-step action in the alerting tool.",
        "No alert was acknowledged during the exercise.",
    ),
    TIME_TO_ESCALATE: (
        Capability.planning,
        "Write the escalation trigger into the runbook: which signal, after how long, to whom.",
        "The incident was not escalated during the exercise.",
    ),
    TIME_TO_RUNBOOK: (
        Capability.planning,
        "Link the applicable runbook from the alerts and the flow documentation of the flows it "
        "covers, so it is at hand at detection.",
        "No runbook step was taken during the exercise.",
    ),
    TIME_TO_CONTAIN: (
        Capability.planning,
        "Pre-authorise the runbook's containment actions (pause a flow, isolate a dataset) for "
        "the on-call role, so they need no live approval.",
        "The spread of bad data was not stopped during the exercise.",
    ),
    TIME_TO_RECOVER: (
        Capability.equipment,
        "Script the replay and reconciliation steps for the affected datasets so recovery can "
        "be verified quickly and repeatably.",
        "The business state was not verified as recovered during the exercise.",
    ),
}

_PHASE_ADVICE: dict[str, str] = {
    "detection": "make the first signal name the flow and its owner",
    "triage": "give triage a fixed checklist: scope, owner, runbook, escalation",
    "containment": "pre-authorise the containment actions of the runbook",
    "recovery": "script replay and reconciliation",
    "review": "run the hot wash from a fixed agenda",
}


def _task_findings(
    objectives: Sequence[ObjectiveResult], owners: _Owners, scenario: Scenario
) -> list[_Draft]:
    out = []
    for objective in objectives:
        for task in objective.tasks:
            if task.rating is None:
                continue
            factors = [f"Evaluator notes: {task.notes}"] if task.notes else []
            if task.phase:
                factors.append(f"Planned in the {task.phase} phase.")
            if task.rating == "P":
                out.append(
                    _Draft(
                        kind="strength",
                        title=f"{task.task} ({objective.title})",
                        observation=f"Critical task {task.id}, '{task.task}', was rated P: "
                        f"{RATING_SCALE['P'].lower()}.",
                        factors=factors,
                        recommendation="Sustain: keep this practice written in the runbook so "
                        "it holds when roles rotate.",
                        capability=Capability.planning,
                        objective=objective.id,
                    )
                )
            elif task.rating in ("M", "U"):
                advice, capability = _TASK_ADVICE.get(objective.id, _GENERIC_TASK_ADVICE)
                owner = owners.of_runbook(scenario) if objective.id == "runbooks" else None
                out.append(
                    _Draft(
                        kind="improvement",
                        title=f"{task.task} ({objective.title})",
                        observation=f"Critical task {task.id}, '{task.task}', was rated "
                        f"{task.rating}: {RATING_SCALE[task.rating].lower()}.",
                        factors=factors or ["No evaluator notes were recorded for this task."],
                        recommendation=advice.format(task=task.task),
                        capability=capability,
                        objective=objective.id,
                        owner=owner or owners.primary,
                        milestone=f"Next drill of this scenario: task {task.id} rated P or S.",
                    )
                )
    return out


def _metric_findings(
    section: MetricsSection, events: Sequence[Event], owners: _Owners
) -> list[_Draft]:
    out: list[_Draft] = []
    fast: list[MetricRow] = []
    impact = section.impact_start is not None
    alerts = section.alerts_raised
    for row in section.rows:
        capability, advice, missing = _METRIC_ADVICE[row.name]
        if row.name == TIME_TO_ACKNOWLEDGE:
            relevant = alerts > 0
        elif row.name in (TIME_TO_DETECT, TIME_TO_ESCALATE):
            relevant = impact
        else:  # measured from detection: the detect finding covers an undetected failure
            relevant = section.detected_at is not None
        if not relevant:
            continue
        if row.value is None:
            factors = []
            if row.name == TIME_TO_DETECT:
                wrong = sorted(
                    {e.flow for e in events if isinstance(e, ev.FlowIdentified) and not e.correct}
                )
                if wrong:
                    factors.append(
                        "Flows examined that were not the affected one: " + ", ".join(wrong) + "."
                    )
                factors.append(f"{alerts} alert(s) were raised by the simulated monitors.")
            out.append(
                _Draft(
                    kind="improvement",
                    title=f"{row.name}: not reached",
                    observation=missing,
                    factors=factors
                    or [
                        f"Measured from {row.measured}; the end point was not "
                        "recorded in the exercise log."
                    ],
                    recommendation=advice,
                    capability=capability,
                    owner=owners.primary,
                    milestone=f"Next drill of this scenario: {row.name} within "
                    f"{minutes(row.timebox, missing='its time box')}.",
                )
            )
        elif row.within is False and row.timebox is not None:
            out.append(
                _Draft(
                    kind="improvement",
                    title=f"{row.name} over its time box",
                    observation=f"The {row.name} was {minutes(row.value)} against "
                    f"{minutes(row.timebox)} ({row.timebox_basis}).",
                    factors=[f"Measured from {row.measured}."],
                    recommendation=advice,
                    capability=capability,
                    owner=owners.primary,
                    milestone=f"Next drill of this scenario: {row.name} within "
                    f"{minutes(row.timebox)}.",
                )
            )
        elif row.within:
            fast.append(row)
    if fast:
        out.insert(
            0,
            _Draft(
                kind="strength",
                title="Timed metrics within their time boxes",
                observation="Within the plan's time boxes: "
                + "; ".join(f"{r.name} {minutes(r.value)} (box {minutes(r.timebox)})" for r in fast)
                + ".",
                factors=[f"{r.name}: measured from {r.measured}." for r in fast],
                recommendation="Sustain: keep the monitors, alert routes and runbook steps "
                "behind these times, and re-check them when the flows change.",
                capability=Capability.planning,
            ),
        )
    return out


def _phase_findings(
    section: MetricsSection, events: Sequence[Event], owners: _Owners
) -> list[_Draft]:
    over = [p for p in section.phases if p.over]
    if not section.phases:
        return []
    if not over:
        return [
            _Draft(
                kind="strength",
                title="Every phase within its time box",
                observation="Each phase of the exercise ended within its time box.",
                factors=[
                    ", ".join(
                        f"{p.phase} {minutes(p.minutes)} of {p.timebox}" for p in section.phases
                    )
                    + "."
                ],
                recommendation="Sustain: keep the phase goals and time boxes for the next drill.",
                capability=Capability.planning,
            )
        ]
    phases = _phase_at(events)
    overran = {p.phase for p in over}
    noise = sum(
        1
        for e, ph in zip(events, phases, strict=True)
        if isinstance(e, ev.InjectDelivered) and e.noise and ph in overran
    )
    waits = []
    requested = {e.decision: e.at for e in events if isinstance(e, ev.ApprovalRequested)}
    for e, ph in zip(events, phases, strict=True):
        if isinstance(e, ev.ApprovalGiven) and e.decision in requested and ph in overran:
            waits.append(e.at - requested[e.decision])
    factors = []
    if waits:
        factors.append(
            f"{len(waits)} decision(s) waited for approval in these phases, "
            f"up to {minutes(max(waits))}."
        )
    if noise:
        factors.append(f"{noise} noise inject(s) arrived in these phases (information overload).")
    factors.append("Phase goals and expected actions were set by the plan before the drill.")
    return [
        _Draft(
            kind="improvement",
            title="Phases over their time box",
            observation="Phases that ran over their time box: "
            + "; ".join(
                f"{p.phase} {minutes(p.minutes)} against {p.timebox} min (+{minutes(p.difference)})"
                for p in over
            )
            + ".",
            factors=factors,
            recommendation="Review these phases' goals with the owning team: "
            + "; ".join(_PHASE_ADVICE.get(p.phase, f"shorten the {p.phase} phase") for p in over)
            + ".",
            capability=Capability.planning,
            owner=owners.primary,
            milestone="Next drill of this scenario: "
            + ", ".join(p.phase for p in over)
            + " within their time boxes.",
        )
    ]


def _alert_findings(events: Sequence[Event], owners: _Owners, estate: Estate) -> list[_Draft]:
    raised = {e.alert: e for e in events if isinstance(e, ev.AlertRaised)}
    if not raised:
        return []
    acked = {e.alert for e in events if isinstance(e, ev.AlertAcknowledged)}
    missed = [a for a in raised.values() if a.alert not in acked]
    if not missed:
        return [
            _Draft(
                kind="strength",
                title="Every alert acknowledged",
                observation=f"All {len(raised)} alert(s) raised by the simulated monitors were "
                "acknowledged.",
                factors=["Alert routes reached a role in the exercise."],
                recommendation="Sustain: keep the alert routes and on-call rota current.",
                capability=Capability.organization,
            )
        ]
    monitors = estate.by_id("monitors")
    factors = []
    for monitor_id in sorted({a.monitor for a in missed}):
        monitor = monitors.get(monitor_id)
        if monitor is None:
            factors.append(f"Monitor {monitor_id} is not in the estate map.")
        elif monitor.alert_route is None:
            factors.append(f"Monitor {monitor_id} has no alert route: nobody is paged.")
        else:
            factors.append(
                f"Monitor {monitor_id} routes to {owners.name(monitor.alert_route)}"
                + (f" via {monitor.channel}" if monitor.channel else "")
                + "."
            )
    noise = sum(1 for e in events if isinstance(e, ev.InjectDelivered) and e.noise)
    if noise:
        factors.append(f"{noise} noise inject(s) competed for attention.")
    first = sorted({a.monitor for a in missed})[0]
    return [
        _Draft(
            kind="improvement",
            title="Alerts not acknowledged",
            observation=f"{len(missed)} of {len(raised)} alert(s) were not acknowledged during "
            f"the exercise: {', '.join(sorted(a.alert for a in missed))}.",
            factors=factors,
            recommendation="Review routing, thresholds and grouping of these monitors so each "
            "alert reaches the owning team's on-call role and asks for one clear action.",
            capability=Capability.equipment,
            owner=owners.of_monitor(first) or owners.primary,
            milestone="Next drill of this scenario: every alert acknowledged within the "
            "detection time box.",
        )
    ]


def _decision_findings(decisions: Sequence[DecisionEntry], owners: _Owners) -> list[_Draft]:
    if not decisions:
        return []
    missing = [d for d in decisions if d.approval in ("none", "pending")]
    if not missing:
        return [
            _Draft(
                kind="strength",
                title="Decisions recorded with rationale and approval",
                observation=f"All {len(decisions)} decision(s) were recorded with a rationale "
                "and an approval outcome.",
                factors=[
                    f"{sum(1 for d in decisions if d.alternatives)} of them list alternatives "
                    "considered."
                ],
                recommendation="Sustain: keep the decision channel and its template.",
                capability=Capability.organization,
            )
        ]
    with_actions = [d.id for d in missing if d.actions]
    factors = [f"Decisions without a recorded approval: {', '.join(d.id for d in missing)}."]
    if with_actions:
        factors.append(
            "Of these, changes were applied to the estate under: " + ", ".join(with_actions) + "."
        )
    pending = [d.id for d in missing if d.approval == "pending"]
    if pending:
        factors.append("Approval was requested but not given for: " + ", ".join(pending) + ".")
    return [
        _Draft(
            kind="improvement",
            title="Decisions without a recorded approval",
            observation=f"{len(missing)} of {len(decisions)} decision(s) have no recorded "
            "approval.",
            factors=factors,
            recommendation="Name in the RACI map who authorises changes for each touched "
            "touchpoint, and which containment actions are pre-approved for the on-call role.",
            capability=Capability.organization,
            owner=owners.primary,
            milestone="Next drill of this scenario: every decision that changes the estate "
            "carries an approval.",
        )
    ]


def _integrity_findings(
    verdict: IntegrityVerdict | None, owners: _Owners, impact: bool
) -> list[_Draft]:
    if verdict is None:
        if not impact:
            return []
        return [
            _Draft(
                kind="improvement",
                title="Business state not verified",
                observation="No reconciliation result was recorded, so the business state after "
                "recovery is not verified.",
                factors=["The exercise log holds no integrity verdict."],
                recommendation="Make reconciliation (expected against present records, "
                "duplicates, invariants) a required step of the recovery phase.",
                capability=Capability.planning,
                owner=owners.primary,
                milestone="Next drill of this scenario: an integrity verdict with evidence is "
                "attached to the report.",
            )
        ]
    if verdict.restored:
        return [
            _Draft(
                kind="strength",
                title="Data integrity restored",
                observation=f"Reconciliation at {clock(verdict.checked_at)} confirmed the "
                "business state: no missing, duplicated, corrupted or misrouted records.",
                factors=[f"{len(verdict.datasets)} dataset(s) reconciled."],
                recommendation="Sustain: keep the replay and reconciliation steps in the runbook.",
                capability=Capability.equipment,
            )
        ]
    out = []
    for d in verdict.datasets:
        if d.restored:
            continue
        counts = ", ".join(
            f"{getattr(d, k)} {k}"
            for k in ("missing", "duplicated", "corrupted", "misrouted")
            if getattr(d, k)
        )
        factors = [
            f"Invariant {v.id} ({v.description}) violated {v.count} time(s)."
            for v in d.violated_invariants
        ]
        if d.examples:
            factors.append("Examples: " + "; ".join(d.examples[:5]) + ".")
        out.append(
            _Draft(
                kind="improvement",
                title=f"Data integrity not restored: {d.dataset}",
                observation=f"Reconciliation of {d.dataset} at {clock(verdict.checked_at)}: "
                f"{d.expected} record(s) expected, {d.present} present"
                + (f"; {counts}" if counts else "")
                + ".",
                factors=factors or ["Record-level differences remained after recovery."],
                recommendation=f"Write and test a repair procedure for {d.dataset}: compare "
                "with the source, re-deliver missing records, remove duplicates, quarantine "
                "misrouted data, then reconcile again.",
                capability=Capability.equipment,
                owner=owners.of_dataset(d.dataset) or owners.primary,
                milestone=f"Next drill of this scenario: {d.dataset} reconciles with no "
                "differences.",
            )
        )
    if not out:
        out.append(
            _Draft(
                kind="improvement",
                title="Data integrity not restored",
                observation="The reconciliation reports the business state as not restored.",
                factors=["Exposure outside the reconciled datasets (e.g. misrouted data)."],
                recommendation="Trace where the data went and add a quarantine step to the "
                "runbook.",
                capability=Capability.equipment,
                owner=owners.primary,
                milestone="Next drill of this scenario: integrity verdict 'restored'.",
            )
        )
    return out


def _visibility_findings(
    section: MetricsSection, events: Sequence[Event], owners: _Owners
) -> list[_Draft]:
    share = section.information_visibility
    if share is None or share >= 0.75:
        return []
    answered = {e.inject for e in events if isinstance(e, ev.DecisionRecorded) and e.inject}
    open_injects = sorted(
        e.inject
        for e in events
        if isinstance(e, ev.InjectDelivered) and not e.noise and e.inject not in answered
    )
    raised = {e.alert for e in events if isinstance(e, ev.AlertRaised)}
    acked = {e.alert for e in events if isinstance(e, ev.AlertAcknowledged)}
    factors = []
    if open_injects:
        factors.append(f"Injects no decision answered: {', '.join(open_injects)}.")
    if raised - acked:
        factors.append(f"Alerts not acknowledged: {', '.join(sorted(raised - acked))}.")
    return [
        _Draft(
            kind="improvement",
            title="Key facts not surfaced",
            observation=f"{INFORMATION_VISIBILITY.capitalize()} was {percent(share)}: some "
            "alerts and reports were not acknowledged or answered.",
            factors=factors,
            recommendation="Give one role the job of triaging incoming reports and alerts and "
            "summarising them in the incident channel at each phase change.",
            capability=Capability.organization,
            owner=owners.primary,
            milestone=f"Next drill of this scenario: {INFORMATION_VISIBILITY} of 75% or more.",
        )
    ]


def _notifications(events: Sequence[Event], names: _Names, m: Metrics) -> NotificationSection:
    fired = [e for e in events if isinstance(e, ev.EscalationStepFired)]
    if not fired:
        return NotificationSection()
    acks = {e.escalation: e for e in reversed(events) if isinstance(e, ev.NotificationAcknowledged)}
    timing = {(s.escalation, s.step): s for s in m.escalation_steps}
    rows: dict[str, EscalationRow] = {}
    for f in fired:
        step = EscalationStepRow(
            step=f.step,
            fired_at=f.at,
            notified=[names.party(p) or p for p in f.notify],
            channel=f.channel,
            acknowledged_at=timing[f.escalation, f.step].acknowledged_at,
            time_to_acknowledge=timing[f.escalation, f.step].time_to_acknowledge,
        )
        row = rows.get(f.escalation)
        if row is None:
            ack = acks.get(f.escalation)
            rows[f.escalation] = EscalationRow(
                id=f.escalation,
                policy=f.policy,
                alert=f.alert,
                flow=f.flow,
                started_at=f.at,
                steps=[step],
                acknowledged_at=ack.at if ack else None,
                acknowledged_by=names.party(ack.by) if ack else None,
                via=ack.via if ack else None,
                time_to_acknowledge=round(ack.at - f.at, 2) if ack else None,
                time_to_escalate=None,
            )
        else:
            update: dict[str, object] = {"steps": [*row.steps, step]}
            if f.step == 2:
                update["time_to_escalate"] = round(f.at - row.started_at, 2)
            rows[f.escalation] = row.model_copy(update=update)
    deliveries = [
        DeliveryRow(
            at=e.at,
            escalation=e.escalation,
            step=e.step,
            party=names.party(e.party) or e.party,
            channel=e.channel,
            kind=e.kind,
            outcome="failed"
            if isinstance(e, ev.NotificationFailed)
            else ("dry run" if e.dry_run else "delivered"),
            attempts=e.attempts,
            error=names.text(e.error) if isinstance(e, ev.NotificationFailed) else "",
        )
        for e in events
        if isinstance(e, ev.NotificationSent | ev.NotificationFailed)
    ]
    failures = sum(d.outcome == "failed" for d in deliveries)
    acked = sum(r.acknowledged_at is not None for r in rows.values())
    dry = any(d.outcome == "dry run" for d in deliveries)
    summary = (
        f"{len(rows)} escalation(s) started, {acked} acknowledged; {len(deliveries)} "
        f"notification(s), {failures} failed to deliver"
        + ("; dry run: messages were printed, not sent." if dry else ".")
    )
    return NotificationSection(
        summary=summary,
        escalations=list(rows.values()),
        deliveries=deliveries,
        failures=failures,
        dry_run=dry,
    )


# --------------------------------------------------------------------------- build


def _add_days(start: date, days: int) -> date:
    return start + timedelta(days=days)


def build_report(
    *,
    plan: Plan,
    scenario: Scenario,
    estate: Estate,
    events: Sequence[Event],
    integrity: IntegrityVerdict | None,
    name_people: bool = False,
    exercise_id: str,
    title: str | None = None,
    today: date | None = None,
    consequences: Mapping[str, Consequence] | None = None,
) -> AfterActionReport:
    """The after-action report of one exercise, from its log and the reconciliation.

    ``today`` is the day the improvement plan counts from; by default, the exercise's own date
    (from the ``started`` event), so the report never depends on when it is rebuilt.
    """
    started = next((e for e in events if isinstance(e, ev.Started)), None)
    if today is None:
        if started is None:
            raise ValueError("the log has no 'started' event: pass today= to date the plan")
        today = datetime.fromtimestamp(started.wall, tz=UTC).date()
    names = _Names(estate, plan, name_people=name_people)
    owners = _Owners(estate, scenario)
    report_title = title or plan.title
    boxes = _phase_boxes(plan, events)
    computed = compute(events)
    metrics = _metrics(computed, boxes)
    objectives, other_observations = _objectives(plan, events, names)
    decisions = _decisions(events, names, consequences or {})

    drafts = [
        *_task_findings(objectives, owners, scenario),
        *_metric_findings(metrics, events, owners),
        *_phase_findings(metrics, events, owners),
        *_alert_findings(events, owners, estate),
        *_decision_findings(decisions, owners),
        *_visibility_findings(metrics, events, owners),
        *_integrity_findings(integrity, owners, metrics.impact_start is not None),
        *_runbook_findings(events, estate, owners),
    ]
    strengths: list[Finding] = []
    improvements: list[Finding] = []
    actions: list[CorrectiveAction] = []
    for draft in drafts:
        if draft.kind == "strength":
            strengths.append(_finding(draft, f"S-{len(strengths) + 1}", names))
            continue
        finding = _finding(draft, f"A-{len(improvements) + 1}", names)
        improvements.append(finding)
        actions.append(
            CorrectiveAction(
                id=f"CA-{len(actions) + 1}",
                finding=finding.id,
                action=finding.recommendation,
                capability=draft.capability,
                owner_team=draft.owner,
                owner_team_name=owners.name(draft.owner),
                start=today,
                due=_add_days(today, DUE_DAYS[draft.capability]),
                validation_milestone=names.text(draft.milestone),
                target=draft.target,
            )
        )

    phases = _phase_at(events)
    near_misses = [
        NearMiss(
            at=e.at,
            phase=phases[i],
            what=names.text(e.what),
            consequence_avoided=names.text(e.consequence_avoided),
            reported_by=names.party(e.by),
        )
        for i, e in enumerate(events)
        if isinstance(e, ev.NearMissRecorded)
    ]
    teams = {t.id: t.name for t in estate.teams}
    order = list(Role)
    participants = [
        Participant(
            role=a.role.value,
            role_label=role_label(a.role),
            team=teams.get(a.team, a.team) if a.team else None,
            name=a.name if name_people else None,
        )
        for a in sorted(plan.roles, key=lambda a: order.index(a.role))
    ]
    return AfterActionReport(
        title=names.text(report_title),
        exercise_id=exercise_id,
        names_shown=name_people,
        generated_for=today,
        overview=_overview(
            plan, scenario, estate, events, names, exercise_id=exercise_id, title=report_title
        ),
        rating_scale=dict(plan.rating_scale),
        objectives=objectives,
        other_observations=other_observations,
        timeline=_timeline(events, names),
        decisions=decisions,
        metrics=metrics,
        integrity=_integrity(integrity),
        strengths=strengths,
        improvements=improvements,
        near_misses=near_misses,
        improvement_plan=actions,
        participants=participants,
        notifications=_notifications(events, names, computed),
        feedback=_feedback(events, names),
    )


def _feedback(events: Sequence[Event], names: _Names) -> FeedbackSection:
    forms = [e for e in events if isinstance(e, ev.FeedbackSubmitted)]
    if not forms:
        return FeedbackSection()
    ratings = sorted(e.rating for e in forms)
    middle = len(ratings) // 2
    median = (
        float(ratings[middle]) if len(ratings) % 2 else (ratings[middle - 1] + ratings[middle]) / 2
    )
    return FeedbackSection(
        count=len(forms),
        average=round(sum(ratings) / len(ratings), 2),
        spread=Spread(
            count=len(ratings),
            median=median,
            minimum=float(ratings[0]),
            maximum=float(ratings[-1]),
        ),
        distribution={r: ratings.count(r) for r in range(1, 6)},
        comments=[
            FeedbackComment(
                at=e.at,
                rating=e.rating,
                what_worked=names.text(e.what_worked),
                what_to_improve=names.text(e.what_to_improve),
                by=None if e.anonymous or not names.name_people else names.party(e.by),
                anonymous=e.anonymous,
            )
            for e in forms
            if e.what_worked or e.what_to_improve
        ],
    )


def _finding(draft: _Draft, finding_id: str, names: _Names) -> Finding:
    return Finding(
        id=finding_id,
        kind=draft.kind,
        title=names.text(draft.title),
        observation=names.text(draft.observation),
        contributing_factors=[names.text(f) for f in draft.factors],
        recommendation=names.text(draft.recommendation),
        capability=draft.capability,
        objective=draft.objective,
    )
