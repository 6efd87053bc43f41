"""Exports: handout without answers, facilitator guide with them, valid Chaos Toolkit JSON."""

from __future__ import annotations

import json

import pytest

from flowdrill.catalog.model import Catalog
from flowdrill.estate.model import Estate
from flowdrill.exercise.plan import Plan, build_plan
from flowdrill.export.chaostoolkit import experiment
from flowdrill.export.markdown import facilitator_guide, handout
from flowdrill.scenario.generate import generate_scenario
from flowdrill.scenario.model import Compound, Scenario, Target


@pytest.fixture(scope="module")
def drill(estate: Estate, catalog: Catalog, targets: list[Target]) -> tuple[Scenario, Plan]:
    scenario = generate_scenario(estate, catalog, targets, seed=9, compound=Compound.two_failures)
    return scenario, build_plan(estate, scenario)


def test_handout_hides_the_answers(drill: tuple[Scenario, Plan]) -> None:
    scenario, plan = drill
    text = handout(plan, scenario)
    assert scenario.narrative in text
    assert "Discussion questions" in text
    for failure in scenario.failures:
        assert failure.root_cause_detail not in text
    for secret in ("Expected actions", "Success criteria", "Master scenario events", "P/S/M/U"):
        assert secret not in text


def test_facilitator_guide_has_the_answers(drill: tuple[Scenario, Plan]) -> None:
    scenario, plan = drill
    text = facilitator_guide(plan, scenario)
    for failure in scenario.failures:
        assert failure.root_cause_detail in text
    for section in ("Expected actions", "Success criteria", "Master scenario events", "RACI map"):
        assert section in text
    assert "Rating (P/S/M/U)" in text


def test_chaostoolkit_experiment_validates(estate: Estate, drill: tuple[Scenario, Plan]) -> None:
    chaoslib = pytest.importorskip("chaoslib.experiment")
    scenario, plan = drill
    data = json.loads(json.dumps(experiment(estate, scenario, plan)))
    chaoslib.ensure_experiment_is_valid(data)
    assert len(data["method"]) == len(scenario.failures)
    assert data["steady-state-hypothesis"]["probes"]
    assert data["rollbacks"]
    assert data["extensions"][0]["name"] == "flowdrill"
