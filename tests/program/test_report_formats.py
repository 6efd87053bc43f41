"""The after-action report as PDF and DOCX: they open, and carry the charts, the evidence
appendix and the tamper-evidence statement with the log's head hash."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from docx import Document

from flowdrill.report.aar import STORY_TITLE
from flowdrill.report.pdf import weasyprint_missing
from flowdrill.service.audit import event_log
from flowdrill.service.reports import WrittenReport, write_report
from tests.program.conftest import History

FRAMEWORKS = ("DORA", "Art. 24–25", "ISO 22301", "§8.5", "A 5.30", "CC7.4", "12.10.2")


@pytest.fixture(scope="module")
def written(history: History) -> tuple[WrittenReport, str]:
    exercise = history.results[-1].exercise_id
    log = event_log(history.ws)
    try:
        head = log.events(exercise)[-1].hash
    finally:
        log.close()
    return write_report(history.ws, exercise), head


def test_write_report_adds_docx_and_pdf(written: tuple[WrittenReport, str]) -> None:
    report, _ = written
    names = {f.name for f in report.files}
    assert {"after-action-report.md", "after-action-report.docx"} <= names
    if weasyprint_missing() is None:
        assert "after-action-report.pdf" in names
    else:
        assert any("PDF not written" in n for n in report.notes)


def test_docx_opens_and_carries_the_evidence(written: tuple[WrittenReport, str]) -> None:
    report, head = written
    path = next(f for f in report.files if f.suffix == ".docx")
    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert report.report.title in text
    for heading in ("Improvement plan", "Evidence appendix", "Tamper evidence", "Charts"):
        assert heading in text
    for name in FRAMEWORKS:
        assert name in cells, name
    assert head in text
    assert any(r.name == "time to detect" for r in report.report.metrics.rows)
    assert "time to detect" in cells
    assert doc.inline_shapes, "the charts are embedded as pictures"
    story = report.report.integrity.story
    assert story is not None  # the traced record's steps, as a table
    assert STORY_TITLE in text and story.steps[-1].event in cells


@pytest.mark.skipif(weasyprint_missing() is not None, reason="install pango (see .ci/run)")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="install poppler-utils (.ci/run)")
def test_pdf_opens_and_carries_the_evidence(written: tuple[WrittenReport, str]) -> None:
    report, head = written
    path = next(f for f in report.files if f.suffix == ".pdf")
    assert path.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    for heading in ("Improvement plan", "Evidence appendix", "Tamper evidence", "Charts"):
        assert heading in text
    for name in ("DORA", "22301", "CC7.4", "12.10.2"):
        assert name in flat, name
    assert head in flat  # the tamper-evidence statement quotes the full head hash
    assert "metrics against time boxes" in flat  # the chart's caption and text
    assert "time to detect" in flat
