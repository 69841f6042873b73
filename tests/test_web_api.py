"""`quizzer serve`'s JSON API, endpoint by endpoint, with a scripted grader (the browser tests use the real one)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from fakes import ScriptedGrader
from web_server import open_context, small_deck

from quizzer.core.types import Submission, Verdict
from quizzer.mastery import mastery_report
from quizzer.session import QuizOptions, QuizSession
from quizzer.storage.db import connect
from quizzer.web.app import create_app
from quizzer.web.schemas import QuizRequest

BASE = "http://127.0.0.1:8765"
RIGHT = "answer number 0 alpha beta"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "quiz.db"


@pytest.fixture
def grader() -> ScriptedGrader:
    return ScriptedGrader({"unsure": Verdict.UNCERTAIN, "cannot": Verdict.UNGRADABLE, "half": Verdict.PARTIAL})


@pytest.fixture
def client(db: Path, grader: ScriptedGrader) -> Iterator[TestClient]:
    context = open_context(db, [small_deck(3), small_deck(2, name="other")], lambda: grader)
    with TestClient(create_app(context), base_url=BASE) as test_client:
        yield test_client


def start(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/next", params={"deck": "d", **params})
    assert response.status_code == 200, response.text
    return response.json()


def answer(client: TestClient, quiz: dict[str, Any], text: str) -> dict[str, Any]:
    card = quiz["card"]
    response = client.post("/api/answer", json={"session": quiz["session"], "deck": card["deck"],
                                                "card_id": card["card_id"], "answer": text})
    assert response.status_code == 200, response.text
    return response.json()


def decide(client: TestClient, review_id: int, action: str, **body: str) -> dict[str, Any]:
    response = client.post(f"/api/reviews/{review_id}/{action}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def rows(db: Path, query: str) -> list[sqlite3.Row]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    return connection.execute(query).fetchall()


def test_decks_lists_each_served_deck_with_due_and_new_cards_and_its_tags(client: TestClient) -> None:
    data = client.get("/api/decks").json()
    assert [(deck["name"], deck["cards"], deck["due"], deck["new"]) for deck in data["decks"]] == [
        ("d", 3, 0, 3), ("other", 2, 0, 2)]
    assert data["tags"] == [{"name": "even", "cards": 3}, {"name": "odd", "cards": 2}]
    assert data["new_per_day"] == 20 and data["new_left_today"] == 20


def test_next_gives_the_question_but_not_the_answer(client: TestClient) -> None:
    quiz = start(client)
    assert quiz["card"] == {"deck": "d", "card_id": "c0", "question": "Question 0: what is x^2 <b>here</b> & there?",
                            "tags": ["even"], "is_new": True, "edited": False, "number": 1, "total": 3}
    assert quiz["due_left"] == 3 and quiz["pending"] is None and len(quiz["session"]) == 32
    assert "answer number" not in str(quiz)


def test_next_takes_tag_new_limit_and_cram_like_the_quiz_command(client: TestClient) -> None:
    assert [start(client, tag="odd")["card"]["card_id"], start(client, tag="odd")["total"]] == ["c1", 1]
    assert start(client, new="2")["total"] == 2
    assert start(client, limit="1")["total"] == 1
    both = client.get("/api/next", params=[("deck", "d"), ("deck", "other")]).json()
    assert both["total"] == 5
    assert start(client, cram="1")["quiz"]["cram"] is True


@pytest.mark.parametrize("params, message", [
    ({"deck": "nope"}, "unknown deck 'nope'"),
    ({"new": "-1"}, "`new` must be a whole number"),
    ({"limit": "0"}, "`limit` must be a whole number from 1"),
    ({"limit": "ten"}, "`limit` must be a whole number"),
    ({"cram": "maybe"}, "`cram` must be 1 or 0"),
    ({"session": "../../etc"}, "`session` must be a quiz session id"),
])
def test_next_refuses_bad_parameters_with_a_message(client: TestClient, params: dict[str, str], message: str) -> None:
    response = client.get("/api/next", params=params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_an_answer_is_graded_recorded_and_returned_with_grade_fields(client: TestClient, db: Path) -> None:
    quiz = start(client)
    grade = answer(client, quiz, "half")
    assert grade["verdict"] == "partial" and grade["rating"] == 2 and grade["rating_name"] == "Hard"
    assert grade["covered_key_points"] == ["alpha"] and grade["missing_key_points"] == ["beta"]
    assert grade["matched_reference"] == 0 and grade["reference"] == RIGHT and grade["probability"] == 0.65
    assert grade["feedback"] == "scripted partial" and grade["grader"]["name"] == "scripted"
    assert grade["decided_by"] == "scripted" and grade["needs_decision"] is False
    assert grade["notes"] == "Notes of card 0 with \\(\\frac{a}{b}\\)." and grade["due_in"] == "in 5 minutes"
    # Committed before the reply: another connection sees it.
    [review] = rows(db, "SELECT * FROM review_outcomes")
    assert (review["id"], review["card_id"], review["answer"], review["final_rating"]) == (grade["review_id"], "c0", "half", 2)
    assert review["session_id"] == quiz["session"] and review["answer_seconds"] is not None


def test_accept_keeps_the_rating_and_the_next_card_comes(client: TestClient) -> None:
    quiz = start(client)
    grade = answer(client, quiz, RIGHT)
    result = decide(client, grade["review_id"], "accept")
    assert (result["action"], result["rating"]) == ("accepted", 3)
    assert result["next"]["card"]["card_id"] == "c1" and result["next"]["due_left"] == 2


def test_override_appends_a_decision_beside_the_grade(client: TestClient, db: Path) -> None:
    grade = answer(client, start(client), RIGHT)
    result = decide(client, grade["review_id"], "override", verdict="incorrect")
    assert (result["action"], result["rating"], result["rating_name"]) == ("overridden", 1, "Again")
    [review] = rows(db, "SELECT * FROM review_outcomes")
    assert (review["verdict"], review["final_verdict"], review["decision_kind"], review["final_rating"]) == (
        "correct", "incorrect", "override", 1)


def test_an_uncertain_grade_waits_for_a_decision_and_decide_settles_it(client: TestClient, db: Path) -> None:
    grade = answer(client, start(client), "unsure")
    assert grade["verdict"] == "uncertain" and grade["needs_decision"] is True and grade["rating"] is None
    refused = client.post(f"/api/reviews/{grade['review_id']}/accept", json={})
    assert refused.status_code == 409 and "decide it first" in refused.json()["error"]
    bad = client.post(f"/api/reviews/{grade['review_id']}/decide", json={"verdict": "maybe"})
    assert bad.status_code == 400 and "correct, partial, incorrect" in bad.json()["error"]
    result = decide(client, grade["review_id"], "decide", verdict="partial")
    assert (result["action"], result["rating"]) == ("decided", 2)
    [review] = rows(db, "SELECT * FROM review_outcomes")
    assert (review["decision_kind"], review["final_verdict"], review["final_rating"]) == ("uncertain", "partial", 2)


def test_decide_is_only_for_uncertain_grades(client: TestClient) -> None:
    grade = answer(client, start(client), RIGHT)
    response = client.post(f"/api/reviews/{grade['review_id']}/decide", json={"verdict": "correct"})
    assert response.status_code == 409 and "not uncertain" in response.json()["error"]


def test_skip_leaves_the_review_out_of_the_schedule(client: TestClient, db: Path) -> None:
    grade = answer(client, start(client), "cannot")
    assert grade["verdict"] == "could not grade" and grade["needs_decision"]
    assert decide(client, grade["review_id"], "skip")["action"] == "skipped"
    [review] = rows(db, "SELECT * FROM review_outcomes")
    assert review["decision_kind"] == "skip" and review["final_rating"] is None
    assert rows(db, "SELECT * FROM card_states") == []


def test_an_empty_answer_or_question_mark_reveals_and_counts_as_again(client: TestClient) -> None:
    quiz = start(client)
    grade = answer(client, quiz, "  ")
    assert (grade["kind"], grade["rating"], grade["reference"]) == ("reveal", 1, RIGHT)
    response = client.post(f"/api/reviews/{grade['review_id']}/override", json={"verdict": "correct"})
    assert response.status_code == 409 and "revealed" in response.json()["error"]
    assert answer(client, decide(client, grade["review_id"], "accept")["next"], "?")["kind"] == "reveal"


def test_only_the_card_on_screen_can_be_answered_and_only_once(client: TestClient) -> None:
    quiz = start(client)
    wrong_card = client.post("/api/answer", json={"session": quiz["session"], "deck": "d", "card_id": "c2", "answer": "x"})
    assert wrong_card.status_code == 409 and "no quiz is waiting for an answer to d/c2" in wrong_card.json()["error"]
    answer(client, quiz, RIGHT)
    again = client.post("/api/answer", json={"session": quiz["session"], "deck": "d", "card_id": "c0", "answer": "x"})
    assert again.status_code == 409 and "already graded" in again.json()["error"]
    assert client.post("/api/reviews/999/accept", json={}).status_code == 409


def test_an_answer_without_a_session_goes_to_the_quiz_showing_that_card(client: TestClient) -> None:
    quiz = start(client)
    response = client.post("/api/answer", json={"deck": "d", "card_id": "c0", "answer": RIGHT})
    assert response.status_code == 200 and response.json()["session"] == quiz["session"]


def test_the_same_session_continues_with_its_grade_still_waiting(client: TestClient) -> None:
    quiz = start(client)
    grade = answer(client, quiz, "unsure")
    again = start(client, session=quiz["session"])
    assert again["card"]["card_id"] == "c0" and again["pending"]["review_id"] == grade["review_id"]
    assert again["url"] == f"/quiz?deck=d&session={quiz['session']}"
    page = client.get(again["url"])
    assert page.status_code == 200 and f'"review_id": {grade["review_id"]}' in page.text


def test_a_session_the_server_lost_is_rebuilt_from_the_database(db: Path, grader: ScriptedGrader) -> None:
    deck = small_deck(3)
    with TestClient(create_app(open_context(db, [deck], lambda: grader)), base_url=BASE) as first:
        quiz = start(first, limit="2")
        decide(first, answer(first, quiz, RIGHT)["review_id"], "accept")
    with TestClient(create_app(open_context(db, [deck], lambda: grader)), base_url=BASE) as second:
        resumed = start(second, limit="2", session=quiz["session"])
        assert resumed["session"] == quiz["session"] and resumed["total"] == 1  # one of its two cards is done
        done = decide(second, answer(second, resumed, RIGHT)["review_id"], "accept")["next"]
        assert done["card"] is None and done["summary"]["reviewed"] == 2


def test_the_end_of_a_quiz_gives_the_summary_and_the_next_due_time(client: TestClient) -> None:
    quiz = start(client, limit="2")
    quiz = decide(client, answer(client, quiz, RIGHT)["review_id"], "accept")["next"]
    grade = answer(client, quiz, "unsure")
    done = decide(client, grade["review_id"], "decide", verdict="correct")["next"]
    assert done["card"] is None and done["due_left"] == 0 and done["next_due_in"] == "in 10 minutes"
    summary = done["summary"]
    assert (summary["reviewed"], summary["correct"], summary["settled"]) == (2, 2, 1)
    assert ["Reviewed", "2 (2 answered, 0 revealed)"] in summary["rows"]


def test_nothing_due_says_when_the_next_card_is_due(client: TestClient) -> None:
    quiz = start(client, new="0")
    assert quiz["card"] is None and quiz["summary"]["reviewed"] == 0 and quiz["next_due"] is None


def test_stats_are_quizzer_stats_json_with_retention_day_by_day(client: TestClient, db: Path) -> None:
    quiz = start(client)
    decide(client, answer(client, quiz, RIGHT)["review_id"], "override", verdict="incorrect")
    stats = client.get("/api/stats").json()
    connection = connect(db)
    expected = mastery_report(connection, datetime.fromisoformat(stats["now"]),
                              [small_deck(3), small_deck(2, name="other")]).to_dict()
    assert stats == expected
    history = stats["retention_history"]
    assert len(history) == 30 and history[-1]["day"] == datetime.now(UTC).date().isoformat()
    assert (history[-1]["reviews"], history[-1]["kept"], history[-1]["retention"]) == (1, 0, 0.0)
    assert client.get("/api/stats", params={"deck": "other"}).json()["total"]["reviews"] == 0
    assert client.get("/api/stats", params={"deck": "gone"}).status_code == 400


def test_status_says_which_grader_and_whether_its_model_is_ready(client: TestClient) -> None:
    assert client.get("/api/status").json() == {"model_ready": True, "grader": "scripted", "judge": False,
                                                 "phase": None}


def test_the_terminal_and_the_browser_quiz_on_one_database_at_once(client: TestClient, db: Path) -> None:
    terminal = QuizSession(connect(db), [small_deck(3)], ScriptedGrader(), QuizOptions())
    browser = start(client)
    terminal.submit(RIGHT, 3.0)  # both on card c0, graded at once in two connections
    grade = answer(client, browser, RIGHT)
    terminal.mark(correct=False)
    decide(client, grade["review_id"], "accept")
    outcomes = [(row["card_id"], row["final_rating"]) for row in rows(db, "SELECT * FROM review_outcomes ORDER BY id")]
    assert outcomes == [("c0", 1), ("c0", 3)]
    assert client.get("/api/stats").json()["total"]["reviews"] == 2


def test_the_quiz_page_is_server_rendered_with_the_first_question_escaped(client: TestClient) -> None:
    page = client.get("/quiz", params={"deck": "d"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Question 0: what is x^2 &lt;b&gt;here&lt;/b&gt; &amp; there?" in page.text
    assert "<b>here</b>" not in page.text  # not in the HTML, nor raw in the embedded JSON
    assert "\\u003cb\\u003ehere\\u003c/b\\u003e \\u0026 there" in page.text


def test_the_deck_picker_and_progress_pages_render(client: TestClient) -> None:
    picker = client.get("/")
    assert picker.status_code == 200 and 'name="deck" value="other"' in picker.text and "A small test deck." in picker.text
    assert client.get("/progress").status_code == 200
    assert client.get("/static/quiz.js").status_code == 200
    missing = client.get("/nowhere")
    assert missing.status_code == 404 and "no such page" in missing.text
    assert client.get("/api/nowhere").json() == {"error": "no such page", "hint": None, "status": 404}


def test_defaults_from_the_command_line_apply_when_the_page_asks_for_none(db: Path, grader: ScriptedGrader) -> None:
    context = open_context(db, [small_deck(3)], lambda: grader, defaults=QuizRequest(tags=("odd",)))
    with TestClient(create_app(context), base_url=BASE) as client:
        assert client.get("/api/next").json()["card"]["card_id"] == "c1"
        assert client.get("/api/next", params={"tag": ""}).json()["total"] == 3  # tag= : any tag


@dataclass
class PreparingGrader(ScriptedGrader):
    """A scripted grader that can prepare cards (`PreparesCards`), recording what it was asked to prepare."""

    prepared: list[Submission] = field(default_factory=list)

    def prepare(self, submissions: Sequence[Submission]) -> None:
        self.prepared.extend(submissions)


def test_while_the_learner_reads_the_grader_prepares_the_card_without_grading_or_recording(db: Path) -> None:
    import time

    grader = PreparingGrader()
    context = open_context(db, [small_deck(2)], lambda: grader)
    with TestClient(create_app(context), base_url=BASE) as client:
        quiz = start(client)
        deadline = time.monotonic() + 10
        while not grader.prepared and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [(item.deck, item.card_id, item.question) for item in grader.prepared] == [
            ("d", "c0", "Question 0: what is x^2 <b>here</b> & there?")]
        assert grader.calls == 0 and rows(db, "SELECT * FROM reviews") == []
        answer(client, quiz, RIGHT)
        assert grader.calls == 1 and len(rows(db, "SELECT * FROM reviews")) == 1


def test_graders_that_cannot_prepare_are_only_asked_to_grade(db: Path) -> None:
    grader = ScriptedGrader()
    context = open_context(db, [small_deck(2)], lambda: grader)
    with TestClient(create_app(context), base_url=BASE) as client:
        start(client)
        client.get("/api/status")
        assert client.get("/api/next", params={"deck": "d"}).status_code == 200  # a call after the idle moment
    assert grader.calls == 0
