"""Load benchmark of `flowdrill serve`: N participants connected by SSE and posting.

Bounded: every participant posts once a second for --seconds, then the streams get a few
seconds to drain. Reports errors, lost events (a message some stream never received) and
the p50/p95 round trip of an action (POST sent -> the poster's own stream shows it).
Target: 0 errors, 0 lost events, p95 < 250 ms.

    .venv/bin/python bench/web_load.py [--participants 100] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.web.e2e.conftest import start_server, stop_server


def _workspace(folder: Path) -> tuple[Path, str]:
    from flowdrill.service import drills
    from flowdrill.service.workspace import init_workspace

    ws = init_workspace(folder / "ws", demo=True)
    stored = drills.generate(ws, seed=1, mode="auth_mismatch")
    _, plan, _ = drills.make_plan(ws, stored.scenario.id)
    return ws.root, plan.id


TEXT = re.compile(rb'"text": "([^"]+)"')


class Participant:
    def __init__(self, n: int, token: str) -> None:
        self.n, self.token = n, token
        self.seen: set[str] = set()
        self.sent: dict[str, float] = {}
        self.round_trips: list[float] = []
        self.errors: list[str] = []
        self.connected = asyncio.Event()

    async def listen(self, client: httpx.AsyncClient, url: str, stop: asyncio.Event) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            async with client.stream("GET", url, headers=headers, timeout=None) as stream:
                self.connected.set()
                tail = b""
                async for chunk in stream.aiter_bytes():
                    # One regex per chunk: parsing 40k SSE lines a second in Python would make
                    # the benchmark measure itself rather than the server.
                    data = tail + chunk
                    cut = data.rfind(b"\n\n") + 2
                    data, tail = data[:cut], data[cut:]
                    now = time.perf_counter()
                    for raw in TEXT.findall(data):
                        text = raw.decode()
                        self.seen.add(text)
                        if text in self.sent:
                            self.round_trips.append(now - self.sent[text])
                    if stop.is_set():
                        return
        except (httpx.HTTPError, asyncio.CancelledError) as exc:
            if not stop.is_set():
                self.errors.append(f"stream: {exc!r}")
            self.connected.set()

    async def post(self, client: httpx.AsyncClient, url: str, seconds: float) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        await asyncio.sleep((self.n % 10) / 10)  # spread the posts over each second
        end = time.perf_counter() + seconds
        k = 0
        while time.perf_counter() < end:
            k += 1
            text = f"p{self.n}-{k}"
            self.sent[text] = time.perf_counter()
            try:
                r = await client.post(url, json={"channel": "#load", "text": text}, headers=headers)
                if r.status_code != 200:
                    self.errors.append(f"post {r.status_code}: {r.text[:100]}")
            except httpx.HTTPError as exc:
                self.errors.append(f"post: {exc!r}")
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - self.sent[text])))


async def run(url: str, plan: str, password: str, participants: int, seconds: float) -> int:
    limits = httpx.Limits(max_connections=participants * 2 + 10)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        r = await client.post("/api/login", json={"username": "facilitator", "password": password})
        fac = {"Authorization": f"Bearer {r.json()['token']}"}
        exercise = (await client.post("/api/exercises", json={"plan": plan}, headers=fac)).json()
        ident = exercise["id"]
        people = []
        for n in range(participants):
            invite = await client.post(
                f"/api/exercises/{ident}/invites",
                json={"role": "developer", "name": f"load {n}"},
                headers=fac,
            )
            joined = await client.post("/api/join", json={"token": invite.json()["token"]})
            people.append(Participant(n, joined.json()["token"]))
        stop = asyncio.Event()
        stream_url = f"/api/exercises/{ident}/stream?after=0"
        listeners = [asyncio.create_task(p.listen(client, stream_url, stop)) for p in people]
        await asyncio.gather(*(p.connected.wait() for p in people))
        started = time.perf_counter()
        post_url = f"/api/exercises/{ident}/commands/message"
        await asyncio.gather(*(p.post(client, post_url, seconds) for p in people))
        posted = {text for p in people for text in p.sent}
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and any(posted - p.seen for p in people):
            await asyncio.sleep(0.2)
        stop.set()
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        elapsed = time.perf_counter() - started
    errors = [e for p in people for e in p.errors]
    lost = sum(len(posted - p.seen) for p in people)
    trips = sorted(t * 1000 for p in people for t in p.round_trips)
    p50 = statistics.median(trips) if trips else float("nan")
    p95 = trips[int(len(trips) * 0.95) - 1] if trips else float("nan")
    print(f"participants {participants}, {len(posted)} actions in {elapsed:.1f} s")
    print(f"errors {len(errors)}, lost events {lost}")
    print(f"round trip p50 {p50:.0f} ms, p95 {p95:.0f} ms (target: 0 / 0 / p95 < 250 ms)")
    for error in errors[:5]:
        print("  ", error)
    return 0 if not errors and not lost and p95 < 250 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root, plan = _workspace(Path(folder))
        server = start_server(root)
        try:
            return asyncio.run(
                run(server.url, plan, server.password, args.participants, args.seconds)
            )
        finally:
            stop_server(server)


if __name__ == "__main__":
    sys.exit(main())
