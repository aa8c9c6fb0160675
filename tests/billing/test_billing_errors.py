"""Error mapping, table-driven on Stripe exceptions built directly (the HTTP paths that produce
them for real are in test_billing_errors_http.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import stripe
from temporalio.exceptions import ApplicationError

from activities import billing_errors as errors
from activities.billing_errors import stripe_errors, to_application_error
from activities.retry_after import retry_after

SECRET = "sk_test_51HsuperSecretValue"

MAPPING = [
    # (error, expected type, retryable, expected next_retry_delay)
    (stripe.APIConnectionError("network down"), errors.CONNECTION_ERROR, True, None),
    (
        stripe.RateLimitError("slow down", http_status=429, headers={"Retry-After": "3"}),
        errors.RATE_LIMITED,
        True,
        timedelta(seconds=3),
    ),
    (stripe.RateLimitError("legacy rate limit", http_status=400), errors.RATE_LIMITED, True, None),
    (stripe.APIError("lock timeout", http_status=409), errors.CONFLICT, True, None),
    (stripe.APIError("request timeout", http_status=408), errors.UNAVAILABLE, True, None),
    (stripe.APIError("boom", http_status=500), errors.UNAVAILABLE, True, None),
    (
        stripe.APIError("maintenance", http_status=503, headers={"retry-after": "12"}),
        errors.UNAVAILABLE,
        True,
        timedelta(seconds=12),
    ),
    (
        stripe.CardError("declined", None, "card_declined", http_status=402),
        errors.CARD_DECLINED,
        False,
        None,
    ),
    (
        stripe.InvalidRequestError("No such charge", "id", "resource_missing", http_status=404),
        errors.INVALID_REQUEST,
        False,
        None,
    ),
    (
        stripe.IdempotencyError("key reused", http_status=400),
        errors.IDEMPOTENCY_CONFLICT,
        False,
        None,
    ),
    (stripe.AuthenticationError("bad key", http_status=401), errors.AUTH_ERROR, False, None),
    (stripe.PermissionError("not allowed", http_status=403), errors.AUTH_ERROR, False, None),
    (stripe.APIError("odd reply", http_status=404), errors.STRIPE_ERROR, True, None),
    (stripe.StripeError("unknown"), errors.STRIPE_ERROR, True, None),
    # A permanent error stays permanent even if the server sent Retry-After.
    (
        stripe.CardError("declined", None, "card_declined", 402, headers={"Retry-After": "5"}),
        errors.CARD_DECLINED,
        False,
        None,
    ),
]


@pytest.mark.parametrize(("error", "error_type", "retryable", "delay"), MAPPING)
def test_stripe_errors_map_to_application_errors(
    error: stripe.StripeError, error_type: str, retryable: bool, delay: timedelta | None
) -> None:
    failure = to_application_error(error, "get_charge")

    assert failure.type == error_type
    assert failure.non_retryable is not retryable
    assert failure.next_retry_delay == delay
    assert failure.message.startswith(f"Stripe get_charge failed ({error_type}")


def test_non_retryable_types_are_exactly_the_permanent_ones() -> None:
    permanent = {
        to_application_error(error, "x").type for error, _, retryable, _ in MAPPING if not retryable
    }
    assert permanent <= set(errors.NON_RETRYABLE_TYPES)
    assert errors.RATE_LIMITED not in errors.NON_RETRYABLE_TYPES


def test_details_carry_codes_for_the_workflow_and_people() -> None:
    error = stripe.CardError(
        "Your card has insufficient funds.",
        None,
        "card_declined",
        http_status=402,
        json_body={"error": {"code": "card_declined", "decline_code": "insufficient_funds"}},
        headers={"request-id": "req_123"},
    )

    (details,) = to_application_error(error, "create_refund").details

    assert details == {
        "operation": "create_refund",
        "http_status": 402,
        "stripe_code": "card_declined",
        "decline_code": "insufficient_funds",
        "request_id": "req_123",
    }


def test_messages_never_carry_keys() -> None:
    error = stripe.AuthenticationError(
        f"Invalid API Key provided: {SECRET}; header was Bearer {SECRET}", http_status=401
    )

    failure = to_application_error(error, "get_charge")

    assert SECRET not in failure.message
    assert SECRET not in str(failure.details)
    assert "[redacted]" in failure.message


def test_long_messages_are_truncated() -> None:
    failure = to_application_error(stripe.APIError("x" * 5_000, http_status=500), "get_charge")
    assert len(failure.message) < 700


def test_context_manager_raises_without_chaining_the_stripe_error() -> None:
    with pytest.raises(ApplicationError) as raised, stripe_errors("create_refund"):
        raise stripe.AuthenticationError(f"Invalid API Key provided: {SECRET}", http_status=401)

    assert raised.value.type == errors.AUTH_ERROR
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_context_manager_leaves_other_exceptions_alone() -> None:
    with pytest.raises(KeyError), stripe_errors("get_charge"):
        raise KeyError("not stripe")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (None, None),
        ({}, None),
        ({"Retry-After": "7"}, timedelta(seconds=7)),
        ({"retry-after": "1.5"}, timedelta(seconds=1.5)),
        ({"RETRY-AFTER": "0"}, None),
        ({"Retry-After": "-4"}, None),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "86400"}, errors.MAX_RETRY_AFTER),
        ({"Retry-After": format_datetime(datetime(2001, 1, 1, tzinfo=UTC), usegmt=True)}, None),
    ],
)
def test_retry_after_parsing(headers: dict[str, str] | None, expected: timedelta | None) -> None:
    assert retry_after(headers, cap=errors.MAX_RETRY_AFTER) == expected


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
    in_90_seconds = now + timedelta(seconds=90)

    delay = retry_after(
        {"Retry-After": format_datetime(in_90_seconds, usegmt=True)},
        cap=errors.MAX_RETRY_AFTER,
        now=now,
    )

    assert delay == timedelta(seconds=90)
