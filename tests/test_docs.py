"""The README cannot go stale: generated sections match the code, every command is listed."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import typer.main

from flowdrill.cli import app
from flowdrill.config import Settings

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _sync_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "sync_readme", ROOT / "scripts" / "sync_readme.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_sections_are_up_to_date() -> None:
    assert _sync_module().synced(README) == README, "run: .venv/bin/python scripts/sync_readme.py"


def test_every_setting_is_documented() -> None:
    for name, info in Settings.model_fields.items():
        assert info.description, f"setting {name} needs help text"
        assert f"`FLOWDRILL_{name.upper()}`" in README


def _commands(group: object, prefix: str = "flowdrill") -> list[str]:
    names = []
    for name, command in getattr(group, "commands", {}).items():
        path = f"{prefix} {name}"
        names.append(path)
        names += _commands(command, path)
    return names


def test_every_command_is_in_the_reference() -> None:
    commands = _commands(typer.main.get_command(app))
    assert "flowdrill validate" in commands
    for command in commands:
        assert re.search(rf"`{re.escape(command)}( |`)", README), f"{command} missing from README"


def test_readme_names_the_two_setup_commands() -> None:
    assert "make demo" in README and "make test" in README
