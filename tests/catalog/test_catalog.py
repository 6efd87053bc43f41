"""The failure-mode catalog: required modes, bindable to the demo, user modes validated."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from flowdrill.catalog.load import builtin_dir, load_catalog
from flowdrill.catalog.model import Catalog, Locus
from flowdrill.errors import InvalidFiles
from flowdrill.estate.model import Estate
from flowdrill.scenario.generate import bind
from flowdrill.service.drills import rank_targets
from flowdrill.service.workspace import open_workspace

REQUIRED = {
    "schema_drift",
    "api_deprecation",
    "auth_mismatch",
    "credential_rotation_failure",
    "source_outage",
    "destination_outage",
    "rate_limit",
    "task_quota_exhausted",
    "partial_data_loss",
    "duplicate_delivery",
    "delayed_delivery",
    "format_mismatch",
    "config_drift",
    "connector_upgrade",
    "silent_failure",
    "sensitive_data_misroute",
    "webhook_flood",
}


@cache
def demo() -> Estate:
    estate: Estate = open_workspace(demo=True).estate
    return estate


@cache
def catalog() -> Catalog:
    return load_catalog()


def test_catalog_has_every_required_mode() -> None:
    assert len(catalog().modes) >= 16
    assert set(catalog().modes) >= REQUIRED


@pytest.mark.parametrize("mode_id", sorted(load_catalog().modes))
def test_every_mode_binds_to_a_demo_target(mode_id: str) -> None:
    mode = catalog().modes[mode_id]
    bound = [t for t in rank_targets(demo()) if bind(mode, t, demo()) is not None]
    assert bound, f"{mode_id} fits no target of the demo estate"


def test_modes_label_root_causes_and_use_the_action_vocabulary() -> None:
    for mode in catalog().modes.values():
        assert {c.locus for c in mode.root_causes} <= set(Locus)
        assert mode.containment and mode.recovery and mode.integrity_risks
        assert mode.governance.approvals


def _copy_mode(folder: Path, name: str, edit: tuple[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = (builtin_dir() / "schema_drift.yaml").read_text(encoding="utf-8")
    if edit:
        text = text.replace(*edit)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_workspace_mode_with_a_built_in_id_is_an_error(tmp_path: Path) -> None:
    _copy_mode(tmp_path / "catalog", "mine.yaml")
    with pytest.raises(InvalidFiles) as err:
        load_catalog([tmp_path / "catalog"], relative_to=tmp_path)
    (problem,) = err.value.problems
    assert str(problem).startswith("catalog/mine.yaml:1:5: id: mode 'schema_drift' is built in")


def test_workspace_mode_may_override_deliberately(tmp_path: Path) -> None:
    _copy_mode(
        tmp_path / "catalog", "mine.yaml", ("name: Schema drift", "name: Ours\noverrides: true")
    )
    loaded = load_catalog([tmp_path / "catalog"], relative_to=tmp_path)
    assert loaded.modes["schema_drift"].name == "Ours"
    assert loaded.origin["schema_drift"] == "catalog/mine.yaml"


def test_workspace_mode_new_id_is_added(tmp_path: Path) -> None:
    _copy_mode(tmp_path / "c", "x.yaml", ("id: schema_drift", "id: csv_header_change"))
    assert "csv_header_change" in load_catalog([tmp_path / "c"]).modes


def test_broken_workspace_mode_gives_precise_errors(tmp_path: Path) -> None:
    path = _copy_mode(
        tmp_path / "c",
        "bad.yaml",
        ("id: schema_drift", "id: other\ncolour: red"),
    )
    text = path.read_text(encoding="utf-8").replace("locus: connector", "locus: network")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidFiles) as err:
        load_catalog([tmp_path / "c"], relative_to=tmp_path)
    messages = [str(p) for p in err.value.problems]
    assert any(m.startswith("c/bad.yaml:2:1: colour: unknown field") for m in messages)
    assert any("root_causes[1].locus" in m and "network" in m for m in messages)
