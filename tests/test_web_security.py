"""`quizzer serve` refuses other sites (Host, Origin, Sec-Fetch-Site), asks for its token off loopback, takes only
JSON bodies within the size limit, escapes what it shows and never answers with a traceback."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from fakes import ScriptedGrader
from web_server import open_context, small_deck

from quizzer.core.text_input import ANSWER_MAX_CHARS
from quizzer.core.errors import QuizzerError
from quizzer.core.types import Grader
from quizzer.web.app import create_app
from quizzer.web.schemas import MAX_BODY_BYTES
from quizzer.web.security import AccessPolicy, host_name, is_loopback
from quizzer.web.server import serve_token

BASE = "http://127.0.0.1:8765"
SCRIPT = "<script>alert('x')</script> & <img src=x onerror=alert(1)>"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    context = open_context(tmp_path / "q.db", [small_deck(3)], ScriptedGrader)
    with TestClient(create_app(context), base_url=BASE) as test_client:
        yield test_client


def card_body(client: TestClient, answer: str = "answer number 0 alpha beta") -> dict[str, str]:
    quiz = client.get("/api/next").json()
    return {"session": quiz["session"], "deck": "d", "card_id": quiz["card"]["card_id"], "answer": answer}


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8765", "127.0.0.1.nip.io:8765", "localhost.evil.example"])
def test_a_host_that_names_another_site_is_refused(client: TestClient, host: str) -> None:
    # DNS rebinding: the other site's name resolves to 127.0.0.1, but the browser still sends that name.
    response = client.get("/api/decks", headers={"Host": host})
    assert response.status_code == 403 and "does not answer to the host" in response.json()["error"]
    assert client.get("/quiz", headers={"Host": host}).status_code == 403


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "LOCALHOST"])
def test_loopback_names_are_answered(client: TestClient, host: str) -> None:
    assert client.get("/api/decks", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:9999", "null", "file://", "https://127.0.0.1"])
def test_a_post_from_another_origin_is_refused_and_records_nothing(client: TestClient, origin: str) -> None:
    body = card_body(client)
    response = client.post("/api/answer", json=body, headers={"Origin": origin})
    assert response.status_code == 403 and response.json()["error"] == "requests from another site are refused"
    assert client.get("/api/stats").json()["total"]["reviews"] == 0


def test_a_post_from_the_page_itself_is_accepted(client: TestClient) -> None:
    response = client.post("/api/answer", json=card_body(client),
                           headers={"Origin": BASE, "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200


def test_cross_site_fetches_are_refused_but_a_link_to_the_page_opens_it(client: TestClient) -> None:
    assert client.get("/api/stats", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}).status_code == 403
    page = client.get("/quiz", headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})
    assert page.status_code == 200


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"])
def test_state_changes_take_only_json_bodies(client: TestClient, content_type: str) -> None:
    # The content types a form on another site can send without asking first.
    response = client.post("/api/answer", content=b"deck=d&card_id=c0&answer=x", headers={"Content-Type": content_type})
    assert response.status_code == 415 and "Content-Type: application/json" in response.json()["error"]


def test_state_changes_are_posts_only(client: TestClient) -> None:
    response = client.get("/api/answer")
    assert response.status_code == 405 and "POST" in response.json()["error"]
    assert client.get("/api/reviews/1/accept").status_code == 405
    assert client.post("/api/reviews/1/explode", json={}).status_code == 404


@pytest.mark.parametrize("body, message", [
    (b"{not json", "the body is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
    (b"", "the body is not valid JSON"),
    (b"[1, 2]", "the body must be a JSON object"),
    (b'{"deck": "d", "card_id": "c0"}', "missing field 'answer'"),
    (b'{"deck": "d", "card_id": "c0", "answer": 42}', "'answer' must be a string"),
    (b"\xff\xfe{}", "the body is not UTF-8 text"),
])
def test_bad_bodies_get_a_4xx_with_a_message(client: TestClient, body: bytes, message: str) -> None:
    response = client.post("/api/answer", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)


def test_a_body_over_the_size_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    response = client.post("/api/answer", content=b"x" * (MAX_BODY_BYTES + 1), headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "over the limit" in response.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        for _ in range(MAX_BODY_BYTES // 8192 + 2):
            yield b" " * 8192

    streamed = client.post("/api/answer", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413


def test_answers_get_the_same_size_limit_as_everywhere_else(client: TestClient) -> None:
    too_long = client.post("/api/answer", json=card_body(client, "y" * (ANSWER_MAX_CHARS + 1)))
    assert too_long.status_code == 413
    assert too_long.json()["error"] == f"the answer is {ANSWER_MAX_CHARS + 1:,} characters, over the limit of {ANSWER_MAX_CHARS:,}"
    # The longest answer allowed fits in a body even when every character is escaped (\\uXXXX).
    longest = client.post("/api/answer", json=card_body(client, "\u2603" * ANSWER_MAX_CHARS))
    assert longest.status_code == 200, longest.text
    page = client.get("/quiz")
    assert f'maxlength="{ANSWER_MAX_CHARS}"' in page.text


def test_an_answer_of_html_is_kept_as_text_and_never_markup_on_the_page(client: TestClient) -> None:
    body = card_body(client, SCRIPT)
    grade = client.post("/api/answer", json=body).json()
    assert grade["answer"] == SCRIPT  # JSON keeps the text as it was typed
    page = client.get(f"/quiz?session={body['session']}")  # the pending grade, embedded in the page
    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img" not in page.text
    assert "\\u003cscript\\u003ealert('x')\\u003c/script\\u003e \\u0026 \\u003cimg" in page.text


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    for response in (client.get("/quiz"), client.get("/api/decks"), client.get("/api/decks", headers={"Host": "x.example"})):
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


class Exploding:
    """A grader that fails the way a bug would."""

    @property
    def info(self):  # type: ignore[no-untyped-def]
        return ScriptedGrader().info

    def grade(self, submission):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals /home/user/quizzer/grading.py line 12")

    def grade_batch(self, submissions):  # type: ignore[no-untyped-def]
        return [self.grade(submission) for submission in submissions]


def test_a_grader_bug_keeps_the_answer_and_shows_no_internals(tmp_path: Path) -> None:
    context = open_context(tmp_path / "q.db", [small_deck(1)], Exploding)
    with TestClient(create_app(context), base_url=BASE, raise_server_exceptions=False) as client:
        response = client.post("/api/answer", json=card_body(client))
    assert response.status_code == 200
    shown = response.json()
    assert shown["verdict"] == "could not grade" and shown["needs_decision"] is True
    assert shown["reason"] == "the grader failed (an internal error; the server's console has the details)"
    assert "Traceback" not in response.text and "secret" not in response.text
    with sqlite3.connect(tmp_path / "q.db") as db:  # the answer is saved, for the learner to decide
        assert db.execute("SELECT answer, verdict FROM reviews").fetchall() == [
            ("answer number 0 alpha beta", "could not grade")]


def test_a_grader_that_cannot_be_built_says_why_with_its_hint(tmp_path: Path) -> None:
    def build() -> Grader:
        raise QuizzerError("the hybrid grader needs an LLM, and none is configured", hint="set QUIZZER_LLM_MODEL")

    context = open_context(tmp_path / "q.db", [small_deck(1)], build)
    with TestClient(create_app(context), base_url=BASE) as client:
        response = client.post("/api/answer", json=card_body(client))
    assert response.status_code == 200 and response.json()["verdict"] == "could not grade"
    assert response.json()["reason"] == "the grader failed: the hybrid grader needs an LLM, and none is configured"
    assert response.json()["hint"] == "set QUIZZER_LLM_MODEL"


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[TestClient]:
    context = open_context(tmp_path / "q.db", [small_deck(2)], ScriptedGrader)
    policy = AccessPolicy.for_host("0.0.0.0", "s3cret-token")
    with TestClient(create_app(context, policy), base_url="http://192.168.1.20:8765", follow_redirects=False) as client:
        yield client


def test_without_the_token_every_request_gets_401(guarded: TestClient) -> None:
    api = guarded.get("/api/decks")
    assert api.status_code == 401 and "needs its token" in api.json()["error"]
    page = guarded.get("/quiz")
    assert page.status_code == 401 and "needs its token" in page.text and page.headers["content-type"].startswith("text/html")
    assert guarded.get("/static/style.css").status_code == 401
    assert guarded.get("/api/decks", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/quiz", params={"token": "wrong"}).status_code == 401


def test_the_token_in_the_url_once_becomes_a_cookie(guarded: TestClient) -> None:
    first = guarded.get("/quiz", params={"token": "s3cret-token", "deck": "d"})
    assert first.status_code == 303 and first.headers["location"] == "/quiz?deck=d"  # out of the address bar
    cookie = first.headers["set-cookie"]
    assert "quizzer_token=s3cret-token" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert guarded.get("/quiz", params={"deck": "d"}).status_code == 200  # the client kept the cookie
    body = card_body(guarded)
    assert guarded.post("/api/answer", json=body).status_code == 200


def test_the_token_in_an_authorization_header_works_for_scripts(guarded: TestClient) -> None:
    response = guarded.get("/api/decks", headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 200


def test_a_wildcard_address_answers_to_ip_addresses_and_this_machines_names_only(guarded: TestClient) -> None:
    headers = {"Authorization": "Bearer s3cret-token"}
    assert guarded.get("/api/decks", headers={**headers, "Host": "10.0.0.7:8765"}).status_code == 200
    assert guarded.get("/api/decks", headers={**headers, "Host": "attacker.example"}).status_code == 403


def test_token_rule_loopback_needs_none_any_other_address_always_one() -> None:
    assert serve_token(None, "127.0.0.1") is None and serve_token(None, "localhost") is None
    assert serve_token(None, "::1") is None
    generated = serve_token(None, "0.0.0.0")
    assert generated and len(generated) >= 20 and generated != serve_token(None, "0.0.0.0")
    assert serve_token("mine", "192.168.1.2") == "mine" and serve_token("mine", "127.0.0.1") == "mine"


def test_host_names_are_compared_without_port_brackets_case_or_final_dot() -> None:
    assert [host_name(value) for value in ("LocalHost:80", "[::1]:8765", "example.com.", "10.0.0.1")] == [
        "localhost", "::1", "example.com", "10.0.0.1"]
    assert is_loopback("127.0.0.2") and is_loopback("[::1]") and not is_loopback("0.0.0.0")
    specific = AccessPolicy.for_host("192.168.1.5", "t")
    assert specific.allows_host("192.168.1.5") and specific.allows_host("localhost")
    assert not specific.allows_host("10.0.0.7") and not specific.allows_host("evil.example")


def test_the_pages_load_nothing_from_other_sites() -> None:
    import re

    web = Path(__file__).resolve().parent.parent / "quizzer" / "web"
    for path in [*web.glob("templates/*.html"), *web.glob("static/*")]:
        text = path.read_text(encoding="utf-8")
        external = [url for url in re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'<>]*", text)
                    if not url.startswith("http://www.w3.org/2000/svg")]
        assert external == [], (path.name, external)
