"""Corrective actions tracked across drills: the improvement plans of every report, merged
with what the teams recorded since (status, evidence, verification), so nothing found in a
drill is forgotten before the next one.

Actions are derived from the reports (deterministic); only the tracking state is stored. An
action id is ``<exercise>/<CA-n>``, stable across rebuilds.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from flowdrill.errors import Problem
from flowdrill.program.model import DrillRecord
from flowdrill.report.aar import Capability

STATUSES = ("open", "in progress", "done", "verified", "cancelled")
CLOSED = frozenset({"done", "verified", "cancelled"})
#: Words trackers use for our statuses, accepted on import.
STATUS_ALIASES = {
    "to do": "open",
    "todo": "open",
    "in-progress": "in progress",
    "closed": "done",
    "resolved": "done",
    "won't fix": "cancelled",
    "wont fix": "cancelled",
}


class Priority(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class Tracking(BaseModel):
    """What people recorded about one action since the drill; the only stored backlog state."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    status: str = "open"
    priority: Priority | None = None
    evidence: str = ""
    verified_by: str | None = None
    verified_on: date | None = None
    retest: bool = True


@dataclass(frozen=True)
class BacklogItem:
    id: str
    exercise: str
    drill_date: date
    scenario: str
    finding: str
    finding_title: str
    contributing_factors: tuple[str, ...]
    corrective_action: str
    capability_element: str
    owner_team: str | None
    owner_team_name: str
    start_date: date
    due_date: date
    validation_milestone: str
    priority: Priority
    status: str
    evidence: str
    verified_by: str | None
    verified_on: date | None
    retest_required: bool
    retest_modes: tuple[str, ...]
    retest_flows: tuple[str, ...]
    retested_in: str | None
    days_overdue: int

    @property
    def closed(self) -> bool:
        return self.status in CLOSED

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    @property
    def retest_due(self) -> bool:
        """The next drill on this flow or failure mode must check the fix."""
        return self.retest_required and self.retested_in is None and self.status != "cancelled"


def default_priority(title: str, capability: Capability) -> Priority:
    """Lost or wrong data and undetected failures first; gaps in the plan's pace last."""
    text = title.lower()
    if any(k in text for k in ("integrity", "time to detect", "time to contain", "not verified")):
        return Priority.high
    if capability in (Capability.equipment, Capability.organization) or "recover" in text:
        return Priority.medium
    return Priority.low


def build_backlog(
    records: Sequence[DrillRecord], tracking: Mapping[str, Tracking], *, today: date
) -> list[BacklogItem]:
    """Every corrective action of every drill, oldest drill first, with its tracking state."""
    ordered = sorted(records, key=lambda r: (r.day, r.exercise_id))
    items = []
    for index, record in enumerate(ordered):
        report = record.report
        findings = {f.id: f for f in report.improvements}
        for action in report.improvement_plan:
            ident = f"{record.exercise_id}/{action.id}"
            state = tracking.get(ident, Tracking(status=action.status))
            finding = findings.get(action.finding)
            title = finding.title if finding else ""
            retested = next(
                (
                    later.exercise_id
                    for later in ordered[index + 1 :]
                    if set(later.modes) & set(record.modes) or set(later.flows) & set(record.flows)
                ),
                None,
            )
            late = (today - action.due).days
            items.append(
                BacklogItem(
                    id=ident,
                    exercise=record.exercise_id,
                    drill_date=record.day,
                    scenario=record.scenario,
                    finding=action.finding,
                    finding_title=title,
                    contributing_factors=tuple(finding.contributing_factors if finding else ()),
                    corrective_action=action.action,
                    capability_element=action.capability.value,
                    owner_team=action.owner_team,
                    owner_team_name=action.owner_team_name,
                    start_date=action.start,
                    due_date=action.due,
                    validation_milestone=action.validation_milestone,
                    priority=state.priority or default_priority(title, action.capability),
                    status=state.status,
                    evidence=state.evidence,
                    verified_by=state.verified_by,
                    verified_on=state.verified_on,
                    retest_required=state.retest,
                    retest_modes=record.modes,
                    retest_flows=record.flows,
                    retested_in=retested,
                    days_overdue=late if late > 0 and state.status not in CLOSED else 0,
                )
            )
    return items


