"""Scores the grader on labelled trap answers, by category: offline, and in hybrid mode with a judge that is always right.

    .venv/bin/python evals/score_traps.py evals/interview_traps_tune.jsonl
    .venv/bin/python evals/score_traps.py HELD_OUT.jsonl --json       # the same figures as one JSON object

The file holds answers to cards of the bundled decks (`deck`, `card_id`, `answer`, `label`, `category`), as
`evals/interview_traps_tune.jsonl` does. The offline grader is `embedding`; the hybrid grader sends what
`llm.escalate` says (both `risky`, the default, and `uncertain` are scored) to a loopback OpenAI-compatible stub
(tests/llm_stub.py) that replies with each answer's gold label: what hybrid mode would do with a perfect judge, and
how many answers it would cost. The targets of issue 18 are printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

TRAPS = ("false_clause", "negated_key_point", "wrong_model", "prompt_injection")
RIGHT = ("right_paraphrase", "right_terse", "right_long")
ORDER = (*RIGHT, *TRAPS, "partial", "on_topic_wrong", "off_topic", "restates_question")
VERDICTS = ("correct", "uncertain", "partial", "incorrect")


def load(path: Path):
    from quizzer.evals.datasets import load_dataset

    dataset = load_dataset(path)
    items = [item for item in dataset.items if item.submission is not None and item.gold_label]
    return items


def offline_grades(items):
    from quizzer.core.config import load_config
    from quizzer.grading.registry import make_grader

    grader = make_grader("embedding", load_config())
    return grader.grade_batch([item.submission for item in items])


def hybrid_grades(items, escalate: str):
    """Grades with the hybrid grader against a stub judge that answers each answer's gold label."""
    from llm_stub import LLMStub, verdict_reply

    from quizzer.core.config import load_config
    from quizzer.grading.registry import make_grader

    gold = {item.submission.answer.strip(): item.gold_label for item in items}

    def judge(request):
        user = request.message("user")
        nonce = re.search(r"random suffix of this request's tags is (\w+)", user).group(1)
        answer = re.search(rf"<answer-{nonce}>\n(.*)\n</answer-{nonce}>", user, re.DOTALL).group(1)
        return verdict_reply(gold.get(answer.strip(), "incorrect"))

    with LLMStub() as stub:
        stub.default = judge
        config = load_config().with_flags(llm__model="stub-judge", llm__base_url=stub.url, llm__api_key="stub",
                                          llm__cache=False, llm__escalate=escalate, llm__structured_output="json_object")
        grader = make_grader("hybrid", config)
        return grader.grade_batch([item.submission for item in items])


def table(items, offline, hybrids) -> dict:
    by_category: dict[str, Counter] = defaultdict(Counter)
    for item, grade in zip(items, offline):
        category = item.category or "-"
        by_category[category]["n"] += 1
        by_category[category][grade.verdict.value] += 1
    for mode, grades in hybrids.items():
        for item, grade in zip(items, grades):
            category = item.category or "-"
            by_category[category][f"{mode}:correct"] += grade.verdict.value == "correct"
            by_category[category][f"{mode}:judged"] += (grade.decided_by or "").startswith("llm")
    return by_category


def summary(by_category, names, key: str) -> tuple[int, int]:
    return sum(by_category[name][key] for name in names), sum(by_category[name]["n"] for name in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, nargs="?", default=REPO / "evals" / "interview_traps_tune.jsonl")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    arguments = parser.parse_args()
    items = load(arguments.file)
    offline = offline_grades(items)
    hybrids = {mode: hybrid_grades(items, mode) for mode in ("risky", "uncertain")}
    by_category = table(items, offline, hybrids)
    total = len(items)
    traps_correct, traps = summary(by_category, TRAPS, "correct")
    right_correct, right = summary(by_category, RIGHT, "correct")
    uncertain = sum(counts["uncertain"] for counts in by_category.values())
    figures = {
        "file": str(arguments.file), "answers": total,
        "offline": {"traps_correct": traps_correct / traps, "right_correct": right_correct / right,
                    "uncertain": uncertain / total},
        "hybrid": {},
        "by_category": {name: dict(counts) for name, counts in by_category.items()},
    }
    for mode in hybrids:
        correct, _ = summary(by_category, TRAPS, f"{mode}:correct")
        right_hybrid, _ = summary(by_category, RIGHT, f"{mode}:correct")
        judged = sum(counts[f"{mode}:judged"] for counts in by_category.values())
        figures["hybrid"][mode] = {"traps_correct": correct / traps, "right_correct": right_hybrid / right,
                                   "sent_to_judge": judged / total}
    if arguments.json:
        print(json.dumps(figures))
        return
    header = ["category", "n", *VERDICTS, "hybrid correct", "to judge", "hybrid (uncertain) correct", "to judge"]
    print("| " + " | ".join(header) + " |")
    print("|---" * len(header) + "|")
    for name in sorted(by_category, key=lambda name: (ORDER.index(name) if name in ORDER else 99, name)):
        counts = by_category[name]
        cells = [name, counts["n"], *(counts[verdict] for verdict in VERDICTS), counts["risky:correct"],
                 counts["risky:judged"], counts["uncertain:correct"], counts["uncertain:judged"]]
        print("| " + " | ".join(str(cell) for cell in cells) + " |")
    offline_figures, risky = figures["offline"], figures["hybrid"]["risky"]
    print(f"\noffline: traps graded correct {traps_correct}/{traps} ({offline_figures['traps_correct']:.1%}, target"
          f" <= 15 %); right answers graded correct {right_correct}/{right} ({offline_figures['right_correct']:.1%},"
          f" target >= 90 %); uncertain {uncertain}/{total} ({offline_figures['uncertain']:.1%}, target <= 15 %)")
    for mode, values in figures["hybrid"].items():
        print(f"hybrid, escalate={mode}, always-right judge: traps graded correct {values['traps_correct']:.1%}"
              f" (target <= 5 %), right answers correct {values['right_correct']:.1%}, sent to the judge"
              f" {values['sent_to_judge']:.1%} (target <= 40 %)")


if __name__ == "__main__":
    main()
