"""The one module that talks to an LLM endpoint (and the only one importing `openai`).

Any OpenAI-compatible Chat Completions server (OpenAI, vLLM, llama.cpp, Ollama) by base URL, or
Azure OpenAI through the `openai` package's Azure client. One retry layer (tenacity; the client's
own retries are off), a per-answer time budget, an endpoint that is given up on after several
failures in a row, structured output with a remembered fallback form, and usage statistics.
The API key is passed to the client and nowhere else: it is never logged, stored or shown.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from email.utils import parsedate_to_datetime
from typing import Any

from quizzer.core.errors import LLMError
from quizzer.grading.judge.endpoint import FORMS, OPENAI_DEFAULT_URL, LLMSettings
from quizzer.grading.judge.usage import ChatReply, UsageStats

log = logging.getLogger("quizzer.llm")

# Local servers (llama.cpp, Ollama, vLLM) need no key, but the openai client insists on one.
NO_KEY_PLACEHOLDER = "no-key"
# Errors that say the endpoint will not work this run, however long we retry.
_FATAL_STATUSES = {401: "the API key was rejected", 403: "access was denied", 404: "model or endpoint not found"}
# Statuses with which servers refuse a response_format they lack (llama.cpp: 500; vLLM, OpenAI: 400).
# Others (401, 404, 429, 502-504...) say nothing about the form and are not worth another form.
_FORM_REFUSAL_STATUSES = {400, 415, 422, 500, 501}

# Form that worked, per endpoint (base URL + model), for the rest of the process.
_form_memory: dict[str, str] = {}
_form_memory_lock = threading.Lock()


class LLMCallError(LLMError):
    """No usable reply for one request; `reason` says why in a few words (never with the key)."""

    def __init__(self, reason: str, *, down: bool = False) -> None:
        super().__init__(reason, hint="check the endpoint with `quizzer llm check`")
        self.reason = reason
        self.down = down


def remembered_form(endpoint_key: str) -> str | None:
    with _form_memory_lock:
        return _form_memory.get(endpoint_key)


def forget_forms() -> None:
    """Clears the per-endpoint form memory (tests; a server that was upgraded mid-process)."""
    with _form_memory_lock:
        _form_memory.clear()


def _remember_form(endpoint_key: str, form: str) -> None:
    with _form_memory_lock:
        _form_memory[endpoint_key] = form


class _Deadline(Exception):
    """The answer's time budget is spent: stop at once, whatever the attempt count."""


class _Misconfigured(Exception):
    """The client cannot even be built (no key): no call this run can succeed."""


