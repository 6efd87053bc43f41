"""Chaos Toolkit experiment from a scenario and plan, for teams that run the failure for real.

Business invariants of the touched datasets become the steady-state hypothesis, the bound
failures the method, the expected recovery actions the rollbacks, and the tabletop data (plan,
injects, expectations) goes under ``extensions``. Providers point at
:mod:`flowdrill.export.ctk_activities`, so the experiment validates and runs offline.
"""

from __future__ import annotations

from typing import Any

from flowdrill.estate.model import Estate
from flowdrill.exercise.plan import Plan, touched_steps
from flowdrill.scenario.model import Phase, Scenario

MODULE = "flowdrill.export.ctk_activities"


def _python(func: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"type": "python", "module": MODULE, "func": func, "arguments": arguments}


def experiment(estate: Estate, scenario: Scenario, plan: Plan) -> dict[str, Any]:
    """The experiment as plain JSON-ready data."""
    datasets = estate.by_id("datasets")
    steps = touched_steps(estate, scenario)
    probes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _, step in steps:
        for touch in step.touchpoints:
            dataset = datasets.get(touch.dataset)
            for invariant in getattr(dataset, "invariants", []):
                if invariant.id in seen:
                    continue
                seen.add(invariant.id)
                probes.append(
                    {
                        "type": "probe",
                        "name": f"invariant-{invariant.id}",
                        "tolerance": True,
                        "provider": _python(
                            "invariant_holds",
                            {
                                "dataset": touch.dataset,
                                "invariant": invariant.id,
                                "description": invariant.description,
                            },
                        ),
                    }
                )
    if not probes:
        flows = sorted({flow.id for flow, _ in steps})
        probes = [
            {
                "type": "probe",
                "name": f"flow-healthy-{flow}",
                "tolerance": True,
                "provider": _python("flow_healthy", {"flow": flow}),
            }
            for flow in flows
        ]
    method = [
        {
            "type": "action",
            "name": f"inject-{f.id}-{f.mode}",
            "provider": _python(
                "inject_fault",
                {
                    "mode": f.mode,
                    "target_kind": f.target.kind.value,
                    "target": f.target.id,
                    "parameters": dict(f.parameters),
                },
            ),
            "pauses": {"after": 0},
        }
        for f in scenario.failures
    ]
    rollbacks = [
        {
            "type": "action",
            "name": f"recover-{n}-{e.action.value}",
            "provider": _python(
                "recovery_action",
                {"action": e.action.value, "target": e.target.id if e.target else ""},
            ),
        }
        for n, e in enumerate(scenario.expected_actions, start=1)
        if e.phase is Phase.recovery
    ]
    return {
        "version": "1.0.0",
        "title": scenario.title,
        "description": scenario.narrative,
        "tags": ["flowdrill", *sorted(set(scenario.modes()))],
        "steady-state-hypothesis": {"title": "Business invariants hold", "probes": probes},
        "method": method,
        "rollbacks": rollbacks,
        "extensions": [
            {
                "name": "flowdrill",
                "scenario": scenario.model_dump(mode="json", exclude_none=True),
                "plan": plan.model_dump(mode="json", exclude_none=True),
            }
        ],
    }
