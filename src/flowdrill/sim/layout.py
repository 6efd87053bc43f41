"""The estate compiled into flat arrays the engine indexes by flow and step position.

Each flow becomes a pipeline of its enabled, non-error-handler steps in file order (routers
pass every record on, so the expected state and the simulated one agree). A step "creates" a
dataset where the flow first writes it; later writes of the same dataset are updates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from flowdrill.estate.model import Access, Estate, Flow, OnError, StepKind, TriggerKind
from flowdrill.sim.records import Arr

STOP, CONTINUE, PARK = 0, 1, 2
BASE_STEP_SECONDS = 0.5

_CRON = re.compile(r"^\s*(\S+)\s+(\S+)\s+\S+\s+\S+\s+\S+\s*$")


def schedule_period(expr: str | None) -> tuple[int, int]:
    """(period, offset) in minutes for the cron forms flows use; (1, 0) means continuous."""
    found = _CRON.match(expr or "")
    if not found:
        return 1, 0
    minute, hour = found.groups()
    if minute.startswith("*/") and minute[2:].isdigit() and hour == "*":
        return max(1, int(minute[2:])), 0
    if minute.isdigit() and hour == "*":
        return 60, int(minute) % 60
    if minute.isdigit() and hour.isdigit():
        return 1440, (int(hour) * 60 + int(minute)) % 1440
    return 1, 0


def _on_error(mode: OnError, has_branch: bool) -> int:
    if mode is OnError.error_output:
        return PARK if has_branch else CONTINUE
    if mode in (OnError.continue_, OnError.ignore, OnError.resume):
        return CONTINUE
    return STOP


@dataclass
class Layout:
    """Index of flows, steps, datasets and platforms, plus per-step configuration matrices."""

    flows: list[Flow]
    flow_index: dict[str, int]
    datasets: list[str]
    dataset_index: dict[str, int]
    platforms: list[str]
    platform_of: Arr
    rate_per_min: Arr
    period: Arr
    offset: Arr
    webhook: Arr
    error_flow: Arr
    is_error_flow: Arr
    nsteps: Arr
    steps: list[list[str]]
    tries: Arr
    wait: Arr
    expo: Arr
    on_error: Arr
    creates: Arr  # (F, J, S) dataset index or -1
    rank: Arr  # (F, J, S) creation rank of that dataset within the flow
    ranks: int
    tasks_per_run: Arr
    base_latency: Arr
    quota: Arr  # per platform, tasks per day (0: none)
    required: list[set[str]] = field(default_factory=list)  # required fields of created data
    creators: dict[int, list[int]] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return int(self.tries.shape[1])

    def position(self, flow_id: str, step_id: str) -> tuple[int, int] | None:
        f = self.flow_index.get(flow_id)
        if f is None or step_id not in self.steps[f]:
            return None
        return f, self.steps[f].index(step_id)

    def creating_positions(self, f: int, dataset: int | None = None) -> list[int]:
        sel = self.creates[f] >= 0 if dataset is None else self.creates[f] == dataset
        return sorted({int(j) for j in np.nonzero(sel.any(axis=1))[0]})

    def flows_on_platform(self, platform: str) -> list[int]:
        if platform not in self.platforms:
            return []
        p = self.platforms.index(platform)
        return [int(f) for f in np.nonzero(self.platform_of == p)[0]]


def compile_layout(estate: Estate) -> Layout:
    """Build the :class:`Layout` of an estate (pure)."""
    flows = list(estate.flows)
    flow_index = {f.id: i for i, f in enumerate(flows)}
    datasets = [d.id for d in estate.datasets]
    for flow in flows:  # datasets named by touchpoints but not declared still get rows
        for step in flow.steps:
            for touch in step.touchpoints:
                if touch.dataset not in datasets:
                    datasets.append(touch.dataset)
    dataset_index = {d: i for i, d in enumerate(datasets)}
    declared = {d.id: d for d in estate.datasets}
    platforms = sorted({p.id for p in estate.platforms} | {f.platform for f in flows})
    quotas = {p.id: p.task_quota_per_day or 0 for p in estate.platforms}
    n = len(flows)
    pipelines = [
        [s for s in f.steps if not s.disabled and s.kind is not StepKind.error_handler]
        for f in flows
    ]
    width = max([len(p) for p in pipelines] + [1])
    slots = 1
    for pipeline in pipelines:
        for step in pipeline:
            slots = max(slots, sum(1 for t in step.touchpoints if t.access is Access.write))
    tries = np.ones((n, width), np.int32)
    wait = np.zeros((n, width), np.float64)
    expo = np.zeros((n, width), bool)
    on_error = np.zeros((n, width), np.int8)
    creates = np.full((n, width, slots), -1, np.int32)
    rank = np.zeros((n, width, slots), np.int32)
    required: list[set[str]] = []
    creators: dict[int, list[int]] = {}
    ranks = 1
    for f, pipeline in enumerate(pipelines):
        seen: list[str] = []
        needed: set[str] = set()
        for j, step in enumerate(pipeline):
            if step.retry is not None:
                tries[f, j] = step.retry.max_tries
                wait[f, j] = step.retry.wait_seconds
                expo[f, j] = step.retry.backoff.value == "exponential"
            on_error[f, j] = _on_error(step.on_error, bool(step.error_next))
            s = 0
            for touch in step.touchpoints:
                if touch.access is not Access.write or touch.dataset in seen:
                    continue
                seen.append(touch.dataset)
                d = dataset_index[touch.dataset]
                creates[f, j, s], rank[f, j, s] = d, len(seen) - 1
                creators.setdefault(d, []).append(f)
                if touch.dataset in declared:
                    needed |= {x.name for x in declared[touch.dataset].fields if x.required}
                s += 1
        ranks = max(ranks, len(seen))
        required.append(needed)
    periods = [schedule_period(f.trigger.schedule) for f in flows]
    return Layout(
        flows=flows,
        flow_index=flow_index,
        datasets=datasets,
        dataset_index=dataset_index,
        platforms=platforms,
        platform_of=np.array([platforms.index(f.platform) for f in flows], np.int32),
        rate_per_min=np.array([(f.records_per_hour or 0.0) / 60.0 for f in flows], np.float64),
        period=np.array([p for p, _ in periods], np.int64),
        offset=np.array([o for _, o in periods], np.int64),
        webhook=np.array([f.trigger.kind is TriggerKind.webhook for f in flows], bool),
        error_flow=np.array([flow_index.get(f.error_flow or "", -1) for f in flows], np.int32),
        is_error_flow=np.array([f.trigger.kind is TriggerKind.error for f in flows], bool),
        nsteps=np.array([len(p) for p in pipelines], np.int32),
        steps=[[s.id for s in p] for p in pipelines],
        tries=tries,
        wait=wait,
        expo=expo,
        on_error=on_error,
        creates=creates,
        rank=rank,
        ranks=ranks,
        tasks_per_run=np.array([max(1, len(p) - 1) for p in pipelines], np.float64),
        base_latency=np.array([BASE_STEP_SECONDS * len(p) for p in pipelines], np.float64),
        quota=np.array([float(quotas.get(p, 0)) for p in platforms], np.float64),
        required=required,
        creators=creators,
    )
