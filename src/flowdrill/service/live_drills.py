"""Drills kept open by a server: several requests, a clock task and other server processes
drive the same exercise.

Each operation runs under a lock (a thread lock, plus a PostgreSQL advisory lock when the
store is PostgreSQL) and first folds in whatever other processes appended to the log, so
every process decides on the whole log and the hash chain never forks. The log stays the
only channel between processes: nothing is shared in memory.
"""

from __future__ import annotations

import functools
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from flowdrill.exercise.events import Event
from flowdrill.service.audit import event_log
from flowdrill.service.exercises import Drill
from flowdrill.service.notifications import DeliveryWorker
from flowdrill.service.workspace import Workspace
from flowdrill.store.eventlog import EventLog, StoredEvent

Build = Callable[[Drill], Sequence[Event]]
#: The PostgreSQL NOTIFY channel that wakes other servers' live streams.
CHANNEL = "flowdrill_events"


class LiveDrills:
    """The open drills of one server process."""

    def __init__(
        self,
        ws: Workspace,
        *,
        out: Path | None = None,
        ring: Callable[[str], None] = lambda exercise_id: None,
    ) -> None:
        self.ws, self.out, self.ring = ws, out, ring
        self.reader: EventLog = event_log(ws)
        self._postgres = self.reader.engine.dialect.name == "postgresql"
        self._drills: dict[str, Drill] = {}
        self._senders: dict[str, DeliveryWorker] = {}
        self._locks: dict[str, threading.RLock] = {}
        self._guard = threading.Lock()

    # ------------------------------------------------------------------ opening

    def start(self, plan: str, *, speed: float = 1.0, anonymous_feedback: bool = False) -> str:
        """Start a new exercise from a plan on record; return its id."""
        drill = Drill.start(
            self.ws, plan, speed=speed, out=self.out, anonymous_feedback=anonymous_feedback
        )
        ident = drill.exercise_id
        drill.close()
        return ident

    def exercises(self) -> list[dict[str, object]]:
        return self.reader.exercises()

    def stored(self, exercise_id: str, *, after: int = 0) -> list[StoredEvent]:
        """The log as stored: what live views stream, from any process."""
        return self.reader.events(exercise_id, after=after)

    def _lock(self, exercise_id: str) -> threading.RLock:
        with self._guard:
            return self._locks.setdefault(exercise_id, threading.RLock())

    @contextmanager
    def use(self, exercise_id: str) -> Iterator[Drill]:
        """The drill, up to date with the log, held exclusively while the block runs."""
        with self._lock(exercise_id):
            drill = self._drills.get(exercise_id)
            if drill is None:
                drill = Drill.open(self.ws, exercise_id, out=self.out)
                self._drills[exercise_id] = drill
                if drill.notifier is not None and drill.notifier.reaches_out:
                    log = functools.partial(self._record, exercise_id)
                    self._senders[exercise_id] = DeliveryWorker(drill.notifier, log)
            if not self._postgres:
                drill.catch_up()
                yield drill
                return
            with drill.log.engine.connect() as conn:
                key = {"k": zlib.crc32(exercise_id.encode())}
                conn.execute(text("SELECT pg_advisory_lock(:k)"), key)
                try:
                    drill.catch_up()
                    yield drill
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), key)
                    conn.commit()

    # ------------------------------------------------------------------ driving

    def submit(self, exercise_id: str, build: Build) -> list[Event]:
        """Bring the clock up to now, then check and log the commands ``build`` makes."""
        with self.use(exercise_id) as drill:
            produced = drill.advance(drill.now())
            for command in build(drill):
                produced += drill.submit(command)
        self._announce(exercise_id, produced)
        return produced

    def tick(self, exercise_id: str) -> list[Event]:
        with self.use(exercise_id) as drill:
            produced = drill.advance(drill.now())
        self._announce(exercise_id, produced)
        return produced

    def tick_all(self) -> list[str]:
        """Advance every open, running drill to now (the server's clock task calls this);
        return the exercises that logged something."""
        return [
            ident
            for ident, drill in list(self._drills.items())
            if drill.state.status == "running" and self.tick(ident)
        ]

    def _record(self, exercise_id: str, outcomes: list[Event]) -> None:
        with self.use(exercise_id) as drill:
            logged = drill.record(outcomes)
        self._announce(exercise_id, logged)
        self.ring(exercise_id)

    def drain(self) -> None:
        """Wait until every notification queued so far has been sent and logged."""
        for sender in list(self._senders.values()):
            sender.drain()

    # ------------------------------------------------------------------ fan-out

    def _announce(self, exercise_id: str, produced: Sequence[Event]) -> None:
        """On PostgreSQL, tell the other servers' streams (after the commit, as NOTIFY is)."""
        if not produced or not self._postgres:
            return
        with self.reader.engine.connect() as conn:
            conn.execute(text("SELECT pg_notify(:c, :x)"), {"c": CHANNEL, "x": exercise_id})
            conn.commit()

    def listen(self, ring: Callable[[str], None]) -> Callable[[], None]:
        """Call ``ring(exercise_id)`` when any server logs an event (PostgreSQL LISTEN);
        returns the function that stops listening. On SQLite there is nothing to hear."""
        if not self._postgres:
            return lambda: None
        stop = threading.Event()

        def run() -> None:
            while not stop.is_set():
                try:
                    with self.reader.engine.connect() as conn:
                        raw = conn.execution_options(isolation_level="AUTOCOMMIT")
                        raw.execute(text(f"LISTEN {CHANNEL}"))
                        driver = conn.connection.driver_connection
                        while not stop.is_set():
                            for note in driver.notifies(timeout=0.5):  # type: ignore[union-attr]
                                ring(note.payload)
                except Exception:  # noqa: BLE001 - a lost listener only costs latency
                    stop.wait(1.0)

        thread = threading.Thread(target=run, name="flowdrill-listen", daemon=True)
        thread.start()

        def halt() -> None:
            stop.set()
            thread.join(timeout=2)

        return halt

    def close(self) -> None:
        for sender in self._senders.values():  # outcomes need the drills: before closing them
            sender.close()
        self._senders.clear()
        with self._guard:
            for drill in self._drills.values():
                drill.close()
            self._drills.clear()
        self.reader.close()


def stamp(drill: Drill) -> float:
    """The exercise time for a command made now: never before the last logged event."""
    return max(drill.now(), drill.state.last_at)


def wall() -> float:
    return time.time()
