"""The after-action report as DOCX (python-docx), for teams that edit and sign off in Word:
the same sections as the HTML report, the charts as PNG, the evidence appendix and the
tamper-evidence statement. Returns bytes; the service writes the file."""

from __future__ import annotations

import io
from collections.abc import Sequence

from flowdrill.report.aar import (
    SECTIONS,
    STORY_TITLE,
    AfterActionReport,
    clock,
    minutes,
    percent,
    quality_summary,
    quality_text,
)
from flowdrill.report.evidence import EvidenceAppendix
from flowdrill.report.pdf import CHARTS_TITLE, EVIDENCE_TITLE, TAMPER_TITLE


def render_docx(
    report: AfterActionReport, evidence: EvidenceAppendix, charts: Sequence[tuple[str, bytes]]
) -> bytes:
    """``charts``: (caption, PNG bytes)."""
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    o = report.overview
    doc.core_properties.title = f"After-action report: {report.title}"
    doc.core_properties.subject = report.exercise_id
    doc.add_heading(f"After-action report: {report.title}", level=0)

    def table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        t = doc.add_table(rows=1, cols=len(head))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, head, strict=True):
            cell.text = text
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            cells = t.add_row().cells
            for cell, text in zip(cells, row, strict=True):
                cell.text = text

    doc.add_heading(SECTIONS["overview"], level=1)
    for label, value in (
        ("Exercise", report.exercise_id),
        ("Scenario", f"{o.scenario}: {o.scenario_title}"),
        ("Type", o.exercise_type),
        ("Started", o.started_wall or "not recorded"),
        ("Scope", o.scope),
        ("Organisations", ", ".join(o.organisations)),
    ):
        p = doc.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(value)
    doc.add_paragraph(o.scenario_summary)
    doc.add_paragraph().add_run(o.blameless_note).italic = True

    doc.add_heading(SECTIONS["objectives"], level=1)
    table(
        ("Objective", "Core capability", "Rating"),
        [(x.title, x.core_capability, f"{x.rating} {x.rating_meaning}") for x in report.objectives],
    )

    doc.add_heading(SECTIONS["metrics"], level=1)
    table(
        ("Metric", "Value", "Measured", "Time box", "Within"),
        [
            (
                r.name,
                minutes(r.value),
                r.measured,
                minutes(r.timebox, missing="-"),
                "-" if r.within is None else ("yes" if r.within else "no"),
            )
            for r in report.metrics.rows
        ],
    )
    doc.add_paragraph(
        f"Information visibility: {percent(report.metrics.information_visibility)}; alerts "
        f"raised {report.metrics.alerts_raised}, acknowledged {report.metrics.alerts_acknowledged}."
    )

    doc.add_heading(SECTIONS["decisions"], level=1)
    if report.decisions:
        table(
            ("Id", "At", "Decision", "Rationale", "Approval", "Quality"),
            [
                (d.id, clock(d.at), d.what, d.rationale, d.approval, quality_text(d))
                for d in report.decisions
            ],
        )
        doc.add_paragraph(f"Decision quality: {quality_summary(report.decisions)}.")
    else:
        doc.add_paragraph("No decisions were recorded.")

    doc.add_heading(SECTIONS["integrity"], level=1)
    doc.add_paragraph(f"{report.integrity.verdict}: {report.integrity.summary}")
    story = report.integrity.story
    if story is not None:
        doc.add_heading(
            f"{STORY_TITLE}: record {story.record} of {story.flow_name} ({story.flow})", level=2
        )
        table(
            ("Time", "What happened", "Detail"),
            [(clock(x.at), x.event, x.detail) for x in story.steps],
        )

    for key, items in (("strengths", report.strengths), ("improvements", report.improvements)):
        doc.add_heading(SECTIONS[key], level=1)
        if not items:
            doc.add_paragraph("None recorded.")
        for f in items:
            doc.add_heading(f"{f.id}: {f.title}", level=2)
            doc.add_paragraph(f.observation)
            for factor in f.contributing_factors:
                doc.add_paragraph(factor, style="List Bullet")
            doc.add_paragraph(f"Recommendation: {f.recommendation}")

    doc.add_heading(SECTIONS["improvement_plan"], level=1)
    table(
        ("Id", "Finding", "Corrective action", "Capability", "Owner team", "Due", "Status"),
        [
            (
                a.id,
                a.finding,
                a.action,
                a.capability.value,
                a.owner_team_name,
                a.due.isoformat(),
                a.status,
            )
            for a in report.improvement_plan
        ],
    )

    doc.add_heading(SECTIONS["participants"], level=1)
    table(("Role", "Team"), [(p.role_label, p.team or "") for p in report.participants])

    doc.add_heading(SECTIONS["feedback"], level=1)
    fb = report.feedback
    if fb.count:
        doc.add_paragraph(
            f"{fb.count} feedback form(s); average rating {fb.average} of 5 "
            f"(range {fb.spread.minimum}-{fb.spread.maximum})."
        )
        table(
            ("Rating", "What worked", "What to improve"),
            [(str(c.rating), c.what_worked, c.what_to_improve) for c in fb.comments],
        )
    else:
        doc.add_paragraph("No participant feedback was submitted.")

    if charts:
        doc.add_heading(CHARTS_TITLE, level=1)
        for caption, png in charts:
            doc.add_picture(io.BytesIO(png), width=Cm(16))
            doc.add_paragraph(caption, style="Caption")

    doc.add_page_break()  # type: ignore[no-untyped-call]
    doc.add_heading(EVIDENCE_TITLE, level=1)
    table(
        ("Framework", "Clause", "Expectation", "Evidence", "Status"),
        [
            (q.framework, q.clause, q.expectation, "\n".join(q.evidence), q.status)
            for q in evidence.requirements
        ],
    )
    doc.add_heading(TAMPER_TITLE, level=1)
    doc.add_paragraph(evidence.tamper.statement)

    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
