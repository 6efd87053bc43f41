"""One reader of the log per exercise and process, shared by all its live streams.

The log is append-only, so the feed keeps what it has read and asks the store only for
events after its last seq: a hundred streams cost one query per poll, not a hundred.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable

from flowdrill.service.live_drills import LiveDrills
from flowdrill.store.eventlog import StoredEvent

#: Encoded frames kept for the streams (events never change: one encoding serves them all).
FRAMES_KEPT = 20_000


class Feed:
    def __init__(self, live: LiveDrills, max_age: float) -> None:
        self.live, self.max_age = live, max_age
        self._events: dict[str, list[StoredEvent]] = defaultdict(list)
        self._read_at: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._frames: OrderedDict[tuple[str, int, bool], str] = OrderedDict()

    def frame(self, item: StoredEvent, html: bool, encode: Callable[[StoredEvent], str]) -> str:
        """An event's stream frame, encoded once for every stream that sends it (a hundred
        streams would otherwise encode each event a hundred times)."""
        key = (item.exercise_id, item.seq, html)
        found = self._frames.get(key)
        if found is None:
            found = self._frames[key] = encode(item)
            if len(self._frames) > FRAMES_KEPT:
                self._frames.popitem(last=False)
        return found

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
