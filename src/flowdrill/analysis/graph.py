"""The estate as one dependency graph (rustworkx), including the dependencies nobody drew.

Edge direction: **A → B means "if A fails, B is affected"** — failure propagates along edges.

| edge | from → to | why a failure propagates |
| --- | --- | --- |
| hosts | platform → flow | the platform instance is down, so its flows stop |
| triggers | system → flow (or entry step) | no events from the system, so the flow never starts |
| contains | flow → step | a stopped or paused flow runs none of its steps |
| serves | system → step | the step calls the system |
| authenticates | credential → step | a revoked or rotated credential fails the step |
| next / error_next | step → step | the upstream step feeds the downstream one |
| uses_data | step → step | an expression reads the upstream step's output (hidden dependency) |
| calls | step → flow | the sub-flow only runs when its caller runs |
| error_flow | flow → flow | a failing flow hands its errors to its error workflow |
| writes | step → dataset | bad or missing writes make the dataset wrong or stale |
| reads | dataset → step | the step consumes whatever the dataset holds |
| stores | system → dataset | the system holding the data is down |
| owns / raci / member_of | party → element | an absent owner leaves the element without a decider |

A dataset node is the data *as stored in one system*: ``datasets/orders`` is the copy in its
system of record, ``datasets/orders@netsuite`` the copy a flow writes into NetSuite. A write to
one copy only reaches readers of that copy, so posting an order to Slack does not "break" the
orders that the ERP reads. Ownership edges leave people and teams only, so they never widen
another element's blast radius.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any, NamedTuple

import rustworkx as rx

from flowdrill.estate.model import Access, Estate, Trigger


class NodeKind(StrEnum):
    system = "system"
    platform = "platform"
    flow = "flow"
    step = "step"
    dataset = "dataset"
    credential = "credential"
    team = "team"
    person = "person"


class EdgeKind(StrEnum):
    hosts = "hosts"
    triggers = "triggers"
    contains = "contains"
    serves = "serves"
    authenticates = "authenticates"
    next = "next"
    error_next = "error_next"
    uses_data = "uses_data"
    calls = "calls"
    error_flow = "error_flow"
    writes = "writes"
    reads = "reads"
    stores = "stores"
    owns = "owns"
    raci = "raci"
    member_of = "member_of"


#: Edges that say who decides, not what breaks: never followed by the blast radius.
OWNERSHIP_EDGES = frozenset({EdgeKind.owns, EdgeKind.raci, EdgeKind.member_of})

COLLECTION = {
    NodeKind.system: "systems",
    NodeKind.platform: "platforms",
    NodeKind.flow: "flows",
    NodeKind.step: "steps",
    NodeKind.dataset: "datasets",
    NodeKind.credential: "credentials",
    NodeKind.team: "teams",
    NodeKind.person: "people",
}


def element_key(kind: NodeKind, ident: str) -> str:
    """The element path used in findings and in ``demo/planted.yaml``."""
    return f"{COLLECTION[kind]}/{ident}"


class Node(NamedTuple):
    """One element. ``ident`` is the entity id (``flow/step`` for steps, ``dataset@system`` for
    a non-canonical dataset copy). A tuple, because estates have 100k of them."""

    key: str
    kind: NodeKind
    ident: str
    name: str
    flow: str | None = None  # steps: their flow
    dataset: str | None = None  # datasets: the logical dataset id
    system: str | None = None  # datasets: the system holding this copy


@dataclass
class EstateGraph:
    """The dependency graph plus plain lists of its nodes and edges (for fast passes)."""

    estate: Estate
    graph: rx.PyDiGraph[Node, EdgeKind]
    nodes: list[Node]
    index: dict[str, int]
    edges: list[tuple[int, int, EdgeKind]]
    propagation: list[tuple[int, int]] = field(default_factory=list)

    def node(self, key: str) -> Node:
        return self.nodes[self.index[key]]

    def propagation_edges(self) -> list[tuple[int, int]]:
        """Edges along which failures spread (ownership excluded)."""
        return self.propagation

    @cached_property
    def propagation_graph(self) -> rx.PyDiGraph[None, None]:
        """Same node indices, propagation edges only."""
        graph: rx.PyDiGraph[None, None] = rx.PyDiGraph()
        graph.add_nodes_from([None] * len(self.nodes))
        graph.extend_from_edge_list(self.propagation)
        return graph

    def count_by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[node.kind.value] = counts.get(node.kind.value, 0) + 1
        return dict(sorted(counts.items()))


def step_key(flow: str, step: str) -> str:
    return f"steps/{flow}/{step}"


def touchpoint_key(flow: str, step: str, dataset: str) -> str:
    return f"touchpoints/{flow}/{step}/{dataset}"


def step_trigger(step: object) -> Trigger | None:
    """A step's own trigger, for estates whose steps carry entry points (newer model)."""
    trigger = getattr(step, "trigger", None)
    return trigger if isinstance(trigger, Trigger) else None


def dataset_copy(dataset: str, home: str | None, system: str | None) -> tuple[str, str | None]:
    """Key and system of the copy a step on ``system`` touches (the canonical one if unknown)."""
    if system is None or home is None or system == home:
        return f"datasets/{dataset}", home
    return f"datasets/{dataset}@{system}", system


