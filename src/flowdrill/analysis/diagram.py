"""Diagrams of a flow, of data lineage and of the whole estate, critical points highlighted.

Each diagram is first built as plain data (:class:`Diagram`), then written as Mermaid text or
Graphviz DOT source; both are pure. Only :func:`render_svg` does I/O: it runs Graphviz's
``dot`` binary.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from flowdrill.analysis.findings import Severity
from flowdrill.analysis.graph import dataset_copy, step_key
from flowdrill.analysis.report import AnalysisReport
from flowdrill.errors import FlowdrillError
from flowdrill.estate.model import Access, Estate, Flow, StepKind


class GraphvizMissing(FlowdrillError):
    """SVG diagrams need Graphviz's ``dot`` program, which is not installed."""

    exit_code = 2


@dataclass(frozen=True)
class DNode:
    key: str
    label: str
    shape: str = "box"  # box, round, cylinder, hexagon, diamond
    cluster: str | None = None
    critical: bool = False


@dataclass(frozen=True)
class DEdge:
    source: str
    target: str
    label: str = ""
    style: str = "solid"  # solid, dashed, dotted, bold


@dataclass
class Diagram:
    name: str
    title: str
    nodes: dict[str, DNode] = field(default_factory=dict)
    edges: list[DEdge] = field(default_factory=list)
    clusters: dict[str, str] = field(default_factory=dict)

    def node(self, node: DNode) -> None:
        self.nodes.setdefault(node.key, node)

    def edge(self, source: str, target: str, label: str = "", style: str = "solid") -> None:
        edge = DEdge(source, target, label, style)
        if edge not in self.edges:
            self.edges.append(edge)


def critical_elements(report: AnalysisReport) -> set[str]:
    """Elements to highlight: the ranked critical points and every critical or high finding
    (a touchpoint finding highlights its step)."""
    keys = {p.element for p in report.ranking}
    for f in report.findings:
        if f.severity in (Severity.critical, Severity.high):
            keys.add(f.element)
            if f.element.startswith("touchpoints/"):
                flow, step, _ = f.element.removeprefix("touchpoints/").split("/", 2)
                keys.add(step_key(flow, step))
    return keys


_SHAPES = {
    StepKind.trigger: "round",
    StepKind.router: "diamond",
    StepKind.error_handler: "hexagon",
    StepKind.subflow: "box",
}


def _dataset_node(estate: Estate, dataset: str, system: str | None, hot: set[str]) -> DNode:
    d = estate.by_id("datasets")[dataset]
    key, where = dataset_copy(dataset, d.system, system)
    return DNode(key, f"{d.name} @ {where or '?'}", "cylinder", critical=key in hot)


def flow_diagram(estate: Estate, flow: Flow, hot: set[str]) -> Diagram:
    """Steps of one flow, with data read and written, sub-flows and hidden dependencies."""
    diagram = Diagram(f"flow-{flow.id}", flow.name)
    diagram.clusters["flow"] = flow.name
    for s in flow.steps:
        key = step_key(flow.id, s.id)
        hot_step = (
            key in hot or f"systems/{s.system}" in hot or f"credentials/{s.credential}" in hot
        )
        label = s.name or s.id
        if s.system:
            label += f" [{s.system}]"
        diagram.node(DNode(key, label, _SHAPES.get(s.kind, "box"), "flow", hot_step))
    for s in flow.steps:
        key = step_key(flow.id, s.id)
        for target in s.next:
            diagram.edge(key, step_key(flow.id, target))
        for target in s.error_next:
            diagram.edge(key, step_key(flow.id, target), "error", "dashed")
        for source in s.uses_data_from:
            diagram.edge(step_key(flow.id, source), key, "uses data", "dotted")
        if s.calls_flow:
            callee = estate.by_id("flows")[s.calls_flow]
            diagram.node(DNode(f"flows/{callee.id}", callee.name, "box", critical=False))
            diagram.edge(key, f"flows/{callee.id}", "calls", "bold")
        for tp in s.touchpoints:
            data = _dataset_node(estate, tp.dataset, s.system, hot)
            diagram.node(data)
            if tp.access is Access.write:
                diagram.edge(key, data.key, "writes")
            else:
                diagram.edge(data.key, key, "reads")
    if flow.error_flow:
        handler = estate.by_id("flows")[flow.error_flow]
        diagram.node(DNode(f"flows/{handler.id}", handler.name, "box"))
        first = step_key(flow.id, flow.steps[0].id) if flow.steps else f"flows/{flow.id}"
        diagram.edge(first, f"flows/{handler.id}", "on failure", "dashed")
    return diagram


