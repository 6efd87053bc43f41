"""Settings, each declared once with its default and help text (environment: FLOWDRILL_*).

The README's settings table is checked against this class by a test, so it cannot go stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
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
    notify: Literal["off", "dry-run", "send"] = Field(
        "dry-run",
        description="Drill notifications from escalation policies: off, dry-run (print what "
        "would be sent) or send (deliver on the real channels, marked [EXERCISE]).",
    )
    secrets_file: Path | None = Field(
        None,
        description="TOML file of channel secrets (name = value), outside the workspace; "
        "FLOWDRILL_SECRET_ + upper-cased name in the environment takes precedence.",
    )
    notify_retries: int = Field(
        3, ge=0, le=10, description="Retries of a failed notification before it is reported."
    )
    notify_backoff_seconds: float = Field(
        0.5, ge=0, description="Wait before the first retry; doubled at each retry (max 30 s)."
    )
    notify_timeout_seconds: float = Field(
        10.0, gt=0, description="Connection and response timeout of one notification attempt."
    )
    ack_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="Address of the web UI that acknowledgement links in notifications open.",
    )
    ack_secret: SecretStr | None = Field(
        None,
        description="Key signing acknowledgement links (default: a random key per process, "
        "so links stop working when it restarts).",
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
