"""After-action report: a pure report model built from the exercise log, and its renderers.

``aar`` builds the model (no I/O); ``markdown``, ``html`` and ``backlog`` turn it into text.
"""

from __future__ import annotations

from flowdrill.report.aar import (
    AfterActionReport,
    Consequence,
    DatasetVerdict,
    IntegrityVerdict,
    InvariantViolation,
    RecordStory,
    StoryStep,
    build_report,
)
from flowdrill.report.backlog import action_items_csv
from flowdrill.report.html import render_html
from flowdrill.report.markdown import render_markdown

__all__ = [
    "AfterActionReport",
    "Consequence",
    "DatasetVerdict",
    "IntegrityVerdict",
    "InvariantViolation",
    "RecordStory",
    "StoryStep",
    "action_items_csv",
    "build_report",
    "render_html",
    "render_markdown",
]
