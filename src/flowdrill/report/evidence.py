"""The evidence appendix: one drill mapped to what regulators and auditors expect of exercise
evidence (what was tested, when, by whom, the findings, remediation and validation), and the
tamper-evidence statement that ties the report to its hash-chained log.

Pure: the caller supplies the head hash and the chain check; RTO/RPO come from the estate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from flowdrill.report.aar import AfterActionReport, minutes


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecoveryObjective(_Model):
    """One touched flow's RTO/RPO against what the drill achieved."""

    flow: str
    flow_name: str
    rto_minutes: int | None
    rpo_minutes: int | None
    time_to_recover: float | None
    rto_met: bool | None
    rpo_met: bool | None


class Requirement(_Model):
    framework: str
    clause: str
    expectation: str
    evidence: list[str]
    status: Literal["evidenced", "partly evidenced", "gap"]


class TamperEvidence(_Model):
    exercise_id: str
    events: int
    head_hash: str | None
    chain_intact: bool
    statement: str


class EvidenceAppendix(_Model):
    requirements: list[Requirement]
    objectives: list[RecoveryObjective]
    tamper: TamperEvidence


def tamper_statement(
    exercise_id: str, *, events: int, head_hash: str | None, chain_intact: bool
) -> TamperEvidence:
    """The log's head hash commits to every event before it: quote it to prove the report was
    built from an unaltered log."""
    if head_hash is None:
        text = f"The log of exercise {exercise_id} holds no events; there is no chain to verify."
    else:
        state = (
            "The chain was verified intact when this report was built."
            if chain_intact
            else "WARNING: the chain did NOT verify when this report was built; the log may "
            "have been altered."
        )
        text = (
            f"This report was built from the append-only log of exercise {exercise_id}: "
            f"{events} events, each carrying the SHA-256 hash of the one before. The hash at "
            f"the head of the log is {head_hash}. {state} Anyone can re-check it with "
            f"'flowdrill audit verify {exercise_id}' or against an exported copy of the log."
        )
    return TamperEvidence(
        exercise_id=exercise_id,
        events=events,
        head_hash=head_hash,
        chain_intact=chain_intact,
        statement=text,
    )


def recovery_objectives(
    report: AfterActionReport, flows: Sequence[tuple[str, str, int | None, int | None]]
) -> list[RecoveryObjective]:
    """``flows``: (id, name, RTO, RPO) of the touched flows. RTO is met when the business state
    was verified within it; RPO when reconciliation found no records missing."""
    recover = next((r.value for r in report.metrics.rows if r.name == "time to recover"), None)
    missing = sum(d.missing for d in report.integrity.datasets)
    verified = report.integrity.verdict != "not verified"
    out = []
    for flow, name, rto, rpo in flows:
        rto_met = None if rto is None else (recover is not None and recover <= rto)
        rpo_met = None if rpo is None or not verified else missing == 0
        out.append(
            RecoveryObjective(
                flow=flow,
                flow_name=name,
                rto_minutes=rto,
                rpo_minutes=rpo,
                time_to_recover=recover,
                rto_met=rto_met,
                rpo_met=rpo_met,
            )
        )
    return out


def build_evidence(
    report: AfterActionReport,
    *,
    tamper: TamperEvidence,
    objectives: Sequence[RecoveryObjective] = (),
) -> EvidenceAppendix:
    o = report.overview
    when = o.started_wall or "date not recorded"
    roles = ", ".join(sorted({p.role_label for p in report.participants})) or "no roles recorded"
    teams = ", ".join(o.organisations) or "no teams recorded"
    threats = "; ".join(f"{t.mode} on {t.target_name}" for t in o.threats) or "no failure"
    tested = f"Tested: {threats} (scenario {o.scenario}, {o.exercise_type.lower()})."
    dated = f"When: {when}; {minutes(o.end_minute, missing='unknown')} of exercise time."
    who = f"By whom: {roles} from {teams}."
    open_ = sum(a.status != "done" for a in report.improvement_plan)
    found = (
        f"Findings: {len(report.strengths)} strength(s), {len(report.improvements)} area(s) "
        "for improvement"
        + (f"; {len(report.near_misses)} near miss(es)." if report.near_misses else ".")
    )
    fix = (
        f"Remediation: {len(report.improvement_plan)} corrective action(s) with owner team, "
        f"due date and status ({open_} open)."
    )
    check = "Validation: each action names the drill that checks it (validation milestone)."
    integrity = f"Data integrity: {report.integrity.verdict}. {report.integrity.summary}"
    chain = f"Tamper evidence: log head hash {tamper.head_hash or 'none'}."
    base = [tested, dated, who]
    has_plan = bool(report.improvement_plan) or not report.improvements

    def status(ok: bool, partly: bool = True) -> Literal["evidenced", "partly evidenced", "gap"]:
        return "evidenced" if ok else ("partly evidenced" if partly else "gap")

    rto_known = [x for x in objectives if x.rto_met is not None]
    rto_lines = [
        f"{x.flow_name}: RTO {minutes(x.rto_minutes, missing='not set')}, "
        f"time to recover {minutes(x.time_to_recover)}: "
        + ("met" if x.rto_met else "not met" if x.rto_met is False else "no RTO set")
        + (
            f"; RPO {minutes(x.rpo_minutes)}: {'met' if x.rpo_met else 'not met'}"
            if x.rpo_met is not None
            else ""
        )
        for x in objectives
    ] or ["No RTO/RPO is recorded for the touched flows."]
    requirements = [
        Requirement(
            framework="DORA (EU 2022/2554)",
            clause="Art. 24–25",
            expectation="ICT resilience testing programme: tests of ICT tools, systems and "
            "processes, scenario-based tests, findings classified and remediated.",
            evidence=[*base, found, fix, check],
            status=status(has_plan),
        ),
        Requirement(
            framework="ISO 22301:2019",
            clause="§8.5 Exercise programme",
            expectation="Exercises consistent with the business continuity objectives, based "
            "on scenarios, producing formalised post-exercise reports with outcomes, "
            "recommendations and actions.",
            evidence=[*base, found, fix, integrity],
            status=status(has_plan and report.integrity.verdict != "not verified"),
        ),
        Requirement(
            framework="ISO/IEC 27001:2022",
            clause="Annex A 5.30 ICT readiness for business continuity",
            expectation="ICT readiness planned, tested and maintained against recovery time "
            "and recovery point objectives (RTO/RPO achieved or not).",
            evidence=[tested, dated, *rto_lines, integrity],
            status=status(bool(rto_known) and all(x.rto_met for x in rto_known), bool(rto_known)),
        ),
        Requirement(
            framework="SOC 2 (TSC 2017)",
            clause="CC7.4 / CC7.5",
            expectation="Incidents are responded to with a defined programme (contain, "
            "remediate, communicate) and recovered from; response plans are tested.",
            evidence=[
                *base,
                "Response measured: "
                + "; ".join(f"{r.name} {minutes(r.value)}" for r in report.metrics.rows),
                fix,
                chain,
            ],
            status=status(has_plan),
        ),
        Requirement(
            framework="PCI DSS v4.0",
            clause="12.10.2",
            expectation="The incident response plan is reviewed and tested at least once every "
            "12 months, including all elements listed in 12.10.1.",
            evidence=[dated, tested, who, found, chain],
            status=status(o.started_wall is not None),
        ),
    ]
    return EvidenceAppendix(requirements=requirements, objectives=list(objectives), tamper=tamper)
