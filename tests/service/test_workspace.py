"""The workspace service: find, open, create, and read limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowdrill.errors import InputError, InvalidFiles, WorkspaceNotFound
from flowdrill.service.workspace import init_workspace, open_workspace, validate_path


def test_init_creates_a_valid_empty_workspace(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "new", name='Quote "Co"')
    assert ws.name == 'Quote "Co"'
    assert ws.estate.name == 'Quote "Co"'
    assert ws.estate.flows == []


def test_open_finds_the_workspace_above(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    init_workspace(tmp_path)
    (tmp_path / "estate" / "deeper").mkdir()
    monkeypatch.chdir(tmp_path / "estate" / "deeper")
    assert open_workspace().root == tmp_path


def test_open_without_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WorkspaceNotFound):
        open_workspace()
    with pytest.raises(WorkspaceNotFound):
        open_workspace(tmp_path)


def test_init_with_demo_copies_a_workspace_that_loads(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "demo", demo=True)
    assert ws.estate == open_workspace(demo=True).estate
    with pytest.raises(InputError):
        init_workspace(tmp_path / "demo", demo=True)


def test_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWDRILL_MAX_INPUT_MB", "0.001")
    (tmp_path / "big.yaml").write_text("description: " + "x" * 2000 + "\n")
    with pytest.raises(InvalidFiles) as caught:
        validate_path(tmp_path / "big.yaml")
    assert "over the 1,048-byte limit" in caught.value.problems[0].message


def test_unknown_config_key_is_reported(tmp_path: Path) -> None:
    (tmp_path / "flowdrill.toml").write_text("[workspace]\nestates = ['x']\n")
    with pytest.raises(InvalidFiles) as caught:
        open_workspace(tmp_path)
    assert caught.value.problems[0].path == "workspace.estates"


def test_markdown_runbooks_are_part_of_the_estate(tmp_path: Path) -> None:
    """The autopilot, the analysis and the CLI all see runbooks/*.md, not only `runbook`."""
    ids = {r.id for r in open_workspace(demo=True).estate.runbooks}
    assert {"rb-payment-sync", "rb-invoice-mapping"} <= ids
    ws = init_workspace(tmp_path / "ws", demo=True)
    (ws.root / "runbooks" / "twice.md").write_text(
        "---\nid: rb-payment-sync\ntitle: Again\n---\nSame id as a YAML runbook.\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidFiles) as caught:
        _ = open_workspace(ws.root).estate
    assert "'rb-payment-sync' is already in the estate" in caught.value.problems[0].message
