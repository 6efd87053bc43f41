"""Browser tests: Debian's Chromium through Playwright, against a real `flowdrill serve`."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
SKIP = "set FLOWDRILL_TEST_CHROMIUM=1 with Debian chromium installed (.ci/run does)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get("FLOWDRILL_TEST_CHROMIUM") and CHROMIUM.exists():
        return
    for item in items:
        if "e2e" in str(item.path):
            item.add_marker(pytest.mark.skip(reason=SKIP))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    password: str
    process: subprocess.Popen[str]


def start_server(workspace: Path, env: dict[str, str] | None = None) -> Server:
    """`flowdrill serve` on a free port; returns once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flowdrill",
            "--workspace",
            str(workspace),
            "serve",
            "--port",
            str(port),
            "--print-login",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})},
    )
    assert process.stdout is not None
    password = ""
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not password and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            raise RuntimeError("flowdrill serve exited before printing its login")
        if found := re.search(r"facilitator / (\S+)", line):
            password = found[1]
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/login", timeout=1).status_code == 200:
                return Server(url, password, process)
        except httpx.HTTPError:
            time.sleep(0.1)
    stop_server(Server(url, password, process))
    raise RuntimeError("flowdrill serve did not answer in 30 s")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    if server.process.stdout is not None:
        server.process.stdout.close()


@pytest.fixture
def server(template_ws: tuple[Path, str], tmp_path: Path) -> Iterator[Server]:
    root = tmp_path / "ws"
    shutil.copytree(template_ws[0], root)
    running = start_server(root)
    try:
        yield running
    finally:
        stop_server(running)
