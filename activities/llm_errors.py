"""The one place where LLM failures become Temporal errors.

Temporal owns retries (the client's are off), so this mapping decides them: timeouts, connection
failures, 408, 409, 429 and 5xx are transient and retried, honouring the server's Retry-After;
authentication errors, bad requests, refusals and output that fails the schema are not, and carry
a `type` the workflow branches on (it escalates the ticket to a person).
"""

from __future__ import annotations

from datetime import timedelta

import openai
from temporalio.exceptions import ApplicationError

from activities.retry_after import retry_after
from integrations.openai_llm import LlmOutputError

RETRYABLE_STATUS = {408, 409, 429}
MAX_RETRY_DELAY = timedelta(minutes=5)

LLM_TIMEOUT = "LlmTimeout"
LLM_UNAVAILABLE = "LlmUnavailable"
LLM_RATE_LIMITED = "LlmRateLimited"
LLM_SERVER_ERROR = "LlmServerError"
LLM_AUTH_ERROR = "LlmAuthError"
LLM_BAD_REQUEST = "LlmBadRequest"
NON_RETRYABLE_TYPES = frozenset(
    {LLM_AUTH_ERROR, LLM_BAD_REQUEST, "LlmRefusal", "LlmMalformedOutput", "LlmOutputError"}
)


def _status_error(exc: openai.APIStatusError) -> ApplicationError:
    status = exc.status_code
    detail = f"LLM API returned HTTP {status}: {exc.message}"
    if status == 429:
        error_type = LLM_RATE_LIMITED
    elif status >= 500:
        error_type = LLM_SERVER_ERROR
    elif status in RETRYABLE_STATUS:
        error_type = LLM_UNAVAILABLE
    else:
        error_type = LLM_AUTH_ERROR if status in (401, 403) else LLM_BAD_REQUEST
        return ApplicationError(detail, type=error_type, non_retryable=True)
    return ApplicationError(
        detail,
        type=error_type,
        next_retry_delay=retry_after(exc.response.headers, cap=MAX_RETRY_DELAY, milliseconds=True),
    )


def to_application_error(exc: BaseException) -> ApplicationError:
    """Maps an exception raised while calling the LLM; unknown exceptions stay retryable so a
    bug surfaces as retries in the UI rather than as a silently escalated ticket."""
    if isinstance(exc, LlmOutputError):
        return ApplicationError(str(exc), type=exc.error_type, non_retryable=True)
    if isinstance(exc, openai.APITimeoutError):
        return ApplicationError("LLM request timed out", type=LLM_TIMEOUT)
    if isinstance(exc, openai.APIConnectionError):
        return ApplicationError(f"Cannot reach the LLM API: {exc}", type=LLM_UNAVAILABLE)
    if isinstance(exc, openai.APIStatusError):
        return _status_error(exc)
    if isinstance(exc, openai.APIResponseValidationError):
        return ApplicationError(str(exc), type="LlmMalformedOutput", non_retryable=True)
    return ApplicationError(f"{type(exc).__name__}: {exc}", type="LlmUnexpectedError")
