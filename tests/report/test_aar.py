"""The after-action report: built from a hand-written log over the demo plan and scenario."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from flowdrill.estate.model import Estate
from flowdrill.exercise import events as ev
from flowdrill.exercise.plan import Plan
from flowdrill.report import (
    AfterActionReport,
    Consequence,
    DatasetVerdict,
    IntegrityVerdict,
    InvariantViolation,
    action_items_csv,
    build_report,
    render_html,
    render_markdown,
)
from flowdrill.report.aar import NOT_RATED, SECTIONS, quality_summary, quality_text
from flowdrill.report.backlog import COLUMNS
from flowdrill.scenario.model import Scenario
from flowdrill.service import drills
from flowdrill.service.workspace import open_workspace

METRIC_NAMES = (
    "time to detect",
    "time to acknowledge",
    "time to escalate",
    "time to runbook activation",
    "time to contain",
    "time to recover",
    "decision latency",
    "information visibility",
)
#: Phrases that put blame on a person; the generated wording must never use them.
BLAME = (
    "failed to",
    "fault of",
    "to blame",
    "blamed",
    "should have",
    "human error",
    "negligen",
    "careless",
    "incompetent",
    "mistake by",
    "did not bother",
)
WALL = 1_717_236_000.0  # 2024-06-01 10:00 UTC
XSS = "<script>alert('x')</script>"

Demo = tuple[Plan, Scenario, Estate]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    ws = open_workspace(demo=True)
    out: Path = tmp_path_factory.mktemp("out")
    stored = drills.generate(ws, seed=1, out=out)
    _, plan, scenario = drills.make_plan(ws, stored.scenario.id, out=out)
    return plan, scenario, ws.estate


def people_in(plan: Plan) -> tuple[str, str]:
    """The incident lead's and the platform engineer's person ids (the log refers to them)."""
    by_role = {a.role.value: a.person for a in plan.roles}
    return by_role["incident_lead"], by_role["platform_engineer"]


def log(plan: Plan, scenario: Scenario) -> list[ev.Event]:
    lead, engineer = people_in(plan)
    boxes = [ev.PhaseBox(phase=p.phase.value, minutes=p.minutes) for p in plan.phases]
    flow = "n8n.shopify-order-intake"
    return [
        ev.Started(
            at=0, plan=plan.id, scenario=scenario.id, phases=boxes, wall=WALL, by="facilitator"
        ),
        ev.ImpactChanged(at=5, state="started", detail="sales orders rejected with 401"),
        ev.AlertRaised(
            at=8, alert="a1", monitor="mon-order-intake-failures", flow=flow, message="12% failed"
        ),
        ev.InjectDelivered(
            at=8, inject="i1", kind="alert", channel="pagerduty", sender="monitoring",
            message="ALERT order intake failures",
        ),
        ev.InjectDelivered(
            at=9, inject="n2", kind="noise", channel="phone", sender="Leo Fischer",
            message="The printer is out of toner.", noise=True,
        ),
        ev.AlertRaised(
            at=10, alert="a2", monitor="mon-order-intake-volume", flow=flow, message="volume low"
        ),
        ev.AlertAcknowledged(at=11, alert="a1", by=engineer),
        ev.FlowIdentified(at=12, flow="n8n.payment-sync", correct=False, by="platform_engineer"),
        ev.FlowIdentified(at=14, flow=flow, correct=True, by="platform_engineer"),
        ev.PhaseAdvanced(at=15, phase="triage", by="facilitator"),
        ev.DecisionRecorded(
            at=16, decision="d1", what="Pause order intake", rationale=f"Stop bad data {XSS}",
            alternatives=["Keep running and retry"], confidence="high", inject="i1", by=lead,
        ),
        ev.ApprovalRequested(at=16, decision="d1", approver_role="incident lead"),
        ev.ApprovalGiven(at=18, decision="d1", by=lead, note="Agreed with Priya Raman"),
        ev.ActionTaken(
            at=19, action="pause_flow", target=flow, decision="d1",
            runbook="rb-shopify-order-intake",
        ),
        ev.Escalated(at=20, to="tomas-eklund", reason="customer impact"),
        ev.ImpactChanged(at=21, state="contained"),
        ev.DecisionRecorded(at=24, decision="d2", what="Tell customer care", rationale="asked"),
        ev.ObservationRecorded(at=25, task="escalation.1", rating="P", notes="quick ack"),
        ev.ObservationRecorded(at=25, task="escalation.2", rating="S"),
        ev.ObservationRecorded(at=26, task="runbooks.1", rating="M", notes="no runbook link"),
        ev.ObservationRecorded(at=26, task="runbooks.2", rating="S"),
        ev.PhaseAdvanced(at=35, phase="containment"),
        ev.NearMissRecorded(
            at=36, what="A replay nearly started before the pause",
            consequence_avoided="duplicate sales orders", by=engineer,
        ),
        ev.PhaseAdvanced(at=40, phase="recovery"),
        ev.ActionTaken(at=45, action="replay", target=flow, runbook="rb-shopify-order-intake"),
        ev.ImpactChanged(at=50, state="recovered"),
        ev.ObservationRecorded(at=52, task="runbooks.3", rating="U", notes="reconcile unclear"),
        ev.ObservationRecorded(at=53, task="extra.1", rating="S", notes="ad-hoc task"),
        ev.PhaseAdvanced(at=55, phase="review"),
        ev.Ended(at=70),
    ]  # fmt: skip


INTEGRITY = IntegrityVerdict(
    restored=False,
    checked_at=50,
    datasets=[
        DatasetVerdict(dataset="payments", expected=100, present=100),
        DatasetVerdict(
            dataset="orders",
            expected=120,
            present=123,
            duplicated=3,
            violated_invariants=[
                InvariantViolation(
                    id="orders-unique", description="one row per order", count=3,
                    examples=["order 1042 twice"],
                )
            ],
            examples=["order 1042 appears twice"],
        ),
    ],
)  # fmt: skip


def report(demo: Demo, **kwargs: object) -> AfterActionReport:
    plan, scenario, estate = demo
    return build_report(
        plan=plan,
        scenario=scenario,
        estate=estate,
        events=kwargs.pop("events", None) or log(plan, scenario),  # type: ignore[arg-type]
        integrity=kwargs.pop("integrity", INTEGRITY),  # type: ignore[arg-type]
        exercise_id="ex-1",
        **kwargs,  # type: ignore[arg-type]
    )


def rendered(r: AfterActionReport) -> dict[str, str]:
    return {"md": render_markdown(r), "html": render_html(r), "csv": action_items_csv(r)}


# --------------------------------------------------------------------------- content


def test_every_section_is_present_in_markdown_and_html(demo: Demo) -> None:
    out = rendered(report(demo))
    for title in SECTIONS.values():
        assert f"## {title}" in out["md"]
        assert f"<h2>{title}</h2>" in out["html"]


def test_metric_names_are_exact_and_never_an_acronym(demo: Demo) -> None:
    out = rendered(report(demo))
    for text in (out["md"], out["html"]):
        for name in METRIC_NAMES:
            assert name in text
        assert "mttr" not in text.lower()


def test_metrics_are_measured_against_the_time_boxes(demo: Demo) -> None:
    r = report(demo)
    rows = {row.name: row for row in r.metrics.rows}
    assert rows["time to detect"].value == 9 and rows["time to detect"].within is True
    assert rows["time to acknowledge"].value == 3
    assert rows["time to escalate"].value == 15
    assert rows["time to runbook activation"].value == 5
    assert rows["time to contain"].value == 7
    assert rows["time to recover"].value == 36
    assert r.metrics.decision_latency.median == 8
    triage = next(p for p in r.metrics.phases if p.phase == "triage")
    assert triage.minutes == 20 and triage.over


def test_objective_rating_is_the_worst_rated_task(demo: Demo) -> None:
    r = report(demo)
    ratings = {o.id: o.rating for o in r.objectives}
    assert ratings == {"escalation": "S", "runbooks": "U", "communication": NOT_RATED}
    escalation = next(o for o in r.objectives if o.id == "escalation")
    assert [t.rating for t in escalation.tasks] == ["P", "S", None]
    assert [o.task for o in r.other_observations] == ["extra.1"]


def test_timeline_holds_every_event_in_time_order(demo: Demo) -> None:
    plan, scenario, _ = demo
    r = report(demo)
    assert len(r.timeline) == len(log(plan, scenario))
    assert [t.at for t in r.timeline] == sorted(t.at for t in r.timeline)
    wrong = next(t for t in r.timeline if "n8n.payment-sync" in t.text)
    assert "not the affected flow" in wrong.text


def test_decision_log_has_rationale_approvals_inject_and_latency(demo: Demo) -> None:
    r = report(demo)
    d1, d2 = r.decisions
    assert d1.approval == "approved" and d1.inject == "i1" and d1.latency == 8
    assert [a.kind for a in d1.approvals] == ["requested", "approved"]
    assert d1.alternatives == ["Keep running and retry"] and d1.actions
    assert d2.approval == "none"


def test_decision_quality_joins_the_evaluators_rating_and_the_measured_consequence(
    demo: Demo,
) -> None:
    plan, scenario, _ = demo
    events = log(plan, scenario)
    d1 = next(i for i, e in enumerate(events, 1) if isinstance(e, ev.DecisionRecorded))
    events.append(ev.ObservationRecorded(at=69, task="extra.2", rating="S", moment=d1))
    helped = Consequence(
        at=70, damage_with=3, damage_without=40, restored_with=True, restored_without=False
    )
    r = report(demo, events=events, consequences={"d1": helped})
    first, second = r.decisions
    assert first.rating == "S" and first.consequence == helped and helped.prevented == 37
    assert second.rating is None and second.consequence is None
    text = quality_text(first)
    assert text.startswith("rated S: performed with some challenges")
    assert "prevented 37 bad records (40 without them, 3 with them at T+70)" in text
    assert "restored only with them" in text
    assert quality_text(second) == "not rated; no action on the estate to measure"
    summary = quality_summary(r.decisions)
    assert summary.startswith("1 of 2 decision(s) acted on the estate: 1 prevented")
    pages = rendered(r)
    assert "prevented 37 bad records" in pages["md"] and "prevented 37 bad records" in pages["html"]


def test_findings_follow_from_the_log(demo: Demo) -> None:
    r = report(demo)
    improvements = " ".join(f.title for f in r.improvements)
    strengths = " ".join(f.title for f in r.strengths)
    assert "Phases over their time box" in improvements
    assert "Alerts not acknowledged" in improvements
    assert "Decisions without a recorded approval" in improvements
    assert "Data integrity not restored: orders" in improvements
    assert "Find and open the applicable runbook" in improvements  # rated M
    assert "Acknowledge the first alert" in strengths  # rated P
    timed = next(f for f in r.strengths if f.title == "Timed metrics within their time boxes")
    assert "time to detect 9 min" in timed.observation
    for f in r.improvements:
        assert f.observation and f.contributing_factors and f.recommendation


def test_integrity_verdict_carries_its_evidence(demo: Demo) -> None:
    r = report(demo)
    assert r.integrity.verdict == "not restored" and "3 duplicated" in r.integrity.summary
    assert "order 1042 appears twice" in render_markdown(r)
    assert report(demo, integrity=None).integrity.verdict == "not verified"


def test_improvement_plan_dates_count_from_today(demo: Demo) -> None:
    by_default = report(demo)
    assert by_default.generated_for == date(2024, 6, 1)  # the exercise's own date
    r = report(demo, today=date(2025, 1, 10))
    assert r.improvement_plan and len(r.improvement_plan) == len(r.improvements)
    for action in r.improvement_plan:
        assert action.start == date(2025, 1, 10) < action.due
        assert action.status == "open" and action.owner_team and action.validation_milestone
    owners = {a.owner_team for a in r.improvement_plan}
    assert owners <= {t.id for t in demo[2].teams}


def test_near_misses_and_participants_are_reported(demo: Demo) -> None:
    r = report(demo)
    assert [n.what for n in r.near_misses] == ["A replay nearly started before the pause"]
    assert {p.role for p in r.participants} == {a.role.value for a in demo[0].roles}
    assert all(p.name is None for p in r.participants)


def test_the_same_log_gives_the_same_report(demo: Demo) -> None:
    assert report(demo) == report(demo)


# --------------------------------------------------------------------------- blameless


def test_names_appear_only_when_the_facilitator_opts_in(demo: Demo) -> None:
    plan, _, _ = demo
    lead, _ = people_in(plan)
    lead_name = next(a.name for a in plan.roles if a.person == lead)
    hidden = rendered(report(demo))
    for text in hidden.values():
        for name in (lead_name, lead, "Priya Raman", "Leo Fischer", "Tomas Eklund"):
            assert name not in text
    assert "incident lead" in hidden["md"]
    shown = rendered(report(demo, name_people=True))
    assert lead_name in shown["md"] and lead_name in shown["html"]
    assert "Priya Raman" in shown["md"]


@pytest.mark.parametrize("name_people", [False, True])
def test_wording_is_blameless(demo: Demo, name_people: bool) -> None:
    for text in rendered(report(demo, name_people=name_people)).values():
        lowered = text.lower()
        for phrase in BLAME:
            assert phrase not in lowered, phrase


# --------------------------------------------------------------------------- formats


def test_action_items_csv_parses_back_one_row_per_action(demo: Demo) -> None:
    r = report(demo)
    text = action_items_csv(r)
    assert text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert tuple(rows[0].keys()) == COLUMNS
    assert len(rows) == len(r.improvement_plan)
    for row, action in zip(rows, r.improvement_plan, strict=True):
        assert row["id"] == action.id and row["owner_team"] == action.owner_team
        assert date.fromisoformat(row["due_date"]) == action.due
        assert row["status"] == "open"


class _Checker(HTMLParser):
    """Fails on a closing tag that does not match the open one; counts script tags."""

    VOID = frozenset({"meta", "link", "br", "hr", "img", "input", "col", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.scripts = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_well_formed_and_escapes_user_text(demo: Demo) -> None:
    page = render_html(report(demo))
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == []
    assert checker.scripts == 0 and "<script>" not in page
    assert "&lt;script&gt;" in page
    assert XSS in "".join(checker.text)  # shown as text, exactly as typed
    assert "http://" not in page and "https://" not in page  # nothing fetched from a CDN


def test_markdown_escapes_user_text(demo: Demo) -> None:
    md = render_markdown(report(demo))
    assert re.search(r"(?<!\\)<", md) is None  # every < is escaped
    assert r"\<script>" in md


def test_an_undetected_failure_is_an_area_for_improvement(demo: Demo) -> None:
    plan, scenario, estate = demo
    boxes = [ev.PhaseBox(phase=p.phase.value, minutes=p.minutes) for p in plan.phases]
    events: list[ev.Event] = [
        ev.Started(at=0, plan=plan.id, scenario=scenario.id, phases=boxes, wall=WALL),
        ev.ImpactChanged(at=5, state="started"),
        ev.AlertRaised(at=9, alert="a1", monitor="mon-order-intake-volume", message="low"),
        ev.FlowIdentified(at=20, flow="n8n.payment-sync", correct=False),
        ev.Ended(at=30, reason="time is up"),
    ]
    r = build_report(
        plan=plan, scenario=scenario, estate=estate, events=events, integrity=None,
        exercise_id="ex-2",
    )  # fmt: skip
    titles = [f.title for f in r.improvements]
    assert "time to detect: not reached" in titles
    assert "Business state not verified" in titles
    assert all(o.rating == NOT_RATED for o in r.objectives)
    undetected = r.improvements[titles.index("time to detect: not reached")]
    assert any("n8n.payment-sync" in f for f in undetected.contributing_factors)
    assert "not verified" in render_markdown(r)
    with pytest.raises(ValueError, match="today"):
        build_report(
            plan=plan, scenario=scenario, estate=estate, events=[], integrity=None,
            exercise_id="ex-3",
        )  # fmt: skip


def _with_feedback(demo: Demo, *, name_people: bool) -> AfterActionReport:
    plan, scenario, estate = demo
    events = [
        *log(plan, scenario),
        ev.FeedbackSubmitted(at=71, rating=5, what_worked="Realistic injects", by="developer"),
        ev.FeedbackSubmitted(
            at=72, rating=2, what_to_improve="Too many noise messages", anonymous=True
        ),
        ev.FeedbackSubmitted(at=73, rating=3, by="security"),
    ]
    return build_report(
        plan=plan,
        scenario=scenario,
        estate=estate,
        events=events,
        integrity=INTEGRITY,
        exercise_id="ex-1",
        name_people=name_people,
    )


def test_participant_feedback_summary_and_comments(demo: Demo) -> None:
    hidden = _with_feedback(demo, name_people=False).feedback
    assert (hidden.count, hidden.average) == (3, 3.33)
    assert (hidden.spread.median, hidden.spread.minimum, hidden.spread.maximum) == (3, 2, 5)
    assert hidden.distribution == {1: 0, 2: 1, 3: 1, 4: 0, 5: 1}
    assert [c.rating for c in hidden.comments] == [5, 2]  # a bare rating has no comment
    assert all(c.by is None for c in hidden.comments)
    shown = _with_feedback(demo, name_people=True)
    worked, anonymous = shown.feedback.comments
    assert worked.by == "developer" and not worked.anonymous
    assert anonymous.by is None and anonymous.anonymous
    md = render_markdown(shown)
    html = render_html(shown)
    assert (
        "Too many noise messages" in md and "| 2 |  | Too many noise messages | anonymous |" in md
    )
    assert "average rating 3.33 of 5" in md and "average rating 3.33 of 5" in html
    assert "<td>anonymous</td>" in html
    assert "No participant feedback was submitted." in render_markdown(report(demo))