def build_graph(estate: Estate) -> EstateGraph:
    """Every element of the estate as a node, every dependency as an edge (see module doc)."""
    nodes: list[Node] = []
    index: dict[str, int] = {}
    edges: list[tuple[int, int, EdgeKind]] = []
    add_edge = edges.append
    k = EdgeKind

    def add(node: Node) -> int:
        at = len(nodes)
        index[node.key] = at
        nodes.append(node)
        return at

    def table(kind: NodeKind, items: list[Any]) -> dict[str, int]:
        prefix = COLLECTION[kind]
        return {e.id: add(Node(f"{prefix}/{e.id}", kind, e.id, e.name)) for e in items}

    teams = table(NodeKind.team, estate.teams)
    people = table(NodeKind.person, estate.people)
    for p in estate.people:
        if p.team is not None and p.team in teams:
            add_edge((people[p.id], teams[p.team], k.member_of))
    systems = table(NodeKind.system, estate.systems)
    platforms = table(NodeKind.platform, estate.platforms)
    credentials = table(NodeKind.credential, estate.credentials)
    for group, ids in ((estate.systems, systems), (estate.platforms, platforms)):
        for e in group:
            if e.owner_team in teams:
                add_edge((teams[e.owner_team], ids[e.id], k.owns))
    for c in estate.credentials:
        if c.owner_team in teams:
            add_edge((teams[c.owner_team], credentials[c.id], k.owns))
    homes: dict[str, str | None] = {}
    names: dict[str, str] = {}
    copies: dict[tuple[str, str | None], int] = {}
    for d in estate.datasets:
        homes[d.id] = d.system
        names[d.id] = d.name
        node = add(Node(f"datasets/{d.id}", NodeKind.dataset, d.id, d.name, None, d.id, d.system))
        copies[(d.id, None)] = copies[(d.id, d.system)] = node
        if d.system is not None:
            add_edge((systems[d.system], node, k.stores))
    flows = table(NodeKind.flow, estate.flows)

    def copy_of(dataset: str, system: str | None) -> int:
        found = copies.get((dataset, system))
        if found is None:
            home = homes[dataset]
            if home is None:
                found = copies[(dataset, None)]
            else:
                assert system is not None
                ident = f"{dataset}@{system}"
                label = f"{names[dataset]} @ {system}"
                found = add(
                    Node(f"datasets/{ident}", NodeKind.dataset, ident, label, None, dataset, system)
                )
                add_edge((systems[system], found, k.stores))
            copies[(dataset, system)] = found
        return found

    hosts, triggers, contains, serves = k.hosts, k.triggers, k.contains, k.serves
    authenticates, nxt, error_next, uses_data = k.authenticates, k.next, k.error_next, k.uses_data
    calls, writes, reads, step_kind, write = k.calls, k.writes, k.reads, NodeKind.step, Access.write
    for f in estate.flows:
        fi = flows[f.id]
        add_edge((platforms[f.platform], fi, hosts))
        if f.owner_team in teams:
            add_edge((teams[f.owner_team], fi, k.owns))
        if f.trigger.system is not None:
            add_edge((systems[f.trigger.system], fi, triggers))
        if f.error_flow is not None:
            add_edge((fi, flows[f.error_flow], k.error_flow))
        local: dict[str, int] = {}
        for s in f.steps:
            ident = f"{f.id}/{s.id}"
            si = add(Node(f"steps/{ident}", step_kind, ident, s.name or s.id, f.id))
            local[s.id] = si
            add_edge((fi, si, contains))
        for s in f.steps:
            si = local[s.id]
            system = s.system
            if system is not None:
                add_edge((systems[system], si, serves))
            entry_point = getattr(s, "trigger", None)  # steps of newer models carry triggers
            if entry_point is not None and entry_point.system not in (None, system):
                add_edge((systems[entry_point.system], si, triggers))
            if s.credential is not None:
                add_edge((credentials[s.credential], si, authenticates))
            if s.next:
                for target in s.next:
                    add_edge((si, local[target], nxt))
            if s.error_next:
                for target in s.error_next:
                    add_edge((si, local[target], error_next))
            if s.uses_data_from:
                for source in s.uses_data_from:
                    add_edge((local[source], si, uses_data))
            if s.calls_flow is not None:
                add_edge((si, flows[s.calls_flow], calls))
            for tp in s.touchpoints:
                di = copies.get((tp.dataset, system)) or copy_of(tp.dataset, system)
                if tp.access is write:
                    add_edge((si, di, writes))
                else:
                    add_edge((di, si, reads))

    for entry in estate.raci:
        flow, step, _ = entry.touchpoint.split("/", 2)
        raci_step = index.get(f"steps/{flow}/{step}")
        if raci_step is None:
            continue
        parties = {*entry.responsible}
        for one in (
            entry.accountable,
            entry.authorises_changes,
            entry.tests_new_flows,
            entry.approves_api_access,
        ):
            if one is not None:
                parties.add(one)
        for ident in sorted(parties):
            pi = teams.get(ident, people.get(ident))
            if pi is not None:
                add_edge((pi, raci_step, k.raci))

    graph: rx.PyDiGraph[Node, EdgeKind] = rx.PyDiGraph(
        check_cycle=False, multigraph=True, node_count_hint=len(nodes), edge_count_hint=len(edges)
    )
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    owners = (k.owns, k.raci, k.member_of)
    propagation = [(u, v) for u, v, kind in edges if kind not in owners]
    return EstateGraph(estate, graph, nodes, index, edges, propagation)
