"""Markdown exports: a participant handout (Situation Manual style) and a facilitator guide.

The handout never shows the answers: no failure mode, root cause, inject schedule, expected
actions, success criteria or evaluation guide. The facilitator guide shows all of them, so the
two can be handed to different people from one plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flowdrill.exercise.plan import RATING_SCALE, Plan
from flowdrill.scenario.model import Phase, Scenario

GROUND_RULES = (
    "This is a no-fault exercise: we test the process and the tools, not people.",
    "Respond as you would today, with the people, tools and runbooks you really have.",
    "Record every decision with its rationale in the decision channel.",
    "Say what you would do and who you would ask; the facilitator plays everyone else.",
    "Injects may be incomplete or late, as in a real incident.",
)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _common(plan: Plan, scenario: Scenario) -> list[str]:
    out = [
        "## Exercise overview",
        "",
        f"- **Scenario:** {scenario.title}",
        f"- **Duration:** {scenario.duration_minutes} minutes, five phases",
        f"- **Plan:** {plan.id}",
        "",
        "## Objectives",
        "",
    ]
    for objective in plan.objectives:
        out.append(f"### {objective.title}")
        out.append("")
        out += [f"- {c}" for c in objective.criteria]
        out.append("")
    out += ["## Roles", ""]
    out += _table(
        ["Role", "Person", "Team"],
        ((a.role.value.replace("_", " "), a.name, a.team or "") for a in plan.roles),
    )
    if not plan.leadership_included:
        out += ["Leadership does not take part in this drill (rotation interval).", ""]
    out += ["## Schedule", ""]
    out += _table(
        ["Phase", "Starts", "Minutes", "Goal"],
        ((p.phase.value, f"T+{p.starts_at}", p.minutes, p.goal) for p in plan.phases),
    )
    out += ["## Channels", ""]
    out += _table(
        ["Purpose", "Where", "Use"],
        ((c.purpose.replace("_", " "), c.name, c.description) for c in plan.channels),
    )
    out += ["## Ground rules", ""] + [f"- {r}" for r in GROUND_RULES] + [""]
    out += ["## Situation", "", scenario.narrative, ""]
    out += [f"- {c}" for c in scenario.start_conditions] + [""]
    out += ["## Discussion questions", ""]
    for phase in Phase:
        prompts = [p for p in scenario.prompts if p.phase is phase]
        if prompts:
            out += [f"### {phase.value.capitalize()}", ""]
            out += [f"- {p.question}" for p in prompts] + [""]
    return out


def handout(plan: Plan, scenario: Scenario) -> str:
    """The participant handout: what everyone in the room may know before the drill."""
    lines = [f"# {plan.title}", "", "_Situation Manual: participant handout_", ""]
    lines += _common(plan, scenario)
    return "\n".join(lines).rstrip() + "\n"


def facilitator_guide(plan: Plan, scenario: Scenario) -> str:
    """The facilitator guide: the handout plus the answers, the schedule and the evaluation."""
    lines = [f"# {plan.title}", "", "_Facilitator guide: do not share with participants_", ""]
    lines += _common(plan, scenario)
    lines += ["## Failures (hidden from participants)", ""]
    for f in scenario.failures:
        params = ", ".join(f"{k}={v}" for k, v in f.parameters.items()) or "defaults"
        lines += [
            f"### {f.id}: {f.mode} on {f.target.kind.value} {f.target.id}",
            "",
            f"- Starts at T+{f.starts_at}; shows at step {f.step or 'n/a'}",
            f"- Parameters: {params}",
            f"- Root cause ({f.root_cause.value.replace('_', ' ')}): {f.root_cause_detail}",
            f"- Why this target: {f.reason}",
            "",
        ]
    if scenario.rotation is not None:
        lines += [
            f"A rotation of credential **{scenario.rotation.credential}** is in progress from "
            f"T+{scenario.rotation.started_at}: {scenario.rotation.note}.",
            "",
        ]
    lines += ["## Master scenario events list", ""]
    lines += _table(
        ["T+", "Kind", "From", "Channel", "Message"],
        ((i.at, i.kind.value, i.sender, i.channel, i.message) for i in scenario.injects),
    )
    lines += ["### Conditional injects", ""]
    lines += _table(
        ["When", "Kind", "From", "Message"],
        (
            (
                f"{c.condition.action.value} not done by T+{c.condition.minute}"
                if c.condition.when == "not_done_by"
                else f"after {c.condition.action.value}",
                c.kind.value,
                c.sender,
                c.message,
            )
            for c in scenario.conditional_injects
        ),
    )
    lines += ["### Noise", ""]
    lines += _table(
        ["T+", "Delay", "From", "Channel", "Message"],
        ((n.at, n.delay_minutes, n.sender, n.channel, n.message) for n in scenario.noise),
    )
    lines += ["## Expected actions", ""]
    lines += _table(
        ["Phase", "Action", "Target", "By", "Why"],
        (
            (
                e.phase.value,
                e.action.value,
                e.target.id if e.target else "",
                f"T+{e.by_minute}" if e.by_minute is not None else "",
                e.why,
            )
            for e in scenario.expected_actions
        ),
    )
    lines += ["## Success criteria", ""] + [f"- {c}" for c in scenario.success_criteria] + [""]
    lines += ["## RACI map of touched touchpoints", ""]
    lines += _table(
        ["Touchpoint", "R", "A", "C", "I", "Gaps"],
        (
            (
                r.touchpoint,
                ", ".join(r.responsible),
                r.accountable or "",
                ", ".join(r.consulted),
                ", ".join(r.informed),
                "; ".join(r.gaps) or "none",
            )
            for r in plan.raci
        ),
    )
    lines += ["## Exercise evaluation guide", ""]
    lines += [f"- **{k}**: {v}" for k, v in RATING_SCALE.items()] + [""]
    for objective in plan.objectives:
        lines += [f"### {objective.title}", ""]
        lines += _table(
            ["Critical task", "Phase", "Rating (P/S/M/U)", "Notes"],
            (
                (t.task, t.phase.value if t.phase else "", t.rating or "", t.notes)
                for t in objective.critical_tasks
            ),
        )
    return "\n".join(lines).rstrip() + "\n"
