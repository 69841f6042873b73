"""Time from launching `quizzer quiz msft-asr` in a real terminal (tmux) to the first question on screen.

Baseline, in the same run and launched the same way: `python -c pass` followed by printing a marker, so
the figure that matters is the difference (what quizzer adds) and the ratio. Run:

    .venv/bin/python benchmarks/quiz_startup.py [--runs 7] [--backend onnx-int8]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from tmux_terminal import PYTHON, Terminal, quizzer_env  # noqa: E402

QUESTION = "What improvement was made in the transducer model?"


def time_to_screen(command: list[str], marker: str, env: dict[str, str]) -> float:
    """Seconds from asking tmux to start `command` until `marker` is on its screen."""
    started = time.perf_counter()
    terminal = Terminal(command, env=env, width=110, height=40)
    try:
        terminal.wait_for(marker, timeout=30)
        return time.perf_counter() - started
    finally:
        terminal.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--backend", help="grader.backend for the quiz (default: the configured default)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if args.backend:
            Path(folder, "config.toml").write_text(f'[grader]\nbackend = "{args.backend}"\n', encoding="utf-8")
        env = quizzer_env()
        env.update(QUIZZER_CONFIG=os.path.join(folder, "config.toml"), QUIZZER_CACHE_DIR=os.path.join(folder, "cache"),
                   HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        baseline, quiz = [], []
        for run in range(args.runs):
            # A fresh database each run: the first question is a new card, as on a first day.
            db = os.path.join(folder, f"run{run}.db")
            baseline.append(time_to_screen(["sh", "-c", f"{PYTHON} -c pass && echo BASELINE-READY"], "BASELINE-READY", env))
            quiz.append(time_to_screen([PYTHON, "-m", "quizzer", "quiz", "msft-asr", "--db", db], QUESTION, env))
    base, first = statistics.median(baseline), statistics.median(quiz)
    print(f"runs: {args.runs}")
    print(f"python -c pass (tmux launch to marker): median {base * 1000:.0f} ms  (min {min(baseline) * 1000:.0f})")
    print(f"quizzer quiz to first question:         median {first * 1000:.0f} ms  (min {min(quiz) * 1000:.0f},"
          f" max {max(quiz) * 1000:.0f})")
    print(f"quizzer adds {1000 * (first - base):.0f} ms; ratio {first / base:.1f}x; target: first question < 500 ms")


if __name__ == "__main__":
    main()
