"""The OpenAI client as supportflow uses it, and the typed errors for model output we cannot use.

Any OpenAI-compatible server works: key, base URL and model come from the worker's settings.
The client never retries (`max_retries=0`): Temporal owns retries, and a hidden retry loop here
would multiply calls and blur the attempt count recorded in history.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx2
import openai

DEFAULT_TIMEOUT = httpx2.Timeout(30.0, connect=5.0)


class LlmOutputError(Exception):
    """The model answered, but not with something we may act on. Retrying the same prompt is
    unlikely to help, so these are non-retryable and the ticket goes to a person."""

    error_type = "LlmOutputError"


class LlmRefusal(LlmOutputError):
    error_type = "LlmRefusal"


class LlmMalformedOutput(LlmOutputError):
    error_type = "LlmMalformedOutput"


@dataclass(frozen=True)
class LlmConfig:
    api_key: str
    model: str
    base_url: str | None = None
    timeout_s: float = 30.0


def make_client(
    config: LlmConfig, http_client: httpx2.AsyncClient | None = None
) -> openai.AsyncOpenAI:
    """An async client with retries off and explicit timeouts."""
    return openai.AsyncOpenAI(
        api_key=config.api_key,
        base_url=config.base_url,
        max_retries=0,
        timeout=httpx2.Timeout(config.timeout_s, connect=min(5.0, config.timeout_s)),
        http_client=http_client,
    )


def engine_name(model: str) -> str:
    return f"openai:{model}"
