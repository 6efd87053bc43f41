"""Stress-test a runbook: the autopilot plays it against every scenario it applies to, on the
estate as it is and on "evolved" estates (a connector upgraded, a schema changed, a credential
rotated mid-incident), and each run says whether integrity came back and which step went wrong.

A rehearsal is an exercise without a store: the same state machine, scenario schedule,
simulator and metrics as a logged drill, kept in memory. Pure and deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flowdrill.catalog.model import Action, Catalog, TargetKind
from flowdrill.errors import InputError
from flowdrill.estate.model import Estate, Runbook
from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event
from flowdrill.exercise.impact import ImpactState, affected_flows, alert_events, damage, next_impact
from flowdrill.exercise.machine import ExerciseState, decide, evolve
from flowdrill.exercise.schedule import due_events
from flowdrill.runbook.autopilot import Autopilot, Latencies, StepRun, invalid_actions
from flowdrill.runbook.model import RESTORED, is_validation, runbook_flows
from flowdrill.scenario.generate import generate_scenario
from flowdrill.scenario.model import Scenario, Target
from flowdrill.sim.actions import SimAction
from flowdrill.sim.engine import Simulation
from flowdrill.sim.reconcile import Reconciliation

#: Minutes a runbook whose steps have all been played gets for integrity to come back.
GRACE = 15
NO_SIM_EFFECT = {Action.acknowledge, Action.open_incident, Action.notify, Action.escalate}
FIXES = {Action.apply_fix, Action.rollback_connector, Action.rotate_credential}
EVOLUTIONS = ("connector_upgraded", "schema_changed", "credential_rotated")
#: Minutes after the first failure when the evolved credential is rotated under the team.
ROTATION_AFTER = 8


# --------------------------------------------------------------------------- evolved estates


@dataclass(frozen=True)
class Evolved:
    """An estate moved on from the one the runbook was written for."""

    kind: str
    estate: Estate
    change: str
    rotate: str | None = None  # credential rotated mid-incident (new id)


def evolve_estate(estate: Estate, runbook: Runbook, kind: str) -> Evolved | None:
    """``estate`` after one typical change near ``runbook``'s flows; None if nothing fits."""
    flows = [f for f in estate.flows if f.id in set(runbook_flows(runbook, estate))]
    data = estate.model_dump(mode="python")
    if kind == "connector_upgraded":
        platforms = {f.platform for f in flows}
        changes = []
        for p in data["platforms"]:
            if p["id"] in platforms:
                new = _next_major(p.get("version"))
                changes.append(f"{p['id']} {p.get('version') or '?'} -> {new}")
                p["version"] = new
        if not changes:
            return None
        return Evolved(kind, Estate.model_validate(data), "upgraded " + ", ".join(changes))
    if kind == "schema_changed":
        named = [n for s in runbook.steps for n in s.fields]
        written = [t.dataset for f in flows for s in f.steps for t in s.touchpoints]
        pick = _field_to_rename(estate, named, written)
        if pick is None:
            return None
        dataset, old = pick
        for d in data["datasets"]:
            if d["id"] == dataset:
                for f in d["fields"]:
                    if f["name"] == old:
                        f["name"] = f"{old}_v2"
                for inv in d["invariants"]:
                    if "fields" in inv:
                        inv["fields"] = [f"{old}_v2" if x == old else x for x in inv["fields"]]
        change = f"field {dataset}.{old} renamed to {old}_v2"
        return Evolved(kind, Estate.model_validate(data), change)
    if kind == "credential_rotated":
        used = [s.credential for f in flows for s in f.steps if s.credential]
        named = [s.target for s in runbook.steps if s.target in set(used)]
        if not used:
            return None
        old = (named or sorted(used, key=lambda c: (-used.count(c), c)))[0]
        new = f"{old}-r2"
        for c in data["credentials"]:
            if c["id"] == old:
                c["id"] = new
        for f in data["flows"]:
            for s in f["steps"]:
                if s.get("credential") == old:
                    s["credential"] = new
        change = f"credential {old} re-issued as {new} and rotated mid-incident"
        return Evolved(kind, Estate.model_validate(data), change, rotate=new)
    raise InputError(f"unknown evolution {kind!r}; known: {', '.join(EVOLUTIONS)}")


