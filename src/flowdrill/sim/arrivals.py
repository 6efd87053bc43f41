"""How many records each flow receives each minute: the volume profile.

Deterministic: a flow's expected volume (``records_per_hour`` shaped by time of day) is
accumulated, and whole records are released when the running total crosses an integer (with a
per-flow phase from the seed). Scheduled flows release what accumulated at their run minutes.
Reference models reuse this, so both see exactly the same arrivals.
"""

from __future__ import annotations

import numpy as np

from flowdrill.sim.records import Arr, salt_of, uniform

#: Share of the average hourly volume per hour of day (mean 1.0).
DIURNAL = (
    0.25, 0.15, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.1, 1.4, 1.6, 1.6,
    1.5, 1.5, 1.6, 1.6, 1.5, 1.4, 1.3, 1.2, 1.1, 0.9, 0.7, 0.5,
)  # fmt: skip
_NORM = 24.0 / sum(DIURNAL)


class ArrivalSchedule:
    """Per-minute arrival counts for every flow."""

    def __init__(
        self,
        rate_per_min: Arr,
        period: Arr,
        offset: Arr,
        *,
        seed: int,
        start_minute_of_day: int = 9 * 60,
        diurnal: bool = True,
    ) -> None:
        self.rate = rate_per_min.astype(np.float64)
        self.period, self.offset = period, offset
        self.start = start_minute_of_day
        self.diurnal = diurnal
        self.acc = np.zeros(len(self.rate))
        self.emitted = np.zeros(len(self.rate), np.int64)
        self.phase = uniform(np.arange(len(self.rate), dtype=np.uint64), salt_of(seed, 7))

    def factor(self, t: int) -> float:
        if not self.diurnal:
            return 1.0
        return DIURNAL[((self.start + t) // 60) % 24] * _NORM

    def counts(self, t: int) -> Arr:
        """Records arriving at minute ``t`` (call once per minute, in order)."""
        self.acc = self.acc + self.rate * self.factor(t)
        due = np.floor(self.acc + self.phase).astype(np.int64) - self.emitted
        runs = ((self.start + t) % self.period) == self.offset
        out = np.where(runs, due, 0)
        self.emitted += out
        return out
