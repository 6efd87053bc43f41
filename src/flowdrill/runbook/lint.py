"""Lint runbooks against the estate as it is now: stale references, changes since the last
review, missing owners, validation steps and rollback preconditions. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from flowdrill.catalog.model import Action
from flowdrill.estate.model import Estate, Runbook, RunbookStepKind
from flowdrill.runbook.model import EstateFacts, is_rollback, is_validation, step_staleness


@dataclass(frozen=True, order=True)
class LintFinding:
    runbook: str
    step: str  # rb#step-id, or "" for the runbook as a whole
    kind: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.step or self.runbook}: {self.kind}: {self.message}"


def lint_runbooks(
    runbooks: Sequence[Runbook], estate: Estate, *, modes: Iterable[str] | None = None
) -> list[LintFinding]:
    """Every finding for every runbook; ``modes`` (the catalog's ids) checks failure modes."""
    facts = EstateFacts(estate)
    known_modes = set(modes) if modes is not None else None
    return [f for rb in runbooks for f in _lint(rb, facts, known_modes)]


def _lint(rb: Runbook, facts: EstateFacts, modes: set[str] | None) -> list[LintFinding]:
    out: list[LintFinding] = []

    def add(kind: str, message: str, step: str = "") -> None:
        out.append(LintFinding(rb.id, step, kind, message))

    for flow in rb.flows:
        if flow not in facts.flows:
            add("stale_reference", f"applies to flow {flow!r}, which is not in the estate")
    for system in rb.systems:
        if system not in facts.ids:
            add("stale_reference", f"applies to system {system!r}, which is not in the estate")
    for mode in rb.failure_modes:
        if modes is not None and mode not in modes:
            add("stale_reference", f"failure mode {mode!r} is not in the catalog")
    for monitor in rb.detection.monitors if rb.detection else []:
        if monitor not in facts.ids:
            add("stale_reference", f"detection watches monitor {monitor!r}, which is gone")
    if rb.owner_team is None:
        add("missing_owner", "no owner_team: nobody keeps this runbook current")
    if rb.reviewed is None:
        add("not_reviewed", "no reviewed date: nobody can tell whether it matches the estate")
    names = {a.value for a in Action}
    for n, step in enumerate(rb.steps, 1):
        label = rb.step_label(n)
        if step.role is None:
            human = step.kind is RunbookStepKind.decision
            add(
                "missing_owner", "decision without an approving role" if human else "no role", label
            )
        if step.action is not None and step.action not in names:
            add("unknown_action", f"unknown action {step.action!r}", label)
        if step.kind is not RunbookStepKind.decision:
            for stale in step_staleness(step, facts):
                kind = "changed_version" if stale.kind == "changed_version" else "stale_reference"
                add(kind, stale.message, label)
        if step.target in facts.credentials and rb.reviewed is not None:
            rotated = facts.credentials[step.target].last_rotated
            if rotated is not None and rotated > rb.reviewed:
                add(
                    "changed_since_review",
                    f"credential {step.target!r} was rotated on {rotated}, after the last "
                    f"review ({rb.reviewed})",
                    label,
                )
        if is_rollback(step) and not step.preconditions:
            add("missing_precondition", "rollback step without preconditions", label)
    if not any(is_validation(s) for s in rb.steps):
        add("missing_validation", "no validation step: nothing proves the data is right again")
    return sorted(out)
