"""Single points of failure on small estates built for each one."""

from __future__ import annotations

from typing import Any

from flowdrill.analysis.findings import Finding, Kind, Severity
from flowdrill.analysis.graph import build_graph
from flowdrill.analysis.ownership import ownership_findings
from flowdrill.analysis.spof import spof_findings
from flowdrill.estate.model import Estate
from tests.analysis.factory import flow, make_estate, reads, step, writes


def found(estate: Estate, kind: Kind) -> dict[str, Finding]:
    findings, _ = spof_findings(build_graph(estate))
    findings += ownership_findings(estate).findings
    return {f.element: f for f in findings if f.kind is kind}


def uses(ident: str, system: str, platform: str, **fields: Any) -> dict[str, Any]:
    return flow(ident, [step("call", system=system)], platform=platform, **fields)


def test_articulation_point_joining_two_groups_of_flows() -> None:
    estate = make_estate(
        [
            flow("a1", [step("x", system="sa"), step("y", system="link")], platform="pa"),
            flow("a2", [step("x", system="sa")], platform="pa"),
            flow("b1", [step("x", system="sb"), step("y", system="link")], platform="pb"),
            flow("b2", [step("x", system="sb")], platform="pb"),
        ]
    )
    points = found(estate, Kind.articulation_point)
    assert "systems/link" in points
    assert "credentials" not in " ".join(points)  # trivial cuts next to leaves are dropped


def test_bridge_between_two_platforms() -> None:
    estate = make_estate(
        [
            flow("caller", [step("go", "subflow", calls_flow="callee")], platform="pa"),
            flow("other-a", [step("x", system="sa")], platform="pa"),
            flow("callee", [step("x", system="sb")], platform="pb", trigger={"kind": "subflow"}),
            flow("other-b", [step("x", system="sb")], platform="pb"),
        ]
    )
    bridges = found(estate, Kind.bridge)
    assert "flows/callee" in bridges
    assert bridges["flows/callee"].evidence == ["flows/caller"]


def test_dominator_is_the_funnel_every_path_passes_through() -> None:
    estate = make_estate(
        [
            flow("shop", [step("w", touchpoints=writes("orders"), calls_flow="invoicer")]),
            flow("pay", [step("w", touchpoints=writes("payments"), calls_flow="invoicer")]),
            flow(
                "invoicer",
                [
                    step("in", "trigger", touchpoints=reads("orders") + reads("payments")),
                    step("out", touchpoints=writes("invoices")),
                ],
                trigger={"kind": "subflow"},
                criticality="critical",
            ),
        ]
    )
    dominators = found(estate, Kind.dominator)
    assert set(dominators) == {"flows/invoicer"}
    finding = dominators["flows/invoicer"]
    assert finding.severity is Severity.critical  # two other flows feed it
    assert "datasets/invoices" in finding.evidence
    assert {"flows/shop", "flows/pay"} <= set(finding.evidence)


def test_required_system_is_a_single_point_of_failure() -> None:
    estate = make_estate(
        [
            flow(
                "picks",
                [
                    step("light", "trigger", system="broker", credential="mqtt", next=["done"]),
                    step("done", system="wms", touchpoints=writes("pick")),
                ],
                trigger={"kind": "message", "system": "broker"},
                criticality="critical",
            )
        ],
        datasets=[{"id": "pick", "name": "Picks", "system": "wms"}],
    )
    spofs = found(estate, Kind.single_point_of_failure)
    assert {"systems/broker", "credentials/mqtt", "platforms/p1"} <= set(spofs)
    assert "systems/wms" not in spofs  # the door into the dataset's own room says nothing
    assert spofs["systems/broker"].severity is Severity.critical  # the system of record copy
    assert spofs["systems/broker"].evidence == ["datasets/pick"]


def test_two_writers_with_different_inputs_leave_no_single_point() -> None:
    estate = make_estate(
        [
            flow(
                f"w{i}",
                [
                    step("in", "trigger", system=f"src{i}", next=["out"]),
                    step("out", touchpoints=writes("ledger")),
                ],
                platform=f"p{i}",
                criticality="critical",
            )
            for i in (1, 2)
        ]
    )
    assert found(estate, Kind.single_point_of_failure) == {}


def test_shared_credential() -> None:
    estate = make_estate(
        [
            flow("a", [step("x", credential="shared")], criticality="critical"),
            flow("b", [step("x", credential="shared")], platform="p2", criticality="critical"),
            flow("c", [step("x", credential="own")]),
        ]
    )
    shared = found(estate, Kind.shared_credential)
    assert set(shared) == {"credentials/shared"}
    assert "2 platforms" in shared["credentials/shared"].title
    assert shared["credentials/shared"].evidence[:2] == ["flows/a", "flows/b"]


def test_single_platform_instance_hosting_several_critical_flows() -> None:
    estate = make_estate(
        [
            uses("a", "s", "busy", criticality="critical", error_flow="err"),
            uses("b", "s", "busy", criticality="critical"),
            flow("err", [step("x", "trigger")], platform="busy", trigger={"kind": "error"}),
            uses("c", "s", "calm", criticality="critical"),
        ]
    )
    crowded = found(estate, Kind.single_platform_instance)
    assert set(crowded) == {"platforms/busy"}
    assert crowded["platforms/busy"].severity is Severity.critical  # hosts its own error flow
    assert found(estate, Kind.error_flow_same_platform)["flows/err"].evidence == ["flows/a"]


def test_hub_system() -> None:
    hub = [uses(f"h{i}", "hub", "p1") for i in range(5)]
    quiet = [uses(f"q{i}", "quiet", "p1") for i in range(4)]
    assert set(found(make_estate(hub + quiet), Kind.hub_system)) == {"systems/hub"}


def test_bus_factor_from_raci_and_owner_team() -> None:
    estate = make_estate(
        [
            flow("pay", [step("apply", touchpoints=writes("payments"))], criticality="critical"),
            flow("ship", [step("label", touchpoints=writes("labels"))], criticality="critical"),
        ],
        people=[
            {"id": "dev", "name": "Dev", "team": "ops"},
            {"id": "ana", "name": "Ana", "team": "ops"},
        ],
        raci=[
            {
                "touchpoint": "pay/apply/payments",
                "responsible": ["dev"],
                "accountable": "dev",
                "authorises_changes": "dev",
                "tests_new_flows": "dev",
                "approves_api_access": "dev",
            }
        ],
    )
    factor = found(estate, Kind.bus_factor)
    assert set(factor) == {"people/dev"}  # ship falls back to team ops: two people
    assert factor["people/dev"].severity is Severity.critical
    assert factor["people/dev"].evidence == ["touchpoints/pay/apply/payments"]


def test_feedback_loop_through_two_flows() -> None:
    estate = make_estate(
        [
            flow(
                "a",
                [
                    step("r", "trigger", touchpoints=reads("x"), next=["w"]),
                    step("w", touchpoints=writes("y")),
                ],
            ),
            flow(
                "b",
                [
                    step("r", "trigger", touchpoints=reads("y"), next=["w"]),
                    step("w", touchpoints=writes("x")),
                ],
            ),
        ]
    )
    loops = found(estate, Kind.feedback_loop)
    assert loops["flows/a"].evidence == ["flows/a", "flows/b"]
