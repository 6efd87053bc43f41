"""Coverage gaps: monitoring, ownership, error handling, security, data protection, runbooks."""

from __future__ import annotations

from datetime import date

from flowdrill.analysis.findings import Finding, Kind, Severity
from flowdrill.analysis.gaps import coverage_gaps
from flowdrill.analysis.ownership import ownership_findings
from flowdrill.estate.model import Estate
from tests.analysis.factory import flow, make_estate, reads, step, writes

TODAY = date(2026, 3, 1)


def gaps(estate: Estate, kind: Kind, today: date = TODAY) -> dict[str, Finding]:
    found = coverage_gaps(estate, today) + ownership_findings(estate).findings
    return {f.element: f for f in found if f.kind is kind}


def test_rotation_overdue_depends_on_today() -> None:
    estate = make_estate(
        [flow("f", [step("x", credential="key")], criticality="critical")],
        credentials=[
            {
                "id": "key",
                "name": "Key",
                "type": "api_key",
                "last_rotated": "2026-01-01",
                "rotation_days": 30,
            }
        ],
    )
    overdue = gaps(estate, Kind.rotation_overdue)
    assert overdue["credentials/key"].severity is Severity.high  # a critical flow uses it
    assert "2026-01-31" in overdue["credentials/key"].title
    assert gaps(estate, Kind.rotation_overdue, date(2026, 1, 15)) == {}


def test_expired_credential() -> None:
    estate = make_estate(
        [flow("f", [step("x", credential="key")])],
        credentials=[{"id": "key", "name": "Key", "type": "oauth2", "expires": "2026-02-01"}],
    )
    assert "credentials/key" in gaps(estate, Kind.credential_expired)


def test_pii_to_a_system_not_approved_for_it() -> None:
    estate = make_estate(
        [
            flow(
                "f",
                [
                    step("chat", system="slack", touchpoints=writes("customers")),
                    step("crm", system="crm", touchpoints=writes("customers")),
                    step("log", system="slack", touchpoints=writes("events")),
                    step("sheet", system="sheet", touchpoints=writes("cards")),
                    step("peek", system="slack", touchpoints=reads("cards")),
                ],
            )
        ],
        systems=[
            {"id": "slack", "name": "Slack", "kind": "chat"},
            {"id": "crm", "name": "CRM", "kind": "crm", "approved_for": ["internal", "pii"]},
            {"id": "sheet", "name": "Sheet", "kind": "spreadsheet", "approved_for": ["pii"]},
        ],
        datasets=[
            {"id": "customers", "name": "Customers", "classification": "pii"},
            {
                "id": "events",
                "name": "Events",
                "fields": [{"name": "email", "type": "email", "pii": True}],
            },
            {"id": "cards", "name": "Cards", "classification": "pci"},
        ],
    )
    found = gaps(estate, Kind.pii_to_unapproved_system)
    assert set(found) == {
        "touchpoints/f/chat/customers",
        "touchpoints/f/log/events",
        "touchpoints/f/sheet/cards",
    }
    assert found["touchpoints/f/sheet/cards"].severity is Severity.critical
    assert "fields/events/email" in found["touchpoints/f/log/events"].evidence


def test_unauthenticated_webhook_from_trigger_or_import() -> None:
    estate = make_estate(
        [
            flow(
                "open", [step("t", "trigger")], trigger={"kind": "webhook", "authenticated": False}
            ),
            flow(
                "closed", [step("t", "trigger")], trigger={"kind": "webhook", "authenticated": True}
            ),
            flow(
                "imported",
                [step("t", "trigger")],
                source={
                    "format": "n8n",
                    "file": "x.json",
                    "findings": [
                        {"kind": "unauthenticated_webhook", "location": "nodes['Webhook']"},
                        {"kind": "secret_redacted", "location": "nodes['HTTP'].parameters.url"},
                        {"kind": "something_new", "location": "nodes['X']"},
                    ],
                },
            ),
        ]
    )
    assert set(gaps(estate, Kind.unauthenticated_webhook)) == {"flows/open", "flows/imported"}
    secret = gaps(estate, Kind.hardcoded_secret)["flows/imported"]
    assert secret.evidence == ["nodes['HTTP'].parameters.url"]
    assert "flows/imported" in gaps(estate, Kind.import_finding)


def test_no_runbook() -> None:
    estate = make_estate(
        [flow("covered", [step("x")]), flow("bare", [step("x")], criticality="critical")],
        runbooks=[{"id": "rb", "title": "RB", "flows": ["covered"]}],
    )
    found = gaps(estate, Kind.no_runbook)
    assert set(found) == {"flows/bare"}
    assert found["flows/bare"].severity is Severity.high


def test_monitoring_gaps() -> None:
    estate = make_estate(
        [
            flow("watched", [step("x")]),
            flow("via-data", [step("x", touchpoints=writes("ledger"))]),
            flow("silent", [step("x")], criticality="critical"),
        ],
        monitors=[
            {"id": "m1", "name": "M1", "flow": "watched", "metric": "failure_rate", "threshold": 1},
            {
                "id": "m2",
                "name": "M2",
                "dataset": "ledger",
                "metric": "freshness",
                "threshold": 60,
                "alert_route": "ops",
            },
        ],
    )
    assert set(gaps(estate, Kind.no_monitor)) == {"flows/silent"}
    assert set(gaps(estate, Kind.monitor_without_route)) == {"monitors/m1"}


def test_error_handling_and_retries() -> None:
    estate = make_estate(
        [
            flow("bare", [step("a", "trigger", next=["b"]), step("b", system="erp")]),
            flow("error-flow", [step("b", system="erp")], error_flow="bare"),
            flow("branch", [step("b", system="erp", error_next=["h"]), step("h", "error_handler")]),
            flow("retries", [step("b", system="erp", retry={"max_tries": 3})]),
            flow("no-calls", [step("t", "transform")]),
        ]
    )
    assert set(gaps(estate, Kind.no_error_handling)) == {
        "flows/bare",
        "flows/retries",
        "flows/no-calls",
    }
    assert set(gaps(estate, Kind.no_retries)) == {"flows/bare", "flows/error-flow", "flows/branch"}


def test_raci_gaps_on_writes() -> None:
    estate = make_estate(
        [
            flow(
                "f",
                [
                    step("r", "trigger", touchpoints=reads("d")),
                    step("w1", touchpoints=writes("d")),
                    step("w2", touchpoints=writes("d")),
                ],
                criticality="critical",
            )
        ],
        people=[{"id": "ana", "name": "Ana", "team": "ops"}, {"id": "bo", "name": "Bo"}],
        raci=[
            {
                "touchpoint": "f/w2/d",
                "responsible": ["ops"],
                "accountable": "bo",
                "tests_new_flows": "ana",
            }
        ],
    )
    assert set(gaps(estate, Kind.no_raci_owner)) == {"touchpoints/f/w1/d"}  # reads are left out
    assert set(gaps(estate, Kind.no_change_authoriser)) == {"touchpoints/f/w2/d"}
    assert set(gaps(estate, Kind.no_api_access_approver)) == {"touchpoints/f/w2/d"}
    assert gaps(estate, Kind.no_tester) == {}
    assert gaps(estate, Kind.no_raci_owner)["touchpoints/f/w1/d"].severity is Severity.high


def test_no_owner() -> None:
    estate = make_estate(
        [flow("orphan", [step("x", credential="key")], owner_team=None)],
        credentials=[{"id": "key", "name": "Key", "type": "aws"}],
    )
    assert {"flows/orphan", "credentials/key"} <= set(gaps(estate, Kind.no_owner))
