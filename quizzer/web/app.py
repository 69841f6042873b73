"""The web app: three pages (deck picker, quiz, progress) and the JSON API they use.

Pages are rendered by Jinja2 with autoescaping; everything the learner or a deck wrote reaches the page as
escaped text (or as JSON inside a script element that is never executed), and the scripts put text into the
page with `textContent` only. Errors are JSON `{"error", "hint", "status"}` (an HTML page for pages), never a
traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from quizzer import __version__
from quizzer.core.errors import QuizzerError
from quizzer.core.text_input import ANSWER_MAX_CHARS
from quizzer.core.types import Grader, Verdict, utc_now
from quizzer.deck.model import Deck
from quizzer.web.overview import Overview
from quizzer.web.quizzes import Activity, Quizzes
from quizzer.web.schemas import (
    MAX_BODY_BYTES,
    ApiError,
    QuizRequest,
    answer_body,
    quiz_request,
    session_param,
    verdict_body,
)
from quizzer.web.security import AccessPolicy, Guard
from quizzer.web.worker import Worker

log = logging.getLogger("quizzer.web")
WEB_DIR = Path(__file__).resolve().parent
DECISIONS = ("accept", "override", "decide", "skip")


@dataclass
class WebContext:
    """What the routes need: the two database threads and what the page shows about the grader."""

    quizzes: Worker[Quizzes]
    overview: Worker[Overview]
    defaults: QuizRequest
    deck_names: list[str]
    grader_name: str
    uses_judge: bool
    model_ready: Callable[[], bool]
    activity: Activity
    answer_max_chars: int

    @classmethod
    def open(
        cls,
        db_path: Path,
        decks: Sequence[Deck],
        grader: Callable[[], Grader],
        *,
        defaults: QuizRequest,
        new_per_day: int,
        grader_name: str,
        uses_judge: bool = False,
        model_ready: Callable[[], bool] = lambda: True,
        configured_decks: Sequence[str] = (),
        clock: Callable[[], datetime] | None = None,
        activity: Activity | None = None,
    ) -> WebContext:
        """Opens the database on two threads (quiz steps; pages and stats) and returns the context. `activity`
        is what the grader's LLM judge reports to (`Activity` is its observer), if it has one."""
        from quizzer.storage.db import connect

        clock = clock or utc_now
        activity = activity or Activity()
        quizzes = Worker("quiz", lambda: Quizzes(connect(db_path), decks, grader, new_per_day=new_per_day,
                                                 defaults=defaults, model_ready=model_ready, activity=activity,
                                                 clock=clock),
                         close=lambda target: target.connection.close(),
                         idle=lambda target: target.prepare_next_card())
        overview = Worker("pages", lambda: Overview(connect(db_path), decks, defaults=defaults, new_per_day=new_per_day,
                                                    configured_decks=configured_decks, clock=clock),
                          close=lambda target: target.connection.close())
        quizzes.start()
        overview.start()
        return cls(quizzes, overview, defaults, [deck.name for deck in decks], grader_name, uses_judge, model_ready,
                   activity, ANSWER_MAX_CHARS)

    def close(self) -> None:
        self.quizzes.stop()
        self.overview.stop()


async def quiz_page(request: Request) -> Response:
    context = _context(request)
    quiz = quiz_request(request.query_params.getlist, context.defaults, context.deck_names)
    session = session_param(request.query_params.get("session"))
    data = await context.quizzes.run(lambda quizzes: quizzes.next(quiz, session))
    return _page(request, "quiz.html", data=data, card=data["card"], status=_status(context),
                 answer_max_chars=context.answer_max_chars)


async def start_page(request: Request) -> Response:
    context = _context(request)
    decks = await context.overview.run(lambda overview: overview.deck_list())
    return _page(request, "start.html", decks=decks, defaults=context.defaults)


async def progress_page(request: Request) -> Response:
    return _page(request, "progress.html")


async def api_decks(request: Request) -> Response:
    return JSONResponse(await _context(request).overview.run(lambda overview: overview.deck_list()))


async def api_next(request: Request) -> Response:
    context = _context(request)
    quiz = quiz_request(request.query_params.getlist, context.defaults, context.deck_names)
    session = session_param(request.query_params.get("session"))
    return JSONResponse(await context.quizzes.run(lambda quizzes: quizzes.next(quiz, session)))


async def api_answer(request: Request) -> Response:
    body = answer_body(await read_json(request))
    return JSONResponse(await _context(request).quizzes.run(lambda quizzes: quizzes.answer(body)))


