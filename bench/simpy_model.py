"""Reference model for ``bench/sim_vs_simpy.py``: the same estate and faults, record by record,
written with SimPy (one process per flow, records as items in Stores).

It makes the same decisions as flowdrill for each record (same arrival schedule, same
stateless per-record hash), so both must agree exactly on the counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import simpy

from flowdrill.sim.records import Flag, step_salt, uniform_one

STOP, CONTINUE, PARK = 0, 1, 2


@dataclass
class StepSpec:
    corrupt: float = 0.0
    corrupt_flags: int = 0
    drop: float = 0.0
    fail: float = 0.0
    duplicate: float = 0.0
    on_error: int = STOP
    creates: int = -1  # dataset index or -1


@dataclass
class FlowSpec:
    steps: list[StepSpec]
    counts: dict[str, int] = field(
        default_factory=lambda: {
            "delivered": 0,
            "lost": 0,
            "parked": 0,
            "duplicated": 0,
            "corrupted": 0,
        }
    )


def _key(flow: int, seq: int) -> int:
    return (flow << 32) | seq


def run_reference(
    flows: list[FlowSpec], arrivals: list[list[int]], seed: int, ticks: int
) -> list[FlowSpec]:
    """Simulate ``ticks`` minutes; ``arrivals[t][f]`` records reach flow ``f`` at minute t."""
    env = simpy.Environment()
    salts = {(j, p): step_salt(seed, j, p) for j in range(8) for p in range(10)}

    def source(f: int, store: simpy.Store) -> simpy.events.ProcessGenerator:
        seq = 0
        for t in range(ticks):
            for _ in range(arrivals[t][f]):
                store.put(_key(f, seq))
                seq += 1
            yield env.timeout(1)

    def worker(f: int, store: simpy.Store) -> simpy.events.ProcessGenerator:
        spec = flows[f]
        while True:
            key = yield store.get()
            flags, outcome, partial = 0, "delivered", False
            for j, step in enumerate(spec.steps):
                if step.corrupt and uniform_one(key, salts[(j, 1)]) < step.corrupt:
                    flags |= step.corrupt_flags
                if step.drop and uniform_one(key, salts[(j, 2)]) < step.drop:
                    outcome = "lost"
                    break
                if step.fail and uniform_one(key, salts[(j, 3)]) < step.fail:
                    if step.on_error == PARK:
                        outcome = "parked"
                        break
                    if step.on_error == STOP:
                        outcome = "lost"
                        break
                    partial = partial or step.creates >= 0
                    continue
                if step.creates >= 0:
                    bad = flags & (Flag.null | Flag.bad)
                    rows = 1
                    if step.duplicate and uniform_one(key, salts[(j, 8)]) < step.duplicate:
                        rows = 2
                    spec.counts["duplicated"] += rows - 1
                    if bad:
                        spec.counts["corrupted"] += 1
            if partial and outcome == "delivered":
                outcome = "lost"
            spec.counts[outcome] += 1

    for f in range(len(flows)):
        store = simpy.Store(env)
        env.process(source(f, store))
        env.process(worker(f, store))
    env.run(until=ticks)
    return flows
