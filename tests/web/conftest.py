"""Web tests: a demo workspace with one plan, copied per test, and signed-in clients."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from flowdrill.service import drills
from flowdrill.service.workspace import Workspace, init_workspace, open_workspace
from flowdrill.web.app import create_app

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def template_ws(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("template") / "ws"
    ws = init_workspace(root, demo=True)
    stored = drills.generate(ws, seed=1, mode="auth_mismatch")
    _, plan, _ = drills.make_plan(ws, stored.scenario.id)
    return root, plan.id


@pytest.fixture
def workspace(template_ws: tuple[Path, str], tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    shutil.copytree(template_ws[0], root)
    return open_workspace(root)


@pytest.fixture
def plan_id(template_ws: tuple[Path, str]) -> str:
    return template_ws[1]


@dataclass
class Session:
    """A browser-like client: cookies plus the CSRF token of its session."""

    client: TestClient
    csrf: str = ""

    def refresh(self) -> None:
        found = CSRF.search(self.client.get("/login").text)
        assert found, "no CSRF token on the login page"
        self.csrf = found[1]

    def post(self, url: str, data: dict[str, str] | None = None, **kw: object) -> object:
        headers = {"X-CSRF-Token": self.csrf, "HX-Request": "true"}
        return self.client.post(url, data=data or {}, headers=headers, **kw)  # type: ignore[arg-type]


@dataclass
class Harness:
    client: TestClient
    plan: str

    def session(self) -> Session:
        client = TestClient(self.client.app, follow_redirects=False)
        s = Session(client)
        s.refresh()
        return s

    def facilitator(self) -> Session:
        s = self.session()
        r = s.client.post(
            "/login",
            data={"username": "fac", "password": PASSWORD, "csrf_token": s.csrf},
        )
        assert r.status_code == 303, r.text
        s.refresh()
        return s

    def start(self, fac: Session) -> str:
        r = fac.client.post(
            "/exercises", data={"plan": self.plan, "speed": "1", "csrf_token": fac.csrf}
        )
        assert r.status_code == 303, r.text
        return r.headers["location"].rsplit("/", 1)[1]

    def invite(self, fac: Session, exercise: str, role: str) -> str:
        r = fac.post(f"/x/{exercise}/invites", {"role": role, "name": f"{role} person"})
        assert r.status_code == 200, r.text  # type: ignore[attr-defined]
        found = re.search(r'value="(http[^"]+/join/[^"]+)"', r.text)  # type: ignore[attr-defined]
        assert found
        return found[1].split("/join/", 1)[1]

    def participant(self, fac: Session, exercise: str, role: str) -> Session:
        token = self.invite(fac, exercise, role)
        s = self.session()
        r = s.client.post(f"/join/{token}", data={"csrf_token": s.csrf})
        assert r.status_code == 303, r.text
        s.refresh()
        return s


@pytest.fixture
def harness(workspace: Workspace, plan_id: str) -> Iterator[Harness]:
    app = create_app(workspace, clock_seconds=3600)
    app.state.web.accounts.set_password("fac", PASSWORD)
    with TestClient(app, follow_redirects=False) as client:
        yield Harness(client, plan_id)
