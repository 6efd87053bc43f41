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