def retest_modes_due(items: Sequence[BacklogItem]) -> list[str]:
    """Failure modes whose fixes wait for a retest, the longest-waiting first: what the next
    scenario should exercise."""
    waiting: dict[str, date] = {}
    for item in items:
        if item.retest_due:
            for mode in item.retest_modes:
                waiting[mode] = min(waiting.get(mode, item.drill_date), item.drill_date)
    return sorted(waiting, key=lambda m: (waiting[m], m))


def closure_rate(items: Sequence[BacklogItem]) -> float | None:
    """Share of actions closed (done, verified or cancelled); None with no actions."""
    return round(sum(i.closed for i in items) / len(items), 3) if items else None


# --------------------------------------------------------------------------- exports

COLUMNS: tuple[str, ...] = (
    "id",
    "exercise",
    "drill_date",
    "finding",
    "finding_title",
    "corrective_action",
    "capability_element",
    "owner_team",
    "owner_team_name",
    "start_date",
    "due_date",
    "validation_milestone",
    "priority",
    "status",
    "overdue_days",
    "evidence",
    "verified_by",
    "verified_on",
    "retest",
    "retested_in",
)


def _csv(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def backlog_csv(items: Sequence[BacklogItem]) -> str:
    """The backlog as CSV; edit status, evidence and verified_by/on, then import it back."""
    rows: list[Sequence[str]] = [COLUMNS]
    for i in items:
        retest = "" if not i.retest_required else ("done" if i.retested_in else "required")
        rows.append(
            (
                i.id,
                i.exercise,
                i.drill_date.isoformat(),
                i.finding,
                i.finding_title,
                i.corrective_action,
                i.capability_element,
                i.owner_team or "",
                i.owner_team_name,
                i.start_date.isoformat(),
                i.due_date.isoformat(),
                i.validation_milestone,
                i.priority.value,
                i.status,
                str(i.days_overdue),
                i.evidence,
                i.verified_by or "",
                i.verified_on.isoformat() if i.verified_on else "",
                retest,
                i.retested_in or "",
            )
        )
    return _csv(rows)


def _description(i: BacklogItem) -> str:
    lines = [
        f"Finding {i.finding} of exercise {i.exercise} ({i.drill_date}): {i.finding_title}",
        "",
        i.corrective_action,
        "",
        f"Capability element: {i.capability_element}",
        f"Owner team: {i.owner_team_name}",
        f"Validation milestone: {i.validation_milestone}",
    ]
    if i.contributing_factors:
        lines += ["", "Contributing factors:", *(f"- {f}" for f in i.contributing_factors)]
    if i.retest_required:
        lines.append(
            "Retest: the next drill on "
            + ", ".join([*i.retest_modes, *i.retest_flows])
            + " checks this fix."
        )
    lines.append(f"flowdrill id: {i.id}")
    return "\n".join(lines)


def _summary(i: BacklogItem) -> str:
    return f"[{i.finding_title or i.finding}] {i.corrective_action}"[:250]


JIRA_PRIORITY = {Priority.high: "High", Priority.medium: "Medium", Priority.low: "Low"}
JIRA_STATUS = {
    "open": "To Do",
    "in progress": "In Progress",
    "done": "Done",
    "verified": "Done",
    "cancelled": "Done",
}


def jira_csv(items: Sequence[BacklogItem]) -> str:
    """CSV for Jira's external-system import: one column per field, repeated ``Labels``
    columns, dates as ``yyyy-MM-dd`` (set that date format in the import wizard)."""
    header = (
        "Summary",
        "Issue Type",
        "Priority",
        "Status",
        "Due Date",
        "Component/s",
        "Description",
        "External ID",
        "Labels",
        "Labels",
        "Labels",
    )
    rows: list[Sequence[str]] = [header]
    for i in items:
        rows.append(
            (
                _summary(i),
                "Task",
                JIRA_PRIORITY[i.priority],
                JIRA_STATUS.get(i.status, "To Do"),
                i.due_date.isoformat(),
                i.owner_team_name,
                _description(i),
                i.id,
                "flowdrill",
                f"capability-{i.capability_element.lower()}",
                "overdue" if i.overdue else f"priority-{i.priority.value}",
            )
        )
    return _csv(rows)


def github_issues_json(items: Sequence[BacklogItem]) -> str:
    """A JSON list of GitHub issue payloads (``title``, ``body``, ``labels``, ``state``), one
    per action, ready for ``POST /repos/{owner}/{repo}/issues`` or ``gh issue create``."""
    issues = [
        {
            "title": _summary(i),
            "body": _description(i) + f"\n\nDue: {i.due_date.isoformat()}",
            "labels": sorted(
                {
                    "flowdrill",
                    f"priority:{i.priority.value}",
                    f"capability:{i.capability_element.lower()}",
                    *(["overdue"] if i.overdue else []),
                    *(["retest"] if i.retest_due else []),
                }
            ),
            "state": "closed" if i.closed else "open",
            "flowdrill_id": i.id,
        }
        for i in items
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- import

IMPORT_FIELDS = ("status", "priority", "evidence", "verified_by", "verified_on", "retest")


def parse_status_csv(
    text: str, *, known: Mapping[str, Tracking], name: str
) -> tuple[dict[str, Tracking], list[Problem]]:
    """Status updates from a CSV with an ``id`` column and any of :data:`IMPORT_FIELDS`.

    Returns the new tracking of every row that changed, and every problem (unknown ids,
    statuses, dates) with its line, so a whole file is judged at once and nothing is applied
    by halves."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "id" not in header:
        return {}, [Problem(name, 1, None, "id", "the header has no 'id' column")]
    if not set(header) & set(IMPORT_FIELDS):
        wanted = ", ".join(IMPORT_FIELDS)
        return {}, [Problem(name, 1, None, "", f"no column to import; expected any of {wanted}")]
    updates: dict[str, Tracking] = {}
    problems: list[Problem] = []
    for row in reader:
        line = reader.line_num
        cells = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        ident = cells.get("id", "")
        if ident not in known:
            problems.append(Problem(name, line, None, "id", f"no corrective action {ident!r}"))
            continue
        if ident in updates:
            problems.append(Problem(name, line, None, "id", f"{ident} appears twice"))
            continue
        found, row_problems = _row(cells, known[ident], name, line)
        problems += row_problems
        if not row_problems and found != known[ident]:
            updates[ident] = found
    return updates, problems


def _row(
    cells: Mapping[str, str], current: Tracking, name: str, line: int
) -> tuple[Tracking, list[Problem]]:
    problems: list[Problem] = []
    data = current.model_dump()
    if cells.get("status"):
        status = cells["status"].lower()
        status = STATUS_ALIASES.get(status, status)
        if status in STATUSES:
            data["status"] = status
        else:
            choices = ", ".join(STATUSES)
            problems.append(
                Problem(name, line, None, "status", f"{cells['status']!r}: use one of {choices}")
            )
    if cells.get("priority"):
        try:
            data["priority"] = Priority(cells["priority"].lower())
        except ValueError:
            problems.append(
                Problem(name, line, None, "priority", f"{cells['priority']!r}: high, medium or low")
            )
    for key in ("evidence", "verified_by"):
        if key in cells:
            data[key] = cells[key] or (None if key == "verified_by" else "")
    if "verified_on" in cells:
        try:
            data["verified_on"] = (
                date.fromisoformat(cells["verified_on"]) if cells["verified_on"] else None
            )
        except ValueError:
            problems.append(
                Problem(
                    name, line, None, "verified_on", f"{cells['verified_on']!r}: not YYYY-MM-DD"
                )
            )
    if cells.get("retest"):
        data["retest"] = cells["retest"].lower() not in ("no", "false", "0", "")
    if data["status"] == "verified" and not (
        data["evidence"] and data["verified_by"] and data["verified_on"]
    ):
        problems.append(
            Problem(
                name,
                line,
                None,
                "status",
                "'verified' needs evidence, verified_by and verified_on",
            )
        )
    return Tracking.model_validate(data), problems
