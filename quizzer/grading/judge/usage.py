"""What the LLM judge's calls cost: one reply's tokens and latency, and a run's totals (safe across threads)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from quizzer.grading.judge.endpoint import Price


@dataclass(frozen=True)
class ChatReply:
    text: str
    form: str
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_s: float

    def cost_usd(self, price: Price | None) -> float | None:
        """None (unknown) without a price or without token counts; never a made-up 0."""
        if price is None or self.prompt_tokens is None or self.completion_tokens is None:
            return None
        return (self.prompt_tokens * price.input + self.completion_tokens * price.output) / 1_000_000


class UsageStats:
    """Calls, tokens, latency and estimated cost of one run; safe to update from several threads."""

    def __init__(self, model: str, price: Price | None) -> None:
        self.model = model
        self.price = price
        self.calls = 0
        self.failures = 0
        self.cache_hits = 0
        self.fallbacks = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.latency_s = 0.0
        self._uncounted_calls = 0  # calls whose server reported no token usage
        self._lock = threading.Lock()

    def record_reply(self, reply: ChatReply) -> None:
        with self._lock:
            self.calls += 1
            self.latency_s += reply.latency_s
            if reply.prompt_tokens is None or reply.completion_tokens is None:
                self._uncounted_calls += 1
            else:
                self.input_tokens += reply.prompt_tokens
                self.output_tokens += reply.completion_tokens

    def record_failure(self) -> None:
        with self._lock:
            self.failures += 1

    def record_cache_hit(self) -> None:
        with self._lock:
            self.cache_hits += 1

    def record_fallback(self) -> None:
        with self._lock:
            self.fallbacks += 1

    @property
    def cost_usd(self) -> float | None:
        """Estimated cost; None when the model has no price or a server did not report tokens."""
        if self.price is None or self._uncounted_calls:
            return None
        return (self.input_tokens * self.price.input + self.output_tokens * self.price.output) / 1_000_000

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "calls": self.calls,
            "failures": self.failures,
            "cache_hits": self.cache_hits,
            "fallbacks": self.fallbacks,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "latency_s": round(self.latency_s, 3),
            "mean_latency_s": round(self.latency_s / self.calls, 3) if self.calls else None,
            "cost_usd": self.cost_usd,
        }

    def describe(self) -> str:
        """One line for people: calls, tokens, latency and cost (unknown, never $0, without a price)."""
        if self.cost_usd is not None:
            cost = f"estimated cost ${self.cost_usd:.4f}"
        elif self.price is None:
            cost = f"cost unknown (no price for {self.model}; set llm.prices)"
        else:
            cost = "cost unknown (the server did not report token counts)"
        latency = f", mean latency {self.latency_s / self.calls:.2f} s" if self.calls else ""
        extras = "".join(
            f", {count} {label}"
            for count, label in ((self.cache_hits, "cached"), (self.failures, "failed"), (self.fallbacks, "offline fallbacks"))
            if count
        )
        return (
            f"LLM {self.model}: {self.calls} calls{extras}, {self.input_tokens} input + "
            f"{self.output_tokens} output tokens{latency}, {cost}"
        )
