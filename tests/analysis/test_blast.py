"""Blast radius: what a failure reaches downstream, weighted by criticality, and how soon."""

from __future__ import annotations

from flowdrill.analysis.blast import LIST_LIMIT, blast_index
from flowdrill.analysis.graph import build_graph
from flowdrill.estate.model import Estate
from tests.analysis.factory import flow, make_estate, reads, step, writes


def chain() -> Estate:
    """erp → (collect writes raw) → raw read by (enrich writes clean) → clean read by report."""
    return make_estate(
        [
            flow(
                "collect",
                [step("pull", system="erp", touchpoints=writes("raw"))],
                criticality="high",
                business_process="billing",
                freshness_sla_minutes=60,
            ),
            flow(
                "enrich",
                [
                    step("read", "trigger", touchpoints=reads("raw"), next=["push"]),
                    step("push", touchpoints=writes("clean")),
                ],
                criticality="critical",
                business_process="billing",
                freshness_sla_minutes=15,
            ),
            flow(
                "report",
                [step("read", "trigger", touchpoints=reads("clean"))],
                criticality="low",
                business_process="reporting",
            ),
            flow("elsewhere", [step("x", system="crm")], criticality="critical"),
        ],
    )


def test_a_system_failure_reaches_every_downstream_flow_and_dataset() -> None:
    eg = build_graph(chain())
    radius = blast_index(eg).radius(eg.index["systems/erp"])
    assert radius.flows == ["enrich", "collect", "report"]  # most critical first
    assert radius.datasets == ["clean", "raw"]
    assert radius.business_processes == ["billing", "reporting"]
    assert radius.weighted_criticality == 4 + 3 + 1
    assert radius.critical_flows == 1
    assert radius.time_to_sla_breach_minutes == 15


def test_downstream_only() -> None:
    eg = build_graph(chain())
    radius = blast_index(eg).radius(eg.index["flows/report"])
    assert radius.flows == ["report"]
    assert radius.time_to_sla_breach_minutes is None


def test_a_write_to_a_copy_does_not_reach_readers_of_the_original() -> None:
    estate = make_estate(
        [
            flow("post", [step("to-chat", system="chat", touchpoints=writes("orders"))]),
            flow("erp-reader", [step("r", "trigger", system="shop", touchpoints=reads("orders"))]),
        ],
        datasets=[{"id": "orders", "name": "Orders", "system": "shop"}],
    )
    eg = build_graph(estate)
    index = blast_index(eg)
    assert index.radius(eg.index["systems/chat"]).flows == ["post"]
    assert "erp-reader" in index.radius(eg.index["systems/shop"]).flows


def test_owners_do_not_widen_anything() -> None:
    eg = build_graph(chain())
    index = blast_index(eg)
    assert index.radius(eg.index["teams/ops"]).flows == []


def test_lists_are_capped_but_counts_are_exact() -> None:
    n = LIST_LIMIT + 10
    flows = [flow(f"f{i:03}", [step("s", system="hub")]) for i in range(n)]
    flows[-1]["criticality"] = "critical"
    eg = build_graph(make_estate(flows))
    radius = blast_index(eg).radius(eg.index["systems/hub"])
    assert radius.flow_count == n
    assert len(radius.flows) == LIST_LIMIT
    assert radius.flows[0] == f"f{n - 1:03}"
