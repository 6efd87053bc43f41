"""``flowdrill simulate``: run a scenario in the simulator; print alerts, metrics and verdict.

Only typer is imported at module level; the simulator (and NumPy) load when the command runs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer


class Format(StrEnum):
    text = "text"
    json = "json"


def simulate_command(
    ctx: typer.Context,
    scenario: Annotated[
        str, typer.Argument(help="Scenario file or id, a failure-mode id, or 'demo'.")
    ],
    seed: Annotated[int | None, typer.Option(help="Seed (default: the scenario's).")] = None,
    until: Annotated[
        int | None, typer.Option(help="Minutes to simulate (default: scenario duration).")
    ] = None,
    action: Annotated[
        list[str] | None,
        typer.Option(
            "--action",
            help="Timed action, repeatable: 'T+12 pause_flow FLOW', "
            "'T+40 replay FLOW since=10 dedupe=true'.",
        ),
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
) -> None:
    """Simulate a scenario: alert timeline, per-flow metrics and the integrity verdict."""
    from flowdrill.cli.output import open_from, print_json
    from flowdrill.service.simulate import simulate

    result = simulate(open_from(ctx), scenario, seed=seed, until=until, actions=action or [])
    data = result.to_dict()
    if output is Format.json:
        print_json(data)
        return
    print_simulation(data)


def print_simulation(data: dict[str, Any]) -> None:
    from rich.table import Table

    from flowdrill.cli.output import console

    echo = console.print
    echo(f"[bold]{data['scenario']}[/bold]: {data['title']}", highlight=False)
    echo(f"seed {data['seed']}, simulated T+0 .. T+{data['until']}", highlight=False)
    for f in data["failures"]:
        echo(f"  fault {f['id']}: {f['mode']} on {f['target']} from T+{f['starts_at']}")
    echo("\n[bold]Timeline[/bold]")
    events = [(a["at"], a["message"]) for a in data["alerts"]]
    events += [
        (a["applied_at"], f"action {a['action']} {a['target'] or ''}: {a['effect']}")
        for a in data["actions"]
    ]
    if not events:
        echo("  (no alert: nothing watched what happened)")
    for at, text in sorted(events, key=lambda e: e[0]):
        echo(f"  T+{at:<4} {text}", highlight=False, markup=False)
    story = data["record_story"]
    if story:
        echo(f"\n[bold]One record's story[/bold]: record {story['record']} of {story['flow']}")
        for step in story["steps"]:
            detail = f" ({step['detail']})" if step["detail"] else ""
            echo(f"  T{step['at']:+g} {step['event']}{detail}", highlight=False, markup=False)
    table = Table(
        "flow",
        "arrived",
        "delivered",
        "failed",
        "dead letter",
        "dropped",
        "held",
        "latency s",
        title="Per-flow metrics",
    )
    for fid, m in sorted(data["flows"].items()):
        table.add_row(
            fid,
            *(str(m[k]) for k in ("arrivals", "delivered", "failed", "parked", "dropped", "held")),
            str(m["mean_latency_s"] if m["mean_latency_s"] is not None else "-"),
        )
    console.print(table)
    integrity = data["integrity"]
    c = data["conservation"]
    echo(
        f"records: {c['produced']} produced = {c['delivered']} delivered + {c['lost']} lost "
        f"+ {c['in_flight']} in flight + {c['quarantined']} quarantined",
        highlight=False,
    )
    colour = "green" if integrity["verdict"] == "restored" else "red"
    echo(f"\n[bold {colour}]Integrity: {integrity['verdict'].upper()}[/bold {colour}]")
    totals = integrity["totals"]
    echo(
        "  " + ", ".join(f"{k} {v}" for k, v in totals.items() if k not in ("expected", "rows")),
        highlight=False,
    )
    for d in integrity["datasets"]:
        if d["restored"]:
            continue
        comp = d["comparison"]
        parts = [
            f"{k} {comp[k]}"
            for k in ("missing", "duplicated", "corrupted", "unexpected")
            if comp[k]
        ]
        if d["misrouted"]:
            parts.append(f"misrouted {d['misrouted']}")
        broken = [i["id"] for i in d["invariants"] if i["status"] == "violated"]
        if broken:
            parts.append("invariants violated: " + ", ".join(broken))
        echo(f"  {d['dataset']}: " + "; ".join(parts), highlight=False)


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)
