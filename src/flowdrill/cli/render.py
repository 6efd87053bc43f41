"""Rich renderings of core results. Only the CLI imports this."""

from __future__ import annotations

from rich.table import Table

from flowdrill.cli.output import console
from flowdrill.estate.summary import Overview


def render_overview(view: Overview) -> None:
    counts = Table(title=f"Estate: {view.name}", show_header=True, header_style="bold")
    counts.add_column("element")
    counts.add_column("count", justify="right")
    for name, count in view.counts.items():
        counts.add_row(name, str(count))
    platforms = Table(title="Flows per platform", header_style="bold")
    platforms.add_column("platform")
    platforms.add_column("flows", justify="right")
    for kind, count in view.flows_per_platform.items():
        platforms.add_row(kind, str(count))
    console.print(counts)
    console.print(platforms)

    critical = Table(title="Most critical flows", header_style="bold")
    numeric = ("#", "writes", "rec/h", "RTO min")
    for column in ("#", "flow", "platform", "criticality", "process", *numeric[1:]):
        critical.add_column(
            column,
            justify="right" if column in numeric else "left",
            overflow="fold" if column == "flow" else "ellipsis",
        )
    for n, rank in enumerate(view.most_critical, 1):
        flow = rank.flow
        critical.add_row(
            str(n),
            flow.id,
            rank.platform,
            flow.criticality.value,
            flow.business_process or "-",
            str(rank.writes),
            f"{flow.records_per_hour:g}" if flow.records_per_hour is not None else "-",
            str(flow.rto_minutes) if flow.rto_minutes is not None else "-",
        )
    console.print(critical)
