"""Role-based access, checked on the server: every role against every route and action.

The expectations are written out by hand (not derived from the code's own tables), so a
change to who may do what shows up here as a failing row.
"""

from __future__ import annotations

import pytest

from flowdrill.notify import policy
from tests.web.conftest import Harness, Session

ACTORS = (
    "anonymous",
    "facilitator",
    "incident_lead",
    "platform_engineer",
    "customer_support",
    "evaluator_scribe",
    "executive_observer",
    "outsider",
)
PLAYERS = ("incident_lead", "platform_engineer", "customer_support")
INSIDE = ("facilitator", *PLAYERS, "evaluator_scribe", "executive_observer")

# operation -> the actors who may run it (everyone else: 403; anonymous: 401)
ACTIONS: dict[str, set[str]] = {
    "message": {"facilitator", *PLAYERS, "evaluator_scribe"},
    "decision": {"facilitator", *PLAYERS},
    "approval": {"facilitator", *PLAYERS, "executive_observer"},
    "action": {"facilitator", "platform_engineer"},  # pause_flow: engineers only
    "ack": {"facilitator", *PLAYERS},
    "ack_escalation": {"facilitator", *PLAYERS},
    "identify": {"facilitator", *PLAYERS},
    "escalate": {"facilitator", *PLAYERS},
    "nearmiss": {"facilitator", *PLAYERS, "evaluator_scribe"},
    "observation": {"facilitator", "evaluator_scribe"},
    "feedback": set(PLAYERS),  # players only: the staff and executives write the report
    "inject": {"facilitator"},
    "hold": {"facilitator"},
    "phase": {"facilitator"},
    "pause": {"facilitator"},
    "resume": {"facilitator"},
    "end": {"facilitator"},
}
# panel -> the actors who may load it
PANELS: dict[str, set[str]] = {
    "board": set(INSIDE),
    "alerts": set(INSIDE),
    "decisions": set(INSIDE),
    "timeline": set(INSIDE),
    "actions": set(INSIDE),
    "approvals": {"facilitator", *PLAYERS, "executive_observer"},
    "metrics": {"facilitator", "evaluator_scribe", "executive_observer"},
    "channels": {"facilitator", *PLAYERS, "evaluator_scribe"},
    "estate": {"facilitator", *PLAYERS, "executive_observer"},
    "observations": {"facilitator", "evaluator_scribe"},
    "tasks": {"facilitator", "evaluator_scribe"},
    "inbox": set(PLAYERS),
    "injects": {"facilitator"},
    "artifacts": {"facilitator", *PLAYERS, "evaluator_scribe"},
    "story": {"facilitator", "evaluator_scribe"},  # it names the cause: not for players
}


def _actor(harness: Harness, fac: Session, exercise: str, who: str) -> Session:
    if who == "anonymous":
        return harness.session()
    if who == "facilitator":
        return fac
    if who == "outsider":
        return harness.participant(fac, harness.start(fac), "platform_engineer")
    return harness.participant(fac, exercise, who)


def _expect(who: str, allowed: set[str], ok: int = 200) -> int:
    if who == "anonymous":
        return 401
    return ok if who in allowed else 403


@pytest.mark.parametrize("who", ACTORS)
def test_every_action_for_every_role(harness: Harness, who: str) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    web = harness.client.app.state.web  # type: ignore[attr-defined]
    with web.live.use(exercise) as drill:
        drill.advance(15)  # alerts are raised by now
        alert = next(iter(drill.state.alerts))
        flow = sorted(drill.affected_flows())[0]
        held = next(i.id for i in drill.scenario.injects if i.id not in drill.state.delivered)
        paged = next(r.id for r in policy.fold(drill.events).values() if r.open)
    approver = who if who in (*PLAYERS, "executive_observer") else "incident_lead"
    fac.post(
        f"/x/{exercise}/do/decision",
        {"what": "setup", "rationale": "needs approval", "approver": approver},
    )
    me = _actor(harness, fac, exercise, who)
    bodies = {
        "message": {"channel": "#drill", "text": "status"},
        "decision": {"what": "pause intake", "rationale": "stop the spread"},
        "approval": {"decision": "d1", "approved": "true"},
        "action": {"action": "pause_flow", "target": flow},
        "ack": {"alert": alert},
        "ack_escalation": {"escalation": paged},
        "identify": {"flow": flow},
        "escalate": {"to": "finance-systems"},
        "nearmiss": {"what": "almost replayed twice"},
        "observation": {"task": "escalation.1", "rating": "S", "notes": "slow"},
        "feedback": {"rating": "4", "what_worked": "clear injects"},
        "inject": {"channel": "#drill", "message": "the CFO asks"},
        "hold": {"inject": held},
        "phase": {},
        "pause": {},
        "resume": {},
        "end": {"reason": "done"},
    }
    got = {op: me.post(f"/x/{exercise}/do/{op}", body).status_code for op, body in bodies.items()}  # type: ignore[attr-defined]
    expected = {op: _expect(who, allowed) for op, allowed in ACTIONS.items()}
    assert got == expected


@pytest.mark.parametrize("who", ACTORS)
def test_every_page_and_panel_for_every_role(harness: Harness, who: str) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    me = _actor(harness, fac, exercise, who)
    hx = {"HX-Request": "true"}
    inside = set(INSIDE)

    def status(url: str) -> int:
        return me.client.get(url, headers=hx).status_code

    got = {name: status(f"/x/{exercise}/part/{name}") for name in PANELS}
    assert got == {name: _expect(who, allowed) for name, allowed in PANELS.items()}
    assert status(f"/x/{exercise}") == _expect(who, inside)
    assert status(f"/x/{exercise}/stream?follow=false") == _expect(who, inside)
    assert status(f"/x/{exercise}/diagram.svg") == _expect(who, inside)
    working = {"facilitator", *PLAYERS, "evaluator_scribe"}
    assert status(f"/x/{exercise}/runs") == _expect(who, working)
    report_ok = {"facilitator", "evaluator_scribe", "executive_observer"}
    assert status(f"/x/{exercise}/report") == _expect(who, report_ok, ok=400)  # not ended yet
    invite = me.post(f"/x/{exercise}/invites", {"role": "developer"}).status_code  # type: ignore[attr-defined]
    assert invite == _expect(who, {"facilitator"})
    home = me.client.get("/").status_code
    assert home == (200 if who == "facilitator" else 303)
    created = me.post("/exercises", {"plan": harness.plan}).status_code  # type: ignore[attr-defined]
    assert created == _expect(who, {"facilitator"}, ok=303)
