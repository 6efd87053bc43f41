"""A first look at an estate: how big it is and which flows matter most."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flowdrill.estate.model import COLLECTIONS, Access, Estate, Flow


@dataclass(frozen=True)
class FlowRank:
    flow: Flow
    platform: str
    writes: int
    fan_in: int

    @property
    def sort_key(self) -> tuple[int, int, float, int, str]:
        return (
            -self.flow.criticality.weight,
            -(self.writes + self.fan_in),
            -(self.flow.records_per_hour or 0.0),
            self.flow.rto_minutes if self.flow.rto_minutes is not None else 10**9,
            self.flow.id,
        )


@dataclass(frozen=True)
class Overview:
    name: str
    counts: dict[str, int]
    flows_per_platform: dict[str, int]
    most_critical: list[FlowRank]


def overview(estate: Estate, *, top: int = 10) -> Overview:
    """Counts per collection, flows per platform kind, and flows ranked by criticality.

    Ties are broken by how many datasets a flow writes plus how many flows depend on it
    (sub-flow calls and error flows), then by volume, so the table is stable.
    """
    platforms = {p.id: p for p in estate.platforms}
    per_platform = Counter(platforms[f.platform].kind.value for f in estate.flows)
    fan_in = Counter(
        target
        for f in estate.flows
        for target in [f.error_flow, *(s.calls_flow for s in f.steps)]
        if target is not None
    )
    ranks = [
        FlowRank(
            flow=f,
            platform=platforms[f.platform].kind.value,
            writes=len(
                {t.dataset for s in f.steps for t in s.touchpoints if t.access == Access.write}
            ),
            fan_in=fan_in[f.id],
        )
        for f in estate.flows
    ]
    ranks.sort(key=lambda r: r.sort_key)
    counts = {c: len(getattr(estate, c)) for c in COLLECTIONS}
    counts["steps"] = sum(len(f.steps) for f in estate.flows)
    counts["touchpoints"] = len(estate.touchpoint_keys())
    return Overview(estate.name, counts, dict(sorted(per_platform.items())), ranks[:top])
