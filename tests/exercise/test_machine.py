"""The exercise state machine: commands checked against state, state = fold(events)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowdrill.exercise import events as ev
from flowdrill.exercise.machine import CommandRejected, ExerciseState, decide, evolve, fold
from flowdrill.exercise.metrics import compute

PHASES = [
    ev.PhaseBox(phase=p, minutes=m)
    for p, m in [
        ("detection", 15),
        ("triage", 15),
        ("containment", 20),
        ("recovery", 30),
        ("review", 10),
    ]
]


def start(at: float = 0.0, wall: float = 1000.0, speed: float = 1.0) -> ev.Started:
    return ev.Started(at=at, plan="plan-1", scenario="sc-1", phases=PHASES, wall=wall, speed=speed)


def run(*commands: ev._Event) -> ExerciseState:
    state = ExerciseState()
    for command in commands:
        for event in decide(state, command):  # type: ignore[arg-type]
            state = evolve(state, event)
    return state


def test_nothing_before_start_and_nothing_after_end() -> None:
    with pytest.raises(CommandRejected, match="start the exercise first"):
        run(ev.MessagePosted(at=0, channel="incident", text="hello"))
    with pytest.raises(CommandRejected, match="has ended"):
        run(start(), ev.Ended(at=5), ev.MessagePosted(at=6, channel="incident", text="late"))


def test_clock_runs_pauses_and_resumes_in_exercise_time() -> None:
    state = run(start(wall=1000.0, speed=2.0))
    assert state.clock(1000.0 + 60) == pytest.approx(2.0)  # accelerated: 2 min per minute
    state = run(start(wall=1000.0, speed=2.0), ev.Paused(at=2.0, wall=1060.0))
    assert state.clock(5000.0) == pytest.approx(2.0)  # frozen while paused
    state = evolve(state, ev.Resumed(at=2.0, wall=2000.0))
    assert state.clock(2030.0) == pytest.approx(3.0)


def test_phases_only_move_forward() -> None:
    state = run(start(), ev.PhaseAdvanced(at=10, phase="containment"))
    assert state.phase == "containment" and state.phase_started_at == 10
    with pytest.raises(CommandRejected, match="not ahead"):
        decide(state, ev.PhaseAdvanced(at=11, phase="triage"))
    with pytest.raises(CommandRejected, match="unknown phase"):
        decide(state, ev.PhaseAdvanced(at=11, phase="lunch"))


def test_an_action_waits_for_its_approval() -> None:
    state = run(
        start(),
        ev.DecisionRecorded(
            at=3, decision="d1", what="Pause order sync", rationale="stop bad data"
        ),
        ev.ApprovalRequested(at=3, decision="d1", approver_role="incident lead"),
    )
    action = ev.ActionTaken(at=4, action="pause_flow", target="n8n.order-sync", decision="d1")
    with pytest.raises(CommandRejected, match="waiting for approval"):
        decide(state, action)
    state = evolve(state, ev.ApprovalGiven(at=4, decision="d1", by="incident lead"))
    assert decide(state, action) == [action]
    assert state.decisions["d1"].approved_by == "incident lead"


def test_a_decision_needs_a_rationale_and_a_fresh_id() -> None:
    state = run(start(), ev.DecisionRecorded(at=1, decision="d1", what="x", rationale="because"))
    with pytest.raises(CommandRejected, match="already used"):
        decide(state, ev.DecisionRecorded(at=2, decision="d1", what="y", rationale="z"))
    with pytest.raises(CommandRejected, match="rationale"):
        decide(state, ev.DecisionRecorded(at=2, decision="d2", what="y", rationale="  "))


def test_time_never_runs_backwards() -> None:
    state = run(start(), ev.MessagePosted(at=10, channel="c", text="t"))
    with pytest.raises(CommandRejected, match="backwards"):
        decide(state, ev.MessagePosted(at=9, channel="c", text="t"))


def test_events_round_trip_through_storage_form() -> None:
    event = ev.DecisionRecorded(at=3.5, decision="d1", what="w", rationale="r", alternatives=["a"])
    assert ev.parse_event(event.type, event.at, ev.event_data(event)) == event


@given(st.lists(st.sampled_from(["msg", "pause", "resume", "ack", "alert"]), max_size=30))
def test_fold_equals_step_by_step_evolution(script: list[str]) -> None:
    """Replaying the log from scratch gives the same state as living through it."""
    log: list[ev.Event] = [start()]
    state, t, n = fold(log), 0.0, 0
    for word in script:
        t += 1
        n += 1
        cmd: ev._Event = {
            "msg": ev.MessagePosted(at=t, channel="c", text=str(n)),
            "pause": ev.Paused(at=t, wall=1000 + t * 60),
            "resume": ev.Resumed(at=t, wall=1000 + t * 60),
            "alert": ev.AlertRaised(at=t, alert=f"a{n}", monitor="m", message="x"),
            "ack": ev.AlertAcknowledged(at=t, alert=next(iter(state.alerts), "none")),
        }[word]
        try:
            new = decide(state, cmd)  # type: ignore[arg-type]
        except CommandRejected:
            continue
        log += new
        for event in new:
            state = evolve(state, event)
    assert fold(log) == state


def test_metrics_from_the_log() -> None:
    log: list[ev.Event] = [
        start(),
        ev.ImpactChanged(at=2, state="started"),
        ev.AlertRaised(at=6, alert="a1", monitor="m1", flow="f", message="failure rate 12%"),
        ev.InjectDelivered(
            at=8,
            inject="i1",
            kind="support_report",
            channel="c",
            sender="s",
            message="orders missing",
        ),
        ev.AlertAcknowledged(at=9, alert="a1"),
        ev.FlowIdentified(at=12, flow="f", correct=True),
        ev.DecisionRecorded(at=14, decision="d1", what="pause", rationale="contain", inject="i1"),
        ev.PhaseAdvanced(at=16, phase="triage"),
        ev.ActionTaken(at=18, action="pause_flow", target="f", runbook="rb-1"),
        ev.Escalated(at=19, to="head-of-eng"),
        ev.ImpactChanged(at=20, state="contained"),
        ev.ImpactChanged(at=50, state="recovered"),
        ev.Ended(at=60),
    ]
    m = compute(log)
    assert (m.impact_start, m.time_to_detect, m.time_to_acknowledge) == (2, 10, 3)
    assert (m.time_to_runbook_activation, m.time_to_contain, m.time_to_recover) == (6, 8, 38)
    assert m.time_to_escalate == 17
    assert m.decision_latency.median == 6
    assert m.information_visibility == 1.0
    assert [(p.phase, p.minutes, p.over) for p in m.phases] == [
        ("detection", 16, True),
        ("triage", 44, True),
    ]


def test_undetected_failure_has_no_detect_time() -> None:
    m = compute([start(), ev.ImpactChanged(at=2, state="started"), ev.Ended(at=90)])
    assert m.time_to_detect is None and m.time_to_recover is None


def test_feedback_is_accepted_after_the_end_and_nothing_else_is() -> None:
    after = ev.FeedbackSubmitted(at=6, rating=4, what_worked="clear injects", by="developer")
    state = run(start(), ev.Ended(at=5), after)
    assert state.status == "ended" and state.events == 3
    with pytest.raises(CommandRejected, match="start the exercise first"):
        run(ev.FeedbackSubmitted(at=0, rating=3))


def test_anonymous_feedback_only_when_the_facilitator_allows_it() -> None:
    anonymous = ev.FeedbackSubmitted(at=2, rating=2, what_to_improve="too fast", anonymous=True)
    with pytest.raises(CommandRejected, match="has not allowed anonymous feedback"):
        run(start(), anonymous)
    allowed = start().model_copy(update={"anonymous_feedback": True})
    state = run(allowed, anonymous)
    assert state.anonymous_feedback and state.events == 2
    with pytest.raises(CommandRejected, match="cannot name who"):
        run(allowed, anonymous.model_copy(update={"by": "developer"}))
