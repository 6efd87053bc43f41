"""SIGKILL at any moment loses no acknowledged event, and the drill resumes from its log."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from flowdrill.service import drills
from flowdrill.service.audit import event_log
from flowdrill.service.exercises import Drill
from flowdrill.service.workspace import init_workspace

KILLS = 20

CHILD = """
import sys
from pathlib import Path
from flowdrill.exercise import events as ev
from flowdrill.service.exercises import Drill
from flowdrill.service.workspace import open_workspace

ws = open_workspace(Path(sys.argv[1]))
drill = Drill.resume(ws, sys.argv[2])
print("READY", flush=True)
n = 0
while True:
    n += 1
    at = drill.state.last_at + 0.25
    drill.advance(at)
    for event in drill.submit(ev.MessagePosted(at=at, channel="incident", text=f"update {n}")):
        pass
    print("ACK", len(drill.events), flush=True)
"""


def test_sigkill_loses_no_acknowledged_event(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws", demo=True)
    stored = drills.generate(ws, seed=2)
    _, plan, _ = drills.make_plan(ws, stored.scenario.id)
    first = Drill.start(ws, plan.id)
    exercise = first.exercise_id
    first.close()
    rng = random.Random(20261129)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    acked_total = 0
    for _ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(ws.root), exercise],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "READY", (
            child.stderr.read() if child.stderr else ""
        )
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        output, _ = child.communicate(timeout=30)
        complete = output.split("\n")[:-1]  # a line cut by the kill was never acknowledged
        acks = [int(line.split()[1]) for line in complete if line.startswith("ACK ")]
        log = event_log(ws)
        in_store = len(log.events(exercise))
        assert log.verify(exercise) == []  # the chain is intact after every kill
        log.close()
        if acks:
            # every event the child was told is committed is in the store
            assert in_store >= acks[-1]
            acked_total += 1
    assert acked_total >= KILLS // 2  # most kills landed while the child was writing
    drill = Drill.resume(ws, exercise)  # and the drill still opens, folded from its log
    assert drill.state.status == "running"
    assert drill.log.verify(exercise) == []
    drill.close()
