"""One reader of the log per exercise and process, shared by all its live streams.

The log is append-only, so the feed keeps what it has read and asks the store only for
events after its last seq: a hundred streams cost one query per poll, not a hundred.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

from flowdrill.service.live_drills import LiveDrills
from flowdrill.store.eventlog import StoredEvent


class Feed:
    def __init__(self, live: LiveDrills, max_age: float) -> None:
        self.live, self.max_age = live, max_age
        self._events: dict[str, list[StoredEvent]] = defaultdict(list)
        self._read_at: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def after(self, exercise_id: str, seq: int, *, since: float = 0.0) -> list[StoredEvent]:
        """Events after ``seq``. The store is asked when what the feed holds is older than
        ``max_age`` seconds or than ``since`` (a wake-up's time); one stream asks for all."""
        async with self._locks[exercise_id]:
            known = self._events[exercise_id]
            read_at = self._read_at.get(exercise_id, -1.0)
            if time.monotonic() - read_at >= self.max_age or read_at < since:
                self._read_at[exercise_id] = time.monotonic()
                newer = await asyncio.to_thread(
                    self.live.stored, exercise_id, after=known[-1].seq if known else 0
                )
                known.extend(newer)
        return known[seq:]  # seq n is at index n - 1
