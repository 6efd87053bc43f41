"""The after-action report as Markdown: plain text that reads well in a terminal, a pull request
or a wiki, and converts cleanly to PDF or DOCX.

All user text is escaped, so a note with ``<script>`` or a ``|`` neither becomes markup nor
breaks a table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from flowdrill.report.aar import (
    DECISION_LATENCY,
    DECISION_QUALITY,
    INFORMATION_VISIBILITY,
    SECTIONS,
    STORY_TITLE,
    AfterActionReport,
    DecisionEntry,
    Finding,
    approval_text,
    clock,
    minutes,
    percent,
    quality_summary,
    quality_text,
)

_SPECIAL = re.compile(r"([\\`*<\[\]|])")


def _esc(text: object) -> str:
    """Escape Markdown/HTML specials and fold newlines, for text and table cells alike."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_esc(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _section(key: str) -> list[str]:
    return [f"## {SECTIONS[key]}", ""]


def _spread(count: int, median: float | None, low: float | None, high: float | None) -> str:
    if not count:
        return "not measured"
    return f"median {minutes(median)} (min {minutes(low)}, max {minutes(high)}; n = {count})"


def _overview(r: AfterActionReport) -> list[str]:
    o = r.overview
    ended = (
        f"{clock(o.end_minute)} ({o.end_reason or 'no end recorded'})"
        if o.end_minute is not None
        else "no events"
    )
    out = [
        *_section("overview"),
        f"- **Exercise name:** {_esc(o.name)}",
        f"- **Exercise id:** {_esc(o.exercise_id)} (plan {_esc(o.plan)}, "
        f"scenario {_esc(o.scenario)})",
        f"- **Type:** {_esc(o.exercise_type)}",
        f"- **Date and time:** started {_esc(o.started_wall or 'not recorded')} "
        f"at {clock(o.start_minute or 0)}; ended at {_esc(ended)}; "
        f"planned {o.planned_minutes} min; {o.pauses} pause(s)",
        f"- **Scope:** {_esc(o.scope)}",
        f"- **Mission areas:** {_esc(', '.join(o.mission_areas))}",
        f"- **Core capabilities:** {_esc(', '.join(o.core_capabilities))}",
        f"- **Participating organisations:** {_esc(', '.join(o.organisations) or 'none')}",
        f"- **Compound scenario:** {_esc(o.compound)}"
        + (f"; {_esc(o.rotation)}" if o.rotation else ""),
        "",
        "**Objectives**",
        "",
        *(f"{n}. {_esc(t)}" for n, t in enumerate(o.objectives, start=1)),
        "",
        "**Threat or hazard**",
        "",
    ]
    out += _table(
        ["Failure", "Failure mode", "Target", "Starts", "Root cause"],
        (
            (
                h.failure,
                h.mode,
                f"{h.target_kind} {h.target_name} ({h.target})",
                clock(h.starts_at),
                h.root_cause,
            )
            for h in o.threats
        ),
    )
    out += ["**Scenario summary**", "", _esc(o.scenario_summary), ""]
    return out


def _objectives(r: AfterActionReport) -> list[str]:
    out = _section("objectives")
    out += [
        "Rating scale: "
        + "; ".join(f"**{k}** {_esc(v)}" for k, v in r.rating_scale.items())
        + ". An objective takes the rating of its worst-rated critical task.",
        "",
    ]
    for o in r.objectives:
        meaning = f" ({_esc(o.rating_meaning)})" if o.rating_meaning else ""
        out += [
            f"### {_esc(o.title)}: {o.rating}{meaning}",
            "",
            f"Core capability: {_esc(o.core_capability)}.",
            "",
        ]
        out += [f"- {_esc(c)}" for c in o.criteria] + [""]
        out += _table(
            ["Critical task", "Phase", "Rating", "Notes"],
            (
                (f"{t.id}: {t.task}", t.phase or "", t.rating or "not rated", t.notes)
                for t in o.tasks
            ),
        )
    if r.other_observations:
        out += ["### Other observations", ""]
        out += _table(
            ["Time", "Task", "Rating", "Notes"],
            ((clock(x.at), x.task, x.rating, x.notes) for x in r.other_observations),
        )
    return out


def _timeline(r: AfterActionReport) -> list[str]:
    out = _section("timeline")
    if not r.timeline:
        return [*out, "No events were recorded.", ""]
    return out + _table(
        ["Time", "Phase", "Event", "By"],
        ((clock(t.at), t.phase or "", t.text, t.actor or "") for t in r.timeline),
    )


