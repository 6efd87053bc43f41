"""Two `flowdrill serve` processes on one PostgreSQL: an event posted to one server reaches a
participant whose live stream is connected to the other."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.postgres import fresh_schema
from tests.web.e2e.conftest import start_server, stop_server


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_schema() as url:
        yield url


def test_an_event_posted_to_one_server_reaches_a_stream_on_the_other(
    pg_url: str, template_ws: tuple[Path, str], tmp_path: Path
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(template_ws[0], root)
    env = {"FLOWDRILL_DATABASE_URL": pg_url}
    one = start_server(root, env)
    try:
        two = start_server(root, env)
    except BaseException:
        stop_server(one)
        raise
    try:
        fac = httpx.post(
            f"{one.url}/api/login", json={"username": "facilitator", "password": two.password}
        ).json()["token"]  # the second server reset the shared account's password
        auth = {"Authorization": f"Bearer {fac}"}
        exercise = httpx.post(
            f"{one.url}/api/exercises", json={"plan": template_ws[1]}, headers=auth
        ).json()["id"]
        invite = httpx.post(
            f"{one.url}/api/exercises/{exercise}/invites", json={"role": "developer"}, headers=auth
        ).json()
        player = httpx.post(f"{two.url}/api/join", json={"token": invite["token"]}).json()
        seen: list[str] = []
        url = f"{two.url}/api/exercises/{exercise}/stream?after=1"
        headers = {"Authorization": f"Bearer {player['token']}"}
        with httpx.stream("GET", url, headers=headers, timeout=10) as stream:
            posted = time.monotonic()
            httpx.post(
                f"{one.url}/api/exercises/{exercise}/commands/message",
                json={"channel": "#drill", "text": "posted on server one"},
                headers=auth,
            ).raise_for_status()
            for line in stream.iter_lines():
                if line.startswith("data: "):
                    frame = json.loads(line[6:])
                    seen.append(frame["data"].get("text", ""))
                    if "posted on server one" in seen:
                        break
            latency = time.monotonic() - posted
        assert "posted on server one" in seen
        assert latency < 3.0
    finally:
        stop_server(one)
        stop_server(two)
