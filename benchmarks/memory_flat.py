"""Peak memory of `quizzer grade` against the number of rows: flat for this checkout, growing for a baseline.

    .venv/bin/python benchmarks/memory_flat.py --datasets ../shared/datasets --rows 100000 300000 1000000 \\
        [--distinct 2000] [--baseline /tmp/main --baseline-rows 100000 300000]

The input repeats the training answers (SciEntsBank, Beetle and SAF train splits: 11,037 rows) with distinct ids
up to each size (`--distinct N`: N of them, taken evenly from the three sets). Each size is graded by `python -m quizzer grade FILE -o OUT.jsonl` in a process of its own, and
its peak resident memory is that process's `ru_maxrss` (from `os.wait4`). The grader is `cosine` with each
distinct answer's vector kept after its first encoding (`bench_graders.cosine_memo`): encoding a million repeats
takes hours on two cores, while the memo makes every size encode the same ~10,000 answers once; what grows with
the rows is then the pipeline's memory, which is what this measures. `--baseline` runs another checkout (e.g.
`git archive main | tar -x -C /tmp/main`) the same way, for the ratio of the two in one run.
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
FILES = ("semeval2013_scientsbank", "semeval2013_beetle", "saf_communication_networks_en")
FIELDS = ("question", "reference", "references", "answer", "label")


def write_input(datasets: Path, rows: int, path: Path, distinct: int | None = None) -> None:
    base = []
    for folder in FILES:
        for line in (datasets / folder / "train.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            base.append(json.dumps({key: row[key] for key in FIELDS if row.get(key) is not None})[1:])
    base = base[::max(1, len(base) // distinct)][:distinct] if distinct else base
    with path.open("w", encoding="utf-8") as stream:
        for number in range(rows):
            stream.write(f'{{"id": "r{number}", {base[number % len(base)]}\n')


def peak_of(root: Path, answers: Path, output: Path, work: Path) -> tuple[float, float, int]:
    """(peak resident MB, seconds, exit status) of one `quizzer grade` run from the checkout at `root`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("QUIZZER_")}
    env.update(PYTHONPATH=os.pathsep.join([str(root), str(REPO / "benchmarks")]), HF_HUB_OFFLINE="1",
               QUIZZER_CONFIG=str(work / "none.toml"), QUIZZER_CACHE_DIR=str(work / "cache"))
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "quizzer", "grade", str(answers), "-o", str(output),
                                "--grader", "bench_graders:cosine_memo"], cwd=root, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        print(process.stderr.read().decode(errors="replace")[-2000:], file=sys.stderr)
    return usage.ru_maxrss / 1024, seconds, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--datasets", type=Path, default=REPO.parent / "shared" / "datasets")
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--baseline", type=Path, help="another checkout, run the same way")
    parser.add_argument("--baseline-rows", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--distinct", type=int, help="repeat only this many training rows (spread over the three "
                        "sets): each process encodes its distinct answers once, a fixed cost to keep small")
    parser.add_argument("--work", type=Path, help="keep the files here (default: a temporary folder)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = arguments.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        runs = [("this checkout", REPO, rows) for rows in arguments.rows]
        if arguments.baseline:
            runs += [(f"baseline {arguments.baseline}", arguments.baseline, rows) for rows in arguments.baseline_rows]
        print(f"{'checkout':<32} {'rows':>9} {'peak RSS':>10} {'seconds':>8} {'rows/s':>7}  exit")
        peaks: dict[str, list[tuple[int, float]]] = {}
        for name, root, rows in runs:
            answers = work / f"answers-{rows}.jsonl"
            if not answers.exists():
                write_input(arguments.datasets, rows, answers, arguments.distinct)
            peak, seconds, status = peak_of(root.resolve(), answers, work / "graded.jsonl", work)
            peaks.setdefault(name, []).append((rows, peak))
            print(f"{name:<32} {rows:>9,} {peak:>8.0f} MB {seconds:>8.1f} {rows / seconds:>7.0f}  {status}",
                  flush=True)
            (work / "graded.jsonl").unlink(missing_ok=True)
        for name, points in peaks.items():
            (small_rows, small), (large_rows, large) = points[0], points[-1]
            slope = (large - small) / (large_rows - small_rows) * 100_000 if large_rows > small_rows else 0.0
            print(f"{name}: peak at {large_rows:,} rows / at {small_rows:,} rows = {large / small:.2f}x; "
                  f"{slope:+.1f} MB per 100,000 rows")


if __name__ == "__main__":
    main()
