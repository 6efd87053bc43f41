"""The REST API: a whole drill over JSON, the error shapes, and live events by SSE."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, Harness


def _token(client: TestClient, path: str, body: dict[str, str]) -> dict[str, str]:
    r = client.post(path, json=body)
    assert r.status_code == 200, r.text
    data: dict[str, str] = r.json()
    return {"Authorization": f"Bearer {data['token']}"}


def test_a_drill_over_the_api(harness: Harness) -> None:
    c = harness.client
    fac = _token(c, "/api/login", {"username": "fac", "password": PASSWORD})
    plans = c.get("/api/plans", headers=fac).json()
    assert plans[0]["id"] == harness.plan
    ex = c.post("/api/exercises", json={"plan": harness.plan, "speed": 2}, headers=fac).json()
    exercise = ex["id"]
    invite = c.post(
        f"/api/exercises/{exercise}/invites", json={"role": "security"}, headers=fac
    ).json()
    assert invite["url"].endswith(invite["token"])
    sec = _token(c, "/api/join", {"token": invite["token"]})
    base = f"/api/exercises/{exercise}/commands"
    r = c.post(
        f"{base}/decision",
        json={"what": "rotate the key", "rationale": "it leaked", "approver": "incident_lead"},
        headers=sec,
    )
    assert r.status_code == 200 and [e["type"] for e in r.json()["events"]][:2] == [
        "decision_recorded",
        "approval_requested",
    ]
    refused = c.post(f"{base}/approval", json={"decision": "d1"}, headers=sec)
    assert refused.status_code == 403 and "incident_lead" in refused.json()["error"]
    assert c.post(f"{base}/approval", json={"decision": "d1"}, headers=fac).status_code == 200
    r = c.post(f"{base}/action", json={"action": "pause_flow", "target": "x"}, headers=sec)
    assert r.status_code == 403  # security may not pause flows
    board = c.get(f"/api/exercises/{exercise}", headers=sec).json()
    assert board["status"] == "running" and board["decisions"][0]["approved"] is True
    assert "injects" not in board  # the script stays with the facilitator
    events = c.get(f"/api/exercises/{exercise}/events?after=1", headers=sec).json()
    assert [e["seq"] for e in events] == list(range(2, 2 + len(events)))
    stream = c.get(f"/api/exercises/{exercise}/stream?follow=false&after=1", headers=sec)
    frames = [
        json.loads(line[6:]) for line in stream.text.splitlines() if line.startswith("data: ")
    ]
    assert [f["seq"] for f in frames] == [e["seq"] for e in events]
    assert c.post(f"{base}/end", json={}, headers=sec).status_code == 403
    assert c.post(f"{base}/end", json={"reason": "done"}, headers=fac).status_code == 200
    late = c.post(f"{base}/message", json={"channel": "#x", "text": "hi"}, headers=sec)
    assert late.status_code == 409 and "ended" in late.json()["error"]


def test_api_errors_are_json_with_their_status(harness: Harness) -> None:
    c = harness.client
    assert c.get("/api/plans").json() == {
        "error": "send 'Authorization: Bearer TOKEN' (POST /api/login or /api/join)",
        "status": 401,
    }
    fac = _token(c, "/api/login", {"username": "fac", "password": PASSWORD})
    assert c.get("/api/exercises/nope", headers=fac).status_code == 404
    r = c.post("/api/exercises", json={"plan": ""}, headers=fac)
    assert r.status_code == 422 and "plan" in r.json()["error"]
    assert c.post("/api/exercises", json={"plan": "nope"}, headers=fac).status_code == 400
    assert c.post("/api/join", json={"token": "nope"}).status_code == 403
    cookie_only = harness.facilitator()  # a browser session is no API credential
    assert cookie_only.client.get("/api/plans").status_code == 401


def test_openapi_lists_every_operation(harness: Harness) -> None:
    paths = harness.client.get("/openapi.json").json()["paths"]
    ops = {p.rsplit("/", 1)[1] for p in paths if "/commands/" in p}
    assert ops == {
        "pause", "resume", "phase", "inject", "hold", "end", "message", "decision", "approval",
        "action", "ack", "ack_escalation", "identify", "escalate", "nearmiss", "observation",
        "feedback",
    }  # fmt: skip
    assert "/api/exercises/{exercise_id}/artifacts" in paths


def test_html_errors_pick_page_or_fragment(harness: Harness) -> None:
    fac = harness.facilitator()
    page = fac.client.get("/x/nope")
    assert page.status_code == 404 and "<html" in page.text
    fragment = fac.client.get("/x/nope", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and "<html" not in fragment.text
    assert harness.session().client.get("/x/nope").headers["location"].startswith("/login")
