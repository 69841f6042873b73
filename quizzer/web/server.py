"""`quizzer serve`: the web app over the quiz's decks, grader and database; listens, prints the URL, stops on Ctrl-C.

As in the terminal, the grader (and its embedding model) is built in a background thread from the start, so the
first question is on the page while the model loads; the first answer waits for it.
"""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizzer.core.errors import QuizzerError
from quizzer.web.security import WILDCARDS, AccessPolicy, is_loopback
from quizzer.web.schemas import QuizRequest

DEFAULT_PORT = 8765
JUDGE_GRADERS = frozenset({"llm", "hybrid"})


@dataclass(frozen=True)
class ServeOptions:
    decks: Sequence[str] = ()
    db: Path | None = None
    tags: Sequence[str] = ()
    limit: int | None = None
    new: int | None = None
    cram: bool = False
    grader: str | None = None
    no_cache: bool = False
    escalate: str | None = None  # llm.escalate for this run, as `quiz --escalate`
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    open_browser: bool = False


def serve_token(configured: str | None, host: str) -> str | None:
    """The token requests must carry: the configured one; none on loopback; else a fresh random one."""
    if configured:
        return configured
    return None if is_loopback(host) else secrets.token_urlsafe(18)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free port), or a QuizzerError saying why not."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host.strip("[]") or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        listener = socket.socket(family, kind, protocol)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and host.strip("[]") == "::":
            listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)  # IPv4 too
        listener.bind(address)
        listener.listen(128)
    except OSError as error:
        raise QuizzerError(f"cannot listen on {host}:{port}: {error.strerror or error}",
                           hint="choose another --port (--port 0 takes any free one) or --host") from None
    return listener


def page_urls(host: str, port: int, token: str | None, path: str = "/quiz") -> list[str]:
    """Where to open the quiz: on a wildcard address, this machine's loopback and network names."""
    bare = host.strip("[]")
    hosts = ["127.0.0.1", socket.gethostname()] if bare in WILDCARDS else [bare]
    query = f"?token={token}" if token else ""
    return [f"http://{f'[{name}]' if ':' in name else name}:{port}{path}{query}" for name in hosts]


def serve(options: ServeOptions, say: Callable[[str], None] | None = None) -> int:
    """Runs the server until Ctrl-C; returns the exit status."""
    from quizzer.core.config import load_config
    from quizzer.deck.catalog import load_decks
    from quizzer.graders import background_grader
    from quizzer.grading.registry import default_grader_name
    from quizzer.storage.db import resolve_db_path
    from quizzer.web.app import WebContext, create_app
    from quizzer.web.quizzes import Activity

    import uvicorn  # noqa: F401  (now, so that the page answers as soon as the URL is printed)

    say = say or (lambda line: print(line, flush=True))
    config = load_config().with_flags(llm__cache=False if options.no_cache else None, llm__escalate=options.escalate)
    decks = load_decks(options.decks, config)
    activity = Activity()  # the judge's observer: the page says when an answer waits for the LLM
    loader = background_grader(options.grader, config, options.db, observer=activity)
    grader_name = options.grader or default_grader_name(config)
    token = serve_token(config.serve.token, options.host)
    listener = bind(options.host, options.port)
    port = listener.getsockname()[1]
    db_path = resolve_db_path(config, options.db)
    context = WebContext.open(
        db_path, decks, loader.get,
        defaults=QuizRequest((), tuple(options.tags), options.new, options.limit, options.cram),
        new_per_day=config.quiz.new_per_day, grader_name=grader_name,
        uses_judge=grader_name in JUDGE_GRADERS, model_ready=lambda: loader.ready,
        configured_decks=config.decks, activity=activity,
    )
    app = create_app(context, AccessPolicy.for_host(options.host, token))
    urls = page_urls(options.host, port, token)
    try:
        say(f"quizzer serve: {len(decks)} deck(s) ({', '.join(deck.name for deck in decks)}), database {db_path}")
        if not is_loopback(options.host):
            say(f"Listening on {options.host}: anyone who can reach it needs the token, which is in the URL.")
        say(f"Open {urls[0]}" + "".join(f"\n  or {url}" for url in urls[1:]) + "   (Ctrl-C stops)")
        loader.start()
        if options.open_browser:
            import webbrowser

            threading.Thread(target=webbrowser.open, args=(urls[0],), name="quizzer-open", daemon=True).start()
        run(app, listener)
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled once it has shut down; or it came earlier
        pass
    finally:
        context.close()
        listener.close()
    say("Stopped. Every grade was saved as it was shown.")
    return 0


def run(app: Any, listener: socket.socket) -> None:
    """Serves on the socket until Ctrl-C (or SIGTERM); open requests get a few seconds to finish."""
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=False, server_header=False,
                            lifespan="on", timeout_graceful_shutdown=3)
    uvicorn.Server(config).run(sockets=[listener])
