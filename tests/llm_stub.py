"""A loopback OpenAI-compatible Chat Completions server for tests: scripted replies, failures on purpose.

It speaks real HTTP on 127.0.0.1 (a free port), so the real `openai` client, its timeouts and our retry
layer are exercised end to end. It records every request (path, headers, body) for assertions.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class StubReply:
    """One scripted answer. `content` is the assistant's message; `body` replaces the whole HTTP body."""

    status: int = 200
    content: str | None = None
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    usage: tuple[int, int] | None = (120, 30)


def verdict_reply(verdict: str = "correct", score: float | None = 1.0, **extra: Any) -> StubReply:
    """A well-formed judge reply."""
    payload: dict[str, Any] = {"verdict": verdict, **({"score": score} if score is not None else {}), **extra}
    payload.setdefault("feedback", f"Stub says {verdict}.")
    return StubReply(content=json.dumps(payload))


def error_reply(status: int, message: str = "stub failure", **headers: str) -> StubReply:
    return StubReply(status=status, body=json.dumps({"error": {"message": message, "code": status}}),
                     headers={key.replace("_", "-"): value for key, value in headers.items()})


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: str

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def form(self) -> str:
        """The structured-output form asked for: json_schema, json_object or text."""
        response_format = self.json.get("response_format")
        return response_format["type"] if response_format else "text"

    def message(self, role: str) -> str:
        return next(message["content"] for message in self.json["messages"] if message["role"] == role)


class LLMStub:
    """Start with `with LLMStub() as stub:`; `stub.url` is the base URL (…/v1) for the client."""

    def __init__(self) -> None:
        self.script: deque[StubReply] = deque()
        # Used when the script is empty: a reply, or a function of the request giving one.
        self.default: StubReply | Callable[[RecordedRequest], StubReply] = verdict_reply()
        # Forms answered with HTTP 500, as llama.cpp's server answers json_schema.
        self.refused_forms: set[str] = set()
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="llm-stub", daemon=True)

    @property
    def root_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return f"{self.root_url}/v1"

    def queue(self, *replies: StubReply) -> None:
        self.script.extend(replies)

    def __enter__(self) -> LLMStub:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _next_reply(self, request: RecordedRequest) -> StubReply:
        if request.form in self.refused_forms:
            # What llama.cpp's server says to a json_schema response_format it cannot take.
            return error_reply(500, "Either \"json_schema\" or \"grammar\" can be specified, but not both")
        with self._lock:
            if self.script:
                return self.script.popleft()
        return self.default(request) if callable(self.default) else self.default

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()},
                                          self.rfile.read(length).decode("utf-8"))
                with stub._lock:
                    stub.requests.append(request)
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                try:
                    # /v1/chat/completions, or Azure's /openai/deployments/<name>/chat/completions?api-version=...
                    if not self.path.split("?")[0].rstrip("/").endswith("/chat/completions"):
                        self._send(error_reply(404, f"no route {self.path}"), request)
                    else:
                        self._send(stub._next_reply(request), request)
                finally:
                    with stub._lock:
                        stub.in_flight -= 1

            def _send(self, reply: StubReply, request: RecordedRequest) -> None:
                if reply.delay:
                    stub._stopping.wait(reply.delay)
                body = reply.body if reply.body is not None else json.dumps(_completion(reply, request))
                data = body.encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler


def _completion(reply: StubReply, request: RecordedRequest) -> dict[str, Any]:
    completion: dict[str, Any] = {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.json.get("model", "stub"),
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": reply.content or ""}}],
    }
    if reply.usage is not None:
        prompt, completion_tokens = reply.usage
        completion["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion_tokens,
                               "total_tokens": prompt + completion_tokens}
    return completion


def closed_port_url() -> str:
    """A base URL on a loopback port that nothing listens on (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
