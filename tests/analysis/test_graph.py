"""The dependency graph: every hidden dependency is an edge, pointing the way failure spreads."""

from __future__ import annotations

from flowdrill.analysis.graph import EdgeKind, EstateGraph, build_graph
from flowdrill.estate.model import Step
from tests.analysis.factory import flow, make_estate, reads, step, writes


def edges(eg: EstateGraph) -> set[tuple[str, str, EdgeKind]]:
    return {(eg.nodes[u].key, eg.nodes[v].key, k) for u, v, k in eg.edges}


def sample() -> EstateGraph:
    estate = make_estate(
        [
            flow(
                "orders",
                [
                    step(
                        "hook", "trigger", system="shop", touchpoints=reads("order"), next=["map"]
                    ),
                    step("map", "transform", uses_data_from=["hook"], next=["post"]),
                    step(
                        "post",
                        system="erp",
                        credential="erp-key",
                        touchpoints=writes("order"),
                        uses_data_from=["map"],
                        error_next=["park"],
                        next=["invoice"],
                    ),
                    step("park", "error_handler", system="db", touchpoints=writes("order")),
                    step("invoice", "subflow", calls_flow="invoicer"),
                ],
                trigger={"kind": "webhook", "system": "shop"},
                error_flow="alerts",
            ),
            flow("invoicer", [step("called", "trigger")], trigger={"kind": "subflow"}),
            flow("alerts", [step("on-error", "trigger")], trigger={"kind": "error"}),
        ],
        datasets=[{"id": "order", "name": "Orders", "system": "shop"}],
        people=[{"id": "ana", "name": "Ana", "team": "ops"}],
        raci=[{"touchpoint": "orders/post/order", "responsible": ["ana"], "accountable": "ops"}],
    )
    return build_graph(estate)


def test_edges_point_the_way_failure_spreads() -> None:
    found = edges(sample())
    expected = {
        ("platforms/p1", "flows/orders", EdgeKind.hosts),
        ("systems/shop", "flows/orders", EdgeKind.triggers),
        ("flows/orders", "steps/orders/hook", EdgeKind.contains),
        ("systems/erp", "steps/orders/post", EdgeKind.serves),
        ("credentials/erp-key", "steps/orders/post", EdgeKind.authenticates),
        ("steps/orders/hook", "steps/orders/map", EdgeKind.next),
        ("steps/orders/post", "steps/orders/park", EdgeKind.error_next),
        ("steps/orders/map", "steps/orders/post", EdgeKind.uses_data),
        ("steps/orders/invoice", "flows/invoicer", EdgeKind.calls),
        ("flows/orders", "flows/alerts", EdgeKind.error_flow),
        ("datasets/order", "steps/orders/hook", EdgeKind.reads),
        ("systems/shop", "datasets/order", EdgeKind.stores),
        ("teams/ops", "flows/orders", EdgeKind.owns),
        ("people/ana", "steps/orders/post", EdgeKind.raci),
        ("teams/ops", "steps/orders/post", EdgeKind.raci),
        ("people/ana", "teams/ops", EdgeKind.member_of),
    }
    assert expected <= found


def test_a_write_lands_in_the_copy_on_the_step_system() -> None:
    eg = sample()
    found = edges(eg)
    assert ("steps/orders/post", "datasets/order@erp", EdgeKind.writes) in found
    assert ("systems/erp", "datasets/order@erp", EdgeKind.stores) in found
    assert ("steps/orders/park", "datasets/order@db", EdgeKind.writes) in found
    copy = eg.node("datasets/order@erp")
    assert (copy.dataset, copy.system) == ("order", "erp")


def test_ownership_edges_are_not_propagation_edges() -> None:
    eg = sample()
    kinds = {k for u, v, k in eg.edges if (u, v) in set(eg.propagation_edges())}
    assert not kinds & {EdgeKind.owns, EdgeKind.raci, EdgeKind.member_of}
    assert eg.propagation_graph.num_edges() == len(eg.propagation_edges())


def test_counts_every_kind_of_element() -> None:
    counts = sample().count_by_kind()
    assert counts["flow"] == 3
    assert counts["step"] == 7
    assert counts["dataset"] == 3  # canonical + two copies
    assert counts["person"] == 1


def test_a_step_entry_point_is_triggered_by_its_system() -> None:
    if "trigger" not in Step.model_fields:  # older model: only flows have triggers
        return
    estate = make_estate(
        [
            flow(
                "multi",
                [
                    step("a", "trigger", trigger={"kind": "webhook", "system": "crm"}),
                    step("b", "trigger"),
                ],
            )
        ],
        systems=[{"id": "crm", "name": "CRM", "kind": "crm"}],
    )
    assert ("systems/crm", "steps/multi/a", EdgeKind.triggers) in edges(build_graph(estate))
