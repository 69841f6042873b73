"""`quizzer serve`'s app on a real uvicorn server on a loopback port, in a thread of the test process
(so a test can share the session's embedding model), and small decks for the web tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quizzer.deck.model import Card, Deck
from quizzer.core.types import Grader
from quizzer.web.app import WebContext, create_app
from quizzer.web.schemas import QuizRequest
from quizzer.web.security import AccessPolicy
from quizzer.web.server import bind


def small_deck(count: int = 3, name: str = "d") -> Deck:
    cards = tuple(
        Card(id=f"c{i}", question=f"Question {i}: what is x^2 <b>here</b> & there?",
             references=(f"answer number {i} alpha beta",), key_points=("alpha", "beta"),
             notes=f"Notes of card {i} with \\(\\frac{{a}}{{b}}\\).", tags=("even",) if i % 2 == 0 else ("odd",))
        for i in range(count)
    )
    return Deck(name=name, cards=cards, description="A small test deck.")


def open_context(db: Path, decks: list[Deck], grader: Callable[[], Grader], **options: Any) -> WebContext:
    defaults = options.pop("defaults", QuizRequest())
    return WebContext.open(db, decks, grader, defaults=defaults, new_per_day=options.pop("new_per_day", 20),
                           grader_name=options.pop("grader_name", "scripted"), **options)


class LiveServer:
    """`with LiveServer(context) as server:` serves on `server.url` until the block ends."""

    def __init__(self, context: WebContext, policy: AccessPolicy | None = None) -> None:
        import uvicorn

        self.listener = bind("127.0.0.1", 0)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(context, policy), log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.listener]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
        self.listener.close()
