"""The quiz page in headless Chromium: a real uvicorn server on a loopback port, a real SQLite file and the
real embedding grader. Answer, see the grade, override it, settle an uncertain one, reload and continue;
then the records in SQLite, the progress page's charts and the phone-sized layout."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from browser import PageProblems, browser  # noqa: F401  (the fixture)
from llm_stub import LLMStub, StubReply
from playwright.sync_api import expect
from web_server import LiveServer, open_context

from quizzer.core.config import load_config
from quizzer.deck.catalog import load
from quizzer.deck.model import Deck
from quizzer.graders import background_grader, build_grader
from quizzer.web.quizzes import Activity
from quizzer.web.schemas import QuizRequest

pytestmark = pytest.mark.slow
GRADE_WAIT = 180_000  # ms: the first answer waits for the model to load, on a busy machine
REFERENCE_1 = "They reduced training time and improved efficiency by solving the memory issue of the speech transducer."
UNCERTAIN_2 = "Hard to use big training batches with it."  # the real grader: uncertain (p about 0.5)
SCRIPT = ("<script>alert('x')</script> Because of its 4-D joint output, a B x T x U x V tensor of joint-network "
          "logits for every pair of acoustic frame and output position.")


def embedding_server(db: Path) -> LiveServer:
    config = load_config().with_flags(db=str(db))
    loader = background_grader("embedding", config)
    context = open_context(db, [load("msft-asr")], loader.get, grader_name="embedding",
                           model_ready=lambda: loader.ready, defaults=QuizRequest(new=5))
    loader.start()  # as `quizzer serve` does: the page does not wait for it
    return LiveServer(context)


def answer(page: Any, text: str) -> None:
    page.locator("#answer").fill(text)
    page.locator("#answer").press("Enter")
    expect(page.locator("#grade")).to_be_visible(timeout=GRADE_WAIT)


def test_answer_override_settle_reload_continue_and_the_records(tmp_path: Path, browser: Any) -> None:  # noqa: F811
    db = tmp_path / "quiz.db"
    with embedding_server(db) as server:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        problems = PageProblems(page)
        page.goto(f"{server.url}/quiz")
        expect(page.locator("#question")).to_have_text("What improvement was made in the transducer model?")
        expect(page.locator("#card-meta")).to_contain_text("Question 1 of 5 · msft-asr · transducer-improvement · new")
        assert "session=" in page.url  # so that a reload continues this session

        # 1: the reference answer: correct; then marked wrong by the learner.
        answer(page, REFERENCE_1)
        expect(page.locator("#verdict")).to_have_text("CORRECT")
        expect(page.locator("#probability")).to_contain_text("probability correct")
        expect(page.locator("#key-points li.covered")).to_have_count(2)
        expect(page.locator("#rating-line")).to_contain_text("Will record: Good (due again in")
        page.keyboard.press("w")
        expect(page.locator("#last-action")).to_have_text("Marked wrong: Again")

        # 2: an answer the grader cannot call: Enter does nothing until it is settled (p: partly right).
        expect(page.locator("#card-meta")).to_contain_text("Question 2 of 5")
        answer(page, UNCERTAIN_2)
        expect(page.locator("#verdict")).to_have_text("UNCERTAIN")
        expect(page.locator("#rating-line")).to_have_text("Not scheduled until you decide: was it right?")
        page.keyboard.press("Enter")
        expect(page.locator("#verdict")).to_have_text("UNCERTAIN")
        page.keyboard.press("p")
        expect(page.locator("#last-action")).to_have_text("Marked partly right: Hard")

        # 3: HTML in an answer is shown as text; then a reload shows the same grade, still waiting.
        expect(page.locator("#card-meta")).to_contain_text("Question 3 of 5")
        answer(page, SCRIPT)
        expect(page.locator("#your-answer")).to_have_text(SCRIPT)
        expect(page.locator("#verdict")).to_have_text("CORRECT")
        page.reload()
        expect(page.locator("#grade")).to_be_visible()
        expect(page.locator("#verdict")).to_have_text("CORRECT")
        expect(page.locator("#your-answer")).to_have_text(SCRIPT)
        expect(page.locator("#card-meta")).to_contain_text("Question 3 of 5")
        page.keyboard.press("Enter")  # accept
        expect(page.locator("#last-action")).to_have_text("Accepted: Good")
        expect(page.locator("#card-meta")).to_contain_text("Question 4 of 5")

        # 4: Shift+Enter adds a line, Enter submits; then skipped.
        box = page.locator("#answer")
        box.fill("Not necessarily")
        box.press("Shift+Enter")
        box.type("it depends on the architecture and configuration")
        assert box.input_value() == "Not necessarily\nit depends on the architecture and configuration"
        box.press("Enter")
        expect(page.locator("#grade")).to_be_visible(timeout=GRADE_WAIT)
        page.keyboard.press("s")
        expect(page.locator("#last-action")).to_have_text("Skipped: this review will not count")

        # 5: shown without an answer (Again), then the summary.
        page.locator("#reveal").click()
        expect(page.locator("#verdict")).to_have_text("Revealed without answering")
        expect(page.locator("#reference")).to_contain_text("Residual Transformer")
        page.keyboard.press("Enter")
        expect(page.locator("#done-title")).to_have_text("Session summary")
        expect(page.locator("#summary-rows")).to_contain_text("5 (4 answered, 1 revealed)")
        expect(page.locator("#summary-rows")).to_contain_text("1 overridden · 1 uncertain settled · 1 skipped")
        session = page.evaluate("new URL(location.href).searchParams.get('session')")

        # The progress page draws its charts from /api/stats.
        page.goto(f"{server.url}/progress")
        expect(page.locator("#tiles .tile").first).to_contain_text("5")
        expect(page.locator("#chart-forecast svg rect")).to_have_count(14)
        expect(page.locator("#chart-retention svg circle")).to_have_count(1)
        expect(page.locator("#chart-states svg rect").first).to_be_visible()
        expect(page.locator("#hardest table tbody tr")).to_have_count(4)
        assert problems.messages == []

    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    reviews = connection.execute("SELECT * FROM review_outcomes ORDER BY id").fetchall()
    assert [row["card_id"] for row in reviews] == [
        "transducer-improvement", "transducer-memory-problem", "transducer-memory-cause", "rnnt-always-more-memory",
        "windows-small-model"]
    assert {row["session_id"] for row in reviews} == {session}
    first, second, third, fourth, fifth = reviews
    assert (first["verdict"], first["decision_kind"], first["final_verdict"], first["final_rating"]) == (
        "correct", "override", "incorrect", 1)
    assert (second["verdict"], second["rating"], second["decision_kind"], second["final_verdict"],
            second["final_rating"]) == ("uncertain", None, "uncertain", "partial", 2)
    assert (third["answer"], third["verdict"], third["decision_kind"], third["final_rating"]) == (SCRIPT, "correct", None, 3)
    assert fourth["answer"] == "Not necessarily\nit depends on the architecture and configuration"
    assert (fourth["decision_kind"], fourth["final_rating"]) == ("skip", None)
    assert (fifth["kind"], fifth["final_rating"]) == ("reveal", 1)
    # Overrides append: the grader's own verdict and rating are still in the log beside the decision.
    decisions = connection.execute("SELECT review_id, kind, verdict, rating FROM review_decisions ORDER BY id").fetchall()
    assert [tuple(row) for row in decisions][:2] == [(first["id"], "override", "incorrect", 1),
                                                       (second["id"], "uncertain", "partial", 2)]
    assert json.loads(first["grade_json"])["verdict"] == "correct"


def test_the_page_shows_that_the_llm_judge_is_being_asked(tmp_path: Path, browser: Any) -> None:  # noqa: F811
    db = tmp_path / "quiz.db"
    deck = load("msft-asr")
    one_card = Deck(name=deck.name, cards=(deck.card("transducer-memory-problem"),))  # type: ignore[arg-type]
    with LLMStub() as stub:
        stub.default = StubReply(content=json.dumps({"verdict": "correct", "score": 1.0, "feedback": "The judge agrees."}),
                                 delay=2.0)
        config = load_config().with_flags(llm__model="stub-model", llm__base_url=stub.url, llm__api_key="test-key",
                                          db=str(db))
        activity = Activity()  # the judge's observer, as `quizzer serve` builds it
        grader = build_grader("hybrid", config, db, observer=activity)
        context = open_context(db, [one_card], lambda: grader, grader_name="hybrid", uses_judge=True,
                               activity=activity)
        with LiveServer(context) as server:
            page = browser.new_page()
            problems = PageProblems(page)
            page.goto(f"{server.url}/quiz")
            page.locator("#answer").fill(UNCERTAIN_2)
            page.locator("#answer").press("Enter")
            expect(page.locator("#busy")).to_have_text("Asking the judge…", timeout=GRADE_WAIT)
            expect(page.locator("#grade")).to_be_visible(timeout=GRADE_WAIT)
            expect(page.locator("#busy")).to_be_hidden()
            expect(page.locator("#verdict")).to_have_text("CORRECT")
            expect(page.locator("#grader")).to_have_text("[llm]")
            expect(page.locator("#feedback")).to_have_text("The judge agrees.")
            assert problems.messages == []
        assert len(stub.requests) == 1


def test_phone_sized_pages_fit_the_screen(tmp_path: Path, browser: Any) -> None:  # noqa: F811
    db = tmp_path / "quiz.db"
    with embedding_server(db) as server:
        page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
        problems = PageProblems(page)
        page.goto(f"{server.url}/quiz")
        answer(page, "They fixed the memory problem, so training became faster and more efficient.")
        fits = "document.documentElement.scrollWidth <= window.innerWidth"
        assert page.evaluate(fits)
        for path in ("/progress", "/"):
            page.goto(f"{server.url}{path}")
            page.wait_for_load_state("networkidle")
            assert page.evaluate(fits), path
        assert problems.messages == []
