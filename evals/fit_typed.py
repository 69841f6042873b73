"""Fits the name-similarity threshold of the short-answer comparisons on the tune answers, and writes it to
quizzer/grading/offline/typed/data/fitted.json.

    .venv/bin/python evals/fit_typed.py evals/short_answers_tune.jsonl [--write]

For every answer to a card whose answer is a name or term, the best spelling similarity to any reference
(quizzer.grading.offline.typed.names) is paired with the human label. The threshold is the middle of the widest gap
that makes the fewest errors, a wrong answer accepted counting three times a right one refused (the issue's
budget: at most 3 % of wrong answers graded correct, at least 90 % of right answers); a band of 0.1 below it
is uncertain. Only answers whose similarity is below 1 (misspellings, other names) tell about the threshold.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from quizzer.batch.answers import read_answer_rows
from quizzer.core.types import AnswerType
from quizzer.grading.offline.typed.datafiles import fitted
from quizzer.grading.offline.typed.detect import detect_type
from quizzer.grading.offline.typed.names import compare_name
from quizzer.grading.offline.typed.outcome import Context

FITTED = Path(__file__).resolve().parent.parent / "quizzer" / "grading" / "offline" / "typed" / "data" / "fitted.json"
WRONG_ACCEPTED_COST = 3.0
UNCERTAIN_BAND = 0.1


def name_scores(path: Path) -> list[tuple[float, bool, str]]:
    """(similarity, labelled correct, answer) for each answer to a name card."""
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            labels[str(record["id"])] = record["label"]
    scores = []
    for row in read_answer_rows(path):
        submission = row.submission
        if submission is None or detect_type(submission.references, submission.question,
                                             submission.answer_format) is not AnswerType.NAME:
            continue
        context = Context(submission.question, submission.answer_format, submission.references)
        found = [compare_name(submission.answer, reference, context) for reference in submission.references]
        similarities = [comparison.details["similarity"] for comparison in found if comparison is not None]
        if similarities:
            scores.append((max(similarities), labels[row.id] == "correct", submission.answer))
    return scores


def fit_threshold(scores: list[tuple[float, bool, str]]) -> tuple[float, float]:
    """The threshold with the least cost (middle of the widest such gap), and that cost."""
    values = sorted({0.0, 1.0, *(score for score, _, _ in scores)})
    best: tuple[float, float, float] | None = None  # (cost, -gap, threshold)
    for low, high in zip(values, values[1:]):
        threshold = (low + high) / 2
        cost = sum(WRONG_ACCEPTED_COST for score, right, _ in scores if score >= threshold and not right)
        cost += sum(1.0 for score, right, _ in scores if score < threshold and right)
        candidate = (cost, -(high - low), threshold)
        best = candidate if best is None or candidate < best else best
    assert best is not None
    return round(best[2], 3), best[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers", type=Path)
    parser.add_argument("--write", action="store_true", help="write the threshold to fitted.json")
    arguments = parser.parse_args()
    scores = name_scores(arguments.answers)
    informative = sorted((score, right, answer) for score, right, answer in scores if score < 1.0)
    for score, right, answer in informative:
        print(f"{score:.3f}  {'right' if right else 'wrong'}  {answer}")
    threshold, cost = fit_threshold(scores)
    print(f"{len(scores)} answers to name cards, {len(informative)} below similarity 1; "
          f"threshold {threshold} (cost {cost:g}; was {fitted()['name_similarity']})")
    if arguments.write:
        # Just below the threshold, a spelling is uncertain rather than wrong: the learner (or the judge) decides.
        settings = {**fitted(), "name_similarity": threshold,
                    "name_similarity_uncertain": round(threshold - UNCERTAIN_BAND, 3)}
        FITTED.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {FITTED}")


if __name__ == "__main__":
    main()
