"""Settings, each declared once with its default and help text (environment: FLOWDRILL_*).

The README's settings table is checked against this class by a test, so it cannot go stale.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLOWDRILL_", extra="ignore")

    workspace: Path | None = Field(
        None,
        description="Workspace folder to use when --workspace is not given "
        "(default: the nearest folder upwards holding flowdrill.toml).",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the store, e.g. postgresql+psycopg://user:pw@host/db "
        "(default: the SQLite file .flowdrill/flowdrill.db inside the workspace).",
    )
    state_dir: Path = Field(
        Path.home() / ".local" / "state" / "flowdrill",
        description="Where flowdrill keeps the database of a workspace it may not write to, "
        "such as the bundled demo.",
    )
    max_input_mb: float = Field(
        20.0, gt=0, description="Largest input file (estate, export) flowdrill reads, in MiB."
    )
    debug: bool = Field(
        False, description="Show Python tracebacks for unexpected errors (for bug reports)."
    )


def get_settings() -> Settings:
    return Settings()


def settings_table() -> str:
    """Markdown table of every setting, for the README (kept in step by a test)."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, info in Settings.model_fields.items():
        default = info.default
        if isinstance(default, Path):
            default = str(default).replace(str(Path.home()), "~")
        shown = "" if default is None else f"`{default}`"
        rows.append(f"| `FLOWDRILL_{name.upper()}` | {shown} | {info.description} |")
    return "\n".join(rows) + "\n"
