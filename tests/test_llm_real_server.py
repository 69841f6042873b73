"""The judge against a real local model server (llama.cpp's, llama-cpp-python's, vLLM, Ollama).

Runs only when one is configured: QUIZZER_TEST_LLM_BASE_URL (e.g. http://127.0.0.1:8080/v1) and optionally
QUIZZER_TEST_LLM_MODEL. The loopback stub in test_llm_judge.py covers the same paths everywhere else.
"""

from __future__ import annotations

import os

import pytest

from quizzer.core.config import load_config
from quizzer.core.types import Submission, Verdict
from quizzer.grading.judge.judge import LLMGrader, RubricJudge
from quizzer.llm_check import check_llm

BASE_URL = os.environ.get("QUIZZER_TEST_LLM_BASE_URL")
pytestmark = pytest.mark.skipif(not BASE_URL, reason="no local LLM server configured (QUIZZER_TEST_LLM_BASE_URL)")


def test_a_real_model_grades_an_obvious_pair_and_the_form_is_found() -> None:
    config = load_config().with_flags(
        llm__model=os.environ.get("QUIZZER_TEST_LLM_MODEL", "local"), llm__base_url=BASE_URL, llm__timeout=120.0,
        llm__answer_budget_seconds=300.0, llm__cache=False,
    )
    check = check_llm(config)
    assert check.ok, check.problem
    assert check.form in ("json_schema", "json_object", "text")

    grader = LLMGrader(RubricJudge.from_config(config))
    question, reference = "What is the capital of France?", "Paris is the capital of France."
    right, wrong = grader.grade_batch([
        Submission(question, (reference,), "It is Paris."),
        Submission(question, (reference,), "Berlin, I believe."),
    ])
    assert right.verdict is Verdict.CORRECT and right.decided_by == "llm"
    assert wrong.verdict is Verdict.INCORRECT
