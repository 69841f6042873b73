"""Agreement between the first labels (interview_answers.jsonl) and the blind second opinion (second_labels.jsonl).

    .venv/bin/python evals/agreement.py

Prints n, raw agreement, Cohen's kappa (unweighted and quadratic-weighted over the ordered labels
incorrect < partial < correct) and the disagreements, each with the settled label where one was recorded.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

EVALS_DIR = Path(__file__).resolve().parent
FIRST_PATH = EVALS_DIR / "interview_answers.jsonl"
SECOND_PATH = EVALS_DIR / "second_labels.jsonl"
# Ordered from worst to best, so the quadratic weights count incorrect vs correct as the largest disagreement.
LABELS = ("incorrect", "partial", "correct")


@dataclass(frozen=True)
class Disagreement:
    id: str
    first: str
    second: str
    settled: str | None


@dataclass(frozen=True)
class Agreement:
    n: int
    raw: float
    kappa: float
    kappa_quadratic: float
    disagreements: list[Disagreement] = field(default_factory=list)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def compute_agreement(first_rows: list[dict], second_rows: list[dict]) -> Agreement:
    """Compares the first label of every doubly labelled answer with its second label."""
    from sklearn.metrics import cohen_kappa_score

    first_by_id = {row["id"]: row["label"] for row in first_rows}
    missing = [row["id"] for row in second_rows if row["id"] not in first_by_id]
    if missing:
        raise ValueError(f"second labels for ids not in the first set: {', '.join(missing)}")
    first = [first_by_id[row["id"]] for row in second_rows]
    second = [row["label"] for row in second_rows]
    # Both labellers giving one identical label to every row leaves kappa undefined (0/0); sklearn returns nan then.
    kappa = float(cohen_kappa_score(first, second, labels=list(LABELS)))
    kappa_quadratic = float(cohen_kappa_score(first, second, labels=list(LABELS), weights="quadratic"))
    disagreements = [
        Disagreement(row["id"], label_1, label_2, row.get("settled"))
        for row, label_1, label_2 in zip(second_rows, first, second)
        if label_1 != label_2
    ]
    raw = sum(a == b for a, b in zip(first, second)) / len(second_rows)
    return Agreement(len(second_rows), raw, kappa, kappa_quadratic, disagreements)


def format_agreement(result: Agreement) -> str:
    lines = [
        f"n: {result.n}",
        f"raw agreement: {result.raw:.3f}",
        f"Cohen's kappa (unweighted): {result.kappa:.2f}",
        f"Cohen's kappa (quadratic): {result.kappa_quadratic:.2f}",
        f"disagreements: {len(result.disagreements)}",
    ]
    for item in result.disagreements:
        settled = f" -> settled {item.settled}" if item.settled else ""
        lines.append(f"  {item.id}: first {item.first}, second {item.second}{settled}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=Path, default=FIRST_PATH)
    parser.add_argument("--second", type=Path, default=SECOND_PATH)
    args = parser.parse_args(argv)
    print(format_agreement(compute_agreement(read_jsonl(args.first), read_jsonl(args.second))))


if __name__ == "__main__":
    main()
