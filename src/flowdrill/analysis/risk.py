"""A transparent risk score: every factor, its value and its weight are shown.

score = 100 × Σ weightᵢ × factorᵢ / Σ weightᵢ, every factor between 0 and 1:

- ``blast_radius``: criticality-weighted share of all flows a failure of the element reaches;
- ``single_point``: severity of the worst single-point finding on it (dominator, required
  element, shared credential, crowded platform, hub system, bus factor, cut);
- ``concentration``: how many flows lean on it directly (hosted on it, calling it, using it,
  calling it as a sub-flow or error flow) or, for a person or team, how many touchpoints only
  they own; counted in critical-flow units u (critical = 1, low = 1/4), scaled u / (u + 2);
- ``sla_urgency``: how soon the first freshness SLA it reaches breaches, 60 / (60 + minutes);
- ``blind_spots``: share of what it reaches that has no monitor, no runbook or no error
  handling;
- ``exposure``: severity of the worst other finding on the element itself (rotation overdue,
  open webhook, no owner, no monitor...).

Weights default to :data:`DEFAULT_WEIGHTS`; a workspace overrides any of them in
``flowdrill.toml``::

    [analysis.weights]
    blast_radius = 0.4
    exposure = 0.05
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from pydantic import BaseModel, Field

from flowdrill.analysis.blast import BlastIndex, BlastRadius
from flowdrill.analysis.findings import Category, Finding, Kind
from flowdrill.analysis.graph import EdgeKind, EstateGraph, NodeKind
from flowdrill.errors import InputError

DEFAULT_WEIGHTS: dict[str, float] = {
    "blast_radius": 0.30,
    "single_point": 0.25,
    "concentration": 0.15,
    "sla_urgency": 0.10,
    "blind_spots": 0.10,
    "exposure": 0.10,
}

#: Kinds of element the ranking compares (steps roll up into their flow).
RANKED = (
    NodeKind.platform,
    NodeKind.system,
    NodeKind.credential,
    NodeKind.flow,
    NodeKind.dataset,
    NodeKind.person,
    NodeKind.team,
)

#: How much each flow gap makes a flow a blind spot (sums to 1).
BLINDNESS = {Kind.no_monitor: 0.5, Kind.no_runbook: 0.25, Kind.no_error_handling: 0.25}


def weights_from_config(extra: Mapping[str, Any] | None) -> dict[str, float]:
    """Defaults overridden by ``[analysis.weights]`` of the workspace config."""
    weights = dict(DEFAULT_WEIGHTS)
    section = (extra or {}).get("analysis", {})
    table = section.get("weights", {}) if isinstance(section, Mapping) else None
    if not isinstance(table, Mapping):
        raise InputError("flowdrill.toml: [analysis.weights] must be a table of numbers")
    for name, value in table.items():
        if name not in DEFAULT_WEIGHTS:
            raise InputError(
                f"flowdrill.toml: [analysis.weights] has no factor {name!r}; "
                f"known factors: {', '.join(DEFAULT_WEIGHTS)}"
            )
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise InputError(
                f"flowdrill.toml: [analysis.weights] {name} must be a number >= 0, got {value!r}"
            )
        weights[name] = float(value)
    if sum(weights.values()) <= 0:
        raise InputError("flowdrill.toml: [analysis.weights] must not all be zero")
    return weights


class Factor(BaseModel):
    """One term of the score: value × weight, and what the value was computed from."""

    name: str
    value: float = Field(ge=0, le=1)
    weight: float
    points: float = Field(description="contribution to the 0-100 score")
    basis: str = Field(description="what the value was computed from")


class RankedPoint(BaseModel):
    """A critical integration point: the element, its score and why."""

    rank: int
    element: str
    kind: str
    name: str
    score: float
    factors: list[Factor]
    reasons: list[Kind] = Field(description="kinds of the findings on this element, worst first")
    blast_radius: BlastRadius  # a dataclass: pydantic validates and dumps it as it is


def _dependents(eg: EstateGraph) -> dict[int, set[str]]:
    """Flows that lean on each element directly (see the ``concentration`` factor)."""
    out: dict[int, set[str]] = defaultdict(set)
    nodes = eg.nodes
    forward = {EdgeKind.hosts, EdgeKind.authenticates, EdgeKind.serves, EdgeKind.triggers}
    reads, writes, calls, error_flow = (
        EdgeKind.reads,
        EdgeKind.writes,
        EdgeKind.calls,
        EdgeKind.error_flow,
    )
    for u, v, kind in eg.edges:
        if kind in forward:
            b = nodes[v]
            out[u].add(b.flow or b.ident)
        elif kind is reads:
            out[u].add(str(nodes[v].flow))
        elif kind is writes or kind is calls:
            out[v].add(str(nodes[u].flow))
        elif kind is error_flow:
            out[v].add(nodes[u].ident)
    return out


class _Scored(NamedTuple):
    score: float
    key: str
    node: int
    masks: tuple[int, int, int]
    values: dict[str, float]
    leaning: str


def rank(
    eg: EstateGraph,
    blast: BlastIndex,
    findings: Iterable[Finding],
    sole: Mapping[str, list[str]],
    weights: Mapping[str, float],
    *,
    top: int | None,
) -> list[RankedPoint]:
    """Score every element of a ranked kind and return the ``top`` highest (all if None)."""
    crit = {f.id: f.criticality.weight for f in eg.estate.flows}
    by_element: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_element[f.element].append(f)
    blind_masks: dict[tuple[float, int], int] = defaultdict(int)
    for bit, fid in enumerate(blast.flow_order):
        kinds = {f.kind for f in by_element.get(f"flows/{fid}", [])}
        share = sum(w for k, w in BLINDNESS.items() if k in kinds)
        if share:
            blind_masks[(share, crit[fid])] |= 1 << bit
    dependents = _dependents(eg)
    total = sum(weights.values())
    people = (NodeKind.person, NodeKind.team)
    ranked = frozenset(RANKED)
    dataset = NodeKind.dataset
    single = Category.single_point
    scored: list[_Scored] = []
    for i, node in enumerate(eg.nodes):
        kind = node.kind
        if kind not in ranked or (kind is dataset and "@" in node.ident):
            continue
        if kind in people:
            masks = blast.combine(eg.index[s] for s in sole.get(node.key, []))
            held = [eg.nodes[eg.index[s]].flow or "" for s in sole.get(node.key, [])]
            units = sum(crit[f] for f in held) / 4
            leaning = f"{len(held)} touchpoints only they own"
        else:
            masks = blast.masks(i)
            near = {d for d in dependents.get(i, ()) if d and d != node.ident}
            units = sum(crit[d] for d in near) / 4
            leaning = f"{len(near)} flows lean on it directly"
        summary = blast.summarise(masks)
        own = by_element.get(node.key, ())
        reached = summary.weighted_criticality
        blind = sum(
            share * weight * (masks[0] & mask).bit_count()
            for (share, weight), mask in blind_masks.items()
        )
        sla = summary.time_to_sla_breach_minutes
        values = {
            "blast_radius": reached / blast.total_weight if blast.total_weight else 0.0,
            "single_point": max(
                (f.severity.score for f in own if f.category is single), default=0.0
            ),
            "concentration": units / (units + 2),
            "sla_urgency": 60 / (60 + sla) if sla is not None else 0.0,
            "blind_spots": min(1.0, blind / reached) if reached else 0.0,
            "exposure": max(
                (f.severity.score for f in own if f.category is not single), default=0.0
            ),
        }
        score = round(sum(100 * weights[k] * v / total for k, v in values.items()), 2)
        scored.append(_Scored(score, node.key, i, masks, values, leaning))
    scored.sort(key=lambda s: (-s.score, s.key))
    chosen = scored if top is None else scored[:top]
    return [
        _ranked(n, item, eg, blast, by_element.get(item.key, []), weights, total)
        for n, item in enumerate(chosen, 1)
    ]


def _ranked(
    n: int,
    item: _Scored,
    eg: EstateGraph,
    blast: BlastIndex,
    own: list[Finding],
    weights: Mapping[str, float],
    total: float,
) -> RankedPoint:
    """The full, explained entry of one ranked element."""
    radius: BlastRadius = blast.decode(item.masks)
    sla = radius.time_to_sla_breach_minutes
    spof = sorted({f.kind.value for f in own if f.category is Category.single_point})
    other = sorted({f.kind.value for f in own if f.category is not Category.single_point})
    basis = {
        "blast_radius": f"{radius.flow_count} flows ({radius.critical_flows} critical), "
        f"{radius.dataset_count} datasets, {radius.process_count} processes; "
        f"weight {radius.weighted_criticality} of {blast.total_weight}",
        "single_point": ", ".join(spof) or "none",
        "concentration": item.leaning,
        "sla_urgency": f"first freshness SLA breached after {sla} min"
        if sla is not None
        else "no SLA",
        "blind_spots": "share of reached flows without monitor, runbook or error handling",
        "exposure": ", ".join(other) or "none",
    }
    node = eg.nodes[item.node]
    ordered = sorted(own, key=lambda f: (f.severity.rank, f.kind.value))
    return RankedPoint(
        rank=n,
        element=item.key,
        kind=node.kind.value,
        name=node.name,
        score=item.score,
        factors=[
            Factor(
                name=name,
                value=round(value, 4),
                weight=weights[name],
                points=round(100 * weights[name] * value / total, 2),
                basis=basis[name],
            )
            for name, value in item.values.items()
        ],
        reasons=list(dict.fromkeys(f.kind for f in ordered)),
        blast_radius=radius,
    )
