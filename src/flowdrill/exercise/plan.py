"""Exercise plans: objectives, roles, RACI map, phases, channels and the evaluation guide.

Pure: a plan is built from the estate, a scenario and the plans on record (for rotation), so
building it twice gives the same plan. Roles rotate: whoever held a role in the last plan is not
picked for it again while someone else can take it, and people who held it least come first.
Leadership joins every ``leadership_every``-th plan as executive observer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from enum import StrEnum
from typing import Literal

from pydantic import Field

from flowdrill.catalog.model import Strict, TargetKind
from flowdrill.estate.model import Estate, Flow, Person, RaciEntry, Step
from flowdrill.scenario.generate import affected_steps
from flowdrill.scenario.model import Phase, Scenario, TargetRef


class Role(StrEnum):
    facilitator = "facilitator"
    evaluator_scribe = "evaluator_scribe"
    incident_lead = "incident_lead"
    developer = "developer"
    platform_engineer = "platform_engineer"
    business_analyst = "business_analyst"
    security = "security"
    compliance = "compliance"
    customer_support = "customer_support"
    executive_observer = "executive_observer"


#: Words in a person's job roles that make them a natural fit (others can still rotate in).
ROLE_HINTS: dict[Role, tuple[str, ...]] = {
    Role.facilitator: ("manager", "lead"),
    Role.evaluator_scribe: ("analyst", "qa", "controller", "specialist"),
    Role.incident_lead: ("incident", "on-call", "lead", "head"),
    Role.developer: ("engineer", "developer", "builder"),
    Role.platform_engineer: ("platform", "administrator", "admin", "maintainer"),
    Role.business_analyst: ("analyst", "analytics", "operations", "controller"),
    Role.security: ("security",),
    Role.compliance: ("compliance", "data protection"),
    Role.customer_support: ("support", "care"),
}


class Rating(StrEnum):
    """HSEEP performance ratings."""

    P = "P"
    S = "S"
    M = "M"
    U = "U"


RATING_SCALE: dict[str, str] = {
    "P": "Performed without challenges",
    "S": "Performed with some challenges",
    "M": "Performed with major challenges",
    "U": "Unable to be performed",
}


class CriticalTask(Strict):
    id: str
    task: str
    phase: Phase | None = None
    rating: Rating | None = Field(None, description="filled in by the evaluator: P, S, M or U")
    notes: str = ""


class Objective(Strict):
    id: str
    title: str
    criteria: list[str] = Field(min_length=1)
    critical_tasks: list[CriticalTask] = Field(min_length=1)
    custom: bool = False


class Assignment(Strict):
    role: Role
    person: str
    name: str
    team: str | None = None


class RaciRow(Strict):
    touchpoint: str
    responsible: list[str] = Field(default_factory=list)
    accountable: str | None = None
    consulted: list[str] = Field(default_factory=list)
    informed: list[str] = Field(default_factory=list)
    authorises_changes: str | None = None
    tests_new_flows: str | None = None
    approves_api_access: str | None = None
    gaps: list[str] = Field(default_factory=list)


class PhasePlan(Strict):
    phase: Phase
    starts_at: int
    minutes: int
    goal: str
    expected_actions: list[str] = Field(default_factory=list)


class Channel(Strict):
    purpose: Literal["incident_updates", "decision_justification", "artifact_repository"]
    name: str
    description: str


class Plan(Strict):
    """One exercise plan; plans on record drive role rotation."""

    id: str
    number: int = Field(ge=1)
    scenario: str
    title: str
    objectives: list[Objective]
    roles: list[Assignment]
    leadership_included: bool
    raci: list[RaciRow]
    phases: list[PhasePlan]
    channels: list[Channel]
    rating_scale: dict[str, str] = Field(default_factory=lambda: dict(RATING_SCALE))


PHASE_GOALS = {
    Phase.detection: "Notice the failure and identify the affected flow.",
    Phase.triage: "Understand scope and cause; escalate; open the runbook.",
    Phase.containment: "Stop the spread of bad or lost data.",
    Phase.recovery: "Restore service and prove the business state by reconciliation.",
    Phase.review: "Hot wash: what worked, what did not, corrective actions with owners.",
}
PHASE_WEIGHTS = {
    Phase.detection: 15,
    Phase.triage: 15,
    Phase.containment: 20,
    Phase.recovery: 20,
    Phase.review: 20,
}


def custom_objective(text: str) -> tuple[str, list[str]]:
    """``"Title: criterion; criterion"`` -> title and criteria (the title alone if none)."""
    title, _, rest = text.partition(":")
    criteria = [c.strip() for c in rest.split(";") if c.strip()]
    return title.strip(), criteria or [title.strip()]


def leadership_people(estate: Estate) -> list[str]:
    """People of a leadership/executive team, else those on 3+ teams' escalation chains."""
    teams = [
        t.id
        for t in estate.teams
        if any(w in f"{t.id} {t.name}".lower() for w in ("leadership", "executive"))
    ]
    if teams:
        return sorted(p.id for p in estate.people if p.team in teams)
    counts = Counter(p for t in estate.teams for p in set(t.escalation) if p != t.oncall)
    return sorted(p.id for p in estate.people if counts[p.id] >= 3)


