"""Sessions, CSRF, invites, escaping and uploads: the web's security promises."""

from __future__ import annotations

import time

import pytest

from tests.web.conftest import PASSWORD, Harness

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"


def test_wrong_password_and_missing_csrf_are_refused(harness: Harness) -> None:
    s = harness.session()
    bad = s.client.post(
        "/login", data={"username": "fac", "password": "nope", "csrf_token": s.csrf}
    )
    assert bad.status_code == 403
    no_csrf = s.client.post("/login", data={"username": "fac", "password": PASSWORD})
    assert no_csrf.status_code == 403
    fac = harness.facilitator()
    exercise = harness.start(fac)
    forged = fac.client.post(
        f"/x/{exercise}/do/pause", headers={"X-CSRF-Token": "forged", "HX-Request": "1"}
    )
    assert forged.status_code == 403 and "security token" in forged.text
    other = harness.session()  # someone else's valid token does not fit this session
    stolen = fac.client.post(
        f"/x/{exercise}/do/pause", headers={"X-CSRF-Token": other.csrf, "HX-Request": "1"}
    )
    assert stolen.status_code == 403
    assert fac.post(f"/x/{exercise}/do/pause").status_code == 200  # type: ignore[attr-defined]


def test_session_cookie_is_signed_and_http_only(harness: Harness) -> None:
    fac = harness.facilitator()
    cookie = fac.client.cookies.get("flowdrill_session")
    assert cookie
    r = fac.client.get("/login")
    assert "httponly" in r.headers.get("set-cookie", "httponly").lower()
    tampered = harness.session()
    tampered.client.cookies.clear()
    tampered.client.cookies.set("flowdrill_session", cookie[:-6] + "AAAAAA")
    assert tampered.client.get("/").status_code == 303  # tampered: signed out
    fine = harness.session()
    fine.client.cookies.clear()
    fine.client.cookies.set("flowdrill_session", cookie)
    assert fine.client.get("/").status_code == 200


def test_invites_work_once_and_expire(harness: Harness) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    token = harness.invite(fac, exercise, "developer")
    first = harness.session()
    assert first.client.get(f"/join/{token}").status_code == 200  # a preview does not use it
    assert first.client.post(f"/join/{token}", data={"csrf_token": first.csrf}).status_code == 303
    again = harness.session()
    r = again.client.post(f"/join/{token}", data={"csrf_token": again.csrf})
    assert r.status_code == 403 and "already used" in r.text
    web = harness.client.app.state.web  # type: ignore[attr-defined]
    old = web.accounts.create_invite(exercise, person="p", name="p", role="developer", hours=1)
    with web.accounts.engine.begin() as conn:
        from sqlalchemy import update

        from flowdrill.service.web_accounts import invites

        conn.execute(update(invites).values(expires_at=time.time() - 1))
    late = harness.session()
    assert late.client.post(f"/join/{old}", data={"csrf_token": late.csrf}).status_code == 403


FIELDS = {
    "message": ("text", {"channel": "#drill-x", "text": XSS}),
    "decision": ("what", {"what": XSS, "rationale": XSS, "alternatives": XSS}),
    "escalate": ("to", {"to": XSS, "reason": XSS}),
    "nearmiss": ("what", {"what": XSS}),
    "inject": ("message", {"channel": XSS, "message": XSS}),
    "observation": ("notes", {"task": "escalation.1", "rating": "M", "notes": XSS}),
    "action": ("detail", {"action": "notify", "target": XSS, "detail": XSS}),
}


@pytest.mark.parametrize("op", sorted(FIELDS))
def test_free_text_is_escaped_everywhere_it_shows(harness: Harness, op: str) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    r = fac.post(f"/x/{exercise}/do/{op}", FIELDS[op][1])
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    pages = [fac.client.get(f"/x/{exercise}").text]
    pages += [fac.client.get(f"/x/{exercise}/part/{p}").text for p in ("timeline", "channels")]
    pages.append(fac.client.get(f"/x/{exercise}/stream?follow=false").text)
    for page in pages:
        assert "<script>alert" not in page and "<img src=x" not in page
    assert any(
        ESCAPED in page or "\\u003cscript" in page or "&lt;script&gt;" in page for page in pages
    )


def test_a_name_in_an_invite_and_the_approval_note_are_escaped(harness: Harness) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    r = fac.post(f"/x/{exercise}/invites", {"role": "developer", "name": XSS})
    assert "<script>alert" not in r.text and "&lt;script&gt;" in r.text  # type: ignore[attr-defined]
    fac.post(f"/x/{exercise}/do/decision", {"what": "w", "rationale": "r", "approver": "security"})
    fac.post(f"/x/{exercise}/do/approval", {"decision": "d1", "approved": "false", "note": XSS})
    page = fac.client.get(f"/x/{exercise}").text
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_uploads_have_size_and_type_limits(harness: Harness) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    p = harness.participant(fac, exercise, "platform_engineer")

    def upload(name: str, data: bytes) -> int:
        files = {"file": (name, data, "application/octet-stream")}
        return p.post(f"/x/{exercise}/upload", {"note": "evidence"}, files=files).status_code  # type: ignore[attr-defined]

    assert upload("query.csv", b"id,total\n1,10\n") == 200
    assert upload("shot.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10) == 200
    assert upload("evil.html", b"<script>alert(1)</script>") == 415
    assert upload("fake.png", b"<svg onload=alert(1)>") == 415
    assert upload("big.txt", b"a" * (2 * 1024 * 1024 + 1)) == 413
    listing = p.client.get(f"/x/{exercise}/part/artifacts").text
    assert "query.csv" in listing and "evil.html" not in listing
    ident = listing.split(f"/x/{exercise}/artifacts/", 1)[1].split('"', 1)[0]
    got = p.client.get(f"/x/{exercise}/artifacts/{ident}")
    assert got.status_code == 200 and got.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in got.headers["content-security-policy"]


def test_pages_carry_a_strict_content_security_policy(harness: Harness) -> None:
    r = harness.session().client.get("/login")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in r.text  # no inline script anywhere, so the policy can be strict
