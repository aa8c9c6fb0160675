"""Which delivery failures Temporal retries (activities/delivery_errors.py), as a table."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from activities.delivery_errors import delivery_failure

REQUEST = httpx.Request("POST", "https://hooks.example.com/cb?token=secret-in-query")


def answered(status: int, headers: dict[str, str] | None = None) -> httpx.HTTPStatusError:
    response = httpx.Response(status, headers=headers, request=REQUEST, text="customer data")
    return httpx.HTTPStatusError("failed", request=REQUEST, response=response)


@pytest.mark.parametrize(
    ("error", "kind", "retried"),
    [
        (answered(500), "DeliveryUnavailable", True),
        (answered(503), "DeliveryUnavailable", True),
        (answered(429), "DeliveryUnavailable", True),
        (answered(408), "DeliveryUnavailable", True),
        (answered(409), "DeliveryUnavailable", True),
        (answered(400), "DeliveryRejected", False),
        (answered(422), "DeliveryRejected", False),
        (answered(401), "DeliveryUnauthorized", False),
        (answered(403), "DeliveryUnauthorized", False),
        (answered(404), "DeliveryTargetGone", False),
        (answered(410), "DeliveryTargetGone", False),
        (answered(301), "DeliveryRedirected", False),
        (httpx.ConnectError("refused", request=REQUEST), "DeliveryUnreachable", True),
        (httpx.ReadTimeout("slow", request=REQUEST), "DeliveryTimeout", True),
        (ValueError("no endpoint"), "DeliveryMisconfigured", False),
    ],
)
def test_failures_are_retried_only_when_a_retry_can_help(
    error: Exception, kind: str, retried: bool
) -> None:
    failure = delivery_failure("callback", error)
    assert failure.type == kind
    assert failure.non_retryable is (not retried)
    assert "secret-in-query" not in failure.message and "customer data" not in failure.message


def test_retry_after_sets_the_next_attempt() -> None:
    failure = delivery_failure("zendesk", answered(429, {"Retry-After": "7"}))
    assert failure.next_retry_delay == timedelta(seconds=7)
    capped = delivery_failure("zendesk", answered(503, {"Retry-After": "999999"}))
    assert capped.next_retry_delay == timedelta(minutes=10)