def touched_steps(estate: Estate, scenario: Scenario) -> list[tuple[Flow, Step]]:
    seen: dict[str, tuple[Flow, Step]] = {}
    refs = [f.target for f in scenario.failures]
    if scenario.rotation is not None:
        refs.append(TargetRef(kind=TargetKind.credential, id=scenario.rotation.credential))
    for ref in refs:
        for flow, step in affected_steps(estate, ref):
            seen.setdefault(f"{flow.id}/{step.id}", (flow, step))
    return list(seen.values())


def raci_map(estate: Estate, scenario: Scenario) -> list[RaciRow]:
    """The RACI of every touchpoint the scenario touches, with its gaps flagged."""
    entries: dict[str, RaciEntry] = {r.touchpoint: r for r in estate.raci}
    rows = []
    for flow, step in touched_steps(estate, scenario):
        for touch in step.touchpoints:
            key = f"{flow.id}/{step.id}/{touch.dataset}"
            entry = entries.get(key)
            if entry is None:
                rows.append(RaciRow(touchpoint=key, gaps=["no RACI entry: nobody owns it"]))
                continue
            gaps = []
            if not entry.responsible:
                gaps.append("nobody responsible")
            if entry.accountable is None:
                gaps.append("nobody accountable")
            if entry.authorises_changes is None:
                gaps.append("no change authoriser")
            if entry.tests_new_flows is None:
                gaps.append("no tester for changes")
            if entry.approves_api_access is None:
                gaps.append("no API-access approver")
            parties = {
                *entry.responsible,
                entry.accountable,
                entry.authorises_changes,
                entry.tests_new_flows,
                entry.approves_api_access,
            } - {None}
            people = estate.by_id("people")
            if len(parties) == 1 and next(iter(parties)) in people and len(entry.responsible) == 1:
                gaps.append("one person holds every role (bus factor)")
            rows.append(RaciRow(**entry.model_dump(), gaps=gaps))
    return sorted(rows, key=lambda r: r.touchpoint)


def _fits(person: Person, role: Role) -> bool:
    text = " ".join(person.roles).lower()
    return any(word in text for word in ROLE_HINTS.get(role, ()))


def assign_roles(
    estate: Estate, history: Sequence[Plan], *, include_leadership: bool
) -> list[Assignment]:
    """Rotate roles over the people: nobody gets the role they had last time if avoidable."""
    leaders = set(leadership_people(estate))
    held: Counter[tuple[str, Role]] = Counter()
    total: Counter[str] = Counter()
    for plan in history:
        for a in plan.roles:
            held[(a.person, a.role)] += 1
            total[a.person] += 1
    last = {(a.person, a.role) for a in history[-1].roles} if history else set()
    people = sorted(estate.people, key=lambda p: p.id)
    taken: set[str] = set()
    out: list[Assignment] = []
    # Specialist roles first, so the few natural fits are not used up by generic roles.
    roles: list[Role] = sorted(
        (r for r in Role if r is not Role.executive_observer),
        key=lambda r: (len(ROLE_HINTS[r]), list(Role).index(r)),
    )
    if include_leadership:
        roles.insert(0, Role.executive_observer)
    for role in roles:
        if role is Role.executive_observer:
            pool = [p for p in people if p.id in leaders]
        else:
            pool = [p for p in people if p.id not in leaders]
        pool = [p for p in pool if p.id not in taken]
        if not pool:
            continue
        chosen = min(
            pool,
            key=lambda p: (
                (p.id, role) in last,
                held[(p.id, role)] + (0 if _fits(p, role) else 1),
                total[p.id],
                p.id,
            ),
        )
        taken.add(chosen.id)
        out.append(Assignment(role=role, person=chosen.id, name=chosen.name, team=chosen.team))
    return out


def _phases(scenario: Scenario) -> list[PhasePlan]:
    weight = sum(PHASE_WEIGHTS.values())
    out, start = [], 0
    for n, phase in enumerate(Phase):
        minutes = (
            scenario.duration_minutes - start
            if n == len(Phase) - 1
            else round(scenario.duration_minutes * PHASE_WEIGHTS[phase] / weight)
        )
        actions = [
            e.action.value + (f" ({e.target.id})" if e.target else "")
            for e in scenario.expected_actions
            if e.phase is phase
        ]
        out.append(
            PhasePlan(
                phase=phase,
                starts_at=start,
                minutes=minutes,
                goal=PHASE_GOALS[phase],
                expected_actions=actions,
            )
        )
        start += minutes
    return out