def _next_major(version: str | None) -> str:
    head = (version or "0").split(".", 1)[0]
    return f"{int(head) + 1}.0.0" if head.isdigit() else f"{version}-next"


def _field_to_rename(
    estate: Estate, named: Sequence[str], written: Sequence[str]
) -> tuple[str, str] | None:
    """A field the runbook relies on, else a plain (non-key, non-join) field its flows write."""
    datasets = estate.by_id("datasets")
    joins = {
        getattr(i, a)
        for d in estate.datasets
        for i in d.invariants
        for a in ("key", "field", "related_field")
        if hasattr(i, a)
    }
    for name in named:
        dataset, _, fname = name.partition(".")
        ds = datasets.get(dataset)
        if ds is not None and any(f.name == fname for f in ds.fields):
            return dataset, fname
    for dataset in dict.fromkeys(written):
        found = datasets.get(dataset)
        if found is None:
            continue
        for f in found.fields:
            if f.name != found.key and f.name not in joins:
                return dataset, f.name
    return None


# --------------------------------------------------------------------------- scenarios


def runbook_targets(runbook: Runbook, estate: Estate) -> list[Target]:
    """What a failure covered by the runbook can hit: its flows first, then the credentials its
    steps name, the credentials its flows use, and its systems."""
    flows = runbook_flows(runbook, estate)
    by_id = estate.by_id("flows")
    used = [s.credential for f in flows for s in by_id[f].steps if s.credential]
    named = [s.target for s in runbook.steps if s.target in set(used)]
    creds = dict.fromkeys([*named, *sorted(used, key=lambda c: (-used.count(c), c))])
    targets = [Target(TargetKind.flow, f, 1.0, "runbook flow") for f in flows]
    targets += [Target(TargetKind.credential, c, 1.0, "credential") for c in creds if c]
    targets += [Target(TargetKind.system, s, 1.0, "runbook system") for s in runbook.systems]
    return targets


def runbook_scenarios(
    runbook: Runbook, estate: Estate, catalog: Catalog, *, seed: int = 1, primary: bool = False
) -> list[Scenario]:
    """A scenario per failure mode and flow the runbook covers; a mode that hits no flow
    directly (a credential's rotation) gets one on the first credential or system that fits.
    With ``primary``, only the first scenario of each mode."""
    modes = runbook.failure_modes or catalog.ids()
    out: list[Scenario] = []
    for mode in modes:
        if catalog.get(mode) is None:
            continue
        found: list[Scenario] = []
        for target in runbook_targets(runbook, estate):
            if found and (primary or target.kind is not TargetKind.flow):
                break
            try:
                found.append(generate_scenario(estate, catalog, [target], seed=seed, mode=mode))
            except InputError:
                continue
        out += found
    return out


# --------------------------------------------------------------------------- one rehearsal


@dataclass(frozen=True)
class StepIssue:
    n: int  # step number, from 1; 0 = before the first step (detection)
    label: str  # rb#step-id
    title: str
    problem: str
    hard: bool  # the step could not be carried out as written


