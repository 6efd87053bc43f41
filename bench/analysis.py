"""Benchmark: `flowdrill analyze` core on synthetic estates of 1k, 10k and 100k elements.

Target: a 100k-element estate analysed in under 2 s on one core (articulation points,
bridges, dominators, cycles, and the blast radius of its 1,000 highest-risk elements), and
at least 10x faster than a straightforward networkx implementation of the same analysis,
run side by side on the same graph.

Each phase reports the best of 3 runs (networkx's blast radius above 5k elements: 1 run), with
the cyclic garbage collector paused as ``analyze()`` pauses it, on both sides; the estate
itself is moved out of the collector's reach (gc.freeze) before anything is timed.

The estates have business domains (flows mostly touch their domain's datasets and systems),
a few hub systems every domain calls, credentials shared across flows, sub-flows, error
workflows, monitors, RACI entries and runbooks.

    .venv/bin/python bench/analysis.py                  # 1k, 10k, 100k; networkx up to 10k
    .venv/bin/python bench/analysis.py --networkx-max 100000   # networkx at 100k too (slow)
    .venv/bin/python bench/analysis.py --sizes 1000 10000
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import networkx as nx

from flowdrill.analysis.blast import blast_index
from flowdrill.analysis.graph import EstateGraph, NodeKind, build_graph
from flowdrill.analysis.report import analyze
from flowdrill.analysis.spof import _lineage, integration_view
from flowdrill.analysis.structure import (
    bridge_sides,
    cut_pieces,
    cycles,
    immediate_dominators,
)
from flowdrill.estate.model import (
    Credential,
    Dataset,
    Estate,
    Flow,
    Monitor,
    Person,
    Platform,
    RaciEntry,
    Runbook,
    Step,
    System,
    Team,
    Touchpoint,
    Trigger,
)

TARGET_S = 2.0
TOP = 1000
TODAY = date(2026, 11, 29)
CRITICALITY = ["low"] * 3 + ["medium"] * 4 + ["high"] * 2 + ["critical"]
SLAS = [None, 5, 15, 30, 60, 240, 1440]


def synthetic_estate(elements: int, seed: int = 7) -> Estate:
    """An estate of about ``elements`` teams, people, systems, platforms, datasets,
    credentials, flows and steps (8 steps per flow)."""
    rng = random.Random(seed)
    flows_n = max(4, round(elements * 0.105))
    domains = max(1, flows_n // 40)
    teams = [Team(id=f"t{i}", name=f"Team {i}") for i in range(max(2, elements // 500))]
    people = [
        Person(id=f"p{i}", name=f"Person {i}", team=rng.choice(teams).id)
        for i in range(max(3, elements // 100))
    ]
    platforms = [
        Platform(id=f"pl{i}", name=f"Platform {i}", kind=rng.choice(["n8n", "make", "zapier"]))
        for i in range(max(2, elements // 5000))
    ]
    hubs = [System(id=f"hub{i}", name=f"Hub {i}", kind="erp") for i in range(5)]
    per_domain_systems = max(2, elements // 200 // domains)
    systems = list(hubs)
    dom_systems: list[list[str]] = []
    for d in range(domains):
        ids = [f"s{d}-{i}" for i in range(per_domain_systems)]
        systems += [System(id=i, name=f"System {i}", kind="api") for i in ids]
        dom_systems.append(ids)
    per_domain_datasets = max(3, elements // 50 // domains)
    datasets = []
    dom_datasets: list[list[str]] = []
    for d in range(domains):
        ids = [f"d{d}-{i}" for i in range(per_domain_datasets)]
        for i in ids:
            home = rng.choice(dom_systems[d] + [h.id for h in hubs])
            datasets.append(
                Dataset(
                    id=i,
                    name=f"Data {i}",
                    system=home,
                    classification=rng.choice(["internal", "confidential", "pii"]),
                )
            )
        dom_datasets.append(ids)
    homes = {d.id: d.system for d in datasets}
    credentials = [
        Credential(
            id=f"c{i}",
            name=f"Cred {i}",
            type="api_key",
            last_rotated=date(2025, 1, 1),
            rotation_days=rng.choice([90, 365, 730]),
            owner_team=rng.choice(teams).id,
        )
        for i in range(max(3, elements // 100))
    ]
    flows: list[Flow] = []
    subflows: list[str] = []
    error_flows = {p.id: f"err-{p.id}" for p in platforms}
    for p in platforms:
        flows.append(
            Flow(
                id=error_flows[p.id],
                name=f"Error workflow {p.id}",
                platform=p.id,
                trigger=Trigger(kind="error"),
                criticality="high",
                steps=[
                    Step(id="on-error", kind="trigger", next=["log"]),
                    Step(
                        id="log",
                        kind="connector",
                        system="hub0",
                        credential="c0",
                        touchpoints=[Touchpoint(dataset="d0-0", access="write")],
                    ),
                ],
            )
        )
    for n in range(flows_n - len(flows)):
        d = n % domains
        platform = rng.choice(platforms).id
        local_sys = dom_systems[d]
        local_data = dom_datasets[d]

        def system(local_sys: list[str] = local_sys) -> str:
            return (
                rng.choice([h.id for h in hubs]) if rng.random() < 0.25 else rng.choice(local_sys)
            )

        def data(local_data: list[str] = local_data) -> str:
            pool = local_data if rng.random() < 0.9 else rng.choice(dom_datasets)
            return rng.choice(pool)

        steps: list[Step] = []
        is_sub = rng.random() < 0.05
        first = data()
        steps.append(
            Step(
                id="s0",
                kind="trigger",
                system=homes[first],
                credential=rng.choice(credentials).id,
                touchpoints=[Touchpoint(dataset=first, access="read")],
                next=["s1"],
            )
        )
        for i in range(1, 8):
            kind = "transform" if i % 3 == 1 else "connector"
            nxt = [f"s{i + 1}"] if i < 7 else []
            step: dict[str, Any] = {"id": f"s{i}", "kind": kind, "next": nxt}
            if i > 1:
                step["uses_data_from"] = [f"s{rng.randrange(0, i - 1)}"]
            if kind == "connector":
                target = data()
                step["system"] = homes[target] if rng.random() < 0.7 else system()
                step["credential"] = rng.choice(credentials[: max(3, len(credentials) // 3)]).id
                step["touchpoints"] = [
                    Touchpoint(dataset=target, access="write" if rng.random() < 0.6 else "read")
                ]
                if rng.random() < 0.5:
                    step["retry"] = {"max_tries": 3}
            if i == 5 and subflows and rng.random() < 0.2:
                step = {
                    "id": f"s{i}",
                    "kind": "subflow",
                    "next": nxt,
                    "calls_flow": rng.choice(subflows),
                }
            steps.append(Step(**step))
        fid = f"f{n}"
        flows.append(
            Flow(
                id=fid,
                name=f"Flow {n}",
                platform=platform,
                trigger=Trigger(kind="subflow")
                if is_sub
                else Trigger(
                    kind=rng.choice(["webhook", "schedule", "app_event"]),
                    authenticated=rng.random() < 0.8,
                ),
                owner_team=rng.choice(teams).id if rng.random() < 0.9 else None,
                criticality=rng.choice(CRITICALITY),
                freshness_sla_minutes=rng.choice(SLAS),
                business_process=f"process-{d % 20}",
                error_flow=error_flows[platform] if rng.random() < 0.7 else None,
                steps=steps,
            )
        )
        if is_sub:
            subflows.append(fid)
    monitors = [
        Monitor(
            id=f"m{i}",
            name=f"Monitor {i}",
            flow=f.id,
            metric="failure_rate",
            threshold=0.1,
            alert_route=rng.choice(teams).id if rng.random() < 0.9 else None,
        )
        for i, f in enumerate(flows)
        if rng.random() < 0.6
    ]
    raci = [
        RaciEntry(
            touchpoint=f"{f.id}/{s.id}/{t.dataset}",
            responsible=[rng.choice(people).id],
            accountable=rng.choice(people).id,
            authorises_changes=rng.choice(people).id if rng.random() < 0.8 else None,
        )
        for f in flows
        for s in f.steps
        for t in s.touchpoints
        if t.access == "write" and rng.random() < 0.5
    ]
    runbooks = [
        Runbook(id=f"rb{i}", title=f"Runbook {i}", flows=[f.id for f in flows[i::50][:3]])
        for i in range(max(1, len(flows) // 20))
    ]
    return Estate(
        name=f"synthetic-{elements}",
        teams=teams,
        people=people,
        systems=systems,
        platforms=platforms,
        datasets=datasets,
        credentials=credentials,
        flows=flows,
        monitors=monitors,
        raci=raci,
        runbooks=runbooks,
    )


# --------------------------------------------------------------------------- the two sides


REPEAT = 3


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs of ``fn``, with the cyclic GC paused during each run
    (as ``analyze()`` runs); both sides are measured the same way."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = fn()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best, result


def top_elements(eg: EstateGraph, count: int) -> list[int]:
    """The highest-risk elements as flowdrill ranks them (both sides get the same list)."""
    report = analyze(eg.estate, today=TODAY, top=count)
    return [eg.index[p.element] for p in report.ranking]


def flowdrill_core(eg: EstateGraph, top: list[int]) -> dict[str, float]:
    """The structural core with rustworkx, phase by phase."""
    out: dict[str, float] = {}

    def cuts() -> None:
        graph, _, weight = integration_view(eg)
        cut_pieces(graph, weight)
        bridge_sides(graph, weight)

    def dominators() -> None:
        lineage, _, root = _lineage(eg)
        immediate_dominators(lineage, root)

    def loops() -> None:
        eg.__dict__.pop("propagation_graph", None)  # cached: rebuild it on every run
        cycles(eg.propagation_graph)

    def blast() -> None:
        eg.__dict__.pop("propagation_graph", None)
        index = blast_index(eg)
        for node in top:
            index.radius(node)

    for name, fn in (
        ("cuts", cuts),
        ("dominators", dominators),
        ("cycles", loops),
        ("blast", blast),
    ):
        out[name] = timed(fn, REPEAT)[0]
    return out


def networkx_core(eg: EstateGraph, top: list[int]) -> dict[str, float]:
    """The same analysis written the straightforward way with networkx."""
    out: dict[str, float] = {}
    flows = eg.estate.by_id("flows")

    def cuts() -> None:
        flow_of = {n.ident: i for i, n in enumerate(eg.nodes) if n.kind is NodeKind.flow}
        fold = [flow_of[n.flow] if n.flow is not None else i for i, n in enumerate(eg.nodes)]
        g = nx.Graph()
        g.add_nodes_from(set(fold))
        g.add_edges_from(
            (fold[u], fold[v]) for u, v in eg.propagation_edges() if fold[u] != fold[v]
        )
        set(nx.articulation_points(g))
        set(nx.bridges(g))

    def dominators() -> None:
        lineage, _, root = _lineage(eg)
        g = nx.DiGraph()
        g.add_nodes_from(lineage.node_indices())
        g.add_edges_from(lineage.edge_list())
        nx.immediate_dominators(g, root)

    def loops() -> None:
        g = nx.DiGraph()
        g.add_nodes_from(range(len(eg.nodes)))
        g.add_edges_from(eg.propagation_edges())
        [c for c in nx.strongly_connected_components(g) if len(c) > 1]

    def blast() -> None:
        g = nx.DiGraph()
        g.add_nodes_from(range(len(eg.nodes)))
        g.add_edges_from(eg.propagation_edges())
        for node in top:
            reached = nx.descendants(g, node) | {node}
            hit = {
                eg.nodes[r].ident if eg.nodes[r].kind is NodeKind.flow else eg.nodes[r].flow
                for r in reached
            } - {None}
            sorted(hit)
            sorted({eg.nodes[r].dataset for r in reached if eg.nodes[r].dataset})
            sorted({flows[f].business_process or "" for f in hit if f})
            sum(flows[f].criticality.weight for f in hit if f)
            min((s for f in hit if f and (s := flows[f].freshness_sla_minutes)), default=None)

    for name, fn in (
        ("cuts", cuts),
        ("dominators", dominators),
        ("cycles", loops),
        ("blast", blast),
    ):
        slow = name == "blast" and len(eg.nodes) > 5000  # tens of seconds: run it once
        out[name] = timed(fn, 1 if slow else REPEAT)[0]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument(
        "--networkx-max",
        type=int,
        default=10000,
        help="skip networkx above this many elements (default 10000)",
    )
    args = parser.parse_args()
    phases = ("cuts", "dominators", "cycles", "blast")
    print(f"{'elements':>9} {'phase':<12} {'flowdrill s':>12} {'networkx s':>11} {'ratio':>7}")
    verdicts = []
    for size in args.sizes:
        estate = synthetic_estate(size)
        gc.freeze()  # the estate is input, not work: keep it out of both sides' collections
        build_s, eg = timed(lambda e=estate: build_graph(e), REPEAT)
        full_s, _ = timed(lambda e=estate: analyze(e, today=TODAY, top=TOP))
        top = top_elements(eg, TOP)
        ours = flowdrill_core(eg, top)
        theirs = networkx_core(eg, top) if size <= args.networkx_max else None
        n = len(eg.nodes)
        for phase in phases:
            other = f"{theirs[phase]:>11.3f}" if theirs else f"{'skipped':>11}"
            ratio = f"{theirs[phase] / ours[phase]:>6.1f}x" if theirs else f"{'-':>7}"
            print(f"{n:>9} {phase:<12} {ours[phase]:>12.3f} {other} {ratio}")
        core = build_s + sum(ours.values())
        total_theirs = build_s + sum(theirs.values()) if theirs else None
        other = f"{total_theirs:>11.3f}" if total_theirs else f"{'skipped':>11}"
        ratio = f"{total_theirs / core:>6.1f}x" if total_theirs else f"{'-':>7}"
        print(f"{n:>9} {'core+build':<12} {core:>12.3f} {other} {ratio}")
        print(
            f"{n:>9} {'analyze()':<12} {full_s:>12.3f} {'':>11} {'':>7}  (all findings + ranking)"
        )
        verdicts.append((n, core, full_s))
    for n, core, full_s in verdicts:
        if n >= 90000:
            verdict = "meets" if core < TARGET_S else "MISSES"
            print(
                f"{n} elements: core {core:.2f} s, full analyze {full_s:.2f} s; "
                f"{verdict} the {TARGET_S:.0f} s target for the core"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
