"""The after-action report as one self-contained HTML page: inline CSS, no CDN, no JavaScript,
styled to print well (page breaks, repeated table headers), so it can be mailed or archived.

Jinja2 autoescaping is on for every value: user text (rationale, notes, injects) can never
become markup.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from flowdrill.report.aar import (
    DECISION_LATENCY,
    DECISION_QUALITY,
    INFORMATION_VISIBILITY,
    SECTIONS,
    STORY_TITLE,
    AfterActionReport,
    approval_text,
    clock,
    minutes,
    percent,
    quality_summary,
    quality_text,
)


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("flowdrill.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        minutes=minutes,
        clock=clock,
        percent=percent,
        approval=approval_text,
        quality=quality_text,
        quality_summary=quality_summary,
    )
    return env


def render_html(report: AfterActionReport) -> str:
    """The whole report as an HTML5 page."""
    template = _environment().get_template("aar.html.j2")
    return template.render(
        r=report,
        sections=SECTIONS,
        decision_latency=DECISION_LATENCY,
        decision_quality=DECISION_QUALITY,
        information_visibility=INFORMATION_VISIBILITY,
        story_title=STORY_TITLE,
    )
