"""Recurring themes: findings of many drills grouped by failure mode, flow, capability element
and contributing factor, so a pattern (say, misconfigured connectors) shows as one theme
rather than as scattered actions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flowdrill.program.backlog import BacklogItem

#: Contributing-factor categories, recognised by words in the finding and its factors.
FACTORS: dict[str, re.Pattern[str]] = {
    "misconfigured connectors": re.compile(
        r"connector|credential|auth|token|config|api version|deprecat", re.I
    ),
    "missing lineage": re.compile(r"lineage|not in the estate map|dataset|downstream", re.I),
    "inconsistent runbook steps": re.compile(r"runbook|stale step|procedure", re.I),
    "alert routing and monitoring": re.compile(r"alert|monitor|not detected|time to detect", re.I),
    "approvals and ownership": re.compile(r"approval|raci|owner|escalat", re.I),
    "data repair and reconciliation": re.compile(r"integrity|reconcil|duplicat|missing", re.I),
    "time boxes and pace": re.compile(r"time box|phases? .*over|not reached", re.I),
}
DIMENSIONS = ("failure mode", "flow", "capability element", "contributing factor")


@dataclass(frozen=True)
class Theme:
    dimension: str
    key: str
    drills: tuple[str, ...]
    actions: tuple[str, ...]
    open_actions: int

    @property
    def recurring(self) -> bool:
        return len(self.drills) >= 2


def factor_categories(item: BacklogItem) -> list[str]:
    text = " ".join((item.finding_title, *item.contributing_factors))  # not the advice given
    return [name for name, pattern in FACTORS.items() if pattern.search(text)]


def recurring_themes(items: Sequence[BacklogItem], *, minimum_drills: int = 2) -> list[Theme]:
    """Themes seen in at least ``minimum_drills`` drills, the most widespread first."""
    groups: dict[tuple[str, str], list[BacklogItem]] = {}
    for item in items:
        keys = [("failure mode", m) for m in item.retest_modes]
        keys += [("flow", f) for f in item.retest_flows]
        keys.append(("capability element", item.capability_element))
        keys += [("contributing factor", c) for c in factor_categories(item)]
        for key in keys:
            groups.setdefault(key, []).append(item)
    themes = [
        Theme(
            dimension=dim,
            key=key,
            drills=tuple(sorted({i.exercise for i in group})),
            actions=tuple(i.id for i in group),
            open_actions=sum(not i.closed for i in group),
        )
        for (dim, key), group in groups.items()
    ]
    themes = [t for t in themes if len(t.drills) >= minimum_drills]
    return sorted(
        themes,
        key=lambda t: (-len(t.drills), -len(t.actions), DIMENSIONS.index(t.dimension), t.key),
    )
