"""``flowdrill analyze``: critical integration points, single points of failure, gaps, diagrams.

Only typer is imported at module level so ``flowdrill --help`` stays fast.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from flowdrill.analysis.report import AnalysisReport
    from flowdrill.estate.model import Estate


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


SEVERITY_STYLE = {
    "critical": "bold red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def analyze(
    ctx: typer.Context,
    output: Annotated[
        Format, typer.Option("--format", help="text (tables), json or markdown.")
    ] = Format.text,
    top: Annotated[int, typer.Option(min=1, help="How many critical points to rank.")] = 10,
    diagrams: Annotated[
        Path | None,
        typer.Option(
            "--diagrams",
            file_okay=False,
            help="Write Mermaid (.mmd) and SVG diagrams of the estate, the data lineage and "
            "each flow into this folder (SVG needs Graphviz).",
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(help="Judge credential rotation as of this date (YYYY-MM-DD)."),
    ] = None,
) -> None:
    """Where does a failure hurt most, and what would we fail to notice?

    Ranks critical integration points by a transparent risk score (weights in
    [analysis.weights] of flowdrill.toml), and lists single points of failure and coverage
    gaps, each with its evidence and a suggested fix.

    --format json prints one object (schema_version "1") with the keys: estate, today,
    weights, graph (sizes and structural counts), ranking (element, score, factors, reasons,
    blast_radius), findings (kind, category, severity, element, title, evidence, paths, fix)
    and summary (counts by severity and kind).
    """
    from datetime import date

    from flowdrill.cli.output import open_from, print_json
    from flowdrill.errors import InputError
    from flowdrill.service.analysis import analyze_workspace

    try:
        as_of = date.fromisoformat(today) if today else date.today()
    except ValueError:
        raise InputError(f"--today: expected a date like 2026-11-29, got {today!r}") from None
    ws = open_from(ctx)
    report = analyze_workspace(ws, today=as_of, top=top)
    if diagrams is not None:
        write_diagrams(ws.estate, report, diagrams, quiet=output is not Format.text)
    if output is Format.json:
        print_json(report.model_dump(mode="json"))
    elif output is Format.markdown:
        from flowdrill.analysis.markdown import render_markdown

        typer.echo(render_markdown(report), nl=False)
    else:
        render_analysis(report)


def write_diagrams(estate: Estate, report: AnalysisReport, folder: Path, *, quiet: bool) -> None:
    from flowdrill.analysis.diagram import all_diagrams, render_svg, to_dot, to_mermaid
    from flowdrill.cli.output import console, err_console

    folder.mkdir(parents=True, exist_ok=True)
    made = all_diagrams(estate, report)
    for diagram in made:
        svg = render_svg(to_dot(diagram))
        (folder / f"{diagram.name}.mmd").write_text(to_mermaid(diagram), encoding="utf-8")
        (folder / f"{diagram.name}.svg").write_text(svg, encoding="utf-8")
    (err_console if quiet else console).print(
        f"Wrote {len(made)} diagrams (.mmd and .svg) to {folder}", highlight=False
    )


def render_analysis(report: AnalysisReport, *, max_findings: int | None = None) -> None:
    from rich.table import Table

    from flowdrill.cli.output import console

    counts = ", ".join(
        f"[{SEVERITY_STYLE[s]}]{n} {s}[/]" for s, n in report.summary.by_severity.items() if n
    )
    console.print(
        f"[bold]Analysis of {report.estate}[/bold] (as of {report.today.isoformat()}): "
        f"{report.graph.nodes} elements, {report.graph.edges} dependencies; "
        f"{report.summary.findings} findings: {counts}"
    )
    ranking = Table(title="Critical integration points", header_style="bold")
    for column, justify in (
        ("#", "right"),
        ("element", "left"),
        ("score", "right"),
        ("top factors (points)", "left"),
        ("why", "left"),
        ("reaches", "right"),
        ("SLA", "right"),
    ):
        ranking.add_column(column, justify=justify)  # type: ignore[arg-type]
    for p in report.ranking:
        best = sorted(p.factors, key=lambda f: -f.points)[:3]
        sla = p.blast_radius.time_to_sla_breach_minutes
        ranking.add_row(
            str(p.rank),
            p.element,
            f"{p.score:.1f}",
            "\n".join(f"{f.name} {f.points:.1f}" for f in best),
            ", ".join(k.value for k in p.reasons[:3]) or "-",
            f"{len(p.blast_radius.flows)} flows\n{p.blast_radius.critical_flows} critical",
            f"{sla} min" if sla is not None else "-",
        )
    console.print(ranking)
    weights = ", ".join(f"{k} {v:g}" for k, v in report.weights.items())
    console.print(f"[dim]score = 100 × Σ weight × factor / Σ weight; weights: {weights}[/dim]")

    shown = [f for f in report.findings if f.severity.value in ("critical", "high", "medium")]
    shown = shown[:max_findings] if max_findings is not None else shown
    findings = Table(title="Single points of failure and gaps", header_style="bold")
    for column in ("severity", "kind", "element", "finding"):
        findings.add_column(column)
    for f in shown:
        findings.add_row(
            f"[{SEVERITY_STYLE[f.severity.value]}]{f.severity.value}[/]",
            f.kind.value,
            f.element,
            f"{f.title}\n[dim]fix: {f.fix}[/dim]",
        )
    console.print(findings)
    rest = len(report.findings) - len(shown)
    if rest:
        console.print(
            f"[dim]{rest} more findings not shown: use flowdrill analyze --format markdown "
            "or json.[/dim]"
        )


def register(app: typer.Typer) -> None:
    app.command()(analyze)
