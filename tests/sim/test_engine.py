"""Engine behaviour: configuration as configured, actions with consequences, the read API."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flowdrill.catalog.model import TargetKind
from flowdrill.errors import InputError
from flowdrill.estate.model import MonitorMetric
from flowdrill.sim import Simulation, parse_action
from flowdrill.sim.reconcile import compare
from tests.sim.conftest import monitor, scenario, small_estate


def test_fault_free_run_is_clean_and_silent() -> None:
    sim = Simulation(small_estate([monitor(MonitorMetric.volume_drop, 0.5)])).run(60)
    assert sim.alerts == []
    assert sim.reconcile().restored
    assert sim.conservation()["delivered"] == sim.conservation()["produced"] > 0


def test_dead_letter_then_error_workflow_and_history() -> None:
    sc = scenario("auth_mismatch", TargetKind.credential, "erp-token", start=5)
    sim = Simulation(small_estate(), sc).run(15)
    c = sim.conservation()
    assert c["dead_letter"] > 0 and c["failed"] == 0  # on_error error_output -> dead letter
    runs = sim.history("intake", status="partial")
    assert runs and runs[0].errors[0]["message"].startswith("401")
    assert runs[0].sample["email"] == "[redacted]"
    with pytest.raises(InputError):
        sim.history("nope")


def test_pause_holds_records_and_resume_releases_them() -> None:
    sim = Simulation(small_estate())
    sim.run(10, [parse_action("T+2 pause_flow intake"), parse_action("T+6 resume_flow intake")])
    assert sim.conservation()["in_flight"] == 0
    assert sim.tick_series("executions")["intake"][2:6] == [0, 0, 0, 0]


def test_isolate_and_release_quarantine() -> None:
    sc = scenario("silent_failure", TargetKind.flow, "intake", start=0, wrong_share=1.0)
    sim = Simulation(small_estate(), sc)
    sim.run(10, [parse_action("T+5 isolate_dataset orders since=0")])
    assert sim.conservation()["quarantined"] > 0
    sim.apply(parse_action("T+10 apply_fix intake"))
    sim.apply(parse_action("T+10 replay orders dedupe=true"))
    sim.apply(parse_action("T+10 reconcile"))
    assert sim.reconcile().restored


def test_rotation_makes_consumers_fail_until_updated() -> None:
    sim = Simulation(small_estate())
    sim.run(10, [parse_action("T+3 rotate_credential erp-token updated_after=3")])
    errors = sim.tick_series("errors")["intake"]
    assert errors[3] > 0 and errors[6] == 0


def test_golden_record_story_and_snapshot_is_json() -> None:
    sc = scenario("api_deprecation", TargetKind.flow, "intake", start=0)
    sim = Simulation(small_estate(), sc).run(5)
    story = sim.story()
    assert [e["event"] for e in story[:2]] == ["arrived", "failed"]
    json.dumps(sim.snapshot())


def test_unknown_action_target_is_an_input_error() -> None:
    with pytest.raises(InputError):
        Simulation(small_estate()).apply(parse_action("T+0 pause_flow nowhere"))
    with pytest.raises(InputError):
        parse_action("pause everything")


def test_compare_counts() -> None:
    expected = np.arange(10, dtype=np.int64)
    actual = np.array([0, 1, 1, 2, 3, 4, 5, 6, 7, 42], dtype=np.int64)
    bad = actual == 3
    c = compare(expected, actual, bad)
    assert (c.missing, c.duplicated, c.corrupted, c.unexpected) == (2, 1, 1, 1)
    assert c.examples["missing"] == [8, 9]


def _silent(hours: int, **config: object) -> Simulation:
    from flowdrill.sim import SimConfig

    sc = scenario("silent_failure", TargetKind.flow, "intake", start=0, hours_unnoticed=hours)
    return Simulation(small_estate(), sc, config=SimConfig(**config))  # type: ignore[arg-type]


def test_a_fault_unnoticed_for_hours_has_done_its_damage_at_t0() -> None:
    fresh, three, six = _silent(0), _silent(3), _silent(6)
    assert fresh.reconcile().totals()["corrupted"] == 0 and fresh.ledger.size == 0
    damage = [sim.reconcile().totals()["corrupted"] for sim in (three, six)]
    assert 0 < damage[0] < damage[1]  # the longer unnoticed, the more wrong rows
    assert int(six.rows.columns()[3].min()) == -360 and six.now == 0
    assert six.alerts == [] and six.flow_metrics()["intake"]["arrivals"] == 0  # unwatched
    assert np.allclose(six.quota_share, fresh.quota_share)  # the quota counts from T+0
    six.run(5)
    runs = six.history("intake")
    assert [r.minutes for r in runs[:5]] == [1] * 5 and runs[0].at == 4
    past = [r for r in runs if r.at < 0]
    assert [r.at for r in past] == [-60 * h for h in range(1, 7)]
    assert all(r.minutes == 60 for r in past)
    assert all(r.at >= 0 for r in six.history("intake", since=0))
    six.apply(parse_action("T+5 apply_fix intake"))
    six.apply(parse_action("T+5 reconcile intake"))
    assert six.reconcile().restored  # the repair reaches the rows written before T+0


def test_the_past_is_run_at_most_history_hours_back() -> None:
    capped = _silent(720, history_hours=2)
    assert int(capped.rows.columns()[3].min()) == -120


def test_a_backlog_waits_at_the_start_then_drains() -> None:
    sc = scenario(
        "delayed_delivery", TargetKind.flow, "intake", start=2,
        backlog_records=500, delay_minutes=30,
    )  # fmt: skip
    sim = Simulation(small_estate(), sc).run(3)
    assert sim.conservation()["in_flight"] >= 500
    sim.run(40)
    assert sim.conservation()["in_flight"] < 500
    assert (
        sim.conservation()["produced"]
        == sim.conservation()["delivered"] + sim.conservation()["in_flight"]
    )
    sim.apply(parse_action("T+40 replay intake"))
    assert sim.conservation()["in_flight"] == 0 and sim.reconcile().restored


def test_copies_already_exposed_are_counted_and_revoked() -> None:
    sc = scenario(
        "sensitive_data_misroute", TargetKind.flow, "intake", start=2, records_exposed=250
    )
    sim = Simulation(small_estate(), sc).run(3)
    assert int(sim.exposed.sum()) >= 250
    entry = sim.apply(parse_action("T+3 revoke_access intake"))
    assert "exposed copies removed" in entry["effect"] and int(sim.exposed.sum()) == 0


def test_the_past_is_bounded_by_records_too() -> None:
    per_hour = float(_silent(0).layout.rate_per_min.sum()) * 60
    capped = _silent(720, history_records=int(3 * per_hour))
    assert int(capped.rows.columns()[3].min()) == -180
