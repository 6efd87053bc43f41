"""Imported systems, credentials and datasets that overlays leave unused are dropped."""

from __future__ import annotations

from pathlib import Path

from flowdrill.estate.load import load_estate

IMPORTED = """\
generated: {by: flowdrill import n8n}
systems:
  - {id: "http:erp.tiny.example", name: erp.tiny.example, kind: api}
  - {id: "http:unused.example", name: never used, kind: api}
credentials:
  - {id: "n8n-cred:httpHeaderAuth:k1", name: ERP key, type: httpHeaderAuth}
datasets:
  - {id: "http:erp.tiny.example.bills", name: Bills, system: "http:erp.tiny.example"}
flows:
  - id: n8n.billing
    name: Billing
    platform: n8n-prod
    trigger: {kind: manual}
    steps:
      - {id: start, kind: trigger, trigger: {kind: manual}, next: [bill]}
      - id: bill
        kind: connector
        system: "http:erp.tiny.example"
        credential: "n8n-cred:httpHeaderAuth:k1"
        touchpoints: [{dataset: "http:erp.tiny.example.bills", access: write}]
"""


def _ids(items: list[object]) -> list[str]:
    return [str(getattr(item, "id", "")) for item in items]


def test_overlay_that_repoints_a_step_retires_what_the_importer_guessed(
    tmp_path: Path, minimal_estate_text: str
) -> None:
    (tmp_path / "a.yaml").write_text(minimal_estate_text, encoding="utf-8")
    (tmp_path / "imported.yaml").write_text(IMPORTED, encoding="utf-8")
    (tmp_path / "overlay.yaml").write_text(
        "overlay:\n  flows:\n    - id: n8n.billing\n      steps:\n"
        "        - {id: bill, system: erp, credential: erp-token,"
        " touchpoints: [{dataset: invoices, access: write}]}\n",
        encoding="utf-8",
    )
    estate = load_estate([tmp_path])
    assert _ids(estate.systems) == ["shop", "erp", "http:unused.example"]  # never used: kept
    assert _ids(estate.credentials) == ["erp-token"]
    assert _ids(estate.datasets) == ["orders", "invoices"]


def test_without_overlays_imported_entities_stay(tmp_path: Path, minimal_estate_text: str) -> None:
    (tmp_path / "a.yaml").write_text(minimal_estate_text, encoding="utf-8")
    (tmp_path / "imported.yaml").write_text(IMPORTED, encoding="utf-8")
    (tmp_path / "overlay.yaml").write_text(
        "overlay:\n  flows:\n    - {id: n8n.billing, owner_team: ops}\n", encoding="utf-8"
    )
    estate = load_estate([tmp_path])
    assert "http:erp.tiny.example" in _ids(estate.systems)
    assert "n8n-cred:httpHeaderAuth:k1" in _ids(estate.credentials)
    assert "http:erp.tiny.example.bills" in _ids(estate.datasets)
