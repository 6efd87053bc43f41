"""The execution log: participants trace a root cause in a flow's runs, as its platform lists
them, on the page and over the API; what a role may not see stays out of reach."""

from __future__ import annotations

from tests.web.conftest import PASSWORD, Harness


def test_the_affected_flow_shows_its_failing_runs_and_a_healthy_one_does_not(
    harness: Harness,
) -> None:
    fac = harness.facilitator()
    exercise = harness.start(fac)
    web = harness.client.app.state.web  # type: ignore[attr-defined]
    with web.live.use(exercise) as drill:
        drill.advance(20)
        failed = {f: m["failed"] for f, m in drill.sim.flow_metrics().items()}
        broken = max(drill.affected_flows(), key=failed.__getitem__)
        healthy = next(
            f for f in sorted(failed) if f not in drill.affected_flows() and failed[f] == 0
        )
    engineer = harness.participant(fac, exercise, "platform_engineer")
    page = engineer.client.get(f"/x/{exercise}")
    assert 'id="panel-runs"' in page.text and f'<option value="{healthy}">' in page.text
    errors = engineer.client.get(f"/x/{exercise}/runs", params={"flow": broken, "status": "error"})
    assert errors.status_code == 200
    assert "401 Unauthorized" in errors.text and ">error</span>" in errors.text
    assert ">success</span>" not in errors.text  # the filter holds
    fine = engineer.client.get(f"/x/{exercise}/runs", params={"flow": healthy})
    assert fine.status_code == 200 and "Unauthorized" not in fine.text
    assert ">success</span>" in fine.text
    assert "Sample input payload (personal data redacted)" in fine.text
    unknown = engineer.client.get(f"/x/{exercise}/runs", params={"flow": "no-such-flow"})
    assert unknown.status_code == 400 and "no flow &#39;no-such-flow&#39;" in unknown.text


def test_the_api_lists_runs_and_refuses_bad_filters(harness: Harness) -> None:
    c = harness.client
    r = c.post("/api/login", json={"username": "fac", "password": PASSWORD})
    fac = {"Authorization": f"Bearer {r.json()['token']}"}
    exercise = c.post("/api/exercises", json={"plan": harness.plan}, headers=fac).json()["id"]
    web = c.app.state.web  # type: ignore[attr-defined]
    with web.live.use(exercise) as drill:
        drill.advance(20)
        failed = {f: m["failed"] for f, m in drill.sim.flow_metrics().items()}
        broken = max(drill.affected_flows(), key=failed.__getitem__)
    log = c.get(
        f"/api/exercises/{exercise}/runs", params={"flow": broken, "limit": 5}, headers=fac
    ).json()
    assert log["flow"] == broken and 0 < len(log["runs"]) <= 5
    minutes = [run["at"] for run in log["runs"]]
    assert minutes == sorted(minutes, reverse=True) and minutes[0] <= 20
    failing = [run for run in log["runs"] if run["status"] == "error"]
    assert failing and all(run["failed"] > 0 for run in failing)
    assert any("401" in e["message"] for run in failing for e in run["errors"])
    bad = c.get(f"/api/exercises/{exercise}/runs", params={"status": "maybe"}, headers=fac)
    assert bad.status_code == 422
    invite = c.post(
        f"/api/exercises/{exercise}/invites", json={"role": "executive_observer"}, headers=fac
    ).json()
    r = c.post("/api/join", json={"token": invite["token"]})
    boss = {"Authorization": f"Bearer {r.json()['token']}"}
    refused = c.get(f"/api/exercises/{exercise}/runs", headers=boss)
    assert refused.status_code == 403 and "execution log" in refused.json()["error"]
