"""Channel secrets (webhook URLs, SMTP passwords): from the environment or a secrets file that
must live outside the workspace, so they are never committed with the estate nor stored.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from flowdrill.errors import InputError

ENV_PREFIX = "FLOWDRILL_SECRET_"


def env_name(name: str) -> str:
    """``slack-ops.url`` -> ``FLOWDRILL_SECRET_SLACK_OPS_URL``."""
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


class Secrets:
    """Looks a secret up by name: environment first, then the secrets file (TOML)."""

    def __init__(
        self,
        *,
        file: Path | None = None,
        workspace: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.environ = os.environ if environ is None else environ
        self.values: dict[str, str] = {}
        if file is not None:
            path = file.expanduser().resolve()
            if workspace is not None and path.is_relative_to(workspace.resolve()):
                raise InputError(
                    f"the secrets file {file} is inside the workspace; keep it outside "
                    "(FLOWDRILL_SECRETS_FILE) so it is never committed with the estate"
                )
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise InputError(f"cannot read the secrets file {file}: {exc}") from None
            self.values = {str(k): str(v) for k, v in data.items() if isinstance(v, str)}

    def __call__(self, name: str) -> str | None:
        return self.environ.get(env_name(name)) or self.values.get(name)

    def known(self, names: list[str]) -> list[str]:
        """The values of these secrets, to scrub from any text that is going to be stored."""
        return [v for n in names if (v := self(n))]
