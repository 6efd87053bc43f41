"""Application layer for drills: catalog, scenarios, plans and exports of one workspace.

The CLI (and later the web) call these functions; they do the file I/O around the pure core
(``catalog``, ``scenario``, ``exercise``, ``export``). Generated files live in the workspace's
``scenarios/``, ``plans/`` and ``exports/`` folders; the bundled demo is read-only, so with it
every output goes to an explicit ``out`` folder instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flowdrill.analysis.report import analyze
from flowdrill.analysis.risk import weights_from_config
from flowdrill.catalog.load import load_catalog
from flowdrill.catalog.model import Catalog, TargetKind
from flowdrill.errors import InputError, InvalidFiles, Problem
from flowdrill.estate.model import Estate
from flowdrill.exercise.plan import Plan, build_plan, custom_objective
from flowdrill.scenario.generate import generate_scenario
from flowdrill.scenario.model import Compound, Scenario, Target, check_scenario
from flowdrill.service.workspace import Workspace
from flowdrill.yamlfile import dump_yaml, read_yaml_file, validate_document

SCENARIOS = "scenarios"
PLANS = "plans"
EXPORTS = "exports"
CATALOG = "catalog"
DEFAULT_LEADERSHIP_EVERY = 3


# --------------------------------------------------------------------------- ranking


def rank_targets(
    estate: Estate, *, today: date | None = None, weights: Mapping[str, float] | None = None
) -> list[Target]:
    """The analysis ranking of critical integration points, as scenario targets, highest
    risk first (people and teams are not failure targets and are left out)."""
    report = analyze(estate, today=today or date.today(), weights=weights, top=None)
    kinds = {k.value for k in TargetKind}
    return [
        Target(
            TargetKind(point.kind),
            point.element.split("/", 1)[1],
            point.score,
            ", ".join(r.value.replace("_", " ") for r in point.reasons) or "risk score",
        )
        for point in report.ranking
        if point.kind in kinds
    ]


# --------------------------------------------------------------------------- catalog


def workspace_catalog(ws: Workspace) -> Catalog:
    """Built-in modes plus the workspace's ``catalog/*.yaml``."""
    return load_catalog([ws.root / CATALOG], relative_to=ws.root)


# --------------------------------------------------------------------------- folders


def output_root(ws: Workspace, out: Path | None) -> Path:
    """Where generated files go: ``out`` if given, else the workspace (never the bundled demo)."""
    if out is not None:
        return out
    if ws.bundled:
        raise InputError(
            "the bundled demo is read-only: pass --out DIR to write generated files there, "
            "or copy the demo with 'flowdrill init DIR --demo'"
        )
    return ws.root


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class StoredScenario:
    path: Path
    scenario: Scenario


def read_scenario(
    path: Path, estate: Estate, catalog: Catalog, *, name: str | None = None
) -> Scenario:
    """Parse and validate one scenario file against the estate and catalog."""
    doc, problems = read_yaml_file(path, name=name)
    if problems:
        raise InvalidFiles(problems)
    scenario = validate_document(doc, Scenario)
    found = check_scenario(scenario, estate, catalog, doc)
    if found:
        raise InvalidFiles(found)
    return scenario


def list_scenarios(ws: Workspace, *, out: Path | None = None) -> list[StoredScenario]:
    """Scenario files on record, oldest first; every broken file is reported at once."""
    root = out if out is not None else ws.root
    estate, catalog = ws.estate, workspace_catalog(ws)
    stored, problems = [], []
    for path in _yaml_files(root / SCENARIOS):
        try:
            stored.append(StoredScenario(path, read_scenario(path, estate, catalog)))
        except InvalidFiles as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidFiles(problems)
    return stored


