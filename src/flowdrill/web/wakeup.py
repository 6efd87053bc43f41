"""Wakes waiting live streams early when an exercise changes, instead of at the next poll.

Commands in this process ring it directly; on PostgreSQL a LISTEN thread rings it for
commands other processes ran. A missed ring costs at most one poll interval.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict


class Wakeup:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def ring(self, exercise_id: str) -> None:
        """Thread-safe: wake every stream of this exercise."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._ring, exercise_id)

    def _ring(self, exercise_id: str) -> None:
        for event in self._waiters.get(exercise_id, ()):
            event.set()

    async def wait(self, exercise_id: str, timeout: float) -> bool:
        """Wait for a ring or the timeout; True if rung."""
        event = asyncio.Event()
        self._waiters[exercise_id].add(event)
        try:
            await asyncio.wait_for(event.wait(), timeout)
            return True
        except TimeoutError:
            return False
        finally:
            self._waiters[exercise_id].discard(event)
            if not self._waiters[exercise_id]:
                del self._waiters[exercise_id]
