"""Lint finds every stale reference planted in a test estate, and the missing pieces."""

from __future__ import annotations

from datetime import date

from flowdrill.estate.load import parse_estate
from flowdrill.estate.model import Estate, Runbook, RunbookStep
from flowdrill.runbook.lint import lint_runbooks


def _planted() -> Runbook:
    return Runbook(
        id="rb-planted",
        title="Planted stale references",
        reviewed=date(2025, 1, 1),
        flows=["n8n.payment-sync", "n8n.retired-flow"],
        steps=[
            RunbookStep(
                id="ok", title="Pause", role="eng", action="pause_flow", target="n8n.payment-sync"
            ),
            RunbookStep(
                id="gone-flow",
                title="Pause old",
                role="eng",
                action="pause_flow",
                target="n8n.retired-flow",
            ),
            RunbookStep(
                id="gone-cred",
                title="Rotate",
                role="eng",
                action="rotate_credential",
                target="netsuite-legacy",
            ),
            RunbookStep(
                id="gone-field",
                title="Fix",
                role="eng",
                action="apply_fix",
                target="n8n.payment-sync",
                fields=["orders.total_price"],
            ),
            RunbookStep(
                id="old-version",
                title="Roll back",
                role="eng",
                action="rollback_connector",
                target="n8n.payment-sync",
                versions={"n8n-prod": "1.40.0"},
            ),
            RunbookStep(
                id="rotated", title="Replay", role="eng", action="replay", target="netsuite-tba"
            ),
            RunbookStep(id="nobody", title="Approve", kind="decision"),
        ],
    )


def test_each_planted_stale_reference_is_found(demo_estate: Estate) -> None:
    demo = demo_estate.model_copy(
        update={
            "credentials": [
                c.model_copy(update={"last_rotated": date(2025, 6, 1)})
                if c.id == "netsuite-tba"
                else c
                for c in demo_estate.credentials
            ]
        }
    )
    found = {(f.step, f.kind) for f in lint_runbooks([_planted()], demo, modes=[])}
    assert ("", "stale_reference") in found  # flows: n8n.retired-flow
    assert ("rb-planted#gone-flow", "stale_reference") in found
    assert ("rb-planted#gone-cred", "stale_reference") in found
    assert ("rb-planted#gone-field", "stale_reference") in found
    assert ("rb-planted#old-version", "changed_version") in found
    assert ("rb-planted#rotated", "changed_since_review") in found
    assert ("rb-planted#old-version", "missing_precondition") in found
    assert ("rb-planted#nobody", "missing_owner") in found
    assert ("", "missing_owner") in found  # no owner_team
    assert ("", "missing_validation") in found
    assert not any(step == "rb-planted#ok" for step, _ in found)


def test_the_demo_runbooks_are_clean(
    demo_estate: Estate, demo_runbooks: dict[str, Runbook]
) -> None:
    assert lint_runbooks(list(demo_runbooks.values()), demo_estate) == []


def test_an_estate_still_loads_when_its_runbook_went_stale() -> None:
    estate = parse_estate(
        "teams: [{id: t, name: T}]\n"
        "runbooks:\n"
        "  - {id: rb, title: Old, flows: [gone], steps: [{title: x, target: gone}]}\n"
    )
    kinds = {f.kind for f in lint_runbooks(estate.runbooks, estate)}
    assert "stale_reference" in kinds
