"""Metrics across drills: medians and spread (never only a mean), per drill and per quarter.

A metric a drill never reached (the failure was never detected, say) is a gap, not a zero: it
is left out of the median and counted separately as ``not reached``.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flowdrill.exercise.metrics import Metrics
from flowdrill.program.backlog import CLOSED, BacklogItem
from flowdrill.program.model import DrillRecord, quarter
from flowdrill.report.aar import (
    DECISION_LATENCY,
    TIME_TO_ACKNOWLEDGE,
    TIME_TO_CONTAIN,
    TIME_TO_DETECT,
    TIME_TO_ESCALATE,
    TIME_TO_RECOVER,
    TIME_TO_RUNBOOK,
)

#: The trended metrics (names exactly as DESIGN.md), each read from one drill's metrics.
METRICS: dict[str, Callable[[Metrics], float | None]] = {
    TIME_TO_DETECT: lambda m: m.time_to_detect,
    TIME_TO_ACKNOWLEDGE: lambda m: m.time_to_acknowledge,
    TIME_TO_ESCALATE: lambda m: m.time_to_escalate,
    TIME_TO_RUNBOOK: lambda m: m.time_to_runbook_activation,
    TIME_TO_CONTAIN: lambda m: m.time_to_contain,
    TIME_TO_RECOVER: lambda m: m.time_to_recover,
    DECISION_LATENCY: lambda m: m.decision_latency.median,
}
#: The ones drawn in the trends chart (the issue's four, plus decision latency).
CHARTED = (TIME_TO_DETECT, TIME_TO_ACKNOWLEDGE, TIME_TO_CONTAIN, TIME_TO_RECOVER, DECISION_LATENCY)
RATINGS = ("P", "S", "M", "U")


@dataclass(frozen=True)
class Spread:
    """Median, range and quartiles of the drills that reached the metric."""

    count: int
    not_reached: int
    median: float | None
    minimum: float | None
    maximum: float | None
    q1: float | None
    q3: float | None

    @classmethod
    def of(cls, values: Sequence[float | None]) -> Spread:
        got = sorted(v for v in values if v is not None)
        missing = len(values) - len(got)
        if not got:
            return cls(0, missing, None, None, None, None, None)
        if len(got) == 1:
            q1 = q3 = got[0]
        else:
            q1, _, q3 = statistics.quantiles(got, n=4, method="inclusive")
        return cls(
            len(got),
            missing,
            round(statistics.median(got), 2),
            got[0],
            got[-1],
            round(q1, 2),
            round(q3, 2),
        )


@dataclass(frozen=True)
class DrillPoint:
    exercise_id: str
    day: str
    scenario: str
    values: dict[str, float | None]
    ratings: dict[str, int]
    actions: int
    closed: int

    @property
    def closure_rate(self) -> float | None:
        return round(self.closed / self.actions, 3) if self.actions else None


@dataclass(frozen=True)
class QuarterSummary:
    quarter: str
    drills: int
    medians: dict[str, float | None]
    ratings: dict[str, int]
    closure_rate: float | None
    changes: dict[str, float | None]  # median change against the previous quarter (minutes)


@dataclass(frozen=True)
class Trends:
    drills: list[DrillPoint]
    spreads: dict[str, Spread]
    ratings: dict[str, int]
    closure_rate: float | None
    quarters: list[QuarterSummary]

    def series(self, metric: str) -> list[float | None]:
        return [d.values[metric] for d in self.drills]


def _ratings(points: Sequence[DrillPoint]) -> dict[str, int]:
    return {r: sum(p.ratings.get(r, 0) for p in points) for r in RATINGS}


def _rate(points: Sequence[DrillPoint]) -> float | None:
    actions = sum(p.actions for p in points)
    return round(sum(p.closed for p in points) / actions, 3) if actions else None


def compute_trends(records: Sequence[DrillRecord], backlog: Sequence[BacklogItem]) -> Trends:
    """Per-drill values, their spread, and a quarter-over-quarter summary."""
    ordered = sorted(records, key=lambda r: (r.day, r.exercise_id))
    points = []
    for r in ordered:
        mine = [i for i in backlog if i.exercise == r.exercise_id]
        points.append(
            DrillPoint(
                exercise_id=r.exercise_id,
                day=r.day.isoformat(),
                scenario=r.scenario,
                values={name: get(r.metrics) for name, get in METRICS.items()},
                ratings={k: r.ratings.get(k, 0) for k in RATINGS},
                actions=len(mine),
                closed=sum(i.status in CLOSED for i in mine),
            )
        )
    quarters: list[QuarterSummary] = []
    by_quarter: dict[str, list[DrillPoint]] = {}
    for r, p in zip(ordered, points, strict=True):
        by_quarter.setdefault(quarter(r.day), []).append(p)
    for name, group in by_quarter.items():
        medians = {m: Spread.of([p.values[m] for p in group]).median for m in METRICS}
        before = quarters[-1].medians if quarters else {}
        changes = {
            m: (round(v - b, 2) if v is not None and (b := before.get(m)) is not None else None)
            for m, v in medians.items()
        }
        quarters.append(
            QuarterSummary(name, len(group), medians, _ratings(group), _rate(group), changes)
        )
    return Trends(
        drills=points,
        spreads={m: Spread.of([p.values[m] for p in points]) for m in METRICS},
        ratings=_ratings(points),
        closure_rate=_rate(points),
        quarters=quarters,
    )


def _num(value: float | None) -> str:
    return "not reached" if value is None else f"{value:g} min"


def quarter_summary_markdown(trends: Trends) -> str:
    """The quarter-over-quarter summary to share with the wider teams."""
    lines = ["# Drill program: quarter over quarter", ""]
    if not trends.quarters:
        return "\n".join([*lines, "No drills on record yet.", ""])
    head = ["quarter", "drills", *CHARTED, "closure rate"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for q in trends.quarters:
        cells = [q.quarter, str(q.drills)]
        for m in CHARTED:
            change = q.changes.get(m)
            delta = "" if change is None else f" ({change:+g})"
            cells.append(_num(q.medians[m]) + delta)
        cells.append("-" if q.closure_rate is None else f"{q.closure_rate * 100:.0f}%")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Medians per quarter; in brackets the change against the previous quarter "
        "(negative is faster). Drills that never reached a metric are left out of its "
        "median.",
        "",
        "## Across all drills",
        "",
    ]
    lines += [
        "| metric | drills | median | spread (min–max) | quartiles | not reached |",
        "|---|---|---|---|---|---|",
    ]
    for m, s in trends.spreads.items():
        span = "-" if s.minimum is None else f"{s.minimum:g}–{s.maximum:g} min"
        quart = "-" if s.q1 is None else f"{s.q1:g}–{s.q3:g} min"
        lines.append(f"| {m} | {s.count} | {_num(s.median)} | {span} | {quart} | {s.not_reached} |")
    ratings = ", ".join(f"{k} {v}" for k, v in trends.ratings.items())
    rate = "-" if trends.closure_rate is None else f"{trends.closure_rate * 100:.0f}%"
    lines += ["", f"Task ratings (P/S/M/U): {ratings}. Corrective-action closure rate: {rate}.", ""]
    return "\n".join(lines)