def find_scenario(ws: Workspace, ref: str, *, out: Path | None = None) -> StoredScenario:
    """A scenario by file path or by id."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return StoredScenario(path, read_scenario(path, ws.estate, workspace_catalog(ws)))
    for stored in list_scenarios(ws, out=out):
        if stored.scenario.id == ref or stored.path.stem == ref:
            return stored
    raise InputError(f"no scenario {ref!r}; see 'flowdrill scenario list'")


def validate_scenario_file(ws: Workspace, path: Path) -> Scenario:
    return read_scenario(path, ws.estate, workspace_catalog(ws))


def generate(
    ws: Workspace,
    *,
    seed: int,
    compound: Compound = Compound.none,
    mode: str | None = None,
    out: Path | None = None,
    targets: Sequence[Target] | None = None,
) -> StoredScenario:
    """Generate the next scenario (rotating modes over the ones on record) and save it."""
    root = output_root(ws, out)
    history = [s.scenario for s in list_scenarios(ws, out=out)]
    estate = ws.estate
    scenario = generate_scenario(
        estate,
        workspace_catalog(ws),
        targets
        if targets is not None
        else rank_targets(estate, weights=weights_from_config(ws.config.model_extra)),
        seed=seed,
        history=history,
        compound=compound,
        mode=mode,
    )
    folder = root / SCENARIOS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{scenario.id}.yaml"
    if path.exists():
        raise InputError(f"{path} already exists; nothing was changed")
    path.write_text(scenario_yaml(scenario), encoding="utf-8")
    return StoredScenario(path, scenario)


def scenario_yaml(scenario: Scenario) -> str:
    header = (
        "# flowdrill scenario: edit freely, then run 'flowdrill scenario validate' on it.\n"
        "# Actions: see 'flowdrill catalog show MODE'; minutes are exercise time.\n"
    )
    return header + dump_yaml(scenario.model_dump(mode="json", exclude_none=True))


# --------------------------------------------------------------------------- plans


def list_plans(ws: Workspace, *, out: Path | None = None) -> list[Plan]:
    root = out if out is not None else ws.root
    plans, problems = [], []
    for path in _yaml_files(root / PLANS):
        doc, found = read_yaml_file(path)
        if found:
            problems.extend(found)
            continue
        try:
            plans.append(validate_document(doc, Plan))
        except InvalidFiles as exc:
            problems.extend(exc.problems)
    if problems:
        raise InvalidFiles(problems)
    return sorted(plans, key=lambda p: p.number)


def leadership_every(ws: Workspace) -> int:
    """``[drills] leadership_every`` from flowdrill.toml (default 3)."""
    section = (ws.config.model_extra or {}).get("drills", {})
    value = (
        section.get("leadership_every", DEFAULT_LEADERSHIP_EVERY)
        if isinstance(section, dict)
        else DEFAULT_LEADERSHIP_EVERY
    )
    if not isinstance(value, int) or value < 1:
        raise InvalidFiles(
            [
                Problem(
                    "flowdrill.toml",
                    None,
                    None,
                    "drills.leadership_every",
                    "must be a whole number >= 1",
                )
            ]
        )
    return value


def make_plan(
    ws: Workspace,
    scenario_ref: str,
    *,
    objectives: Sequence[str] = (),
    leadership_interval: int | None = None,
    out: Path | None = None,
) -> tuple[Path, Plan, Scenario]:
    """Build the next plan for a scenario, rotating roles over the plans on record; save it."""
    root = output_root(ws, out)
    stored = find_scenario(ws, scenario_ref, out=out)
    history = list_plans(ws, out=out)
    plan = build_plan(
        ws.estate,
        stored.scenario,
        history=history,
        custom=[custom_objective(text) for text in objectives],
        leadership_every=leadership_interval or leadership_every(ws),
    )
    folder = root / PLANS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{plan.id}.yaml"
    path.write_text(
        "# flowdrill exercise plan (generated; edit before the drill if needed)\n"
        + dump_yaml(plan.model_dump(mode="json", exclude_none=True)),
        encoding="utf-8",
    )
    return path, plan, stored.scenario


# --------------------------------------------------------------------------- exports

EXPORT_FORMATS = ("handout", "facilitator", "chaostoolkit")


def export_plan(
    ws: Workspace, plan: Plan, scenario: Scenario, *, formats: Sequence[str], out: Path | None
) -> list[Path]:
    """Write the chosen exports of a plan to ``exports/<plan id>/``; return the files."""
    import json

    from flowdrill.export.chaostoolkit import experiment
    from flowdrill.export.markdown import facilitator_guide, handout

    unknown = sorted(set(formats) - {*EXPORT_FORMATS, "all"})
    if unknown:
        raise InputError(
            f"unknown export format {', '.join(unknown)}; choose from "
            f"{', '.join(EXPORT_FORMATS)} or all"
        )
    chosen = (
        EXPORT_FORMATS if "all" in formats else tuple(f for f in EXPORT_FORMATS if f in formats)
    )
    folder = output_root(ws, out) / EXPORTS / plan.id
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in chosen:
        if fmt == "handout":
            path, text = folder / "handout.md", handout(plan, scenario)
        elif fmt == "facilitator":
            path, text = folder / "facilitator-guide.md", facilitator_guide(plan, scenario)
        else:
            data = experiment(ws.estate, scenario, plan)
            path, text = folder / "chaostoolkit.json", json.dumps(data, indent=2) + "\n"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
