"""The workspace: a folder with ``flowdrill.toml``, estate files and a local database.

This is the application layer the CLI and the web share: open a workspace, load its estate.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flowdrill.config import get_settings
from flowdrill.errors import InputError, InvalidFiles, Problem, WorkspaceNotFound
from flowdrill.estate.load import build_estate, estate_files, load_estate, read_documents
from flowdrill.estate.model import Estate
from flowdrill.runbook.load import load_markdown_runbooks
from flowdrill.store.db import open_database, sqlite_url

CONFIG_FILE = "flowdrill.toml"
RUNBOOKS = "runbooks"  # Markdown runbooks with YAML front matter
DATABASE_FILE = Path(".flowdrill") / "flowdrill.db"

EMPTY_CONFIG = """\
# flowdrill workspace. Paths are relative to this file.
[workspace]
name = "{name}"
# Folders or files of estate YAML, merged in order.
estate = ["estate"]
"""

EMPTY_ESTATE = """\
# The estate: teams, people, systems, platforms, datasets, credentials, flows, monitors, raci,
# runbooks. Split it across as many YAML files in this folder as you like; they are merged.
# `flowdrill schema estate` prints the JSON Schema for editor completion.
name: "{name}"
teams: []
systems: []
platforms: []
flows: []
"""


class WorkspaceSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "workspace"
    estate: list[str] = Field(default_factory=lambda: ["estate"])


class WorkspaceConfig(BaseModel):
    model_config = ConfigDict(extra="allow")

    workspace: WorkspaceSection = Field(default_factory=WorkspaceSection)


def demo_root() -> Path:
    """The bundled demo workspace, used in place (never copied) by ``--demo``."""
    return Path(str(resources.files("flowdrill") / "demo"))


@dataclass
class Workspace:
    root: Path
    config: WorkspaceConfig
    bundled: bool = False
    database: str | None = None  # explicit database URL; wins over the settings

    @property
    def name(self) -> str:
        return self.config.workspace.name

    @property
    def database_url(self) -> str:
        """FLOWDRILL_DATABASE_URL, else SQLite in the workspace (or in the state folder for the
        read-only bundled demo)."""
        settings = get_settings()
        if self.database:
            return self.database
        if settings.database_url:
            return settings.database_url
        path = settings.state_dir / "demo.db" if self.bundled else self.root / DATABASE_FILE
        return sqlite_url(path)

    def estate_paths(self) -> list[Path]:
        return [self.root / p for p in self.config.workspace.estate]

    def estate_files(self) -> list[Path]:
        return [f for p in self.estate_paths() for f in estate_files(p)]

    @cached_property
    def estate(self) -> Estate:
        """The estate files merged, plus the Markdown runbooks of ``runbooks/*.md``."""
        estate = load_estate(
            self.estate_paths(), relative_to=self.root, max_bytes=max_input_bytes()
        )
        folder = self.root / RUNBOOKS
        if not folder.is_dir():
            return estate
        markdown = load_markdown_runbooks(
            [folder], relative_to=self.root, max_bytes=max_input_bytes()
        )
        known = {r.id for r in estate.runbooks}
        if twice := [r.id for r in markdown if r.id in known]:
            raise InvalidFiles(
                [
                    Problem(RUNBOOKS, None, None, "", f"runbook id {i!r} is already in the estate")
                    for i in twice
                ]
            )
        return estate.model_copy(update={"runbooks": [*estate.runbooks, *markdown]})


def max_input_bytes() -> int:
    return int(get_settings().max_input_mb * 1024 * 1024)


def _read_config(path: Path) -> WorkspaceConfig:
    name = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, col = (int(found[1]), int(found[2])) if found else (None, None)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise InvalidFiles(
            [Problem(name, line, col, "", f"TOML syntax error: {message}")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidFiles([Problem(name, None, None, "", f"cannot read: {exc}")]) from None
    try:
        return WorkspaceConfig.model_validate(data)
    except ValidationError as exc:
        raise InvalidFiles(
            [
                Problem(name, None, None, ".".join(map(str, e["loc"])), e["msg"])
                for e in exc.errors()
            ]
        ) from None


def find_workspace(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        if (folder / CONFIG_FILE).is_file():
            return folder
    return None


def open_workspace(
    path: Path | None = None, *, demo: bool = False, database: str | None = None
) -> Workspace:
    """Open the demo, the workspace at ``path``, or the nearest one above the current folder.

    ``database`` overrides where exercises are stored (the demo command keeps its own)."""
    if demo:
        root = demo_root()
        return Workspace(root, _read_config(root / CONFIG_FILE), bundled=True, database=database)
    found = path if path is not None else find_workspace(Path.cwd())
    if found is None:
        raise WorkspaceNotFound(
            f"no {CONFIG_FILE} here or in any parent folder; run 'flowdrill init' to create a "
            "workspace, pass --workspace DIR, or use --demo"
        )
    root = found
    if not (root / CONFIG_FILE).is_file():
        raise WorkspaceNotFound(f"{root} is not a flowdrill workspace (no {CONFIG_FILE})")
    return Workspace(root, _read_config(root / CONFIG_FILE), database=database)


def init_workspace(root: Path, *, demo: bool = False, name: str | None = None) -> Workspace:
    """Create a workspace: config, estate folder and an empty local database.

    Refuses to touch a folder that already holds a workspace, so nothing is overwritten.
    """
    if (root / CONFIG_FILE).exists():
        raise InputError(f"{root / CONFIG_FILE} already exists; nothing was changed")
    root.mkdir(parents=True, exist_ok=True)
    if demo:
        source = demo_root()
        shutil.copytree(source / "estate", root / "estate", dirs_exist_ok=False)
        shutil.copytree(source / "exports", root / "exports", dirs_exist_ok=False)
        shutil.copytree(source / RUNBOOKS, root / RUNBOOKS, dirs_exist_ok=False)
        for extra in sorted(source.iterdir()):
            if extra.is_file() and extra.suffix in (".toml", ".yaml", ".md"):
                shutil.copy2(extra, root / extra.name)
    else:
        title = name or root.resolve().name
        quoted = title.replace("\\", "\\\\").replace('"', '\\"')
        (root / "estate").mkdir(exist_ok=True)
        estate_file = root / "estate" / "estate.yaml"
        if not estate_file.exists():
            estate_file.write_text(EMPTY_ESTATE.format(name=quoted), encoding="utf-8")
        (root / CONFIG_FILE).write_text(EMPTY_CONFIG.format(name=quoted), encoding="utf-8")
    local = root / DATABASE_FILE.parent
    local.mkdir(exist_ok=True)
    (local / ".gitignore").write_text("*\n", encoding="utf-8")
    ws = open_workspace(root)
    open_database(ws.database_url).dispose()
    return ws


def validate_path(path: Path) -> Estate:
    """Validate a workspace, a folder of estate files or one file; raise with every problem."""
    if not path.exists():
        raise InvalidFiles([Problem(str(path), None, None, "", "no such file or folder")])
    if path.is_dir() and (path / CONFIG_FILE).is_file():
        return open_workspace(path).estate
    files = estate_files(path)
    if not files:
        raise InvalidFiles([Problem(str(path), None, None, "", "no .yaml or .yml files here")])
    return build_estate(read_documents(files, max_bytes=max_input_bytes()))
