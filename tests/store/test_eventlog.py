"""The event log on a real database: durable appends, chained hashes, tamper detection."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text, update

from flowdrill.store.db import open_database
from flowdrill.store.eventlog import EventLog, ExerciseNotFound, verify_jsonl
from flowdrill.store.tables import events


@pytest.fixture
def log(database_url: str) -> Iterator[EventLog]:
    log = EventLog(open_database(database_url))
    yield log
    log.close()


def test_events_come_back_in_order_with_a_valid_chain(log: EventLog) -> None:
    ex = log.create_exercise(title="Drill", plan_id="plan-1")
    for i in range(5):
        log.append(ex, "message_posted", {"text": f"update {i}", "channel": "incident"}, at=i * 1.5)
    stored = log.events(ex)
    assert [e.seq for e in stored] == [1, 2, 3, 4, 5]
    assert stored[2].data == {"channel": "incident", "text": "update 2"}
    assert stored[1].prev_hash == stored[0].hash
    assert log.verify(ex) == []
    assert log.exercises()[0]["events"] == 5


def test_migrations_are_idempotent(database_url: str) -> None:
    open_database(database_url).dispose()
    engine = open_database(database_url)
    assert EventLog(engine).exercises() == []
    engine.dispose()


def test_unknown_exercise_is_a_clean_error(log: EventLog) -> None:
    with pytest.raises(ExerciseNotFound):
        log.append("ex-missing", "x", {}, at=0)
    with pytest.raises(ExerciseNotFound):
        log.events("ex-missing")


def test_an_edit_in_the_database_is_found(log: EventLog) -> None:
    ex = log.create_exercise(title="Drill")
    for i in range(4):
        log.append(ex, "decision_recorded", {"what": f"d{i}"}, at=i)
    with log.engine.begin() as conn:
        conn.execute(
            update(events).where(events.c.seq == 3).values(data=json.dumps({"what": "changed"}))
        )
    (problem,) = log.verify(ex)
    assert problem.seq == 3 and "edited" in problem.what


def test_a_deleted_event_is_found(log: EventLog) -> None:
    ex = log.create_exercise(title="Drill")
    for i in range(4):
        log.append(ex, "alert_raised", {"n": i}, at=i)
    with log.engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE seq = 2"))
    problems = log.verify(ex)
    assert problems[0].seq == 3 and "deleted" in problems[0].what


def test_export_and_verify_a_file(log: EventLog) -> None:
    ex = log.create_exercise(title="Drill")
    for i in range(3):
        log.append(ex, "inject_delivered", {"inject": f"i{i}"}, at=i)
    lines = list(log.export_jsonl(ex))
    assert verify_jsonl(lines) == []
    tampered = lines[:]
    tampered[1] = tampered[1].replace('"i1"', '"i9"')
    assert verify_jsonl(tampered)[0].seq == 2
    assert "not JSON" in verify_jsonl([*lines[:2], "{oops\n"])[0].what


def test_concurrent_appends_never_fork_the_chain(log: EventLog) -> None:
    ex = log.create_exercise(title="Drill")

    def writer(n: int) -> None:
        for i in range(10):
            log.append(ex, "message_posted", {"writer": n, "i": i}, at=i)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = log.events(ex)
    assert [e.seq for e in stored] == list(range(1, 41))
    assert log.verify(ex) == []
