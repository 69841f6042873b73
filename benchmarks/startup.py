"""Start-up time of `quizzer --help` against a bare `python -c pass`, both measured here in one process.

Usage: .venv/bin/python benchmarks/startup.py [--runs N]
The ratio is what carries across machines; the absolute figure is checked against the 0.3 s goal.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

GOAL_SECONDS = 0.3


def time_command(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, capture_output=True, check=True)  # warm the file cache first
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    baseline = time_command([sys.executable, "-c", "pass"], args.runs)
    quizzer = time_command([sys.executable, "-m", "quizzer", "--help"], args.runs)
    base_mean, quizzer_mean = statistics.mean(baseline), statistics.mean(quizzer)
    for label, timings in (("python -c pass", baseline), ("python -m quizzer --help", quizzer)):
        mean, fastest = statistics.mean(timings) * 1000, min(timings) * 1000
        print(f"{label:<26} mean {mean:7.1f} ms  (min {fastest:.1f} ms, {args.runs} runs)")
    print(f"ratio {quizzer_mean / base_mean:.1f}x the bare interpreter; "
          f"{'within' if quizzer_mean < GOAL_SECONDS else 'OVER'} the {GOAL_SECONDS} s goal")


if __name__ == "__main__":
    main()
