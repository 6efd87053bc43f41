"""After-action reports of exercises on record: built from the log, written as files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flowdrill.report import (
    AfterActionReport,
    DatasetVerdict,
    IntegrityVerdict,
    InvariantViolation,
    action_items_csv,
    build_report,
    render_html,
    render_markdown,
)
from flowdrill.service.exercises import Drill
from flowdrill.service.files import write_atomically
from flowdrill.service.workspace import Workspace
from flowdrill.sim.reconcile import Reconciliation

REPORTS = "reports"


def integrity_verdict(reconciliation: Reconciliation) -> IntegrityVerdict:
    """The simulator's reconciliation in the report's terms (rows outside the estate, such as
    data sent to the wrong environment, count as misrouted)."""
    datasets = [
        DatasetVerdict(
            dataset=d.dataset,
            expected=d.comparison.expected,
            present=d.comparison.rows,
            missing=d.comparison.missing,
            duplicated=d.comparison.duplicated,
            corrupted=d.comparison.corrupted + d.comparison.unexpected,
            misrouted=d.misrouted,
            violated_invariants=[
                InvariantViolation(
                    id=i.id,
                    description=i.description,
                    count=i.violations,
                    examples=[i.note] if i.note else [],
                )
                for i in d.invariants
                if i.status == "violated"
            ],
            examples=[
                f"{kind}: record keys {', '.join(map(str, keys[:5]))}"
                for kind, keys in d.comparison.examples.items()
                if keys
            ],
        )
        for d in reconciliation.datasets
    ]
    if reconciliation.exposed:
        datasets.append(
            DatasetVerdict(
                dataset="(outside the estate)",
                expected=0,
                present=0,
                misrouted=reconciliation.exposed,
            )
        )
    return IntegrityVerdict(
        restored=reconciliation.restored, checked_at=float(reconciliation.at), datasets=datasets
    )


def exercise_report(
    ws: Workspace,
    exercise_id: str,
    *,
    name_people: bool = False,
    today: date | None = None,
    out: Path | None = None,
) -> AfterActionReport:
    """Replay the exercise (log and simulator) and build its report."""
    drill = Drill.resume(ws, exercise_id, out=out)
    try:
        verdict = integrity_verdict(drill.reconcile())
        return build_report(
            plan=drill.plan,
            scenario=drill.scenario,
            estate=ws.estate,
            events=drill.events,
            integrity=verdict,
            name_people=name_people,
            exercise_id=exercise_id,
            today=today,
        )
    finally:
        drill.close()


@dataclass(frozen=True)
class WrittenReport:
    report: AfterActionReport
    files: list[Path]
    notes: list[str] = field(default_factory=list)  # e.g. why no PDF could be made


def write_report(
    ws: Workspace,
    exercise_id: str,
    *,
    name_people: bool = False,
    today: date | None = None,
    out: Path | None = None,
) -> WrittenReport:
    """Markdown, HTML, PDF, DOCX and the action items as CSV in ``reports/<exercise>/``."""
    report = exercise_report(ws, exercise_id, name_people=name_people, today=today, out=out)
    folder = (out if out is not None else ws.root) / REPORTS / exercise_id
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, text in (
        ("after-action-report.md", render_markdown(report)),
        ("after-action-report.html", render_html(report)),
        ("action-items.csv", action_items_csv(report)),
    ):
        files.append(write_atomically(folder / name, text))
    from flowdrill.service.program import report_documents, write_bytes

    documents, notes = report_documents(ws, exercise_id, report, out=out)
    files += [write_bytes(folder / name, data) for name, data in documents.items()]
    return WrittenReport(report, files, notes)
