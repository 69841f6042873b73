"""Batch grading with the LLM judge: concurrent requests against sequential ones, over loopback HTTP.

The stub server (tests/llm_stub.py) answers each request after a fixed delay standing in for model
latency; the ratio of wall times shows what llm.concurrency buys. Usage:
    .venv/bin/python benchmarks/llm_concurrency.py --answers 24 --delay 0.2
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from llm_stub import LLMStub, StubReply  # noqa: E402
from quizzer.core.config import load_config  # noqa: E402
from quizzer.core.types import Submission  # noqa: E402
from quizzer.grading.judge.judge import LLMGrader, RubricJudge  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=24)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    args = parser.parse_args()
    submissions = [Submission("What is CTC?", ("A loss over all alignments.",), f"answer {n}") for n in range(args.answers)]
    with LLMStub() as stub, tempfile.TemporaryDirectory() as home:
        stub.default = StubReply(content=json.dumps({"verdict": "correct"}), delay=args.delay)
        config = load_config(Path(home) / "none.toml", environ={}).with_flags(
            llm__model="bench", llm__base_url=stub.url, llm__cache=False)
        timings = {}
        for concurrency in args.concurrency:
            grader = LLMGrader(RubricJudge.from_config(config.with_flags(llm__concurrency=concurrency)))
            started = time.perf_counter()
            grades = grader.grade_batch(submissions)
            timings[concurrency] = time.perf_counter() - started
            assert all(grade.decided_by == "llm" for grade in grades)
    base = timings[args.concurrency[0]]
    for concurrency, seconds in timings.items():
        print(f"concurrency {concurrency}: {seconds:.2f} s for {args.answers} answers ({base / seconds:.1f}x)")


if __name__ == "__main__":
    main()