@dataclass(frozen=True)
class Rehearsal:
    runbook: str  # id@version
    scenario: str
    mode: str
    target: str
    evolution: str | None
    change: str | None
    detected: bool
    contained: bool
    restored: bool
    time_to_contain: float | None
    time_to_recover: float | None
    issues: list[StepIssue]
    verdict: dict[str, int]
    ended_at: float

    @property
    def passed(self) -> bool:
        return self.detected and self.contained and self.restored and not self.hard_issues

    @property
    def hard_issues(self) -> list[StepIssue]:
        return [i for i in self.issues if i.hard]

    @property
    def first_failure(self) -> StepIssue | None:
        """The first step that went wrong: one that could not be done, else the first that did
        not do its job, else (never started) detection; None if the run passed."""
        if self.passed:
            return None
        hard = self.hard_issues
        if hard:
            return hard[0]
        if self.issues:
            return self.issues[0]
        if not self.detected:
            return StepIssue(0, "detection", "detection", "no alert or report started it", True)
        return StepIssue(0, "outcome", "outcome", "integrity not restored by the end", False)

    def to_dict(self) -> dict[str, Any]:
        first = self.first_failure
        return {
            "runbook": self.runbook,
            "scenario": self.scenario,
            "mode": self.mode,
            "target": self.target,
            "evolution": self.evolution,
            "change": self.change,
            "passed": self.passed,
            "detected": self.detected,
            "contained": self.contained,
            "restored": self.restored,
            "time_to_contain": self.time_to_contain,
            "time_to_recover": self.time_to_recover,
            "first_failure": None
            if first is None
            else {"step": first.label, "title": first.title, "problem": first.problem},
            "verdict": self.verdict,
        }


@dataclass
class _Run:
    """The in-memory drill: log, folded state, simulator and impact tracking."""

    estate: Estate
    scenario: Scenario
    sim: Simulation
    scope: frozenset[str] = frozenset()  # datasets judged; empty = all
    events: list[Event] = field(default_factory=list)
    state: ExerciseState = field(default_factory=ExerciseState)
    damage: list[int] = field(default_factory=list)
    impact: ImpactState | None = None
    alerts_logged: int = 0
    _cached: tuple[tuple[int, int], Reconciliation] | None = None

    def submit(self, command: Event) -> list[Event]:
        produced = decide(self.state, command)
        self.commit(produced)
        return produced

    def commit(self, produced: Sequence[Event]) -> None:
        for event in produced:
            self.events.append(event)
            self.state = evolve(self.state, event)

    def run_to(self, at: float) -> None:
        minute = min(math.floor(at + 1e-9), self.scenario.duration_minutes * 4)
        starts = min((f.starts_at for f in self.scenario.failures), default=0)
        while self.sim.now < minute:
            self.sim.step(self.sim.now + 1)
            # Nothing is damaged before the first failure: skip the costly reconciliation.
            self.damage.append(damage(self.verdict()) if self.sim.now >= starts else 0)

    def verdict(self) -> Reconciliation:
        """Reconciliation of the datasets in scope (damage elsewhere is another runbook's)."""
        key = (self.sim.now, len(self.sim.action_log))
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        full = self.sim.reconcile()
        self._cached = (key, self._scoped(full))
        return self._cached[1]

    def _scoped(self, full: Reconciliation) -> Reconciliation:
        if not self.scope:
            return full
        kept = [d for d in full.datasets if d.dataset in self.scope]
        return Reconciliation(full.at, kept, full.exposed)

    def advance(self, at: float) -> list[Event]:
        at = max(at, self.state.last_at)
        self.run_to(at)
        produced = self._alerts() + self._impact(at)
        self.commit(produced)
        due = due_events(self.state, self.scenario, at)
        self.commit(due)
        return produced + due

    def _alerts(self) -> list[Event]:
        fresh = self.sim.alerts[self.alerts_logged :]
        self.alerts_logged += len(fresh)
        monitors = {m.id: m for m in self.estate.monitors}
        return list(alert_events(fresh, monitors, self.state.last_at))

    def _impact(self, at: float) -> list[Event]:
        change = next_impact(
            self.impact,
            starts=min((f.starts_at for f in self.scenario.failures), default=None),
            at=at,
            now=self.sim.now,
            damages=self.damage,
            verdict=self.verdict,
        )
        if change is None:
            return []
        self.impact = change.state
        return [ev.ImpactChanged(at=max(at, self.state.last_at), state=change.state)]

    def affected_flows(self) -> frozenset[str]:
        ids = [f.id for f in self.sim.layout.flows]
        return affected_flows(ids, [e.flow_set for e in self.sim.effects], self.scenario)


