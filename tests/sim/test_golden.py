"""Golden records: a record a fault hits is traced end to end, so a report can tell the
incident as that record lived it."""

from __future__ import annotations

from flowdrill.catalog.model import TargetKind
from flowdrill.sim import Simulation, parse_action
from tests.sim.conftest import scenario, small_estate


def _events(sim: Simulation) -> list[tuple[int, str, str]]:
    told = sim.telling_story()
    assert told is not None
    return [(int(s["at"]), str(s["event"]), str(s["detail"])) for s in told[1]]


def test_a_healthy_run_has_no_story_to_tell() -> None:
    sim = Simulation(small_estate()).run(20)
    assert sim.telling_story() is None
    assert [s["event"] for s in sim.story()][:2] == ["arrived", "delivered"]


def test_a_dead_lettered_record_is_traced_through_its_replay() -> None:
    sc = scenario("auth_mismatch", TargetKind.credential, "erp-token", start=5)
    sim = Simulation(small_estate(), sc).run(
        30, [parse_action("T+20 rotate_credential erp-token updated_after=0")]
    )
    sim.apply(parse_action("T+30 replay intake dedupe=true"))
    events = _events(sim)
    assert events[0][:2] == (5, "arrived") and events[1][1] == "parked"
    assert events[1][2].startswith("at step ")
    assert [e[1] for e in events[2:]] == ["replayed", "delivered"] and events[2][0] == 30


def test_a_record_written_wrongly_before_the_drill_began_is_the_story() -> None:
    sc = scenario(
        "silent_failure", TargetKind.flow, "intake", start=0, wrong_share=1.0, hours_unnoticed=2
    )
    events = _events(Simulation(small_estate(), sc))
    assert events[0][0] == -120 and events[-1][1:] == ("delivered", "written with a wrong value")


def test_a_duplicate_says_it_was_written_twice() -> None:
    sc = scenario("duplicate_delivery", TargetKind.flow, "intake", start=3, duplicate_rate=1.0)
    events = _events(Simulation(small_estate(), sc).run(10))
    assert events == [(3, "arrived", ""), (3, "delivered", "written twice")]
