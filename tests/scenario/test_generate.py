"""Scenario generation: valid, bound to real targets, rotating, deterministic."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from flowdrill.catalog.model import Action, Catalog
from flowdrill.estate.model import Estate
from flowdrill.scenario.generate import generate_scenario
from flowdrill.scenario.model import Compound, Scenario, Target, check_scenario, target_exists
from flowdrill.yamlfile import dump_yaml, parse_yaml, validate_document

COMPOUNDS = [Compound.none, Compound.two_failures, Compound.during_rotation]


def _series(estate: Estate, catalog: Catalog, targets: list[Target], n: int) -> list[Scenario]:
    history: list[Scenario] = []
    for i in range(n):
        history.append(
            generate_scenario(
                estate, catalog, targets, seed=i, history=history, compound=COMPOUNDS[i % 3]
            )
        )
    return history


def test_generated_scenarios_validate_and_targets_exist(
    estate: Estate, catalog: Catalog, targets: list[Target]
) -> None:
    for scenario in _series(estate, catalog, targets, 12):
        assert check_scenario(scenario, estate, catalog) == []
        for failure in scenario.failures:
            assert target_exists(estate, failure.target)
        for action in scenario.expected_actions:
            assert action.target is None or target_exists(estate, action.target)
        if scenario.rotation is not None:
            assert scenario.rotation.credential in estate.by_id("credentials")


def test_conditional_injects_refer_to_real_actions(
    estate: Estate, catalog: Catalog, targets: list[Target]
) -> None:
    for scenario in _series(estate, catalog, targets, 6):
        expected = {e.action for e in scenario.expected_actions}
        assert scenario.conditional_injects
        for inject in scenario.conditional_injects:
            assert inject.condition.action in set(Action)
            if inject.condition.when == "not_done_by":
                assert inject.condition.action in expected


def test_modes_rotate_across_runs(estate: Estate, catalog: Catalog, targets: list[Target]) -> None:
    history: list[Scenario] = []
    for seed in range(len(catalog.modes)):
        history.append(generate_scenario(estate, catalog, targets, seed=seed, history=history))
    assert sorted(s.failures[0].mode for s in history) == catalog.ids()


def test_highest_risk_target_first(estate: Estate, catalog: Catalog, targets: list[Target]) -> None:
    scenario = generate_scenario(estate, catalog, targets, seed=1)
    assert (scenario.failures[0].target.kind, scenario.failures[0].target.id) == (
        targets[0].kind,
        targets[0].id,
    )


def test_compound_scenarios(estate: Estate, catalog: Catalog, targets: list[Target]) -> None:
    two = generate_scenario(estate, catalog, targets, seed=5, compound=Compound.two_failures)
    first, second = two.failures
    assert first.mode != second.mode and first.target != second.target
    assert second.starts_at > first.starts_at
    rotating = generate_scenario(
        estate, catalog, targets, seed=5, compound=Compound.during_rotation
    )
    assert rotating.rotation is not None
    assert any(e.action is Action.rotate_credential for e in rotating.expected_actions)


def test_forced_mode(estate: Estate, catalog: Catalog, targets: list[Target]) -> None:
    scenario = generate_scenario(estate, catalog, targets, seed=1, mode="webhook_flood")
    flow = estate.by_id("flows")[scenario.failures[0].target.id]
    assert flow.trigger.kind.value == "webhook"


def test_yaml_round_trip(estate: Estate, catalog: Catalog, targets: list[Target]) -> None:
    scenario = generate_scenario(estate, catalog, targets, seed=3, compound=Compound.two_failures)
    text = dump_yaml(scenario.model_dump(mode="json", exclude_none=True))
    doc, problems = parse_yaml(text, "s.yaml")
    assert problems == []
    assert validate_document(doc, Scenario) == scenario


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), compound=st.sampled_from(COMPOUNDS))
def test_same_seed_same_scenario(
    estate: Estate, catalog: Catalog, targets: list[Target], seed: int, compound: Compound
) -> None:
    a = generate_scenario(estate, catalog, targets, seed=seed, compound=compound)
    b = generate_scenario(estate, catalog, targets, seed=seed, compound=compound)
    assert a == b