def _decision(d: DecisionEntry) -> list[str]:
    approvals = "; ".join(approval_text(a) for a in d.approvals)
    out = [
        f"### {_esc(d.id)} at {clock(d.at)}: {_esc(d.what)}",
        "",
        f"- **Rationale:** {_esc(d.rationale)}",
        f"- **Alternatives considered:** {_esc('; '.join(d.alternatives) or 'none recorded')}",
        f"- **Confidence:** {d.confidence}",
        f"- **Approval:** {d.approval}" + (f": {_esc(approvals)}" if approvals else ""),
    ]
    if d.inject:
        out.append(
            f"- **Answers inject:** {_esc(d.inject)}"
            + (f" ({_esc(d.inject_summary)})" if d.inject_summary else "")
            + f"; {DECISION_LATENCY} {minutes(d.latency, missing='not measured')}"
        )
    if d.decided_by:
        out.append(f"- **Recorded by:** {_esc(d.decided_by)}")
    if d.phase:
        out.append(f"- **Phase:** {_esc(d.phase)}")
    out.append(f"- **Actions taken:** {_esc('; '.join(d.actions) or 'none')}")
    out.append(f"- **{DECISION_QUALITY.capitalize()}:** {quality_text(d)}")
    return [*out, ""]


def _decisions(r: AfterActionReport) -> list[str]:
    out = _section("decisions")
    if not r.decisions:
        return [*out, "No decisions were recorded.", ""]
    for d in r.decisions:
        out += _decision(d)
    return out


def _metrics(r: AfterActionReport) -> list[str]:
    m = r.metrics
    out = _section("metrics")
    out += _table(
        ["Metric", "Value", "Time box", "Within", "Measured"],
        (
            (
                row.name,
                minutes(row.value),
                f"{minutes(row.timebox, missing='none')} ({row.timebox_basis})",
                {True: "yes", False: "no", None: "n/a"}[row.within],
                row.measured,
            )
            for row in m.rows
        ),
    )
    d, f = m.decision_latency, m.time_to_acknowledge_facts
    out += [
        f"- **{DECISION_LATENCY}** (inject to decision): "
        f"{_spread(d.count, d.median, d.minimum, d.maximum)}",
        f"- **{DECISION_QUALITY}**: {quality_summary(r.decisions)}",
        f"- **{INFORMATION_VISIBILITY}**: {percent(m.information_visibility)} of key facts "
        f"surfaced; alerts acknowledged {m.alerts_acknowledged} of {m.alerts_raised}; "
        f"release to acknowledgement {_spread(f.count, f.median, f.minimum, f.maximum)}",
        "",
        "**Time in each phase against its box**",
        "",
    ]
    out += _table(
        ["Phase", "Minutes", "Time box", "Difference", "Status"],
        (
            (
                p.phase,
                minutes(p.minutes),
                f"{p.timebox} min",
                f"{p.difference:+g} min",
                "over" if p.over else "within",
            )
            for p in m.phases
        ),
    )
    return out


def _notifications(r: AfterActionReport) -> list[str]:
    n = r.notifications
    out = [*_section("notifications"), _esc(n.summary), ""]
    for x in n.escalations:
        acked = (
            f"acknowledged at {clock(x.acknowledged_at)}"
            + (f" by {x.acknowledged_by}" if x.acknowledged_by else "")
            + f" via {x.via} (time to acknowledge {minutes(x.time_to_acknowledge)})"
            if x.acknowledged_at is not None
            else "never acknowledged"
        )
        alert = f", alert {x.alert}" if x.alert else ""
        out += [
            f"### Escalation {_esc(x.id)} ({_esc(x.policy)}){_esc(alert)}",
            "",
            f"Started at {clock(x.started_at)}; {_esc(acked)}; time to escalate "
            f"{minutes(x.time_to_escalate, missing='did not escalate')}.",
            "",
        ]
        out += _table(
            ["Step", "Fired", "Notified", "Channel", "Acknowledged", "Time to acknowledge"],
            (
                (
                    s.step,
                    clock(s.fired_at),
                    ", ".join(s.notified),
                    s.channel,
                    clock(s.acknowledged_at) if s.acknowledged_at is not None else "no",
                    minutes(s.time_to_acknowledge, missing="-"),
                )
                for s in x.steps
            ),
        )
    if n.deliveries:
        out += ["**Deliveries**", ""]
        out += _table(
            ["Time", "Escalation", "Step", "Who", "Channel", "Outcome", "Attempts", "Error"],
            (
                (
                    clock(d.at),
                    d.escalation,
                    d.step,
                    d.party,
                    f"{d.channel} ({d.kind})",
                    d.outcome,
                    d.attempts,
                    d.error,
                )
                for d in n.deliveries
            ),
        )
    return out


