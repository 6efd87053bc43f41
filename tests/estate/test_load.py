"""Loading estate files: merging, overlays, and a precise error for every broken file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flowdrill.errors import InvalidFiles
from flowdrill.estate.load import load_estate, parse_estate
from flowdrill.estate.model import Criticality

BROKEN = sorted((Path(__file__).parents[1] / "data" / "estate" / "broken").glob("*.yaml"))


def _expected(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# expect: (.*)", first)
    assert match, f"{path.name} must start with '# expect: ...'"
    return match[1]


def test_there_are_at_least_twelve_broken_files() -> None:
    assert len(BROKEN) >= 12


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_file_gives_its_precise_error(path: Path) -> None:
    with pytest.raises(InvalidFiles) as caught:
        load_estate([path])
    lines = [str(p) for p in caught.value.problems]
    expected = str(path) + _expected(path)
    assert any(line.startswith(expected) for line in lines), lines


def test_every_problem_is_reported_at_once(tmp_path: Path, minimal_estate_text: str) -> None:
    broken = (
        minimal_estate_text.replace("criticality: critical", "criticality: urgent")
        .replace("credential: erp-token", "credential: erp-tokn")
        .replace("kind: erp}", "kind: erp, colour: blue}")
    )
    with pytest.raises(InvalidFiles) as caught:
        parse_estate(broken, "estate.yaml")
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 3, messages
    assert any("urgent" in m for m in messages)
    assert any("unknown field 'colour'" in m for m in messages)


def test_references_from_valid_entities_are_checked_when_others_fail(
    minimal_estate_text: str,
) -> None:
    broken = minimal_estate_text.replace("kind: erp}", "kind: nope}").replace(
        "owner_team: ops, approved", "owner_team: opps, approved"
    )
    with pytest.raises(InvalidFiles) as caught:
        parse_estate(broken, "estate.yaml")
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 2, messages
    assert any("unknown team 'opps'" in m for m in messages)
    # the ERP is invalid, but it exists: references to it are not reported as unknown
    assert not any("unknown system 'erp'" in m for m in messages)


def test_folder_of_files_is_merged(tmp_path: Path, minimal_estate_text: str) -> None:
    (tmp_path / "a.yaml").write_text(minimal_estate_text, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "more.yml").write_text(
        "systems:\n  - {id: crm, name: CRM, kind: crm, owner_team: ops}\n", encoding="utf-8"
    )
    estate = load_estate([tmp_path])
    assert [s.id for s in estate.systems] == ["shop", "erp", "crm"]


def test_duplicate_id_across_files_names_both(tmp_path: Path, minimal_estate_text: str) -> None:
    (tmp_path / "a.yaml").write_text(minimal_estate_text, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "# another team file\nteams:\n  - id: ops\n    name: Ops again\n", encoding="utf-8"
    )
    with pytest.raises(InvalidFiles) as caught:
        load_estate([tmp_path])
    (problem,) = caught.value.problems
    assert problem.file.endswith("b.yaml")
    assert (problem.line, problem.path) == (3, "teams[0].id")
    assert "duplicate id 'ops'" in problem.message
    assert "a.yaml:3" in problem.message


def test_overlay_sets_fields_of_an_entity_defined_elsewhere(
    tmp_path: Path, minimal_estate_text: str
) -> None:
    (tmp_path / "a.yaml").write_text(minimal_estate_text, encoding="utf-8")
    (tmp_path / "owners.yaml").write_text(
        "overlay:\n  flows:\n    - {id: order-to-invoice, criticality: low, "
        "business_process: order-to-cash}\n",
        encoding="utf-8",
    )
    flow = load_estate([tmp_path]).flows[0]
    assert flow.criticality is Criticality.low
    assert flow.business_process == "order-to-cash"
    assert len(flow.steps) == 2  # untouched fields are kept


def test_overlay_error_points_into_the_overlay_file(
    tmp_path: Path, minimal_estate_text: str
) -> None:
    (tmp_path / "a.yaml").write_text(minimal_estate_text, encoding="utf-8")
    (tmp_path / "z.yaml").write_text(
        "overlay:\n  flows:\n    - id: order-to-invoice\n      criticality: extreme\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidFiles) as caught:
        load_estate([tmp_path])
    (problem,) = caught.value.problems
    assert (Path(problem.file).name, problem.line) == ("z.yaml", 4)
    assert problem.path == "overlay.flows[0].criticality"


def test_generated_files_give_way_to_hand_written_ones(
    tmp_path: Path, minimal_estate_text: str
) -> None:
    (tmp_path / "a.yaml").write_text(minimal_estate_text, encoding="utf-8")
    generated = (
        "generated: {by: flowdrill import n8n}\n"
        "systems:\n  - {id: erp, name: ERP as imported, kind: other}\n"
        "  - {id: sheets, name: Google Sheets, kind: spreadsheet}\n"
    )
    (tmp_path / "imp1.yaml").write_text(generated, encoding="utf-8")
    (tmp_path / "imp2.yaml").write_text(generated, encoding="utf-8")
    systems = {s.id: s for s in load_estate([tmp_path]).systems}
    assert systems["erp"].name == "ERP"
    assert list(systems) == ["shop", "erp", "sheets"]


def test_file_that_is_not_utf8_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: Caf\xe9\n".encode("latin-1"))
    with pytest.raises(InvalidFiles) as caught:
        load_estate([path])
    assert "not UTF-8" in caught.value.problems[0].message


def test_missing_file_is_a_clean_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidFiles) as caught:
        load_estate([tmp_path / "nope.yaml"])
    assert caught.value.problems[0].message == "no such file or folder"


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    text = "description: " + "[" * 100 + "]" * 100 + "\n"
    with pytest.raises(InvalidFiles) as caught:
        parse_estate(text, "deep.yaml")
    assert "nested deeper than" in caught.value.problems[0].message


def test_overlay_merges_steps_by_id(tmp_path: Path, minimal_estate_text: str) -> None:
    (tmp_path / "a.yaml").write_text(minimal_estate_text, encoding="utf-8")
    (tmp_path / "owners.yaml").write_text(
        "overlay:\n  flows:\n    - id: order-to-invoice\n      steps:\n"
        "        - id: create-invoice\n"
        "          touchpoints: [{dataset: orders, access: read},\n"
        "                        {dataset: invoices, access: write}]\n"
        "        - {id: notify, kind: connector}\n",
        encoding="utf-8",
    )
    steps = {s.id: s for s in load_estate([tmp_path]).flows[0].steps}
    assert list(steps) == ["receive", "create-invoice", "notify"]
    assert [t.dataset for t in steps["create-invoice"].touchpoints] == ["orders", "invoices"]
    assert steps["create-invoice"].credential == "erp-token"  # untouched fields are kept
