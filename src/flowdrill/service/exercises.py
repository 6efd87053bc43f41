"""Live exercises: the durable log, the folded state and the simulated estate, kept in step.

A :class:`Drill` is what the terminal, the autopilot and the web drive. Every command is
checked by the pure state machine, committed to the store, and only then applied; the
simulator is never stored: it is rebuilt by replaying the logged actions (it is
deterministic), so ``Drill.resume`` after a crash continues with the same state, phase,
clock and simulated estate.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowdrill.catalog.model import Action
from flowdrill.errors import InputError
from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event, event_data, parse_event
from flowdrill.exercise.impact import (
    ImpactState,
    affected_flows,
    alert_events,
    damage,
    next_impact,
)
from flowdrill.exercise.machine import ExerciseState, decide, evolve
from flowdrill.exercise.metrics import Metrics, compute
from flowdrill.exercise.plan import Plan
from flowdrill.exercise.schedule import due_events
from flowdrill.runbook.autopilot import Autopilot, Latencies, invalid_actions, pick_runbook
from flowdrill.scenario.model import Scenario
from flowdrill.service.audit import event_log
from flowdrill.service.drills import find_scenario, list_plans, workspace_catalog
from flowdrill.service.notifications import Responder, notifier_for
from flowdrill.service.workspace import Workspace
from flowdrill.sim.actions import SimAction
from flowdrill.sim.engine import Simulation
from flowdrill.sim.reconcile import Reconciliation
from flowdrill.store.eventlog import EventLog

#: Actions that only talk about the estate; the simulator has nothing to do for them.
NO_SIM_EFFECT = {Action.acknowledge, Action.open_incident, Action.notify, Action.escalate}


def find_plan(ws: Workspace, ref: str, *, out: Path | None = None) -> Plan:
    plans = list_plans(ws, out=out)
    for plan in plans:
        if plan.id in (ref, Path(ref).stem):
            return plan
    known = ", ".join(p.id for p in plans) or "none yet: run 'flowdrill plan SCENARIO'"
    raise InputError(f"no plan {ref!r}; plans on record: {known}")


class Drill:
    """One exercise, opened for driving."""

    def __init__(
        self, ws: Workspace, log: EventLog, exercise_id: str, plan: Plan, scenario: Scenario
    ) -> None:
        self.ws, self.log, self.exercise_id = ws, log, exercise_id
        self.plan, self.scenario = plan, scenario
        self.sim = Simulation(
            ws.estate, scenario, seed=scenario.seed, catalog=workspace_catalog(ws)
        )
        self.events: list[Event] = []
        self.state = ExerciseState()
        self._alerts_logged = 0
        self._damage: list[int] = []  # damage count per simulated minute
        self._impact: ImpactState | None = None
        self.notifier = notifier_for(ws, exercise_id)

    # ------------------------------------------------------------------ opening

    @classmethod
    def start(
        cls,
        ws: Workspace,
        plan_ref: str,
        *,
        speed: float = 1.0,
        wall: float | None = None,
        out: Path | None = None,
        human_factors: bool = True,
        anonymous_feedback: bool = False,
    ) -> Drill:
        """Create the exercise in the store and start its clock. ``human_factors`` switches
        the scenario's noise (overload, late messages) on or off."""
        plan = find_plan(ws, plan_ref, out=out)
        scenario = find_scenario(ws, plan.scenario, out=out).scenario
        log = event_log(ws)
        exercise_id = log.create_exercise(title=plan.title, plan_id=plan.id)
        drill = cls(ws, log, exercise_id, plan, scenario)
        phases = [ev.PhaseBox(phase=p.phase.value, minutes=p.minutes) for p in plan.phases]
        drill.submit(
            ev.Started(
                at=0,
                plan=plan.id,
                scenario=scenario.id,
                phases=phases,
                wall=time.time() if wall is None else wall,
                speed=speed,
                human_factors=human_factors,
                anonymous_feedback=anonymous_feedback,
            )
        )
        return drill

    @classmethod
    def open(cls, ws: Workspace, exercise_id: str, *, out: Path | None = None) -> Drill:
        """Rebuild a drill from its log, logging nothing: state by folding, the simulator by
        replaying the logged actions (it is deterministic). Another process may be driving it."""
        log = event_log(ws)
        try:
            first = log.events(exercise_id)[:1]
            if not first or first[0].type != "started":
                raise InputError(f"exercise {exercise_id!r} has not started")
            started = parse_event(first[0].type, first[0].at, first[0].data)
            assert isinstance(started, ev.Started)
            plan = find_plan(ws, started.plan, out=out)
            scenario = find_scenario(ws, started.scenario, out=out).scenario
        except BaseException:
            log.close()
            raise
        drill = cls(ws, log, exercise_id, plan, scenario)
        drill.catch_up()
        return drill

    @classmethod
    def resume(
        cls,
        ws: Workspace,
        exercise_id: str,
        *,
        out: Path | None = None,
        wall: float | None = None,
    ) -> Drill:
        """Continue a drill after a stop or a crash: a drill that was running restarts its clock
        from its last logged minute, and the gap is logged."""
        drill = cls.open(ws, exercise_id, out=out)
        if drill.state.status == "running":
            wall = time.time() if wall is None else wall
            at = drill.state.last_at
            drill.submit(ev.Paused(at=at, wall=wall, by="flowdrill (interrupted)"))
            drill.submit(ev.Resumed(at=at, wall=wall, by="flowdrill (resumed)"))
        return drill

    def catch_up(self) -> int:
        """Fold in events appended since this drill last looked (by another process, or all of
        them when opening); return how many."""
        stored = self.log.events(self.exercise_id, after=len(self.events))
        for item in stored:
            event = parse_event(item.type, item.at, item.data)
            self.events.append(event)
            self.state = evolve(self.state, event)
            if isinstance(event, ev.ActionTaken):
                self._run_sim_to(event.at)
                self._apply_to_sim(event)
            elif isinstance(event, ev.ImpactChanged):
                self._impact = event.state
        if stored:
            self._run_sim_to(self.state.last_at)
            self._alerts_logged = self._alerts_on_record()
        return len(stored)

    def _alerts_on_record(self) -> int:
        """How many of the simulator's alerts the log already holds (resolved ones are never
        logged, so count up to the first firing alert that is missing)."""
        logged = {e.alert for e in self.events if isinstance(e, ev.AlertRaised)}
        count = 0
        for alert in self.sim.alerts:
            if alert.state == "firing" and f"{alert.monitor}@{alert.at}" not in logged:
                break
            count += 1
        return count

    def close(self) -> None:
        self.log.close()

    # ------------------------------------------------------------------ driving

    def now(self, wall: float | None = None) -> float:
        return round(self.state.clock(time.time() if wall is None else wall), 3)

    def submit(self, command: Event) -> list[Event]:
        """Check, persist (durably), then apply a command and what follows from it now."""
        produced = decide(self.state, command)
        for event in produced:  # an action the estate cannot take is refused, not logged
            if isinstance(event, ev.ActionTaken) and event.action not in NO_SIM_EFFECT:
                self.sim.check(SimAction(self.sim.now, event.action, event.target))
        self._commit(produced)
        for event in produced:
            if isinstance(event, ev.ActionTaken):
                self._run_sim_to(event.at)
                self._apply_to_sim(event)
        return produced + self.advance(self.state.last_at)

    def advance(self, at: float) -> list[Event]:
        """Move the simulated estate and the scenario to minute ``at``; log what happened."""
        if self.state.status != "running":
            return []
        at = max(at, self.state.last_at)
        self._run_sim_to(at)
        produced = self._sim_events(at)
        self._commit(produced)
        due = due_events(self.state, self.scenario, at)
        self._commit(due)
        if self.notifier is not None:  # escalation policies: steps due, delivered, logged
            notes = self.notifier.react(self.events, self.state.last_at, at)
            self._commit(notes)
            due = [*due, *notes]
        return produced + due

    def record(self, outcomes: Sequence[Event]) -> list[Event]:
        """Log what became known outside the clock (a notification's outcome, sent by a worker
        thread), stamped no earlier than the last logged event."""
        stamped = [e.model_copy(update={"at": max(e.at, self.state.last_at)}) for e in outcomes]
        self._commit(stamped)
        return stamped

    def reconcile(self) -> Reconciliation:
        return self.sim.reconcile()

    def affected_flows(self) -> frozenset[str]:
        """Flows the scenario's failures hit: what a correct identification names."""
        ids = [f.id for f in self.sim.layout.flows]
        return affected_flows(ids, [e.flow_set for e in self.sim.effects], self.scenario)

    # ------------------------------------------------------------------ internals

    def _commit(self, produced: Sequence[Event]) -> None:
        if not produced:
            return
        self.log.append_many(self.exercise_id, [(e.type, event_data(e), e.at) for e in produced])
        for event in produced:
            self.events.append(event)
            self.state = evolve(self.state, event)

    def without(self, decision: str) -> Simulation:
        """The same run, to the same minute, with every action of ``decision`` left out: the
        simulator is deterministic, so the difference is that decision's consequence. Later
        actions that no longer make sense without it are skipped."""
        sim = Simulation(
            self.ws.estate, self.scenario, seed=self.scenario.seed, catalog=self.sim.catalog
        )
        for event in self.events:
            if not isinstance(event, ev.ActionTaken) or event.action in NO_SIM_EFFECT:
                continue
            sim.step(self._sim_minute(event.at))
            if event.decision != decision:
                with contextlib.suppress(InputError):
                    sim.apply(SimAction(sim.now, event.action, event.target, dict(event.options)))
        sim.step(self.sim.now)
        return sim

    def _sim_minute(self, at: float) -> int:
        return min(math.floor(at + 1e-9), self.scenario.duration_minutes * 4)

    def _run_sim_to(self, at: float) -> None:
        minute = self._sim_minute(at)
        while self.sim.now < minute:
            self.sim.step(self.sim.now + 1)
            self._damage.append(damage(self.sim.reconcile()))

    def _apply_to_sim(self, event: ev.ActionTaken) -> None:
        if event.action in NO_SIM_EFFECT:
            return
        self.sim.apply(SimAction(self.sim.now, event.action, event.target, dict(event.options)))

    def _sim_events(self, at: float) -> list[Event]:
        fresh = self.sim.alerts[self._alerts_logged :]
        self._alerts_logged += len(fresh)
        monitors = {m.id: m for m in self.ws.estate.monitors}
        out: list[Event] = list(alert_events(fresh, monitors, self.state.last_at))
        out += self._impact_events(at)
        return out

    def _impact_events(self, at: float) -> list[Event]:
        change = next_impact(
            self._impact,
            starts=min((f.starts_at for f in self.scenario.failures), default=None),
            at=at,
            now=self.sim.now,
            damages=self._damage,
            verdict=self.sim.reconcile,
        )
        if change is None:
            return []
        self._impact = change.state
        return [
            ev.ImpactChanged(
                at=max(at, self.state.last_at),
                state=change.state,
                detail=change.detail,
                evidence=change.evidence,
            )
        ]


