"""One drill on record, as the program sees it: a pure summary the service builds from the
exercise log, the scenario and the after-action report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flowdrill.exercise.metrics import Metrics
from flowdrill.report.aar import AfterActionReport


@dataclass(frozen=True)
class DrillRecord:
    exercise_id: str
    day: date  # from the "started" event's wall clock, so a rebuild gives the same day
    plan: str
    scenario: str
    modes: tuple[str, ...]
    flows: tuple[str, ...]
    metrics: Metrics
    report: AfterActionReport
    ratings: dict[str, int] = field(default_factory=dict)
    kind: str = "full"


def quarter(day: date) -> str:
    """``2026-Q3``: the unit of the quarter-over-quarter summary."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
