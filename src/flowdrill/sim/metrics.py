"""Per-tick, per-flow and per-dataset counters, kept as cumulative sums so any monitor window
is one subtraction."""

from __future__ import annotations

from typing import Any

import numpy as np

from flowdrill.sim.records import Arr

FLOW_COUNTERS = (
    "arrivals",
    "executions",
    "succeeded",
    "failed",
    "parked",
    "errors",
    "dropped",
    "delivered",
    "latency",
    "schema",
    "duplicates",
    "injected",
    "exposed",
)
DATASET_COUNTERS = ("rows", "duplicates")


class Metrics:
    """Counters of the current tick, and their history as cumulative rows (tick 0 = zeros)."""

    def __init__(self, flows: int, datasets: int) -> None:
        self.flows, self.datasets = flows, datasets
        self.tick = {n: np.zeros(flows) for n in FLOW_COUNTERS}
        self.ds_tick = {n: np.zeros(datasets) for n in DATASET_COUNTERS}
        self._cum: dict[str, list[Arr]] = {n: [np.zeros(flows)] for n in FLOW_COUNTERS}
        self._ds_cum: dict[str, list[Arr]] = {n: [np.zeros(datasets)] for n in DATASET_COUNTERS}
        self.held: list[Arr] = []

    def add(self, name: str, flows: Arr, weights: Arr | None = None) -> None:
        """Count records (or sum ``weights``) per flow into this tick's counter."""
        if len(flows):
            self.tick[name] += np.bincount(flows, weights, minlength=self.flows)

    def add_counts(self, name: str, per_flow: Arr) -> None:
        """Add counts already summed per flow."""
        self.tick[name] += per_flow

    def add_ds(self, name: str, ds: Arr) -> None:
        if len(ds):
            self.ds_tick[name] += np.bincount(ds, minlength=self.datasets)

    def close_tick(self, held: Arr) -> None:
        for n in FLOW_COUNTERS:
            self._cum[n].append(self._cum[n][-1] + self.tick[n])
            self.tick[n] = np.zeros(self.flows)
        for n in DATASET_COUNTERS:
            self._ds_cum[n].append(self._ds_cum[n][-1] + self.ds_tick[n])
            self.ds_tick[n] = np.zeros(self.datasets)
        self.held.append(held)

    @property
    def ticks(self) -> int:
        return len(self.held)

    def window(self, name: str, minutes: int, *, dataset: bool = False) -> Arr:
        """Sum of a counter over the last ``minutes`` closed ticks."""
        cum = self._ds_cum[name] if dataset else self._cum[name]
        return cum[-1] - cum[max(0, len(cum) - 1 - minutes)]

    def total(self, name: str) -> Arr:
        return self._cum[name][-1]

    def series(self, name: str) -> Arr:
        """(ticks, flows) per-tick values of a counter."""
        return np.diff(np.stack(self._cum[name]), axis=0)

    def per_flow(self, flow_ids: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        totals = {n: self.total(n) for n in FLOW_COUNTERS}
        for i, fid in enumerate(flow_ids):
            row: dict[str, Any] = {n: int(totals[n][i]) for n in FLOW_COUNTERS if n != "latency"}
            ex = totals["executions"][i]
            row["mean_latency_s"] = round(float(totals["latency"][i] / ex), 1) if ex else None
            row["held"] = int(self.held[-1][i]) if self.held else 0
            out[fid] = row
        return out
