"""Who decides and who acts: RACI gaps, elements nobody owns, and the bus factor.

For each touchpoint the *owners* are the RACI entry's responsible and accountable parties, or
the flow's owner team when the entry is missing; teams count as their members. A person who is
the only owner of touchpoints of critical or high flows is a bus factor: when they are away,
nobody can decide or act there. Reads are left out of the RACI gaps because only writes can
change a dataset; they still count for the bus factor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flowdrill.analysis.findings import Finding, Kind, Severity, criticality_severity, finding
from flowdrill.analysis.graph import step_key, touchpoint_key
from flowdrill.estate.model import Access, Criticality, Estate, RaciEntry


@dataclass
class Ownership:
    findings: list[Finding]
    #: party path → steps it alone owns (for a person's blast radius)
    sole: dict[str, list[str]] = field(default_factory=dict)


def _members(estate: Estate) -> dict[str, list[str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for p in estate.people:
        if p.team is not None:
            members[p.team].append(p.id)
    return members


def ownership_findings(estate: Estate) -> Ownership:
    teams = {t.id for t in estate.teams}
    members = _members(estate)

    def people(parties: list[str | None]) -> set[str]:
        """Party ids → the people (or memberless teams) who can actually act."""
        out: set[str] = set()
        for p in parties:
            if p is None:
                continue
            if p in teams:
                out |= {f"people/{m}" for m in members[p]} or {f"teams/{p}"}
            else:
                out.add(f"people/{p}")
        return out

    raci: dict[str, RaciEntry] = {r.touchpoint: r for r in estate.raci}
    out: list[Finding] = []
    sole: dict[str, list[str]] = defaultdict(list)
    sole_touchpoints: dict[str, list[tuple[str, Criticality, bool]]] = defaultdict(list)
    for f in estate.flows:
        severity = criticality_severity(f.criticality.weight)
        for s in f.steps:
            for tp in s.touchpoints:
                key = touchpoint_key(f.id, s.id, tp.dataset)
                entry = raci.get(f"{f.id}/{s.id}/{tp.dataset}")
                if entry is not None and (entry.responsible or entry.accountable):
                    owners = people([*entry.responsible, entry.accountable])
                    everyone = owners | people(
                        [entry.authorises_changes, entry.tests_new_flows, entry.approves_api_access]
                    )
                else:
                    owners = people([f.owner_team])
                    everyone = owners
                if len(owners) == 1:
                    (who,) = owners
                    sole[who].append(step_key(f.id, s.id))
                    sole_touchpoints[who].append((key, f.criticality, everyone == owners))
                if tp.access is not Access.write:
                    continue
                out += _raci_gaps(key, entry, severity)
    for who, held in sorted(sole_touchpoints.items()):
        important = [h for h in held if h[1].weight >= Criticality.high.weight]
        if not important:
            continue
        critical = [h for h in important if h[1] is Criticality.critical]
        every_role = all(h[2] for h in important)
        severity = (
            Severity.critical
            if critical and every_role
            else Severity.high
            if critical
            else Severity.medium
        )
        roles = "every role" if every_role else "the only owner"
        out.append(
            finding(
                Kind.bus_factor,
                severity,
                who,
                f"{who.split('/', 1)[1]} holds {roles} on {len(important)} touchpoints of "
                f"critical or high flows ({len(critical)} critical): nobody else can decide or act",
                "Name a second responsible person and a separate approver for these touchpoints, "
                "and have them shadow the next change and the next drill.",
                evidence=sorted({h[0] for h in important}),
            )
        )
    out += _unowned(estate)
    return Ownership(out, {k: sorted(set(v)) for k, v in sole.items()})


def _raci_gaps(key: str, entry: RaciEntry | None, severity: Severity) -> list[Finding]:
    if entry is None or not (entry.responsible or entry.accountable):
        what = "has no RACI entry" if entry is None else "has no responsible or accountable party"
        return [
            finding(
                Kind.no_raci_owner,
                severity,
                key,
                f"the write {key.removeprefix('touchpoints/')} {what}",
                "Add a RACI entry: who is responsible, who is accountable, who authorises "
                "changes, who tests new flows and who approves API access.",
            )
        ]
    gaps = []
    for kind, value, role in (
        (Kind.no_change_authoriser, entry.authorises_changes, "authorises changes"),
        (Kind.no_tester, entry.tests_new_flows, "tests new or changed flows"),
        (Kind.no_api_access_approver, entry.approves_api_access, "approves API access"),
    ):
        if value is None:
            gaps.append(
                finding(
                    kind,
                    severity,
                    key,
                    f"nobody {role} for {key.removeprefix('touchpoints/')}",
                    f"Name who {role} in the RACI entry of this touchpoint.",
                )
            )
    return gaps


def _unowned(estate: Estate) -> list[Finding]:
    out = []
    for f in estate.flows:
        if f.owner_team is None:
            out.append(
                finding(
                    Kind.no_owner,
                    max(criticality_severity(f.criticality.weight), Severity.low, key=_order),
                    f"flows/{f.id}",
                    f"flow {f.name} has no owner team",
                    "Give the flow an owner_team, or retire it if nobody needs it.",
                )
            )
    for collection, severity, why in (
        ("credentials", Severity.medium, "nobody rotates or revokes it"),
        ("systems", Severity.low, "nobody answers for its changes and outages"),
        ("platforms", Severity.medium, "nobody upgrades or restores it"),
    ):
        for element in getattr(estate, collection):
            if element.owner_team is None:
                out.append(
                    finding(
                        Kind.no_owner,
                        severity,
                        f"{collection}/{element.id}",
                        f"{element.name} has no owner team: {why}",
                        "Set owner_team to the team that answers for it.",
                    )
                )
    return out


def _order(severity: Severity) -> int:
    return -severity.rank
