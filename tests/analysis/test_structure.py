"""The graph algorithms against networkx (the oracle) on small random graphs."""

from __future__ import annotations

import networkx as nx
import rustworkx as rx
from hypothesis import given, settings
from hypothesis import strategies as st

from flowdrill.analysis.blast import reach_masks
from flowdrill.analysis.structure import (
    articulation_points,
    bridge_sides,
    bridges,
    cut_pieces,
    cycles,
    dominator_chain,
    immediate_dominators,
    undirected,
)

SETTINGS = settings(max_examples=80, deadline=None)


@st.composite
def graphs(draw: st.DrawFn, max_nodes: int = 12) -> tuple[int, list[tuple[int, int]]]:
    n = draw(st.integers(1, max_nodes))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    return n, draw(st.lists(pairs, max_size=3 * n))


def simple(n: int, edges: list[tuple[int, int]]) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from((u, v) for u, v in edges if u != v)
    return g


@SETTINGS
@given(graphs())
def test_articulation_points_match_networkx(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = case
    assert articulation_points(undirected(n, edges)) == set(
        nx.articulation_points(simple(n, edges))
    )


@SETTINGS
@given(graphs())
def test_bridges_match_networkx(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = case
    expected = {(min(u, v), max(u, v)) for u, v in nx.bridges(simple(n, edges))}
    assert bridges(undirected(n, edges)) == expected


@SETTINGS
@given(graphs(), st.data())
def test_cut_pieces_match_removing_the_node(
    case: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    n, edges = case
    weight = data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    g = simple(n, edges)
    pieces = cut_pieces(undirected(n, edges), [float(w) for w in weight])
    assert set(pieces) == set(nx.articulation_points(g))
    for point, sizes in pieces.items():
        rest = g.copy()
        component = nx.node_connected_component(g, point) - {point}
        rest.remove_node(point)
        expected = sorted(
            (
                float(sum(weight[m] for m in c))
                for c in nx.connected_components(rest.subgraph(component))
            ),
            reverse=True,
        )
        assert sizes == expected


@SETTINGS
@given(graphs(), st.data())
def test_bridge_sides_match_cutting_the_edge(
    case: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    n, edges = case
    weight = data.draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    g = simple(n, edges)
    sides = bridge_sides(undirected(n, edges), [float(w) for w in weight])
    for (u, v), (left, right) in sides.items():
        rest = g.copy()
        rest.remove_edge(u, v)
        assert left == sum(weight[m] for m in nx.node_connected_component(rest, u))
        assert right == sum(weight[m] for m in nx.node_connected_component(rest, v))


def digraph(n: int, edges: list[tuple[int, int]]) -> rx.PyDiGraph[None, None]:
    g: rx.PyDiGraph[None, None] = rx.PyDiGraph()
    g.add_nodes_from([None] * n)
    g.extend_from_edge_list(edges)
    return g


@SETTINGS
@given(graphs())
def test_dominators_match_networkx(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = case
    oracle = nx.DiGraph()
    oracle.add_nodes_from(range(n))
    oracle.add_edges_from(edges)
    expected = {k: v for k, v in nx.immediate_dominators(oracle, 0).items() if k != 0}
    idom = immediate_dominators(digraph(n, edges), 0)
    assert idom == expected
    for target in idom:  # the chain is exactly the nodes whose removal cuts target off
        cut_off = set()
        for d in range(1, n):
            if d == target:
                continue
            rest = oracle.copy()
            rest.remove_node(d)
            if not nx.has_path(rest, 0, target):
                cut_off.add(d)
        assert set(dominator_chain(idom, target, 0)) == cut_off


@SETTINGS
@given(graphs())
def test_cycles_match_networkx(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = case
    oracle = nx.DiGraph()
    oracle.add_nodes_from(range(n))
    oracle.add_edges_from(edges)
    expected = {
        frozenset(c)
        for c in nx.strongly_connected_components(oracle)
        if len(c) > 1 or oracle.has_edge(next(iter(c)), next(iter(c)))
    }
    assert {frozenset(c) for c in cycles(digraph(n, edges))} == expected


@SETTINGS
@given(graphs(max_nodes=16))
def test_reach_masks_match_descendants(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = case
    oracle = nx.DiGraph()
    oracle.add_nodes_from(range(n))
    oracle.add_edges_from(edges)
    (reach,) = reach_masks(digraph(n, edges), [[1 << i for i in range(n)]])
    for node in range(n):
        expected = sum(1 << d for d in nx.descendants(oracle, node) | {node})
        assert reach[node] == expected
