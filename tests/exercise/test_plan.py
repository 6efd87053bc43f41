"""Exercise plans: default objectives, fair role rotation, leadership interval, RACI gaps."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from flowdrill.catalog.model import Catalog, TargetKind
from flowdrill.estate.model import Estate
from flowdrill.exercise.plan import Plan, Role, build_plan, custom_objective, leadership_people
from flowdrill.scenario.generate import generate_scenario
from flowdrill.scenario.model import Phase, Scenario, Target


def _plans(
    estate: Estate, catalog: Catalog, targets: list[Target], n: int, every: int = 3
) -> list[Plan]:
    history: list[Scenario] = []
    plans: list[Plan] = []
    for seed in range(n):
        scenario = generate_scenario(estate, catalog, targets, seed=seed, history=history)
        history.append(scenario)
        plans.append(build_plan(estate, scenario, history=plans, leadership_every=every))
    return plans


def test_role_rotation_is_fair_over_8_plans(
    estate: Estate, catalog: Catalog, targets: list[Target]
) -> None:
    plans = _plans(estate, catalog, targets, 8)
    for previous, current in pairwise(plans):
        before = {(a.person, a.role) for a in previous.roles}
        assert not before & {(a.person, a.role) for a in current.roles}
    for role in Role:
        holders = [a.person for p in plans for a in p.roles if a.role is role]
        if len(holders) > 1:
            assert len(set(holders)) > 1, f"{role} always held by {holders[0]}"
    for plan in plans:
        people = [a.person for a in plan.roles]
        assert len(people) == len(set(people)), "one person, one role per plan"
    leaders = set(leadership_people(estate))
    load = Counter(a.person for p in plans for a in p.roles if a.person not in leaders)
    everyone = {p.id for p in estate.people} - leaders
    assert set(load) == everyone, "everybody takes part"
    assert max(load.values()) - min(load.values()) <= 2


def test_leadership_joins_at_the_configured_interval(
    estate: Estate, catalog: Catalog, targets: list[Target]
) -> None:
    plans = _plans(estate, catalog, targets, 7, every=3)
    assert [p.number for p in plans if p.leadership_included] == [1, 4, 7]
    leaders = set(leadership_people(estate))
    for plan in plans:
        observers = [a for a in plan.roles if a.role is Role.executive_observer]
        assert len(observers) == (1 if plan.leadership_included else 0)
        assert all(a.person in leaders for a in observers)
        assert all(a.person not in leaders for a in plan.roles if a not in observers)
    assert len({a.person for p in plans for a in p.roles if a.role is Role.executive_observer}) == 3


def test_plan_has_objectives_phases_channels_and_guide(
    estate: Estate, catalog: Catalog, targets: list[Target]
) -> None:
    scenario = generate_scenario(estate, catalog, targets, seed=2)
    plan = build_plan(
        estate, scenario, custom=[custom_objective("Protect revenue: orders flow; tills open")]
    )
    assert [o.id for o in plan.objectives] == [
        "escalation",
        "runbooks",
        "communication",
        "custom-1",
    ]
    assert plan.objectives[-1].criteria == ["orders flow", "tills open"]
    assert all(o.critical_tasks for o in plan.objectives)
    assert [p.phase for p in plan.phases] == list(Phase)
    assert sum(p.minutes for p in plan.phases) == scenario.duration_minutes
    assert {c.purpose for c in plan.channels} == {
        "incident_updates",
        "decision_justification",
        "artifact_repository",
    }
    assert set(plan.rating_scale) == {"P", "S", "M", "U"}


def test_raci_map_flags_gaps(estate: Estate, catalog: Catalog) -> None:
    target = Target(TargetKind.flow, "nodered.pick-confirm", 10.0, "test")
    scenario = generate_scenario(estate, catalog, [target], seed=1, mode="config_drift")
    plan = build_plan(estate, scenario)
    rows = {r.touchpoint: r for r in plan.raci}
    assert (
        "no RACI entry: nobody owns it"
        in rows["nodered.pick-confirm/complete-pick/pick_tasks"].gaps
    )
    assert all(r.touchpoint.startswith("nodered.pick-confirm/") for r in plan.raci)


def test_custom_objective_without_criteria() -> None:
    assert custom_objective("Practise the hand-over") == (
        "Practise the hand-over",
        ["Practise the hand-over"],
    )