def build_plan(
    estate: Estate,
    scenario: Scenario,
    *,
    history: Sequence[Plan] = (),
    custom: Sequence[tuple[str, list[str]]] = (),
    leadership_every: int = 3,
) -> Plan:
    """The next plan for ``scenario``, given the plans on record."""
    number = max((p.number for p in history), default=0) + 1
    include_leadership = (number - 1) % max(1, leadership_every) == 0
    roles = assign_roles(estate, history, include_leadership=include_leadership)
    raci = raci_map(estate, scenario)
    slug = scenario.id
    channels = [
        Channel(
            purpose="incident_updates",
            name=f"#drill-{slug}",
            description="status updates at every phase change; one voice: the incident lead",
        ),
        Channel(
            purpose="decision_justification",
            name=f"#drill-{slug}-decisions",
            description="every decision with its rationale, alternatives and approver",
        ),
        Channel(
            purpose="artifact_repository",
            name=f"artifacts/p{number:03d}-{slug}/",
            description="screenshots, queries, reconciliation results, the timeline",
        ),
    ]
    objectives = _objectives(estate, scenario, raci, channels)
    for n, (title, criteria) in enumerate(custom, start=1):
        objectives.append(
            Objective(
                id=f"custom-{n}",
                title=title,
                criteria=criteria,
                critical_tasks=[
                    CriticalTask(id=f"custom-{n}.{k}", task=c)
                    for k, c in enumerate(criteria, start=1)
                ],
                custom=True,
            )
        )
    return Plan(
        id=f"p{number:03d}-{slug}",
        number=number,
        scenario=scenario.id,
        title=f"Tabletop drill: {scenario.title}",
        objectives=objectives,
        roles=roles,
        leadership_included=include_leadership,
        raci=raci,
        phases=_phases(scenario),
        channels=channels,
    )


def _objectives(
    estate: Estate, scenario: Scenario, raci: list[RaciRow], channels: list[Channel]
) -> list[Objective]:
    teams = estate.by_id("teams")
    people = estate.by_id("people")
    flows = {flow.id: flow for flow, _ in touched_steps(estate, scenario)}
    weight: dict[str, int] = {}
    for f in flows.values():
        if f.owner_team:
            weight[f.owner_team] = max(weight.get(f.owner_team, 0), f.criticality.weight)
    owners = sorted(weight, key=lambda t: (-weight[t], t))
    chains = []
    for team_id in owners[:3]:
        team = teams[team_id]
        names = [getattr(people.get(p) or teams.get(p), "name", p) for p in team.escalation]
        oncall = people[team.oncall].name if team.oncall in people else "nobody on call"
        chains.append(f"{team.name}: {oncall} -> " + " -> ".join(names))
    escalation = Objective(
        id="escalation",
        title="Confirm escalation paths",
        criteria=[
            "The first signal reaches the owning team's on-call within the detection time box.",
            *(f"Escalation follows the documented chain ({c})." for c in chains),
            "The accountable owner of every touched touchpoint is reached, or the gap is noted.",
        ],
        critical_tasks=[
            CriticalTask(
                id="escalation.1",
                task="Acknowledge the first alert or report",
                phase=Phase.detection,
            ),
            CriticalTask(
                id="escalation.2", task="Escalate along the owning team's chain", phase=Phase.triage
            ),
            CriticalTask(
                id="escalation.3",
                task="Reach the accountable owners in the RACI map",
                phase=Phase.triage,
            ),
        ],
    )
    modes = set(scenario.modes())
    runbooks = [
        r for r in estate.runbooks if set(r.flows) & set(flows) or set(r.failure_modes) & modes
    ]
    containment = sorted(
        {e.action.value for e in scenario.expected_actions if e.phase is Phase.containment}
    )
    runbook = Objective(
        id="runbooks",
        title="Validate runbooks",
        criteria=[
            f"Runbook '{r.title}' is found and followed; gaps in it are noted." for r in runbooks
        ]
        or ["No runbook covers these flows: the team records its steps as a runbook draft."],
        critical_tasks=[
            CriticalTask(
                id="runbooks.1", task="Find and open the applicable runbook", phase=Phase.triage
            ),
            CriticalTask(
                id="runbooks.2",
                task=f"Carry out the containment steps ({', '.join(containment)})",
                phase=Phase.containment,
            ),
            CriticalTask(
                id="runbooks.3", task="Verify recovery by reconciliation", phase=Phase.recovery
            ),
        ],
    )
    informed = sorted({p for row in raci for p in row.informed})
    updates, decisions, artifacts = (c.name for c in channels)
    communication = Objective(
        id="communication",
        title="Test communication channels",
        criteria=[
            f"Status updates are posted in {updates} at every phase change.",
            f"Every decision is justified in {decisions}.",
            f"Evidence is kept in {artifacts}.",
            "Informed parties hear from the team"
            + (f": {', '.join(informed)}." if informed else "."),
        ],
        critical_tasks=[
            CriticalTask(
                id="communication.1",
                task="Post a status update at each phase change",
                phase=Phase.triage,
            ),
            CriticalTask(
                id="communication.2",
                task="Record each decision with its rationale",
                phase=Phase.containment,
            ),
            CriticalTask(
                id="communication.3",
                task="Inform the stakeholders listed as informed",
                phase=Phase.recovery,
            ),
        ],
    )
    return [escalation, runbook, communication]
