"""Single points of failure: where one element failing stops much more than itself.

Five views of the same estate graph:

- **articulation points and bridges** of the undirected integration view (steps folded into
  their flow, people left out), kept only when the cut separates flows from flows, so the
  trivial cut next to every single-use credential is not reported;
- **dominators** in the data lineage (datasets → flows that read them → datasets they write,
  callers → sub-flows): a flow every data path to a critical dataset passes through;
- **required elements** of every writer of a critical dataset (platform, trigger source, the
  systems and credentials of the steps before the write in its flow, and for
  a sub-flow what all its callers need): a system, platform or credential without which the
  dataset cannot be written at all. Critical when the copy in the system of record is
  concerned, high when only a copy elsewhere is;
- **concentration**: a credential shared by several flows, a platform instance hosting
  several critical flows, a system many flows call, an error workflow on the very platform
  whose failures it should report;
- **feedback loops**: cycles through two or more flows, where a failure can feed itself.

A critical dataset is a dataset copy written by a flow of criticality ``critical``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import rustworkx as rx

from flowdrill.analysis.findings import Finding, Kind, Severity, finding
from flowdrill.analysis.graph import EdgeKind, EstateGraph, NodeKind, step_trigger
from flowdrill.analysis.structure import (
    bridge_sides,
    cut_pieces,
    cycles,
    dominator_chain,
    immediate_dominators,
    undirected,
)
from flowdrill.estate.model import Criticality, TriggerKind

#: A system this many flows call is a hub.
HUB_MIN_FLOWS = 5


@dataclass
class StructureStats:
    """Counts for the report, before the significance filters."""

    articulation_points: int = 0
    bridges: int = 0
    cycles: int = 0
    critical_datasets: int = 0
    dominated: dict[str, list[str]] = field(default_factory=dict)


def _weight_severity(weight: int) -> Severity:
    """Severity from the summed criticality weights (1..4 each) of the flows involved."""
    if weight >= 16:
        return Severity.critical
    if weight >= 8:
        return Severity.high
    if weight >= 4:
        return Severity.medium
    return Severity.low


def _names(keys: list[str], limit: int = 4) -> str:
    shown = ", ".join(k.split("/", 1)[1] for k in keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def integration_view(eg: EstateGraph) -> tuple[rx.PyGraph[None, None], list[int], list[float]]:
    """The undirected integration view: steps fold into their flow, people and teams (who
    have only ownership edges) drop out. Returns the graph, the estate-graph node of each view
    node, and each view node's weight (a flow's criticality weight, else 0)."""
    flows = eg.estate.by_id("flows")
    step = NodeKind.step
    members = [
        i for i, n in enumerate(eg.nodes) if n.kind not in (step, NodeKind.team, NodeKind.person)
    ]
    local = {i: k for k, i in enumerate(members)}
    of_flow = {eg.nodes[i].ident: k for i, k in local.items() if eg.nodes[i].kind is NodeKind.flow}
    view = [
        of_flow[n.flow] if n.flow is not None else local.get(i, -1) for i, n in enumerate(eg.nodes)
    ]
    graph = undirected(len(members), ((view[u], view[v]) for u, v in eg.propagation_edges()))
    weight = [
        float(flows[eg.nodes[i].ident].criticality.weight)
        if eg.nodes[i].kind is NodeKind.flow
        else 0.0
        for i in members
    ]
    return graph, members, weight


def cut_findings(eg: EstateGraph, stats: StructureStats) -> list[Finding]:
    """Articulation points and bridges that separate flows from other flows."""
    graph, members, weight = integration_view(eg)
    out = []
    pieces = cut_pieces(graph, weight)
    stats.articulation_points = len(pieces)
    for point, sizes in sorted(pieces.items()):
        with_flows = [s for s in sizes if s > 0]
        if len(with_flows) < 2:
            continue
        separated = int(sum(with_flows) - with_flows[0])
        node = eg.nodes[members[point]]
        neighbours = sorted(eg.nodes[members[n]].key for n in graph.neighbors(point))
        out.append(
            finding(
                Kind.articulation_point,
                Severity.high if separated >= 4 else Severity.medium,
                node.key,
                f"{node.name} is the only link between {len(with_flows)} groups of flows "
                f"(criticality weight {separated} cut off from the largest group)",
                "Add a second path (a standby, a second connection, or decouple the flows "
                "through a queue) so one failure cannot split the estate.",
                evidence=neighbours,
            )
        )
    sides = bridge_sides(graph, weight)
    stats.bridges = len(sides)
    for (u, v), (left, right) in sorted(sides.items()):
        if left <= 0 or right <= 0:
            continue
        first, second = sorted((eg.nodes[members[u]].key, eg.nodes[members[v]].key))
        out.append(
            finding(
                Kind.bridge,
                Severity.high if min(left, right) >= 4 else Severity.medium,
                first,
                f"the dependency {first} — {second} is the only connection between two parts "
                f"of the estate (criticality weights {int(left)} and {int(right)})",
                "Check that this single hand-off has monitoring, retries and an owner on both "
                "sides; add a fallback path if it carries critical data.",
                evidence=[second],
                paths=[[first, second]],
            )
        )
    return out


_LINEAGE = frozenset({EdgeKind.reads, EdgeKind.writes, EdgeKind.calls, EdgeKind.error_flow})


def _lineage(eg: EstateGraph) -> tuple[rx.PyDiGraph[int, None], dict[int, int], int]:
    """Flow-level data lineage with a virtual root feeding every entry point."""
    flows = eg.estate.by_id("flows")
    keep = [i for i, n in enumerate(eg.nodes) if n.kind in (NodeKind.flow, NodeKind.dataset)]
    local = {i: k for k, i in enumerate(keep)}
    of_flow = {eg.nodes[i].ident: local[i] for i in keep if eg.nodes[i].kind is NodeKind.flow}
    flow_local = [
        of_flow[n.flow] if n.flow is not None else local.get(i, -1) for i, n in enumerate(eg.nodes)
    ]
    pairs = {
        (flow_local[u], flow_local[v])
        for u, v, kind in eg.edges
        if kind in _LINEAGE and flow_local[u] != flow_local[v]
    }
    graph: rx.PyDiGraph[int, None] = rx.PyDiGraph()  # pairs are unique already
    graph.add_nodes_from(keep)
    root = graph.add_node(-1)
    graph.add_edges_from([(a, b, None) for a, b in pairs])
    inner = (TriggerKind.subflow, TriggerKind.error)
    entries = [
        k
        for k, i in enumerate(keep)
        if (
            eg.nodes[i].kind is NodeKind.flow and flows[eg.nodes[i].ident].trigger.kind not in inner
        )
        or graph.in_degree(k) == 0
    ]
    graph.add_edges_from([(root, k, None) for k in entries])
    reached = rx.descendants(graph, root)
    for k in range(len(keep)):  # nodes only reachable from a cycle nobody enters
        if k not in reached:
            graph.add_edge(root, k, None)
            reached |= rx.descendants(graph, k) | {k}
    return graph, local, root


def _critical_targets(eg: EstateGraph) -> dict[int, list[int]]:
    """Dataset copies written by a critical flow → every step that writes them."""
    flows = eg.estate.by_id("flows")
    writers: dict[int, list[int]] = defaultdict(list)
    critical: set[int] = set()
    for u, v, kind in eg.edges:
        if kind is EdgeKind.writes:
            writers[v].append(u)
            flow = eg.nodes[u].flow
            if flow is not None and flows[flow].criticality is Criticality.critical:
                critical.add(v)
    return {t: sorted(writers[t]) for t in sorted(critical)}


def dominator_findings(eg: EstateGraph, stats: StructureStats) -> list[Finding]:
    """Flows that every data path to a critical dataset passes through."""
    targets = _critical_targets(eg)
    stats.critical_datasets = len(targets)
    if not targets:
        return []
    graph, local, root = _lineage(eg)
    idom = immediate_dominators(graph, root)
    dominated: dict[int, list[int]] = defaultdict(list)
    for target in targets:
        for d in dominator_chain(idom, local[target], root):
            original = graph[d]
            if eg.nodes[original].kind is NodeKind.flow:
                dominated[original].append(target)
    flows = eg.estate.by_id("flows")
    out = []
    for flow_node, reached in sorted(dominated.items()):
        node = eg.nodes[flow_node]
        upstream = _feeders(eg, graph, root, local[flow_node])
        datasets = sorted({eg.nodes[t].key for t in reached})
        stats.dominated[node.key] = datasets
        severity = (
            Severity.critical
            if len(upstream) >= 2
            else Severity.high
            if upstream or flows[node.ident].criticality is Criticality.critical
            else Severity.medium
        )
        inputs = [
            eg.nodes[graph[p]].key for p in graph.predecessor_indices(local[flow_node]) if p != root
        ]
        out.append(
            finding(
                Kind.dominator,
                severity,
                node.key,
                f"every data path to {_names(datasets)} passes through {node.name}"
                + (f", fed by {len(upstream)} other flows" if upstream else ""),
                "Make this funnel observable and recoverable: a monitor on its output, a "
                "runbook, replay of missed inputs; consider a second path for critical data.",
                evidence=upstream + datasets,
                paths=[[src, node.key, dst] for src in sorted(inputs)[:3] for dst in datasets[:1]],
            )
        )
    return out


def _feeders(eg: EstateGraph, graph: rx.PyDiGraph[int, None], root: int, flow: int) -> list[str]:
    """Other flows whose data reaches ``flow`` directly: callers, flows handing it errors,
    and writers of the datasets it reads."""
    out: set[str] = set()

    def is_flow(k: int) -> bool:
        return k != root and eg.nodes[graph[k]].kind is NodeKind.flow

    for p in graph.predecessor_indices(flow):
        if is_flow(p):
            out.add(eg.nodes[graph[p]].key)
        elif p != root:
            out |= {eg.nodes[graph[q]].key for q in graph.predecessor_indices(p) if is_flow(q)}
    out.discard(eg.nodes[graph[flow]].key)
    return sorted(out)


def _requirements(eg: EstateGraph) -> dict[int, frozenset[int]]:
    """Per step: what must work before it can run (see the module doc).

    The step's own system and credential are left out: needing the door to the room you
    write into is true of every write and says nothing about the path to it.
    """
    estate = eg.estate
    flows = estate.by_id("flows")
    callers: dict[str, list[int]] = defaultdict(list)
    for u, v, kind in eg.edges:
        if kind is EdgeKind.calls:
            callers[eg.nodes[v].ident].append(u)
    own: dict[int, set[int]] = {}
    base: dict[int, set[int]] = {}
    upstream: dict[int, set[int]] = defaultdict(set)
    for f in estate.flows:
        common = {eg.index[f"platforms/{f.platform}"]}
        if f.trigger.system is not None:
            common.add(eg.index[f"systems/{f.trigger.system}"])
        for s in f.steps:
            si = eg.index[f"steps/{f.id}/{s.id}"]
            base[si] = common
            mine = set()
            entry = step_trigger(s)
            for system in (s.system, entry.system if entry else None):
                if system is not None:
                    mine.add(eg.index[f"systems/{system}"])
            if s.credential is not None:
                mine.add(eg.index[f"credentials/{s.credential}"])
            own[si] = mine
            for target in (*s.next, *s.error_next):
                upstream[eg.index[f"steps/{f.id}/{target}"]].add(si)
            for source in s.uses_data_from:
                upstream[si].add(eg.index[f"steps/{f.id}/{source}"])
    memo: dict[int, frozenset[int]] = {}

    def before(step: int) -> set[int]:
        seen = {step}
        stack = [step]
        out = set(base[step])
        while stack:
            for p in upstream[stack.pop()]:
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
                    out |= own[p]
        return out

    def required(step: int, active: frozenset[int]) -> frozenset[int]:
        """Everything needed up to and including ``step`` (used for callers)."""
        if step in memo:
            return memo[step]
        result = before(step) | own[step] | outer(step, active)
        memo[step] = frozenset(result)
        return memo[step]

    def outer(step: int, active: frozenset[int]) -> set[int]:
        """What every caller needs, when the step's flow is a sub-flow."""
        flow = eg.nodes[step].flow
        assert flow is not None
        if flows[flow].trigger.kind is not TriggerKind.subflow or not callers[flow]:
            return set()
        common: set[int] | None = None
        for caller in callers[flow]:
            if caller in active:
                return set()
            need = required(caller, active | {step})
            common = set(need) if common is None else common & need
        return common or set()

    return {step: frozenset(before(step) | outer(step, frozenset({step}))) for step in own}


