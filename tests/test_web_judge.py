"""The LLM judge behind `quizzer serve` works as in the terminal, and the page can tell that it is being asked
(a real uvicorn server, the loopback LLM stub with a delay, a scripted offline grader)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from fakes import ScriptedGrader
from llm_stub import LLMStub, StubReply, error_reply
from web_server import LiveServer, open_context, small_deck

from quizzer.core.config import load_config
from quizzer.core.types import Verdict
from quizzer.grading.judge.hybrid import make_hybrid_grader
from quizzer.web.quizzes import Activity


def hybrid_server(db: Path, stub: LLMStub) -> LiveServer:
    config = load_config().with_flags(llm__model="stub-model", llm__base_url=stub.url, llm__api_key="test-key",
                                      llm__attempts=1, db=str(db))
    activity = Activity()  # the judge's observer, as `quizzer serve` builds it
    grader = make_hybrid_grader(config, offline=ScriptedGrader({"unsure": Verdict.UNCERTAIN}), observer=activity)
    return LiveServer(open_context(db, [small_deck(2)], lambda: grader, grader_name="hybrid", uses_judge=True,
                                   activity=activity))


def answer_watching_status(url: str, answer: str) -> tuple[dict[str, Any], set[str | None]]:
    quiz = httpx.get(f"{url}/api/next").json()
    body = {"session": quiz["session"], "deck": "d", "card_id": quiz["card"]["card_id"], "answer": answer}
    result: dict[str, Any] = {}
    request = threading.Thread(target=lambda: result.update(httpx.post(f"{url}/api/answer", json=body, timeout=60).json()))
    request.start()
    phases = set()
    while request.is_alive():
        phases.add(httpx.get(f"{url}/api/status").json()["phase"])
        time.sleep(0.05)
    return result, phases


def test_an_uncertain_answer_goes_to_the_judge_and_the_status_says_so(tmp_path: Path) -> None:
    with LLMStub() as stub:
        stub.default = StubReply(content=json.dumps({"verdict": "correct", "score": 1.0, "feedback": "Judge: right."}),
                                 delay=1.0)
        with hybrid_server(tmp_path / "q.db", stub) as server:
            grade, phases = answer_watching_status(server.url, "unsure")
            assert "asking the judge" in phases
            assert (grade["verdict"], grade["decided_by"], grade["feedback"], grade["rating"]) == (
                "correct", "llm", "Judge: right.", 3)
            assert grade["grader"]["name"] == "hybrid"
            assert httpx.get(f"{server.url}/api/status").json() == {
                "model_ready": True, "grader": "hybrid", "judge": True, "phase": None}
        assert len(stub.requests) == 1


def test_a_sure_answer_never_asks_the_judge(tmp_path: Path) -> None:
    with LLMStub() as stub, hybrid_server(tmp_path / "q.db", stub) as server:
        grade, phases = answer_watching_status(server.url, "answer number 0 alpha beta")
        assert grade["decided_by"] == "overlap" and "asking the judge" not in phases
        assert stub.requests == []


def test_when_the_judge_fails_the_offline_grade_stands_for_the_learner_to_settle(tmp_path: Path) -> None:
    with LLMStub() as stub:
        stub.default = error_reply(500)
        with hybrid_server(tmp_path / "q.db", stub) as server:
            grade, _ = answer_watching_status(server.url, "unsure")
            assert grade["verdict"] == "uncertain" and grade["needs_decision"]
            assert grade["decided_by"].startswith("scripted (llm failed")
