"""The exercise as a pure state machine: ``decide`` checks a command against the state and
returns the events it yields; ``evolve`` applies one event; the state is ``fold(events)``.

Commands have the shape of the events they ask for (the caller stamps ``at`` from the clock),
so there is one vocabulary, not two. Nothing here does I/O or reads a clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Literal

from flowdrill.errors import InputError
from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event

Status = Literal["planned", "running", "paused", "ended"]


class CommandRejected(InputError):
    """The command does not fit the exercise's state (e.g. a decision after the end)."""

    http_status = 409


@dataclass(frozen=True)
class Alert:
    id: str
    monitor: str
    flow: str | None
    message: str
    raised_at: float
    acknowledged_at: float | None = None


@dataclass(frozen=True)
class Decision:
    id: str
    what: str
    rationale: str
    at: float
    approval_needed_from: str | None = None
    approved: bool | None = None
    approved_by: str | None = None


@dataclass(frozen=True)
class ExerciseState:
    status: Status = "planned"
    plan: str = ""
    scenario: str = ""
    phases: tuple[ev.PhaseBox, ...] = ()
    phase_index: int = -1
    phase_started_at: float = 0.0
    speed: float = 1.0
    human_factors: bool = True
    anonymous_feedback: bool = False
    clock_base: float = 0.0  # exercise minutes when the clock last started running
    running_since: float | None = None  # wall seconds, while running
    last_at: float = 0.0
    delivered: frozenset[str] = frozenset()
    held: frozenset[str] = frozenset()
    alerts: dict[str, Alert] = field(default_factory=dict)
    decisions: dict[str, Decision] = field(default_factory=dict)
    actions: tuple[ev.ActionTaken, ...] = ()
    timebox_warned: frozenset[str] = frozenset()
    events: int = 0

    @property
    def phase(self) -> str | None:
        return (
            self.phases[self.phase_index].phase
            if 0 <= self.phase_index < len(self.phases)
            else None
        )

    def clock(self, wall: float) -> float:
        """Exercise minutes at wall time ``wall`` (seconds): frozen while paused or ended."""
        if self.running_since is None:
            return self.clock_base
        return self.clock_base + max(0.0, wall - self.running_since) / 60.0 * self.speed

    def phase_minutes(self, at: float) -> float:
        return at - self.phase_started_at

    def timebox(self) -> int | None:
        return self.phases[self.phase_index].minutes if self.phase is not None else None


def evolve(state: ExerciseState, event: Event) -> ExerciseState:
    """Apply one event. Never fails: events are facts, already checked when decided."""
    state = replace(state, events=state.events + 1, last_at=max(state.last_at, event.at))
    match event:
        case ev.Started():
            return replace(
                state,
                status="running",
                plan=event.plan,
                scenario=event.scenario,
                phases=tuple(event.phases),
                phase_index=0,
                phase_started_at=event.at,
                speed=event.speed,
                human_factors=event.human_factors,
                anonymous_feedback=event.anonymous_feedback,
                clock_base=event.at,
                running_since=event.wall,
            )
        case ev.Paused():
            return replace(state, status="paused", clock_base=event.at, running_since=None)
        case ev.Resumed():
            return replace(state, status="running", clock_base=event.at, running_since=event.wall)
        case ev.PhaseAdvanced():
            index = next(i for i, p in enumerate(state.phases) if p.phase == event.phase)
            return replace(state, phase_index=index, phase_started_at=event.at)
        case ev.Ended():
            return replace(state, status="ended", clock_base=event.at, running_since=None)
        case ev.InjectDelivered():
            return replace(state, delivered=state.delivered | {event.inject})
        case ev.InjectHeld():
            return replace(state, held=state.held | {event.inject})
        case ev.AlertRaised():
            alert = Alert(event.alert, event.monitor, event.flow, event.message, event.at)
            return replace(state, alerts={**state.alerts, event.alert: alert})
        case ev.AlertAcknowledged():
            acked = replace(state.alerts[event.alert], acknowledged_at=event.at)
            return replace(state, alerts={**state.alerts, event.alert: acked})
        case ev.DecisionRecorded():
            decision = Decision(
                event.decision, event.what, event.rationale, event.at, approved_by=event.approved_by
            )
            return replace(state, decisions={**state.decisions, event.decision: decision})
        case ev.ApprovalRequested():
            asked = replace(
                state.decisions[event.decision], approval_needed_from=event.approver_role
            )
            return replace(state, decisions={**state.decisions, event.decision: asked})
        case ev.ApprovalGiven():
            given = replace(
                state.decisions[event.decision], approved=event.approved, approved_by=event.by
            )
            return replace(state, decisions={**state.decisions, event.decision: given})
        case ev.ActionTaken():
            return replace(state, actions=(*state.actions, event))
        case ev.PhaseTimeboxExceeded():
            return replace(state, timebox_warned=state.timebox_warned | {event.phase})
    return state


