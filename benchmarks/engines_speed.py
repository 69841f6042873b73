"""Throughput of the full `embedding` grader with the local engine against Ray with 1 and 2 workers, in one run.

    .venv/bin/python benchmarks/engines_speed.py --datasets ../shared/datasets --answers 100000 [--workers 1 2]

Distinct training answers (SciEntsBank, Beetle, SAF: about 10,000 distinct; more rows repeat them, which the
model encodes again in another chunk) are graded by `python -m quizzer grade FILE -o OUT.jsonl` with each
engine, in a fresh process each time and with the embedding cache warmed first, so each run pays what a user's
run pays: start-up, the model's load per process (per worker with Ray), the input's splitting, the output's
gathering. A 64-row run of each engine measures that fixed cost apart, so the grading rate is
(answers - 64) / (time - fixed time). Every engine's output is compared row by row with the local one's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from memory_flat import FILES  # noqa: E402

SMALL = 64


def distinct_rows(datasets: Path, key: str) -> list[dict]:
    rows, seen = [], set()
    for folder in FILES:
        for line in (datasets / folder / "train.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row[key] not in seen:
                seen.add(row[key])
                rows.append({name: row[name] for name in ("question", "reference", "references", "answer")
                             if row.get(name) is not None})
    return rows


def write_answers(datasets: Path, count: int, path: Path) -> int:
    rows = distinct_rows(datasets, "answer")
    # Interleave the sets, as a real batch would mix its courses.
    rows = rows[::3] + rows[1::3] + rows[2::3]
    with path.open("w", encoding="utf-8") as stream:
        for number in range(count):
            stream.write(json.dumps({"id": f"r{number}", **rows[number % len(rows)]}) + "\n")
    return min(count, len(rows))


def run(answers: Path, output: Path, work: Path, engine: list[str]) -> float:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("QUIZZER_", "RAY_ADDRESS"))}
    env.update(HF_HUB_OFFLINE="1", QUIZZER_CONFIG=str(work / "none.toml"), QUIZZER_CACHE_DIR=str(work / "cache"))
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "quizzer", "grade", str(answers), "-o", str(output),
                             "--grader", "embedding", *engine], cwd=REPO, env=env, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        raise SystemExit(result.stderr[-3000:])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets")
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    arguments = parser.parse_args()
    engines = [("local", [])] + [(f"ray, {n} worker{'s' * (n > 1)}", ["--engine", "ray", "--workers", str(n)])
                                 for n in arguments.workers]
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        answers, small = work / "answers.jsonl", work / "small.jsonl"
        distinct = write_answers(arguments.datasets, arguments.answers, answers)
        write_answers(arguments.datasets, SMALL, small)
        print(f"{arguments.answers:,} answers ({distinct:,} distinct); {os.cpu_count()} CPUs", flush=True)
        # One answer per question first: its references, question and their clauses go into the embedding
        # cache, so no engine pays for them and all pay the same for the answers.
        questions = distinct_rows(arguments.datasets, "question")
        (work / "warm.jsonl").write_text("".join(json.dumps(row) + "\n" for row in questions), encoding="utf-8")
        run(work / "warm.jsonl", work / "warm-out.jsonl", work, [])
        outputs = {}
        print(f"{'engine':<16} {'fixed cost':>10} {'total':>9} {'answers/s':>10} {'vs local':>8}  same rows as local")
        local_rate = None
        for name, options in engines:
            fixed = run(small, work / "small-out.jsonl", work, options)
            total = run(answers, work / f"{name}.jsonl", work, options)
            rate = (arguments.answers - SMALL) / max(total - fixed, 1e-9)
            outputs[name] = (work / f"{name}.jsonl").read_text(encoding="utf-8")
            local_rate = local_rate or rate
            same = outputs[name] == outputs["local"]
            print(f"{name:<16} {fixed:>9.1f}s {total:>8.1f}s {rate:>10.1f} {rate / local_rate:>7.2f}x  {same}",
                  flush=True)


if __name__ == "__main__":
    main()
