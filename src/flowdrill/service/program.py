"""Application layer of the drill program: builds drill records from the exercise logs, keeps
the backlog's tracking state, and writes the program's files (backlog exports, trends chart
and summary, coverage matrix, calendar) and the PDF/DOCX forms of a report.

Everything lands in ``program/`` (or ``reports/<exercise>/``) under the workspace, or under
``out`` for the read-only bundled demo.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import ValidationError

from flowdrill.errors import InputError, InvalidFiles, Problem
from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event, parse_event
from flowdrill.exercise.metrics import compute
from flowdrill.exercise.plan import touched_steps
from flowdrill.program import backlog as bl
from flowdrill.program.cadence import (
    CadenceConfig,
    Coverage,
    PlannedDrill,
    calendar_ics,
    coverage_markdown,
    coverage_matrix,
    plan_calendar,
    planned_between,
)
from flowdrill.program.model import DrillRecord
from flowdrill.program.themes import Theme, recurring_themes
from flowdrill.program.trends import CHARTED, METRICS, Trends, compute_trends
from flowdrill.report.aar import AfterActionReport
from flowdrill.service.audit import event_log
from flowdrill.service.drills import (
    find_scenario,
    leadership_every,
    list_plans,
    output_root,
    workspace_catalog,
)
from flowdrill.service.workspace import Workspace

PROGRAM = "program"
TRACKING_FILE = "backlog-tracking.json"
EXPORTS = {
    "csv": "backlog.csv",
    "jira": "backlog-jira.csv",
    "github": "backlog-github-issues.json",
}


def _root(ws: Workspace, out: Path | None) -> Path:
    return out if out is not None else ws.root


def write_bytes(path: Path, data: bytes) -> Path:
    """Write to a temporary file beside ``path``, then rename: readers see old or new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# --------------------------------------------------------------------------- configuration


def cadence_config(ws: Workspace) -> CadenceConfig:
    """``[program]`` from flowdrill.toml (leadership interval from ``[drills]`` by default)."""
    extra = ws.config.model_extra or {}
    section = extra.get("program", {})
    if not isinstance(section, dict):
        raise InvalidFiles([Problem("flowdrill.toml", None, None, "program", "must be a table")])
    data = {"leadership_every": leadership_every(ws), **section}
    try:
        return CadenceConfig.model_validate(data)
    except ValidationError as exc:
        raise InvalidFiles(
            [
                Problem(
                    "flowdrill.toml",
                    None,
                    None,
                    "program." + ".".join(map(str, e["loc"])),
                    e["msg"],
                )
                for e in exc.errors()
            ]
        ) from None


# --------------------------------------------------------------------------- records


def _events(ws: Workspace) -> list[tuple[str, list[Event], str]]:
    """(exercise id, parsed events, head hash) of every finished exercise, oldest first."""
    log = event_log(ws)
    try:
        found = []
        for row in log.exercises():
            stored = log.events(row["id"])
            if not any(e.type == "ended" for e in stored):
                continue  # still running (or crashed): not a drill on record yet
            events = [parse_event(e.type, e.at, e.data) for e in stored]
            found.append((row["id"], events, stored[-1].hash))
        return found
    finally:
        log.close()


def _day(events: Sequence[Event]) -> date:
    started = events[0]
    assert isinstance(started, ev.Started)
    return datetime.fromtimestamp(started.wall, tz=UTC).date()


def _ratings(events: Sequence[Event]) -> dict[str, int]:
    latest = {e.task: e.rating for e in events if isinstance(e, ev.ObservationRecorded)}
    counts: dict[str, int] = {}
    for rating in latest.values():
        counts[rating] = counts.get(rating, 0) + 1
    return counts


