"""Participant actions on the simulated estate: the catalog's vocabulary, a target and options.

Written on the command line as ``T+12 pause_flow n8n-x`` or ``T+40 replay n8n-x since=10
dedupe=true``. Targets are estate ids (flow, dataset, credential, platform, system, flow/step)
or a failure id of the scenario.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flowdrill.catalog.model import Action
from flowdrill.errors import InputError

_SPEC = re.compile(r"^\s*T\+(\d+)\s+([a-z_]+)(?:\s+(\S+))?((?:\s+\w+=\S+)*)\s*$")


@dataclass(frozen=True)
class SimAction:
    """An action applied at exercise minute ``at``."""

    at: int
    action: Action
    target: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    def option_int(self, name: str) -> int | None:
        value = self.options.get(name)
        return int(value) if value is not None else None

    def option_bool(self, name: str, default: bool = False) -> bool:
        value = self.options.get(name)
        return default if value is None else value.lower() in ("1", "true", "yes", "on")

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "action": self.action.value,
            "target": self.target,
            "options": dict(self.options),
        }

    def __str__(self) -> str:
        opts = "".join(f" {k}={v}" for k, v in sorted(self.options.items()))
        return (
            f"T+{self.at} {self.action.value}" + (f" {self.target}" if self.target else "") + opts
        )


def parse_action(text: str) -> SimAction:
    """Parse ``T+MIN ACTION [TARGET] [key=value ...]``."""
    found = _SPEC.match(text)
    if not found:
        raise InputError(
            f"cannot read action {text!r}: write 'T+MIN ACTION [TARGET] [key=value ...]', "
            "e.g. 'T+12 pause_flow n8n-shopify-order-intake'"
        )
    minute, name, target, rest = found.groups()
    try:
        action = Action(name)
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise InputError(f"unknown action {name!r}; known: {known}") from None
    if target is not None and "=" in target:
        rest, target = f" {target}{rest}", None
    options = dict(part.split("=", 1) for part in rest.split())
    return SimAction(int(minute), action, target, options)