def lineage_diagram(estate: Estate, hot: set[str]) -> Diagram:
    """Data lineage: which flows read which dataset copies and write which, source to consumer."""
    diagram = Diagram("lineage", f"Data lineage: {estate.name}")
    for f in estate.flows:
        fkey = f"flows/{f.id}"
        diagram.node(DNode(fkey, f.name, "box", critical=fkey in hot))
        for s in f.steps:
            for tp in s.touchpoints:
                data = _dataset_node(estate, tp.dataset, s.system, hot)
                diagram.node(data)
                if tp.access is Access.write:
                    diagram.edge(fkey, data.key)
                else:
                    diagram.edge(data.key, fkey)
            if s.calls_flow:
                diagram.edge(fkey, f"flows/{s.calls_flow}", "calls", "bold")
    return diagram


def estate_diagram(estate: Estate, hot: set[str]) -> Diagram:
    """Platforms with their flows, the systems they call and shared credentials."""
    diagram = Diagram("estate", f"Estate: {estate.name}")
    users: dict[str, set[str]] = {}
    for f in estate.flows:
        for s in f.steps:
            if s.credential:
                users.setdefault(s.credential, set()).add(f.id)
    for p in estate.platforms:
        diagram.clusters[p.id] = p.name
    for sys in estate.systems:
        key = f"systems/{sys.id}"
        diagram.node(DNode(key, sys.name, "cylinder", critical=key in hot))
    for f in estate.flows:
        fkey = f"flows/{f.id}"
        diagram.node(DNode(fkey, f.name, "box", f.platform, fkey in hot))
        systems = {s.system for s in f.steps if s.system} | (
            {f.trigger.system} if f.trigger.system else set()
        )
        for system in sorted(systems):
            diagram.edge(f"systems/{system}", fkey)
        for s in f.steps:
            if s.calls_flow:
                diagram.edge(fkey, f"flows/{s.calls_flow}", "calls", "bold")
            if s.credential and len(users[s.credential]) > 1:
                ckey = f"credentials/{s.credential}"
                name = estate.by_id("credentials")[s.credential].name
                diagram.node(DNode(ckey, name, "hexagon", critical=ckey in hot))
                diagram.edge(ckey, fkey, "", "dotted")
        if f.error_flow:
            diagram.edge(fkey, f"flows/{f.error_flow}", "errors", "dashed")
    for p in estate.platforms:
        pkey = f"platforms/{p.id}"
        if pkey in hot:
            diagram.clusters[p.id] = f"{p.name} (critical)"
    return diagram


def all_diagrams(estate: Estate, report: AnalysisReport) -> list[Diagram]:
    """The estate, the lineage, then one diagram per flow."""
    hot = critical_elements(report)
    return [
        estate_diagram(estate, hot),
        lineage_diagram(estate, hot),
        *(flow_diagram(estate, f, hot) for f in estate.flows),
    ]


# --------------------------------------------------------------------------- Mermaid

_MERMAID_SHAPES = {
    "box": ('["', '"]'),
    "round": ('("', '")'),
    "cylinder": ('[("', '")]'),
    "hexagon": ('{{"', '"}}'),
    "diamond": ('{"', '"}'),
}
_MERMAID_ARROWS = {"solid": "-->", "dashed": "-.->", "dotted": "-.->", "bold": "==>"}


def _mermaid_text(text: str) -> str:
    return text.replace("#", "#35;").replace('"', "#quot;").replace("\n", " ")