class LLMClient:
    """Sends chat requests (from several threads at once if need be), each within a time budget, with retries."""

    def __init__(
        self,
        settings: LLMSettings,
        *,
        warn: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.usage = UsageStats(settings.model, settings.price)
        self._warn = warn or log.warning
        self._sleep = sleep
        self._lock = threading.Lock()
        self._consecutive_failures = 0
        self._down_reason: str | None = None
        self._client: Any = None

    @property
    def down_reason(self) -> str | None:
        """Why the endpoint is treated as down for the rest of the run (None while it is up)."""
        return self._down_reason

    def forms(self) -> tuple[str, ...]:
        """The forms to try, in order: the configured one, else from the one remembered for this endpoint."""
        if self.settings.structured_output != "auto":
            return (self.settings.structured_output,)
        known = remembered_form(self.settings.endpoint_key)
        return FORMS[FORMS.index(known):] if known else FORMS

    def complete(self, messages: Sequence[dict[str, str]], schema: dict[str, Any], *, budget_seconds: float) -> ChatReply:
        """One reply to `messages`, asking for JSON that follows `schema`; raises LLMCallError."""
        from tenacity import Retrying, retry_if_exception

        if self._down_reason:
            raise LLMCallError(f"LLM endpoint down: {self._down_reason}", down=True)
        deadline = time.monotonic() + budget_seconds
        retrying = Retrying(
            retry=retry_if_exception(_is_transient),
            wait=self._wait,
            stop=lambda state: self._should_stop(state, deadline),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            reply = retrying(self._attempt, messages, schema, deadline)
        except _Deadline:
            self._note_failure(f"no reply within the {budget_seconds:g} s budget", fatal=False)
            raise LLMCallError(f"no reply within the {budget_seconds:g} s budget", down=self._down_reason is not None) from None
        except LLMCallError:
            raise
        except _Misconfigured as error:
            self._note_failure(str(error), fatal=True)
            raise LLMCallError(str(error), down=True) from None
        except Exception as error:  # noqa: BLE001 - every failure becomes a reason, never a crash
            reason, fatal = self._describe(error)
            self._note_failure(reason, fatal=fatal)
            raise LLMCallError(reason, down=self._down_reason is not None) from None
        with self._lock:
            self._consecutive_failures = 0
        self.usage.record_reply(reply)
        return reply

    # -- one attempt ---------------------------------------------------------------------------

    def _attempt(self, messages: Sequence[dict[str, str]], schema: dict[str, Any], deadline: float) -> ChatReply:
        import openai

        if self._down_reason:
            raise LLMCallError(f"LLM endpoint down: {self._down_reason}", down=True)
        forms = self.forms()
        for index, form in enumerate(forms):
            remaining = deadline - time.monotonic()
            if remaining <= 0.01:
                raise _Deadline()
            started = time.monotonic()
            try:
                response = self._openai().chat.completions.create(
                    model=self.settings.model,
                    messages=list(messages),
                    temperature=0,
                    timeout=min(self.settings.timeout, remaining),
                    **_format_arguments(form, schema),
                )
            except openai.APIStatusError as error:
                # An HTTP error to a structured form may only mean the server lacks it: try the next at once.
                if index + 1 < len(forms) and error.status_code in _FORM_REFUSAL_STATUSES:
                    log.info("%s answered HTTP %s to %s; trying %s", self.settings.endpoint, error.status_code, form, forms[index + 1])
                    continue
                raise
            reply = _reply_from(response, form, time.monotonic() - started)
            if self.settings.structured_output == "auto":
                _remember_form(self.settings.endpoint_key, form)
            return reply
        raise AssertionError("unreachable: the last form re-raises")

    def _openai(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._build_client()
            return self._client

    def _build_client(self) -> Any:
        import openai

        settings = self.settings
        if settings.azure_endpoint:
            if not settings.api_key:
                raise _Misconfigured("no API key for Azure OpenAI (set QUIZZER_LLM_API_KEY)")
            return openai.AzureOpenAI(
                azure_endpoint=settings.azure_endpoint,
                api_version=settings.api_version,
                api_key=settings.api_key,
                timeout=settings.timeout,
                max_retries=0,
            )
        if not settings.api_key and not settings.base_url:
            raise _Misconfigured("no API key for the OpenAI API (set QUIZZER_LLM_API_KEY or OPENAI_API_KEY)")
        return openai.OpenAI(
            api_key=settings.api_key or NO_KEY_PLACEHOLDER,
            base_url=settings.base_url or OPENAI_DEFAULT_URL,
            timeout=settings.timeout,
            max_retries=0,
        )

    # -- retries, failures ---------------------------------------------------------------------

    def _wait(self, state: Any) -> float:
        """Exponential backoff with jitter, or the server's Retry-After when it asks for longer."""
        from tenacity import wait_exponential_jitter

        backoff = wait_exponential_jitter(
            multiplier=self.settings.backoff_seconds,
            max=self.settings.backoff_max_seconds,
            jitter=self.settings.backoff_seconds,
        )(state)
        error = state.outcome.exception() if state.outcome else None
        retry_after = _retry_after_seconds(error)
        return max(backoff, retry_after) if retry_after is not None else backoff

    def _should_stop(self, state: Any, deadline: float) -> bool:
        # Never sleep past the answer's budget: a Retry-After longer than what is left ends the call now.
        return (
            state.attempt_number >= self.settings.attempts
            or self._down_reason is not None
            or time.monotonic() + state.upcoming_sleep >= deadline - 0.05
        )

    def _note_failure(self, reason: str, *, fatal: bool) -> None:
        self.usage.record_failure()
        with self._lock:
            self._consecutive_failures += 1
            if self._down_reason or not (fatal or self._consecutive_failures >= self.settings.max_consecutive_failures):
                return
            self._down_reason = reason
            failures = self._consecutive_failures
        self._warn(
            f"LLM endpoint {self.settings.endpoint} (model {self.settings.model}) is treated as down for the rest "
            f"of this run after {failures} failure{'s' if failures > 1 else ''} in a row ({reason}); "
            "offline verdicts stand in. Check it with `quizzer llm check`."
        )

    def _describe(self, error: BaseException) -> tuple[str, bool]:
        """(reason for people, whether retrying this run is pointless)."""
        import openai

        if isinstance(error, openai.APITimeoutError):
            return "timed out", False
        if isinstance(error, openai.APIConnectionError):
            return f"cannot connect to {self.settings.endpoint}", False
        if isinstance(error, openai.APIStatusError):
            status = error.status_code
            detail = self._redact(_server_message(error))
            if status in _FATAL_STATUSES:
                return f"{_FATAL_STATUSES[status]} (HTTP {status}{': ' + detail if detail else ''})", True
            if status == 429:
                return "rate limited (HTTP 429)", False
            return f"HTTP {status}{': ' + detail if detail else ''}", False
        return self._redact(f"unusable response from {self.settings.endpoint}: {type(error).__name__}: {error}")[:300], False

    def _redact(self, text: str) -> str:
        key = self.settings.api_key
        return text.replace(key, "***") if key else text


def _format_arguments(form: str, schema: dict[str, Any]) -> dict[str, Any]:
    if form == "json_schema":
        return {"response_format": {"type": "json_schema", "json_schema": {"name": "verdict", "strict": True, "schema": schema}}}
    if form == "json_object":
        # llama.cpp constrains the output to `schema`; OpenAI-style servers take plain JSON mode.
        return {"response_format": {"type": "json_object", "schema": schema}}
    return {}


def _reply_from(response: Any, form: str, latency_s: float) -> ChatReply:
    choices = getattr(response, "choices", None)
    if not choices:
        raise ValueError("the response holds no choices")
    message = choices[0].message
    usage = getattr(response, "usage", None)
    return ChatReply(
        text=(message.content or "") if message is not None else "",
        form=form,
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None),
        latency_s=latency_s,
    )


def _is_transient(error: BaseException) -> bool:
    """Timeouts, lost connections, 408, 409, 429 and 5xx: worth another try after a pause."""
    import openai

    if isinstance(error, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code in (408, 409, 429) or error.status_code >= 500
    return False


def _retry_after_seconds(error: BaseException | None) -> float | None:
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _server_message(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if isinstance(message, str):
            return message.strip()[:200]
    return ""
