"""Corrective actions as CSV (RFC 4180), for spreadsheets and issue-tracker imports.

One row per corrective action, with a header row; the csv module does the quoting, so commas,
quotes and newlines in an action survive a round trip.
"""

from __future__ import annotations

import csv
import io

from flowdrill.report.aar import AfterActionReport

#: Column order of the CSV; stable, since trackers map columns by name on import.
COLUMNS: tuple[str, ...] = (
    "id",
    "exercise",
    "finding",
    "finding_title",
    "corrective_action",
    "capability_element",
    "owner_team",
    "owner_team_name",
    "start_date",
    "due_date",
    "validation_milestone",
    "status",
    "target",
)


def action_items_csv(report: AfterActionReport) -> str:
    """The improvement plan as CSV text (CRLF line ends, as RFC 4180 says)."""
    titles = {f.id: f.title for f in report.improvements}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for a in report.improvement_plan:
        writer.writerow(
            (
                a.id,
                report.exercise_id,
                a.finding,
                titles.get(a.finding, ""),
                a.action,
                a.capability.value,
                a.owner_team or "",
                a.owner_team_name,
                a.start.isoformat(),
                a.due.isoformat(),
                a.validation_milestone,
                a.status,
                a.target or "",
            )
        )
    return buffer.getvalue()
