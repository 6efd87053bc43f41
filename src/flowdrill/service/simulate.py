"""Application layer for the simulator: run a scenario of a workspace with a seed and a timed
list of actions, and return what the CLI (and later the exercise engine) shows.

A scenario is a file, a stored scenario id, a failure-mode id (a scenario is generated in
memory for it) or ``demo`` (the generator's pick); nothing is written to the workspace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flowdrill.errors import InputError
from flowdrill.scenario.model import Scenario
from flowdrill.service.workspace import Workspace
from flowdrill.sim import SimAction, Simulation, parse_action
from flowdrill.sim.reconcile import Reconciliation


@dataclass
class SimulationResult:
    scenario: Scenario
    seed: int
    until: int
    simulation: Simulation
    reconciliation: Reconciliation

    def to_dict(self) -> dict[str, Any]:
        from flowdrill.service.reports import record_story

        sim = self.simulation
        story = record_story(sim)
        return {
            "scenario": self.scenario.id,
            "title": self.scenario.title,
            "seed": self.seed,
            "until": self.until,
            "failures": [
                {"id": f.id, "mode": f.mode, "target": f.target.id, "starts_at": f.starts_at}
                for f in self.scenario.failures
            ],
            "alerts": [a.to_dict() for a in sim.alerts],
            "actions": sim.action_log,
            "flows": {k: v for k, v in sim.flow_metrics().items() if v["arrivals"]},
            "conservation": sim.conservation(),
            "integrity": self.reconciliation.to_dict(),
            "record_story": story.model_dump(mode="json") if story else None,
        }


def resolve_scenario(ws: Workspace, ref: str, *, seed: int | None) -> Scenario:
    """A stored scenario, or one generated in memory for a mode id or ``demo``."""
    from flowdrill.scenario.generate import generate_scenario
    from flowdrill.service.drills import find_scenario, rank_targets, workspace_catalog

    catalog = workspace_catalog(ws)
    if ref == "demo" or catalog.get(ref) is not None:
        estate = ws.estate
        return generate_scenario(
            estate,
            catalog,
            rank_targets(estate),
            seed=1 if seed is None else seed,
            mode=None if ref == "demo" else ref,
        )
    try:
        return find_scenario(ws, ref).scenario
    except InputError:
        raise InputError(
            f"no scenario {ref!r}: give a scenario file or id, a failure-mode id "
            f"({', '.join(catalog.ids()[:3])} ...) or 'demo'"
        ) from None


def simulate(
    ws: Workspace,
    scenario_ref: str,
    *,
    seed: int | None = None,
    until: int | None = None,
    actions: Sequence[str | SimAction] = (),
) -> SimulationResult:
    """Simulate a scenario of ``ws``; deterministic for the same inputs."""
    from flowdrill.service.drills import workspace_catalog

    scenario = resolve_scenario(ws, scenario_ref, seed=seed)
    parsed = [a if isinstance(a, SimAction) else parse_action(a) for a in actions]
    end = until if until is not None else scenario.duration_minutes
    if end <= 0:
        raise InputError("--until must be a positive number of minutes")
    run_seed = scenario.seed if seed is None else seed
    sim = Simulation(ws.estate, scenario, seed=run_seed, catalog=workspace_catalog(ws))
    sim.run(end, parsed)
    return SimulationResult(scenario, run_seed, end, sim, sim.reconcile())
