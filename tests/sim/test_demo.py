"""The simulator on the demo estate: silent when healthy, and every generated scenario runs."""

from __future__ import annotations

import pytest

from flowdrill.catalog.load import load_catalog
from flowdrill.estate.model import Estate
from flowdrill.scenario.generate import generate_scenario
from flowdrill.service.drills import rank_targets
from flowdrill.service.workspace import open_workspace
from flowdrill.sim import Simulation


@pytest.fixture(scope="module")
def demo() -> Estate:
    estate: Estate = open_workspace(demo=True).estate
    return estate


def test_healthy_demo_raises_no_alert_and_reconciles(demo: Estate) -> None:
    sim = Simulation(demo).run(90)
    assert sim.alerts == []
    assert sim.reconcile().restored


@pytest.mark.parametrize("mode", ["auth_mismatch", "platform_outage"])
def test_generated_demo_scenarios_raise_alerts(demo: Estate, mode: str) -> None:
    catalog = load_catalog()
    sc = generate_scenario(demo, catalog, rank_targets(demo), seed=3, mode=mode)
    sim = Simulation(demo, sc, catalog=catalog).run(sc.duration_minutes)
    assert any(a.state == "firing" for a in sim.alerts), mode
    assert not sim.reconcile().restored
