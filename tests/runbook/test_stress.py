"""`runbook test`: demo runbooks pass on today's estate; the evolved estate breaks two of them
at the right step."""

from __future__ import annotations

from flowdrill.catalog.model import Catalog
from flowdrill.estate.model import Estate, Runbook
from flowdrill.runbook.stress import (
    Rehearsal,
    evolve_estate,
    rehearse,
    runbook_scenarios,
    stress_test,
)


def _first(runbook: Runbook, estate: Estate, catalog: Catalog, kind: str | None) -> Rehearsal:
    evolved = evolve_estate(estate, runbook, kind) if kind else None
    world = evolved.estate if evolved else estate
    scenario = runbook_scenarios(runbook, world, catalog, primary=True)[0]
    return rehearse(runbook, world, scenario, catalog=catalog, evolved=evolved)


def test_payment_runbook_passes_today_and_breaks_when_the_token_is_reissued(
    demo_estate: Estate, demo_runbooks: dict[str, Runbook], catalog: Catalog
) -> None:
    runbook = demo_runbooks["rb-payment-sync"]
    today = _first(runbook, demo_estate, catalog, None)
    assert today.passed and today.time_to_recover is not None
    broken = _first(runbook, demo_estate, catalog, "credential_rotated")
    assert not broken.passed
    first = broken.first_failure
    assert first is not None
    assert first.label == "rb-payment-sync#rotate-token"
    assert "'netsuite-tba' is not in the estate" in first.problem


def test_a_version_pinned_step_breaks_after_a_connector_upgrade(
    demo_estate: Estate, demo_runbooks: dict[str, Runbook], catalog: Catalog
) -> None:
    broken = _first(demo_runbooks["rb-invoice-mapping"], demo_estate, catalog, "connector_upgraded")
    first = broken.first_failure
    assert first is not None
    assert first.label == "rb-invoice-mapping#fix-mapping"
    assert "written for n8n-prod 1.68.0" in first.problem


def test_schema_change_renames_the_field_the_runbook_relies_on(
    demo_estate: Estate, demo_runbooks: dict[str, Runbook]
) -> None:
    evolved = evolve_estate(demo_estate, demo_runbooks["rb-invoice-mapping"], "schema_changed")
    assert evolved is not None and evolved.change == "field invoices.tax renamed to tax_v2"
    invoices = evolved.estate.by_id("datasets")["invoices"]
    assert "tax_v2" in {f.name for f in invoices.fields}


def test_shopify_runbook_passes_every_scenario_it_applies_to(
    demo_estate: Estate, demo_runbooks: dict[str, Runbook], catalog: Catalog
) -> None:
    report = stress_test(
        [demo_runbooks["rb-shopify-order-intake"]], demo_estate, catalog, evolutions=()
    )
    assert {r.mode for r in report.rehearsals} == {
        "schema_drift",
        "auth_mismatch",
        "rate_limit",
        "duplicate_delivery",
    }
    assert report.passed, [r.to_dict() for r in report.failed()]
