"""Which LLM endpoint the judge talks to: model, URL, key, retries and prices (the llm.* settings).

The API key stays out of repr() and is passed to the client and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from quizzer.core.errors import LLMError

if TYPE_CHECKING:
    from quizzer.core.config import Config

# Structured-output forms, most to least structured. llama.cpp's server answers HTTP 500 to
# `json_schema` but takes `json_object` with a schema; some servers take neither.
FORMS = ("json_schema", "json_object", "text")
OPENAI_DEFAULT_URL = "https://api.openai.com/v1"


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: float
    output: float


def parse_prices(text: str | None) -> dict[str, Price]:
    """The `llm.prices` setting: 'model=input/output;model2=input/output' (USD per million tokens)."""
    prices: dict[str, Price] = {}
    for entry in (text or "").split(";"):
        if not entry.strip():
            continue
        model, _, pair = entry.partition("=")
        input_price, _, output_price = pair.partition("/")
        try:
            prices[model.strip()] = Price(float(input_price), float(output_price))
        except ValueError:
            raise LLMError(
                f"llm.prices: cannot read {entry.strip()!r}",
                hint="write prices as 'model=input/output;...' in USD per million tokens, e.g. 'gpt-4o-mini=0.15/0.6'",
            ) from None
    return prices


@dataclass(frozen=True)
class LLMSettings:
    """The llm.* settings the client needs. `api_key` stays out of repr()."""

    model: str
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    azure_endpoint: str | None = None
    api_version: str = "2024-10-21"
    timeout: float = 20.0
    attempts: int = 3
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 10.0
    max_consecutive_failures: int = 3
    structured_output: str = "auto"
    prices: dict[str, Price] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Config) -> LLMSettings:
        llm = config.llm
        model = llm.model
        if not model:
            raise LLMError(
                "no LLM is configured",
                hint="set QUIZZER_LLM_MODEL (and QUIZZER_LLM_BASE_URL for a local server, "
                "QUIZZER_LLM_API_KEY or OPENAI_API_KEY for a hosted one)",
            )
        return cls(
            model=model,
            base_url=llm.base_url,
            api_key=llm.api_key,
            azure_endpoint=llm.azure_endpoint,
            api_version=llm.api_version,
            timeout=llm.timeout,
            attempts=llm.attempts,
            backoff_seconds=llm.backoff_seconds,
            backoff_max_seconds=llm.backoff_max_seconds,
            max_consecutive_failures=llm.max_consecutive_failures,
            structured_output=llm.structured_output,
            prices=parse_prices(llm.prices),
        )

    @property
    def endpoint(self) -> str:
        """The endpoint's URL without any user:password@ or query, for people, grades and the form memory."""
        from urllib.parse import urlsplit, urlunsplit

        url = urlsplit((self.azure_endpoint or self.base_url or OPENAI_DEFAULT_URL).rstrip("/"))
        host = url.netloc.rpartition("@")[2]
        return urlunsplit((url.scheme, host, url.path, "", ""))

    @property
    def endpoint_key(self) -> str:
        return f"{self.endpoint}|{self.model}"

    @property
    def price(self) -> Price | None:
        return self.prices.get(self.model)
