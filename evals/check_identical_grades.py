"""Checks that two checkouts of quizzer grade the whole training data identically (offline grader).

Grades every training answer (the SciEntsBank, Beetle, SAF and STS-B train splits in ../shared/datasets, and
evals/interview_answers.jsonl) with `quizzer eval --grader embedding` run from each checkout, in a fresh config,
database and embedding cache each, and compares every item's verdict, probability, score, feedback and evidence.
The command line is the interface both checkouts share, so any two versions can be compared.

    .venv/bin/python evals/check_identical_grades.py --baseline /tmp/base       # baseline vs this checkout
    .venv/bin/python evals/check_identical_grades.py --baseline /tmp/base --work /tmp/grades --reuse
        # keep the files in /tmp/grades, and reuse a checkout's grades already there

A checkout is run as `python -m quizzer` with PYTHONPATH set to its root (this checkout's interpreter, so both
use the same libraries). Exit status 1 when any item differs; the per-item grades stay in --work.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATASETS = REPO.parent / "shared" / "datasets"
# (name, answer file under the datasets folder, else in this checkout): the files the grader is trained on,
# and STS-B's sentence pairs.
TRAINING_FILES = (
    ("SciEntsBank", "semeval2013_scientsbank/train.jsonl"),
    ("Beetle", "semeval2013_beetle/train.jsonl"),
    ("SAF", "saf_communication_networks_en/train.jsonl"),
    ("STS-B", "stsb/train.jsonl"),
    ("Interview", REPO / "evals" / "interview_answers.jsonl"),
)
COMPARED = ("id", "line", "verdict", "probability", "score", "feedback", "evidence", "reason", "decided_by")


def grade_all(root: Path, work: Path, datasets: Path = DATASETS, reuse: bool = False) -> Path:
    """Grades every training file with the checkout at `root`; returns the JSONL of its per-item grades."""
    home = work / root.name
    output = home / "grades.jsonl"
    if reuse and output.exists():
        return output
    home.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("QUIZZER_", "OPENAI_"))}
    env.update(PYTHONPATH=str(root), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               QUIZZER_CONFIG=str(home / "none.toml"), QUIZZER_DB=str(home / "quizzer.db"),
               QUIZZER_CACHE_DIR=str(home / "cache"))
    partial = home / "grades.partial"
    with partial.open("w", encoding="utf-8") as stream:
        for name, path in TRAINING_FILES:
            run = home / name
            command = [sys.executable, "-m", "quizzer", "eval", str(datasets / path), "--grader", "embedding",
                       "--baseline", "none", "--out", str(run), "--json"]
            print(f"{root}: grading {name} ...", file=sys.stderr, flush=True)
            subprocess.run(command, cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)
            record = json.loads((run / "run.json").read_text(encoding="utf-8"))
            for result in record["graders"][0]["results"]:
                stream.write(json.dumps({"dataset": name, **{key: result.get(key) for key in COMPARED}},
                                        sort_keys=True) + "\n")
    partial.replace(output)
    return output


def differences(first: Path, second: Path) -> list[tuple[dict, dict]]:
    rows_a = first.read_text(encoding="utf-8").splitlines()
    rows_b = second.read_text(encoding="utf-8").splitlines()
    if len(rows_a) != len(rows_b):
        raise SystemExit(f"{first} has {len(rows_a)} items, {second} {len(rows_b)}")
    return [(json.loads(a), json.loads(b)) for a, b in zip(rows_a, rows_b, strict=True) if a != b]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="root of the checkout to compare against")
    parser.add_argument("--work", type=Path, help="folder for the runs (default: a temporary one)")
    parser.add_argument("--datasets", type=Path, default=DATASETS, help=f"the shared datasets (default: {DATASETS})")
    parser.add_argument("--reuse", action="store_true", help="reuse a checkout's grades already in --work")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="quizzer-identical-"))
    baseline = grade_all(args.baseline.resolve(), work / "baseline", args.datasets, args.reuse)
    current = grade_all(REPO, work / "current", args.datasets, args.reuse)
    changed = differences(baseline, current)
    items = len(baseline.read_text(encoding="utf-8").splitlines())
    for before, after in changed[:10]:
        print(f"{before['dataset']} {before['id']}: {before['verdict']} {before['probability']} -> "
              f"{after['verdict']} {after['probability']}")
    print(f"{items} answers graded by both; {len(changed)} differ (files in {work})")
    raise SystemExit(1 if changed else 0)


if __name__ == "__main__":
    main()
