"""Benchmark: reconciliation of 1M and 10M records against the expected state.

flowdrill's NumPy reconciliation (one sort plus binary searches) against a plain Python
dict/set implementation in the same run, on the same data: expected keys 0..N-1, and actual
rows with 1% missing, 0.5% duplicated, 0.5% corrupted and 0.1% unexpected keys, shuffled.
Each implementation runs in its own process so peak memory is its own.
Target: 10M records in under 5 s on one core, peak memory under 1.5 GB.

    .venv/bin/python bench/reconcile.py [--records 1000000 10000000] [--skip-python-above N]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from typing import Any

import numpy as np


def make(n: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(5)
    expected = np.arange(n, dtype=np.int64)
    keep = rng.random(n) >= 0.01
    actual = expected[keep]
    dups = rng.choice(actual, n // 200, replace=False)
    unexpected = np.arange(n, n + n // 1000, dtype=np.int64)
    actual = np.concatenate([actual, dups, unexpected])
    rng.shuffle(actual)
    bad = rng.random(len(actual)) < 0.005
    return expected, actual, bad


def run_numpy(n: int) -> dict[str, Any]:
    from flowdrill.sim.reconcile import compare

    expected, actual, bad = make(n)
    t0 = time.perf_counter()
    c = compare(expected, actual, bad)
    seconds = time.perf_counter() - t0
    counts = [c.missing, c.duplicated, c.corrupted, c.unexpected]
    return {"seconds": seconds, "counts": counts}


def run_python(n: int) -> dict[str, Any]:
    expected, actual, bad = make(n)
    exp_list, act_list, bad_list = expected.tolist(), actual.tolist(), bad.tolist()
    del expected, actual, bad
    t0 = time.perf_counter()
    expected_set = set(exp_list)
    seen: dict[int, int] = {}
    corrupted: set[int] = set()
    unexpected = 0
    for key, is_bad in zip(act_list, bad_list, strict=True):
        seen[key] = seen.get(key, 0) + 1
        if key not in expected_set:
            unexpected += 1
        elif is_bad:
            corrupted.add(key)
    missing = sum(1 for key in exp_list if key not in seen)
    duplicated = sum(v - 1 for v in seen.values())
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "counts": [missing, duplicated, len(corrupted), unexpected]}


def worker(kind: str, n: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--records", str(n)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--skip-python-above", type=int, default=10_000_000)
    parser.add_argument("--worker", choices=["numpy", "python"])
    args = parser.parse_args()
    if args.worker:
        result = (run_numpy if args.worker == "numpy" else run_python)(args.records[0])
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0
    ok = True
    for n in args.records:
        fd = worker("numpy", n)
        print(f"\n== {n:,} expected records (missing, duplicated, corrupted, unexpected)")
        print(
            f"flowdrill (NumPy)  {fd['seconds']:6.2f} s  {n / fd['seconds']:>12,.0f} records/s  "
            f"peak {fd['peak_mb']:6.0f} MB  {fd['counts']}"
        )
        if n <= args.skip_python_above:
            py = worker("python", n)
            print(
                f"Python dict/set    {py['seconds']:6.2f} s  {n / py['seconds']:>12,.0f} "
                f"records/s  peak {py['peak_mb']:6.0f} MB  {py['counts']}"
            )
            agree = py["counts"] == fd["counts"]
            print(f"ratio {py['seconds'] / fd['seconds']:.1f}x, counts agree: {agree}")
            ok &= agree
        if n >= 10_000_000:
            met = fd["seconds"] < 5 and fd["peak_mb"] < 1536
            print(f"target 10M < 5 s and < 1.5 GB: {'met' if met else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