def _ids(keys: Iterable[str]) -> dict[str, str]:
    return {key: f"n{i}" for i, key in enumerate(keys)}


def to_mermaid(diagram: Diagram) -> str:
    """Mermaid flowchart text; critical elements get the ``critical`` class (red, thick)."""
    ids = _ids(diagram.nodes)
    lines = [f"%% {diagram.title}", "flowchart LR"]
    by_cluster: dict[str | None, list[DNode]] = {}
    for node in diagram.nodes.values():
        by_cluster.setdefault(node.cluster, []).append(node)
    for cluster, members in by_cluster.items():
        indent = "    "
        if cluster is not None:
            label = _mermaid_text(diagram.clusters.get(cluster, cluster))
            lines.append(f'    subgraph c_{re.sub(r"[^A-Za-z0-9_]", "_", cluster)}["{label}"]')
            indent = "        "
        for node in members:
            left, right = _MERMAID_SHAPES[node.shape]
            lines.append(f"{indent}{ids[node.key]}{left}{_mermaid_text(node.label)}{right}")
        if cluster is not None:
            lines.append("    end")
    for edge in diagram.edges:
        if edge.source not in ids or edge.target not in ids:
            continue
        arrow = _MERMAID_ARROWS[edge.style]
        label = f"|{_mermaid_text(edge.label)}|" if edge.label else ""
        lines.append(f"    {ids[edge.source]} {arrow}{label} {ids[edge.target]}")
    hot = [ids[n.key] for n in diagram.nodes.values() if n.critical]
    lines.append("    classDef critical fill:#fde2e2,stroke:#c0392b,stroke-width:3px")
    if hot:
        lines.append(f"    class {','.join(hot)} critical")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- Graphviz

_DOT_SHAPES = {
    "box": "box",
    "round": "oval",
    "cylinder": "cylinder",
    "hexagon": "hexagon",
    "diamond": "diamond",
}


def to_dot(diagram: Diagram) -> str:
    """Graphviz DOT source (built with the ``graphviz`` package; no rendering here)."""
    import graphviz  # type: ignore[import-untyped]

    ids = _ids(diagram.nodes)
    dot = graphviz.Digraph(
        diagram.name,
        graph_attr={"rankdir": "LR", "label": diagram.title, "labelloc": "t", "fontsize": "16"},
        node_attr={"fontname": "Helvetica", "fontsize": "11", "style": "filled"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"},
    )

    def add(graph: graphviz.Digraph, node: DNode) -> None:
        graph.node(
            ids[node.key],
            node.label,
            shape=_DOT_SHAPES[node.shape],
            fillcolor="#fde2e2" if node.critical else "#f4f6f8",
            color="#c0392b" if node.critical else "#5d6d7e",
            penwidth="3" if node.critical else "1",
            tooltip=node.key,
        )

    by_cluster: dict[str | None, list[DNode]] = {}
    for node in diagram.nodes.values():
        by_cluster.setdefault(node.cluster, []).append(node)
    for cluster, members in by_cluster.items():
        if cluster is None:
            for node in members:
                add(dot, node)
            continue
        name = "cluster_" + re.sub(r"[^A-Za-z0-9_]", "_", cluster)
        with dot.subgraph(name=name) as sub:
            sub.attr(label=diagram.clusters.get(cluster, cluster), style="rounded")
            for node in members:
                add(sub, node)
    for edge in diagram.edges:
        if edge.source in ids and edge.target in ids:
            attrs = {"label": edge.label} if edge.label else {}
            if edge.style != "solid":
                attrs["style"] = edge.style
            dot.edge(ids[edge.source], ids[edge.target], **attrs)
    source: str = dot.source
    return source


def render_svg(dot_source: str) -> str:
    """Render DOT source to SVG with Graphviz's ``dot`` (the one I/O of the analysis)."""
    import graphviz

    try:
        svg: str = graphviz.Source(dot_source).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing(
            "SVG diagrams need Graphviz's 'dot' program, which was not found on PATH. "
            "Install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install "
            "graphviz), or see .ci/run, which `make demo` and CI use."
        ) from None
    return svg
