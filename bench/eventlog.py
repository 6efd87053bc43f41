"""Benchmark: durable, hash-chained appends per second against a plain INSERT baseline.

Each flowdrill append is one committed transaction (SQLite WAL, synchronous=FULL) that reads
the chain head, hashes and inserts. The baseline, in the same run and on the same database
kind, is a bare INSERT + COMMIT of a row of the same size through the DB-API driver.
Target: at least 3,000 acknowledged durable events/s on SQLite.

    .venv/bin/python bench/eventlog.py [--events 3000] [--postgres URL]

Without --postgres, FLOWDRILL_TEST_POSTGRES_URL is used when set.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from flowdrill.store.db import open_database, sqlite_url
from flowdrill.store.eventlog import EventLog

TARGET = 3000.0
PAYLOAD = {
    "channel": "incident",
    "text": "Orders are not reaching NetSuite since 10:42",
    "by": "lead",
}


def rate(n: int, action: Callable[[int], None]) -> float:
    start = time.perf_counter()
    for i in range(n):
        action(i)
    return n / (time.perf_counter() - start)


def flowdrill_rates(url: str, n: int) -> tuple[float, float]:
    engine = open_database(url)
    log = EventLog(engine)
    one = log.create_exercise(title="bench")
    single = rate(n, lambda i: log.append(one, "message_posted", PAYLOAD, at=i))
    grouped = log.create_exercise(title="bench-grouped")
    batch = [("message_posted", PAYLOAD, 0.0)] * 100
    start = time.perf_counter()
    for _ in range(n // 100):
        log.append_many(grouped, batch)
    groups = (n // 100) * 100 / (time.perf_counter() - start)
    assert log.verify(one) == [] and log.verify(grouped) == []
    log.close()
    return single, groups


def sqlite_baseline(path: Path, n: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE plain (id INTEGER PRIMARY KEY, data TEXT, hash TEXT)")
    row = (str(PAYLOAD), "0" * 64)

    def insert(_: int) -> None:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO plain (data, hash) VALUES (?, ?)", row)
        conn.execute("COMMIT")

    result = rate(n, insert)
    conn.close()
    return result


def postgres_baseline(url: str, n: int) -> float:
    engine = open_database(url)
    with engine.connect() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_plain"))
        conn.execute(text("CREATE TABLE bench_plain (id serial PRIMARY KEY, data text, hash text)"))
        conn.commit()

        def insert(_: int) -> None:
            conn.execute(
                text("INSERT INTO bench_plain (data, hash) VALUES (:d, :h)"),
                {"d": str(PAYLOAD), "h": "0" * 64},
            )
            conn.commit()

        result = rate(n, insert)
        conn.execute(text("DROP TABLE bench_plain"))
        conn.commit()
    engine.dispose()
    return result


def report(kind: str, baseline: float, single: float, grouped: float) -> None:
    print(f"{kind:<11} plain INSERT+COMMIT  {baseline:>9,.0f}/s  1.00")
    print(f"{kind:<11} flowdrill append     {single:>9,.0f}/s  {single / baseline:.2f}")
    print(f"{kind:<11} flowdrill groups/100 {grouped:>9,.0f}/s  {grouped / baseline:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--postgres", default=os.environ.get("FLOWDRILL_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    print(f"{'database':<11} {'case':<20} {'events/s':>11}  x baseline")
    with tempfile.TemporaryDirectory() as tmp:
        baseline = sqlite_baseline(Path(tmp) / "plain.db", args.events)
        single, grouped = flowdrill_rates(sqlite_url(Path(tmp) / "log.db"), args.events)
    report("sqlite", baseline, single, grouped)
    verdict = "meets" if single >= TARGET else "MISSES"
    print(
        f"sqlite: {single:,.0f} durable appends/s = {single / TARGET:.2f} of the "
        f"{TARGET:,.0f}/s target ({verdict} it)"
    )
    if args.postgres:
        schema_url = args.postgres
        baseline = postgres_baseline(schema_url, args.events)
        single, grouped = flowdrill_rates(schema_url, args.events)
        report("postgresql", baseline, single, grouped)
    else:
        print("postgresql: skipped (pass --postgres URL or set FLOWDRILL_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