def drill_records(ws: Workspace, *, out: Path | None = None) -> list[DrillRecord]:
    """Every finished drill with its report (rebuilt from the log), oldest first."""
    from flowdrill.service.reports import exercise_report

    records = []
    for exercise_id, events, _ in _events(ws):
        started = events[0]
        assert isinstance(started, ev.Started)
        scenario = find_scenario(ws, started.scenario, out=out).scenario
        flows = {f.id for f, _ in touched_steps(ws.estate, scenario)}
        flows |= {f.target.id for f in scenario.failures if f.target.kind.value == "flow"}
        records.append(
            DrillRecord(
                exercise_id=exercise_id,
                day=_day(events),
                plan=started.plan,
                scenario=scenario.id,
                modes=tuple(dict.fromkeys(scenario.modes())),
                flows=tuple(sorted(flows)),
                metrics=compute(events),
                report=exercise_report(ws, exercise_id, out=out),
                ratings=_ratings(events),
            )
        )
    return sorted(records, key=lambda r: (r.day, r.exercise_id))


# --------------------------------------------------------------------------- backlog


def _tracking_path(ws: Workspace, out: Path | None) -> Path:
    return _root(ws, out) / PROGRAM / TRACKING_FILE


def read_tracking(ws: Workspace, *, out: Path | None = None) -> dict[str, bl.Tracking]:
    path = _tracking_path(ws, out)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {k: bl.Tracking.model_validate(v) for k, v in data.items()}
    except (json.JSONDecodeError, ValidationError, AttributeError) as exc:
        raise InvalidFiles([Problem(str(path), None, None, "", f"unreadable: {exc}")]) from None


def write_tracking(ws: Workspace, tracking: dict[str, bl.Tracking], *, out: Path | None) -> Path:
    data = {
        k: v.model_dump(mode="json", exclude_defaults=True) for k, v in sorted(tracking.items())
    }
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return write_bytes(_tracking_path(ws, out), text.encode("utf-8"))


@dataclass(frozen=True)
class ProgramView:
    records: list[DrillRecord]
    backlog: list[bl.BacklogItem]
    today: date

    @property
    def trends(self) -> Trends:
        return compute_trends(self.records, self.backlog)

    @property
    def themes(self) -> list[Theme]:
        return recurring_themes(self.backlog)


def program_view(
    ws: Workspace, *, out: Path | None = None, today: date | None = None
) -> ProgramView:
    day = today or date.today()
    records = drill_records(ws, out=out)
    items = bl.build_backlog(records, read_tracking(ws, out=out), today=day)
    return ProgramView(records, items, day)


def export_backlog(
    ws: Workspace,
    view: ProgramView,
    *,
    formats: Sequence[str] = ("csv", "jira", "github"),
    out: Path | None = None,
) -> list[Path]:
    unknown = sorted(set(formats) - set(EXPORTS))
    if unknown:
        raise InputError(
            f"unknown backlog format {', '.join(unknown)}; choose from " + ", ".join(EXPORTS)
        )
    folder = output_root(ws, out) / PROGRAM
    render = {"csv": bl.backlog_csv, "jira": bl.jira_csv, "github": bl.github_issues_json}
    return [
        write_bytes(folder / EXPORTS[f], render[f](view.backlog).encode("utf-8")) for f in formats
    ]


def _effective(item: bl.BacklogItem) -> bl.Tracking:
    return bl.Tracking(
        status=item.status,
        priority=item.priority,
        evidence=item.evidence,
        verified_by=item.verified_by,
        verified_on=item.verified_on,
        retest=item.retest_required,
    )


