"""The coverage matrix shows the planted 'no runbook' gaps of the demo's critical flows."""

from __future__ import annotations

from flowdrill.catalog.model import Catalog
from flowdrill.estate.model import Estate, Runbook
from flowdrill.runbook.coverage import coverage_matrix


def test_demo_coverage(
    demo_estate: Estate, demo_runbooks: dict[str, Runbook], catalog: Catalog
) -> None:
    matrix = coverage_matrix(demo_estate, list(demo_runbooks.values()), catalog)
    assert "nodered.pick-confirm" in matrix.flows  # critical, planted: no runbook
    assert all(not c for c in matrix.cells["nodered.pick-confirm"].values())
    assert matrix.cells["n8n.shopify-order-intake"]["auth_mismatch"] == ["rb-shopify-order-intake"]
    assert matrix.cells["n8n.invoice-generator"]["schema_drift"] == ["rb-invoice-mapping"]
    assert matrix.cells["n8n.payment-sync"]["platform_outage"] is None  # platforms only
    assert ("make-refund-processor", "auth_mismatch") in matrix.gaps()