def fold(events: Iterable[Event], state: ExerciseState | None = None) -> ExerciseState:
    for event in events:
        state = evolve(state or ExerciseState(), event)
    return state or ExerciseState()


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise CommandRejected(message)


def decide(state: ExerciseState, command: Event) -> list[Event]:
    """The events a command yields in this state, or :class:`CommandRejected`."""
    _require(command.at >= state.last_at - 1e-9, "time cannot run backwards in the log")
    if isinstance(command, ev.Started):
        _require(state.status == "planned", "the exercise has already started")
        return [command]
    _require(state.status != "planned", "start the exercise first")
    if isinstance(command, ev.FeedbackSubmitted):  # during the drill and after its end
        if command.anonymous:
            _require(
                state.anonymous_feedback,
                "the facilitator has not allowed anonymous feedback in this exercise",
            )
            _require(not command.by, "anonymous feedback cannot name who gave it")
        return [command]
    _require(state.status != "ended", "the exercise has ended; nothing more can be recorded")
    match command:
        case ev.Paused():
            _require(state.status == "running", "the exercise is not running")
        case ev.Resumed():
            _require(state.status == "paused", "the exercise is not paused")
        case ev.PhaseAdvanced():
            names = [p.phase for p in state.phases]
            _require(command.phase in names, f"unknown phase {command.phase!r}; phases: {names}")
            _require(
                names.index(command.phase) > state.phase_index,
                f"phase {command.phase!r} is not ahead of {state.phase!r}",
            )
        case ev.InjectHeld():
            _require(
                command.inject not in state.delivered | state.held,
                f"inject {command.inject!r} was already delivered or held",
            )
        case ev.InjectDelivered():
            _require(
                command.inject not in state.delivered,
                f"inject {command.inject!r} was already delivered",
            )
        case ev.AlertAcknowledged():
            _require(command.alert in state.alerts, f"no alert {command.alert!r}")
            _require(
                state.alerts[command.alert].acknowledged_at is None,
                f"alert {command.alert!r} is already acknowledged",
            )
        case ev.DecisionRecorded():
            _require(
                command.decision not in state.decisions,
                f"decision id {command.decision!r} is already used",
            )
            _require(bool(command.rationale.strip()), "a decision needs its rationale")
        case ev.ApprovalRequested() | ev.ApprovalGiven():
            _require(command.decision in state.decisions, f"no decision {command.decision!r}")
            if isinstance(command, ev.ApprovalGiven):
                _require(
                    state.decisions[command.decision].approval_needed_from is not None,
                    f"decision {command.decision!r} did not ask for approval",
                )
                _require(
                    state.decisions[command.decision].approved is None,
                    f"decision {command.decision!r} was already answered",
                )
        case ev.ActionTaken():
            if command.decision is not None:
                decision = state.decisions.get(command.decision)
                _require(decision is not None, f"no decision {command.decision!r}")
                _require(
                    decision is None
                    or decision.approval_needed_from is None
                    or decision.approved is True,
                    f"decision {command.decision!r} is waiting for approval",
                )
    return [command]


def timebox_warnings(state: ExerciseState, at: float) -> list[Event]:
    """A warning the first time the current phase runs over its time box."""
    box = state.timebox()
    phase = state.phase
    if state.status != "running" or box is None or phase is None or phase in state.timebox_warned:
        return []
    over = state.phase_minutes(at) - box
    return (
        [ev.PhaseTimeboxExceeded(at=at, phase=phase, minutes_over=round(over, 2))]
        if over > 0
        else []
    )