# --------------------------------------------------------------------------- autopilot


@dataclass(frozen=True)
class AutopilotResult:
    exercise_id: str
    runbook: str
    detected: bool
    contained: bool
    restored: bool
    metrics: Metrics
    stale_steps: list[str]
    verdict: dict[str, Any]
    ended_at: float


def run_autopilot(
    ws: Workspace,
    plan_ref: str,
    *,
    runbook_id: str | None = None,
    latencies: Latencies | None = None,
    out: Path | None = None,
    on_minute: Callable[[float, Sequence[Event]], None] | None = None,
) -> AutopilotResult:
    """Run a whole drill unattended, the runbook's steps played as participant actions.

    The clock is driven minute by minute (no waiting); phases follow the plan's time boxes;
    the drill ends at the scenario's duration, or a few minutes after integrity is restored.
    """
    estate = ws.estate
    drill = Drill.start(ws, plan_ref, out=out)
    try:
        affected = drill.affected_flows()
        runbook = (
            pick_runbook(estate.runbooks, drill.scenario.modes(), affected)
            if runbook_id is None
            else next((r for r in estate.runbooks if r.id == runbook_id), None)
        )
        if runbook is None:
            known = ", ".join(r.id for r in estate.runbooks) or "none"
            raise InputError(f"no runbook {runbook_id!r}; runbooks: {known}")
        if problems := invalid_actions(runbook):
            raise InputError("; ".join(problems))
        pilot = Autopilot(runbook, estate, affected, latencies or Latencies())
        if drill.notifier is not None:
            drill.notifier.responder = Responder()
        starts = {p.phase.value: p.starts_at for p in drill.plan.phases}
        end = float(drill.scenario.duration_minutes)
        minute = 0.0
        while minute <= end:
            shown = list(drill.advance(minute))
            for phase, at in starts.items():
                if at == minute and drill.state.phase != phase and at > 0:
                    shown += drill.submit(ev.PhaseAdvanced(at=minute, phase=phase))
            while commands := pilot.react(shown, minute):
                shown = []
                for command in commands:
                    stamped = command.model_copy(
                        update={"at": max(command.at, drill.state.last_at)}
                    )
                    shown += drill.submit(stamped)
            if on_minute is not None:
                on_minute(minute, drill.events)
            if (
                drill._impact == "recovered"
                and pilot.finished
                and minute >= _recovered_at(drill) + 5
            ):
                break
            minute += 1
        drill.submit(ev.Ended(at=max(minute, drill.state.last_at), reason="autopilot finished"))
        verdict = drill.reconcile()
        metrics = compute(drill.events)
        return AutopilotResult(
            exercise_id=drill.exercise_id,
            runbook=runbook.id,
            detected=pilot.detected_at is not None,
            contained=metrics.time_to_contain is not None,
            restored=verdict.restored,
            metrics=metrics,
            stale_steps=list(pilot.stale),
            verdict=verdict.to_dict(),
            ended_at=drill.state.last_at,
        )
    finally:
        drill.close()


def _recovered_at(drill: Drill) -> float:
    return next(
        (
            e.at
            for e in reversed(drill.events)
            if isinstance(e, ev.ImpactChanged) and e.state == "recovered"
        ),
        math.inf,
    )
