"""After-action reports of exercises on record: built from the log, written as files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flowdrill.exercise import events as ev
from flowdrill.exercise.impact import damage
from flowdrill.report import (
    AfterActionReport,
    Consequence,
    DatasetVerdict,
    IntegrityVerdict,
    InvariantViolation,
    RecordStory,
    StoryStep,
    action_items_csv,
    build_report,
    render_html,
    render_markdown,
)
from flowdrill.service.exercises import NO_SIM_EFFECT, Drill
from flowdrill.service.files import write_atomically
from flowdrill.service.report_cache import ReportCache
from flowdrill.service.workspace import Workspace
from flowdrill.sim.engine import Simulation
from flowdrill.sim.reconcile import Reconciliation

REPORTS = "reports"


#: What happened to a traced record, in the report's words.
_STORY_WORDS = {
    "parked": "sent to the dead-letter queue",
    "dropped": "lost without an error",
    "failed": "failed: the run errored",
}


def record_story(sim: Simulation) -> RecordStory | None:
    """The incident as one traced record lived it, in the report's words."""
    told = sim.telling_story()
    if told is None:
        return None
    gid, story = told
    flow = str(story[0]["flow"])
    names = {f.id: f.name for f in sim.estate.flows}
    return RecordStory(
        flow=flow,
        flow_name=names.get(flow, flow),
        record=gid,
        steps=[
            StoryStep(
                at=float(s["at"]),
                event=_STORY_WORDS.get(str(s["event"]), str(s["event"])),
                detail=str(s["detail"]),
            )
            for s in story
        ],
    )


def decision_consequences(drill: Drill) -> dict[str, Consequence]:
    """Each decision that acted on the estate, against the same run without its actions."""
    decided = sorted(
        {
            e.decision
            for e in drill.events
            if isinstance(e, ev.ActionTaken) and e.decision and e.action not in NO_SIM_EFFECT
        }
    )
    if not decided:
        return {}
    actual = drill.reconcile()
    out = {}
    for decision in decided:
        other = drill.without(decision).reconcile()
        out[decision] = Consequence(
            at=float(actual.at),
            damage_with=damage(actual),
            damage_without=damage(other),
            restored_with=actual.restored,
            restored_without=other.restored,
        )
    return out


def integrity_verdict(
    reconciliation: Reconciliation, story: RecordStory | None = None
) -> IntegrityVerdict:
    """The simulator's reconciliation in the report's terms (rows outside the estate, such as
    data sent to the wrong environment, count as misrouted), with one record's story."""
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
        restored=reconciliation.restored,
        checked_at=float(reconciliation.at),
        datasets=datasets,
        story=story,
    )


def exercise_report(
    ws: Workspace,
    exercise_id: str,
    *,
    name_people: bool = False,
    today: date | None = None,
    out: Path | None = None,
) -> AfterActionReport:
    """Replay the exercise (log and simulator) and build its report. The blameless report of
    a finished exercise is cached, keyed by everything it is built from, so program views
    over many drills do not replay them all each time."""
    cache = None if name_people else ReportCache(ws, exercise_id, today=today, out=out)
    if cache is not None and (cached := cache.get()) is not None:
        return cached
    drill = Drill.resume(ws, exercise_id, out=out)
    try:
        verdict = integrity_verdict(drill.reconcile(), record_story(drill.sim))
        report = build_report(
            plan=drill.plan,
            scenario=drill.scenario,
            estate=ws.estate,
            events=drill.events,
            integrity=verdict,
            name_people=name_people,
            exercise_id=exercise_id,
            today=today,
            consequences=decision_consequences(drill),
        )
    finally:
        drill.close()
    if cache is not None:
        cache.put(report)
    return report


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
