"""Diagrams: Mermaid and DOT text are pure; only render_svg runs Graphviz."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest

from flowdrill.analysis.diagram import (
    GraphvizMissing,
    all_diagrams,
    critical_elements,
    estate_diagram,
    flow_diagram,
    lineage_diagram,
    render_svg,
    to_dot,
    to_mermaid,
)
from flowdrill.analysis.report import analyze
from tests.analysis.factory import flow, make_estate, reads, step, writes

ESTATE = make_estate(
    [
        flow(
            "orders",
            [
                step("hook", "trigger", system="shop", touchpoints=reads("order"), next=["post"]),
                step(
                    "post",
                    name='Post "order" #1',
                    system="erp",
                    credential="key",
                    touchpoints=writes("order"),
                    error_next=["park"],
                    uses_data_from=["hook"],
                ),
                step("park", "error_handler"),
            ],
            criticality="critical",
        ),
        flow("copy", [step("x", credential="key", touchpoints=reads("order"))]),
    ],
    datasets=[{"id": "order", "name": "Orders", "system": "shop"}],
)


def test_critical_elements_come_from_ranking_and_severe_findings() -> None:
    report = analyze(ESTATE, today=date(2026, 1, 1), top=2)
    hot = critical_elements(report)
    assert {p.element for p in report.ranking} <= hot
    assert all(f.element in hot for f in report.findings if f.severity.value == "high")


def test_mermaid_flow_marks_critical_steps_and_escapes_labels() -> None:
    diagram = flow_diagram(ESTATE, ESTATE.flows[0], {"steps/orders/post"})
    text = to_mermaid(diagram)
    assert text.startswith("%% Flow orders\nflowchart LR\n")
    assert "Post #quot;order#quot; #35;1 [erp]" in text
    assert "-.->|error|" in text
    assert "-.->|uses data|" in text
    assert "[(" in text  # datasets are cylinders
    hot = next(line for line in text.splitlines() if line.startswith("    class "))
    node_id = next(
        line.split('["')[0].strip() for line in text.splitlines() if "#quot;order" in line
    )
    assert hot.endswith(f" {node_id} critical")


def test_lineage_and_estate_diagrams() -> None:
    lineage = to_mermaid(lineage_diagram(ESTATE, set()))
    assert "Orders @ erp" in lineage and "Orders @ shop" in lineage
    overview = estate_diagram(ESTATE, {"credentials/key"})
    assert overview.nodes["credentials/key"].critical  # shared by two flows, so drawn
    dot = to_dot(overview)
    assert "cluster_p1" in dot and "Flow orders" in dot


def test_one_diagram_per_flow_plus_estate_and_lineage() -> None:
    report = analyze(ESTATE, today=date(2026, 1, 1))
    names = [d.name for d in all_diagrams(ESTATE, report)]
    assert names == ["estate", "lineage", "flow-orders", "flow-copy"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_svg_holds_the_flow_names_as_text() -> None:
    svg = render_svg(to_dot(estate_diagram(ESTATE, set())))
    texts = {t.text for t in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")}
    assert {"Flow orders", "Flow copy"} <= texts


def test_missing_graphviz_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizMissing, match="Install Graphviz"):
        render_svg("digraph { a -> b }")
