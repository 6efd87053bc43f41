"""What the scenario makes happen by a minute: timed, noise and conditional injects."""

from __future__ import annotations

import pytest

from flowdrill.catalog.model import Action
from flowdrill.exercise import events as ev
from flowdrill.exercise.machine import CommandRejected, ExerciseState, decide, evolve, fold
from flowdrill.exercise.schedule import due_events
from flowdrill.scenario.model import (
    Condition,
    ConditionalInject,
    Inject,
    InjectKind,
    NoiseInject,
    Scenario,
)

PHASES = [ev.PhaseBox(phase="detection", minutes=10), ev.PhaseBox(phase="triage", minutes=20)]


def scenario(base: Scenario) -> Scenario:
    talk = {"sender": "Support", "channel": "incident"}
    return base.model_copy(
        update={
            "injects": [
                Inject(
                    id="i-report",
                    at=5,
                    kind=InjectKind.support_report,
                    message="Customers report missing invoices",
                    **talk,
                )
            ],
            "noise": [
                NoiseInject(
                    id="n-lunch", at=2, delay_minutes=6, message="Lunch order is in", **talk
                )
            ],
            "conditional_injects": [
                ConditionalInject(
                    id="c-cfo",
                    kind=InjectKind.executive_question,
                    message="Why still down?",
                    condition=Condition(when="not_done_by", action=Action.pause_flow, minute=15),
                    **talk,
                ),
                ConditionalInject(
                    id="c-vendor",
                    kind=InjectKind.vendor_notice,
                    message="Token revoked at 09:40",
                    condition=Condition(when="after", action=Action.rotate_credential),
                    **talk,
                ),
            ],
        }
    )


def started(human_factors: bool = True) -> ExerciseState:
    return fold(
        [
            ev.Started(
                at=0, plan="p", scenario="s", phases=PHASES, wall=0, human_factors=human_factors
            )
        ]
    )


def run_to(state: ExerciseState, sc: Scenario, minute: float) -> tuple[ExerciseState, list[str]]:
    fired = due_events(state, sc, minute)
    for event in fired:
        state = evolve(state, event)
    return state, [getattr(e, "inject", e.type) for e in fired]


def test_timed_and_noise_injects_arrive_in_order(targets_scenario: Scenario) -> None:
    sc = scenario(targets_scenario)
    state, fired = run_to(started(), sc, 4)
    assert fired == []
    state, fired = run_to(state, sc, 9)
    assert fired == ["i-report", "n-lunch"]  # the noise arrives 6 minutes late
    assert run_to(state, sc, 9)[1] == []  # nothing twice


def test_noise_is_off_without_human_factors(targets_scenario: Scenario) -> None:
    _, fired = run_to(started(human_factors=False), scenario(targets_scenario), 30)
    assert "n-lunch" not in fired and "i-report" in fired


def test_not_done_by_fires_only_if_the_action_is_missing(targets_scenario: Scenario) -> None:
    sc = scenario(targets_scenario)
    _, fired = run_to(started(), sc, 16)
    assert "c-cfo" in fired
    acted = evolve(started(), ev.ActionTaken(at=3, action=Action.pause_flow, target="f"))
    _, fired = run_to(acted, sc, 16)
    assert "c-cfo" not in fired


def test_after_fires_right_after_the_action(targets_scenario: Scenario) -> None:
    sc = scenario(targets_scenario)
    state, fired = run_to(started(), sc, 3)
    assert "c-vendor" not in fired
    state = evolve(state, ev.ActionTaken(at=3, action=Action.rotate_credential, target="k"))
    _, fired = run_to(state, sc, 3)
    assert "c-vendor" in fired


def test_time_box_warning_once(targets_scenario: Scenario) -> None:
    state, fired = run_to(started(), scenario(targets_scenario), 11)
    assert fired.count("timebox_exceeded") == 1
    assert run_to(state, scenario(targets_scenario), 12)[1].count("timebox_exceeded") == 0


def test_a_held_inject_waits_until_fired_by_hand(targets_scenario: Scenario) -> None:
    sc = scenario(targets_scenario)
    state = evolve(started(), ev.InjectHeld(at=1, inject="i-report"))
    state, fired = run_to(state, sc, 30)
    assert "i-report" not in fired
    fired_by_hand = ev.InjectDelivered(
        at=31,
        inject="i-report",
        kind="support_report",
        channel="incident",
        sender="Support",
        message="now",
    )
    assert decide(state, fired_by_hand) == [fired_by_hand]
    with pytest.raises(CommandRejected, match="already delivered or held"):
        decide(state, ev.InjectHeld(at=31, inject="i-report"))
