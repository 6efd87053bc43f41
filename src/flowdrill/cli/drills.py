"""Commands about drills: the failure-mode catalog, scenarios and exercise plans.

Only typer is imported at module level (``flowdrill --help`` must stay fast); each command
imports the service when it runs.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

catalog_app = typer.Typer(help="The failure-mode catalog (built-in plus workspace catalog/).")
scenario_app = typer.Typer(help="Generate, list, show and validate drill scenarios.")

OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Folder for generated files (required with --demo; default: the workspace).",
        file_okay=False,
    ),
]


class Format(StrEnum):
    text = "text"
    json = "json"


class CompoundChoice(StrEnum):
    none = "none"
    two_failures = "two_failures"
    during_rotation = "during_rotation"


def _workspace(ctx: typer.Context) -> Any:
    from flowdrill.cli.output import open_from

    return open_from(ctx)


@catalog_app.command("list")
def catalog_list(
    ctx: typer.Context,
    output: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
) -> None:
    """List the failure modes: id, name, what they apply to, where they come from."""
    from rich.table import Table

    from flowdrill.cli.output import console, print_json
    from flowdrill.service.drills import workspace_catalog

    catalog = workspace_catalog(_workspace(ctx))
    if output is Format.json:
        print_json([m.model_dump(mode="json") for m in catalog.modes.values()])
        return
    table = Table("id", "name", "applies to", "monitors", "origin")
    for mode in catalog.modes.values():
        table.add_row(
            mode.id,
            mode.name,
            ", ".join(k.value for k in mode.applies_to.targets),
            ", ".join(m.value for m in mode.signals.monitors) or "none (silent)",
            catalog.origin[mode.id],
        )
    console.print(table)


@catalog_app.command("show")
def catalog_show(ctx: typer.Context, mode: Annotated[str, typer.Argument(help="Mode id.")]) -> None:
    """Show one failure mode in full, as YAML."""
    from flowdrill.errors import InputError
    from flowdrill.service.drills import workspace_catalog
    from flowdrill.yamlfile import dump_yaml

    catalog = workspace_catalog(_workspace(ctx))
    found = catalog.get(mode)
    if found is None:
        raise InputError(f"unknown failure mode {mode!r}; known: {', '.join(catalog.ids())}")
    typer.echo(dump_yaml(found.model_dump(mode="json", exclude_defaults=True)), nl=False)


@scenario_app.command("generate")
def scenario_generate(
    ctx: typer.Context,
    seed: Annotated[
        int | None,
        typer.Option(help="Random seed (default: number of scenarios on record + 1)."),
    ] = None,
    compound: Annotated[
        CompoundChoice,
        typer.Option(help="Two failures at once, or a failure during a credential rotation."),
    ] = CompoundChoice.none,
    mode: Annotated[str | None, typer.Option(help="Force this failure mode.")] = None,
    retest: Annotated[
        bool,
        typer.Option(help="Favour a failure mode whose corrective action waits for a retest."),
    ] = True,
    out: OutOption = None,
) -> None:
    """Generate the next scenario: a fix waiting for its retest first, else the highest-risk
    target with the least-used failure mode."""
    from flowdrill.cli.output import console
    from flowdrill.scenario.model import Compound
    from flowdrill.service.drills import generate, list_scenarios, output_root

    ws = _workspace(ctx)
    output_root(ws, out)  # fail before any work if the demo has no --out
    if seed is None:
        seed = len(list_scenarios(ws, out=out)) + 1
    if mode is None and retest:
        from flowdrill.service.program import retest_mode

        mode = retest_mode(ws, out=out)
        if mode is not None:
            console.print(f"Retest: a corrective action waits for a drill of {mode}")
    stored = generate(ws, seed=seed, compound=Compound(compound.value), mode=mode, out=out)
    show_scenario(stored.path, stored.scenario, seed)
    console.print(f"Next: flowdrill plan {stored.scenario.id}" + (f" --out {out}" if out else ""))


def show_scenario(path: Path, scenario: Any, seed: int) -> None:
    from flowdrill.cli.output import console

    console.print(f"Wrote [bold]{path}[/bold] (seed {seed})")
    console.print(f"{scenario.id}: {scenario.title}", highlight=False)
    for failure in scenario.failures:
        console.print(
            f"  {failure.mode} on {failure.target.kind.value} {failure.target.id} "
            f"at T+{failure.starts_at} ({failure.reason})",
            highlight=False,
        )


@scenario_app.command("list")
def scenario_list(ctx: typer.Context, out: OutOption = None) -> None:
    """List the scenarios on record, oldest first."""
    from rich.table import Table

    from flowdrill.cli.output import console
    from flowdrill.service.drills import list_scenarios

    stored = list_scenarios(_workspace(ctx), out=out)
    if not stored:
        console.print("No scenarios yet: run 'flowdrill scenario generate'.")
        return
    table = Table("id", "title", "modes", "compound", "seed")
    for item in stored:
        s = item.scenario
        table.add_row(s.id, s.title, ", ".join(s.modes()), s.compound.value, str(s.seed))
    console.print(table)


@scenario_app.command("show")
def scenario_show(
    ctx: typer.Context,
    scenario: Annotated[str, typer.Argument(help="Scenario id or file.")],
    out: OutOption = None,
) -> None:
    """Print a scenario file (validated against the estate and catalog)."""
    from flowdrill.service.drills import find_scenario, scenario_yaml

    stored = find_scenario(_workspace(ctx), scenario, out=out)
    typer.echo(scenario_yaml(stored.scenario), nl=False)


@scenario_app.command("validate")
def scenario_validate(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Scenario files.", exists=False)],
) -> None:
    """Check scenario files: fields, ids in the estate, modes, parameters, actions.

    Every problem in every file is reported at once with file, line and column. Exit code 2.
    """
    from flowdrill.cli.output import console
    from flowdrill.errors import InvalidFiles
    from flowdrill.service.drills import validate_scenario_file

    ws = _workspace(ctx)
    problems = []
    for file in files:
        try:
            scenario = validate_scenario_file(ws, file)
            console.print(f"[green]valid[/green]: {file}: {scenario.title}", highlight=False)
        except InvalidFiles as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidFiles(problems)


def plan(
    ctx: typer.Context,
    scenario: Annotated[str, typer.Argument(help="Scenario id or file.")],
    objective: Annotated[
        list[str] | None,
        typer.Option(
            "--objective",
            help="Custom objective 'Title: criterion; criterion' (repeatable).",
        ),
    ] = None,
    leadership_every: Annotated[
        int | None,
        typer.Option(
            min=1, help="Leadership joins every Nth plan (default: [drills] in flowdrill.toml, 3)."
        ),
    ] = None,
    export: Annotated[
        list[str] | None,
        typer.Option("--export", help="handout, facilitator, chaostoolkit or all (repeatable)."),
    ] = None,
    out: OutOption = None,
) -> None:
    """Build an exercise plan for a scenario: objectives, rotated roles, RACI, phases."""
    from flowdrill.cli.output import console
    from flowdrill.service.drills import export_plan, make_plan

    ws = _workspace(ctx)
    path, built, stored = make_plan(
        ws, scenario, objectives=objective or [], leadership_interval=leadership_every, out=out
    )
    show_plan(path, built)
    if export:
        for file in export_plan(ws, built, stored, formats=export, out=out):
            console.print(f"Exported {file}")


def show_plan(path: Path, built: Any) -> None:
    from flowdrill.cli.output import console

    console.print(f"Wrote [bold]{path}[/bold]")
    console.print(f"{built.id}: {built.title}", highlight=False)
    for assignment in built.roles:
        console.print(f"  {assignment.role.value:<20} {assignment.name}", highlight=False)
    gaps = sum(1 for row in built.raci if row.gaps)
    console.print(f"RACI: {len(built.raci)} touchpoints, {gaps} with gaps")


def register(app: typer.Typer) -> None:
    app.add_typer(catalog_app, name="catalog")
    app.add_typer(scenario_app, name="scenario")
    app.command()(plan)
