"""The analysis report as Markdown, for a wiki page or a drill's pre-read."""

from __future__ import annotations

from flowdrill.analysis.findings import Category
from flowdrill.analysis.report import AnalysisReport

_TITLES = {
    Category.single_point: "Single points of failure",
    Category.monitoring: "Monitoring gaps",
    Category.ownership: "Ownership gaps",
    Category.resilience: "Error handling gaps",
    Category.security: "Security gaps",
    Category.data_protection: "Data protection gaps",
    Category.preparedness: "Runbook gaps",
}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: AnalysisReport) -> str:
    out = [
        f"# Analysis: {report.estate}",
        "",
        f"Judged on {report.today.isoformat()}. {report.summary.findings} findings: "
        + ", ".join(f"{n} {s}" for s, n in report.summary.by_severity.items() if n)
        + ".",
        "",
        f"Dependency graph: {report.graph.nodes} elements, {report.graph.edges} dependencies, "
        f"{report.graph.cycles} cycles, {report.graph.critical_datasets} critical datasets.",
        "",
        "## Critical integration points",
        "",
        "| # | element | score | why | flows reached | first SLA breach |",
        "| ---: | --- | ---: | --- | ---: | --- |",
    ]
    for p in report.ranking:
        sla = p.blast_radius.time_to_sla_breach_minutes
        out.append(
            f"| {p.rank} | `{p.element}` {_cell(p.name)} | {p.score:.1f} | "
            f"{_cell(', '.join(k.value for k in p.reasons) or '-')} | "
            f"{len(p.blast_radius.flows)} ({p.blast_radius.critical_flows} critical) | "
            f"{f'{sla} min' if sla is not None else '-'} |"
        )
    out += ["", "### How the score is made", ""]
    out += ["| factor | weight |", "| --- | ---: |"]
    out += [f"| {name} | {weight:g} |" for name, weight in report.weights.items()]
    for p in report.ranking[:3]:
        out += ["", f"**{p.rank}. `{p.element}`** — score {p.score:.1f}", ""]
        out += [
            "| factor | value | weight | points | basis |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        out += [
            f"| {f.name} | {f.value:.2f} | {f.weight:g} | {f.points:.1f} | {_cell(f.basis)} |"
            for f in p.factors
        ]
        if p.blast_radius.business_processes:
            out += [
                "",
                "Business processes reached: " + ", ".join(p.blast_radius.business_processes),
            ]
    for category, title in _TITLES.items():
        found = [f for f in report.findings if f.category is category]
        if not found:
            continue
        out += ["", f"## {title}", "", "| severity | kind | element | finding | fix |"]
        out += ["| --- | --- | --- | --- | --- |"]
        for f in found:
            detail = f.title
            if f.evidence:
                detail += " — " + ", ".join(f"`{e}`" for e in f.evidence[:6])
                if len(f.evidence) > 6:
                    detail += f" and {len(f.evidence) - 6} more"
            out.append(
                f"| {f.severity.value} | {f.kind.value} | `{f.element}` | {_cell(detail)} | "
                f"{_cell(f.fix)} |"
            )
    return "\n".join(out) + "\n"