def _integrity(r: AfterActionReport) -> list[str]:
    i = r.integrity
    out = [*_section("integrity"), f"**Verdict: {i.verdict}.** {_esc(i.summary)}", ""]
    if i.story is not None:
        s = i.story
        out += [f"{STORY_TITLE}: record {s.record} of {_esc(s.flow_name)} ({_esc(s.flow)}).", ""]
        out += _table(
            ["Time", "What happened", "Detail"],
            ((clock(x.at), x.event, x.detail) for x in s.steps),
        )
    if not i.datasets:
        return out
    out += _table(
        ["Dataset", "Expected", "Present", "Missing", "Duplicated", "Corrupted", "Misrouted"],
        (
            (d.dataset, d.expected, d.present, d.missing, d.duplicated, d.corrupted, d.misrouted)
            for d in i.datasets
        ),
    )
    for d in i.datasets:
        if not d.violated_invariants and not d.examples:
            continue
        out += [f"Evidence for {_esc(d.dataset)}:", ""]
        for v in d.violated_invariants:
            examples = f" (e.g. {_esc('; '.join(v.examples[:5]))})" if v.examples else ""
            out.append(
                f"- invariant {_esc(v.id)}, {_esc(v.description)}: {v.count} violation(s){examples}"
            )
        out += [f"- example: {_esc(x)}" for x in d.examples[:10]]
        out.append("")
    return out


def _findings(key: str, findings: Sequence[Finding], empty: str) -> list[str]:
    out = _section(key)
    if not findings:
        return [*out, empty, ""]
    for f in findings:
        out += [
            f"### {f.id}: {_esc(f.title)}",
            "",
            f"- **Observation:** {_esc(f.observation)}",
            "- **Contributing factors:**",
            *(f"  - {_esc(c)}" for c in f.contributing_factors),
            f"- **Recommendation:** {_esc(f.recommendation)}",
            f"- **Capability element:** {f.capability.value}",
            "",
        ]
    return out


def _near_misses(r: AfterActionReport) -> list[str]:
    out = _section("near_misses")
    if not r.near_misses:
        return [*out, "No near misses were recorded.", ""]
    return out + _table(
        ["Time", "Phase", "What happened", "Consequence avoided", "Reported by"],
        (
            (clock(n.at), n.phase or "", n.what, n.consequence_avoided, n.reported_by or "")
            for n in r.near_misses
        ),
    )


def _improvement_plan(r: AfterActionReport) -> list[str]:
    out = _section("improvement_plan")
    if not r.improvement_plan:
        return [*out, "No corrective actions: no area for improvement was found.", ""]
    return out + _table(
        [
            "Id",
            "Finding",
            "Corrective action",
            "Capability element",
            "Owner team",
            "Start",
            "Due",
            "Validation milestone",
            "Status",
        ],
        (
            (
                a.id,
                a.finding,
                f"{a.action} (target: {a.target})" if a.target else a.action,
                a.capability.value,
                a.owner_team_name,
                a.start.isoformat(),
                a.due.isoformat(),
                a.validation_milestone,
                a.status,
            )
            for a in r.improvement_plan
        ),
    )


def _participants(r: AfterActionReport) -> list[str]:
    out = _section("participants")
    if r.names_shown:
        return out + _table(
            ["Role", "Team", "Name"],
            ((p.role_label, p.team or "", p.name or "") for p in r.participants),
        )
    return out + _table(["Role", "Team"], ((p.role_label, p.team or "") for p in r.participants))


def _feedback(r: AfterActionReport) -> list[str]:
    out = _section("feedback")
    f = r.feedback
    if not f.count:
        return [*out, "No participant feedback was submitted.", ""]
    ratings = ", ".join(f"{k}: {v}" for k, v in sorted(f.distribution.items()))
    out += [
        f"{f.count} feedback form(s); average rating {f.average} of 5 (median "
        f"{f.spread.median}, range {f.spread.minimum}-{f.spread.maximum}; by rating {ratings}).",
        "",
    ]
    if not f.comments:
        return [*out, "No comments were left.", ""]
    headers = ["Rating", "What worked", "What to improve"]
    if r.names_shown:
        headers.append("From")
    rows = (
        (
            str(c.rating),
            c.what_worked,
            c.what_to_improve,
            *([("anonymous" if c.anonymous else c.by or "")] if r.names_shown else []),
        )
        for c in f.comments
    )
    return out + _table(headers, rows)


def render_markdown(report: AfterActionReport) -> str:
    """The whole report as one Markdown document, sections in HSEEP order."""
    lines = [
        f"# After-action report: {_esc(report.title)}",
        "",
        f"Exercise {_esc(report.exercise_id)}; improvement plan dated from "
        f"{report.generated_for.isoformat()}.",
        "",
        f"> {_esc(report.overview.blameless_note)}",
        "",
    ]
    lines += _overview(report)
    lines += _objectives(report)
    lines += _timeline(report)
    lines += _decisions(report)
    lines += _metrics(report)
    lines += _notifications(report)
    lines += _integrity(report)
    lines += _findings("strengths", report.strengths, "No strengths were derived from the log.")
    lines += _findings(
        "improvements", report.improvements, "No areas for improvement were derived from the log."
    )
    lines += _near_misses(report)
    lines += _improvement_plan(report)
    lines += _participants(report)
    lines += _feedback(report)
    return "\n".join(lines).rstrip() + "\n"
