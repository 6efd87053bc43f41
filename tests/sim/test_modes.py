"""Every failure mode of the catalog: its signal fires when a monitor exists and stays silent
when none does; the documented recovery restores integrity; a wrong one is caught."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from flowdrill.catalog.model import Catalog, TargetKind
from flowdrill.estate.model import MonitorMetric as M
from flowdrill.sim import Simulation, parse_action
from flowdrill.sim.faults import PAST_HOURS
from tests.sim.conftest import monitor, scenario, small_estate

END = 70


@dataclass
class Case:
    mode: str
    kind: TargetKind
    target: str
    metric: M | None  # None: the mode has no monitor signal (silent by nature)
    threshold: float
    recovery: list[str]
    wrong: list[str]
    params: dict[str, Any] = field(default_factory=dict)


FLOW, SYSTEM, CRED, PLATFORM = (
    TargetKind.flow,
    TargetKind.system,
    TargetKind.credential,
    (TargetKind.platform),
)
CATCH_UP = ["T+40 replay intake since=0"]  # a catch-up that re-sends everything, no de-dup

CASES = [
    Case(
        "api_deprecation",
        FLOW,
        "intake",
        M.error_count,
        5,
        ["T+20 apply_fix intake", "T+25 replay intake dedupe=true", "T+26 reconcile intake"],
        ["T+20 apply_fix intake"],
    ),
    Case(
        "auth_mismatch",
        CRED,
        "erp-token",
        M.error_count,
        5,
        [
            "T+20 rotate_credential erp-token",
            "T+30 replay intake dedupe=true",
            "T+31 reconcile intake",
        ],
        ["T+20 rotate_credential erp-token"],
    ),
    Case(
        "config_drift",
        FLOW,
        "intake",
        M.schema,
        5,
        ["T+20 rollback_connector intake", "T+21 reconcile intake"],
        ["T+20 rollback_connector intake"],
    ),
    Case(
        "connector_upgrade",
        FLOW,
        "intake",
        M.schema,
        5,
        ["T+20 rollback_connector intake", "T+21 reconcile intake"],
        ["T+20 rollback_connector intake"],
    ),
    Case(
        "credential_rotation_failure",
        CRED,
        "erp-token",
        M.error_count,
        5,
        [
            "T+20 rotate_credential erp-token",
            "T+30 replay intake dedupe=true",
            "T+31 reconcile intake",
        ],
        ["T+20 rotate_credential erp-token"],
    ),
    Case(
        "delayed_delivery",
        FLOW,
        "intake",
        M.freshness,
        10,
        ["T+20 throttle intake", "T+30 replay intake"],
        ["T+20 notify intake"],
    ),
    Case(
        "destination_outage",
        SYSTEM,
        "erp",
        M.error_count,
        5,
        ["T+35 replay intake dedupe=true", "T+36 reconcile intake"],
        CATCH_UP,
        {"duration_minutes": 20},
    ),
    Case(
        "duplicate_delivery",
        FLOW,
        "intake",
        M.duplicates,
        3,
        ["T+20 apply_fix intake", "T+21 reconcile intake"],
        ["T+20 apply_fix intake", "T+21 replay intake since=0"],
    ),
    Case(
        "format_mismatch",
        FLOW,
        "intake",
        M.schema,
        5,
        ["T+20 apply_fix intake", "T+21 reconcile intake"],
        ["T+20 apply_fix intake"],
    ),
    Case(
        "partial_data_loss",
        FLOW,
        "intake",
        M.volume_drop,
        0.97,
        ["T+20 apply_fix intake", "T+21 replay intake since=0 dedupe=true"],
        ["T+20 apply_fix intake", "T+21 replay intake since=0"],
    ),
    Case(
        "platform_outage",
        PLATFORM,
        "p1",
        M.volume_drop,
        0.5,
        ["T+20 apply_fix p1"],
        CATCH_UP,
        {"duration_minutes": 30},
    ),
    Case(
        "rate_limit",
        FLOW,
        "intake",
        M.error_count,
        3,
        ["T+20 apply_fix intake", "T+21 replay intake dedupe=true", "T+22 reconcile intake"],
        ["T+20 apply_fix intake", "T+21 replay intake since=0"],
        {"limit_per_minute": 5},
    ),
    Case(
        "schema_drift",
        FLOW,
        "intake",
        M.schema,
        5,
        ["T+20 apply_fix intake", "T+21 replay intake dedupe=true", "T+22 reconcile intake"],
        ["T+20 apply_fix intake"],
        {"field": "total"},
    ),
    Case(
        "sensitive_data_misroute",
        FLOW,
        "intake",
        None,
        0,
        ["T+20 apply_fix intake", "T+21 revoke_access intake"],
        ["T+20 apply_fix intake"],
    ),
    Case(
        "silent_failure",
        FLOW,
        "intake",
        None,
        0,
        ["T+20 apply_fix intake", "T+21 reconcile intake"],
        ["T+20 apply_fix intake"],
    ),
    Case(
        "source_outage",
        SYSTEM,
        "shop",
        M.volume_drop,
        0.5,
        ["T+35 replay intake"],
        CATCH_UP,
        {"duration_minutes": 20},
    ),
    Case(
        "task_quota_exhausted",
        PLATFORM,
        "p1",
        M.quota,
        0.9,
        ["T+20 apply_fix p1"],
        ["T+20 pause_flow intake"],
        {"used_at_start": 0.999},
    ),
    Case(
        "webhook_flood",
        FLOW,
        "intake",
        M.duplicates,
        3,
        ["T+20 apply_fix intake", "T+21 reconcile intake"],
        ["T+20 block_source intake"],
    ),
]


def _run(
    case: Case, *, with_monitor: bool, actions: tuple[str, ...] | list[str] = (), until: int = END
) -> Simulation:
    monitors = [monitor(case.metric or M.error_count, case.threshold or 1)] if with_monitor else []
    sim = Simulation(
        small_estate(monitors), scenario(case.mode, case.kind, case.target, **case.params)
    )
    return sim.run(until, [parse_action(a) for a in actions])


def test_every_catalog_mode_has_a_case(catalog: Catalog) -> None:
    assert sorted(c.mode for c in CASES) == catalog.ids()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.mode)
def test_signal_fires_only_with_a_monitor(case: Case) -> None:
    firing = [a for a in _run(case, with_monitor=True).alerts if a.state == "firing"]
    if case.metric is None:
        assert firing == []  # no monitor metric can see this mode
    else:
        assert firing, f"{case.mode}: no {case.metric.value} alert"
        began = 0 if case.mode in PAST_HOURS else 5  # a fault going on for hours: from T+0
        assert firing[0].at >= began and firing[0].metric == case.metric.value
        assert firing[0].snapshot["arrivals"] >= 0
    assert _run(case, with_monitor=False).alerts == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.mode)
def test_fault_breaks_integrity_and_documented_recovery_restores_it(case: Case) -> None:
    broken = _run(case, with_monitor=False, until=20)  # mid-fault, nothing done yet
    assert not broken.reconcile().restored
    fixed = _run(case, with_monitor=False, actions=case.recovery)
    report = fixed.reconcile()
    assert report.restored, (case.mode, report.totals(), fixed.conservation())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.mode)
def test_wrong_recovery_is_caught_by_reconciliation(case: Case) -> None:
    report = _run(case, with_monitor=False, actions=case.wrong).reconcile()
    assert not report.restored
    assert report.verdict == "not restored"
