"""Where the typed short-answer path engages outside the short-answer deck, and whether it changes a verdict.

    .venv/bin/python evals/typed_engagement.py [--datasets DIR] [FILE ...]

Default files: the interview answers and the training sets in DIR (default ../shared/datasets: SciEntsBank,
Beetle, SAF, STS-B). For each file: how many answers are to cards whose detected type is not free text, how many the typed
path grades, and for those, the free-text grader's verdict (the embedding grader with the typed path off),
the typed verdict and the human label. The issue asks that sentence answers keep their verdicts: an answer
the typed path grades differently is listed.
"""

from __future__ import annotations

import argparse
import collections
from pathlib import Path

from quizzer.core.config import load_config
from quizzer.core.types import GraderInfo
from quizzer.evals.datasets import load_dataset
from quizzer.grading.offline.decision import load_decision_model
from quizzer.grading.offline.embedder import embedder_for
from quizzer.grading.offline.embedding import EmbeddingGrader
from quizzer.grading.offline.typed import AnswerType, answer_type, grade_typed

REPO = Path(__file__).resolve().parent.parent
TRAINING_SETS = ("semeval2013_scientsbank", "semeval2013_beetle", "saf_communication_networks_en", "stsb")


def _settled(verdict: str) -> str:
    return verdict if verdict in ("correct", "partial", "incorrect") else "uncertain"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets")
    arguments = parser.parse_args()
    files = arguments.files or [REPO / "evals" / "interview_answers.jsonl",
                                *(arguments.datasets / name / "train.jsonl" for name in TRAINING_SETS)]
    info = GraderInfo("typed-check", "1")
    free_text: EmbeddingGrader | None = None
    total_changed = 0
    for path in files:
        if not path.exists():
            print(f"{path}: missing, skipped")
            continue
        dataset = load_dataset(path)
        items = dataset.usable
        kinds = collections.Counter(answer_type(item.submission).value for item in items)
        engaged = [(item, grade) for item in items if (grade := grade_typed(item.submission, info)) is not None]
        print(f"{path.name} ({path.parent.name}): {len(items)} answers; card types {dict(kinds)}; "
              f"typed path grades {len(engaged)}")
        if not engaged:
            continue
        if free_text is None:
            config = load_config()
            free_text = EmbeddingGrader(embedder_for(config, None), load_decision_model(), config, typed_answers=False)
        before = free_text.grade_batch([item.submission for item, _ in engaged])
        changed = 0
        right_before = right_after = 0
        for (item, typed), old in zip(engaged, before, strict=True):
            right_before += _settled(old.verdict.value) == item.gold_label
            right_after += _settled(typed.verdict.value) == item.gold_label
            if old.verdict is not typed.verdict:
                changed += 1
                print(f"  changed {item.id}: {old.verdict.value} -> {typed.verdict.value} (label {item.gold_label}; "
                      f"{typed.evidence.get('answer_type')}) answer {item.submission.answer[:70]!r}")
        total_changed += changed
        print(f"  verdicts changed: {changed} of {len(engaged)}; matching the label: free text {right_before}, "
              f"typed {right_after}")
    print(f"total verdicts changed: {total_changed}")


if __name__ == "__main__":
    main()
