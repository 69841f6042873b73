"""Speed of the typed short-answer path: hostile inputs and ordinary typed answers, through the full embedding
grader (the real model loaded and warm), counting the model's encode calls.

    .venv/bin/python benchmarks/typed_answers.py [--runs 20]

Each hostile input (issue 19: a 10,000-character formula, deeply nested brackets, `__import__('os')`,
`().__class__.__bases__`, attribute access and dunders, an exponent tower, an unknown unit) must be graded or
"could not grade" within 50 ms, never run and never a traceback; a typed answer must be graded within 2 ms warm
without touching the embedding model. A free-text answer is timed as the baseline, in the same process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from quizzer.core.config import load_config  # noqa: E402
from quizzer.core.types import Submission  # noqa: E402
from quizzer.grading.offline.embedding import make_embedding_grader  # noqa: E402

CIRCLE = ("What is the formula for the area of a circle of radius r?", ("π r^2",))
BOILING = ("At what temperature does water boil at sea level?", ("100 °C",))
HOSTILE = [
    ("10,000-character formula", CIRCLE, "(r+1)*" * 1666 + "r"),
    ("10,000 characters, no symbols", CIRCLE, "r" * 10_000),
    ("brackets nested 5,000 deep", CIRCLE, "(" * 5000 + "r" + ")" * 5000),
    ("brackets nested 40 deep", CIRCLE, "(" * 40 + "r" + ")" * 40),
    ("__import__('os')", CIRCLE, "__import__('os')"),
    ("().__class__.__bases__", CIRCLE, "().__class__.__bases__"),
    ("attribute access", CIRCLE, "r.__class__.__mro__[1].__subclasses__()"),
    ("dunder call", CIRCLE, "__builtins__['eval']('1')"),
    ("exponent tower", CIRCLE, "9**9**9**9"),
    ("exponent tower, ^", CIRCLE, "9^9^9^9"),
    ("huge factorial", CIRCLE, "100000!"),
    ("unknown unit", BOILING, "100 flurbs"),
    ("unknown unit, wrong value", BOILING, "90 zorks"),
    ("number tower on a number card", BOILING, "9**9**9**9"),
]
TYPED = [
    ("number", ("How many bits are in a byte?", ("8",)), "16"),
    ("number with units", BOILING, "212 °F"),
    ("growth rate", ("Complexity of binary search?", ("O(log n)",)), "O(n)"),
    ("formula", CIRCLE, "pi r squared"),
    ("name", ("Who wrote Pride and Prejudice?", ("Jane Austen",)), "Charlotte Bronte"),
    ("list", ("Name the primary colours of light.", ("red, green, blue",)), "red, green and yellow"),
    ("date", ("When did the Berlin Wall fall?", ("9 November 1989",)), "November 9, 1989"),
    ("yes/no", ("Is 1 a prime number?", ("no",)), "nope"),
]


class CountingEmbedder:
    """The real embedder, counting the grader's calls into it."""

    def __init__(self, embedder) -> None:
        self.embedder = embedder
        self.calls = 0
        self.model_name = embedder.model_name

    def __getattr__(self, name: str):
        attribute = getattr(self.embedder, name)
        if callable(attribute):
            def counted(*args, **kwargs):
                self.calls += 1
                return attribute(*args, **kwargs)
            return counted
        return attribute


def timed(grader, card, answer: str, runs: int) -> tuple[float, str, str]:
    question, references = card
    submission = Submission(question, references, answer)
    grade = grader.grade(submission)  # warm: the first call pays for imports and caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        grade = grader.grade(submission)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, grade.verdict.value, grade.feedback


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    arguments = parser.parse_args()
    grader = make_embedding_grader(load_config())
    grader.embedder.warm_up()
    counter = CountingEmbedder(grader.embedder)
    grader.embedder = counter
    baseline = timed(grader, CIRCLE, "You square the radius and multiply by pi.", arguments.runs)
    print(f"| free text (baseline) | {baseline[0]:.2f} ms | {baseline[1]} | model calls: yes |")
    for title, group, limit in (("hostile", HOSTILE, 50.0), ("typed", TYPED, 2.0)):
        print(f"\n{title} inputs (limit {limit:g} ms, median of {arguments.runs})\n")
        print("| input | median | verdict | model calls | within limit | feedback |\n|---|---:|---|---:|---|---|")
        for name, card, answer in group:
            before = counter.calls
            milliseconds, verdict, feedback = timed(grader, card, answer, arguments.runs)
            calls = counter.calls - before
            print(f"| {name} | {milliseconds:.3f} ms | {verdict} | {calls} | {'yes' if milliseconds <= limit else 'NO'} "
                  f"| {feedback[:70]} |")


if __name__ == "__main__":
    main()