def requirement_findings(eg: EstateGraph) -> list[Finding]:
    """Systems, platforms and credentials every writer of a critical dataset needs."""
    targets = _critical_targets(eg)
    if not targets:
        return []
    need = _requirements(eg)
    needed_by: dict[int, set[int]] = defaultdict(set)
    for target, writers in targets.items():
        common = set(need[writers[0]])
        for w in writers[1:]:
            common &= need[w]
        for element in common:
            needed_by[element].add(target)
    out = []
    for element, reached in sorted(needed_by.items()):
        node = eg.nodes[element]
        datasets = sorted({eg.nodes[t].key for t in reached})
        canonical = any("@" not in eg.nodes[t].ident for t in reached)
        out.append(
            finding(
                Kind.single_point_of_failure,
                Severity.critical if canonical else Severity.high,
                node.key,
                f"no copy of {_names(datasets)} can be written without {node.name}",
                "Give it redundancy (standby, second instance or broker, a spare credential "
                "held in the vault) and rehearse the failover in a drill.",
                evidence=datasets,
            )
        )
    return out


def _flows_by(eg: EstateGraph, kind: EdgeKind, source: NodeKind) -> dict[int, set[str]]:
    """For each element of kind ``source``: the flows that reach it through ``kind`` edges."""
    out: dict[int, set[str]] = defaultdict(set)
    for u, v, k in eg.edges:
        if k is kind and eg.nodes[u].kind is source:
            node = eg.nodes[v]
            flow = node.ident if node.kind is NodeKind.flow else node.flow
            if flow is not None:
                out[u].add(flow)
    return out