def _scope(runbook: Runbook, estate: Estate, affected: frozenset[str]) -> frozenset[str]:
    """Datasets the runbook answers for: those its flows and the failure's flows touch."""
    flows = set(runbook_flows(runbook, estate)) | affected
    return frozenset(
        t.dataset for f in estate.flows if f.id in flows for s in f.steps for t in s.touchpoints
    )


def _since(start: float | None, end: float | None) -> float | None:
    """Minutes from detection; 0 when the impact stopped before anyone noticed."""
    return None if start is None or end is None else max(0.0, round(end - start, 2))


def rehearse(
    runbook: Runbook,
    estate: Estate,
    scenario: Scenario,
    *,
    catalog: Catalog,
    latencies: Latencies | None = None,
    evolved: Evolved | None = None,
) -> Rehearsal:
    """Play ``runbook`` on autopilot against ``scenario``; judge each step and the outcome."""
    if problems := invalid_actions(runbook):
        raise InputError("; ".join(problems))
    run = _Run(estate, scenario, Simulation(estate, scenario, seed=scenario.seed, catalog=catalog))
    run.scope = _scope(runbook, estate, run.affected_flows())
    phases = [ev.PhaseBox(phase="response", minutes=scenario.duration_minutes)]
    run.submit(
        ev.Started(at=0, plan=f"stress:{runbook.id}", scenario=scenario.id, phases=phases, wall=0)
    )
    pilot = Autopilot(runbook, estate, run.affected_flows(), latencies or Latencies())
    issues: dict[int, StepIssue] = {}
    pending: list[StepRun] = []  # action steps not yet applied, in step order
    planned = False
    starts = min((f.starts_at for f in scenario.failures), default=0)
    rotate_at = starts + ROTATION_AFTER if evolved is not None and evolved.rotate else None
    end, minute, recovered_at = float(scenario.duration_minutes), 0.0, math.inf

    def issue(n: int, problem: str, *, hard: bool) -> None:
        step = runbook.steps[n - 1]
        issues.setdefault(n, StepIssue(n, runbook.step_label(n), step.title, problem, hard))

    while minute <= end:
        shown = run.advance(minute)
        if rotate_at is not None and minute >= rotate_at and evolved is not None:
            run.sim.apply(
                SimAction(
                    run.sim.now, Action.rotate_credential, evolved.rotate, {"updated_after": "3"}
                )
            )
            rotate_at = None
        while commands := pilot.react(shown, minute):
            if not planned and pilot.runs:
                pending, planned = [r for r in pilot.runs if r.outcome == "action"], True
            shown = []
            for command in commands:
                command = command.model_copy(update={"at": max(command.at, run.state.last_at)})
                shown += run.submit(command)
                if isinstance(command, ev.ActionTaken):
                    _apply(run, runbook, command, pending, issue)
            shown += run.advance(run.state.last_at)
        for r in pilot.runs:
            if r.outcome == "stale":
                issue(r.n, f"stale: {r.detail}", hard=True)
        if run.impact == "recovered" and recovered_at == math.inf:
            recovered_at = minute
        if run.impact == "recovered" and pilot.finished and minute >= recovered_at + 5:
            break
        if pilot.finished and minute >= max(r.at for r in pilot.runs) + GRACE:
            break
        minute += 1
    run.submit(ev.Ended(at=max(minute, run.state.last_at), reason="stress test finished"))
    verdict = run.verdict()
    impacts = {e.state: e.at for e in reversed(run.events) if isinstance(e, ev.ImpactChanged)}
    contained_at = impacts.get("contained", impacts.get("recovered"))
    failure = scenario.failures[0]
    return Rehearsal(
        runbook=runbook.ref,
        scenario=scenario.id,
        mode=failure.mode,
        target=failure.target.id,
        evolution=evolved.kind if evolved else None,
        change=evolved.change if evolved else None,
        detected=pilot.detected_at is not None,
        contained=contained_at is not None,
        restored=verdict.restored,
        time_to_contain=_since(pilot.detected_at, contained_at),
        time_to_recover=_since(pilot.detected_at, impacts.get("recovered")),
        issues=[issues[n] for n in sorted(issues)],
        verdict=verdict.totals(),
        ended_at=run.state.last_at,
    )


