"""Schemathesis against the OpenAPI schema: generated requests never cause a server error."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.web.conftest import PASSWORD, Harness

#: Streams never end by design (follow=false is tested in test_api.py).
SKIP = ("/stream",)


def test_no_request_causes_a_server_error(harness: Harness) -> None:
    app = harness.client.app
    token = harness.client.post(
        "/api/login", json={"username": "fac", "password": PASSWORD}
    ).json()["token"]
    exercise = harness.client.post(
        "/api/exercises", json={"plan": harness.plan}, headers={"Authorization": f"Bearer {token}"}
    ).json()["id"]
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith(SKIP) or operation.path in ("/api/login", "/api/join"):
            continue

        @settings(
            max_examples=6,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            if "exercise_id" in (case.path_parameters or {}):
                case.path_parameters["exercise_id"] = exercise
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            assert response.status_code < 500, (case.method, case.path, response.text)

        fuzz()
        checked += 1
    assert checked >= 20