def concentration_findings(eg: EstateGraph) -> list[Finding]:
    """Shared credentials, crowded platform instances, hub systems, co-hosted error flows."""
    estate = eg.estate
    flows = estate.by_id("flows")
    out = []

    def weight(ids: set[str]) -> int:
        return sum(flows[f].criticality.weight for f in ids)

    def platforms_of(ids: set[str]) -> list[str]:
        return sorted({flows[f].platform for f in ids})

    for cred, users in sorted(_flows_by(eg, EdgeKind.authenticates, NodeKind.credential).items()):
        if len(users) < 2:
            continue
        node = eg.nodes[cred]
        hosts = platforms_of(users)
        where = f" on {len(hosts)} platforms" if len(hosts) > 1 else ""
        out.append(
            finding(
                Kind.shared_credential,
                _weight_severity(weight(users)),
                node.key,
                f"{node.name} is used by {len(users)} flows{where}: revoking or rotating it "
                "breaks them all at once",
                "Issue one credential per flow (or per platform) with the least scope it needs, "
                "so a rotation or a leak touches one flow.",
                evidence=[f"flows/{f}" for f in sorted(users)] + [f"platforms/{p}" for p in hosts],
            )
        )

    error_flows = {f.error_flow for f in estate.flows if f.error_flow}
    for platform in estate.platforms:
        hosted = [f for f in estate.flows if f.platform == platform.id]
        critical = [f for f in hosted if f.criticality is Criticality.critical]
        if len(critical) < 2:
            continue
        watchers = sorted(
            {f.error_flow for f in critical if f.error_flow}
            & {f.id for f in hosted if f.id in error_flows}
        )
        out.append(
            finding(
                Kind.single_platform_instance,
                Severity.critical if len(critical) >= 3 or watchers else Severity.high,
                f"platforms/{platform.id}",
                f"one instance of {platform.name} runs {len(hosted)} flows, "
                f"{len(critical)} of them critical"
                + (", and the error workflow that would report their failure" if watchers else ""),
                "Run critical flows on a redundant setup (queue mode with workers, a standby "
                "instance) and watch the instance from outside it.",
                evidence=[f"flows/{f.id}" for f in critical] + [f"flows/{w}" for w in watchers],
            )
        )

    callers = _flows_by(eg, EdgeKind.serves, NodeKind.system)
    for system, triggered in _flows_by(eg, EdgeKind.triggers, NodeKind.system).items():
        callers[system] |= triggered
    for system, users in sorted(callers.items()):
        if len(users) < HUB_MIN_FLOWS:
            continue
        node = eg.nodes[system]
        hosts = platforms_of(users)
        out.append(
            finding(
                Kind.hub_system,
                _weight_severity(weight(users)),
                node.key,
                f"{len(users)} flows on {len(hosts)} platform(s) depend on {node.name}",
                "Know its failure modes: vendor status alerts, rate-limit and outage runbooks, "
                "queues in front of writes so an outage delays rather than loses data.",
                evidence=[f"flows/{f}" for f in sorted(users)],
            )
        )

    for error_flow in sorted(error_flows):
        assert error_flow is not None
        same = sorted(
            f.id
            for f in estate.flows
            if f.error_flow == error_flow and f.platform == flows[error_flow].platform
        )
        if not same:
            continue
        has_critical = any(flows[f].criticality is Criticality.critical for f in same)
        out.append(
            finding(
                Kind.error_flow_same_platform,
                Severity.high if has_critical else Severity.medium,
                f"flows/{error_flow}",
                f"the error workflow of {len(same)} flows runs on their own platform "
                f"({flows[error_flow].platform}): an outage of it is never reported",
                "Watch the platform from outside (an external heartbeat or uptime check that "
                "pages someone), not only from an error workflow on the same instance.",
                evidence=[f"flows/{f}" for f in same],
            )
        )
    return out


