"""Benchmark: flowdrill's vectorised simulator against a SimPy per-record reference model.

The same estate (N flows of trigger -> transform -> connector writing one of 10 datasets, half
with a dead letter) and the same faults (partial loss, duplicate delivery, silent corruption,
format rejections) run through both; they must agree on delivered, lost, parked, duplicated and
corrupted counts per flow. Prints records/s, the ratio and peak memory (each side measured in
its own process). Targets: >= 50x at 1M records; 1M records x 1,000 flows with faults plus
reconciliation in under 1 s.

    .venv/bin/python bench/sim_vs_simpy.py [--records 100000 1000000] [--flows 1000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

TICKS = 60
SEED = 11
MODES = {  # flow index % 7 -> failure mode and parameters
    0: ("partial_data_loss", {"loss_rate": 0.05}),
    1: ("duplicate_delivery", {"duplicate_rate": 0.08}),
    2: ("silent_failure", {"wrong_share": 0.15, "hours_unnoticed": 0}),  # the drill only
    3: ("format_mismatch", {"kind": "decimal_separator", "affected_share": 0.1}),
}


def build(flows: int, records: int) -> tuple[Any, Any]:
    from flowdrill.catalog.model import Locus, TargetKind
    from flowdrill.estate.model import Estate
    from flowdrill.scenario.model import BoundFailure, Scenario, TargetRef

    per_hour = records / TICKS / flows * 60
    estate = Estate.model_validate(
        {
            "systems": [
                {"id": "src", "name": "Source", "kind": "shop"},
                {"id": "dst", "name": "Dest", "kind": "erp"},
            ],
            "platforms": [{"id": "p", "name": "p", "kind": "n8n"}],
            "datasets": [{"id": f"d{i}", "name": f"d{i}"} for i in range(10)],
            "flows": [
                {
                    "id": f"f{i}",
                    "name": f"flow {i}",
                    "platform": "p",
                    "trigger": {"kind": "webhook", "system": "src"},
                    "records_per_hour": per_hour,
                    "steps": [
                        {"id": "t", "kind": "trigger", "system": "src", "next": ["m"]},
                        {"id": "m", "kind": "transform", "next": ["w"]},
                        {
                            "id": "w",
                            "kind": "connector",
                            "system": "dst",
                            "touchpoints": [{"dataset": f"d{i % 10}", "access": "write"}],
                            "on_error": "error_output" if i % 2 else "stop",
                            "error_next": ["dl"] if i % 2 else [],
                        },
                        {"id": "dl", "kind": "error_handler"},
                    ],
                }
                for i in range(flows)
            ],
        }
    )
    failures = [
        BoundFailure(
            id=f"x{i}",
            mode=MODES[i % 7][0],
            target=TargetRef(kind=TargetKind.flow, id=f"f{i}"),
            parameters=MODES[i % 7][1],
            root_cause=Locus.connector,
            root_cause_detail="bench",
        )
        for i in range(flows)
        if i % 7 in MODES
    ]
    scenario = Scenario(
        id="bench",
        title="bench",
        seed=SEED,
        narrative="bench",
        failures=failures,
        duration_minutes=TICKS,
    )
    return estate, scenario


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_flowdrill(flows: int, records: int) -> dict[str, Any]:
    from flowdrill.sim import SimConfig, Simulation
    from flowdrill.sim.records import Flag, Status

    estate, scenario = build(flows, records)
    t0 = time.perf_counter()
    sim = Simulation(estate, scenario, config=SimConfig(diurnal=False, golden_limit=0))
    t1 = time.perf_counter()
    sim.step(TICKS)
    t2 = time.perf_counter()
    report = sim.reconcile()
    t3 = time.perf_counter()
    led = sim.ledger
    fl, st = led.flow[: led.size], led.status[: led.size]

    def per(mask: np.ndarray[Any, Any]) -> list[int]:
        return np.bincount(fl[mask], minlength=flows).tolist()  # type: ignore[no-any-return]

    _, gid, flags, _ = sim.rows.columns()
    row_flow = fl[gid]
    uniq = np.unique(gid)
    bad = np.unique(gid[(flags & (Flag.null | Flag.bad)) != 0])
    counts = {
        "delivered": per(st == Status.delivered),
        "lost": per((st == Status.failed) | (st == Status.dropped)),
        "parked": per(st == Status.parked),
        "duplicated": (
            np.bincount(row_flow, minlength=flows) - np.bincount(fl[uniq], minlength=flows)
        ).tolist(),
        "corrupted": np.bincount(fl[bad], minlength=flows).tolist(),
    }
    return {
        "records": int(led.size),
        "build_s": t1 - t0,
        "run_s": t2 - t1,
        "reconcile_s": t3 - t2,
        "verdict": report.verdict,
        "peak_mb": peak_mb(),
        "counts": counts,
    }


def run_simpy(flows: int, records: int) -> dict[str, Any]:
    from flowdrill.catalog.load import load_catalog
    from flowdrill.sim.arrivals import ArrivalSchedule
    from flowdrill.sim.faults import build_effects, compile_knobs
    from flowdrill.sim.layout import compile_layout
    from simpy_model import CONTINUE, PARK, STOP, FlowSpec, StepSpec, run_reference

    estate, scenario = build(flows, records)
    layout = compile_layout(estate)
    catalog = load_catalog()
    effects = [
        e
        for f in scenario.failures
        for e in build_effects(f, catalog.modes[f.mode], estate, layout)
    ]  # the scenario's faults, expressed per step for the reference model
    k = compile_knobs(effects, 0, layout, np.zeros(flows, bool))
    sched = ArrivalSchedule(
        layout.rate_per_min, layout.period, layout.offset, seed=SEED, diurnal=False
    )
    arrivals = [sched.counts(t).tolist() for t in range(TICKS)]
    codes = {0: STOP, 1: CONTINUE, 2: PARK}
    specs = [
        FlowSpec(
            [
                StepSpec(
                    corrupt=float(k.corrupt_p[f, j]),
                    corrupt_flags=int(k.corrupt_flags[f, j]),
                    drop=float(k.drop[f, j]),
                    fail=float(k.fail[f, j]),
                    duplicate=float(k.duplicate[f, j]),
                    on_error=codes[int(layout.on_error[f, j])],
                    creates=int(layout.creates[f, j, 0]),
                )
                for j in range(int(layout.nsteps[f]))
            ]
        )
        for f in range(flows)
    ]
    t0 = time.perf_counter()
    run_reference(specs, arrivals, SEED, TICKS)
    t1 = time.perf_counter()
    counts = {n: [s.counts[n] for s in specs] for n in specs[0].counts}
    return {
        "records": int(sum(map(sum, arrivals))),
        "run_s": t1 - t0,
        "peak_mb": peak_mb(),
        "counts": counts,
    }


def worker(kind: str, flows: int, records: int) -> dict[str, Any]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--worker",
            kind,
            "--flows",
            str(flows),
            "--records",
            str(records),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--flows", type=int, default=1000)
    parser.add_argument("--worker", choices=["flowdrill", "simpy"])
    args = parser.parse_args()
    if args.worker:
        run = run_flowdrill if args.worker == "flowdrill" else run_simpy
        print(json.dumps(run(args.flows, args.records[0])))
        return 0
    ok = True
    for records in args.records:
        fd = worker("flowdrill", args.flows, records)
        sp = worker("simpy", args.flows, records)
        agree = fd["counts"] == sp["counts"] and fd["records"] == sp["records"]
        fd_total = fd["run_s"] + fd["reconcile_s"]
        fd_rate, sp_rate = fd["records"] / fd["run_s"], sp["records"] / sp["run_s"]
        totals = {n: sum(v) for n, v in fd["counts"].items()}
        print(f"\n== {fd['records']:,} records, {args.flows} flows, {TICKS} minutes")
        print(
            f"flowdrill  {fd_rate:>12,.0f} records/s  run {fd['run_s']:.3f} s + reconcile "
            f"{fd['reconcile_s']:.3f} s = {fd_total:.3f} s (build {fd['build_s']:.2f} s), "
            f"peak {fd['peak_mb']:.0f} MB, verdict {fd['verdict']}"
        )
        print(
            f"SimPy      {sp_rate:>12,.0f} records/s  run {sp['run_s']:.2f} s, "
            f"peak {sp['peak_mb']:.0f} MB"
        )
        print(f"ratio      {fd_rate / sp_rate:.0f}x   counts agree per flow: {agree}  {totals}")
        ok &= agree
        if records >= 1_000_000:
            print(
                f"targets: >=50x {'met' if fd_rate / sp_rate >= 50 else 'MISSED'}; "
                f"1M run+reconcile < 1 s {'met' if fd_total < 1 else 'MISSED'}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