def _apply(
    run: _Run,
    runbook: Runbook,
    command: ev.ActionTaken,
    pending: list[StepRun],
    issue: Callable[..., None],
) -> None:
    """Apply one runbook action to the simulator and note what went wrong with its step."""
    n = next((r.n for r in pending if r.detail == command.action.value), 0)
    if n:
        pending[:] = [r for r in pending if r.n != n]
    if command.action in NO_SIM_EFFECT:
        return
    run.run_to(command.at)
    try:
        entry = run.sim.apply(
            SimAction(run.sim.now, command.action, command.target, dict(command.options))
        )
    except InputError as exc:
        if n:
            issue(n, f"could not be done: {exc}", hard=True)
        return
    if not n:
        return
    step = runbook.steps[n - 1]
    active = [e for e in run.sim.effects if e.active(run.sim.now) and e.fixed_by]
    if command.action in FIXES and "no active fault" in str(entry["effect"]) and active:
        issue(
            n, f"{command.action.value} ended no fault; still active: {active[0].mode}", hard=False
        )
    if is_validation(step):
        verdict = run.verdict()
        failed = _failed_checks(step.checks or [RESTORED], verdict)
        if failed:
            totals = verdict.totals()
            bad = ", ".join(
                f"{k} {totals[k]}"
                for k in ("missing", "duplicated", "corrupted", "misrouted")
                if totals[k]
            )
            issue(
                n, f"check failed: {', '.join(failed)} ({bad or 'invariants violated'})", hard=False
            )


def _failed_checks(checks: Sequence[str], verdict: Reconciliation) -> list[str]:
    violated = {i.id for d in verdict.datasets for i in d.invariants if i.status == "violated"}
    return [c for c in checks if (c == RESTORED and not verdict.restored) or c in violated]


# --------------------------------------------------------------------------- the whole test


@dataclass(frozen=True)
class StressReport:
    rehearsals: list[Rehearsal]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.rehearsals)

    def failed(self) -> list[Rehearsal]:
        return [r for r in self.rehearsals if not r.passed]

    def to_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "runs": [r.to_dict() for r in self.rehearsals]}


def stress_test(
    runbooks: Sequence[Runbook],
    estate: Estate,
    catalog: Catalog,
    *,
    evolutions: Sequence[str] = EVOLUTIONS,
    seed: int = 1,
    latencies: Latencies | None = None,
    quick: bool = False,
) -> StressReport:
    """Every runbook against every scenario it applies to on ``estate``, then against the
    primary scenario of each of its modes on each evolved estate. ``quick``: one scenario per
    mode, and one per evolved estate (what the demo runs)."""
    out: list[Rehearsal] = []
    for runbook in runbooks:
        for scenario in runbook_scenarios(runbook, estate, catalog, seed=seed, primary=quick):
            out.append(rehearse(runbook, estate, scenario, catalog=catalog, latencies=latencies))
        for kind in evolutions:
            evolved = evolve_estate(estate, runbook, kind)
            if evolved is None:
                continue
            scenarios = runbook_scenarios(runbook, evolved.estate, catalog, seed=seed, primary=True)
            for scenario in scenarios[:1] if quick else scenarios:
                out.append(
                    rehearse(
                        runbook,
                        evolved.estate,
                        scenario,
                        catalog=catalog,
                        latencies=latencies,
                        evolved=evolved,
                    )
                )
    return StressReport(out)
