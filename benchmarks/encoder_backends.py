"""The two encoder backends (`grader.backend`: torch fp32, onnx-int8) on the same answers, in one process.

    .venv/bin/python benchmarks/encoder_backends.py [--answers 2000] [--repeats 5] [--latency-samples 200]
    .venv/bin/python benchmarks/encoder_backends.py --profile onnx-int8   # cProfile of one grade path run
    .venv/bin/python benchmarks/encoder_backends.py --onnx-file F         # another ONNX MiniLM file as onnx-int8

The training splits are read from ../shared/datasets beside the checkout (QUIZZER_DATASETS names another folder).

Answers come from the SciEntsBank and Beetle training splits (distinct answers, as benchmarks/grading_speed.py
picks them). Each backend first grades them all once (which caches references, questions and clauses, as
after a deck's first use). Then, repeated with the backends alternating (first torch, then int8 first, and
so on, so a change in the machine's load falls on both): (1) the raw forward passes over the answers, in the
chunks `quizzer grade` uses (the ceiling of any grader on that backend), and (2) `EmbeddingGrader.grade_batch`
over the same chunks. Then the warm latency of grading one answer at a time, the backends alternating answer
by answer. Medians over the repeats; ratios are int8 over torch. The int8 file is built first, as on a first use
(the build's time is printed apart); its model load is that of the built file.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import grading_speed  # noqa: E402

from quizzer.batch.output import BATCH  # noqa: E402
from quizzer.core.types import Submission  # noqa: E402
from quizzer.grading.offline.decision import load_decision_model  # noqa: E402
from quizzer.grading.offline.embedder import BACKENDS, ONNX_INT8, Embedder  # noqa: E402
from quizzer.grading.offline.embedding import EmbeddingGrader  # noqa: E402
from quizzer.storage.embeddings import EmbeddingCache  # noqa: E402


def raw_passes(embedder: Embedder, answers: list[str]) -> float:
    """Seconds for the backend's forward passes alone over `answers`, in `quizzer grade`'s chunks."""
    model = embedder._load()
    start = time.perf_counter()
    for index in range(0, len(answers), BATCH):
        chunk = answers[index : index + BATCH]
        if embedder.backend == "torch":
            model.encode(chunk, batch_size=64, show_progress_bar=False)
        else:
            model.encode(chunk)  # in the batches the embedder uses (onnx_encoder.BATCH)
    return time.perf_counter() - start


def grade_path(grader: EmbeddingGrader, submissions: list[Submission]) -> float:
    start = time.perf_counter()
    for index in range(0, len(submissions), BATCH):
        grader.grade_batch(submissions[index : index + BATCH])
    return time.perf_counter() - start


def percentile(values: list[float], share: float) -> float:
    return sorted(values)[min(len(values) - 1, int(share * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--profile", choices=BACKENDS, help="profile one grade path run of this backend instead")
    parser.add_argument("--onnx-file", type=Path,
                        help="run this ONNX MiniLM file as the int8 backend (the built one is still built, and timed)")
    arguments = parser.parse_args()
    import torch

    load_before = os.getloadavg()[0]
    # The training splits sit in ../shared/datasets beside the main checkout; elsewhere (a worktree) name them.
    grading_speed.DATASETS = Path(os.environ.get("QUIZZER_DATASETS", grading_speed.DATASETS))
    submissions = grading_speed.load_submissions(arguments.answers)
    answers = [submission.answer for submission in submissions]
    with tempfile.TemporaryDirectory() as cache_dir:
        started = time.perf_counter()
        Embedder(store=EmbeddingCache(Path(cache_dir) / "build"), backend=ONNX_INT8).warm_up()  # a first use
        build_seconds = time.perf_counter() - started
        (int8_file,) = (Path(cache_dir) / "build").glob("*.onnx")
        int8_file = arguments.onnx_file or int8_file
        graders = {backend: EmbeddingGrader(Embedder(store=EmbeddingCache(Path(cache_dir)), backend=backend,
                                                     onnx_file=int8_file if backend == ONNX_INT8 else None),
                                            load_decision_model()) for backend in BACKENDS}
        loads, first_grades = {}, {}
        for backend, grader in graders.items():
            start = time.perf_counter()
            grader.warm_up()
            loads[backend] = time.perf_counter() - start
            first_grades[backend] = grader.grade_batch(submissions)  # caches every reference, question, clause
        if arguments.profile:
            profiler = cProfile.Profile()
            profiler.runcall(grade_path, graders[arguments.profile], submissions)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            return

        raw: dict[str, list[float]] = {backend: [] for backend in BACKENDS}
        graded: dict[str, list[float]] = {backend: [] for backend in BACKENDS}
        for repeat in range(arguments.repeats):
            order = BACKENDS if repeat % 2 == 0 else BACKENDS[::-1]
            for backend in order:
                raw[backend].append(raw_passes(graders[backend].embedder, answers))
                graded[backend].append(grade_path(graders[backend], submissions))

        latencies: dict[str, list[float]] = {backend: [] for backend in BACKENDS}
        for index, submission in enumerate(submissions[: arguments.latency_samples]):
            for backend in BACKENDS if index % 2 == 0 else BACKENDS[::-1]:
                began = time.perf_counter()
                graders[backend].grade(submission)
                latencies[backend].append((time.perf_counter() - began) * 1000)

    count = len(submissions)
    verdicts = [a.verdict == b.verdict for a, b in zip(*first_grades.values())]
    print(f"answers: {count}; repeats: {arguments.repeats}; torch threads: {torch.get_num_threads()};"
          f" load average (1 min) before {load_before:.1f}, after {os.getloadavg()[0]:.1f};"
          f" int8 file built in {build_seconds:.1f} s; int8 file run: {int8_file.name}")
    print(f"identical verdicts on these answers: {sum(verdicts)}/{count} ({sum(verdicts) / count:.2%})")
    rate = {kind: {backend: count / statistics.median(times[backend]) for backend in BACKENDS}
            for kind, times in (("raw", raw), ("grade", graded))}
    print("| backend | model load | raw forward passes | grade path | grade / raw | latency median | latency p90 |")
    print("|---|---|---|---|---|---|---|")
    for backend in BACKENDS:
        print(f"| {backend} | {loads[backend]:.1f} s | {rate['raw'][backend]:.0f} answers/s"
              f" | {rate['grade'][backend]:.0f} answers/s | {rate['grade'][backend] / rate['raw'][backend]:.0%}"
              f" | {statistics.median(latencies[backend]):.1f} ms | {percentile(latencies[backend], 0.9):.1f} ms |")
    torch_name, int8_name = BACKENDS
    print(f"int8 / torch: raw forward passes {rate['raw'][int8_name] / rate['raw'][torch_name]:.2f}x,"
          f" grade path {rate['grade'][int8_name] / rate['grade'][torch_name]:.2f}x, latency median"
          f" {statistics.median(latencies[torch_name]) / statistics.median(latencies[int8_name]):.2f}x")
    for kind, times in (("raw", raw), ("grade", graded)):
        ratios = [a / b for a, b in zip(times[torch_name], times[int8_name])]
        print(f"per-repeat {kind} ratios: " + ", ".join(f"{value:.2f}" for value in ratios))


if __name__ == "__main__":
    main()
