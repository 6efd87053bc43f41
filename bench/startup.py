"""Benchmark: how fast `flowdrill --help` starts (target: under 300 ms).

Baseline in the same run: a bare `python -c pass` (the interpreter's own start-up), and
`python -c "import typer"` (the CLI framework's floor). Prints medians and ratios.

    .venv/bin/python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

TARGET_MS = 300.0


def median_ms(args: list[str], runs: int) -> float:
    subprocess.run(args, capture_output=True, check=True)  # warm the file cache
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    python = sys.executable
    cases = {
        "baseline: python -c pass": [python, "-c", "pass"],
        "baseline: import typer": [python, "-c", "import typer"],
        "flowdrill --help": [python, "-m", "flowdrill", "--help"],
        "flowdrill --version": [python, "-m", "flowdrill", "--version"],
    }
    results = {name: median_ms(args, runs) for name, args in cases.items()}
    base = results["baseline: python -c pass"]
    print(f"{'case':<28} {'median ms':>10} {'x python':>9}")
    for name, ms in results.items():
        print(f"{name:<28} {ms:>10.1f} {ms / base:>9.2f}")
    help_ms = results["flowdrill --help"]
    verdict = "meets" if help_ms < TARGET_MS else "MISSES"
    print(
        f"flowdrill --help: {help_ms:.0f} ms, {help_ms / TARGET_MS:.2f} of the {TARGET_MS:.0f} ms "
        f"target ({verdict} it)"
    )
    return 0 if help_ms < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
