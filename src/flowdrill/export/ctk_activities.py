"""Placeholder Chaos Toolkit activities referenced by exported experiments.

They do nothing to any system: an exported experiment validates and runs offline as a dry
rehearsal. Teams that run the failure for real replace each provider with their own probe or
action (an HTTP check, a script, a chaostoolkit extension); the arguments say what to check or do.
"""

from __future__ import annotations

from typing import Any


def invariant_holds(dataset: str, invariant: str, description: str = "") -> bool:
    """Stand-in probe for a business invariant; replace with a real reconciliation query."""
    return True


def flow_healthy(flow: str) -> bool:
    """Stand-in probe for a flow's health; replace with the platform's execution API."""
    return True


def inject_fault(
    mode: str, target_kind: str, target: str, parameters: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Describe the fault instead of causing it; replace with a real fault injection."""
    return {"mode": mode, "target_kind": target_kind, "target": target, **(parameters or {})}


def recovery_action(action: str, target: str = "") -> dict[str, str]:
    """Describe a recovery step instead of performing it."""
    return {"action": action, "target": target}
