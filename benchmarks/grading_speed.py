"""Speed of the embedding grader's grade path against the raw model forward passes it needs, in one process.

    .venv/bin/python benchmarks/grading_speed.py [--answers 3000]

Answers come from the SciEntsBank and Beetle training splits. References are cached first (as after a
deck's first use), then: (1) raw forward passes over the answers (`SentenceTransformer.encode` on the
same chunks, the least any embedding grader must do), (2) `grade_batch` over the same answers in the chunks `quizzer grade` uses, and
(3) one answer at a time, for the warm per-answer latency.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from quizzer.batch.output import BATCH  # noqa: E402
from quizzer.core.types import Submission  # noqa: E402
from quizzer.grading.offline.decision import load_decision_model  # noqa: E402
from quizzer.grading.offline.embedder import Embedder  # noqa: E402
from quizzer.grading.offline.embedding import EmbeddingGrader  # noqa: E402
from quizzer.storage.embeddings import EmbeddingCache  # noqa: E402

DATASETS = REPO.parent / "shared" / "datasets"


def load_submissions(count: int) -> list[Submission]:
    submissions = []
    for folder in ("semeval2013_scientsbank", "semeval2013_beetle"):
        for line in (DATASETS / folder / "train.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            submissions.append(Submission(row["question"], tuple(row.get("references") or [row["reference"]]),
                                          row["answer"]))
    # Distinct answers only: the grader encodes a repeated answer once, which would flatter it against the
    # raw baseline. Interleave the two sets so every batch mixes them.
    seen: set[str] = set()
    distinct = [s for s in submissions[::2] + submissions[1::2] if not (s.answer in seen or seen.add(s.answer))]
    return distinct[:count]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=3000)
    parser.add_argument("--latency-samples", type=int, default=200)
    arguments = parser.parse_args()
    import torch

    submissions = load_submissions(arguments.answers)
    with tempfile.TemporaryDirectory() as cache_dir:
        embedder = Embedder(store=EmbeddingCache(Path(cache_dir)))
        grader = EmbeddingGrader(embedder, load_decision_model())
        grader.grade_batch(submissions[:64])  # loads the model
        start = time.perf_counter()
        grader.grade_batch(submissions)  # caches every reference, question and clause
        cold = time.perf_counter() - start

        answers = [submission.answer for submission in submissions]
        model = embedder._load()
        start = time.perf_counter()
        for index in range(0, len(answers), BATCH):
            model.encode(answers[index : index + BATCH], batch_size=64, show_progress_bar=False)
        raw = time.perf_counter() - start

        start = time.perf_counter()
        for index in range(0, len(submissions), BATCH):
            grader.grade_batch(submissions[index : index + BATCH])
        warm = time.perf_counter() - start

        latencies = []
        for submission in submissions[: arguments.latency_samples]:
            began = time.perf_counter()
            grader.grade(submission)
            latencies.append((time.perf_counter() - began) * 1000)

    count = len(submissions)
    print(f"answers: {count}; torch threads: {torch.get_num_threads()}")
    print(f"first run (references not cached yet): {count / cold:7.1f} answers/s")
    print(f"raw model forward passes over the answers: {count / raw:7.1f} answers/s")
    print(f"grade path, references cached:             {count / warm:7.1f} answers/s"
          f"  ({raw / warm:.0%} of the raw forward passes)")
    print(f"warm per-answer latency (grade one at a time): median {statistics.median(latencies):.1f} ms,"
          f" p90 {sorted(latencies)[int(0.9 * len(latencies))]:.1f} ms")


if __name__ == "__main__":
    main()
