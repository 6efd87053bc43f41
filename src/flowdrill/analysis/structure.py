"""Graph algorithms behind the single points of failure, on plain rustworkx graphs.

Kept free of estate concepts so each can be checked against networkx on random graphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import rustworkx as rx


def undirected(n: int, edges: Iterable[tuple[int, int]]) -> rx.PyGraph[None, None]:
    """A simple undirected view: no parallel edges, no self-loops (what ``bridges`` assumes).

    Deduplicated in Python: ``multigraph=False`` would check each insert against the node's
    edges, which is quadratic around hubs.
    """
    pairs = {(u, v) if u < v else (v, u) for u, v in edges if u != v}
    graph: rx.PyGraph[None, None] = rx.PyGraph()
    graph.add_nodes_from([None] * n)
    graph.extend_from_edge_list(list(pairs))
    return graph


def articulation_points(graph: rx.PyGraph[None, None]) -> set[int]:
    """Nodes whose removal splits their connected component."""
    return set(rx.articulation_points(graph))


def bridges(graph: rx.PyGraph[None, None]) -> set[tuple[int, int]]:
    """Edges whose removal splits their connected component, as (smaller, larger) pairs."""
    found: Iterable[tuple[int, int]] = rx.bridges(graph)  # type: ignore[assignment]
    return {(u, v) if u < v else (v, u) for u, v in found}


def _subtree_sums(
    adjacency: dict[int, list[int]], weight: dict[int, float]
) -> tuple[dict[int, int | None], dict[int, float], dict[int, float]]:
    """Root each tree of a forest; return parents, subtree sums and each node's tree total."""
    parent: dict[int, int | None] = {}
    sums: dict[int, float] = {}
    total: dict[int, float] = {}
    for root in sorted(adjacency):
        if root in parent:
            continue
        parent[root] = None
        order = [root]
        stack = [root]
        while stack:
            u = stack.pop()
            for v in adjacency[u]:
                if v not in parent:
                    parent[v] = u
                    order.append(v)
                    stack.append(v)
        for u in reversed(order):
            sums[u] = sums.get(u, 0.0) + weight.get(u, 0.0)
            p = parent[u]
            if p is not None:
                sums[p] = sums.get(p, 0.0) + sums[u]
        for u in order:
            total[u] = sums[root]
    return parent, sums, total


def cut_pieces(graph: rx.PyGraph[None, None], weight: Sequence[float]) -> dict[int, list[float]]:
    """For each articulation point, the total weight of each piece its removal leaves.

    Uses the block-cut tree (biconnected components), so it is linear, not one search per
    articulation point. The point's own weight is in no piece.
    """
    points = articulation_points(graph)
    blocks: dict[int, set[int]] = {}
    for (u, v), comp in rx.biconnected_components(graph).items():
        members = blocks.setdefault(comp, set())
        members.add(u)
        members.add(v)
    offset = len(weight)  # tree ids: articulation points keep theirs, blocks get offset + id
    adjacency: dict[int, list[int]] = {p: [] for p in points}
    tree_weight: dict[int, float] = {p: weight[p] for p in points}
    for comp, members in blocks.items():
        b = offset + comp
        adjacency[b] = []
        tree_weight[b] = sum(weight[m] for m in members if m not in points)
        for m in members:
            if m in points:
                adjacency[b].append(m)
                adjacency[m].append(b)
    parent, sums, total = _subtree_sums(adjacency, tree_weight)
    pieces: dict[int, list[float]] = {}
    for p in points:
        out = [sums[b] for b in adjacency[p] if parent.get(b) == p]
        if parent[p] is not None:
            out.append(total[p] - sums[p])
        pieces[p] = sorted(out, reverse=True)
    return pieces


def bridge_sides(
    graph: rx.PyGraph[None, None], weight: Sequence[float]
) -> dict[tuple[int, int], tuple[float, float]]:
    """For each bridge (u, v), the total weight on u's side and on v's side once it is cut."""
    found = bridges(graph)
    if not found:
        return {}
    rest = graph.copy()
    rest.remove_edges_from(sorted(found))
    comp_of: dict[int, int] = {}
    comp_weight: dict[int, float] = {}
    for c, members in enumerate(rx.connected_components(rest)):
        comp_weight[c] = sum(weight[m] for m in members)
        for m in members:
            comp_of[m] = c
    adjacency: dict[int, list[int]] = {c: [] for c in comp_weight}
    for u, v in found:
        adjacency[comp_of[u]].append(comp_of[v])
        adjacency[comp_of[v]].append(comp_of[u])
    parent, sums, total = _subtree_sums(adjacency, comp_weight)
    sides: dict[tuple[int, int], tuple[float, float]] = {}
    for u, v in found:
        cu, cv = comp_of[u], comp_of[v]
        if parent[cv] == cu:
            sides[(u, v)] = (total[cu] - sums[cv], sums[cv])
        else:
            sides[(u, v)] = (sums[cu], total[cu] - sums[cu])
    return sides


def immediate_dominators(graph: rx.PyDiGraph[Any, Any], root: int) -> dict[int, int]:
    """Immediate dominator of every node reachable from ``root`` (the root itself excluded)."""
    idom = rx.immediate_dominators(graph, root)
    return {n: d for n, d in idom.items() if n != root}


def dominator_chain(idom: dict[int, int], node: int, root: int) -> list[int]:
    """The nodes every path from ``root`` to ``node`` passes through, nearest first."""
    chain = []
    current = idom.get(node)
    while current is not None and current != root:
        chain.append(current)
        current = idom.get(current)
    return chain


def cycles(graph: rx.PyDiGraph[Any, Any]) -> list[list[int]]:
    """Strongly connected components that contain a cycle, each sorted, largest first."""
    found = []
    for comp in rx.strongly_connected_components(graph):
        if len(comp) > 1 or graph.has_edge(comp[0], comp[0]):
            found.append(sorted(comp))
    return sorted(found, key=lambda c: (-len(c), c))