def import_backlog_status(
    ws: Workspace, path: Path, *, out: Path | None = None, today: date | None = None
) -> list[str]:
    """Apply the status columns of an edited backlog CSV; all or nothing. Returns the ids of
    the actions that changed."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidFiles([Problem(str(path), None, None, "", f"cannot read: {exc}")]) from None
    view = program_view(ws, out=out, today=today)
    known = {i.id: _effective(i) for i in view.backlog}
    updates, problems = bl.parse_status_csv(text, known=known, name=str(path))
    if problems:
        raise InvalidFiles(problems)
    tracking = read_tracking(ws, out=out)
    tracking.update(updates)
    output_root(ws, out)  # refuse the read-only demo without --out
    write_tracking(ws, tracking, out=out)
    return sorted(updates)


def retest_mode(ws: Workspace, *, out: Path | None = None) -> str | None:
    """The failure mode of the longest-waiting fix that asked for a retest, if any: the
    scenario generator favours it (nothing to do, and no cost, before the first drill)."""
    if not event_log_has_exercises(ws):
        return None
    waiting = bl.retest_modes_due(program_view(ws, out=out).backlog)
    return waiting[0] if waiting else None


def event_log_has_exercises(ws: Workspace) -> bool:
    log = event_log(ws)
    try:
        return bool(log.exercises())
    finally:
        log.close()


def next_scenario_mode(view: ProgramView, coverage: Coverage) -> str | None:
    """The mode the next scenario should exercise: a fix waiting for its retest first, else
    the failure mode drilled least recently (None: let the generator rotate)."""
    waiting = bl.retest_modes_due(view.backlog)
    if waiting:
        return waiting[0]
    return coverage.overdue_modes[0] if coverage.overdue_modes else None


# --------------------------------------------------------------------------- trends


@dataclass(frozen=True)
class WrittenTrends:
    trends: Trends
    chart: Path
    files: list[Path] = field(default_factory=list)


def write_trends(ws: Workspace, view: ProgramView, *, out: Path | None = None) -> WrittenTrends:
    """trends.svg (chart), trends.png, quarter-summary.md and trends.json in ``program/``."""
    from dataclasses import asdict

    from flowdrill.program.trends import quarter_summary_markdown
    from flowdrill.report.charts import trend_chart

    trends = view.trends
    folder = output_root(ws, out) / PROGRAM
    labels = [f"{d.day} {d.scenario.split('-', 1)[0]}" for d in trends.drills]
    series = {m: trends.series(m) for m in CHARTED}
    medians = {m: trends.spreads[m].median for m in CHARTED}
    svg = trend_chart(labels, series, medians=medians)
    png = trend_chart(labels, series, medians=medians, fmt="png")
    chart = write_bytes(folder / "trends.svg", svg)
    files = [
        chart,
        write_bytes(folder / "trends.png", png),
        write_bytes(folder / "quarter-summary.md", quarter_summary_markdown(trends).encode()),
        write_bytes(
            folder / "trends.json",
            (json.dumps(asdict(trends), indent=2, default=str) + "\n").encode(),
        ),
    ]
    return WrittenTrends(trends, chart, files)


# --------------------------------------------------------------------------- cadence


def coverage(ws: Workspace, view: ProgramView) -> Coverage:
    return coverage_matrix(
        ws.estate,
        workspace_catalog(ws).ids(),
        view.records,
        config=cadence_config(ws),
        today=view.today,
    )


def program_calendar(
    ws: Workspace, view: ProgramView, *, start: date | None = None, out: Path | None = None
) -> list[PlannedDrill]:
    return plan_calendar(
        cadence_config(ws),
        start=start or view.today,
        estate=ws.estate,
        coverage=coverage(ws, view),
        history=list_plans(ws, out=out),
        retest_modes=bl.retest_modes_due(view.backlog),
    )


def write_calendar(
    ws: Workspace,
    drills: Sequence[PlannedDrill],
    *,
    out: Path | None = None,
    stamp: datetime | None = None,
) -> Path:
    data = calendar_ics(drills, organisation=ws.name, stamp=stamp or datetime.now(tz=UTC))
    return write_bytes(output_root(ws, out) / PROGRAM / "drill-program.ics", data)


def write_coverage(ws: Workspace, matrix: Coverage, *, out: Path | None = None) -> Path:
    text = coverage_markdown(matrix)
    return write_bytes(output_root(ws, out) / PROGRAM / "coverage.md", text.encode("utf-8"))


# --------------------------------------------------------------------------- report formats


def _metric_history(ws: Workspace, until: str) -> tuple[list[str], dict[str, list[float | None]]]:
    """Charted metrics of the finished drills up to ``until``, from the logs alone (no replay)."""
    labels: list[str] = []
    series: dict[str, list[float | None]] = {m: [] for m in CHARTED}
    for exercise_id, events, _ in _events(ws):
        metrics = compute(events)
        labels.append(f"{_day(events)} {exercise_id[-6:]}")
        for m in CHARTED:
            series[m].append(METRICS[m](metrics))
        if exercise_id == until:
            break
    return labels, series


def report_documents(
    ws: Workspace, exercise_id: str, report: AfterActionReport, *, out: Path | None = None
) -> tuple[dict[str, bytes], list[str]]:
    """after-action-report.pdf/.docx of one exercise (with charts, the evidence appendix and
    the tamper-evidence statement), and notes on what could not be made."""
    from flowdrill.report import charts
    from flowdrill.report.docx import render_docx
    from flowdrill.report.evidence import build_evidence, recovery_objectives, tamper_statement
    from flowdrill.report.pdf import render_pdf, weasyprint_missing

    log = event_log(ws)
    try:
        stored = log.events(exercise_id)
        intact = not log.verify(exercise_id)
    finally:
        log.close()
    tamper = tamper_statement(
        exercise_id,
        events=len(stored),
        head_hash=stored[-1].hash if stored else None,
        chain_intact=intact,
    )
    scenario = find_scenario(ws, report.overview.scenario, out=out).scenario
    touched = {f.id: f for f, _ in touched_steps(ws.estate, scenario)}
    objectives = recovery_objectives(
        report,
        [(f.id, f.name, f.rto_minutes, f.rpo_minutes) for _, f in sorted(touched.items())],
    )
    evidence = build_evidence(report, tamper=tamper, objectives=objectives)
    svgs = [(f"{report.exercise_id}: metrics against time boxes", charts.metrics_chart(report))]
    pngs = [(svgs[0][0], charts.metrics_chart(report, fmt="png"))]
    labels, series = _metric_history(ws, exercise_id)
    if len(labels) >= 2:
        caption = "Metrics across drills up to this one (minutes; gaps: not reached)"
        svgs.append((caption, charts.trend_chart(labels, series)))
        pngs.append((caption, charts.trend_chart(labels, series, fmt="png")))
    documents = {"after-action-report.docx": render_docx(report, evidence, pngs)}
    notes = []
    missing = weasyprint_missing()
    if missing is None:
        documents["after-action-report.pdf"] = render_pdf(report, evidence, svgs)
    else:
        notes.append(f"PDF not written: {missing}")
    return documents, notes


# --------------------------------------------------------------------------- dashboard


@dataclass(frozen=True)
class Dashboard:
    """Program health for the executive page: what was drilled, covered, learnt, left open."""

    drills: int
    last_drill: date | None
    coverage: Coverage
    covered_cells: int
    overdue_cells: int
    trends: Trends
    closure_rate: float | None
    overdue_actions: list[bl.BacklogItem]
    themes: list[Theme]
    retest_modes: list[str]
    next_retest: PlannedDrill | None
    planned: int = 0  # drills the cadence planned since the first one, up to today
    chart: str | None = None  # the trends chart as an SVG data URI (two drills or more)


def dashboard(ws: Workspace, *, out: Path | None = None, today: date | None = None) -> Dashboard:
    view = program_view(ws, out=out, today=today)
    matrix = coverage(ws, view)
    overdue_cells = sum(
        1
        for cell in matrix.cells.values()
        if cell.last is None or (matrix.today - cell.last).days > matrix.period_days
    )
    waiting = bl.retest_modes_due(view.backlog)
    next_retest = None
    if waiting:
        planned = program_calendar(ws, view, out=out)
        next_retest = next((p for p in planned if p.focus_mode in waiting), None)
    days = [r.day for r in view.records]
    chart = None
    if len(view.records) >= 2:
        from flowdrill.report.charts import data_uri, trend_chart

        trends = view.trends
        labels = [f"{d.day} {d.scenario.split('-', 1)[0]}" for d in trends.drills]
        chart = data_uri(
            trend_chart(
                labels,
                {m: trends.series(m) for m in CHARTED},
                medians={m: trends.spreads[m].median for m in CHARTED},
            )
        )
    return Dashboard(
        planned=planned_between(cadence_config(ws), min(days), view.today) if days else 0,
        chart=chart,
        drills=len(view.records),
        last_drill=max((r.day for r in view.records), default=None),
        coverage=matrix,
        covered_cells=sum(1 for cell in matrix.cells.values() if cell.last is not None),
        overdue_cells=overdue_cells,
        trends=view.trends,
        closure_rate=bl.closure_rate(view.backlog),
        overdue_actions=sorted(
            (i for i in view.backlog if i.overdue), key=lambda i: -i.days_overdue
        ),
        themes=view.themes,
        retest_modes=waiting,
        next_retest=next_retest,
    )
