"""What the analysis reports: findings with a severity, evidence and a suggested fix.

A finding names one element by its path (``<collection>/<id>``, ``steps/<flow>/<step>`` or
``touchpoints/<flow>/<step>/<dataset>``), the same paths ``demo/planted.yaml`` uses, so a
finding can be traced back to the estate file and compared with what was planted.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    critical = "critical"
    high = "high"
    medium = "medium"
    low = "low"
    info = "info"

    @property
    def score(self) -> float:
        """0..1, used by the risk score: a critical finding counts fully."""
        return _SEVERITY_SCORE[self.value]

    @property
    def rank(self) -> int:
        """Sort key, most severe first."""
        return _SEVERITY_RANK[self.value]


_SEVERITY_SCORE = {"critical": 1.0, "high": 0.75, "medium": 0.5, "low": 0.25, "info": 0.1}
_SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


class Category(StrEnum):
    """Which question a finding answers."""

    single_point = "single_point"  # where does a failure hurt most
    monitoring = "monitoring"  # would we notice
    ownership = "ownership"  # who decides and who acts
    resilience = "resilience"  # does the flow survive an error
    security = "security"
    data_protection = "data_protection"
    preparedness = "preparedness"  # do we know what to do


class Kind(StrEnum):
    """Every finding kind the analysis produces (names match ``demo/planted.yaml``)."""

    # single points of failure
    articulation_point = "articulation_point"
    bridge = "bridge"
    dominator = "dominator"
    single_point_of_failure = "single_point_of_failure"
    shared_credential = "shared_credential"
    single_platform_instance = "single_platform_instance"
    hub_system = "hub_system"
    bus_factor = "bus_factor"
    feedback_loop = "feedback_loop"
    error_flow_same_platform = "error_flow_same_platform"
    # monitoring
    no_monitor = "no_monitor"
    monitor_without_route = "monitor_without_route"
    # ownership
    no_raci_owner = "no_raci_owner"
    no_change_authoriser = "no_change_authoriser"
    no_tester = "no_tester"
    no_api_access_approver = "no_api_access_approver"
    no_owner = "no_owner"
    # resilience
    no_error_handling = "no_error_handling"
    no_retries = "no_retries"
    # security
    unauthenticated_webhook = "unauthenticated_webhook"
    hardcoded_secret = "hardcoded_secret"
    plaintext_credential = "plaintext_credential"
    credential_name_has_email = "credential_name_has_email"
    rotation_overdue = "rotation_overdue"
    credential_expired = "credential_expired"
    import_finding = "import_finding"
    # data protection
    pii_to_unapproved_system = "pii_to_unapproved_system"
    # preparedness
    no_runbook = "no_runbook"


CATEGORY: dict[Kind, Category] = {
    **{
        k: Category.single_point
        for k in (
            Kind.articulation_point,
            Kind.bridge,
            Kind.dominator,
            Kind.single_point_of_failure,
            Kind.shared_credential,
            Kind.single_platform_instance,
            Kind.hub_system,
            Kind.bus_factor,
            Kind.feedback_loop,
            Kind.error_flow_same_platform,
        )
    },
    Kind.no_monitor: Category.monitoring,
    Kind.monitor_without_route: Category.monitoring,
    **{
        k: Category.ownership
        for k in (
            Kind.no_raci_owner,
            Kind.no_change_authoriser,
            Kind.no_tester,
            Kind.no_api_access_approver,
            Kind.no_owner,
        )
    },
    Kind.no_error_handling: Category.resilience,
    Kind.no_retries: Category.resilience,
    **{
        k: Category.security
        for k in (
            Kind.unauthenticated_webhook,
            Kind.hardcoded_secret,
            Kind.plaintext_credential,
            Kind.credential_name_has_email,
            Kind.rotation_overdue,
            Kind.credential_expired,
            Kind.import_finding,
        )
    },
    Kind.pii_to_unapproved_system: Category.data_protection,
    Kind.no_runbook: Category.preparedness,
}


class Finding(BaseModel):
    """One weak point, with the elements and paths that show it and what to do about it."""

    model_config = ConfigDict(frozen=True)

    kind: Kind
    category: Category
    severity: Severity
    element: str = Field(description="path of the element, e.g. credentials/netsuite-tba")
    title: str = Field(description="one line saying what is wrong")
    evidence: list[str] = Field(
        default_factory=list, description="paths of the other elements involved"
    )
    paths: list[list[str]] = Field(
        default_factory=list, description="chains of elements showing how it propagates"
    )
    fix: str = Field(description="suggested fix")


def finding(
    kind: Kind,
    severity: Severity,
    element: str,
    title: str,
    fix: str,
    *,
    evidence: list[str] | None = None,
    paths: list[list[str]] | None = None,
) -> Finding:
    """Build a finding; the category follows from the kind so the two never disagree.

    Built without re-validation: every argument is typed, and large estates have 100k gaps.
    """
    return Finding.model_construct(
        kind=kind,
        category=CATEGORY[kind],
        severity=severity,
        element=element,
        title=title,
        evidence=evidence or [],
        paths=paths or [],
        fix=fix,
    )


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by kind and element, so output is stable."""
    return sorted(findings, key=lambda f: (f.severity.rank, f.kind.value, f.element, f.title))


def criticality_severity(weight: int) -> Severity:
    """Severity of a gap on a flow, from the flow's criticality weight (1..4)."""
    return {4: Severity.high, 3: Severity.medium, 2: Severity.low}.get(weight, Severity.info)
