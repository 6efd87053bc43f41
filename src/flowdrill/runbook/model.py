"""Runbook helpers shared by lint, coverage, the autopilot and the stress test.

The runbook classes live in ``estate.model`` (runbooks are part of an estate file); this module
answers the questions several consumers ask about them: what a step names that the estate no
longer has, and whether a runbook applies to a failure mode on a flow. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowdrill.estate.model import (
    Estate,
    Flow,
    Runbook,
    RunbookSection,
    RunbookStep,
    RunbookStepKind,
)

#: Collections whose ids a step target may name (plus ``flow/step``).
TARGET_COLLECTIONS = (
    "flows",
    "datasets",
    "credentials",
    "systems",
    "platforms",
    "teams",
    "people",
    "monitors",
)
RESTORED = "restored"


@dataclass(frozen=True)
class Staleness:
    """One thing a step names that the estate does not have (any more) in that form."""

    kind: str  # missing_target | missing_field | changed_version | missing_check
    message: str


class EstateFacts:
    """Lookups for staleness checks, built once per estate."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.ids = {x.id for c in TARGET_COLLECTIONS for x in getattr(estate, c)}
        self.ids |= {f"{f.id}/{s.id}" for f in estate.flows for s in f.steps}
        self.fields = {f"{d.id}.{x.name}" for d in estate.datasets for x in d.fields}
        self.datasets = {d.id for d in estate.datasets}
        self.invariants = {i.id for d in estate.datasets for i in d.invariants}
        self.platforms = estate.by_id("platforms")
        self.credentials = estate.by_id("credentials")
        self.flows: dict[str, Flow] = estate.by_id("flows")


def step_staleness(step: RunbookStep, facts: EstateFacts) -> list[Staleness]:
    """What ``step`` names that the estate no longer has, or has in another version."""
    found: list[Staleness] = []
    if step.target is not None and step.target not in facts.ids:
        found.append(Staleness("missing_target", f"{step.target!r} is not in the estate"))
    for name in step.fields:
        dataset = name.split(".", 1)[0]
        if name not in facts.fields:
            where = "" if dataset in facts.datasets else f" (no dataset {dataset!r})"
            found.append(Staleness("missing_field", f"field {name!r} is not in the estate{where}"))
    for platform_id, version in sorted(step.versions.items()):
        platform = facts.platforms.get(platform_id)
        if platform is None:
            found.append(
                Staleness("missing_target", f"platform {platform_id!r} is not in the estate")
            )
        elif platform.version != version:
            found.append(
                Staleness(
                    "changed_version",
                    f"written for {platform_id} {version}, the estate runs "
                    f"{platform.version or 'an unrecorded version'}",
                )
            )
    for check in step.checks:
        if check != RESTORED and check not in facts.invariants:
            found.append(
                Staleness("missing_check", f"check {check!r} is no invariant of the estate")
            )
    return found


def is_validation(step: RunbookStep) -> bool:
    return step.section is RunbookSection.validation or step.action == "reconcile"


def is_rollback(step: RunbookStep) -> bool:
    return step.section is RunbookSection.rollback or step.action == "rollback_connector"


def is_human(step: RunbookStep) -> bool:
    return step.kind is RunbookStepKind.decision


def runbook_flows(runbook: Runbook, estate: Estate) -> list[str]:
    """Flows the runbook applies to: its own, plus those touching its systems, in estate order."""
    systems = set(runbook.systems)
    named = set(runbook.flows)
    return [
        f.id
        for f in estate.flows
        if f.id in named
        or any(s.system in systems for s in f.steps)
        or (f.trigger.system is not None and f.trigger.system in systems)
    ]


def applies(runbook: Runbook, mode: str, flow: str, estate: Estate) -> bool:
    """Does ``runbook`` cover ``mode`` on ``flow``? No modes listed means every mode."""
    if runbook.failure_modes and mode not in runbook.failure_modes:
        return False
    if not runbook.flows and not runbook.systems:
        return True
    return flow in runbook_flows(runbook, estate)