def loop_findings(eg: EstateGraph, stats: StructureStats) -> list[Finding]:
    """Cycles through two or more flows: a failure or a duplicate can feed itself."""
    flows = eg.estate.by_id("flows")
    found = cycles(eg.propagation_graph)
    stats.cycles = len(found)
    out = []
    for members in found:
        ids = sorted(
            {
                n.ident if n.kind is NodeKind.flow else str(n.flow)
                for n in (eg.nodes[m] for m in members)
                if n.kind in (NodeKind.flow, NodeKind.step)
            }
        )
        if len(ids) < 2:
            continue
        critical = any(flows[f].criticality is Criticality.critical for f in ids)
        out.append(
            finding(
                Kind.feedback_loop,
                Severity.medium if critical else Severity.low,
                f"flows/{ids[0]}",
                f"{len(ids)} flows form a loop: {_names([f'flows/{f}' for f in ids])}",
                "Make each write idempotent (keys, upserts) and add a loop guard, so a retry or "
                "a duplicate cannot circulate.",
                evidence=[f"flows/{f}" for f in ids],
            )
        )
    return out


def spof_findings(eg: EstateGraph) -> tuple[list[Finding], StructureStats]:
    stats = StructureStats()
    out = cut_findings(eg, stats)
    out += dominator_findings(eg, stats)
    out += requirement_findings(eg)
    out += concentration_findings(eg)
    out += loop_findings(eg, stats)
    return out, stats