async def api_decision(request: Request) -> Response:
    review_id = request.path_params["review_id"]
    action = request.path_params["action"]
    if action not in DECISIONS:
        raise HTTPException(404)
    body = await read_json(request)
    work: Callable[[Quizzes], dict[str, Any]]
    if action == "override":
        verdict = verdict_body(body, (Verdict.CORRECT, Verdict.INCORRECT))
        work = lambda quizzes: quizzes.override(review_id, verdict)  # noqa: E731
    elif action == "decide":
        verdict = verdict_body(body, (Verdict.CORRECT, Verdict.PARTIAL, Verdict.INCORRECT))
        work = lambda quizzes: quizzes.decide(review_id, verdict)  # noqa: E731
    elif action == "skip":
        work = lambda quizzes: quizzes.skip(review_id)  # noqa: E731
    else:
        work = lambda quizzes: quizzes.accept(review_id)  # noqa: E731
    return JSONResponse(await _context(request).quizzes.run(work))


async def api_stats(request: Request) -> Response:
    decks = [name for name in request.query_params.getlist("deck") if name]
    return JSONResponse(await _context(request).overview.run(lambda overview: overview.stats(decks)))


async def api_status(request: Request) -> Response:
    return JSONResponse(_status(_context(request)))


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object; refuses other content types, bodies over the limit and bad JSON."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise ApiError(415, "send a JSON body with Content-Type: application/json")
    too_big = ApiError(413, f"the request body is over the limit of {MAX_BODY_BYTES:,} bytes",
                       hint="an answer may be at most the quiz's answer-size limit")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_big
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise too_big
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError(400, "the body is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise ApiError(400, f"the body is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                       hint='e.g. {"deck": "msft-asr", "card_id": "…", "answer": "…"}') from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object")
    return data


def create_app(context: WebContext, policy: AccessPolicy | None = None) -> Guard:
    """The ASGI app, behind the host, origin and token checks."""
    import jinja2

    templates = jinja2.Environment(
        loader=jinja2.FileSystemLoader(WEB_DIR / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    templates.filters["json_script"] = _json_script
    for name in ("quiz.html", "start.html", "progress.html", "message.html"):
        templates.get_template(name)  # compiled now, not on the first request

    @contextlib.asynccontextmanager
    async def shutdown(app: Starlette) -> AsyncIterator[None]:
        yield
        context.close()

    app = Starlette(
        routes=[
            Route("/", start_page),
            Route("/quiz", quiz_page),
            Route("/progress", progress_page),
            Route("/api/decks", api_decks),
            Route("/api/next", api_next),
            Route("/api/answer", api_answer, methods=["POST"]),
            Route("/api/reviews/{review_id:int}/{action}", api_decision, methods=["POST"]),
            Route("/api/stats", api_stats),
            Route("/api/status", api_status),
            Route("/favicon.ico", lambda request: RedirectResponse("/static/favicon.svg", 301)),
            Mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static"),
        ],
        exception_handlers={
            HTTPException: _http_error,
            QuizzerError: _quizzer_error,
            ValueError: _value_error,
            Exception: _internal_error,
        },
        lifespan=shutdown,
    )
    app.state.context = context
    app.state.templates = templates
    return Guard(app, policy or AccessPolicy())


def _context(request: Request) -> WebContext:
    return request.app.state.context  # type: ignore[no-any-return]


def _status(context: WebContext) -> dict[str, Any]:
    return {"model_ready": context.model_ready(), "grader": context.grader_name, "judge": context.uses_judge,
            "phase": context.activity.phase}


def _page(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    page = request.app.state.templates.get_template(template)
    return HTMLResponse(page.render(version=__version__, path=request.url.path, **values), status_code=status_code)


def _json_script(value: Any) -> Any:
    """JSON for a <script type="application/json"> element: nothing in it can close the element."""
    from markupsafe import Markup

    text = json.dumps(value, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _error(request: Request, status: int, message: str, hint: str | None = None) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message, "hint": hint, "status": status}, status_code=status)
    return _page(request, "message.html", status_code=status, status=status, message=message, hint=hint)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    messages = {404: "no such page", 405: "method not allowed (state changes are POST requests with a JSON body)"}
    return _error(request, error.status_code, messages.get(error.status_code, error.detail))


async def _quizzer_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, QuizzerError)
    status = error.status if isinstance(error, ApiError) else 503  # e.g. the grader could not be built
    return _error(request, status, error.message, error.hint)


async def _value_error(request: Request, error: Exception) -> Response:
    # The quiz session refuses a step out of order ("no card left in this session").
    return _error(request, 409, str(error))


async def _internal_error(request: Request, error: Exception) -> Response:
    log.error("error in %s %s", request.method, request.url.path, exc_info=error)
    return _error(request, 500, "internal error (the server's console has the details)")

