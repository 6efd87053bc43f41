"""The after-action report as PDF (WeasyPrint): the HTML report plus its charts, the evidence
appendix and the tamper-evidence statement, laid out for A4.

Charts go in as ``data:`` URIs (inline ``<svg>`` would make WeasyPrint read the chart's
styles as page CSS). Returns bytes; the service writes the file.
"""

from __future__ import annotations

from collections.abc import Sequence

from jinja2 import Environment, StrictUndefined

from flowdrill.report.aar import AfterActionReport
from flowdrill.report.charts import data_uri
from flowdrill.report.evidence import EvidenceAppendix
from flowdrill.report.html import render_html

EVIDENCE_TITLE = "Evidence appendix"
TAMPER_TITLE = "Tamper evidence"
CHARTS_TITLE = "Charts"

_APPENDIX = """\
<section id="charts" class="appendix">
  <h2>{{ charts_title }}</h2>
  {% for caption, uri in charts %}
  <figure><img src="{{ uri }}" alt="{{ caption }}" style="max-width: 100%">
    <figcaption>{{ caption }}</figcaption></figure>
  {% endfor %}
</section>
<section id="evidence" class="appendix" style="page-break-before: always">
  <h2>{{ evidence_title }}</h2>
  <p class="note">How this drill evidences the exercise expectations of common frameworks:
    what was tested, when, by whom, the findings, remediation and validation.</p>
  <table>
    <thead><tr><th>Framework</th><th>Clause</th><th>Expectation</th><th>Evidence in this
      report</th><th>Status</th></tr></thead>
    <tbody>
    {% for q in e.requirements %}
      <tr><td>{{ q.framework }}</td><td>{{ q.clause }}</td><td>{{ q.expectation }}</td>
        <td><ul>{% for line in q.evidence %}<li>{{ line }}</li>{% endfor %}</ul></td>
        <td>{{ q.status }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  {% if e.objectives %}
  <h3>Recovery objectives (RTO/RPO)</h3>
  <table>
    <thead><tr><th>Flow</th><th>RTO</th><th>Time to recover</th><th>RTO met</th><th>RPO</th>
      <th>RPO met</th></tr></thead>
    <tbody>
    {% for o in e.objectives %}
      <tr><td>{{ o.flow_name }}</td><td>{{ o.rto_minutes|yesno_min }}</td>
        <td>{{ o.time_to_recover|yesno_min }}</td><td>{{ o.rto_met|met }}</td>
        <td>{{ o.rpo_minutes|yesno_min }}</td><td>{{ o.rpo_met|met }}</td></tr>
    {% endfor %}
    </tbody>
  </table>
  {% endif %}
</section>
<section id="tamper" class="appendix">
  <h2>{{ tamper_title }}</h2>
  <p>{{ e.tamper.statement }}</p>
  {% if e.tamper.head_hash %}<p><code style="word-break: break-all">{{ e.tamper.head_hash }}
  </code></p>{% endif %}
</section>
"""


def _met(value: bool | None) -> str:
    return "not set" if value is None else ("yes" if value else "no")


def _min(value: float | None) -> str:
    return "not set" if value is None else f"{value:g} min"


def appendix_html(evidence: EvidenceAppendix, charts: Sequence[tuple[str, bytes]]) -> str:
    """Charts (caption, SVG bytes), evidence appendix and tamper statement as HTML sections."""
    env = Environment(autoescape=True, undefined=StrictUndefined)
    env.filters.update(met=_met, yesno_min=_min)
    return env.from_string(_APPENDIX).render(
        e=evidence,
        charts=[(caption, data_uri(svg)) for caption, svg in charts],
        charts_title=CHARTS_TITLE,
        evidence_title=EVIDENCE_TITLE,
        tamper_title=TAMPER_TITLE,
    )


def pdf_html(
    report: AfterActionReport, evidence: EvidenceAppendix, charts: Sequence[tuple[str, bytes]]
) -> str:
    """The HTML report with the appendix sections added at the end of its main content."""
    page = render_html(report)
    extra = appendix_html(evidence, charts)
    marker = "</main>"
    at = page.rfind(marker)
    return page[:at] + extra + page[at:] if at >= 0 else page + extra


def weasyprint_missing() -> str | None:
    """Why WeasyPrint cannot run here (its system libraries are missing), or None."""
    try:
        import weasyprint  # type: ignore[import-untyped]  # noqa: F401
    except (ImportError, OSError) as exc:
        return f"WeasyPrint unavailable ({exc.__class__.__name__}): install pango (see .ci/run)"
    return None


def render_pdf(
    report: AfterActionReport, evidence: EvidenceAppendix, charts: Sequence[tuple[str, bytes]]
) -> bytes:
    from weasyprint import HTML

    pdf = HTML(string=pdf_html(report, evidence, charts)).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
