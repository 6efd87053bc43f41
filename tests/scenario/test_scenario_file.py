"""Hand-edited scenario files get the same precise errors as the estate."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowdrill.catalog.model import Catalog
from flowdrill.errors import InvalidFiles
from flowdrill.estate.model import Estate
from flowdrill.scenario.generate import generate_scenario
from flowdrill.scenario.model import Compound, Target
from flowdrill.service.drills import read_scenario, scenario_yaml


@pytest.fixture
def scenario_file(tmp_path: Path, estate: Estate, catalog: Catalog, targets: list[Target]) -> Path:
    scenario = generate_scenario(
        estate, catalog, targets, seed=4, compound=Compound.during_rotation
    )
    path = tmp_path / "s.yaml"
    path.write_text(scenario_yaml(scenario), encoding="utf-8")
    return path


def _problems(path: Path, estate: Estate, catalog: Catalog, old: str, new: str) -> list[str]:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InvalidFiles) as err:
        read_scenario(path, estate, catalog, name="s.yaml")
    return [str(p) for p in err.value.problems]


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if needle in line)


def test_generated_file_reads_back(scenario_file: Path, estate: Estate, catalog: Catalog) -> None:
    assert read_scenario(scenario_file, estate, catalog).compound is Compound.during_rotation


def test_unknown_target(scenario_file: Path, estate: Estate, catalog: Catalog) -> None:
    text = scenario_file.read_text(encoding="utf-8")
    target_line = next(line for line in text.splitlines() if line.startswith("    id: "))
    (problem,) = _problems(scenario_file, estate, catalog, target_line, "    id: no-such-thing")
    line = _line_of(scenario_file, "no-such-thing")
    assert problem.startswith(f"s.yaml:{line}:9: failures[0].target.id: no ")
    assert "'no-such-thing' in the estate" in problem


def test_unknown_action_in_conditional_inject(
    scenario_file: Path, estate: Estate, catalog: Catalog
) -> None:
    (problem,) = _problems(scenario_file, estate, catalog, "action: replay", "action: panic")
    line = _line_of(scenario_file, "action: panic")
    assert problem.startswith(f"s.yaml:{line}:")
    assert "conditional_injects[" in problem and "condition.action" in problem
    assert "'panic'" in problem


def test_unknown_mode_and_bad_parameter(
    scenario_file: Path, estate: Estate, catalog: Catalog
) -> None:
    text = scenario_file.read_text(encoding="utf-8")
    mode_line = next(line for line in text.splitlines() if line.startswith("  mode: "))
    (problem,) = _problems(scenario_file, estate, catalog, mode_line, "  mode: meteor_strike")
    assert "failures[0].mode: unknown failure mode 'meteor_strike'" in problem


def test_yaml_syntax_error(scenario_file: Path, estate: Estate, catalog: Catalog) -> None:
    (problem,) = _problems(scenario_file, estate, catalog, "title: ", "title: [unclosed ")
    assert problem.startswith("s.yaml:") and "YAML syntax error" in problem


def test_missing_field_and_bad_minute(
    scenario_file: Path, estate: Estate, catalog: Catalog
) -> None:
    problems = _problems(scenario_file, estate, catalog, "narrative:", "story:")
    assert any("missing required field 'narrative'" in p for p in problems)
    assert any("unknown field 'story'" in p for p in problems)


def test_parameter_out_of_range(scenario_file: Path, estate: Estate, catalog: Catalog) -> None:
    text = scenario_file.read_text(encoding="utf-8")
    start = text.index("  parameters:\n") + len("  parameters:\n")
    first = text[start:].splitlines()[0]
    name = first.strip().split(":")[0]
    problems = _problems(scenario_file, estate, catalog, first, f"    {name}: -999999")
    assert any(f"failures[0].parameters.{name}:" in p for p in problems), problems
