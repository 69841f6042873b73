"""A thread that owns one object (and the SQLite connection inside it) and runs calls on it one at a time.

A SQLite connection may only be used by the thread that opened it, and a quiz session is a sequence of
steps that must not interleave; so each worker builds its object in its own thread and queues every call.
The event loop awaits the result without blocking other requests.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import signal
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

Target = TypeVar("Target")
Result = TypeVar("Result")
log = logging.getLogger("quizzer.web")


class Worker(Generic[Target]):
    def __init__(
        self,
        name: str,
        build: Callable[[], Target],
        close: Callable[[Target], None] | None = None,
        idle: Callable[[Target], None] | None = None,
    ) -> None:
        """`idle` runs after a call whenever no other call is waiting (work done ahead; keep each run short)."""
        self._name = name
        self._build = build
        self._close = close
        self._idle = idle
        self._calls: queue.Queue[tuple[Callable[[Target], Any], Callable[[Any, BaseException | None], None]] | None]
        self._calls = queue.Queue()
        self._thread: threading.Thread | None = None
        self._built = threading.Event()
        self._build_error: BaseException | None = None

    def start(self) -> None:
        """Starts the thread and waits until the object is built (re-raising what building raised)."""
        if self._thread is None:
            # A daemon: stopping the server never waits for a grade still being computed.
            self._thread = threading.Thread(target=self._serve, name=f"quizzer-{self._name}", daemon=True)
            self._thread.start()
        self._built.wait()
        if self._build_error is not None:
            raise self._build_error

    def call(self, work: Callable[[Target], Result]) -> Result:
        """Runs `work` on the worker's thread and waits for it (for callers that are threads themselves)."""
        done = threading.Event()
        box: list[Any] = []

        def finish(result: Any, error: BaseException | None) -> None:
            box.extend((result, error))
            done.set()

        self._calls.put((work, finish))
        done.wait()
        if box[1] is not None:
            raise box[1]
        return box[0]  # type: ignore[no-any-return]

    async def run(self, work: Callable[[Target], Result]) -> Result:
        """Runs `work` on the worker's thread; the event loop goes on serving meanwhile."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()

        def finish(result: Any, error: BaseException | None) -> None:
            loop.call_soon_threadsafe(_settle, future, result, error)

        self._calls.put((work, finish))
        return await future

    def stop(self, timeout: float = 2.0) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._calls.put(None)
            self._thread.join(timeout)

    def _serve(self) -> None:
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # Ctrl-C belongs to the main thread
        try:
            target = self._build()
        except BaseException as error:  # re-raised by start()
            self._build_error = error
            self._built.set()
            return
        self._built.set()
        try:
            while (item := self._calls.get()) is not None:
                work, finish = item
                try:
                    result = work(target)
                except BaseException as error:  # handed to the caller
                    finish(None, error)
                else:
                    finish(result, None)
                if self._idle is not None and self._calls.empty():
                    try:
                        self._idle(target)
                    except Exception:  # work ahead is optional: a failure shows up when the work is asked for
                        log.debug("idle work failed", exc_info=True)
        finally:
            if self._close is not None:
                self._close(target)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():  # the client went away; the work itself is done (and committed)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
