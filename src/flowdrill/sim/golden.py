"""Golden records: a few records traced end to end, so the timeline can tell one order's story.

The first record of each flow (up to a limit) is adopted; the engine notes what happens to
golden records with one vectorised membership test per batch, never per record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from flowdrill.sim.records import Arr


@dataclass(frozen=True)
class TraceEvent:
    at: int
    record: int
    flow: str
    event: str
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class GoldenTrace:
    """The sample of traced records and their events."""

    def __init__(self, flow_ids: list[str], limit: int = 50) -> None:
        self.flow_ids, self.limit = flow_ids, limit
        self.pending = set(range(min(limit, len(flow_ids))))
        self.gids = np.zeros(0, np.int64)
        self.events: list[TraceEvent] = []
        self.hunting: set[int] = set()  # flows whose first record a fault hits is traced too

    def adopt(self, gids: Arr, flows: Arr) -> None:
        """Adopt the first new record of each flow still without one."""
        if not self.pending or not len(gids):
            return
        uniq, first = np.unique(flows, return_index=True)
        chosen = [int(gids[i]) for f, i in zip(uniq, first, strict=True) if int(f) in self.pending]
        self.pending -= {int(f) for f in uniq}
        if chosen:
            self.gids = np.sort(np.append(self.gids, chosen))

    def hunt(self, flows: Arr) -> None:
        """Trace the first record of these flows that a fault hits (one starts on them now);
        with a limit of 0, nothing is traced."""
        if self.limit:
            self.hunting |= {int(f) for f in flows}

    def catch(self, gids: Arr, flows: Arr, hit: Arr) -> Arr:
        """Adopt the first ``hit`` record of each hunted flow; return its indexes in ``gids``."""
        if not self.hunting or not hit.any():
            return np.zeros(0, np.int64)
        idx = np.flatnonzero(hit & np.isin(flows, sorted(self.hunting)))
        uniq, first = np.unique(flows[idx], return_index=True)
        self.hunting -= {int(f) for f in uniq}
        caught = idx[first]
        caught = caught[~np.isin(gids[caught], self.gids)]  # traced already: nothing to adopt
        self.gids = np.sort(np.append(self.gids, gids[caught]))
        return caught

    def telling(self, flows: set[int]) -> int | None:
        """The traced record of ``flows`` whose story says most: the most events other than
        arriving and being delivered intact (then the earliest record); None if no traced
        record of them met trouble."""
        told: dict[int, list[TraceEvent]] = {}
        names = {self.flow_ids[f] for f in flows}
        for e in self.events:
            if e.flow in names:
                told.setdefault(e.record, []).append(e)
        if not told:
            return None

        def says(gid: int) -> tuple[int, int, int]:
            story = told[gid]
            plain = sum(e.event in ("arrived", "delivered") and not e.detail for e in story)
            return (len(story) - plain, len(story), -gid)

        best = max(told, key=says)
        return best if says(best)[0] else None

    def hits(self, gids: Arr) -> Arr:
        """Indexes into ``gids`` of golden records."""
        if not len(self.gids) or not len(gids):
            return np.zeros(0, np.int64)
        return np.flatnonzero(np.isin(gids, self.gids))

    def note(self, at: int, gid: int, flow: int, event: str, detail: str = "") -> None:
        self.events.append(TraceEvent(at, gid, self.flow_ids[flow], event, detail))

    def story(self, gid: int) -> list[TraceEvent]:
        return [e for e in self.events if e.record == gid]
