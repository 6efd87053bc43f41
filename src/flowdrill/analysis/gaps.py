"""Coverage gaps: what we would fail to notice, survive, protect or know how to fix.

Each check reads the estate only and returns findings; their severity follows the criticality
of the flow concerned, so a gap in a critical flow outranks the same gap in a low one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from flowdrill.analysis.findings import Finding, Kind, Severity, criticality_severity, finding
from flowdrill.analysis.graph import step_trigger, touchpoint_key
from flowdrill.estate.model import (
    Access,
    Classification,
    Criticality,
    Estate,
    Flow,
    OnError,
    StepKind,
    TriggerKind,
)

#: Import finding kinds → the gap they are (anything else becomes ``import_finding``).
IMPORT_KINDS = {
    "secret_redacted": Kind.hardcoded_secret,
    "unauthenticated_webhook": Kind.unauthenticated_webhook,
    "plaintext_credential": Kind.plaintext_credential,
    "credential_name_has_email": Kind.credential_name_has_email,
}

SENSITIVE = (Classification.pii, Classification.pci)


def _lower(severity: Severity) -> Severity:
    order = list(Severity)
    return order[min(order.index(severity) + 1, len(order) - 1)]


def monitoring_gaps(estate: Estate) -> list[Finding]:
    """Flows no monitor watches (directly or through a dataset they touch); silent monitors."""
    watched_flows = {m.flow for m in estate.monitors if m.flow}
    watched_datasets = {m.dataset for m in estate.monitors if m.dataset}
    flows = estate.by_id("flows")
    out = []
    for f in estate.flows:
        touched = {t.dataset for s in f.steps for t in s.touchpoints}
        if f.id in watched_flows or touched & watched_datasets:
            continue
        out.append(
            finding(
                Kind.no_monitor,
                criticality_severity(f.criticality.weight),
                f"flows/{f.id}",
                f"no monitor watches {f.name} or any dataset it touches",
                "Add a failure-rate or freshness monitor with an alert route to the owner team.",
                evidence=sorted(f"datasets/{d}" for d in touched),
            )
        )
    for m in estate.monitors:
        if m.alert_route is not None:
            continue
        weight = flows[m.flow].criticality.weight if m.flow else Criticality.high.weight
        out.append(
            finding(
                Kind.monitor_without_route,
                criticality_severity(weight),
                f"monitors/{m.id}",
                f"monitor {m.name} has no alert route: when it fires, nobody hears it",
                "Set alert_route to the team on call for the flow, and a channel that pages.",
                evidence=[f"flows/{m.flow}" if m.flow else f"datasets/{m.dataset}"],
            )
        )
    return out


def _handles_errors(flow: Flow) -> bool:
    return flow.error_flow is not None or any(
        s.on_error is not OnError.stop or s.error_next or s.kind is StepKind.error_handler
        for s in flow.steps
    )


def resilience_gaps(estate: Estate) -> list[Finding]:
    """Flows with no error handling at all, and flows that never retry a call."""
    out = []
    for f in estate.flows:
        severity = criticality_severity(f.criticality.weight)
        if not _handles_errors(f):
            out.append(
                finding(
                    Kind.no_error_handling,
                    severity,
                    f"flows/{f.id}",
                    f"{f.name} has no error handling: every step stops on error, no error "
                    "branch, no error workflow",
                    "Add an error workflow or error branch that parks the failed item for "
                    "replay and alerts the owner.",
                )
            )
        calls = [s for s in f.steps if s.kind is StepKind.connector or s.system is not None]
        if calls and not any(s.retry for s in f.steps):
            out.append(
                finding(
                    Kind.no_retries,
                    _lower(severity),
                    f"flows/{f.id}",
                    f"no step of {f.name} retries a failed call",
                    "Give calls to external systems a retry policy with backoff (and make the "
                    "writes idempotent so a retry cannot duplicate).",
                    evidence=[f"steps/{f.id}/{s.id}" for s in calls],
                )
            )
    return out


def _writes(flow: Flow) -> bool:
    return any(t.access is Access.write for s in flow.steps for t in s.touchpoints)


def security_gaps(estate: Estate, today: date) -> list[Finding]:
    """Open webhooks, secrets in flows, import warnings, overdue or expired credentials."""
    out = []
    users: dict[str, set[str]] = defaultdict(set)
    for f in estate.flows:
        for s in f.steps:
            if s.credential:
                users[s.credential].add(f.id)
        open_hooks = [
            t
            for t in [f.trigger, *(step_trigger(s) for s in f.steps)]
            if t is not None and t.kind is TriggerKind.webhook and t.authenticated is False
        ]
        noted: dict[Kind, list[str]] = defaultdict(list)
        for found in f.source.findings if f.source else []:
            noted[IMPORT_KINDS.get(found.kind, Kind.import_finding)].append(found.location)
        if open_hooks or Kind.unauthenticated_webhook in noted:
            out.append(
                finding(
                    Kind.unauthenticated_webhook,
                    Severity.high if _writes(f) else Severity.medium,
                    f"flows/{f.id}",
                    f"the webhook of {f.name} accepts calls from anyone who knows its URL",
                    "Require a signature or token (HMAC header, basic auth) and reject the rest.",
                    evidence=noted.pop(Kind.unauthenticated_webhook, []),
                )
            )
        for kind, locations in sorted(noted.items()):
            out.append(
                finding(
                    kind,
                    Severity.high if kind is Kind.hardcoded_secret else Severity.medium,
                    f"flows/{f.id}",
                    f"{kind.value.replace('_', ' ')} in {f.name} ({len(locations)} place(s))",
                    "Move the secret into a credential held in the vault, rotate the exposed "
                    "value, and re-import the flow."
                    if kind in (Kind.hardcoded_secret, Kind.plaintext_credential)
                    else "Review the imported flow at these locations.",
                    evidence=sorted(locations),
                )
            )
    flows = estate.by_id("flows")
    for c in estate.credentials:
        critical = any(flows[f].criticality is Criticality.critical for f in users[c.id])
        evidence = sorted(f"flows/{f}" for f in users[c.id])
        if c.last_rotated is not None and c.rotation_days is not None:
            due = c.last_rotated + timedelta(days=c.rotation_days)
            if due < today:
                late = (today - due).days
                out.append(
                    finding(
                        Kind.rotation_overdue,
                        Severity.high if critical or late > 180 else Severity.medium,
                        f"credentials/{c.id}",
                        f"{c.name} was due for rotation on {due.isoformat()} "
                        f"({late} days ago; policy {c.rotation_days} days)",
                        "Rotate it now with the system owner, then update every flow that uses "
                        "it in the same change window.",
                        evidence=evidence,
                    )
                )
        if c.expires is not None and c.expires < today:
            out.append(
                finding(
                    Kind.credential_expired,
                    Severity.critical if critical else Severity.high,
                    f"credentials/{c.id}",
                    f"{c.name} expired on {c.expires.isoformat()}",
                    "Renew it and record the new expiry date.",
                    evidence=evidence,
                )
            )
    return out


def data_protection_gaps(estate: Estate) -> list[Finding]:
    """Personal or card data written to a system not approved for it."""
    datasets = estate.by_id("datasets")
    systems = estate.by_id("systems")
    out = []
    for f in estate.flows:
        for s in f.steps:
            if s.system is None:
                continue
            target = systems[s.system]
            for tp in s.touchpoints:
                if tp.access is not Access.write:
                    continue
                d = datasets[tp.dataset]
                needed = d.classification if d.classification in SENSITIVE else None
                if needed is None and any(fl.pii for fl in d.fields):
                    needed = Classification.pii
                if needed is None or needed in target.approved_for:
                    continue
                fields = [fl.name for fl in d.fields if fl.pii]
                out.append(
                    finding(
                        Kind.pii_to_unapproved_system,
                        Severity.critical if needed is Classification.pci else Severity.high,
                        touchpoint_key(f.id, s.id, d.id),
                        f"{needed.value} data from {d.name} is written to {target.name}, approved "
                        f"only for {', '.join(c.value for c in target.approved_for) or 'nothing'}",
                        "Drop or mask the personal fields before this step, or send a link to "
                        "the record in an approved system instead.",
                        evidence=[f"systems/{target.id}", f"datasets/{d.id}"]
                        + [f"fields/{d.id}/{n}" for n in fields],
                    )
                )
    return out


def preparedness_gaps(estate: Estate) -> list[Finding]:
    """Flows no runbook covers."""
    covered = {f for r in estate.runbooks for f in r.flows}
    return [
        finding(
            Kind.no_runbook,
            criticality_severity(f.criticality.weight),
            f"flows/{f.id}",
            f"no runbook covers {f.name}",
            "Write a runbook: how to detect, contain (pause the flow), recover (replay) and "
            "validate; rehearse it in a drill.",
        )
        for f in estate.flows
        if f.id not in covered
    ]


def coverage_gaps(estate: Estate, today: date) -> list[Finding]:
    return (
        monitoring_gaps(estate)
        + resilience_gaps(estate)
        + security_gaps(estate, today)
        + data_protection_gaps(estate)
        + preparedness_gaps(estate)
    )
